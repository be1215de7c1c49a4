"""Typed application settings read from environment variables with development defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

ROOT_DIR = Path(__file__).resolve().parent
VAR_DIR = ROOT_DIR / "var"
GEO_DATA_DIR = ROOT_DIR / "geo_data"
MIGRATIONS_DIR = ROOT_DIR / "migrations"

#: Time zone in which every time is shown to users (WITA, UTC+8).
DISPLAY_TZ = "Asia/Makassar"


def _env_bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with development defaults.

    Build it with :func:`from_env`; tests pass overrides to :func:`create_app` instead.
    """

    host: str = "127.0.0.1"
    port: int = 8050
    #: Server URL; ``None`` means the embedded PostgreSQL + PostGIS cluster under ``var/``.
    #: With ``main`` this is the owner role (migrations, seeding); the web app connects with
    #: ``app_database_url`` (given, or derived at start-up as the role ``k112_app``).
    database_url: str | None = None
    #: The application role's URL (no ALTER/DROP, events append-only); ``None``: derived or same.
    app_database_url: str | None = None
    #: Server-side statement timeout of the web app's connections (seconds; 0: none).
    statement_timeout_s: float = 30.0
    #: TCP port of the embedded cluster (loopback only).
    embedded_pg_port: int = 54329
    embedded_pg_dir: Path = VAR_DIR / "pg"
    #: Secret for signing cookies; a random one is generated (and kept in var/) when unset.
    secret_key: str | None = None
    #: Integration token accepted by the HTTP API (acts as an integration with full API rights).
    api_token: str | None = None
    #: ``offline`` (the city's own base map: land, water, boundaries, imported roads, labels; no internet)
    #: or ``osm`` (OpenStreetMap tiles added under those layers; a tile failure only shows a note).
    basemap: str = "offline"
    default_language: str = "id"
    #: Seed demo data into an empty database on start.
    seed_demo: bool = True
    demo_seed: int = 112
    demo_months: int = 12
    pool_max_size: int = 10
    session_hours: int = 12
    #: ``auto`` (Secure cookies when the request came over HTTPS), ``always`` or ``never``.
    secure_cookies: str = "auto"
    #: Trust one reverse proxy's ``X-Forwarded-For/-Proto/-Host`` (only behind nginx/Caddy).
    trust_proxy: bool = False
    #: Built-in server: most open connections, and seconds an idle or half-open one is kept.
    connection_limit: int = 400
    channel_timeout_s: int = 15

    def with_overrides(self, **kwargs: Any) -> Settings:
        """Return a copy with the given fields replaced."""
        return replace(self, **kwargs)


def from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """Read settings from the environment (``os.environ`` by default)."""
    env = os.environ if environ is None else environ
    return Settings(
        host=env.get("HOST", "127.0.0.1"),
        port=int(env.get("PORT", "8050")),
        database_url=env.get("DATABASE_URL") or None,
        app_database_url=env.get("KENDARI112_APP_DATABASE_URL") or None,
        statement_timeout_s=float(env.get("KENDARI112_STATEMENT_TIMEOUT_S", "30")),
        embedded_pg_port=int(env.get("KENDARI112_PG_PORT", "54329")),
        embedded_pg_dir=Path(env.get("KENDARI112_PG_DIR", str(VAR_DIR / "pg"))),
        secret_key=env.get("KENDARI112_SECRET_KEY") or None,
        api_token=env.get("KENDARI112_API_TOKEN") or None,
        basemap=env.get("KENDARI112_BASEMAP", "offline"),
        default_language=env.get("KENDARI112_LANG", "id"),
        seed_demo=_env_bool(env.get("KENDARI112_SEED_DEMO"), True),
        demo_seed=int(env.get("KENDARI112_DEMO_SEED", "112")),
        demo_months=int(env.get("KENDARI112_DEMO_MONTHS", "12")),
        pool_max_size=int(env.get("KENDARI112_POOL_MAX", "10")),
        secure_cookies=env.get("KENDARI112_SECURE_COOKIES", "auto"),
        trust_proxy=_env_bool(env.get("KENDARI112_TRUST_PROXY"), False),
        connection_limit=int(env.get("KENDARI112_CONNECTION_LIMIT", "400")),
        channel_timeout_s=int(env.get("KENDARI112_CHANNEL_TIMEOUT_S", "15")),
    )
