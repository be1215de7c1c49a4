"""Network corrections as data: validated, stored with who/when/why, audited, applied by every worker."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from app import create_app
from field_errors import ValidationFailed
from incidents.model import Actor
from services import corrections, incidents as incident_service
from services.resources import Resources
from store import Database

ADMIN = {"Authorization": "Bearer corr-token"}
AREA = {"type": "Polygon", "coordinates": [[[122.505, -3.975], [122.52, -3.975], [122.52, -3.965],
                                            [122.505, -3.965], [122.505, -3.975]]]}


def _events(db: Database) -> list[dict]:
    with db.transaction() as cur:
        cur.execute("SELECT actor, data FROM events WHERE kind = 'network_correction' ORDER BY id")
        return list(cur.fetchall())


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "tunnel"}, "kind"),
    ({"kind": "closure", "geometry": {"type": "Point", "coordinates": [122.5, -3.97]}}, "geometry"),
    ({"kind": "closure", "geometry": AREA, "reason": "aliens"}, "reason"),
    ({"kind": "closure", "geometry": AREA, "starts_at": "2026-12-01T10:00:00+08:00",
      "ends_at": "2026-12-01T09:00:00+08:00"}, "ends_at"),
    ({"kind": "closure", "geometry": AREA, "ends_at": "tomorrow"}, "ends_at"),
    ({"kind": "closure", "geometry": {"type": "LineString", "coordinates": [[106.8, -6.2], [106.9, -6.2]]}},
     "geometry"),
    ({"kind": "connector", "connector_kind": "bridge", "a": [122.585, -3.974]}, "b"),
    ({"kind": "connector", "connector_kind": "ferry", "a": [122.585, -3.974], "b": [122.585, -3.979]},
     "crossing_s"),
    ({"kind": "speed_factor", "road_class": "primary", "start_hour": 7, "end_hour": 9, "factor": 0}, "factor"),
    ({"kind": "speed_factor", "road_class": "primary", "start_hour": 7, "end_hour": 7, "factor": 0.7}, "end_hour"),
])
def test_bad_corrections_are_refused_per_field_and_store_nothing(db: Database, body: dict, field: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        corrections.create_correction(db, body, Actor("admin"))
    assert field in {e.field for e in info.value.errors}
    assert corrections.list_corrections(db) == [] and _events(db) == []


def test_closure_changes_the_recommendation_and_is_audited(db: Database) -> None:
    view = corrections.create_correction(db, {"kind": "closure", "reason": "flood", "name": "Banjir Kadia",
                                              "geometry": AREA}, Actor("admin", None))
    assert view.active_now and view.kind == "closure"
    (event,) = _events(db)
    assert event["actor"] == "admin" and event["data"]["action"] == "created"
    graph = Resources(db, check_interval_s=0.0).graph()
    assert any(c.get("id") == view.id and c.get("applied") for c in graph.meta["corrections"])
    corrections.retire_correction(db, view.id, Actor("admin"))
    assert corrections.list_corrections(db) == []
    assert [e["data"]["action"] for e in _events(db)] == ["created", "retired"]


def test_a_flood_ticket_becomes_a_proposed_closure_in_one_action(db: Database) -> None:
    res = Resources(db)
    flood = incident_service.create_incident(
        db, incident_service.prepare_incident(db, res, {"lat": -3.9700, "lon": 122.5150, "type": "flood"}),
        Actor("disp"))
    view = corrections.propose_closure_from_incident(db, flood.id, Actor("disp"))
    assert view.status == "proposed" and not view.active_now and view.reason == "flood"
    assert view.geometry["type"] == "Polygon"
    ends = datetime.fromisoformat(view.details["ends_at"])
    assert timedelta(hours=23) < ends - datetime.now(UTC) <= timedelta(hours=24)
    corrections.activate_correction(db, view.id, Actor("disp"))
    assert [c.status for c in corrections.list_corrections(db)] == ["active"]
    medical = incident_service.create_incident(
        db, incident_service.prepare_incident(db, res, {"lat": -3.9700, "lon": 122.5150, "type": "medical"}),
        Actor("disp"))
    with pytest.raises(ValidationFailed):
        corrections.propose_closure_from_incident(db, medical.id, Actor("disp"))


@pytest.fixture(scope="module")
def client(module_db: Database) -> Iterator[object]:
    app = create_app({"database_url": module_db.url, "seed_demo": False, "api_token": "corr-token"})
    yield app.server.test_client(use_cookies=False)
    app.server.extensions["kendari112"].db.close()


def test_api_round_trip(client) -> None:  # type: ignore[no-untyped-def]
    bad = client.post("/api/v1/network/corrections", json={"kind": "closure"}, headers=ADMIN)
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "geometry"
    made = client.post("/api/v1/network/corrections", headers=ADMIN, json={
        "kind": "speed_factor", "road_class": "*", "start_hour": 7, "end_hour": 9, "factor": 0.7,
        "reason": "rush hour"})
    assert made.status_code == 201, made.get_json()
    cid = made.get_json()["id"]
    listed = client.get("/api/v1/network/corrections", headers=ADMIN).get_json()["corrections"]
    assert [c["id"] for c in listed] == [cid]
    assert client.post(f"/api/v1/network/corrections/{cid}/retire", headers=ADMIN).status_code == 200
    assert client.post(f"/api/v1/network/corrections/{cid}/retire", headers=ADMIN).status_code == 409
    assert client.post("/api/v1/network/corrections/999999/retire", headers=ADMIN).status_code == 404
    info = client.get("/api/v1/network", headers=ADMIN).get_json()
    assert info["loaded"] and info["model"] in ("road", "approximate") and "source" in info
