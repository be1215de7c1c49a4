"""Per-request access to the app's database and the logged-in user (no globals)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import flask

from services.resources import Resources
from settings import Settings
from store.db import Database
from store.users import User

EXTENSION_KEY = "kendari112"


@dataclass(frozen=True)
class AppState:
    """What create_app wires together; stored in ``server.extensions``."""

    settings: Settings
    db: Database
    resources: Resources  # shared read-only data, reloaded when its version in the database changes


def state() -> AppState:
    return flask.current_app.extensions[EXTENSION_KEY]


def get_db() -> Database:
    return state().db


def get_settings() -> Settings:
    return state().settings


def current_user() -> User | None:
    """The user of this request's session cookie (looked up once per request)."""
    return flask.g.get("k112_user")


def get_resources() -> Resources:
    return state().resources


def area_layers() -> dict[str, Any]:
    """Kecamatan/kelurahan GeoJSON for the maps (read-only; reloaded when an admin changes it)."""
    return get_resources().area_layers()
