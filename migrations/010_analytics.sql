-- Analytics (issue 5): a per-incident fact table derived from the incidents projection, so that
-- the leadership dashboard aggregates a narrow table (whole-second intervals, WITA calendar
-- fields precomputed) instead of the wide incidents rows; plus import bookkeeping.
--
-- The fact table is a rollup, never the source of truth: store/analytics.py refreshes it
-- incrementally before every aggregation (new incidents, and every incident that an event touched
-- since the last refresh) and can rebuild it completely. An interval is NULL when a stamp is missing or the stamps are out of
-- order (negative interval); it is then counted as incomplete.

CREATE TABLE analytics_incident_facts (
    incident_id     bigint PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
    ref_at          timestamptz NOT NULL,          -- call_received_at, else created_at
    day_wita        date NOT NULL,                 -- calendar day of ref_at in Asia/Makassar
    hour_wita       smallint NOT NULL,             -- 0..23 in Asia/Makassar
    isodow_wita     smallint NOT NULL,             -- 1 = Monday .. 7 = Sunday in Asia/Makassar
    incident_type   text NOT NULL,
    kecamatan_kode  text,
    kelurahan_kode  text,
    outcome         text,
    answer_s        integer,                       -- call_answered - call_received
    processing_s    integer,                       -- first unit_dispatched - call_answered
    turnout_s       integer,                       -- first unit_en_route - first unit_dispatched
    travel_s        integer,                       -- first unit_on_scene - first unit_en_route
    total_s         integer,                       -- first unit_on_scene - call_received
    close_s         integer,                       -- closed - (call_received, else created)
    closed          boolean NOT NULL,
    units_n         smallint NOT NULL DEFAULT 0    -- units dispatched to the incident
);
CREATE INDEX analytics_facts_ref_idx ON analytics_incident_facts (ref_at);

-- How far the fact table has followed the event history (one row).
CREATE TABLE analytics_refresh_state (
    id            integer PRIMARY KEY CHECK (id = 1),
    event_id      bigint NOT NULL DEFAULT 0,     -- events read up to here
    call_id       bigint NOT NULL DEFAULT 0,     -- calls rolled up up to here
    refreshed_at  timestamptz
);
INSERT INTO analytics_refresh_state (id) VALUES (1);

-- Calls per WITA day, classification and answer time (whole seconds): calls have no place or
-- type, so one row here stands for many calls (the day's histogram). Days are rebuilt whole.
CREATE TABLE analytics_calls_daily (
    day_wita        date NOT NULL,
    classification  text NOT NULL,
    answered        boolean NOT NULL,
    answer_s        integer,                       -- NULL: unanswered or out-of-order stamps
    n               integer NOT NULL
);
CREATE INDEX analytics_calls_daily_day_idx ON analytics_calls_daily (day_wita);

-- Historical imports: one row per accepted file, and the source reference of every incident it
-- created (so that the same record is never imported twice).
CREATE TABLE analytics_imports (
    id           serial PRIMARY KEY,
    filename     text,
    sha256       text NOT NULL,
    incidents_n  integer NOT NULL,
    units_n      integer NOT NULL,
    actor        text NOT NULL,
    imported_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE analytics_import_refs (
    source_ref   text PRIMARY KEY,
    incident_id  bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    import_id    integer NOT NULL REFERENCES analytics_imports (id)
);

-- Whole seconds from a to b (floor); NULL when a stamp is missing or b is before a.
CREATE FUNCTION analytics_seconds(a timestamptz, b timestamptz) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN b >= a THEN floor(extract(epoch FROM b - a))::integer END;
