"""Malformed requests are refused at the edge with a 4xx and a JSON reason, never a 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app import create_app
from store import Database
from web.input_guard import first_bad_value, json_depth_ok

AUTH = {"Authorization": "Bearer guard-token"}


@pytest.fixture(scope="module")
def client(module_db: Database) -> Iterator[object]:
    app = create_app({"database_url": module_db.url, "seed_demo": False, "api_token": "guard-token"})
    yield app.server.test_client(use_cookies=False)
    app.server.extensions["kendari112"].db.close()


def _count(module_db: Database) -> int:
    with module_db.transaction() as cur:
        cur.execute("SELECT count(*) AS n FROM incidents")
        return int(cur.fetchone()["n"])


def test_depth_scan_is_linear_and_skips_strings() -> None:
    assert json_depth_ok(b"[" * 64 + b"]" * 64)
    assert not json_depth_ok(b"[" * 65 + b"]" * 65)
    assert json_depth_ok(b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}')
    assert json_depth_ok(b'{"a": "\\"[[["}', limit=1)


def test_bad_values_are_found_with_their_field() -> None:
    assert first_bad_value({"a": [1, 2, {"b": "\ud800"}]}) == ("a[2].b", "text contains an invalid character "
                                                                   "(a lone UTF-16 surrogate)")
    assert first_bad_value({"accuracy_m": float("inf")})[0] == "accuracy_m"
    assert first_bad_value({"ok": "Kendari — Teluk", "n": 1.5}) is None


@pytest.mark.parametrize(("body", "ctype", "status", "field"), [
    ('{"lat": -3.97, "lon": 122.51, "type": "medical", "description": "\\ud800"}', "application/json", 422,
     "description"),
    ('[' * 1000 + ']' * 1000, "application/json", 422, "body"),
    ('{"lat": -3.97, "lon": 122.51, "type": "medical", "priority": 1e400}', "application/json", 422, "priority"),
    ('{"lat": NaN, "lon": 122.51, "type": "medical"}', "application/json", 422, "body"),
    ('{"lat": -3.97, "lon": 122.51, "type": "medical"}', "text/plain", 415, "Content-Type"),
    ('{"lat": -3.97, "lon": 122.51, "type": "medical"}', "", 415, "Content-Type"),
])
def test_bad_bodies_store_nothing(client, module_db: Database, body: str, ctype: str, status: int,  # type: ignore[no-untyped-def]
                                  field: str) -> None:
    before = _count(module_db)
    headers = {**AUTH, **({"Content-Type": ctype} if ctype else {})}
    resp = client.post("/api/v1/incidents", data=body.encode("utf-8", "surrogatepass"), headers=headers)
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.get_json()["errors"][0]["field"] == field
    assert _count(module_db) == before


def test_a_gps_fix_with_an_infinite_accuracy_is_refused_before_storing(client, module_db: Database) -> None:  # type: ignore[no-untyped-def]
    resp = client.post("/api/v1/units/1/position", data=b'{"lat": -3.97, "lon": 122.51, "accuracy_m": 1e400}',
                       headers={**AUTH, "Content-Type": "application/json"})
    assert resp.status_code == 422
    with module_db.transaction() as cur:
        cur.execute("SELECT count(*) AS n FROM unit_positions")
        assert cur.fetchone()["n"] == 0


def test_paths_methods_and_versions(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/_dash-component-suites/dash/../../etc/passwd").status_code == 404
    assert client.get("/assets/..%2f..%2fsettings.py").status_code == 404
    v2 = client.get("/api/v2/incidents")
    assert v2.status_code == 404 and v2.is_json
    wrong = client.delete("/api/v1/incidents", headers=AUTH)
    assert wrong.status_code == 405 and "GET" in wrong.headers["Allow"] and wrong.is_json
    assert client.get("/api/v1/incidents/not-a-number", headers=AUTH).status_code == 404
