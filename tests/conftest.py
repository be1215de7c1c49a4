"""Shared fixtures: a real PostgreSQL + PostGIS (embedded cluster or TEST_DATABASE_URL).

Each test that asks for ``db`` gets a fresh database cloned from a template that holds the
schema, the catalog and the geography (the flaskr pattern, with PostGIS). Several pytest
processes may run at once: databases get unique names, the template is built under a lock.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from auth.passwords import hash_password
from services.bootstrap import prepare
from settings import ROOT_DIR, VAR_DIR
from store import Database, users as store_users
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
                    "store/reference.py", "store/bootstrap.py", "services/bootstrap.py", "layers/geodata.py"):
        for path in sorted(ROOT_DIR.glob(pattern)):
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:12]


def _with_db(url: str, dbname: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["dbname"] = dbname
    return psycopg.conninfo.make_conninfo("", **info)


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


@pytest.fixture
def database_factory(pg_admin_url: str, template_db: str) -> Iterator[Callable[..., Database]]:
    """Make more fresh, prepared databases in one test: ``database_factory(prefix="d")``.

    Each is closed and dropped after the test.
    """
    made: list[tuple[str, Database]] = []

    def make(prefix: str = "f", max_size: int = 4) -> Database:
        name, url = make_database(pg_admin_url, template_db, prefix=prefix)
        database = Database(url, max_size=max_size)
        made.append((name, database))
        return database

    yield make
    for name, database in made:
        database.close()
        drop_database(pg_admin_url, name)


@pytest.fixture
def empty_db_url(pg_admin_url: str) -> Iterator[str]:
    """URL of a fresh database with nothing in it (no schema, no PostGIS), dropped after the test."""
    name = f"k112_e_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    ensure_database(pg_admin_url, name)
    yield _with_db(pg_admin_url, name)
    drop_database(pg_admin_url, name)


@pytest.fixture(scope="session")
def tmp_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("k112")


@pytest.fixture(scope="session")
def get_free_port() -> Callable[[], int]:
    """A function that returns a TCP port nobody listens on (loopback)."""
    return free_port


# --- small data shared by several test modules ----------------------------------------------
@dataclass(frozen=True)
class Places:
    """Points in Kota Kendari as (lat, lon)."""

    #: In Kel. Kandai (Kec. Kendari), the old town on the bay's north shore.
    kandai: tuple[float, float] = (-3.9700, 122.5950)
    #: Central Mandonga.
    mandonga: tuple[float, float] = (-3.9669, 122.5120)
    #: Out in Kendari Bay, well away from any shore (more than 1 km).
    in_the_sea: tuple[float, float] = (-4.03, 122.69)


@pytest.fixture(scope="session")
def places() -> Places:
    """Named points in the city (lat, lon) for requests that need a valid location."""
    return Places()


@pytest.fixture(scope="session")
def add_unit() -> Callable[..., int]:
    """``add_unit(db, unit_type="ambulance", home="Puskesmas Mata") -> unit id``: one unit at a home
    station, with a callsign of its own."""
    agencies = {"ambulance": "PSC119", "fire_engine": "DAMKAR", "police_patrol": "POLICE"}

    def add(db: Database, unit_type: str = "ambulance", home: str = "Puskesmas Mata") -> int:
        with db.transaction() as cur:
            cur.execute("INSERT INTO units (callsign, unit_type, agency_code, home_facility_id)"
                        " SELECT %s, %s, %s, id FROM facilities WHERE name = %s RETURNING id",
                        (f"T-{unit_type[:3].upper()}-{uuid.uuid4().hex[:8]}", unit_type, agencies[unit_type], home))
            row = cur.fetchone()
            assert row is not None, home
            return int(row["id"])

    return add


#: A small fleet: (callsign, unit type, agency, home facility).
FLEET = (
    ("AMB-01", "ambulance", "PSC119", "Puskesmas Mata"),
    ("AMB-02", "ambulance", "PSC119", "Puskesmas Mekar"),
    ("AMB-03", "ambulance", "PSC119", "Puskesmas Poasia"),
    ("FE-01", "fire_engine", "DAMKAR", "Pos Induk Damkar Kota Kendari (Kadia)"),
    ("FE-02", "fire_engine", "DAMKAR", "Pos Damkar Kendari Barat"),
    ("FE-03", "fire_engine", "DAMKAR", "Pos Damkar Poasia"),
    ("WT-01", "water_tanker", "DAMKAR", "Pos Damkar Puuwatu"),
    ("POL-01", "police_patrol", "POLICE", "Polsek Mandonga"),
    ("POL-02", "police_patrol", "POLICE", "Polsek Kandai"),
    ("RES-01", "rescue", "DAMKAR", "Pos Damkar Wua-Wua"),
)


@pytest.fixture(scope="session")
def seed_fleet() -> Callable[..., dict[str, int]]:
    """``seed_fleet(db, fleet=FLEET) -> {callsign: unit id}``: units at their home stations."""

    def seed(db: Database, fleet: tuple[tuple[str, str, str, str], ...] = FLEET) -> dict[str, int]:
        out = {}
        with db.transaction() as cur:
            for callsign, unit_type, agency, home in fleet:
                cur.execute("INSERT INTO units (callsign, unit_type, agency_code, home_facility_id)"
                            " SELECT %s, %s, %s, id FROM facilities WHERE name = %s RETURNING id",
                            (callsign, unit_type, agency, home))
                row = cur.fetchone()
                assert row is not None, home
                out[callsign] = int(row["id"])
        return out

    return seed


@pytest.fixture(scope="session")
def travel_graph() -> Any:
    """The city's travel network as the application loads it (read-only; built once per session)."""
    from routing.network import load_network

    return load_network()


@dataclass(frozen=True)
class LineRoad:
    """A hand-made road running east in UTM 51S whose service areas are known exactly.

    Nodes every ``step_m`` from ``(x0_m, y0_m)``; ``edge_s`` per edge both ways, plus a one-way 10 s
    shortcut from the last node back to the first (it only helps travel *towards* node 0).
    Off-network legs run at 3,600 km/h: practically free, so every place takes its node's time.
    """

    graph: Any
    x0_m: float = 400_000.0
    y0_m: float = 9_550_000.0
    step_m: float = 1000.0
    edge_s: float = 60.0

    def node_lonlat(self, i: int) -> tuple[float, float]:
        """Longitude and latitude of node ``i``."""
        from planning._proj import to_lonlat

        lon, lat = to_lonlat([self.x0_m + i * self.step_m], [self.y0_m])
        return float(lon[0]), float(lat[0])


@pytest.fixture
def line_road() -> LineRoad:
    """An 11-node :class:`LineRoad` (10 km) near Kendari."""
    import numpy as np

    from planning._proj import to_lonlat
    from routing.graph import TravelGraph

    n, x0, y0, step, edge = 11, LineRoad.x0_m, LineRoad.y0_m, LineRoad.step_m, LineRoad.edge_s
    lon, lat = to_lonlat(x0 + np.arange(n) * step, np.full(n, y0))
    src = [*range(n - 1), *range(1, n), n - 1]
    dst = [*range(1, n), *range(n - 1), 0]
    time_s = [edge] * (2 * (n - 1)) + [10.0]
    length = [step] * (2 * (n - 1)) + [step]
    graph = TravelGraph.from_edges(model="approximate", lon=lon, lat=lat, src=src, dst=dst, time_s=time_s,
                                   length_m=length, meta={"snap_speed_kmh": 3_600_000, "snap_circuity": 1.0})
    return LineRoad(graph=graph)


# --- live server + real Chromium (browser tests) -------------------------------------------
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
def live_app_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., LiveApp]]:
    """``live_app_factory(db, env_extra=None) -> LiveApp``: serve the app on ``db``; stopped after the module."""
    started: list[LiveApp] = []

    def start(db: Database, *, env_extra: dict[str, str] | None = None) -> LiveApp:
        app = start_live_app(db, tmp_path_factory.mktemp("live"), env_extra=env_extra)
        started.append(app)
        return app

    yield start
    for app in started:
        stop_live_app(app)


@pytest.fixture(scope="module")
def live_app(module_db: Database, live_app_factory: Callable[..., LiveApp]) -> LiveApp:
    """The app served from a subprocess on the module's fresh database (no demo data)."""
    return live_app_factory(module_db)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=BROWSER_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context and page (1400×900) with every external host blocked, closed after the test.

    The centre may have no internet: only loopback is reachable. Blocked requests are recorded in
    ``page.blocked_hosts``. When the test fails, a screenshot is kept under ``test-artifacts/``.
    """
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="id-ID",
                                  timezone_id="Asia/Makassar")
    block_external_hosts(context)
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    yield pg
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        save_screenshot(pg, f"FAILED-{request.node.name}")
    context.close()


#: Screenshots of key screens (and of failures) for a reviewer; kept by CI as artefacts.
ARTIFACTS_DIR = ROOT_DIR / "test-artifacts" / "screenshots"
_LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


def block_external_hosts(context) -> list[str]:  # type: ignore[no-untyped-def]
    """Abort every request to a host that is not loopback; return the list the blocked URLs go to."""
    from urllib.parse import urlparse

    blocked: list[str] = []

    def handle(route) -> None:  # type: ignore[no-untyped-def]
        url = route.request.url
        host = urlparse(url).hostname or ""
        if url.startswith(("data:", "blob:", "file:")) or host in _LOOPBACK or host.startswith("127."):
            route.continue_()
        else:
            blocked.append(url)
            route.abort("internetdisconnected")

    context.route("**/*", handle)
    context.k112_blocked = blocked
    return blocked


def save_screenshot(page, name: str, *, full_page: bool = False) -> Path:  # type: ignore[no-untyped-def]
    """Keep a screenshot of ``page`` as ``test-artifacts/screenshots/<name>.png``."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)[:120]
    path = ARTIFACTS_DIR / f"{safe}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture
def screenshot():  # type: ignore[no-untyped-def]
    """``screenshot(page, "dispatch-1920x1080")`` keeps a picture of a key screen for reviewers."""
    return save_screenshot


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def login(page, base_url: str, username: str, password: str = TEST_PASSWORD, next_path: str = "/") -> None:
    """Log in through the real form and wait for the app shell."""
    page.goto(f"{base_url}/login?next={next_path}")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_selector("#nav-user")


def wait_for_map(page, graph_id: str) -> None:
    """Wait until the plotly map in ``#graph_id`` has painted its canvas (plus two frames)."""
    page.wait_for_selector(f"#{graph_id} .js-plotly-plot .maplibregl-canvas")
    page.wait_for_function(
        """(id) => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');
                     return gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot
                            && gd._fullLayout.map._subplot.map && gd._fullLayout.map._subplot.map.loaded(); }""",
        arg=graph_id)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def live_api(live_app: LiveApp, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """Call the live app's HTTP API with the test token; the decoded JSON answer."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(live_app.base_url + path, data=data, method=method,
                                 headers={"Authorization": "Bearer live-test-token",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def open_dispatch(page, live_app: LiveApp, path: str = "/dispatch") -> None:  # type: ignore[no-untyped-def]
    """Log in as the dispatcher and wait until the console's map takes clicks."""
    login(page, live_app.base_url, "dispatcher", next_path=path)
    wait_for_map(page, "dispatch-map")
    page.wait_for_selector("#dispatch-map[data-click-ready='1']")


@pytest.fixture(scope="module")
def live_fleet(live_app: LiveApp, seed_fleet: Callable[..., dict[str, int]]) -> dict[str, int]:
    """:data:`FLEET` in the module's live app: ``{callsign: unit id}``."""
    return seed_fleet(live_app.db)


@pytest.fixture(scope="session")
def browser_login() -> Callable[..., None]:
    """``browser_login(page, base_url, username, password=TEST_PASSWORD, next_path="/")``."""
    return login


@pytest.fixture(scope="session")
def map_painted() -> Callable[..., None]:
    """``map_painted(page, graph_id)``: wait until that plotly map has painted."""
    return wait_for_map
