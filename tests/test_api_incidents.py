"""HTTP API v1 for incidents on a real PostGIS: every endpoint and every kind of bad input."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from app import create_app
from auth.passwords import hash_password
from services.accounts import issue_api_token
from store import Database, users
from tests.test_incidents_service import KANDAI, MANDONGA

TOKEN = "api-test-integration-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
_serial = itertools.count(1)


@pytest.fixture(scope="module")
def api(module_db: Database) -> Iterator[dict]:
    app = create_app({"database_url": module_db.url, "seed_demo": False, "api_token": TOKEN})
    user = users.create_user(module_db, username="disp-api", password_hash=hash_password("secret-pass"),
                             role="dispatcher")
    tokens = {
        "dispatcher": issue_api_token(module_db, name="disp", role="dispatcher", user_id=user.id),
        "planner": issue_api_token(module_db, name="plan", role="planner"),
    }
    yield {"client": app.server.test_client(), "db": module_db, "tokens": tokens, "user": user}
    app.server.extensions["kendari112"].db.close()


def add_unit(db: Database, unit_type: str = "ambulance", home: str = "Puskesmas Mata") -> int:
    agency = {"ambulance": "PSC119", "fire_engine": "DAMKAR", "police_patrol": "POLICE"}[unit_type]
    with db.transaction() as cur:
        cur.execute("INSERT INTO units (callsign, unit_type, agency_code, home_facility_id)"
                    " SELECT %s, %s, %s, id FROM facilities WHERE name = %s RETURNING id",
                    (f"T-{unit_type[:3].upper()}-{next(_serial)}", unit_type, agency, home))
        return int(cur.fetchone()["id"])


def post(api: dict, path: str, body: object, headers: dict | None = None):  # type: ignore[no-untyped-def]
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return api["client"].post(path, data=data, headers=AUTH if headers is None else headers,
                              content_type="application/json")


def create(api: dict, **fields: object) -> dict:
    body = {"lat": MANDONGA[0], "lon": MANDONGA[1], "type": "medical", **fields}
    resp = post(api, "/api/v1/incidents", body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def errors_of(resp) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {e["field"]: e["message"] for e in resp.get_json()["errors"]}


def count(db: Database, table: str) -> int:
    from psycopg import sql

    with db.transaction() as cur:
        cur.execute(sql.SQL("SELECT count(*) AS n FROM {}").format(sql.Identifier(table)))
        return int(cur.fetchone()["n"])


# --- create -----------------------------------------------------------------------------------------
def test_create_returns_201_with_place_and_duplicate(api: dict) -> None:
    received = (datetime.now(UTC) - timedelta(minutes=2)).isoformat()
    first = create(api, description="Sesak napas", caller_phone="0812 3456 7890", call_received_at=received)
    assert first["id"] > 0 and first["status"] == "open"
    assert first["kecamatan"] == "Mandonga" and first["kelurahan"]
    assert first["possible_duplicate_of"] is None and first["priority"] == 1
    again = create(api, priority=2)
    assert again["possible_duplicate_of"] == first["id"] and again["priority"] == 2
    detail = api["client"].get(f"/api/v1/incidents/{first['id']}", headers=AUTH).get_json()
    kinds = [e["kind"] for e in detail["timeline"]]
    assert kinds == ["call_received", "call_answered", "incident_created"]
    assert all(e["actor"] == "api:integration" for e in detail["timeline"])
    assert detail["call_received_at"].startswith(received[:19])


def test_user_token_is_the_actor(api: dict) -> None:
    headers = {"Authorization": f"Bearer {api['tokens']['dispatcher']}"}
    resp = post(api, "/api/v1/incidents", {"lat": KANDAI[0], "lon": KANDAI[1], "type": "crime"}, headers)
    assert resp.status_code == 201
    detail = api["client"].get(f"/api/v1/incidents/{resp.get_json()['id']}", headers=AUTH).get_json()
    assert {(e["actor"], e["actor_user_id"]) for e in detail["timeline"]} == {("disp-api", api["user"].id)}


@pytest.mark.parametrize("body, field", [
    ({"lat": -4.03, "lon": 122.69, "type": "medical"}, "lat"),            # out in the bay
    ({"lat": -3.0, "lon": 121.0, "type": "medical"}, "lon"),              # far outside the city
    ({"lat": 95.0, "lon": 122.5, "type": "medical"}, "lat"),               # out of range
    ({"lat": -3.97, "lon": 190.0, "type": "medical"}, "lon"),
    ({"lat": "-3.97", "lon": 122.51, "type": "medical"}, "lat"),           # a string, not a number
    ({"lat": True, "lon": 122.51, "type": "medical"}, "lat"),
    ({"lon": 122.51, "type": "medical"}, "lat"),                           # missing
    ({"lat": -3.9669, "lon": 122.512, "type": "alien_landing"}, "type"),
    ({"lat": -3.9669, "lon": 122.512}, "type"),
    ({"lat": -3.9669, "lon": 122.512, "type": "medical", "priority": 7}, "priority"),
    ({"lat": -3.9669, "lon": 122.512, "type": "medical", "priority": "high"}, "priority"),
    ({"lat": -3.9669, "lon": 122.512, "type": "medical", "description": "x" * 4001}, "description"),
    ({"lat": -3.9669, "lon": 122.512, "type": "medical", "address": "x" * 501}, "address"),
    ({"lat": -3.9669, "lon": 122.512, "type": "medical", "description": "a\x00b"}, "description"),
    ({"lat": -3.9669, "lon": 122.512, "type": "medical", "caller_phone": "call me maybe"}, "caller_phone"),
    ({"lat": -3.9669, "lon": 122.512, "type": "medical", "caller_phone": "1" * 33}, "caller_phone"),
    ({"lat": -3.9669, "lon": 122.512, "type": "medical", "call_received_at": "yesterday"}, "call_received_at"),
    ({"lat": -3.9669, "lon": 122.512, "type": "medical", "call_received_at": "2026-01-01T10:00:00"},
     "call_received_at"),                                                  # no UTC offset
    ({"lat": -3.9669, "lon": 122.512, "type": "medical", "call_received_at": "2999-01-01T10:00:00+08:00"},
     "call_received_at"),                                                  # future
    ({"lat": -3.9669, "lon": 122.512, "type": "medical", "colour": "red"}, "colour"),  # unknown field
])
def test_bad_input_is_422_and_nothing_is_stored(api: dict, body: dict, field: str) -> None:
    before = (count(api["db"], "incidents"), count(api["db"], "calls"), count(api["db"], "events"))
    resp = post(api, "/api/v1/incidents", body)
    assert resp.status_code == 422, resp.get_json()
    errs = errors_of(resp)
    assert errs.get(field)
    assert (count(api["db"], "incidents"), count(api["db"], "calls"), count(api["db"], "events")) == before


@pytest.mark.parametrize("raw", [
    b'{"lat": NaN, "lon": 122.5, "type": "medical"}',
    b'{"lat": Infinity, "lon": 122.5, "type": "medical"}',
    b'{"lat": 1e999, "lon": 122.5, "type": "medical"}',
    b'{"lat": -3.97, "lon": 122.5, "type": "medical"',
    b"[1, 2, 3]",
    b"",
    b"\xff\xfe not json",
])
def test_malformed_json_and_non_numbers_are_422(api: dict, raw: bytes) -> None:
    before = count(api["db"], "incidents")
    resp = post(api, "/api/v1/incidents", raw)
    assert resp.status_code == 422
    assert resp.get_json()["errors"][0]["field"] in ("body", "lat")
    assert count(api["db"], "incidents") == before


def test_missing_wrong_and_weak_tokens(api: dict) -> None:
    body = {"lat": MANDONGA[0], "lon": MANDONGA[1], "type": "medical"}
    assert post(api, "/api/v1/incidents", body, headers={}).status_code == 401
    assert post(api, "/api/v1/incidents", body, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert post(api, "/api/v1/incidents", body, headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401
    planner = {"Authorization": f"Bearer {api['tokens']['planner']}"}
    assert post(api, "/api/v1/incidents", body, headers=planner).status_code == 403
    assert api["client"].get("/api/v1/incidents", headers=planner).status_code == 200
    for path in ("/api/v1/incidents", "/api/v1/incidents/1", "/api/v1/incidents/1/recommendations"):
        assert api["client"].get(path).status_code == 401


def test_hostile_text_is_stored_verbatim(api: dict) -> None:
    nasty = "'; DROP TABLE incidents; -- <script>alert('x')</script>"
    made = create(api, description=nasty, address="<b>Jl. Sao-Sao</b>")
    got = api["client"].get(f"/api/v1/incidents/{made['id']}", headers=AUTH).get_json()
    assert got["description"] == nasty and got["address"] == "<b>Jl. Sao-Sao</b>"
    assert count(api["db"], "incidents") >= 1


# --- read -----------------------------------------------------------------------------------------------
def test_list_filters_by_status(api: dict) -> None:
    one = create(api, type="fallen_tree")
    two = create(api, type="street_light", lat=KANDAI[0], lon=KANDAI[1])
    post(api, f"/api/v1/incidents/{two['id']}/close", {"outcome": "resolved"})
    client = api["client"]
    open_ids = {i["id"] for i in client.get("/api/v1/incidents?status=open", headers=AUTH).get_json()["incidents"]}
    closed_ids = {i["id"] for i in client.get("/api/v1/incidents?status=closed", headers=AUTH).get_json()["incidents"]}
    assert one["id"] in open_ids and two["id"] not in open_ids and two["id"] in closed_ids
    every = api["client"].get("/api/v1/incidents?status=all&limit=2000", headers=AUTH).get_json()
    assert {one["id"], two["id"]} <= {i["id"] for i in every["incidents"]}
    assert api["client"].get("/api/v1/incidents?status=maybe", headers=AUTH).status_code == 422
    assert api["client"].get("/api/v1/incidents?limit=lots", headers=AUTH).status_code == 422
    assert api["client"].get("/api/v1/incidents?limit=0", headers=AUTH).status_code == 422


def test_unknown_incident_is_404(api: dict) -> None:
    for path in ("/api/v1/incidents/987654", "/api/v1/incidents/987654/timeline",
                 "/api/v1/incidents/987654/recommendations"):
        resp = api["client"].get(path, headers=AUTH)
        assert resp.status_code == 404 and resp.get_json()["errors"]
    assert post(api, "/api/v1/incidents/987654/close", {"outcome": "resolved"}).status_code == 404
    assert post(api, "/api/v1/incidents/987654/assignments", {"unit_id": 1}).status_code == 404


# --- recommend, assign, unassign, close ----------------------------------------------------------------
def test_recommendations_are_ranked_with_routes(api: dict) -> None:
    near = add_unit(api["db"], "fire_engine", "Pos Induk Damkar Kota Kendari (Kadia)")
    add_unit(api["db"], "fire_engine", "Pos Damkar Poasia")
    add_unit(api["db"], "ambulance", "Puskesmas Kandai")
    inc = create(api, type="structure_fire", lat=KANDAI[0], lon=KANDAI[1])
    resp = api["client"].get(f"/api/v1/incidents/{inc['id']}/recommendations", headers=AUTH)
    assert resp.status_code == 200
    rec = resp.get_json()
    assert rec["incident_id"] == inc["id"] and rec["routing"] in ("road", "approximate")
    reachable = [c for c in rec["candidates"] if c["reachable"]]
    assert [c["eta_s"] for c in reachable] == sorted(c["eta_s"] for c in reachable)
    top = reachable[0]
    assert {"unit_id", "callsign", "unit_type", "eta_s", "distance_m", "route"} <= set(top)
    assert top["route"]["type"] == "LineString"
    assert any(c["unit_id"] == near for c in reachable)
    assert [p["unit_type"] for p in rec["plan"]] == ["fire_engine", "ambulance"]


def test_assign_then_409_when_taken(api: dict) -> None:
    unit = add_unit(api["db"])
    one, two = create(api, type="medical"), create(api, type="medical", lat=KANDAI[0], lon=KANDAI[1])
    resp = post(api, f"/api/v1/incidents/{one['id']}/assignments", {"unit_id": unit})
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["unit_id"] == unit and body["status"] == "dispatched" and body["incident_id"] == one["id"]
    resp = post(api, f"/api/v1/incidents/{two['id']}/assignments", {"unit_id": unit})
    assert resp.status_code == 409 and "not available" in resp.get_json()["errors"][0]["message"]
    assert post(api, f"/api/v1/incidents/{two['id']}/assignments", {"unit_id": 987654}).status_code == 404
    bads: tuple[dict[str, object], ...] = ({}, {"unit_id": "7"}, {"unit_id": -1}, {"unit_id": 1, "plan": True},
                                          {"unit_ids": []})
    for bad in bads:
        assert post(api, f"/api/v1/incidents/{two['id']}/assignments", bad).status_code == 422, bad
    detail = api["client"].get(f"/api/v1/incidents/{one['id']}", headers=AUTH).get_json()
    assert detail["assignments"][0]["unit_id"] == unit and detail["first_dispatched_at"]
    assert detail["timeline"][-1]["kind"] == "unit_dispatched"


def test_assign_plan_and_several_units(api: dict) -> None:
    engines = [add_unit(api["db"], "fire_engine", "Pos Damkar Kendari Barat") for _ in range(2)]
    add_unit(api["db"], "ambulance", "Puskesmas Benu-Benua")
    inc = create(api, type="structure_fire", lat=-3.9660, lon=122.5770)
    resp = post(api, f"/api/v1/incidents/{inc['id']}/assignments", {"plan": True})
    assert resp.status_code == 201, resp.get_json()
    types = sorted(a["unit_type"] for a in resp.get_json()["assignments"])
    assert types == ["ambulance", "fire_engine", "fire_engine"]
    other = create(api, type="crime", lat=KANDAI[0], lon=KANDAI[1])
    police = [add_unit(api["db"], "police_patrol", "Polsek Kandai") for _ in range(2)]
    resp = post(api, f"/api/v1/incidents/{other['id']}/assignments", {"unit_ids": police})
    assert resp.status_code == 201 and len(resp.get_json()["assignments"]) == 2
    assert engines  # created for the plan


def test_unassign_by_delete_and_by_post(api: dict) -> None:
    a, b = add_unit(api["db"]), add_unit(api["db"])
    inc = create(api, type="medical", lat=KANDAI[0], lon=KANDAI[1])
    post(api, f"/api/v1/incidents/{inc['id']}/assignments", {"unit_ids": [a, b]})
    resp = api["client"].delete(f"/api/v1/incidents/{inc['id']}/assignments/{a}", headers=AUTH)
    assert resp.status_code == 200 and resp.get_json()["status"] == "cleared"
    resp = post(api, f"/api/v1/incidents/{inc['id']}/unassign", {"unit_id": b})
    assert resp.status_code == 200
    assert api["client"].delete(f"/api/v1/incidents/{inc['id']}/assignments/{a}", headers=AUTH).status_code == 409
    kinds = [e["kind"] for e in api["client"].get(f"/api/v1/incidents/{inc['id']}/timeline",
                                                   headers=AUTH).get_json()["timeline"]]
    assert kinds.count("unit_unassigned") == 2


def test_close_with_outcome(api: dict) -> None:
    unit = add_unit(api["db"])
    inc = create(api, type="medical", lat=-3.99, lon=122.53)
    post(api, f"/api/v1/incidents/{inc['id']}/assignments", {"unit_id": unit})
    assert post(api, f"/api/v1/incidents/{inc['id']}/close", {"outcome": "fixed"}).status_code == 422
    assert post(api, f"/api/v1/incidents/{inc['id']}/close", {}).status_code == 422
    assert post(api, f"/api/v1/incidents/{inc['id']}/close",
                {"outcome": "resolved", "note": "x" * 1001}).status_code == 422
    resp = post(api, f"/api/v1/incidents/{inc['id']}/close", {"outcome": "false_alarm", "note": "tidak ada api"})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["status"] == "closed" and body["outcome"] == "false_alarm" and body["closed_at"]
    assert post(api, f"/api/v1/incidents/{inc['id']}/close", {"outcome": "resolved"}).status_code == 409
    assert post(api, f"/api/v1/incidents/{inc['id']}/assignments", {"unit_id": unit}).status_code == 409
    units = api["client"].get("/api/v1/units", headers=AUTH).get_json()["units"]
    assert next(u for u in units if u["unit_id"] == unit)["status"] == "available"


def test_close_as_duplicate(api: dict) -> None:
    first = create(api, type="flood", lat=-4.00, lon=122.52)
    second = create(api, type="flood", lat=-4.00, lon=122.52)
    assert second["possible_duplicate_of"] == first["id"]
    assert post(api, f"/api/v1/incidents/{second['id']}/close",
                {"outcome": "resolved", "duplicate_of": first["id"]}).status_code == 422
    resp = post(api, f"/api/v1/incidents/{second['id']}/close", {"outcome": "duplicate", "duplicate_of": first["id"]})
    assert resp.status_code == 200 and resp.get_json()["duplicate_of"] == first["id"]


def test_places_and_locate(api: dict) -> None:
    resp = api["client"].get("/api/v1/places?q=Kesilampe", headers=AUTH)
    assert resp.status_code == 200 and resp.get_json()["places"][0]["name"] == "Kassilampe"
    assert api["client"].get("/api/v1/places", headers=AUTH).status_code == 422
    resp = api["client"].get(f"/api/v1/locate?lat={MANDONGA[0]}&lon={MANDONGA[1]}", headers=AUTH)
    assert resp.get_json()["kecamatan"] == "Mandonga"
    assert api["client"].get("/api/v1/locate?lat=nan&lon=122.5", headers=AUTH).status_code == 422
    types = api["client"].get("/api/v1/incident-types", headers=AUTH).get_json()["incident_types"]
    assert {"structure_fire", "medical"} <= {t["code"] for t in types}


def test_openapi_covers_every_route(api: dict) -> None:
    resp = api["client"].get("/api/v1/openapi.json")
    assert resp.status_code == 200
    doc = resp.get_json()
    assert doc["openapi"].startswith("3.1")
    server = api["client"].application
    routes = set()
    for rule in server.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") or rule.rule == "/healthz":
            path = rule.rule.replace("<int:", "{").replace(">", "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes.add((path, method.lower()))
    documented = {(p, m) for p, ops in doc["paths"].items() for m in ops}
    assert routes <= documented, routes - documented
    for ops in doc["paths"].values():
        for op in ops.values():
            assert op["responses"] and op["summary"]


def test_idempotency_key_on_create_assign_close(api: dict) -> None:
    headers = {**AUTH, "Idempotency-Key": "retry-create-1"}
    body = {"lat": MANDONGA[0], "lon": MANDONGA[1], "type": "crime", "description": "idempotent"}
    before = count(api["db"], "incidents")
    first = post(api, "/api/v1/incidents", body, headers)
    again = post(api, "/api/v1/incidents", body, headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"] and count(api["db"], "incidents") == before + 1
    changed = post(api, "/api/v1/incidents", dict(body, description="other"), headers)
    assert changed.status_code == 422 and "Idempotency-Key" in errors_of(changed)
    incident_id = first.get_json()["id"]
    unit = add_unit(api["db"], "police_patrol", "Polsek Mandonga")
    h2 = {**AUTH, "Idempotency-Key": "retry-assign-1"}
    a1 = post(api, f"/api/v1/incidents/{incident_id}/assignments", {"unit_id": unit}, h2)
    a2 = post(api, f"/api/v1/incidents/{incident_id}/assignments", {"unit_id": unit}, h2)
    assert a1.status_code == a2.status_code == 201 and a1.get_json()["id"] == a2.get_json()["id"]
    h3 = {**AUTH, "Idempotency-Key": "retry-close-1"}
    c1 = post(api, f"/api/v1/incidents/{incident_id}/close", {"outcome": "resolved"}, h3)
    c2 = post(api, f"/api/v1/incidents/{incident_id}/close", {"outcome": "resolved"}, h3)
    assert c1.status_code == c2.status_code == 200


def test_location_patch_calls_and_duplicates(api: dict) -> None:
    inc = create(api, type="flood")
    near = api["client"].get(f"/api/v1/incidents/duplicates?lat={MANDONGA[0]}&lon={MANDONGA[1]}&type=flood",
                             headers=AUTH)
    assert inc["id"] in [d["id"] for d in near.get_json()["duplicates"]]
    call = post(api, f"/api/v1/incidents/{inc['id']}/calls", {"caller_phone": "0812 5555 6666"})
    assert call.status_code == 201
    moved = api["client"].patch(f"/api/v1/incidents/{inc['id']}", data=json.dumps({"lat": -3.97, "lon": 122.595}),
                                headers=AUTH, content_type="application/json")
    assert moved.status_code == 200 and moved.get_json()["kecamatan"] == "Kendari"
    bay = api["client"].patch(f"/api/v1/incidents/{inc['id']}", data=json.dumps({"lat": -3.975, "lon": 122.56}),
                              headers=AUTH, content_type="application/json")
    assert bay.status_code == 422 and "bay" in errors_of(bay)["lat"]
