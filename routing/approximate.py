"""The approximate network: a lattice over the city's land, plus the configured connectors.

Used when no road network has been imported. Water is impassable: every lattice edge is
checked to lie on land (the city outline, projected to UTM 51S). Bridges are connectors
(:mod:`routing.corrections`) whose ends are the nearest points across the water between two
sets of kelurahan polygons; the Teluk Kendari bridge (Kota Lama - Lapulu) is the first one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from routing._land import land_utm
from routing._proj import to_lonlat
from routing.config import RoutingConfig, load_config
from routing.corrections import ConnectorPlacement, apply_connectors, place_connector, shipped_connectors
from routing.graph import TravelGraph
from settings import GEO_DATA_DIR

#: Bumped when the construction changes, so cached networks are rebuilt.
BUILD_VERSION = 2
_KMH_TO_MS = 1 / 3.6

__all__ = ["BUILD_VERSION", "ConnectorPlacement", "build_approximate_graph", "build_lattice", "place_connector"]


def _lattice(land: shapely.Geometry,
             spacing_m: float) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Lattice points on land: x, y and a grid of node ids (-1 off land)."""
    minx, miny, maxx, maxy = shapely.bounds(land)
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


def build_lattice(config: RoutingConfig | None = None, *, directory: Path = GEO_DATA_DIR) -> TravelGraph:
    """The land lattice alone (no connectors), from the city polygons and ``config``.

    Returns
    -------
    TravelGraph
        ``model="approximate"``, ``area="kendari"``; ``component`` labels the land pieces
        (0 = the largest) and ``meta["components"]`` gives their sizes.
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
    total = x.shape[0]
    src = np.concatenate([a, b])
    dst = np.concatenate([b, a])
    length = np.concatenate([straight, straight]) * cfg.circuity_factor
    adj = coo_matrix((np.ones(src.size), (src, dst)), shape=(total, total))
    n_comp, labels = connected_components(adj, directed=False)
    sizes = np.bincount(labels, minlength=n_comp)
    order = np.argsort(-sizes, kind="stable")  # label 0 = the largest piece
    relabel = np.empty(n_comp, dtype=np.int32)
    relabel[order] = np.arange(n_comp, dtype=np.int32)
    lon, lat = to_lonlat(x, y)
    source = (f"approximate land lattice, {spacing:.0f} m spacing, {cfg.approx_speed_kmh:g} km/h, "
              f"circuity {cfg.circuity_factor:g}")
    return TravelGraph.from_edges(
        model="approximate",
        lon=lon,
        lat=lat,
        src=src,
        dst=dst,
        time_s=length / speed_ms,
        length_m=length,
        shore_m=shore,
        component=relabel[labels],
        edge_class=np.zeros(src.size, dtype=np.int16),
        area="kendari",
        source=source,
        meta={
            "build_version": BUILD_VERSION,
            "lattice_spacing_m": spacing,
            "speed_kmh": cfg.approx_speed_kmh,
            "circuity_factor": cfg.circuity_factor,
            "snap_speed_kmh": cfg.approx_speed_kmh,
            "snap_circuity": cfg.circuity_factor,
            "road_classes": ["lattice"],
            "connectors": [],
            "corrections": [],
            "components": [int(s) for s in sizes[order]],
            "network": {
                "model": "approximate",
                "source": source,
                "licence": "derived from the shipped kelurahan polygons (geo_data/SOURCES.md)",
                "attribution": "Kendari 112 approximate network (no road data)",
            },
        },
    )


def build_approximate_graph(config: RoutingConfig | None = None, *, directory: Path = GEO_DATA_DIR) -> TravelGraph:
    """Build the approximate network: the land lattice plus the connectors of ``config``.

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
        connector was placed (with its two nodes), ``meta["corrections"]`` what was applied, and
        ``meta["components"]`` the sizes of the land pieces kept.

    Raises
    ------
    RoutingConfigError
        A connector cannot be placed on the polygons.
    """
    cfg = config or load_config(directory)
    lattice = build_lattice(cfg, directory=directory)
    shipped = shipped_connectors(cfg, directory=directory)
    return apply_connectors(lattice, [c for c, _ in shipped], config=cfg, placements=[p for _, p in shipped])
