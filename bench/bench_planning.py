"""Planning benchmark: hotspots (H3 + Gi*) on 100,000 incidents, coverage, siting, report export.

Run with ``.venv/bin/python -m bench.bench_planning`` (or ``make bench``); figures are merged into
``bench/results.json`` under ``planning_*`` keys.

A scratch database in the benchmark cluster (``var/bench-pg``, port 54331) gets the schema, the
geography and 100,000 synthetic incidents from the demo generator (``store.demo.seed``); every
analysis then reads them through ``store.planning`` as the page does. Timings are warm (imports
and per-process caches loaded once before) unless the key says ``cold``; the travel graph is the
one ``routing.network.load_network()`` returns (its model is recorded).

Targets (issue 6): hotspots ≤ 2 s, coverage bands for all stations ≤ 2 s, siting with 64
candidates and k = 2 ≤ 10 s.
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

import numpy as np

from bench._common import load_average, merge_results
from settings import VAR_DIR

N_INCIDENTS = 100_000
BENCH_PG_PORT = 54331
BENCH_PG_DIR = VAR_DIR / "bench-pg"


def _timed(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return round(time.perf_counter() - t0, 3), out


def _scratch_database() -> tuple[Any, str, str]:
    import psycopg
    from psycopg import sql

    from store.cluster import EmbeddedCluster

    cluster = EmbeddedCluster(BENCH_PG_DIR, port=BENCH_PG_PORT)
    admin = cluster.ensure("postgres")
    name = f"k112_bench_planning_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return cluster, admin, name


def _drop(admin: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def run(*, write: bool = True, n_incidents: int = N_INCIDENTS) -> dict[str, Any]:
    """Run the planning benchmark and (by default) merge the figures into bench/results.json."""
    import demo
    from planning import coverage as cov, hotspots as hs, siting as sit
    from routing.network import installed_roads, load_network
    from services import planning as service
    from services.bootstrap import prepare
    from store.db import Database

    fig: dict[str, Any] = {"planning_load_avg_1m": load_average()}
    t_all = time.perf_counter()
    cluster, admin, name = _scratch_database()
    db = Database(cluster.url(name), max_size=4)
    try:
        prepare(db)
        fig["planning_seed_100k_s"], _ = _timed(lambda: demo.seed(db, seed=112, months=12, n_incidents=n_incidents,
                                                                  with_events=False))
        q = service.PlanningQuery()
        fig["planning_load_100k_incidents_s"], inc = _timed(lambda: service.load_incidents(db, q))
        fig["planning_incidents_counted"] = len(inc)
        # prank and duplicate incidents are excluded by the store; repeat points to exactly 100,000
        lon = np.resize(inc["lon"].to_numpy(), n_incidents)
        lat = np.resize(inc["lat"].to_numpy(), n_incidents)

        # hotspots: H3 counts + Gi* (999 permutations); cold includes importing esda/libpysal
        fig["planning_hotspots_100k_cold_s"], _ = _timed(lambda: hs.hotspots(lon, lat, resolution=9))
        for res in (9, 8):
            t, result = _timed(lambda res=res: hs.hotspots(lon, lat, resolution=res))
            fig[f"planning_hotspots_100k_res{res}_s"] = t
            fig[f"planning_hotspots_res{res}_cells"] = len(result.cells)
        fig["planning_hotspots_100k_s"] = fig["planning_hotspots_100k_res9_s"]
        fig["planning_kde_100k_s"], _ = _timed(lambda: hs.kde(lon, lat))
        fig["planning_hotspot_view_100k_s"], _ = _timed(lambda: service.hotspot_analysis(db, q))

        # coverage: every station kind, default bands, shares of the 100k incidents
        t0 = time.perf_counter()
        graph = load_network(roads_path=installed_roads())
        fig["planning_graph_load_s"] = round(time.perf_counter() - t0, 3)
        fig["planning_routing_model"] = graph.model
        fig["planning_graph_nodes"] = graph.n_nodes
        first_kind = next(iter(cov.STATION_KINDS))
        fig["planning_coverage_cold_s"], _ = _timed(
            lambda: service.coverage_analysis(db, graph, q, kind=first_kind))  # snaps the land grid once
        total = 0.0
        stations = 0
        for kind in cov.STATION_KINDS:
            t, view = _timed(lambda kind=kind: service.coverage_analysis(db, graph, q, kind=kind))
            fig[f"planning_coverage_{kind}_s"] = t
            total += t
            stations += len(view.stations)
        fig["planning_coverage_all_kinds_s"] = round(total, 3)
        fig["planning_coverage_max_kind_s"] = max(fig[f"planning_coverage_{k}_s"] for k in cov.STATION_KINDS)
        fig["planning_coverage_stations"] = stations
        rows = service.station_rows(db, "fire")
        fig["planning_coverage_bands_only_fire_s"], _ = _timed(lambda: cov.coverage(
            graph, [r["lon"] for r in rows], [r["lat"] for r in rows]))

        # siting: 64 kelurahan candidates, k = 2, T = 8 min, 100k incidents (plus one relocation)
        cands = sit.kelurahan_candidates()
        fig["planning_siting_candidates"] = len(cands)
        e_lon, e_lat = [r["lon"] for r in rows], [r["lat"] for r in rows]
        t, res = _timed(lambda: sit.site_stations(graph, candidates=cands, incidents_lon=lon, incidents_lat=lat,
                                                  existing_lon=e_lon, existing_lat=e_lat, k=2, max_minutes=8))
        fig["planning_siting_64c_k2_s"] = t
        fig["planning_siting_64c_k2_solver_s"] = round(res.solution.solve_s, 3)
        fig["planning_siting_64c_k2_demand_groups"] = res.solution.n_groups
        fig["planning_siting_64c_k2_gain_incidents"] = res.gain_n
        t, res = _timed(lambda: sit.site_stations(graph, candidates=cands, incidents_lon=lon, incidents_lat=lat,
                                                  existing_lon=e_lon, existing_lat=e_lat, k=2, max_minutes=8,
                                                  relocate=True))
        fig["planning_siting_64c_k2_relocate_s"] = t

        # report: HTML (folium) and GeoJSON zip, each recomputing its analyses as the page does
        spec = service.ReportSpec(query=q, coverage={"kind": "fire", "bands": [4, 8, 15]},
                                  siting={"kind": "fire", "k": 2, "max_minutes": 8.0, "candidates": "kelurahan"})
        t, page = _timed(lambda: service.report_html(db, graph, spec))
        fig["planning_report_export_s"] = t
        fig["planning_report_size_kb"] = round(len(page.encode("utf-8")) / 1024, 1)
        t, data = _timed(lambda: service.report_geojson(db, graph, spec))
        fig["planning_geojson_export_s"] = t
        fig["planning_geojson_zip_size_kb"] = round(len(data) / 1024, 1)
        fig["planning_targets_met"] = bool(fig["planning_hotspots_100k_s"] <= 2.0
                                           and fig["planning_coverage_max_kind_s"] <= 2.0
                                           and fig["planning_siting_64c_k2_s"] <= 10.0)
    finally:
        db.close()
        _drop(admin, name)
    fig["planning_bench_s"] = round(time.perf_counter() - t_all, 1)
    if write:
        merge_results(fig)
    return fig


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2, default=str))
