-- Failed-login counters per user name and per client address (exponential back-off, shared by every
-- worker process). A burst is a run of failures without a success; it is audited once.
CREATE TABLE login_throttle (
    key              text PRIMARY KEY,          -- 'user:<name>' or 'addr:<ip>'
    failures         integer     NOT NULL DEFAULT 0,
    first_failure_at timestamptz NOT NULL DEFAULT now(),
    last_failure_at  timestamptz NOT NULL DEFAULT now(),
    blocked_until    timestamptz,
    audited          boolean     NOT NULL DEFAULT false
);
CREATE INDEX login_throttle_last_idx ON login_throttle (last_failure_at);

ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check CHECK (kind IN
    ('call_received', 'call_answered', 'incident_created', 'unit_dispatched',
     'unit_en_route', 'unit_on_scene', 'transport_started', 'at_hospital',
     'unit_cleared', 'incident_closed', 'incident_updated', 'unit_unassigned',
     'unit_status', 'login', 'logout', 'login_failed', 'login_throttled', 'facility_corrected',
     'import'));
