"""The approximate network: a lattice over the city's land plus bridge connectors.

Used when no OpenStreetMap road graph has been imported. Water is impassable: every lattice
edge is checked to lie on land (the city outline, projected to UTM 51S). Bridges are
configured connectors whose ends are the nearest points across the water between two sets of
kelurahan polygons; the Teluk Kendari bridge (Kota Lama - Lapulu) is the first one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points, unary_union

from routing._errors import RoutingConfigError
from routing._land import kendari_land, land_utm, project
from routing._proj import to_lonlat
from routing.config import Connector, RoutingConfig, load_config
from routing.graph import TravelGraph
from settings import GEO_DATA_DIR

#: Bumped when the construction changes, so cached networks are rebuilt.
BUILD_VERSION = 1
_KMH_TO_MS = 1 / 3.6


@dataclass(frozen=True)
class ConnectorPlacement:
    """Where a connector was placed (derived from the polygons).

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


def _side_geometries(connector: Connector, side: str, directory: Path) -> list[tuple[str, BaseGeometry]]:
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


def place_connector(connector: Connector, *, directory: Path = GEO_DATA_DIR) -> tuple[ConnectorPlacement, Point, Point]:
    """Compute a connector's ends as the nearest points across the water between its sides.

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


def _lattice(land: shapely.Geometry, spacing_m: float) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Lattice points on land: x, y and a grid of node ids (-1 off land)."""
    minx, miny, maxx, maxy = land.bounds
    xs = np.arange(np.floor(minx / spacing_m) * spacing_m, maxx + spacing_m, spacing_m)
    ys = np.arange(np.floor(miny / spacing_m) * spacing_m, maxy + spacing_m, spacing_m)
    gx, gy = np.meshgrid(xs, ys)  # rows: y, columns: x
    shapely.prepare(land)
    inside = shapely.contains_xy(land, gx, gy)
    ids = np.full(gx.shape, -1, dtype=np.int64)
    ids[inside] = np.arange(int(inside.sum()))
    return gx[inside], gy[inside], ids


def _lattice_edges(
    ids: NDArray[np.int64], x: NDArray[np.float64], y: NDArray[np.float64], shore: NDArray[np.float64],
    land: shapely.Geometry, spacing_m: float,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Undirected 8-neighbour edges that stay on land: (a, b, straight length)."""
    rows, cols = ids.shape
    a_all, b_all, len_all = [], [], []
    for di, dj in ((0, 1), (1, 0), (1, 1), (1, -1)):
        i0, i1 = 0, rows - di
        j0, j1 = max(0, -dj), cols - max(0, dj)
        a = ids[i0:i1, j0:j1]
        b = ids[i0 + di : i1 + di, j0 + dj : j1 + dj]
        ok = (a >= 0) & (b >= 0)
        a, b = a[ok], b[ok]
        length = spacing_m * float(np.hypot(di, dj))
        # a segment shorter than the land radius around either end cannot reach water
        sure = (shore[a] >= length) | (shore[b] >= length)
        check = ~sure
        if check.any():
            coords = np.stack(
                [np.column_stack([x[a[check]], y[a[check]]]), np.column_stack([x[b[check]], y[b[check]]])], axis=1
            )
            covered = shapely.covers(land, shapely.linestrings(coords))
            keep = sure.copy()
            keep[check] = covered
        else:
            keep = sure
        a_all.append(a[keep])
        b_all.append(b[keep])
        len_all.append(np.full(int(keep.sum()), length))
    return np.concatenate(a_all), np.concatenate(b_all), np.concatenate(len_all)


def build_approximate_graph(config: RoutingConfig | None = None, *, directory: Path = GEO_DATA_DIR) -> TravelGraph:
    """Build the approximate network from the city polygons and ``config``.

    Parameters
    ----------
    config
        Routing configuration (``routing.json`` when omitted). Use
        ``config.without_connectors()`` to build the network without bridges.
    directory
        Where the geodata lives.

    Returns
    -------
    TravelGraph
        ``model="approximate"``, ``area="kendari"``; ``meta["connectors"]`` lists where each
        connector was placed and ``meta["components"]`` the sizes of the land pieces kept.

    Raises
    ------
    RoutingConfigError
        A connector cannot be placed or attached to the land lattice.
    """
    cfg = config or load_config(directory)
    land = land_utm(directory)
    spacing = cfg.lattice_spacing_m
    speed_ms = cfg.approx_speed_kmh * _KMH_TO_MS
    x, y, ids = _lattice(land, spacing)
    shore = np.asarray(shapely.distance(land.boundary, shapely.points(x, y)), dtype=np.float64)
    a, b, straight = _lattice_edges(ids, x, y, shore, land, spacing)

    # keep land pieces big enough to matter (islands stay, as their own components)
    n = x.shape[0]
    adj = coo_matrix((np.ones(a.size), (a, b)), shape=(n, n))
    n_comp, labels = connected_components(adj, directed=False)
    sizes = np.bincount(labels, minlength=n_comp)
    keep_node = sizes[labels] >= cfg.min_component_nodes
    new_id = np.full(n, -1, dtype=np.int64)
    new_id[keep_node] = np.arange(int(keep_node.sum()))
    keep_edge = keep_node[a] & keep_node[b]
    x, y, shore = x[keep_node], y[keep_node], shore[keep_node]
    a, b, straight = new_id[a[keep_edge]], new_id[b[keep_edge]], straight[keep_edge]

    src = [a, b]
    dst = [b, a]
    lengths = [straight * cfg.circuity_factor] * 2
    times = [straight * cfg.circuity_factor / speed_ms] * 2
    node_x, node_y, node_shore = [x], [y], [shore]
    next_id = x.shape[0]
    placements: list[dict[str, object]] = []
    tolerant = kendari_land(directory, service_buffer_m=cfg.service_area_buffer_m,
                            water_tolerance_m=cfg.attach_tolerance_m).land_tolerant
    tree = cKDTree(np.column_stack([x, y]))
    for connector in cfg.connectors:
        if not connector.enabled:
            continue
        placement, pa, pb = place_connector(connector, directory=directory)
        end_ids = []
        for end in (pa, pb):
            near = np.asarray(tree.query_ball_point([end.x, end.y], cfg.attach_radius_m), dtype=np.int64)
            if near.size:
                coords = np.stack(
                    [np.tile([end.x, end.y], (near.size, 1)), np.column_stack([x[near], y[near]])], axis=1
                )
                near = near[shapely.covers(tolerant, shapely.linestrings(coords))]
            if near.size == 0:
                raise RoutingConfigError(
                    f"connector {connector.name!r}: no land lattice node within "
                    f"{cfg.attach_radius_m:.0f} m of its end at ({end.x:.0f}, {end.y:.0f}) reachable over land"
                )
            end_id = next_id
            next_id += 1
            node_x.append(np.array([end.x]))
            node_y.append(np.array([end.y]))
            node_shore.append(np.zeros(1))
            d = np.hypot(x[near] - end.x, y[near] - end.y) * cfg.circuity_factor
            src += [np.full(near.size, end_id), near]
            dst += [near, np.full(near.size, end_id)]
            lengths += [d, d]
            times += [d / speed_ms, d / speed_ms]
            end_ids.append(end_id)
        ea, eb = end_ids
        src += [np.array([ea, eb])]
        dst += [np.array([eb, ea])]
        lengths += [np.full(2, connector.length_m)]
        times += [np.full(2, connector.time_s)]
        entry: dict[str, object] = asdict(placement)
        entry["nodes"] = [int(ea), int(eb)]
        placements.append(entry)

    all_x = np.concatenate(node_x)
    all_y = np.concatenate(node_y)
    s_all = np.concatenate(src)
    d_all = np.concatenate(dst)
    total = all_x.shape[0]
    adj = coo_matrix((np.ones(s_all.size), (s_all, d_all)), shape=(total, total))
    n_comp, labels = connected_components(adj, directed=False)
    sizes = np.bincount(labels, minlength=n_comp)
    order = np.argsort(-sizes, kind="stable")  # label 0 = the largest piece
    relabel = np.empty(n_comp, dtype=np.int32)
    relabel[order] = np.arange(n_comp, dtype=np.int32)
    lon, lat = to_lonlat(all_x, all_y)
    return TravelGraph.from_edges(
        model="approximate",
        lon=lon,
        lat=lat,
        src=s_all,
        dst=d_all,
        time_s=np.concatenate(times),
        length_m=np.concatenate(lengths),
        shore_m=np.concatenate(node_shore),
        component=relabel[labels],
        area="kendari",
        source=(
            f"approximate land lattice, {spacing:.0f} m spacing, {cfg.approx_speed_kmh:g} km/h, "
            f"circuity {cfg.circuity_factor:g}; connectors: "
            + (", ".join(str(p["name"]) for p in placements) or "none")
        ),
        meta={
            "build_version": BUILD_VERSION,
            "lattice_spacing_m": spacing,
            "speed_kmh": cfg.approx_speed_kmh,
            "circuity_factor": cfg.circuity_factor,
            "snap_speed_kmh": cfg.approx_speed_kmh,
            "snap_circuity": cfg.circuity_factor,
            "connectors": placements,
            "components": [int(s) for s in sizes[order]],
        },
    )
