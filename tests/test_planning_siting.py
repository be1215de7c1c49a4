"""Siting: the exact MCLP solver equals brute force over all k-subsets; siting on a hand-made graph."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from planning import siting as sit
from planning._errors import InvalidParameterError, NoIncidentsError


def brute_force(cand: np.ndarray, w: np.ndarray, k: int, exist: np.ndarray, relocate: int = 0) -> float:
    """Best covered weight over every choice of k new sites (and, with relocation, of a moved post)."""
    n_exist = exist.shape[1]
    best = -1.0
    removals: list[tuple[int, ...]] = [()]
    if relocate:
        removals += [(s,) for s in range(n_exist)]
    for removed in removals:
        kept = [s for s in range(n_exist) if s not in removed]
        base = exist[:, kept].any(axis=1) if kept else np.zeros(len(w), dtype=bool)
        for combo in itertools.combinations(range(cand.shape[1]), k + len(removed)):
            covered = base | cand[:, list(combo)].any(axis=1)
            best = max(best, float(w[covered].sum()))
    return best


@pytest.mark.parametrize("seed", range(6))
def test_solver_finds_the_brute_force_optimum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_dem, n_cand, n_exist = 60, 9, 3
    cand = rng.random((n_dem, n_cand)) < 0.18
    exist = rng.random((n_dem, n_exist)) < 0.15
    w = rng.integers(1, 20, n_dem).astype(float)
    for k in (1, 2, 3):
        sol = sit.solve_mclp(cand, w, k, existing_cover=exist)
        assert sol.optimal and len(sol.chosen) == k and sol.removed == ()
        assert sol.covered == pytest.approx(brute_force(cand, w, k, exist))
        assert sol.baseline == pytest.approx(float(w[exist.any(axis=1)].sum()))
        covered = exist.any(axis=1) | cand[:, list(sol.chosen)].any(axis=1)
        assert sol.covered == pytest.approx(float(w[covered].sum()))  # reported value is real


@pytest.mark.parametrize("seed", range(4))
def test_solver_with_one_relocation_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n_dem, n_cand, n_exist = 50, 8, 3
    cand = rng.random((n_dem, n_cand)) < 0.2
    exist = rng.random((n_dem, n_exist)) < 0.2
    exist[:, 0] = False  # a useless post: moving it must pay off
    w = rng.integers(1, 10, n_dem).astype(float)
    sol = sit.solve_mclp(cand, w, 1, existing_cover=exist, relocate=1)
    assert sol.covered == pytest.approx(brute_force(cand, w, 1, exist, relocate=1))
    assert sol.covered >= sit.solve_mclp(cand, w, 1, existing_cover=exist).covered
    assert len(sol.chosen) == 1 + len(sol.removed) and len(sol.removed) <= 1


def test_a_known_small_instance() -> None:
    # demand 0-1 covered by candidate 0, 2-4 by candidate 1, 3-5 by candidate 2; 5 already covered
    cand = np.zeros((6, 3), dtype=bool)
    cand[[0, 1], 0] = True
    cand[[2, 3, 4], 1] = True
    cand[[3, 4, 5], 2] = True
    exist = np.zeros((6, 1), dtype=bool)
    exist[5, 0] = True
    w = np.array([5, 5, 1, 1, 1, 1], dtype=float)
    assert sit.solve_mclp(cand, w, 1, existing_cover=exist).chosen == (0,)
    two = sit.solve_mclp(cand, w, 2, existing_cover=exist)
    assert two.chosen == (0, 1) and two.covered == 14 and two.baseline == 1 and two.gain == 13


def test_solver_refuses_bad_k() -> None:
    cand = np.ones((3, 2), dtype=bool)
    with pytest.raises(InvalidParameterError):
        sit.solve_mclp(cand, np.ones(3), 3)
    with pytest.raises(InvalidParameterError):
        sit.solve_mclp(cand, np.ones(3), 0)


def test_siting_on_a_hand_made_graph(line_road) -> None:
    graph = line_road.graph
    nodes = [line_road.node_lonlat(i) for i in range(11)]
    # one incident per node, three more at the far end
    inc = nodes + [nodes[10]] * 3
    station = nodes[0]
    cands = sit.clicked_candidates([nodes[5], nodes[8], nodes[9]])
    res = sit.site_stations(graph, candidates=cands, incidents_lon=[p[0] for p in inc],
                            incidents_lat=[p[1] for p in inc], existing_lon=[station[0]], existing_lat=[station[1]],
                            existing_names=["Pos 0"], k=1, max_minutes=2.5)
    # within 150 s: the station covers nodes 0-2; node 8 covers 6-10 (5 + 3 extra incidents)
    assert res.baseline_n == 3 and res.n_incidents == 14
    assert list(res.chosen["name"]) == [cands.names[1]]
    assert res.covered_n == 11 and res.gain_n == 8
    assert list(res.candidates["alone_n"]) == [5, 8, 7]
    assert res.model == "approximate"
    # moving the only post as well: node 9 also reaches nodes 0 and 1 over the one-way shortcut
    # (9 -> 10 -> 0 in 70 s, -> 1 in 130 s), so posts at 5 and 9 cover every node but 2: 10 + 3 = 13
    moved = sit.site_stations(graph, candidates=cands, incidents_lon=[p[0] for p in inc],
                              incidents_lat=[p[1] for p in inc], existing_lon=[station[0]],
                              existing_lat=[station[1]], existing_names=["Pos 0"], k=1, max_minutes=2.5,
                              relocate=True)
    assert moved.covered_n == 13 and moved.baseline_n == 3
    assert list(moved.chosen["name"]) == [cands.names[0], cands.names[2]]
    assert list(moved.existing.loc[moved.existing["removed"], "name"]) == ["Pos 0"]


def test_siting_needs_incidents_and_valid_parameters(line_road) -> None:
    graph = line_road.graph
    cands = sit.clicked_candidates([line_road.node_lonlat(5)])
    with pytest.raises(NoIncidentsError):
        sit.site_stations(graph, candidates=cands, incidents_lon=[], incidents_lat=[])
    with pytest.raises(InvalidParameterError):
        sit.site_stations(graph, candidates=cands, incidents_lon=[1.0], incidents_lat=[1.0], k=0)
    with pytest.raises(InvalidParameterError):
        sit.site_stations(graph, candidates=cands, incidents_lon=[1.0], incidents_lat=[1.0], max_minutes=0)


def test_candidate_sources() -> None:
    kel = sit.kelurahan_candidates()
    assert len(kel) == 64 and kel.source == "kelurahan"
    grid = sit.grid_candidates(2000)
    assert 40 < len(grid) < 90
    from layers.geodata import point_in_city

    assert all(point_in_city(a, b) for a, b in zip(grid.lon, grid.lat))
    assert sit.point_from_click({"lon": 122.5, "lat": -3.9}) == (122.5, -3.9)
    import h3

    cell = h3.latlng_to_cell(-3.99, 122.52, 9)
    lon, lat = sit.point_from_click({"location": cell})  # type: ignore[misc]
    assert abs(lon - 122.52) < 0.003 and abs(lat + 3.99) < 0.003
    assert sit.point_from_click({"location": "not-a-cell"}) is None
