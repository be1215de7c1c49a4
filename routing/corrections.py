"""Network corrections applied to every travel graph: connectors, closures and speed factors.

Road data are never complete nor current: a bridge is missing from an older map, a flood
closes a street for a day, traffic slows at rush hour. These corrections are data (stored by
the application, shipped in ``geo_data/routing.json``) and are applied to whichever network is
loaded, imported or approximate. Each function returns a **new** graph (the input stays
read-only) and records what it did in ``graph.meta["corrections"]``, so that a recommendation
can say, for example, that the bridge it used came from the corrections.

* :class:`Connector` — a bridge, ferry or missing link between two points; added only where
  the network does not already cross (a path of at most ``skip_if_path_m`` between the two
  abutments means the crossing is already in the data).
* :class:`Closure` — a road stretch (line) or an area (polygon) closed from one time to
  another; the edges it covers are removed while it is active.
* :class:`SpeedFactor` — travel on a road class is slower (or faster) in an hour band (WITA).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points, unary_union

from routing._errors import CorrectionError, RoutingConfigError
from routing._land import kendari_land, project, unproject
from routing._proj import to_lonlat, to_utm
from routing.config import Connector as ConnectorSpec, RoutingConfig, load_config
from routing.graph import TravelGraph
from settings import DISPLAY_TZ, GEO_DATA_DIR

ConnectorKind = Literal["bridge", "ferry", "link"]
CONNECTOR_KINDS: tuple[str, ...] = ("bridge", "ferry", "link")
#: Road class of the short links that join a connector's abutment to the network.
LINK_CLASS = "connector_link"
WITA = ZoneInfo(DISPLAY_TZ)
_KMH_TO_MS = 1 / 3.6


# -- the corrections ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Connector:
    """A bridge, ferry or missing link between two points (lon/lat, EPSG:4326).

    Parameters
    ----------
    kind
        ``"bridge"``, ``"ferry"`` or ``"link"`` (a missing road).
    a, b
        The two abutments (ferry landings, road ends), ``(lon, lat)``.
    length_m
        Length of the crossing, metres.
    speed_kmh
        Speed over it; or give ``crossing_s`` (and ``waiting_s``) for a ferry.
    crossing_s, waiting_s
        Ferry crossing time and the expected wait for the boat, seconds.
    name, source
        Shown with every route that uses it (``source``: who says it exists).
    id
        Identifier of the stored correction (``None`` for shipped ones).
    origin
        ``"shipped"`` (``routing.json``) or ``"admin"`` (stored by the application).
    """

    kind: ConnectorKind
    a: tuple[float, float]
    b: tuple[float, float]
    length_m: float
    speed_kmh: float | None = None
    crossing_s: float | None = None
    waiting_s: float = 0.0
    name: str = ""
    source: str = ""
    id: int | str | None = None
    origin: str = "admin"

    def __post_init__(self) -> None:
        if self.kind not in CONNECTOR_KINDS:
            raise CorrectionError(f"connector kind must be one of {', '.join(CONNECTOR_KINDS)}, got {self.kind!r}")
        for end in (self.a, self.b):
            if len(end) != 2 or not all(np.isfinite(v) for v in end):
                raise CorrectionError(f"connector {self.name!r}: an end is not a (lon, lat) pair")
        if not self.length_m > 0:
            raise CorrectionError(f"connector {self.name!r}: length_m must be positive")
        if self.crossing_s is None and not (self.speed_kmh is not None and self.speed_kmh > 0):
            raise CorrectionError(f"connector {self.name!r}: give speed_kmh, or crossing_s for a ferry")
        if self.crossing_s is not None and not self.crossing_s > 0:
            raise CorrectionError(f"connector {self.name!r}: crossing_s must be positive")
        if self.waiting_s < 0:
            raise CorrectionError(f"connector {self.name!r}: waiting_s cannot be negative")

    @property
    def time_s(self) -> float:
        """Time to cross, seconds (ferry: crossing plus waiting)."""
        if self.crossing_s is not None:
            return float(self.crossing_s) + float(self.waiting_s)
        return float(self.length_m) / (float(self.speed_kmh or 1.0) * _KMH_TO_MS) + float(self.waiting_s)

    def describe(self) -> dict[str, Any]:
        """JSON-ready facts for reports."""
        return {"kind": self.kind, "id": self.id, "name": self.name, "source": self.source,
                "origin": self.origin, "a": list(self.a), "b": list(self.b),
                "length_m": self.length_m, "time_s": round(self.time_s, 1)}


@dataclass(frozen=True)
class Closure:
    """A closed road stretch (LineString) or area (Polygon), lon/lat, from ``starts_at`` until ``ends_at``.

    Parameters
    ----------
    geometry
        A shapely geometry or a GeoJSON geometry mapping, EPSG:4326.
    starts_at, ends_at
        Time-zone aware; ``None`` means "since ever" / "until lifted". A naive time is taken as WITA.
    reason
        ``"flood"``, ``"landslide"``, ``"event"``, ``"works"`` or free text.
    """

    geometry: BaseGeometry
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    reason: str = ""
    name: str = ""
    id: int | str | None = None
    source: str = ""

    def __post_init__(self) -> None:
        geom = self.geometry
        if isinstance(geom, Mapping):
            try:
                geom = shape(geom)
            except Exception as exc:  # shapely raises several types for bad GeoJSON
                raise CorrectionError(f"closure {self.name!r}: not a GeoJSON geometry ({exc})") from exc
            object.__setattr__(self, "geometry", geom)
        if not isinstance(geom, BaseGeometry) or geom.is_empty:
            raise CorrectionError(f"closure {self.name!r}: geometry is empty or missing")
        if geom.geom_type not in ("LineString", "MultiLineString", "Polygon", "MultiPolygon"):
            raise CorrectionError(f"closure {self.name!r}: a line or a polygon is expected, got {geom.geom_type}")
        for attr in ("starts_at", "ends_at"):
            value = getattr(self, attr)
            if value is not None and value.tzinfo is None:
                object.__setattr__(self, attr, value.replace(tzinfo=WITA))
        if self.starts_at is not None and self.ends_at is not None and self.ends_at <= self.starts_at:
            raise CorrectionError(f"closure {self.name!r}: ends before it starts")

    @classmethod
    def from_geojson(cls, geometry: Mapping[str, Any], **fields: Any) -> Closure:
        """A closure from a GeoJSON geometry mapping (EPSG:4326); other fields as keywords.

        Raises
        ------
        CorrectionError
            Not a GeoJSON line or polygon.
        """
        try:
            geom = shape(dict(geometry))
        except Exception as exc:  # shapely raises several types for bad GeoJSON
            raise CorrectionError(f"closure: not a GeoJSON geometry ({exc})") from exc
        return cls(geom, **fields)

    def active(self, at: datetime) -> bool:
        """Whether the closure is in force at ``at``."""
        when = _aware(at)
        return (self.starts_at is None or self.starts_at <= when) and (self.ends_at is None or when < self.ends_at)

    def describe(self) -> dict[str, Any]:
        return {"kind": "closure", "id": self.id, "name": self.name, "reason": self.reason,
                "source": self.source,
                "starts_at": None if self.starts_at is None else self.starts_at.isoformat(),
                "ends_at": None if self.ends_at is None else self.ends_at.isoformat()}


@dataclass(frozen=True)
class SpeedFactor:
    """Travel speed on ``road_class`` times ``factor`` between ``start_hour`` and ``end_hour`` (WITA).

    ``road_class="*"`` applies to every class. The band is ``[start_hour, end_hour)`` in hours
    (fractions allowed); ``end_hour < start_hour`` wraps around midnight. A factor of 0.7 makes
    travel take 1/0.7 = 1.43 times as long.
    """

    road_class: str
    start_hour: float
    end_hour: float
    factor: float
    reason: str = ""
    id: int | str | None = None
    source: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.start_hour < 24 or not 0 < self.end_hour <= 24 or self.start_hour == self.end_hour:
            raise CorrectionError("speed factor: hours must be 0-24 and the band not empty")
        if not 0.05 <= self.factor <= 3.0:
            raise CorrectionError("speed factor must lie between 0.05 and 3")

    def active(self, at: datetime) -> bool:
        """Whether ``at`` (any time zone) falls in the band, WITA."""
        local = _aware(at).astimezone(WITA)
        hour = local.hour + local.minute / 60 + local.second / 3600
        if self.start_hour < self.end_hour:
            return self.start_hour <= hour < self.end_hour
        return hour >= self.start_hour or hour < self.end_hour

    def describe(self) -> dict[str, Any]:
        return {"kind": "speed_factor", "id": self.id, "road_class": self.road_class,
                "start_hour": self.start_hour, "end_hour": self.end_hour, "factor": self.factor,
                "reason": self.reason, "source": self.source}


Correction = Connector | Closure | SpeedFactor


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=WITA)


def now_utc() -> datetime:
    """The current time, UTC (the default ``at``)."""
    return datetime.now(UTC)


def split_corrections(corrections: Iterable[Correction]) -> tuple[list[Connector], list[Closure], list[SpeedFactor]]:
    """Connectors, closures and speed factors of a mixed collection.

    Raises
    ------
    CorrectionError
        An item is none of the three.
    """
    connectors: list[Connector] = []
    closures: list[Closure] = []
    factors: list[SpeedFactor] = []
    for item in corrections:
        if isinstance(item, Connector):
            connectors.append(item)
        elif isinstance(item, Closure):
            closures.append(item)
        elif isinstance(item, SpeedFactor):
            factors.append(item)
        else:
            raise CorrectionError(f"not a network correction: {type(item).__name__}")
    return connectors, closures, factors


def active_state(corrections: Iterable[Correction], at: datetime) -> str:
    """A short key of what is in force at ``at``: equal keys give equal corrected graphs.

    A holder of the loaded network recomputes the corrected graph only when this key changes
    (a closure starts or ends, an hour band begins, the corrections themselves change).
    """
    parts: list[Any] = []
    for item in corrections:
        if isinstance(item, Connector):
            parts.append(["c", item.describe(), item.speed_kmh, item.crossing_s, item.waiting_s])
        elif isinstance(item, Closure):
            if item.active(at):
                parts.append(["x", item.describe(), item.geometry.wkb_hex])
        elif isinstance(item, SpeedFactor) and item.active(at):
            parts.append(["s", item.describe()])
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# -- shipped connectors: routing.json, placed on the kelurahan polygons ----------------------------
@dataclass(frozen=True)
class ConnectorPlacement:
    """Where a configured connector was placed (derived from the polygons).

    Attributes
    ----------
    a_lonlat, b_lonlat
        The ends, EPSG:4326: the nearest points across the water between the two sides.
    a_kelurahan, b_kelurahan
        The kelurahan each end lies on.
    gap_m
        Straight distance between the ends (the water gap), metres.
    """

    name: str
    a_lonlat: tuple[float, float]
    b_lonlat: tuple[float, float]
    a_kelurahan: str
    b_kelurahan: str
    gap_m: float
    length_m: float
    time_s: float


def _side_geometries(connector: ConnectorSpec, side: str, directory: Path) -> list[tuple[str, BaseGeometry]]:
    from layers.geodata import kelurahan

    spec = connector.side_a if side == "a" else connector.side_b
    kel = kelurahan(directory)
    out = []
    for name in spec.kelurahan:
        rows = kel[(kel["nama"] == name) & (kel["kecamatan"] == spec.kecamatan)]
        if rows.empty:
            raise RoutingConfigError(
                f"connector {connector.name!r}: no kelurahan {name!r} in Kec. {spec.kecamatan}"
            )
        out.append((name, project(rows.geometry.iloc[0])))
    return out


def place_connector(connector: ConnectorSpec, *,
                    directory: Path = GEO_DATA_DIR) -> tuple[ConnectorPlacement, Point, Point]:
    """Compute a configured connector's ends as the nearest points across the water between its sides.

    Returns
    -------
    placement, a, b
        The placement (EPSG:4326) and the two ends as UTM 51S points.

    Raises
    ------
    RoutingConfigError
        Unknown kelurahan, or the sides are farther apart than ``max_gap_m``.
    """
    side_a = _side_geometries(connector, "a", directory)
    side_b = _side_geometries(connector, "b", directory)
    geom_a = unary_union([g for _, g in side_a])
    geom_b = unary_union([g for _, g in side_b])
    a, b = nearest_points(geom_a, geom_b)
    gap = float(a.distance(b))
    if gap > connector.max_gap_m:
        raise RoutingConfigError(
            f"connector {connector.name!r}: the two sides are {gap:.0f} m apart, "
            f"more than max_gap_m={connector.max_gap_m:.0f}"
        )
    a_name = min(side_a, key=lambda item: item[1].distance(a))[0]
    b_name = min(side_b, key=lambda item: item[1].distance(b))[0]
    (alon, blon), (alat, blat) = to_lonlat([a.x, b.x], [a.y, b.y])
    placement = ConnectorPlacement(
        name=connector.name,
        a_lonlat=(round(float(alon), 6), round(float(alat), 6)),
        b_lonlat=(round(float(blon), 6), round(float(blat), 6)),
        a_kelurahan=a_name,
        b_kelurahan=b_name,
        gap_m=round(gap, 1),
        length_m=connector.length_m,
        time_s=round(connector.time_s, 2),
    )
    return placement, a, b


def shipped_connectors(config: RoutingConfig | None = None, *,
                       directory: Path = GEO_DATA_DIR) -> tuple[tuple[Connector, ConnectorPlacement], ...]:
    """The enabled connectors of ``routing.json`` as :class:`Connector` corrections, with their placement.

    Raises
    ------
    RoutingConfigError
        A connector cannot be placed on the polygons.
    """
    cfg = config or load_config(directory)
    out = []
    for spec in cfg.connectors:
        if not spec.enabled:
            continue
        placement, _, _ = place_connector(spec, directory=directory)
        kind = spec.kind if spec.kind in CONNECTOR_KINDS else "bridge"
        out.append((Connector(kind=kind, a=placement.a_lonlat, b=placement.b_lonlat,  # type: ignore[arg-type]
                              length_m=spec.length_m, speed_kmh=spec.speed_kmh, name=spec.name,
                              source=f"routing.json: {spec.source}" if spec.source else "routing.json",
                              origin="shipped"), placement))
    return tuple(out)


# -- applying --------------------------------------------------------------------------------------
def _corrections_meta(graph: TravelGraph) -> list[dict[str, Any]]:
    return [dict(c) for c in graph.meta.get("corrections", [])]


def _class_index(classes: list[str], name: str) -> int:
    if name not in classes:
        classes.append(name)
    return classes.index(name)


def _length_matrix(graph: TravelGraph) -> csr_matrix:
    return csr_matrix((graph.length_m, graph.indices, graph.indptr), shape=(graph.n_nodes, graph.n_nodes))


def _attach_nodes(graph: TravelGraph, end_xy: tuple[float, float], *, radius_m: float,
                  max_links: int | None, land_tolerant: BaseGeometry | None) -> NDArray[np.int64]:
    """Routable nodes within ``radius_m`` of an abutment that can be reached over land, nearest first."""
    tree, ids = graph.routable_tree
    near = np.asarray(tree.query_ball_point(list(end_xy), radius_m), dtype=np.int64)
    if near.size == 0:
        return near
    nodes = ids[near]
    d = np.hypot(graph.x_m[nodes] - end_xy[0], graph.y_m[nodes] - end_xy[1])
    order = np.argsort(d, kind="stable")
    nodes = nodes[order]
    if land_tolerant is not None:
        coords = np.stack([np.tile(end_xy, (nodes.size, 1)), np.column_stack([graph.x_m[nodes], graph.y_m[nodes]])],
                          axis=1)
        nodes = nodes[shapely.covers(land_tolerant, shapely.linestrings(coords))]
    if max_links is not None:
        nodes = nodes[:max_links]
    return nodes


def apply_connectors(
    graph: TravelGraph,
    connectors: Sequence[Connector],
    *,
    config: RoutingConfig | None = None,
    placements: Sequence[ConnectorPlacement | None] | None = None,
) -> TravelGraph:
    """Add each connector where the network does not already cross; a new graph.

    Each abutment becomes a new node joined by short straight links (staying on land) to the
    routable nodes near it: every node within ``approximate.attach_radius_m`` on the
    approximate network (lattice speed and circuity), the 3 nearest on a road network (at
    ``corrections.link_speed_kmh``); when none lies that close (the approach road is missing
    from the data), the nearest one within ``snapping.max_snap_m`` over land, or else, for a
    bridge, the nearest on the abutment's own side of the water (an approach span). The
    crossing itself is one edge each way with the connector's length and time. An abutment
    with no road within reach (an island whose streets are not in the network) stays a node of
    its own, which places nearby join off-road. A connector is **skipped** when the network
    already joins the abutments' nodes by a path of at most ``corrections.skip_if_path_m``, or
    when neither abutment has a node within reach; either way ``meta["corrections"]`` says so.

    Parameters
    ----------
    graph
        The network (not changed).
    connectors
        The connectors to add.
    config
        Routing configuration (``routing.json`` when omitted).
    placements
        Optional, per connector: how a shipped connector was placed (kept in ``meta["connectors"]``).

    Returns
    -------
    TravelGraph
        New nodes are appended after the existing ones (ids of existing nodes do not change).
    """
    cfg = config or load_config()
    if not connectors:
        return graph
    land_tol = None
    if graph.area == "kendari":
        land_tol = kendari_land(service_buffer_m=cfg.service_area_buffer_m,
                                water_tolerance_m=cfg.attach_tolerance_m).land_tolerant
    if graph.model == "approximate":
        link_speed = float(graph.meta.get("speed_kmh", cfg.approx_speed_kmh)) * _KMH_TO_MS
        circuity = float(graph.meta.get("circuity_factor", cfg.circuity_factor))
        max_links: int | None = None
    else:
        link_speed = cfg.connector_link_speed_kmh * _KMH_TO_MS
        circuity = 1.0
        max_links = 3
    arrays = graph.edge_arrays()
    classes = list(graph.road_classes)
    n = graph.n_nodes
    edge_class = arrays["edge_class"]
    if edge_class is None:
        default = _class_index(classes, "lattice" if graph.model == "approximate" else "road")
        edge_class = np.full(graph.n_edges, default, dtype=np.int16)
    new_x: list[float] = []
    new_y: list[float] = []
    src: list[NDArray[np.int64]] = [arrays["src"]]
    dst: list[NDArray[np.int64]] = [arrays["dst"]]
    times: list[NDArray[np.float64]] = [arrays["time_s"]]
    lengths: list[NDArray[np.float64]] = [arrays["length_m"]]
    cls: list[NDArray[np.int16]] = [edge_class]
    corrections = _corrections_meta(graph)
    placed = [dict(p) for p in graph.meta.get("connectors", [])]
    lengths_csr = _length_matrix(graph)
    link_cls = _class_index(classes, LINK_CLASS)
    for k, conn in enumerate(connectors):
        entry = conn.describe()
        ex, ey = to_utm([conn.a[0], conn.b[0]], [conn.a[1], conn.b[1]])
        ends = [(float(ex[0]), float(ey[0])), (float(ex[1]), float(ey[1]))]
        attach = [_attach_nodes(graph, e, radius_m=cfg.attach_radius_m, max_links=max_links, land_tolerant=land_tol)
                  for e in ends]
        # an approach road missing from the data: link to the nearest node within the snapping limit,
        # over land if possible, else over the water on this abutment's side (a bridge's approach span)
        over_water = []
        for side in (0, 1):
            if attach[side].size:
                continue
            attach[side] = _attach_nodes(graph, ends[side], radius_m=cfg.max_snap_m, max_links=1,
                                         land_tolerant=land_tol)
            if attach[side].size == 0 and conn.kind == "bridge":
                near = _attach_nodes(graph, ends[side], radius_m=cfg.max_snap_m, max_links=None, land_tolerant=None)
                other = ends[1 - side]
                mine = np.hypot(graph.x_m[near] - ends[side][0], graph.y_m[near] - ends[side][1])
                theirs = np.hypot(graph.x_m[near] - other[0], graph.y_m[near] - other[1])
                attach[side] = near[mine < theirs][:1]
                if attach[side].size:
                    over_water.append("ab"[side])
        if attach[0].size == 0 and attach[1].size == 0:
            entry.update(applied=False, note=f"no node of the network within {cfg.max_snap_m:.0f} m of either end")
            corrections.append(entry)
            continue
        link_len = [np.hypot(graph.x_m[att] - e[0], graph.y_m[att] - e[1]) * circuity for att, e in zip(attach, ends)]
        existing = np.inf
        if attach[0].size and attach[1].size:  # already crossing? shortest path between the two groups
            dist = dijkstra(lengths_csr, directed=True, indices=attach[0], min_only=True,
                            limit=cfg.connector_skip_path_m)
            via = dist[attach[1]]
            existing = float(np.min(via)) if via.size else np.inf
        if existing <= cfg.connector_skip_path_m:
            entry.update(applied=False, note=f"the network already crosses here (a path of {existing:.0f} m "
                                             f"joins the two ends)", existing_path_m=round(existing, 1))
            corrections.append(entry)
            continue
        end_ids = []
        for att, ll, e in zip(attach, link_len, ends):
            node_id = n + len(new_x)
            new_x.append(e[0])
            new_y.append(e[1])
            src += [np.full(att.size, node_id, dtype=np.int64), att]
            dst += [att, np.full(att.size, node_id, dtype=np.int64)]
            t = ll / link_speed
            times += [t, t]
            lengths += [ll, ll]
            cls += [np.full(2 * att.size, link_cls, dtype=np.int16)]
            end_ids.append(node_id)
        ea, eb = end_ids
        src.append(np.array([ea, eb], dtype=np.int64))
        dst.append(np.array([eb, ea], dtype=np.int64))
        times.append(np.full(2, conn.time_s))
        lengths.append(np.full(2, float(conn.length_m)))
        cls.append(np.full(2, _class_index(classes, conn.kind), dtype=np.int16))
        note = f"added: not in the road data ({conn.kind} from the corrections)"
        bare = ["ab"[side] for side in (0, 1) if attach[side].size == 0]
        if bare:
            note += f"; no road near end {bare[0]}: places there join the {conn.kind} off-road"
        if over_water:
            note += f"; no road reaches end {' and '.join(over_water)} over land: joined to the nearest road node"
        entry.update(applied=True, nodes=[int(ea), int(eb)], note=note,
                     links_m=[round(float(np.min(ll)), 1) if ll.size else None for ll in link_len])
        corrections.append(entry)
        placement = placements[k] if placements is not None and k < len(placements) else None
        if placement is not None:
            info: dict[str, Any] = asdict(placement)
            info["nodes"] = [int(ea), int(eb)]
            placed.append(info)
        else:
            placed.append({"name": conn.name, "a_lonlat": list(conn.a), "b_lonlat": list(conn.b),
                           "length_m": conn.length_m, "time_s": round(conn.time_s, 2), "nodes": [int(ea), int(eb)]})
    if not new_x:
        meta = dict(graph.meta)
        meta["corrections"] = corrections
        return graph.with_edges(meta=meta)
    nlon, nlat = to_lonlat(np.array(new_x), np.array(new_y))
    total_src = np.concatenate(src)
    total_dst = np.concatenate(dst)
    n_total = n + len(new_x)
    component = None
    if graph.component is not None:
        adj = coo_matrix((np.ones(total_src.size), (total_src, total_dst)), shape=(n_total, n_total))
        n_comp, labels = connected_components(adj, directed=False)
        sizes = np.bincount(labels, minlength=n_comp)
        order = np.argsort(-sizes, kind="stable")
        relabel = np.empty(n_comp, dtype=np.int32)
        relabel[order] = np.arange(n_comp, dtype=np.int32)
        component = relabel[labels]
    geom_ptr = arrays["geom_ptr"]
    if geom_ptr is not None:
        extra = total_src.size - graph.n_edges
        geom_ptr = np.concatenate([geom_ptr, np.full(extra, geom_ptr[-1], dtype=np.int64)])
    shore = arrays["shore_m"]
    if shore is not None:
        shore = np.concatenate([shore, np.zeros(len(new_x), dtype=np.float32)])
    meta = dict(graph.meta)
    meta["corrections"] = corrections
    meta["connectors"] = placed
    meta["road_classes"] = classes
    if component is not None:
        meta["components"] = [int(s) for s in np.bincount(component)]
    return TravelGraph.from_edges(
        model=graph.model,
        lon=np.concatenate([graph.lon, nlon]),
        lat=np.concatenate([graph.lat, nlat]),
        src=total_src,
        dst=total_dst,
        time_s=np.concatenate(times),
        length_m=np.concatenate(lengths),
        geom_ptr=geom_ptr,
        geom_lonlat=arrays["geom_lonlat"],
        shore_m=shore,
        component=component,
        edge_class=np.concatenate(cls),
        area=graph.area,
        source=graph.source,
        meta=meta,
    )


def closed_edges(graph: TravelGraph, closure: Closure, *, config: RoutingConfig | None = None) -> NDArray[np.int64]:
    """Edge ids a closure closes.

    A polygon closes every edge that touches it. A line closes the edges it crosses and those
    that run within ``corrections.closure_line_buffer_m`` of it for at least half their length.
    Connector edges (bridges, ferries) are closed like roads.
    """
    cfg = config or load_config()
    index = graph.segments
    if len(index.lines) == 0:
        return np.zeros(0, dtype=np.int64)
    geom = project(closure.geometry)
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        hits = index.tree.query(geom, predicate="intersects")
    else:
        zone = geom.buffer(cfg.closure_line_buffer_m)
        cand = index.tree.query(zone, predicate="intersects")
        if cand.size:
            lines = index.lines[cand]
            inside = shapely.length(shapely.intersection(lines, zone))
            along = inside >= 0.5 * np.maximum(index.length_m[cand], 1e-9)
            across = shapely.crosses(lines, geom)
            hits = cand[along | across]
        else:
            hits = cand
    edges = np.concatenate([index.e_ab[hits], index.e_ba[hits]])
    return np.unique(edges[edges >= 0])


def apply_closures(graph: TravelGraph, closures: Sequence[Closure], at: datetime | None = None, *,
                   config: RoutingConfig | None = None) -> TravelGraph:
    """Remove the edges of the closures active at ``at`` (default: now); a new graph.

    Every active closure is listed in ``meta["corrections"]`` with the number of directed
    edges it closed; inactive ones are left out.
    """
    when = now_utc() if at is None else _aware(at)
    active = [c for c in closures if c.active(when)]
    if not active:
        return graph
    keep = np.ones(graph.n_edges, dtype=bool)
    corrections = _corrections_meta(graph)
    for closure in active:
        edges = closed_edges(graph, closure, config=config)
        keep[edges] = False
        entry = closure.describe()
        entry.update(applied=True, edges_closed=int(edges.size),
                     note=f"closed ({closure.reason or 'closure'}): {edges.size} road segment directions")
        corrections.append(entry)
    meta = dict(graph.meta)
    meta["corrections"] = corrections
    return graph.with_edges(keep, meta=meta)


def apply_speed_factors(graph: TravelGraph, factors: Sequence[SpeedFactor], at: datetime | None = None) -> TravelGraph:
    """Scale edge times by the speed factors in force at ``at`` (WITA hour bands); a new graph.

    Several factors on the same class multiply. Edges of a graph without road classes count
    as class ``"road"`` (imported) or ``"lattice"`` (approximate).
    """
    when = now_utc() if at is None else _aware(at)
    active = [f for f in factors if f.active(when)]
    if not active:
        return graph
    classes = list(graph.road_classes)
    if graph.edge_class is None:
        edge_names = np.full(graph.n_edges, "lattice" if graph.model == "approximate" else "road", dtype=object)
    else:
        names = np.array([*classes, "?"], dtype=object)
        edge_names = names[np.minimum(graph.edge_class, len(classes))]
    scale = np.ones(graph.n_edges)
    corrections = _corrections_meta(graph)
    for factor in active:
        mask = np.ones(graph.n_edges, dtype=bool) if factor.road_class == "*" else edge_names == factor.road_class
        scale[mask] /= factor.factor
        entry = factor.describe()
        entry.update(applied=True, edges=int(mask.sum()))
        corrections.append(entry)
    meta = dict(graph.meta)
    meta["corrections"] = corrections
    return graph.with_edges(time_s=graph.time_s * scale, meta=meta)


def apply_corrections(graph: TravelGraph, corrections: Iterable[Correction], at: datetime | None = None, *,
                      config: RoutingConfig | None = None) -> TravelGraph:
    """Connectors, then the closures and speed factors in force at ``at``; a new graph.

    Connectors come first, so a closure can close a bridge.
    """
    connectors, closures, factors = split_corrections(corrections)
    out = apply_connectors(graph, connectors, config=config)
    out = apply_closures(out, closures, at, config=config)
    return apply_speed_factors(out, factors, at)


def corrections_used(graph: TravelGraph, path: Sequence[int] | NDArray[np.int64]) -> list[dict[str, Any]]:
    """The applied connectors a node path crosses (name, kind, source), in path order."""
    nodes = np.asarray(path, dtype=np.int64)
    if nodes.size < 2:
        return []
    pairs = set(zip(nodes[:-1].tolist(), nodes[1:].tolist()))
    used = []
    for entry in graph.meta.get("corrections", []):
        ends = entry.get("nodes")
        if not entry.get("applied") or not ends or len(ends) != 2:
            continue
        a, b = int(ends[0]), int(ends[1])
        if (a, b) in pairs or (b, a) in pairs:
            used.append({"kind": entry.get("kind"), "name": entry.get("name"), "source": entry.get("source"),
                         "origin": entry.get("origin"), "id": entry.get("id")})
    return used


def geometry_lonlat(geom_utm: BaseGeometry) -> BaseGeometry:
    """A UTM geometry back in lon/lat (helper for reports)."""
    return unproject(geom_utm)


__all__ = [
    "CONNECTOR_KINDS", "Closure", "Connector", "ConnectorPlacement", "Correction", "SpeedFactor",
    "active_state", "apply_closures", "apply_connectors", "apply_corrections", "apply_speed_factors",
    "closed_edges", "corrections_used", "now_utc", "place_connector", "shipped_connectors",
    "split_corrections",
]
