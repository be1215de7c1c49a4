"""The embedded PostgreSQL + PostGIS cluster and start-up errors of `app.py`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from settings import ROOT_DIR, VAR_DIR
from store._errors import EmbeddedClusterError, PostGISMissingError
from store.cluster import EmbeddedCluster, find_pg_bindir


@pytest.fixture
def cluster_dir() -> Iterator[Path]:
    # Not under pytest's tmp (it may sit below a directory the postgres user cannot enter).
    path = VAR_DIR / f"cluster-test-{os.getpid()}"
    yield path
    EmbeddedCluster(path, port=1).stop() if (path / "data").exists() else None
    subprocess.run(["rm", "-rf", str(path)], check=False)


def test_cluster_starts_and_keeps_data_across_restart(cluster_dir: Path, get_free_port) -> None:
    port = get_free_port()
    cluster = EmbeddedCluster(cluster_dir, port=port)
    url = cluster.ensure("k112_restart")
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("CREATE EXTENSION IF NOT EXISTS postgis").statusmessage
        conn.execute("CREATE TABLE kept (v text)")
        conn.execute("INSERT INTO kept VALUES ('survives')")
    cluster.stop()
    assert not cluster.is_running()
    again = EmbeddedCluster(cluster_dir, port=port)
    assert again.initialised
    url = again.ensure("k112_restart")
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT v FROM kept").fetchone() == ("survives",)
        assert conn.execute("SELECT postgis_lib_version()").fetchone()[0].startswith("3.")
    again.stop()


def test_busy_port_is_a_clear_error(cluster_dir: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        cluster = EmbeddedCluster(cluster_dir, port=port)
        with pytest.raises(EmbeddedClusterError, match=f"port {port} .* already in use"):
            cluster.ensure()


def test_missing_postgis_is_a_clear_error(tmp_path: Path) -> None:
    fake = tmp_path / "99" / "bin"
    fake.mkdir(parents=True)
    (fake / "initdb").write_text("#!/bin/sh\n")
    with pytest.raises(PostGISMissingError, match="PostGIS is not installed for PostgreSQL 99"):
        find_pg_bindir(candidates=[str(fake)])
    with pytest.raises(EmbeddedClusterError, match="binaries not found"):
        find_pg_bindir(candidates=[])


def _run_app(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ, **env)
    return subprocess.run([sys.executable, str(ROOT_DIR / "app.py"), *args], cwd=ROOT_DIR, env=full,
                          capture_output=True, text=True, timeout=60)


def test_wrong_database_url_is_one_line_and_nonzero(get_free_port) -> None:
    result = _run_app("prepare", DATABASE_URL=f"postgresql://x:y@127.0.0.1:{get_free_port()}/nope")
    assert result.returncode == 2
    assert result.stderr.startswith("error: cannot connect to DATABASE_URL")
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_busy_app_port_is_one_line_and_nonzero() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        result = _run_app("run", PORT=str(port), DATABASE_URL="postgresql://unused@127.0.0.1:1/x")
    assert result.returncode == 2
    assert f"port {port}" in result.stderr and "already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_app_runs_its_own_cluster_and_stops_it_on_exit(cluster_dir: Path, get_free_port) -> None:
    import signal
    import time
    import urllib.request

    pg_port, app_port = get_free_port(), get_free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(KENDARI112_PG_DIR=str(cluster_dir), KENDARI112_PG_PORT=str(pg_port), PORT=str(app_port),
               KENDARI112_SEED_DEMO="0", KENDARI112_ADMIN_PASSWORD="admin-pass-123")

    def serve_once() -> str:
        proc = subprocess.Popen([sys.executable, str(ROOT_DIR / "app.py"), "run"], cwd=ROOT_DIR, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{app_port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read()
                time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0, out
        return out

    first = serve_once()
    assert "First-run accounts" in first and "admin-pass-123" not in first
    cluster = EmbeddedCluster(cluster_dir, port=pg_port)
    assert cluster.initialised and not cluster.is_running()   # stopped cleanly on exit
    second = serve_once()
    assert "First-run accounts" not in second                  # users survived the restart
