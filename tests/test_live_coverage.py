"""Live coverage on hand-made travel graphs whose covered land is known exactly, and on Kendari."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence

import numpy as np
import pytest
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from planning import live_coverage as lc
from planning._errors import InvalidParameterError
from planning._proj import to_lonlat
from routing._synthetic import random_units, road_like_graph
from routing.graph import TravelGraph
from routing.recommend import UnitPosition
from routing.snap import snap_many
from routing.travel import route

X0, Y0 = 400_000.0, 9_550_000.0  # UTM 51S, near Kendari
STEP_M = 1000.0
EDGE_S = 60.0
CELL_M = 100.0
CELL_KM2 = (CELL_M / 1000.0) ** 2


def line_graph(n: int = 11, *, island: int = 0) -> TravelGraph:
    """Nodes every 1 km along a road running east, 60 s per edge both ways; plus, with ``island``,
    a separate road of that many nodes 3 km north of the first nodes that no edge joins to the line.

    Off-network legs run at 3,600,000 km/h, so every place takes its node's time.
    """
    xs = list(X0 + np.arange(n) * STEP_M)
    ys = [Y0] * n
    src = [*range(n - 1), *range(1, n)]
    dst = [*range(1, n), *range(n - 1)]
    for i in range(island):
        xs.append(X0 + i * STEP_M)
        ys.append(Y0 + 3000.0)
    for i in range(island - 1):
        a, b = n + i, n + i + 1
        src += [a, b]
        dst += [b, a]
    lon, lat = to_lonlat(np.array(xs), np.array(ys))
    return TravelGraph.from_edges(model="approximate", lon=lon, lat=lat, src=src, dst=dst,
                                  time_s=[EDGE_S] * len(src), length_m=[STEP_M] * len(src),
                                  meta={"snap_speed_kmh": 3_600_000, "snap_circuity": 1.0})


def line_land(n: int) -> BaseGeometry:
    return box(X0 - 500, Y0 - 500, X0 + (n - 1) * STEP_M + 500, Y0 + 500)


def line_cells(graph: TravelGraph, n: int, *, split_at: Sequence[float] = (5000.0,),
               names: Sequence[str] = ("W", "E"), land: BaseGeometry | None = None) -> lc.DemandCells:
    """100 m cells over the 1 km wide strip along the line, in areas split at ``split_at`` (m east of X0)."""
    edges = [X0 - 500, *(X0 + s for s in split_at), X0 + (n - 1) * STEP_M + 500]
    areas = [box(a, Y0 - 5000, b, Y0 + 5000) for a, b in itertools.pairwise(edges)]
    return lc.build_demand_cells(graph, cell_m=CELL_M, land_utm=land if land is not None else line_land(n),
                                 area_names=tuple(names), areas_utm=areas)


def node_lonlat(i: int, dy: float = 0.0) -> tuple[float, float]:
    lon, lat = to_lonlat(np.array([X0 + i * STEP_M]), np.array([Y0 + dy]))
    return float(lon[0]), float(lat[0])


def unit(uid: int | str, at_node: int, status: str = "available", unit_type: str = "ambulance",
         dy: float = 0.0) -> UnitPosition:
    lon, lat = node_lonlat(at_node, dy)
    return UnitPosition(uid, f"U-{uid}", unit_type, "PSC119", status, lon, lat, "station")


@pytest.fixture(scope="module")
def line11() -> tuple[TravelGraph, lc.DemandCells]:
    g = line_graph(11)
    return g, line_cells(g, 11)


def test_cells_cover_the_land_with_their_areas(line11: tuple[TravelGraph, lc.DemandCells]) -> None:
    _, cells = line11
    assert len(cells) == 110 * 10
    assert cells.land_km2.sum() == pytest.approx(11.0)
    assert cells.area_names == ("W", "E")
    # the split at 5 km east of the first node: 55 columns each side
    assert np.bincount(cells.area_idx).tolist() == [550, 550]
    assert cells.on_network.all() and cells.mainland.all()
    assert len(set(cells.cell_ids.tolist())) == len(cells)


def test_known_uncovered_land_on_a_line(line11: tuple[TravelGraph, lc.DemandCells]) -> None:
    g, cells = line11
    # 2.5 min from node 0 reaches nodes 0, 1, 2 (0, 60, 120 s): the land snapped to them, x < 2.5 km
    res = lc.live_coverage(g, cells, [unit(1, 0)], unit_type="ambulance", threshold_min=2.5)
    assert res.land.total == pytest.approx(11.0)
    assert res.land.uncovered == pytest.approx(8.0)
    assert res.land.share == pytest.approx(8 / 11)
    assert res.population is None and res.incidents is None
    west, east = res.areas
    assert west.uncovered_land_share == pytest.approx(2.5 / 5.5)
    assert east.uncovered_land_share == pytest.approx(1.0)
    assert (west.available_units_n, east.available_units_n) == (1, 0)
    covered_x = cells.x_m[res.covered]
    assert covered_x.max() < X0 + 2500 and covered_x.min() < X0
    assert np.all(res.time_s[res.covered] <= 150.0 + 1e-6)
    assert np.all(np.isinf(res.time_s[res.uncovered]))
    assert set(res.nearest_unit[res.covered].tolist()) == {0}
    assert res.notes == ("approximate_network",)
    assert json.dumps(res.to_dict())


def test_two_units_and_default_threshold(line11: tuple[TravelGraph, lc.DemandCells]) -> None:
    g, cells = line11
    # ambulance default: 8 min = 480 s: 8 nodes each way
    res = lc.live_coverage(g, cells, [unit(1, 0), unit(2, 10)], unit_type="ambulance")
    assert res.threshold_min == 8.0
    assert res.land.uncovered == pytest.approx(0.0)
    # fire engines default to 10 minutes; a police unit does not cover for ambulances
    res = lc.live_coverage(g, cells, [unit(1, 0, unit_type="police_patrol")], unit_type="ambulance")
    assert res.land.share == pytest.approx(1.0)
    assert lc.threshold_for("fire_engine") == 10.0
    assert lc.threshold_for("rescue") == 10.0


def test_no_available_unit_leaves_everything_uncovered(line11: tuple[TravelGraph, lc.DemandCells]) -> None:
    g, cells = line11
    committed = [unit(1, 0, "on_scene"), unit(2, 5, "transporting"), unit(3, 9, "at_hospital")]
    res = lc.live_coverage(g, cells, committed, unit_type="ambulance")
    assert res.units == ()
    assert res.land.share == pytest.approx(1.0)
    assert "no_available_unit" in res.notes
    assert set(res.cell_reason.tolist()) == {lc.NO_UNIT}
    assert res.uncovered_cells()["reason"][0] == "no_available_unit"


def test_moving_to_post_units_cover_from_where_they_are(line11: tuple[TravelGraph, lc.DemandCells]) -> None:
    g, cells = line11
    res = lc.live_coverage(g, cells, [unit(1, 0, "moving_to_post")], unit_type="ambulance", threshold_min=2.5)
    assert res.land.uncovered == pytest.approx(8.0)
    res = lc.live_coverage(g, cells, [unit(1, 0, "moving_to_post")], unit_type="ambulance", threshold_min=2.5,
                           available_statuses=("available",))
    assert res.land.share == pytest.approx(1.0)


def test_population_and_incident_shares(line11: tuple[TravelGraph, lc.DemandCells]) -> None:
    g, cells = line11
    pop = lc.population_per_cell(cells, {"W": 1000.0, "E": 3000.0})
    assert pop.sum() == pytest.approx(4000.0)
    lon, lat = zip(*[node_lonlat(i) for i in (0, 1, 1, 7, 9, 10)])
    inc = lc.incident_counts(cells, lon, lat)
    assert inc.sum() == 6
    res = lc.live_coverage(g, cells, [unit(1, 0)], unit_type="ambulance", threshold_min=2.5,
                           incidents=inc, population=pop)
    assert res.incidents is not None and res.population is not None
    assert res.incidents.uncovered == 3 and res.incidents.share == pytest.approx(0.5)
    # W: 2.5 of its 5.5 km of land (1000 people spread by area) are uncovered; E: all 3000
    assert res.population.uncovered == pytest.approx(1000 * 2.5 / 5.5 + 3000)
    west, east = res.areas
    assert west.uncovered_incident_share == 0.0 and east.uncovered_incident_share == 1.0
    assert west.incidents_n == 3
    with pytest.raises(InvalidParameterError):
        lc.live_coverage(g, cells, [unit(1, 0)], unit_type="ambulance", incidents=inc[:-1])
    with pytest.raises(InvalidParameterError):
        lc.live_coverage(g, cells, [unit(1, 0)], unit_type="ambulance", threshold_min=0)


def test_separate_land_is_uncovered_and_flagged_unless_a_unit_is_on_it() -> None:
    g = line_graph(11, island=3)
    land = box(X0 - 500, Y0 - 500, X0 + 10_500, Y0 + 500).union(box(X0 - 500, Y0 + 2500, X0 + 2500, Y0 + 3500))
    cells = line_cells(g, 11, land=land)
    island = ~cells.mainland
    assert island.sum() == 300 and cells.on_network.all()
    res = lc.live_coverage(g, cells, [unit(1, 0)], unit_type="ambulance", threshold_min=30)
    assert np.all(res.cell_reason[island] == lc.SEPARATE_LAND)
    assert np.all(res.cell_reason[~island] == lc.COVERED)
    assert res.land.uncovered == pytest.approx(3.0)
    assert len(res.separate_land) == 1
    assert res.separate_land[0].land_km2 == pytest.approx(3.0) and not res.separate_land[0].reached
    assert "separate_land" in res.notes
    assert res.areas[0].separate_land_km2 == pytest.approx(3.0)
    # a unit on the island covers the island (and nothing of the mainland)
    res = lc.live_coverage(g, cells, [unit(2, 1, dy=3000.0)], unit_type="ambulance", threshold_min=30)
    assert np.all(res.covered == island)
    assert res.separate_land[0].reached and "separate_land" not in res.notes


def test_places_and_units_off_the_network() -> None:
    g = line_graph(3)
    land = box(X0 - 500, Y0 - 500, X0 + 6500, Y0 + 500)  # reaches 4.5 km beyond the last node
    cells = lc.build_demand_cells(g, cell_m=CELL_M, land_utm=land)
    off = ~cells.on_network
    assert off.any() and {cells.snap_code[i] for i in np.flatnonzero(off)} == {"off_network"}
    far = unit(9, 8)  # 6 km east of the last node: not joined
    res = lc.live_coverage(g, cells, [unit(1, 0), far], unit_type="ambulance", threshold_min=30)
    assert np.all(res.cell_reason[off] == lc.OFF_NETWORK)
    assert np.all(res.covered == ~off)
    assert [u.on_network for u in res.units] == [True, False]
    assert res.units[1].reason_code == "off_network"
    assert "units_off_network" in res.notes


def test_cells_of_another_graph_are_refused(line11: tuple[TravelGraph, lc.DemandCells]) -> None:
    _, cells = line11
    with pytest.raises(InvalidParameterError):
        lc.live_coverage(line_graph(12), cells, [unit(1, 0)], unit_type="ambulance")


def test_one_run_agrees_with_per_unit_runs_and_with_routes_on_a_road_graph() -> None:
    """On a road-like graph (points joined to segments, one-way streets), the multi-source layer,
    the per-unit matrix and single routes give the same times."""
    g = road_like_graph(1500, seed=3, one_way_share=0.25)
    cells = lc.build_demand_cells(g, cell_m=150.0)
    assert {"segment"} <= set(snap_many(g, cells.lon[:200], cells.lat[:200]).kind or ())
    units = random_units(g, 12, seed=4, unit_types=("ambulance",), available_share=1.0, jitter_m=40.0)
    res = lc.live_coverage(g, cells, units, unit_type="ambulance", threshold_min=4)
    snaps = snap_many(g, [u.lon for u in units], [u.lat for u in units])
    node, off = lc.snap_ends(g, snaps, inbound=False)
    per_unit = lc.arrival_matrix_s(g, cells, node, off, limit_s=240.0)
    best = per_unit.min(axis=0)
    np.testing.assert_allclose(np.where(np.isfinite(best), best, -1), np.where(res.covered, res.time_s, -1),
                               atol=1e-6)
    rng = np.random.default_rng(5)
    checked = 0
    for c in rng.permutation(np.flatnonzero(res.covered & (res.time_s > 90)))[:25].tolist():
        target = (float(cells.lon[c]), float(cells.lat[c]))
        u = int(res.nearest_unit[c])
        eta = route(g, (units[u].lon, units[u].lat), target).eta_s
        assert eta == pytest.approx(res.time_s[c], abs=1e-6)
        checked += 1
    assert checked >= 10


def test_incident_types_served_from_the_plans() -> None:
    from routing.recommend import PlanItem

    plans = {"structure_fire": (PlanItem("fire_engine", 2, ("water_tanker",)), PlanItem("ambulance", 1)),
             "medical": (PlanItem("ambulance", 1),), "crime": (PlanItem("police_patrol", 1),),
             "land_fire": (PlanItem("fire_engine", 1), PlanItem("water_tanker", 1, ("fire_engine",)))}
    assert lc.incident_types_served("ambulance", plans) == ("medical", "structure_fire")
    assert lc.incident_types_served("water_tanker", plans) == ("land_fire",)
    assert lc.incident_types_served("water_tanker", plans, include_substitutes=True) == ("land_fire", "structure_fire")


# --- Kendari ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def kendari() -> tuple[TravelGraph, lc.DemandCells]:
    from routing.network import load_network

    g = load_network(cache_dir=None)
    return g, lc.build_demand_cells(g)


def puskesmas_units(status_of: dict[str, str] | None = None) -> list[UnitPosition]:
    """One ambulance at every puskesmas of the facilities seed file (PSC 119 ambulance bases)."""
    import csv

    from settings import GEO_DATA_DIR

    with (GEO_DATA_DIR / "kendari_emergency_facilities_seed.csv").open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["category"] == "puskesmas"]
    status_of = status_of or {}
    return [UnitPosition(i + 1, r["name"], "ambulance", "PSC119", status_of.get(r["name"], "available"),
                         float(r["lon"]), float(r["lat"]), "station") for i, r in enumerate(rows)]


def test_kendari_island_is_flagged_and_committing_the_east_opens_a_hole(
        kendari: tuple[TravelGraph, lc.DemandCells]) -> None:
    g, cells = kendari
    assert cells.area_names == tuple(sorted(cells.area_names)) and len(cells.area_names) == 11
    assert cells.land_km2.sum() == pytest.approx(265, rel=0.02)
    res = lc.live_coverage(g, cells, puskesmas_units(), unit_type="ambulance")
    assert res.model == "approximate" and "approximate_network" in res.notes
    # Pulau Bungkutoko (Kec. Nambo): its own land piece, no road or bridge: uncovered, flagged
    assert [s.area for s in res.separate_land] == ["Nambo"]
    assert not res.separate_land[0].reached and 1.0 < res.separate_land[0].land_km2 < 3.0
    assert "separate_land" in res.notes
    by_area = {a.area: a for a in res.areas}
    committed = puskesmas_units({"Puskesmas Abeli": "on_scene", "Puskesmas Nambo": "transporting"})
    hole = lc.live_coverage(g, cells, committed, unit_type="ambulance")
    after = {a.area: a for a in hole.areas}
    assert hole.land.share > res.land.share + 0.05
    assert after["Nambo"].uncovered_land_share == pytest.approx(1.0)
    assert after["Abeli"].uncovered_land_share > by_area["Abeli"].uncovered_land_share + 0.2
    assert after["Kadia"].uncovered_land_share == by_area["Kadia"].uncovered_land_share
    assert hole.uncovered_geometry().area > res.uncovered_geometry().area


def test_kendari_units_off_the_road_are_joined_with_an_off_road_leg(
        kendari: tuple[TravelGraph, lc.DemandCells]) -> None:
    g, cells = kendari
    res = lc.live_coverage(g, cells, puskesmas_units(), unit_type="ambulance", snap_kwargs={"max_snap_m": 20.0})
    assert all(u.on_network for u in res.units)
    assert any(u.off_road for u in res.units)
    plain = lc.live_coverage(g, cells, puskesmas_units(), unit_type="ambulance")
    # a slow off-road leg at the start only shrinks the covered land
    assert res.land.uncovered >= plain.land.uncovered - 1e-9
