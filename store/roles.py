"""Database roles: an owner that runs the migrations, an application role that owns nothing.

The owner role (``k112_owner`` in the embedded cluster; the ``DATABASE_URL`` user otherwise) owns
the database and every table: it runs the migrations, the reference-data loader and the demo
seeder. The application role (``k112_app``) only gets the table privileges listed in the
``app_role_privileges`` table (migration 030): it cannot ALTER or DROP anything, cannot disable
triggers, and can only SELECT and INSERT ``events``.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from store._errors import StoreError

log = logging.getLogger(__name__)

OWNER_ROLE = "k112_owner"
APP_ROLE = "k112_app"
#: Privileges of a table that has no row in ``app_role_privileges``.
DEFAULT_TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
VIEW_PRIVILEGES = ("SELECT",)
SEQUENCE_PRIVILEGES = ("USAGE", "SELECT")
TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
#: Relations in ``public`` that are not part of an extension (PostGIS's own tables are skipped).
_RELATIONS = """
SELECT c.oid, c.relname, c.relkind,
       pg_has_role(current_user, c.relowner, 'USAGE') AS mine
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind = ANY(%s)
   AND NOT EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
 ORDER BY c.relname
"""
_DIRECT_GRANTS = """
SELECT a.privilege_type
  FROM pg_class c, aclexplode(c.relacl) a
 WHERE c.oid = %s AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = %s)
"""


class RoleError(StoreError):
    """A role could not be created or given its privileges."""


# --- secrets and URLs ------------------------------------------------------------------------------
def read_secret(path: Path) -> str:
    """The password kept in ``path`` (mode 0600), created at random on first use.

    Creation is exclusive: processes starting at the same time all end up with the same password.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):   # another process may be writing it right now
            value = path.read_text().strip()
            if value:
                return value
            time.sleep(0.02)
        raise RoleError(f"{path} is empty: delete it to have a new password generated") from None
    value = secrets.token_urlsafe(24)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value


def secret_file(secrets_dir: Path, role: str) -> Path:
    """Where the password of ``role`` is kept in ``secrets_dir``."""
    return Path(secrets_dir) / f"{role}.password"


def with_credentials(url: str, user: str, password: str | None) -> str:
    """``url`` (URL or key=value, multi-host too) connecting as ``user`` with ``password``."""
    info: dict[str, Any] = dict(psycopg.conninfo.conninfo_to_dict(url))
    info["user"] = user
    if password is None:
        info.pop("password", None)
    else:
        info["password"] = password
    return psycopg.conninfo.make_conninfo("", **info)


def url_user(url: str) -> str | None:
    """The user named in ``url``, if any."""
    user = psycopg.conninfo.conninfo_to_dict(url).get("user")
    return str(user) if user else None


def can_login(url: str, *, timeout_s: int = 3) -> bool:
    """True when ``url`` accepts a connection (right role, password and pg_hba rule)."""
    try:
        with psycopg.connect(url, connect_timeout=timeout_s, autocommit=True) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


# --- roles -------------------------------------------------------------------------------------------
def role_exists(cur: psycopg.Cursor[Any], name: str) -> bool:
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,))
    return cur.fetchone() is not None


def can_manage_roles(cur: psycopg.Cursor[Any]) -> bool:
    """True when the current user may create roles (superuser or CREATEROLE)."""
    cur.execute("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
    row = cur.fetchone()
    return bool(row and _first(row))


def is_superuser(cur: psycopg.Cursor[Any], name: str) -> bool:
    cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", (name,))
    row = cur.fetchone()
    return bool(row and _first(row))


def ensure_login_role(cur: psycopg.Cursor[Any], name: str, password: str) -> None:
    """Create ``name`` as an unprivileged login role with ``password``, or reset its password.

    The role gets no SUPERUSER, CREATEDB, CREATEROLE, REPLICATION or BYPASSRLS.
    """
    attrs = sql.SQL("LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD {}").format(
        sql.Literal(password))
    for attempt in range(5):
        verb = "ALTER" if role_exists(cur, name) else "CREATE"
        try:
            cur.execute(sql.SQL(verb + " ROLE {} ").format(sql.Identifier(name)) + attrs)
            return
        except (psycopg.errors.DuplicateObject, psycopg.errors.InternalError_):
            # created or altered at the same moment by a concurrent start-up ("tuple concurrently
            # updated"): look again
            if attempt == 4:
                raise
            time.sleep(0.05 * (attempt + 1))


def make_owner(conn: psycopg.Connection[Any], owner: str) -> int:
    """As a superuser connected to the app database: hand the database, its schema ``public`` and
    every non-extension object in it to ``owner``; allow ``owner`` the demo seeder's bulk-load
    setting. Returns how many objects changed hands."""
    changed = 0
    ident = sql.Identifier(owner)
    with conn.cursor() as cur:
        cur.execute("SELECT current_database()")
        dbname = _first(cur.fetchone())
        cur.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()")
        if _first(cur.fetchone()) != owner:
            cur.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(dbname), ident))
            changed += 1
        cur.execute("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'")
        if _first(cur.fetchone()) not in (owner, "pg_database_owner"):
            cur.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(ident))
            changed += 1
        # Tables first (their indexes and owned sequences follow), then what is left.
        for kinds, stmt in ((["r", "p", "f"], "ALTER TABLE {} OWNER TO {}"),
                            (["v"], "ALTER VIEW {} OWNER TO {}"),
                            (["m"], "ALTER MATERIALIZED VIEW {} OWNER TO {}"),
                            (["S"], "ALTER SEQUENCE {} OWNER TO {}")):
            cur.execute(
                _RELATIONS.replace("ORDER BY", "AND pg_get_userbyid(c.relowner) <> %s ORDER BY"),
                (kinds, owner))
            for row in cur.fetchall():
                cur.execute(sql.SQL(stmt).format(sql.Identifier("public", row[1]), ident))
                changed += 1
        cur.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> %s"
            " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass"
            "                 AND d.objid = p.oid AND d.deptype = 'e')", (owner,))
        for (signature,) in cur.fetchall():
            kind = "ROUTINE"
            cur.execute(sql.SQL("ALTER " + kind + " " + signature + " OWNER TO {}").format(ident))
            changed += 1
        cur.execute("SELECT current_setting('server_version_num')::int >= 150000")
        if _first(cur.fetchone()):
            # PostgreSQL 15+: the demo seeder's bulk load skips FK checks with this setting.
            cur.execute(sql.SQL("GRANT SET ON PARAMETER session_replication_role TO {}").format(ident))
    return changed


# --- privileges of the application role --------------------------------------------------------------
def _policy(cur: psycopg.Cursor[Any]) -> dict[str, tuple[str, ...]]:
    cur.execute("SELECT to_regclass('public.app_role_privileges') IS NOT NULL")
    if not _first(cur.fetchone()):
        return {"events": ("SELECT", "INSERT"), "schema_migrations": ("SELECT",)}
    cur.execute("SELECT table_name, privileges FROM app_role_privileges")
    return {r[0]: tuple(r[1]) for r in cur.fetchall()}


def _sync(cur: psycopg.Cursor[Any], stmt_kind: str, oid: int, name: str, role: str,
          wanted: Iterable[str], universe: Iterable[str]) -> list[str]:
    cur.execute(_DIRECT_GRANTS, (oid, role))
    have = {_first(r) for r in cur.fetchall()}
    wanted = set(wanted)
    target = sql.Identifier("public", name)
    changes = []
    grant = sorted(wanted - have)
    revoke = sorted((have - wanted) & set(universe))
    if grant:
        cur.execute(sql.SQL("GRANT {} ON " + stmt_kind + " {} TO {}").format(
            sql.SQL(", ").join(sql.SQL(p) for p in grant), target, sql.Identifier(role)))
        changes.append(f"grant {','.join(grant)} on {name}")
    if revoke:
        cur.execute(sql.SQL("REVOKE {} ON " + stmt_kind + " {} FROM {}").format(
            sql.SQL(", ").join(sql.SQL(p) for p in revoke), target, sql.Identifier(role)))
        changes.append(f"revoke {','.join(revoke)} on {name}")
    return changes


def grant_app_privileges(conn: psycopg.Connection[Any], app_role: str) -> list[str]:
    """Give ``app_role`` exactly its privileges on every table, view and sequence of ``public``
    that the current user owns, and the same by default on the tables the current user creates
    later. Idempotent: only differences are granted or revoked. Returns the changes made."""
    changes: list[str] = []
    role = sql.Identifier(app_role)
    with conn.transaction(), conn.cursor() as cur:
        if not role_exists(cur, app_role):
            raise RoleError(f"database role {app_role} does not exist")
        if is_superuser(cur, app_role):
            log.warning("the application role %s is a superuser: least privilege is not in effect", app_role)
        policy = _policy(cur)
        cur.execute("SELECT current_database()")
        dbname = _first(cur.fetchone())
        cur.execute("SELECT has_database_privilege(%s, current_database(), 'CONNECT'),"
                    " has_schema_privilege(%s, 'public', 'USAGE')", (app_role, app_role))
        connect_ok, usage_ok = cur.fetchone()  # type: ignore[misc]
        if not connect_ok:
            cur.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(dbname), role))
            changes.append("grant CONNECT on database")
        if not usage_ok:
            cur.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role))
            changes.append("grant USAGE on schema public")
        cur.execute(_RELATIONS, (["r", "p", "v", "m", "f"],))
        for oid, name, kind, mine in cur.fetchall():
            if not mine:
                continue
            wanted = policy.get(name) or (VIEW_PRIVILEGES if kind in ("v", "m") else DEFAULT_TABLE_PRIVILEGES)
            changes += _sync(cur, "TABLE", oid, name, app_role, wanted, TABLE_PRIVILEGES)
        cur.execute(_RELATIONS, (["S"],))
        for oid, name, _kind, mine in cur.fetchall():
            if mine:
                changes += _sync(cur, "SEQUENCE", oid, name, app_role, SEQUENCE_PRIVILEGES,
                                 ("USAGE", "SELECT", "UPDATE"))
        # Tables and sequences created later by the current user (future migrations).
        for objtype, privs in (("r", DEFAULT_TABLE_PRIVILEGES), ("S", SEQUENCE_PRIVILEGES)):
            cur.execute(
                "SELECT count(*) FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace,"
                " aclexplode(d.defaclacl) a"
                " WHERE d.defaclrole = (SELECT oid FROM pg_roles WHERE rolname = current_user)"
                " AND n.nspname = 'public' AND d.defaclobjtype = %s"
                " AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = %s)", (objtype, app_role))
            if _first(cur.fetchone()) < len(privs):
                cur.execute(sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT {} ON {} TO {}").format(
                    sql.SQL(", ").join(sql.SQL(p) for p in privs),
                    sql.SQL("TABLES" if objtype == "r" else "SEQUENCES"), role))
                changes.append(f"default privileges on {'tables' if objtype == 'r' else 'sequences'}")
    if changes:
        log.info("privileges of %s: %s", app_role, "; ".join(changes))
    return changes


def table_privileges(conn: psycopg.Connection[Any], role: str) -> dict[str, set[str]]:
    """What ``role`` may do on each non-extension table of ``public`` (all routes: direct grants,
    PUBLIC, membership, ownership)."""
    out: dict[str, set[str]] = {}
    with conn.cursor() as cur:
        cur.execute(_RELATIONS, (["r", "p"],))
        for oid, name, _kind, _mine in cur.fetchall():
            cur.execute("SELECT p FROM unnest(%s::text[]) p WHERE has_table_privilege(%s, %s::oid, p)",
                        (list(TABLE_PRIVILEGES), role, oid))
            out[name] = {_first(r) for r in cur.fetchall()}
    return out


def _first(row: Any) -> Any:
    if row is None:
        return None
    if isinstance(row, dict):
        return next(iter(row.values()))
    return row[0]
