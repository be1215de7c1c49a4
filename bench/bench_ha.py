"""HA failover drill: kill -9 the primary of a pg_auto_failover formation during a burst of writes.

Run with ``.venv/bin/python -m bench bench_ha`` (or ``make bench``); figures are merged into
``bench/results.json`` under keys ``ha_*``. Needs ``pg_autoctl`` (``make ha-demo`` or
``scripts/install-system-deps.sh --ha`` installs ``postgresql-15-auto-failover``).

Set-up: a monitor and two nodes on loopback (``var/bench-ha``, ports 54350-54352, synchronous
replication, the fast health checks of :mod:`store.ha`), the database prepared on the primary as
the owner, 40 units per drill; the writers connect as the app role through the multi-host URL
(``target_session_attrs=read-write``).

Two drills, one per direction:

1. *store*: 4 writer threads loop create incident → assign a unit → close, through the services
   and the store (the app's own code path, without HTTP); node1 (primary) is killed with SIGKILL
   (its pg_autoctl, postmaster and backends) after 5 s; the burst goes on 8 s after the first write
   succeeds again.
2. *api*: node1 rejoins (as secondary, pg_rewind by pg_autoctl), then the real app (``app.py run``)
   serves on a free port and 4 HTTP clients do the same loop through ``/api/v1``; node2, now
   primary, is killed.

Measured per drill: failover time (kill → first acknowledged write), the monitor's promotion time,
requests failed (and whether every failure was a clean "database unavailable": a
DatabaseUnavailableError in the store, a 503 over HTTP), the slowest failed request, and the
acknowledged operations lost: every incident, assignment and close that was acknowledged is
looked up on the new primary afterwards (must be 0).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from settings import ROOT_DIR, VAR_DIR

HA_DIR = VAR_DIR / "bench-ha"
MONITOR_PORT = 54350
WORKERS = 4
UNITS_PER_WORKER = 10
WARMUP_S = 5.0
AFTER_RECOVERY_S = 8.0
#: Give up waiting for writes to succeed again after this long (the drill then fails).
MAX_OUTAGE_S = 90.0
TOKEN = "bench-ha-token"
#: Kendari points to create incidents at (lat, lon): Mandonga, Kandai, Wua-Wua, Poasia.
POINTS = ((-3.9669, 122.5120), (-3.9700, 122.5950), (-3.9920, 122.5170), (-4.0170, 122.5350))
TARGET_FAILOVER_S = 30.0


@dataclass
class Tally:
    """What the writers saw; shared by the worker threads (appends are atomic in CPython)."""

    incidents: list[int] = field(default_factory=list)
    assignments: list[int] = field(default_factory=list)
    closes: list[int] = field(default_factory=list)
    ok_times: list[tuple[float, float]] = field(default_factory=list)   # (started, acknowledged)
    failures: list[tuple[float, float, str]] = field(default_factory=list)   # (at, seconds, kind)
    unclean: list[str] = field(default_factory=list)


def _seed_units(owner_url: str, n: int) -> list[int]:
    """``n`` ambulances at a puskesmas (synthetic), created as the owner."""
    from store import Database

    db = Database(owner_url, max_size=1)
    try:
        with db.transaction() as cur:
            cur.execute("SELECT id FROM facilities WHERE category = 'puskesmas' ORDER BY id LIMIT 1")
            row = cur.fetchone()
            home = row["id"] if row else None
            ids = []
            for i in range(n):
                cur.execute("INSERT INTO units (callsign, unit_type, agency_code, home_facility_id, synthetic)"
                            " VALUES (%s, 'ambulance', 'PSC119', %s, true) RETURNING id",
                            (f"HA-{os.getpid()}-{time.time_ns() % 10**8}-{i}", home))
                got = cur.fetchone()
                assert got is not None
                ids.append(int(got["id"]))
        return ids
    finally:
        db.close()


# --- the writers ------------------------------------------------------------------------------------
class StoreWriter:
    """create → assign → close through the services, as the app role."""

    def __init__(self, app_url: str) -> None:
        from services.resources import Resources
        from store import Database

        self.db = Database(app_url, max_size=WORKERS + 2, statement_timeout_s=30)
        self.res = Resources(self.db)

    def close(self) -> None:
        self.db.close()

    def create(self, lat: float, lon: float) -> int:
        from incidents.model import Actor
        from services import incidents as service

        new = service.prepare_incident(self.db, self.res, {"lat": lat, "lon": lon, "type": "medical",
                                                            "description": "HA drill"})
        return service.create_incident(self.db, new, Actor("ha-drill", None)).id

    def assign(self, incident_id: int, unit_id: int) -> int:
        from incidents.model import Actor
        from services import incidents as service

        return service.assign_unit(self.db, incident_id, unit_id, Actor("ha-drill", None)).id

    def close_incident(self, incident_id: int) -> None:
        from incidents.model import Actor
        from services import incidents as service

        service.close_incident(self.db, incident_id, "resolved", Actor("ha-drill", None))

    @staticmethod
    def is_clean(exc: BaseException) -> bool:
        from store import DatabaseUnavailableError

        return isinstance(exc, DatabaseUnavailableError)


class ApiError(Exception):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body[:200]}")
        self.status = status


class ApiWriter:
    """The same loop over HTTP against a running app (integration token)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.local = threading.local()

    def close(self) -> None:
        """Nothing to release: each call opens and closes its own HTTP connection."""

    def _call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json",
                                                           "Authorization": f"Bearer {TOKEN}"})
            resp = conn.getresponse()
            text = resp.read().decode(errors="replace")
        finally:
            conn.close()
        if resp.status not in (200, 201):
            raise ApiError(resp.status, text)
        result: dict[str, Any] = json.loads(text)
        return result

    def create(self, lat: float, lon: float) -> int:
        return int(self._call("/api/v1/incidents", {"lat": lat, "lon": lon, "type": "medical",
                                                     "description": "HA drill"})["id"])

    def assign(self, incident_id: int, unit_id: int) -> int:
        return int(self._call(f"/api/v1/incidents/{incident_id}/assignments", {"unit_id": unit_id})["id"])

    def close_incident(self, incident_id: int) -> None:
        self._call(f"/api/v1/incidents/{incident_id}/close", {"outcome": "resolved"})

    @staticmethod
    def is_clean(exc: BaseException) -> bool:
        return isinstance(exc, ApiError) and exc.status == 503


def _worker(writer: Any, units: list[int], tally: Tally, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    free = list(units)

    def attempt(fn: Callable[[], Any]) -> tuple[bool, Any]:
        t0 = time.monotonic()
        try:
            value = fn()
        except Exception as exc:  # every failure is classified, none may escape
            t1 = time.monotonic()
            clean = writer.is_clean(exc)
            tally.failures.append((t1, t1 - t0, "clean" if clean else "unclean"))
            if not clean:
                tally.unclean.append(f"{type(exc).__name__}: {str(exc)[:200]}")
            if t1 - t0 < 0.05:
                time.sleep(0.05)   # a client backs off a little before trying again
            return False, None
        tally.ok_times.append((t0, time.monotonic()))
        return True, value

    while not stop.is_set():
        lat, lon = POINTS[rng.randrange(len(POINTS))]
        at = (lat + rng.uniform(-0.004, 0.004), lon + rng.uniform(-0.004, 0.004))
        ok, incident_id = attempt(partial(writer.create, *at))
        if not ok:
            continue
        tally.incidents.append(incident_id)
        if not free:
            continue
        unit = free.pop(0)
        ok, assignment_id = attempt(partial(writer.assign, incident_id, unit))
        if not ok:
            continue   # the unit's state is unknown: it is not used again
        tally.assignments.append(assignment_id)
        ok, _ = attempt(partial(writer.close_incident, incident_id))
        if ok:
            tally.closes.append(incident_id)
            free.append(unit)


# --- one drill --------------------------------------------------------------------------------------
def drill(formation: Any, writer: Any, units: list[int], *, victim: str) -> dict[str, Any]:
    """Run the writers, kill ``victim`` (must be the primary) after WARMUP_S, keep going until
    writes succeed again plus AFTER_RECOVERY_S; check every acknowledged write on the new primary."""
    assert formation.primary() == victim, (formation.state(), victim)
    tally = Tally()
    stop = threading.Event()
    per = len(units) // WORKERS
    threads = [threading.Thread(target=_worker, args=(writer, units[i * per:(i + 1) * per], tally, stop, i),
                                daemon=True) for i in range(WORKERS)]
    for t in threads:
        t.start()
    time.sleep(WARMUP_S)
    before = len(tally.ok_times)
    formation.kill(victim)
    killed_at = time.monotonic()   # every process of the node is gone from here on
    promoted_at: list[float] = []

    def watch_monitor() -> None:
        while not promoted_at and time.monotonic() - killed_at < MAX_OUTAGE_S:
            p = formation.primary()
            if p is not None and p != victim:
                promoted_at.append(time.monotonic())
            time.sleep(0.1)

    watcher = threading.Thread(target=watch_monitor, daemon=True)
    watcher.start()
    first_ok = None
    while time.monotonic() - killed_at < MAX_OUTAGE_S:
        after = [end for start, end in tally.ok_times[before:] if start > killed_at]
        if after:
            first_ok = min(after)
            break
        time.sleep(0.05)
    if first_ok is not None:
        time.sleep(AFTER_RECOVERY_S)
    stop.set()
    for t in threads:
        t.join(30)
    watcher.join(MAX_OUTAGE_S)
    lost = lost_acknowledged(formation, tally)
    failures = tally.failures
    return {
        "failover_s": round(first_ok - killed_at, 2) if first_ok else None,
        "monitor_promotion_s": round(promoted_at[0] - killed_at, 2) if promoted_at else None,
        "client_recovery_after_promotion_s": (round(first_ok - promoted_at[0], 2)
                                              if first_ok and promoted_at else None),
        "acknowledged": {"incidents": len(tally.incidents), "assignments": len(tally.assignments),
                         "closes": len(tally.closes)},
        "acknowledged_lost": lost,
        "requests_ok": len(tally.ok_times),
        "requests_failed": len(failures),
        "requests_failed_unclean": len(tally.unclean),
        "unclean_examples": sorted(set(tally.unclean))[:5],
        "slowest_failure_s": round(max((f[1] for f in failures), default=0.0), 2),
        "new_primary": formation.primary(),
    }


def lost_acknowledged(formation: Any, tally: Tally) -> dict[str, int]:
    """Acknowledged incidents, assignments and closes missing on the current primary."""
    import psycopg

    with psycopg.connect(formation.uri(), connect_timeout=5) as conn:
        found_inc = {r[0] for r in conn.execute("SELECT id FROM incidents WHERE id = ANY(%s)", (tally.incidents,))}
        created_ev = {r[0] for r in conn.execute(
            "SELECT incident_id FROM events WHERE kind = 'incident_created' AND incident_id = ANY(%s)",
            (tally.incidents,))}
        found_asg = {r[0] for r in conn.execute("SELECT id FROM assignments WHERE id = ANY(%s)",
                                                (tally.assignments,))}
        closed = {r[0] for r in conn.execute(
            "SELECT id FROM incidents WHERE id = ANY(%s) AND status = 'closed'", (tally.closes,))}
    return {"incidents": len(set(tally.incidents) - found_inc),
            "incident_events": len(set(tally.incidents) - created_ev),
            "assignments": len(set(tally.assignments) - found_asg),
            "closes": len(set(tally.closes) - closed)}


# --- the app for the API drill -----------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_app(owner_url: str, log_path: Path) -> tuple[subprocess.Popen[bytes], int]:
    """``app.py run`` against the formation (it prepares the database and derives the app role)."""
    port = _free_port()
    env = dict(os.environ, DATABASE_URL=owner_url, PORT=str(port), HOST="127.0.0.1", KENDARI112_SEED_DEMO="0",
               KENDARI112_BASEMAP="offline", KENDARI112_API_TOKEN=TOKEN)
    env.pop("KENDARI112_APP_DATABASE_URL", None)
    with open(log_path, "wb") as log_file:
        proc = subprocess.Popen([sys.executable, str(ROOT_DIR / "app.py"), "run"], cwd=ROOT_DIR, env=env,
                                stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the app did not start: " + log_path.read_text(errors="replace")[-2000:])
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status in (200, 503):
                return proc, port
        except OSError:
            time.sleep(0.3)  # not listening yet
            continue
        time.sleep(0.3)
    stop_app(proc)
    raise RuntimeError("the app did not answer within 120 s")


def stop_app(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


# --- the whole drill ------------------------------------------------------------------------------------
def set_up(base_dir: Path, monitor_port: int) -> tuple[Any, str, list[int], float]:
    """A fresh formation with the database prepared; returns (formation, app URL, units, seconds)."""
    from services.bootstrap import prepare
    from store import Database
    from store.ha import HAFormation

    shutil.rmtree(base_dir, ignore_errors=True)
    formation = HAFormation(base_dir, monitor_port=monitor_port)
    t0 = time.monotonic()
    try:
        formation.create()
        owner = Database(formation.uri(), max_size=2)
        try:
            facts = prepare(owner, secrets_dir=formation.base_dir)
        finally:
            owner.close()
        units = _seed_units(formation.uri(), 2 * WORKERS * UNITS_PER_WORKER)   # a fleet per drill
    except BaseException:
        formation.destroy()
        raise
    return formation, str(facts["app_url"]), units, time.monotonic() - t0


def run_drills(*, api: bool = True, base_dir: Path = HA_DIR, monitor_port: int = MONITOR_PORT,
               keep: bool = False) -> dict[str, Any]:
    """Set up, drill through the store (kill node1), optionally rejoin and drill through the API
    (kill node2); always stops every process it started."""
    formation, app_url, units, setup_s = set_up(base_dir, monitor_port)
    out: dict[str, Any] = {"setup_s": round(setup_s, 1), "sync": formation.synchronous_standby_names()}
    app = None
    try:
        writer = StoreWriter(app_url)
        try:
            out["store"] = drill(formation, writer, units[:len(units) // 2], victim="node1")
        finally:
            writer.close()
        t0 = time.monotonic()
        formation.run("node1")
        formation.wait_healthy(120)
        out["rejoin_s"] = round(time.monotonic() - t0, 1)
        if api:
            app, port = start_app(formation.uri(), formation.log_dir / "app.log")
            out["api"] = drill(formation, ApiWriter(port), units[len(units) // 2:],
                               victim=formation.primary() or "node2")
    finally:
        if app is not None:
            stop_app(app)
        if keep:
            formation.stop()
        else:
            formation.destroy()
    return out


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    """The ``ha_*`` figures for bench/results.json."""
    drills = [result[k] for k in ("store", "api") if k in result]
    failover = [d["failover_s"] for d in drills]
    figures: dict[str, Any] = {
        "ha_failover_s": max((f for f in failover if f is not None), default=None) if all(failover) else None,
        "ha_acknowledged_lost_count": sum(sum(d["acknowledged_lost"].values()) for d in drills),
        "ha_requests_failed_count": sum(d["requests_failed"] for d in drills),
        "ha_requests_failed_unclean_count": sum(d["requests_failed_unclean"] for d in drills),
        "ha_acknowledged_writes_count": sum(sum(d["acknowledged"].values()) for d in drills),
        "ha_failover_target_s": TARGET_FAILOVER_S,
        "ha_setup_s": result.get("setup_s"),
        "ha_rejoin_s": result.get("rejoin_s"),
        "ha_synchronous_standby_names": result.get("sync"),
    }
    for name, d in (("store", result.get("store")), ("api", result.get("api"))):
        if d is None:
            continue
        figures[f"ha_{name}_failover_s"] = d["failover_s"]
        figures[f"ha_{name}_monitor_promotion_s"] = d["monitor_promotion_s"]
        figures[f"ha_{name}_client_recovery_after_promotion_s"] = d["client_recovery_after_promotion_s"]
        figures[f"ha_{name}_requests_failed_count"] = d["requests_failed"]
        figures[f"ha_{name}_requests_failed_unclean_count"] = d["requests_failed_unclean"]
        figures[f"ha_{name}_slowest_failure_s"] = d["slowest_failure_s"]
        figures[f"ha_{name}_acknowledged_lost_count"] = sum(d["acknowledged_lost"].values())
        figures[f"ha_{name}_acknowledged_writes_count"] = sum(d["acknowledged"].values())
    return figures


def run() -> dict[str, Any]:
    from bench._common import load_average, merge_results

    result = run_drills(api=True)
    figures = summarise(result)
    figures["ha_load_average"] = load_average()
    merge_results(figures)
    if result.get("api", {}).get("unclean_examples") or result.get("store", {}).get("unclean_examples"):
        figures["ha_unclean_examples"] = (result.get("store", {}).get("unclean_examples", [])
                                          + result.get("api", {}).get("unclean_examples", []))
    return figures


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, default=str))
