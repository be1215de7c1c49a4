-- Core schema: geography, facilities, fleet, incidents, the append-only event history, users.
CREATE EXTENSION IF NOT EXISTS postgis;

-- Administrative areas ------------------------------------------------------------------
CREATE TABLE kecamatan (
    kode        text PRIMARY KEY,                       -- Kemendagri code 74.71.xx
    nama        text NOT NULL UNIQUE,
    geom        geometry(MultiPolygon, 4326) NOT NULL,
    area_km2    double precision NOT NULL,
    population  integer,                                -- from an imported BPS table, if any
    population_year integer
);
CREATE INDEX kecamatan_geom_gix ON kecamatan USING gist (geom);

CREATE TABLE kelurahan (
    kode            text PRIMARY KEY,                   -- Kemendagri code 74.71.xx.xxxx
    nama            text NOT NULL,
    kecamatan_kode  text NOT NULL REFERENCES kecamatan (kode),
    geom            geometry(MultiPolygon, 4326) NOT NULL,
    area_km2        double precision NOT NULL,
    population      integer,
    UNIQUE (kecamatan_kode, nama)
);
CREATE INDEX kelurahan_geom_gix ON kelurahan USING gist (geom);

-- Other spellings of place names (call-taker input, addresses) -> canonical names.
CREATE TABLE place_aliases (
    alias_norm  text PRIMARY KEY,      -- lower-case, hyphens/spaces folded
    alias       text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('kelurahan', 'kecamatan')),
    kode        text NOT NULL
);

-- Agencies, unit types, incident types and response plans (data, edited by admins) ------
CREATE TABLE agencies (
    code     text PRIMARY KEY,                          -- POLICE, DAMKAR, PSC119, BPBD, ...
    name_id  text NOT NULL,
    name_en  text NOT NULL
);

CREATE TABLE unit_types (
    code         text PRIMARY KEY,                      -- ambulance, fire_engine, ...
    agency_code  text NOT NULL REFERENCES agencies (code),
    name_id      text NOT NULL,
    name_en      text NOT NULL
);

CREATE TABLE incident_types (
    code              text PRIMARY KEY,                 -- structure_fire, medical, ...
    agency_code       text NOT NULL REFERENCES agencies (code),
    name_id           text NOT NULL,
    name_en           text NOT NULL,
    apco_code         text,                             -- APCO ANS 2.103.1 common incident type
    default_priority  smallint NOT NULL CHECK (default_priority BETWEEN 1 AND 4),
    is_emergency      boolean NOT NULL DEFAULT true
);

-- A run card: how many units of which type a first response needs.
CREATE TABLE response_plans (
    incident_type  text NOT NULL REFERENCES incident_types (code) ON DELETE CASCADE,
    unit_type      text NOT NULL REFERENCES unit_types (code),
    unit_count     smallint NOT NULL CHECK (unit_count BETWEEN 1 AND 10),
    substitutes    text[] NOT NULL DEFAULT '{}',        -- unit types that may stand in
    PRIMARY KEY (incident_type, unit_type)
);

-- Stations and facilities ---------------------------------------------------------------
CREATE TABLE facilities (
    id                   serial PRIMARY KEY,
    name                 text NOT NULL UNIQUE,
    category             text NOT NULL CHECK (category IN
                           ('puskesmas', 'hospital', 'fire_post', 'police_station', 'bpbd_post',
                            'command_centre', 'landmark')),
    agency_code          text REFERENCES agencies (code),
    address              text,
    phone                text,
    geom                 geometry(Point, 4326) NOT NULL,
    -- how well the point is known: surveyed / high / medium / low / approximate (kecamatan only)
    location_confidence  text NOT NULL CHECK (location_confidence IN
                           ('surveyed', 'high', 'medium-high', 'medium', 'low', 'approximate')),
    kecamatan_kode       text REFERENCES kecamatan (kode),
    kelurahan_kode       text REFERENCES kelurahan (kode),
    source               text NOT NULL,
    licence              text,
    synthetic            boolean NOT NULL DEFAULT false,
    corrected_by         text,
    corrected_at         timestamptz
);
CREATE INDEX facilities_geom_gix ON facilities USING gist (geom);

-- Users, sessions, API tokens -----------------------------------------------------------
CREATE TABLE users (
    id             serial PRIMARY KEY,
    username       text NOT NULL UNIQUE CHECK (length(username) BETWEEN 2 AND 64),
    display_name   text NOT NULL,
    password_hash  text NOT NULL,
    role           text NOT NULL CHECK (role IN ('dispatcher', 'leadership', 'planner', 'admin', 'crew')),
    unit_id        integer,                            -- crew accounts: the unit they staff
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
    token_hash  text PRIMARY KEY,                      -- sha256 of the cookie value
    user_id     integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE api_tokens (
    id          serial PRIMARY KEY,
    token_hash  text NOT NULL UNIQUE,
    name        text NOT NULL,
    user_id     integer REFERENCES users (id) ON DELETE CASCADE,  -- NULL: an integration
    role        text NOT NULL CHECK (role IN ('dispatcher', 'leadership', 'planner', 'admin', 'crew', 'integration')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

-- Fleet -----------------------------------------------------------------------------------
CREATE TABLE units (
    id                serial PRIMARY KEY,
    callsign          text NOT NULL UNIQUE,
    unit_type         text NOT NULL REFERENCES unit_types (code),
    agency_code       text NOT NULL REFERENCES agencies (code),
    home_facility_id  integer REFERENCES facilities (id),
    status            text NOT NULL DEFAULT 'available' CHECK (status IN
                        ('available', 'dispatched', 'en_route', 'on_scene', 'transporting',
                         'at_hospital', 'out_of_service')),
    status_at         timestamptz NOT NULL DEFAULT now(),
    position          geometry(Point, 4326),           -- last reported position
    position_at       timestamptz,
    synthetic         boolean NOT NULL DEFAULT false
);
CREATE INDEX units_position_gix ON units USING gist (position);
CREATE INDEX units_status_idx ON units (status);
ALTER TABLE users ADD CONSTRAINT users_unit_fk FOREIGN KEY (unit_id) REFERENCES units (id);

-- Calls and incidents -----------------------------------------------------------------------
CREATE TABLE calls (
    id              bigserial PRIMARY KEY,
    received_at     timestamptz NOT NULL,
    answered_at     timestamptz,                        -- NULL: abandoned / never answered
    ended_at        timestamptz,
    caller_phone    text,
    -- what the call turned out to be
    classification  text NOT NULL DEFAULT 'valid' CHECK (classification IN
                      ('valid', 'prank', 'ghost', 'invalid', 'duplicate', 'abandoned', 'info')),
    incident_id     bigint,
    synthetic       boolean NOT NULL DEFAULT false,
    CHECK (answered_at IS NULL OR answered_at >= received_at)
);
CREATE INDEX calls_received_idx ON calls (received_at);

CREATE TABLE incidents (
    id              bigserial PRIMARY KEY,
    call_id         bigint REFERENCES calls (id),
    incident_type   text NOT NULL REFERENCES incident_types (code),
    priority        smallint NOT NULL CHECK (priority BETWEEN 1 AND 4),
    geom            geometry(Point, 4326) NOT NULL,
    location_approximate boolean NOT NULL DEFAULT false,
    kecamatan_kode  text REFERENCES kecamatan (kode),   -- set by the spatial join trigger
    kelurahan_kode  text REFERENCES kelurahan (kode),
    address         text CHECK (length(address) <= 500),
    description     text CHECK (length(description) <= 4000),
    caller_phone    text CHECK (length(caller_phone) <= 32),
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    outcome         text CHECK (outcome IN ('resolved', 'false_alarm', 'prank', 'duplicate', 'cancelled')),
    duplicate_of    bigint REFERENCES incidents (id),
    created_by      integer REFERENCES users (id),
    -- Projection of the event history, maintained in the same transaction as the events,
    -- so that analytics can aggregate without re-reading every event.
    call_received_at     timestamptz,
    call_answered_at     timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    first_dispatched_at  timestamptz,
    first_en_route_at    timestamptz,
    first_on_scene_at    timestamptz,
    closed_at            timestamptz,
    synthetic       boolean NOT NULL DEFAULT false,
    CHECK ((status = 'closed') = (outcome IS NOT NULL))
);
CREATE INDEX incidents_geom_gix ON incidents USING gist (geom);
CREATE INDEX incidents_open_idx ON incidents (status) WHERE status = 'open';
CREATE INDEX incidents_created_idx ON incidents (created_at);
CREATE INDEX incidents_received_idx ON incidents (call_received_at);
ALTER TABLE calls ADD CONSTRAINT calls_incident_fk FOREIGN KEY (incident_id) REFERENCES incidents (id);

-- Spatial join: every incident gets the kecamatan/kelurahan that contains it (or the nearest
-- one within 1 km, for points on a sliver between polygons or on the shore).
CREATE FUNCTION incidents_place() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT k.kode, k.kecamatan_kode INTO NEW.kelurahan_kode, NEW.kecamatan_kode
      FROM kelurahan k
     WHERE ST_Intersects(k.geom, NEW.geom)
     LIMIT 1;
    IF NEW.kelurahan_kode IS NULL THEN
        SELECT k.kode, k.kecamatan_kode INTO NEW.kelurahan_kode, NEW.kecamatan_kode
          FROM kelurahan k
         WHERE ST_DWithin(k.geom::geography, NEW.geom::geography, 1000)
         ORDER BY k.geom <-> NEW.geom
         LIMIT 1;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER incidents_place_trg BEFORE INSERT OR UPDATE OF geom ON incidents
    FOR EACH ROW EXECUTE FUNCTION incidents_place();

CREATE TABLE assignments (
    id            bigserial PRIMARY KEY,
    incident_id   bigint NOT NULL REFERENCES incidents (id),
    unit_id       integer NOT NULL REFERENCES units (id),
    status        text NOT NULL CHECK (status IN
                    ('dispatched', 'en_route', 'on_scene', 'transporting', 'at_hospital', 'cleared')),
    assigned_at   timestamptz NOT NULL,                 -- = unit_dispatched
    -- projection of this unit's stamps (the events table stays the source of truth)
    en_route_at           timestamptz,
    on_scene_at           timestamptz,
    transport_started_at  timestamptz,
    at_hospital_at        timestamptz,
    cleared_at            timestamptz,
    assigned_by   integer REFERENCES users (id),
    eta_s         double precision                      -- predicted travel time when assigned
);
CREATE INDEX assignments_incident_idx ON assignments (incident_id);
-- A unit has at most one active assignment.
CREATE UNIQUE INDEX assignments_one_active_per_unit ON assignments (unit_id) WHERE status <> 'cleared';

-- The append-only event history -------------------------------------------------------------
CREATE TABLE events (
    id             bigserial PRIMARY KEY,
    kind           text NOT NULL CHECK (kind IN
                     ('call_received', 'call_answered', 'incident_created', 'unit_dispatched',
                      'unit_en_route', 'unit_on_scene', 'transport_started', 'at_hospital',
                      'unit_cleared', 'incident_closed', 'incident_updated', 'unit_unassigned',
                      'unit_status', 'login', 'logout', 'login_failed', 'facility_corrected',
                      'import')),
    at             timestamptz NOT NULL,                -- when it happened
    recorded_at    timestamptz NOT NULL DEFAULT now(),  -- when it was written
    incident_id    bigint REFERENCES incidents (id),
    call_id        bigint REFERENCES calls (id),
    unit_id        integer REFERENCES units (id),
    assignment_id  bigint REFERENCES assignments (id),
    actor_user_id  integer REFERENCES users (id),
    actor          text,                                -- username, 'api:<token name>', 'demo', ...
    data           jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX events_incident_idx ON events (incident_id, at);
CREATE INDEX events_kind_at_idx ON events (kind, at);
CREATE INDEX events_unit_idx ON events (unit_id, at);

CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only: % is not allowed', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();

-- Unit position history (vehicle trackers, crew phones).
CREATE TABLE unit_positions (
    id           bigserial PRIMARY KEY,
    unit_id      integer NOT NULL REFERENCES units (id),
    geom         geometry(Point, 4326) NOT NULL,
    recorded_at  timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    source       text NOT NULL DEFAULT 'api'
);
CREATE INDEX unit_positions_unit_idx ON unit_positions (unit_id, recorded_at DESC);

-- Key/value settings an administrator can change (e.g. analytics targets) -----------------
CREATE TABLE app_settings (
    key         text PRIMARY KEY,
    value       jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
