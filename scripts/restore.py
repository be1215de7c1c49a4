#!/usr/bin/env python3
"""`make restore FILE=… [FORCE=1]`: restore a `make backup` file into an empty database.

Target: DATABASE_URL when set (its user becomes the owner of everything restored), else the
embedded cluster in KENDARI112_PG_DIR (created when it does not exist yet: a fresh cluster).
A database that already has tables is refused unless --force (FORCE=1), which replaces it. The
dump's SHA-256 is checked against its manifest before, every incident, call, assignment and event
after (row counts and checksums). Then the schema is brought up to date (newer migrations) and
the app role gets its privileges, as at any start-up.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import _setup  # noqa: F401  (puts the project on sys.path)
import psycopg
from psycopg import sql

from services.bootstrap import prepare
from settings import VAR_DIR, from_env
from store import Database
from store._errors import StoreError
from store.backup import BackupError, is_empty, restore
from store.cluster import DB_NAME, EmbeddedCluster


def _recreate(admin_url: str, dbname: str, owner: str | None = None) -> None:
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
        stmt = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname))
        if owner:
            stmt += sql.SQL(" OWNER {}").format(sql.Identifier(owner))
        conn.execute(stmt)


def _with_db(url: str, dbname: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["dbname"] = dbname
    return psycopg.conninfo.make_conninfo(**info)


def restore_into_url(dump: Path, url: str, *, force: bool, app_url: str | None) -> dict:
    clean = False
    if not is_empty(url):
        if not force:
            raise BackupError("the target database is not empty: restore into an empty database, or "
                              "FORCE=1 to replace its contents")
        info = psycopg.conninfo.conninfo_to_dict(url)
        dbname = info.get("dbname") or info.get("user")
        with psycopg.connect(url, connect_timeout=10) as conn:
            user, superuser = conn.execute(
                "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()  # type: ignore[misc]
        if superuser:   # drop and create it again (PostGIS is installed again by the restore)
            _recreate(_with_db(url, "postgres"), str(dbname), str(user))
        else:           # a non-superuser could not install PostGIS again: replace the dump's objects
            clean = True
    report = restore(dump, url, clean=clean)
    db = Database(url, max_size=2)
    try:
        facts = prepare(db, app_url=app_url, secrets_dir=VAR_DIR)
    finally:
        db.close()
    report["migrations_applied"] = facts["migrations_applied"]
    report["app_role"] = facts["app_role"]
    return report


def restore_embedded(dump: Path, cluster: EmbeddedCluster, *, force: bool) -> dict:
    fresh = not cluster.initialised
    super_url = cluster.ensure(DB_NAME)
    if not is_empty(super_url):
        if not force:
            raise BackupError(f"the embedded database in {cluster.data_dir} is not empty: FORCE=1 "
                              "replaces it, or set KENDARI112_PG_DIR/KENDARI112_PG_PORT to a new cluster")
        _recreate(cluster.url("postgres"), DB_NAME)
    owner_url = cluster.ensure_owned(DB_NAME)
    report = restore(dump, owner_url)
    db = Database(owner_url, max_size=2)
    try:
        facts = prepare(db, secrets_dir=cluster.data_dir)
    finally:
        db.close()
    report.update(fresh_cluster=fresh, migrations_applied=facts["migrations_applied"],
                  app_role=facts["app_role"])
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, help="a .dump written by `make backup`")
    parser.add_argument("--force", action="store_true", help="replace a database that is not empty")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    settings = from_env()
    cluster = None
    try:
        if settings.database_url:
            report = restore_into_url(args.file, settings.database_url, force=args.force,
                                      app_url=settings.app_database_url)
        else:
            cluster = EmbeddedCluster(settings.embedded_pg_dir, port=settings.embedded_pg_port)
            report = restore_embedded(args.file, cluster, force=args.force)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if cluster is not None and cluster.started_here:
            cluster.stop()
    print(json.dumps(report, indent=2, default=str))
    if report.get("shipped_files_changed"):
        print("warning: these shipped files changed since the backup (the restored database keeps the "
              f"backup's geography): {', '.join(report['shipped_files_changed'])}", file=sys.stderr)
    rows = ", ".join(f"{t} {v['rows']}" for t, v in report["fingerprint"].items())
    if report.get("fingerprint_matches") is False:
        print(f"error: restored rows differ from the backup's manifest: {report['mismatched_tables']}",
              file=sys.stderr)
        return 1
    checked = "checked against the manifest" if report.get("manifest") else "no manifest to check against"
    print(f"restored {args.file} ({rows}; {checked})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
