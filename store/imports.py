"""Import historical incidents from the documented CSV: the whole file in one transaction, or nothing.

Each incident becomes an incident row (its kecamatan/kelurahan set by the PostGIS trigger), a call
row when the call stamps are known, one assignment per unit response, and the matching events
(kind ``import`` plus one event per stamp), so that the history reads like a live incident's.
The analytics facts of the new incidents are written in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

import psycopg

from analytics.csv_import import ImportUnit, LineError, ParsedImport, parse
from analytics.period import WITA
from store import analytics as store_analytics
from store.db import Database

_OUTCOME_CALL_CLASS = {"prank": "prank", "duplicate": "duplicate"}


@dataclass(frozen=True)
class ImportResult:
    """What happened: ``ok`` with the counts, or every refused line (and nothing stored)."""

    ok: bool
    incidents: int = 0
    units: int = 0
    import_id: int | None = None
    lines: int = 0
    errors: list[LineError] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "import_id": self.import_id, "lines": self.lines,
                "imported": {"incidents": self.incidents, "units": self.units},
                "errors": [e.to_dict() for e in self.errors], "seconds": self.seconds}


def _known(db: Database) -> tuple[dict[str, int], dict[str, int]]:
    with db.transaction() as cur:
        cur.execute("SELECT code, default_priority FROM incident_types")
        types = {r["code"]: int(r["default_priority"]) for r in cur.fetchall()}
        cur.execute("SELECT callsign, id FROM units")
        units = {r["callsign"]: int(r["id"]) for r in cur.fetchall()}
    return types, units


def validate(db: Database, text: str, *, now: datetime | None = None) -> ParsedImport:
    """Parse and check a file against the catalog, the fleet and earlier imports (stores nothing)."""
    types, units = _known(db)
    parsed = parse(text, known_types=types, known_units=units, now=now)
    refs = [i.ref for i in parsed.incidents]
    if refs:
        with db.transaction() as cur:
            cur.execute("SELECT source_ref, incident_id FROM analytics_import_refs WHERE source_ref = ANY(%s)",
                        (refs,))
            seen = {r["source_ref"]: r["incident_id"] for r in cur.fetchall()}
        for inc in parsed.incidents:
            if inc.ref in seen:
                parsed.errors.append(LineError(inc.line, "ref", f"ref {inc.ref!r} was imported before "
                                                                f"(incident #{seen[inc.ref]})"))
        parsed.errors.sort(key=lambda e: (e.line, e.field))
    return parsed


def import_incidents(db: Database, text: str, *, actor: str, actor_user_id: int | None = None,
                     filename: str | None = None, now: datetime | None = None) -> ImportResult:
    """Validate ``text`` and, when every line is good, store it all in one transaction."""
    t0 = time.perf_counter()
    parsed = validate(db, text, now=now)
    if parsed.errors:
        return ImportResult(ok=False, lines=parsed.lines, errors=parsed.errors,
                            seconds=round(time.perf_counter() - t0, 3))
    _, unit_ids = _known(db)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    try:
        import_id = _store(db, parsed, unit_ids, actor=actor, actor_user_id=actor_user_id,
                           filename=filename, digest=digest)
    except psycopg.errors.UniqueViolation:
        return ImportResult(ok=False, lines=parsed.lines, errors=[LineError(
            1, "ref", "some refs of this file were imported at the same time by someone else")],
            seconds=round(time.perf_counter() - t0, 3))
    return ImportResult(ok=True, incidents=len(parsed.incidents), units=len(parsed.units),
                        import_id=import_id, lines=parsed.lines, seconds=round(time.perf_counter() - t0, 3))


def _ids(cur: Any, sequence: str, n: int) -> list[int]:
    if n == 0:
        return []
    cur.execute("SELECT nextval(%s::regclass) AS id FROM generate_series(1, %s)", (sequence, n))
    return [int(r["id"]) for r in cur.fetchall()]


def _min(values: list[datetime | None]) -> datetime | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _store(db: Database, parsed: ParsedImport, unit_ids: dict[str, int], *, actor: str,
           actor_user_id: int | None, filename: str | None, digest: str) -> int:
    units_by_ref: dict[str, list[ImportUnit]] = defaultdict(list)
    for u in parsed.units:
        units_by_ref[u.ref].append(u)
    with db.transaction() as cur:
        cur.execute("INSERT INTO analytics_imports (filename, sha256, incidents_n, units_n, actor)"
                    " VALUES (%s, %s, %s, %s, %s) RETURNING id",
                    (filename, digest, len(parsed.incidents), len(parsed.units), actor))
        import_id = int(cur.fetchone()["id"])
        incidents = parsed.incidents
        inc_ids = _ids(cur, "incidents_id_seq", len(incidents))
        with_call = [i for i in incidents if i.call_received_at is not None]
        call_ids = dict(zip((i.ref for i in with_call), _ids(cur, "calls_id_seq", len(with_call))))
        asg_ids = _ids(cur, "assignments_id_seq", len(parsed.units))
        id_of = {inc.ref: iid for inc, iid in zip(incidents, inc_ids)}

        with cur.copy("COPY calls (id, received_at, answered_at, classification) FROM STDIN") as cp:
            for inc in with_call:
                cp.write_row((call_ids[inc.ref], inc.call_received_at, inc.call_answered_at,
                              _OUTCOME_CALL_CLASS.get(inc.outcome or "", "valid")))
        with cur.copy("COPY incidents (id, call_id, incident_type, priority, geom, address, description,"
                      " status, outcome, call_received_at, call_answered_at, created_at, first_dispatched_at,"
                      " first_en_route_at, first_on_scene_at, closed_at) FROM STDIN") as cp:
            for inc, iid in zip(incidents, inc_ids):
                us = units_by_ref.get(inc.ref, [])
                cp.write_row((iid, call_ids.get(inc.ref), inc.incident_type, inc.priority,
                              f"SRID=4326;POINT({inc.lon!r} {inc.lat!r})", inc.address, inc.description,
                              "closed" if inc.closed_at else "open", inc.outcome, inc.call_received_at,
                              inc.call_answered_at, inc.created_at, _min([u.dispatched_at for u in us]),
                              _min([u.en_route_at for u in us]), _min([u.on_scene_at for u in us]),
                              inc.closed_at))
        if with_call:
            cur.execute("UPDATE calls c SET incident_id = i.id FROM incidents i"
                        " WHERE i.id = ANY(%s) AND c.id = i.call_id", (inc_ids,))
        with cur.copy("COPY assignments (id, incident_id, unit_id, status, assigned_at, en_route_at, on_scene_at,"
                      " transport_started_at, at_hospital_at, cleared_at) FROM STDIN") as cp:
            for u, aid in zip(parsed.units, asg_ids):
                cp.write_row((aid, id_of[u.ref], unit_ids[u.unit], "cleared", u.dispatched_at, u.en_route_at,
                              u.on_scene_at, u.transport_started_at, u.at_hospital_at, u.cleared_at))
        recorded = datetime.now(timezone.utc)
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
            for u, aid in zip(parsed.units, asg_ids):
                iid, uid = id_of[u.ref], unit_ids[u.unit]
                for kind, at in (("unit_dispatched", u.dispatched_at), ("unit_en_route", u.en_route_at),
                                 ("unit_on_scene", u.on_scene_at), ("transport_started", u.transport_started_at),
                                 ("at_hospital", u.at_hospital_at), ("unit_cleared", u.cleared_at)):
                    if at is not None:
                        cp.write_row((kind, at, iid, None, uid, aid, actor_user_id, actor,
                                      json.dumps({"import_id": import_id})))
        with cur.copy("COPY analytics_import_refs (source_ref, incident_id, import_id) FROM STDIN") as cp:
            for inc, iid in zip(incidents, inc_ids):
                cp.write_row((inc.ref, iid, import_id))
        call_days: set[date] = {i.call_received_at.astimezone(WITA).date() for i in with_call
                                if i.call_received_at is not None}
        store_analytics.refresh_incidents(cur, inc_ids, sorted(call_days))
    return import_id


def recent_imports(db: Database, *, limit: int = 20) -> list[dict[str, Any]]:
    """The latest accepted files (for the admin page)."""
    with db.transaction() as cur:
        cur.execute("SELECT id, filename, incidents_n, units_n, actor, imported_at FROM analytics_imports"
                    " ORDER BY id DESC LIMIT %s", (limit,))
        return list(cur.fetchall())
