-- Versions of the shared read-only resources every worker process keeps in memory
-- (catalog, facilities, area boundaries, road network and its corrections). A change to the
-- underlying tables bumps the version; each worker compares versions and reloads what changed.
CREATE TABLE resource_versions (
    name        text PRIMARY KEY,
    version     bigint      NOT NULL DEFAULT 1,
    changed_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO resource_versions (name) VALUES ('catalog'), ('facilities'), ('areas'), ('network')
ON CONFLICT (name) DO NOTHING;

-- SECURITY DEFINER: a role that may edit facilities need not be able to write resource_versions.
CREATE FUNCTION bump_resource_version() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    UPDATE resource_versions SET version = version + 1, changed_at = now() WHERE name = TG_ARGV[0];
    RETURN NULL;
END;
$$;

CREATE TRIGGER incident_types_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON incident_types
    FOR EACH STATEMENT EXECUTE FUNCTION bump_resource_version('catalog');
CREATE TRIGGER response_plans_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON response_plans
    FOR EACH STATEMENT EXECUTE FUNCTION bump_resource_version('catalog');
CREATE TRIGGER unit_types_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON unit_types
    FOR EACH STATEMENT EXECUTE FUNCTION bump_resource_version('catalog');
CREATE TRIGGER facilities_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON facilities
    FOR EACH STATEMENT EXECUTE FUNCTION bump_resource_version('facilities');
CREATE TRIGGER kecamatan_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON kecamatan
    FOR EACH STATEMENT EXECUTE FUNCTION bump_resource_version('areas');
CREATE TRIGGER kelurahan_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON kelurahan
    FOR EACH STATEMENT EXECUTE FUNCTION bump_resource_version('areas');
