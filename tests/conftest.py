"""Shared fixtures: a real PostgreSQL + PostGIS (embedded cluster or TEST_DATABASE_URL).

Each test that asks for ``db`` gets a fresh database cloned from a template that holds the
schema, the catalog and the geography (the flaskr pattern, with PostGIS). Several pytest
processes may run at once: databases get unique names, the template is built under a lock.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from settings import ROOT_DIR, VAR_DIR
from store import Database
from store.bootstrap import prepare
from store.cluster import EmbeddedCluster, ensure_database

TEST_PG_PORT = int(os.environ.get("KENDARI112_TEST_PG_PORT", "54330"))


def _admin_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    VAR_DIR.mkdir(exist_ok=True)
    with open(VAR_DIR / "test-pg.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        cluster = EmbeddedCluster(VAR_DIR / "test-pg", port=TEST_PG_PORT)
        cluster.ensure("postgres")
    return cluster.url("postgres")


def _content_hash() -> str:
    h = hashlib.sha256()
    for pattern in ("migrations/*.sql", "incidents/catalog.json", "geo_data/*.csv", "geo_data/*.geojson",
                    "store/reference.py"):
        for path in sorted(ROOT_DIR.glob(pattern)):
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:12]


def _with_db(url: str, dbname: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["dbname"] = dbname
    return psycopg.conninfo.make_conninfo(**info)


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """Connection string of the test server's maintenance database."""
    return _admin_url()


@pytest.fixture(scope="session")
def template_db(pg_admin_url: str) -> str:
    """Name of a template database with schema, catalog and geography loaded."""
    name = f"k112_tpl_{_content_hash()}"
    with open(VAR_DIR / "test-template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT datistemplate FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if row is None or not row[0]:
                if row is not None:
                    conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
                ensure_database(pg_admin_url, name)
                tdb = Database(_with_db(pg_admin_url, name), max_size=2)
                try:
                    prepare(tdb)
                finally:
                    tdb.close()
                conn.execute(
                    sql.SQL("ALTER DATABASE {} WITH is_template true").format(sql.Identifier(name))
                )
    return name


def make_database(pg_admin_url: str, template_db: str, prefix: str = "t") -> tuple[str, str]:
    """Create a fresh database from the template; return (name, url)."""
    name = f"k112_{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template_db)
            )
        )
    return name, _with_db(pg_admin_url, name)


def drop_database(pg_admin_url: str, name: str) -> None:
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def db_url(pg_admin_url: str, template_db: str) -> Iterator[str]:
    """URL of a fresh, prepared database (schema + catalog + geography, no demo data)."""
    name, url = make_database(pg_admin_url, template_db)
    yield url
    drop_database(pg_admin_url, name)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """A Database (pool) on a fresh, prepared database."""
    database = Database(db_url, max_size=25)
    yield database
    database.close()


@pytest.fixture(scope="module")
def module_db(pg_admin_url: str, template_db: str) -> Iterator[Database]:
    """One prepared database shared by the tests of a module (for expensive set-ups)."""
    name, url = make_database(pg_admin_url, template_db, prefix="m")
    database = Database(url, max_size=25)
    yield database
    database.close()
    drop_database(pg_admin_url, name)


@pytest.fixture(scope="session")
def tmp_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("k112")
