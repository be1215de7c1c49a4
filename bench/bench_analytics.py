"""Analytics benchmark: the leadership dashboard on 1,000,000 incidents, CSV import throughput, memory.

Run with ``.venv/bin/python -m bench.bench_analytics`` (or ``make bench``); figures are merged into
``bench/results.json`` under ``analytics_*`` keys.

* Database ``bench_analytics`` in the benchmark cluster (``var/bench-pg``, port 54331): schema and
  geography (``services.bootstrap.prepare``), then 1,000,000 incidents (~2.3 million calls) from the
  demo generator at scale (``demo.seed(n_incidents=1_000_000, with_events=False, bulk=True)``).
  The data is kept between runs (re-seeded only when the count differs).
* The fact tables and their rollups (per-day column blocks, per-day call histograms) are built
  once from scratch (``analytics_facts_build_s``, the cost of a first start or a rebuild), then
  the **full dashboard recompute for a 12-month range** is timed (``services.analytics.dashboard``
  without a stored result: every figure of the page, read from the day blocks merged into exact
  histograms; reads never refresh), warm, several times: target ≤ 0.5 s. Variants with a filter,
  a 6-month view (whose previous period has data too) and the API are timed too, and the
  rebuild of one day's block (what the background refresher does when a day changes).
* **Two leaders at once**: two threads load the same 12-month dashboard as the page does (the
  stored results forgotten first, so it is computed); the wall time until both are done
  (``analytics_dashboard_two_leaders_s``, median of a few runs) against one leader loading it
  alone in the same way (``analytics_dashboard_one_leader_s``); target: ratio ≤ 1.2. For
  reference, two leaders loading two *different* views at once share the two cores
  (``analytics_dashboard_two_views_s``).
* RSS of this process (it runs the same code as a web worker) is sampled every 5 ms during the
  recompute (psutil).
* CSV import: a valid file of 20,000 incidents and their unit responses into a fresh database,
  validated and stored in one transaction (rows/s).
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil

from settings import VAR_DIR

N_INCIDENTS = 1_000_000
N_IMPORT = 20_000
RUNS = 5
LEADER_RUNS = 5
BENCH_PG_PORT = 54331
BENCH_DB = "bench_analytics"
IMPORT_DB = "bench_analytics_import"


def _cluster() -> Any:
    from store.cluster import EmbeddedCluster

    return EmbeddedCluster(Path(VAR_DIR / "bench-pg"), port=BENCH_PG_PORT)


def _prepared(name: str, *, fresh: bool = False) -> Any:
    import psycopg
    from psycopg import sql

    from services.bootstrap import prepare
    from store.db import Database

    cluster = _cluster()
    admin = cluster.ensure("postgres")
    if fresh:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    db = Database(cluster.ensure(name), max_size=10)
    prepare(db)
    return db


def _seed_million(db: Any) -> dict[str, Any]:
    import demo

    with db.transaction() as cur:
        cur.execute("SELECT count(*) AS n, min(created_at) AS lo, max(created_at) AS hi FROM incidents")
        row = cur.fetchone()
    if int(row["n"]) == N_INCIDENTS:
        return {"analytics_seed_reused": True}
    if int(row["n"]):
        db.close()
        db = _prepared(BENCH_DB, fresh=True)
    t0 = time.perf_counter()
    counts = demo.seed(db, n_incidents=N_INCIDENTS, with_events=False, bulk=True)
    seconds = time.perf_counter() - t0
    with db.connection() as conn:
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    return {"analytics_seed_reused": False, "analytics_seed_s": round(seconds, 1),
            "analytics_seed_counts": counts}


class _RssSampler:
    """Peak RSS of this process while running (sampled in a thread)."""

    def __init__(self, interval_s: float = 0.005) -> None:
        self.proc = psutil.Process()
        self.interval_s = interval_s
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(self.interval_s)

    def __enter__(self) -> _RssSampler:
        self.before = self.proc.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)


def _dashboard_figures(db: Any) -> dict[str, Any]:
    from analytics.period import WITA, Filters, days_period
    from services import analytics as sa

    t0 = time.perf_counter()
    built = sa.rebuild_facts(db)
    build_s = time.perf_counter() - t0
    with db.connection() as conn:
        conn.autocommit = True
        for table in ("analytics_incident_facts", "analytics_calls_daily", "analytics_day_blocks",
                      "analytics_day_counts", "analytics_call_blocks"):
            conn.execute(f"VACUUM ANALYZE {table}")
        sizes = conn.execute("SELECT pg_total_relation_size('analytics_day_blocks'),"
                             " pg_total_relation_size('analytics_incident_facts'),"
                             " (SELECT count(*) FROM analytics_day_blocks)").fetchone()
    _, hi = sa.data_range(db)
    last = (hi or datetime.now(UTC)).astimezone(WITA).date()
    twelve = Filters(*days_period(last - timedelta(days=364), last))
    sa.dashboard(db, twelve, share_result=False)               # warm-up: catalog, plans, caches
    times, seconds = [], []
    with _RssSampler() as rss:
        for _ in range(RUNS):
            t = time.perf_counter()
            d = sa.dashboard(db, twelve, share_result=False)
            times.append(time.perf_counter() - t)
            seconds.append(d.seconds)
    variants = {}
    for name, f in (("type_medical", Filters(twelve.start, twelve.end, incident_types=("medical",))),
                    ("agency_police", Filters(twelve.start, twelve.end, agency="POLICE")),
                    ("kecamatan", Filters(twelve.start, twelve.end, kecamatan=next(iter(d.names.kecamatan)))),
                    ("6_months", Filters(*days_period(last - timedelta(days=181), last))),
                    ("30_days", Filters(*days_period(last - timedelta(days=29), last)))):
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            sa.dashboard(db, f, share_result=False)
            runs.append(time.perf_counter() - t)
        variants[f"analytics_dashboard_{name}_s"] = round(statistics.median(runs), 3)
    api = {}
    for group_by in ("kecamatan", "type"):
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            sa.response_times(db, twelve, group_by=group_by)
            runs.append(time.perf_counter() - t)
        api[group_by] = statistics.median(runs)
    api_s = api["kecamatan"]
    t = time.perf_counter()
    with db.transaction() as cur:
        from store import analytics as store_analytics

        store_analytics._rebuild_blocks(cur, [last])
    day_block_s = time.perf_counter() - t
    return {
        "analytics_incidents_in_range": d.overall.incidents,
        "analytics_calls_in_range": d.calls.total,
        "analytics_facts_rows": built,
        "analytics_facts_build_s": round(build_s, 2),
        "analytics_dashboard_12m_s_median": round(statistics.median(times), 3),
        "analytics_dashboard_12m_s_min": round(min(times), 3),
        "analytics_dashboard_12m_s_max": round(max(times), 3),
        "analytics_dashboard_12m_target_s": 0.5,
        "analytics_day_blocks_mb": round(sizes[0] / 2**20, 1),
        "analytics_facts_mb": round(sizes[1] / 2**20, 1),
        "analytics_day_blocks_rows": int(sizes[2]),
        "analytics_day_block_rebuild_s": round(day_block_s, 3),
        "analytics_api_response_times_type_12m_s": round(api["type"], 3),
        "analytics_dashboard_12m_runs": RUNS,
        "analytics_dashboard_rss_mb_before": round(rss.before / 2**20, 1),
        "analytics_dashboard_rss_mb_peak": round(rss.peak / 2**20, 1),
        "analytics_api_response_times_kecamatan_12m_s": round(api_s, 3),
        **variants,
        **_leaders_figures(db, twelve),
    }


def _at_once(loads: list[Any]) -> float:
    """Wall seconds until every load (a callable), each in its own thread started together, is done."""
    start = threading.Barrier(len(loads) + 1)
    errors: list[BaseException] = []

    def run(load: Any) -> None:
        start.wait()
        try:
            load()
        except BaseException as exc:  # reported below, in the benchmark's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(load,)) for load in loads]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - t0


def _leaders_figures(db: Any, twelve: Any) -> dict[str, Any]:
    """One leader alone vs two leaders at once loading the 12-month dashboard (computed each time)."""
    from analytics.period import Filters
    from services import analytics as sa

    def load(f: Any = twelve) -> Any:
        return sa.dashboard(db, f)

    other = Filters(twelve.start, twelve.end, incident_types=("medical",))
    one, two, views = [], [], []
    for _ in range(LEADER_RUNS):
        sa.forget_shared_results(db)
        one.append(_at_once([load]))
        sa.forget_shared_results(db)
        two.append(_at_once([load, load]))
        sa.forget_shared_results(db)
        views.append(_at_once([load, lambda: load(other)]))
    one_s, two_s = statistics.median(one), statistics.median(two)
    return {
        "analytics_dashboard_one_leader_s": round(one_s, 3),
        "analytics_dashboard_two_leaders_s": round(two_s, 3),
        "analytics_two_leaders_ratio": round(two_s / one_s, 3),
        "analytics_two_leaders_target_ratio": 1.2,
        "analytics_two_leaders_runs": LEADER_RUNS,
        "analytics_two_leaders_target_s": 1.0,
        "analytics_dashboard_two_views_s": round(statistics.median(views), 3),
    }


def _import_file(db: Any, n: int) -> tuple[str, int]:
    """A valid CSV of ``n`` incidents (and ~0.6 unit rows each) inside Kendari."""
    from analytics.csv_import import COLUMNS
    from analytics.period import WITA

    with db.transaction() as cur:
        cur.execute("SELECT ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM kelurahan")
        points = [(r["lon"], r["lat"]) for r in cur.fetchall()]
        for i in range(20):
            cur.execute("INSERT INTO units (callsign, unit_type, agency_code) VALUES (%s, 'ambulance', 'PSC119')"
                        " ON CONFLICT (callsign) DO NOTHING", (f"IMP-{i:02d}",))
    rng = random.Random(112)
    start = datetime(2025, 7, 1, tzinfo=WITA)
    lines = [",".join(COLUMNS)]
    rows = 0
    types = ("medical", "crime", "street_light", "traffic_accident", "structure_fire", "flood")
    for i in range(n):
        t0 = start + timedelta(seconds=rng.randint(0, 300 * 86400))
        lon, lat = rng.choice(points)
        iso = lambda s, t0=t0: (t0 + timedelta(seconds=s)).isoformat()  # noqa: E731
        itype = rng.choice(types)
        closed = rng.random() < 0.8
        lines.append(f"incident,HIST-{i:07d},{itype},,{lon:.6f},{lat:.6f},Jl. Contoh {i},,{iso(0)},{iso(8)},"
                     f"{iso(60)},{iso(5400) if closed else ''},{'resolved' if closed else ''},,,,,,,")
        rows += 1
        if itype not in ("street_light",):
            lines.append(f"unit,HIST-{i:07d},,,,,,,,,,,,IMP-{rng.randint(0, 19):02d},{iso(120)},{iso(170)},"
                         f"{iso(170 + rng.randint(120, 900))},,,{iso(3600)}")
            rows += 1
    return "\n".join(lines) + "\n", rows


def _import_figures() -> dict[str, Any]:
    from services import imports as si

    db = _prepared(IMPORT_DB, fresh=True)
    try:
        text, rows = _import_file(db, N_IMPORT)
        t = time.perf_counter()
        parsed = si.validate(db, text)
        validate_s = time.perf_counter() - t
        assert parsed.ok, parsed.errors[:5]
        t = time.perf_counter()
        result = si.import_incidents(db, text, actor="bench", filename="bench.csv")
        total_s = time.perf_counter() - t
        assert result.ok, result.errors[:5]
    finally:
        db.close()
    return {
        "analytics_import_rows": rows,
        "analytics_import_incidents": N_IMPORT,
        "analytics_import_bytes": len(text.encode()),
        "analytics_import_validate_s": round(validate_s, 2),
        "analytics_import_total_s": round(total_s, 2),
        "analytics_import_rows_per_s": round(rows / total_s),
        "analytics_import_validate_rows_per_s": round(rows / validate_s),
    }


def run() -> dict[str, Any]:
    """Seed (or reuse) 1,000,000 incidents, time the dashboard and the import; merge the figures."""
    from bench._common import load_average, merge_results

    figures: dict[str, Any] = {"analytics_load_average_start": load_average()}
    db = _prepared(BENCH_DB)
    try:
        figures.update(_seed_million(db))
        figures.update(_dashboard_figures(db))
    finally:
        db.close()
    figures.update(_import_figures())
    figures["analytics_load_average_end"] = load_average()
    figures["analytics_measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    merge_results(figures)
    return figures


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2, default=str))
