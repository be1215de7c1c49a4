-- Live coverage and move-up: the unit status "moving to post", standby posts, move-up proposals
-- and the moves they start, the coverage holes the console shows ("since when") and today's
-- uncovered-time figures. Every decision is also an event (kinds added below).

-- A unit that was asked to move to a post (a station or a standby point) is available for calls
-- on its way; it has no assignment. Its destination is its open row in unit_post_moves.
ALTER TABLE units DROP CONSTRAINT units_status_check;
ALTER TABLE units ADD CONSTRAINT units_status_check CHECK (status IN
    ('available', 'dispatched', 'en_route', 'on_scene', 'transporting', 'at_hospital', 'out_of_service',
     'moving_to_post'));

-- Standby points where an available unit may wait (besides its agency's stations).
CREATE TABLE standby_posts (
    id                   serial PRIMARY KEY,
    name                 text NOT NULL UNIQUE CHECK (length(name) BETWEEN 2 AND 200),
    unit_types           text[] NOT NULL DEFAULT '{}',       -- types that may wait here; empty: every type
    geom                 geometry(Point, 4326) NOT NULL,
    location_confidence  text NOT NULL DEFAULT 'approximate' CHECK (location_confidence IN
                           ('surveyed', 'high', 'medium-high', 'medium', 'low', 'approximate')),
    note                 text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    active               boolean NOT NULL DEFAULT true,
    created_by           text NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    retired_by           text,
    retired_at           timestamptz
);

INSERT INTO resource_versions (name) VALUES ('posts') ON CONFLICT (name) DO NOTHING;
CREATE TRIGGER standby_posts_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON standby_posts
    FOR EACH STATEMENT EXECUTE FUNCTION bump_resource_version('posts');

-- The south end of the Teluk Kendari bridge (Lapulu, Kec. Abeli): from here one ambulance reaches
-- both Kota Lama and the east side. Approximate; an administrator moves or retires it.
INSERT INTO standby_posts (name, unit_types, geom, location_confidence, note, created_by) VALUES
    ('Pos siaga Lapulu (ujung jembatan Teluk Kendari)', '{ambulance}',
     ST_SetSRID(ST_MakePoint(122.5862, -3.9812), 4326), 'approximate',
     'Titik siaga perkiraan di ujung selatan jembatan Teluk Kendari; periksa di lapangan.', 'migration');

-- Move-up proposals: at most one open proposal per unit type; a dismissed one is not proposed
-- again while the same units of the type are committed (situation).
CREATE TABLE move_up_proposals (
    id                  bigserial PRIMARY KEY,
    unit_type           text NOT NULL REFERENCES unit_types (code),
    status              text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'dismissed', 'expired')),
    situation           text NOT NULL,
    moves               jsonb NOT NULL,
    demand              text NOT NULL,
    threshold_min       double precision NOT NULL,
    baseline_share      double precision NOT NULL,
    uncovered_before    double precision NOT NULL,
    uncovered_after     double precision NOT NULL,
    proposed_at         timestamptz NOT NULL DEFAULT now(),
    decided_at          timestamptz,
    decided_by          text,
    decided_by_user_id  integer REFERENCES users (id),
    reason              text CHECK (length(reason) <= 64),
    note                text CHECK (length(note) <= 500)
);
CREATE UNIQUE INDEX move_up_one_open_per_type ON move_up_proposals (unit_type) WHERE status = 'open';
CREATE INDEX move_up_dismissed_idx ON move_up_proposals (unit_type, situation) WHERE status = 'dismissed';

-- A unit's move to a post: open (ended_at NULL) while the unit is moving_to_post.
CREATE TABLE unit_post_moves (
    id           bigserial PRIMARY KEY,
    unit_id      integer NOT NULL REFERENCES units (id),
    proposal_id  bigint REFERENCES move_up_proposals (id),
    post_id      text NOT NULL CHECK (length(post_id) <= 32),  -- 'f<facility id>' or 's<standby post id>'
    post_name    text NOT NULL,
    geom         geometry(Point, 4326) NOT NULL,
    travel_s     double precision,
    started_at   timestamptz NOT NULL,
    started_by   text NOT NULL,
    ended_at     timestamptz,
    outcome      text                                          -- 'arrived', or the status that ended it
);
CREATE UNIQUE INDEX unit_post_moves_one_open ON unit_post_moves (unit_id) WHERE ended_at IS NULL;

-- Any status change away from moving_to_post (a call, out of service, available where it is)
-- ends the unit's open move with that status as its outcome. Arrival ends it first ('arrived').
CREATE FUNCTION units_end_post_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE unit_post_moves SET ended_at = NEW.status_at, outcome = NEW.status
     WHERE unit_id = NEW.id AND ended_at IS NULL;
    RETURN NULL;
END $$;
CREATE TRIGGER units_end_post_move AFTER UPDATE OF status ON units FOR EACH ROW
    WHEN (OLD.status = 'moving_to_post' AND NEW.status IS DISTINCT FROM 'moving_to_post')
    EXECUTE FUNCTION units_end_post_move();

-- Coverage holes open now, per unit type: since when more of the demand is uncovered than with
-- every unit at its home station plus the trigger share. Deleted when the hole closes.
CREATE TABLE coverage_holes (
    unit_type   text PRIMARY KEY REFERENCES unit_types (code),
    since       timestamptz NOT NULL,
    share       double precision NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Uncovered-time figures of the current WITA day as last computed (kecamatan '' = the whole
-- city), so that a page without the travel network can show today's share.
CREATE TABLE coverage_daily (
    day              date NOT NULL,
    unit_type        text NOT NULL,
    kecamatan        text NOT NULL,
    uncovered_share  double precision NOT NULL,
    observed_s       double precision NOT NULL,
    computed_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (day, unit_type, kecamatan)
);

ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check CHECK (kind IN
    ('call_received', 'call_answered', 'incident_created', 'unit_dispatched',
     'unit_en_route', 'unit_on_scene', 'transport_started', 'at_hospital',
     'unit_cleared', 'incident_closed', 'incident_updated', 'unit_unassigned',
     'unit_status', 'login', 'logout', 'login_failed', 'login_throttled', 'facility_corrected',
     'import', 'network_correction', 'network_imported',
     'move_up_proposed', 'move_up_accepted', 'move_up_dismissed', 'unit_moving_to_post', 'unit_at_post',
     'standby_post_changed', 'coverage_settings_changed'));
