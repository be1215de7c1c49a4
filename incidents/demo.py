"""Synthetic demo data for Kendari's 112 service: a fleet and a year of calls and incidents.

A pure, vectorised generator (numpy + shapely, no SQL, no Dash). It takes the city's geography,
stations, incident types and response plans as plain data (:class:`DemoInputs`) and returns
column arrays per table (:class:`DemoData`) that ``store.demo`` writes with COPY.

Rows refer to each other by *local index* (position in the other table, ``-1`` for none); the
store turns indexes into serial ids. Times are ``datetime64[us]`` in UTC (``NaT`` = no stamp).
The same inputs, seed and ``now`` give identical arrays.

The model, calibrated on the figures in ``DOMAIN.md`` and documented in ``docs/demo_data.md``:

* volume and mix: yearly counts per incident type; prank + ghost calls ~24 % of all calls;
  invalid and information calls; duplicate calls per incident (many for fires);
  abandoned calls 37 % at the service launch (10 June 2025) decaying to 12 %;
* time: hour-of-day, weekday and month-of-year profiles per type (land fires July–October,
  floods and landslides December–April);
* place: a density field (Kadia core, the old town, the Kendari Barat shore, Poasia); a kelurahan's
  weight is the density integrated over its polygon (area x mean centrality); points are drawn
  inside the polygons by rejection sampling on that density, some around hotspots; land fires
  and landslides favour the open periphery;
* response: the response plan picks the nearest units of the right type (straight line, with a
  chance that the nearest is busy); travel = route length / speed, where the route is the straight
  line x 1.4 circuity, except across Kendari Bay, where it goes round the bay head or over the
  Teluk Kendari bridge, whichever is shorter;
* stamps: answer, processing, turnout, travel, on scene, transport, clear, close; some en-route /
  on-scene stamps are missing on purpose; the most recent incidents are still open at ``now``.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# --- Constants (units in the names) ------------------------------------------------------------
EARTH_RADIUS_M = 6_371_008.8
WITA_OFFSET_S = 8 * 3600
HOURS_PER_YEAR = 365.25 * 24
#: The 112 call centre (NTPD) went live on 10 June 2025, 00:00 WITA.
SERVICE_LAUNCH = datetime(2025, 6, 10, tzinfo=timezone(timedelta(hours=8)))

#: Road distance / straight-line distance in the city.
CIRCUITY = 1.4
#: Mean urban driving speed with lights and sirens, per unit type (km/h).
SPEED_KMH: Mapping[str, float] = {
    "ambulance": 32.0, "fire_engine": 28.0, "water_tanker": 25.0, "rescue": 30.0,
    "police_patrol": 32.0, "bpbd_rescue": 28.0,
}
DEFAULT_SPEED_KMH = 30.0
#: Unit types whose crews wait at the station, ready to roll (shorter turnout).
FAST_TURNOUT_TYPES = frozenset({"ambulance", "fire_engine", "water_tanker", "rescue"})

# Kendari Bay: the route between the north shore (Kota Lama side) and the south shore goes
# round the bay head (where Korumba meets Lalolara) or over the Teluk Kendari bridge
# (Kendari Caddi <-> Lapulu). Points: nearest points of those kelurahan polygons.
BAY_HEAD_LONLAT = (122.533773, -3.977950)
BRIDGE_NORTH_LONLAT = (122.592216, -3.976310)
BRIDGE_SOUTH_LONLAT = (122.587167, -3.980077)
BRIDGE_LENGTH_M = 1_348.0
NORTH_SHORE_KECAMATAN = frozenset({"Kendari", "Kendari Barat"})
SOUTH_SHORE_KECAMATAN = frozenset({"Kambu", "Poasia", "Abeli", "Nambo"})
ZONE_INLAND, ZONE_NORTH, ZONE_SOUTH = 0, 1, 2

#: Centrality: density(p) = floor + sum of weight * exp(-(d / scale)^2) over the centres; a centre
#: is the mean of the kelurahan centroids of its kecamatan. Kadia is the core (between Mandonga
#: and Wua-Wua); the old town (Kota Lama, Kec. Kendari), the Kendari Barat shore and Poasia
#: (Anduonohu, the university; 40,054 people in 2021) are smaller centres. A kelurahan's weight is
#: the integral of the density over its polygon (area x mean density).
CENTRES: tuple[tuple[tuple[str, ...], float, float], ...] = (
    (("Kadia",), 1.0, 2_500.0),
    (("Kendari",), 0.7, 1_500.0),
    (("Kendari Barat",), 0.5, 2_000.0),
    (("Poasia",), 0.35, 2_000.0),
)
DENSITY_FLOOR = 0.05
#: Share of urban incidents drawn around 2 hotspots per kelurahan (markets, junctions ...).
HOTSPOT_SHARE = 0.4
HOTSPOT_SIGMA_M = 250.0
HOTSPOTS_PER_KELURAHAN = 2

# Calls -----------------------------------------------------------------------------------------
#: Abandoned share of all calls: 37 % in the first weeks (2,238 of 5,982), then down to 12 %.
ABANDON_AT_LAUNCH = 0.37
ABANDON_FLOOR = 0.12
ABANDON_DECAY_DAYS = 60.0
#: Time constant of the launch surge of invalid calls (days).
LAUNCH_SURGE_DAYS = 30.0
#: Shares of *all* calls (Jan 2026: 1,028 prank/ghost of 4,336 calls = 23.7 %).
PRANK_GHOST_SHARE = 0.24
PRANK_OF_PRANK_GHOST = 0.45
INVALID_SHARE = 0.06
INFO_SHARE = 0.05
#: Tickets that a second call-taker opened for the same event (closed as 'duplicate').
DUPLICATE_TICKET_SHARE = 0.025
#: A unit crew forgets to press "en route" / "on scene" now and then.
MISSING_EN_ROUTE_P = 0.055
MISSING_ON_SCENE_P = 0.015
#: Chance that the nearest suitable unit is busy, so the 2nd (3rd) nearest goes.
SKIP_NEAREST_P = (0.85, 0.12, 0.03)
#: Emergency incidents still open at ``now`` (the most recent ones), drawn in this range.
OPEN_EMERGENCY_RANGE = (20, 40)
#: ... whose calls are spread over the last hours, so that units are on their way or on scene.
LIVE_WINDOW_S = 3 * 3600.0
OUT_OF_SERVICE_RANGE = (1, 2)

#: Municipal tickets are forwarded to an OPD; the share it closes in the system and the median
#: time it takes (hours). Calibrated so that ~58 % of all tickets end up closed.
AGENCY_CLOSURE: Mapping[str, tuple[float, float]] = {
    "PLN": (0.42, 10.0), "PDAM": (0.30, 48.0), "DLHK": (0.25, 72.0), "PUBLIC_WORKS": (0.15, 168.0),
}
DEFAULT_MUNICIPAL_CLOSURE = (0.30, 72.0)

CALL_CLASSES = ("valid", "prank", "ghost", "invalid", "duplicate", "abandoned", "info")
OUTCOMES = ("resolved", "false_alarm", "prank", "duplicate", "cancelled")
ASSIGNMENT_STATUSES = ("dispatched", "en_route", "on_scene", "transporting", "at_hospital", "cleared")
EVENT_KINDS = (
    "call_received", "call_answered", "incident_created", "unit_dispatched", "unit_en_route",
    "unit_on_scene", "transport_started", "at_hospital", "unit_cleared", "incident_closed",
    "unit_status",
)

_FLAT_WEEK = (1.0,) * 7
_FLAT_YEAR = (1.0,) * 12


@dataclass(frozen=True)
class TypeModel:
    """How often, when and where one incident type happens, and how a response unfolds."""

    per_year: float
    hours: tuple[tuple[float, float, float], ...]   # (centre h, width h, height) bumps
    hours_base: float = 0.3
    weekday: tuple[float, ...] = _FLAT_WEEK         # Monday .. Sunday
    season: tuple[float, ...] = _FLAT_YEAR          # January .. December
    rural_share: float = 0.0
    duplicate_calls: float = 0.1                    # mean extra calls per incident
    on_scene_min: tuple[float, float] = (30.0, 0.5)  # lognormal median minutes, sigma
    transport_p: float = 0.0                        # ambulance takes a patient to hospital
    false_alarm_p: float = 0.05
    prank_p: float = 0.02
    cancelled_p: float = 0.04


_MUNICIPAL_WEEK = (1.15, 1.05, 1.0, 1.0, 0.95, 0.9, 0.85)
_RAINY = (2.2, 2.0, 1.8, 1.5, 1.0, 0.6, 0.3, 0.1, 0.1, 0.2, 0.6, 1.6)

#: Yearly counts at scale 1 (~24,500 tickets/year, ~4,700 calls/month in all); fires ~110/year.
TYPE_MODELS: Mapping[str, TypeModel] = {
    "street_light": TypeModel(5200, ((19.5, 2.0, 2.0), (8.0, 2.0, 0.5)), 0.2, _MUNICIPAL_WEEK,
                              duplicate_calls=0.08, false_alarm_p=0.02, prank_p=0.01, cancelled_p=0.03),
    "power_outage": TypeModel(4300, ((13.0, 3.0, 0.8), (19.0, 2.0, 1.2)), 0.3, _MUNICIPAL_WEEK,
                              (1.15, 1.15, 1.1, 1.05, 1.0, 0.9, 0.85, 0.85, 0.9, 0.95, 1.0, 1.1),
                              duplicate_calls=0.25, false_alarm_p=0.02, prank_p=0.01, cancelled_p=0.03),
    "water_supply": TypeModel(2900, ((7.0, 2.0, 1.5), (17.0, 2.0, 0.6)), 0.2, _MUNICIPAL_WEEK,
                              (0.85, 0.85, 0.85, 0.9, 0.95, 1.0, 1.1, 1.2, 1.3, 1.2, 0.95, 0.85),
                              duplicate_calls=0.2, false_alarm_p=0.02, prank_p=0.01, cancelled_p=0.03),
    "waste": TypeModel(1900, ((9.5, 2.5, 1.4), (15.0, 2.0, 0.6)), 0.15, _MUNICIPAL_WEEK,
                       duplicate_calls=0.05, false_alarm_p=0.02, prank_p=0.01, cancelled_p=0.03),
    "fallen_tree": TypeModel(1500, ((15.5, 2.5, 1.5),), 0.3, _FLAT_WEEK,
                             (1.4, 1.4, 1.3, 1.2, 1.0, 0.9, 0.8, 0.7, 0.6, 0.7, 0.9, 1.2),
                             rural_share=0.3, duplicate_calls=0.3, on_scene_min=(45.0, 0.5)),
    "medical": TypeModel(3300, ((10.0, 3.0, 1.0), (19.0, 2.5, 0.8)), 0.5,
                         (1.05, 1.0, 1.0, 1.0, 1.0, 0.95, 1.0),
                         duplicate_calls=0.1, on_scene_min=(18.0, 0.35), transport_p=0.7,
                         false_alarm_p=0.04, prank_p=0.03),
    "traffic_accident": TypeModel(1800, ((7.5, 1.2, 1.2), (12.5, 1.5, 0.7), (17.0, 1.8, 1.3),
                                         (22.0, 2.0, 0.5)), 0.3,
                                  (0.95, 0.95, 0.95, 1.0, 1.05, 1.1, 1.0),
                                  duplicate_calls=0.5, on_scene_min=(25.0, 0.4), transport_p=0.6),
    "crime": TypeModel(1200, ((21.0, 3.0, 1.5), (1.0, 2.0, 0.8)), 0.4,
                       (0.95, 0.9, 0.9, 0.95, 1.05, 1.2, 1.05),
                       duplicate_calls=0.2, on_scene_min=(35.0, 0.5), false_alarm_p=0.06, prank_p=0.04),
    "disturbance": TypeModel(1500, ((22.0, 2.5, 1.8), (1.0, 1.5, 0.8)), 0.25,
                             (0.85, 0.85, 0.85, 0.9, 1.05, 1.35, 1.15),
                             duplicate_calls=0.3, on_scene_min=(20.0, 0.5), false_alarm_p=0.08, prank_p=0.05),
    "flood": TypeModel(300, ((3.0, 3.0, 0.6), (16.0, 3.0, 1.0)), 0.5, _FLAT_WEEK, _RAINY,
                       rural_share=0.15, duplicate_calls=0.6, on_scene_min=(90.0, 0.6)),
    "landslide": TypeModel(90, ((4.0, 3.0, 0.6), (16.0, 3.0, 0.8)), 0.5, _FLAT_WEEK,
                           (2.4, 2.2, 1.9, 1.5, 0.9, 0.5, 0.2, 0.1, 0.1, 0.2, 0.6, 1.8),
                           rural_share=0.5, duplicate_calls=0.5, on_scene_min=(120.0, 0.6), transport_p=0.3),
    "animal_rescue": TypeModel(420, ((9.0, 3.0, 0.8), (19.0, 2.0, 1.0)), 0.3,
                               rural_share=0.3, duplicate_calls=0.1, on_scene_min=(30.0, 0.4)),
    "structure_fire": TypeModel(36, ((12.0, 3.0, 0.6), (18.5, 2.0, 1.0)), 0.4, _FLAT_WEEK,
                                (0.9, 0.9, 0.9, 0.9, 0.95, 1.0, 1.1, 1.2, 1.2, 1.15, 0.9, 0.9),
                                duplicate_calls=3.0, on_scene_min=(75.0, 0.5), transport_p=0.15,
                                false_alarm_p=0.12, prank_p=0.02, cancelled_p=0.03),
    "land_fire": TypeModel(74, ((14.0, 2.5, 2.0),), 0.1, _FLAT_WEEK,
                           (0.1, 0.1, 0.1, 0.15, 0.3, 0.5, 1.8, 2.8, 3.2, 2.3, 0.5, 0.15),
                           rural_share=0.9, duplicate_calls=1.5, on_scene_min=(100.0, 0.6),
                           false_alarm_p=0.15, prank_p=0.02, cancelled_p=0.03),
}


@dataclass(frozen=True)
class NuisanceModel:
    """A stream of calls that do not become incidents (prank, ghost, invalid, information)."""

    share: float                                    # of all calls
    hours: tuple[tuple[float, float, float], ...]
    hours_base: float
    weekday: tuple[float, ...] = _FLAT_WEEK
    talk_s: tuple[float, float] = (20.0, 0.6)       # lognormal median seconds, sigma
    no_phone_p: float = 0.0                         # locked phone / no SIM: no number shown
    launch_boost: float = 0.0                       # extra rate on the launch day (x), decaying


NUISANCE_MODELS: Mapping[str, NuisanceModel] = {
    "prank": NuisanceModel(PRANK_GHOST_SHARE * PRANK_OF_PRANK_GHOST, ((15.0, 2.5, 1.2), (20.5, 2.0, 1.2)),
                           0.15, (0.9, 0.9, 0.9, 0.95, 1.0, 1.2, 1.15), (25.0, 0.6), 0.3),
    "ghost": NuisanceModel(PRANK_GHOST_SHARE * (1 - PRANK_OF_PRANK_GHOST), ((11.0, 4.0, 0.8), (19.0, 3.0, 0.8)),
                           0.35, talk_s=(12.0, 0.5), no_phone_p=0.4),
    # the first 20 days had 1,222 invalid calls of 5,982 (curiosity, testing the new number)
    "invalid": NuisanceModel(INVALID_SHARE, ((10.0, 3.0, 1.0), (16.0, 3.0, 0.8)), 0.2, talk_s=(30.0, 0.5),
                             launch_boost=8.0),
    "info": NuisanceModel(INFO_SHARE, ((10.0, 2.5, 1.2), (14.5, 2.0, 0.8)), 0.1, _MUNICIPAL_WEEK,
                          talk_s=(75.0, 0.5)),
}


# --- Inputs and outputs -------------------------------------------------------------------------
@dataclass(frozen=True)
class Kelurahan:
    """A kelurahan polygon with its kecamatan."""

    kode: str
    nama: str
    kecamatan_kode: str
    kecamatan: str
    area_km2: float
    geometry: BaseGeometry


@dataclass(frozen=True)
class Station:
    """A facility that can host units or receive patients."""

    facility_id: int
    name: str
    category: str
    lon: float
    lat: float
    kecamatan: str | None = None


@dataclass(frozen=True)
class IncidentType:
    code: str
    agency_code: str
    default_priority: int
    is_emergency: bool


@dataclass(frozen=True)
class UnitType:
    code: str
    agency_code: str


@dataclass(frozen=True)
class PlanRow:
    """One line of a run card: ``unit_count`` units of ``unit_type`` (or a substitute)."""

    incident_type: str
    unit_type: str
    unit_count: int
    substitutes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoInputs:
    """Everything the generator needs, read from the database by ``store.demo``."""

    kelurahan: tuple[Kelurahan, ...]
    stations: tuple[Station, ...]
    incident_types: tuple[IncidentType, ...]
    unit_types: tuple[UnitType, ...]
    plans: tuple[PlanRow, ...]


Table = dict[str, np.ndarray]


@dataclass(frozen=True)
class DemoData:
    """Generated rows as column arrays, one dict per table (see the module docstring)."""

    start: datetime
    now: datetime
    units: Table
    calls: Table
    incidents: Table
    assignments: Table
    events: Table | None = None
    info: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Row counts per table."""
        out = {name: _nrows(getattr(self, name)) for name in ("units", "calls", "incidents", "assignments")}
        out["events"] = 0 if self.events is None else _nrows(self.events)
        return out

    def check(self) -> None:
        """Raise :class:`DemoDataError` when a reference points outside its table, an incident's
        first call does not point back at it, or a unit has two unfinished assignments."""
        n = self.counts()

        def within(name: str, idx: np.ndarray, size: int, *, optional: bool = True) -> None:
            lo = -1 if optional else 0
            if len(idx) and (idx.min() < lo or idx.max() >= size):
                raise DemoDataError(f"{name}: reference outside 0..{size - 1}")

        inc, calls, asg = self.incidents, self.calls, self.assignments
        within("incidents.call_idx", inc["call_idx"], n["calls"], optional=False)
        within("incidents.duplicate_of", inc["duplicate_of"], n["incidents"])
        within("calls.incident_idx", calls["incident_idx"], n["incidents"])
        if not np.array_equal(calls["incident_idx"][inc["call_idx"]], np.arange(n["incidents"])):
            raise DemoDataError("an incident's first call does not point back at it")
        within("assignments.incident_idx", asg["incident_idx"], n["incidents"], optional=False)
        within("assignments.unit_idx", asg["unit_idx"], n["units"], optional=False)
        busy = asg["unit_idx"][asg["status"] != "cleared"]
        if len(busy) != len(np.unique(busy)):
            raise DemoDataError("a unit has more than one unfinished assignment")
        if self.events is not None:
            ev = self.events
            for key, table in (("incident_idx", "incidents"), ("call_idx", "calls"), ("unit_idx", "units"),
                               ("assignment_idx", "assignments")):
                within(f"events.{key}", ev[key], n[table])


def _nrows(table: Table) -> int:
    return len(next(iter(table.values()))) if table else 0


class DemoInputError(ValueError):
    """The inputs cannot produce demo data (no kelurahan, no incident types ...)."""


class DemoDataError(ValueError):
    """Generated rows are inconsistent (a bug in the generator)."""


# --- Small helpers --------------------------------------------------------------------------------
def haversine_m(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> FloatArray:
    """Great-circle distance in metres (broadcasts)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def zone_of(kecamatan: Sequence[str | None]) -> IntArray:
    """Bay zone per point: north shore, south shore, or inland (round the bay head)."""
    return np.array([ZONE_NORTH if k in NORTH_SHORE_KECAMATAN else ZONE_SOUTH if k in SOUTH_SHORE_KECAMATAN
                     else ZONE_INLAND for k in kecamatan], dtype=np.int64)


def route_m(lon1: FloatArray, lat1: FloatArray, zone1: IntArray,
            lon2: FloatArray, lat2: FloatArray, zone2: IntArray) -> tuple[FloatArray, IntArray]:
    """Road distance estimate (m) and the way taken: 0 direct, 1 round the bay head, 2 bridge.

    Direct: straight line x :data:`CIRCUITY`. Between the north and the south shore of Kendari
    Bay the straight line crosses water, so the shorter of two land routes is taken: via the
    bay head, or via the Teluk Kendari bridge (bridge length added as is).
    """
    direct = haversine_m(lon1, lat1, lon2, lat2) * CIRCUITY
    across = ((zone1 == ZONE_NORTH) & (zone2 == ZONE_SOUTH)) | ((zone1 == ZONE_SOUTH) & (zone2 == ZONE_NORTH))
    if not np.any(across):
        return direct, np.zeros(np.shape(direct), dtype=np.int64)
    hx, hy = BAY_HEAD_LONLAT
    head = (haversine_m(lon1, lat1, hx, hy) + haversine_m(hx, hy, lon2, lat2)) * CIRCUITY
    # enter the bridge at the end on one's own shore
    nx, ny = BRIDGE_NORTH_LONLAT
    sx, sy = BRIDGE_SOUTH_LONLAT
    from_north = zone1 == ZONE_NORTH
    e1x, e1y = np.where(from_north, nx, sx), np.where(from_north, ny, sy)
    e2x, e2y = np.where(from_north, sx, nx), np.where(from_north, sy, ny)
    bridge = (haversine_m(lon1, lat1, e1x, e1y) + haversine_m(e2x, e2y, lon2, lat2)) * CIRCUITY + BRIDGE_LENGTH_M
    way = np.where(across, np.where(bridge < head, 2, 1), 0).astype(np.int64)
    dist = np.where(way == 1, head, np.where(way == 2, bridge, direct))
    return dist, way


def _route_points(lon1: float, lat1: float, lon2: float, lat2: float, way: int,
                  from_north: bool) -> list[tuple[float, float]]:
    if way == 1:
        return [(lon1, lat1), BAY_HEAD_LONLAT, (lon2, lat2)]
    if way == 2:
        ends = [BRIDGE_NORTH_LONLAT, BRIDGE_SOUTH_LONLAT]
        if not from_north:
            ends.reverse()
        return [(lon1, lat1), *ends, (lon2, lat2)]
    return [(lon1, lat1), (lon2, lat2)]


def point_along(points: list[tuple[float, float]], fraction: float) -> tuple[float, float]:
    """The point at ``fraction`` (0..1) of a polyline's length (lon/lat, small distances)."""
    xs = np.array([p[0] for p in points])
    ys = np.array([p[1] for p in points])
    seg = haversine_m(xs[:-1], ys[:-1], xs[1:], ys[1:])
    total = float(seg.sum())
    if total <= 0:
        return points[0]
    target = min(max(fraction, 0.0), 1.0) * total
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    i = int(min(np.searchsorted(cum, target, side="right") - 1, len(seg) - 1))
    f = 0.0 if seg[i] == 0 else (target - cum[i]) / seg[i]
    return float(xs[i] + f * (xs[i + 1] - xs[i])), float(ys[i] + f * (ys[i + 1] - ys[i]))


def _hour_profile(bumps: Sequence[tuple[float, float, float]], base: float) -> FloatArray:
    h = np.arange(24) + 0.5
    prof = np.full(24, base)
    for centre, width, height in bumps:
        d = np.abs(h - centre)
        d = np.minimum(d, 24 - d)
        prof += height * np.exp(-0.5 * (d / width) ** 2)
    return prof / prof.mean()


def _norm(values: Sequence[float]) -> FloatArray:
    arr = np.asarray(values, dtype=float)
    return arr / arr.mean()


def _lognormal(rng: np.random.Generator, median: float | FloatArray, sigma: float | FloatArray,
               size: int) -> FloatArray:
    return np.asarray(median) * np.exp(np.asarray(sigma) * rng.standard_normal(size))


def lookup(values: np.ndarray, mapping: Mapping[Any, float], default: float) -> FloatArray:
    """Map each value of an object array through ``mapping`` (vectorised over unique values)."""
    if len(values) == 0:
        return np.empty(0)
    uniq, inv = np.unique(values.astype(str), return_inverse=True)
    return np.array([mapping.get(u, default) for u in uniq], dtype=float)[inv]


def _months_before(dt: datetime, months: int) -> datetime:
    y, m = divmod(dt.month - 1 - months, 12)
    year, month = dt.year + y, m + 1
    return dt.replace(year=year, month=month, day=min(dt.day, calendar.monthrange(year, month)[1]))


def to_datetime64(epoch_s: FloatArray) -> np.ndarray:
    """Epoch seconds (NaN = missing) to ``datetime64[us]`` (NaT)."""
    out = np.full(np.shape(epoch_s), np.iinfo(np.int64).min, dtype=np.int64)
    ok = ~np.isnan(epoch_s)
    out[ok] = np.round(epoch_s[ok] * 1e6).astype(np.int64)
    return out.astype("datetime64[us]")


# --- The time grid ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Grid:
    """Local (WITA) hour cells covering [start, end)."""

    lo: FloatArray          # epoch s, cell start (clipped to the window)
    span: FloatArray        # s covered
    hour: IntArray          # 0..23 local
    dow: IntArray           # 0 = Monday
    month: IntArray         # 0 = January
    days_since_launch: FloatArray

    def weights(self, hours: FloatArray, weekday: FloatArray, season: FloatArray) -> FloatArray:
        """Expected events per cell for a rate of 1 per year with these profiles."""
        return (self.span / 3600.0) * hours[self.hour] * weekday[self.dow] * season[self.month] / HOURS_PER_YEAR

    def sample(self, rng: np.random.Generator, weights: FloatArray, n: int) -> FloatArray:
        """``n`` epoch times distributed as ``weights`` over the cells (uniform within a cell)."""
        if n == 0:
            return np.empty(0)
        cdf = np.cumsum(weights)
        cell = np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right")
        cell = np.minimum(cell, len(cdf) - 1)
        return self.lo[cell] + rng.random(n) * self.span[cell]


def _grid(start_s: float, end_s: float) -> _Grid:
    first = math.floor((start_s + WITA_OFFSET_S) / 3600)
    last = math.ceil((end_s + WITA_OFFSET_S) / 3600)
    local_hours = np.arange(first, last, dtype=np.int64)
    cell_lo = local_hours * 3600.0 - WITA_OFFSET_S
    lo = np.maximum(cell_lo, start_s)
    hi = np.minimum(cell_lo + 3600.0, end_s)
    days = local_hours // 24
    month = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
    return _Grid(
        lo=lo, span=np.maximum(hi - lo, 0.0), hour=local_hours % 24, dow=(days + 3) % 7, month=month,
        days_since_launch=(lo - SERVICE_LAUNCH.timestamp()) / 86400.0,
    )


def launch_decay(days_since_launch: FloatArray, decay_days: float) -> FloatArray:
    """1 on the launch day, decaying exponentially; 0 before the launch (a hypothetical history
    before 10 June 2025 runs at the steady state)."""
    d = np.asarray(days_since_launch, dtype=float)
    return np.where(d >= 0, np.exp(-np.maximum(d, 0.0) / decay_days), 0.0)


def abandon_share(days_since_launch: FloatArray) -> FloatArray:
    """Abandoned share of all calls, decaying from the launch figure to the floor."""
    return ABANDON_FLOOR + (ABANDON_AT_LAUNCH - ABANDON_FLOOR) * launch_decay(days_since_launch, ABANDON_DECAY_DAYS)


# --- Geography ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Geo:
    centres: tuple[tuple[float, float, float, float], ...]     # lon, lat, weight, scale_m
    urban_w: FloatArray             # integral of the urban density over each kelurahan (normalised)
    rural_w: FloatArray
    urban_max: FloatArray           # max density in each kelurahan (for rejection sampling)
    rural_max: FloatArray
    zone: IntArray
    bounds: FloatArray              # (n, 4)
    hotspots: FloatArray            # (n, HOTSPOTS_PER_KELURAHAN, 2)
    geoms: tuple[BaseGeometry, ...]

    def urban(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """Relative density of people and traffic: high in the core and the old town."""
        f = np.full(np.shape(x), DENSITY_FLOOR)
        for cx, cy, weight, scale_m in self.centres:
            f = f + weight * np.exp(-((haversine_m(x, y, cx, cy) / scale_m) ** 2))
        return f

    def rural(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """Relative density of open land (land fires, landslides): the complement of urban."""
        return np.maximum(1.1 - np.minimum(self.urban(x, y), 1.0), 0.05)


def _centre(kel: Sequence[Kelurahan], names: Sequence[str]) -> tuple[float, float] | None:
    """Mean of the kelurahan centroids of these kecamatan (small, dense kelurahan count as much
    as big, empty ones, so the centre sits where the town is)."""
    pts = [k.geometry.centroid for k in kel if k.kecamatan in names]
    if not pts:
        return None
    return float(np.mean([p.x for p in pts])), float(np.mean([p.y for p in pts]))


def _uniform_in(rng: np.random.Generator, geom: BaseGeometry, bounds: FloatArray, n: int,
                density: Any = None, density_max: float = 1.0) -> FloatArray:
    """``n`` points inside ``geom`` by rejection sampling on its bounding box, uniform or
    (with ``density``) proportional to ``density(x, y)`` bounded by ``density_max``."""
    parts: list[FloatArray] = []
    got = 0
    minx, miny, maxx, maxy = bounds
    box_area = (maxx - minx) * (maxy - miny)
    fill = max(min(geom.area / box_area, 1.0), 0.05) * (0.3 if density is not None else 1.0)
    while got < n:
        m = int((n - got) / fill * 1.2) + 16
        x = minx + rng.random(m) * (maxx - minx)
        y = miny + rng.random(m) * (maxy - miny)
        ok = shapely.contains_xy(geom, x, y)
        if density is not None:
            ok &= rng.random(m) * density_max < density(x, y)
        parts.append(np.column_stack([x[ok], y[ok]]))
        got += int(ok.sum())
    return np.vstack(parts)[:n]


def _geo(kel: Sequence[Kelurahan], rng: np.random.Generator) -> _Geo:
    geoms = tuple(k.geometry for k in kel)
    for g in geoms:
        shapely.prepare(g)
    bounds = np.array([g.bounds for g in geoms], dtype=float)
    centres = []
    for names, weight, scale_m in CENTRES:
        c = _centre(kel, names)
        if c is not None:
            centres.append((c[0], c[1], weight, scale_m))
    geo = _Geo(tuple(centres), np.empty(0), np.empty(0), np.empty(0), np.empty(0), zone_of([k.kecamatan for k in kel]),
               bounds, np.empty(0), geoms)
    # integrate the densities over each polygon (Monte Carlo, 400 points each)
    area = np.array([k.area_km2 for k in kel], dtype=float)
    urban_w, rural_w, urban_max, rural_max = (np.empty(len(kel)) for _ in range(4))
    for i, (g, b) in enumerate(zip(geoms, bounds)):
        pts = _uniform_in(rng, g, b, 400)
        fu, fr = geo.urban(pts[:, 0], pts[:, 1]), geo.rural(pts[:, 0], pts[:, 1])
        urban_w[i], rural_w[i] = area[i] * fu.mean(), area[i] * fr.mean()
        urban_max[i], rural_max[i] = fu.max() * 1.1, fr.max() * 1.1
    hot = np.stack([_uniform_in(rng, g, b, HOTSPOTS_PER_KELURAHAN, geo.urban, m)
                    for g, b, m in zip(geoms, bounds, urban_max)])
    return _Geo(geo.centres, urban_w / urban_w.sum(), rural_w / rural_w.sum(), urban_max, rural_max,
                geo.zone, bounds, hot, geoms)


def _points(rng: np.random.Generator, geo: _Geo, kel_idx: IntArray, hot: BoolArray,
            rural: BoolArray) -> tuple[FloatArray, FloatArray]:
    """A point inside kelurahan ``kel_idx[i]`` for each i, drawn from the urban density (or the
    rural one where ``rural``); ``hot`` ones near one of the kelurahan's hotspots."""
    x = np.empty(len(kel_idx))
    y = np.empty(len(kel_idx))
    sigma_deg = HOTSPOT_SIGMA_M / 111_320.0
    order = np.argsort(kel_idx, kind="stable")
    starts = np.searchsorted(kel_idx[order], np.arange(len(geo.geoms) + 1))
    for k, geom in enumerate(geo.geoms):
        rows = order[starts[k]:starts[k + 1]]
        if len(rows) == 0:
            continue
        h = rows[hot[rows]]
        rest = rows[~hot[rows]]
        if len(h):
            which = rng.integers(0, HOTSPOTS_PER_KELURAHAN, len(h))
            centre = geo.hotspots[k][which]
            hx = centre[:, 0] + rng.standard_normal(len(h)) * sigma_deg
            hy = centre[:, 1] + rng.standard_normal(len(h)) * sigma_deg
            inside = shapely.contains_xy(geom, hx, hy)
            x[h[inside]], y[h[inside]] = hx[inside], hy[inside]
            rest = np.concatenate([rest, h[~inside]])
        for field, fmax, sel in ((geo.urban, geo.urban_max[k], rest[~rural[rest]]),
                                 (geo.rural, geo.rural_max[k], rest[rural[rest]])):
            if len(sel):
                pts = _uniform_in(rng, geom, geo.bounds[k], len(sel), field, fmax)
                x[sel], y[sel] = pts[:, 0], pts[:, 1]
    return x, y


# --- Fleet --------------------------------------------------------------------------------------
def build_fleet(inputs: DemoInputs, rng: np.random.Generator) -> Table:
    """Units at their stations: ambulances at every puskesmas (+2 at hospitals), 7 fire engines
    over the Damkar posts (2 at the main post), 2 water tankers, 2 rescue units, 2-3 police
    patrols per polsek, 3 BPBD rapid-response units."""
    by_cat: dict[str, list[Station]] = {}
    for s in sorted(inputs.stations, key=lambda s: s.facility_id):
        by_cat.setdefault(s.category, []).append(s)
    known_types = {u.code: u.agency_code for u in inputs.unit_types}
    homes: list[tuple[str, str, Station]] = []   # (prefix, unit_type, station)

    def add(prefix: str, unit_type: str, station: Station, count: int = 1) -> None:
        if unit_type in known_types:
            homes.extend((prefix, unit_type, station) for _ in range(count))

    for s in by_cat.get("puskesmas", []):
        add("AMB", "ambulance", s)
    for s in by_cat.get("hospital", [])[:2]:
        add("AMB", "ambulance", s)
    posts = by_cat.get("fire_post", [])
    for i, s in enumerate(posts):
        add("DMK", "fire_engine", s, 2 if i == 0 else 1)
    for i in sorted({0, 3 % len(posts)} if posts else ()):
        add("TNK", "water_tanker", posts[i])
    for i in sorted({0, 1 % len(posts)} if posts else ()):
        add("RSC", "rescue", posts[i])
    for s in by_cat.get("police_station", []):
        add("POL", "police_patrol", s, int(rng.integers(2, 4)))
    bpbd = by_cat.get("bpbd_post", [])
    for i in range(3 if bpbd else 0):
        add("BPBD", "bpbd_rescue", bpbd[i % len(bpbd)])
    if not homes:
        raise DemoInputError("no stations to base units at (facilities table empty?)")

    counters: dict[str, int] = {}
    callsign = []
    for prefix, _, _ in homes:
        counters[prefix] = counters.get(prefix, 0) + 1
        callsign.append(f"{prefix}-{counters[prefix]:02d}")
    stations = [h[2] for h in homes]
    return {
        "callsign": np.array(callsign, dtype=object),
        "unit_type": np.array([h[1] for h in homes], dtype=object),
        "agency_code": np.array([known_types[h[1]] for h in homes], dtype=object),
        "home_facility_id": np.array([s.facility_id for s in stations], dtype=np.int64),
        "home_lon": np.array([s.lon for s in stations]),
        "home_lat": np.array([s.lat for s in stations]),
        "home_zone": zone_of([s.kecamatan for s in stations]),
    }


# --- Dispatch -----------------------------------------------------------------------------------
def _assign_units(rng: np.random.Generator, fleet: Table, inc_type: np.ndarray, inc_lon: FloatArray,
                  inc_lat: FloatArray, eligible: BoolArray,
                  plans: Sequence[PlanRow]) -> tuple[IntArray, IntArray, IntArray]:
    """Pick units per the run cards: the nearest unit(s) of the plan's type by straight line
    (substitutes when the fleet has too few), sometimes the 2nd/3rd nearest (nearest busy).

    Returns incident index, unit index and slot number per assignment.
    """
    utype = fleet["unit_type"]
    by_type: dict[str, list[PlanRow]] = {}
    for p in plans:
        by_type.setdefault(p.incident_type, []).append(p)
    out_inc: list[IntArray] = []
    out_unit: list[IntArray] = []
    out_slot: list[IntArray] = []
    for code in sorted(by_type):
        rows = np.flatnonzero(eligible & (inc_type == code))
        if len(rows) == 0:
            continue
        taken = np.zeros((len(rows), len(utype)), dtype=bool)
        slot = 0
        for plan in sorted(by_type[code], key=lambda p: p.unit_type):
            pool = np.flatnonzero(utype == plan.unit_type)
            if len(pool) < plan.unit_count:
                subs = [np.flatnonzero(utype == s) for s in plan.substitutes]
                pool = np.concatenate([pool, *subs]) if subs else pool
            if len(pool) == 0:
                continue
            dist = haversine_m(inc_lon[rows][:, None], inc_lat[rows][:, None],
                               fleet["home_lon"][pool][None, :], fleet["home_lat"][pool][None, :])
            for _ in range(plan.unit_count):
                d = np.where(taken[:, pool], np.inf, dist)
                order = np.argsort(d, axis=1, kind="stable")
                free = np.isfinite(d).sum(axis=1)
                skip = rng.choice(len(SKIP_NEAREST_P), size=len(rows), p=SKIP_NEAREST_P)
                rank = np.minimum(skip, np.maximum(free - 1, 0))
                pick = pool[order[np.arange(len(rows)), rank]]
                ok = free > 0
                taken[np.flatnonzero(ok), pick[ok]] = True
                out_inc.append(rows[ok])
                out_unit.append(pick[ok])
                out_slot.append(np.full(int(ok.sum()), slot, dtype=np.int64))
                slot += 1
    if not out_inc:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    inc = np.concatenate(out_inc)
    unit = np.concatenate(out_unit)
    slot_arr = np.concatenate(out_slot)
    order = np.lexsort((slot_arr, inc))
    return inc[order], unit[order], slot_arr[order]


@dataclass
class _Chain:
    """Per-assignment stamps (epoch s, NaN = none) and the route facts behind them."""

    assigned: FloatArray
    en_route: FloatArray
    on_scene: FloatArray
    transport: FloatArray
    at_hospital: FloatArray
    cleared: FloatArray
    eta_s: FloatArray
    hospital: IntArray           # station index, -1
    way_out: IntArray            # route to the scene (0 direct, 1 bay head, 2 bridge)
    way_hosp: IntArray


def _local_hour(epoch_s: FloatArray) -> IntArray:
    return (np.floor((epoch_s + WITA_OFFSET_S) / 3600) % 24).astype(np.int64)


def _unit_chain(rng: np.random.Generator, assigned: FloatArray, unit_type: np.ndarray,
                home: tuple[FloatArray, FloatArray, IntArray], scene: tuple[FloatArray, FloatArray, IntArray],
                kind: IntArray, models: Sequence[TypeModel], outcome: np.ndarray,
                hospitals: tuple[FloatArray, FloatArray, IntArray]) -> _Chain:
    """Turnout, travel, on scene, transport and clear for a batch of assignments (vectorised)."""
    n = len(assigned)
    fast = np.isin(unit_type, list(FAST_TURNOUT_TYPES))
    night = np.isin(_local_hour(assigned), [22, 23, 0, 1, 2, 3, 4, 5])
    turnout = np.where(fast, _lognormal(rng, 50.0, 0.35, n), _lognormal(rng, 75.0, 0.4, n))
    turnout = np.clip(turnout * np.where(night & fast, 1.25, 1.0), 15.0, 420.0)
    en_route = assigned + turnout

    speed_ms = lookup(unit_type, SPEED_KMH, DEFAULT_SPEED_KMH) / 3.6
    hour = _local_hour(en_route)
    traffic = np.where(np.isin(hour, [7, 8, 16, 17, 18]), 0.8, np.where(night, 1.2, 1.0))
    dist, way_out = route_m(home[0], home[1], home[2], scene[0], scene[1], scene[2])
    eta = dist / speed_ms
    travel = 30.0 + eta / traffic * _lognormal(rng, 1.0, 0.2, n)
    on_scene = en_route + travel

    med = np.array([m.on_scene_min[0] for m in models])[kind] * 60.0
    sig = np.array([m.on_scene_min[1] for m in models])[kind]
    duration = _lognormal(rng, med, sig, n)
    short = np.isin(outcome, ["false_alarm", "prank"])
    duration = np.where(short, _lognormal(rng, 420.0, 0.4, n), duration)
    cleared = on_scene + np.clip(duration, 120.0, 12 * 3600.0)

    transport = np.full(n, np.nan)
    at_hosp = np.full(n, np.nan)
    hosp_idx = np.full(n, -1, dtype=np.int64)
    way_hosp = np.zeros(n, dtype=np.int64)
    if len(hospitals[0]):
        tp = np.array([m.transport_p for m in models])[kind]
        goes = (unit_type == "ambulance") & (outcome == "resolved") & (rng.random(n) < tp)
        if np.any(goes):
            g = np.flatnonzero(goes)
            d_h = haversine_m(scene[0][g][:, None], scene[1][g][:, None], hospitals[0][None, :], hospitals[1][None, :])
            hi = np.argmin(d_h, axis=1)
            hd, hw = route_m(scene[0][g], scene[1][g], scene[2][g],
                             hospitals[0][hi], hospitals[1][hi], hospitals[2][hi])
            transport[g] = on_scene[g] + _lognormal(rng, 12 * 60.0, 0.35, len(g))
            at_hosp[g] = transport[g] + 20.0 + hd / speed_ms[g] * _lognormal(rng, 1.0, 0.2, len(g))
            cleared[g] = at_hosp[g] + _lognormal(rng, 20 * 60.0, 0.4, len(g))
            hosp_idx[g], way_hosp[g] = hi, hw

    cancelled = outcome == "cancelled"
    cleared = np.where(cancelled, en_route + travel * rng.uniform(0.2, 0.9, n), cleared)
    on_scene = np.where(cancelled, np.nan, on_scene)
    return _Chain(assigned, en_route, on_scene, transport, at_hosp, cleared, eta, hosp_idx, way_out, way_hosp)


# --- The generator --------------------------------------------------------------------------------
_STREAMS = ("fleet", "geo", "incidents", "places", "calls", "dispatch", "chain", "open", "nuisance", "units")


def generate(inputs: DemoInputs, *, seed: int = 112, months: int = 12, now: datetime | None = None,
             n_incidents: int | None = None, with_events: bool = True) -> DemoData:
    """Generate the fleet and ``months`` of history ending at ``now``.

    Parameters
    ----------
    inputs
        Geography, stations, incident types, unit types and response plans.
    seed
        Random seed; the same seed, inputs and ``now`` give identical output.
    months
        Length of the history. It starts no earlier than the service launch (10 June 2025)
        when ``now`` is after the launch.
    now
        End of the history (timezone-aware; default: the current time, rounded to the second).
    n_incidents
        Exact number of incidents instead of the calibrated volume (benchmarks); every rate
        (calls, duplicates, nuisance calls) scales with it.
    with_events
        Also build the events table (the append-only history).

    Returns
    -------
    DemoData
    """
    if not inputs.kelurahan:
        raise DemoInputError("no kelurahan polygons")
    if now is None:
        now = datetime.now(timezone.utc).replace(microsecond=0)
    if now.tzinfo is None:
        raise DemoInputError("now must be timezone-aware")
    if months < 1:
        raise DemoInputError("months must be at least 1")
    start = _months_before(now, months)
    if start < SERVICE_LAUNCH < now:
        start = SERVICE_LAUNCH
    start_s, end_s = start.timestamp(), now.timestamp()
    rngs = dict(zip(_STREAMS, (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(_STREAMS)))))

    types = {t.code: t for t in inputs.incident_types}
    codes = [c for c in sorted(types) if c in TYPE_MODELS and TYPE_MODELS[c].per_year > 0]
    if not codes:
        raise DemoInputError("none of the catalog's incident types has a demo model")
    grid = _grid(start_s, end_s)
    geo = _geo(inputs.kelurahan, rngs["geo"])
    fleet = build_fleet(inputs, rngs["fleet"])
    stations = sorted(inputs.stations, key=lambda s: s.facility_id)
    hosp_st = [s for s in stations if s.category == "hospital"]
    hospitals = (np.array([s.lon for s in hosp_st]), np.array([s.lat for s in hosp_st]),
                 zone_of([s.kecamatan for s in hosp_st]))

    # 1. incident times per type ------------------------------------------------------------
    rng = rngs["incidents"]
    weights = {c: grid.weights(_hour_profile(TYPE_MODELS[c].hours, TYPE_MODELS[c].hours_base),
                               _norm(TYPE_MODELS[c].weekday), _norm(TYPE_MODELS[c].season)) for c in codes}
    expected = np.array([TYPE_MODELS[c].per_year * weights[c].sum() for c in codes])
    if n_incidents is None:
        counts = rng.poisson(expected)
        n_dup = int(rng.binomial(int(counts.sum()), DUPLICATE_TICKET_SHARE))
    else:
        n_dup = int(round(n_incidents * DUPLICATE_TICKET_SHARE / (1 + DUPLICATE_TICKET_SHARE)))
        counts = rng.multinomial(n_incidents - n_dup, expected / expected.sum())
    scale = counts.sum() / max(expected.sum(), 1e-9)      # 1 ~ calibrated volume
    type_idx = np.repeat(np.arange(len(codes)), counts)
    received = np.concatenate([grid.sample(rng, weights[c], int(k)) for c, k in zip(codes, counts)])
    # the live picture: the last K emergency incidents are still open at `now`, their calls
    # spread over the last LIVE_WINDOW_S so that some units are dispatched, en route, on scene
    em_rows = np.flatnonzero(np.array([types[c].is_emergency for c in codes])[type_idx])
    k_open = int(rng.integers(OPEN_EMERGENCY_RANGE[0], OPEN_EMERGENCY_RANGE[1] + 1))
    live_rows = em_rows[np.argsort(received[em_rows], kind="stable")[-k_open:]] if len(em_rows) else em_rows
    live = np.zeros(len(type_idx), dtype=bool)
    live[live_rows] = True
    if len(live_rows) and end_s - received[live_rows].min() > LIVE_WINDOW_S:
        span = end_s - received[live_rows].min()
        received[live_rows] = end_s - (end_s - received[live_rows]) * LIVE_WINDOW_S / span

    # 2. places -------------------------------------------------------------------------------
    prng = rngs["places"]
    rural_p = np.array([TYPE_MODELS[c].rural_share for c in codes])[type_idx]
    rural = prng.random(len(type_idx)) < rural_p
    kel_idx = np.where(rural, _draw(prng, geo.rural_w, len(type_idx)), _draw(prng, geo.urban_w, len(type_idx)))
    hot = ~rural & (prng.random(len(type_idx)) < HOTSPOT_SHARE)
    lon, lat = _points(prng, geo, kel_idx, hot, rural)

    # 3. duplicate tickets: a second ticket for the same event, same place, minutes later --------
    candidates = np.flatnonzero(received < end_s - 3600)
    if n_dup and len(candidates):
        orig = np.sort(prng.choice(candidates, size=n_dup, replace=len(candidates) < n_dup))
        dup_delay = np.clip(_lognormal(prng, 360.0, 0.6, n_dup), 60.0, 2700.0)
        dup_of = np.concatenate([np.full(len(type_idx), -1, dtype=np.int64), orig])
        live = np.concatenate([live, np.zeros(n_dup, dtype=bool)])
        type_idx = np.concatenate([type_idx, type_idx[orig]])
        received = np.concatenate([received, received[orig] + dup_delay])
        kel_idx = np.concatenate([kel_idx, kel_idx[orig]])
        lon, lat = np.concatenate([lon, lon[orig]]), np.concatenate([lat, lat[orig]])
    else:
        dup_of = np.full(len(type_idx), -1, dtype=np.int64)

    # 4. the call chain: answer, processing -------------------------------------------------
    crng = rngs["calls"]
    n = len(type_idx)
    answered = received + _answer_time(crng, received)
    processing = np.clip(_lognormal(crng, 75.0, 0.45, n), 30.0, 900.0)   # answer -> first dispatch
    created = answered + processing * crng.uniform(0.35, 0.65, n)
    late = created > end_s - 1.0            # not yet created at `now`: move the chain back
    if np.any(late):
        shift = created[late] - end_s + 1.0 + crng.uniform(0, 600, int(late.sum()))
        received[late] -= shift
        answered[late] -= shift
        created[late] -= shift
    dups = np.flatnonzero(dup_of >= 0)       # a duplicate ticket is created after the original
    created[dups] = np.maximum(created[dups], created[dup_of[dups]] + crng.uniform(30, 300, len(dups)))
    first_dispatch = answered + processing

    # sort by time: incident index = chronological order of the first call
    order = np.lexsort((created, received))
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n)
    type_idx, received, answered, created, first_dispatch = (
        a[order] for a in (type_idx, received, answered, created, first_dispatch))
    kel_idx, lon, lat = kel_idx[order], lon[order], lat[order]
    dup_of, live = dup_of[order], live[order]
    dup_of = np.where(dup_of >= 0, inverse[np.maximum(dup_of, 0)], -1)

    code_arr = np.array(codes, dtype=object)
    inc_code = code_arr[type_idx]
    is_em = np.array([types[c].is_emergency for c in codes])[type_idx]
    agency = np.array([types[c].agency_code for c in codes], dtype=object)[type_idx]
    model = [TYPE_MODELS[c] for c in codes]
    base_prio = np.array([types[c].default_priority for c in codes])[type_idx]
    bump = crng.choice([-1, 0, 1], size=n, p=[0.1, 0.75, 0.15])
    priority = np.where(is_em, np.clip(base_prio + bump, 1, 4), base_prio).astype(np.int64)
    location_approx = crng.random(n) < 0.03

    # 5. outcomes ----------------------------------------------------------------------------
    fa = np.array([m.false_alarm_p for m in model])[type_idx]
    pr = np.array([m.prank_p for m in model])[type_idx]
    ca = np.array([m.cancelled_p for m in model])[type_idx]
    u = crng.random(n)
    outcome = np.where(u < fa, "false_alarm", np.where(u < fa + pr, "prank",
                       np.where(u < fa + pr + ca, "cancelled", "resolved"))).astype(object)
    outcome[dup_of >= 0] = "duplicate"

    # 6. units per the run cards, and their stamps --------------------------------------------
    drng = rngs["dispatch"]
    eligible = is_em & (dup_of < 0)
    a_inc, a_unit, a_slot = _assign_units(drng, fleet, inc_code, lon, lat, eligible, inputs.plans)
    m = len(a_inc)
    # the first unit goes at the first dispatch, the others seconds later; now and then one is
    # added minutes later
    stagger = np.where(a_slot > 0, _lognormal(drng, 12.0, 0.6, m) * a_slot, 0.0)
    later = (a_slot > 0) & (drng.random(m) < 0.1)
    stagger = stagger + np.where(later, drng.uniform(120, 600, m), 0.0)
    assigned = first_dispatch[a_inc] + stagger
    kel_zone = geo.zone[kel_idx]
    home = (fleet["home_lon"][a_unit], fleet["home_lat"][a_unit], fleet["home_zone"][a_unit])
    scene = (lon[a_inc], lat[a_inc], kel_zone[a_inc])
    chain = _unit_chain(rngs["chain"], assigned, fleet["unit_type"][a_unit], home, scene, type_idx[a_inc],
                        model, outcome[a_inc], hospitals)
    # crews forget a button now and then
    lost_en = drng.random(m) < MISSING_EN_ROUTE_P
    lost_on = drng.random(m) < MISSING_ON_SCENE_P
    plan = _Chain(**{k: v.copy() for k, v in vars(chain).items()})     # untruncated, for positions
    chain.en_route[lost_en] = np.nan
    chain.on_scene[lost_on] = np.nan

    # 7. closing -------------------------------------------------------------------------------
    orng = rngs["open"]
    closed = np.full(n, np.nan)
    last_clear = np.full(n, -np.inf)
    np.maximum.at(last_clear, a_inc, chain.cleared)
    has_units = np.isfinite(last_clear)
    lag = np.clip(_lognormal(orng, 360.0, 1.0, n), 30.0, 48 * 3600.0)
    closed = np.where(is_em & has_units, last_clear + lag, closed)
    em_no_units = is_em & ~has_units
    closed = np.where(em_no_units, created + np.clip(_lognormal(orng, 900.0, 0.8, n), 60.0, 6 * 3600.0), closed)
    # municipal tickets: the OPD closes a share, after hours to days
    share = np.array([AGENCY_CLOSURE.get(a, DEFAULT_MUNICIPAL_CLOSURE)[0] for a in agency])
    med_h = np.array([AGENCY_CLOSURE.get(a, DEFAULT_MUNICIPAL_CLOSURE)[1] for a in agency])
    muni_closes = ~is_em & (orng.random(n) < share)
    muni_time = created + np.clip(_lognormal(orng, med_h * 3600.0, 0.9, n), 600.0, 90 * 86400.0)
    closed = np.where(muni_closes, muni_time, closed)
    # duplicates are merged minutes after creation
    is_dup = dup_of >= 0
    closed = np.where(is_dup, created + np.clip(_lognormal(orng, 300.0, 0.5, n), 60.0, 3600.0), closed)

    # still open at `now`: the live incidents and whatever is not done yet
    closed[live] = np.nan
    closed[closed > end_s] = np.nan
    is_open = np.isnan(closed)
    outcome = np.where(is_open, None, outcome)
    dup_of = np.where(is_open, -1, dup_of)

    # truncate unit stamps at `now` for open incidents; drop units not yet dispatched
    keep = ~(assigned > end_s)
    stamps = ("en_route", "on_scene", "transport", "at_hospital", "cleared")
    for s in stamps:
        arr = getattr(chain, s)
        arr[arr > end_s] = np.nan
    chain, plan, a_inc, a_unit = _subset(chain, keep), _subset(plan, keep), a_inc[keep], a_unit[keep]
    active = np.isnan(chain.cleared)
    chain, plan, a_unit = _resolve_busy(orng, chain, plan, a_inc, a_unit, active, fleet, lon, lat, kel_zone,
                                        type_idx, model, outcome, hospitals, end_s)
    active = np.isnan(chain.cleared)
    keep = np.isfinite(chain.assigned)
    chain, plan, a_inc, a_unit, active = (
        _subset(chain, keep), _subset(plan, keep), a_inc[keep], a_unit[keep], active[keep])

    # projections of the unit stamps onto the incident
    first_disp = _group_min(a_inc, chain.assigned, n)
    first_en = _group_min(a_inc, chain.en_route, n)
    first_on = _group_min(a_inc, chain.on_scene, n)
    # a lost "en route" must not leave the first en-route stamp after the first arrival
    bad = first_en > first_on
    if np.any(bad):
        fix = bad[a_inc] & np.isnan(chain.en_route) & (plan.en_route <= end_s)
        chain.en_route[fix] = plan.en_route[fix]
        first_en = _group_min(a_inc, chain.en_route, n)
    a_status = _assignment_status(chain)

    # 8. calls -------------------------------------------------------------------------------
    calls = _calls(rngs["nuisance"], grid, start_s, end_s, received, answered, type_idx, codes, outcome, dup_of)

    # 9. units: status and position at `now` -------------------------------------------------
    units = _unit_state(rngs["units"], fleet, chain, plan, a_inc, a_unit, a_status, active, lon, lat, kel_zone,
                        hospitals, start_s, end_s)

    incidents: Table = {
        "call_idx": calls["incident_call"],
        "incident_type": inc_code,
        "priority": priority,
        "lon": lon, "lat": lat,
        "kelurahan_kode": np.array([k.kode for k in inputs.kelurahan], dtype=object)[kel_idx],
        "kecamatan_kode": np.array([k.kecamatan_kode for k in inputs.kelurahan], dtype=object)[kel_idx],
        "location_approximate": location_approx,
        "address": np.array([f"Kel. {k.nama}, Kec. {k.kecamatan}" for k in inputs.kelurahan], dtype=object)[kel_idx],
        "caller_phone": calls["phone"][calls["incident_call"]],
        "status": np.where(is_open, "open", "closed").astype(object),
        "outcome": outcome,
        "duplicate_of": dup_of,
        "call_received_at": to_datetime64(received),
        "call_answered_at": to_datetime64(answered),
        "created_at": to_datetime64(created),
        "first_dispatched_at": to_datetime64(first_disp),
        "first_en_route_at": to_datetime64(first_en),
        "first_on_scene_at": to_datetime64(first_on),
        "closed_at": to_datetime64(closed),
        "is_emergency": is_em,
    }
    assignments: Table = {
        "incident_idx": a_inc,
        "unit_idx": a_unit,
        "status": a_status,
        "assigned_at": to_datetime64(chain.assigned),
        "en_route_at": to_datetime64(chain.en_route),
        "on_scene_at": to_datetime64(chain.on_scene),
        "transport_started_at": to_datetime64(chain.transport),
        "at_hospital_at": to_datetime64(chain.at_hospital),
        "cleared_at": to_datetime64(chain.cleared),
        "eta_s": np.round(chain.eta_s, 1),
    }
    call_table: Table = {
        "received_at": to_datetime64(calls["received"]),
        "answered_at": to_datetime64(calls["answered"]),
        "ended_at": to_datetime64(calls["ended"]),
        "caller_phone": calls["phone"],
        "classification": calls["classification"],
        "incident_idx": calls["incident_idx"],
    }
    unit_table: Table = {k: units[k] for k in (
        "callsign", "unit_type", "agency_code", "home_facility_id", "status", "status_at", "lon", "lat",
        "position_at")}
    events = None
    if with_events:
        events = _events(calls, incidents, closed, created, chain, a_inc, a_unit, units, fleet, codes, type_idx)
    info = {"scale": float(scale), "expected_incidents": float(expected.sum()),
            "open_emergency": int((is_open & is_em).sum()), "start": start.isoformat()}
    return DemoData(start=start, now=now, units=unit_table, calls=call_table, incidents=incidents,
                    assignments=assignments, events=events, info=info)


def _draw(rng: np.random.Generator, p: FloatArray, n: int) -> IntArray:
    """``n`` indexes drawn with probabilities ``p``."""
    cdf = np.cumsum(p)
    return np.minimum(np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right"), len(p) - 1).astype(np.int64)


def _answer_time(rng: np.random.Generator, received: FloatArray) -> FloatArray:
    """Seconds from queue entry to pick-up: median ~12-15 s, a long tail at busy hours and at launch."""
    n = len(received)
    tail = rng.random(n) < 0.2
    base = np.where(tail, _lognormal(rng, 30.0, 0.7, n), _lognormal(rng, 11.0, 0.45, n))
    busy = _hour_profile(((10.0, 3.0, 1.0), (19.5, 3.0, 1.0)), 0.35)[_local_hour(received)] ** 0.3
    launch = 1.0 + launch_decay((received - SERVICE_LAUNCH.timestamp()) / 86400.0, ABANDON_DECAY_DAYS)
    return np.clip(base * busy * launch, 2.0, 600.0)


def _map_str(values: np.ndarray, mapping: Mapping[str, str]) -> np.ndarray:
    """Map each string of an object array through ``mapping`` ('' when missing)."""
    if len(values) == 0:
        return np.empty(0, dtype=object)
    uniq, inv = np.unique(values.astype(str), return_inverse=True)
    return np.array([mapping.get(u, "") for u in uniq], dtype=object)[inv]


def _subset(chain: _Chain, keep: BoolArray) -> _Chain:
    return _Chain(**{k: v[keep] for k, v in vars(chain).items()})


def _group_min(group: IntArray, values: FloatArray, n: int) -> FloatArray:
    out = np.full(n, np.inf)
    ok = ~np.isnan(values)
    np.minimum.at(out, group[ok], values[ok])
    out[np.isinf(out)] = np.nan
    return out


def _assignment_status(chain: _Chain) -> np.ndarray:
    status = np.full(len(chain.assigned), "dispatched", dtype=object)
    for name, arr in (("en_route", chain.en_route), ("on_scene", chain.on_scene),
                      ("transporting", chain.transport), ("at_hospital", chain.at_hospital),
                      ("cleared", chain.cleared)):
        status[~np.isnan(arr)] = name
    return status


def _resolve_busy(rng: np.random.Generator, chain: _Chain, plan: _Chain, a_inc: IntArray, a_unit: IntArray,
                  active: BoolArray, fleet: Table, lon: FloatArray, lat: FloatArray, zone: IntArray,
                  type_idx: IntArray, model: Sequence[TypeModel], outcome: np.ndarray,
                  hospitals: tuple[FloatArray, FloatArray, IntArray], end_s: float) -> tuple[_Chain, _Chain, IntArray]:
    """At ``now`` a unit serves one incident: give a busy unit's later assignment to the nearest
    free unit of the same type (re-timed from its station), or drop it when none is free."""
    a_unit = a_unit.copy()
    busy: set[int] = set()
    for j in np.flatnonzero(active)[np.argsort(chain.assigned[active], kind="stable")]:
        u = int(a_unit[j])
        if u not in busy:
            busy.add(u)
            continue
        same = np.flatnonzero(fleet["unit_type"] == fleet["unit_type"][u])
        on_incident = set(a_unit[a_inc == a_inc[j]].tolist())
        free = np.array([c for c in same.tolist() if c not in busy and c not in on_incident], dtype=np.int64)
        if len(free) == 0:
            for arr in vars(chain).values():
                if arr.dtype.kind == "f":
                    arr[j] = np.nan
            continue
        i = int(a_inc[j])
        d = haversine_m(lon[i], lat[i], fleet["home_lon"][free], fleet["home_lat"][free])
        c = int(free[np.argmin(d)])
        redo = _unit_chain(rng, chain.assigned[j:j + 1], fleet["unit_type"][c:c + 1],
                           (fleet["home_lon"][c:c + 1], fleet["home_lat"][c:c + 1], fleet["home_zone"][c:c + 1]),
                           (lon[i:i + 1], lat[i:i + 1], zone[i:i + 1]), type_idx[i:i + 1], model,
                           outcome[i:i + 1].astype(object), hospitals)
        for k, v in vars(redo).items():
            getattr(plan, k)[j] = v[0]
            val = v[0]
            if k in ("en_route", "on_scene", "transport", "at_hospital", "cleared") and val > end_s:
                val = np.nan
            getattr(chain, k)[j] = val
        a_unit[j] = c
        if np.isnan(chain.cleared[j]):
            busy.add(c)
    return chain, plan, a_unit


def _calls(rng: np.random.Generator, grid: _Grid, start_s: float, end_s: float, received: FloatArray,
           answered: FloatArray, type_idx: IntArray, codes: Sequence[str], outcome: np.ndarray,
           dup_of: IntArray) -> dict[str, np.ndarray]:
    """All calls: one per incident, duplicate calls, nuisance calls, abandoned calls."""
    n = len(received)
    # first call of each incident
    cls_first = np.full(n, "valid", dtype=object)
    cls_first[outcome == "prank"] = "prank"
    cls_first[dup_of >= 0] = "duplicate"
    # extra calls about the same event (many for a visible fire)
    lam = np.array([TYPE_MODELS[c].duplicate_calls for c in codes])[type_idx]
    k = rng.poisson(lam)
    d_inc = np.repeat(np.arange(n), k)
    d_recv = received[d_inc] + np.clip(_lognormal(rng, 240.0, 0.9, len(d_inc)), 20.0, 3600.0)
    # nuisance streams, sized relative to the answered valid traffic
    answered_valid = n + len(d_inc)
    no_nuisance = 1.0 - sum(m.share for m in NUISANCE_MODELS.values()) - ABANDON_FLOOR
    per_share = answered_valid / max(no_nuisance, 1e-9)
    nz_recv, nz_cls, nz_talk, nz_nophone = [], [], [], []
    for name, nm in NUISANCE_MODELS.items():
        w = grid.weights(_hour_profile(nm.hours, nm.hours_base), _norm(nm.weekday), _norm(_FLAT_YEAR))
        boost = 1.0 + nm.launch_boost * launch_decay(grid.days_since_launch, LAUNCH_SURGE_DAYS)
        count = int(rng.poisson(per_share * nm.share * (w * boost).sum() / max(w.sum(), 1e-12)))
        w = w * boost
        t = grid.sample(rng, w, count)
        nz_recv.append(t)
        nz_cls.append(np.full(count, name, dtype=object))
        nz_talk.append(np.clip(_lognormal(rng, nm.talk_s[0], nm.talk_s[1], count), 2.0, 1800.0))
        nz_nophone.append(rng.random(count) < nm.no_phone_p)
    nz_recv_a = np.concatenate(nz_recv)
    nz_cls_a = np.concatenate(nz_cls)

    # answered calls in one list
    recv = np.concatenate([received, d_recv, nz_recv_a])
    ans = np.concatenate([answered, d_recv + _answer_time(rng, d_recv), nz_recv_a + _answer_time(rng, nz_recv_a)])
    talk = np.concatenate([np.clip(_lognormal(rng, 100.0, 0.5, n), 20.0, 1800.0),
                           np.clip(_lognormal(rng, 45.0, 0.5, len(d_inc)), 10.0, 900.0),
                           np.concatenate(nz_talk)])
    cls = np.concatenate([cls_first, np.full(len(d_inc), "duplicate", dtype=object), nz_cls_a])
    inc_of = np.concatenate([np.arange(n), d_inc, np.full(len(nz_recv_a), -1)])
    nophone = np.concatenate([np.zeros(n + len(d_inc), dtype=bool), np.concatenate(nz_nophone)])
    is_first = np.concatenate([np.ones(n, dtype=bool), np.zeros(len(recv) - n, dtype=bool)])
    keep = is_first | ((ans <= end_s) & (recv >= start_s))
    recv, ans, talk, cls, inc_of, nophone, is_first = (
        a[keep] for a in (recv, ans, talk, cls, inc_of, nophone, is_first))
    ended = ans + talk
    ended[ended > end_s] = np.nan

    # abandoned calls: busy hours lose more, and many more right after the launch
    share = abandon_share((recv - SERVICE_LAUNCH.timestamp()) / 86400.0)
    busy = _hour_profile(((10.0, 3.0, 1.0), (19.5, 3.0, 1.0)), 0.35) ** 0.5
    q = np.clip(share / (1 - share) * (busy / busy.mean())[_local_hour(recv)], 0.0, 0.95)
    spawn = rng.random(len(recv)) < q
    ab_recv = recv[spawn] - rng.uniform(0, 900, int(spawn.sum()))
    ab_recv = ab_recv[(ab_recv >= start_s) & (ab_recv < end_s)]
    ab_end = np.minimum(ab_recv + np.clip(_lognormal(rng, 25.0, 0.7, len(ab_recv)), 3.0, 600.0), end_s)

    all_recv = np.concatenate([recv, ab_recv])
    all_ans = np.concatenate([ans, np.full(len(ab_recv), np.nan)])
    all_end = np.concatenate([ended, ab_end])
    all_cls = np.concatenate([cls, np.full(len(ab_recv), "abandoned", dtype=object)])
    all_inc = np.concatenate([inc_of, np.full(len(ab_recv), -1)])
    all_nophone = np.concatenate([nophone, rng.random(len(ab_recv)) < 0.2])
    all_first = np.concatenate([is_first, np.zeros(len(ab_recv), dtype=bool)])

    order = np.argsort(all_recv, kind="stable")
    all_recv, all_ans, all_end, all_cls, all_inc, all_nophone, all_first = (
        a[order] for a in (all_recv, all_ans, all_end, all_cls, all_inc, all_nophone, all_first))
    incident_call = np.empty(n, dtype=np.int64)
    first_rows = np.flatnonzero(all_first)
    incident_call[all_inc[first_rows]] = first_rows
    # caller numbers: pranksters call again and again (a few numbers make many calls)
    total = len(all_recv)
    pool = rng.integers(0, 10_000_000, total)
    prank_pool = rng.zipf(1.6, total) % 400
    num = np.where(all_cls == "prank", 9_000_000 + prank_pool, pool)
    phone = np.array([f"DEMO-{x:07d}" for x in num.tolist()], dtype=object)
    phone[all_nophone] = None
    return {
        "received": all_recv, "answered": all_ans, "ended": all_end, "classification": all_cls,
        "incident_idx": all_inc.astype(np.int64), "phone": phone, "incident_call": incident_call,
    }


def _unit_state(rng: np.random.Generator, fleet: Table, chain: _Chain, plan: _Chain, a_inc: IntArray,
                a_unit: IntArray, a_status: np.ndarray, active: BoolArray, lon: FloatArray, lat: FloatArray,
                zone: IntArray, hospitals: tuple[FloatArray, FloatArray, IntArray], start_s: float,
                end_s: float) -> dict[str, np.ndarray]:
    """Status and position of every unit at ``now``, consistent with its open assignment."""
    k = len(fleet["callsign"])
    status = np.full(k, "available", dtype=object)
    pos_lon = fleet["home_lon"].copy()
    pos_lat = fleet["home_lat"].copy()
    last_clear = np.full(k, start_s)
    ok = ~np.isnan(chain.cleared)
    np.maximum.at(last_clear, a_unit[ok], chain.cleared[ok])
    status_at = last_clear.copy()
    for j in np.flatnonzero(active):
        u, i = int(a_unit[j]), int(a_inc[j])
        st = str(a_status[j])
        status[u] = st
        stamp = {"dispatched": chain.assigned, "en_route": chain.en_route, "on_scene": chain.on_scene,
                 "transporting": chain.transport, "at_hospital": chain.at_hospital}[st][j]
        status_at[u] = stamp
        from_north = bool(fleet["home_zone"][u] == ZONE_NORTH)
        if st == "en_route":
            pts = _route_points(pos_lon[u], pos_lat[u], lon[i], lat[i], int(plan.way_out[j]), from_north)
            frac = (end_s - chain.en_route[j]) / max(plan.on_scene[j] - plan.en_route[j], 1.0)
            pos_lon[u], pos_lat[u] = point_along(pts, frac)
        elif st == "on_scene":
            pos_lon[u], pos_lat[u] = lon[i], lat[i]
        elif st in ("transporting", "at_hospital"):
            h = int(plan.hospital[j])
            if st == "at_hospital" or h < 0:
                pos_lon[u], pos_lat[u] = (hospitals[0][h], hospitals[1][h]) if h >= 0 else (lon[i], lat[i])
            else:
                pts = _route_points(lon[i], lat[i], hospitals[0][h], hospitals[1][h], int(plan.way_hosp[j]),
                                    bool(zone[i] == ZONE_NORTH))
                frac = (end_s - chain.transport[j]) / max(plan.at_hospital[j] - plan.transport[j], 1.0)
                pos_lon[u], pos_lat[u] = point_along(pts, frac)
    # one or two units out of service (workshop), chosen among the idle ones
    idle = np.flatnonzero(status == "available")
    n_oos = int(rng.integers(OUT_OF_SERVICE_RANGE[0], OUT_OF_SERVICE_RANGE[1] + 1))
    oos = np.sort(rng.choice(idle, size=min(n_oos, len(idle)), replace=False)) if len(idle) else idle
    since = end_s - rng.uniform(2 * 3600, 48 * 3600, len(oos))
    status_at[oos] = np.minimum(np.maximum(since, last_clear[oos] + 600.0), end_s - 60.0)
    status[oos] = "out_of_service"
    return {
        **fleet, "status": status, "status_at": to_datetime64(status_at), "lon": pos_lon, "lat": pos_lat,
        "position_at": to_datetime64(status_at), "out_of_service": oos, "status_at_s": status_at,
    }


def _events(calls: dict[str, np.ndarray], incidents: Table, closed: FloatArray, created: FloatArray,
            chain: _Chain, a_inc: IntArray, a_unit: IntArray, units: dict[str, np.ndarray], fleet: Table,
            codes: Sequence[str], type_idx: IntArray) -> Table:
    """The append-only history: one row per stamp, in time order."""
    kinds: list[np.ndarray] = []
    at: list[FloatArray] = []
    inc: list[IntArray] = []
    call: list[IntArray] = []
    unit: list[IntArray] = []
    asg: list[IntArray] = []
    data: list[np.ndarray] = []

    def add(kind: str, t: FloatArray, i: IntArray, c: IntArray, u: IntArray, a: IntArray, d: np.ndarray) -> None:
        ok = ~np.isnan(t)
        kinds.append(np.full(int(ok.sum()), EVENT_KINDS.index(kind), dtype=np.int64))
        at.append(t[ok])
        for store, arr in ((inc, i), (call, c), (unit, u), (asg, a)):
            store.append(np.broadcast_to(arr, t.shape)[ok].astype(np.int64))
        data.append(np.broadcast_to(d, t.shape)[ok])

    none = np.int64(-1)
    nc = len(calls["received"])
    call_idx = np.arange(nc)
    cls_data = _map_str(calls["classification"], {c: f'{{"synthetic": true, "classification": "{c}"}}'
                                                  for c in CALL_CLASSES})
    add("call_received", calls["received"], none, call_idx, none, none, cls_data)
    add("call_answered", calls["answered"], none, call_idx, none, none, cls_data)

    n = len(created)
    inc_idx = np.arange(n)
    prio = incidents["priority"]
    created_data = np.array([f'{{"synthetic": true, "incident_type": "{c}", "priority": {p}}}'
                             for c in codes for p in range(1, 5)], dtype=object)[type_idx * 4 + prio - 1]
    add("incident_created", created, inc_idx, incidents["call_idx"], none, none, created_data)
    outcome = np.where(incidents["outcome"] == None, "", incidents["outcome"])  # noqa: E711
    closed_data = _map_str(outcome, {o: f'{{"synthetic": true, "outcome": "{o}"}}' for o in OUTCOMES})
    add("incident_closed", closed, inc_idx, none, none, none, closed_data)

    m = len(a_inc)
    a_idx = np.arange(m)
    cs = fleet["callsign"]
    unit_data = np.array([f'{{"synthetic": true, "callsign": "{c}"}}' for c in cs], dtype=object)[a_unit]
    disp_data = np.array([f'{{"synthetic": true, "callsign": "{c}", "eta_s": {e:.0f}}}'
                          for c, e in zip(cs[a_unit].tolist(), chain.eta_s.tolist())], dtype=object)
    add("unit_dispatched", chain.assigned, a_inc, none, a_unit, a_idx, disp_data)
    for kind, arr in (("unit_en_route", chain.en_route), ("unit_on_scene", chain.on_scene),
                      ("transport_started", chain.transport), ("at_hospital", chain.at_hospital),
                      ("unit_cleared", chain.cleared)):
        add(kind, arr, a_inc, none, a_unit, a_idx, unit_data)
    oos = units["out_of_service"]
    add("unit_status", units["status_at_s"][oos], none, none, oos.astype(np.int64), none,
        np.array(['{"synthetic": true, "status": "out_of_service"}'] * len(oos), dtype=object))

    kind_a = np.concatenate(kinds)
    at_a = np.concatenate(at)
    order = np.lexsort((kind_a, at_a))
    return {
        "kind": np.array(EVENT_KINDS, dtype=object)[kind_a[order]],
        "at": to_datetime64(at_a[order]),
        "incident_idx": np.concatenate(inc)[order],
        "call_idx": np.concatenate(call)[order],
        "unit_idx": np.concatenate(unit)[order],
        "assignment_idx": np.concatenate(asg)[order],
        "data": np.concatenate(data)[order],
    }
