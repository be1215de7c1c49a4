"""Tests for routing/recommend.py: rankings against brute force, response plans, substitutes, JSON."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest

from layers.geodata import facilities, kelurahan
from routing._errors import OutsideServiceAreaError
from routing._synthetic import random_units, road_like_graph
from routing.approximate import build_approximate_graph
from routing.config import load_config
from routing.graph import TravelGraph
from routing.recommend import (
    BusyUnit,
    PlanItem,
    UnitPosition,
    plan_from_catalog,
    plan_from_rows,
    recommend,
)
from routing.snap import snap_many


@pytest.fixture(scope="module")
def road() -> TravelGraph:
    return road_like_graph(2000, seed=11, one_way_share=0.2)


@pytest.fixture(scope="module")
def approx() -> TravelGraph:
    return build_approximate_graph(load_config())


def _unit(uid: int, unit_type: str, lon: float, lat: float, status: str = "available") -> UnitPosition:
    return UnitPosition(uid, f"U-{uid}", unit_type, "X", status, lon, lat, "reported")


def test_structure_fire_plan_asks_for_two_engines_and_an_ambulance() -> None:
    plan = plan_from_catalog("structure_fire")
    assert [(p.unit_type, p.unit_count) for p in plan] == [("fire_engine", 2), ("ambulance", 1)]
    assert "water_tanker" in plan[0].substitutes
    assert plan_from_catalog("street_light") == ()
    with pytest.raises(KeyError):
        plan_from_catalog("alien_landing")
    rows = [{"unit_type": "ambulance", "unit_count": 1, "substitutes": ["rescue"]}]
    assert plan_from_rows(rows) == (PlanItem("ambulance", 1, ("rescue",)),)


def test_ranking_equals_brute_force_per_unit(road: TravelGraph) -> None:
    g: nx.DiGraph[int] = nx.DiGraph()
    g.add_weighted_edges_from(zip(road.edge_src.tolist(), road.indices.tolist(), road.time_s.tolist()), weight="t")
    for u, v, e in zip(road.edge_src.tolist(), road.indices.tolist(), road.length_m.tolist()):
        g[u][v]["m"] = e
    units = random_units(road, 60, seed=3, unit_types=("ambulance",), available_share=1.0)
    snaps = snap_many(road, [u.lon for u in units], [u.lat for u in units])
    rng = np.random.default_rng(4)
    for node in rng.choice(road.n_nodes, size=8, replace=False).tolist():
        incident = (float(road.lon[node]), float(road.lat[node]))
        rec = recommend(road, incident, [PlanItem("ambulance", 3)], units, route_top_n=3)
        # distance: the shortest among the quickest paths (several paths may tie on time)
        to_incident = nx.single_source_dijkstra_path_length(g.reverse(copy=False), node, weight="t")
        tight: nx.DiGraph[int] = nx.DiGraph()
        tight.add_nodes_from(g)
        tight.add_edges_from((u, v, d) for u, v, d in g.edges(data=True)
                             if abs(to_incident[u] - d["t"] - to_incident[v]) < 1e-6)
        length = nx.single_source_dijkstra_path_length(tight.reverse(copy=False), node, weight="m")
        brute = []
        for u, s in zip(units, snaps):
            t = nx.dijkstra_path_length(g, s.node, node, weight="t")  # one search per unit
            brute.append((t + s.time_s, length[s.node] + s.distance_m, u.unit_id))
        brute.sort(key=lambda b: (round(b[0], 6), round(b[1], 6), b[2]))
        ours = [(c.eta_s, c.distance_m, c.unit_id) for c in rec.candidates]
        assert [b[2] for b in brute] == [o[2] for o in ours]
        for (bt, bm, _), (ot, om, _) in zip(brute, ours):
            assert ot == pytest.approx(bt, abs=1e-6)
            assert om == pytest.approx(bm, abs=1.0)  # lengths are summed in decimetres
        assert rec.plan[0].selected == tuple(b[2] for b in brute[:3])


def test_routes_only_for_the_top_units_and_from_unit_to_incident(road: TravelGraph) -> None:
    units = random_units(road, 50, seed=5, unit_types=("fire_engine", "ambulance"), available_share=1.0)
    node = road.n_nodes // 3
    incident = (float(road.lon[node]), float(road.lat[node]))
    rec = recommend(road, incident, plan_from_catalog("structure_fire"), units, route_top_n=2)
    routed = [c for c in rec.candidates if c.route is not None]
    assert len(routed) == 4  # top 2 fire engines + top 2 ambulances
    for c in routed:
        assert c.route is not None
        coords = c.route["coordinates"]
        assert c.route["type"] == "LineString"
        assert coords[0] == pytest.approx([c.lon, c.lat], abs=1e-6)
        assert coords[-1] == pytest.approx(list(incident), abs=1e-6)
    engines = rec.plan[0]
    assert engines.required == 2 and engines.filled == 2 and len(engines.selected) == 2
    etas = [c.eta_s for c in rec.candidates]
    assert etas == sorted(etas)  # type: ignore[type-var]


def test_plan_that_cannot_be_filled_says_so_and_offers_substitutes(road: TravelGraph) -> None:
    n = road.n_nodes

    def at(k: int) -> tuple[float, float]:
        return float(road.lon[k]), float(road.lat[k])

    units = [
        _unit(1, "fire_engine", *at(10)),
        _unit(2, "fire_engine", *at(20), status="out_of_service"),
        _unit(3, "water_tanker", *at(n // 2)),
        _unit(4, "rescue", *at(n - 5)),
        _unit(5, "ambulance", *at(n // 4)),
        _unit(6, "police_patrol", *at(30)),
    ]
    busy = [BusyUnit(_unit(7, "fire_engine", *at(40), status="on_scene"), free_in_s=600.0)]
    rec = recommend(road, at(n // 3), plan_from_catalog("structure_fire"), units, busy=busy)
    assert not rec.complete
    engines, ambulance = rec.plan
    assert (engines.required, engines.filled, engines.missing) == (2, 1, 1)
    assert engines.selected == (1,)
    assert ambulance.filled == 1 and ambulance.selected == (5,)
    (short,) = rec.unfilled
    assert short.unit_type == "fire_engine" and short.missing == 1
    assert "only 1 of 2" in short.message
    offers = {(s.kind, s.candidate.unit_id) for s in rec.substitutes}
    assert offers == {("substitute_type", 3), ("substitute_type", 4), ("busy_unit", 7)}
    busy_offer = next(s.candidate for s in rec.substitutes if s.kind == "busy_unit")
    assert busy_offer.free_in_s == 600.0 and busy_offer.eta_s is not None and busy_offer.eta_s > 600.0
    assert [s.candidate.eta_s for s in rec.substitutes] == sorted(s.candidate.eta_s for s in rec.substitutes)  # type: ignore[type-var]
    # the out-of-service engine and the police patrol are not candidates
    assert {c.unit_id for c in rec.candidates} == {1, 5}


def test_plan_with_no_unit_and_no_substitute(road: TravelGraph) -> None:
    units = [_unit(1, "ambulance", float(road.lon[3]), float(road.lat[3]))]
    rec = recommend(road, (float(road.lon[9]), float(road.lat[9])), plan_from_catalog("crime"), units)
    (short,) = rec.unfilled
    assert short.unit_type == "police_patrol" and short.filled == 0 and short.missing == 2
    assert "no substitute available" in short.message
    assert rec.candidates == () and rec.substitutes == ()


def test_result_is_json_without_infinite_numbers(approx: TravelGraph) -> None:
    kel = kelurahan()

    def rp(name: str) -> tuple[float, float]:
        p = kel[kel["nama"] == name].geometry.iloc[0].representative_point()
        return (p.x, p.y)

    units = [
        _unit(1, "ambulance", *rp("Kandai")),
        _unit(2, "ambulance", *rp("Bungkutoko")),  # island: unreachable
        _unit(3, "ambulance", 122.30, -3.99),  # far outside the city: off the network
        _unit(4, "ambulance", *rp("Mata")),
    ]
    rec = recommend(approx, rp("Lapulu"), [PlanItem("ambulance", 1)], units, incident_id=42)
    text = json.dumps(rec.to_dict(), allow_nan=False)
    data = json.loads(text)
    assert data["incident_id"] == 42 and data["routing"] == "approximate"
    assert [c["unit_id"] for c in data["candidates"]] == [1, 4, 2, 3]
    first, _, island, far = data["candidates"]
    assert first["reachable"] and first["eta_s"] > 0 and first["distance_m"] > 0
    assert first["route"]["type"] == "LineString" and len(first["route"]["coordinates"]) > 2
    assert not island["reachable"] and island["eta_s"] is None and "separate land pieces" in island["reason"]
    assert not far["reachable"] and "not on the travel network" in far["reason"]
    assert data["plan"][0]["selected"] == [1]
    assert any("approximate network" in n for n in data["notes"])


def test_incident_in_the_bay_is_refused(approx: TravelGraph) -> None:
    with pytest.raises(OutsideServiceAreaError):
        recommend(approx, (122.5586, -3.9761), [PlanItem("ambulance", 1)], [])


def test_structure_fire_in_lapulu_with_the_real_stations(approx: TravelGraph) -> None:
    """Fire engines at the Damkar posts, ambulances at the puskesmas (positions from geo_data)."""
    units = []
    for k, f in enumerate(facilities()):
        unit_type = {"fire_post": "fire_engine", "puskesmas": "ambulance"}.get(f.category)
        if unit_type:
            units.append(UnitPosition(k, f.name, unit_type, f.agency_code or "", "available", f.lon, f.lat, "station"))
    kel = kelurahan()
    lapulu = kel[kel["nama"] == "Lapulu"].geometry.iloc[0].representative_point()
    rec = recommend(approx, (lapulu.x, lapulu.y), plan_from_catalog("structure_fire"), units)
    assert rec.complete
    engines, ambulance = rec.plan
    assert engines.filled == 2 and ambulance.filled == 1
    reachable = [c for c in rec.candidates if c.reachable]
    assert len(reachable) == len(units)
    assert all(c.eta_s is not None and 0 < c.eta_s < 45 * 60 for c in reachable)
    # Damkar's 15-minute target: the first engine arrives within it
    assert engines.candidates[0].eta_s is not None and engines.candidates[0].eta_s < 15 * 60
