"""Move-up advice: known best moves on hand-made graphs, the solver against brute force, the rules,
and the Kendari case of the committed east side."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from planning import live_coverage as lc, moveup as mu, posts as ps
from planning._errors import InvalidParameterError
from planning._proj import to_utm
from routing.graph import TravelGraph
from tests.test_live_coverage import EDGE_S, kendari, line_cells, line_graph, node_lonlat, puskesmas_units, unit

__all__ = ["kendari"]  # the module-scoped Kendari fixture, shared with the live-coverage tests


def post(pid: str, at_node: int, kind: str = "station") -> ps.Post:
    lon, lat = node_lonlat(at_node)
    return ps.Post(pid, f"Post {pid}", lon, lat, kind)


@pytest.fixture(scope="module")
def line21() -> tuple[TravelGraph, lc.DemandCells, ps.PostSet]:
    """21 km of road; West (x < 10.5 km) and East; posts at nodes 2, 4, 10, 17, 18; 2.5 min target
    (a unit reaches two nodes each way)."""
    g = line_graph(21)
    cells = line_cells(g, 21, split_at=(10_500.0,))
    posts = ps.prepare_posts(g, cells, [post("W2", 2), post("W4", 4), post("M10", 10, "standby"), post("E17", 17),
                                        post("E18", 18)], unit_type="ambulance", threshold_min=2.5, max_move_min=20)
    return g, cells, posts


def test_posts_cover_and_drive_times(line21: tuple[TravelGraph, lc.DemandCells, ps.PostSet]) -> None:
    _, _, posts = line21
    assert posts.on_network.all()
    # each post reaches 5 nodes: 5 km of the 1 km wide strip (500 cells of 100 m)
    assert posts.cover.sum(axis=1).tolist() == [500, 500, 500, 500, 500]
    assert posts.area == ("W", "W", "W", "E", "E")
    # time from node 4 to post E18: 14 edges; beyond 20 minutes nothing
    assert posts.to_post_s[posts.index("E18"), 4] == pytest.approx(14 * EDGE_S)
    assert posts.to_post_s[posts.index("E18"), 0] == pytest.approx(18 * EDGE_S)
    assert np.isinf(posts.to_post_s[posts.index("E18")]).sum() == 0
    with pytest.raises(KeyError):
        posts.index("nope")


def test_the_best_move_fills_the_east_hole_quickest_first(
        line21: tuple[TravelGraph, lc.DemandCells, ps.PostSet]) -> None:
    g, cells, posts = line21
    # one incident at each of nodes 0-6 (West) and 16-20 (East, two at 20); none in the middle
    lon, lat = zip(*[node_lonlat(i) for i in (0, 1, 2, 3, 4, 5, 6, 16, 17, 18, 19, 20, 20)])
    inc = lc.incident_counts(cells, lon, lat)
    units = [unit(1, 2), unit(2, 4), unit(3, 18, "on_scene")]
    adv = mu.advise_moves(g, cells, posts, units, unit_type="ambulance", incidents=inc)
    assert adv.status == "proposed" and adv.demand == "incidents"
    assert adv.method == "enumerate" and adv.optimal
    # either West unit gives up two incidents and covers all six of the East at E18 (E17 reaches only
    # four); unit 2 gets there quicker
    (move,) = adv.moves
    assert (move.unit_id, move.post_id) == (2, "E18")
    assert move.travel_s == pytest.approx(14 * EDGE_S)
    assert (move.from_area, move.to_area) == ("W", "E")
    assert adv.uncovered_before == pytest.approx(6 / 13)
    assert adv.uncovered_after == pytest.approx(2 / 13)
    assert move.gain_share == pytest.approx(4 / 13)
    west, east = adv.areas
    assert west.uncovered_before == pytest.approx(0.0) and west.uncovered_after == pytest.approx(2 / 7)
    assert east.uncovered_before == pytest.approx(1.0) and east.uncovered_after == pytest.approx(0.0)
    assert json.dumps(adv.to_dict())
    milp = mu.advise_moves(g, cells, posts, units, unit_type="ambulance", incidents=inc, method="milp")
    assert [(m.unit_id, m.post_id) for m in milp.moves] == [(2, "E18")] and milp.method == "milp"
    # by land, the middle standby point and the East posts gain the same 3 km: the quickest move wins
    land = mu.advise_moves(g, cells, posts, units, unit_type="ambulance", demand="land")
    assert [(m.unit_id, m.post_id) for m in land.moves] == [(2, "M10")]
    assert land.moves[0].gain_share == pytest.approx(3 / 21)
    assert land.uncovered_after == pytest.approx(11 / 21)


def test_k_limits_the_number_of_moves(line21: tuple[TravelGraph, lc.DemandCells, ps.PostSet]) -> None:
    g, cells, posts = line21
    units = [unit(1, 2), unit(2, 3), unit(3, 4), unit(9, 18, "on_scene")]
    one = mu.advise_moves(g, cells, posts, units, unit_type="ambulance", demand="land", k=1)
    two = mu.advise_moves(g, cells, posts, units, unit_type="ambulance", demand="land", k=2)
    three = mu.advise_moves(g, cells, posts, units, unit_type="ambulance", demand="land", k=3)
    assert len(one.moves) == 1 and len(two.moves) == 2 and two.method == "milp"
    assert {m.post_id for m in two.moves} in ({"M10", "E17"}, {"M10", "E18"})
    assert two.uncovered_after < one.uncovered_after
    # the gains of the moves, in their order, add up to the total
    assert sum(m.gain_share for m in two.moves) == pytest.approx(two.uncovered_before - two.uncovered_after)
    assert two.moves[0].gain_share >= two.moves[1].gain_share
    assert len(three.moves) <= 3 and three.uncovered_after <= two.uncovered_after + 1e-12
    with pytest.raises(InvalidParameterError):
        mu.advise_moves(g, cells, posts, units, unit_type="ambulance", k=0)
    with pytest.raises(InvalidParameterError):
        mu.advise_moves(g, cells, posts, units, unit_type="ambulance", k=mu.MAX_K + 1)


def test_the_only_unit_never_leaves_its_kecamatan_bare(
        line21: tuple[TravelGraph, lc.DemandCells, ps.PostSet]) -> None:
    g, cells, posts = line21
    # East has three times the West's incidents: moving West's only unit east would gain the most
    lon, lat = zip(*[node_lonlat(i) for i in (1, 2, 3, 16, 17, 18, 19, 17, 18, 16, 19, 20)])
    inc = lc.incident_counts(cells, lon, lat)
    units = [unit(1, 2), unit(3, 18, "on_scene")]
    free = mu.advise_moves(g, cells, posts, units, unit_type="ambulance", incidents=inc, area_min_share=0.0)
    assert [(m.unit_id, m.post_id) for m in free.moves] == [(1, "E18")]
    kept = mu.advise_moves(g, cells, posts, units, unit_type="ambulance", incidents=inc)
    assert kept.status == "no_gain" and kept.moves == ()
    assert mu.advise_moves(g, cells, posts, units, unit_type="ambulance", incidents=inc, method="milp").moves == ()
    # with a second unit in the West, one of them may go
    units = [unit(1, 2), unit(2, 3), unit(3, 18, "on_scene")]
    adv = mu.advise_moves(g, cells, posts, units, unit_type="ambulance", incidents=inc)
    assert len(adv.moves) == 1 and adv.moves[0].post_id in ("E17", "E18")
    west = adv.areas[0]
    assert west.uncovered_after <= 0.5 + 1e-9


def test_units_transporting_or_at_hospital_are_never_moved(
        line21: tuple[TravelGraph, lc.DemandCells, ps.PostSet]) -> None:
    g, cells, posts = line21
    units = [unit(1, 3, "transporting"), unit(2, 4, "at_hospital"), unit(3, 2, "moving_to_post"),
             unit(4, 18, "on_scene")]
    adv = mu.advise_moves(g, cells, posts, units, unit_type="ambulance", demand="land")
    assert adv.moves == () and adv.status == "no_gain"
    # the unit moving to a post covers, but is not moved again
    assert [(e.unit_id, e.reason_code) for e in adv.excluded] == [(3, "status_not_movable")]
    assert adv.uncovered_before == pytest.approx(16 / 21)
    for status in ("transporting", "at_hospital"):
        with pytest.raises(InvalidParameterError):
            mu.advise_moves(g, cells, posts, units, unit_type="ambulance", movable_statuses=("available", status))


def test_trigger_no_unit_and_unit_already_at_a_post(line21: tuple[TravelGraph, lc.DemandCells, ps.PostSet]) -> None:
    g, cells, posts = line21
    units = [unit(1, 2), unit(3, 18, "on_scene")]
    quiet = mu.advise_moves(g, cells, posts, units, unit_type="ambulance", demand="land", trigger_share=0.9)
    assert quiet.status == "below_threshold" and quiet.moves == ()
    # 16 of 21 km uncovered; with 14 km uncovered when every unit is home, the hole is 2 km (< 10 %)
    home = mu.advise_moves(g, cells, posts, units, unit_type="ambulance", demand="land", trigger_share=0.1,
                           baseline_share=14 / 21)
    assert home.status == "below_threshold"
    hole = mu.advise_moves(g, cells, posts, units, unit_type="ambulance", demand="land", trigger_share=0.05,
                           baseline_share=14 / 21)
    assert hole.status == "no_gain"  # advice computed; moving the West's only unit would leave it bare
    none = mu.advise_moves(g, cells, posts, [unit(3, 18, "on_scene")], unit_type="ambulance")
    assert none.status == "no_available_unit" and none.uncovered_before == 1.0
    # two units, both at stations, East empty: the W4 unit never "moves" to W4 (it is there)
    adv = mu.advise_moves(g, cells, posts, [unit(1, 2), unit(2, 4)], unit_type="ambulance", demand="land",
                          area_min_share=0.0, k=2)
    assert all(m.post_id != "W4" or m.unit_id != 2 for m in adv.moves)
    with pytest.raises(InvalidParameterError):
        mu.advise_moves(g, cells, posts, units, unit_type="fire_engine")  # posts prepared for ambulances


# --- the solver against brute force ----------------------------------------------------------
def brute_force(uc: np.ndarray, pc: np.ndarray, ms: np.ndarray, w: np.ndarray, ai: np.ndarray, k: int,
                tau: float) -> float:
    """Best demand covered over every set of at most k allowed moves (distinct units and posts)."""
    n_a = int(ai.max()) + 1
    before = uc.any(axis=0)
    a_tot = np.bincount(ai, weights=w, minlength=n_a)
    a_before = np.bincount(ai, weights=np.where(before, w, 0.0), minlength=n_a)
    floor = np.minimum(a_before, tau * a_tot) if tau > 0 else np.zeros(n_a)
    pairs = [(int(u), int(p)) for u, p in np.argwhere(np.isfinite(ms)).tolist()]
    best = float(w[before].sum())
    for size in range(1, k + 1):
        for combo in itertools.combinations(pairs, size):
            if len({u for u, _ in combo}) < size or len({p for _, p in combo}) < size:
                continue
            after = mu.covered_after(uc, pc, list(combo))
            a_after = np.bincount(ai, weights=np.where(after, w, 0.0), minlength=n_a)
            if np.all(a_after >= floor - 1e-7 * w.sum()):
                best = max(best, float(w[after].sum()))
    return best


@pytest.mark.parametrize("seed", range(12))
def test_exact_solver_equals_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_units, n_posts, n_cells = int(rng.integers(3, 7)), int(rng.integers(2, 6)), 60
    uc = rng.random((n_units, n_cells)) < 0.25
    pc = rng.random((n_posts, n_cells)) < 0.3
    ms = np.where(rng.random((n_units, n_posts)) < 0.8, rng.uniform(60, 1200, (n_units, n_posts)), np.inf)
    ms[rng.random(n_units) < 0.2] = np.inf  # units that may not move
    w = np.where(rng.random(n_cells) < 0.15, 0.0, rng.uniform(0, 3, n_cells))
    ai = rng.integers(0, 3, n_cells)
    for k in (1, 2, 3):
        for tau in (0.0, 0.5, 0.9):
            expected = brute_force(uc, pc, ms, w, ai, k, tau)
            sol = mu.solve_moves(uc, pc, ms, w, ai, k=k, area_min_share=tau, method="milp")
            assert sol.covered_after == pytest.approx(expected, abs=1e-6 * w.sum()), (k, tau)
            assert len(sol.pairs) <= k
            assert len({u for u, _ in sol.pairs}) == len(sol.pairs) == len({p for _, p in sol.pairs})
            assert all(np.isfinite(ms[u, p]) for u, p in sol.pairs)
            assert np.all(sol.area_after >= np.minimum(sol.area_before, tau * sol.area_total) - 1e-7 * w.sum())
            assert sum(sol.marginal) == pytest.approx(sol.covered_after - sol.covered_before)
            if k == 1:
                one = mu.solve_moves(uc, pc, ms, w, ai, k=1, area_min_share=tau, method="enumerate")
                assert one.covered_after == pytest.approx(expected, abs=1e-6 * w.sum())


def test_solver_checks_its_inputs() -> None:
    uc, pc, ms = np.ones((2, 4), bool), np.ones((3, 4), bool), np.ones((2, 3))
    w, ai = np.ones(4), np.zeros(4, dtype=int)
    with pytest.raises(InvalidParameterError):
        mu.solve_moves(uc, pc, np.ones((3, 2)), w, ai)
    with pytest.raises(InvalidParameterError):
        mu.solve_moves(uc, pc, ms, w, ai, k=2, method="enumerate")
    with pytest.raises(InvalidParameterError):
        mu.solve_moves(uc, pc, ms, w, ai, area_min_share=1.5)
    with pytest.raises(InvalidParameterError):
        mu.solve_moves(uc, pc, ms, w, ai, method="greedy")
    # everything covered already: nothing to do
    sol = mu.solve_moves(uc, pc, ms, w, ai, k=2)
    assert sol.pairs == () and sol.gain == 0


# --- Kendari: both east-side ambulances committed ------------------------------------------------
#: Where the Teluk Kendari bridge lands on the Lapulu (Kec. Abeli) shore (docs/routing.md).
BRIDGE_LAPULU = (122.585366, -3.979203)


def urban_demand(cells: lc.DemandCells) -> np.ndarray:
    """Incident-weighted demand shaped like the demo generator's urban density: a floor everywhere
    plus Gaussian centres at the Kadia core, Kota Lama (Kec. Kendari), the Kendari Barat shore and
    Poasia (mean of each kecamatan's kelurahan centroids), times the land of the cell."""
    from planning._proj import kelurahan_utm

    kel = kelurahan_utm()
    density = np.full(len(cells), 0.05)
    for name, weight, scale_m in (("Kadia", 1.0, 2500.0), ("Kendari", 0.7, 1500.0),
                                  ("Kendari Barat", 0.5, 2000.0), ("Poasia", 0.35, 2000.0)):
        c = kel[kel["kecamatan"] == name].geometry.centroid
        d = np.hypot(cells.x_m - c.x.mean(), cells.y_m - c.y.mean())
        density += weight * np.exp(-((d / scale_m) ** 2))
    return density * cells.land_km2


def test_kendari_east_side_committed_a_west_unit_moves_near_the_bridge(
        kendari: tuple[TravelGraph, lc.DemandCells]) -> None:
    import csv

    from settings import GEO_DATA_DIR

    g, cells = kendari
    with (GEO_DATA_DIR / "kendari_emergency_facilities_seed.csv").open(newline="", encoding="utf-8") as fh:
        bases = [r for r in csv.DictReader(fh) if r["category"] in ("puskesmas", "hospital")]
    candidates = [ps.Post(f"F{i}", r["name"], float(r["lon"]), float(r["lat"]), "station") for i, r in enumerate(bases)]
    candidates.append(ps.Post("S-LAPULU", "Pos siaga Lapulu", 122.5862, -3.9812, "standby"))
    posts = ps.prepare_posts(g, cells, candidates, unit_type="ambulance")
    assert posts.on_network.all() and posts.threshold_min == 8.0
    demand = urban_demand(cells)
    units = puskesmas_units({"Puskesmas Abeli": "on_scene", "Puskesmas Nambo": "transporting"})
    adv = mu.advise_moves(g, cells, posts, units, unit_type="ambulance", incidents=demand)
    assert adv.status == "proposed" and adv.demand == "incidents"
    (move,) = adv.moves
    # a unit from the west of the bay ...
    assert move.from_area not in ("Abeli", "Nambo")
    assert move.unit_id not in {u.unit_id for u in units if u.status != "available"}
    # ... to a post near the bridge's Lapulu end, east of the bay
    bx, by = to_utm(np.array([BRIDGE_LAPULU[0]]), np.array([BRIDGE_LAPULU[1]]))
    tx, ty = to_utm(np.array([move.to_lon]), np.array([move.to_lat]))
    assert float(np.hypot(tx - bx, ty - by)[0]) < 2000.0
    assert move.to_area == "Abeli"
    assert 0 < move.travel_s <= 20 * 60 and move.gain_share > mu.DEFAULT_MIN_GAIN_SHARE
    by_area = {a.area: a for a in adv.areas}
    assert by_area["Abeli"].uncovered_after < by_area["Abeli"].uncovered_before - 0.2
    # no kecamatan is left with less than half its demand covered when it had more
    assert all(a.uncovered_after <= max(a.uncovered_before, 0.5) + 1e-9 for a in adv.areas)
    # the moved unit now covers from the post: the live layer agrees with the advice
    moved = [u if u.unit_id != move.unit_id else type(u)(u.unit_id, u.callsign, u.unit_type, u.agency_code,
                                                         "available", move.to_lon, move.to_lat, "station")
             for u in units]
    live = lc.live_coverage(g, cells, moved, unit_type="ambulance", incidents=demand)
    assert live.incidents is not None
    assert live.incidents.share == pytest.approx(adv.uncovered_after, abs=1e-9)
    # two moves at once do at least as well, and still never move the committed units
    two = mu.advise_moves(g, cells, posts, units, unit_type="ambulance", incidents=demand, k=2)
    assert two.uncovered_after <= adv.uncovered_after + 1e-12
    assert {m.unit_id for m in two.moves}.isdisjoint({u.unit_id for u in units if u.status != "available"})
