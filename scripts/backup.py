#!/usr/bin/env python3
"""`make backup [OUT=dir]`: a consistent pg_dump (custom format) of the app database + manifest.

Uses DATABASE_URL when set, else the embedded cluster (started for the backup if it was stopped,
and stopped again afterwards). Writes ``kendari112-<UTC time>.dump`` and ``….manifest.json``
(mode 0600) into ``var/backups`` or ``--out``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path

import _setup  # noqa: F401  (puts the project on sys.path)

from settings import VAR_DIR, Settings, from_env
from store._errors import StoreError
from store.backup import backup
from store.cluster import DB_NAME, EmbeddedCluster

SECRET_FIELDS = ("secret_key", "api_token", "database_url", "app_database_url")


def public_settings(settings: Settings) -> dict[str, object]:
    """The settings worth keeping with a backup (no passwords, tokens or keys)."""
    out = {k: (str(v) if not isinstance(v, (int, float, bool, type(None))) else v)
           for k, v in asdict(settings).items() if k not in SECRET_FIELDS and k != "extra"}
    out["database"] = "DATABASE_URL" if settings.database_url else "embedded"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=VAR_DIR / "backups", help="directory for the backup")
    args = parser.parse_args(argv)
    settings = from_env()
    cluster = None
    try:
        if settings.database_url:
            url = settings.database_url
        else:
            cluster = EmbeddedCluster(settings.embedded_pg_dir, port=settings.embedded_pg_port)
            if not cluster.initialised:
                raise StoreError(f"no embedded database in {settings.embedded_pg_dir} to back up "
                                 "(run `make run` first, or set DATABASE_URL)")
            url = cluster.ensure(DB_NAME)
        made = backup(url, args.out, settings=public_settings(settings))
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if cluster is not None and cluster.started_here:
            cluster.stop()
    m = made.manifest
    counts = ", ".join(f"{t} {v['rows']}" for t, v in m["fingerprint"].items())
    print(f"backup: {made.dump} ({m['dump_bytes'] / 1e6:.1f} MB, {m['dump_seconds']} s)")
    print(f"manifest: {made.manifest_path}")
    print(f"rows: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
