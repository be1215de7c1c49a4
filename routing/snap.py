"""Joining points to the travel graph, with the off-network leg as time; never across water.

How a point is joined (``kind``):

* ``"node"`` — to a graph node: on a road network when a routable node lies within
  ``snapping.node_snap_m`` (a junction, a station gate); on the approximate lattice always
  (the space between lattice nodes is as drivable as the lattice).
* ``"segment"`` — on a road network, to the nearest point of the nearest road segment
  (the projection), with partial edge costs to either end (:meth:`SnappedPoint.outbound`,
  :meth:`SnappedPoint.inbound`).
* ``"off_road"`` — a point on land farther than ``snapping.max_snap_m`` from any road: joined
  to the nearest node reachable over land, with an off-road leg at
  ``snapping.off_road_speed_kmh``; flagged, never refused.

A point in the water within ``snapping.shore_band_m`` of the shore (a pier, stilt houses, a
drifting GPS fix) is first moved to the nearest land point and joined from there, so it is
never joined to the other side of the bay. No straight leg crosses water: a leg that leaves the
land (beyond ``snapping.water_tolerance_m``) is refused and the next candidates are tried. A
point whose every candidate lies across water (an island without a road or connector) is not
joined: ``reason_code="boat_only"``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Final, Literal

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

from routing._errors import OffNetworkError, OutsideServiceAreaError
from routing._land import Land, kendari_land
from routing._proj import to_lonlat, to_utm
from routing.config import RoutingConfig, load_config
from routing.graph import TravelGraph

#: Pass as ``land=`` to pick the land of the graph's area (Kendari) automatically.
AUTO: Final = "auto"
LandArg = Land | None | Literal["auto"]
_KMH_TO_MS = 1 / 3.6
#: Nodes tried when looking for the nearest node reachable over land (off-road legs).
_OFF_ROAD_CANDIDATES = 64
#: A point moved out of the water is placed this far inside the shore line.
_SHORE_INSET_M = 1.0
#: Search radius and grid step of an off-road walk around water (spits, inlets).
_DETOUR_RADIUS_M = 2000.0
_DETOUR_STEP_M = 100.0

SnapKind = Literal["node", "segment", "off_road", ""]


@dataclass(frozen=True)
class SnappedPoint:
    """One point joined to the graph.

    Attributes
    ----------
    node
        Graph node id (for a segment snap: the nearer end of the segment), or -1 when the
        point could not be snapped.
    distance_m
        Length of the straight off-network leg, including a move out of the water (the
        nearest node's distance when not snapped).
    time_s
        Time from the point to ``node``: the leg plus, for a segment snap, the partial edge
        (0 when not snapped). Precise routing uses :meth:`outbound` / :meth:`inbound`.
    ok
        Whether the point is on the network; ``reason`` says why not.
    kind
        ``"node"``, ``"segment"``, ``"off_road"`` (see the module docs) or ``""``.
    node_b, fraction
        Segment snaps: the other end of the segment and the position of the joining point
        from ``node`` (0) to ``node_b`` (1), by length.
    edge_fwd, edge_bwd
        Segment snaps: edge ids ``node -> node_b`` and ``node_b -> node`` (-1 if one-way).
    leg_s
        Time of the straight leg alone (``None``: same as ``time_s``).
    moved_m
        How far the point was moved out of the water to the nearest land first (0 on land).
    start_lon, start_lat
        (On :class:`Snaps`) where the straight leg starts: the point itself, or the land point it
        was moved to out of the water.
    reason_code
        Stable code of a refusal or flag: ``"off_network"``, ``"boat_only"``,
        ``"invalid_position"``, ``"open_water"`` (snapped, but in open water).
    join_lon, join_lat
        Where the point joins the network (node or projection), EPSG:4326.
    """

    lon: float
    lat: float
    node: int
    distance_m: float
    time_s: float
    ok: bool
    reason: str | None = None
    kind: str = "node"
    node_b: int = -1
    fraction: float = 0.0
    edge_fwd: int = -1
    edge_bwd: int = -1
    leg_s: float | None = None
    moved_m: float = 0.0
    reason_code: str | None = None
    join_lon: float | None = None
    join_lat: float | None = None

    @property
    def leg_time_s(self) -> float:
        """Time of the straight leg alone, seconds."""
        return self.time_s if self.leg_s is None else float(self.leg_s)

    @property
    def off_road_m(self) -> float:
        """Length of an off-road leg beyond the snapping limit (0 unless ``kind == "off_road"``)."""
        return float(self.distance_m) if self.ok and self.kind == "off_road" else 0.0

    def _partials(self, graph: TravelGraph, toward_node: bool) -> list[tuple[int, float, float]]:
        f = float(self.fraction)
        g = 1.0 - f

        def part(edge: int, share: float) -> tuple[float, float]:
            return share * float(graph.time_s[edge]), share * float(graph.length_m[edge])

        out = []
        if toward_node:  # travel from the joining point back to `node` needs edge node_b -> node
            if self.edge_bwd >= 0:
                out.append((self.node, *part(self.edge_bwd, f)))
            if self.edge_fwd >= 0:
                out.append((self.node_b, *part(self.edge_fwd, g)))
        else:  # arriving at the joining point: from `node` along node -> node_b, from node_b along node_b -> node
            if self.edge_fwd >= 0:
                out.append((self.node, *part(self.edge_fwd, f)))
            if self.edge_bwd >= 0:
                out.append((self.node_b, *part(self.edge_bwd, g)))
        return out

    def outbound(self, graph: TravelGraph) -> list[tuple[int, float, float]]:
        """Ways from the point onto the graph: ``(node, seconds, metres)`` including the leg."""
        if not self.ok:
            return []
        if self.kind != "segment":
            return [(self.node, self.leg_time_s, float(self.distance_m))]
        return [(n, t + self.leg_time_s, m + float(self.distance_m)) for n, t, m in self._partials(graph, True)]

    def inbound(self, graph: TravelGraph) -> list[tuple[int, float, float]]:
        """Ways from the graph to the point: ``(node, seconds, metres)`` including the leg."""
        if not self.ok:
            return []
        if self.kind != "segment":
            return [(self.node, self.leg_time_s, float(self.distance_m))]
        return [(n, t + self.leg_time_s, m + float(self.distance_m)) for n, t, m in self._partials(graph, False)]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready snap facts (for recommendations and reports)."""
        return {
            "kind": self.kind or None,
            "distance_m": None if not np.isfinite(self.distance_m) else round(float(self.distance_m)),
            "time_s": round(self.leg_time_s, 1),
            "moved_from_water_m": round(self.moved_m),
            "off_road_m": round(self.off_road_m),
            "node": self.node if self.ok else None,
            "join": None if self.join_lon is None
            else {"lon": round(self.join_lon, 6), "lat": round(self.join_lat or 0.0, 6)},
            "reason_code": self.reason_code,
        }


@dataclass(frozen=True, eq=False)
class Snaps:
    """Snapping results for many points (arrays, one entry per point); see :class:`SnappedPoint`."""

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    node: NDArray[np.int64]
    distance_m: NDArray[np.float64]
    time_s: NDArray[np.float64]
    ok: NDArray[np.bool_]
    reason: tuple[str | None, ...]
    kind: tuple[str, ...] | None = None
    node_b: NDArray[np.int64] | None = None
    fraction: NDArray[np.float64] | None = None
    edge_fwd: NDArray[np.int64] | None = None
    edge_bwd: NDArray[np.int64] | None = None
    leg_s: NDArray[np.float64] | None = None
    moved_m: NDArray[np.float64] | None = None
    reason_code: tuple[str | None, ...] | None = None
    join_lon: NDArray[np.float64] | None = None
    join_lat: NDArray[np.float64] | None = None
    start_lon: NDArray[np.float64] | None = None
    start_lat: NDArray[np.float64] | None = None

    def __len__(self) -> int:
        return int(self.node.shape[0])

    def __getitem__(self, i: int) -> SnappedPoint:
        def opt(arr: NDArray[np.float64] | NDArray[np.int64] | None, default: float | int) -> float | int:
            return default if arr is None else arr[i].item()

        return SnappedPoint(
            lon=float(self.lon[i]), lat=float(self.lat[i]), node=int(self.node[i]),
            distance_m=float(self.distance_m[i]), time_s=float(self.time_s[i]),
            ok=bool(self.ok[i]), reason=self.reason[i],
            kind=("node" if self.ok[i] else "") if self.kind is None else self.kind[i],
            node_b=int(opt(self.node_b, -1)), fraction=float(opt(self.fraction, 0.0)),
            edge_fwd=int(opt(self.edge_fwd, -1)), edge_bwd=int(opt(self.edge_bwd, -1)),
            leg_s=None if self.leg_s is None else float(self.leg_s[i]),
            moved_m=float(opt(self.moved_m, 0.0)),
            reason_code=None if self.reason_code is None else self.reason_code[i],
            join_lon=None if self.join_lon is None or not np.isfinite(self.join_lon[i]) else float(self.join_lon[i]),
            join_lat=None if self.join_lat is None or not np.isfinite(self.join_lat[i]) else float(self.join_lat[i]),
        )

    def __iter__(self) -> Iterator[SnappedPoint]:
        return (self[i] for i in range(len(self)))

    def to_dicts(self) -> list[dict[str, object]]:
        """:meth:`SnappedPoint.to_dict` of every point, built from the arrays at once (fast)."""
        count = len(self)
        ok = self.ok.tolist()
        kind = list(self.kind) if self.kind is not None else ["node" if o else "" for o in ok]
        dist = self.distance_m.tolist()
        leg = (self.leg_s if self.leg_s is not None else self.time_s).tolist()
        moved = self.moved_m.tolist() if self.moved_m is not None else [0.0] * count
        node = self.node.tolist()
        codes = list(self.reason_code) if self.reason_code is not None else [None] * count
        jlon = self.join_lon.tolist() if self.join_lon is not None else [None] * count
        jlat = self.join_lat.tolist() if self.join_lat is not None else [None] * count
        out: list[dict[str, object]] = []
        for i in range(count):
            d = dist[i]
            finite = d == d and d not in (float("inf"), float("-inf"))
            lon_i, lat_i = jlon[i], jlat[i]
            join = ({"lon": round(lon_i, 6), "lat": round(lat_i, 6)}
                    if lon_i is not None and lat_i is not None and lon_i == lon_i else None)
            out.append({
                "kind": kind[i] or None,
                "distance_m": round(d) if finite else None,
                "time_s": round(leg[i], 1),
                "moved_from_water_m": round(moved[i]),
                "off_road_m": round(d) if ok[i] and kind[i] == "off_road" and finite else 0,
                "node": node[i] if ok[i] else None,
                "join": join,
                "reason_code": codes[i],
            })
        return out

    def select(self, which: ArrayLike) -> Snaps:
        """The results for a boolean mask or index array (e.g. ``snaps.select(snaps.ok)``)."""
        idx = np.arange(len(self))[np.asarray(which)]
        pick = idx.tolist()

        def arr(a: NDArray[np.float64] | NDArray[np.int64] | None) -> NDArray[np.float64] | NDArray[np.int64] | None:
            return None if a is None else a[idx]

        def tup(t: tuple[str | None, ...] | tuple[str, ...] | None) -> tuple[str | None, ...] | None:
            return None if t is None else tuple(t[i] for i in pick)

        return Snaps(self.lon[idx], self.lat[idx], self.node[idx], self.distance_m[idx], self.time_s[idx],
                     self.ok[idx], tuple(self.reason[i] for i in pick),
                     kind=tup(self.kind), node_b=arr(self.node_b), fraction=arr(self.fraction),  # type: ignore[arg-type]
                     edge_fwd=arr(self.edge_fwd), edge_bwd=arr(self.edge_bwd), leg_s=arr(self.leg_s),  # type: ignore[arg-type]
                     moved_m=arr(self.moved_m), reason_code=tup(self.reason_code),  # type: ignore[arg-type]
                     join_lon=arr(self.join_lon), join_lat=arr(self.join_lat),  # type: ignore[arg-type]
                     start_lon=arr(self.start_lon), start_lat=arr(self.start_lat))  # type: ignore[arg-type]


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


class _Work:
    """Per-call working arrays of :func:`snap_many` (one entry per point)."""

    def __init__(self, count: int, x: NDArray[np.float64], y: NDArray[np.float64]) -> None:
        self.x = x.copy()
        self.y = y.copy()
        self.node = np.full(count, -1, dtype=np.int64)
        self.node_b = np.full(count, -1, dtype=np.int64)
        self.fraction = np.zeros(count)
        self.edge_fwd = np.full(count, -1, dtype=np.int64)
        self.edge_bwd = np.full(count, -1, dtype=np.int64)
        self.leg = np.full(count, np.nan)
        self.join_x = np.full(count, np.nan)
        self.join_y = np.full(count, np.nan)
        self.kind = np.full(count, "", dtype=object)
        self.crossed = np.zeros(count, dtype=bool)


def _legs_on_land(land: Land | None, check: NDArray[np.bool_], x: NDArray[np.float64], y: NDArray[np.float64],
                  tx: NDArray[np.float64], ty: NDArray[np.float64], sure: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Which legs (x, y) -> (tx, ty) stay on land; ``sure`` legs and unchecked points pass."""
    ok = np.ones(x.shape[0], dtype=bool)
    if land is None:
        return ok
    need = check & ~sure
    if need.any():
        sub = np.flatnonzero(need)
        ok[sub] = land.segments_on_land(x[sub], y[sub], tx[sub], ty[sub])
    return ok


def _snap_nodes(graph: TravelGraph, work: _Work, todo: NDArray[np.int64], check: NDArray[np.bool_],
                land: Land | None, *, k: int, limit: float, kind: str) -> NDArray[np.int64]:
    """Join ``todo`` points to the nearest routable node (up to ``k`` tried) whose leg stays on land.

    Returns the points left over.
    """
    if todo.size == 0:
        return todo
    tree, ids = graph.routable_tree
    if ids.size == 0:
        return todo
    kk = max(1, min(k, ids.size))
    xy = np.column_stack([work.x[todo], work.y[todo]])
    dist, pos = tree.query(xy, k=kk, distance_upper_bound=limit)
    dist = np.asarray(dist, dtype=np.float64).reshape(todo.size, kk)
    pos = np.asarray(pos, dtype=np.int64).reshape(todo.size, kk)
    pending = np.ones(todo.size, dtype=bool)
    shore = graph.shore_m
    for col in range(kk):
        rows = np.flatnonzero(pending & np.isfinite(dist[:, col]))
        if rows.size == 0:
            break
        nodes = ids[pos[rows, col]]
        d = dist[rows, col]
        p = todo[rows]
        sure = d <= (shore[nodes] if shore is not None else np.zeros(nodes.size))
        ok = _legs_on_land(land, check[p], work.x[p], work.y[p], graph.x_m[nodes], graph.y_m[nodes], sure)
        work.crossed[p[~ok]] = True
        acc = p[ok]
        work.node[acc] = nodes[ok]
        work.leg[acc] = d[ok]
        work.join_x[acc] = graph.x_m[nodes[ok]]
        work.join_y[acc] = graph.y_m[nodes[ok]]
        work.kind[acc] = kind
        pending[rows[ok]] = False
    return todo[pending]


def _snap_segments(graph: TravelGraph, work: _Work, todo: NDArray[np.int64], check: NDArray[np.bool_],
                   land: Land | None, *, limit: float) -> NDArray[np.int64]:
    """Join ``todo`` points to the nearest segment's projection when the leg stays on land."""
    if todo.size == 0 or graph.n_edges == 0:
        return todo
    index = graph.segments
    pts = np.asarray(shapely.points(work.x[todo], work.y[todo]), dtype=object)
    (which, seg), dist = index.tree.query_nearest(pts, max_distance=limit, return_distance=True, all_matches=False)
    if which.size == 0:
        return todo
    p = todo[which]
    lines = index.lines[seg]
    along = np.asarray(shapely.line_locate_point(lines, pts[which]), dtype=np.float64)
    proj = shapely.line_interpolate_point(lines, along)
    px, py = shapely.get_x(proj), shapely.get_y(proj)
    length = np.maximum(index.length_m[seg], 1e-9)
    frac = np.clip(along / length, 0.0, 1.0)
    a, b = index.a[seg], index.b[seg]
    # land radius at the projection: at least what is left of an end's all-land disk
    if graph.shore_m is not None:
        da = np.hypot(px - graph.x_m[a], py - graph.y_m[a])
        db = np.hypot(px - graph.x_m[b], py - graph.y_m[b])
        radius = np.maximum(graph.shore_m[a] - da, graph.shore_m[b] - db)
    else:
        radius = np.zeros(p.size)
    ok = _legs_on_land(land, check[p], work.x[p], work.y[p], px, py, dist <= radius)
    work.crossed[p[~ok]] = True
    near_a = frac <= 0.5
    acc = np.flatnonzero(ok)
    pa = p[acc]
    first = np.where(near_a, a, b)[acc]
    second = np.where(near_a, b, a)[acc]
    work.node[pa] = first
    work.node_b[pa] = second
    work.fraction[pa] = np.where(near_a, frac, 1.0 - frac)[acc]
    work.edge_fwd[pa] = np.where(near_a, index.e_ab[seg], index.e_ba[seg])[acc]
    work.edge_bwd[pa] = np.where(near_a, index.e_ba[seg], index.e_ab[seg])[acc]
    work.leg[pa] = dist[acc]
    work.join_x[pa] = px[acc]
    work.join_y[pa] = py[acc]
    work.kind[pa] = "segment"
    done = np.zeros(todo.size, dtype=bool)
    done[which[acc]] = True
    return todo[~done]


def _over_land_legs(graph: TravelGraph, work: _Work, todo: NDArray[np.int64], land: Land, *,
                    radius_m: float = _DETOUR_RADIUS_M, step_m: float = _DETOUR_STEP_M) -> NDArray[np.int64]:
    """Off-road legs that bend around water: the shortest over-land walk to a routable node.

    For a point whose straight legs all cross water (a spit, the far side of an inlet), a grid of
    land points (``step_m``; a finer second pass finds thin necks of land) within ``radius_m``
    is searched (8 neighbours, links that stay on land) for the nearest road node. Returns the
    points left over (no node within reach).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    tree, ids = graph.routable_tree
    left: list[int] = []
    offsets = [(1, 0), (0, 1), (1, 1), (1, -1)]
    for p in todo.tolist():
        px, py = float(work.x[p]), float(work.y[p])
        xs = np.arange(px - radius_m, px + radius_m + step_m / 2, step_m)
        ys = np.arange(py - radius_m, py + radius_m + step_m / 2, step_m)
        gx, gy = np.meshgrid(xs, ys)
        inside = np.asarray(shapely.contains_xy(land.land, gx, gy), dtype=bool)
        grid = np.full(gx.shape, -1, dtype=np.int64)
        grid[inside] = np.arange(int(inside.sum()))
        wx, wy = gx[inside], gy[inside]
        near = np.asarray(tree.query_ball_point([px, py], radius_m), dtype=np.int64)
        nodes = ids[near] if near.size else np.zeros(0, dtype=np.int64)
        if wx.size == 0 or nodes.size == 0:
            left.append(p)
            continue
        src: list[NDArray[np.int64]] = []
        dst: list[NDArray[np.int64]] = []
        rows, cols = grid.shape
        for di, dj in offsets:
            i0, i1 = max(0, -di), rows - max(0, di)
            j0, j1 = max(0, -dj), cols - max(0, dj)
            a = grid[i0:i1, j0:j1]
            b = grid[i0 + di:i1 + di, j0 + dj:j1 + dj]
            ok = (a >= 0) & (b >= 0)
            src.append(a[ok])
            dst.append(b[ok])
        ea, eb = np.concatenate(src), np.concatenate(dst)
        # grid ids 0..w-1, the point w, road nodes w+1..
        w = wx.size
        allx = np.concatenate([wx, [px], graph.x_m[nodes]])
        ally = np.concatenate([wy, [py], graph.y_m[nodes]])
        gtree = cKDTree(np.column_stack([wx, wy]))
        links_a: list[int] = []
        links_b: list[int] = []
        for k, (qx, qy) in enumerate(zip(allx[w:].tolist(), ally[w:].tolist())):
            for g in gtree.query_ball_point([qx, qy], step_m * 1.5):
                links_a.append(w + k)
                links_b.append(int(g))
        ea = np.concatenate([ea, np.array(links_a, dtype=np.int64)])
        eb = np.concatenate([eb, np.array(links_b, dtype=np.int64)])
        keep = land.segments_on_strict_land(allx[ea], ally[ea], allx[eb], ally[eb])
        ea, eb = ea[keep], eb[keep]
        length = np.maximum(np.hypot(allx[ea] - allx[eb], ally[ea] - ally[eb]), 1e-3)
        total = allx.size
        mat = coo_matrix((np.concatenate([length, length]), (np.concatenate([ea, eb]), np.concatenate([eb, ea]))),
                         shape=(total, total)).tocsr()
        dist = dijkstra(mat, directed=True, indices=w, limit=radius_m * 3)
        reach = dist[w + 1:]
        if not np.isfinite(reach).any():
            left.append(p)
            continue
        k = int(np.argmin(reach))
        node = int(nodes[k])
        work.node[p] = node
        work.leg[p] = float(reach[k])
        work.join_x[p] = graph.x_m[node]
        work.join_y[p] = graph.y_m[node]
        work.kind[p] = "off_road"
    return np.array(left, dtype=np.int64)


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
        for a graph without geography; ``None`` switches the test off (and with it the moves
        out of the water and the off-road legs).
    max_snap_m
        Snapping limit (``config.max_snap_m`` when omitted): beyond it a point on land gets an
        off-road leg; a point not known to be on land is not snapped.

    Returns
    -------
    Snaps
        Per point: node (-1 when not snapped), how it was joined, leg length and time, ``ok``
        and a reason (with a reason code).
    """
    cfg = config or load_config()
    limit = cfg.max_snap_m if max_snap_m is None else float(max_snap_m)
    lon_a = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    lat_a = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    count = lon_a.shape[0]
    if count == 0 or graph.n_nodes == 0 or not graph.routable.any():
        reason = tuple("the travel graph is empty" for _ in range(count))
        return Snaps(lon_a, lat_a, np.full(count, -1, dtype=np.int64), np.full(count, np.nan), np.zeros(count),
                     np.zeros(count, dtype=bool), reason, kind=tuple("" for _ in range(count)),
                     reason_code=tuple("off_network" for _ in range(count)))
    x, y = to_utm(lon_a, lat_a)
    finite = np.isfinite(x) & np.isfinite(y)
    x = np.where(finite, x, 0.0)
    y = np.where(finite, y, 0.0)
    work = _Work(count, x, y)
    moved = np.zeros(count)
    open_water = np.zeros(count, dtype=bool)
    land_ = resolve_land(graph, land, cfg)
    on_land = np.zeros(count, dtype=bool)
    if land_ is not None:
        on_land = land_.contains(x, y) & finite
        water = np.flatnonzero(finite & ~on_land)
        if water.size:
            pts = np.asarray(shapely.points(x[water], y[water]), dtype=object)
            d_land = np.asarray(shapely.distance(land_.land, pts), dtype=np.float64)
            near = d_land <= cfg.shore_band_m
            open_water[water[~near]] = True
            if near.any():
                sel = water[near]
                lines = shapely.shortest_line(land_.solid, pts[near])
                coords = shapely.get_coordinates(lines).reshape(-1, 2, 2)
                lx, ly = coords[:, 0, 0], coords[:, 0, 1]
                dx, dy = lx - x[sel], ly - y[sel]
                norm = np.maximum(np.hypot(dx, dy), 1e-9)
                work.x[sel] = lx + dx / norm * _SHORE_INSET_M
                work.y[sel] = ly + dy / norm * _SHORE_INSET_M
                moved[sel] = np.hypot(work.x[sel] - x[sel], work.y[sel] - y[sel])
                on_land[sel] = True
    check = on_land.copy()  # legs from land points must stay on land
    todo = np.flatnonzero(finite)
    if graph.model == "road":
        todo = _snap_nodes(graph, work, todo, check, land_, k=1, limit=cfg.node_snap_m, kind="node")
        todo = _snap_segments(graph, work, todo, check, land_, limit=limit)
    todo = _snap_nodes(graph, work, todo, check, land_, k=max(1, cfg.snap_candidates), limit=limit, kind="node")
    if land_ is not None:
        on = todo[on_land[todo]]
        left = _snap_nodes(graph, work, on, check, land_, k=_OFF_ROAD_CANDIDATES, limit=np.inf, kind="off_road")
        left = _over_land_legs(graph, work, left, land_)
        left = _over_land_legs(graph, work, left, land_, radius_m=_DETOUR_RADIUS_M / 2, step_m=_DETOUR_STEP_M / 4)
        todo = np.concatenate([todo[~on_land[todo]], left])

    ok = work.node >= 0
    speed_ms, circuity = leg_speed(graph, cfg)
    leg = np.where(ok, np.nan_to_num(work.leg) + moved, np.nan)
    off_road = work.kind == "off_road"
    leg_s = np.where(ok, np.nan_to_num(leg) * circuity / speed_ms, 0.0)
    leg_s = np.where(off_road, np.nan_to_num(leg) / cfg.off_road_speed_ms, leg_s)
    # time to `node`: the leg plus the partial edge between the joining point and `node`
    partial = np.zeros(count)
    seg = np.flatnonzero(ok & (work.kind == "segment"))
    if seg.size:
        edge = np.where(work.edge_bwd[seg] >= 0, work.edge_bwd[seg], work.edge_fwd[seg])
        partial[seg] = work.fraction[seg] * graph.time_s[edge]
    time_s = np.where(ok, leg_s + partial, 0.0)

    reasons: list[str | None] = [None] * count
    codes: list[str | None] = [None] * count
    dist = leg.copy()
    bad = np.flatnonzero(~ok)
    if bad.size:
        tree = graph.routable_tree[0]
        nearest_d, _ = tree.query(np.column_stack([x[bad], y[bad]]), k=1)
        for j, p in enumerate(bad.tolist()):
            dist[p] = float(nearest_d[j])
            if not finite[p]:
                reasons[p] = "position is not a valid coordinate"
                codes[p] = "invalid_position"
                dist[p] = np.nan
            elif work.crossed[p] and on_land[p]:
                reasons[p] = (f"every road near it lies across water (nearest {nearest_d[j]:.0f} m away): "
                              "reachable by boat only")
                codes[p] = "boat_only"
            elif work.crossed[p] and nearest_d[j] <= limit:
                reasons[p] = f"the nearest travel-network point is {nearest_d[j]:.0f} m away across water"
                codes[p] = "off_network"
            else:
                reasons[p] = f"{nearest_d[j]:.0f} m from the travel network (more than {limit:.0f} m)"
                codes[p] = "off_network"
    for p in np.flatnonzero(ok & open_water).tolist():
        codes[p] = "open_water"
    for p in np.flatnonzero(ok & off_road).tolist():
        reasons[p] = f"off-road {leg[p] / 1000:.1f} km from the nearest road"
    join_lon = np.full(count, np.nan)
    join_lat = np.full(count, np.nan)
    if ok.any():
        jl, jt = to_lonlat(work.join_x[ok], work.join_y[ok])
        join_lon[ok], join_lat[ok] = jl, jt
    start_lon, start_lat = lon_a.copy(), lat_a.copy()
    shifted = np.flatnonzero(moved > 0)
    if shifted.size:
        start_lon[shifted], start_lat[shifted] = to_lonlat(work.x[shifted], work.y[shifted])
    return Snaps(
        lon_a, lat_a, work.node, dist, time_s, ok, tuple(reasons),
        kind=tuple(str(k) for k in work.kind), node_b=work.node_b, fraction=work.fraction,
        edge_fwd=work.edge_fwd, edge_bwd=work.edge_bwd, leg_s=leg_s, moved_m=moved,
        reason_code=tuple(codes), join_lon=join_lon, join_lat=join_lat, start_lon=start_lon, start_lat=start_lat,
    )


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
        The point lies outside the service area; ``distance_m`` says how far from land and
        ``reason_code`` whether it is open water (within 5 km of the shore: the bay, the sea
        off the city) or simply outside the city.
    OffNetworkError
        The point cannot be joined (``reason_code``: ``"boat_only"`` for land no road reaches,
        ``"off_network"`` otherwise).
    """
    cfg = config or load_config()
    land_ = resolve_land(graph, land, cfg)
    if require_service_area and land_ is not None:
        x, y = to_utm([lon], [lat])
        if not land_.in_service_area(x, y)[0]:
            off = land_.distance_m(float(x[0]), float(y[0]))
            code = "open_water" if off <= 5000.0 else "outside_service_area"
            raise OutsideServiceAreaError(
                f"({lon:.5f}, {lat:.5f}) is {off:.0f} m from the city's land (in the bay, at sea or "
                f"outside Kota Kendari; the service area reaches {land_.service_buffer_m:.0f} m off the shore)",
                lon=lon, lat=lat, distance_m=off, reason_code=code,
            )
    result = snap_many(graph, [lon], [lat], config=cfg, land=land_)[0]
    if not result.ok:
        raise OffNetworkError(
            f"({lon:.5f}, {lat:.5f}) cannot be joined to the travel network: {result.reason}",
            lon=lon, lat=lat, distance_m=result.distance_m, reason_code=result.reason_code or "off_network",
        )
    return result


def node_point(graph: TravelGraph, node: int) -> SnappedPoint:
    """A point exactly on a graph node (no leg)."""
    n = int(node)
    return SnappedPoint(float(graph.lon[n]), float(graph.lat[n]), n, 0.0, 0.0, True, kind="node",
                        join_lon=float(graph.lon[n]), join_lat=float(graph.lat[n]))


def with_leg_speed(point: SnappedPoint, speed_ms: float) -> SnappedPoint:
    """A copy whose straight leg is covered at ``speed_ms`` instead."""
    leg = float(point.distance_m) / speed_ms
    return replace(point, time_s=point.time_s - point.leg_time_s + leg, leg_s=leg)
