"""Historical CSV import: validate a whole file against the catalog, the fleet and earlier
imports, then store all of it in one transaction — or nothing, with every refused line."""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from analytics.csv_import import ImportIncident, ImportUnit, LineError, ParsedImport, parse
from analytics.intervals import NO_UNIT_OUTCOMES
from analytics.period import WITA
from store import imports as store
from store._errors import ConflictError
from store.db import Database

#: Call classification of an imported incident's call, by outcome (others: valid).
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


def validate(db: Database, text: str, *, now: datetime | None = None) -> ParsedImport:
    """Parse and check a file against the catalog, the fleet and earlier imports (stores nothing)."""
    types, units = store.known_types_and_units(db)
    parsed = parse(text, known_types=types, known_units=units, now=now)
    seen = store.imported_refs(db, [i.ref for i in parsed.incidents])
    if seen:
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
    _, unit_ids = store.known_types_and_units(db)
    incidents, units = _rows(parsed, unit_ids)
    call_days = sorted({i.call_received_at.astimezone(WITA).date() for i in parsed.incidents
                        if i.call_received_at is not None})
    try:
        import_id = store.write_import(db, incidents, units, actor=actor, actor_user_id=actor_user_id,
                                       filename=filename, digest=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                                       call_days=call_days, no_unit_outcomes=sorted(NO_UNIT_OUTCOMES))
    except ConflictError as exc:
        return ImportResult(ok=False, lines=parsed.lines, errors=[LineError(1, "ref", str(exc))],
                            seconds=round(time.perf_counter() - t0, 3))
    return ImportResult(ok=True, incidents=len(incidents), units=len(units), import_id=import_id,
                        lines=parsed.lines, seconds=round(time.perf_counter() - t0, 3))


def recent_imports(db: Database, *, limit: int = 20) -> list[dict[str, Any]]:
    """The latest accepted files (for the admin page)."""
    return store.recent_imports(db, limit=limit)


def _first(values: list[datetime | None]) -> datetime | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _rows(parsed: ParsedImport, unit_ids: dict[str, int]
          ) -> tuple[list[store.ImportIncidentRow], list[store.ImportUnitRow]]:
    """The rows to store: each incident with its call's class and its first unit stamps."""
    units_by_ref: dict[str, list[ImportUnit]] = defaultdict(list)
    for u in parsed.units:
        units_by_ref[u.ref].append(u)

    def incident(inc: ImportIncident) -> store.ImportIncidentRow:
        us = units_by_ref.get(inc.ref, [])
        return store.ImportIncidentRow(
            ref=inc.ref, line=inc.line, incident_type=inc.incident_type, priority=inc.priority, lon=inc.lon,
            lat=inc.lat, address=inc.address, description=inc.description,
            status="closed" if inc.closed_at else "open", outcome=inc.outcome,
            call_class=None if inc.call_received_at is None else _OUTCOME_CALL_CLASS.get(inc.outcome or "", "valid"),
            call_received_at=inc.call_received_at, call_answered_at=inc.call_answered_at, created_at=inc.created_at,
            first_dispatched_at=_first([u.dispatched_at for u in us]),
            first_en_route_at=_first([u.en_route_at for u in us]),
            first_on_scene_at=_first([u.on_scene_at for u in us]), closed_at=inc.closed_at)

    units = [store.ImportUnitRow(ref=u.ref, unit_id=unit_ids[u.unit], dispatched_at=u.dispatched_at,
                                 en_route_at=u.en_route_at, on_scene_at=u.on_scene_at,
                                 transport_started_at=u.transport_started_at, at_hospital_at=u.at_hospital_at,
                                 cleared_at=u.cleared_at) for u in parsed.units]
    return [incident(i) for i in parsed.incidents], units

