"""Backups people can restore: every incident and event comes back, checked against the manifest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from incidents.model import Actor
from services import incidents as service
from services.resources import Resources
from settings import ROOT_DIR, VAR_DIR
from store import Database
from store.backup import BackupError, backup, fingerprint, is_empty, restore
from store.cluster import DB_NAME, EmbeddedCluster
from tests.conftest import drop_database, free_port

ACTOR = Actor("tester", None)


def _seed(db: Database, seed_fleet: Callable[..., dict[str, int]], places: Any) -> int:
    """Some incidents with assignments, status changes and closures; returns the incident count."""
    units = seed_fleet(db)
    res = Resources(db)
    n = 0
    for i in range(12):
        lat, lon = places.kandai if i % 2 else places.mandonga
        data = {"lat": lat + i * 1e-4, "lon": lon, "type": "medical", "description": f"kasus {i}"}
        inc = service.create_incident(db, service.prepare_incident(db, res, data), ACTOR)
        n += 1
        if i < 3:
            unit = units[f"AMB-0{i + 1}"]
            service.assign_unit(db, inc.id, unit, ACTOR)
            service.set_unit_status(db, unit, "en_route", ACTOR)
        if i % 4 == 0:
            service.close_incident(db, inc.id, "resolved", ACTOR)
    return n


@pytest.fixture
def seeded(db: Database, seed_fleet: Callable[..., dict[str, int]], places: Any) -> Database:
    _seed(db, seed_fleet, places)
    return db


@pytest.fixture
def empty_db(pg_admin_url: str) -> Iterator[str]:
    """A brand-new empty database (no schema), dropped afterwards."""
    name = f"k112_restore_{os.getpid()}_{os.urandom(3).hex()}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    info = psycopg.conninfo.conninfo_to_dict(pg_admin_url)
    info["dbname"] = name
    yield psycopg.conninfo.make_conninfo("", **info)
    drop_database(pg_admin_url, name)


def _ids(url: str, table: str) -> list[int]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute(f"SELECT id FROM {table} ORDER BY id")]


def test_backup_then_restore_brings_back_every_incident_and_event(seeded: Database, empty_db: str,
                                                                  tmp_path: Path) -> None:
    made = backup(seeded.url, tmp_path)
    m = made.manifest
    assert made.dump.exists() and made.manifest_path.exists()
    assert oct(made.dump.stat().st_mode & 0o777) == "0o600"
    assert m["fingerprint"]["incidents"]["rows"] == 12
    assert m["fingerprint"]["events"]["rows"] >= 12 * 3
    assert m["database"]["migrations"] and m["database"]["postgis"]
    assert any(k.startswith("geo_data/") for k in m["shipped_files"])

    assert is_empty(empty_db)
    report = restore(made.dump, empty_db)
    assert report["dump_sha256"] == "ok" and report["shipped_files_changed"] == []
    assert report["fingerprint_matches"] is True, report
    assert fingerprint(empty_db) == m["fingerprint"]
    for table in ("incidents", "events", "assignments", "calls"):
        assert _ids(empty_db, table) == _ids(seeded.url, table)
    # the restored database works: triggers and constraints are back
    with psycopg.connect(empty_db) as conn, pytest.raises(psycopg.errors.IntegrityConstraintViolation):
        conn.execute("DELETE FROM events")


def test_a_damaged_backup_is_refused(seeded: Database, empty_db: str, tmp_path: Path) -> None:
    made = backup(seeded.url, tmp_path)
    with open(made.dump, "r+b") as fh:
        fh.seek(200)
        fh.write(b"\x00\x01\x02")
    with pytest.raises(BackupError, match="does not match its manifest"):
        restore(made.dump, empty_db)
    assert is_empty(empty_db)


def _cli(script: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KENDARI112_APP_DATABASE_URL")}
    full.update(env)
    return subprocess.run([sys.executable, str(ROOT_DIR / "scripts" / script), *args], cwd=ROOT_DIR,
                          env=full, capture_output=True, text=True, timeout=300)


def test_make_backup_and_restore_into_a_fresh_embedded_cluster(seeded: Database, tmp_path: Path) -> None:
    out = _cli("backup.py", "--out", str(tmp_path), DATABASE_URL=seeded.url)
    assert out.returncode == 0, out.stderr
    dump = next(tmp_path.glob("*.dump"))
    manifest = json.loads(next(tmp_path.glob("*.manifest.json")).read_text())
    assert "secret_key" not in manifest["settings"] and manifest["settings"]["database"] == "DATABASE_URL"

    pg_dir = VAR_DIR / f"restore-test-{os.getpid()}"
    port = free_port()
    try:
        res = _cli("restore.py", str(dump), KENDARI112_PG_DIR=str(pg_dir), KENDARI112_PG_PORT=str(port))
        assert res.returncode == 0, res.stderr + res.stdout
        assert "checked against the manifest" in res.stdout
        cluster = EmbeddedCluster(pg_dir, port=port)
        assert not cluster.is_running()   # left as found (it did not exist)
        url = cluster.ensure(DB_NAME)
        assert fingerprint(url) == manifest["fingerprint"]
        # restoring again over it is refused without FORCE, accepted with it
        again = _cli("restore.py", str(dump), KENDARI112_PG_DIR=str(pg_dir), KENDARI112_PG_PORT=str(port))
        assert again.returncode == 2 and "not empty" in again.stderr
        forced = _cli("restore.py", str(dump), "--force", KENDARI112_PG_DIR=str(pg_dir),
                      KENDARI112_PG_PORT=str(port))
        assert forced.returncode == 0, forced.stderr
        assert fingerprint(url) == manifest["fingerprint"]
        # the restored database is owned by the owner role; the app role gets its privileges
        with psycopg.connect(url) as conn:
            owner = conn.execute("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'events'").fetchone()
        assert owner == ("k112_owner",)
        with psycopg.connect(cluster.role_url("k112_app", DB_NAME)) as conn, \
                pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE events SET actor = 'x'")
    finally:
        EmbeddedCluster(pg_dir, port=port).stop()
        subprocess.run(["rm", "-rf", str(pg_dir)], check=False)


def test_restore_refuses_a_non_empty_database_url(seeded: Database, tmp_path: Path) -> None:
    made = backup(seeded.url, tmp_path)
    res = _cli("restore.py", str(made.dump), DATABASE_URL=seeded.url)
    assert res.returncode == 2 and "not empty" in res.stderr
    assert fingerprint(seeded.url) == made.manifest["fingerprint"]
