"""Numbered SQL migrations (``migrations/NNN_name.sql``), applied once each at start-up."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

from settings import MIGRATIONS_DIR
from store._errors import PostGISMissingError, StoreError
from store.db import Database

_NAME_RE = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")
#: Serialises concurrent start-ups (several workers, tests) on one database.
_ADVISORY_LOCK_KEY = 112_0001


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """List migration files in version order; duplicate versions are an error."""
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _NAME_RE.match(path.name)
        if not match:
            raise StoreError(f"bad migration file name: {path.name} (want NNN_name.sql)")
        version = int(match.group(1))
        if version in found:
            raise StoreError(f"two migrations with version {version:03d}")
        found[version] = Migration(version, match.group(2), path)
    return [found[v] for v in sorted(found)]


def require_extension(db: Database, name: str = "postgis") -> None:
    """Raise PostGISMissingError when the server cannot provide extension ``name``."""
    with db.transaction() as cur:
        cur.execute("SELECT 1 FROM pg_available_extensions WHERE name = %s", (name,))
        if cur.fetchone() is None:
            raise PostGISMissingError(
                f"the database server has no '{name}' extension: install PostGIS on it "
                "(Debian: apt-get install postgresql-15-postgis-3)"
            )


def apply_migrations(db: Database, directory: Path = MIGRATIONS_DIR) -> list[int]:
    """Apply every migration not yet applied, each in its own transaction; return new versions."""
    require_extension(db, "postgis")
    applied_now: list[int] = []
    with db.connection() as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_ADVISORY_LOCK_KEY,))
        conn.commit()
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version integer PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            conn.commit()
            done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations").fetchall()}
            conn.commit()
            for mig in discover(directory):
                if mig.version in done:
                    continue
                try:
                    with conn.transaction():
                        conn.execute(mig.path.read_text())
                        conn.execute(
                            "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                            (mig.version, mig.name),
                        )
                except psycopg.Error as exc:
                    raise StoreError(
                        f"migration {mig.path.name} failed: {str(exc).strip().splitlines()[0]}"
                    ) from exc
                applied_now.append(mig.version)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_ADVISORY_LOCK_KEY,))
            conn.commit()
    return applied_now
