"""Vectorised helpers shared by the demo stages: distances and bay routes, the hourly grid, profiles."""

from __future__ import annotations

import calendar
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
#: Receives one line of progress text (a stage, its row count and its time).
Progress = Callable[[str], None]

# --- Constants (units in the names) ------------------------------------------------------------
EARTH_RADIUS_M = 6_371_008.8
WITA_OFFSET_S = 8 * 3600
HOURS_PER_YEAR = 365.25 * 24
#: The 112 call centre (NTPD) went live on 10 June 2025, 00:00 WITA.
SERVICE_LAUNCH = datetime(2025, 6, 10, tzinfo=timezone(timedelta(hours=8)))

#: Road distance / straight-line distance in the city.
CIRCUITY = 1.4

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


# --- Distances and routes -----------------------------------------------------------------------
def haversine_m(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> FloatArray:
    """Great-circle distance in metres (broadcasts).

    Parameters
    ----------
    lon1, lat1, lon2, lat2
        Degrees; scalars or arrays that broadcast together.

    Returns
    -------
    numpy.ndarray
        Distances in metres.
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def zone_of(kecamatan: Sequence[str | None]) -> IntArray:
    """Bay zone per point: north shore, south shore, or inland (round the bay head).

    Parameters
    ----------
    kecamatan
        Kecamatan name of each point (``None`` when unknown: inland).

    Returns
    -------
    numpy.ndarray
        :data:`ZONE_NORTH`, :data:`ZONE_SOUTH` or :data:`ZONE_INLAND` per point.
    """
    return np.array([ZONE_NORTH if k in NORTH_SHORE_KECAMATAN else ZONE_SOUTH if k in SOUTH_SHORE_KECAMATAN
                     else ZONE_INLAND for k in kecamatan], dtype=np.int64)


def route_m(lon1: FloatArray, lat1: FloatArray, zone1: IntArray,
            lon2: FloatArray, lat2: FloatArray, zone2: IntArray) -> tuple[FloatArray, IntArray]:
    """Road distance estimate (m) and the way taken: 0 direct, 1 round the bay head, 2 bridge.

    Direct: straight line x :data:`CIRCUITY`. Between the north and the south shore of Kendari
    Bay the straight line crosses water, so the shorter of two land routes is taken: via the
    bay head, or via the Teluk Kendari bridge (bridge length added as is).

    Parameters
    ----------
    lon1, lat1, zone1
        Start points and their bay zones.
    lon2, lat2, zone2
        End points and their bay zones.

    Returns
    -------
    tuple of numpy.ndarray
        Distance in metres and the way taken, per pair.
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


def route_points(lon1: float, lat1: float, lon2: float, lat2: float, way: int,
                 from_north: bool) -> list[tuple[float, float]]:
    """The polyline of a route taken the way :func:`route_m` chose (``from_north``: start shore)."""
    if way == 1:
        return [(lon1, lat1), BAY_HEAD_LONLAT, (lon2, lat2)]
    if way == 2:
        ends = [BRIDGE_NORTH_LONLAT, BRIDGE_SOUTH_LONLAT]
        if not from_north:
            ends.reverse()
        return [(lon1, lat1), *ends, (lon2, lat2)]
    return [(lon1, lat1), (lon2, lat2)]


def point_along(points: list[tuple[float, float]], fraction: float) -> tuple[float, float]:
    """The point at ``fraction`` (0..1) of a polyline's length (lon/lat, small distances).

    Parameters
    ----------
    points
        The polyline, at least one point.
    fraction
        Share of the length; clipped to 0..1.

    Returns
    -------
    tuple of float
        Longitude and latitude.
    """
    xs = np.array([p[0] for p in points])
    ys = np.array([p[1] for p in points])
    seg = haversine_m(xs[:-1], ys[:-1], xs[1:], ys[1:])
    total = float(seg.sum())
    if total <= 0:
        return points[0]
    target = min(max(fraction, 0.0), 1.0) * total
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    i = min(int(np.searchsorted(cum, target, side="right")) - 1, len(seg) - 1)
    f = 0.0 if seg[i] == 0 else (target - cum[i]) / seg[i]
    return float(xs[i] + f * (xs[i + 1] - xs[i])), float(ys[i] + f * (ys[i + 1] - ys[i]))


# --- Profiles and random draws ------------------------------------------------------------------
def hour_profile(bumps: Sequence[tuple[float, float, float]], base: float) -> FloatArray:
    """Relative rate per local hour (mean 1): ``base`` plus Gaussian bumps (centre h, width h, height)."""
    h = np.arange(24) + 0.5
    prof = np.full(24, base)
    for centre, width, height in bumps:
        d = np.abs(h - centre)
        d = np.minimum(d, 24 - d)
        prof += height * np.exp(-0.5 * (d / width) ** 2)
    return prof / prof.mean()


def norm(values: Sequence[float]) -> FloatArray:
    """The values divided by their mean."""
    arr = np.asarray(values, dtype=float)
    return arr / arr.mean()


def lognormal(rng: np.random.Generator, median: float | FloatArray, sigma: float | FloatArray,
              size: int) -> FloatArray:
    """``size`` lognormal draws with this median and log-standard deviation."""
    return np.asarray(median) * np.exp(np.asarray(sigma) * rng.standard_normal(size))


def draw_index(rng: np.random.Generator, p: FloatArray, n: int) -> IntArray:
    """``n`` indexes drawn with probabilities ``p``."""
    cdf = np.cumsum(p)
    return np.minimum(np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right"), len(p) - 1).astype(np.int64)


def lookup(values: np.ndarray, mapping: Mapping[Any, float], default: float) -> FloatArray:
    """Map each value of an object array through ``mapping`` (vectorised over unique values).

    Parameters
    ----------
    values
        Keys, one per row.
    mapping
        Value per key.
    default
        Value for keys missing from ``mapping``.

    Returns
    -------
    numpy.ndarray
        One float per row.
    """
    if len(values) == 0:
        return np.empty(0)
    uniq, inv = np.unique(values.astype(str), return_inverse=True)
    return np.array([mapping.get(u, default) for u in uniq], dtype=float)[inv]


def map_str(values: np.ndarray, mapping: Mapping[str, str]) -> np.ndarray:
    """Map each string of an object array through ``mapping`` ('' when missing)."""
    if len(values) == 0:
        return np.empty(0, dtype=object)
    uniq, inv = np.unique(values.astype(str), return_inverse=True)
    return np.array([mapping.get(u, "") for u in uniq], dtype=object)[inv]


# --- Time -----------------------------------------------------------------------------------------
def months_before(dt: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (clipped to the month's end)."""
    y, m = divmod(dt.month - 1 - months, 12)
    year, month = dt.year + y, m + 1
    return dt.replace(year=year, month=month, day=min(dt.day, calendar.monthrange(year, month)[1]))


def to_datetime64(epoch_s: FloatArray) -> np.ndarray:
    """Epoch seconds (NaN = missing) to ``datetime64[us]`` (NaT).

    Parameters
    ----------
    epoch_s
        Seconds since 1970-01-01 UTC.

    Returns
    -------
    numpy.ndarray
        ``datetime64[us]``, rounded to the microsecond.
    """
    out = np.full(np.shape(epoch_s), np.iinfo(np.int64).min, dtype=np.int64)
    ok = ~np.isnan(epoch_s)
    out[ok] = np.round(epoch_s[ok] * 1e6).astype(np.int64)
    return out.astype("datetime64[us]")


def local_hour(epoch_s: FloatArray) -> IntArray:
    """Hour of the day in WITA (0..23)."""
    return (np.floor((epoch_s + WITA_OFFSET_S) / 3600) % 24).astype(np.int64)


@dataclass(frozen=True)
class Grid:
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


def make_grid(start_s: float, end_s: float) -> Grid:
    """The local hour cells between two epoch times.

    Parameters
    ----------
    start_s, end_s
        Window in epoch seconds.

    Returns
    -------
    Grid
    """
    first = math.floor((start_s + WITA_OFFSET_S) / 3600)
    last = math.ceil((end_s + WITA_OFFSET_S) / 3600)
    local_hours = np.arange(first, last, dtype=np.int64)
    cell_lo = local_hours * 3600.0 - WITA_OFFSET_S
    lo = np.maximum(cell_lo, start_s)
    hi = np.minimum(cell_lo + 3600.0, end_s)
    days = local_hours // 24
    month = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
    return Grid(
        lo=lo, span=np.maximum(hi - lo, 0.0), hour=local_hours % 24, dow=(days + 3) % 7, month=month,
        days_since_launch=(lo - SERVICE_LAUNCH.timestamp()) / 86400.0,
    )


def launch_decay(days_since_launch: FloatArray, decay_days: float) -> FloatArray:
    """1 on the launch day, decaying exponentially; 0 before the launch.

    A hypothetical history before 10 June 2025 runs at the steady state.

    Parameters
    ----------
    days_since_launch
        Days since :data:`SERVICE_LAUNCH` (negative before it).
    decay_days
        Time constant.

    Returns
    -------
    numpy.ndarray
    """
    d = np.asarray(days_since_launch, dtype=float)
    return np.where(d >= 0, np.exp(-np.maximum(d, 0.0) / decay_days), 0.0)


# --- Progress -----------------------------------------------------------------------------------
class StageClock:
    """Reports each finished stage with the time since the previous one (no-op without a sink)."""

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self._t0 = time.perf_counter()
        self._last = self._t0

    def done(self, stage: str, rows: str) -> None:
        """Report ``stage`` as finished with ``rows`` (e.g. ``"45 units"``)."""
        now = time.perf_counter()
        if self._progress is not None:
            self._progress(f"  {stage:<18} {rows:>26}  {now - self._last:6.2f} s")
        self._last = now

    def total_s(self) -> float:
        """Seconds since the clock started."""
        return time.perf_counter() - self._t0
