"""Database outages are short and clean: typed errors within 3 s, a supervised embedded cluster,
and the pool serving again within 5 s of the server being back."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest

from settings import VAR_DIR
from store import Database, DatabaseUnavailableError
from store._errors import StatementTimeoutError
from store.cluster import EmbeddedCluster, start_supervisor
from tests.conftest import free_port


@pytest.fixture
def cluster() -> Iterator[EmbeddedCluster]:
    """A dedicated embedded cluster (it gets killed), removed afterwards."""
    path = VAR_DIR / f"outage-test-{os.getpid()}"
    c = EmbeddedCluster(path, port=free_port())
    c.ensure("k112_outage")
    yield c
    c.stop()
    subprocess.run(["rm", "-rf", str(path)], check=False)


def _kill_postmaster(cluster: EmbeddedCluster) -> None:
    pid = cluster.postmaster_pid()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while cluster.postmaster_pid() is not None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert cluster.postmaster_pid() is None


def _count(db: Database) -> int:
    with db.transaction() as cur:
        cur.execute("SELECT count(*) AS n FROM kept")
        row = cur.fetchone()
        assert row is not None
        return int(row["n"])


def _wait_serving(db: Database, timeout_s: float) -> float:
    """Seconds until a store call succeeds again (fails the test after ``timeout_s``)."""
    t0 = time.monotonic()
    while True:
        try:
            _count(db)
            return time.monotonic() - t0
        except DatabaseUnavailableError:
            assert time.monotonic() - t0 < timeout_s, "the pool did not serve again in time"
            time.sleep(0.05)


def test_kill_9_gives_typed_errors_fast_then_supervisor_restarts_and_pool_serves(cluster: EmbeddedCluster) -> None:
    db = Database(cluster.url("k112_outage"), max_size=4)
    try:
        with db.transaction() as cur:
            cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            cur.execute("CREATE TABLE kept (v int)")
            cur.execute("INSERT INTO kept SELECT generate_series(1, 100)")
        # several pooled connections, all of which the kill breaks
        held = [threading.Thread(target=lambda: _count(db)) for _ in range(4)]
        for t in held:
            t.start()
        for t in held:
            t.join()

        in_flight: dict[str, object] = {}

        def long_query() -> None:
            t0 = time.monotonic()
            try:
                with db.transaction() as cur:
                    cur.execute("SELECT pg_sleep(30)")
            except Exception as exc:
                in_flight["error"] = exc
            in_flight["seconds"] = time.monotonic() - t0

        worker = threading.Thread(target=long_query)
        worker.start()
        time.sleep(0.3)
        _kill_postmaster(cluster)
        killed_at = time.monotonic()
        worker.join(5)
        assert not worker.is_alive()
        assert isinstance(in_flight["error"], DatabaseUnavailableError)
        assert time.monotonic() - killed_at < 3

        # while it is down: every store call fails cleanly and fast, never hangs
        durations = []
        while time.monotonic() - killed_at < 4:
            t0 = time.monotonic()
            with pytest.raises(DatabaseUnavailableError):
                _count(db)
            durations.append(time.monotonic() - t0)
        assert max(durations) < 3, durations
        t0 = time.monotonic()
        with pytest.raises(DatabaseUnavailableError):
            db.ping(timeout_s=1)
        assert time.monotonic() - t0 < 1.5
        assert db.unavailable_since is not None and db.status()["available"] is False

        # the supervisor notices and restarts it; the pool serves again soon after
        back_at: list[float] = []
        supervisor = start_supervisor(cluster, on_restart=lambda n: back_at.append(time.monotonic()),
                                      interval_s=0.2)
        try:
            deadline = time.monotonic() + 20
            while not back_at and time.monotonic() < deadline:
                time.sleep(0.05)
            assert supervisor.restarts == 1 and back_at
            recovered = _wait_serving(db, timeout_s=10)
            assert time.monotonic() - back_at[0] <= 5, recovered
            assert _count(db) == 100     # committed rows survived the crash
            assert db.status()["available"] is True and db.unavailable_since is None

            # a second kill while supervised: back by itself, counted; calls meanwhile fail cleanly
            _kill_postmaster(cluster)
            deadline = time.monotonic() + 20
            while supervisor.restarts < 2 and time.monotonic() < deadline:
                with contextlib.suppress(DatabaseUnavailableError):
                    _count(db)
                time.sleep(0.05)
            assert supervisor.restarts == 2
            assert _wait_serving(db, timeout_s=5) <= 5
            assert db.ping(timeout_s=1)["in_recovery"] is False
        finally:
            supervisor.stop()
    finally:
        db.close()


def test_server_down_at_first_use_fails_within_3_s() -> None:
    db = Database(f"postgresql://nobody:x@127.0.0.1:{free_port()}/nothing")
    try:
        t0 = time.monotonic()
        with pytest.raises(DatabaseUnavailableError), db.transaction() as cur:
            cur.execute("SELECT 1")
        assert time.monotonic() - t0 < 3
        t0 = time.monotonic()
        with pytest.raises(DatabaseUnavailableError):
            db.ping(timeout_s=1)
        assert time.monotonic() - t0 < 1.5
    finally:
        db.close()


def test_exhausted_pool_and_statement_timeout_are_typed(db_url: str) -> None:
    db = Database(db_url, max_size=1, pool_timeout_s=0.5, statement_timeout_s=0.3)
    try:
        with pytest.raises(StatementTimeoutError), db.transaction() as cur:
            cur.execute("SELECT pg_sleep(2)")
        assert db.status()["available"] is True   # a slow statement is not an outage
        with db.connection():
            t0 = time.monotonic()
            errors: list[BaseException] = []

            def borrow() -> None:
                try:
                    with db.transaction() as cur:
                        cur.execute("SELECT 1")
                except BaseException as exc:
                    errors.append(exc)

            t = threading.Thread(target=borrow)
            t.start()
            t.join(5)
            assert len(errors) == 1 and isinstance(errors[0], DatabaseUnavailableError)
            assert time.monotonic() - t0 < 2
    finally:
        db.close()
