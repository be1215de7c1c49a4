"""Store: migrations from empty, spatial join, append-only events, clear errors."""

from __future__ import annotations

import psycopg
import pytest

from store import Database, PostGISMissingError
from store.migrate import apply_migrations, discover, require_extension


def test_migrations_apply_from_empty_and_are_idempotent(empty_db_url: str) -> None:
    db = Database(empty_db_url, max_size=2)
    try:
        first = apply_migrations(db)
        assert first == [m.version for m in discover()]
        assert apply_migrations(db) == []
        with db.transaction() as cur:
            cur.execute("SELECT count(*) AS n FROM schema_migrations")
            assert cur.fetchone()["n"] == len(first)
    finally:
        db.close()


def test_geography_loaded(db: Database) -> None:
    with db.transaction() as cur:
        cur.execute("SELECT (SELECT count(*) FROM kecamatan) k, (SELECT count(*) FROM kelurahan) l")
        row = cur.fetchone()
    assert (row["k"], row["l"]) == (11, 64)


@pytest.mark.parametrize(
    ("lon", "lat", "kecamatan", "kelurahan"),
    [
        (122.600568, -3.974734, "Kendari", "Kassilampe"),   # Puskesmas Mata (in its kelurahan)
        (122.548195, -3.998109, "Poasia", "Rahandouna"),    # Puskesmas Poasia
        (122.491089, -4.00719, "Wua-Wua", "Anawai"),        # Puskesmas Wua-Wua
        (122.616116, -4.003387, "Nambo", "Nambo"),          # Puskesmas Nambo
    ],
)
def test_spatial_join_places_incident(db: Database, lon: float, lat: float, kecamatan: str, kelurahan: str) -> None:
    with db.transaction() as cur:
        cur.execute(
            "INSERT INTO incidents (incident_type, priority, geom) VALUES ('medical', 1,"
            " ST_SetSRID(ST_MakePoint(%s, %s), 4326)) RETURNING id", (lon, lat))
        iid = cur.fetchone()["id"]
        cur.execute(
            "SELECT kc.nama AS kec, kl.nama AS kel FROM incidents i JOIN kecamatan kc ON kc.kode = i.kecamatan_kode"
            " JOIN kelurahan kl ON kl.kode = i.kelurahan_kode WHERE i.id = %s", (iid,))
        row = cur.fetchone()
    assert (row["kec"], row["kel"]) == (kecamatan, kelurahan)


def test_point_in_bay_far_from_land_gets_no_kelurahan(db: Database) -> None:
    with db.transaction() as cur:
        # 5 km east of the bay mouth, open sea
        cur.execute(
            "INSERT INTO incidents (incident_type, priority, geom) VALUES ('medical', 1,"
            " ST_SetSRID(ST_MakePoint(122.75, -3.98), 4326)) RETURNING kelurahan_kode")
        assert cur.fetchone()["kelurahan_kode"] is None


def test_events_are_append_only(db: Database) -> None:
    with db.transaction() as cur:
        cur.execute("INSERT INTO events (kind, at, actor) VALUES ('login', now(), 'test') RETURNING id")
        eid = cur.fetchone()["id"]
    for stmt in ("UPDATE events SET actor = 'x' WHERE id = %s", "DELETE FROM events WHERE id = %s"):
        with pytest.raises(psycopg.errors.IntegrityConstraintViolation, match="append-only"), \
                db.transaction() as cur:
            cur.execute(stmt, (eid,))
    with pytest.raises(psycopg.errors.IntegrityConstraintViolation), db.transaction() as cur:
        cur.execute("TRUNCATE events")
    with db.transaction() as cur:
        cur.execute("SELECT actor FROM events WHERE id = %s", (eid,))
        assert cur.fetchone()["actor"] == "test"


def test_missing_extension_is_a_clear_error(db: Database) -> None:
    with pytest.raises(PostGISMissingError, match="no 'postgis_not_installed' extension"):
        require_extension(db, "postgis_not_installed")


def test_one_active_assignment_per_unit(db: Database) -> None:
    with db.transaction() as cur:
        cur.execute("INSERT INTO units (callsign, unit_type, agency_code) VALUES ('AMB-T1','ambulance','PSC119') "
                    "RETURNING id")
        uid = cur.fetchone()["id"]
        cur.execute("INSERT INTO incidents (incident_type, priority, geom) VALUES "
                    "('medical',1,ST_SetSRID(ST_MakePoint(122.55,-4.0),4326)) RETURNING id")
        iid = cur.fetchone()["id"]
        cur.execute("INSERT INTO assignments (incident_id, unit_id, status, assigned_at) VALUES "
                    "(%s,%s,'dispatched',now())", (iid, uid))
    with pytest.raises(psycopg.errors.UniqueViolation), db.transaction() as cur:
        cur.execute("INSERT INTO assignments (incident_id, unit_id, status, assigned_at) VALUES "
                    "(%s,%s,'dispatched',now())", (iid, uid))
