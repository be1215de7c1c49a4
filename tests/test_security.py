"""The web edge: security headers, same-origin check on state-changing requests, secure cookies."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app import create_app
from auth.passwords import hash_password
from store import Database, users
from web.security import content_security_policy, script_hashes

ORIGIN = "http://localhost"


@pytest.fixture(scope="module")
def server(module_db: Database) -> Iterator[object]:
    app = create_app({"database_url": module_db.url, "seed_demo": False, "api_token": "sec-token"})
    users.create_user(module_db, username="disp", password_hash=hash_password("secret-pass"), role="dispatcher")
    yield app.server
    app.server.extensions["kendari112"].db.close()


def test_every_response_carries_the_headers(server) -> None:  # type: ignore[no-untyped-def]
    client = server.test_client()
    for path in ("/login", "/healthz", "/api/v1/incidents", "/nowhere"):
        resp = client.get(path)
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Referrer-Policy"] == "same-origin"
        assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]


def test_page_policy_allows_exactly_the_inline_scripts_of_the_page(server) -> None:  # type: ignore[no-untyped-def]
    client = server.test_client()
    client.post("/login", data={"username": "disp", "password": "secret-pass"}, headers={"Origin": ORIGIN})
    resp = client.get("/")
    csp = resp.headers["Content-Security-Policy"]
    hashes = script_hashes(resp.get_data(as_text=True))
    assert hashes and all(h in csp for h in hashes)
    assert "tile.openstreetmap.org" not in content_security_policy(inline_script_hashes=[])


def test_cross_site_login_and_callbacks_are_refused(server) -> None:  # type: ignore[no-untyped-def]
    client = server.test_client()
    evil = {"Origin": "https://evil.example"}
    resp = client.post("/login", data={"username": "disp", "password": "secret-pass"}, headers=evil)
    assert resp.status_code == 403 and "k112_session" not in resp.headers.get("Set-Cookie", "")
    ok = client.post("/login", data={"username": "disp", "password": "secret-pass"}, headers={"Origin": ORIGIN})
    assert ok.status_code == 302
    assert client.post("/_dash-update-component", json={}, headers=evil).status_code == 403
    assert client.post("/_dash-update-component", json={},
                       headers={"Referer": "https://evil.example/x"}).status_code == 403
    # a cookie-carrying state change with neither Origin nor Referer is refused
    assert client.post("/_dash-update-component", json={}).status_code == 403


def test_token_clients_without_cookies_need_no_origin(server) -> None:  # type: ignore[no-untyped-def]
    client = server.test_client(use_cookies=False)
    resp = client.post("/api/v1/incidents", json={"lat": 99}, headers={"Authorization": "Bearer sec-token"})
    assert resp.status_code == 422


def test_session_cookie_is_secure_over_https(server) -> None:  # type: ignore[no-untyped-def]
    client = server.test_client()
    resp = client.post("/login", data={"username": "disp", "password": "secret-pass"},
                       headers={"Origin": "https://localhost"}, base_url="https://localhost")
    cookie = resp.headers.get("Set-Cookie", "")
    assert "k112_session=" in cookie and "Secure" in cookie and "HttpOnly" in cookie
