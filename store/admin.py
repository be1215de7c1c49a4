"""Administrator edits: facility locations, response plans (run cards), user accounts."""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb

from store._errors import ConflictError, NotFoundError
from store._rows import one
from store.db import Database

_CORRECT_FACILITY = """
UPDATE facilities f
   SET geom = ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326),
       location_confidence = 'surveyed', corrected_by = %(actor)s, corrected_at = now(),
       kelurahan_kode = k.kode, kecamatan_kode = k.kecamatan_kode
  FROM (SELECT 1) one
  LEFT JOIN LATERAL (SELECT kode, kecamatan_kode FROM kelurahan
                      ORDER BY geom <-> ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) LIMIT 1) k ON true
 WHERE f.id = %(id)s
RETURNING f.id, f.name, ST_X(f.geom) AS lon, ST_Y(f.geom) AS lat, f.location_confidence
"""


def facilities_for_admin(db: Database) -> list[dict[str, Any]]:
    with db.transaction() as cur:
        cur.execute(
            "SELECT id, name, category, location_confidence, ST_X(geom) AS lon, ST_Y(geom) AS lat,"
            " corrected_by, corrected_at FROM facilities"
            " ORDER BY (location_confidence = 'approximate') DESC, category, name")
        return list(cur.fetchall())


def correct_facility_location(db: Database, *, facility_id: int, lon: float, lat: float,
                              actor: str, actor_user_id: int | None) -> dict[str, Any]:
    """Move a facility to a surveyed point; the old point is kept in the event history."""
    with db.transaction() as cur:
        cur.execute("SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat, location_confidence FROM facilities"
                    " WHERE id = %s FOR UPDATE", (facility_id,))
        old = cur.fetchone()
        if old is None:
            raise NotFoundError(f"facility {facility_id} does not exist")
        cur.execute(_CORRECT_FACILITY, {"lon": lon, "lat": lat, "actor": actor, "id": facility_id})
        new = one(cur)
        cur.execute(
            "INSERT INTO events (kind, at, actor, actor_user_id, data)"
            " VALUES ('facility_corrected', now(), %s, %s, %s)",
            (actor, actor_user_id, Jsonb({"facility_id": facility_id, "old": dict(old),
                                          "new": {"lon": lon, "lat": lat}})))
        return new


def response_plans(db: Database) -> list[dict[str, Any]]:
    with db.transaction() as cur:
        cur.execute(
            "SELECT t.code AS incident_type, t.name_id, t.name_en, p.unit_type, p.unit_count, p.substitutes"
            "  FROM incident_types t LEFT JOIN response_plans p ON p.incident_type = t.code"
            " ORDER BY t.code, p.unit_type")
        return list(cur.fetchall())


def reference_codes(db: Database) -> dict[str, list[dict[str, Any]]]:
    with db.transaction() as cur:
        cur.execute("SELECT code, name_id, name_en FROM incident_types ORDER BY code")
        types = list(cur.fetchall())
        cur.execute("SELECT code, name_id, name_en FROM unit_types ORDER BY code")
        unit_types = list(cur.fetchall())
        cur.execute("SELECT id, callsign FROM units ORDER BY callsign")
        units = list(cur.fetchall())
    return {"incident_types": types, "unit_types": unit_types, "units": units}


def set_plan_item(db: Database, *, incident_type: str, unit_type: str, unit_count: int,
                  substitutes: list[str], actor: str) -> None:
    """Insert or change one line of a run card (unit_count 0 removes it)."""
    with db.transaction() as cur:
        if unit_count == 0:
            cur.execute("DELETE FROM response_plans WHERE incident_type = %s AND unit_type = %s",
                        (incident_type, unit_type))
        else:
            cur.execute(
                "INSERT INTO response_plans (incident_type, unit_type, unit_count, substitutes)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT (incident_type, unit_type)"
                " DO UPDATE SET unit_count = EXCLUDED.unit_count, substitutes = EXCLUDED.substitutes",
                (incident_type, unit_type, unit_count, substitutes))
        cur.execute(
            "INSERT INTO app_settings (key, value) VALUES ('response_plans_changed', %s)"
            " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()",
            (Jsonb({"by": actor, "incident_type": incident_type}),))


def username_taken(db: Database, username: str) -> bool:
    with db.transaction() as cur:
        cur.execute("SELECT 1 FROM users WHERE username = %s", (username,))
        return cur.fetchone() is not None


def ensure_unused_username(db: Database, username: str) -> None:
    if username_taken(db, username):
        raise ConflictError(f"user name '{username}' is taken", reason="name_taken", name=username)


def set_population(db: Database, rows: list[Any], *, actor: str, actor_user_id: int | None) -> int:
    """Store per-kecamatan population figures (all rows in one transaction); return rows updated."""
    with db.transaction() as cur:
        for r in rows:
            cur.execute("UPDATE kecamatan SET population = %s, population_year = %s WHERE kode = %s",
                        (r.population, r.year, r.kecamatan_kode))
        cur.execute(
            "INSERT INTO events (kind, at, actor, actor_user_id, data) VALUES ('import', now(), %s, %s, %s)",
            (actor, actor_user_id, Jsonb({"what": "population", "rows": len(rows),
                                          "years": sorted({r.year for r in rows})})))
    return len(rows)
