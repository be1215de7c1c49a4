-- Analytics (issue 5), second step: the fact table keys incidents by small integer codes instead of
-- text (type, kecamatan, kelurahan), which halves the cost of hashing a million rows per recompute.
-- The fact table is a derived rollup: it is recreated empty here and rebuilt by the next refresh.

-- Stable small codes for incident types, kecamatan and kelurahan (assigned on first sight).
CREATE TABLE analytics_codes (
    kind  text NOT NULL CHECK (kind IN ('type', 'kecamatan', 'kelurahan')),
    code  text NOT NULL,
    id    smallint NOT NULL CHECK (id > 0),
    PRIMARY KEY (kind, code),
    UNIQUE (kind, id)
);

DROP TABLE analytics_incident_facts;
CREATE TABLE analytics_incident_facts (
    incident_id   bigint PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
    ref_at        timestamptz NOT NULL,          -- call_received_at, else created_at
    day_wita      date NOT NULL,                 -- calendar day of ref_at in Asia/Makassar
    week_wita     date NOT NULL,                 -- Monday of that day's ISO week
    hour_wita     smallint NOT NULL,             -- 0..23 in Asia/Makassar
    isodow_wita   smallint NOT NULL,             -- 1 = Monday .. 7 = Sunday in Asia/Makassar
    type_id       smallint NOT NULL,             -- analytics_codes (type)
    kec_id        smallint,                      -- analytics_codes (kecamatan)
    kel_id        smallint,                      -- analytics_codes (kelurahan)
    no_unit       boolean NOT NULL,              -- closed as prank, duplicate or cancelled
    closed        boolean NOT NULL,
    answer_s      integer,                       -- call_answered - call_received
    processing_s  integer,                       -- first unit_dispatched - call_answered
    turnout_s     integer,                       -- first unit_en_route - first unit_dispatched
    travel_s      integer,                       -- first unit_on_scene - first unit_en_route
    total_s       integer,                       -- first unit_on_scene - call_received
    close_s       integer,                       -- closed - (call_received, else created)
    units_n       smallint NOT NULL DEFAULT 0    -- units dispatched to the incident
);
CREATE INDEX analytics_facts_ref_idx ON analytics_incident_facts (ref_at);

UPDATE analytics_refresh_state SET event_id = 0, call_id = 0, refreshed_at = NULL;
DELETE FROM analytics_calls_daily;
