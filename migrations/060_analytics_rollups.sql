-- Analytics rollups: per-day column blocks of the incident facts, per-day counts, per-day call
-- histograms, and which call stamps an incident's creator did not record.
--
-- * analytics_call_stamps_unrecorded: one row per incident created without the call's received
--   and/or answered time (the console, an API client that sends none). Such an incident's call
--   row and projection carry the creation time instead; analytics leaves the intervals that
--   depend on an unrecorded stamp unmeasured (incomplete) instead of counting 0 s.
-- * analytics_incident_facts gains has_call / answered (the incident came from a call; the call
--   was answered) so that call figures can follow the type and kecamatan filters.
-- * analytics_day_blocks: one row per WITA day holding that day's facts as fixed-width columns
--   (big-endian, one value per incident in incident order; -1 = not measured). A dashboard reads
--   the days of its period and merges them into exact one-second histograms.
-- * analytics_day_counts: incidents, units dispatched and incidents with a call per day, type and
--   kecamatan (previous-period comparisons without reading blocks).
-- * analytics_call_blocks: each WITA day's calls by classification, and the histogram of answer
--   seconds of its answered calls (from analytics_calls_daily).
--
-- All of them are derived: the facts are emptied here and rebuilt whole by the next refresh.

CREATE TABLE analytics_call_stamps_unrecorded (
    incident_id  bigint PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
    received     boolean NOT NULL,              -- call_received_at was given by the creator
    answered     boolean NOT NULL               -- call_answered_at was given by the creator
);

ALTER TABLE analytics_incident_facts
    ADD COLUMN has_call boolean NOT NULL DEFAULT false,
    ADD COLUMN answered boolean NOT NULL DEFAULT false;
CREATE INDEX analytics_facts_day_idx ON analytics_incident_facts (day_wita);

CREATE TABLE analytics_day_blocks (
    day_wita    date PRIMARY KEY,
    n           integer NOT NULL,
    codes       bytea NOT NULL,   -- int8: type_id | kec_id << 16 | kel_id << 32 | hour << 48 | flags << 56
    refs        bytea NOT NULL,   -- int8: microseconds from 00:00 WITA to ref_at
    units       bytea NOT NULL,   -- int2: units dispatched
    answer      bytea NOT NULL,   -- int4 seconds, -1 = not measured
    processing  bytea NOT NULL,
    turnout     bytea NOT NULL,
    travel      bytea NOT NULL,
    total       bytea NOT NULL,
    close       bytea NOT NULL
);
-- Read speed over size: the blocks are read whole on every dashboard recompute.
ALTER TABLE analytics_day_blocks
    ALTER COLUMN codes SET STORAGE EXTERNAL, ALTER COLUMN refs SET STORAGE EXTERNAL,
    ALTER COLUMN units SET STORAGE EXTERNAL, ALTER COLUMN answer SET STORAGE EXTERNAL,
    ALTER COLUMN processing SET STORAGE EXTERNAL, ALTER COLUMN turnout SET STORAGE EXTERNAL,
    ALTER COLUMN travel SET STORAGE EXTERNAL, ALTER COLUMN total SET STORAGE EXTERNAL,
    ALTER COLUMN close SET STORAGE EXTERNAL;

CREATE TABLE analytics_day_counts (
    day_wita   date NOT NULL,
    type_id    smallint NOT NULL,
    kec_id     smallint NOT NULL,              -- 0: outside every kecamatan
    incidents  integer NOT NULL,
    units      integer NOT NULL,
    calls      integer NOT NULL,               -- incidents that came from a call
    PRIMARY KEY (day_wita, type_id, kec_id)
);

CREATE TABLE analytics_call_blocks (
    day_wita        date PRIMARY KEY,
    classes         text[] NOT NULL,
    class_calls     integer[] NOT NULL,
    class_answered  integer[] NOT NULL,
    answer_s        integer[] NOT NULL,        -- distinct answer seconds (ascending) ...
    answer_n        integer[] NOT NULL         -- ... and how many answered calls had each
);

TRUNCATE analytics_incident_facts, analytics_calls_daily;
UPDATE analytics_refresh_state SET event_id = 0, call_id = 0, refreshed_at = NULL, recent_calls_at = NULL,
                                   version = version + 1;
DELETE FROM analytics_dashboard_cache;

-- The rollups are rebuilt with TRUNCATE like the fact table (privileges of the app's role).
DO $$
BEGIN
    IF to_regclass('app_role_privileges') IS NOT NULL THEN
        INSERT INTO app_role_privileges (table_name, privileges, reason) VALUES
            ('analytics_day_blocks', '{SELECT,INSERT,UPDATE,DELETE,TRUNCATE}', 'derived rollup, rebuilt with TRUNCATE'),
            ('analytics_day_counts', '{SELECT,INSERT,UPDATE,DELETE,TRUNCATE}', 'derived rollup, rebuilt with TRUNCATE'),
            ('analytics_call_blocks', '{SELECT,INSERT,UPDATE,DELETE,TRUNCATE}', 'derived rollup, rebuilt with TRUNCATE')
        ON CONFLICT (table_name) DO NOTHING;
    END IF;
END $$;
