"""Incidents, calls, assignments, unit status and positions: all the SQL of the dispatch console.

Functions taking ``cur`` run inside the caller's transaction (``with db.transaction() as cur``), so
that a state change, its projection columns and its event are written together or not at all.
Row locks are always taken in the order incident → units (by id) to rule out deadlocks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from store._errors import NotFoundError, StoreError, UnitNotAvailableError
from store._rows import one
from store.db import Database
from store.geo import UNITS_SQL

# --- reference data -------------------------------------------------------------------------
_INCIDENT_TYPES = """
SELECT code, name_id, name_en, default_priority, agency_code, is_emergency
  FROM incident_types
 ORDER BY is_emergency DESC, default_priority, name_id
"""

_RESPONSE_PLAN = """
SELECT p.unit_type, p.unit_count, p.substitutes, ut.name_id, ut.name_en
  FROM response_plans p
  JOIN unit_types ut ON ut.code = p.unit_type
 WHERE p.incident_type = %s
 ORDER BY p.unit_count DESC, p.unit_type
"""

#: An incident's type plan and the unit types already on it (for a recommendation).
_PLAN_AND_ASSIGNED = """
SELECT (SELECT coalesce(json_agg(json_build_object('unit_type', p.unit_type, 'unit_count', p.unit_count,
                                                   'substitutes', p.substitutes)
                                 ORDER BY p.unit_count DESC, p.unit_type), '[]'::json)
          FROM response_plans p WHERE p.incident_type = i.incident_type) AS plan,
       (SELECT coalesce(array_agg(u.unit_type ORDER BY a.id), '{}')
          FROM assignments a JOIN units u ON u.id = a.unit_id
         WHERE a.incident_id = i.id AND a.status <> 'cleared') AS on_it
  FROM incidents i WHERE i.id = %s
"""

_UNIT_TYPES = "SELECT code, agency_code, name_id, name_en FROM unit_types ORDER BY code"

# --- places -----------------------------------------------------------------------------------
_PLACE_OF_POINT = """
WITH p AS (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) AS g),
     hit AS (
        SELECT coalesce(
            (SELECT k.kode FROM kelurahan k, p WHERE ST_Intersects(k.geom, p.g) LIMIT 1),
            (SELECT n.kode FROM (SELECT k.kode, k.geom FROM kelurahan k, p ORDER BY k.geom <-> p.g LIMIT 1) n, p
              WHERE ST_DWithin(n.geom::geography, p.g::geography, %(buffer_m)s))) AS kode)
SELECT kl.kode AS kelurahan_kode, kl.nama AS kelurahan, kc.kode AS kecamatan_kode, kc.nama AS kecamatan
  FROM hit JOIN kelurahan kl ON kl.kode = hit.kode JOIN kecamatan kc ON kc.kode = kl.kecamatan_kode
"""

# --- incidents --------------------------------------------------------------------------------
_INCIDENT_COLUMNS = """
SELECT i.id, i.incident_type, t.name_id AS type_name_id, t.name_en AS type_name_en, i.priority,
       ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat, i.status, kc.nama AS kecamatan, kl.nama AS kelurahan,
       i.description, i.address, i.caller_phone, i.outcome, i.created_at, i.call_received_at,
       i.call_answered_at, i.first_dispatched_at, i.first_en_route_at, i.first_on_scene_at, i.closed_at,
       i.call_id, i.duplicate_of,
       (SELECT (e.data ->> 'possible_duplicate_of')::bigint FROM events e
         WHERE e.incident_id = i.id AND e.kind = 'incident_created' ORDER BY e.id LIMIT 1) AS possible_duplicate_of,
       (SELECT count(*) FROM assignments a WHERE a.incident_id = i.id AND a.status <> 'cleared') AS units_assigned
  FROM incidents i
  JOIN incident_types t ON t.code = i.incident_type
  LEFT JOIN kecamatan kc ON kc.kode = i.kecamatan_kode
  LEFT JOIN kelurahan kl ON kl.kode = i.kelurahan_kode
"""
_INCIDENT_BY_ID = _INCIDENT_COLUMNS + " WHERE i.id = %s"
_INCIDENTS_LIST = _INCIDENT_COLUMNS + """
 WHERE (%(status)s::text IS NULL OR i.status = %(status)s::text)
 ORDER BY (i.status = 'open') DESC, i.priority, i.created_at DESC
 LIMIT %(limit)s
"""

#: Create an incident in one statement: its call, the incident (kecamatan/kelurahan set by the
#: trigger), the three events call_received / call_answered / incident_created, and the possible
#: duplicate — the nearest open incident of the same type within %(radius_m)s metres whose call
#: came within %(window_s)s seconds. The ids are drawn first so that the call and the incident can
#: refer to each other (the foreign keys are checked at the end of the statement).
_CREATE_INCIDENT = """
WITH ids AS (
    SELECT nextval(pg_get_serial_sequence('calls', 'id')) AS call_id,
           nextval(pg_get_serial_sequence('incidents', 'id')) AS incident_id,
           coalesce(%(received)s::timestamptz, now()) AS received_at,
           coalesce(%(answered)s::timestamptz, %(received)s::timestamptz, now()) AS answered_at,
           ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) AS geom),
dup AS (
    SELECT (SELECT o.id FROM incidents o
             WHERE o.status = 'open' AND o.incident_type = %(type)s
               AND coalesce(o.call_received_at, o.created_at)
                   BETWEEN ids.received_at - make_interval(secs => %(window_s)s)
                       AND ids.received_at + make_interval(secs => %(window_s)s)
               AND ST_DWithin(o.geom::geography, ids.geom::geography, %(radius_m)s)
             ORDER BY o.geom <-> ids.geom, o.id
             LIMIT 1) AS id
      FROM ids),
c AS (
    INSERT INTO calls (id, received_at, answered_at, caller_phone, classification, incident_id)
    SELECT call_id, received_at, answered_at, %(phone)s, 'valid', incident_id FROM ids
    RETURNING id),
i AS (
    INSERT INTO incidents (id, call_id, incident_type, priority, geom, address, description, caller_phone,
                           created_by, call_received_at, call_answered_at)
    SELECT incident_id, call_id, %(type)s, %(priority)s, geom, %(address)s, %(description)s, %(phone)s,
           %(user_id)s, received_at, answered_at
      FROM ids
    RETURNING *),
e AS (
    INSERT INTO events (kind, at, incident_id, call_id, actor, actor_user_id, data)
    SELECT k.kind, k.at, ids.incident_id, ids.call_id, %(actor)s, %(user_id)s, k.data
      FROM ids, dup, LATERAL (VALUES
            ('call_received', ids.received_at, '{}'::jsonb),
            ('call_answered', ids.answered_at, '{}'::jsonb),
            ('incident_created', now(),
             %(created_data)s::jsonb || jsonb_build_object('possible_duplicate_of', dup.id))) AS k (kind, at, data)
    RETURNING id)
SELECT i.id, i.incident_type, t.name_id AS type_name_id, t.name_en AS type_name_en, i.priority,
       ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat, i.status, kc.nama AS kecamatan, kl.nama AS kelurahan,
       i.description, i.address, i.caller_phone, i.outcome, i.created_at, i.call_received_at,
       i.call_answered_at, i.first_dispatched_at, i.first_en_route_at, i.first_on_scene_at, i.closed_at,
       i.call_id, i.duplicate_of, dup.id AS possible_duplicate_of, 0 AS units_assigned,
       (SELECT count(*) FROM e) AS events_written
  FROM i
  CROSS JOIN dup
  JOIN incident_types t ON t.code = i.incident_type
  LEFT JOIN kecamatan kc ON kc.kode = i.kecamatan_kode
  LEFT JOIN kelurahan kl ON kl.kode = i.kelurahan_kode
"""

_INSERT_EVENT = """
INSERT INTO events (kind, at, incident_id, call_id, unit_id, assignment_id, actor, actor_user_id, data)
VALUES (%(kind)s, coalesce(%(at)s, now()), %(incident_id)s, %(call_id)s, %(unit_id)s, %(assignment_id)s,
        %(actor)s, %(actor_user_id)s, %(data)s)
RETURNING id
"""

_LOCK_INCIDENT = """
SELECT id, status, incident_type, ST_X(geom) AS lon, ST_Y(geom) AS lat, first_dispatched_at
  FROM incidents WHERE id = %s FOR UPDATE
"""

_CLOSE_INCIDENT = """
UPDATE incidents SET status = 'closed', outcome = %(outcome)s, closed_at = now(), duplicate_of = %(duplicate_of)s
 WHERE id = %(id)s
"""

_INCIDENT_EXISTS = "SELECT id, status FROM incidents WHERE id = %s"

# --- units and assignments ------------------------------------------------------------------------
_LOCK_UNITS = """
SELECT id, callsign, unit_type, status, status_at FROM units WHERE id = ANY(%s) ORDER BY id FOR UPDATE
"""

_INSERT_ASSIGNMENT = """
INSERT INTO assignments (incident_id, unit_id, status, assigned_at, assigned_by, eta_s)
VALUES (%(incident_id)s, %(unit_id)s, 'dispatched', now(), %(user_id)s, %(eta_s)s)
RETURNING id, assigned_at
"""

_SET_UNIT_STATUS = "UPDATE units SET status = %(status)s, status_at = %(at)s WHERE id = %(id)s"

_ACTIVE_ASSIGNMENT_OF_UNIT = """
SELECT a.id, a.incident_id, a.status, a.assigned_at, a.en_route_at, a.on_scene_at, a.transport_started_at,
       a.at_hospital_at
  FROM assignments a WHERE a.unit_id = %s AND a.status <> 'cleared'
"""
_LOCK_ACTIVE_ASSIGNMENT_OF_UNIT = _ACTIVE_ASSIGNMENT_OF_UNIT + " FOR UPDATE"

_ACTIVE_ASSIGNMENTS_OF_INCIDENT = """
SELECT a.id, a.unit_id, a.status FROM assignments a
 WHERE a.incident_id = %s AND a.status <> 'cleared' ORDER BY a.unit_id FOR UPDATE
"""

_ASSIGNMENTS_OF_INCIDENT = """
SELECT a.id, a.incident_id, a.unit_id, u.callsign, u.unit_type, a.status, a.assigned_at, a.en_route_at,
       a.on_scene_at, a.transport_started_at, a.at_hospital_at, a.cleared_at, a.eta_s
  FROM assignments a JOIN units u ON u.id = a.unit_id
 WHERE a.incident_id = %s
 ORDER BY (a.status = 'cleared'), a.assigned_at, a.id
"""

_UNIT_STATE = """
SELECT u.id AS unit_id, u.callsign, u.status, u.status_at, a.incident_id, a.id AS assignment_id,
       a.status AS assignment_status
  FROM units u LEFT JOIN assignments a ON a.unit_id = u.id AND a.status <> 'cleared'
 WHERE u.id = %s
"""

_UNIT_ROW = """
SELECT u.id, u.callsign, u.unit_type, u.agency_code, u.status, u.status_at,
       coalesce(ST_X(u.position), ST_X(f.geom)) AS lon, coalesce(ST_Y(u.position), ST_Y(f.geom)) AS lat,
       u.position_at, (u.position IS NULL) AS at_home_station, f.name AS home_station,
       a.incident_id AS assigned_incident_id, a.id AS assignment_id, a.status AS assignment_status, a.eta_s,
       ut.name_id AS unit_type_name_id, ut.name_en AS unit_type_name_en
  FROM units u
  LEFT JOIN unit_types ut ON ut.code = u.unit_type
  LEFT JOIN facilities f ON f.id = u.home_facility_id
  LEFT JOIN assignments a ON a.unit_id = u.id AND a.status <> 'cleared'
 WHERE u.id = %s
"""

_UNIT_OF_USER = "SELECT unit_id FROM users WHERE id = %s"

_UNIT_EXISTS = "SELECT id FROM units WHERE id = %s"

# --- positions ----------------------------------------------------------------------------------
#: Append to the history; move the unit's current position only when this fix is the newest.
#: Tracker fixes are frequent and replaceable, so this transaction does not wait for the WAL flush
#: (``synchronous_commit`` off, for this transaction only): a crash may lose the last fraction of
#: a second of positions, never an incident or a status change.
_RECORD_POSITION = """
WITH cfg AS (SELECT set_config('synchronous_commit', 'off', true) AS sc),
moved AS (
    UPDATE units SET position = ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), position_at = coalesce(%(t)s, now())
     WHERE id = %(unit_id)s AND (position_at IS NULL OR position_at <= coalesce(%(t)s, now()))
    RETURNING id)
INSERT INTO unit_positions (unit_id, geom, recorded_at, source)
SELECT u.id, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), coalesce(%(t)s, now()), %(source)s
  FROM units u, cfg WHERE u.id = %(unit_id)s
RETURNING id, recorded_at, received_at, EXISTS (SELECT 1 FROM moved) AS is_current
"""

# --- timeline and board ----------------------------------------------------------------------------
_TIMELINE = """
SELECT e.id, e.kind, e.at, e.recorded_at, e.actor, e.actor_user_id, e.unit_id, u.callsign, e.data
  FROM events e LEFT JOIN units u ON u.id = e.unit_id
 WHERE e.incident_id = %s
 ORDER BY e.at, e.id
"""

#: Cheap change detector for live pages: last event id, a count that catches late commits of
#: lower ids, and the last position id.
_VERSION = """
SELECT coalesce((SELECT max(id) FROM events), 0) AS last_event,
       (SELECT count(*) FROM events WHERE id > (SELECT coalesce(max(id), 0) - 200 FROM events)) AS recent_events,
       coalesce((SELECT max(id) FROM unit_positions), 0) AS last_position
"""

_OPEN_BOARD = """
SELECT i.id, i.incident_type, t.name_id AS type_name_id, t.name_en AS type_name_en, i.priority,
       ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat, i.created_at, i.call_received_at, i.address, i.description,
       kc.nama AS kecamatan, kl.nama AS kelurahan, i.location_approximate,
       coalesce(a.n, 0) AS units_assigned, coalesce(a.callsigns, '') AS callsigns, a.units_on,
       i.first_on_scene_at
  FROM incidents i
  JOIN incident_types t ON t.code = i.incident_type
  LEFT JOIN kecamatan kc ON kc.kode = i.kecamatan_kode
  LEFT JOIN kelurahan kl ON kl.kode = i.kelurahan_kode
  LEFT JOIN LATERAL (
        SELECT count(*) AS n, string_agg(u.callsign, ', ' ORDER BY u.callsign) AS callsigns,
               json_agg(json_build_object('callsign', u.callsign, 'status', a.status) ORDER BY u.callsign) AS units_on
          FROM assignments a JOIN units u ON u.id = a.unit_id
         WHERE a.incident_id = i.id AND a.status <> 'cleared') a ON true
 WHERE i.status = 'open' AND (t.is_emergency OR %(include_municipal)s)
 ORDER BY i.priority, i.created_at DESC
 LIMIT %(limit)s
"""

#: For each busy unit: the median time that units of its type took, over the last 90 days, from
#: entering the unit's current status to being cleared, minus the time already spent in it.
_BUSY_FREE_IN = """
WITH hist AS (
    SELECT u.unit_type,
           percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.cleared_at - a.assigned_at)) AS dispatched,
           percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.cleared_at - a.en_route_at)) AS en_route,
           percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.cleared_at - a.on_scene_at)) AS on_scene,
           percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.cleared_at - a.transport_started_at))
               AS transporting,
           percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.cleared_at - a.at_hospital_at))
               AS at_hospital
      FROM assignments a JOIN units u ON u.id = a.unit_id
     WHERE a.status = 'cleared' AND a.cleared_at > now() - interval '90 days'
     GROUP BY u.unit_type
)
SELECT u.id AS unit_id, u.status, a.incident_id,
       CASE u.status WHEN 'dispatched' THEN h.dispatched WHEN 'en_route' THEN h.en_route
                     WHEN 'on_scene' THEN h.on_scene WHEN 'transporting' THEN h.transporting
                     WHEN 'at_hospital' THEN h.at_hospital END AS median_remaining_s,
       extract(epoch FROM now() - u.status_at) AS in_status_s
  FROM units u
  LEFT JOIN hist h ON h.unit_type = u.unit_type
  LEFT JOIN assignments a ON a.unit_id = u.id AND a.status <> 'cleared'
 WHERE u.status IN ('dispatched', 'en_route', 'on_scene', 'transporting', 'at_hospital')
"""

_OPEN_MUNICIPAL_COUNT = """
SELECT count(*) AS n FROM incidents i JOIN incident_types t ON t.code = i.incident_type
 WHERE i.status = 'open' AND NOT t.is_emergency
"""




# --- helpers ----------------------------------------------------------------------------------------
def append_event(cur: psycopg.Cursor[Any], *, kind: str, actor: str, actor_user_id: int | None,
                 at: datetime | None = None, incident_id: int | None = None, call_id: int | None = None,
                 unit_id: int | None = None, assignment_id: int | None = None,
                 data: dict[str, Any] | None = None) -> int:
    """Append one event to the history (inside the caller's transaction); return its id."""
    cur.execute(_INSERT_EVENT, {
        "kind": kind, "at": at, "incident_id": incident_id, "call_id": call_id, "unit_id": unit_id,
        "assignment_id": assignment_id, "actor": actor, "actor_user_id": actor_user_id,
        "data": Jsonb(data or {}),
    })
    return int(one(cur)["id"])


# --- reference data ---------------------------------------------------------------------------------
def incident_types(db: Database) -> list[dict[str, Any]]:
    with db.transaction() as cur:
        cur.execute(_INCIDENT_TYPES)
        return list(cur.fetchall())


def unit_types(db: Database) -> list[dict[str, Any]]:
    with db.transaction() as cur:
        cur.execute(_UNIT_TYPES)
        return list(cur.fetchall())


def response_plan(db: Database, incident_type: str) -> list[dict[str, Any]]:
    """The run card of an incident type: unit type, count, substitutes (most units first)."""
    with db.transaction() as cur:
        cur.execute(_RESPONSE_PLAN, (incident_type,))
        return [dict(r, substitutes=list(r["substitutes"] or [])) for r in cur.fetchall()]


def recommend_inputs(db: Database, incident_id: int) -> tuple[dict[str, Any], list[dict[str, Any]],
                                                                 list[str], list[dict[str, Any]]]:
    """Everything a recommendation needs, read in one transaction: the incident, its type's plan,
    the unit types already on it, and every unit with its position (``store.geo.units`` rows)."""
    with db.transaction() as cur:
        cur.execute(_INCIDENT_BY_ID, (incident_id,))
        inc = cur.fetchone()
        if inc is None:
            raise NotFoundError(f"incident {incident_id} does not exist")
        cur.execute(_PLAN_AND_ASSIGNED, (incident_id,))
        extra = one(cur)
        cur.execute(UNITS_SQL)
        units = [dict(r) for r in cur.fetchall()]
    plan = [dict(p, substitutes=list(p["substitutes"] or [])) for p in extra["plan"]]
    on_it = list(extra["on_it"])
    return dict(inc), plan, on_it, units


def place_of_point(db: Database, lon: float, lat: float, *, buffer_m: float = 1000.0) -> dict[str, Any] | None:
    """Kelurahan and kecamatan containing the point (or the nearest within ``buffer_m``), else None."""
    with db.transaction() as cur:
        cur.execute(_PLACE_OF_POINT, {"lon": lon, "lat": lat, "buffer_m": buffer_m})
        row = cur.fetchone()
    return dict(row) if row else None


# --- incidents ----------------------------------------------------------------------------------------
def now(cur: psycopg.Cursor[Any]) -> datetime:
    """The transaction's time stamp (what ``now()`` writes)."""
    cur.execute("SELECT now() AS now")
    stamp: datetime = one(cur)["now"]
    return stamp


def create_incident(
    db: Database, *, incident_type: str, priority: int, lon: float, lat: float, description: str | None,
    address: str | None, caller_phone: str | None, received_at: datetime | None, answered_at: datetime | None,
    actor: str, user_id: int | None, radius_m: float, window_s: float,
) -> dict[str, Any]:
    """Insert the call, the incident and its three events in one transaction (one statement).

    ``received_at`` defaults to now, ``answered_at`` to ``received_at``. Returns the incident row
    (as :data:`_INCIDENT_BY_ID` would) with ``possible_duplicate_of``.
    """
    params = create_params(incident_type=incident_type, priority=priority, lon=lon, lat=lat,
                           description=description, address=address, caller_phone=caller_phone,
                           received_at=received_at, answered_at=answered_at, actor=actor, user_id=user_id,
                           radius_m=radius_m, window_s=window_s)
    with db.transaction() as cur:
        return create_incident_in(cur, params)


def create_incident_in(cur: psycopg.Cursor[Any], params: dict[str, Any]) -> dict[str, Any]:
    """:func:`create_incident` inside the caller's transaction (``params`` as built there)."""
    cur.execute(_CREATE_INCIDENT, params)
    row = one(cur)
    if row.pop("events_written") != 3:
        raise StoreError("incident creation wrote an incomplete event history")
    return row


def create_params(*, incident_type: str, priority: int, lon: float, lat: float, description: str | None,
                  address: str | None, caller_phone: str | None, received_at: datetime | None,
                  answered_at: datetime | None, actor: str, user_id: int | None, radius_m: float,
                  window_s: float) -> dict[str, Any]:
    """Bound parameters of the incident-creating statement."""
    return {"type": incident_type, "priority": priority, "lon": lon, "lat": lat, "description": description,
            "address": address, "phone": caller_phone, "received": received_at, "answered": answered_at,
            "actor": actor, "user_id": user_id, "radius_m": radius_m, "window_s": window_s,
            "created_data": Jsonb({"type": incident_type, "priority": priority, "lon": lon, "lat": lat})}


def incident_row(cur: psycopg.Cursor[Any], incident_id: int) -> dict[str, Any]:
    cur.execute(_INCIDENT_BY_ID, (incident_id,))
    row = cur.fetchone()
    if row is None:
        raise NotFoundError(f"incident {incident_id} does not exist")
    return dict(row)


def get_incident(db: Database, incident_id: int) -> dict[str, Any]:
    with db.transaction() as cur:
        return incident_row(cur, incident_id)


def list_incidents(db: Database, *, status: str | None, limit: int) -> list[dict[str, Any]]:
    with db.transaction() as cur:
        cur.execute(_INCIDENTS_LIST, {"status": status, "limit": limit})
        return [dict(r) for r in cur.fetchall()]


def lock_incident(cur: psycopg.Cursor[Any], incident_id: int) -> dict[str, Any]:
    cur.execute(_LOCK_INCIDENT, (incident_id,))
    row = cur.fetchone()
    if row is None:
        raise NotFoundError(f"incident {incident_id} does not exist")
    return dict(row)


def incident_exists(db: Database, incident_id: int) -> dict[str, Any]:
    with db.transaction() as cur:
        cur.execute(_INCIDENT_EXISTS, (incident_id,))
        row = cur.fetchone()
    if row is None:
        raise NotFoundError(f"incident {incident_id} does not exist")
    return dict(row)


def set_incident_first(cur: psycopg.Cursor[Any], incident_id: int, column: str, at: datetime) -> None:
    """Keep ``incidents.first_<stamp>_at`` = the earliest time any unit reached that stamp."""
    from psycopg import sql

    cur.execute(sql.SQL("UPDATE incidents SET {col} = least({col}, %s) WHERE id = %s").format(
        col=sql.Identifier(column)), (at, incident_id))


def close_incident(cur: psycopg.Cursor[Any], incident_id: int, *, outcome: str, duplicate_of: int | None) -> None:
    cur.execute(_CLOSE_INCIDENT, {"id": incident_id, "outcome": outcome, "duplicate_of": duplicate_of})


def timeline(db: Database, incident_id: int) -> list[dict[str, Any]]:
    with db.transaction() as cur:
        cur.execute(_TIMELINE, (incident_id,))
        return [dict(r) for r in cur.fetchall()]


def assignments_of_incident(db: Database, incident_id: int) -> list[dict[str, Any]]:
    with db.transaction() as cur:
        return assignments_of_incident_in(cur, incident_id)


def assignments_of_incident_in(cur: psycopg.Cursor[Any], incident_id: int) -> list[dict[str, Any]]:
    cur.execute(_ASSIGNMENTS_OF_INCIDENT, (incident_id,))
    return [dict(r) for r in cur.fetchall()]


def incident_detail_rows(db: Database, incident_id: int) -> tuple[dict[str, Any], list[dict[str, Any]],
                                                                   list[dict[str, Any]]]:
    """The incident, its assignments and its timeline, read in one transaction."""
    with db.transaction() as cur:
        inc = incident_row(cur, incident_id)
        cur.execute(_ASSIGNMENTS_OF_INCIDENT, (incident_id,))
        assignments = [dict(r) for r in cur.fetchall()]
        cur.execute(_TIMELINE, (incident_id,))
        events = [dict(r) for r in cur.fetchall()]
    return inc, assignments, events


# --- units and assignments ---------------------------------------------------------------------------
def lock_units(cur: psycopg.Cursor[Any], unit_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Lock the units' rows (ordered by id); NotFoundError names any missing one."""
    cur.execute(_LOCK_UNITS, (sorted(set(unit_ids)),))
    rows = {int(r["id"]): dict(r) for r in cur.fetchall()}
    missing = sorted(set(unit_ids) - set(rows))
    if missing:
        raise NotFoundError(f"unit {missing[0]} does not exist")
    return rows


def insert_assignment(cur: psycopg.Cursor[Any], *, incident_id: int, unit_id: int, user_id: int | None,
                      eta_s: float | None) -> dict[str, Any]:
    """Insert a 'dispatched' assignment; the partial unique index backs up the status check."""
    try:
        with cur.connection.transaction():  # savepoint: keep the outer transaction usable
            cur.execute(_INSERT_ASSIGNMENT, {"incident_id": incident_id, "unit_id": unit_id,
                                             "user_id": user_id, "eta_s": eta_s})
            return one(cur)
    except psycopg.errors.UniqueViolation as exc:
        raise UnitNotAvailableError(f"unit {unit_id} already has an active assignment") from exc


def set_unit_status(cur: psycopg.Cursor[Any], unit_id: int, status: str, at: datetime) -> None:
    cur.execute(_SET_UNIT_STATUS, {"id": unit_id, "status": status, "at": at})


def active_assignment_of_unit(cur: psycopg.Cursor[Any], unit_id: int, *, lock: bool = False) -> dict[str, Any] | None:
    cur.execute(_LOCK_ACTIVE_ASSIGNMENT_OF_UNIT if lock else _ACTIVE_ASSIGNMENT_OF_UNIT, (unit_id,))
    row = cur.fetchone()
    return dict(row) if row else None


def active_assignments_of_incident(cur: psycopg.Cursor[Any], incident_id: int) -> list[dict[str, Any]]:
    cur.execute(_ACTIVE_ASSIGNMENTS_OF_INCIDENT, (incident_id,))
    return [dict(r) for r in cur.fetchall()]


def set_assignment_status(cur: psycopg.Cursor[Any], assignment_id: int, status: str, *,
                          stamp_column: str | None, at: datetime) -> None:
    """Move an assignment to ``status`` and stamp its projection column (first time only)."""
    from psycopg import sql

    if stamp_column is None:
        cur.execute("UPDATE assignments SET status = %s WHERE id = %s", (status, assignment_id))
        return
    cur.execute(sql.SQL("UPDATE assignments SET status = %s, {col} = coalesce({col}, %s) WHERE id = %s").format(
        col=sql.Identifier(stamp_column)), (status, at, assignment_id))


def unit_state(db: Database, unit_id: int) -> dict[str, Any]:
    with db.transaction() as cur:
        cur.execute(_UNIT_STATE, (unit_id,))
        row = cur.fetchone()
    if row is None:
        raise NotFoundError(f"unit {unit_id} does not exist")
    return dict(row)


def unit_row(db: Database, unit_id: int) -> dict[str, Any]:
    """One unit with its position (last report, else home station) and active assignment."""
    with db.transaction() as cur:
        cur.execute(_UNIT_ROW, (unit_id,))
        row = cur.fetchone()
    if row is None:
        raise NotFoundError(f"unit {unit_id} does not exist")
    return dict(row)


def unit_of_user(db: Database, user_id: int) -> int | None:
    with db.transaction() as cur:
        cur.execute(_UNIT_OF_USER, (user_id,))
        row = cur.fetchone()
    return None if row is None or row["unit_id"] is None else int(row["unit_id"])


def record_position(db: Database, *, unit_id: int, lon: float, lat: float, recorded_at: datetime | None,
                    source: str) -> dict[str, Any]:
    """Store a position fix; it becomes the unit's position unless a newer fix is already known."""
    with db.transaction() as cur:
        cur.execute(_RECORD_POSITION, {"unit_id": unit_id, "lon": lon, "lat": lat, "t": recorded_at,
                                       "source": source})
        row = cur.fetchone()
    if row is None:
        raise NotFoundError(f"unit {unit_id} does not exist")
    return dict(row)


# --- live pages -------------------------------------------------------------------------------------
def version(db: Database) -> tuple[int, int, int]:
    """(last event id, events among the last 200 ids, last position id): changes on every action."""
    with db.transaction() as cur:
        cur.execute(_VERSION)
        row = one(cur)
    return int(row["last_event"]), int(row["recent_events"]), int(row["last_position"])


def open_board(db: Database, *, include_municipal: bool = False, limit: int = 2000) -> list[dict[str, Any]]:
    """Open incidents for the dispatch queue (with the callsigns and statuses of their units).

    Municipal tickets (non-emergency types, passed on to the responsible OPD without a unit) are
    left out unless asked for: thousands stay open for weeks and would bury the emergencies."""
    with db.transaction() as cur:
        cur.execute(_OPEN_BOARD, {"include_municipal": include_municipal, "limit": limit})
        return [dict(r) for r in cur.fetchall()]


def board(db: Database, *, include_municipal: bool = False,
          limit: int = 2000) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """Open incidents (as :func:`open_board`), every unit (``store.geo.units`` rows) and the number of
    open municipal tickets, in one transaction."""
    with db.transaction() as cur:
        cur.execute(_OPEN_BOARD, {"include_municipal": include_municipal, "limit": limit})
        incidents = [dict(r) for r in cur.fetchall()]
        cur.execute(UNITS_SQL)
        units = [dict(r) for r in cur.fetchall()]
        cur.execute(_OPEN_MUNICIPAL_COUNT)
        municipal_open = int(one(cur)["n"])
    return incidents, units, municipal_open


def busy_units(db: Database) -> list[dict[str, Any]]:
    """Busy units with the median remaining busy time for their type and status (None when the
    last 90 days hold no cleared job to learn from) and the seconds already spent in the status."""
    with db.transaction() as cur:
        cur.execute(_BUSY_FREE_IN)
        return [dict(r) for r in cur.fetchall()]


# --- call-taking: duplicates before creating, extra calls, location corrections -------------------
#: Open incidents of a type near a point whose call came within a window of ``at`` (nearest first).
_NEARBY_OPEN = """
WITH p AS (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) AS g, coalesce(%(at)s::timestamptz, now()) AS t)
SELECT i.id, i.incident_type, t.name_id AS type_name_id, t.name_en AS type_name_en, i.priority,
       ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat, kl.nama AS kelurahan, kc.nama AS kecamatan,
       ST_Distance(i.geom::geography, p.g::geography) AS distance_m,
       extract(epoch FROM p.t - coalesce(i.call_received_at, i.created_at))::float8 AS age_s,
       (SELECT count(*) FROM assignments a WHERE a.incident_id = i.id AND a.status <> 'cleared') AS units_assigned
  FROM incidents i CROSS JOIN p
  JOIN incident_types t ON t.code = i.incident_type
  LEFT JOIN kelurahan kl ON kl.kode = i.kelurahan_kode
  LEFT JOIN kecamatan kc ON kc.kode = i.kecamatan_kode
 WHERE i.status = 'open' AND i.incident_type = %(type)s
   AND ST_DWithin(i.geom::geography, p.g::geography, %(radius_m)s)
   AND coalesce(i.call_received_at, i.created_at) BETWEEN p.t - make_interval(secs => %(window_s)s)
                                                      AND p.t + make_interval(secs => %(window_s)s)
 ORDER BY i.geom <-> p.g, i.id
 LIMIT %(limit)s
"""

_INSERT_ATTACHED_CALL = """
INSERT INTO calls (received_at, answered_at, caller_phone, classification, incident_id)
VALUES (coalesce(%(received)s::timestamptz, now()), coalesce(%(received)s::timestamptz, now()), %(phone)s,
        'duplicate', %(incident_id)s)
RETURNING id, received_at
"""

_MOVE_INCIDENT = """
UPDATE incidents SET geom = ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) WHERE id = %(id)s
"""

_PLACE_OF_INCIDENT = """
SELECT ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat, kl.nama AS kelurahan, kc.nama AS kecamatan
  FROM incidents i
  LEFT JOIN kelurahan kl ON kl.kode = i.kelurahan_kode
  LEFT JOIN kecamatan kc ON kc.kode = i.kecamatan_kode
 WHERE i.id = %s
"""

#: Each open incident's active units with their statuses (codes), for translated queue text.
_OPEN_INCIDENT_UNITS = """
SELECT a.incident_id, u.callsign, u.unit_type, a.status
  FROM assignments a JOIN units u ON u.id = a.unit_id JOIN incidents i ON i.id = a.incident_id
 WHERE a.status <> 'cleared' AND i.status = 'open'
 ORDER BY a.incident_id, u.callsign
"""

_SETTING = "SELECT value FROM app_settings WHERE key = %s"


def nearby_open_incidents(db: Database, *, lon: float, lat: float, incident_type: str, radius_m: float,
                          window_s: float, at: datetime | None = None, limit: int = 5) -> list[dict[str, Any]]:
    """Open incidents of ``incident_type`` within ``radius_m`` whose call came within ``window_s``
    of ``at`` (default now), nearest first, with their distance and age in seconds."""
    with db.transaction() as cur:
        cur.execute(_NEARBY_OPEN, {"lon": lon, "lat": lat, "type": incident_type, "radius_m": radius_m,
                                   "window_s": window_s, "at": at, "limit": limit})
        return [dict(r) for r in cur.fetchall()]


def insert_attached_call(cur: psycopg.Cursor[Any], *, incident_id: int, caller_phone: str | None,
                         received_at: datetime | None) -> dict[str, Any]:
    """A further call about an existing incident (classified ``duplicate``, linked to it)."""
    cur.execute(_INSERT_ATTACHED_CALL, {"incident_id": incident_id, "phone": caller_phone, "received": received_at})
    return one(cur)


def place_of_incident(cur: psycopg.Cursor[Any], incident_id: int) -> dict[str, Any]:
    cur.execute(_PLACE_OF_INCIDENT, (incident_id,))
    row = cur.fetchone()
    if row is None:
        raise NotFoundError(f"incident {incident_id} does not exist")
    return dict(row)


def move_incident(cur: psycopg.Cursor[Any], incident_id: int, *, lon: float, lat: float) -> None:
    """Move the incident's point; the trigger sets its kecamatan and kelurahan again."""
    cur.execute(_MOVE_INCIDENT, {"id": incident_id, "lon": lon, "lat": lat})


def open_incident_units(db: Database) -> list[dict[str, Any]]:
    """``{incident_id, callsign, unit_type, status}`` of every active unit on an open incident."""
    with db.transaction() as cur:
        cur.execute(_OPEN_INCIDENT_UNITS)
        return [dict(r) for r in cur.fetchall()]


def setting(db: Database, key: str) -> Any:
    """An ``app_settings`` value (JSON), or None."""
    with db.transaction() as cur:
        cur.execute(_SETTING, (key,))
        row = cur.fetchone()
    return None if row is None else row["value"]
