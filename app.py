"""Kendari 112 incident command: wires settings, database, auth, API and Dash pages; runs the server."""

from __future__ import annotations

import argparse
import logging
import secrets
import signal
import sys
import time
from collections.abc import Mapping
from typing import Any

import dash
import flask
from dash import dcc, html

from services.analytics import start_refresher
from services.resources import Resources
from settings import ROOT_DIR, VAR_DIR, Settings, from_env
from store.db import Database, check_connection
from web.context import EXTENSION_KEY, AppState, current_user
from web.lang import current_lang, tr

log = logging.getLogger("kendari112")

#: (path, Indonesian label, English label, roles allowed; admin sees all)
NAV = (
    ("/", "Peta", "Map", ("dispatcher", "leadership", "planner", "admin")),
    ("/dispatch", "Pengarahan", "Dispatch", ("dispatcher",)),
    ("/analytics", "Kinerja", "Performance", ("leadership",)),
    ("/planning", "Perencanaan", "Planning", ("planner",)),
    ("/admin", "Admin", "Admin", ()),
    ("/crew", "Kru", "Crew", ("crew",)),
)


def _settings(config: Settings | Mapping[str, Any] | None) -> Settings:
    if isinstance(config, Settings):
        return config
    base = from_env()
    return base.with_overrides(**dict(config)) if config else base


def _secret_key(settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    path = VAR_DIR / "secret_key"
    try:
        VAR_DIR.mkdir(exist_ok=True)
        if not path.exists():
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip()
    except OSError:
        return secrets.token_hex(32)


def create_app(config: Settings | Mapping[str, Any] | None = None) -> dash.Dash:
    """Build the Dash app (and its Flask server) for an already prepared database.

    Parameters
    ----------
    config
        Settings, or a mapping of overrides applied to the environment's settings.
        ``database_url`` must be set (``main`` resolves the embedded cluster first).
    """
    settings = _settings(config)
    if not settings.database_url:
        raise ValueError("create_app needs settings.database_url (main() starts the embedded cluster)")
    server = flask.Flask(__name__, template_folder=str(ROOT_DIR / "templates"))
    server.config.update(SECRET_KEY=_secret_key(settings), K112_DEFAULT_LANG=settings.default_language,
                         MAX_CONTENT_LENGTH=20 * 1024 * 1024, JSON_SORT_KEYS=False)
    db = Database(settings.app_database_url or settings.database_url, min_size=1,
                  max_size=settings.pool_max_size, statement_timeout_s=settings.statement_timeout_s or None)
    server.extensions[EXTENSION_KEY] = AppState(settings=settings, db=db, resources=Resources(db))
    start_refresher(db)   # new and changed incidents reach the analytics facts in the background

    from web import auth as web_auth, health, security

    if settings.trust_proxy:
        from werkzeug.middleware.proxy_fix import ProxyFix

        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    security.register(server, basemap=settings.basemap, secure_cookies=settings.secure_cookies)
    web_auth.register(server)
    health.register(server)
    from web import basemap as web_basemap

    web_basemap.register(server)
    import api

    api.register(server)
    from web import input_guard, outage

    input_guard.register(server)
    outage.register(server)

    app = dash.Dash(
        __name__, server=server, use_pages=True,  # type: ignore[arg-type]  # Dash takes a Flask server pages_folder=str(ROOT_DIR / "pages"),
        assets_folder=str(ROOT_DIR / "assets"), suppress_callback_exceptions=True,
        title="Kendari 112", update_title="",
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.layout = serve_layout
    web_auth.check_callback_roles(app)   # deny by default: every server-side callback has a role rule
    return app


def serve_layout() -> Any:
    """Top bar (role-aware navigation, language, user) around the current page."""
    from web.auth import ROLE_LABELS

    user = current_user()
    lang = current_lang()
    links = []
    if user is not None:
        for href, label_id, label_en, roles in NAV:
            if user.role == "admin" or user.role in roles:
                links.append(dcc.Link(tr(label_id, label_en, lang), href=href,
                                      className="k112-nav-link", id=f"nav-{href.strip('/') or 'map'}"))
    other = "en" if lang == "id" else "id"
    return html.Div([
        dcc.Location(id="url", refresh="callback-nav"),
        html.Header([
            html.Span("Kendari 112", className="k112-brand"),
            html.Nav(links, className="k112-nav"),
            html.Div([
                html.Span(f"{user.display_name} · {tr(*ROLE_LABELS[user.role], lang)}" if user else "",
                          id="nav-user",
                          className="k112-user"),
                html.A("English" if other == "en" else "Bahasa Indonesia", href=f"/lang/{other}",
                       id="lang-switch", className="k112-lang-switch"),
                html.Form(html.Button(tr("Keluar", "Log out", lang), type="submit", id="logout",
                                      className="k112-logout"),
                          method="POST", action="/logout", className="k112-logout-form"),
            ], className="k112-header-right"),
        ], className="k112-header"),
        html.Main(dash.page_container, className="k112-main"),
    ])


def create_server(config: Settings | Mapping[str, Any] | None = None) -> flask.Flask:
    """WSGI factory for gunicorn: ``gunicorn 'app:create_server()'`` (needs DATABASE_URL)."""
    return create_app(config).server


# --- command line -------------------------------------------------------------------------
def prepare_database(settings: Settings) -> tuple[str, Any]:
    """Resolve the database (embedded cluster unless DATABASE_URL), migrate, load reference data."""
    from services import bootstrap
    from store.cluster import EmbeddedCluster

    cluster = None
    url = settings.database_url
    if not url:
        cluster = EmbeddedCluster(settings.embedded_pg_dir, port=settings.embedded_pg_port)
        url = cluster.ensure_owned()   # owner role: migrations and seeding
    else:
        check_connection(url)
    db = Database(url, max_size=4)
    try:
        facts = bootstrap.prepare(db, app_url=settings.app_database_url,
                                  secrets_dir=cluster.data_dir if cluster is not None else VAR_DIR)
        app_url = str(facts.pop("app_url"))   # the web app's role (no ALTER/DROP, events append-only)
        log.info("database ready: %s", facts)
        if settings.seed_demo:
            _seed_demo(db, settings)
        _first_run_accounts(db)
    finally:
        db.close()
    return app_url, cluster


def _seed_demo(db: Database, settings: Settings) -> None:
    try:
        import demo
    except ImportError:
        log.warning("demo data generator not available; skipping seeding")
        return
    t0 = time.perf_counter()
    counts = demo.seed_if_empty(db, seed=settings.demo_seed, months=settings.demo_months)
    if counts:
        print(f"Demo data seeded in {time.perf_counter() - t0:.1f} s: {counts}", flush=True)


def _first_run_accounts(db: Database) -> None:
    from services.accounts import ensure_first_run_accounts

    created = ensure_first_run_accounts(db)
    if not created:
        return
    lines = ["", "First-run accounts (shown once; change them in the admin page):"]
    for acc in created:
        shown = "(from environment)" if acc.from_env else acc.password
        lines.append(f"  {acc.role:<11} user: {acc.username:<11} password: {shown}")
    print("\n".join(lines) + "\n", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Kendari 112 incident command")
    parser.add_argument("command", nargs="?", default="run",
                        choices=["run", "prepare", "stop-db", "create-token", "report"])
    parser.add_argument("--name", default="integration", help="create-token: token name")
    parser.add_argument("--role", default="integration", help="create-token: role")
    parser.add_argument("--month", help="report: the month, YYYY-MM")
    parser.add_argument("--lang", default="id", choices=["id", "en"], help="report: language")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Libraries' own chatter: numexpr announces its thread count; the pool logs every failed
    # reconnect (the app logs an outage's start and end once itself).
    logging.getLogger("numexpr").setLevel(logging.WARNING)
    logging.getLogger("psycopg.pool").setLevel(logging.ERROR)
    settings = from_env()

    from layers._errors import GeoDataError
    from layers.geodata import validate_all
    from store._errors import StoreError
    from store.cluster import EmbeddedCluster, port_in_use

    try:
        if args.command == "stop-db":
            EmbeddedCluster(settings.embedded_pg_dir, port=settings.embedded_pg_port).stop()
            return 0
        validate_all()
        if args.command == "run" and port_in_use(settings.host, settings.port):
            raise SystemExit(f"error: port {settings.port} on {settings.host} is already in use; "
                             "set PORT to a free port")
        t0 = time.perf_counter()
        url, cluster = prepare_database(settings)
        if args.command in ("prepare", "create-token", "report"):
            try:
                if args.command == "report":
                    from services.reports import main as report_main

                    return report_main(url, args.month or "", lang=args.lang)
                if args.command == "create-token":
                    from services.accounts import issue_api_token

                    db = Database(url, max_size=2)
                    print(issue_api_token(db, name=args.name, role=args.role))
                    db.close()
            finally:
                if cluster is not None and cluster.started_here:
                    cluster.stop()   # leave the embedded cluster as we found it
            return 0
    except (StoreError, GeoDataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 2

    app = create_app(settings.with_overrides(database_url=url))
    def _stop(*_: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)  # also when started in the background (SIGINT ignored)
    supervisor = None
    if cluster is not None:   # restart the embedded PostgreSQL if its postmaster dies
        from store.cluster import start_supervisor

        supervisor = start_supervisor(cluster)
    print(f"Kendari 112 ready after {time.perf_counter() - t0:.1f} s: http://{settings.host}:{settings.port}",
          flush=True)
    try:
        from waitress import serve

        serve(app.server, host=settings.host, port=settings.port, threads=16, ident="kendari112",
              connection_limit=settings.connection_limit, channel_timeout=settings.channel_timeout_s,
              cleanup_interval=5, _quiet=True)
    except KeyboardInterrupt:
        log.info("stopping on signal")
    except OSError as exc:
        print(f"error: cannot serve on {settings.host}:{settings.port}: {exc}", file=sys.stderr)
        return 2
    finally:
        if supervisor is not None:
            supervisor.stop()
        app.server.extensions[EXTENSION_KEY].db.close()
        if cluster is not None and cluster.started_here:
            cluster.stop()
            print("embedded PostgreSQL stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
