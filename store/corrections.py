"""Network corrections (SQL only): connectors, closures and speed factors with who/when/why."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from store._errors import ConflictError, NotFoundError
from store._rows import one
from store.db import Database

_COLUMNS = """
id, kind, status, name, reason, source, ST_AsGeoJSON(geom, 7) AS geometry, connector_kind, length_m,
speed_kmh, crossing_s, waiting_s, starts_at, ends_at, road_class, start_hour, end_hour, factor,
incident_id, created_by, created_at, updated_by, updated_at
"""
_LIST = f"SELECT {_COLUMNS} FROM network_corrections WHERE status = ANY(%(statuses)s) ORDER BY id"
_ONE = f"SELECT {_COLUMNS} FROM network_corrections WHERE id = %s"
_INSERT = """
INSERT INTO network_corrections (kind, status, name, reason, source, geom, connector_kind, length_m, speed_kmh,
                                 crossing_s, waiting_s, starts_at, ends_at, road_class, start_hour, end_hour,
                                 factor, incident_id, created_by)
VALUES (%(kind)s, %(status)s, %(name)s, %(reason)s, %(source)s,
        CASE WHEN %(geometry)s::text IS NULL THEN NULL
             ELSE ST_SetSRID(ST_GeomFromGeoJSON(%(geometry)s::text), 4326) END,
        %(connector_kind)s, %(length_m)s, %(speed_kmh)s, %(crossing_s)s, %(waiting_s)s, %(starts_at)s,
        %(ends_at)s, %(road_class)s, %(start_hour)s, %(end_hour)s, %(factor)s, %(incident_id)s, %(actor)s)
RETURNING id
"""
_SET_STATUS = """
UPDATE network_corrections SET status = %(status)s, updated_by = %(actor)s, updated_at = now()
 WHERE id = %(id)s RETURNING id
"""
_SET_END = """
UPDATE network_corrections SET ends_at = %(ends_at)s, updated_by = %(actor)s, updated_at = now()
 WHERE id = %(id)s RETURNING id
"""
_EVENT = "INSERT INTO events (kind, at, actor, actor_user_id, incident_id, data) VALUES (%s, now(), %s, %s, %s, %s)"

FIELDS = ("kind", "status", "name", "reason", "source", "geometry", "connector_kind", "length_m", "speed_kmh",
          "crossing_s", "waiting_s", "starts_at", "ends_at", "road_class", "start_hour", "end_hour", "factor",
          "incident_id")


def _row(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["geometry"] = json.loads(out["geometry"]) if out.get("geometry") else None
    return out


def list_corrections(db: Database, *, statuses: tuple[str, ...] = ("active",)) -> list[dict[str, Any]]:
    """Corrections with one of ``statuses``, oldest first (geometry as a GeoJSON mapping)."""
    with db.transaction() as cur:
        cur.execute(_LIST, {"statuses": list(statuses)})
        return [_row(r) for r in cur.fetchall()]


def get_correction(db: Database, correction_id: int) -> dict[str, Any]:
    with db.transaction() as cur:
        cur.execute(_ONE, (correction_id,))
        row = cur.fetchone()
    if row is None:
        raise NotFoundError(f"network correction {correction_id} does not exist")
    return _row(row)


def insert_correction(db: Database, values: dict[str, Any], *, actor: str, actor_user_id: int | None) -> int:
    """Store one correction and its audit event in one transaction; return its id."""
    params = {k: values.get(k) for k in FIELDS}
    params["waiting_s"] = params["waiting_s"] or 0.0
    params["name"] = params["name"] or ""
    params["reason"] = params["reason"] or ""
    params["source"] = params["source"] or ""
    params["status"] = params["status"] or "active"
    params["geometry"] = json.dumps(params["geometry"]) if params["geometry"] is not None else None
    params["actor"] = actor
    with db.transaction() as cur:
        cur.execute(_INSERT, params)
        new_id = int(one(cur)["id"])
        cur.execute(_EVENT, ("network_correction", actor, actor_user_id, values.get("incident_id"),
                             Jsonb({"action": "created", "id": new_id, "kind": params["kind"],
                                    "status": params["status"], "name": params["name"],
                                    "reason": params["reason"]})))
        return new_id


def set_status(db: Database, correction_id: int, status: str, *, actor: str, actor_user_id: int | None,
               note: str = "", expect: tuple[str, ...] = ()) -> None:
    """Change a correction's status (activate a proposal, retire), audited; 409 if not in ``expect``."""
    with db.transaction() as cur:
        cur.execute("SELECT status FROM network_corrections WHERE id = %s FOR UPDATE", (correction_id,))
        row = cur.fetchone()
        if row is None:
            raise NotFoundError(f"network correction {correction_id} does not exist")
        if expect and row["status"] not in expect:
            raise ConflictError(f"network correction {correction_id} is {row['status']}")
        cur.execute(_SET_STATUS, {"status": status, "actor": actor, "id": correction_id})
        cur.execute(_EVENT, ("network_correction", actor, actor_user_id, None,
                             Jsonb({"action": status, "id": correction_id, "from": row["status"], "note": note})))


def set_end(db: Database, correction_id: int, ends_at: datetime, *, actor: str, actor_user_id: int | None) -> None:
    """Change when a closure ends (lift it now or extend it), audited."""
    with db.transaction() as cur:
        cur.execute(_SET_END, {"ends_at": ends_at, "actor": actor, "id": correction_id})
        if cur.fetchone() is None:
            raise NotFoundError(f"network correction {correction_id} does not exist")
        cur.execute(_EVENT, ("network_correction", actor, actor_user_id, None,
                             Jsonb({"action": "ends_at", "id": correction_id, "ends_at": ends_at.isoformat()})))
