"""Generated road-like graphs, unit fleets and Kendari road layers, for tests and benchmarks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from routing._proj import to_lonlat, to_utm
from routing.graph import TravelGraph
from routing.recommend import UnitPosition

#: A point in Kendari (Kadia): generated graphs are placed around it so lon/lat look familiar.
DEFAULT_ORIGIN_LONLAT = (122.50, -4.00)
UNIT_TYPES = ("fire_engine", "ambulance", "police_patrol", "water_tanker", "rescue", "bpbd_rescue")
AGENCY_OF = {"fire_engine": "DAMKAR", "water_tanker": "DAMKAR", "rescue": "DAMKAR",
             "ambulance": "PSC119", "police_patrol": "POLICE", "bpbd_rescue": "BPBD"}


def road_like_graph(
    n_nodes: int = 2000,
    *,
    seed: int = 0,
    spacing_m: float = 120.0,
    one_way_share: float = 0.15,
    drop_share: float = 0.08,
    diagonal_share: float = 0.04,
    origin_lonlat: tuple[float, float] = DEFAULT_ORIGIN_LONLAT,
) -> TravelGraph:
    """A perturbed grid that behaves like a city road network.

    Every 8th row and column is an arterial (45 km/h), the rest local streets (25 km/h), each
    edge with ±20 % speed noise and 0-15 % extra length for curves; a share of the edges is
    removed, a few diagonal shortcuts are added, and a share become one-way in a random
    direction. The largest strongly connected component is kept.

    Parameters
    ----------
    n_nodes
        Approximate node count before keeping the strongly connected component.
    seed
        Random seed (the same seed gives the same graph).

    Returns
    -------
    TravelGraph
        ``model="road"``, ``area=""`` (no land checks).
    """
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n_nodes)))
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    ox, oy = to_utm([origin_lonlat[0]], [origin_lonlat[1]])
    x = ox[0] + jj.ravel() * spacing_m + rng.uniform(-0.25, 0.25, side * side) * spacing_m
    y = oy[0] + ii.ravel() * spacing_m + rng.uniform(-0.25, 0.25, side * side) * spacing_m
    ids = np.arange(side * side).reshape(side, side)
    pairs = [
        (ids[:, :-1].ravel(), ids[:, 1:].ravel(), (ii[:, :-1].ravel() % 8) == 0),
        (ids[:-1, :].ravel(), ids[1:, :].ravel(), (jj[:-1, :].ravel() % 8) == 0),
    ]
    diag_a, diag_b = ids[:-1, :-1].ravel(), ids[1:, 1:].ravel()
    pick = rng.random(diag_a.size) < diagonal_share
    pairs.append((diag_a[pick], diag_b[pick], np.zeros(int(pick.sum()), dtype=bool)))
    a = np.concatenate([p[0] for p in pairs])
    b = np.concatenate([p[1] for p in pairs])
    arterial = np.concatenate([p[2] for p in pairs])
    keep = (rng.random(a.size) >= drop_share) | arterial
    a, b, arterial = a[keep], b[keep], arterial[keep]
    length = np.hypot(x[a] - x[b], y[a] - y[b]) * rng.uniform(1.0, 1.15, a.size)
    speed_kmh = np.where(arterial, 45.0, 25.0) * rng.uniform(0.8, 1.2, a.size)
    time_s = length / (speed_kmh / 3.6)
    one_way = (rng.random(a.size) < one_way_share) & ~arterial
    flip = rng.random(a.size) < 0.5
    fwd_a, fwd_b = np.where(flip, b, a), np.where(flip, a, b)
    two = ~one_way
    src = np.concatenate([fwd_a, fwd_b[two]])
    dst = np.concatenate([fwd_b, fwd_a[two]])
    t = np.concatenate([time_s, time_s[two]])
    ln = np.concatenate([length, length[two]])

    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = side * side
    _, labels = connected_components(coo_matrix((np.ones(src.size), (src, dst)), shape=(n, n)),
                                     directed=True, connection="strong")
    big = np.argmax(np.bincount(labels))
    keep_node = labels == big
    new_id = np.full(n, -1, dtype=np.int64)
    new_id[keep_node] = np.arange(int(keep_node.sum()))
    ok = keep_node[src] & keep_node[dst]
    lon, lat = to_lonlat(x[keep_node], y[keep_node])
    return TravelGraph.from_edges(
        model="road", lon=lon, lat=lat, src=new_id[src[ok]], dst=new_id[dst[ok]], time_s=t[ok],
        length_m=ln[ok], source=f"generated road-like grid ({n_nodes} nodes, seed {seed})",
        meta={"generator": "road_like_graph", "seed": seed, "spacing_m": spacing_m},
    )


def random_units(
    graph: TravelGraph,
    count: int,
    *,
    seed: int = 0,
    unit_types: tuple[str, ...] = UNIT_TYPES,
    available_share: float = 0.85,
    jitter_m: float = 20.0,
    among: NDArray[np.int64] | None = None,
) -> list[UnitPosition]:
    """Units at random nodes (jittered by up to ``jitter_m``), with types cycling through ``unit_types``.

    Parameters
    ----------
    among
        Node ids to draw from (default: all nodes).
    """
    rng = np.random.default_rng(seed)
    pool = np.arange(graph.n_nodes) if among is None else np.asarray(among, dtype=np.int64)
    nodes = rng.choice(pool, size=count, replace=count > pool.size)
    dx = rng.uniform(-jitter_m, jitter_m, count)
    dy = rng.uniform(-jitter_m, jitter_m, count)
    lon, lat = to_lonlat(graph.x_m[nodes] + dx, graph.y_m[nodes] + dy)
    units = []
    for k in range(count):
        unit_type = unit_types[k % len(unit_types)]
        status = "available" if rng.random() < available_share else "on_scene"
        units.append(UnitPosition(
            unit_id=k + 1, callsign=f"{unit_type[:3].upper()}-{k + 1:03d}", unit_type=unit_type,
            agency_code=AGENCY_OF.get(unit_type, "OTHER"), status=status,
            lon=float(lon[k]), lat=float(lat[k]), position_source="reported" if k % 3 else "station",
        ))
    return units


# -- generated road layers over Kendari's land ------------------------------------------------
RBI_CLASSES = ("Jalan Arteri", "Jalan Kolektor", "Jalan Lokal", "Jalan Lain", "Jalan Setapak")
#: OSM ``highway`` tag written for each RBI class when a layer is written as OSM data.
OSM_HIGHWAY_OF = {"Jalan Arteri": "primary", "Jalan Kolektor": "secondary", "Jalan Lokal": "residential",
                  "Jalan Lain": "unclassified", "Jalan Setapak": "track"}


@dataclass(frozen=True, eq=False)
class RoadLayer:
    """A generated road layer: lines in lon/lat with an RBI-style ``REMARK`` class each.

    Attributes
    ----------
    coords
        Per line, an ``(k, 2)`` array of lon/lat vertices.
    remark
        Per line, its class (``"Jalan Arteri"`` ...).
    gaps
        Line ends moved off their junction on purpose (line index, metres).
    """

    coords: tuple[NDArray[np.float64], ...]
    remark: tuple[str, ...]
    gaps: tuple[tuple[int, float], ...] = ()

    def __len__(self) -> int:
        return len(self.coords)


def kendari_road_layer(
    spacing_m: float = 250.0,
    *,
    seed: int = 0,
    gap_share: float = 0.02,
    gap_m: float = 0.4,
    t_gaps: int = 5,
    t_gap_m: float = 1.0,
    max_run: int = 4,
    land: Any = None,
) -> RoadLayer:
    """An RBI-like road layer over Kendari's land: no bridge over the bay, line ends that miss.

    A street grid every ``spacing_m`` kept where it lies on land (so no road crosses the bay,
    and Pulau Bungkutoko gets streets of its own, joined to nothing). Lines run over 1 to
    ``max_run`` blocks and share their junction vertices, like a digitised map. Every 8th grid
    line is ``Jalan Arteri``, every 4th ``Jalan Kolektor``, the rest ``Jalan Lokal`` with a few
    ``Jalan Lain`` and ``Jalan Setapak``. Flaws of real layers, on purpose: ``gap_share`` of the
    lines start ``gap_m`` away from their junction (at least one arterial), and ``t_gaps``
    short side streets end ``t_gap_m`` short of the middle of a block (no vertex there).

    Parameters
    ----------
    land
        Land polygon in UTM 51S (default: Kendari's, from the shipped polygons).
    """
    import shapely

    from routing._land import land_utm

    rng = np.random.default_rng(seed)
    area = land_utm() if land is None else land
    shapely.prepare(area)
    minx, miny, maxx, maxy = area.bounds
    xs = np.arange(np.floor(minx / spacing_m) * spacing_m, maxx + spacing_m, spacing_m)
    ys = np.arange(np.floor(miny / spacing_m) * spacing_m, maxy + spacing_m, spacing_m)
    gx, gy = np.meshgrid(xs, ys)
    on = shapely.contains_xy(area, gx, gy)
    lines_xy: list[NDArray[np.float64]] = []
    remark: list[str] = []

    def klass(index: int) -> str:
        if index % 8 == 0:
            return "Jalan Arteri"
        if index % 4 == 0:
            return "Jalan Kolektor"
        r = rng.random()
        return "Jalan Setapak" if r < 0.01 else "Jalan Lain" if r < 0.04 else "Jalan Lokal"

    for axis in (0, 1):
        count = gy.shape[0] if axis == 0 else gy.shape[1]
        for k in range(count):
            px = gx[k, :] if axis == 0 else gx[:, k]
            py = gy[k, :] if axis == 0 else gy[:, k]
            ok = on[k, :] if axis == 0 else on[:, k]
            seg_ok = ok[:-1] & ok[1:]
            if seg_ok.any():
                segs = shapely.linestrings(np.stack([np.column_stack([px[:-1], py[:-1]]),
                                                     np.column_stack([px[1:], py[1:]])], axis=1))
                seg_ok &= shapely.covers(area, segs)
            cls = klass(k)
            i = 0
            while i < seg_ok.size:
                if not seg_ok[i]:
                    i += 1
                    continue
                run = int(rng.integers(1, max_run + 1))
                j = i
                while j < seg_ok.size and seg_ok[j] and j - i < run:
                    j += 1
                lines_xy.append(np.column_stack([px[i:j + 1], py[i:j + 1]]))
                remark.append(cls)
                i = j
    gaps: list[tuple[int, float]] = []
    arterial = [i for i, r in enumerate(remark) if r == "Jalan Arteri"]
    chosen = set(rng.choice(len(lines_xy), size=int(gap_share * len(lines_xy)), replace=False).tolist())
    if arterial:
        chosen.add(arterial[len(arterial) // 2])
    for i in sorted(chosen):
        angle = rng.uniform(0, 2 * np.pi)
        line = lines_xy[i].copy()
        line[0] += gap_m * np.array([np.cos(angle), np.sin(angle)])
        lines_xy[i] = line
        gaps.append((i, gap_m))
    # side streets ending just short of the middle of a block
    added = 0
    for i in rng.permutation(len(lines_xy)).tolist():
        if added >= t_gaps:
            break
        a, b = lines_xy[i][0], lines_xy[i][1]
        mid = (a + b) / 2
        direction = (b - a) / max(float(np.hypot(*(b - a))), 1e-9)
        normal = np.array([-direction[1], direction[0]])
        start = mid + normal * t_gap_m
        end = mid + normal * spacing_m * 0.45
        if shapely.covers(area, shapely.LineString([start, end])):
            lines_xy.append(np.array([start, (start + end) / 2, end]))
            remark.append("Jalan Lokal")
            added += 1
    coords = []
    for line in lines_xy:
        lon, lat = to_lonlat(line[:, 0], line[:, 1])
        coords.append(np.column_stack([lon, lat]))
    return RoadLayer(coords=tuple(coords), remark=tuple(remark), gaps=tuple(gaps))


def write_layer(layer: RoadLayer, path: Any, *, driver: str | None = None, field: str = "REMARK") -> None:
    """Write a generated layer with pyogrio (driver from the file name unless given)."""
    import geopandas as gpd
    import shapely

    frame = gpd.GeoDataFrame({field: list(layer.remark)},
                             geometry=[shapely.LineString(c) for c in layer.coords], crs="EPSG:4326")
    kwargs = {"driver": driver} if driver else {}
    frame.to_file(path, **kwargs)


def write_osm(layer: RoadLayer, path: Any) -> None:
    """Write a generated layer as OpenStreetMap data (``.osm`` XML or ``.osm.pbf``, by the name) with pyosmium.

    Vertices with the same coordinates (to ~1 cm) become one OSM node, as in real OSM data.
    """
    import osmium

    ids: dict[tuple[int, int], int] = {}
    with osmium.SimpleWriter(str(path)) as writer:
        node_rows: list[tuple[int, float, float]] = []
        ways: list[tuple[int, list[int], dict[str, str]]] = []
        for w, (line, cls) in enumerate(zip(layer.coords, layer.remark)):
            refs = []
            for lon, lat in line.tolist():
                key = (round(lon * 1e7), round(lat * 1e7))
                if key not in ids:
                    ids[key] = len(ids) + 1
                    node_rows.append((ids[key], lon, lat))
                refs.append(ids[key])
            ways.append((w + 1, refs, {"highway": OSM_HIGHWAY_OF[cls], "rbi:remark": cls}))
        for node_id, lon, lat in node_rows:
            writer.add_node(osmium.osm.mutable.Node(id=node_id, location=(lon, lat)))
        for way_id, refs, tags in ways:
            writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=refs, tags=tags))
