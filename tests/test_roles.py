"""Least privilege: the app's database role cannot change history or the schema; the app still works."""

from __future__ import annotations

import os
import stat
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from incidents.model import Actor
from services import incidents as service
from services.bootstrap import prepare
from services.resources import Resources
from settings import VAR_DIR
from store import Database, roles
from store.bootstrap import resolve_app_url
from store.cluster import EmbeddedCluster
from tests.conftest import free_port

ACTOR = Actor("tester", None)


@pytest.fixture
def app_role(db_url: str) -> Iterator[str]:
    """A throw-away application role name (dropped after the test)."""
    name = f"k112_app_t{os.getpid()}_{uuid.uuid4().hex[:6]}"
    yield name
    with psycopg.connect(db_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone():
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


@pytest.fixture
def prepared(db_url: str, app_role: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    owner = Database(db_url, max_size=2)
    url, role = resolve_app_url(owner, secrets_dir=tmp_path, app_role=app_role)
    yield {"owner": owner, "app_url": url, "app_role": role}
    owner.close()


def _refused(url: str, statement: str) -> psycopg.Error:
    with psycopg.connect(url, autocommit=True) as conn, pytest.raises(psycopg.Error) as info:
        conn.execute(statement)
    return info.value


def test_prepare_derives_an_app_role_with_a_private_password(prepared: dict, app_role: str,
                                                               tmp_path: Path) -> None:
    assert prepared["app_role"] == app_role
    assert psycopg.conninfo.conninfo_to_dict(prepared["app_url"])["user"] == app_role
    secret = roles.secret_file(tmp_path, app_role)
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    with psycopg.connect(prepared["app_url"]) as conn:
        row = conn.execute("SELECT current_user, rolsuper, rolcreaterole, rolcreatedb"
                           " FROM pg_roles WHERE rolname = current_user").fetchone()
    assert row == (app_role, False, False, False)


def test_app_role_cannot_change_history_or_schema(prepared: dict) -> None:
    url = prepared["app_url"]
    with psycopg.connect(url, autocommit=True) as conn:   # it may append an event
        conn.execute("INSERT INTO events (kind, at, actor) VALUES ('login', now(), 'tester')")
    for statement in (
        "UPDATE events SET actor = 'forged'",
        "DELETE FROM events",
        "TRUNCATE events",
        "ALTER TABLE events DISABLE TRIGGER events_no_update",
        "ALTER TABLE events DISABLE TRIGGER ALL",
        "DROP TABLE events",
        "DROP TABLE incidents CASCADE",
        "ALTER TABLE incidents ADD COLUMN x int",
        "DROP TRIGGER events_no_update ON events",
        "SET session_replication_role = replica",
        "CREATE TABLE public.mine (x int)",
        "INSERT INTO schema_migrations (version, name) VALUES (999, 'forged')",
        "UPDATE app_role_privileges SET privileges = '{SELECT,INSERT,UPDATE,DELETE}'",
    ):
        err = _refused(url, statement)
        assert isinstance(err, psycopg.errors.InsufficientPrivilege), (statement, err)
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM events WHERE actor = 'forged'").fetchone() == (0,)


def test_app_role_privileges_are_exactly_the_policy(prepared: dict, app_role: str) -> None:
    with psycopg.connect(prepared["owner"].url) as conn:
        privs = roles.table_privileges(conn, app_role)
    assert privs["events"] == {"SELECT", "INSERT"}
    assert privs["schema_migrations"] == {"SELECT"}
    assert privs["incidents"] == {"SELECT", "INSERT", "UPDATE", "DELETE"}
    assert privs["analytics_incident_facts"] >= {"TRUNCATE"}
    assert all("REFERENCES" not in p and "TRIGGER" not in p for p in privs.values())
    # a second start-up changes nothing
    with psycopg.connect(prepared["owner"].url) as conn:
        assert roles.grant_app_privileges(conn, app_role) == []


def test_tables_created_later_are_granted_by_default(prepared: dict, app_role: str) -> None:
    with prepared["owner"].transaction() as cur:
        cur.execute("CREATE TABLE later_feature (id serial PRIMARY KEY, v text)")
    with psycopg.connect(prepared["app_url"], autocommit=True) as conn:
        conn.execute("INSERT INTO later_feature (v) VALUES ('ok')")
        assert conn.execute("UPDATE later_feature SET v = 'changed'").rowcount == 1
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DROP TABLE later_feature")


def test_app_flows_work_as_the_app_role(prepared: dict, seed_fleet: Callable[..., dict[str, int]],
                                        places: Any) -> None:
    units = seed_fleet(prepared["owner"])
    app_db = Database(prepared["app_url"], max_size=3, statement_timeout_s=30)
    try:
        res = Resources(app_db)
        data = {"lat": places.kandai[0], "lon": places.kandai[1], "type": "medical", "description": "sesak napas"}
        incident = service.create_incident(app_db, service.prepare_incident(app_db, res, data), ACTOR)
        assignment = service.assign_unit(app_db, incident.id, units["AMB-01"], ACTOR)
        service.set_unit_status(app_db, units["AMB-01"], "en_route", ACTOR)
        closed = service.close_incident(app_db, incident.id, "resolved", ACTOR)
        assert assignment.unit_id == units["AMB-01"] and closed.status == "closed"
        kinds = [e.kind for e in service.timeline(app_db, incident.id)]
        assert "incident_created" in kinds and "unit_dispatched" in kinds and "incident_closed" in kinds
    finally:
        app_db.close()


def test_given_app_url_gets_the_privileges(db_url: str, app_role: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'pw-given'").format(sql.Identifier(app_role)))
    given = roles.with_credentials(db_url, app_role, "pw-given")
    owner = Database(db_url, max_size=2)
    try:
        url, role = resolve_app_url(owner, app_url=given)
    finally:
        owner.close()
    assert url == given and role == app_role
    err = _refused(given, "DELETE FROM events")
    assert isinstance(err, psycopg.errors.InsufficientPrivilege)


def test_without_secrets_dir_the_owner_url_is_kept(db_url: str) -> None:
    owner = Database(db_url, max_size=2)
    try:
        assert prepare(owner)["app_url"] == db_url    # no secrets directory: no derived role
        assert resolve_app_url(owner) == (db_url, None)
    finally:
        owner.close()


@pytest.fixture
def cluster() -> Iterator[EmbeddedCluster]:
    path = VAR_DIR / f"roles-test-{os.getpid()}"
    c = EmbeddedCluster(path, port=free_port())
    yield c
    if c.initialised:
        c.stop()
    subprocess.run(["rm", "-rf", str(path)], check=False)


def test_embedded_cluster_gets_owner_and_app_roles(cluster: EmbeddedCluster) -> None:
    # a database prepared by the superuser (as before roles existed) is handed to the owner role
    superuser = Database(cluster.ensure("k112_roles"), max_size=2)
    try:
        prepare(superuser)
    finally:
        superuser.close()
    owner_url = cluster.ensure_owned("k112_roles")
    for role in (roles.OWNER_ROLE, roles.APP_ROLE):
        assert stat.S_IMODE(roles.secret_file(cluster.data_dir, role).stat().st_mode) == 0o600
    owner = Database(owner_url, max_size=2)
    try:
        facts = prepare(owner, secrets_dir=cluster.data_dir)
        with owner.transaction() as cur:   # the demo seeder's bulk-load switches work for the owner
            cur.execute("SET LOCAL session_replication_role = replica")
            cur.execute("ALTER TABLE incidents DISABLE TRIGGER incidents_place_trg")
            cur.execute("ALTER TABLE incidents ENABLE TRIGGER incidents_place_trg")
            cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cur.fetchone()
            assert row is not None and row["rolsuper"] is False
            cur.execute("SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class c"
                        " JOIN pg_namespace n ON n.oid = c.relnamespace"
                        " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S', 'i')"
                        " AND c.relname NOT LIKE 'spatial_ref_sys%'")
            assert [r["owner"] for r in cur.fetchall()] == [roles.OWNER_ROLE]
    finally:
        owner.close()
    assert facts["app_role"] == roles.APP_ROLE
    assert isinstance(_refused(str(facts["app_url"]), "UPDATE events SET actor = 'x'"),
                      psycopg.errors.InsufficientPrivilege)
    # a second start-up (roles and passwords kept) gives the same URLs
    assert cluster.ensure_owned("k112_roles") == owner_url
