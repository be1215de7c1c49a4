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


# --- live server + real Chromium (browser tests) -------------------------------------------
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field

from auth.passwords import hash_password
from store import users as store_users

BROWSER_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
]
TEST_PASSWORD = "test-password-112"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveApp:
    """A real `app.py run` process on a fresh database; every role has a user named after it."""

    base_url: str
    db: Database
    db_url: str
    process: subprocess.Popen
    password: str = TEST_PASSWORD
    log_path: Path | None = None
    extra: dict = field(default_factory=dict)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""


def start_live_app(db: Database, tmp_dir: Path, *, env_extra: dict[str, str] | None = None) -> LiveApp:
    """Create one user per role (password TEST_PASSWORD) and serve the app on a free port."""
    for role in ("dispatcher", "leadership", "planner", "admin"):
        if store_users.get_credentials(db, role) is None:
            store_users.create_user(db, username=role, password_hash=hash_password(TEST_PASSWORD), role=role)
    port = free_port()
    env = dict(os.environ, DATABASE_URL=db.url, PORT=str(port), HOST="127.0.0.1",
               KENDARI112_SEED_DEMO="0", KENDARI112_BASEMAP="offline",
               KENDARI112_API_TOKEN="live-test-token", **(env_extra or {}))
    log_path = tmp_dir / f"app-{port}.log"
    proc = subprocess.Popen([sys.executable, str(ROOT_DIR / "app.py"), "run"], cwd=ROOT_DIR, env=env,
                            stdout=log_path.open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            time.sleep(0.1)  # not listening yet
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("app did not start:\n" + log_path.read_text(errors="replace")[-3000:])
        time.sleep(0.2)
    return LiveApp(base_url=base, db=db, db_url=db.url, process=proc, log_path=log_path)


def stop_live_app(app: LiveApp) -> None:
    app.process.terminate()
    try:
        app.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        app.process.kill()


@pytest.fixture(scope="module")
def live_app(module_db: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """The app served from a subprocess on the module's fresh database (no demo data)."""
    app = start_live_app(module_db, tmp_path_factory.mktemp("live"))
    yield app
    stop_live_app(app)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=BROWSER_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    """A fresh browser context and page (1400×900), closed after the test."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="id-ID",
                                  timezone_id="Asia/Makassar")
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    yield pg
    context.close()


def login(page, base_url: str, username: str, password: str = TEST_PASSWORD, next_path: str = "/") -> None:  # type: ignore[no-untyped-def]
    """Log in through the real form and wait for the app shell."""
    page.goto(f"{base_url}/login?next={next_path}")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_selector("#nav-user")


def wait_for_map(page, graph_id: str) -> None:  # type: ignore[no-untyped-def]
    """Wait until the plotly map in ``#graph_id`` has painted its canvas (plus two frames)."""
    page.wait_for_selector(f"#{graph_id} .js-plotly-plot .maplibregl-canvas")
    page.wait_for_function(
        """(id) => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');
                     return gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot
                            && gd._fullLayout.map._subplot.map && gd._fullLayout.map._subplot.map.loaded(); }""",
        arg=graph_id)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
