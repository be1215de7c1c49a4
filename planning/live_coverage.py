"""Live coverage: the land, population and demand now beyond N minutes of every available unit.

A city is covered by a unit type when an *available* unit of that type can drive to a place
within the type's target (default 8 minutes for ambulances, 10 for fire engines, police and
rescue). Units drive to the incident, so times run **from** the units' current positions over
the forward travel graph: one multi-source Dijkstra (``routing.travel.travel_times_from``, the
units joined to the graph with ``routing.snap.snap_many`` and their off-network leg counted as
a head start), limited to N minutes. The graph given is the one recommendations use, with its
corrections (closures, speed factors, connectors) already applied.

Demand is a set of points fixed per graph (:class:`DemandCells`): by default the centres of a
regular grid (200 m, UTM 51S) over the city's land, each with its land area and kecamatan,
snapped to the graph once like an incident (a cell is reached when the time to its joining
point — node time plus the inbound leg — is within the target). Three measures are reported:
land (km²), population (when an administrator has loaded it; spread over each kecamatan's land
in proportion to area) and incident-weighted demand (the counts of recent incidents of the
types the unit type serves, binned to the nearest cell).

Limits: the grid resolves the coverage edge to about one cell; a place whose joining point lies
across water or on a land piece no road or bridge reaches (Pulau Bungkutoko on the approximate
network) is uncovered and flagged, never silently assumed reachable; on the approximate network
(land lattice + bridges) all times are estimates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any, Final, Protocol

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy.sparse.csgraph import connected_components, dijkstra
from shapely.geometry.base import BaseGeometry

from planning._errors import InvalidParameterError
from planning._proj import geom_to_lonlat, to_lonlat, to_utm
from planning._raster import raster_polygon

#: Target drive time per unit type, minutes (configurable by the caller).
DEFAULT_THRESHOLD_MIN: Final[Mapping[str, float]] = MappingProxyType({
    "ambulance": 8.0,
    "fire_engine": 10.0,
    "water_tanker": 10.0,
    "rescue": 10.0,
    "police": 10.0,
    "police_patrol": 10.0,
    "bpbd_rescue": 10.0,
})
#: Used for a unit type missing from :data:`DEFAULT_THRESHOLD_MIN`.
FALLBACK_THRESHOLD_MIN: Final = 10.0
MAX_THRESHOLD_MIN: Final = 120.0
DEFAULT_CELL_M: Final = 200.0
#: Unit statuses that count as available for coverage. A unit driving to a standby post is
#: available for dispatch and covers from where it is now.
AVAILABLE_STATUSES: Final[tuple[str, ...]] = ("available", "moving_to_post")
#: Number of source nodes per batch of the per-unit runs (bounds the dense distance block).
_BATCH_SOURCES: Final = 32

# Per-cell reason codes (``LiveCoverage.cell_reason``).
COVERED: Final = 0
BEYOND: Final = 1
SEPARATE_LAND: Final = 2
OFF_NETWORK: Final = 3
NO_UNIT: Final = 4
REASON_CODES: Final[tuple[str, ...]] = ("covered", "beyond_target", "separate_land", "off_network", "no_available_unit")

DemandKind = str  # "incidents" | "population" | "land"


class UnitLike(Protocol):
    """What a unit must offer (``routing.recommend.UnitPosition`` does)."""

    @property
    def unit_id(self) -> int | str: ...

    @property
    def unit_type(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def lon(self) -> float: ...

    @property
    def lat(self) -> float: ...


def threshold_for(unit_type: str, threshold_min: float | None = None) -> float:
    """The target in minutes for ``unit_type`` (``threshold_min`` when given), validated.

    Raises
    ------
    InvalidParameterError
        Not positive, not finite or beyond :data:`MAX_THRESHOLD_MIN`.
    """
    value = DEFAULT_THRESHOLD_MIN.get(unit_type, FALLBACK_THRESHOLD_MIN) if threshold_min is None else threshold_min
    value = float(value)
    if not np.isfinite(value) or value <= 0 or value > MAX_THRESHOLD_MIN:
        raise InvalidParameterError(f"the coverage target must be between 0 and {MAX_THRESHOLD_MIN:g} minutes")
    return value


# --- demand points, snapped once per graph ---------------------------------------------------
@dataclass(frozen=True, eq=False)
class DemandCells:
    """Demand points (grid cells or given points) joined to one travel graph. Read-only.

    Attributes
    ----------
    cell_m
        Grid cell size in metres; 0 for a set of points that are not a grid.
    x0_m, y0_m, shape, rows, cols
        Placement of the cells in a ``shape`` grid whose lower-left corner is ``(x0_m, y0_m)``
        (UTM 51S); empty for points.
    lon, lat, x_m, y_m
        Cell centres (or points), EPSG:4326 and UTM 51S.
    land_km2
        Land area of each cell (the cell clipped to the land); 0 for points.
    area_idx, area_names
        Kecamatan (or other area) of each cell, as an index into ``area_names``.
    in_node, in_s
        ``(n, 2)``: the graph nodes a vehicle arrives from and the time from each node to the
        point (partial edge plus off-network leg); unused slots have ``in_s = inf``.
    snap_code
        ``""`` when joined to the graph, else the snapping reason code (``boat_only``,
        ``off_network``, …).
    piece
        Land piece (weakly connected component of the graph) of the joining node, -1 when not
        joined. ``mainland`` marks the piece with the most nodes.
    n_nodes
        Node count of the graph the cells were joined to (checked on use).
    land_utm
        The land the cells cover (UTM 51S), for drawing; ``None`` for points.
    """

    cell_m: float
    x0_m: float
    y0_m: float
    shape: tuple[int, int]
    rows: NDArray[np.int64] = field(repr=False)
    cols: NDArray[np.int64] = field(repr=False)
    lon: NDArray[np.float64] = field(repr=False)
    lat: NDArray[np.float64] = field(repr=False)
    x_m: NDArray[np.float64] = field(repr=False)
    y_m: NDArray[np.float64] = field(repr=False)
    land_km2: NDArray[np.float64] = field(repr=False)
    area_idx: NDArray[np.int64] = field(repr=False)
    area_names: tuple[str, ...]
    in_node: NDArray[np.int64] = field(repr=False)
    in_s: NDArray[np.float64] = field(repr=False)
    snap_code: tuple[str, ...] = field(repr=False)
    piece: NDArray[np.int64] = field(repr=False)
    mainland: NDArray[np.bool_] = field(repr=False)
    n_nodes: int
    model: str
    land_utm: BaseGeometry | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return int(self.lon.shape[0])

    @property
    def on_network(self) -> NDArray[np.bool_]:
        """Cells joined to the graph."""
        return np.asarray(np.isfinite(self.in_s).any(axis=1))

    @property
    def cell_ids(self) -> NDArray[np.int64]:
        """Stable cell ids: ``row * n_cols + col`` for a grid, the point index otherwise."""
        if self.cell_m > 0:
            return self.rows * self.shape[1] + self.cols
        return np.arange(len(self), dtype=np.int64)

    @cached_property
    def tree(self) -> Any:
        """KD-tree over the cell centres (UTM metres), built on first use."""
        from scipy.spatial import cKDTree

        return cKDTree(np.column_stack([self.x_m, self.y_m]))

    def check_graph(self, graph: Any) -> None:
        """Raise when ``graph`` is not the graph (node set) these cells were joined to."""
        if int(graph.n_nodes) != self.n_nodes:
            raise InvalidParameterError(
                f"the demand cells were built for a graph of {self.n_nodes} nodes, not {graph.n_nodes}: rebuild them")

    def area_totals(self, weights: NDArray[np.float64]) -> NDArray[np.float64]:
        """Sum of ``weights`` per area (``len(area_names)``)."""
        return np.bincount(self.area_idx, weights=weights, minlength=len(self.area_names)).astype(np.float64)

    def polygon_utm(self, selected: NDArray[np.bool_]) -> BaseGeometry:
        """Union of the selected grid cells clipped to the land, UTM 51S (grids only)."""
        if self.cell_m <= 0:
            raise InvalidParameterError("demand points have no cell polygons")
        raster = np.zeros(self.shape, dtype=bool)
        raster[self.rows[selected], self.cols[selected]] = True
        poly = raster_polygon(raster, x0_m=self.x0_m, y0_m=self.y0_m, cell_m=self.cell_m)
        if self.land_utm is not None and not poly.is_empty:
            poly = shapely.intersection(poly, self.land_utm)
        return poly


def _readonly(*arrays: NDArray[Any]) -> None:
    for arr in arrays:
        arr.flags.writeable = False


def snap_ends(graph: Any, snaps: Any, *, inbound: bool) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Where snapped points join the graph, as ``(n, 2)`` nodes and times, vectorised.

    ``inbound=True``: the nodes a vehicle arrives from and the time from each to the point
    (``SnappedPoint.inbound``); ``False``: the nodes a vehicle leaving the point reaches first
    and the time to each (``SnappedPoint.outbound``). Points not joined, and the second slot of a
    point joined to a node, get ``inf`` (node 0).
    """
    n = len(snaps)
    node = np.zeros((n, 2), dtype=np.int64)
    off = np.full((n, 2), np.inf)
    ok = np.asarray(snaps.ok, dtype=bool)
    leg = np.asarray(snaps.leg_s if getattr(snaps, "leg_s", None) is not None else snaps.time_s, dtype=np.float64)
    kinds = getattr(snaps, "kind", None)
    seg = ok & (np.array([k == "segment" for k in kinds], dtype=bool) if kinds is not None else np.zeros(n, bool))
    plain = ok & ~seg
    node[plain, 0] = np.asarray(snaps.node)[plain]
    off[plain, 0] = leg[plain]
    if seg.any():
        f = np.asarray(snaps.fraction)[seg]
        e_fwd = np.asarray(snaps.edge_fwd)[seg]
        e_bwd = np.asarray(snaps.edge_bwd)[seg]
        a = np.asarray(snaps.node)[seg]
        b = np.asarray(snaps.node_b)[seg]
        t = np.asarray(graph.time_s, dtype=np.float64)
        def part(edge: NDArray[np.int64], share: NDArray[np.float64]) -> NDArray[np.float64]:
            return np.where(edge >= 0, share * t[np.maximum(edge, 0)], np.inf)

        if inbound:  # arrive from `node` along node -> node_b, or from node_b along node_b -> node
            first, second = part(e_fwd, f), part(e_bwd, 1.0 - f)
        else:  # leave towards `node` along node_b -> node, or towards node_b along node -> node_b
            first, second = part(e_bwd, f), part(e_fwd, 1.0 - f)
        node[seg, 0], node[seg, 1] = a, np.maximum(b, 0)
        off[seg, 0] = leg[seg] + first
        off[seg, 1] = np.where(b >= 0, leg[seg] + second, np.inf)
    return node, off


def _pieces(graph: Any) -> tuple[NDArray[np.int64], int]:
    """Weakly connected component of every node and the label of the largest one."""
    if graph.n_nodes == 0:
        return np.zeros(0, dtype=np.int64), -1
    _, labels = connected_components(graph.times, directed=True, connection="weak")
    labels = labels.astype(np.int64)
    return labels, int(np.argmax(np.bincount(labels)))


def _assemble(graph: Any, *, lon: NDArray[np.float64], lat: NDArray[np.float64], x: NDArray[np.float64],
              y: NDArray[np.float64], land_km2: NDArray[np.float64], area_idx: NDArray[np.int64],
              area_names: tuple[str, ...], cell_m: float, x0: float, y0: float, shape: tuple[int, int],
              rows: NDArray[np.int64], cols: NDArray[np.int64], land: BaseGeometry | None,
              snap_kwargs: Mapping[str, Any]) -> DemandCells:
    from routing.snap import snap_many

    snaps = snap_many(graph, lon, lat, **snap_kwargs)
    in_node, in_s = snap_ends(graph, snaps, inbound=True)
    codes = getattr(snaps, "reason_code", None)
    snap_code = tuple("" if ok else str((codes[i] if codes is not None else None) or "off_network")
                      for i, ok in enumerate(np.asarray(snaps.ok, dtype=bool).tolist()))
    labels, main = _pieces(graph)
    ok = np.asarray(snaps.ok, dtype=bool)
    piece = np.where(ok, labels[np.where(ok, snaps.node, 0)] if labels.size else -1, -1).astype(np.int64)
    mainland = ok & (piece == main)
    arrays = (rows, cols, lon, lat, x, y, land_km2, area_idx, in_node, in_s, piece, mainland)
    _readonly(*arrays)
    return DemandCells(cell_m=float(cell_m), x0_m=float(x0), y0_m=float(y0), shape=shape, rows=rows, cols=cols,
                       lon=lon, lat=lat, x_m=x, y_m=y, land_km2=land_km2, area_idx=area_idx, area_names=area_names,
                       in_node=in_node, in_s=in_s, snap_code=snap_code, piece=piece, mainland=mainland,
                       n_nodes=int(graph.n_nodes), model=str(graph.model), land_utm=land)


def _area_index(x: NDArray[np.float64], y: NDArray[np.float64], areas: Sequence[BaseGeometry]) -> NDArray[np.int64]:
    """Area containing each point; the nearest area for points in none (edge cells, slivers)."""
    geoms = np.asarray(list(areas), dtype=object)
    pts = np.asarray(shapely.points(x, y), dtype=object)
    out = np.full(x.shape[0], -1, dtype=np.int64)
    if geoms.size == 0:
        return np.zeros(x.shape[0], dtype=np.int64)
    tree = shapely.STRtree(geoms)
    p_idx, g_idx = tree.query(pts, predicate="within")
    out[p_idx] = g_idx  # a point on a shared border takes one of its areas
    missing = np.flatnonzero(out < 0)
    if missing.size:
        _, near = tree.query_nearest(pts[missing], all_matches=False)
        out[missing] = near
    return out


def default_areas_utm() -> tuple[tuple[str, ...], tuple[BaseGeometry, ...]]:
    """Kendari's 11 kecamatan (names, UTM 51S geometries), dissolved from the kelurahan polygons."""
    from planning._proj import kelurahan_utm

    kel = kelurahan_utm()
    names = tuple(sorted(str(n) for n in kel["kecamatan"].unique()))
    geoms = tuple(shapely.union_all(np.asarray(kel.geometry[kel["kecamatan"] == n].values)) for n in names)
    return names, geoms


def build_demand_cells(
    graph: Any,
    *,
    cell_m: float = DEFAULT_CELL_M,
    land_utm: BaseGeometry | None = None,
    area_names: Sequence[str] | None = None,
    areas_utm: Sequence[BaseGeometry] | None = None,
    snap_kwargs: Mapping[str, Any] | None = None,
) -> DemandCells:
    """A grid of demand cells over the land, each joined to ``graph`` once.

    Parameters
    ----------
    graph
        A ``routing.graph.TravelGraph`` (with its corrections applied).
    cell_m
        Cell size, metres (50–2,000).
    land_utm
        Land to cover, UTM 51S. Default: Kendari's land for a Kendari graph, otherwise the
        graph's nodes' convex hull widened by one cell.
    area_names, areas_utm
        Areas (kecamatan) for the per-area shares, UTM 51S. Default: Kendari's kecamatan for a
        Kendari graph, otherwise one area ``"all"``.
    snap_kwargs
        Extra keyword arguments for ``routing.snap.snap_many`` (e.g. a config).

    Returns
    -------
    DemandCells
        Cells whose centre lies on the land widened by half a cell diagonal; each with its
        land area (cell clipped to the land) and area.

    Raises
    ------
    InvalidParameterError
        Bad cell size, or area names and geometries that do not match.
    """
    if not 50.0 <= float(cell_m) <= 2000.0:
        raise InvalidParameterError("the demand cell size must be between 50 m and 2 km")
    kendari = getattr(graph, "area", "") == "kendari"
    if land_utm is None:
        if kendari:
            from planning._proj import city_land_utm

            land = city_land_utm()
        else:
            land = shapely.buffer(shapely.convex_hull(shapely.multipoints(np.column_stack([graph.x_m, graph.y_m]))),
                                  float(cell_m))
    else:
        land = land_utm
    if areas_utm is None:
        if kendari and area_names is None:
            names, geoms = default_areas_utm()
        else:
            names, geoms = ("all",), (land,)
    else:
        geoms = tuple(areas_utm)
        names = tuple(area_names) if area_names is not None else tuple(f"#{i + 1}" for i in range(len(geoms)))
    if len(names) != len(geoms) or not names:
        raise InvalidParameterError("give one name per area")
    c = float(cell_m)
    minx, miny, maxx, maxy = land.bounds
    x0 = float(np.floor(minx / c) * c)
    y0 = float(np.floor(miny / c) * c)
    nx = int(np.ceil((maxx - x0) / c))
    ny = int(np.ceil((maxy - y0) / c))
    gx, gy = np.meshgrid(x0 + (np.arange(nx) + 0.5) * c, y0 + (np.arange(ny) + 0.5) * c)
    touching = shapely.buffer(land, c * 0.71)  # every cell with land in it
    shapely.prepare(touching)
    mask = shapely.contains_xy(touching, gx.ravel(), gy.ravel()).reshape(ny, nx)
    rows, cols = np.nonzero(mask)
    boxes = shapely.box(x0 + cols * c, y0 + rows * c, x0 + (cols + 1) * c, y0 + (rows + 1) * c)
    shapely.prepare(land)
    inside = shapely.contains_properly(land, boxes)
    area = np.full(rows.size, c * c)
    edge = np.flatnonzero(~inside)
    clipped = shapely.intersection(boxes[edge], land)
    area[edge] = shapely.area(clipped)
    keep = area > 1e-6 * c * c
    rows, cols, area = rows[keep].astype(np.int64), cols[keep].astype(np.int64), area[keep]
    # the area of a cell is taken where its land lies (its clipped part's representative point)
    rep_x, rep_y = gx[rows, cols].copy(), gy[rows, cols].copy()
    edge_keep = np.flatnonzero(~inside[keep])
    if edge_keep.size:
        rp = shapely.point_on_surface(shapely.intersection(boxes[keep][edge_keep], land))
        rep_x[edge_keep], rep_y[edge_keep] = shapely.get_x(rp), shapely.get_y(rp)
    area_idx = _area_index(rep_x, rep_y, geoms)
    x, y = gx[rows, cols], gy[rows, cols]
    lon, lat = to_lonlat(x, y)
    return _assemble(graph, lon=np.asarray(lon, dtype=np.float64), lat=np.asarray(lat, dtype=np.float64),
                     x=np.asarray(x, dtype=np.float64), y=np.asarray(y, dtype=np.float64),
                     land_km2=area / 1e6, area_idx=area_idx, area_names=tuple(str(n) for n in names), cell_m=c,
                     x0=x0, y0=y0, shape=(ny, nx), rows=rows, cols=cols, land=land, snap_kwargs=snap_kwargs or {})


def demand_points(
    graph: Any,
    lon: ArrayLike,
    lat: ArrayLike,
    area_idx: ArrayLike,
    area_names: Sequence[str],
    *,
    snap_kwargs: Mapping[str, Any] | None = None,
) -> DemandCells:
    """Demand at given points (e.g. one representative point per kelurahan), joined to ``graph``.

    The points carry no land area (``land_km2 = 0``): weigh them with population, incidents or
    explicit weights.
    """
    lo = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    la = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    idx = np.atleast_1d(np.asarray(area_idx, dtype=np.int64))
    if lo.shape != la.shape or lo.shape != idx.shape:
        raise InvalidParameterError("lon, lat and area_idx must have the same length")
    if idx.size and (idx.min() < 0 or idx.max() >= len(area_names)):
        raise InvalidParameterError("area_idx out of range")
    x, y = to_utm(lo, la)
    empty = np.zeros(0, dtype=np.int64)
    return _assemble(graph, lon=lo, lat=la, x=np.asarray(x, dtype=np.float64), y=np.asarray(y, dtype=np.float64),
                     land_km2=np.zeros(lo.size), area_idx=idx, area_names=tuple(str(n) for n in area_names),
                     cell_m=0.0, x0=0.0, y0=0.0, shape=(0, 0), rows=empty, cols=empty.copy(), land=None,
                     snap_kwargs=snap_kwargs or {})


def incident_counts(cells: DemandCells, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.float64]:
    """Incidents per cell: each incident counts for the cell whose centre is nearest to it."""
    lo = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    la = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    out = np.zeros(len(cells))
    finite = np.isfinite(lo) & np.isfinite(la)
    if not finite.any() or len(cells) == 0:
        return out
    x, y = to_utm(lo[finite], la[finite])
    _, nearest = cells.tree.query(np.column_stack([x, y]), k=1)
    return np.bincount(np.asarray(nearest, dtype=np.int64), minlength=len(cells)).astype(np.float64)


def population_per_cell(cells: DemandCells, population_by_area: Mapping[str, float]) -> NDArray[np.float64]:
    """Spread each area's population over its cells in proportion to their land area.

    Areas missing from ``population_by_area`` get 0. Demand points (no land area) share their
    area's population equally.
    """
    totals = np.array([float(population_by_area.get(n, 0.0)) for n in cells.area_names])
    base = cells.land_km2 if cells.cell_m > 0 else np.ones(len(cells))
    per_area = cells.area_totals(base)
    share = np.divide(base, per_area[cells.area_idx], out=np.zeros(len(cells)), where=per_area[cells.area_idx] > 0)
    return np.asarray(share * totals[cells.area_idx], dtype=np.float64)


def incident_types_served(unit_type: str, plans: Mapping[str, Sequence[Any]], *,
                          include_substitutes: bool = False) -> tuple[str, ...]:
    """Incident types whose response plan asks for ``unit_type`` (the demand it serves).

    ``plans`` maps an incident type to its plan items (``routing.recommend.PlanItem`` or any
    object with ``unit_type`` and ``substitutes``).
    """
    out = []
    for incident_type, items in plans.items():
        for item in items:
            if item.unit_type == unit_type or (include_substitutes and unit_type in tuple(item.substitutes)):
                out.append(str(incident_type))
                break
    return tuple(sorted(out))


# --- travel from units ------------------------------------------------------------------------
def cell_arrival_s(cells: DemandCells, node_time_s: NDArray[np.float64]) -> NDArray[np.float64]:
    """Arrival time at every cell given the time to every node (``inf`` where not reached)."""
    t = np.asarray(node_time_s, dtype=np.float64)
    return np.asarray(np.min(t[cells.in_node] + cells.in_s, axis=1))


def arrival_matrix_s(graph: Any, cells: DemandCells, out_node: NDArray[np.int64], out_s: NDArray[np.float64],
                     *, limit_s: float) -> NDArray[np.float64]:
    """Per source point (``out_node``/``out_s`` from :func:`snap_ends`), arrival time at every cell.

    One limited Dijkstra per joining node (scipy on the graph's ``times`` matrix, in batches so
    the dense distance block stays small). Returns ``(n_sources, n_cells)`` seconds, ``inf``
    beyond ``limit_s``. Same times as :func:`live_coverage` gets from one multi-source run.
    """
    n_src = out_node.shape[0]
    result = np.full((n_src, len(cells)), np.inf)
    rows, slots = np.nonzero(np.isfinite(out_s) & (out_s <= limit_s))
    if rows.size == 0 or len(cells) == 0:
        return result
    nodes = out_node[rows, slots]
    heads = out_s[rows, slots]
    c0, c1 = cells.in_node[:, 0], cells.in_node[:, 1]
    s0, s1 = cells.in_s[:, 0], cells.in_s[:, 1]
    for start in range(0, nodes.size, _BATCH_SOURCES):
        part = slice(start, start + _BATCH_SOURCES)
        dist = dijkstra(graph.times, directed=True, indices=nodes[part], limit=float(limit_s))
        arrive = np.minimum(dist[:, c0] + s0, dist[:, c1] + s1) + heads[part, None]
        for slot in (0, 1):  # a source's rows are unique within one slot
            mine = slots[part] == slot
            if mine.any():
                dest = rows[part][mine]
                result[dest] = np.minimum(result[dest], arrive[mine])
    result[result > limit_s] = np.inf
    return result


@dataclass(frozen=True)
class PlacedUnit:
    """An available unit of the type and how it joins the graph.

    ``reason_code`` is ``None`` when joined (possibly with an off-road leg), else the snapping
    code (``off_network``, ``boat_only``, ``invalid_position``).
    """

    unit_id: int | str
    status: str
    lon: float
    lat: float
    area: str | None
    on_network: bool
    reason_code: str | None
    off_road: bool
    snap_kind: str


@dataclass(frozen=True)
class Share:
    """Uncovered amount of one demand measure: ``uncovered / total`` = ``share``."""

    total: float
    uncovered: float

    @property
    def share(self) -> float:
        return self.uncovered / self.total if self.total > 0 else 0.0


@dataclass(frozen=True)
class AreaCoverage:
    """Uncovered shares in one kecamatan (``None`` where the measure was not given)."""

    area: str
    land_km2: float
    uncovered_land_share: float
    uncovered_population_share: float | None
    uncovered_incident_share: float | None
    incidents_n: float
    available_units_n: int
    separate_land_km2: float


@dataclass(frozen=True)
class SeparateLand:
    """Land on a piece that no road or bridge joins to where the available units are."""

    area: str
    land_km2: float
    cells_n: int
    reached: bool


@dataclass(frozen=True, eq=False)
class LiveCoverage:
    """Coverage of one unit type by its available units now.

    Attributes
    ----------
    unit_type, threshold_min, model
        What was computed, with which target and travel model (``road``/``approximate``).
    units
        The available units of the type (others are ignored), with their snap.
    land, population, incidents
        Uncovered shares of land (km²), population and incident-weighted demand (``None`` when
        not given).
    areas
        Per kecamatan.
    separate_land
        Land pieces no road or bridge joins to the units (flagged; uncovered unless a unit is
        on them).
    time_s
        Per cell, drive time from the quickest available unit (``inf`` beyond the target).
    nearest_unit
        Per cell, index into ``units`` of the quickest unit, -1 if none within the target.
    cell_reason
        Per cell, index into :data:`REASON_CODES`.
    notes
        Codes for the UI to explain: ``approximate_network``, ``no_available_unit``,
        ``units_off_network``, ``separate_land``.
    """

    unit_type: str
    threshold_min: float
    model: str
    units: tuple[PlacedUnit, ...]
    land: Share
    population: Share | None
    incidents: Share | None
    areas: tuple[AreaCoverage, ...]
    separate_land: tuple[SeparateLand, ...]
    notes: tuple[str, ...]
    cells: DemandCells = field(repr=False)
    time_s: NDArray[np.float64] = field(repr=False)
    nearest_unit: NDArray[np.int64] = field(repr=False)
    cell_reason: NDArray[np.int8] = field(repr=False)

    @property
    def covered(self) -> NDArray[np.bool_]:
        """Cells within the target of an available unit."""
        return np.asarray(self.cell_reason == COVERED)

    @property
    def uncovered(self) -> NDArray[np.bool_]:
        """Cells beyond the target of every available unit (or unreachable)."""
        return np.asarray(self.cell_reason != COVERED)

    def uncovered_cells(self) -> dict[str, Any]:
        """The uncovered cells for a map: ids, centres (EPSG:4326), land km², reason codes."""
        sel = self.uncovered
        return {
            "cell_m": self.cells.cell_m,
            "id": self.cells.cell_ids[sel].tolist(),
            "lon": np.round(self.cells.lon[sel], 6).tolist(),
            "lat": np.round(self.cells.lat[sel], 6).tolist(),
            "land_km2": np.round(self.cells.land_km2[sel], 5).tolist(),
            "reason": [REASON_CODES[int(r)] for r in self.cell_reason[sel]],
        }

    def uncovered_geometry(self) -> BaseGeometry:
        """The uncovered land as one (Multi)Polygon in EPSG:4326 (grid cells only)."""
        geom: BaseGeometry = geom_to_lonlat(self.cells.polygon_utm(self.uncovered))
        return geom

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no cells; see :meth:`uncovered_cells`)."""
        def share(s: Share | None) -> dict[str, float] | None:
            return None if s is None else {"total": round(s.total, 4), "uncovered": round(s.uncovered, 4),
                                           "share": round(s.share, 4)}

        return {
            "unit_type": self.unit_type, "threshold_min": self.threshold_min, "routing": self.model,
            "land_km2": share(self.land), "population": share(self.population), "incidents": share(self.incidents),
            "units": [{"unit_id": u.unit_id, "on_network": u.on_network, "reason_code": u.reason_code,
                       "off_road": u.off_road, "kecamatan": u.area} for u in self.units],
            "kecamatan": [{
                "kecamatan": a.area, "land_km2": round(a.land_km2, 3),
                "uncovered_land_share": round(a.uncovered_land_share, 4),
                "uncovered_population_share": None if a.uncovered_population_share is None
                else round(a.uncovered_population_share, 4),
                "uncovered_incident_share": None if a.uncovered_incident_share is None
                else round(a.uncovered_incident_share, 4),
                "available_units_n": a.available_units_n, "separate_land_km2": round(a.separate_land_km2, 3),
            } for a in self.areas],
            "separate_land": [{"kecamatan": s.area, "land_km2": round(s.land_km2, 3), "reached": s.reached}
                              for s in self.separate_land],
            "notes": list(self.notes),
        }


def available_units(units: Sequence[UnitLike], unit_type: str,
                    statuses: Sequence[str] = AVAILABLE_STATUSES) -> list[UnitLike]:
    """The units of ``unit_type`` whose status counts as available."""
    allowed = set(statuses)
    return [u for u in units if u.unit_type == unit_type and u.status in allowed]


def nearest_area(cells: DemandCells, lon: ArrayLike, lat: ArrayLike) -> list[str | None]:
    """Area (kecamatan) of each point: the area of its nearest cell (``None`` without cells)."""
    lo = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    la = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    if len(cells) == 0 or lo.size == 0:
        return [None] * lo.size
    x, y = to_utm(np.nan_to_num(lo), np.nan_to_num(la))
    _, idx = cells.tree.query(np.column_stack([x, y]), k=1)
    return [cells.area_names[int(cells.area_idx[i])] if np.isfinite(a) else None
            for i, a in zip(np.asarray(idx, dtype=np.int64).tolist(), lo.tolist())]


def live_coverage(
    graph: Any,
    cells: DemandCells,
    units: Sequence[UnitLike],
    *,
    unit_type: str,
    threshold_min: float | None = None,
    incidents: ArrayLike | None = None,
    population: ArrayLike | None = None,
    available_statuses: Sequence[str] = AVAILABLE_STATUSES,
    snap_kwargs: Mapping[str, Any] | None = None,
) -> LiveCoverage:
    """Where the city is now beyond ``threshold_min`` of every available unit of ``unit_type``.

    Parameters
    ----------
    graph
        The travel graph recommendations use (corrections applied).
    cells
        Demand cells joined to this graph (:func:`build_demand_cells`).
    units
        All units (any type and status; ``routing.recommend.UnitPosition`` works): those of
        ``unit_type`` with a status in ``available_statuses`` cover from their position.
    threshold_min
        Target drive time; default from :data:`DEFAULT_THRESHOLD_MIN`.
    incidents
        Incident-weighted demand per cell (:func:`incident_counts` of the recent incidents of
        the types the unit type serves), or ``None``.
    population
        Population per cell (:func:`population_per_cell`), or ``None``.

    Returns
    -------
    LiveCoverage

    Raises
    ------
    InvalidParameterError
        Bad target, demand arrays of the wrong length, or cells of another graph.
    """
    from routing.snap import snap_many
    from routing.travel import travel_times_from

    cells.check_graph(graph)
    minutes = threshold_for(unit_type, threshold_min)
    limit_s = minutes * 60.0
    n = len(cells)
    inc = _weights(incidents, n, "incidents")
    pop = _weights(population, n, "population")
    avail = available_units(units, unit_type, available_statuses)
    notes: list[str] = []
    if graph.model == "approximate":
        notes.append("approximate_network")
    time_s = np.full(n, np.inf)
    nearest = np.full(n, -1, dtype=np.int64)
    placed: list[PlacedUnit] = []
    if avail:
        lon = np.array([float(u.lon) for u in avail])
        lat = np.array([float(u.lat) for u in avail])
        snaps = snap_many(graph, lon, lat, **(snap_kwargs or {}))
        ok = np.asarray(snaps.ok, dtype=bool)
        codes = getattr(snaps, "reason_code", None)
        kinds = getattr(snaps, "kind", None)
        areas = nearest_area(cells, lon, lat)
        for i, u in enumerate(avail):
            kind = str(kinds[i]) if kinds is not None else ("node" if ok[i] else "")
            placed.append(PlacedUnit(unit_id=u.unit_id, status=u.status, lon=float(lon[i]), lat=float(lat[i]),
                                     area=areas[i], on_network=bool(ok[i]),
                                     reason_code=None if ok[i] else str((codes[i] if codes else None) or "off_network"),
                                     off_road=kind == "off_road", snap_kind=kind))
        if not ok.all():
            notes.append("units_off_network")
        if ok.any():
            idx = np.flatnonzero(ok)
            tt = travel_times_from(graph, snaps.select(ok), limit_s=limit_s)
            both = tt.time_s[cells.in_node] + cells.in_s
            best = np.argmin(both, axis=1)
            time_s = both[np.arange(n), best]
            src = tt.nearest_source[cells.in_node[np.arange(n), best]]
            nearest = np.where(np.isfinite(time_s) & (src >= 0), idx[np.maximum(src, 0)], -1)
    else:
        notes.append("no_available_unit")
    covered = time_s <= limit_s
    time_s = np.where(covered, time_s, np.inf)
    nearest = np.where(covered, nearest, -1)
    reason = np.full(n, BEYOND, dtype=np.int8)
    reason[covered] = COVERED
    on_net = cells.on_network
    reason[~covered & ~on_net] = OFF_NETWORK
    island = ~covered & on_net & ~cells.mainland & ~np.isin(cells.piece, np.unique(cells.piece[covered]))
    reason[island] = SEPARATE_LAND
    if not any(p.on_network for p in placed):
        reason[~covered & on_net & ~island] = NO_UNIT

    unc = ~covered
    land = Share(float(cells.land_km2.sum()), float(cells.land_km2[unc].sum()))
    pop_share = None if pop is None else Share(float(pop.sum()), float(pop[unc].sum()))
    inc_share = None if inc is None else Share(float(inc.sum()), float(inc[unc].sum()))
    n_areas = len(cells.area_names)
    land_tot = cells.area_totals(cells.land_km2)
    land_unc = cells.area_totals(np.where(unc, cells.land_km2, 0.0))
    sep_land = cells.area_totals(np.where(~cells.mainland & on_net, cells.land_km2, 0.0))

    def per_area(values: NDArray[np.float64] | None) -> list[float | None]:
        if values is None:
            return [None] * n_areas
        tot = cells.area_totals(values)
        un = cells.area_totals(np.where(unc, values, 0.0))
        return [float(u / t) if t > 0 else 0.0 for u, t in zip(un, tot)]

    pop_a, inc_a = per_area(pop), per_area(inc)
    inc_n = cells.area_totals(inc) if inc is not None else np.zeros(n_areas)
    unit_counts = dict.fromkeys(cells.area_names, 0)
    for p in placed:
        if p.area is not None:
            unit_counts[p.area] += 1
    areas_out = tuple(AreaCoverage(
        area=name, land_km2=float(land_tot[a]),
        uncovered_land_share=float(land_unc[a] / land_tot[a]) if land_tot[a] > 0 else 0.0,
        uncovered_population_share=pop_a[a], uncovered_incident_share=inc_a[a], incidents_n=float(inc_n[a]),
        available_units_n=unit_counts[name], separate_land_km2=float(sep_land[a]),
    ) for a, name in enumerate(cells.area_names))
    separate: list[SeparateLand] = []
    for piece in sorted(set(cells.piece[on_net & ~cells.mainland].tolist())):
        sel = cells.piece == piece
        area_of = np.bincount(cells.area_idx[sel], weights=cells.land_km2[sel] + 1e-12, minlength=n_areas)
        separate.append(SeparateLand(area=cells.area_names[int(np.argmax(area_of))],
                                     land_km2=float(cells.land_km2[sel].sum()), cells_n=int(sel.sum()),
                                     reached=bool(covered[sel].any())))
    if any(not s.reached for s in separate):
        notes.append("separate_land")
    _readonly(time_s, nearest, reason)
    return LiveCoverage(unit_type=unit_type, threshold_min=minutes, model=str(graph.model), units=tuple(placed),
                        land=land, population=pop_share, incidents=inc_share, areas=areas_out,
                        separate_land=tuple(separate), notes=tuple(notes), cells=cells, time_s=time_s,
                        nearest_unit=nearest, cell_reason=reason)


def _weights(values: ArrayLike | None, n: int, name: str) -> NDArray[np.float64] | None:
    if values is None:
        return None
    w = np.asarray(values, dtype=np.float64).ravel()
    if w.shape != (n,):
        raise InvalidParameterError(f"{name} must give one value per demand cell ({n})")
    if not np.all(np.isfinite(w)) or (w < 0).any():
        raise InvalidParameterError(f"{name} must be finite and not negative")
    return w
