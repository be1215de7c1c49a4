"""Idempotent retries: the same key returns the first result; another request under the key is refused."""

from __future__ import annotations

import threading

import pytest

from incidents.model import Actor
from services import incidents as service
from services.resources import Resources
from store import Database

ACTOR = Actor("api:test")
POINT = {"lat": -3.9725, "lon": 122.5147, "type": "medical"}


def _key(key: str, body: str = "h1") -> service.IdempotencyKey:
    return service.IdempotencyKey(key=key, principal="api:test", request_hash=body)


def _count(db: Database, table: str) -> int:
    with db.transaction() as cur:
        cur.execute(f"SELECT count(*) AS n FROM {table}")
        return int(cur.fetchone()["n"])


def test_retried_create_returns_the_first_incident(db: Database) -> None:
    new = service.prepare_incident(db, Resources(db), POINT)
    first = service.create_incident(db, new, ACTOR, idempotency=_key("k-1"))
    again = service.create_incident(db, new, ACTOR, idempotency=_key("k-1"))
    assert again.id == first.id and _count(db, "incidents") == 1
    other = service.create_incident(db, new, ACTOR, idempotency=_key("k-2"))
    assert other.id != first.id and _count(db, "incidents") == 2


def test_same_key_for_another_request_is_refused_and_writes_nothing(db: Database) -> None:
    new = service.prepare_incident(db, Resources(db), POINT)
    service.create_incident(db, new, ACTOR, idempotency=_key("k-3", "h1"))
    with pytest.raises(service.IdempotencyMismatchError):
        service.create_incident(db, new, ACTOR, idempotency=_key("k-3", "h2"))
    assert _count(db, "incidents") == 1


def test_racing_retries_create_one_incident(db: Database) -> None:
    new = service.prepare_incident(db, Resources(db), POINT)
    ids: list[int] = []

    def go() -> None:
        ids.append(service.create_incident(db, new, ACTOR, idempotency=_key("k-race")).id)

    threads = [threading.Thread(target=go) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 1 and len(ids) == 8 and _count(db, "incidents") == 1


def test_retried_assignment_and_close_are_not_applied_twice(db: Database) -> None:
    with db.transaction() as cur:
        cur.execute("SELECT id FROM facilities WHERE name = 'Puskesmas Mata'")
        home = cur.fetchone()["id"]
        cur.execute("INSERT INTO units (callsign, unit_type, agency_code, home_facility_id)"
                    " VALUES ('AMB-01', 'ambulance', 'PSC119', %s) RETURNING id", (home,))
        unit = int(cur.fetchone()["id"])
    inc = service.create_incident(db, service.prepare_incident(db, Resources(db), POINT), ACTOR)
    first = service.assign_units(db, inc.id, [(unit, 60.0)], ACTOR, idempotency=_key("a-1"))
    again = service.assign_units(db, inc.id, [(unit, 60.0)], ACTOR, idempotency=_key("a-1"))
    assert [a.id for a in again] == [a.id for a in first] and _count(db, "assignments") == 1
    closed = service.close_incident(db, inc.id, "resolved", ACTOR, idempotency=_key("c-1"))
    replay = service.close_incident(db, inc.id, "resolved", ACTOR, idempotency=_key("c-1"))
    assert closed.status == replay.status == "closed"
