"""Live coverage and move-up for the console, arrivals at posts, and the uncovered-time KPI.

The pure models live in :mod:`planning.live_coverage`, :mod:`planning.posts`,
:mod:`planning.moveup` and :mod:`planning.uncovered_time`; this module feeds them from the
database and the shared resources and records what people decide:

* **Live coverage** per unit type (:func:`console`, :func:`live`): where the city is now beyond
  the type's target of every available unit, from the units' current positions (reported, else
  their home station) over the travel network recommendations use (corrections applied). Shares
  of land, population (when loaded) and incident-weighted demand (the last 90 days of the
  incident types whose run card asks for the type). A **hole** is open while the uncovered share
  of the demand exceeds the share uncovered with every unit at its home station by more than the
  trigger share; ``since`` is the commitment that opened it.
* **Move-up** (:func:`console` keeps one open proposal per unit type; :func:`accept_proposal`,
  :func:`dismiss_proposal`, :func:`move_unit`): the exact covering model of
  :func:`planning.moveup.advise_moves` over the type's stations and standby posts. A unit already
  moving to a post counts at its destination for the advice (so the same hole is not filled
  twice) and from where it is for the live layer. Accepting gives each unit the status
  ``moving_to_post``; :func:`arrive` (crew button, or a GPS fix within the arrival radius via
  :func:`arrival_from_position`) makes it available at the post, whose point becomes its
  position. Every step is an event.
* **Uncovered time** (:func:`uncovered_time`, :func:`uncovered_share_today`): per WITA day and
  kecamatan, the share of time the land was beyond the target, replayed from the event history
  (dispatch, clearing, status changes, arrivals at posts) with every available unit assumed at its
  post.

Demand cells and posts are computed once per network version and kept in
:meth:`services.resources.Resources.derived`; nothing is cached at module level.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import mapping

from field_errors import FieldError, ValidationFailed, fail
from incidents.model import Actor
from planning import live_coverage as lc, moveup as mu
from planning._errors import InvalidParameterError, PlanningError
from planning.posts import Post, PostSet, prepare_posts
from planning.uncovered_time import AvailabilityChange, UncoveredTimeKpi, uncovered_time_kpi
from routing.recommend import UnitPosition
from services.resources import Resources
from store import coverage as store, incidents as store_incidents, reference
from store._errors import ConflictError, NotFoundError, UnitNotAvailableError
from store.db import Database

log = logging.getLogger(__name__)

WITA: Final = ZoneInfo("Asia/Makassar")
SETTINGS_KEY: Final = "coverage"
#: Unit types with a live layer by default (the others can be added in the settings).
DEFAULT_UNIT_TYPES: Final[tuple[str, ...]] = ("ambulance", "fire_engine", "police_patrol", "rescue")
#: Facility categories that are stations of each unit type (besides the units' own home stations).
STATION_CATEGORIES: Final[Mapping[str, tuple[str, ...]]] = {
    "ambulance": ("puskesmas", "hospital"),
    "fire_engine": ("fire_post",),
    "water_tanker": ("fire_post",),
    "rescue": ("fire_post", "bpbd_post"),
    "police_patrol": ("police_station",),
    "bpbd_rescue": ("bpbd_post",),
}
#: Incidents of the last this many days weigh the demand.
DEMAND_DAYS: Final = 90
#: Fewer recent incidents than this are too few to weigh the demand by (``auto`` takes population or land).
MIN_DEMAND_INCIDENTS: Final = 50
DEFAULT_ARRIVAL_RADIUS_M: Final = 100.0
#: Why a dispatcher may dismiss a proposal (the page shows their names).
DISMISS_REASONS: Final[tuple[str, ...]] = ("unit_needed_here", "crew_rest", "road_conditions", "short_commitment",
                                           "other")
MAX_NOTE_CHARS: Final = 500
#: A kecamatan whose uncovered share of its demand rises by more than this opens a hole.
DEFAULT_AREA_TRIGGER_SHARE: Final = 0.5
#: How old today's stored uncovered-time share may be for a page without the travel network.
TODAY_FRESH_S: Final = 3600.0
#: The console recomputes today's stored share when it is older than this.
TODAY_REFRESH_S: Final = 600.0
#: Simplification of the drawn hole outlines, degrees (~20 m).
DRAW_TOLERANCE_DEG: Final = 0.0002
#: Events that change a unit's availability, read for the uncovered-time KPI.
AVAILABILITY_KINDS: Final[tuple[str, ...]] = ("unit_dispatched", "unit_cleared", "unit_unassigned", "unit_status",
                                              "unit_at_post")


# --- settings ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CoverageSettings:
    """What an administrator can set (``app_settings['coverage']``); defaults otherwise.

    Attributes
    ----------
    unit_types
        Unit types with a live layer and move-up advice.
    threshold_min
        Target drive time per unit type (minutes); missing types use
        :data:`planning.live_coverage.DEFAULT_THRESHOLD_MIN`.
    trigger_share, area_trigger_share
        A hole opens when the uncovered share of the city's demand exceeds the share uncovered
        with every unit at home by more than ``trigger_share``, or a kecamatan's by more than
        ``area_trigger_share`` (a whole district left bare counts even when it has little demand).
    k
        Most moves proposed at once.
    max_move_min
        Longest move proposed.
    min_gain_share, area_min_share
        Smallest worthwhile gain; share of its demand each kecamatan keeps covered.
    demand
        ``auto`` (incidents, else population, else land), ``incidents``, ``population`` or ``land``.
    arrival_radius_m
        A GPS fix this close to the post counts as arrival.
    advice
        Propose moves at all.
    """

    unit_types: tuple[str, ...] = DEFAULT_UNIT_TYPES
    threshold_min: Mapping[str, float] = field(default_factory=dict)
    trigger_share: float = mu.DEFAULT_TRIGGER_SHARE
    area_trigger_share: float = DEFAULT_AREA_TRIGGER_SHARE
    k: int = mu.DEFAULT_K
    max_move_min: float = 20.0
    min_gain_share: float = mu.DEFAULT_MIN_GAIN_SHARE
    area_min_share: float = mu.DEFAULT_AREA_MIN_SHARE
    demand: str = "auto"
    arrival_radius_m: float = DEFAULT_ARRIVAL_RADIUS_M
    advice: bool = True

    def threshold(self, unit_type: str) -> float:
        """Target minutes of ``unit_type``."""
        return lc.threshold_for(unit_type, self.threshold_min.get(unit_type))

    def to_dict(self) -> dict[str, Any]:
        return {"unit_types": list(self.unit_types),
                "threshold_min": {t: self.threshold(t) for t in self.unit_types} | dict(self.threshold_min),
                "trigger_share": self.trigger_share, "area_trigger_share": self.area_trigger_share, "k": self.k,
                "max_move_min": self.max_move_min,
                "min_gain_share": self.min_gain_share, "area_min_share": self.area_min_share,
                "demand": self.demand, "arrival_radius_m": self.arrival_radius_m, "advice": self.advice}


def _number(data: Mapping[str, Any], name: str, low: float, high: float, errors: list[FieldError],
            default: float) -> float:
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(float(value)) \
            or not low <= float(value) <= high:
        errors.append(FieldError(name, f"harus angka antara {low:g} dan {high:g}",
                                 f"must be a number between {low:g} and {high:g}"))
        return default
    return float(value)


def parse_settings(data: Any, *, known_unit_types: Iterable[str]) -> CoverageSettings:
    """Validate a settings object (missing fields take their defaults).

    Raises
    ------
    ValidationFailed
        Unknown fields, unknown unit types, values out of range.
    """
    if not isinstance(data, Mapping):
        raise fail("body", "harus berupa objek", "must be an object")
    known = set(known_unit_types)
    base = CoverageSettings()
    errors: list[FieldError] = []
    extra = sorted(set(data) - set(base.to_dict()))
    if extra:
        errors.append(FieldError(extra[0], "kolom tidak dikenal", "unknown field"))
    types = data.get("unit_types", list(base.unit_types))
    if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types) \
            or len(set(types)) != len(types):
        errors.append(FieldError("unit_types", "daftar jenis unit yang berbeda", "a list of distinct unit types"))
        types = list(base.unit_types)
    elif set(types) - known:
        errors.append(FieldError("unit_types", "jenis unit tidak dikenal", "unknown unit type"))
    thresholds: dict[str, float] = {}
    raw = data.get("threshold_min", {})
    if not isinstance(raw, Mapping):
        errors.append(FieldError("threshold_min", "harus berupa objek", "must be an object"))
    else:
        for unit_type in raw:
            if unit_type not in known:
                errors.append(FieldError("threshold_min", "jenis unit tidak dikenal", "unknown unit type"))
                continue
            thresholds[str(unit_type)] = _number(raw, unit_type, 1.0, lc.MAX_THRESHOLD_MIN, errors, 10.0)
    k = data.get("k", base.k)
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= mu.MAX_K:
        errors.append(FieldError("k", f"bilangan bulat 1 sampai {mu.MAX_K}", f"an integer from 1 to {mu.MAX_K}"))
        k = base.k
    demand = data.get("demand", base.demand)
    if demand not in mu.DEMAND_KINDS:
        errors.append(FieldError("demand", "pilihan tidak dikenal", f"one of {', '.join(mu.DEMAND_KINDS)}"))
        demand = base.demand
    advice = data.get("advice", base.advice)
    if not isinstance(advice, bool):
        errors.append(FieldError("advice", "harus true atau false", "must be true or false"))
        advice = base.advice
    parsed = CoverageSettings(
        unit_types=tuple(types), threshold_min=thresholds,
        trigger_share=_number(data, "trigger_share", 0.0, 0.9, errors, base.trigger_share),
        area_trigger_share=_number(data, "area_trigger_share", 0.05, 1.0, errors, base.area_trigger_share),
        k=int(k), max_move_min=_number(data, "max_move_min", 1.0, 90.0, errors, base.max_move_min),
        min_gain_share=_number(data, "min_gain_share", 0.0, 1.0, errors, base.min_gain_share),
        area_min_share=_number(data, "area_min_share", 0.0, 1.0, errors, base.area_min_share),
        demand=str(demand), arrival_radius_m=_number(data, "arrival_radius_m", 10.0, 1000.0, errors,
                                                     base.arrival_radius_m),
        advice=bool(advice))
    if errors:
        raise ValidationFailed(errors)
    return parsed


def settings(db: Database) -> CoverageSettings:
    """The settings in force (stored ones over the defaults; a broken stored value gives the defaults)."""
    stored = reference.get_setting(db, SETTINGS_KEY)
    if not stored:
        return CoverageSettings()
    try:
        known = [str(r["code"]) for r in store_incidents.unit_types(db)]
        return parse_settings(stored, known_unit_types=known)
    except ValidationFailed:
        return CoverageSettings()


def save_settings(db: Database, data: Any, actor: Actor) -> CoverageSettings:
    """Validate and store the settings; audited (``coverage_settings_changed``)."""
    known = [str(r["code"]) for r in store_incidents.unit_types(db)]
    parsed = parse_settings(data, known_unit_types=known)
    stored = parsed.to_dict()
    stored["threshold_min"] = dict(parsed.threshold_min)
    reference.put_setting(db, SETTINGS_KEY, stored)
    with db.transaction() as cur:
        store_incidents.append_event(cur, kind="coverage_settings_changed", actor=actor.name,
                                     actor_user_id=actor.user_id, data=stored)
    return parsed


# --- the data the models need -------------------------------------------------------------------------------
def demand_cells(res: Resources) -> lc.DemandCells:
    """The demand cells of the network in use (200 m grid over the land), built once per network version."""
    cells: lc.DemandCells = res.derived(("coverage", "cells"), lambda graph: lc.build_demand_cells(graph))
    return cells


def _standby_rows(db: Database, res: Resources) -> tuple[dict[str, Any], ...]:
    rows: tuple[dict[str, Any], ...] = res.derived(("coverage", "standby"),
                                                   lambda _graph: tuple(store.standby_posts(db, include_retired=True)),
                                                   depends=("posts",))
    return rows


def posts_for(db: Database, res: Resources, unit_type: str, home_ids: Iterable[int] = ()) -> list[Post]:
    """Where units of ``unit_type`` may wait: stations of the type's categories, the units' home
    stations (``f<facility id>``) and the active standby posts open to the type (``s<id>``)."""
    cats = set(STATION_CATEGORIES.get(unit_type, ()))
    homes = {int(h) for h in home_ids}
    out = [Post(f"f{f['id']}", str(f["name"]), float(f["lon"]), float(f["lat"]), "station")
           for f in res.facilities() if f["category"] in cats or int(f["id"]) in homes]
    for p in _standby_rows(db, res):
        types = p["unit_types"] or []
        if p["active"] and (not types or unit_type in types):
            out.append(Post(f"s{p['id']}", str(p["name"]), float(p["lon"]), float(p["lat"]), "standby"))
    return out


def post_set(db: Database, res: Resources, unit_type: str, cfg: CoverageSettings,
             home_ids: Iterable[int] = ()) -> PostSet:
    """The type's posts with their coverage and drive times, prepared once per network version."""
    posts = tuple(posts_for(db, res, unit_type, home_ids))
    minutes, max_move = cfg.threshold(unit_type), cfg.max_move_min
    cells = demand_cells(res)
    ps: PostSet = res.derived(("coverage", "posts", unit_type),
                              lambda graph: prepare_posts(graph, cells, posts, unit_type=unit_type,
                                                          threshold_min=minutes, max_move_min=max_move),
                              stamp=(posts, minutes, max_move, len(cells)))
    return ps


def _served_types(db: Database, res: Resources, unit_type: str) -> tuple[str, ...]:
    plans: dict[str, list[Any]] = res.derived(("coverage", "plans"), lambda _g: _plans(db), depends=("catalog",))
    return lc.incident_types_served(unit_type, plans)


@dataclass(frozen=True)
class _PlanItem:
    unit_type: str
    substitutes: tuple[str, ...]


def _plans(db: Database) -> dict[str, list[_PlanItem]]:
    out: dict[str, list[_PlanItem]] = {}
    for r in store.response_plans(db):
        out.setdefault(str(r["incident_type"]), []).append(
            _PlanItem(str(r["unit_type"]), tuple(r["substitutes"] or ())))
    return out


def incident_demand(db: Database, res: Resources, unit_type: str, *,
                    now: datetime | None = None) -> NDArray[np.float64]:
    """Incidents of the last 90 days that the type serves, per demand cell (refreshed hourly)."""
    when = now or datetime.now(UTC)
    types = _served_types(db, res, unit_type)
    cells = demand_cells(res)

    def build(_graph: Any) -> NDArray[np.float64]:
        lon, lat = store.incident_points(db, types, when - timedelta(days=DEMAND_DAYS))
        counts = lc.incident_counts(cells, lon, lat)
        counts.flags.writeable = False
        return counts

    value: NDArray[np.float64] = res.derived(("coverage", "incidents", unit_type), build,
                                             stamp=(types, when.strftime("%Y-%m-%dT%H"), len(cells)))
    return value


def population_demand(res: Resources) -> NDArray[np.float64] | None:
    """Population per demand cell from the kecamatan figures an administrator loaded, or None."""
    features = res.area_layers()["kecamatan"]["geojson"]["features"]
    pops = {str(f["properties"]["nama"]): float(f["properties"]["population"]) for f in features
            if f["properties"].get("population") is not None}
    if not pops:
        return None
    return lc.population_per_cell(demand_cells(res), pops)


def _position(row: Mapping[str, Any], *, at_destination: bool = False) -> UnitPosition | None:
    if at_destination and row["move_id"] is not None:
        lon, lat = row["move_lon"], row["move_lat"]
    else:
        lon, lat = row["lon"], row["lat"]
    if lon is None or lat is None:
        return None
    return UnitPosition(unit_id=int(row["id"]), callsign=str(row["callsign"]), unit_type=str(row["unit_type"]),
                        agency_code=str(row["agency_code"]), status=str(row["status"]), lon=float(lon),
                        lat=float(lat), position_source="station" if row["at_home_station"] else "reported")


def _baseline_uncovered(res: Resources, rows: Sequence[Mapping[str, Any]], unit_type: str,
                        minutes: float) -> NDArray[np.bool_]:
    """Cells uncovered with every unit of the type available at its home station."""
    homes = tuple(sorted((int(r["id"]), float(r["home_lon"]), float(r["home_lat"])) for r in rows
                         if r["unit_type"] == unit_type and r["home_lon"] is not None))
    cells = demand_cells(res)

    def build(graph: Any) -> NDArray[np.bool_]:
        units = [UnitPosition(uid, "", unit_type, "", "available", lon, lat, "station") for uid, lon, lat in homes]
        mask = np.asarray(lc.live_coverage(graph, cells, units, unit_type=unit_type, threshold_min=minutes).uncovered)
        mask.flags.writeable = False
        return mask

    value: NDArray[np.bool_] = res.derived(("coverage", "baseline", unit_type), build,
                                           stamp=(homes, minutes, len(cells)))
    return value


def _enough(incidents: NDArray[np.float64], cfg: CoverageSettings) -> NDArray[np.float64] | None:
    """The incident demand, or None when ``auto`` demand has too few incidents to go by."""
    if cfg.demand == "auto" and float(incidents.sum()) < MIN_DEMAND_INCIDENTS:
        return None
    return incidents


def _share(weights: NDArray[np.float64], mask: NDArray[np.bool_]) -> float:
    total = float(weights.sum())
    return float(weights[mask].sum() / total) if total > 0 else 0.0


def _situation(rows: Sequence[Mapping[str, Any]], unit_type: str) -> str:
    """A key of which units of the type are committed or moving (a dismissed proposal holds while it holds)."""
    parts = sorted(f"{r['id']}:{r['status']}:{r['move_post_id'] or ''}" for r in rows
                   if r["unit_type"] == unit_type and (r["status"] != "available" or r["move_id"] is not None))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


# --- the console ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AreaShare:
    """Uncovered share of one kecamatan's demand now and with every unit at home."""

    kecamatan: str
    uncovered_share: float
    baseline_share: float


@dataclass(frozen=True)
class TypeCoverage:
    """Live coverage of one unit type.

    ``uncovered_share`` and ``baseline_share`` are shares of the ``demand`` (``incidents``,
    ``population`` or ``land``): now, and with every unit at its home station. ``hole`` is open
    when their difference exceeds the trigger; ``since`` is when it opened.
    """

    unit_type: str
    threshold_min: float
    model: str
    demand: str
    uncovered_share: float
    baseline_share: float
    hole: bool
    since: datetime | None
    land_share: float
    population_share: float | None
    incident_share: float | None
    available_n: int
    units_n: int
    areas: tuple[AreaShare, ...]
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"unit_type": self.unit_type, "threshold_min": self.threshold_min, "routing": self.model,
                "demand": self.demand, "uncovered_share": round(self.uncovered_share, 4),
                "baseline_share": round(self.baseline_share, 4), "hole": self.hole,
                "since": self.since.isoformat() if self.since else None,
                "uncovered_land_share": round(self.land_share, 4),
                "uncovered_population_share": None if self.population_share is None
                else round(self.population_share, 4),
                "uncovered_incident_share": None if self.incident_share is None else round(self.incident_share, 4),
                "available_units": self.available_n, "units": self.units_n,
                "kecamatan": [{"kecamatan": a.kecamatan, "uncovered_share": round(a.uncovered_share, 4),
                               "baseline_share": round(a.baseline_share, 4)} for a in self.areas],
                "notes": list(self.notes)}


@dataclass(frozen=True)
class ProposedMove:
    unit_id: int
    callsign: str
    from_kecamatan: str | None
    post_id: str
    post_name: str
    post_kind: str
    post_kecamatan: str | None
    lon: float
    lat: float
    travel_s: float
    gain_share: float

    def to_dict(self) -> dict[str, Any]:
        return {"unit_id": self.unit_id, "callsign": self.callsign, "from_kecamatan": self.from_kecamatan,
                "post_id": self.post_id, "post_name": self.post_name, "post_kind": self.post_kind,
                "post_kecamatan": self.post_kecamatan, "lon": self.lon, "lat": self.lat,
                "travel_s": round(self.travel_s, 1), "gain_share": round(self.gain_share, 4)}


@dataclass(frozen=True)
class Proposal:
    """An open (or decided) move-up proposal: its moves and the uncovered share before and after."""

    id: int
    unit_type: str
    status: str
    moves: tuple[ProposedMove, ...]
    demand: str
    threshold_min: float
    baseline_share: float
    uncovered_before: float
    uncovered_after: float
    proposed_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None
    reason: str | None = None

    @property
    def gain_share(self) -> float:
        return self.uncovered_before - self.uncovered_after

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "unit_type": self.unit_type, "status": self.status,
                "moves": [m.to_dict() for m in self.moves], "demand": self.demand,
                "threshold_min": self.threshold_min, "baseline_share": round(self.baseline_share, 4),
                "uncovered_before": round(self.uncovered_before, 4), "uncovered_after": round(self.uncovered_after, 4),
                "gain_share": round(self.gain_share, 4), "proposed_at": self.proposed_at.isoformat(),
                "decided_at": self.decided_at.isoformat() if self.decided_at else None,
                "decided_by": self.decided_by, "reason": self.reason}


@dataclass(frozen=True)
class ActiveMove:
    """A unit on its way to a post."""

    unit_id: int
    callsign: str
    unit_type: str
    post_id: str
    post_name: str
    lon: float
    lat: float
    travel_s: float | None
    started_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"unit_id": self.unit_id, "callsign": self.callsign, "unit_type": self.unit_type,
                "post_id": self.post_id, "post_name": self.post_name, "lon": self.lon, "lat": self.lat,
                "travel_s": self.travel_s, "started_at": self.started_at.isoformat()}


@dataclass(frozen=True)
class Layer:
    """What the map draws for one unit type: the new hole and the land uncovered even with every
    unit at home, as GeoJSON geometries (EPSG:4326, simplified)."""

    unit_type: str
    hole: dict[str, Any] | None
    structural: dict[str, Any] | None


@dataclass(frozen=True)
class ConsoleView:
    """Everything the dispatcher's coverage panel shows."""

    types: tuple[TypeCoverage, ...]
    proposals: tuple[Proposal, ...]
    moves: tuple[ActiveMove, ...]
    layers: tuple[Layer, ...]
    model: str
    compute_ms: float

    def to_dict(self) -> dict[str, Any]:
        return {"routing": self.model, "unit_types": [t.to_dict() for t in self.types],
                "proposals": [p.to_dict() for p in self.proposals], "moves": [m.to_dict() for m in self.moves],
                "compute_ms": round(self.compute_ms, 1)}


def _proposal(row: Mapping[str, Any]) -> Proposal:
    moves = tuple(ProposedMove(
        unit_id=int(m["unit_id"]), callsign=str(m.get("callsign") or ""), from_kecamatan=m.get("from_kecamatan"),
        post_id=str(m["post_id"]), post_name=str(m["post_name"]), post_kind=str(m.get("post_kind") or "station"),
        post_kecamatan=m.get("post_kecamatan"), lon=float(m["lon"]), lat=float(m["lat"]),
        travel_s=float(m["travel_s"]), gain_share=float(m.get("gain_share") or 0.0)) for m in row["moves"])
    return Proposal(id=int(row["id"]), unit_type=str(row["unit_type"]), status=str(row["status"]), moves=moves,
                    demand=str(row["demand"]), threshold_min=float(row["threshold_min"]),
                    baseline_share=float(row["baseline_share"]), uncovered_before=float(row["uncovered_before"]),
                    uncovered_after=float(row["uncovered_after"]), proposed_at=row["proposed_at"],
                    decided_at=row["decided_at"], decided_by=row["decided_by"], reason=row["reason"])


def _geometry(geom: Any) -> dict[str, Any] | None:
    if geom is None or geom.is_empty:
        return None
    simple = shapely.set_precision(geom.simplify(DRAW_TOLERANCE_DEG, preserve_topology=True), 1e-5)
    if simple.is_empty:
        return None
    out: dict[str, Any] = mapping(simple)
    return out


@dataclass(frozen=True)
class _Live:
    """One type's coverage computed for the console (internal)."""

    summary: TypeCoverage
    coverage: lc.LiveCoverage
    baseline: NDArray[np.bool_]
    weights: NDArray[np.float64]


def _live_type(db: Database, res: Resources, rows: Sequence[Mapping[str, Any]], unit_type: str,
               cfg: CoverageSettings, hole_rows: Mapping[str, Mapping[str, Any]], *, now: datetime) -> _Live:
    graph = res.graph()
    cells = demand_cells(res)
    minutes = cfg.threshold(unit_type)
    units = [p for p in (_position(r) for r in rows if r["unit_type"] == unit_type) if p is not None]
    inc = incident_demand(db, res, unit_type, now=now)
    pop = population_demand(res)
    cov = lc.live_coverage(graph, cells, units, unit_type=unit_type, threshold_min=minutes,
                           incidents=inc, population=pop)
    kind, weights = mu.demand_weights(cells, incidents=_enough(inc, cfg), population=pop, demand=cfg.demand)
    baseline = _baseline_uncovered(res, rows, unit_type, minutes)
    share, base = _share(weights, cov.uncovered), _share(weights, baseline)
    unc_w = cells.area_totals(np.where(cov.uncovered, weights, 0.0))
    base_w = cells.area_totals(np.where(baseline, weights, 0.0))
    tot_w = cells.area_totals(weights)
    areas = tuple(AreaShare(name, float(unc_w[a] / tot_w[a]) if tot_w[a] > 0 else 0.0,
                            float(base_w[a] / tot_w[a]) if tot_w[a] > 0 else 0.0)
                  for a, name in enumerate(cells.area_names))
    hole = share - base > cfg.trigger_share or any(
        a.uncovered_share - a.baseline_share > cfg.area_trigger_share for a in areas)
    since = None
    known = hole_rows.get(unit_type)
    if hole:
        if known is None or abs(float(known["share"]) - share) > 1e-3:
            known = store.open_hole(db, unit_type, share=share, available_statuses=lc.AVAILABLE_STATUSES)
        since = known["since"]
    elif known is not None:
        store.close_hole(db, unit_type)
    summary = TypeCoverage(
        unit_type=unit_type, threshold_min=minutes, model=str(graph.model), demand=kind, uncovered_share=share,
        baseline_share=base, hole=hole, since=since, land_share=cov.land.share,
        population_share=cov.population.share if cov.population is not None else None,
        incident_share=cov.incidents.share if cov.incidents is not None and cov.incidents.total > 0 else None,
        available_n=len(cov.units), units_n=sum(1 for r in rows if r["unit_type"] == unit_type), areas=areas,
        notes=cov.notes)
    return _Live(summary=summary, coverage=cov, baseline=baseline, weights=weights)


def _sync_proposal(db: Database, res: Resources, rows: Sequence[Mapping[str, Any]], live: _Live,
                   cfg: CoverageSettings, open_row: Mapping[str, Any] | None) -> Proposal | None:
    """Keep the type's open proposal in step with the situation: keep, expire, or propose anew."""
    unit_type = live.summary.unit_type
    situation = _situation(rows, unit_type)
    by_id = {int(r["id"]): r for r in rows}
    if open_row is not None:
        still = live.summary.hole and open_row["situation"] == situation and all(
            by_id.get(int(m["unit_id"]), {}).get("status") == "available" for m in open_row["moves"])
        if still:
            return _proposal(open_row)
        store.expire_proposal(db, int(open_row["id"]))
    if not (cfg.advice and live.summary.hole) or store.was_dismissed(db, unit_type, situation):
        return None
    advice = advise(db, res, rows, unit_type, cfg)
    if advice.status != "proposed" or not _hole_expected(advice, live.summary, cfg):
        return None
    callsign = {int(r["id"]): str(r["callsign"]) for r in rows}
    moves = [{"unit_id": int(m.unit_id), "callsign": callsign.get(int(m.unit_id), ""), "from_kecamatan": m.from_area,
              "post_id": str(m.post_id), "post_name": m.post_name, "post_kind": m.post_kind,
              "post_kecamatan": m.to_area, "lon": m.to_lon, "lat": m.to_lat, "travel_s": round(m.travel_s, 1),
              "gain_share": round(m.gain_share, 5)} for m in advice.moves]
    row = store.insert_proposal(
        db, unit_type=unit_type, situation=situation, moves=moves, demand=advice.demand,
        threshold_min=advice.threshold_min, baseline_share=live.summary.baseline_share,
        uncovered_before=advice.uncovered_before, uncovered_after=advice.uncovered_after,
        event_data={"unit_type": unit_type, "moves": moves, "demand": advice.demand,
                    "threshold_min": advice.threshold_min, "baseline_share": round(live.summary.baseline_share, 5),
                    "uncovered_before": round(advice.uncovered_before, 5),
                    "uncovered_after": round(advice.uncovered_after, 5), "method": advice.method,
                    "optimal": advice.optimal, "routing": advice.model})
    if row is None:  # another worker proposed at the same moment: show theirs
        theirs = [r for r in store.open_proposals(db) if r["unit_type"] == unit_type]
        return _proposal(theirs[0]) if theirs else None
    return _proposal(row)


def _hole_expected(advice: mu.MoveAdvice, summary: TypeCoverage, cfg: CoverageSettings) -> bool:
    """Whether the hole is still open once the units already moving reach their posts (the advice
    counts them there): otherwise the moves under way fill it and nothing more is proposed."""
    usual = {a.kecamatan: a.baseline_share for a in summary.areas}
    return advice.uncovered_before - summary.baseline_share > cfg.trigger_share or any(
        a.uncovered_before - usual.get(a.area, 0.0) > cfg.area_trigger_share for a in advice.areas)


def advise(db: Database, res: Resources, rows: Sequence[Mapping[str, Any]], unit_type: str,
           cfg: CoverageSettings) -> mu.MoveAdvice:
    """Move-up advice for ``unit_type`` with units moving to a post counted at their destination.

    Whether there is a hole to fill is decided by the caller (:func:`console`): the model is
    asked for the best moves whatever the uncovered share (no trigger of its own).
    """
    graph = res.graph()
    cells = demand_cells(res)
    mine = [r for r in rows if r["unit_type"] == unit_type]
    posts = post_set(db, res, unit_type, cfg, [int(r["home_facility_id"]) for r in mine
                                                if r["home_facility_id"] is not None])
    units = [p for p in (_position(r, at_destination=True) for r in mine) if p is not None]
    return mu.advise_moves(graph, cells, posts, units, unit_type=unit_type,
                           incidents=_enough(incident_demand(db, res, unit_type), cfg),
                           population=population_demand(res),
                           demand=cfg.demand, k=cfg.k, trigger_share=0.0, baseline_share=0.0,
                           min_gain_share=cfg.min_gain_share, area_min_share=cfg.area_min_share)


def console(db: Database, res: Resources, *, layer_types: Iterable[str] = (), now: datetime | None = None
            ) -> ConsoleView:
    """Live coverage of every configured unit type, the open move-up proposals (proposed anew
    when a commitment opens a hole), the moves under way and the map layers of ``layer_types``."""
    t0 = time.perf_counter()
    when = now or datetime.now(UTC)
    cfg = settings(db)
    rows = store.fleet(db, cfg.unit_types)
    hole_rows = store.holes(db)
    open_rows = {str(r["unit_type"]): r for r in store.open_proposals(db)}
    wanted = set(layer_types)
    types, proposals, layers = [], [], []
    for unit_type in cfg.unit_types:
        live = _live_type(db, res, rows, unit_type, cfg, hole_rows, now=when)
        types.append(live.summary)
        prop = _sync_proposal(db, res, rows, live, cfg, open_rows.get(unit_type))
        if prop is not None:
            proposals.append(prop)
        if unit_type in wanted:
            new_hole = live.coverage.uncovered & ~live.baseline
            cells = live.coverage.cells
            layers.append(Layer(unit_type=unit_type,
                                hole=_geometry(_lonlat_polygon(cells, new_hole)) if new_hole.any() else None,
                                structural=_geometry(_lonlat_polygon(cells, live.baseline))
                                if live.baseline.any() else None))
    moves = tuple(ActiveMove(unit_id=int(r["id"]), callsign=str(r["callsign"]), unit_type=str(r["unit_type"]),
                             post_id=str(r["move_post_id"]), post_name=str(r["move_post_name"]),
                             lon=float(r["move_lon"]), lat=float(r["move_lat"]), travel_s=r["move_travel_s"],
                             started_at=r["move_started_at"]) for r in rows if r["move_id"] is not None)
    _refresh_today(db, res, cfg, when)
    return ConsoleView(types=tuple(types), proposals=tuple(proposals), moves=moves, layers=tuple(layers),
                       model=str(res.graph().model), compute_ms=(time.perf_counter() - t0) * 1000)


def _lonlat_polygon(cells: lc.DemandCells, mask: NDArray[np.bool_]) -> Any:
    from planning._proj import geom_to_lonlat

    return geom_to_lonlat(cells.polygon_utm(mask))


@dataclass(frozen=True)
class LiveView:
    """The live coverage of one unit type, for the API: the summary and the uncovered cells."""

    summary: TypeCoverage
    coverage: dict[str, Any]
    uncovered_cells: dict[str, Any] | None
    hole: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        return {**self.summary.to_dict(), "coverage": self.coverage, "uncovered_cells": self.uncovered_cells,
                "hole_geometry": self.hole}


def live(db: Database, res: Resources, unit_type: Any, *, with_cells: bool = False) -> LiveView:
    """Live coverage of one unit type now (also updates the type's hole record).

    Raises
    ------
    ValidationFailed
        Not a configured unit type.
    """
    cfg = settings(db)
    if unit_type not in cfg.unit_types:
        raise fail("unit_type", "jenis unit tanpa lapisan cakupan", "not a unit type with a coverage layer")
    rows = store.fleet(db, cfg.unit_types)
    result = _live_type(db, res, rows, str(unit_type), cfg, store.holes(db), now=datetime.now(UTC))
    new_hole = result.coverage.uncovered & ~result.baseline
    cells = result.coverage.cells
    return LiveView(summary=result.summary, coverage=result.coverage.to_dict(),
                    uncovered_cells=result.coverage.uncovered_cells() if with_cells else None,
                    hole=_geometry(_lonlat_polygon(cells, new_hole)) if new_hole.any() else None)


def open_proposals(db: Database) -> list[Proposal]:
    """The open move-up proposals (as the console last computed them)."""
    return [_proposal(r) for r in store.open_proposals(db)]


# --- decisions -------------------------------------------------------------------------------------------------
class MoveUpConflictError(ConflictError):
    """A move-up decision that the current state refuses (worded for pages and the API)."""

    def __init__(self, message: str, *, reason: str, message_id: str, message_en: str,
                 callsign: str | None = None) -> None:
        super().__init__(message, reason=reason, callsign=callsign)
        self.message_id = message_id
        self.message_en = message_en


def _closed(proposal_id: int, status: str) -> MoveUpConflictError:
    return MoveUpConflictError(
        f"move-up proposal {proposal_id} is no longer open (status: {status})", reason="proposal_closed",
        message_id=f"usulan #{proposal_id} sudah tidak berlaku",
        message_en=f"proposal #{proposal_id} is no longer open")


@dataclass(frozen=True)
class MoveStarted:
    """A unit that was sent to a post (status ``moving_to_post``)."""

    unit_id: int
    callsign: str
    post_id: str
    post_name: str
    lon: float
    lat: float
    travel_s: float | None
    started_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"unit_id": self.unit_id, "callsign": self.callsign, "status": "moving_to_post",
                "post_id": self.post_id, "post_name": self.post_name, "lon": self.lon, "lat": self.lat,
                "travel_s": self.travel_s, "started_at": self.started_at.isoformat()}


def _start_move(cur: Any, unit: Mapping[str, Any], *, post_id: str, post_name: str, lon: float, lat: float,
                travel_s: float | None, proposal_id: int | None, at: datetime, actor: Actor) -> MoveStarted:
    if unit["status"] != "available" or store.has_active_assignment(cur, int(unit["id"])):
        raise UnitNotAvailableError(f"unit {unit['callsign']} is not available (status: {unit['status']})",
                                    callsign=unit["callsign"], status=unit["status"])
    store.insert_move(cur, unit_id=int(unit["id"]), proposal_id=proposal_id, post_id=post_id, post_name=post_name,
                      lon=lon, lat=lat, travel_s=travel_s, at=at, actor=actor.name)
    store_incidents.set_unit_status(cur, int(unit["id"]), "moving_to_post", at)
    store_incidents.append_event(cur, kind="unit_moving_to_post", at=at, unit_id=int(unit["id"]), actor=actor.name,
                                 actor_user_id=actor.user_id,
                                 data={"from": unit["status"], "to": "moving_to_post", "callsign": unit["callsign"],
                                       "post_id": post_id, "post_name": post_name, "lon": lon, "lat": lat,
                                       "travel_s": travel_s, "proposal_id": proposal_id})
    return MoveStarted(unit_id=int(unit["id"]), callsign=str(unit["callsign"]), post_id=post_id, post_name=post_name,
                       lon=lon, lat=lat, travel_s=travel_s, started_at=at)


def accept_proposal(db: Database, proposal_id: int, actor: Actor) -> list[MoveStarted]:
    """Accept an open proposal in one action: every unit in it gets ``moving_to_post``.

    Raises
    ------
    NotFoundError
        No such proposal.
    MoveUpConflictError
        The proposal is no longer open.
    UnitNotAvailableError
        A unit of it is no longer available (the proposal expires; nothing is moved).
    """
    with db.transaction() as cur:
        row = store.lock_proposal(cur, proposal_id)
        if row["status"] != "open":
            raise _closed(proposal_id, str(row["status"]))
        ids = [int(m["unit_id"]) for m in row["moves"]]
        units = store_incidents.lock_units(cur, ids)
        at = store.now(cur)
        for m in row["moves"]:
            unit = units[int(m["unit_id"])]
            if unit["status"] != "available" or store.has_active_assignment(cur, int(unit["id"])):
                store.expire_proposal_in(cur, proposal_id)
                break
        else:
            started = [_start_move(cur, units[int(m["unit_id"])], post_id=str(m["post_id"]),
                                   post_name=str(m["post_name"]), lon=float(m["lon"]), lat=float(m["lat"]),
                                   travel_s=m.get("travel_s"), proposal_id=proposal_id, at=at, actor=actor)
                       for m in row["moves"]]
            store.decide_proposal(cur, proposal_id, status="accepted", actor=actor.name, actor_user_id=actor.user_id)
            store_incidents.append_event(
                cur, kind="move_up_accepted", at=at, unit_id=ids[0] if ids else None, actor=actor.name,
                actor_user_id=actor.user_id,
                data={"proposal_id": proposal_id, "unit_type": row["unit_type"], "moves": row["moves"],
                      "uncovered_before": row["uncovered_before"], "uncovered_after": row["uncovered_after"]})
            return started
    unit = units[int(m["unit_id"])]
    raise UnitNotAvailableError(f"unit {unit['callsign']} is not available (status: {unit['status']}); "
                                f"the proposal has expired", callsign=unit["callsign"], status=unit["status"])


def dismiss_proposal(db: Database, proposal_id: int, reason: Any, actor: Actor, *, note: Any = None) -> Proposal:
    """Dismiss an open proposal with a reason (one of :data:`DISMISS_REASONS`) and an optional note.

    The same proposal is not made again while the same units are committed.

    Raises
    ------
    ValidationFailed
        Unknown reason, note too long.
    NotFoundError, MoveUpConflictError
        No such proposal; no longer open.
    """
    errors: list[FieldError] = []
    if reason not in DISMISS_REASONS:
        errors.append(FieldError("reason", "pilih alasan", f"one of {', '.join(DISMISS_REASONS)}"))
    note_v = None
    if note not in (None, ""):
        if not isinstance(note, str) or len(note) > MAX_NOTE_CHARS or "\x00" in note:
            errors.append(FieldError("note", f"paling banyak {MAX_NOTE_CHARS} karakter",
                                     f"at most {MAX_NOTE_CHARS} characters"))
        else:
            note_v = note.strip() or None
    if errors:
        raise ValidationFailed(errors)
    with db.transaction() as cur:
        row = store.lock_proposal(cur, proposal_id)
        if row["status"] != "open":
            raise _closed(proposal_id, str(row["status"]))
        store.decide_proposal(cur, proposal_id, status="dismissed", actor=actor.name, actor_user_id=actor.user_id,
                              reason=str(reason), note=note_v)
        moves = row["moves"]
        store_incidents.append_event(
            cur, kind="move_up_dismissed", unit_id=int(moves[0]["unit_id"]) if moves else None, actor=actor.name,
            actor_user_id=actor.user_id,
            data={"proposal_id": proposal_id, "unit_type": row["unit_type"], "reason": reason, "note": note_v,
                  "moves": moves})
    return _proposal(store.proposal(db, proposal_id))


def move_unit(db: Database, res: Resources, unit_id: int, post_id: Any, actor: Actor) -> MoveStarted:
    """Send an available unit to one of its type's posts without a proposal (dispatcher's choice).

    Raises
    ------
    ValidationFailed
        Not a post of the unit's type.
    NotFoundError, UnitNotAvailableError
        No such unit; not available.
    """
    rows = [r for r in store.fleet(db, [str(t["code"]) for t in store_incidents.unit_types(db)])
            if int(r["id"]) == unit_id]
    if not rows:
        raise NotFoundError(f"unit {unit_id} does not exist")
    row = rows[0]
    cfg = settings(db)
    homes = [int(row["home_facility_id"])] if row["home_facility_id"] is not None else []
    posts = {p.post_id: p for p in posts_for(db, res, str(row["unit_type"]), homes)}
    post = posts.get(post_id) if isinstance(post_id, str) else None
    if post is None:
        raise fail("post_id", "bukan pos untuk jenis unit ini", "not a post of this unit's type")
    travel_s = None
    if row["lon"] is not None and str(row["unit_type"]) in cfg.unit_types:
        travel_s = _travel_to_post(res, row, post)
    with db.transaction() as cur:
        unit = store_incidents.lock_units(cur, [unit_id])[unit_id]
        return _start_move(cur, unit, post_id=str(post.post_id), post_name=post.name, lon=post.lon, lat=post.lat,
                           travel_s=travel_s, proposal_id=None, at=store.now(cur), actor=actor)


def _travel_to_post(res: Resources, row: Mapping[str, Any], post: Post) -> float | None:
    from routing._errors import RoutingError
    from routing.travel import route

    try:
        return float(route(res.graph(), (float(row["lon"]), float(row["lat"])), (post.lon, post.lat)).eta_s)
    except RoutingError:
        return None


@dataclass(frozen=True)
class Arrival:
    """A unit that arrived at its post and is available there."""

    unit_id: int
    callsign: str
    post_id: str
    post_name: str
    lon: float
    lat: float
    at: datetime
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {"unit_id": self.unit_id, "callsign": self.callsign, "status": "available", "post_id": self.post_id,
                "post_name": self.post_name, "lon": self.lon, "lat": self.lat, "at": self.at.isoformat(),
                "source": self.source}


def arrive(db: Database, unit_id: int, actor: Actor, *, source: str = "crew",
           distance_m: float | None = None) -> Arrival:
    """The unit reached its post: it becomes available there and the post is its position.

    Raises
    ------
    NotFoundError
        No such unit.
    MoveUpConflictError
        The unit is not moving to a post.
    """
    with db.transaction() as cur:
        unit = store_incidents.lock_units(cur, [unit_id])[unit_id]
        move = store.lock_open_move(cur, unit_id)
        if unit["status"] != "moving_to_post" or move is None:
            raise MoveUpConflictError(
                f"unit {unit['callsign']} is not moving to a post (status: {unit['status']})",
                reason="not_moving", callsign=unit["callsign"],
                message_id=f"{unit['callsign']} tidak sedang menuju pos", message_en=f"{unit['callsign']} is not "
                                                                                     "moving to a post")
        at = store.now(cur)
        store.end_move(cur, int(move["id"]), outcome="arrived", at=at)
        store.place_unit(cur, unit_id, status="available", lon=float(move["lon"]), lat=float(move["lat"]), at=at,
                         source="post")
        data: dict[str, Any] = {"from": "moving_to_post", "to": "available", "callsign": unit["callsign"],
                                "post_id": move["post_id"], "post_name": move["post_name"], "source": source,
                                "move_id": int(move["id"])}
        if distance_m is not None:
            data["distance_m"] = round(float(distance_m), 1)
        store_incidents.append_event(cur, kind="unit_at_post", at=at, unit_id=unit_id, actor=actor.name,
                                     actor_user_id=actor.user_id, data=data)
    return Arrival(unit_id=unit_id, callsign=str(unit["callsign"]), post_id=str(move["post_id"]),
                   post_name=str(move["post_name"]), lon=float(move["lon"]), lat=float(move["lat"]), at=at,
                   source=source)


def arrival_from_position(db: Database, unit_id: int, lon: float, lat: float, *, source: str = "gps"
                          ) -> Arrival | None:
    """After a position fix: a unit moving to a post whose fix lies within the arrival radius
    of the post arrives there (:func:`arrive`); otherwise nothing happens."""
    near = store.move_near(db, unit_id, lon, lat)
    if near is None:
        return None
    if float(near["distance_m"]) > settings(db).arrival_radius_m:
        return None
    try:
        return arrive(db, unit_id, Actor(f"gps:{source}", None), source="gps", distance_m=float(near["distance_m"]))
    except MoveUpConflictError:
        return None  # arrived or redirected meanwhile


# --- the crew ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CrewMove:
    """A crew's move to a post: the destination and the route from the unit's position."""

    unit_id: int
    callsign: str
    post_id: str
    post_name: str
    lon: float
    lat: float
    travel_s: float | None
    started_at: datetime
    unit_lon: float | None
    unit_lat: float | None
    route: dict[str, Any] | None
    route_error: str | None = None


def crew_move(db: Database, res: Resources, unit_id: int) -> CrewMove | None:
    """The unit's move to a post under way with its route, or None when it is not moving to a post."""
    from routing._errors import RoutingError
    from routing.travel import route as quickest

    move = store.open_move(db, unit_id)
    if move is None or move["status"] != "moving_to_post":
        return None
    found, error = None, None
    if move["unit_lon"] is None:
        error = "no_position"
    else:
        try:
            r = quickest(res.graph(), (float(move["unit_lon"]), float(move["unit_lat"])),
                         (float(move["lon"]), float(move["lat"])))
            found = {"model": r.model, "eta_s": r.eta_s, "distance_m": r.distance_m,
                     "geometry": {"type": "LineString",
                                  "coordinates": [[round(x, 6), round(y, 6)] for x, y in r.geometry.coords]}}
        except RoutingError:
            error = "no_route"
    return CrewMove(unit_id=unit_id, callsign=str(move["callsign"]), post_id=str(move["post_id"]),
                    post_name=str(move["post_name"]), lon=float(move["lon"]), lat=float(move["lat"]),
                    travel_s=move["travel_s"], started_at=move["started_at"],
                    unit_lon=None if move["unit_lon"] is None else float(move["unit_lon"]),
                    unit_lat=None if move["unit_lat"] is None else float(move["unit_lat"]), route=found,
                    route_error=error)


# --- standby posts ----------------------------------------------------------------------------------------------
def standby_posts(db: Database, *, include_retired: bool = False) -> list[dict[str, Any]]:
    """Standby posts (``post_id`` ``s<id>``), active ones unless ``include_retired``."""
    return [{**r, "post_id": f"s{r['id']}"} for r in store.standby_posts(db, include_retired=include_retired)]


def posts(db: Database, res: Resources, unit_type: Any) -> list[dict[str, Any]]:
    """The posts of a unit type (stations and standby posts) with whether each joins the network."""
    known = {str(t["code"]) for t in store_incidents.unit_types(db)}
    if unit_type not in known:
        raise fail("unit_type", "jenis unit tidak dikenal", "unknown unit type")
    homes = [int(r["home_facility_id"]) for r in store.fleet(db, [str(unit_type)]) if r["home_facility_id"]]
    return [{"post_id": p.post_id, "name": p.name, "kind": p.kind, "lon": p.lon, "lat": p.lat}
            for p in posts_for(db, res, str(unit_type), homes)]


def add_standby_post(db: Database, data: Any, actor: Actor) -> dict[str, Any]:
    """Add a standby post ``{name, lat, lon, unit_types?, note?, location_confidence?}``; audited.

    Raises
    ------
    ValidationFailed
        Bad name, a point outside the city, unknown unit types.
    ConflictError
        The name is taken.
    """
    from incidents import validation

    if not isinstance(data, Mapping):
        raise fail("body", "harus berupa objek", "must be an object")
    errors: list[FieldError] = []
    extra = sorted(set(data) - {"name", "lat", "lon", "unit_types", "note", "location_confidence"})
    if extra:
        errors.append(FieldError(extra[0], "kolom tidak dikenal", "unknown field"))
    name = data.get("name")
    if not isinstance(name, str) or not 2 <= len(name.strip()) <= 200 or "\x00" in name:
        errors.append(FieldError("name", "2 sampai 200 karakter", "2 to 200 characters"))
    point = None
    try:
        point = validation.coordinates(data.get("lat"), data.get("lon"))
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    types = data.get("unit_types", [])
    known = {str(t["code"]) for t in store_incidents.unit_types(db)}
    if not isinstance(types, list) or not all(isinstance(t, str) and t in known for t in types):
        errors.append(FieldError("unit_types", "daftar jenis unit yang dikenal", "a list of known unit types"))
    note = data.get("note") or ""
    if not isinstance(note, str) or len(note) > MAX_NOTE_CHARS:
        errors.append(FieldError("note", f"paling banyak {MAX_NOTE_CHARS} karakter",
                                 f"at most {MAX_NOTE_CHARS} characters"))
    confidence = data.get("location_confidence", "approximate")
    if confidence not in ("surveyed", "high", "medium-high", "medium", "low", "approximate"):
        errors.append(FieldError("location_confidence", "tingkat tidak dikenal", "unknown confidence"))
    if errors:
        raise ValidationFailed(errors)
    assert point is not None and isinstance(name, str)
    row = store.add_standby_post(db, name=name.strip(), unit_types=list(types), lon=point[0], lat=point[1],
                                 confidence=str(confidence), note=str(note), actor=actor.name,
                                 actor_user_id=actor.user_id)
    return {**row, "post_id": f"s{row['id']}"}


def retire_standby_post(db: Database, post_id: int, actor: Actor) -> dict[str, Any]:
    row = store.retire_standby_post(db, post_id, actor=actor.name, actor_user_id=actor.user_id)
    return {**row, "post_id": f"s{row['id']}"}


# --- uncovered time ------------------------------------------------------------------------------------------
def _change(row: Mapping[str, Any], unit_id: int, home: str | None) -> tuple[bool, str | None] | None:
    """(available, post) after one event, or None when it does not change availability."""
    kind = row["kind"]
    if kind == "unit_dispatched":
        return False, home
    if kind in ("unit_cleared", "unit_unassigned"):
        return True, home
    if kind == "unit_at_post":
        return True, row["post_id"] or home
    if kind == "unit_status":
        to = row["to_status"] or row["status_field"]
        if to in ("available", "cleared"):
            return True, home
        if to == "out_of_service":
            return False, home
    return None


def availability_changes(db: Database, unit_type: str, start: datetime, end: datetime
                         ) -> tuple[list[AvailabilityChange], dict[int | str, int | str]]:
    """The type's availability changes in ``[start, end)`` from the event history, and where each
    unit was available at ``start`` (its last change before; a unit with none is at its home station)."""
    units = store.units_of_type(db, unit_type)
    home = {int(u["id"]): (f"f{u['home_facility_id']}" if u["home_facility_id"] is not None else None)
            for u in units}
    inside, before = store.availability_events(db, unit_type, AVAILABILITY_KINDS, start, end)
    initial: dict[int | str, int | str] = {uid: post for uid, post in home.items() if post is not None}
    for row in before:
        uid = int(row["unit_id"])
        change = _change(row, uid, home.get(uid))
        if change is None:
            continue
        available, post = change
        if available and post is not None:
            initial[uid] = post
        else:
            initial.pop(uid, None)
    changes = []
    for row in inside:
        uid = int(row["unit_id"])
        change = _change(row, uid, home.get(uid))
        if change is not None:
            changes.append(AvailabilityChange(uid, row["at"], change[0], change[1]))
    return changes, initial


def uncovered_time(db: Database, res: Resources, start: datetime, end: datetime, unit_type: Any
                   ) -> UncoveredTimeKpi:
    """Per WITA day and kecamatan, the share of time its land was beyond the type's target.

    Replays the event history (dispatch, clearing, unassignment, status changes, arrivals at
    posts; imported history included) with every available unit at its post; the period ends at
    now at the latest. Today's figures are kept for pages without the travel network.

    Raises
    ------
    ValidationFailed
        Unknown unit type, naive times, an empty or too long period.
    """
    known = {str(t["code"]) for t in store_incidents.unit_types(db)}
    if unit_type not in known:
        raise fail("unit_type", "jenis unit tidak dikenal", "unknown unit type")
    if start.tzinfo is None or end.tzinfo is None:
        raise fail("from", "waktu harus dengan zona waktu", "times must carry a time zone")
    now = datetime.now(UTC)
    end = min(end, now)
    if end <= start:
        raise fail("to", "periode harus berakhir setelah dimulai (dan tidak di masa depan)",
                   "the period must end after it starts (and not in the future)")
    cfg = settings(db)
    homes = [int(u["home_facility_id"]) for u in store.units_of_type(db, str(unit_type)) if u["home_facility_id"]]
    ps = post_set(db, res, str(unit_type), cfg, homes)
    changes, initial = availability_changes(db, str(unit_type), start, end)
    try:
        kpi = uncovered_time_kpi(ps, demand_cells(res), changes, start=start, end=end, initial=initial,
                                 tz="Asia/Makassar")
    except InvalidParameterError as exc:
        raise fail("from", "periode tidak sah", str(exc)) from exc
    if now - end < timedelta(minutes=5):
        _save_last_day(db, kpi, computed_through=end)
    return kpi


def _save_last_day(db: Database, kpi: UncoveredTimeKpi, *, computed_through: datetime) -> None:
    if not kpi.days:
        return
    d = len(kpi.days) - 1
    day = kpi.days[d]
    observed = float(kpi.observed_s[d])
    rows = [{"day": day, "unit_type": kpi.unit_type, "kecamatan": "", "share": float(kpi.city_uncovered_share[d]),
             "observed_s": observed}]
    rows += [{"day": day, "unit_type": kpi.unit_type, "kecamatan": area, "share": float(kpi.uncovered_share[d, a]),
              "observed_s": observed} for a, area in enumerate(kpi.areas)]
    store.save_daily(db, rows)


@dataclass(frozen=True)
class TodayShare:
    """Today's (WITA) uncovered-time share of one unit type, city-wide and per kecamatan."""

    unit_type: str
    day: date
    share: float
    by_kecamatan: Mapping[str, float]
    observed_s: float
    computed_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"unit_type": self.unit_type, "day": self.day.isoformat(), "share": round(self.share, 4),
                "kecamatan": {k: round(v, 4) for k, v in self.by_kecamatan.items()},
                "observed_s": round(self.observed_s, 1), "computed_at": self.computed_at.isoformat()}


def _today_start(now: datetime) -> datetime:
    local = now.astimezone(WITA)
    return datetime(local.year, local.month, local.day, tzinfo=WITA)


def _today_from_rows(rows: Sequence[Mapping[str, Any]], unit_type: str, day: date) -> TodayShare | None:
    city = [r for r in rows if r["kecamatan"] == ""]
    if not city:
        return None
    return TodayShare(unit_type=unit_type, day=day, share=float(city[0]["uncovered_share"]),
                      by_kecamatan={str(r["kecamatan"]): float(r["uncovered_share"]) for r in rows if r["kecamatan"]},
                      observed_s=float(city[0]["observed_s"]), computed_at=city[0]["computed_at"])


def uncovered_share_today(db: Database, res: Resources | None = None, *, unit_type: str | None = None
                          ) -> TodayShare | None:
    """Today's city-wide uncovered-time share of the first configured unit type (ambulances by default).

    With ``res`` it is computed from today's events (and kept); without, the figure kept by the
    last computation is returned when it is less than an hour old, else None.
    """
    cfg = settings(db)
    kind = unit_type or (cfg.unit_types[0] if cfg.unit_types else "ambulance")
    now = datetime.now(UTC)
    start = _today_start(now)
    if res is not None:
        kpi = uncovered_time(db, res, start, now, kind)
        if not kpi.days:
            return None
        d = len(kpi.days) - 1
        return TodayShare(unit_type=kind, day=kpi.days[d], share=float(kpi.city_uncovered_share[d]),
                          by_kecamatan={a: float(kpi.uncovered_share[d, i]) for i, a in enumerate(kpi.areas)},
                          observed_s=float(kpi.observed_s[d]), computed_at=now)
    today = _today_from_rows(store.daily(db, start.date(), kind), kind, start.date())
    if today is None or (now - today.computed_at).total_seconds() > TODAY_FRESH_S:
        return None
    return today


def _refresh_today(db: Database, res: Resources, cfg: CoverageSettings, now: datetime) -> None:
    """Recompute today's kept figures of the first unit type when they are older than TODAY_REFRESH_S."""
    if not cfg.unit_types:
        return
    kind = cfg.unit_types[0]
    start = _today_start(now)
    kept = _today_from_rows(store.daily(db, start.date(), kind), kind, start.date())
    if kept is not None and (now - kept.computed_at).total_seconds() < TODAY_REFRESH_S:
        return
    if now - start < timedelta(minutes=1):
        return
    try:
        uncovered_time(db, res, start, now, kind)
    except (ValidationFailed, PlanningError) as exc:  # today's figure is optional for the console
        log.warning("today's uncovered-time share not computed: %s", exc)


def parse_period(start: Any, end: Any) -> tuple[datetime, datetime]:
    """``from``/``to`` as WITA days (``YYYY-MM-DD``, ``to`` inclusive) or ISO times with an offset.

    Raises
    ------
    ValidationFailed
        Unreadable or reversed.
    """
    def one_(value: Any, name: str, *, end_of_day: bool) -> datetime:
        if not isinstance(value, str) or not value.strip():
            raise fail(name, "wajib diisi (YYYY-MM-DD)", "is required (YYYY-MM-DD)")
        text = value.strip()
        try:
            if len(text) == 10:
                d = date.fromisoformat(text)
                moment = datetime(d.year, d.month, d.day, tzinfo=WITA)
                return moment + timedelta(days=1) if end_of_day else moment
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise fail(name, "tanggal tidak terbaca", "unreadable date") from None
        if moment.tzinfo is None:
            raise fail(name, "waktu harus dengan zona waktu", "times must carry a time zone")
        return moment

    first, last = one_(start, "from", end_of_day=False), one_(end, "to", end_of_day=True)
    if last <= first:
        raise fail("to", "harus setelah 'from'", "must be after 'from'")
    return first, last


__all__ = [
    "DISMISS_REASONS", "ActiveMove", "Arrival", "ConsoleView", "CoverageSettings", "CrewMove", "Layer", "LiveView",
    "MoveStarted", "MoveUpConflictError", "Proposal", "ProposedMove", "TodayShare", "TypeCoverage",
    "accept_proposal", "add_standby_post", "advise", "arrival_from_position", "arrive", "availability_changes",
    "console", "crew_move", "demand_cells", "dismiss_proposal", "live", "move_unit", "open_proposals",
    "parse_period", "parse_settings", "posts", "posts_for", "retire_standby_post", "save_settings", "settings",
    "standby_posts", "uncovered_share_today", "uncovered_time",
]
