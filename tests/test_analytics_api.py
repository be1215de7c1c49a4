"""GET /api/v1/analytics/response-times and the targets endpoints (Flask test client, real PostGIS)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from analytics.period import WITA
from app import create_app
from services.accounts import issue_api_token
from services.analytics import refresh_facts
from store import Database
from tests.analytics_fixtures import insert_incident, kelurahan_points


@pytest.fixture(scope="module")
def api(module_db: Database) -> Iterator[dict]:
    app = create_app({"database_url": module_db.url, "seed_demo": False})
    p = kelurahan_points(module_db)[0]
    t = datetime(2026, 3, 2, 8, 0, tzinfo=WITA)
    for i, total in enumerate((300, 500, 700)):
        ts = t.replace(hour=8 + i)
        insert_incident(module_db, incident_type="medical", lon=p["lon"], lat=p["lat"], call_received_at=ts,
                        call_answered_at=ts.replace(second=10), first_dispatched_at=ts.replace(minute=1),
                        first_en_route_at=ts.replace(minute=2),
                        first_on_scene_at=ts.replace(minute=total // 60, second=total % 60))
    refresh_facts(module_db)
    tokens = {r: issue_api_token(module_db, name=f"a-{r}", role=r) for r in ("leadership", "planner", "admin")}
    yield {"client": app.server.test_client(), "tokens": tokens, "kec": p["kecamatan_kode"]}
    app.server.extensions["kendari112"].db.close()


def get(api: dict, query: str, role: str = "leadership"):
    return api["client"].get(f"/api/v1/analytics/response-times{query}",
                             headers={"Authorization": f"Bearer {api['tokens'][role]}"})


def test_response_times_per_group(api: dict) -> None:
    resp = get(api, "?from=2026-03-01&to=2026-03-31&group_by=kecamatan")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["group_by"] == "kecamatan" and "nearest rank" in body["percentile_method"]
    (group,) = body["groups"]
    assert group["key"] == api["kec"] and group["incidents"] == 3
    total = group["intervals"]["total"]
    assert (total["p50_s"], total["p90_s"], total["n"]) == (500, 700, 3)
    assert total["within_target_share"] == 1.0 and total["completeness_share"] == 1.0 and total["target_s"] == 900
    assert set(group["intervals"]) == {"answer", "processing", "turnout", "travel", "total"}
    for key in ("p50_s", "p90_s", "within_target_share", "n", "completeness_share"):
        assert key in group["intervals"]["answer"]


def test_filters_and_groupings(api: dict) -> None:
    assert get(api, "?from=2026-03-01&to=2026-03-31&type=crime").get_json()["groups"][0]["incidents"] == 0
    by_type = get(api, "?from=2026-03-01&to=2026-03-31&group_by=type&agency=PSC119").get_json()
    assert [g["key"] for g in by_type["groups"]] == ["medical"]
    by_agency = get(api, "?from=2026-03-01&to=2026-03-31&group_by=agency").get_json()
    assert by_agency["groups"][0]["intervals"]["turnout"]["target_s"] == 60
    none = get(api, "?from=2026-04-01&to=2026-04-30").get_json()["groups"][0]
    assert none["incidents"] == 0 and none["intervals"]["total"]["p90_s"] is None


@pytest.mark.parametrize(("query", "field"), [
    ("?from=2026-02-30", "from"), ("?from=2026-03-10&to=2026-03-01", "to"), ("?group_by=weather", "group_by"),
    ("?type=unicorn", "type"), ("?agency=NASA", "agency"), ("?kecamatan=1", "kecamatan"), ("?color=red", "color"),
    ("?from=2020-01-01&to=2026-01-01", "from"),
])
def test_bad_parameters_are_422(api: dict, query: str, field: str) -> None:
    resp = get(api, query)
    assert resp.status_code == 422
    assert resp.get_json()["errors"][0]["field"] == field


def test_roles(api: dict) -> None:
    assert get(api, "", role="planner").status_code == 403
    assert api["client"].get("/api/v1/analytics/response-times").status_code == 401
    assert get(api, "", role="admin").status_code == 200


def test_targets_endpoints(api: dict) -> None:
    c, tok = api["client"], api["tokens"]
    doc = c.get("/api/v1/analytics/targets", headers={"Authorization": f"Bearer {tok['leadership']}"}).get_json()
    doc["rules"].append({"interval": "total", "target_s": 420, "incident_type": "medical"})
    assert c.put("/api/v1/analytics/targets", json=doc,
                 headers={"Authorization": f"Bearer {tok['leadership']}"}).status_code == 403
    resp = c.put("/api/v1/analytics/targets", json=doc, headers={"Authorization": f"Bearer {tok['admin']}"})
    assert resp.status_code == 200
    body = get(api, "?from=2026-03-01&to=2026-03-31&group_by=type").get_json()
    medical = body["groups"][0]["intervals"]["total"]
    assert medical["target_s"] == 420 and medical["within_target_share"] == round(1 / 3, 4)
    bad = c.put("/api/v1/analytics/targets", json={"rules": [{"interval": "x", "target_s": 1}]},
                headers={"Authorization": f"Bearer {tok['admin']}"})
    assert bad.status_code == 422


@pytest.mark.parametrize("query", ["from=9999-12-30", "to=9999-12-31", "from=0001-01-01&to=0001-01-02",
                                   "from=2026-01-01T00:00:00%2B08:00&to=9999-12-31T23:59:59%2B14:00"])
def test_far_dates_are_refused_not_crashing(api: dict, query: str) -> None:
    resp = get(api, f"?{query}")
    assert resp.status_code == 422, resp.get_data(as_text=True)
