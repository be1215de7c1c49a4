"""Parse and validate the historical incident CSV (pure: no database, no web).

The format (documented in docs/analytics.md) is one UTF-8 CSV file with a header row and a
``record`` column: ``incident`` rows carry an incident and its call/ticket stamps, ``unit`` rows
carry one unit's response to an incident of the same file (joined by ``ref``). Every time stamp
is ISO 8601 **with a UTC offset** (``2026-01-31T21:05:09+08:00`` or ``…Z``).

:func:`parse` never stops at the first problem: it returns every bad line with its reason, and
the import service stores the file only when there is none (whole file or nothing).
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

INCIDENT_COLUMNS = ("ref", "incident_type", "priority", "lon", "lat", "address", "description",
                    "call_received_at", "call_answered_at", "created_at", "closed_at", "outcome")
UNIT_COLUMNS = ("ref", "unit", "dispatched_at", "en_route_at", "on_scene_at",
                "transport_started_at", "at_hospital_at", "cleared_at")
COLUMNS: tuple[str, ...] = ("record", *INCIDENT_COLUMNS, *UNIT_COLUMNS[1:])
INCIDENT_STAMPS = ("call_received_at", "call_answered_at", "created_at", "closed_at")
UNIT_STAMPS = ("dispatched_at", "en_route_at", "on_scene_at", "transport_started_at",
               "at_hospital_at", "cleared_at")
OUTCOMES = ("resolved", "false_alarm", "prank", "duplicate", "cancelled")
MAX_REF_LEN = 64
#: Limits of an import file, checked before any row is read (a hostile file must cost little).
MAX_FILE_CHARS = 20_000_000
MAX_COLUMNS = 64
MAX_LINE_CHARS = 10_000
MAX_ROWS = 500_000
MAX_ADDRESS_LEN = 500
MAX_DESCRIPTION_LEN = 4000
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
CITY_BUFFER_M = 1000.0


@dataclass(frozen=True)
class LineError:
    """Why line ``line`` (1 = the header) was refused."""

    line: int
    field: str
    message: str

    def to_dict(self) -> dict[str, object]:
        return {"line": self.line, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class ImportIncident:
    line: int
    ref: str
    incident_type: str
    priority: int
    lon: float
    lat: float
    address: str | None
    description: str | None
    call_received_at: datetime | None
    call_answered_at: datetime | None
    created_at: datetime
    closed_at: datetime | None
    outcome: str | None


@dataclass(frozen=True)
class ImportUnit:
    line: int
    ref: str
    unit: str
    dispatched_at: datetime
    en_route_at: datetime | None
    on_scene_at: datetime | None
    transport_started_at: datetime | None
    at_hospital_at: datetime | None
    cleared_at: datetime | None


@dataclass
class ParsedImport:
    """The valid records, and every refused line with its reason."""

    incidents: list[ImportIncident] = field(default_factory=list)
    units: list[ImportUnit] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    lines: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


class _RowErrors(Exception):
    """Raised inside one row's checks once its errors are recorded."""


def parse_timestamp(text: str) -> datetime:
    """ISO 8601 with an offset; raise ValueError with the reason otherwise."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"bad date {text!r}: expected ISO 8601 with offset, e.g. 2026-01-31T21:05:09+08:00") from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"bad date {text!r}: the UTC offset is missing (e.g. +08:00 for WITA)")
    return value


@lru_cache(maxsize=1)
def _city_area() -> tuple[Any, Any]:
    """The city's land buffered by :data:`CITY_BUFFER_M` in UTM 51S, prepared (read-only)."""
    import numpy as np
    import shapely
    from pyproj import Transformer

    from layers.geodata import UTM_51S, WGS84, city_outline

    to_utm = Transformer.from_crs(WGS84, UTM_51S, always_xy=True)

    def project(coords: np.ndarray) -> np.ndarray:
        x, y = to_utm.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    area = shapely.transform(city_outline(), project).buffer(CITY_BUFFER_M, quad_segs=32)
    shapely.prepare(area)
    return to_utm, area


def in_city(lon: float, lat: float) -> bool:
    """True when the point lies within 1 km of Kota Kendari's land (layers.geodata.point_in_city)."""
    import shapely

    to_utm, area = _city_area()
    x, y = to_utm.transform(lon, lat)
    return bool(shapely.contains_xy(area, x, y))


def parse(text: str, *, known_types: Mapping[str, int], known_units: Iterable[str],
          location_ok: Callable[[float, float], bool] = in_city,
          now: datetime | None = None) -> ParsedImport:
    """Parse a whole file.

    Parameters
    ----------
    text
        The file's content (a leading BOM is ignored).
    known_types
        Incident type code → default priority.
    known_units
        Unit call signs that exist.
    location_ok
        ``(lon, lat) -> bool``: inside the city (default: within 1 km of its land).
    now
        Stamps after ``now`` + 1 day are refused as in the future.
    """
    out = ParsedImport()
    units_known = set(known_units)
    latest = (now or datetime.now(UTC)) + timedelta(days=1)
    if len(text) > MAX_FILE_CHARS:
        out.errors.append(LineError(0, "", f"the file is too large ({len(text):,} characters; at most "
                                           f"{MAX_FILE_CHARS:,}): split it by month"))
        return out
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    if len(first_line) > MAX_LINE_CHARS or first_line.count(",") >= MAX_COLUMNS:
        out.errors.append(LineError(1, "", f"bad header: more than {MAX_COLUMNS} columns or longer than "
                                           f"{MAX_LINE_CHARS:,} characters"))
        return out
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        out.errors.append(LineError(1, "", "the file is empty: a header row is required"))
        return out
    except csv.Error as exc:
        out.errors.append(LineError(1, "", f"malformed CSV: {exc}"))
        return out
    header = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in header]
    unknown = [h for h in header if h not in COLUMNS]
    dup = sorted(h for h, n in Counter(header).items() if n > 1)   # linear in the number of columns
    if missing or unknown or dup:
        parts = []
        if missing:
            parts.append("missing columns: " + ", ".join(missing))
        if unknown:
            parts.append("unknown columns: " + ", ".join(unknown))
        if dup:
            parts.append("repeated columns: " + ", ".join(dup))
        out.errors.append(LineError(1, "", "bad header (" + "; ".join(parts) + ")"))
        return out
    index = {name: header.index(name) for name in COLUMNS}
    refs: dict[str, int] = {}          # incident ref -> line
    pending_units: list[tuple[int, dict[str, str]]] = []
    stamps_by_ref: dict[str, datetime] = {}
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            out.errors.append(LineError(line, "", f"malformed CSV: {exc}"))
            break
        if not row or all(not c.strip() for c in row):
            continue
        out.lines += 1
        if out.lines > MAX_ROWS:
            out.errors.append(LineError(line, "", f"more than {MAX_ROWS:,} rows: split the file"))
            break
        if sum(len(c) for c in row) > MAX_LINE_CHARS:
            out.errors.append(LineError(line, "", f"line longer than {MAX_LINE_CHARS:,} characters"))
            continue
        if len(row) != len(header):
            out.errors.append(LineError(line, "", f"expected {len(header)} fields, found {len(row)}"))
            continue
        values = {name: row[i].strip() for name, i in index.items()}
        kind = values["record"].lower()
        if kind == "incident":
            _incident(line, values, out, refs, stamps_by_ref, known_types, location_ok, latest)
        elif kind == "unit":
            pending_units.append((line, values))
        else:
            out.errors.append(LineError(line, "record",
                                        f"record must be 'incident' or 'unit', not {values['record']!r}"))
    for line, values in pending_units:  # unit rows may come before their incident row
        _unit(line, values, out, refs, stamps_by_ref, units_known, latest)
    out.errors.sort(key=lambda e: (e.line, e.field))
    if out.lines == 0 and not out.errors:
        out.errors.append(LineError(1, "", "the file has a header but no records"))
    return out


def _stamps(line: int, values: Mapping[str, str], names: Iterable[str], errors: list[LineError],
            latest: datetime) -> dict[str, datetime | None]:
    found: dict[str, datetime | None] = {}
    for name in names:
        text = values[name]
        if not text:
            found[name] = None
            continue
        try:
            value = parse_timestamp(text)
        except ValueError as exc:
            errors.append(LineError(line, name, str(exc)))
            found[name] = None
            continue
        if value < EARLIEST or value > latest:
            errors.append(LineError(line, name, f"bad date {text!r}: outside 2000 .. tomorrow"))
            found[name] = None
            continue
        found[name] = value
    return found


def _order(line: int, stamps: Mapping[str, datetime | None], names: Iterable[str],
           errors: list[LineError]) -> None:
    previous: tuple[str, datetime] | None = None
    for name in names:
        value = stamps.get(name)
        if value is None:
            continue
        if previous is not None and value < previous[1]:
            errors.append(LineError(line, name, f"stamps out of order: {name} is before {previous[0]}"))
        previous = (name, value)


def _empty(line: int, values: Mapping[str, str], names: Iterable[str], kind: str,
           errors: list[LineError]) -> None:
    for name in names:
        if values[name]:
            errors.append(LineError(line, name, f"must be empty on a {kind} row"))


def _incident(line: int, values: Mapping[str, str], out: ParsedImport, refs: dict[str, int],
              stamps_by_ref: dict[str, datetime], known_types: Mapping[str, int],
              location_ok: Callable[[float, float], bool], latest: datetime) -> None:
    errors: list[LineError] = []
    _empty(line, values, UNIT_COLUMNS[1:], "incident", errors)
    ref = values["ref"]
    if not ref:
        errors.append(LineError(line, "ref", "ref is required (the record's number in the source system)"))
    elif len(ref) > MAX_REF_LEN:
        errors.append(LineError(line, "ref", f"ref longer than {MAX_REF_LEN} characters"))
    elif ref in refs:
        errors.append(LineError(line, "ref", f"duplicate ref {ref!r} (first on line {refs[ref]})"))
    else:
        refs[ref] = line
    itype = values["incident_type"]
    priority = 0
    if not itype:
        errors.append(LineError(line, "incident_type", "incident_type is required"))
    elif itype not in known_types:
        errors.append(LineError(line, "incident_type", f"unknown incident type {itype!r}"))
    else:
        priority = known_types[itype]
    if values["priority"]:
        try:
            priority = int(values["priority"])
            if not 1 <= priority <= 4:
                raise ValueError
        except ValueError:
            errors.append(LineError(line, "priority", f"priority must be 1, 2, 3 or 4, not {values['priority']!r}"))
    lon = lat = math.nan
    try:
        lon, lat = float(values["lon"]), float(values["lat"])
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError
    except ValueError:
        errors.append(LineError(line, "lon", f"bad coordinates lon={values['lon']!r} lat={values['lat']!r} "
                                             "(decimal degrees, WGS 84)"))
        lon = lat = math.nan
    if math.isfinite(lon) and not location_ok(lon, lat):
        errors.append(LineError(line, "lon", f"location outside the city ({lon}, {lat}): more than 1 km "
                                             "from Kota Kendari"))
    address = values["address"] or None
    if address and len(address) > MAX_ADDRESS_LEN:
        errors.append(LineError(line, "address", f"address longer than {MAX_ADDRESS_LEN} characters"))
    description = values["description"] or None
    if description and len(description) > MAX_DESCRIPTION_LEN:
        errors.append(LineError(line, "description", f"description longer than {MAX_DESCRIPTION_LEN} characters"))
    stamps = _stamps(line, values, INCIDENT_STAMPS, errors, latest)
    if not values["created_at"]:
        errors.append(LineError(line, "created_at", "created_at is required"))
    if stamps["call_answered_at"] and not values["call_received_at"]:
        errors.append(LineError(line, "call_received_at", "call_answered_at needs call_received_at"))
    _order(line, stamps, INCIDENT_STAMPS, errors)
    outcome = values["outcome"] or None
    if outcome is not None and outcome not in OUTCOMES:
        errors.append(LineError(line, "outcome", f"unknown outcome {outcome!r} (one of {', '.join(OUTCOMES)})"))
    if bool(values["closed_at"]) != bool(outcome):
        errors.append(LineError(line, "outcome", "closed_at and outcome go together: give both or neither"))
    start = stamps["call_received_at"] or stamps["created_at"]
    if ref and start is not None:
        stamps_by_ref.setdefault(ref, start)
    if errors:
        out.errors.extend(errors)
        return
    assert stamps["created_at"] is not None
    out.incidents.append(ImportIncident(
        line=line, ref=ref, incident_type=itype, priority=priority, lon=lon, lat=lat, address=address,
        description=description, call_received_at=stamps["call_received_at"],
        call_answered_at=stamps["call_answered_at"], created_at=stamps["created_at"],
        closed_at=stamps["closed_at"], outcome=outcome))


def _unit(line: int, values: Mapping[str, str], out: ParsedImport, refs: Mapping[str, int],
          stamps_by_ref: Mapping[str, datetime], units_known: set[str], latest: datetime) -> None:
    errors: list[LineError] = []
    _empty(line, values, [c for c in INCIDENT_COLUMNS if c != "ref"], "unit", errors)
    ref = values["ref"]
    if not ref:
        errors.append(LineError(line, "ref", "ref is required (the incident's ref)"))
    elif ref not in refs:
        errors.append(LineError(line, "ref", f"no incident row with ref {ref!r} in this file"))
    unit = values["unit"]
    if not unit:
        errors.append(LineError(line, "unit", "unit (call sign) is required"))
    elif unit not in units_known:
        errors.append(LineError(line, "unit", f"unknown unit {unit!r} (register the unit first)"))
    stamps = _stamps(line, values, UNIT_STAMPS, errors, latest)
    if not values["dispatched_at"]:
        errors.append(LineError(line, "dispatched_at", "dispatched_at is required"))
    _order(line, stamps, UNIT_STAMPS, errors)
    start = stamps_by_ref.get(ref)
    if start is not None and stamps["dispatched_at"] is not None and stamps["dispatched_at"] < start:
        errors.append(LineError(line, "dispatched_at", "stamps out of order: the unit is dispatched before "
                                                       "the call was received / the ticket created"))
    if errors:
        out.errors.extend(errors)
        return
    assert stamps["dispatched_at"] is not None
    out.units.append(ImportUnit(
        line=line, ref=ref, unit=unit, dispatched_at=stamps["dispatched_at"],
        en_route_at=stamps["en_route_at"], on_scene_at=stamps["on_scene_at"],
        transport_started_at=stamps["transport_started_at"], at_hospital_at=stamps["at_hospital_at"],
        cleared_at=stamps["cleared_at"]))
