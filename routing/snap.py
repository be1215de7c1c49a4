"""Snapping points to the travel graph (KD-tree on UTM 51S metres), with the off-network leg as time.

A point is joined to its nearest graph node by a straight leg whose length is reported and
turned into time. A leg may not cross water: when the nearest node lies across the bay, the
next nearest nodes are tried. A point farther than ``max_snap_m`` from the graph, or with only
water between it and the graph, is not snapped: the result says why (no infinite numbers).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from routing._errors import OffNetworkError, OutsideServiceAreaError
from routing._land import Land, kendari_land
from routing._proj import to_utm
from routing.config import RoutingConfig, load_config
from routing.graph import TravelGraph

#: Pass as ``land=`` to pick the land of the graph's area (Kendari) automatically.
AUTO: Final = "auto"
LandArg = Land | None | Literal["auto"]
_KMH_TO_MS = 1 / 3.6


@dataclass(frozen=True)
class SnappedPoint:
    """One point joined to the graph.

    Attributes
    ----------
    node
        Graph node id, or -1 when the point could not be snapped.
    distance_m
        Length of the straight off-network leg (the nearest node's distance when not snapped).
    time_s
        Time for the off-network leg (0 when not snapped).
    ok
        Whether the point is on the network; ``reason`` says why not.
    """

    lon: float
    lat: float
    node: int
    distance_m: float
    time_s: float
    ok: bool
    reason: str | None = None


@dataclass(frozen=True, eq=False)
class Snaps:
    """Snapping results for many points (arrays, one entry per point)."""

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    node: NDArray[np.int64]
    distance_m: NDArray[np.float64]
    time_s: NDArray[np.float64]
    ok: NDArray[np.bool_]
    reason: tuple[str | None, ...]

    def __len__(self) -> int:
        return int(self.node.shape[0])

    def __getitem__(self, i: int) -> SnappedPoint:
        return SnappedPoint(
            lon=float(self.lon[i]), lat=float(self.lat[i]), node=int(self.node[i]),
            distance_m=float(self.distance_m[i]), time_s=float(self.time_s[i]),
            ok=bool(self.ok[i]), reason=self.reason[i],
        )

    def __iter__(self) -> Iterator[SnappedPoint]:
        return (self[i] for i in range(len(self)))

    def select(self, which: ArrayLike) -> "Snaps":
        """The results for a boolean mask or index array (e.g. ``snaps.select(snaps.ok)``)."""
        idx = np.arange(len(self))[np.asarray(which)]
        return Snaps(self.lon[idx], self.lat[idx], self.node[idx], self.distance_m[idx], self.time_s[idx],
                     self.ok[idx], tuple(self.reason[i] for i in idx.tolist()))


def resolve_land(graph: TravelGraph, land: LandArg, config: RoutingConfig) -> Land | None:
    """The :class:`Land` to check against: the graph's area's when ``land`` is ``"auto"``."""
    if isinstance(land, str):
        if graph.area == "kendari":
            return kendari_land(service_buffer_m=config.service_area_buffer_m,
                                water_tolerance_m=config.water_tolerance_m)
        return None
    return land


def leg_speed(graph: TravelGraph, config: RoutingConfig) -> tuple[float, float]:
    """Speed (m/s) and circuity of the off-network leg for this graph's model.

    On the approximate network the space between lattice nodes is as drivable as the lattice,
    so the leg uses the lattice speed and circuity; on a road graph it is the configured
    (slow) off-network speed.
    """
    if "snap_speed_kmh" in graph.meta:
        return float(graph.meta["snap_speed_kmh"]) * _KMH_TO_MS, float(graph.meta.get("snap_circuity", 1.0))
    return config.off_network_speed_kmh * _KMH_TO_MS, 1.0


def snap_many(
    graph: TravelGraph,
    lon: ArrayLike,
    lat: ArrayLike,
    *,
    config: RoutingConfig | None = None,
    land: LandArg = AUTO,
    max_snap_m: float | None = None,
) -> Snaps:
    """Snap many points to ``graph`` at once (vectorised; never raises for a bad point).

    Parameters
    ----------
    graph
        The travel graph.
    lon, lat
        Points in EPSG:4326.
    config
        Routing configuration (``routing.json`` when omitted).
    land
        Land used for the water test; ``"auto"`` takes Kendari's for a Kendari graph and none
        for a graph without geography; ``None`` switches the test off.
    max_snap_m
        Longest accepted off-network leg (``config.max_snap_m`` when omitted).

    Returns
    -------
    Snaps
        Per point: node (-1 when not snapped), leg length and time, ``ok`` and a reason.
    """
    cfg = config or load_config()
    limit = cfg.max_snap_m if max_snap_m is None else float(max_snap_m)
    lon_a = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    lat_a = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    count = lon_a.shape[0]
    node = np.full(count, -1, dtype=np.int64)
    dist = np.full(count, np.nan)
    if count == 0 or graph.n_nodes == 0:
        reason = tuple("the travel graph is empty" for _ in range(count))
        return Snaps(lon_a, lat_a, node, dist, np.zeros(count), np.zeros(count, dtype=bool), reason)
    x, y = to_utm(lon_a, lat_a)
    finite = np.isfinite(x) & np.isfinite(y)
    xy = np.column_stack([np.where(finite, x, 0.0), np.where(finite, y, 0.0)])
    land_ = resolve_land(graph, land, cfg)
    check_water = np.zeros(count, dtype=bool)
    if land_ is not None:
        check_water = land_.contains(x, y) & finite
    pending = np.flatnonzero(finite)
    crossed = np.zeros(count, dtype=bool)
    # the nearest node first; the next nearest ones only for points whose leg crossed water
    k_max = max(1, min(cfg.snap_candidates, graph.n_nodes))
    first_d, first_i = graph.kdtree.query(xy, k=1, distance_upper_bound=limit)
    cand_d = np.asarray(first_d, dtype=np.float64).reshape(count, 1)
    cand_i = np.asarray(first_i, dtype=np.int64).reshape(count, 1)
    for col in range(k_max):
        if pending.size == 0:
            break
        if col == 1:
            more_d, more_i = graph.kdtree.query(xy[pending], k=k_max, distance_upper_bound=limit)
            cand_d = np.full((count, k_max), np.inf)
            cand_i = np.full((count, k_max), graph.n_nodes, dtype=np.int64)
            cand_d[pending] = np.asarray(more_d).reshape(pending.size, k_max)
            cand_i[pending] = np.asarray(more_i).reshape(pending.size, k_max)
        d = cand_d[pending, col]
        i = cand_i[pending, col]
        valid = np.isfinite(d)
        pending, d, i = pending[valid], d[valid], i[valid]
        accept = np.ones(pending.size, dtype=bool)
        need = check_water[pending]
        if land_ is not None and need.any():
            shore = graph.shore_m[i] if graph.shore_m is not None else np.zeros(i.size)
            need &= d > shore  # a leg shorter than the land radius at the node stays on land
            if need.any():
                sub = np.flatnonzero(need)
                on_land = land_.segments_on_land(
                    x[pending[sub]], y[pending[sub]], graph.x_m[i[sub]], graph.y_m[i[sub]]
                )
                accept[sub] = on_land
                crossed[pending[sub[~on_land]]] = True
        node[pending[accept]] = i[accept]
        dist[pending[accept]] = d[accept]
        pending = pending[~accept]
    ok = node >= 0
    speed_ms, circuity = leg_speed(graph, cfg)
    time_s = np.where(ok, np.nan_to_num(dist) * circuity / speed_ms, 0.0)
    reasons: list[str | None] = [None] * count
    bad = np.flatnonzero(~ok)
    if bad.size:
        nearest_d, _ = graph.kdtree.query(xy[bad], k=1)
        for j, p in enumerate(bad.tolist()):
            dist[p] = float(nearest_d[j])
            if not finite[p]:
                reasons[p] = "position is not a valid coordinate"
                dist[p] = np.nan
            elif crossed[p] and nearest_d[j] <= limit:
                reasons[p] = (
                    f"the nearest travel-network point is {nearest_d[j]:.0f} m away across water"
                )
            else:
                reasons[p] = (
                    f"{nearest_d[j]:.0f} m from the travel network (more than {limit:.0f} m)"
                )
    return Snaps(lon_a, lat_a, node, dist, time_s, ok, tuple(reasons))


def snap_point(
    graph: TravelGraph,
    lon: float,
    lat: float,
    *,
    config: RoutingConfig | None = None,
    land: LandArg = AUTO,
    require_service_area: bool = True,
) -> SnappedPoint:
    """Snap one point (e.g. an incident) or raise a typed error.

    Parameters
    ----------
    require_service_area
        Refuse a point outside the city's land plus the service-area buffer (out in the bay,
        outside the city). Only applies when the graph has an area with land.

    Raises
    ------
    OutsideServiceAreaError
        The point lies outside the service area; ``distance_m`` says how far from land.
    OffNetworkError
        The point is too far from the graph, or only water lies between it and the graph.
    """
    cfg = config or load_config()
    land_ = resolve_land(graph, land, cfg)
    if require_service_area and land_ is not None:
        x, y = to_utm([lon], [lat])
        if not land_.in_service_area(x, y)[0]:
            off = land_.distance_m(float(x[0]), float(y[0]))
            raise OutsideServiceAreaError(
                f"({lon:.5f}, {lat:.5f}) is {off:.0f} m from the city's land (in the bay, at sea or "
                f"outside Kota Kendari; the service area reaches {land_.service_buffer_m:.0f} m off the shore)",
                lon=lon, lat=lat, distance_m=off,
            )
    result = snap_many(graph, [lon], [lat], config=cfg, land=land_)[0]
    if not result.ok:
        raise OffNetworkError(
            f"({lon:.5f}, {lat:.5f}) cannot be joined to the travel network: {result.reason}",
            lon=lon, lat=lat, distance_m=result.distance_m,
        )
    return result
