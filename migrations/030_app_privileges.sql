-- What the application's database role may do, per table. The app connects as a role that owns
-- nothing: store/roles.py grants it exactly the privileges listed here at every start-up (and
-- revokes any others it was given directly). A table without a row gets SELECT, INSERT, UPDATE,
-- DELETE; a view gets SELECT. No table gets REFERENCES or TRIGGER, and ALTER/DROP/DISABLE TRIGGER
-- stay with the owner role that runs the migrations.
--
-- A later migration that adds a table needing other rights adds its row here, e.g.
--   INSERT INTO app_role_privileges VALUES ('my_log', '{SELECT,INSERT}', 'append-only log');
CREATE TABLE app_role_privileges (
    table_name  text PRIMARY KEY,
    privileges  text[] NOT NULL CHECK (privileges <@ ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']),
    reason      text NOT NULL
);

INSERT INTO app_role_privileges (table_name, privileges, reason) VALUES
    ('events', '{SELECT,INSERT}', 'append-only history: never updated, deleted or truncated'),
    ('schema_migrations', '{SELECT}', 'written by the owner role only'),
    ('app_role_privileges', '{SELECT}', 'written by the owner role only'),
    ('analytics_incident_facts', '{SELECT,INSERT,UPDATE,DELETE,TRUNCATE}', 'derived rollup, rebuilt with TRUNCATE'),
    ('analytics_calls_daily', '{SELECT,INSERT,UPDATE,DELETE,TRUNCATE}', 'derived rollup, rebuilt with TRUNCATE');
