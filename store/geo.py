"""Map queries: boundaries as GeoJSON, facilities, units and open incidents for drawing."""

from __future__ import annotations

import json
from typing import Any

from store._rows import one
from store.db import Database

_AREAS_GEOJSON = """
SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(
         json_build_object('type', 'Feature', 'id', kode,
           'properties', json_build_object('kode', kode, 'nama', nama, 'area_km2', round(area_km2::numeric, 2),
                                           'population', population, 'population_year', {year}),
           'geometry', ST_AsGeoJSON(geom, 6)::json) ORDER BY kode), '[]'::json)) AS fc,
       json_agg(json_build_array(kode, nama, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)))
                ORDER BY kode) AS labels
  FROM {table}
"""

_FACILITIES = """
SELECT f.id, f.name, f.category, f.agency_code, f.address, f.phone, f.location_confidence,
       ST_X(f.geom) AS lon, ST_Y(f.geom) AS lat, kc.nama AS kecamatan, kl.nama AS kelurahan
  FROM facilities f
  LEFT JOIN kecamatan kc ON kc.kode = f.kecamatan_kode
  LEFT JOIN kelurahan kl ON kl.kode = f.kelurahan_kode
 ORDER BY f.category, f.name
"""

UNITS_SQL = """
SELECT u.id, u.callsign, u.unit_type, u.agency_code, u.status, u.status_at,
       coalesce(ST_X(u.position), ST_X(f.geom)) AS lon, coalesce(ST_Y(u.position), ST_Y(f.geom)) AS lat,
       u.position_at, (u.position IS NULL) AS at_home_station, f.name AS home_station,
       a.incident_id AS assigned_incident_id, ut.name_id AS unit_type_name_id, ut.name_en AS unit_type_name_en
  FROM units u
  LEFT JOIN unit_types ut ON ut.code = u.unit_type
  LEFT JOIN facilities f ON f.id = u.home_facility_id
  LEFT JOIN assignments a ON a.unit_id = u.id AND a.status <> 'cleared'
 ORDER BY u.callsign
"""

_OPEN_INCIDENTS = """
SELECT i.id, i.incident_type, t.name_id AS type_name_id, t.name_en AS type_name_en, i.priority, t.is_emergency,
       ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat, i.created_at, i.address, i.description,
       kc.nama AS kecamatan, kl.nama AS kelurahan, i.location_approximate,
       (SELECT count(*) FROM assignments a WHERE a.incident_id = i.id AND a.status <> 'cleared') AS units_assigned
  FROM incidents i
  JOIN incident_types t ON t.code = i.incident_type
  LEFT JOIN kecamatan kc ON kc.kode = i.kecamatan_kode
  LEFT JOIN kelurahan kl ON kl.kode = i.kelurahan_kode
 WHERE i.status = 'open' AND (t.is_emergency OR %(include_municipal)s)
 ORDER BY i.priority, i.created_at DESC
 LIMIT %(limit)s
"""


def area_layers(db: Database) -> dict[str, Any]:
    """Kecamatan and kelurahan as GeoJSON FeatureCollections plus label points."""
    from psycopg import sql

    out: dict[str, Any] = {}
    with db.transaction() as cur:
        for table in ("kecamatan", "kelurahan"):
            year = sql.SQL("population_year" if table == "kecamatan" else "NULL::integer")
            cur.execute(sql.SQL(_AREAS_GEOJSON).format(table=sql.Identifier(table), year=year))
            row = one(cur)
            fc = row["fc"] if isinstance(row["fc"], dict) else json.loads(row["fc"])
            out[table] = {"geojson": fc, "labels": row["labels"] or []}
    return out


def facilities(db: Database) -> list[dict[str, Any]]:
    with db.transaction() as cur:
        cur.execute(_FACILITIES)
        return list(cur.fetchall())


def units(db: Database) -> list[dict[str, Any]]:
    with db.transaction() as cur:
        cur.execute(UNITS_SQL)
        return list(cur.fetchall())


def open_incidents(db: Database, *, include_municipal: bool = False, limit: int = 20000) -> list[dict[str, Any]]:
    """Open incidents, most urgent first; municipal tickets (non-emergency types) only when asked."""
    with db.transaction() as cur:
        cur.execute(_OPEN_INCIDENTS, {"include_municipal": include_municipal, "limit": limit})
        return list(cur.fetchall())
