"""Dispatch operations: create, find duplicates, recommend, assign, status, position, close, timeline.

Each operation validates its input (:mod:`incidents.validation`), then runs the store's SQL
(:mod:`store.incidents`) inside one transaction, so the state change, the projection columns
and the audit event (with actor and time) are written together or not at all. No Dash, no Flask.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from incidents import validation
from incidents.model import (
    DUPLICATE_RADIUS_M,
    DUPLICATE_WINDOW_S,
    EVENT_FOR_STATUS,
    INCIDENT_FIRST_COLUMN_FOR_STATUS,
    STAMP_COLUMN_FOR_STATUS,
    Actor,
    Assignment,
    Incident,
    IncidentDetail,
    NewIncident,
    Place,
    TimelineEntry,
    UnitState,
    next_statuses,
    transition_allowed,
)
from services.resources import Resources
from store import analytics as store_analytics, geo, idempotency as store_idempotency, incidents as store, search
from store._errors import ConflictError, InvalidTransitionError, NotFoundError, UnitNotAvailableError
from store.db import Database

log = logging.getLogger(__name__)

#: Incident list limit for the API (a page of the queue).
MAX_LIST_LIMIT = 2000


# --- reference data ------------------------------------------------------------------------------------
def incident_types(res: Resources) -> list[dict[str, Any]]:
    """Incident types (code, names, default priority), emergencies first."""
    return list(res.incident_types())


def known_types(res: Resources) -> dict[str, int]:
    """Incident type code → default priority."""
    return res.known_types()


# --- places ---------------------------------------------------------------------------------------------
def locate(db: Database, lat: Any, lon: Any) -> Place:
    """Validate a point and name its kecamatan/kelurahan (what the form shows at once).

    Raises
    ------
    ValidationFailed
        Not a finite number, out of range, or where no incident may be placed (the placement rule
        of :func:`incidents.validation.incident_location`: in the bay beyond the shore band,
        outside the city).
    """
    spot = validation.incident_location(lat, lon)
    lon_v, lat_v = spot.lon, spot.lat
    row = store.place_of_point(db, lon_v, lat_v, buffer_m=validation.CITY_BUFFER_M)
    if row is None:
        return Place(lon=lon_v, lat=lat_v, kecamatan=None, kelurahan=None, inside_city=True)
    return Place(lon=lon_v, lat=lat_v, kecamatan=row["kecamatan"], kelurahan=row["kelurahan"],
                 kecamatan_kode=row["kecamatan_kode"], kelurahan_kode=row["kelurahan_kode"])


def search_places(db: Database, query: Any, *, limit: int = 12) -> list[dict[str, Any]]:
    """Kelurahan (with spelling aliases), kecamatan, facilities and landmarks matching ``query``."""
    return search.search_places(db, validation.search_query(query), limit=limit)


# --- incidents ---------------------------------------------------------------------------------------------
def _incident(row: Mapping[str, Any]) -> Incident:
    return Incident(
        id=int(row["id"]), incident_type=row["incident_type"], type_name_id=row["type_name_id"],
        type_name_en=row["type_name_en"], priority=int(row["priority"]), lon=float(row["lon"]),
        lat=float(row["lat"]), status=row["status"], kecamatan=row["kecamatan"], kelurahan=row["kelurahan"],
        description=row["description"], address=row["address"], caller_phone=row["caller_phone"],
        outcome=row["outcome"], created_at=row["created_at"], call_received_at=row["call_received_at"],
        call_answered_at=row["call_answered_at"], first_dispatched_at=row["first_dispatched_at"],
        first_en_route_at=row["first_en_route_at"], first_on_scene_at=row["first_on_scene_at"],
        closed_at=row["closed_at"], call_id=row["call_id"], duplicate_of=row["duplicate_of"],
        possible_duplicate_of=row["possible_duplicate_of"], units_assigned=int(row["units_assigned"] or 0),
    )


def _assignment(row: Mapping[str, Any]) -> Assignment:
    return Assignment(
        id=int(row["id"]), incident_id=int(row["incident_id"]), unit_id=int(row["unit_id"]),
        callsign=row["callsign"], unit_type=row["unit_type"], status=row["status"],
        assigned_at=row["assigned_at"], en_route_at=row["en_route_at"], on_scene_at=row["on_scene_at"],
        transport_started_at=row["transport_started_at"], at_hospital_at=row["at_hospital_at"],
        cleared_at=row["cleared_at"], eta_s=row["eta_s"],
    )


def _entry(row: Mapping[str, Any]) -> TimelineEntry:
    return TimelineEntry(id=int(row["id"]), kind=row["kind"], at=row["at"], recorded_at=row["recorded_at"],
                         actor=row["actor"], actor_user_id=row["actor_user_id"], unit_id=row["unit_id"],
                         callsign=row["callsign"], data=dict(row["data"] or {}))


def prepare_incident(db: Database, res: Resources, data: Mapping[str, Any]) -> NewIncident:
    """Validate a create request against the incident types in the database."""
    return validation.new_incident(data, known_types=res.known_types())


def create_incident(db: Database, new: NewIncident, actor: Actor, *,
                    idempotency: IdempotencyKey | None = None) -> Incident:
    """Store the call and the incident, flag a possible duplicate, write the three events.

    The call is received at ``new.call_received_at`` (or now) and answered at
    ``new.call_answered_at`` (or when received, if given, else now). A stamp the caller did not
    give is noted as unrecorded, so that analytics leaves the intervals that need it unmeasured.
    A possible duplicate is an open incident of the same type within 200 m whose call came
    within 15 minutes of this one.
    With an ``idempotency`` key seen before, nothing is written and the first incident is returned.
    """
    params = store.create_params(
        incident_type=new.incident_type, priority=new.priority, lon=new.lon, lat=new.lat,
        description=new.description, address=new.address, caller_phone=new.caller_phone,
        received_at=new.call_received_at, answered_at=new.call_answered_at, actor=actor.name,
        user_id=actor.user_id, radius_m=DUPLICATE_RADIUS_M, window_s=DUPLICATE_WINDOW_S)
    with db.transaction() as cur:
        if idempotency is not None:
            first = _replay(cur, idempotency, "create_incident")
            if first is not None:
                return _incident(store.incident_row(cur, int(first["incident_id"])))
        row = store.create_incident_in(cur, params)
        if new.call_received_at is None or new.call_answered_at is None:
            # the stamps stored then are the creation time: analytics must not measure them
            store_analytics.note_unrecorded_call_stamps(cur, int(row["id"]),
                                                        received=new.call_received_at is not None,
                                                        answered=new.call_answered_at is not None)
        if idempotency is not None:
            _remember(cur, idempotency, "create_incident", {"incident_id": int(row["id"])})
    return _incident(row)


def get_incident(db: Database, incident_id: int) -> IncidentDetail:
    """The incident with its assignments and its timeline (oldest event first)."""
    inc, assignments, events = store.incident_detail_rows(db, incident_id)
    return IncidentDetail(incident=_incident(inc), assignments=tuple(_assignment(a) for a in assignments),
                          timeline=tuple(_entry(e) for e in events))


def list_incidents(db: Database, *, status: str | None = "open", limit: int = 500) -> list[Incident]:
    if status not in (None, "open", "closed"):
        raise validation.fail("status", "status harus open atau closed", "status must be 'open' or 'closed'")
    limit = max(1, min(int(limit), MAX_LIST_LIMIT))
    return [_incident(r) for r in store.list_incidents(db, status=status, limit=limit)]


def timeline(db: Database, incident_id: int) -> list[TimelineEntry]:
    store.incident_exists(db, incident_id)
    return [_entry(e) for e in store.timeline(db, incident_id)]


def close_incident(db: Database, incident_id: int, outcome: Any, actor: Actor, *,
                   note: Any = None, duplicate_of: Any = None,
                   idempotency: IdempotencyKey | None = None) -> Incident:
    """Close with an outcome; units still on it are cleared (each with its own event).

    Raises
    ------
    ValidationFailed
        Unknown outcome, oversized note, bad ``duplicate_of``.
    NotFoundError, ConflictError
        No such incident; already closed.
    """
    c = validation._Collector()
    outcome_v = c.run(validation.outcome, outcome)
    note_v = c.run(validation.text, note, "note", max_chars=validation.MAX_NOTE_CHARS)
    dup_v = None
    if duplicate_of not in (None, ""):
        dup_v = c.run(validation.positive_id, duplicate_of, "duplicate_of")
        if dup_v == incident_id:
            c.errors.append(validation.FieldError("duplicate_of", "tidak boleh insiden itu sendiri",
                                                  "must not be the incident itself"))
    c.raise_if_any()
    if dup_v is not None and outcome_v != "duplicate":
        raise validation.fail("duplicate_of", "hanya untuk hasil 'duplicate'", "only with outcome 'duplicate'")
    if dup_v is not None:
        try:
            store.incident_exists(db, dup_v)
        except NotFoundError:
            raise validation.fail("duplicate_of", f"insiden {dup_v} tidak ada",
                                  f"incident {dup_v} does not exist") from None
    with db.transaction() as cur:
        if idempotency is not None and _replay(cur, idempotency, "close") is not None:
            return _incident(store.incident_row(cur, incident_id))
        inc = store.lock_incident(cur, incident_id)
        if inc["status"] != "open":
            raise ConflictError(f"incident {incident_id} is already closed", reason="incident_closed",
                                incident_id=incident_id)
        now = store.now(cur)
        active = store.active_assignments_of_incident(cur, incident_id)
        if active:
            store.lock_units(cur, [a["unit_id"] for a in active])
        for a in active:
            store.set_assignment_status(cur, a["id"], "cleared", stamp_column="cleared_at", at=now)
            store.set_unit_status(cur, a["unit_id"], "available", now)
            store.append_event(cur, kind="unit_cleared", at=now, incident_id=incident_id, unit_id=a["unit_id"],
                               assignment_id=a["id"], actor=actor.name, actor_user_id=actor.user_id,
                               data={"from": a["status"], "reason": "incident_closed"})
        store.close_incident(cur, incident_id, outcome=outcome_v, duplicate_of=dup_v)
        data: dict[str, Any] = {"outcome": outcome_v}
        if note_v:
            data["note"] = note_v
        if dup_v:
            data["duplicate_of"] = dup_v
        store.append_event(cur, kind="incident_closed", at=now, incident_id=incident_id, actor=actor.name,
                           actor_user_id=actor.user_id, data=data)
        if idempotency is not None:
            _remember(cur, idempotency, "close", {"incident_id": incident_id})
        return _incident(store.incident_row(cur, incident_id))


# --- recommendations ----------------------------------------------------------------------------------
def recommend_for_incident(db: Database, res: Resources, incident_id: int) -> dict[str, Any]:
    """Ranked suitable units for an incident, per its type's response plan (routing package).

    Units are placed at their last reported position, or at their home station when they have
    none (``store.geo.units`` coalesces). Returns ``Recommendation.to_dict()``:
    ``{"incident_id", "routing": "road"|"approximate", "plan": [...], "candidates": [...], ...}``.

    Raises
    ------
    NotFoundError
        No such incident.
    RecommendationError
        The incident cannot be routed (outside the service area, off the network).
    """
    from routing._errors import RoutingError
    from routing.recommend import UnitPosition, plan_from_rows, recommend

    inc, plan_rows, on_it, units = store.recommend_inputs(db, incident_id)
    full_plan = plan_from_rows(plan_rows)
    remaining = remaining_plan(full_plan, on_it)
    plan = remaining or full_plan  # a fulfilled plan still ranks units, for reinforcements
    positions = [
        UnitPosition(unit_id=int(u["id"]), callsign=u["callsign"], unit_type=u["unit_type"],
                     agency_code=u["agency_code"], lon=float(u["lon"]), lat=float(u["lat"]),
                     status="available" if u["status"] == "moving_to_post" else u["status"],
                     position_source="station" if u["at_home_station"] else "reported")
        for u in units if u["lon"] is not None and u["lat"] is not None
    ]
    busy = _busy_units(db, positions, incident_id)
    try:
        result = recommend(res.graph(), (float(inc["lon"]), float(inc["lat"])), plan, positions,
                           incident_id=incident_id, busy=busy)
    except RoutingError as exc:
        raise RecommendationError(str(exc)) from exc
    out = result.to_dict()
    out["incident_status"] = inc["status"]
    out["incident_type"] = inc["incident_type"]
    out["assigned"] = _counts(on_it)
    out["plan_fulfilled"] = bool(full_plan) and not remaining
    return out


#: Used when the last 90 days hold no cleared job of the unit's type to learn from.
DEFAULT_REMAINING_BUSY_S = 30 * 60.0


def estimate_free_in_s(median_remaining_s: float | None, in_status_s: float) -> float:
    """Seconds until a busy unit is likely free: the historical median remaining time for its type
    and status, less the time already spent in that status (never below zero)."""
    remaining = DEFAULT_REMAINING_BUSY_S if median_remaining_s is None else float(median_remaining_s)
    return max(0.0, remaining - max(0.0, float(in_status_s)))


def _busy_units(db: Database, positions: Sequence[Any], incident_id: int) -> list[Any]:
    """Busy units (not on this incident) as routing BusyUnits, so that an unfillable plan can offer
    "the first units to become free" (ETA = estimated time to free + travel from where they are)."""
    from routing.recommend import BusyUnit

    by_id = {p.unit_id: p for p in positions}
    out = []
    for row in store.busy_units(db):
        unit = by_id.get(int(row["unit_id"]))
        if unit is None or row["incident_id"] == incident_id:
            continue
        out.append(BusyUnit(unit=unit, free_in_s=estimate_free_in_s(row["median_remaining_s"], row["in_status_s"])))
    return out


def _counts(values: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


def remaining_plan(plan: Sequence[Any], assigned_types: Sequence[str]) -> list[Any]:
    """The plan items still to fill, given the unit types already on the incident.

    A unit counts first for an item of its own type, then as a substitute for an item that
    allows its type. Items fully covered are dropped; the others keep their missing count.
    """
    from dataclasses import replace as dc_replace

    need = [[item, int(item.unit_count)] for item in plan]
    spare = []
    for unit_type in assigned_types:
        slot = next((n for n in need if n[0].unit_type == unit_type and n[1] > 0), None)
        if slot is None:
            spare.append(unit_type)
        else:
            slot[1] -= 1
    for unit_type in spare:
        slot = next((n for n in need if unit_type in n[0].substitutes and n[1] > 0), None)
        if slot is not None:
            slot[1] -= 1
    return [dc_replace(item, unit_count=left) for item, left in need if left > 0]


class RecommendationError(Exception):
    """The incident's location cannot be routed (outside the service area, off the network)."""


# --- assignments -----------------------------------------------------------------------------------------
def assign_unit(db: Database, incident_id: int, unit_id: int, actor: Actor, *,
                eta_s: float | None = None) -> Assignment:
    """Assign one available unit (row lock on the unit; exactly one of racing attempts wins).

    Raises
    ------
    NotFoundError
        No such incident or unit.
    UnitNotAvailableError
        The unit is not available (already assigned, out of service).
    ConflictError
        The incident is closed.
    """
    return assign_units(db, incident_id, [(unit_id, eta_s)], actor)[0]


def assign_units(db: Database, incident_id: int, units: Sequence[tuple[int, float | None]],
                 actor: Actor, *, idempotency: IdempotencyKey | None = None) -> list[Assignment]:
    """Assign several units in one transaction: all of them, or none (a 409 names the first taken).

    With an ``idempotency`` key seen before, nothing is written and the first assignments are returned.
    """
    wanted = [int(u) for u, _ in units]
    if not wanted:
        raise validation.fail("unit_ids", "tidak ada unit yang dipilih", "no unit given")
    if len(set(wanted)) != len(wanted):
        raise validation.fail("unit_ids", "unit yang sama disebut dua kali", "a unit is listed twice")
    etas = {int(u): e for u, e in units}
    with db.transaction() as cur:
        if idempotency is not None:
            first = _replay(cur, idempotency, "assign")
            if first is not None:
                ids = {int(i) for i in first["assignment_ids"]}
                earlier = store.assignments_of_incident_in(cur, incident_id)
                return [_assignment(r) for r in earlier if int(r["id"]) in ids]
        inc = store.lock_incident(cur, incident_id)
        if inc["status"] != "open":
            raise ConflictError(f"incident {incident_id} is closed", reason="incident_closed",
                                incident_id=incident_id)
        rows = store.lock_units(cur, wanted)
        for uid in wanted:
            if rows[uid]["status"] not in ("available", "moving_to_post"):
                raise UnitNotAvailableError(
                    f"unit {rows[uid]['callsign']} is not available (status: {rows[uid]['status']})",
                    callsign=rows[uid]["callsign"], status=rows[uid]["status"], incident_id=incident_id)
        now = store.now(cur)
        created = []
        for uid in wanted:
            a = store.insert_assignment(cur, incident_id=incident_id, unit_id=uid, user_id=actor.user_id,
                                        eta_s=etas.get(uid))
            store.set_unit_status(cur, uid, "dispatched", now)
            store.append_event(cur, kind="unit_dispatched", at=now, incident_id=incident_id, unit_id=uid,
                               assignment_id=int(a["id"]), actor=actor.name, actor_user_id=actor.user_id,
                               data={"callsign": rows[uid]["callsign"], "eta_s": etas.get(uid)})
            created.append(Assignment(id=int(a["id"]), incident_id=incident_id, unit_id=uid,
                                      callsign=rows[uid]["callsign"], unit_type=rows[uid]["unit_type"],
                                      status="dispatched", assigned_at=a["assigned_at"], eta_s=etas.get(uid)))
        store.set_incident_first(cur, incident_id, "first_dispatched_at", now)
        if idempotency is not None:
            _remember(cur, idempotency, "assign", {"assignment_ids": [a.id for a in created]})
    return created


def plan_selection(recommendation: Mapping[str, Any]) -> list[tuple[int, float | None]]:
    """The units chosen to fill the (remaining) response plan, with their ETAs.

    Empty when the plan is already fulfilled by the units on the incident.
    """
    if recommendation.get("plan_fulfilled"):
        return []
    etas = {int(c["unit_id"]): c.get("eta_s") for c in recommendation.get("candidates") or []}
    chosen: list[tuple[int, float | None]] = []
    for item in recommendation.get("plan") or []:
        for uid in item.get("selected") or []:
            if all(int(uid) != c for c, _ in chosen):
                chosen.append((int(uid), etas.get(int(uid))))
    return chosen


def assign_plan(db: Database, res: Resources, incident_id: int, actor: Actor) -> list[Assignment]:
    """Assign the recommended units that fill the incident type's response plan, in one action.

    Units already on the incident count towards the plan; only what is missing is assigned.

    Raises
    ------
    ConflictError
        Nothing to assign (the plan is empty or already fulfilled, or no suitable unit is
        available), or a chosen unit was taken meanwhile (nothing is assigned then).
    """
    rec = recommend_for_incident(db, res, incident_id)
    if rec.get("plan_fulfilled"):
        raise ConflictError("the response plan is already fulfilled by the units on this incident",
                            reason="plan_fulfilled", incident_id=incident_id)
    chosen = plan_selection(rec)
    if not chosen:
        raise ConflictError("no available unit fills this incident's response plan", reason="plan_unfillable",
                            incident_id=incident_id)
    return assign_units(db, incident_id, chosen, actor)


def unassign(db: Database, incident_id: int, unit_id: int, actor: Actor) -> Assignment:
    """Take a unit off an incident (a dispatcher's correction); the unit becomes available."""
    with db.transaction() as cur:
        store.lock_incident(cur, incident_id)
        unit = store.lock_units(cur, [unit_id])[unit_id]
        active = store.active_assignment_of_unit(cur, unit_id, lock=True)
        if active is None or int(active["incident_id"]) != incident_id:
            raise ConflictError(f"unit {unit['callsign']} is not assigned to incident {incident_id}",
                                reason="unit_not_assigned", incident_id=incident_id, callsign=unit["callsign"])
        now = store.now(cur)
        store.set_assignment_status(cur, active["id"], "cleared", stamp_column="cleared_at", at=now)
        store.set_unit_status(cur, unit_id, "available", now)
        store.append_event(cur, kind="unit_unassigned", at=now, incident_id=incident_id, unit_id=unit_id,
                           assignment_id=int(active["id"]), actor=actor.name, actor_user_id=actor.user_id,
                           data={"from": active["status"], "callsign": unit["callsign"]})
    rows = [a for a in store.assignments_of_incident(db, incident_id) if int(a["id"]) == int(active["id"])]
    return _assignment(rows[0])


# --- unit status and position ------------------------------------------------------------------------------
def set_unit_status(db: Database, unit_id: int, status: Any, actor: Actor, *, at: Any = None) -> UnitState:
    """Move a unit through its life cycle; refuse what the life cycle does not allow.

    With an active assignment: dispatched → en_route → on_scene → (transporting → at_hospital)
    → cleared, with 'cleared' (or 'available') allowed from any of them; only units that carry
    patients (ambulances) may report transporting and at_hospital. Without one:
    available ↔ out_of_service. ``at`` (ISO time with offset, default now) may not precede the
    previous stamp.

    Raises
    ------
    ValidationFailed
        Unknown status, bad ``at``.
    InvalidTransitionError
        The change is not allowed from the current status or for the unit's type (HTTP 409);
        it names the unit, both statuses and the allowed next ones.
    """
    c = validation._Collector()
    target = c.run(validation.unit_status, status)
    at_v = c.run(validation.timestamp, at, "at")
    c.raise_if_any()
    assert target is not None
    for _attempt in range(3):
        with db.transaction() as cur:
            peek = store.active_assignment_of_unit(cur, unit_id)
            if peek is not None:
                store.lock_incident(cur, int(peek["incident_id"]))
            unit = store.lock_units(cur, [unit_id])[unit_id]
            active = store.active_assignment_of_unit(cur, unit_id, lock=True)
            if (active and active["id"]) != (peek and peek["id"]):
                continue  # changed between the peek and the locks: take the locks again
            now = store.now(cur)
            when = at_v or now
            if active is not None:
                _apply_assignment_status(cur, unit, active, target, when, actor)
            else:
                _apply_idle_status(cur, unit, target, when, actor)
        return unit_state(db, unit_id)
    raise ConflictError(f"unit {unit_id} changed concurrently; try again", reason="changed_concurrently")


def _apply_assignment_status(cur: Any, unit: Mapping[str, Any], active: Mapping[str, Any], target: str,
                             when: datetime, actor: Actor) -> None:
    current = active["status"]
    if not transition_allowed(current, target, assigned=True, unit_type=unit["unit_type"]):
        raise _transition_refused(unit, current, target, assigned=True)
    new = "cleared" if target in ("cleared", "available") else target
    previous = max(t for t in (active["assigned_at"], active["en_route_at"], active["on_scene_at"],
                               active["transport_started_at"], active["at_hospital_at"]) if t is not None)
    if when < previous:
        raise validation.fail("at", "waktu lebih awal dari status sebelumnya",
                              "is earlier than the previous status change")
    store.set_assignment_status(cur, active["id"], new, stamp_column=STAMP_COLUMN_FOR_STATUS.get(new), at=when)
    store.set_unit_status(cur, unit["id"], "available" if new == "cleared" else new, when)
    first_col = INCIDENT_FIRST_COLUMN_FOR_STATUS.get(new)
    if first_col:
        store.set_incident_first(cur, int(active["incident_id"]), first_col, when)
    store.append_event(cur, kind=EVENT_FOR_STATUS[new], at=when, incident_id=int(active["incident_id"]),
                       unit_id=int(unit["id"]), assignment_id=int(active["id"]), actor=actor.name,
                       actor_user_id=actor.user_id, data={"from": current, "to": new, "callsign": unit["callsign"]})


def _apply_idle_status(cur: Any, unit: Mapping[str, Any], target: str, when: datetime, actor: Actor) -> None:
    current = unit["status"]
    if not transition_allowed(current, target, assigned=False, unit_type=unit["unit_type"]):
        raise _transition_refused(unit, current, target, assigned=False)
    new = "available" if target == "cleared" else target
    if when < unit["status_at"]:
        raise validation.fail("at", "waktu lebih awal dari status sebelumnya",
                              "is earlier than the previous status change")
    store.set_unit_status(cur, unit["id"], new, when)
    store.append_event(cur, kind="unit_status", at=when, unit_id=int(unit["id"]), actor=actor.name,
                       actor_user_id=actor.user_id, data={"from": current, "to": new, "callsign": unit["callsign"]})


def _transition_refused(unit: Mapping[str, Any], current: str, target: str, *,
                        assigned: bool) -> InvalidTransitionError:
    """The error for a refused status change: an English line for the API, the facts for a page."""
    allowed = next_statuses(unit["unit_type"], current, assigned=assigned)
    where = "" if assigned else " (no active assignment)"
    hint = ", ".join(allowed) if allowed else "none"
    return InvalidTransitionError(
        f"unit {unit['callsign']}: {current} → {target} is not allowed{where}; allowed next: {hint}",
        callsign=unit["callsign"], current=current, target=target, allowed=allowed)


def unit_state(db: Database, unit_id: int) -> UnitState:
    row = store.unit_state(db, unit_id)
    return UnitState(unit_id=int(row["unit_id"]), callsign=row["callsign"], status=row["status"],
                     status_at=row["status_at"], incident_id=row["incident_id"],
                     assignment_id=row["assignment_id"], assignment_status=row["assignment_status"])


def record_position(db: Database, unit_id: int, lat: Any, lon: Any, *, recorded_at: Any = None,
                    source: str = "api") -> dict[str, Any]:
    """Store a position fix (inside the city + 1 km); older fixes go to the history only."""
    c = validation._Collector()
    point = c.run(validation.coordinates, lat, lon)
    when = c.run(validation.timestamp, recorded_at, "recorded_at")
    c.raise_if_any()
    assert point is not None
    row = store.record_position(db, unit_id=unit_id, lon=point[0], lat=point[1], recorded_at=when, source=source)
    if row["is_current"]:
        from services.coverage import arrival_from_position

        arrival_from_position(db, unit_id, point[0], point[1], source=source)
    return {"unit_id": unit_id, "lon": point[0], "lat": point[1], "recorded_at": row["recorded_at"],
            "received_at": row["received_at"], "current": bool(row["is_current"])}


def unit_of_user(db: Database, user_id: int) -> int | None:
    return store.unit_of_user(db, user_id)


# --- live views -----------------------------------------------------------------------------------------------
def version(db: Database) -> tuple[str, str]:
    """(events version, positions version): strings that change when something changed."""
    last_event, recent, last_position = store.version(db)
    return f"{last_event}.{recent}", str(last_position)


@dataclass(frozen=True)
class Board:
    """What the dispatch board shows: open incidents and every unit."""

    incidents: list[dict[str, Any]]
    units: list[dict[str, Any]]
    municipal_open: int = 0


def board(db: Database, *, include_municipal: bool = False, limit: int = 2000) -> Board:
    incidents, units, municipal_open = store.board(db, include_municipal=include_municipal, limit=limit)
    return Board(incidents=incidents, units=units, municipal_open=municipal_open)


def units(db: Database) -> list[dict[str, Any]]:
    return geo.units(db)


@dataclass(frozen=True)
class CrewView:
    """What a unit's crew sees: the unit, its current incident and the route there."""

    unit: dict[str, Any]
    detail: IncidentDetail | None
    route: dict[str, Any] | None
    route_error: str | None = None


def crew_view(db: Database, res: Resources, unit_id: int) -> CrewView:
    """The unit, its active assignment's incident, and the quickest route from its position.

    Raises
    ------
    NotFoundError
        No such unit.
    """
    unit = store.unit_row(db, unit_id)
    if unit["assigned_incident_id"] is None:
        return CrewView(unit=unit, detail=None, route=None)
    detail = get_incident(db, int(unit["assigned_incident_id"]))
    if unit["lon"] is None or unit["lat"] is None:
        return CrewView(unit=unit, detail=detail, route=None, route_error="the unit has no known position")
    try:
        route = route_between(res, (float(unit["lon"]), float(unit["lat"])), (detail.incident.lon, detail.incident.lat))
    except RecommendationError as exc:
        return CrewView(unit=unit, detail=detail, route=None, route_error=str(exc))
    return CrewView(unit=unit, detail=detail, route=route)


def route_between(res: Resources, origin: tuple[float, float], destination: tuple[float, float]) -> dict[str, Any]:
    """The quickest route between two (lon, lat) points on the travel graph.

    Returns ``{"model", "eta_s", "distance_m", "geometry": GeoJSON LineString}``.

    Raises
    ------
    RecommendationError
        A point cannot be joined to the network, or nothing connects them.
    """
    from routing._errors import RoutingError
    from routing.travel import route

    try:
        r = route(res.graph(), origin, destination)
    except RoutingError as exc:
        raise RecommendationError(str(exc)) from exc
    coords = [[round(x, 6), round(y, 6)] for x, y in r.geometry.coords]
    return {"model": r.model, "eta_s": r.eta_s, "distance_m": r.distance_m,
            "geometry": {"type": "LineString", "coordinates": coords}}


def assigned_routes(db: Database, res: Resources, incident_id: int) -> list[dict[str, Any]]:
    """Routes of the units on an incident that have not arrived yet (dispatched or en route).

    Each: ``{"unit_id", "callsign", "status", "eta_s", "distance_m", "route"}``; a unit whose
    position cannot be routed is left out.
    """
    inc, _plan, _on_it, units = store.recommend_inputs(db, incident_id)
    out = []
    for u in units:
        if u["assigned_incident_id"] != incident_id or u["status"] not in ("dispatched", "en_route"):
            continue
        if u["lon"] is None or u["lat"] is None:
            continue
        try:
            r = route_between(res, (float(u["lon"]), float(u["lat"])), (float(inc["lon"]), float(inc["lat"])))
        except RecommendationError:
            continue
        out.append({"unit_id": int(u["id"]), "callsign": u["callsign"], "status": u["status"],
                    "eta_s": r["eta_s"], "distance_m": r["distance_m"], "route": r["geometry"]})
    return out


@dataclass(frozen=True)
class MapSnapshot:
    """What the operational map draws: boundaries, facilities, every unit, open incidents."""

    areas: dict[str, Any]
    facilities: tuple[dict[str, Any], ...]
    units: list[dict[str, Any]]
    incidents: list[dict[str, Any]]

    @property
    def emergencies_open(self) -> int:
        return sum(1 for i in self.incidents if i["is_emergency"])

    @property
    def units_available(self) -> int:
        return sum(1 for u in self.units if u["status"] == "available")


def map_snapshot(db: Database, res: Resources, *, include_municipal: bool) -> MapSnapshot:
    """Units and open incidents (municipal tickets too when asked) with the shared map layers."""
    return MapSnapshot(areas=res.area_layers(), facilities=tuple(res.facilities()), units=geo.units(db),
                       incidents=geo.open_incidents(db, include_municipal=include_municipal))


@dataclass(frozen=True)
class IncidentPanel:
    """One incident as the dispatcher's panel shows it.

    ``recommendation`` is set for an open incident that could be routed; otherwise
    ``recommendation_error`` says why not (closed incidents have neither). ``moving`` holds the
    routes of its units still on their way (:func:`assigned_routes`).
    """

    detail: IncidentDetail
    recommendation: dict[str, Any] | None = None
    recommendation_error: RecommendationError | None = None
    moving: tuple[dict[str, Any], ...] = ()


def incident_panel(db: Database, res: Resources, incident_id: int) -> IncidentPanel:
    """The incident, and while it is open its recommendation and its moving units' routes.

    Raises
    ------
    NotFoundError
        No such incident.
    """
    detail = get_incident(db, incident_id)
    if detail.incident.status != "open":
        return IncidentPanel(detail=detail)
    rec, rec_error = None, None
    try:
        rec = recommend_for_incident(db, res, incident_id)
    except RecommendationError as exc:
        rec_error = exc
    moving: list[dict[str, Any]] = []
    if any(a.status in ("dispatched", "en_route") for a in detail.assignments):
        moving = assigned_routes(db, res, incident_id)
    return IncidentPanel(detail=detail, recommendation=rec, recommendation_error=rec_error, moving=tuple(moving))


def create_from_input(db: Database, res: Resources, data: Mapping[str, Any], actor: Actor, *,
                      idempotency: IdempotencyKey | None = None) -> Incident:
    """Validate a create request (:func:`prepare_incident`) and store it (:func:`create_incident`).

    Raises
    ------
    ValidationFailed
        A field is invalid; nothing was stored.
    """
    return create_incident(db, prepare_incident(db, res, data), actor, idempotency=idempotency)


__all__ = [
    "ConflictError",
    "CrewView",
    "IncidentPanel",
    "InvalidTransitionError",
    "MapSnapshot",
    "NotFoundError",
    "RecommendationError",
    "UnitNotAvailableError",
    "assign_plan",
    "assign_unit",
    "assign_units",
    "assigned_routes",
    "board",
    "close_incident",
    "create_from_input",
    "create_incident",
    "crew_view",
    "get_incident",
    "incident_panel",
    "incident_types",
    "list_incidents",
    "locate",
    "map_snapshot",
    "recommend_for_incident",
    "record_position",
    "route_between",
    "search_places",
    "set_unit_status",
    "timeline",
    "unassign",
    "version",
]


# --- idempotent retries ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class IdempotencyKey:
    """A client's ``Idempotency-Key`` for one request: who sent it and a hash of what it asked."""

    key: str
    principal: str
    request_hash: str


class IdempotencyMismatchError(Exception):
    """The key was used before for a different request."""


def _replay(cur: Any, idem: IdempotencyKey, scope: str) -> dict[str, Any] | None:
    first = store_idempotency.claim(cur, scope, idem.principal, idem.key)
    if first is None:
        return None
    if first["request_hash"] != idem.request_hash:
        raise IdempotencyMismatchError(f"Idempotency-Key {idem.key!r} was used for a different request")
    result: dict[str, Any] = first["result"]
    return result


def _remember(cur: Any, idem: IdempotencyKey, scope: str, result: dict[str, Any]) -> None:
    store_idempotency.save(cur, scope, idem.principal, idem.key, idem.request_hash, result)


# --- the dispatch console: placement, duplicates before creating, extra calls, corrections ---------------
@dataclass(frozen=True)
class Placed:
    """A point accepted for an incident, named, with how routing will join it.

    ``offshore_m``: in the shore band, this far off the land (routed from the nearest land);
    ``off_road_m``: farther than the snapping limit from any road, joined by an off-road leg this
    long (0 when not, or when no network answer was asked for).
    """

    place: Place
    on_land: bool
    offshore_m: float = 0.0
    off_road_m: float = 0.0


def placement_hint(lat: Any, lon: Any) -> tuple[float, float] | None:
    """For a refused point: ``(lat, lon)`` it was probably meant to be (a forgotten minus sign, the
    fields swapped) when that point may be placed, else None — the point a refusal's "did you mean"
    names. Input as typed (strings with "," or "." are read); anything not a number gives None."""
    try:
        lat_v, lon_v = validation.number(lat, "lat"), validation.number(lon, "lon")
    except validation.ValidationFailed:
        return None
    if not (-180.0 <= lat_v <= 180.0 and -180.0 <= lon_v <= 180.0):
        return None
    return validation.placement_hint(lat_v, lon_v)


def place_incident(db: Database, res: Resources | None, lat: Any, lon: Any) -> Placed:
    """Validate a point by the placement rule (routing's: land, the shore band, else refused with
    the reason and a "did you mean" hint), name its kelurahan/kecamatan, and — with ``res`` — say
    whether routing reaches it only by an off-road leg.

    Raises
    ------
    ValidationFailed
        In the bay or at sea beyond the shore band, outside the city, not a number.
    """
    spot = validation.incident_location(lat, lon)
    row = store.place_of_point(db, spot.lon, spot.lat, buffer_m=validation.CITY_BUFFER_M)
    place = Place(lon=spot.lon, lat=spot.lat, kecamatan=row["kecamatan"] if row else None,
                  kelurahan=row["kelurahan"] if row else None,
                  kecamatan_kode=row["kecamatan_kode"] if row else None,
                  kelurahan_kode=row["kelurahan_kode"] if row else None)
    off_road = 0.0
    if res is not None:
        from routing._errors import RoutingError
        from routing.snap import snap_point

        try:
            off_road = snap_point(res.graph(), spot.lon, spot.lat).off_road_m
        except RoutingError:
            off_road = 0.0  # the recommendation explains it when the incident is routed
    return Placed(place=place, on_land=spot.on_land, offshore_m=spot.offshore_m, off_road_m=off_road)


def duplicate_candidates(db: Database, res: Resources, data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Open incidents that a new call (``lat``, ``lon``, ``type``) probably reports again: the same
    type within :data:`DUPLICATE_RADIUS_M` whose call came within :data:`DUPLICATE_WINDOW_S`,
    nearest first — asked *before* creating, so that the call can be attached instead.

    Each: ``{"id", "incident_type", "type_name_id", "type_name_en", "priority", "distance_m",
    "age_s", "kelurahan", "kecamatan", "units_assigned", "lon", "lat"}``. Empty when the type or
    the point is not valid (creating then reports that).
    """
    try:
        spot = validation.incident_location(data.get("lat"), data.get("lon"))
        type_code = validation.incident_type(data.get("type"), res.known_types())
    except validation.ValidationFailed:
        return []
    return store.nearby_open_incidents(db, lon=spot.lon, lat=spot.lat, incident_type=type_code,
                                       radius_m=DUPLICATE_RADIUS_M, window_s=DUPLICATE_WINDOW_S)


def attach_call(db: Database, incident_id: int, data: Mapping[str, Any], actor: Actor, *,
                idempotency: IdempotencyKey | None = None) -> Incident:
    """Record a further call about an open incident (a second caller for the same fire): a
    ``calls`` row classified ``duplicate`` and linked to the incident, and a ``call_received``
    event on the incident with the caller's phone and what they said. No new incident.

    Raises
    ------
    ValidationFailed
        Bad phone number or description.
    NotFoundError, ConflictError
        No such incident; it is closed.
    """
    c = validation._Collector()
    phone_v = c.run(validation.phone, data.get("caller_phone"))
    desc_v = c.run(validation.text, data.get("description"), "description",
                   max_chars=validation.MAX_DESCRIPTION_CHARS)
    received = c.run(validation.timestamp, data.get("call_received_at"), "call_received_at")
    c.raise_if_any()
    with db.transaction() as cur:
        if idempotency is not None and _replay(cur, idempotency, "attach_call") is not None:
            return _incident(store.incident_row(cur, incident_id))
        inc = store.lock_incident(cur, incident_id)
        if inc["status"] != "open":
            raise ConflictError(f"incident {incident_id} is closed")
        call = store.insert_attached_call(cur, incident_id=incident_id, caller_phone=phone_v, received_at=received)
        event: dict[str, Any] = {"attached": True}
        if phone_v:
            event["caller_phone"] = phone_v
        if desc_v:
            event["description"] = desc_v
        store.append_event(cur, kind="call_received", at=call["received_at"], incident_id=incident_id,
                           call_id=int(call["id"]), actor=actor.name, actor_user_id=actor.user_id, data=event)
        if idempotency is not None:
            _remember(cur, idempotency, "attach_call", {"incident_id": incident_id, "call_id": int(call["id"])})
        return _incident(store.incident_row(cur, incident_id))


def move_incident(db: Database, incident_id: int, lat: Any, lon: Any, actor: Actor, *,
                  reason: Any = None) -> Incident:
    """Correct an open incident's location (audited: an ``incident_updated`` event with the old
    and the new point and place names); the database sets its kecamatan and kelurahan again, and
    the next recommendation is computed from the new point.

    Raises
    ------
    ValidationFailed
        The new point breaks the placement rule; bad reason text.
    NotFoundError, ConflictError
        No such incident; it is closed.
    """
    c = validation._Collector()
    spot = c.run(validation.incident_location, lat, lon)
    reason_v = c.run(validation.text, reason, "reason", max_chars=validation.MAX_NOTE_CHARS)
    c.raise_if_any()
    assert spot is not None
    with db.transaction() as cur:
        inc = store.lock_incident(cur, incident_id)
        if inc["status"] != "open":
            raise ConflictError(f"incident {incident_id} is closed")
        before = store.place_of_incident(cur, incident_id)
        store.move_incident(cur, incident_id, lon=spot.lon, lat=spot.lat)
        after = store.place_of_incident(cur, incident_id)
        data: dict[str, Any] = {
            "change": "location",
            "from": {k: before[k] for k in ("lon", "lat", "kelurahan", "kecamatan")},
            "to": {k: after[k] for k in ("lon", "lat", "kelurahan", "kecamatan")},
        }
        if reason_v:
            data["reason"] = reason_v
        store.append_event(cur, kind="incident_updated", incident_id=incident_id, actor=actor.name,
                           actor_user_id=actor.user_id, data=data)
        return _incident(store.incident_row(cur, incident_id))


#: Waiting time (seconds without a unit) after which a queue row turns amber / red, per priority.
DEFAULT_WAIT_THRESHOLDS: dict[int, tuple[int, int]] = {1: (120, 300), 2: (300, 600), 3: (600, 1200),
                                                       4: (1800, 3600)}
#: ``app_settings`` key that overrides them: ``{"1": [amber_s, red_s], ...}``.
WAIT_THRESHOLDS_SETTING = "dispatch_wait_thresholds"


def wait_thresholds(db: Database) -> dict[int, tuple[int, int]]:
    """Per priority, the (amber, red) waiting times of the queue: the defaults, overridden by
    ``app_settings.dispatch_wait_thresholds`` where that holds a valid pair."""
    out = dict(DEFAULT_WAIT_THRESHOLDS)
    stored = store.setting(db, WAIT_THRESHOLDS_SETTING)
    if isinstance(stored, Mapping):
        for key, pair in stored.items():
            try:
                prio, amber, red = int(key), int(pair[0]), int(pair[1])
            except (TypeError, ValueError, IndexError, KeyError):
                continue
            if prio in out and 0 < amber <= red:
                out[prio] = (amber, red)
    return out


def open_incident_units(db: Database) -> dict[int, list[dict[str, Any]]]:
    """Incident id → its active units ``{"callsign", "unit_type", "status"}`` (codes, for labels)."""
    out: dict[int, list[dict[str, Any]]] = {}
    for row in store.open_incident_units(db):
        out.setdefault(int(row["incident_id"]), []).append(
            {"callsign": row["callsign"], "unit_type": row["unit_type"], "status": row["status"]})
    return out


def basemap_roads(res: Resources) -> dict[str, Any] | None:
    """The imported road network as simplified lines for the base map (``layers.basemap``), or
    None while the travel network is the approximate lattice (no road data installed)."""
    import numpy as np
    import shapely

    from layers.basemap import road_features

    graph = res.graph()
    if graph.model != "road" or graph.n_edges == 0:
        return None
    src, dst = np.asarray(graph.edge_src), np.asarray(graph.indices)
    reverse = dst.astype(np.int64) * graph.n_nodes + src
    keep = (src < dst) | ~np.isin(reverse, graph.edge_keys)  # one line per two-way pair
    names = list(graph.road_classes)
    classes = np.asarray(graph.edge_class) if graph.edge_class is not None else np.full(src.shape, -1)
    ptr = graph.geom_ptr
    bent = np.zeros(src.shape, dtype=bool) if ptr is None else np.diff(ptr) > 0
    simplified: list[tuple[str, Any]] = []
    for code in np.unique(classes[keep]).tolist():
        cls = names[code] if 0 <= code < len(names) else "local"
        sel = keep & (classes == code)
        straight = np.flatnonzero(sel & ~bent)
        segs = np.stack([np.column_stack([graph.lon[src[straight]], graph.lat[src[straight]]]),
                         np.column_stack([graph.lon[dst[straight]], graph.lat[dst[straight]]])], axis=1)
        made: Any = shapely.linestrings(segs) if len(straight) else []
        parts: list[Any] = list(made)
        for e in np.flatnonzero(sel & bent).tolist():
            assert ptr is not None and graph.geom_lonlat is not None
            coords = [(graph.lon[src[e]], graph.lat[src[e]]), *map(tuple, graph.geom_lonlat[ptr[e]:ptr[e + 1]]),
                      (graph.lon[dst[e]], graph.lat[dst[e]])]
            parts.append(shapely.LineString(coords))
        if not parts:
            continue
        merged = shapely.line_merge(shapely.MultiLineString(parts)).simplify(0.00005)
        simplified += [(cls, list(g.coords)) for g in getattr(merged, "geoms", [merged])]
    return road_features(simplified)


def request_hash(body: Mapping[str, Any]) -> str:
    """SHA-256 of a request body in canonical JSON (what an idempotency key is bound to)."""
    import hashlib
    import json

    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


def unit_row(db: Database, unit_id: int) -> dict[str, Any]:
    """One unit with its type, position and active assignment (``store.incidents.unit_row``)."""
    return store.unit_row(db, unit_id)
