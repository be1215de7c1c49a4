"""Network corrections as data: validate, store (audited), turn into the routing package's objects.

Connectors (bridge, ferry, missing link), closures (a road stretch or an area, from–until) and
speed factors (road class × WITA hour band) are stored in PostGIS. Every change bumps the
``network`` resource version, so each worker process rebuilds its corrected travel network
within about a second (:mod:`services.resources`); a closure that expires drops out by itself.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from field_errors import FieldError, ValidationFailed, fail
from incidents import validation
from incidents.model import Actor
from layers.projection import to_lonlat, to_utm
from routing.corrections import CONNECTOR_KINDS, Closure, Connector, Correction, SpeedFactor
from store import corrections as store, incidents as store_incidents
from store.db import Database

CLOSURE_REASONS = ("flood", "landslide", "event", "works", "accident", "other")
#: Incident types whose tickets can become a proposed closure in one action.
CLOSURE_TYPES = {"flood": "flood", "landslide": "landslide"}
#: Radius and duration of a closure proposed from a ticket (the dispatcher adjusts before activating).
PROPOSED_RADIUS_M = 150.0
PROPOSED_HOURS = 24
MAX_NAME_CHARS = 200
MAX_REASON_CHARS = 500
#: Most vertices accepted in a drawn closure (a hand-drawn area has a few dozen).
MAX_VERTICES = 2000


@dataclass(frozen=True)
class CorrectionView:
    """One stored correction for pages and the API."""

    id: int
    kind: str
    status: str
    name: str
    reason: str
    source: str
    geometry: dict[str, Any] | None
    details: dict[str, Any]
    created_by: str
    created_at: datetime
    active_now: bool

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "status": self.status, "name": self.name,
                "reason": self.reason, "source": self.source, "geometry": self.geometry,
                "created_by": self.created_by, "created_at": self.created_at.isoformat(),
                "active_now": self.active_now, **self.details}


# --- validation at the edge -----------------------------------------------------------------------------
def _point(value: Any, field: str) -> tuple[float, float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise fail(field, "wajib berupa [lon, lat]", "must be [lon, lat]")
    lon = validation.number(value[0], field)
    lat = validation.number(value[1], field)
    validation.coordinates(lat, lon, lat_field=field, lon_field=field)
    return lon, lat


def _time(value: Any, field: str) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise fail(field, "wajib berupa waktu ISO 8601", "must be an ISO 8601 time")
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise fail(field, "bukan waktu ISO 8601 yang sah", "is not a valid ISO 8601 time") from None
    if at.tzinfo is None:
        raise fail(field, "sertakan zona waktu (mis. +08:00)", "must include a time zone (e.g. +08:00)")
    if not datetime(2000, 1, 1, tzinfo=UTC) <= at <= datetime(2100, 1, 1, tzinfo=UTC):
        raise fail(field, "di luar rentang yang masuk akal", "is outside a sensible range")
    return at


def _geometry(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping) or value.get("type") not in ("LineString", "Polygon", "MultiPolygon",
                                                                   "MultiLineString"):
        raise fail("geometry", "wajib berupa GeoJSON garis atau poligon", "must be a GeoJSON line or polygon")
    coords = value.get("coordinates")
    flat: list[Any] = []
    stack: list[Any] = [coords]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)) and item and not isinstance(item[0], (list, tuple)):
            flat.append(item)
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        else:
            raise fail("geometry", "koordinat tidak sah", "invalid coordinates")
        if len(flat) > MAX_VERTICES:
            raise fail("geometry", f"terlalu banyak titik (maksimum {MAX_VERTICES})",
                       f"too many vertices (at most {MAX_VERTICES})")
    if len(flat) < 2:
        raise fail("geometry", "minimal dua titik", "needs at least two points")
    for pt in flat:
        _point(pt[:2] if len(pt) >= 2 else pt, "geometry")
    return {"type": value["type"], "coordinates": coords}


def _range_error(field: str, lo: float, hi: float) -> FieldError:
    return FieldError(field, f"harus antara {lo:g} dan {hi:g}", f"must be between {lo:g} and {hi:g}")


def parse_correction(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a new correction (API body or admin form); raise ValidationFailed listing each field."""
    errors: list[FieldError] = []

    def run(func: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            return None

    kind = data.get("kind")
    if kind not in ("connector", "closure", "speed_factor"):
        raise fail("kind", "wajib connector, closure atau speed_factor", "must be connector, closure or speed_factor")
    out: dict[str, Any] = {"kind": kind, "status": "active"}
    out["name"] = run(validation.text, data.get("name"), "name", max_chars=MAX_NAME_CHARS) or ""
    out["reason"] = run(validation.text, data.get("reason"), "reason", max_chars=MAX_REASON_CHARS) or ""
    out["source"] = run(validation.text, data.get("source"), "source", max_chars=MAX_NAME_CHARS) or ""
    if kind == "connector":
        ckind = data.get("connector_kind", "link")
        if ckind not in CONNECTOR_KINDS:
            errors.append(FieldError("connector_kind", "wajib bridge, ferry atau link",
                                     "must be bridge, ferry or link"))
        a = run(_point, data.get("a"), "a")
        b = run(_point, data.get("b"), "b")
        out.update(connector_kind=ckind, geometry=None if a is None or b is None else
                   {"type": "LineString", "coordinates": [list(a), list(b)]})
        for field, lo, hi in (("length_m", 1.0, 50_000.0), ("speed_kmh", 1.0, 130.0),
                              ("crossing_s", 0.0, 6 * 3600.0), ("waiting_s", 0.0, 6 * 3600.0)):
            if data.get(field) not in (None, ""):
                value = run(validation.number, data.get(field), field)
                if value is not None and not lo <= value <= hi:
                    errors.append(_range_error(field, lo, hi))
                out[field] = value
        if ckind == "ferry" and out.get("crossing_s") is None:
            errors.append(FieldError("crossing_s", "wajib untuk feri", "is required for a ferry"))
        if ckind != "ferry" and out.get("speed_kmh") is None:
            out["speed_kmh"] = 40.0
    elif kind == "closure":
        out["geometry"] = run(_geometry, data.get("geometry"))
        reason = data.get("reason") or "other"
        if reason not in CLOSURE_REASONS:
            errors.append(FieldError("reason", "alasan tidak dikenal", f"must be one of {', '.join(CLOSURE_REASONS)}"))
        out["reason"] = reason
        out["starts_at"] = run(_time, data.get("starts_at"), "starts_at")
        out["ends_at"] = run(_time, data.get("ends_at"), "ends_at")
        if out["starts_at"] and out["ends_at"] and out["ends_at"] <= out["starts_at"]:
            errors.append(FieldError("ends_at", "harus setelah waktu mulai", "must be after starts_at"))
    else:
        road_class = run(validation.text, data.get("road_class"), "road_class", max_chars=64, required=True)
        out["road_class"] = road_class
        for field, lo, hi in (("start_hour", 0.0, 23.99), ("end_hour", 0.01, 24.0), ("factor", 0.05, 3.0)):
            value = run(validation.number, data.get(field), field)
            if value is not None and not lo <= value <= hi:
                errors.append(_range_error(field, lo, hi))
            out[field] = value
        if out.get("start_hour") is not None and out.get("start_hour") == out.get("end_hour"):
            errors.append(FieldError("end_hour", "rentang jam kosong", "the hour band is empty"))
    if errors:
        raise ValidationFailed(errors)
    return out


# --- use cases ------------------------------------------------------------------------------------------
def _view(row: Mapping[str, Any], now: datetime) -> CorrectionView:
    details = {k: row[k] for k in ("connector_kind", "length_m", "speed_kmh", "crossing_s", "waiting_s",
                                    "road_class", "start_hour", "end_hour", "factor", "incident_id")
               if row.get(k) is not None}
    for k in ("starts_at", "ends_at"):
        if row.get(k) is not None:
            details[k] = row[k].isoformat()
    active = row["status"] == "active" and (row.get("starts_at") is None or row["starts_at"] <= now) and (
        row.get("ends_at") is None or now < row["ends_at"])
    return CorrectionView(id=int(row["id"]), kind=row["kind"], status=row["status"], name=row["name"],
                          reason=row["reason"], source=row["source"], geometry=row.get("geometry"), details=details,
                          created_by=row["created_by"], created_at=row["created_at"], active_now=active)


def list_corrections(db: Database, *, include: tuple[str, ...] = ("active", "proposed"),
                     now: datetime | None = None) -> list[CorrectionView]:
    """Stored corrections (active and proposed by default), oldest first."""
    when = now or datetime.now(UTC)
    return [_view(r, when) for r in store.list_corrections(db, statuses=include)]


def create_correction(db: Database, data: Mapping[str, Any], actor: Actor) -> CorrectionView:
    """Validate and store a correction; every worker applies it within about a second."""
    values = parse_correction(data)
    to_routing(values | {"id": 0})  # the routing package's own checks, before anything is stored
    new_id = store.insert_correction(db, values, actor=actor.name, actor_user_id=actor.user_id)
    return _view(store.get_correction(db, new_id), datetime.now(UTC))


def retire_correction(db: Database, correction_id: int, actor: Actor, *, note: str = "") -> None:
    """Take a correction out of use (the row and its history stay)."""
    store.set_status(db, correction_id, "retired", actor=actor.name, actor_user_id=actor.user_id, note=note,
                     expect=("active", "proposed"))


def activate_correction(db: Database, correction_id: int, actor: Actor) -> None:
    """Put a proposed correction (e.g. a closure from a flood ticket) into force."""
    store.set_status(db, correction_id, "active", actor=actor.name, actor_user_id=actor.user_id,
                     expect=("proposed",))


def propose_closure_from_incident(db: Database, incident_id: int, actor: Actor) -> CorrectionView:
    """Turn a flood or landslide ticket into a proposed closure around its place (one action).

    The proposal is a circle of ``PROPOSED_RADIUS_M`` for ``PROPOSED_HOURS`` hours; it changes no route
    until someone activates it (after adjusting it if needed).
    """
    inc = store_incidents.get_incident(db, incident_id)
    reason = CLOSURE_TYPES.get(str(inc["incident_type"]))
    if reason is None:
        raise fail("incident_id", "hanya tiket banjir atau longsor", "only flood or landslide tickets")
    now = datetime.now(UTC)
    values = {"kind": "closure", "status": "proposed", "name": f"#{incident_id}", "reason": reason,
              "source": f"incident {incident_id}", "incident_id": incident_id, "starts_at": now,
              "ends_at": now + timedelta(hours=PROPOSED_HOURS),
              "geometry": _circle(float(inc["lon"]), float(inc["lat"]), PROPOSED_RADIUS_M)}
    new_id = store.insert_correction(db, values, actor=actor.name, actor_user_id=actor.user_id)
    return _view(store.get_correction(db, new_id), now)


def to_routing(row: Mapping[str, Any]) -> Correction:
    """The routing package's object for a stored (or validated) correction."""
    geom = row.get("geometry")
    ident = row.get("id")
    if row["kind"] == "connector":
        (a, b) = geom["coordinates"] if geom else ((0.0, 0.0), (0.0, 0.0))
        return Connector(kind=row["connector_kind"], a=(float(a[0]), float(a[1])), b=(float(b[0]), float(b[1])),
                         length_m=float(row.get("length_m") or 0.0) or _distance_m(a, b),
                         speed_kmh=row.get("speed_kmh"), crossing_s=row.get("crossing_s"),
                         waiting_s=float(row.get("waiting_s") or 0.0), name=row.get("name") or "",
                         source=row.get("source") or "", id=ident, origin="admin")
    if row["kind"] == "closure":
        if geom is None:
            raise fail("geometry", "wajib diisi", "is required")
        return Closure(geometry=geom, starts_at=row.get("starts_at"), ends_at=row.get("ends_at"),
                       reason=row.get("reason") or "", name=row.get("name") or "", id=ident,
                       source=row.get("source") or "")
    return SpeedFactor(road_class=row["road_class"], start_hour=float(row["start_hour"]),
                       end_hour=float(row["end_hour"]), factor=float(row["factor"]), reason=row.get("reason") or "",
                       id=ident, source=row.get("source") or "")


def _distance_m(a: Any, b: Any) -> float:
    x, y = to_utm([float(a[0]), float(b[0])], [float(a[1]), float(b[1])])
    return float(((x[0] - x[1]) ** 2 + (y[0] - y[1]) ** 2) ** 0.5)


def _circle(lon: float, lat: float, radius_m: float, n: int = 24) -> dict[str, Any]:
    """A GeoJSON polygon approximating a circle of ``radius_m`` around a point (drawn in UTM)."""
    x, y = to_utm([lon], [lat])
    angles = [2 * math.pi * k / n for k in range(n)]
    ring_x, ring_y = to_lonlat([x[0] + radius_m * math.cos(t) for t in angles],
                               [y[0] + radius_m * math.sin(t) for t in angles])
    ring = [[round(float(a), 7), round(float(b), 7)] for a, b in zip(ring_x, ring_y, strict=True)]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def active_corrections(db: Database) -> list[Correction]:
    """Every active correction as routing objects (closures still carry their from–until)."""
    return [to_routing(r) for r in store.list_corrections(db, statuses=("active",))]
