"""HTTP API v1 for live coverage and move-up: the live layer, proposals, moves, arrivals, standby
posts, settings and uncovered time; roles, crew scope and bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app import create_app
from auth.passwords import hash_password
from services.accounts import issue_api_token
from store import Database, users

TOKEN = "api-coverage-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
WITA = ZoneInfo("Asia/Makassar")


@pytest.fixture(scope="module")
def api(module_db: Database) -> Iterator[dict]:
    app = create_app({"database_url": module_db.url, "seed_demo": False, "api_token": TOKEN})
    with module_db.transaction() as cur:
        cur.execute("INSERT INTO units (callsign, unit_type, agency_code, home_facility_id)"
                    " SELECT 'AMB-' || lpad(f.id::text, 2, '0'), 'ambulance', 'PSC119', f.id"
                    "   FROM facilities f WHERE f.category = 'puskesmas'")
        cur.execute("SELECT u.id, f.name FROM units u JOIN facilities f ON f.id = u.home_facility_id")
        ids = {str(r["name"]): int(r["id"]) for r in cur.fetchall()}
    disp = users.create_user(module_db, username="disp-cov", password_hash=hash_password("secret-pass"),
                             role="dispatcher")
    crew = users.create_user(module_db, username="crew-cov", password_hash=hash_password("secret-pass"),
                             role="crew", unit_id=ids["Puskesmas Mata"])
    tokens = {
        "dispatcher": issue_api_token(module_db, name="disp", role="dispatcher", user_id=disp.id),
        "crew": issue_api_token(module_db, name="crew", role="crew", user_id=crew.id),
        "leadership": issue_api_token(module_db, name="lead", role="leadership"),
    }
    yield {"client": app.server.test_client(), "app": app, "db": module_db, "ids": ids,
           "auth": {role: {"Authorization": f"Bearer {t}"} for role, t in tokens.items()}}
    app.server.extensions["kendari112"].db.close()


def post(api: dict, path: str, body: object = None, headers: dict | None = None):
    data = None if body is None else (body if isinstance(body, (bytes, str)) else json.dumps(body))
    return api["client"].post(path, data=data, headers=AUTH if headers is None else headers,
                              content_type="application/json")


def get(api: dict, path: str, headers: dict | None = None):
    return api["client"].get(path, headers=AUTH if headers is None else headers)


def commit_east(api: dict) -> None:
    resp = post(api, "/api/v1/incidents", {"lat": -3.99, "lon": 122.60, "type": "medical"})
    assert resp.status_code == 201
    inc = resp.get_json()["id"]
    units = [api["ids"]["Puskesmas Abeli"], api["ids"]["Puskesmas Nambo"]]
    resp = post(api, f"/api/v1/incidents/{inc}/assignments", {"unit_ids": units})
    assert resp.status_code in (200, 201), resp.get_json()


def test_live_layer_hole_proposal_accept_and_arrival(api: dict) -> None:
    live = get(api, "/api/v1/coverage/live")
    assert live.status_code == 200
    amb = live.get_json()["unit_types"][0]
    assert amb["unit_type"] == "ambulance" and amb["hole"] is False and amb["threshold_min"] == 8.0
    assert get(api, "/api/v1/coverage/live").status_code == 200
    assert api["client"].get("/api/v1/coverage/live").status_code == 401
    commit_east(api)
    one = get(api, "/api/v1/coverage/live?unit_type=ambulance&cells=1").get_json()
    assert one["hole"] is True and one["since"] and one["hole_geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert len(one["uncovered_cells"]["id"]) > 100 and "kecamatan" in one["coverage"]
    assert get(api, "/api/v1/coverage/live?unit_type=hovercraft").status_code == 422
    (prop,) = get(api, "/api/v1/coverage/proposals").get_json()["proposals"]
    (move,) = prop["moves"]
    assert prop["gain_share"] > 0 and move["post_id"] and move["travel_s"] > 0
    # the crew and leadership may not accept; a dispatcher's token may
    assert post(api, f"/api/v1/coverage/proposals/{prop['id']}/accept", headers=api["auth"]["crew"]).status_code == 403
    resp = post(api, f"/api/v1/coverage/proposals/{prop['id']}/accept", headers=api["auth"]["dispatcher"])
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["moves"][0]["status"] == "moving_to_post"
    again = post(api, f"/api/v1/coverage/proposals/{prop['id']}/accept", headers=api["auth"]["dispatcher"])
    assert again.status_code == 409 and "no longer open" in again.get_json()["errors"][0]["message"]
    assert post(api, "/api/v1/coverage/proposals/987654/accept").status_code == 404
    units = {u["unit_id"]: u for u in get(api, "/api/v1/units").get_json()["units"]}
    assert units[move["unit_id"]]["status"] == "moving_to_post"
    # a crew may report only its own unit's arrival; the dispatcher may report any
    own = move["unit_id"] == api["ids"]["Puskesmas Mata"]
    by_crew = post(api, f"/api/v1/units/{move['unit_id']}/at-post", headers=api["auth"]["crew"])
    assert by_crew.status_code == (200 if own else 403)
    if not own:
        done = post(api, f"/api/v1/units/{move['unit_id']}/at-post", headers=api["auth"]["dispatcher"])
        assert done.status_code == 200 and done.get_json()["status"] == "available"
    assert post(api, f"/api/v1/units/{move['unit_id']}/at-post").status_code == 409


def test_crew_reports_arrival_of_its_own_unit_and_moves_are_validated(api: dict) -> None:
    mata = api["ids"]["Puskesmas Mata"]
    assert post(api, f"/api/v1/units/{mata}/move-to-post", {"post_id": "nowhere"}).status_code == 422
    assert post(api, f"/api/v1/units/{mata}/move-to-post", {"post": "s1"}).status_code == 422
    assert post(api, f"/api/v1/units/{mata}/move-to-post", {"post_id": "s1"},
                headers=api["auth"]["crew"]).status_code == 403
    resp = post(api, f"/api/v1/units/{mata}/move-to-post", {"post_id": "s1"})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["post_id"] == "s1"
    assert post(api, f"/api/v1/units/{mata}/move-to-post", {"post_id": "s1"}).status_code == 409
    assert post(api, "/api/v1/units/987654/move-to-post", {"post_id": "s1"}).status_code == 404
    resp = post(api, f"/api/v1/units/{mata}/at-post", headers=api["auth"]["crew"])
    assert resp.status_code == 200 and resp.get_json()["source"] == "crew"


def test_dismiss_needs_a_known_reason(api: dict) -> None:
    # commit two more units to get a new proposal (the situation changed)
    resp = post(api, "/api/v1/incidents", {"lat": -3.97, "lon": 122.595, "type": "medical"})
    inc = resp.get_json()["id"]
    post(api, f"/api/v1/incidents/{inc}/assignments", {"unit_ids": [api["ids"]["Puskesmas Kandai"]]})
    get(api, "/api/v1/coverage/live")
    props = get(api, "/api/v1/coverage/proposals").get_json()["proposals"]
    if not props:
        pytest.skip("no move gains enough in this situation")
    pid = props[0]["id"]
    bad = post(api, f"/api/v1/coverage/proposals/{pid}/dismiss", {"reason": "bored"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "reason"
    assert post(api, f"/api/v1/coverage/proposals/{pid}/dismiss", {"reason": 3}).status_code == 422
    ok = post(api, f"/api/v1/coverage/proposals/{pid}/dismiss", {"reason": "road_conditions", "note": "banjir"})
    assert ok.status_code == 200 and ok.get_json()["status"] == "dismissed"
    assert post(api, f"/api/v1/coverage/proposals/{pid}/dismiss", {"reason": "other"}).status_code == 409


def test_posts_and_settings_are_admin_only_to_change(api: dict) -> None:
    listed = get(api, "/api/v1/coverage/posts").get_json()["standby_posts"]
    assert [p["post_id"] for p in listed] == ["s1"]
    amb = get(api, "/api/v1/coverage/posts?unit_type=ambulance").get_json()["posts"]
    assert {"s1"} < {p["post_id"] for p in amb}
    body = {"name": "Pos siaga Pasar Baru", "lat": -3.9935, "lon": 122.5190, "unit_types": ["ambulance"]}
    assert post(api, "/api/v1/coverage/posts", body, headers=api["auth"]["dispatcher"]).status_code == 403
    made = post(api, "/api/v1/coverage/posts", body)
    assert made.status_code == 201
    assert post(api, "/api/v1/coverage/posts", body).status_code == 409
    assert post(api, "/api/v1/coverage/posts", {"name": "Laut", "lat": -4.03, "lon": 122.69}).status_code == 422
    sid = made.get_json()["id"]
    assert post(api, f"/api/v1/coverage/posts/{sid}/retire").status_code == 200
    assert post(api, f"/api/v1/coverage/posts/{sid}/retire").status_code == 409
    assert post(api, "/api/v1/coverage/posts/987654/retire").status_code == 404
    cfg = get(api, "/api/v1/coverage/settings", headers=api["auth"]["leadership"]).get_json()
    assert cfg["threshold_min"]["ambulance"] == 8.0 and cfg["trigger_share"] == 0.05
    put = api["client"].put("/api/v1/coverage/settings", data=json.dumps({"k": 9}), headers=AUTH,
                            content_type="application/json")
    assert put.status_code == 422 and put.get_json()["errors"][0]["field"] == "k"
    put = api["client"].put("/api/v1/coverage/settings", data=json.dumps({"k": 2}),
                            headers=api["auth"]["dispatcher"], content_type="application/json")
    assert put.status_code == 403
    put = api["client"].put("/api/v1/coverage/settings", data=json.dumps({"k": 2, "threshold_min": {"ambulance": 9}}),
                            headers=AUTH, content_type="application/json")
    assert put.status_code == 200 and put.get_json()["k"] == 2 and put.get_json()["threshold_min"]["ambulance"] == 9
    api["client"].put("/api/v1/coverage/settings", data=json.dumps({}), headers=AUTH, content_type="application/json")


def test_uncovered_time_and_today(api: dict) -> None:
    today = datetime.now(UTC).astimezone(WITA).date()
    start = (today - timedelta(days=2)).isoformat()
    resp = get(api, f"/api/v1/coverage/uncovered-time?unit_type=ambulance&from={start}&to={today.isoformat()}",
               headers=api["auth"]["leadership"])
    assert resp.status_code == 200, resp.get_json()
    kpi = resp.get_json()
    assert kpi["days"][-1] == today.isoformat() and len(kpi["kecamatan"]) == 11
    assert all(0.0 <= s <= 1.0 for row in kpi["uncovered_share"] for s in row)
    assert get(api, "/api/v1/coverage/uncovered-time?from=2026-13-01&to=2026-01-02").status_code == 422
    assert get(api, "/api/v1/coverage/uncovered-time?from=2026-03-02&to=2026-03-01").status_code == 422
    assert get(api, f"/api/v1/coverage/uncovered-time?from={start}&to={start}",
               headers=api["auth"]["crew"]).status_code == 403
    now = get(api, "/api/v1/coverage/today", headers=api["auth"]["leadership"]).get_json()
    assert now["unit_type"] == "ambulance" and 0.0 <= now["share"] <= 1.0


def test_leadership_section_renders_the_kpi_map_and_table(api: dict) -> None:
    """The analytics page's coverage section and its callback, in Indonesian (the page's default)."""
    from analytics.period import Filters
    from pages import _analytics_coverage as section

    today = datetime.now(UTC).astimezone(WITA).date()
    start = datetime(today.year, today.month, today.day, tzinfo=WITA) - timedelta(days=6)
    with api["app"].server.test_request_context("/analytics"):
        layout = section.coverage_section("id", Filters(start=start, end=start + timedelta(days=7)))
        assert layout.id == "analytics-coverage"
        tiles, area_map, days, table = section.update(start.date().isoformat(), today.isoformat(), "ambulance")
    assert len(tiles) == 3 and "Kota di luar 8 mnt" in str(tiles[0])
    assert area_map.data[0].type == "choroplethmap" and len(area_map.data[0].locations) == 11
    assert days.data[0].type == "heatmap" and len(days.data[0].x) == 7
    assert table.id == "analytics-coverage-rows" and "Hari terburuk" in str(table)
    with api["app"].server.test_request_context("/analytics"):
        error, *_ = section.update("2026-13-01", today.isoformat(), "ambulance")
    assert "k112-error" in str(error)
