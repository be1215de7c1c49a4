"""Versions of the shared read-only resources (one row per resource, bumped by triggers or explicitly)."""

from __future__ import annotations

from typing import Any

from store.db import Database

_VERSIONS = "SELECT name, version FROM resource_versions"
_BUMP = "UPDATE resource_versions SET version = version + 1, changed_at = now() WHERE name = %s RETURNING version"


def versions(db: Database) -> dict[str, int]:
    """Current version of every resource, e.g. ``{"catalog": 3, "facilities": 1, ...}``."""
    with db.transaction() as cur:
        cur.execute(_VERSIONS)
        return {str(r["name"]): int(r["version"]) for r in cur.fetchall()}


def bump(db: Database, name: str) -> int:
    """Tell every worker that resource ``name`` changed (for changes that no trigger sees)."""
    with db.transaction() as cur:
        return bump_in(cur, name)


def bump_in(cur: Any, name: str) -> int:
    """Same as :func:`bump`, inside the caller's transaction."""
    cur.execute(_BUMP, (name,))
    row = cur.fetchone()
    return int(row["version"]) if row else 0
