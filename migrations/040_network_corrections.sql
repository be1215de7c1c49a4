-- Corrections applied to every travel network (imported or approximate): connectors (bridge, ferry,
-- missing link), closures (a road stretch or an area, from–until) and speed factors (road class × WITA
-- hour band). Who/when/why is kept on the row and every change is an event; retiring keeps the row.
CREATE TABLE network_corrections (
    id              serial PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('connector', 'closure', 'speed_factor')),
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('proposed', 'active', 'retired')),
    name            text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    reason          text NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
    source          text NOT NULL DEFAULT '' CHECK (length(source) <= 200),
    geom            geometry(Geometry, 4326),
    connector_kind  text CHECK (connector_kind IN ('bridge', 'ferry', 'link')),
    length_m        double precision CHECK (length_m > 0),
    speed_kmh       double precision CHECK (speed_kmh > 0 AND speed_kmh <= 130),
    crossing_s      double precision CHECK (crossing_s >= 0),
    waiting_s       double precision NOT NULL DEFAULT 0 CHECK (waiting_s >= 0),
    starts_at       timestamptz,
    ends_at         timestamptz,
    road_class      text,
    start_hour      real CHECK (start_hour >= 0 AND start_hour < 24),
    end_hour        real CHECK (end_hour >= 0 AND end_hour <= 24),
    factor          real CHECK (factor > 0 AND factor <= 3),
    incident_id     bigint REFERENCES incidents (id),       -- the ticket a proposed closure came from
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_by      text,
    updated_at      timestamptz,
    CHECK (kind <> 'connector' OR (geom IS NOT NULL AND connector_kind IS NOT NULL)),
    CHECK (kind <> 'closure' OR geom IS NOT NULL),
    CHECK (kind <> 'speed_factor' OR (road_class IS NOT NULL AND factor IS NOT NULL
                                      AND start_hour IS NOT NULL AND end_hour IS NOT NULL)),
    CHECK (ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at)
);
CREATE INDEX network_corrections_status_idx ON network_corrections (status, kind);
CREATE INDEX network_corrections_geom_idx ON network_corrections USING gist (geom);

CREATE TRIGGER network_corrections_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON network_corrections
    FOR EACH STATEMENT EXECUTE FUNCTION bump_resource_version('network');

ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check CHECK (kind IN
    ('call_received', 'call_answered', 'incident_created', 'unit_dispatched',
     'unit_en_route', 'unit_on_scene', 'transport_started', 'at_hospital',
     'unit_cleared', 'incident_closed', 'incident_updated', 'unit_unassigned',
     'unit_status', 'login', 'logout', 'login_failed', 'login_throttled', 'facility_corrected',
     'import', 'network_correction', 'network_imported'));
