"""Bootstrap rows: geography, facilities and the reference catalog into an empty database."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psycopg import sql
from psycopg.types.json import Jsonb

from store._rows import one
from store.db import Database

CATALOG_PATH = Path(__file__).resolve().parent.parent / "incidents" / "catalog.json"


@dataclass(frozen=True)
class GeographyRows:
    """The shipped geography as plain rows (the caller reads and validates the files).

    ``kecamatan``: (kode, nama, wkt, area_km2); ``kelurahan``: (kode, nama, kecamatan_kode, wkt,
    area_km2); ``aliases``: (kind, alias_norm, canonical name); ``facilities``: mappings with the
    columns of ``_INSERT_FACILITY``.
    """

    kecamatan: tuple[tuple[str, str, str, float], ...]
    kelurahan: tuple[tuple[str, str, str, str, float], ...]
    aliases: tuple[tuple[str, str, str], ...]
    facilities: tuple[Mapping[str, Any], ...]

_INSERT_KECAMATAN = """
INSERT INTO kecamatan (kode, nama, geom, area_km2)
VALUES (%s, %s, ST_Multi(ST_GeomFromText(%s, 4326)), %s)
ON CONFLICT (kode) DO NOTHING
"""
_INSERT_KELURAHAN = """
INSERT INTO kelurahan (kode, nama, kecamatan_kode, geom, area_km2)
VALUES (%s, %s, %s, ST_Multi(ST_GeomFromText(%s, 4326)), %s)
ON CONFLICT (kode) DO NOTHING
"""
_INSERT_ALIAS = """
INSERT INTO place_aliases (alias_norm, alias, kind, kode)
SELECT %s, %s, %s, kode FROM {} WHERE nama = %s
ON CONFLICT (alias_norm) DO NOTHING
"""
_INSERT_FACILITY = """
INSERT INTO facilities (name, category, agency_code, address, phone, geom, location_confidence,
                        kecamatan_kode, kelurahan_kode, source, licence)
SELECT %(name)s, %(category)s, %(agency_code)s, %(address)s, %(phone)s,
       ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), %(location_confidence)s,
       k.kecamatan_kode, k.kode, %(source)s, %(licence)s
  FROM (SELECT 1) one
  LEFT JOIN LATERAL (
        SELECT kode, kecamatan_kode FROM kelurahan
         ORDER BY geom <-> ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) LIMIT 1) k ON true
ON CONFLICT (name) DO NOTHING
"""


def load_geography(db: Database, rows: GeographyRows) -> dict[str, int]:
    """Insert kecamatan, kelurahan, aliases and facilities when missing (idempotent)."""
    with db.transaction() as cur:
        cur.execute("SELECT count(*) AS n FROM kecamatan")
        if one(cur)["n"] == 0:
            cur.executemany(_INSERT_KECAMATAN, list(rows.kecamatan))
            cur.executemany(_INSERT_KELURAHAN, list(rows.kelurahan))
        for kind, alias_norm, canonical in rows.aliases:
            table = "kelurahan" if kind == "kelurahan" else "kecamatan"
            cur.execute(sql.SQL(_INSERT_ALIAS).format(sql.Identifier(table)), (alias_norm, alias_norm, kind, canonical))
        for fac in rows.facilities:
            cur.execute(_INSERT_FACILITY, dict(fac))
        cur.execute(
            "SELECT (SELECT count(*) FROM kecamatan) AS kecamatan,"
            " (SELECT count(*) FROM kelurahan) AS kelurahan,"
            " (SELECT count(*) FROM facilities) AS facilities"
        )
        return dict(one(cur))


def load_catalog(db: Database, path: Path = CATALOG_PATH) -> None:
    """Insert agencies, unit types, incident types and response plans that are not there yet."""
    catalog: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    with db.transaction() as cur:
        for a in catalog["agencies"]:
            cur.execute(
                "INSERT INTO agencies (code, name_id, name_en) VALUES (%(code)s, %(name_id)s, %(name_en)s)"
                " ON CONFLICT (code) DO NOTHING", a)
        for u in catalog["unit_types"]:
            cur.execute(
                "INSERT INTO unit_types (code, agency_code, name_id, name_en)"
                " VALUES (%(code)s, %(agency_code)s, %(name_id)s, %(name_en)s) ON CONFLICT (code) DO NOTHING", u)
        for t in catalog["incident_types"]:
            cur.execute(
                "INSERT INTO incident_types (code, agency_code, name_id, name_en, apco_code,"
                " default_priority, is_emergency) VALUES (%(code)s, %(agency_code)s, %(name_id)s,"
                " %(name_en)s, %(apco_code)s, %(default_priority)s, %(is_emergency)s)"
                " ON CONFLICT (code) DO NOTHING RETURNING code", t)
            if cur.fetchone() is None:
                continue  # existing type: its plan belongs to the administrators now
            for p in t.get("plan", []):
                cur.execute(
                    "INSERT INTO response_plans (incident_type, unit_type, unit_count, substitutes)"
                    " VALUES (%s, %s, %s, %s)",
                    (t["code"], p["unit_type"], p["unit_count"], p["substitutes"]),
                )


def get_setting(db: Database, key: str, default: Any = None) -> Any:
    with db.transaction() as cur:
        cur.execute("SELECT value FROM app_settings WHERE key = %s", (key,))
        row = cur.fetchone()
    return default if row is None else row["value"]


def put_setting(db: Database, key: str, value: Any) -> None:
    with db.transaction() as cur:
        cur.execute(
            "INSERT INTO app_settings (key, value) VALUES (%s, %s)"
            " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()",
            (key, Jsonb(value)),
        )
