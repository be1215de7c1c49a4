"""Live coverage and move-up: the fleet with its moves, standby posts, proposals, holes, history.

Functions taking ``cur`` run inside the caller's transaction; the others open their own. Row locks
follow the order of :mod:`store.incidents` (proposal → units by id).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from store._errors import ConflictError, NotFoundError
from store._rows import one
from store.db import Database
from store.incidents import append_event

# --- the fleet ---------------------------------------------------------------------------------
_FLEET = """
SELECT u.id, u.callsign, u.unit_type, u.agency_code, u.status, u.status_at, u.home_facility_id,
       coalesce(ST_X(u.position), ST_X(f.geom)) AS lon, coalesce(ST_Y(u.position), ST_Y(f.geom)) AS lat,
       (u.position IS NULL) AS at_home_station, ST_X(f.geom) AS home_lon, ST_Y(f.geom) AS home_lat,
       f.name AS home_name, m.id AS move_id, m.post_id AS move_post_id, m.post_name AS move_post_name,
       ST_X(m.geom) AS move_lon, ST_Y(m.geom) AS move_lat, m.travel_s AS move_travel_s,
       m.started_at AS move_started_at
  FROM units u
  LEFT JOIN facilities f ON f.id = u.home_facility_id
  LEFT JOIN unit_post_moves m ON m.unit_id = u.id AND m.ended_at IS NULL
 WHERE u.unit_type = ANY(%(types)s)
 ORDER BY u.id
"""

_PLANS = "SELECT incident_type, unit_type, unit_count, substitutes FROM response_plans ORDER BY incident_type"

_RECENT_INCIDENTS = """
SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat
  FROM incidents
 WHERE incident_type = ANY(%(types)s) AND created_at >= %(since)s
"""

# --- standby posts -----------------------------------------------------------------------------
_STANDBY_POSTS = """
SELECT p.id, p.name, p.unit_types, ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat, p.location_confidence, p.note,
       p.active, p.created_by, p.created_at, p.retired_by, p.retired_at
  FROM standby_posts p
 WHERE p.active OR %(all)s
 ORDER BY p.name
"""

_INSERT_STANDBY_POST = """
INSERT INTO standby_posts (name, unit_types, geom, location_confidence, note, created_by)
VALUES (%(name)s, %(unit_types)s, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), %(confidence)s, %(note)s,
        %(actor)s)
RETURNING id, name, unit_types, ST_X(geom) AS lon, ST_Y(geom) AS lat, location_confidence, note, active,
          created_by, created_at, retired_by, retired_at
"""

_RETIRE_STANDBY_POST = """
UPDATE standby_posts SET active = false, retired_by = %(actor)s, retired_at = now()
 WHERE id = %(id)s
RETURNING id, name, unit_types, ST_X(geom) AS lon, ST_Y(geom) AS lat, location_confidence, note, active,
          created_by, created_at, retired_by, retired_at
"""

_STANDBY_POST_STATE = "SELECT id, name, active FROM standby_posts WHERE id = %s FOR UPDATE"

# --- holes -------------------------------------------------------------------------------------
_HOLES = "SELECT unit_type, since, share, updated_at FROM coverage_holes"
_OPEN_HOLE = """
INSERT INTO coverage_holes (unit_type, since, share) VALUES (%(unit_type)s, %(since)s, %(share)s)
ON CONFLICT (unit_type) DO UPDATE SET share = EXCLUDED.share, updated_at = now()
RETURNING unit_type, since, share, updated_at
"""
_CLOSE_HOLE = "DELETE FROM coverage_holes WHERE unit_type = %s"
_LAST_COMMITMENT = """
SELECT max(status_at) AS at FROM units
 WHERE unit_type = %(unit_type)s AND NOT (status = ANY(%(available)s))
"""

# --- proposals ---------------------------------------------------------------------------------
_PROPOSAL_COLUMNS = """
SELECT id, unit_type, status, situation, moves, demand, threshold_min, baseline_share, uncovered_before,
       uncovered_after, proposed_at, decided_at, decided_by, reason, note
  FROM move_up_proposals
"""
_OPEN_PROPOSALS = _PROPOSAL_COLUMNS + " WHERE status = 'open' ORDER BY unit_type"
_PROPOSAL = _PROPOSAL_COLUMNS + " WHERE id = %s"
_LOCK_PROPOSAL = _PROPOSAL + " FOR UPDATE"
_INSERT_PROPOSAL = """
INSERT INTO move_up_proposals (unit_type, situation, moves, demand, threshold_min, baseline_share,
                               uncovered_before, uncovered_after)
VALUES (%(unit_type)s, %(situation)s, %(moves)s, %(demand)s, %(threshold_min)s, %(baseline_share)s,
        %(uncovered_before)s, %(uncovered_after)s)
ON CONFLICT (unit_type) WHERE status = 'open' DO NOTHING
RETURNING id, proposed_at
"""
_EXPIRE_PROPOSAL = """
UPDATE move_up_proposals SET status = 'expired', decided_at = now() WHERE id = %s AND status = 'open'
"""
_DECIDE_PROPOSAL = """
UPDATE move_up_proposals
   SET status = %(status)s, decided_at = now(), decided_by = %(actor)s, decided_by_user_id = %(user_id)s,
       reason = %(reason)s, note = %(note)s
 WHERE id = %(id)s
"""
_DISMISSED = """
SELECT EXISTS (SELECT 1 FROM move_up_proposals
                WHERE unit_type = %s AND situation = %s AND status = 'dismissed') AS dismissed
"""

# --- moves -------------------------------------------------------------------------------------
_INSERT_MOVE = """
INSERT INTO unit_post_moves (unit_id, proposal_id, post_id, post_name, geom, travel_s, started_at, started_by)
VALUES (%(unit_id)s, %(proposal_id)s, %(post_id)s, %(post_name)s, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326),
        %(travel_s)s, %(at)s, %(actor)s)
RETURNING id
"""
_OPEN_MOVE = """
SELECT m.id, m.unit_id, m.proposal_id, m.post_id, m.post_name, ST_X(m.geom) AS lon, ST_Y(m.geom) AS lat,
       m.travel_s, m.started_at, m.started_by, u.callsign, u.unit_type, u.status,
       coalesce(ST_X(u.position), ST_X(f.geom)) AS unit_lon, coalesce(ST_Y(u.position), ST_Y(f.geom)) AS unit_lat
  FROM unit_post_moves m
  JOIN units u ON u.id = m.unit_id
  LEFT JOIN facilities f ON f.id = u.home_facility_id
 WHERE m.unit_id = %s AND m.ended_at IS NULL
"""
_LOCK_OPEN_MOVE = _OPEN_MOVE + " FOR UPDATE OF m"
#: The open move of a unit moving to a post, with the distance from a position fix to the post.
_MOVE_NEAR = """
SELECT m.id, m.post_id, ST_Distance(m.geom::geography, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography)
           AS distance_m
  FROM unit_post_moves m JOIN units u ON u.id = m.unit_id
 WHERE m.unit_id = %(unit_id)s AND m.ended_at IS NULL AND u.status = 'moving_to_post'
"""
_END_MOVE = "UPDATE unit_post_moves SET ended_at = %(at)s, outcome = %(outcome)s WHERE id = %(id)s"
_UNIT_AT = """
UPDATE units SET status = %(status)s, status_at = %(at)s,
                 position = ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), position_at = %(at)s
 WHERE id = %(id)s
"""
_POSITION_HISTORY = """
INSERT INTO unit_positions (unit_id, geom, recorded_at, source)
VALUES (%(id)s, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), %(at)s, %(source)s)
"""
_ACTIVE_ASSIGNMENT = "SELECT id FROM assignments WHERE unit_id = %s AND status <> 'cleared'"

# --- history -----------------------------------------------------------------------------------
_UNITS_OF_TYPE = "SELECT id, callsign, home_facility_id FROM units WHERE unit_type = %s ORDER BY id"
_CHANGES = """
SELECT e.unit_id, e.kind, e.at, e.data->>'to' AS to_status, e.data->>'status' AS status_field,
       e.data->>'post_id' AS post_id
  FROM events e JOIN units u ON u.id = e.unit_id
 WHERE u.unit_type = %(unit_type)s AND e.kind = ANY(%(kinds)s) AND e.at >= %(start)s AND e.at < %(end)s
 ORDER BY e.at, e.id
"""
#: Per unit of the type, its last availability change before the start (one index probe per unit).
_LAST_CHANGE_BEFORE = """
SELECT u.id AS unit_id, e.kind, e.at, e.to_status, e.status_field, e.post_id
  FROM units u
  CROSS JOIN LATERAL (
        SELECT e.kind, e.at, e.data->>'to' AS to_status, e.data->>'status' AS status_field,
               e.data->>'post_id' AS post_id
          FROM events e
         WHERE e.unit_id = u.id AND e.kind = ANY(%(kinds)s) AND e.at < %(start)s
         ORDER BY e.at DESC, e.id DESC
         LIMIT 1) e
 WHERE u.unit_type = %(unit_type)s
"""
_UPSERT_DAILY = """
INSERT INTO coverage_daily (day, unit_type, kecamatan, uncovered_share, observed_s, computed_at)
VALUES (%(day)s, %(unit_type)s, %(kecamatan)s, %(share)s, %(observed_s)s, now())
ON CONFLICT (day, unit_type, kecamatan) DO UPDATE
   SET uncovered_share = EXCLUDED.uncovered_share, observed_s = EXCLUDED.observed_s, computed_at = now()
"""
_DAILY = """
SELECT day, unit_type, kecamatan, uncovered_share, observed_s, computed_at
  FROM coverage_daily WHERE day = %(day)s AND unit_type = %(unit_type)s
 ORDER BY kecamatan
"""


def now(cur: psycopg.Cursor[Any]) -> datetime:
    """The transaction's time (the same for every row written in it)."""
    cur.execute("SELECT now() AS now")
    value: datetime = one(cur)["now"]
    return value


# --- the fleet and the demand ----------------------------------------------------------------------
def fleet(db: Database, unit_types: Sequence[str]) -> list[dict[str, Any]]:
    """Units of these types: status, position (reported, else the home station), home, open move."""
    with db.transaction() as cur:
        cur.execute(_FLEET, {"types": list(unit_types)})
        return [dict(r) for r in cur.fetchall()]


def response_plans(db: Database) -> list[dict[str, Any]]:
    """Every run-card line: ``incident_type, unit_type, unit_count, substitutes``."""
    with db.transaction() as cur:
        cur.execute(_PLANS)
        return [dict(r) for r in cur.fetchall()]


def incident_points(db: Database, incident_types: Sequence[str], since: datetime) -> tuple[list[float], list[float]]:
    """Longitudes and latitudes of the incidents of these types created since ``since``."""
    if not incident_types:
        return [], []
    with db.transaction() as cur:
        cur.execute(_RECENT_INCIDENTS, {"types": list(incident_types), "since": since})
        rows = cur.fetchall()
    return [float(r["lon"]) for r in rows], [float(r["lat"]) for r in rows]


# --- standby posts ---------------------------------------------------------------------------------
def standby_posts(db: Database, *, include_retired: bool = False) -> list[dict[str, Any]]:
    with db.transaction() as cur:
        cur.execute(_STANDBY_POSTS, {"all": include_retired})
        return [dict(r) for r in cur.fetchall()]


def add_standby_post(db: Database, *, name: str, unit_types: Sequence[str], lon: float, lat: float,
                     confidence: str, note: str, actor: str, actor_user_id: int | None) -> dict[str, Any]:
    """Store a standby post and its audit event; ConflictError when the name is taken."""
    with db.transaction() as cur:
        try:
            with cur.connection.transaction():
                cur.execute(_INSERT_STANDBY_POST, {"name": name, "unit_types": list(unit_types), "lon": lon,
                                                   "lat": lat, "confidence": confidence, "note": note,
                                                   "actor": actor})
                row = one(cur)
        except psycopg.errors.UniqueViolation as exc:
            raise ConflictError(f"a standby post named {name!r} exists", reason="name_taken", name=name) from exc
        append_event(cur, kind="standby_post_changed", actor=actor, actor_user_id=actor_user_id,
                     data={"action": "added", "post_id": f"s{row['id']}", "name": name,
                           "unit_types": list(unit_types), "lon": lon, "lat": lat})
        return row


def retire_standby_post(db: Database, post_id: int, *, actor: str, actor_user_id: int | None) -> dict[str, Any]:
    """Take a standby post out of use (the row stays); NotFoundError, ConflictError when retired."""
    with db.transaction() as cur:
        cur.execute(_STANDBY_POST_STATE, (post_id,))
        state = cur.fetchone()
        if state is None:
            raise NotFoundError(f"standby post {post_id} does not exist")
        if not state["active"]:
            raise ConflictError(f"standby post {post_id} is already retired", reason="post_retired",
                                name=state["name"])
        cur.execute(_RETIRE_STANDBY_POST, {"id": post_id, "actor": actor})
        row = one(cur)
        append_event(cur, kind="standby_post_changed", actor=actor, actor_user_id=actor_user_id,
                     data={"action": "retired", "post_id": f"s{post_id}", "name": row["name"]})
        return row


# --- holes -------------------------------------------------------------------------------------------
def holes(db: Database) -> dict[str, dict[str, Any]]:
    """Open coverage holes by unit type."""
    with db.transaction() as cur:
        cur.execute(_HOLES)
        return {str(r["unit_type"]): dict(r) for r in cur.fetchall()}


def open_hole(db: Database, unit_type: str, *, share: float, available_statuses: Sequence[str]) -> dict[str, Any]:
    """Record that a hole is open (keeping the first ``since``); ``since`` is the type's latest
    commitment (the status change that opened it), or now."""
    with db.transaction() as cur:
        cur.execute(_LAST_COMMITMENT, {"unit_type": unit_type, "available": list(available_statuses)})
        last = one(cur)["at"]
        since = last if last is not None else now(cur)
        cur.execute(_OPEN_HOLE, {"unit_type": unit_type, "since": since, "share": share})
        return one(cur)


def close_hole(db: Database, unit_type: str) -> None:
    with db.transaction() as cur:
        cur.execute(_CLOSE_HOLE, (unit_type,))


# --- proposals ---------------------------------------------------------------------------------------
def open_proposals(db: Database) -> list[dict[str, Any]]:
    with db.transaction() as cur:
        cur.execute(_OPEN_PROPOSALS)
        return [dict(r) for r in cur.fetchall()]


def proposal(db: Database, proposal_id: int) -> dict[str, Any]:
    with db.transaction() as cur:
        cur.execute(_PROPOSAL, (proposal_id,))
        row = cur.fetchone()
    if row is None:
        raise NotFoundError(f"move-up proposal {proposal_id} does not exist")
    return dict(row)


def was_dismissed(db: Database, unit_type: str, situation: str) -> bool:
    """Whether a proposal for this unit type and situation was dismissed."""
    with db.transaction() as cur:
        cur.execute(_DISMISSED, (unit_type, situation))
        return bool(one(cur)["dismissed"])


def expire_proposal(db: Database, proposal_id: int) -> None:
    with db.transaction() as cur:
        cur.execute(_EXPIRE_PROPOSAL, (proposal_id,))


def insert_proposal(db: Database, *, unit_type: str, situation: str, moves: list[dict[str, Any]], demand: str,
                    threshold_min: float, baseline_share: float, uncovered_before: float,
                    uncovered_after: float, event_data: dict[str, Any]) -> dict[str, Any] | None:
    """Store an open proposal and its ``move_up_proposed`` event; None when one is open already."""
    with db.transaction() as cur:
        cur.execute(_INSERT_PROPOSAL, {"unit_type": unit_type, "situation": situation, "moves": Jsonb(moves),
                                       "demand": demand, "threshold_min": threshold_min,
                                       "baseline_share": baseline_share, "uncovered_before": uncovered_before,
                                       "uncovered_after": uncovered_after})
        row = cur.fetchone()
        if row is None:
            return None
        append_event(cur, kind="move_up_proposed", at=row["proposed_at"], actor="system", actor_user_id=None,
                     unit_id=int(moves[0]["unit_id"]) if moves else None,
                     data={"proposal_id": int(row["id"]), **event_data})
        cur.execute(_PROPOSAL, (int(row["id"]),))
        return dict(one(cur))


def lock_proposal(cur: psycopg.Cursor[Any], proposal_id: int) -> dict[str, Any]:
    cur.execute(_LOCK_PROPOSAL, (proposal_id,))
    row = cur.fetchone()
    if row is None:
        raise NotFoundError(f"move-up proposal {proposal_id} does not exist")
    return dict(row)


def decide_proposal(cur: psycopg.Cursor[Any], proposal_id: int, *, status: str, actor: str,
                    actor_user_id: int | None, reason: str | None = None, note: str | None = None) -> None:
    cur.execute(_DECIDE_PROPOSAL, {"id": proposal_id, "status": status, "actor": actor, "user_id": actor_user_id,
                                   "reason": reason, "note": note})


def expire_proposal_in(cur: psycopg.Cursor[Any], proposal_id: int) -> None:
    cur.execute(_EXPIRE_PROPOSAL, (proposal_id,))


# --- moves -------------------------------------------------------------------------------------------
def has_active_assignment(cur: psycopg.Cursor[Any], unit_id: int) -> bool:
    cur.execute(_ACTIVE_ASSIGNMENT, (unit_id,))
    return cur.fetchone() is not None


def insert_move(cur: psycopg.Cursor[Any], *, unit_id: int, proposal_id: int | None, post_id: str, post_name: str,
                lon: float, lat: float, travel_s: float | None, at: datetime, actor: str) -> int:
    cur.execute(_INSERT_MOVE, {"unit_id": unit_id, "proposal_id": proposal_id, "post_id": post_id,
                               "post_name": post_name, "lon": lon, "lat": lat, "travel_s": travel_s, "at": at,
                               "actor": actor})
    return int(one(cur)["id"])


def open_move(db: Database, unit_id: int) -> dict[str, Any] | None:
    """The unit's move to a post that is under way (with the unit's position), or None."""
    with db.transaction() as cur:
        cur.execute(_OPEN_MOVE, (unit_id,))
        row = cur.fetchone()
    return None if row is None else dict(row)


def lock_open_move(cur: psycopg.Cursor[Any], unit_id: int) -> dict[str, Any] | None:
    cur.execute(_LOCK_OPEN_MOVE, (unit_id,))
    row = cur.fetchone()
    return None if row is None else dict(row)


def move_near(db: Database, unit_id: int, lon: float, lat: float) -> dict[str, Any] | None:
    """The open move of a unit moving to a post and the distance (m) from ``lon, lat`` to the post."""
    with db.transaction() as cur:
        cur.execute(_MOVE_NEAR, {"unit_id": unit_id, "lon": lon, "lat": lat})
        row = cur.fetchone()
    return None if row is None else dict(row)


def end_move(cur: psycopg.Cursor[Any], move_id: int, *, outcome: str, at: datetime) -> None:
    cur.execute(_END_MOVE, {"id": move_id, "outcome": outcome, "at": at})


def place_unit(cur: psycopg.Cursor[Any], unit_id: int, *, status: str, lon: float, lat: float, at: datetime,
               source: str) -> None:
    """Set the unit's status and put it at ``lon, lat`` (its current position, kept in the history)."""
    cur.execute(_UNIT_AT, {"id": unit_id, "status": status, "lon": lon, "lat": lat, "at": at})
    cur.execute(_POSITION_HISTORY, {"id": unit_id, "lon": lon, "lat": lat, "at": at, "source": source})


# --- history and today's figures -------------------------------------------------------------------
def units_of_type(db: Database, unit_type: str) -> list[dict[str, Any]]:
    with db.transaction() as cur:
        cur.execute(_UNITS_OF_TYPE, (unit_type,))
        return [dict(r) for r in cur.fetchall()]


def availability_events(db: Database, unit_type: str, kinds: Sequence[str], start: datetime,
                        end: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The type's units' events of ``kinds`` in ``[start, end)`` (time order) and, per unit, its
    last such event before ``start``."""
    params = {"unit_type": unit_type, "kinds": list(kinds), "start": start, "end": end}
    with db.transaction() as cur:
        cur.execute(_CHANGES, params)
        inside = [dict(r) for r in cur.fetchall()]
        cur.execute(_LAST_CHANGE_BEFORE, params)
        before = [dict(r) for r in cur.fetchall()]
    return inside, before


def save_daily(db: Database, rows: Sequence[dict[str, Any]]) -> None:
    """Upsert ``{day, unit_type, kecamatan, share, observed_s}`` rows of computed days."""
    if not rows:
        return
    with db.transaction() as cur:
        cur.executemany(_UPSERT_DAILY, list(rows))


def daily(db: Database, day: date, unit_type: str) -> list[dict[str, Any]]:
    with db.transaction() as cur:
        cur.execute(_DAILY, {"day": day, "unit_type": unit_type})
        return [dict(r) for r in cur.fetchall()]
