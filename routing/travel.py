"""Travel times from sources to every node, drive-time areas (isochrones) and single routes.

These are the functions the planning module re-uses (service areas, coverage). All runs are
scipy.sparse.csgraph Dijkstra on the graph's CSR matrices; several sources are one run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from routing._errors import UnreachableError
from routing._land import land_utm, unproject
from routing.config import RoutingConfig, load_config
from routing.graph import RoutingModel, TravelGraph
from routing.snap import AUTO, LandArg, SnappedPoint, Snaps, snap_point

#: scipy's marker for "no predecessor".
NO_PREDECESSOR = -9999
DEFAULT_ISOCHRONE_MINUTES = (4.0, 8.0, 15.0)


@dataclass(frozen=True, eq=False)
class TravelTimes:
    """Shortest travel times from (or, with ``reverse``, to) a set of sources.

    Attributes
    ----------
    time_s
        Per node, seconds; ``inf`` where not reached (check ``reached``).
    nearest_source
        Per node, the index (into the given sources) of the quickest source; -1 if unreached.
    predecessors
        Per node, the previous node on its shortest path (-9999 for sources and unreached
        nodes). With ``reverse=True`` it is the *next* node towards the sources.
    reverse
        Whether times are *to* the sources (travel on the reversed graph).
    """

    model: RoutingModel
    time_s: NDArray[np.float64]
    nearest_source: NDArray[np.int64]
    predecessors: NDArray[np.int32]
    reverse: bool

    @property
    def reached(self) -> NDArray[np.bool_]:
        return np.isfinite(self.time_s)


def _source_nodes(
    graph: TravelGraph, sources: ArrayLike | Snaps | Sequence[SnappedPoint]
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Node ids and start offsets (off-network leg times) of the sources."""
    if isinstance(sources, Snaps):
        if not sources.ok.all():
            bad = int(np.flatnonzero(~sources.ok)[0])
            raise UnreachableError(f"source {bad} is not on the network: {sources.reason[bad]}")
        return sources.node.astype(np.int64), sources.time_s.astype(np.float64)
    items = list(sources) if not isinstance(sources, np.ndarray) else None
    if items is not None and items and isinstance(items[0], SnappedPoint):
        snapped: list[SnappedPoint] = items  # type: ignore[assignment]
        for j, s in enumerate(snapped):
            if not s.ok:
                raise UnreachableError(f"source {j} is not on the network: {s.reason}")
        return (np.array([s.node for s in snapped], dtype=np.int64),
                np.array([s.time_s for s in snapped], dtype=np.float64))
    nodes = np.atleast_1d(np.asarray(sources, dtype=np.int64))
    if nodes.size and (nodes.min() < 0 or nodes.max() >= graph.n_nodes):
        raise ValueError("source node id out of range")
    return nodes, np.zeros(nodes.size)


def _roots(pred: NDArray[np.int32], start: NDArray[np.bool_]) -> NDArray[np.int64]:
    """For each node, the root of its shortest-path tree (pointer jumping); -1 if none."""
    n = pred.shape[0]
    parent = np.where(pred >= 0, pred, np.arange(n)).astype(np.int64)
    while True:
        grand = parent[parent]
        if np.array_equal(grand, parent):
            break
        parent = grand
    return np.where(start[parent], parent, -1)


def travel_times_from(
    graph: TravelGraph,
    sources: ArrayLike | Snaps | Sequence[SnappedPoint],
    *,
    limit_s: float | None = None,
    reverse: bool = False,
) -> TravelTimes:
    """Travel times from these sources to all nodes (or from all nodes to them) in one run.

    Parameters
    ----------
    graph
        The travel graph.
    sources
        Node ids, or snapped points (:func:`routing.snap.snap_many`), whose off-network leg
        time is counted as a head start.
    limit_s
        Stop searching beyond this many seconds (faster); farther nodes are unreached.
    reverse
        Times *to* the sources (e.g. from every node to an incident) instead of from them.

    Returns
    -------
    TravelTimes
    """
    nodes, offsets = _source_nodes(graph, sources)
    n = graph.n_nodes
    if nodes.size == 0:
        return TravelTimes(graph.model, np.full(n, np.inf), np.full(n, -1, dtype=np.int64),
                           np.full(n, NO_PREDECESSOR, dtype=np.int32), reverse)
    matrix = graph.times_rev if reverse else graph.times
    limit = np.inf if limit_s is None else float(limit_s)
    if not np.any(offsets > 0):
        uniq, first = np.unique(nodes, return_index=True)
        dist, pred, src = dijkstra(matrix, directed=True, indices=uniq, return_predecessors=True,
                                   limit=limit, min_only=True)
        index_of = np.full(n, -1, dtype=np.int64)
        index_of[uniq] = first
        nearest = np.where(src >= 0, index_of[np.maximum(src, 0)], -1)
        return TravelTimes(graph.model, dist, nearest, pred.astype(np.int32), reverse)
    # different head starts: a virtual super-source joined to each source by its offset
    order = np.lexsort((offsets, nodes))
    keep = np.ones(order.size, dtype=bool)
    keep[1:] = nodes[order][1:] != nodes[order][:-1]
    chosen = order[keep]
    indptr = np.concatenate([matrix.indptr, [matrix.indptr[-1] + chosen.size]])
    indices = np.concatenate([matrix.indices, nodes[chosen].astype(matrix.indices.dtype)])
    data = np.concatenate([matrix.data, offsets[chosen]])
    augmented = sp.csr_matrix((data, indices, indptr), shape=(n + 1, n + 1))
    dist, pred = dijkstra(augmented, directed=True, indices=n, return_predecessors=True, limit=limit)
    dist, pred = dist[:n], pred[:n].copy()
    pred[pred == n] = NO_PREDECESSOR
    is_source = np.zeros(n, dtype=bool)
    is_source[nodes[chosen]] = True
    roots = _roots(pred, is_source)
    index_of = np.full(n, -1, dtype=np.int64)
    index_of[nodes[chosen]] = chosen
    nearest = np.where((roots >= 0) & np.isfinite(dist), index_of[np.maximum(roots, 0)], -1)
    return TravelTimes(graph.model, dist, nearest, pred.astype(np.int32), reverse)


def isochrones(
    graph: TravelGraph,
    sources: ArrayLike | Snaps | Sequence[SnappedPoint],
    minutes: Sequence[float] = DEFAULT_ISOCHRONE_MINUTES,
    *,
    reverse: bool = False,
    clip_to_land: bool = True,
    buffer_m: float | None = None,
    config: RoutingConfig | None = None,
) -> list[tuple[float, BaseGeometry]]:
    """Drive-time areas: the land reached within each number of minutes.

    Every reached node is widened to a disk of ``buffer_m``; edges longer than two buffers
    (whose disks would leave a gap) and the reached part of edges where time runs out are
    widened to bands; everything is dissolved and clipped to the city's land, so water never
    counts as covered.

    Parameters
    ----------
    sources
        As for :func:`travel_times_from` (stations, units).
    minutes
        Thresholds, e.g. ``[4, 8, 15]`` (returned in ascending order).
    reverse
        Areas from which the sources can be *reached* within the time (e.g. "where can an
        ambulance come from in 8 minutes") instead of areas the sources reach.
    clip_to_land
        Intersect with Kendari's land (only for a graph of ``area == "kendari"``).
    buffer_m
        Radius around reached nodes and edges; default: 0.75 x the lattice spacing for the
        approximate network (covers each lattice cell), ``isochrones.buffer_m`` from the
        config for a road graph.

    Returns
    -------
    list of (minutes, geometry)
        Polygons or MultiPolygons in EPSG:4326 (an empty polygon where nothing is reached).
    """
    cfg = config or load_config()
    thresholds = sorted(float(m) for m in minutes)
    if not thresholds:
        return []
    tt = travel_times_from(graph, sources, limit_s=thresholds[-1] * 60.0, reverse=reverse)
    if buffer_m is None:
        spacing = graph.meta.get("lattice_spacing_m")
        buffer_m = 0.75 * float(spacing) if spacing else cfg.isochrone_buffer_m
    src, dst = graph.edge_src.astype(np.int64), graph.indices.astype(np.int64)
    if reverse:  # over edge (u -> v) one gets from u to the sources via v
        near, far = dst, src
    else:
        near, far = src, dst
    t_near, t_far = tt.time_s[near], tt.time_s[far]
    straight = np.hypot(graph.x_m[src] - graph.x_m[dst], graph.y_m[src] - graph.y_m[dst])
    long_edge = (straight > 2 * buffer_m) & (src < dst)  # one direction is enough for full edges
    land = land_utm() if (clip_to_land and graph.area == "kendari") else None
    out: list[tuple[float, BaseGeometry]] = []
    previous: BaseGeometry | None = None
    for minute in thresholds:
        limit = minute * 60.0
        nodes = np.flatnonzero(tt.time_s <= limit)
        if nodes.size == 0:
            out.append((minute, shapely.Polygon()))
            continue
        parts = [shapely.buffer(shapely.points(graph.x_m[nodes], graph.y_m[nodes]), buffer_m, quad_segs=4)]
        full = long_edge & (t_near <= limit) & (t_far <= limit)
        partial = (t_near <= limit) & ~(t_far <= limit)
        for mask, whole in ((full, True), (partial, False)):
            if not mask.any():
                continue
            a, b = near[mask], far[mask]
            f = np.ones(a.size) if whole else np.clip((limit - t_near[mask]) / graph.time_s[mask], 0.0, 1.0)
            x0, y0 = graph.x_m[a], graph.y_m[a]
            x1, y1 = x0 + (graph.x_m[b] - x0) * f, y0 + (graph.y_m[b] - y0) * f
            coords = np.stack([np.column_stack([x0, y0]), np.column_stack([x1, y1])], axis=1)
            parts.append(shapely.buffer(shapely.linestrings(coords), buffer_m, quad_segs=4))
        if previous is not None:  # what was reached earlier stays reached: areas nest
            parts.append(np.array([previous]))
        area = shapely.union_all(np.concatenate(parts))
        if land is not None:
            area = shapely.intersection(area, land)
        previous = shapely.make_valid(area)
        out.append((minute, unproject(previous)))
    return out


@dataclass(frozen=True)
class Route:
    """One route on the graph.

    Attributes
    ----------
    nodes
        Graph node ids from origin to destination.
    eta_s
        Travel time including both off-network legs, seconds.
    distance_m
        Length including both off-network legs, metres.
    geometry
        The path as a LineString in EPSG:4326 (from the origin point to the destination point).
    """

    model: RoutingModel
    nodes: tuple[int, ...]
    eta_s: float
    distance_m: float
    geometry: LineString
    origin: SnappedPoint
    destination: SnappedPoint


def _snap(graph: TravelGraph, where: int | tuple[float, float] | SnappedPoint, cfg: RoutingConfig,
          land: LandArg) -> SnappedPoint:
    if isinstance(where, SnappedPoint):
        return where
    if isinstance(where, (int, np.integer)):
        node = int(where)
        return SnappedPoint(float(graph.lon[node]), float(graph.lat[node]), node, 0.0, 0.0, True)
    lon, lat = where
    return snap_point(graph, float(lon), float(lat), config=cfg, land=land, require_service_area=False)


def route(
    graph: TravelGraph,
    origin: int | tuple[float, float] | SnappedPoint,
    dest: int | tuple[float, float] | SnappedPoint,
    *,
    config: RoutingConfig | None = None,
    land: LandArg = AUTO,
) -> Route:
    """The quickest route from ``origin`` to ``dest`` (node ids or lon/lat points).

    Raises
    ------
    OffNetworkError
        A point cannot be joined to the network.
    UnreachableError
        No path connects the two (e.g. an island without a connector).
    """
    cfg = config or load_config()
    o = _snap(graph, origin, cfg, land)
    d = _snap(graph, dest, cfg, land)
    dist, pred = dijkstra(graph.times, directed=True, indices=o.node, return_predecessors=True)
    if not np.isfinite(dist[d.node]):
        raise UnreachableError(
            f"no road or bridge connects ({o.lon:.5f}, {o.lat:.5f}) to ({d.lon:.5f}, {d.lat:.5f})"
        )
    path = [d.node]
    while path[-1] != o.node:
        path.append(int(pred[path[-1]]))
    path.reverse()
    coords = graph.path_lonlat(path)
    pieces = [coords]
    if o.distance_m > 0:
        pieces.insert(0, np.array([[o.lon, o.lat]]))
    if d.distance_m > 0:
        pieces.append(np.array([[d.lon, d.lat]]))
    line = np.concatenate(pieces)
    if line.shape[0] == 1:
        line = np.vstack([line, line])
    return Route(
        model=graph.model,
        nodes=tuple(path),
        eta_s=float(dist[d.node]) + o.time_s + d.time_s,
        distance_m=graph.path_length_m(path) + o.distance_m + d.distance_m,
        geometry=LineString(line),
        origin=o,
        destination=d,
    )
