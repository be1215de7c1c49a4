"""Network corrections (routing/corrections.py) and the network loader (routing/network.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, box

from routing._errors import CorrectionError
from routing._proj import to_lonlat
from routing._synthetic import random_units, road_like_graph
from routing.corrections import (
    WITA,
    Closure,
    Connector,
    SpeedFactor,
    active_state,
    apply_closures,
    apply_connectors,
    apply_corrections,
    apply_speed_factors,
    closed_edges,
)
from routing.graph import ROAD_GRAPH_FILE, TravelGraph, save_graph
from routing.network import NetworkCache, installed_roads, load_network
from routing.recommend import PlanItem, recommend
from routing.travel import route

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=WITA)


@pytest.fixture(scope="module")
def grid() -> TravelGraph:
    return road_like_graph(2500, seed=21, one_way_share=0.0, drop_share=0.0)


def _area_lonlat(g: TravelGraph, node: int, half_m: float) -> shapely.Polygon:
    x, y = float(g.x_m[node]), float(g.y_m[node])
    (x0, x1), (y0, y1) = to_lonlat([x - half_m, x + half_m], [y - half_m, y + half_m])
    return box(x0, y0, x1, y1)


def test_area_closure_removes_the_roads_inside_while_active(grid: TravelGraph) -> None:
    centre = grid.n_nodes // 2
    flood = Closure(_area_lonlat(grid, centre, 150.0), starts_at=NOON - timedelta(hours=2),
                    ends_at=NOON + timedelta(hours=6), reason="flood", name="Banjir Wua-Wua", id=7)
    closed = apply_closures(grid, [flood], NOON)
    assert closed is not grid and closed.n_edges < grid.n_edges
    assert grid.n_edges == road_like_graph(2500, seed=21, one_way_share=0.0, drop_share=0.0).n_edges  # input intact
    out_deg = np.diff(closed.indptr)
    assert out_deg[centre] == 0  # the node in the flooded area has no open road
    entry = closed.meta["corrections"][-1]
    assert entry["kind"] == "closure" and entry["reason"] == "flood" and entry["edges_closed"] > 0
    assert apply_closures(grid, [flood], NOON + timedelta(hours=7)) is grid  # expired
    assert apply_closures(grid, [flood], NOON - timedelta(hours=3)) is grid  # not yet


def test_a_route_goes_around_a_closed_street(grid: TravelGraph) -> None:
    a, b = 3, grid.n_nodes - 3
    before = route(grid, a, b)
    mid = before.nodes[len(before.nodes) // 2]
    works = Closure(_area_lonlat(grid, mid, 40.0), reason="works")
    after = route(apply_closures(grid, [works], NOON), a, b)
    assert mid not in after.nodes and after.eta_s >= before.eta_s


def test_line_closure_closes_the_stretch_drawn_along_it(grid: TravelGraph) -> None:
    e = int(np.argmax(grid.length_m))
    line = grid.edge_line_utm(e)
    lon, lat = to_lonlat(line[:, 0] + 4.0, line[:, 1] + 4.0)  # drawn a few metres off the road
    event = Closure(LineString(np.column_stack([lon, lat])), reason="event")
    edges = closed_edges(grid, event)
    assert e in edges.tolist()
    tail, head = int(grid.edge_src[e]), int(grid.indices[e])
    assert int(grid.edge_ids([head], [tail])[0]) in edges.tolist()  # both directions
    assert edges.size <= 6  # not the crossing streets


def test_speed_factor_applies_in_its_wita_hour_band(grid: TravelGraph) -> None:
    rush = SpeedFactor("road", 7.0, 9.0, 0.5, reason="rush hour")
    morning = datetime(2026, 3, 2, 7, 30, tzinfo=WITA)
    slowed = apply_speed_factors(grid, [rush], morning)
    assert np.allclose(slowed.time_s, np.maximum(np.rint(grid.time_s / 0.5 / 0.01), 1) * 0.01)
    assert apply_speed_factors(grid, [rush], NOON) is grid
    # 23:30 UTC is 07:30 WITA the next day
    assert apply_speed_factors(grid, [rush], datetime(2026, 3, 1, 23, 30, tzinfo=UTC)) is not grid
    night = SpeedFactor("*", 22.0, 5.0, 1.2)
    assert night.active(datetime(2026, 3, 2, 23, 0, tzinfo=WITA))
    assert night.active(datetime(2026, 3, 2, 4, 0, tzinfo=WITA))
    assert not night.active(NOON)


def test_connector_is_added_only_where_the_network_does_not_cross(grid: TravelGraph) -> None:
    left, right = 0, grid.n_nodes - 1
    link = Connector(kind="link", a=(float(grid.lon[left]), float(grid.lat[left])),
                     b=(float(grid.lon[right]), float(grid.lat[right])), length_m=500.0, speed_kmh=30.0,
                     name="Jalan baru", source="Dinas PU")
    joined = apply_connectors(grid, [link])
    entry = joined.meta["corrections"][-1]
    assert entry["applied"] and joined.n_nodes == grid.n_nodes + 2
    r = route(joined, left, right)
    assert r.eta_s < route(grid, left, right).eta_s
    # two points already joined by a short road: skipped, and said so
    near = int(grid.indices[grid.indptr[left]])
    dup = Connector(kind="bridge", a=link.a, b=(float(grid.lon[near]), float(grid.lat[near])), length_m=100.0,
                    speed_kmh=30.0, name="dup")
    again = apply_connectors(grid, [dup])
    assert again.meta["corrections"][-1]["applied"] is False and again.n_nodes == grid.n_nodes


def test_corrections_apply_in_order_and_say_what_they_did(grid: TravelGraph) -> None:
    units = random_units(grid, 30, seed=2, unit_types=("ambulance",), available_share=1.0)
    node = grid.n_nodes // 3
    incident = (float(grid.lon[node]), float(grid.lat[node]))
    factor = SpeedFactor("*", 0.0, 24.0, 0.5, reason="test")
    closure = Closure(_area_lonlat(grid, grid.n_nodes // 2, 100.0), reason="landslide", name="Longsor")
    corrected = apply_corrections(grid, [factor, closure], NOON)
    base = recommend(grid, incident, [PlanItem("ambulance", 1)], units).to_dict()
    slow = recommend(corrected, incident, [PlanItem("ambulance", 1)], units).to_dict()
    assert slow["candidates"][0]["eta_s"] > base["candidates"][0]["eta_s"]
    kinds = [c["kind"] for c in slow["corrections"]]
    assert kinds == ["closure", "speed_factor"]


def test_invalid_corrections_are_refused() -> None:
    with pytest.raises(CorrectionError):
        Connector(kind="tunnel", a=(0, 0), b=(1, 1), length_m=10, speed_kmh=10)  # type: ignore[arg-type]
    with pytest.raises(CorrectionError):
        Connector(kind="ferry", a=(0, 0), b=(1, 1), length_m=10)
    with pytest.raises(CorrectionError):
        Closure(shapely.Point(1, 1))
    with pytest.raises(CorrectionError):
        Closure(box(0, 0, 1, 1), starts_at=NOON, ends_at=NOON - timedelta(hours=1))
    with pytest.raises(CorrectionError):
        SpeedFactor("road", 9, 9, 0.5)
    triangle = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    assert Closure.from_geojson(triangle).geometry.area > 0
    ferry = Connector(kind="ferry", a=(0, 0), b=(1, 1), length_m=800, crossing_s=600, waiting_s=900)
    assert ferry.time_s == 1500


def test_active_state_changes_when_a_closure_starts_or_ends(grid: TravelGraph) -> None:
    closure = Closure(_area_lonlat(grid, 5, 50.0), starts_at=NOON, ends_at=NOON + timedelta(hours=1))
    before = active_state([closure], NOON - timedelta(minutes=1))
    during = active_state([closure], NOON + timedelta(minutes=1))
    after = active_state([closure], NOON + timedelta(hours=2))
    assert before == after != during


def test_network_cache_reloads_when_the_file_or_the_corrections_change(tmp_path: Path) -> None:
    path = tmp_path / ROAD_GRAPH_FILE
    save_graph(road_like_graph(300, seed=1), path)
    cache = NetworkCache(cache_dir=None)
    g = cache.get(roads_path=path, at=NOON)
    assert cache.get(roads_path=path, at=NOON) is g
    closure = Closure(_area_lonlat(g, 10, 60.0), starts_at=NOON, ends_at=NOON + timedelta(hours=1))
    closed = cache.get(roads_path=path, corrections=[closure], at=NOON + timedelta(minutes=5))
    assert closed is not g and closed.n_edges < g.n_edges
    reopened = cache.get(roads_path=path, corrections=[closure], at=NOON + timedelta(hours=2))
    assert reopened.n_edges == g.n_edges
    save_graph(road_like_graph(400, seed=2), path)  # a new import
    import os

    os.utime(path, ns=(1, 1))
    assert cache.get(roads_path=path, at=NOON + timedelta(hours=2)).n_nodes != g.n_nodes


def test_the_approximate_network_is_used_unless_a_road_file_is_given(tmp_path: Path) -> None:
    """An imported network in var/roads/ changes nothing until the caller passes it."""
    save_graph(road_like_graph(300, seed=1), tmp_path / ROAD_GRAPH_FILE)
    assert installed_roads(tmp_path) == tmp_path / ROAD_GRAPH_FILE
    assert load_network(cache_dir=None).model == "approximate"
    assert load_network(cache_dir=None, roads_path=installed_roads(tmp_path)).model == "road"
