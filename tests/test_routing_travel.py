"""Tests for routing/travel.py: scipy results against networkx (an independent implementation)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import shapely

from routing._errors import UnreachableError
from routing._synthetic import road_like_graph
from routing.graph import TravelGraph
from routing.snap import SnappedPoint
from routing.travel import isochrones, route, travel_times_from


@pytest.fixture(scope="module")
def road() -> TravelGraph:
    """A perturbed grid with random one-way streets (~2k nodes)."""
    g = road_like_graph(2000, seed=7, one_way_share=0.2)
    assert g.n_nodes > 1800
    return g


@pytest.fixture(scope="module")
def nxg(road: TravelGraph) -> nx.DiGraph:
    g: nx.DiGraph[int] = nx.DiGraph()
    g.add_nodes_from(range(road.n_nodes))
    g.add_weighted_edges_from(zip(road.edge_src.tolist(), road.indices.tolist(), road.time_s.tolist()))
    return g


def test_generated_graph_has_one_way_streets(road: TravelGraph, nxg: nx.DiGraph) -> None:
    one_way = sum(1 for u, v in nxg.edges if not nxg.has_edge(v, u))
    assert one_way > 0.05 * nxg.number_of_edges()
    assert nx.is_strongly_connected(nxg)


def test_travel_times_equal_networkx_for_random_pairs(road: TravelGraph, nxg: nx.DiGraph) -> None:
    rng = np.random.default_rng(1)
    for source in rng.choice(road.n_nodes, size=8, replace=False).tolist():
        ours = travel_times_from(road, [source])
        ref = nx.single_source_dijkstra_path_length(nxg, source, weight="weight")
        targets = rng.choice(road.n_nodes, size=50, replace=False).tolist()
        for t in targets:
            assert ours.time_s[t] == pytest.approx(ref[t], abs=1e-6)
        assert ours.reached.all()


def test_reverse_times_are_times_to_the_source(road: TravelGraph, nxg: nx.DiGraph) -> None:
    rng = np.random.default_rng(2)
    target = int(rng.integers(road.n_nodes))
    ours = travel_times_from(road, [target], reverse=True)
    ref = nx.single_source_dijkstra_path_length(nxg.reverse(copy=False), target, weight="weight")
    for n in rng.choice(road.n_nodes, size=60, replace=False).tolist():
        assert ours.time_s[n] == pytest.approx(ref[n], abs=1e-6)
        assert ours.time_s[n] == pytest.approx(nx.dijkstra_path_length(nxg, n, target), abs=1e-6)
    # one-way streets make the two directions differ somewhere
    forward = travel_times_from(road, [target])
    assert not np.allclose(forward.time_s, ours.time_s)


def test_several_sources_give_the_nearest_one(road: TravelGraph, nxg: nx.DiGraph) -> None:
    rng = np.random.default_rng(3)
    sources = rng.choice(road.n_nodes, size=5, replace=False).tolist()
    ours = travel_times_from(road, sources)
    refs = [nx.single_source_dijkstra_path_length(nxg, s, weight="weight") for s in sources]
    for n in rng.choice(road.n_nodes, size=80, replace=False).tolist():
        times = [r[n] for r in refs]
        assert ours.time_s[n] == pytest.approx(min(times), abs=1e-6)
        assert times[int(ours.nearest_source[n])] == pytest.approx(min(times), abs=1e-6)


def test_head_starts_of_snapped_sources_count(road: TravelGraph, nxg: nx.DiGraph) -> None:
    rng = np.random.default_rng(4)
    nodes = rng.choice(road.n_nodes, size=4, replace=False).tolist()
    offsets = [0.0, 30.0, 90.0, 250.0]
    snapped = [SnappedPoint(float(road.lon[n]), float(road.lat[n]), n, 1.0, o, True) for n, o in zip(nodes, offsets)]
    ours = travel_times_from(road, snapped)
    refs = [nx.single_source_dijkstra_path_length(nxg, s, weight="weight") for s in nodes]
    for n in rng.choice(road.n_nodes, size=80, replace=False).tolist():
        times = [o + r[n] for o, r in zip(offsets, refs)]
        assert ours.time_s[n] == pytest.approx(min(times), abs=1e-6)
        assert times[int(ours.nearest_source[n])] == pytest.approx(min(times), abs=1e-6)


def test_limit_leaves_far_nodes_unreached(road: TravelGraph) -> None:
    full = travel_times_from(road, [0])
    limited = travel_times_from(road, [0], limit_s=120.0)
    near = full.time_s <= 120.0
    assert near.sum() > 5 and (~near).sum() > 100
    assert np.allclose(limited.time_s[near], full.time_s[near])
    assert not limited.reached[~near].any()
    assert (limited.nearest_source[~near] == -1).all()


def test_route_matches_networkx_and_follows_edges(road: TravelGraph, nxg: nx.DiGraph) -> None:
    rng = np.random.default_rng(5)
    for _ in range(10):
        a, b = (int(x) for x in rng.choice(road.n_nodes, size=2, replace=False))
        r = route(road, a, b)
        assert r.eta_s == pytest.approx(nx.dijkstra_path_length(nxg, a, b), abs=1e-6)
        assert r.nodes[0] == a and r.nodes[-1] == b
        assert road.path_time_s(r.nodes) == pytest.approx(r.eta_s, abs=1e-6)
        assert r.distance_m == pytest.approx(road.path_length_m(r.nodes))
        assert r.geometry.geom_type == "LineString" and len(r.geometry.coords) == len(r.nodes)
        assert r.geometry.coords[0] == pytest.approx((road.lon[a], road.lat[a]))


def test_route_between_points_adds_the_off_network_legs(road: TravelGraph) -> None:
    a, b = 10, road.n_nodes - 10
    start = (float(road.lon[a]) + 0.0003, float(road.lat[a]))  # ~33 m east of node a
    r = route(road, start, (float(road.lon[b]), float(road.lat[b])))
    assert r.origin.distance_m > 20 and r.origin.time_s > 0
    assert r.distance_m == pytest.approx(road.path_length_m(r.nodes) + r.origin.distance_m + r.destination.distance_m)
    assert r.geometry.coords[0] == pytest.approx(start)


def test_route_without_connection_raises() -> None:
    g = TravelGraph.from_edges(model="road", lon=[122.5, 122.51, 122.6], lat=[-4.0, -4.0, -4.0],
                               src=[0, 1], dst=[1, 0], time_s=[5.0, 5.0], length_m=[50.0, 50.0])
    with pytest.raises(UnreachableError):
        route(g, 0, 2)


def test_isochrones_grow_and_cover_reached_nodes(road: TravelGraph) -> None:
    source = road.n_nodes // 2
    areas = isochrones(road, [source], [2, 4, 8], buffer_m=60.0)
    assert [m for m, _ in areas] == [2.0, 4.0, 8.0]
    tt = travel_times_from(road, [source])
    previous = None
    for minutes, geom in areas:
        assert geom.is_valid and not geom.is_empty
        inside = np.flatnonzero(tt.time_s <= minutes * 60)
        pts = shapely.points(road.lon[inside], road.lat[inside])
        assert shapely.covers(geom.buffer(1e-7), pts).all()
        if previous is not None:
            assert geom.buffer(1e-7).covers(previous)
            assert geom.area > previous.area
        previous = geom
    # a node far beyond 2 minutes lies outside the 2-minute area
    far = int(np.argmax(np.where(np.isfinite(tt.time_s), tt.time_s, 0)))
    assert not areas[0][1].covers(shapely.Point(road.lon[far], road.lat[far]))
