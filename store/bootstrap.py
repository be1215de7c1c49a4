"""Prepare a database for the app: migrations, reference catalog, geography (idempotent)."""

from __future__ import annotations

from store.db import Database
from store.migrate import apply_migrations
from store.reference import load_catalog, load_geography


def prepare(db: Database) -> dict[str, object]:
    """Bring ``db`` to the current schema and load the shipped reference data when missing."""
    applied = apply_migrations(db)
    load_catalog(db)
    counts = load_geography(db)
    return {"migrations_applied": applied, **counts}
