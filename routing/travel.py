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
import shapely.ops
from numpy.typing import ArrayLike, NDArray
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from routing._errors import UnreachableError
from routing._land import land_utm, unproject
from routing._proj import to_lonlat
from routing.config import RoutingConfig, load_config
from routing.graph import RoutingModel, TravelGraph
from routing.snap import AUTO, LandArg, SnappedPoint, Snaps, node_point, snap_point

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
    graph: TravelGraph, sources: ArrayLike | Snaps | Sequence[SnappedPoint], *, reverse: bool = False
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
    """Start nodes, their offsets (seconds) and the index of the source each belongs to.

    A point joined to a segment starts from both ends of it (with the partial edge time),
    in the direction of travel: away from the point, or (``reverse``) towards it.
    """
    points: list[SnappedPoint]
    if isinstance(sources, Snaps):
        if not sources.ok.all():
            bad = int(np.flatnonzero(~sources.ok)[0])
            raise UnreachableError(f"source {bad} is not on the network: {sources.reason[bad]}")
        points = list(sources)
    else:
        items: list[object] | None = list(sources) if not isinstance(sources, np.ndarray) else None  # type: ignore[arg-type]
        if not items or not isinstance(items[0], SnappedPoint):
            nodes = np.atleast_1d(np.asarray(sources, dtype=np.int64))
            if nodes.size and (nodes.min() < 0 or nodes.max() >= graph.n_nodes):
                raise ValueError("source node id out of range")
            return nodes, np.zeros(nodes.size), np.arange(nodes.size, dtype=np.int64)
        points = [p for p in items if isinstance(p, SnappedPoint)]
    out_n: list[int] = []
    out_t: list[float] = []
    owner: list[int] = []
    for j, s in enumerate(points):
        if not s.ok:
            raise UnreachableError(f"source {j} is not on the network: {s.reason}")
        ends = s.inbound(graph) if reverse else s.outbound(graph)
        for node, t, _ in ends:
            out_n.append(node)
            out_t.append(t)
            owner.append(j)
    return (np.array(out_n, dtype=np.int64), np.array(out_t, dtype=np.float64),
            np.array(owner, dtype=np.int64))


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
    nodes, offsets, owner = _source_nodes(graph, sources, reverse=reverse)
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
        index_of[uniq] = owner[first]
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
    index_of[nodes[chosen]] = owner[chosen]
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
        area = shapely.union_all(np.concatenate(parts))  # type: ignore[arg-type]
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
        return node_point(graph, int(where))
    lon, lat = where
    return snap_point(graph, float(lon), float(lat), config=cfg, land=land, require_service_area=False)


def partial_lonlat(graph: TravelGraph, point: SnappedPoint, end: int) -> NDArray[np.float64]:
    """Coordinates (EPSG:4326) along a segment snap's segment, from its joining point to ``end``.

    ``end`` is ``point.node`` or ``point.node_b``; for other snaps the joining point alone.
    """
    join = np.array([[point.join_lon if point.join_lon is not None else point.lon,
                      point.join_lat if point.join_lat is not None else point.lat]])
    if point.kind != "segment":
        return join
    edge, reversed_ = (point.edge_fwd, False) if point.edge_fwd >= 0 else (point.edge_bwd, True)
    line = LineString(graph.edge_line_utm(edge))
    # positions along `line`, which runs node -> node_b (or node_b -> node when reversed)
    at = point.fraction if not reversed_ else 1.0 - point.fraction
    to_b = end == point.node_b
    target = (1.0 if to_b else 0.0) if not reversed_ else (0.0 if to_b else 1.0)
    piece = shapely.ops.substring(line, at, target, normalized=True)
    coords = np.asarray(piece.coords if piece.geom_type == "LineString" else [piece.coords[0]], dtype=np.float64)
    lon, lat = to_lonlat(coords[:, 0], coords[:, 1])
    out = np.column_stack([lon, lat])
    out[0] = join[0]
    return out


def same_segment_time(graph: TravelGraph, origin: SnappedPoint, dest: SnappedPoint) -> tuple[float, float] | None:
    """Time and length along one segment when both points are joined to it and its direction allows.

    Returns ``None`` when they are not on the same segment or a one-way street forbids it.
    """
    if origin.kind != "segment" or dest.kind != "segment":
        return None
    if {origin.node, origin.node_b} != {dest.node, dest.node_b}:
        return None
    # positions from origin.node towards origin.node_b
    p0 = origin.fraction
    p1 = dest.fraction if dest.node == origin.node else 1.0 - dest.fraction
    edge = origin.edge_fwd if p1 >= p0 else origin.edge_bwd
    if edge < 0:
        return None
    share = abs(p1 - p0)
    return share * float(graph.time_s[edge]), share * float(graph.length_m[edge])


def route(
    graph: TravelGraph,
    origin: int | tuple[float, float] | SnappedPoint,
    dest: int | tuple[float, float] | SnappedPoint,
    *,
    config: RoutingConfig | None = None,
    land: LandArg = AUTO,
) -> Route:
    """The quickest route from ``origin`` to ``dest`` (node ids, lon/lat points or snapped points).

    Points joined to a road segment leave and arrive along it (partial edges, in the allowed
    direction).

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
    tt = travel_times_from(graph, [o])
    best_t, best_m, best_end = np.inf, np.inf, -1
    for node, t_in, m_in in d.inbound(graph):
        total = float(tt.time_s[node]) + t_in
        if total < best_t:
            best_t, best_end = total, node
            best_m = m_in
    direct = same_segment_time(graph, o, d)
    if direct is not None and direct[0] + o.leg_time_s + d.leg_time_s <= best_t:
        line = np.concatenate([[[o.lon, o.lat]], partial_lonlat(graph, o, o.node)[:1],
                               partial_lonlat(graph, d, d.node)[:1], [[d.lon, d.lat]]])
        return Route(model=graph.model, nodes=(), eta_s=direct[0] + o.leg_time_s + d.leg_time_s,
                     distance_m=direct[1] + o.distance_m + d.distance_m,
                     geometry=LineString(_dedupe(line)), origin=o, destination=d)
    if not np.isfinite(best_t):
        raise UnreachableError(
            f"no road or bridge connects ({o.lon:.5f}, {o.lat:.5f}) to ({d.lon:.5f}, {d.lat:.5f})"
        )
    path = [best_end]
    while tt.predecessors[path[-1]] >= 0:
        path.append(int(tt.predecessors[path[-1]]))
    path.reverse()
    start = path[0]
    out_m = next(m for n, _, m in o.outbound(graph) if n == start)
    pieces = [np.array([[o.lon, o.lat]]), partial_lonlat(graph, o, start)[::-1], graph.path_lonlat(path),
              partial_lonlat(graph, d, best_end), np.array([[d.lon, d.lat]])]
    line = _dedupe(np.concatenate(pieces))
    return Route(
        model=graph.model,
        nodes=tuple(path),
        eta_s=best_t,
        distance_m=graph.path_length_m(path) + out_m + best_m,
        geometry=LineString(line),
        origin=o,
        destination=d,
    )


def _dedupe(coords: NDArray[np.float64]) -> NDArray[np.float64]:
    """Drop consecutive repeated points; a single point is doubled (a valid LineString)."""
    keep = np.ones(coords.shape[0], dtype=bool)
    keep[1:] = np.any(np.abs(coords[1:] - coords[:-1]) > 1e-12, axis=1)
    out = coords[keep]
    if out.shape[0] == 1:
        out = np.vstack([out, out])
    return out
