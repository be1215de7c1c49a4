"""Shared read-only resources: one loader per process, reloaded when the database version changes."""

from __future__ import annotations

import time
from datetime import UTC

from services.resources import Resources
from store import Database, resources as store_resources


def _counting_network(calls: list[int]):  # type: ignore[no-untyped-def]
    def load(_db: Database) -> object:
        calls.append(1)
        return object()
    return load


def test_facility_correction_reaches_a_second_worker(db: Database) -> None:
    worker_a = Resources(db, check_interval_s=0.0)
    worker_b = Resources(db, check_interval_s=0.0)
    before = {f["id"]: (f["lon"], f["lat"]) for f in worker_b.facilities()}
    target = next(iter(before))
    with db.transaction() as cur:
        cur.execute("UPDATE facilities SET geom = ST_SetSRID(ST_MakePoint(122.51, -3.99), 4326) WHERE id = %s",
                    (target,))
    after = {f["id"]: (f["lon"], f["lat"]) for f in worker_b.facilities()}
    assert after[target] == (122.51, -3.99) != before[target]
    assert {f["id"] for f in worker_a.facilities()} == set(before)


def test_catalog_edit_is_seen_without_restart(db: Database) -> None:
    res = Resources(db, check_interval_s=0.0)
    code = res.incident_types()[0]["code"]
    old = res.known_types()[code]
    new = 1 if old != 1 else 2
    with db.transaction() as cur:
        cur.execute("UPDATE incident_types SET default_priority = %s WHERE code = %s", (new, code))
    assert res.known_types()[code] == new


def test_version_checks_are_bounded_by_the_interval(db: Database) -> None:
    calls: list[int] = []
    res = Resources(db, network_loader=_counting_network(calls), check_interval_s=0.3)
    first = res.graph()
    assert res.graph() is first and calls == [1]
    store_resources.bump(db, "network")
    assert res.graph() is first            # within the interval: the loaded one
    time.sleep(0.35)
    assert res.graph() is not first and calls == [1, 1]


def test_model_info_does_not_load_the_network(db: Database) -> None:
    calls: list[int] = []
    res = Resources(db, network_loader=_counting_network(calls))
    assert res.model_info() == {"loaded": False} and calls == []
    res.graph()
    info = res.model_info()
    assert info["loaded"] is True and info["version"] >= 1


def test_a_stored_closure_reaches_the_network_and_expires(db: Database) -> None:
    from datetime import datetime, timedelta

    from incidents.model import Actor
    from services import corrections

    res = Resources(db, check_interval_s=0.0)
    before = res.graph()
    now = datetime.now(UTC)
    area = {"type": "Polygon", "coordinates": [[[122.505, -3.975], [122.52, -3.975], [122.52, -3.965],
                                                [122.505, -3.965], [122.505, -3.975]]]}
    view = corrections.create_correction(db, {"kind": "closure", "reason": "flood", "geometry": area,
                                              "ends_at": (now + timedelta(seconds=2)).isoformat()},
                                         Actor("admin"))
    closed = res.graph()
    assert closed is not before and closed.n_edges < before.n_edges
    assert any(c.get("id") == view.id for c in closed.meta["corrections"])
    time.sleep(2.1)
    reopened = res.graph()
    assert reopened.n_edges == before.n_edges
