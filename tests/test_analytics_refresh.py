"""Fact refresh off the read path: the background refresher, the refresh lock, shared dashboard results."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta

import psycopg
import pytest

from analytics.period import WITA, Filters, days_period
from analytics.targets import Targets
from services import analytics as sa
from store import Database
from store.analytics import REFRESH_LOCK
from tests.analytics_fixtures import insert_incident, kelurahan_points
from tests.conftest import drop_database, make_database

T0 = datetime(2026, 3, 2, 8, 0, 0, tzinfo=WITA)
MARCH = Filters(*days_period(date(2026, 3, 1), date(2026, 3, 31)))


def s(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def in_facts(db: Database, incident_id: int) -> dict | None:
    with db.transaction() as cur:
        cur.execute("SELECT total_s FROM analytics_incident_facts WHERE incident_id = %s", (incident_id,))
        return cur.fetchone()


def wait_for(check: Callable[[], bool], timeout_s: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def point(db: Database) -> dict:
    return kelurahan_points(db)[0]


@pytest.fixture
def refresh_lock_held(db: Database) -> Iterator[None]:
    """The refresh lock held by another session for the duration of the test."""
    with psycopg.connect(db.url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (REFRESH_LOCK,))
        yield
        conn.execute("SELECT pg_advisory_unlock(%s)", (REFRESH_LOCK,))


def test_refresher_moves_new_incidents_into_the_facts_without_a_read(db: Database, point: dict) -> None:
    stop = sa.start_refresher(db, interval_s=0.1)
    try:
        rec = insert_incident(db, incident_type="medical", lon=point["lon"], lat=point["lat"], call_received_at=s(0),
                              call_answered_at=s(5))
        assert wait_for(lambda: in_facts(db, rec["id"]) is not None)
        assert in_facts(db, rec["id"]) == {"total_s": None}
        # a change reaches the facts through its event
        with db.transaction() as cur:
            cur.execute("UPDATE incidents SET first_dispatched_at = %s, first_en_route_at = %s,"
                        " first_on_scene_at = %s WHERE id = %s", (s(60), s(90), s(400), rec["id"]))
            cur.execute("INSERT INTO events (kind, at, incident_id, actor) VALUES ('unit_on_scene', %s, %s, 'test')",
                        (s(400), rec["id"]))
        assert wait_for(lambda: in_facts(db, rec["id"]) == {"total_s": 400})
    finally:
        stop()


def test_reads_never_take_the_refresh_lock(db: Database, point: dict, refresh_lock_held: None) -> None:
    insert_incident(db, incident_type="medical", lon=point["lon"], lat=point["lat"], call_received_at=s(0))
    found: dict = {}

    def read() -> None:
        found["dashboard"] = sa.dashboard(db, MARCH)
        found["rows"] = sa.response_times(db, MARCH, group_by="kecamatan")
        found["calls"] = sa.call_handling(db, MARCH)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=30)
    assert not reader.is_alive(), "a read waited for the refresh lock"
    # and reads do not refresh: the incident is not in the facts yet
    assert found["dashboard"].overall.incidents == 0 and found["rows"] == []


def test_the_refresher_skips_while_another_session_refreshes(db: Database, point: dict) -> None:
    stop = sa.start_refresher(db, interval_s=0.1)
    try:
        with psycopg.connect(db.url, autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (REFRESH_LOCK,))
            rec = insert_incident(db, incident_type="crime", lon=point["lon"], lat=point["lat"], call_received_at=s(0))
            time.sleep(1.0)
            assert in_facts(db, rec["id"]) is None
            conn.execute("SELECT pg_advisory_unlock(%s)", (REFRESH_LOCK,))
        assert wait_for(lambda: in_facts(db, rec["id"]) is not None)
    finally:
        stop()


def refresher_threads(name: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == f"{sa.REFRESHER_THREAD}:{name}"]


def test_the_refresher_stops_when_asked_and_when_its_database_is_gone(pg_admin_url: str, template_db: str) -> None:
    name, url = make_database(pg_admin_url, template_db, prefix="r")
    db = Database(url, max_size=2)
    try:
        stop = sa.start_refresher(db, interval_s=0.05)
        assert len(refresher_threads(name)) == 1
        assert wait_for(lambda: sa.data_range(db) == (None, None) and _refreshed(db))
        stop()
        assert wait_for(lambda: not refresher_threads(name), timeout_s=10)
        sa.start_refresher(db, interval_s=0.05)
        db.close()
    finally:
        drop_database(pg_admin_url, name)
    assert wait_for(lambda: not refresher_threads(name), timeout_s=30)


def _refreshed(db: Database) -> bool:
    with db.transaction() as cur:
        cur.execute("SELECT refreshed_at FROM analytics_refresh_state WHERE id = 1")
        row = cur.fetchone()
    return row is not None and row["refreshed_at"] is not None


def test_a_shared_dashboard_follows_the_facts_and_the_targets(db: Database, point: dict) -> None:
    common = {"lon": point["lon"], "lat": point["lat"]}
    insert_incident(db, incident_type="medical", call_received_at=s(0), call_answered_at=s(3),
                    first_dispatched_at=s(63), first_en_route_at=s(120), first_on_scene_at=s(300), **common)
    sa.refresh_facts(db)
    first = sa.dashboard(db, MARCH)
    assert first.overall.incidents == 1
    assert sa.dashboard(db, MARCH, share_result=False).overall == first.overall
    # two leaders at once get the same figures
    both: list = []
    leaders = [threading.Thread(target=lambda: both.append(sa.dashboard(db, MARCH))) for _ in range(2)]
    for t in leaders:
        t.start()
    for t in leaders:
        t.join(timeout=30)
    assert [d.overall for d in both] == [first.overall, first.overall]
    # new facts: a stored result of the earlier facts is not used
    insert_incident(db, incident_type="medical", call_received_at=s(1000), call_answered_at=s(1010), **common)
    assert sa.dashboard(db, MARCH).overall.incidents == 1
    sa.refresh_facts(db)
    assert sa.dashboard(db, MARCH).overall.incidents == 2
    # other targets: another view
    doc = Targets().to_json()
    doc["rules"].append({"interval": "total", "target_s": 200, "incident_type": "medical"})
    sa.save_targets(db, doc)
    assert sa.dashboard(db, MARCH).overall.intervals["total"].within_target_share == 0.0


def test_the_refresher_keeps_the_day_rollups_up_to_date(db: Database, point: dict) -> None:
    """A new incident, then a change of its day and stamps: the dashboard's day blocks follow."""
    stop = sa.start_refresher(db, interval_s=0.1)
    try:
        common = {"lon": point["lon"], "lat": point["lat"]}
        insert_incident(db, incident_type="medical", call_received_at=s(0), call_answered_at=s(5),
                        first_dispatched_at=s(60), first_en_route_at=s(90), first_on_scene_at=s(400), **common)
        assert wait_for(lambda: sa.response_times(db, MARCH)[0].intervals["total"].p90_s == 400)
        rec = insert_incident(db, incident_type="medical", call_received_at=s(86400), call_answered_at=s(86410),
                              **common)
        assert wait_for(lambda: sa.response_times(db, MARCH)[0].incidents == 2)
        # moved to another day (and measured): the old day's block loses it, the new one has it
        later = s(3 * 86400)
        with db.transaction() as cur:
            cur.execute("UPDATE incidents SET call_received_at = %s, call_answered_at = %s, first_dispatched_at = %s,"
                        " first_en_route_at = %s, first_on_scene_at = %s WHERE id = %s",
                        (later, later + timedelta(seconds=9), later + timedelta(seconds=70),
                         later + timedelta(seconds=100), later + timedelta(seconds=700), rec["id"]))
            cur.execute("INSERT INTO events (kind, at, incident_id, actor) VALUES ('unit_on_scene', %s, %s, 'test')",
                        (later, rec["id"]))
        assert wait_for(lambda: sa.response_times(db, MARCH)[0].intervals["total"].p90_s == 700)
        days = {r.key: r.incidents for r in sa.dashboard(db, MARCH, share_result=False).daily}
        assert days == {"2026-03-02": 1, "2026-03-05": 1}
    finally:
        stop()
