"""Build a road travel graph from road lines, repairing what real layers get wrong.

Input is :class:`RoadLines` (any reader: OSM XML, ``.osm.pbf``, Shapefile, GeoPackage ...).
Steps, each counted in the :class:`BuildReport`:

1. **Clip** to the area (city outline plus a buffer): a line is cut where it leaves it.
2. **Join line ends** that miss another line by up to ``join_tolerance_m``: to the nearest
   vertex of another line (node-to-node), else to the nearest point of its nearest segment,
   which gets a new vertex there (node-to-segment).
3. **Graph nodes** at junctions (a vertex shared by several lines, or reached more than twice)
   and line ends, plus a node at the first vertex at least ``max_edge_m`` along a road; then
   every edge longer than ``2 * max_node_gap_m`` is split evenly, so that every point of a kept
   road lies within ``max_node_gap_m`` of a node.
4. **Components**: the largest strongly (or weakly) connected component is kept; every dropped
   piece is reported with its length, centroid and bounding box (:meth:`BuildReport.geojson`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from routing._errors import RoadImportError
from routing._proj import to_lonlat, to_utm
from routing.graph import TravelGraph

_KMH_TO_MS = 1 / 3.6
#: Length slack when cutting and splitting edges (coordinate rounding), metres.
_SLACK_M = 0.1
Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True, eq=False)
class RoadLines:
    """Road lines with their attributes, as read from a file (EPSG:4326).

    Attributes
    ----------
    lon, lat
        All vertices, line after line.
    line_ptr
        Vertices of line ``i`` are ``line_ptr[i]:line_ptr[i+1]``.
    vertex_id
        Identity of each vertex (OSM node id) or ``None``: vertices are the same when their
        coordinates agree to 1e-7 degrees (~1 cm).
    road_class
        Per line, index into ``class_names``.
    speed_kmh
        Per line, emergency speed.
    oneway
        Per line: 1 along the line, -1 against it, 0 both ways.
    speed_from_tag
        Per line: the speed came from a mapped speed limit.
    ways_read
        Lines (ways, features) in the file, drivable or not.
    missing_vertices
        Vertices referenced by the lines but not in the file (OSM extracts cut at a bbox).
    """

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    line_ptr: NDArray[np.int64]
    vertex_id: NDArray[np.int64] | None
    road_class: NDArray[np.int16]
    speed_kmh: NDArray[np.float64]
    oneway: NDArray[np.int8]
    speed_from_tag: NDArray[np.bool_]
    class_names: tuple[str, ...]
    ways_read: int
    missing_vertices: int = 0
    class_counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def n_lines(self) -> int:
        return int(self.line_ptr.shape[0] - 1)


class LineCollector:
    """Accumulates lines (vertex runs) and their attributes, then gives :class:`RoadLines`."""

    def __init__(self) -> None:
        self.lon: list[float] = []
        self.lat: list[float] = []
        self.ids: list[int] = []
        self.ptr: list[int] = [0]
        self.cls: list[int] = []
        self.speed: list[float] = []
        self.oneway: list[int] = []
        self.tagged: list[bool] = []
        self.class_index: dict[str, int] = {}
        self.class_counts: dict[str, int] = {}

    def klass(self, name: str) -> int:
        """Index of a class name (added on first use)."""
        if name not in self.class_index:
            self.class_index[name] = len(self.class_index)
        return self.class_index[name]

    def add(self, lon: Iterable[float], lat: Iterable[float], ids: Iterable[int] | None, cls: int, speed: float,
            oneway: int, tagged: bool) -> None:
        """Add one line."""
        self.lon.extend(lon)
        self.lat.extend(lat)
        if ids is not None:
            self.ids.extend(ids)
        self.ptr.append(len(self.lon))
        self.cls.append(cls)
        self.speed.append(speed)
        self.oneway.append(oneway)
        self.tagged.append(tagged)

    def lines(self, *, ways_read: int, missing: int, with_ids: bool) -> RoadLines:
        """The collected lines."""
        names = tuple(sorted(self.class_index, key=self.class_index.__getitem__))
        return RoadLines(
            lon=np.array(self.lon, dtype=np.float64),
            lat=np.array(self.lat, dtype=np.float64),
            line_ptr=np.array(self.ptr, dtype=np.int64),
            vertex_id=np.array(self.ids, dtype=np.int64) if with_ids else None,
            road_class=np.array(self.cls, dtype=np.int16),
            speed_kmh=np.array(self.speed, dtype=np.float64),
            oneway=np.array(self.oneway, dtype=np.int8),
            speed_from_tag=np.array(self.tagged, dtype=bool),
            class_names=names,
            ways_read=ways_read,
            missing_vertices=missing,
            class_counts=dict(self.class_counts),
        )



@dataclass(frozen=True)
class RepairOptions:
    """What the builder repairs.

    Attributes
    ----------
    join_tolerance_m
        Join a dangling line end to another line within this distance (0: off).
    max_edge_m
        A node at the first vertex at least this far along a road.
    max_node_gap_m
        Split edges so every point lies within this distance of a node (``None``: off).
    component
        ``"strong"`` or ``"weak"``: which largest connected component is kept.
    """

    join_tolerance_m: float = 3.0
    max_edge_m: float = 100.0
    max_node_gap_m: float | None = 50.0
    component: Literal["strong", "weak"] = "strong"


@dataclass(frozen=True)
class BuildReport:
    """What the builder kept, joined, split and dropped."""

    ways_read: int
    lines: int
    vertices: int
    dropped_outside_vertices: int
    joined_node_to_node: int
    joined_node_to_segment: int
    split_nodes: int
    nodes: int
    edges: int
    edges_one_way: int
    edges_maxspeed: int
    components: int
    dropped_component_nodes: int
    component_rule: str
    kept_length_m: float
    dropped: tuple[Mapping[str, Any], ...]
    class_counts: Mapping[str, int]
    seconds: float

    @property
    def dropped_length_m(self) -> float:
        return float(sum(float(d["properties"]["length_m"]) for d in self.dropped))

    def summary(self) -> dict[str, Any]:
        """JSON-ready counts (no geometry)."""
        return {
            "ways_read": self.ways_read, "lines": self.lines, "vertices": self.vertices,
            "dropped_outside_vertices": self.dropped_outside_vertices,
            "joined_node_to_node": self.joined_node_to_node,
            "joined_node_to_segment": self.joined_node_to_segment,
            "split_nodes": self.split_nodes, "nodes": self.nodes, "edges": self.edges,
            "edges_one_way": self.edges_one_way, "edges_maxspeed": self.edges_maxspeed,
            "components": self.components, "dropped_components": len(self.dropped),
            "dropped_component_nodes": self.dropped_component_nodes,
            "dropped_length_m": round(self.dropped_length_m, 1),
            "kept_length_m": round(self.kept_length_m, 1), "component_rule": self.component_rule,
            "classes": dict(self.class_counts), "seconds": round(self.seconds, 2),
        }

    def geojson(self, properties: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The dropped pieces as a GeoJSON FeatureCollection (EPSG:4326)."""
        return {"type": "FeatureCollection", "properties": dict(properties or {}, **self.summary()),
                "features": [dict(f) for f in self.dropped]}


class _Union:
    """Union-find over vertex ids (array based)."""

    def __init__(self, n: int) -> None:
        self.parent = np.arange(n, dtype=np.int64)

    def grow(self, n: int) -> None:
        old = self.parent.size
        if n > old:
            self.parent = np.concatenate([self.parent, np.arange(old, n, dtype=np.int64)])

    def find(self, a: int) -> int:
        p = self.parent
        root = a
        while p[root] != root:
            root = int(p[root])
        while p[a] != root:
            p[a], a = root, int(p[a])
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def roots(self) -> NDArray[np.int64]:
        p = self.parent.copy()
        while True:
            q = p[p]
            if np.array_equal(q, p):
                return p
            p = q


def _canonical(lines: RoadLines) -> NDArray[np.int64]:
    """Per vertex, a dense id shared by vertices that are the same point."""
    if lines.vertex_id is not None:
        key = lines.vertex_id
    else:
        lon_i = np.rint(lines.lon * 1e7).astype(np.int64) + (1 << 31)
        lat_i = np.rint(lines.lat * 1e7).astype(np.int64) + (1 << 31)
        key = (lon_i << 32) | lat_i
    _, inverse = np.unique(key, return_inverse=True)
    return inverse.astype(np.int64)


def build_network(
    lines: RoadLines,
    *,
    clip: BaseGeometry | None,
    land: BaseGeometry | None,
    options: RepairOptions,
    source: str,
    meta: Mapping[str, Any],
    area: str = "kendari",
    progress: Progress = _quiet,
) -> tuple[TravelGraph, BuildReport]:
    """Build the ``road`` travel graph from ``lines`` (see the module docs for the steps).

    Parameters
    ----------
    lines
        The road lines.
    clip
        Area to keep (UTM 51S polygon) or ``None``.
    land
        Land (UTM 51S) for each node's all-land radius (``shore_m``), or ``None``.
    options
        What to repair.
    source, meta
        Stored in the graph (``meta`` gets ``road_classes`` and ``import_summary`` added).
    area
        ``"kendari"`` (snapping checks land and water) or ``""``.
    progress
        Called with a line of text at the start of each long step.

    Raises
    ------
    RoadImportError
        No drivable road left in the area.
    """
    started = time.perf_counter()
    n_vert = lines.lon.shape[0]
    x, y = to_utm(lines.lon, lines.lat)
    canon = _canonical(lines)
    n_canon = int(canon.max()) + 1 if n_vert else 0
    # one coordinate per canonical vertex
    cx = np.zeros(n_canon)
    cy = np.zeros(n_canon)
    clon = np.zeros(n_canon)
    clat = np.zeros(n_canon)
    cx[canon], cy[canon], clon[canon], clat[canon] = x, y, lines.lon, lines.lat

    # 1. clip
    inside_c = np.ones(n_canon, dtype=bool)
    if clip is not None and n_canon:
        progress(f"clipping {n_canon:,} vertices to the area")
        shapely.prepare(clip)
        inside_c = np.asarray(shapely.contains_xy(clip, cx, cy), dtype=bool)
    dropped_outside = int((~inside_c).sum()) + int(lines.missing_vertices)

    # segments: consecutive vertices of a line, both inside
    line_of_vertex = np.repeat(np.arange(lines.n_lines, dtype=np.int64), np.diff(lines.line_ptr))
    if n_vert < 2:
        raise RoadImportError("no drivable road inside the area")
    same_line = line_of_vertex[:-1] == line_of_vertex[1:]
    va, vb = np.arange(n_vert - 1), np.arange(1, n_vert)
    keep_seg = same_line & inside_c[canon[va]] & inside_c[canon[vb]]
    seg_idx = np.flatnonzero(keep_seg)
    sa, sb = canon[va[seg_idx]], canon[vb[seg_idx]]
    seg_line = line_of_vertex[va[seg_idx]]
    # a run (a stretch of a line between cuts) starts where the previous segment is not its neighbour
    run_start = np.ones(seg_idx.size, dtype=bool)
    run_start[1:] = (seg_idx[1:] != seg_idx[:-1] + 1) | (seg_line[1:] != seg_line[:-1])
    seg_run = np.cumsum(run_start) - 1
    nonzero = sa != sb
    sa, sb, seg_line, seg_run = sa[nonzero], sb[nonzero], seg_line[nonzero], seg_run[nonzero]
    if sa.size == 0:
        raise RoadImportError("no drivable road inside the area")

    # 2. join dangling ends
    joined_nn = joined_ns = 0
    if options.join_tolerance_m > 0:
        progress(f"joining line ends within {options.join_tolerance_m:g} m ({sa.size:,} segments)")
        sa, sb, seg_line, seg_run, cx, cy, clon, clat, joined_nn, joined_ns = _join_ends(
            sa, sb, seg_line, seg_run, cx, cy, clon, clat, options.join_tolerance_m)

    # 3. nodes and edges
    progress(f"building edges from {sa.size:,} segments")
    n_canon = cx.size
    degree = np.bincount(sa, minlength=n_canon) + np.bincount(sb, minlength=n_canon)
    is_node = (degree != 2) & (degree > 0)  # vertices merged into others have no segment left
    first_of_run = np.ones(sa.size, dtype=bool)
    first_of_run[1:] = seg_run[1:] != seg_run[:-1]
    last_of_run = np.ones(sa.size, dtype=bool)
    last_of_run[:-1] = seg_run[1:] != seg_run[:-1]
    is_node[sa[first_of_run]] = True
    is_node[sb[last_of_run]] = True
    seg_len = np.hypot(cx[sb] - cx[sa], cy[sb] - cy[sa])

    pieces_u: list[int] = []
    pieces_v: list[int] = []
    pieces_len: list[float] = []
    pieces_line: list[int] = []
    pieces_inner: list[list[int]] = []
    max_edge = float(options.max_edge_m)
    node_l = is_node.tolist()
    sa_l, sb_l, len_l, line_l = sa.tolist(), sb.tolist(), seg_len.tolist(), seg_line.tolist()
    starts = [*np.flatnonzero(first_of_run).tolist(), sa.size]
    for r in range(len(starts) - 1):
        i0, i1 = starts[r], starts[r + 1]
        u = sa_l[i0]
        acc = 0.0
        inner: list[int] = []
        line = line_l[i0]
        for i in range(i0, i1):
            v = sb_l[i]
            acc += len_l[i]
            if node_l[v] or acc >= max_edge - _SLACK_M or i == i1 - 1:
                pieces_u.append(u)
                pieces_v.append(v)
                pieces_len.append(acc)
                pieces_line.append(line)
                pieces_inner.append(inner)
                u, acc, inner = v, 0.0, []
            else:
                inner.append(v)
    # the cut vertices become nodes too
    node_mask = is_node.copy()
    node_mask[np.array(pieces_u, dtype=np.int64)] = True
    node_mask[np.array(pieces_v, dtype=np.int64)] = True

    # split long edges evenly (every point within max_node_gap_m of a node)
    split_nodes = 0
    new_lon: list[float] = []
    new_lat: list[float] = []
    node_of = np.full(n_canon, -1, dtype=np.int64)
    node_of[node_mask] = np.arange(int(node_mask.sum()))
    n_base = int(node_mask.sum())
    e_u: list[int] = []
    e_v: list[int] = []
    e_len: list[float] = []
    e_line: list[int] = []
    e_geom: list[NDArray[np.float64] | None] = []
    gap = options.max_node_gap_m
    progress(f"splitting edges and numbering {n_base:,} nodes")
    for u, v, piece_len, line, inner in zip(pieces_u, pieces_v, pieces_len, pieces_line, pieces_inner):
        nu, nv = int(node_of[u]), int(node_of[v])
        # 10 cm of slack: coordinates stored to 1e-7 degrees (OSM) make a 400.00 m block 400.01 m long
        parts = (1 if gap is None or piece_len <= 2 * gap + _SLACK_M
                 else int(np.ceil((piece_len - _SLACK_M) / (2 * gap))))
        if parts == 1:
            e_u.append(nu)
            e_v.append(nv)
            e_len.append(piece_len)
            e_line.append(line)
            e_geom.append(np.column_stack([clon[inner], clat[inner]]) if inner else None)
            continue
        chain = [u, *inner, v]
        px, py = cx[chain], cy[chain]
        plon, plat = clon[chain], clat[chain]
        cum = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(px), np.diff(py)))])
        marks = cum[-1] * np.arange(1, parts) / parts
        mx, my = np.interp(marks, cum, px), np.interp(marks, cum, py)
        mlon, mlat = to_lonlat(mx, my)
        ids = [nu]
        for k in range(parts - 1):
            ids.append(n_base + len(new_lon))
            new_lon.append(float(mlon[k]))
            new_lat.append(float(mlat[k]))
        ids.append(nv)
        split_nodes += parts - 1
        bounds = np.concatenate([[0.0], marks, [cum[-1]]])
        for k in range(parts):
            lo, hi = bounds[k], bounds[k + 1]
            sel = np.flatnonzero((cum > lo) & (cum < hi))
            e_u.append(ids[k])
            e_v.append(ids[k + 1])
            e_len.append(float(hi - lo) * piece_len / max(float(cum[-1]), 1e-9))
            e_line.append(line)
            e_geom.append(np.column_stack([plon[sel], plat[sel]]) if sel.size else None)
    node_lon = np.concatenate([clon[node_mask], np.array(new_lon)])
    node_lat = np.concatenate([clat[node_mask], np.array(new_lat)])
    n = node_lon.shape[0]

    # directed edges
    eu = np.array(e_u, dtype=np.int64)
    ev = np.array(e_v, dtype=np.int64)
    elen = np.array(e_len)
    eline = np.array(e_line, dtype=np.int64)
    direction = lines.oneway[eline].astype(np.int64)
    fwd = direction >= 0
    bwd = direction <= 0
    src = np.concatenate([eu[fwd], ev[bwd]])
    dst = np.concatenate([ev[fwd], eu[bwd]])
    length = np.concatenate([elen[fwd], elen[bwd]])
    line_of_edge = np.concatenate([eline[fwd], eline[bwd]])
    fwd_ids, bwd_ids = np.flatnonzero(fwd), np.flatnonzero(bwd)
    geoms: list[NDArray[np.float64] | None] = [e_geom[i] for i in fwd_ids.tolist()]
    for i in bwd_ids.tolist():
        shape = e_geom[i]
        geoms.append(None if shape is None else shape[::-1])
    speed = lines.speed_kmh[line_of_edge]
    times = length / (speed * _KMH_TO_MS)

    # 4. keep the largest connected component; report the dropped pieces
    progress(f"keeping the largest {options.component}ly connected component of {n:,} nodes")
    adj = coo_matrix((np.ones(src.size), (src, dst)), shape=(n, n))
    n_comp, labels = connected_components(adj, directed=True, connection=options.component)
    biggest = int(np.argmax(np.bincount(labels)))
    keep = labels == biggest
    new_id = np.full(n, -1, dtype=np.int64)
    new_id[keep] = np.arange(int(keep.sum()))
    ok = keep[src] & keep[dst]
    dropped = _dropped_pieces(node_lon, node_lat, src, dst, length, geoms, keep)
    kept_lon, kept_lat = node_lon[keep], node_lat[keep]
    shore = None
    if land is not None:
        gx, gy = to_utm(kept_lon, kept_lat)
        on_land = shapely.contains_xy(land, gx, gy)
        shore = np.where(on_land, shapely.distance(land.boundary, shapely.points(gx, gy)), 0.0)
    one_way = (direction != 0)
    one_way_edge = np.concatenate([one_way[fwd], one_way[bwd]])
    from_tag = lines.speed_from_tag[line_of_edge]
    kept_pairs = np.minimum(src[ok], dst[ok]) * n + np.maximum(src[ok], dst[ok])
    _, first = np.unique(kept_pairs, return_index=True)
    kept_length = float(length[ok][first].sum())
    graph_meta = dict(meta)
    graph_meta["road_classes"] = list(lines.class_names)
    graph = TravelGraph.from_edges(
        model="road",
        lon=kept_lon,
        lat=kept_lat,
        src=new_id[src[ok]],
        dst=new_id[dst[ok]],
        time_s=times[ok],
        length_m=length[ok],
        geometries=[g for g, k in zip(geoms, ok.tolist()) if k],
        shore_m=shore,
        edge_class=lines.road_class[line_of_edge[ok]],
        area=area,
        source=source,
        meta=graph_meta,
    )
    report = BuildReport(
        ways_read=lines.ways_read,
        lines=lines.n_lines,
        vertices=n_vert,
        dropped_outside_vertices=dropped_outside,
        joined_node_to_node=joined_nn,
        joined_node_to_segment=joined_ns,
        split_nodes=split_nodes,
        nodes=graph.n_nodes,
        edges=graph.n_edges,
        edges_one_way=int(one_way_edge[ok].sum()),
        edges_maxspeed=int(from_tag[ok].sum()),
        components=int(n_comp),
        dropped_component_nodes=int(n - keep.sum()),
        component_rule=options.component,
        kept_length_m=kept_length,
        dropped=tuple(dropped),
        class_counts=dict(lines.class_counts),
        seconds=time.perf_counter() - started,
    )
    return graph, report


def _join_ends(sa: NDArray[np.int64], sb: NDArray[np.int64], seg_line: NDArray[np.int64], seg_run: NDArray[np.int64],
               cx: NDArray[np.float64], cy: NDArray[np.float64], clon: NDArray[np.float64], clat: NDArray[np.float64],
               tol: float) -> tuple[Any, ...]:
    """Join dangling ends (degree-1 vertices) to the nearest vertex or segment within ``tol``."""
    n = cx.size
    degree = np.bincount(sa, minlength=n) + np.bincount(sb, minlength=n)
    ends = np.flatnonzero(degree == 1)
    if ends.size == 0:
        return sa, sb, seg_line, seg_run, cx, cy, clon, clat, 0, 0
    used = np.flatnonzero(degree > 0)
    tree = cKDTree(np.column_stack([cx[used], cy[used]]))
    # neighbours of each end (the vertex at the other side of its only segment)
    other = np.full(n, -1, dtype=np.int64)
    at_a = degree[sa] == 1
    other[sa[at_a]] = sb[at_a]
    at_b = degree[sb] == 1
    other[sb[at_b]] = sa[at_b]
    uf = _Union(n)
    joined_nn = 0
    unmatched: list[int] = []
    hits = tree.query_ball_point(np.column_stack([cx[ends], cy[ends]]), tol)
    for end, cand in zip(ends.tolist(), hits):
        best, best_d = -1, np.inf
        for c in cand:
            v = int(used[c])
            if v == end or v == other[end]:
                continue
            d = float(np.hypot(cx[v] - cx[end], cy[v] - cy[end]))
            if d < best_d:
                best, best_d = v, d
        if best >= 0:
            if uf.find(best) != uf.find(end):
                uf.union(best, end)
                cx[end], cy[end], clon[end], clat[end] = cx[best], cy[best], clon[best], clat[best]
                joined_nn += 1
        else:
            unmatched.append(end)
    # node-to-segment for the rest
    joined_ns = 0
    inserts: dict[int, list[tuple[float, int]]] = {}
    moved_ends: list[tuple[int, int]] = []  # (dangling end, the vertex it joins)
    new_x: list[float] = []
    new_y: list[float] = []
    if unmatched:
        ends_a = np.column_stack([cx[sa], cy[sa]])
        ends_b = np.column_stack([cx[sb], cy[sb]])
        lines_geom = np.asarray(shapely.linestrings(np.stack([ends_a, ends_b], axis=1)), dtype=object)
        stree = shapely.STRtree(lines_geom)
        um = np.array(unmatched, dtype=np.int64)
        pts = np.asarray(shapely.points(cx[um], cy[um]), dtype=object)
        q_pt, q_seg = stree.query(pts, predicate="dwithin", distance=tol)
        best_seg: dict[int, tuple[float, int]] = {}
        if q_pt.size:
            dist = np.asarray(shapely.distance(lines_geom[q_seg], pts[q_pt]), dtype=np.float64)
            for p, s, d in zip(q_pt.tolist(), q_seg.tolist(), dist.tolist()):
                end = int(um[p])
                if sa[s] == end or sb[s] == end:
                    continue
                if end not in best_seg or d < best_seg[end][0]:
                    best_seg[end] = (d, s)
        for end, (_, s) in best_seg.items():
            seg = lines_geom[s]
            frac = float(shapely.line_locate_point(seg, shapely.Point(cx[end], cy[end]), normalized=True))
            if frac <= 1e-9:
                target = int(sa[s])
            elif frac >= 1 - 1e-9:
                target = int(sb[s])
            else:
                target = n + len(new_x)
                new_x.append(float(cx[sa[s]] + (cx[sb[s]] - cx[sa[s]]) * frac))
                new_y.append(float(cy[sa[s]] + (cy[sb[s]] - cy[sa[s]]) * frac))
                inserts.setdefault(s, []).append((frac, target))
            uf.grow(n + len(new_x))
            uf.union(target, end)
            moved_ends.append((end, target))
            joined_ns += 1
    if new_x:
        nlon, nlat = to_lonlat(np.array(new_x), np.array(new_y))
        cx = np.concatenate([cx, new_x])
        cy = np.concatenate([cy, new_y])
        clon = np.concatenate([clon, nlon])
        clat = np.concatenate([clat, nlat])
        # replace each split segment by its pieces, in run order
        key = np.arange(sa.size, dtype=np.float64)
        add_a: list[int] = []
        add_b: list[int] = []
        add_key: list[float] = []
        add_line: list[int] = []
        add_run: list[int] = []
        sa = sa.copy()
        sb = sb.copy()
        for s, items in inserts.items():
            items.sort()
            chain = [int(sa[s])] + [t for _, t in items] + [int(sb[s])]
            sa[s] = chain[0]
            end_b = chain[1]
            for k in range(1, len(chain) - 1):
                add_a.append(chain[k])
                add_b.append(chain[k + 1])
                add_key.append(s + k / len(chain))
                add_line.append(int(seg_line[s]))
                add_run.append(int(seg_run[s]))
            sb[s] = end_b
        order = np.argsort(np.concatenate([key, np.array(add_key)]), kind="stable")
        sa = np.concatenate([sa, np.array(add_a, dtype=np.int64)])[order]
        sb = np.concatenate([sb, np.array(add_b, dtype=np.int64)])[order]
        seg_line = np.concatenate([seg_line, np.array(add_line, dtype=np.int64)])[order]
        seg_run = np.concatenate([seg_run, np.array(add_run, dtype=np.int64)])[order]
    # a joined end takes the position of the vertex (or segment point) it joins
    for end, target in moved_ends:
        cx[end], cy[end], clon[end], clat[end] = cx[target], cy[target], clon[target], clat[target]
    roots = uf.roots()
    sa, sb = roots[sa], roots[sb]
    keep = sa != sb
    return (sa[keep], sb[keep], seg_line[keep], seg_run[keep], cx, cy, clon, clat, joined_nn, joined_ns)


def _dropped_pieces(lon: NDArray[np.float64], lat: NDArray[np.float64], src: NDArray[np.int64], dst: NDArray[np.int64],
                    length: NDArray[np.float64], geoms: list[NDArray[np.float64] | None],
                    keep: NDArray[np.bool_]) -> list[dict[str, Any]]:
    """GeoJSON features of the road pieces left out (weakly connected groups of dropped nodes)."""
    n = lon.shape[0]
    dropped_nodes = np.flatnonzero(~keep)
    if dropped_nodes.size == 0:
        return []
    touching = ~keep[src] | ~keep[dst]
    both = ~keep[src] & ~keep[dst]
    adj = coo_matrix((np.ones(int(both.sum())), (src[both], dst[both])), shape=(n, n))
    _, labels = connected_components(adj, directed=False)
    piece_of_edge = np.where(~keep[src], labels[src], labels[dst])
    kept_ids = np.flatnonzero(keep)
    kx, ky = to_utm(lon[kept_ids], lat[kept_ids]) if kept_ids.size else (np.zeros(0), np.zeros(0))
    kept_tree = cKDTree(np.column_stack([kx, ky])) if kept_ids.size else None
    features = []
    edge_ids = np.flatnonzero(touching)
    pair = np.minimum(src, dst) * n + np.maximum(src, dst)
    for piece in np.unique(labels[dropped_nodes]).tolist():
        nodes = dropped_nodes[labels[dropped_nodes] == piece]
        mine = edge_ids[piece_of_edge[edge_ids] == piece]
        _, first = np.unique(pair[mine], return_index=True)
        mine = mine[first]  # one direction of each road
        parts = []
        for e in mine.tolist():
            pts = [(lon[src[e]], lat[src[e]])]
            if geoms[e] is not None:
                pts += [tuple(p) for p in geoms[e]]
            pts.append((lon[dst[e]], lat[dst[e]]))
            parts.append([[round(float(a), 7), round(float(b), 7)] for a, b in pts])
        all_lon = np.array([p[0] for part in parts for p in part] or lon[nodes].tolist())
        all_lat = np.array([p[1] for part in parts for p in part] or lat[nodes].tolist())
        nx, ny = to_utm(lon[nodes], lat[nodes])
        nearest = float(np.min(kept_tree.query(np.column_stack([nx, ny]))[0])) if kept_tree is not None else None
        geometry: dict[str, Any] = (
            {"type": "MultiLineString", "coordinates": parts} if parts
            else {"type": "MultiPoint", "coordinates": [[float(a), float(b)] for a, b in zip(lon[nodes], lat[nodes])]}
        )
        features.append({
            "type": "Feature",
            "geometry": geometry,
            "properties": {
                "length_m": round(float(length[mine].sum()), 1),
                "nodes": int(nodes.size),
                "centroid": [round(float(all_lon.mean()), 6), round(float(all_lat.mean()), 6)],
                "bbox": [round(float(all_lon.min()), 6), round(float(all_lat.min()), 6),
                         round(float(all_lon.max()), 6), round(float(all_lat.max()), 6)],
                "nearest_kept_m": None if nearest is None else round(nearest, 1),
                "reason": "not connected both ways to the main network (isolated piece, one-way dead end, "
                          "or a gap wider than the join tolerance)",
            },
        })
    features.sort(key=lambda f: -float(f["properties"]["length_m"]))  # type: ignore[index]
    return features
