"""Dispatch benchmark: the app under gunicorn (2 workers) on loopback, against a scratch database.

Run with ``.venv/bin/python -m bench bench_dispatch`` (or ``make bench``); figures are merged
into ``bench/results.json`` under keys ``dispatch_*``.

Set-up: a scratch database ``k112_bench_dispatch`` in the bench cluster (``var/bench-pg``,
port 54331) with the schema, catalog and geography, 200 units at the stations and 500 open
incidents; ``gunicorn -w 2 'app:create_server()'`` on a free loopback port. Measured:

* ``POST /api/v1/incidents`` and ``GET /api/v1/incidents/{id}/recommendations`` with 20
  concurrent clients, two ways: *closed loop* (each client sends its next request as soon as
  the previous one returns: the saturation point of two workers on this machine) and *paced*
  (the 20 clients together send a steady 40, then 100 requests/s — far above a city 112
  centre's busiest hour); latency p50/p99 (from when each request was due) and throughput;
* the dispatch page's refresh callbacks (``POST /_dash-update-component`` for the board, the
  incident panel with its recommendation, and the map) with 500 open incidents and 200 units,
  one logged-in dispatcher, sequential: server time as seen on loopback;
* position updates (``POST /api/v1/units/{id}/position``) paced at 200 requests/s for 30 s:
  errors, p50/p99.

Only loopback traffic; every loop is bounded by a request count or a deadline.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from settings import ROOT_DIR, VAR_DIR

BENCH_PG_DIR = VAR_DIR / "bench-pg"
BENCH_PG_PORT = 54331
DB_NAME = "k112_bench_dispatch"
TOKEN = "bench-dispatch-token"
PASSWORD = "bench-password-112"
UNITS = 200
OPEN_INCIDENTS = 500
CLIENTS = 20
CLOSED_LOOP_REQUESTS = 600
#: Paced loads shared by the 20 clients: 2 and 5 requests/s per client.
PACED_RATES_PER_S = (40.0, 100.0)
PACED_SECONDS = 10.0
CALLBACK_RUNS = 30
POSITION_RATE_PER_S = 200.0
POSITION_SECONDS = 30.0
#: Targets from issue 4.
TARGET_API_P99_MS = 50.0
TARGET_REFRESH_MS = 150.0
TARGET_POSITION_P99_MS = 50.0

#: Unit types and their home station categories.
_FLEET = (("ambulance", "PSC119", "puskesmas", 70), ("fire_engine", "DAMKAR", "fire_post", 40),
          ("water_tanker", "DAMKAR", "fire_post", 10), ("rescue", "DAMKAR", "fire_post", 15),
          ("police_patrol", "POLICE", "police_station", 55), ("bpbd_rescue", "BPBD", "bpbd_post", 10))
_TYPES = ("medical", "traffic_accident", "structure_fire", "crime", "fallen_tree", "disturbance", "flood")


# --- HTTP on loopback ---------------------------------------------------------------------------
class Client:
    """A minimal HTTP/1.1 client on one loopback connection (re-opened when the server closes it)."""

    def __init__(self, port: int, *, headers: dict[str, str] | None = None) -> None:
        self.port = port
        self.headers = headers or {}
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes, float]:
        data = None if body is None else json.dumps(body).encode()
        headers = dict(self.headers)
        if data is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            t0 = time.perf_counter()
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                payload = resp.read()
                elapsed = time.perf_counter() - t0
                if resp.getheader("Connection", "").lower() == "close" or resp.will_close:
                    self.conn.close()
                    self.conn = None
                return resp.status, payload, elapsed
            except (http.client.HTTPException, OSError):
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise RuntimeError("unreachable")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- set-up -------------------------------------------------------------------------------------
def _prepare_database() -> tuple[Any, str, Any]:
    import psycopg
    from psycopg import sql

    from services.bootstrap import prepare
    from store.cluster import EmbeddedCluster
    from store.db import Database

    cluster = EmbeddedCluster(BENCH_PG_DIR, port=BENCH_PG_PORT)
    admin = cluster.ensure("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DB_NAME)))
    url = cluster.ensure(DB_NAME)
    db = Database(url, max_size=4)
    prepare(db)
    return cluster, url, db


def _seed(db: Any) -> dict[str, Any]:
    from auth.passwords import hash_password
    from incidents.model import Actor
    from layers.geodata import point_in_city
    from services import incidents as service
    from services.resources import Resources
    from store import users

    rng = random.Random(112)
    users.create_user(db, username="bench-dispatcher", password_hash=hash_password(PASSWORD), role="dispatcher")
    unit_ids: list[int] = []
    with db.transaction() as cur:
        for unit_type, agency, category, count in _FLEET:
            cur.execute("SELECT id FROM facilities WHERE category = %s ORDER BY id", (category,))
            homes = [r["id"] for r in cur.fetchall()]
            for i in range(count):
                cur.execute("INSERT INTO units (callsign, unit_type, agency_code, home_facility_id)"
                            " VALUES (%s, %s, %s, %s) RETURNING id",
                            (f"{unit_type[:3].upper()}-{i + 1:03d}", unit_type, agency, homes[i % len(homes)]))
                unit_ids.append(int(cur.fetchone()["id"]))
    points = _land_points(rng, OPEN_INCIDENTS + 2000, point_in_city)
    actor = Actor("bench")
    res = Resources(db)
    incident_ids = []
    for lon, lat in points[:OPEN_INCIDENTS]:
        new = service.prepare_incident(db, res, {"lat": lat, "lon": lon, "type": rng.choice(_TYPES)})
        incident_ids.append(service.create_incident(db, new, actor).id)
    # a realistic share of the fleet is busy: 60 units on 40 of the open incidents
    busy = rng.sample(unit_ids, 60)
    for k, uid in enumerate(busy):
        service.assign_unit(db, incident_ids[k % 40], uid, actor)
        if k % 2:
            service.set_unit_status(db, uid, "en_route", actor)
    return {"units": unit_ids, "incidents": incident_ids, "points": points[OPEN_INCIDENTS:], "busy": set(busy)}


def _land_points(rng: random.Random, n: int, inside: Callable[..., bool]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for _ in range(n * 20):
        if len(out) >= n:
            break
        lon, lat = rng.uniform(122.44, 122.63), rng.uniform(-4.07, -3.92)
        if inside(lon, lat):
            out.append((round(lon, 6), round(lat, 6)))
    return out


def _start_gunicorn(url: str, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, DATABASE_URL=url, KENDARI112_API_TOKEN=TOKEN, KENDARI112_SEED_DEMO="0",
               KENDARI112_BASEMAP="offline", KENDARI112_SECRET_KEY="bench-secret")
    cmd = [str(Path(sys.executable).with_name("gunicorn")), "-w", "2", "-b", f"127.0.0.1:{port}",
           "--log-level", "warning", "app:create_server()"]
    proc = subprocess.Popen(cmd, cwd=ROOT_DIR, env=env, stdout=log_path.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited:\n" + log_path.read_text(errors="replace")[-2000:])
        try:
            status, _, _ = Client(port).request("GET", "/healthz")
            if status == 200:
                return proc
        except OSError:
            time.sleep(0.1)  # not listening yet
        time.sleep(0.2)
    _stop(proc)
    raise RuntimeError("gunicorn did not become healthy within 60 s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


# --- measurements ---------------------------------------------------------------------------------
def _closed_loop(port: int, make: Callable[[int], tuple[str, str, Any]], total: int,
                 ok: tuple[int, ...]) -> dict[str, Any]:
    """``CLIENTS`` threads, each sending its next request when the previous returns."""
    counter = iter(range(total))
    lock = threading.Lock()
    samples: list[float] = []
    errors: list[int] = []

    def worker() -> None:
        client = Client(port, headers={"Authorization": f"Bearer {TOKEN}"})
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            method, path, body = make(i)
            status, _, elapsed = client.request(method, path, body)
            with lock:
                samples.append(elapsed)
                if status not in ok:
                    errors.append(status)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    wall = time.perf_counter() - t0
    return _summary(samples, errors, wall)


def _paced(port: int, make: Callable[[int], tuple[str, str, Any]], rate: float, seconds: float,
           ok: tuple[int, ...], workers: int) -> dict[str, Any]:
    """Open loop: request i is due at ``i / rate`` s; latency counts from when it was due."""
    total = int(rate * seconds)
    samples: list[float] = [0.0] * total
    status_of: list[int] = [0] * total
    local = threading.local()
    start = time.perf_counter() + 0.2

    def send(i: int) -> None:
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = Client(port, headers={"Authorization": f"Bearer {TOKEN}"})
        method, path, body = make(i)
        try:
            status, _, _ = client.request(method, path, body)
        except OSError:
            status = 0
        samples[i] = time.perf_counter() - due
        status_of[i] = status

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(send, range(total)))
    wall = time.perf_counter() - start
    errors = [s for s in status_of if s not in ok]
    out = _summary(samples, errors, wall)
    out["target_rate_per_s"] = rate
    return out


def _summary(samples: list[float], errors: list[int], wall: float) -> dict[str, Any]:
    from bench._common import percentiles_ms

    p50, p90, p99 = percentiles_ms(samples, (50, 90, 99))
    return {"requests": len(samples), "errors": len(errors), "error_statuses": sorted(set(errors)),
            "p50_ms": p50, "p90_ms": p90, "p99_ms": p99, "max_ms": round(max(samples) * 1000, 2),
            "throughput_per_s": round(len(samples) / wall, 1)}


def _login(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = f"username=bench-dispatcher&password={PASSWORD}&next=/dispatch"
    conn.request("POST", "/login", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    resp = conn.getresponse()
    resp.read()
    cookie = resp.getheader("Set-Cookie") or ""
    conn.close()
    if resp.status != 302 or "k112_session=" not in cookie:
        raise RuntimeError(f"bench login failed: {resp.status}")
    return cookie.split(";")[0]


def _callback_payload(outputs: list[tuple[str, str]], inputs: list[tuple[str, str, Any]],
                      changed: str) -> dict[str, Any]:
    if len(outputs) == 1:
        key = f"{outputs[0][0]}.{outputs[0][1]}"
        outs: Any = {"id": outputs[0][0], "property": outputs[0][1]}
    else:
        key = ".." + "...".join(f"{i}.{p}" for i, p in outputs) + ".."
        outs = [{"id": i, "property": p} for i, p in outputs]
    return {"output": key, "outputs": outs, "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
            "changedPropIds": [changed], "state": []}


def _refresh_callbacks(port: int, incident_id: int) -> dict[str, Any]:
    """Server time of the page's refresh callbacks (sequential, one dispatcher)."""
    from bench._common import percentiles_ms

    cookie = _login(port)
    # a browser sends its Origin with every state change; the app refuses requests without it (web/security.py)
    client = Client(port, headers={"Cookie": cookie, "Origin": f"http://127.0.0.1:{port}"})
    status, _, _ = client.request("GET", "/dispatch")
    if status != 200:
        raise RuntimeError(f"/dispatch answered {status}")
    board = _callback_payload([("dispatch-queue", "rowData"), ("dispatch-units", "rowData"),
                               ("dispatch-summary", "children"), ("dispatch-board-ver", "data")],
                              [("dispatch-need-board", "data", "bench")], "dispatch-need-board.data")
    board["state"] = [{"id": "dispatch-thresholds", "property": "data", "value": None}]
    detail = _callback_payload([("dispatch-detail", "children"), ("dispatch-rec", "data"),
                                ("dispatch-actions", "style"), ("dispatch-close-bar", "style"),
                                ("dispatch-routing-model", "children"), ("dispatch-plan-summary", "children"),
                                ("dispatch-detail-ver", "data"), ("dispatch-close-confirm", "children")],
                               [("dispatch-need-detail", "data",
                                 {"selected": incident_id, "version": "bench", "reselect": True})],
                               "dispatch-need-detail.data")
    detail["state"] = [{"id": "dispatch-rec", "property": "data", "value": None}]
    results: dict[str, Any] = {}
    rec_store = None
    for name, payload in (("board", board), ("detail", detail)):
        times = []
        size = 0
        for _ in range(CALLBACK_RUNS + 3):
            status, body, elapsed = client.request("POST", "/_dash-update-component", payload)
            if status != 200:
                raise RuntimeError(f"callback {name} answered {status}: {body[:300]!r}")
            times.append(elapsed)
            size = len(body)
            if name == "detail":
                rec_store = json.loads(body)["response"]["dispatch-rec"]["data"]
        p50, p99 = percentiles_ms(times[3:])
        results[name] = {"p50_ms": p50, "p99_ms": p99, "response_kb": round(size / 1024, 1)}
    def map_payload(base: Any) -> dict[str, Any]:
        payload = _callback_payload([("dispatch-map", "figure"), ("dispatch-map-base", "data"),
                                     ("dispatch-map-drawn", "data")],
                                    [("dispatch-rec", "data", rec_store), ("dispatch-ver-pos", "data", "bench"),
                                     ("dispatch-ver-events", "data", "bench"), ("dispatch-draft", "data", None)],
                                    "dispatch-ver-events.data")
        # nothing drawn yet: every live slot is sent (the largest in-place refresh)
        payload["state"] = [{"id": "dispatch-map-base", "property": "data", "value": base},
                            {"id": "dispatch-map-drawn", "property": "data", "value": None}]
        return payload

    base = None
    for name in ("map_first", "map"):  # the whole figure on page load, then in-place refreshes
        times = []
        for _ in range(CALLBACK_RUNS + 3):
            status, body, elapsed = client.request("POST", "/_dash-update-component", map_payload(base))
            if status != 200:
                raise RuntimeError(f"callback map answered {status}: {body[:300]!r}")
            times.append(elapsed)
        if base is None:
            base = json.loads(body)["response"]["dispatch-map-base"]["data"]
        p50, p99 = percentiles_ms(times[3:])
        results[name] = {"p50_ms": p50, "p99_ms": p99, "response_kb": round(len(body) / 1024, 1)}
    poll = _callback_payload([("dispatch-ver-events", "data"), ("dispatch-ver-pos", "data")],
                             [("dispatch-tick", "n_intervals", 1)], "dispatch-tick.n_intervals")
    poll["state"] = [{"id": "dispatch-ver-events", "property": "data", "value": "x"},
                     {"id": "dispatch-ver-pos", "property": "data", "value": {"v": "y", "t": 0}}]
    times = [client.request("POST", "/_dash-update-component", poll)[2] for _ in range(CALLBACK_RUNS)]
    results["poll"] = dict(zip(("p50_ms", "p99_ms"), percentiles_ms(times)))
    return results


def run() -> dict[str, Any]:
    """Set up, measure, tear down; merge the figures into bench/results.json and return them."""
    from bench._common import load_average, merge_results

    t_start = time.perf_counter()
    cluster, url, db = _prepare_database()
    proc = None
    try:
        seeded = _seed(db)
        port = _free_port()
        proc = _start_gunicorn(url, port, VAR_DIR / "bench-dispatch-gunicorn.log")
        warm = Client(port, headers={"Authorization": f"Bearer {TOKEN}"})
        for inc in seeded["incidents"][:6]:  # both workers load the travel graph
            warm.request("GET", f"/api/v1/incidents/{inc}/recommendations")
        points = seeded["points"]
        rng = random.Random(7)

        def create(i: int) -> tuple[str, str, Any]:
            lon, lat = points[i % len(points)]
            return "POST", "/api/v1/incidents", {"lat": lat, "lon": lon, "type": _TYPES[i % len(_TYPES)],
                                                  "description": "bench", "caller_phone": "0812 0000 0000"}

        incidents = seeded["incidents"]

        def recommend(i: int) -> tuple[str, str, Any]:
            return "GET", f"/api/v1/incidents/{incidents[(i * 7) % len(incidents)]}/recommendations", None

        idle_units = [u for u in seeded["units"] if u not in seeded["busy"]]

        def position(i: int) -> tuple[str, str, Any]:
            lon, lat = points[rng.randrange(len(points))]
            return "POST", f"/api/v1/units/{idle_units[i % len(idle_units)]}/position", {"lat": lat, "lon": lon}

        figures: dict[str, Any] = {"load_average_before": load_average()}
        # the page first, while exactly OPEN_INCIDENTS incidents are open
        figures["refresh"] = _refresh_callbacks(port, incidents[0])
        figures["recommend_closed_loop"] = _closed_loop(port, recommend, CLOSED_LOOP_REQUESTS, (200,))
        for rate in PACED_RATES_PER_S:
            figures[f"recommend_paced_{rate:.0f}"] = _paced(port, recommend, rate, PACED_SECONDS, (200,), CLIENTS)
        figures["create_closed_loop"] = _closed_loop(port, create, CLOSED_LOOP_REQUESTS, (201,))
        for rate in PACED_RATES_PER_S:
            figures[f"create_paced_{rate:.0f}"] = _paced(port, create, rate, PACED_SECONDS, (201,), CLIENTS)
        figures["positions"] = _paced(port, position, POSITION_RATE_PER_S, POSITION_SECONDS, (201,), 60)
        figures["load_average_after"] = load_average()
    finally:
        if proc is not None:
            _stop(proc)
        db.close()
        if cluster.started_here:
            cluster.stop()

    out = _flatten(figures)
    out["dispatch_open_incidents"] = OPEN_INCIDENTS
    out["dispatch_units"] = UNITS
    out["dispatch_clients"] = CLIENTS
    out["dispatch_gunicorn_workers"] = 2
    out["dispatch_cpu_count"] = os.cpu_count()
    for what in ("create", "recommend"):
        out[f"dispatch_{what}_closed_loop_meets_target"] = figures[f"{what}_closed_loop"]["p99_ms"] <= TARGET_API_P99_MS
        for rate in PACED_RATES_PER_S:
            out[f"dispatch_{what}_paced_{rate:.0f}_meets_target"] = (
                figures[f"{what}_paced_{rate:.0f}"]["p99_ms"] <= TARGET_API_P99_MS)
    refresh_total = sum(figures["refresh"][k]["p99_ms"] for k in ("board", "detail", "map"))
    out["dispatch_refresh_chain_p99_ms"] = round(refresh_total, 2)
    out["dispatch_refresh_meets_target"] = all(
        figures["refresh"][k]["p99_ms"] <= TARGET_REFRESH_MS for k in ("board", "detail", "map"))
    out["dispatch_positions_meet_target"] = (figures["positions"]["errors"] == 0
                                             and figures["positions"]["p99_ms"] <= TARGET_POSITION_P99_MS)
    out["dispatch_bench_s"] = round(time.perf_counter() - t_start, 1)
    merge_results(out)
    return out


def _flatten(figures: dict[str, Any], prefix: str = "dispatch") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in figures.items():
        name = f"{prefix}_{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name))
        else:
            out[name] = value
    return out


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
