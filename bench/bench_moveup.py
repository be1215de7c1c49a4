"""Live coverage and move-up benchmark: 200 units on the approximate network and on a 50,000-node
graph, and the uncovered-time KPI over 12 months of availability history.

Run with ``.venv/bin/python -m bench.bench_moveup`` (or ``make bench``); figures are merged into
``bench/results.json`` (keys ``live_coverage_*``, ``moveup_*``, ``uncovered_time_kpi_*``).

For each graph — (a) the approximate Kendari network as the application loads it
(``routing.network.load_network``), (b) a generated road-like graph of ~50,000 nodes
(``routing._synthetic.road_like_graph``) — 200 ambulances stand at random nodes; in each of
many scenarios the units around a random point (within 5 km) and a further 20 % at random are
committed, which opens a hole. Timed per scenario, warm (demand cells and posts prepared once
per graph, as the application keeps them per network version):

* the live coverage layer (``planning.live_coverage.live_coverage``): snapping the units, one
  multi-source Dijkstra limited to 8 minutes, shares per kecamatan;
* move-up advice (``planning.moveup.advise_moves``) over 83 candidate posts, one move (exact by
  enumeration) and up to three moves (exact with CBC): snapping, one limited Dijkstra per unit,
  the model and its solution.

The KPI replays 12 months of synthetic availability changes of ambulances at Kendari's 19
ambulance bases (2 per base; ~3 calls a day each, ~70 minutes committed), and of 200 units over
83 posts, through ``planning.uncovered_time.uncovered_time_kpi``.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from bench._common import load_average, merge_results, percentiles_ms

UNIT_COUNT = 200
ROAD_NODES = 50_000
SCENARIOS = 40
SCENARIOS_K3 = 20
HOLE_RADIUS_M = 5000.0
RANDOM_BUSY_SHARE = 0.2
WITA = ZoneInfo("Asia/Makassar")


def _units(graph: Any, pool: np.ndarray, count: int, seed: int) -> list[Any]:
    from routing._synthetic import random_units

    return random_units(graph, count, seed=seed, unit_types=("ambulance",), available_share=1.0, among=pool)


def _scenarios(units: list[Any], n: int, seed: int) -> list[list[Any]]:
    """Unit lists with the units near a random point (and 20 % more at random) committed."""
    from dataclasses import replace

    from planning._proj import to_utm

    rng = np.random.default_rng(seed)
    x, y = to_utm(np.array([u.lon for u in units]), np.array([u.lat for u in units]))
    out = []
    for _ in range(n):
        centre = int(rng.integers(len(units)))
        near = np.hypot(x - x[centre], y - y[centre]) <= HOLE_RADIUS_M
        busy = near | (rng.random(len(units)) < RANDOM_BUSY_SHARE)
        out.append([replace(u, status="on_scene") if busy[i] else u for i, u in enumerate(units)])
    return out


def _timed_runs(fn: Any, scenarios: list[list[Any]]) -> tuple[list[float], list[float], list[Any]]:
    fn(scenarios[0])  # warm-up
    wall, cpu, results = [], [], []
    for sc in scenarios:
        t0, c0 = time.perf_counter(), time.process_time()
        results.append(fn(sc))
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - t0)
    return wall, cpu, results


def _bench_graph(name: str, graph: Any, cells: Any, posts: list[Any], pool: np.ndarray, seed: int) -> dict[str, Any]:
    from planning.live_coverage import live_coverage
    from planning.moveup import advise_moves
    from planning.posts import prepare_posts

    fig: dict[str, Any] = {}
    t0 = time.perf_counter()
    post_set = prepare_posts(graph, cells, posts, unit_type="ambulance")
    fig[f"moveup_posts_prepare_{len(posts)}p_{name}_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    units = _units(graph, pool, UNIT_COUNT, seed)
    scenarios = _scenarios(units, SCENARIOS, seed + 1)

    wall, cpu, live = _timed_runs(lambda sc: live_coverage(graph, cells, sc, unit_type="ambulance"), scenarios)
    p50, p95 = percentiles_ms(wall, (50, 95))
    fig[f"live_coverage_200u_{name}_p50_ms"] = p50
    fig[f"live_coverage_200u_{name}_p95_ms"] = p95
    fig[f"live_coverage_200u_{name}_max_ms"] = round(max(wall) * 1000, 2)
    fig[f"live_coverage_200u_{name}_cpu_p95_ms"] = percentiles_ms(cpu, (95,))[0]
    fig[f"live_coverage_200u_{name}_uncovered_land_share_median"] = round(
        float(np.median([r.land.share for r in live])), 4)

    def advise(k: int) -> Any:
        return lambda sc: advise_moves(graph, cells, post_set, sc, unit_type="ambulance", demand="land", k=k,
                                       trigger_share=0.0)

    for k, runs, key in ((1, scenarios, ""), (3, scenarios[:SCENARIOS_K3], "_k3")):
        wall, cpu, adv = _timed_runs(advise(k), runs)
        p50, p95 = percentiles_ms(wall, (50, 95))
        fig[f"moveup_200u_{name}{key}_p50_ms"] = p50
        fig[f"moveup_200u_{name}{key}_p95_ms"] = p95
        fig[f"moveup_200u_{name}{key}_max_ms"] = round(max(wall) * 1000, 2)
        fig[f"moveup_200u_{name}{key}_cpu_p95_ms"] = percentiles_ms(cpu, (95,))[0]
        fig[f"moveup_200u_{name}{key}_solve_p95_ms"] = percentiles_ms([a.solve_s for a in adv], (95,))[0]
        fig[f"moveup_200u_{name}{key}_candidate_moves_median"] = int(np.median([a.n_candidate_moves for a in adv]))
        fig[f"moveup_200u_{name}{key}_proposed_share"] = round(
            float(np.mean([a.status == "proposed" for a in adv])), 3)
        gain = float(np.median([a.gain_share for a in adv]))
        fig[f"moveup_200u_{name}{key}_gain_share_median"] = round(gain, 4) + 0.0  # no "-0.0"
        fig[f"moveup_200u_{name}{key}_uncovered_before_median"] = round(
            float(np.median([a.uncovered_before for a in adv])), 4)
        fig[f"moveup_200u_{name}{key}_all_optimal"] = all(a.optimal for a in adv)
    fig[f"moveup_{name}_nodes"] = int(graph.n_nodes)
    return fig


def _history(post_ids: list[Any], units_per_post: int, start: datetime, end: datetime, seed: int,
             calls_per_day: float = 3.0, busy_mean_min: float = 70.0) -> tuple[list[Any], dict[Any, Any]]:
    """Availability changes: each unit alternates available (exponential gaps) and committed (lognormal)."""
    from planning.uncovered_time import AvailabilityChange

    rng = np.random.default_rng(seed)
    span = (end - start).total_seconds()
    changes: list[AvailabilityChange] = []
    initial: dict[Any, Any] = {}
    sigma = 0.6
    mu = np.log(busy_mean_min * 60.0) - sigma**2 / 2
    for p, post in enumerate(post_ids):
        for j in range(units_per_post):
            unit = f"{p}-{j}"
            initial[unit] = post
            t = 0.0
            while True:
                t += float(rng.exponential(86_400.0 / calls_per_day))
                if t >= span:
                    break
                changes.append(AvailabilityChange(unit, start + timedelta(seconds=t), False, post))
                t += float(rng.lognormal(mu, sigma))
                if t >= span:
                    break
                changes.append(AvailabilityChange(unit, start + timedelta(seconds=t), True, post))
    return changes, initial


def _bench_kpi(graph: Any, cells: Any, bases: list[Any], posts: list[Any]) -> dict[str, Any]:
    from planning.posts import prepare_posts
    from planning.uncovered_time import uncovered_time_kpi

    fig: dict[str, Any] = {}
    start = datetime(2025, 1, 1, tzinfo=WITA)
    end = datetime(2026, 1, 1, tzinfo=WITA)
    t0 = time.perf_counter()
    base_set = prepare_posts(graph, cells, bases, unit_type="ambulance")
    fig["uncovered_time_kpi_posts_prepare_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    changes, initial = _history([p.post_id for p in bases], 2, start, end, seed=41)
    t0 = time.perf_counter()
    kpi = uncovered_time_kpi(base_set, cells, changes, start=start, end=end, initial=initial)
    fig["uncovered_time_kpi_12m_s"] = round(time.perf_counter() - t0, 3)
    fig["uncovered_time_kpi_12m_changes"] = kpi.n_changes
    fig["uncovered_time_kpi_12m_states"] = kpi.n_states
    fig["uncovered_time_kpi_12m_days"] = len(kpi.days)
    fig["uncovered_time_kpi_12m_city_share_mean"] = round(float(kpi.city_uncovered_share.mean()), 4)
    big_set = prepare_posts(graph, cells, posts, unit_type="ambulance")
    per_post = max(1, UNIT_COUNT // len(posts))
    extra, extra_initial = _history([p.post_id for p in posts], per_post, start, end, seed=43)
    t0 = time.perf_counter()
    kpi = uncovered_time_kpi(big_set, cells, extra, start=start, end=end, initial=extra_initial)
    fig["uncovered_time_kpi_12m_200u_s"] = round(time.perf_counter() - t0, 3)
    fig["uncovered_time_kpi_12m_200u_changes"] = kpi.n_changes
    fig["uncovered_time_kpi_12m_200u_states"] = kpi.n_states
    return fig


def _kendari_posts() -> tuple[list[Any], list[Any]]:
    """Ambulance bases (puskesmas, hospitals) and, with the 64 kelurahan points as standby points, 83 posts."""
    from layers.geodata import facilities
    from planning.posts import Post
    from planning.siting import kelurahan_candidates

    bases = [Post(f"F{i}", f.name, f.lon, f.lat, "station") for i, f in enumerate(facilities())
             if f.category in ("puskesmas", "hospital")]
    kel = kelurahan_candidates()
    standby = [Post(f"K{i}", n, float(lo), float(la), "standby") for i, (n, lo, la)
               in enumerate(zip(kel.names, kel.lon, kel.lat))]
    return bases, bases + standby


def run(*, write: bool = True) -> dict[str, Any]:
    """Run the benchmark; merge the figures into ``bench/results.json`` and return them."""
    import shapely

    from planning.live_coverage import build_demand_cells
    from planning.posts import Post
    from routing._synthetic import road_like_graph
    from routing.network import load_network

    started = time.perf_counter()
    figures: dict[str, Any] = {"moveup_load_average_1min_start": load_average(), "moveup_cpu_count": os.cpu_count()}

    approx = load_network(cache_dir=None)
    t0 = time.perf_counter()
    cells = build_demand_cells(approx)
    figures["moveup_cells_build_approx_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    figures["moveup_cells_approx_n"] = len(cells)
    bases, posts = _kendari_posts()
    mainland = np.flatnonzero(np.isin(np.arange(approx.n_nodes), cells.in_node[cells.mainland, 0]))
    figures.update(_bench_graph("approx", approx, cells, posts, mainland, seed=11))
    figures.update(_bench_kpi(approx, cells, bases, posts))

    road = road_like_graph(ROAD_NODES, seed=5)
    xs = np.linspace(road.x_m.min() - 300, road.x_m.max() + 300, 4)
    ys = np.linspace(road.y_m.min() - 300, road.y_m.max() + 300, 4)
    areas = [shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(3) for j in range(3)]
    t0 = time.perf_counter()
    road_cells = build_demand_cells(road, cell_m=200.0, area_names=[f"A{i + 1}" for i in range(9)], areas_utm=areas)
    figures["moveup_cells_build_50k_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    figures["moveup_cells_50k_n"] = len(road_cells)
    rng = np.random.default_rng(17)
    road_posts = [Post(f"P{i}", f"P{i}", float(road.lon[n]), float(road.lat[n]))
                  for i, n in enumerate(rng.choice(road.n_nodes, len(posts), replace=False))]
    figures.update(_bench_graph("50k", road, road_cells, road_posts, np.arange(road.n_nodes), seed=13))

    figures["moveup_load_average_1min_end"] = load_average()
    figures["moveup_bench_s"] = round(time.perf_counter() - started, 1)
    if write:
        merge_results(figures)
    return figures


if __name__ == "__main__":
    result = run()
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
