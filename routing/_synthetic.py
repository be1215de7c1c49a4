"""Generated road-like graphs and unit fleets, for tests and benchmarks (no geography)."""

from __future__ import annotations

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
