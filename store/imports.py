"""Historical import SQL: the catalog and fleet a file is checked against, earlier imports, and
one import written in one transaction.

:func:`write_import` stores incidents (their kecamatan/kelurahan set by the PostGIS trigger), a
call row for each incident whose call stamps are known, one assignment per unit response and the
matching events (kind ``import`` plus one event per stamp), so that the history reads like a
live incident's; the analytics facts of the new incidents are written in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import psycopg

from store import analytics as store_analytics
from store._errors import ConflictError
from store.db import Database


@dataclass(frozen=True)
class ImportIncidentRow:
    """One incident of a file as stored: ``call_class`` None means no call row (no call stamps);
    ``first_*`` are the earliest unit stamps."""

    ref: str
    line: int
    incident_type: str
    priority: int
    lon: float
    lat: float
    address: str | None
    description: str | None
    status: str
    outcome: str | None
    call_class: str | None
    call_received_at: datetime | None
    call_answered_at: datetime | None
    created_at: datetime
    first_dispatched_at: datetime | None
    first_en_route_at: datetime | None
    first_on_scene_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True)
class ImportUnitRow:
    """One unit response of a file as stored (an assignment of unit ``unit_id``)."""

    ref: str
    unit_id: int
    dispatched_at: datetime
    en_route_at: datetime | None
    on_scene_at: datetime | None
    transport_started_at: datetime | None
    at_hospital_at: datetime | None
    cleared_at: datetime | None


def known_types_and_units(db: Database) -> tuple[dict[str, int], dict[str, int]]:
    """``({incident type: default priority}, {unit call sign: unit id})``."""
    with db.transaction() as cur:
        cur.execute("SELECT code, default_priority FROM incident_types")
        types = {r["code"]: int(r["default_priority"]) for r in cur.fetchall()}
        cur.execute("SELECT callsign, id FROM units")
        units = {r["callsign"]: int(r["id"]) for r in cur.fetchall()}
    return types, units


def imported_refs(db: Database, refs: Sequence[str]) -> dict[str, int]:
    """``{source ref: incident id}`` of the given refs that an earlier import stored."""
    if not refs:
        return {}
    with db.transaction() as cur:
        cur.execute("SELECT source_ref, incident_id FROM analytics_import_refs WHERE source_ref = ANY(%s)",
                    (list(refs),))
        return {r["source_ref"]: int(r["incident_id"]) for r in cur.fetchall()}


def write_import(db: Database, incidents: Sequence[ImportIncidentRow], units: Sequence[ImportUnitRow], *,
                 actor: str, actor_user_id: int | None, filename: str | None, digest: str,
                 call_days: Sequence[date], no_unit_outcomes: Sequence[str]) -> int:
    """Store one file in one transaction and return the import's id.

    ``call_days`` are the WITA days of the new calls (their rollup is rebuilt).

    Raises
    ------
    ConflictError
        A ref of the file was stored meanwhile by another import.
    """
    try:
        return _write(db, incidents, units, actor=actor, actor_user_id=actor_user_id, filename=filename,
                      digest=digest, call_days=call_days, no_unit_outcomes=no_unit_outcomes)
    except psycopg.errors.UniqueViolation as exc:
        raise ConflictError("some refs of this file were imported at the same time by someone else") from exc


def _ids(cur: psycopg.Cursor[Any], sequence: str, n: int) -> list[int]:
    if n == 0:
        return []
    cur.execute("SELECT nextval(%s::regclass) AS id FROM generate_series(1, %s)", (sequence, n))
    return [int(r["id"]) for r in cur.fetchall()]


def _write(db: Database, incidents: Sequence[ImportIncidentRow], units: Sequence[ImportUnitRow], *, actor: str,
           actor_user_id: int | None, filename: str | None, digest: str, call_days: Sequence[date],
           no_unit_outcomes: Sequence[str]) -> int:
    with db.transaction() as cur:
        cur.execute("INSERT INTO analytics_imports (filename, sha256, incidents_n, units_n, actor)"
                    " VALUES (%s, %s, %s, %s, %s) RETURNING id",
                    (filename, digest, len(incidents), len(units), actor))
        row = cur.fetchone()
        assert row is not None
        import_id = int(row["id"])
        inc_ids = _ids(cur, "incidents_id_seq", len(incidents))
        with_call = [i for i in incidents if i.call_class is not None]
        call_ids = dict(zip((i.ref for i in with_call), _ids(cur, "calls_id_seq", len(with_call))))
        asg_ids = _ids(cur, "assignments_id_seq", len(units))
        id_of = {inc.ref: iid for inc, iid in zip(incidents, inc_ids)}

        with cur.copy("COPY calls (id, received_at, answered_at, classification) FROM STDIN") as cp:
            for inc in with_call:
                cp.write_row((call_ids[inc.ref], inc.call_received_at, inc.call_answered_at, inc.call_class))
        with cur.copy("COPY incidents (id, call_id, incident_type, priority, geom, address, description,"
                      " status, outcome, call_received_at, call_answered_at, created_at, first_dispatched_at,"
                      " first_en_route_at, first_on_scene_at, closed_at) FROM STDIN") as cp:
            for inc, iid in zip(incidents, inc_ids):
                cp.write_row((iid, call_ids.get(inc.ref), inc.incident_type, inc.priority,
                              f"SRID=4326;POINT({inc.lon!r} {inc.lat!r})", inc.address, inc.description,
                              inc.status, inc.outcome, inc.call_received_at, inc.call_answered_at, inc.created_at,
                              inc.first_dispatched_at, inc.first_en_route_at, inc.first_on_scene_at, inc.closed_at))
        if with_call:
            cur.execute("UPDATE calls c SET incident_id = i.id FROM incidents i"
                        " WHERE i.id = ANY(%s) AND c.id = i.call_id", (inc_ids,))
        with cur.copy("COPY assignments (id, incident_id, unit_id, status, assigned_at, en_route_at, on_scene_at,"
                      " transport_started_at, at_hospital_at, cleared_at) FROM STDIN") as cp:
            for u, aid in zip(units, asg_ids):
                cp.write_row((aid, id_of[u.ref], u.unit_id, "cleared", u.dispatched_at, u.en_route_at,
                              u.on_scene_at, u.transport_started_at, u.at_hospital_at, u.cleared_at))
        recorded = datetime.now(UTC)
        with cur.copy("COPY events (kind, at, incident_id, call_id, unit_id, assignment_id, actor_user_id,"
                      " actor, data) FROM STDIN") as cp:
            for inc, iid in zip(incidents, inc_ids):
                cid = call_ids.get(inc.ref)
                meta = json.dumps({"import_id": import_id, "source_ref": inc.ref, "line": inc.line})
                cp.write_row(("import", recorded, iid, cid, None, None, actor_user_id, actor, meta))
                for kind, at, data in (("call_received", inc.call_received_at, {}),
                                       ("call_answered", inc.call_answered_at, {}),
                                       ("incident_created", inc.created_at,
                                        {"incident_type": inc.incident_type, "priority": inc.priority}),
                                       ("incident_closed", inc.closed_at, {"outcome": inc.outcome})):
                    if at is not None:
                        cp.write_row((kind, at, iid, cid, None, None, actor_user_id, actor,
                                      json.dumps({**data, "import_id": import_id})))
            for u, aid in zip(units, asg_ids):
                for kind, at in (("unit_dispatched", u.dispatched_at), ("unit_en_route", u.en_route_at),
                                 ("unit_on_scene", u.on_scene_at), ("transport_started", u.transport_started_at),
                                 ("at_hospital", u.at_hospital_at), ("unit_cleared", u.cleared_at)):
                    if at is not None:
                        cp.write_row((kind, at, id_of[u.ref], None, u.unit_id, aid, actor_user_id, actor,
                                      json.dumps({"import_id": import_id})))
        with cur.copy("COPY analytics_import_refs (source_ref, incident_id, import_id) FROM STDIN") as cp:
            for inc, iid in zip(incidents, inc_ids):
                cp.write_row((inc.ref, iid, import_id))
        store_analytics.refresh_incidents(cur, inc_ids, call_days, no_unit_outcomes=no_unit_outcomes)
    return import_id


def recent_imports(db: Database, *, limit: int = 20) -> list[dict[str, Any]]:
    """The latest accepted files: id, filename, incidents_n, units_n, actor, imported_at."""
    with db.transaction() as cur:
        cur.execute("SELECT id, filename, incidents_n, units_n, actor, imported_at FROM analytics_imports"
                    " ORDER BY id DESC LIMIT %s", (limit,))
        return list(cur.fetchall())
