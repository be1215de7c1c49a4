"""Backups people can restore: a consistent ``pg_dump`` (custom format) plus a JSON manifest.

The manifest names the dump's SHA-256, the app version, the schema migrations, the shipped geodata
and catalog files' SHA-256 (the geography in the dump was loaded from them), the non-secret
settings, and a fingerprint of the history (row counts and an MD5 over every incident, call,
assignment and event) that a restore checks again.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from settings import GEO_DATA_DIR, ROOT_DIR
from store._errors import StoreError

FORMAT = "kendari112-backup/1"
#: Tables whose rows the fingerprint covers (the history a restore must bring back whole).
FINGERPRINT_TABLES = ("incidents", "calls", "assignments", "events", "units", "users")
#: TOC entries a restore leaves out: the extension itself (installed by a superuser before the
#: restore) and PostGIS's own table.
_SKIPPED_TOC = ("EXTENSION", "COMMENT - EXTENSION", "spatial_ref_sys")


class BackupError(StoreError):
    """A backup or restore could not be made or checked."""


@dataclass(frozen=True)
class Backup:
    dump: Path
    manifest_path: Path
    manifest: dict[str, Any]


# --- helpers --------------------------------------------------------------------------------------
def _client_env(url: str) -> tuple[str, dict[str, str]]:
    """``url`` without its password, and an environment passing it as PGPASSWORD (so that it does not
    show in the process list)."""
    info: dict[str, Any] = dict(psycopg.conninfo.conninfo_to_dict(url))
    env = dict(os.environ)
    password = info.pop("password", None)
    if password:
        env["PGPASSWORD"] = str(password)
    info.setdefault("connect_timeout", "10")
    return psycopg.conninfo.make_conninfo("", **info), env


def _client(bindir: Path | None, name: str) -> str:
    if bindir is None:
        from store.cluster import find_pg_bindir

        bindir = find_pg_bindir(require_postgis=False)
    return str(Path(bindir) / name)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def shipped_files() -> dict[str, str]:
    """SHA-256 of the shipped geodata and catalog files, by path relative to the project."""
    paths = sorted(p for p in GEO_DATA_DIR.rglob("*") if p.is_file())
    catalog = ROOT_DIR / "incidents" / "catalog.json"
    if catalog.exists():
        paths.append(catalog)
    return {str(p.relative_to(ROOT_DIR)): sha256_file(p) for p in paths}


def app_version() -> str:
    """``git describe`` of the checkout, or ``unknown``."""
    try:
        out = subprocess.run(["git", "-C", str(ROOT_DIR), "describe", "--always", "--dirty", "--tags"],
                             capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"


def fingerprint(url: str) -> dict[str, Any]:
    """Row counts and an MD5 over the rows (in id order, times in UTC) of the history tables."""
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        return _fingerprint(conn)


def _fingerprint(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    conn.execute("SET TimeZone = 'UTC'")
    conn.execute("SET extra_float_digits = 1")
    for table in FINGERPRINT_TABLES:
        if conn.execute("SELECT to_regclass(%s)", (f"public.{table}",)).fetchone()[0] is None:  # type: ignore[index]
            continue
        row = conn.execute(sql.SQL(
            "SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' ORDER BY t.id)), '')"
            " FROM {} t").format(sql.Identifier(table))).fetchone()
        assert row is not None
        out[table] = {"rows": int(row[0]), "md5": row[1]}
    return out


def _facts(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    server = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    name = conn.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
    has = conn.execute("SELECT to_regclass('public.schema_migrations') IS NOT NULL,"
                       " EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgis')").fetchone()
    assert has is not None
    postgis = conn.execute("SELECT postgis_lib_version()").fetchone()[0] if has[1] else None  # type: ignore[index]
    migrations = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")] if has[0] else []
    return {"name": name, "server_version": server, "postgis": postgis, "migrations": migrations}


def is_empty(url: str) -> bool:
    """True when ``public`` has no table, view or sequence of its own (PostGIS's do not count)."""
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
            " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass"
            "                 AND d.objid = c.oid AND d.deptype = 'e')").fetchone()
    return row is not None and row[0] == 0


# --- backup ---------------------------------------------------------------------------------------
def backup(url: str, out_dir: Path, *, settings: dict[str, Any] | None = None,
           bindir: Path | None = None, label: str = "kendari112") -> Backup:
    """Dump the database at ``url`` into ``out_dir`` (custom format, one consistent snapshot) and
    write its manifest next to it. Returns both paths and the manifest."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    dump = out_dir / f"{label}-{stamp}.dump"
    manifest_path = out_dir / f"{label}-{stamp}.manifest.json"
    conninfo, env = _client_env(url)
    t0 = time.monotonic()
    partial = dump.with_suffix(".dump.partial")
    with psycopg.connect(url, connect_timeout=10) as conn:
        # One snapshot for the dump and the fingerprint: the manifest describes exactly the dump.
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
        cmd = [_client(bindir, "pg_dump"), "--format=custom", "--compress=6", "--no-password",
               f"--snapshot={snapshot}", f"--file={partial}", f"--dbname={conninfo}"]
        result = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if result.returncode != 0:
            partial.unlink(missing_ok=True)
            raise BackupError("pg_dump failed: " + _last_line(result.stderr))
        prints = _fingerprint(conn)
        facts = _facts(conn)
        conn.rollback()
    os.chmod(partial, 0o600)
    partial.rename(dump)
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "dump_file": dump.name,
        "dump_bytes": dump.stat().st_size,
        "dump_sha256": sha256_file(dump),
        "dump_seconds": round(time.monotonic() - t0, 2),
        "pg_dump": _version(_client(bindir, "pg_dump")),
        "app_version": app_version(),
        "database": facts,
        "fingerprint": prints,
        "shipped_files": shipped_files(),
        "settings": settings or {},
    }
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n")
    os.chmod(manifest_path, 0o600)
    return Backup(dump, manifest_path, manifest)


def manifest_for(dump: Path) -> dict[str, Any] | None:
    """The manifest written next to ``dump`` by :func:`backup`, if it is there."""
    dump = Path(dump)
    candidate = dump.with_name(dump.name.removesuffix(".dump") + ".manifest.json")
    if not candidate.exists():
        return None
    manifest: dict[str, Any] = json.loads(candidate.read_text())
    return manifest


# --- restore --------------------------------------------------------------------------------------
def restore(dump: Path, url: str, *, bindir: Path | None = None, clean: bool = False) -> dict[str, Any]:
    """Restore ``dump`` into the (empty, PostGIS-enabled) database at ``url`` as its user, who then
    owns every object. Grants are not restored (the app role gets its privileges at the next
    start-up). With ``clean`` the dump's objects are dropped first. One transaction: all or nothing.

    Returns what the restore checked: the dump's SHA-256 against its manifest, and the fingerprint.
    """
    dump = Path(dump)
    if not dump.is_file():
        raise BackupError(f"no such backup file: {dump}")
    manifest = manifest_for(dump)
    report: dict[str, Any] = {"dump": str(dump), "manifest": manifest is not None}
    if manifest is not None:
        digest = sha256_file(dump)
        if digest != manifest.get("dump_sha256"):
            raise BackupError(f"{dump.name} does not match its manifest (SHA-256 differs): damaged or replaced")
        report["dump_sha256"] = "ok"
        here = shipped_files()
        changed = sorted(k for k, v in manifest.get("shipped_files", {}).items() if here.get(k) != v)
        report["shipped_files_changed"] = changed
    pg_restore = _client(bindir, "pg_restore")
    listing = subprocess.run([pg_restore, "--list", str(dump)], capture_output=True, text=True, check=False)
    if listing.returncode != 0:
        raise BackupError("not a readable pg_dump custom-format file: " + _last_line(listing.stderr))
    keep = [line for line in listing.stdout.splitlines()
            if not any(token in line for token in _SKIPPED_TOC)]
    toc = dump.with_name(dump.name + f".toc-{os.getpid()}")
    toc.write_text("\n".join(keep) + "\n")
    conninfo, env = _client_env(url)
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        except psycopg.Error as exc:
            toc.unlink(missing_ok=True)
            raise BackupError("the target database has no PostGIS and this role may not create it: "
                              "run CREATE EXTENSION postgis as a superuser first") from exc
    cmd = [pg_restore, "--no-owner", "--no-acl", "--single-transaction", "--exit-on-error",
           "--no-password", f"--use-list={toc}", f"--dbname={conninfo}"]
    if clean:
        cmd += ["--clean", "--if-exists"]
    t0 = time.monotonic()
    try:
        result = subprocess.run([*cmd, str(dump)], capture_output=True, text=True, env=env, check=False)
    finally:
        toc.unlink(missing_ok=True)
    if result.returncode != 0:
        raise BackupError("pg_restore failed (nothing was restored): " + _last_line(result.stderr))
    report["restore_seconds"] = round(time.monotonic() - t0, 2)
    prints = fingerprint(url)
    report["fingerprint"] = prints
    if manifest is not None:
        expected = manifest.get("fingerprint", {})
        report["fingerprint_matches"] = all(prints.get(t) == v for t, v in expected.items())
        report["mismatched_tables"] = sorted(t for t, v in expected.items() if prints.get(t) != v)
    return report


def _version(binary: str) -> str:
    try:
        return subprocess.run([binary, "--version"], capture_output=True, text=True,
                              check=False).stdout.strip()
    except OSError:
        return "unknown"


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in (text or "").strip().splitlines() if ln.strip()]
    return lines[-1] if lines else "no details"
