"""Prepare a database for the app: migrations, reference catalog, geography, the app's role.

``prepare`` runs as the owner role (the embedded cluster's ``k112_owner`` or the ``DATABASE_URL``
user) and returns, under ``app_url``, the connection string the web app should use:

* ``app_url`` given (``KENDARI112_APP_DATABASE_URL``): that role gets the app privileges;
* else, with ``secrets_dir``: the role ``k112_app`` (password kept in ``secrets_dir``, mode 0600)
  is created when the owner may create roles (or already exists with that password), gets the
  app privileges, and its URL is returned;
* else (or when neither works): the owner's own URL, with a warning.
"""

from __future__ import annotations

import logging
from pathlib import Path

import psycopg

from store import roles
from store.db import Database
from store.migrate import apply_migrations
from store.reference import GeographyRows, load_catalog, load_geography

log = logging.getLogger(__name__)


def prepare(db: Database, *, geography: GeographyRows, app_url: str | None = None,
            secrets_dir: Path | None = None, app_role: str = roles.APP_ROLE) -> dict[str, object]:
    """Bring ``db`` to the current schema, load the shipped reference data when missing, and
    give the application role its privileges.

    Returns
    -------
    dict
        ``migrations_applied``, the reference counts, ``app_url`` (what the web app connects
        with) and ``app_role`` (its role name, or ``None`` when it is the owner's URL).
    """
    applied = apply_migrations(db)
    load_catalog(db)
    counts = load_geography(db, geography)
    url, role = resolve_app_url(db, app_url=app_url, secrets_dir=secrets_dir, app_role=app_role)
    return {"migrations_applied": applied, **counts, "app_url": url, "app_role": role}


def resolve_app_url(db: Database, *, app_url: str | None = None, secrets_dir: Path | None = None,
                    app_role: str = roles.APP_ROLE) -> tuple[str, str | None]:
    """The application's connection string and role (see the module docstring)."""
    if app_url:
        with psycopg.connect(app_url, connect_timeout=5, autocommit=True) as conn:
            role = conn.execute("SELECT current_user").fetchone()[0]  # type: ignore[index]
        with db.connection() as conn:
            owner = conn.execute("SELECT current_user").fetchone()[0]  # type: ignore[index]
            if role != owner:
                roles.grant_app_privileges(conn, role)
        return app_url, role
    if secrets_dir is None:
        return db.url, None
    password = roles.read_secret(roles.secret_file(secrets_dir, app_role))
    derived = roles.with_credentials(db.url, app_role, password)
    with db.connection() as conn:
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                exists = roles.role_exists(cur, app_role)
                manage = roles.can_manage_roles(cur)
                if not roles.can_login(derived):
                    if not manage:
                        log.warning("cannot create or log in as the role %s (the DATABASE_URL user may not"
                                    " create roles): the app connects as the owner; set"
                                    " KENDARI112_APP_DATABASE_URL for least privilege", app_role)
                        if exists:
                            roles.grant_app_privileges(conn, app_role)
                        return db.url, None
                    roles.ensure_login_role(cur, app_role, password)
            roles.grant_app_privileges(conn, app_role)
        finally:
            conn.autocommit = False
    if not roles.can_login(derived):
        log.warning("the role %s cannot log in (pg_hba.conf?): the app connects as the owner", app_role)
        return db.url, None
    return derived, app_role
