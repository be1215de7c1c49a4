"""Routing benchmark: recommendation latency, and the same question answered by networkx and pgRouting.

Run with ``.venv/bin/python -m bench.bench_routing`` (or ``make bench``); figures are merged into
``bench/results.json`` (keys ``routing_<graph>_<figure>_<unit>``).

For each graph — (a) the approximate Kendari network, (b) a generated road-like graph of
~50,000 nodes — and the same 200 units:

* ``recommend()`` latency p50/p99 (snapping, one reversed Dijkstra, plan filling, routes for
  the top units, ``to_dict()``) over many incidents;
* the core question "travel time of every unit to the incident" answered three ways, on the
  same graph, units and incidents: scipy (one reversed run), networkx (one shortest path per
  unit) and pgRouting (``pgr_dijkstra`` many-to-one in PostGIS); speed-ups and whether the
  three rankings agree;
* graph load time and the routing part's memory (RSS, measured in a fresh process).

And for imported road data (``roads_*`` / ``recommend_50k_*`` / ``pandana_*`` keys):

* import of a generated 100,000-way Kendari layer, as ``.osm.pbf`` and as GeoPackage, with
  ``python -m routing.import_roads`` in a fresh process: seconds and peak RSS;
* ``recommend()`` p50/p99 for 200 units on the imported ~50,000-node network with 20 active
  closures and 5 connectors applied, and the time to apply those corrections;
* the same "every unit's time to the incident" question answered by pandana's contraction
  hierarchies on the same corrected network: time per incident, ratio, whether rankings agree.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse.csgraph import dijkstra

from bench._common import load_average, merge_results, percentiles_ms
from routing._proj import to_lonlat
from routing._synthetic import random_units, road_like_graph
from routing.approximate import build_approximate_graph
from routing.config import load_config
from routing.graph import TravelGraph, read_graph, save_graph
from routing.recommend import BusyUnit, UnitPosition, plan_from_catalog, recommend
from routing.snap import snap_many
from settings import ROOT_DIR, VAR_DIR

UNIT_COUNT = 200
ROAD_NODES = 50_000
BENCH_PG_PORT = 54331
BENCH_PG_DIR = VAR_DIR / "bench-pg"
FLEET_TYPES = ("fire_engine", "ambulance", "water_tanker", "rescue")
#: incidents per measurement (latency, networkx, pgRouting) for each graph
PLAN = {"approx": (300, 3, 10), "road50k": (300, 2, 4)}


def _fleet(graph: TravelGraph, seed: int, among: np.ndarray | None) -> tuple[list[UnitPosition], list[BusyUnit]]:
    units = random_units(graph, UNIT_COUNT, seed=seed, unit_types=FLEET_TYPES, available_share=0.9, among=among)
    rng = np.random.default_rng(seed + 1)
    busy = [BusyUnit(u, float(rng.uniform(300, 1800))) for u in units if u.status != "available"]
    return units, busy


def _incidents(graph: TravelGraph, count: int, seed: int, among: np.ndarray | None) -> list[tuple[float, float]]:
    rng = np.random.default_rng(seed)
    pool = np.arange(graph.n_nodes) if among is None else among
    nodes = rng.choice(pool, size=count)
    return [(float(graph.lon[n]), float(graph.lat[n])) for n in nodes]


def _latency(graph: TravelGraph, incidents: list[tuple[float, float]], units: list[UnitPosition],
             busy: list[BusyUnit]) -> dict[str, float]:
    plan = plan_from_catalog("structure_fire")
    cfg = load_config()
    for inc in incidents[:5]:  # warm-up (caches, allocator)
        recommend(graph, inc, plan, units, busy=busy, config=cfg).to_dict()
    samples, cpu = [], []
    for i, inc in enumerate(incidents):
        t0, c0 = time.perf_counter(), time.process_time()
        recommend(graph, inc, plan, units, busy=busy, config=cfg, incident_id=i).to_dict()
        cpu.append(time.process_time() - c0)
        samples.append(time.perf_counter() - t0)
    p50, p90, p99 = percentiles_ms(samples, (50, 90, 99))
    c50, c99 = percentiles_ms(cpu, (50, 99))
    # wall-clock figures suffer when other processes share the 2 cores; CPU time much less so
    return {"recommend_p50_ms": p50, "recommend_p90_ms": p90, "recommend_p99_ms": p99,
            "recommend_max_ms": round(max(samples) * 1000, 2), "recommend_cpu_p50_ms": c50,
            "recommend_cpu_p99_ms": c99, "recommend_runs": len(samples)}


def _unit_nodes(graph: TravelGraph, units: list[UnitPosition]) -> np.ndarray:
    snaps = snap_many(graph, [u.lon for u in units], [u.lat for u in units])
    return snaps.node[snaps.ok]


def _ranking(times: dict[int, float]) -> list[int]:
    """Nodes ordered by time (rounded to 1 ms so float noise does not split ties), then id."""
    return sorted(times, key=lambda n: (round(times[n], 3), n))


def _scipy_times(graph: TravelGraph, target: int, nodes: np.ndarray) -> dict[int, float]:
    dist = dijkstra(graph.times_rev, directed=True, indices=target)
    return {int(n): float(dist[n]) for n in nodes if np.isfinite(dist[n])}


def _networkx(graph: TravelGraph, targets: list[int], nodes: np.ndarray) -> tuple[list[float], list[dict[int, float]]]:
    import networkx as nx

    g: nx.DiGraph[int] = nx.DiGraph()
    g.add_weighted_edges_from(zip(graph.edge_src.tolist(), graph.indices.tolist(), graph.time_s.tolist()))
    seconds, results = [], []
    for target in targets:
        t0 = time.perf_counter()
        out: dict[int, float] = {}
        for n in nodes.tolist():
            try:
                out[n] = float(nx.bidirectional_dijkstra(g, n, target, weight="weight")[0])
            except nx.NetworkXNoPath:
                continue  # unreachable: no entry, like the scipy side
        seconds.append(time.perf_counter() - t0)
        results.append(out)
    return seconds, results


class _PgRouting:
    """A scratch database with pgRouting in the bench cluster (var/bench-pg, port 54331)."""

    def __init__(self) -> None:
        import psycopg
        from psycopg import sql

        from store.cluster import EmbeddedCluster

        self._psycopg, self._sql = psycopg, sql
        self.cluster = EmbeddedCluster(BENCH_PG_DIR, port=BENCH_PG_PORT)
        admin = self.cluster.ensure("postgres")
        self.admin_url = admin
        self.dbname = f"k112_bench_routing_{os.getpid()}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(self.dbname)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.dbname)))
        self.url = self.cluster.url(self.dbname)
        self.conn = psycopg.connect(self.url, autocommit=True)
        self.conn.execute("CREATE EXTENSION IF NOT EXISTS pgrouting CASCADE")
        self.version = str(self.conn.execute("SELECT pgr_version()").fetchone()[0])  # type: ignore[index]

    def load(self, table: str, graph: TravelGraph) -> float:
        sql = self._sql
        t0 = time.perf_counter()
        self.conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
        create = sql.SQL("CREATE TABLE {} (id bigint PRIMARY KEY, source bigint NOT NULL, "
                         "target bigint NOT NULL, cost double precision NOT NULL)")
        self.conn.execute(create.format(sql.Identifier(table)))
        copy_sql = sql.SQL("COPY {} (id, source, target, cost) FROM STDIN").format(sql.Identifier(table))
        rows = zip(graph.edge_src.tolist(), graph.indices.tolist(), graph.time_s.tolist())
        with self.conn.cursor() as cur, cur.copy(copy_sql) as copy:
            for e, (s, d, c) in enumerate(rows):
                copy.write_row((e + 1, s + 1, d + 1, c))
        self.conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
        return time.perf_counter() - t0

    def many_to_one(self, table: str, nodes: np.ndarray, target: int) -> tuple[float, dict[int, float]]:
        edges_sql = self._sql.SQL("SELECT id, source, target, cost FROM {}").format(
            self._sql.Identifier(table)).as_string(self.conn)
        starts = sorted({int(n) + 1 for n in nodes})
        t0 = time.perf_counter()
        rows = self.conn.execute(
            "SELECT start_vid, agg_cost FROM pgr_dijkstra(%s, %s::bigint[], %s::bigint, directed => true) "
            "WHERE edge = -1",
            (edges_sql, starts, target + 1),
        ).fetchall()
        seconds = time.perf_counter() - t0
        out = {int(s) - 1: float(c) for s, c in rows}
        if target + 1 in starts:
            out[target] = 0.0
        return seconds, out

    def close(self) -> None:
        sql = self._sql
        self.conn.close()
        with self._psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.dbname)))
        if self.cluster.started_here:
            self.cluster.stop()


_RSS_PROBE = r"""
import json, sys, time, psutil
proc = psutil.Process()
import numpy, scipy.sparse, scipy.spatial
base = proc.memory_info().rss
from routing.graph import read_graph
from routing.recommend import recommend, plan_from_catalog
from routing._synthetic import random_units
t0 = time.perf_counter()
g = read_graph(sys.argv[1])
load_s = time.perf_counter() - t0
units = random_units(g, 200, seed=1, among=None if g.component is None else (g.component == 0).nonzero()[0])
n = int((g.component == 0).nonzero()[0][0]) if g.component is not None else 0
recommend(g, (float(g.lon[n]), float(g.lat[n])), plan_from_catalog("structure_fire"), units).to_dict()
print(json.dumps({"rss_mb": (proc.memory_info().rss - base) / 1e6, "process_rss_mb": proc.memory_info().rss / 1e6,
                  "graph_arrays_mb": g.nbytes() / 1e6, "fresh_load_ms": load_s * 1000}))
"""


def _memory(path: Path) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT_DIR))
    out = subprocess.run([sys.executable, "-c", _RSS_PROBE, str(path)], capture_output=True, text=True,
                         env=env, cwd=ROOT_DIR, timeout=120, check=True)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return {"routing_rss_mb": round(data["rss_mb"], 1), "process_rss_mb": round(data["process_rss_mb"], 1),
            "graph_arrays_mb": round(data["graph_arrays_mb"], 1),
            "fresh_process_load_ms": round(data["fresh_load_ms"], 1)}


def _agree(a: dict[int, float], b: dict[int, float]) -> tuple[bool, float]:
    """Same reachable set, same ranking, and the largest time difference in seconds."""
    if set(a) != set(b):
        return False, float("inf")
    diff = max((abs(a[n] - b[n]) for n in a), default=0.0)
    return _ranking(a) == _ranking(b), diff


def _bench_graph(name: str, graph: TravelGraph, build_s: float, pg: _PgRouting | None, tmp: Path,
                 seed: int) -> dict[str, Any]:
    n_latency, n_nx, n_pg = PLAN[name]
    among = None if graph.component is None else np.flatnonzero(graph.component == 0)
    units, busy = _fleet(graph, seed, among)
    incidents = _incidents(graph, n_latency, seed + 7, among)
    fig: dict[str, Any] = {"nodes": graph.n_nodes, "edges": graph.n_edges, "units": len(units),
                           "build_s": round(build_s, 2)}
    path = save_graph(graph, tmp / f"{name}.npz")
    fig["npz_mb"] = round(path.stat().st_size / 1e6, 2)
    loads = []
    for _ in range(5):
        t0 = time.perf_counter()
        read_graph(path)
        loads.append(time.perf_counter() - t0)
    fig["graph_load_ms"] = round(float(np.median(loads)) * 1000, 1)
    fig.update(_latency(graph, incidents, units, busy))

    # the core question, three engines, same graph / units / incidents
    nodes = _unit_nodes(graph, units)
    target_snaps = snap_many(graph, [p[0] for p in incidents], [p[1] for p in incidents])
    targets = [int(t) for t in target_snaps.node[target_snaps.ok]]
    core = []
    scipy_results = []
    for t in targets[: max(n_nx, n_pg)]:
        t0 = time.perf_counter()
        res = _scipy_times(graph, t, nodes)
        core.append(time.perf_counter() - t0)
        scipy_results.append(res)
    fig["scipy_one_run_ms"] = round(float(np.median(core)) * 1000, 2)
    nx_s, nx_res = _networkx(graph, targets[:n_nx], nodes)
    fig["networkx_per_unit_ms"] = round(float(np.median(nx_s)) * 1000, 1)
    checks = [_agree(s, x) for s, x in zip(scipy_results, nx_res)]
    fig["networkx_rankings_agree"] = all(ok for ok, _ in checks)
    fig["networkx_max_diff_s"] = round(max(d for _, d in checks), 6)
    fig["speedup_vs_networkx"] = round(fig["networkx_per_unit_ms"] / fig["recommend_p50_ms"], 1)
    fig["speedup_one_run_vs_networkx"] = round(fig["networkx_per_unit_ms"] / fig["scipy_one_run_ms"], 1)
    if pg is not None:
        table = f"edges_{name}"
        fig["pgrouting_load_s"] = round(pg.load(table, graph), 2)
        pg.many_to_one(table, nodes, targets[0])  # warm-up (plan cache, buffers)
        pg_s, pg_res = [], []
        for t in targets[:n_pg]:
            sec, res = pg.many_to_one(table, nodes, t)
            pg_s.append(sec)
            pg_res.append(res)
        fig["pgrouting_many_to_one_ms"] = round(float(np.median(pg_s)) * 1000, 1)
        checks = [_agree(s, p) for s, p in zip(scipy_results, pg_res)]
        fig["pgrouting_rankings_agree"] = all(ok for ok, _ in checks)
        fig["pgrouting_max_diff_s"] = round(max(d for _, d in checks), 6)
        fig["speedup_vs_pgrouting"] = round(fig["pgrouting_many_to_one_ms"] / fig["recommend_p50_ms"], 1)
        fig["speedup_vs_pgrouting_at_p99"] = round(fig["pgrouting_many_to_one_ms"] / fig["recommend_p99_ms"], 1)
        fig["speedup_one_run_vs_pgrouting"] = round(fig["pgrouting_many_to_one_ms"] / fig["scipy_one_run_ms"], 1)
    fig.update(_memory(path))
    return {f"routing_{name}_{k}": v for k, v in fig.items()}


_IMPORT_PROBE = r"""
import json, resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
from routing.import_roads import import_roads, write_import
result = import_roads(sys.argv[1], source="generated", licence="benchmark")
write_import(result, Path(sys.argv[2]))
seconds = time.perf_counter() - t0
print(json.dumps({"s": seconds, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "nodes": result.graph.n_nodes, "edges": result.graph.n_edges,
                  "ways": result.report.ways_read, "dropped": len(result.report.dropped)}))
"""

#: Street spacing of the generated 100,000-way layer (one feature per block side), metres.
ROADS_SPACING_M = 71.0


def _import_probe(path: Path, out: Path) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT_DIR))
    done = subprocess.run([sys.executable, "-c", _IMPORT_PROBE, str(path), str(out)], capture_output=True, text=True,
                          env=env, cwd=ROOT_DIR, timeout=600, check=True)
    data: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return data


def _corrections_for(graph: TravelGraph, seed: int) -> list[Any]:
    """20 active closures (10 areas, 10 road stretches) and 4 links, spread over the network."""
    from shapely.geometry import LineString, box

    from routing.corrections import Closure, Connector

    rng = np.random.default_rng(seed)
    out: list[Any] = []
    nodes = rng.choice(np.flatnonzero(graph.routable), 40, replace=False)
    for k, n in enumerate(nodes[:20].tolist()):
        x, y = float(graph.x_m[n]), float(graph.y_m[n])
        if k % 2 == 0:
            (x0, x1), (y0, y1) = to_lonlat([x - 60, x + 60], [y - 60, y + 60])
            out.append(Closure(box(x0, y0, x1, y1), reason="flood", name=f"area {k}"))
        else:
            e = int(graph.indptr[n])
            line = graph.edge_line_utm(e)
            lon, lat = to_lonlat(line[:, 0] + 3.0, line[:, 1] + 3.0)
            out.append(Closure(LineString(np.column_stack([lon, lat])), reason="works", name=f"stretch {k}"))
    for k in range(4):
        a, b = int(nodes[20 + 2 * k]), int(nodes[21 + 2 * k])
        out.append(Connector(kind="link", a=(float(graph.lon[a]), float(graph.lat[a])),
                             b=(float(graph.lon[b]), float(graph.lat[b])), length_m=800.0, speed_kmh=30.0,
                             name=f"link {k}", source="benchmark"))
    return out


def _pandana(graph: TravelGraph, unit_nodes: np.ndarray,
             targets: list[int]) -> tuple[float, list[dict[int, float]], float]:
    """Contraction hierarchies (pandana): seconds per incident, times per unit node, preprocessing seconds."""
    import contextlib
    import io

    import pandana  # type: ignore[import-untyped]
    import pandas as pd

    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        net = pandana.Network(pd.Series(graph.x_m), pd.Series(graph.y_m), pd.Series(graph.edge_src.astype(np.int64)),
                              pd.Series(graph.indices.astype(np.int64)),
                              pd.DataFrame({"t": graph.time_s}), twoway=False)
    prep = time.perf_counter() - t0
    seconds, results = [], []
    src = unit_nodes.astype(np.int64)
    for target in targets:
        t1 = time.perf_counter()
        times = net.shortest_path_lengths(src.tolist(), [target] * src.size, imp_name="t")
        seconds.append(time.perf_counter() - t1)
        out = {int(n): float(t) for n, t in zip(src.tolist(), times) if t < 1e300 and np.isfinite(t)}
        results.append(out)
    return float(np.median(seconds)), results, prep


def run_roads(*, write: bool = True) -> dict[str, Any]:
    """Imported road data: import time and memory, corrected 50k-node recommendation, pandana CH."""
    from routing._synthetic import kendari_road_layer, write_layer, write_osm
    from routing.corrections import apply_corrections
    from routing.network import load_network

    started = time.perf_counter()
    fig: dict[str, Any] = {"roads_load_average_1min_start": load_average()}
    with tempfile.TemporaryDirectory(prefix="bench-roads-") as tmpdir:
        tmp = Path(tmpdir)
        t0 = time.perf_counter()
        layer = kendari_road_layer(ROADS_SPACING_M, seed=1, max_run=1, gap_share=0.01)
        gpkg, pbf = tmp / "jalan_100k.gpkg", tmp / "jalan_100k.osm.pbf"
        write_layer(layer, gpkg)
        write_osm(layer, pbf)
        fig["roads_generate_100k_s"] = round(time.perf_counter() - t0, 1)
        fig["roads_import_100k_ways"] = len(layer)
        for name, path in (("pbf", pbf), ("gpkg", gpkg)):
            probe = _import_probe(path, tmp / f"out_{name}")
            fig[f"roads_import_{name}_100k_s"] = round(probe["s"], 2)
            fig[f"roads_import_{name}_100k_rss_mb"] = round(probe["rss_mb"], 1)
            fig[f"roads_import_{name}_100k_nodes"] = int(probe["nodes"])
        fig["roads_import_gpkg_file_mb"] = round(gpkg.stat().st_size / 1e6, 1)
        fig["roads_import_pbf_file_mb"] = round(pbf.stat().st_size / 1e6, 1)

        # the imported network, corrected: 20 closures and 5 connectors (4 links + the shipped bridge)
        roads = tmp / "out_gpkg" / "network.npz"
        base = load_network(roads_path=roads, cache_dir=None)
        corrections = _corrections_for(base, seed=3)
        t0 = time.perf_counter()
        graph = load_network(roads_path=roads, corrections=corrections, cache_dir=None)
        fig["corrections_load_50k_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        applied = graph.meta["corrections"]
        fig["recommend_50k_nodes"] = graph.n_nodes
        fig["recommend_50k_closures"] = sum(1 for c in applied if c.get("kind") == "closure" and c.get("applied"))
        fig["recommend_50k_connectors"] = sum(1 for c in applied if c.get("kind") in ("bridge", "ferry", "link")
                                              and c.get("applied"))
        t0 = time.perf_counter()
        apply_corrections(base, corrections)
        fig["corrections_apply_50k_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        t0 = time.perf_counter()
        _ = graph.segments
        fig["segment_index_50k_ms"] = round((time.perf_counter() - t0) * 1000, 1)

        rng = np.random.default_rng(7)
        among = np.flatnonzero(graph.routable)
        units, busy = _fleet(graph, 17, among)
        nodes = rng.choice(among, 300)
        dx, dy = rng.uniform(-90, 90, nodes.size), rng.uniform(-90, 90, nodes.size)
        ilon, ilat = to_lonlat(graph.x_m[nodes] + dx, graph.y_m[nodes] + dy)
        incidents = [(float(a), float(b)) for a, b in zip(ilon, ilat)]
        lat_fig = _latency(graph, incidents, units, busy)
        fig["recommend_50k_corrections_p50_ms"] = lat_fig["recommend_p50_ms"]
        fig["recommend_50k_corrections_p90_ms"] = lat_fig["recommend_p90_ms"]
        fig["recommend_50k_corrections_p99_ms"] = lat_fig["recommend_p99_ms"]
        fig["recommend_50k_corrections_cpu_p99_ms"] = lat_fig["recommend_cpu_p99_ms"]
        fig["recommend_50k_corrections_runs"] = lat_fig["recommend_runs"]

        # pandana contraction hierarchies on the same corrected network, node to node
        unit_nodes = _unit_nodes(graph, units)
        targets = [int(t) for t in rng.choice(among, 20)]
        core = []
        ours = []
        for t in targets:
            t1 = time.perf_counter()
            ours.append(_scipy_times(graph, t, unit_nodes))
            core.append(time.perf_counter() - t1)
        per_incident, theirs, prep = _pandana(graph, unit_nodes, targets)
        fig["pandana_ch_preprocess_s"] = round(prep, 2)
        fig["pandana_ch_200_units_ms"] = round(per_incident * 1000, 2)
        fig["scipy_one_run_50k_ms"] = round(float(np.median(core)) * 1000, 2)
        checks = [_agree({k: round(v, 2) for k, v in a.items()}, {k: round(v, 2) for k, v in b.items()})
                  for a, b in zip(ours, theirs)]
        fig["pandana_rankings_agree"] = all(ok for ok, _ in checks)
        fig["pandana_max_diff_s"] = round(max(d for _, d in checks), 4)
        pandana_ms = fig["pandana_ch_200_units_ms"]
        fig["recommend_vs_pandana_ratio"] = round(fig["recommend_50k_corrections_p50_ms"] / pandana_ms, 2)
        fig["scipy_vs_pandana_ratio"] = round(fig["scipy_one_run_50k_ms"] / fig["pandana_ch_200_units_ms"], 2)
    fig["roads_load_average_1min_end"] = load_average()
    fig["roads_bench_s"] = round(time.perf_counter() - started, 1)
    if write:
        merge_results(fig)
    return fig


def run(*, write: bool = True, with_pgrouting: bool = True) -> dict[str, Any]:
    """Run the routing benchmark; merge the figures into ``bench/results.json`` and return them."""
    started = time.perf_counter()
    figures: dict[str, Any] = {"routing_load_average_1min_start": load_average(),
                               "routing_cpu_count": os.cpu_count()}
    pg: _PgRouting | None = None
    if with_pgrouting:
        try:
            pg = _PgRouting()
            figures["routing_pgrouting_version"] = pg.version
        except Exception as exc:  # report, keep the other figures
            figures["routing_pgrouting_error"] = f"{type(exc).__name__}: {exc}"
    try:
        with tempfile.TemporaryDirectory(prefix="bench-routing-") as tmpdir:
            tmp = Path(tmpdir)
            t0 = time.perf_counter()
            approx = build_approximate_graph(load_config())
            figures.update(_bench_graph("approx", approx, time.perf_counter() - t0, pg, tmp, seed=11))
            t0 = time.perf_counter()
            road = road_like_graph(ROAD_NODES, seed=5)
            figures.update(_bench_graph("road50k", road, time.perf_counter() - t0, pg, tmp, seed=13))
    finally:
        if pg is not None:
            pg.close()
    figures["routing_load_average_1min_end"] = load_average()
    figures["routing_bench_s"] = round(time.perf_counter() - started, 1)
    figures.update(run_roads(write=False))
    if write:
        merge_results(figures)
    return figures


if __name__ == "__main__":
    result = run_roads() if "--roads-only" in sys.argv[1:] else run()
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
