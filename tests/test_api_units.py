"""HTTP API v1 for units: list, position reports, status changes (life cycle, 409, 422, crew scope)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from app import create_app
from auth.passwords import hash_password
from services.accounts import issue_api_token
from store import Database, users
from tests.test_api_incidents import add_unit
from tests.test_incidents_service import KANDAI, MANDONGA

TOKEN = "api-units-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def api(module_db: Database) -> Iterator[dict]:
    app = create_app({"database_url": module_db.url, "seed_demo": False, "api_token": TOKEN})
    crew_unit = add_unit(module_db)
    crew = users.create_user(module_db, username="crew-amb", password_hash=hash_password("secret-pass"),
                             role="crew", unit_id=crew_unit)
    crew_token = issue_api_token(module_db, name="crew-phone", role="crew", user_id=crew.id)
    yield {"client": app.server.test_client(), "db": module_db, "crew_unit": crew_unit,
           "crew_auth": {"Authorization": f"Bearer {crew_token}"}}
    app.server.extensions["kendari112"].db.close()


def post(api: dict, path: str, body: object, headers: dict | None = None):  # type: ignore[no-untyped-def]
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return api["client"].post(path, data=data, headers=AUTH if headers is None else headers,
                              content_type="application/json")


def unit_row(api: dict, unit_id: int) -> dict:
    units = api["client"].get("/api/v1/units", headers=AUTH).get_json()["units"]
    return next(u for u in units if u["unit_id"] == unit_id)


def incident(api: dict, lat: float = MANDONGA[0], lon: float = MANDONGA[1]) -> int:
    resp = post(api, "/api/v1/incidents", {"lat": lat, "lon": lon, "type": "medical"})
    assert resp.status_code == 201
    return int(resp.get_json()["id"])


def test_list_units_shows_station_positions(api: dict) -> None:
    unit = add_unit(api["db"], "fire_engine", "Pos Damkar Poasia")
    row = unit_row(api, unit)
    assert row["status"] == "available" and row["at_home_station"] and row["home_station"] == "Pos Damkar Poasia"
    assert row["lat"] and row["lon"] and row["incident_id"] is None
    assert api["client"].get("/api/v1/units").status_code == 401
    assert api["client"].get(f"/api/v1/units/{unit}", headers=AUTH).get_json()["status"] == "available"
    assert api["client"].get("/api/v1/units/987654", headers=AUTH).status_code == 404


def test_position_updates_move_the_unit(api: dict) -> None:
    unit = add_unit(api["db"])
    now = datetime.now(UTC)
    resp = post(api, f"/api/v1/units/{unit}/position", {"lat": KANDAI[0], "lon": KANDAI[1],
                                                       "recorded_at": now.isoformat()})
    assert resp.status_code == 201 and resp.get_json()["current"] is True
    older = post(api, f"/api/v1/units/{unit}/position", {"lat": MANDONGA[0], "lon": MANDONGA[1],
                                                        "recorded_at": (now - timedelta(seconds=30)).isoformat()})
    assert older.status_code == 201 and older.get_json()["current"] is False
    row = unit_row(api, unit)
    assert abs(row["lat"] - KANDAI[0]) < 1e-9 and not row["at_home_station"]
    assert post(api, f"/api/v1/units/{unit}/position", {"lat": -3.97, "lon": 122.52}).status_code == 201


@pytest.mark.parametrize("body, field", [
    ({"lat": -4.03, "lon": 122.69}, "lat"),
    ({"lat": 91, "lon": 122.5}, "lat"),
    ({"lat": -3.97}, "lon"),
    ({"lat": -3.97, "lon": "122.5"}, "lon"),
    ({"lat": -3.97, "lon": 122.52, "recorded_at": "2999-01-01T00:00:00Z"}, "recorded_at"),
    ({"lat": -3.97, "lon": 122.52, "recorded_at": "not a time"}, "recorded_at"),
    ({"lat": -3.97, "lon": 122.52, "speed": 40}, "speed"),
])
def test_bad_positions_are_422(api: dict, body: dict, field: str) -> None:
    unit = api["crew_unit"]
    before = unit_row(api, unit)["position_at"]
    resp = post(api, f"/api/v1/units/{unit}/position", body)
    assert resp.status_code == 422
    assert field in {e["field"] for e in resp.get_json()["errors"]}
    assert unit_row(api, unit)["position_at"] == before
    assert post(api, f"/api/v1/units/{unit}/position", b'{"lat": NaN, "lon": 1}').status_code == 422


def test_position_of_unknown_unit_is_404(api: dict) -> None:
    assert post(api, "/api/v1/units/987654/position", {"lat": -3.97, "lon": 122.52}).status_code == 404


def test_status_life_cycle_over_the_api(api: dict) -> None:
    unit = add_unit(api["db"])
    inc = incident(api)
    assert post(api, f"/api/v1/incidents/{inc}/assignments", {"unit_id": unit}).status_code == 201
    resp = post(api, f"/api/v1/units/{unit}/status", {"status": "on_scene"})
    assert resp.status_code == 409 and "en_route" in resp.get_json()["errors"][0]["message"]
    for status in ("en_route", "on_scene", "transporting", "at_hospital"):
        resp = post(api, f"/api/v1/units/{unit}/status", {"status": status})
        assert resp.status_code == 200, resp.get_json()
        assert resp.get_json()["status"] == status and resp.get_json()["incident_id"] == inc
    assert post(api, f"/api/v1/units/{unit}/status", {"status": "en_route"}).status_code == 409
    resp = post(api, f"/api/v1/units/{unit}/status", {"status": "cleared"})
    assert resp.status_code == 200 and resp.get_json()["status"] == "available"
    timeline = api["client"].get(f"/api/v1/incidents/{inc}", headers=AUTH).get_json()["timeline"]
    assert [e["kind"] for e in timeline][3:] == ["unit_dispatched", "unit_en_route", "unit_on_scene",
                                                  "transport_started", "at_hospital", "unit_cleared"]


def test_status_with_explicit_time(api: dict) -> None:
    unit = add_unit(api["db"])
    inc = incident(api, *KANDAI)
    post(api, f"/api/v1/incidents/{inc}/assignments", {"unit_id": unit})
    at = datetime.now(UTC).isoformat()
    resp = post(api, f"/api/v1/units/{unit}/status", {"status": "en_route", "at": at})
    assert resp.status_code == 200
    detail = api["client"].get(f"/api/v1/incidents/{inc}", headers=AUTH).get_json()
    assert detail["first_en_route_at"][:19] == at[:19]
    old = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert post(api, f"/api/v1/units/{unit}/status", {"status": "on_scene", "at": old}).status_code == 422


@pytest.mark.parametrize("body, field", [
    ({"status": "flying"}, "status"),
    ({"status": 3}, "status"),
    ({}, "status"),
    ({"status": "en_route", "at": "noon"}, "at"),
    ({"status": "en_route", "reason": "x"}, "reason"),
])
def test_bad_status_requests_are_422(api: dict, body: dict, field: str) -> None:
    resp = post(api, f"/api/v1/units/{api['crew_unit']}/status", body)
    assert resp.status_code == 422
    assert field in {e["field"] for e in resp.get_json()["errors"]}


def test_idle_transitions_and_unknown_unit(api: dict) -> None:
    unit = add_unit(api["db"])
    assert post(api, f"/api/v1/units/{unit}/status", {"status": "en_route"}).status_code == 409
    assert post(api, f"/api/v1/units/{unit}/status", {"status": "out_of_service"}).status_code == 200
    assert unit_row(api, unit)["status"] == "out_of_service"
    assert post(api, f"/api/v1/units/{unit}/status", {"status": "available"}).status_code == 200
    assert post(api, "/api/v1/units/987654/status", {"status": "available"}).status_code == 404


def test_crew_token_may_only_report_for_its_own_unit(api: dict) -> None:
    other = add_unit(api["db"])
    crew = api["crew_auth"]
    fix = {"lat": -3.97, "lon": 122.52}
    assert post(api, f"/api/v1/units/{api['crew_unit']}/position", fix, crew).status_code == 201
    assert post(api, f"/api/v1/units/{other}/position", {"lat": -3.97, "lon": 122.52}, crew).status_code == 403
    assert post(api, f"/api/v1/units/{other}/status", {"status": "out_of_service"}, crew).status_code == 403
    assert post(api, "/api/v1/incidents", {"lat": -3.97, "lon": 122.52, "type": "medical"}, crew).status_code == 403
    resp = post(api, f"/api/v1/units/{api['crew_unit']}/status", {"status": "out_of_service"}, crew)
    assert resp.status_code == 200
    post(api, f"/api/v1/units/{api['crew_unit']}/status", {"status": "available"}, crew)
    with api["db"].transaction() as cur:
        cur.execute("SELECT actor FROM events WHERE kind = 'unit_status' AND unit_id = %s ORDER BY id",
                    (api["crew_unit"],))
        assert {r["actor"] for r in cur.fetchall()} == {"crew-amb"}
