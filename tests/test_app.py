"""App wiring: login, roles, health check, API errors (Flask test client on a real PostGIS)."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import dash
import pytest
from dash import Input, Output
from dash._callback import register_clientside_callback

from app import create_app
from auth.passwords import hash_password
from services.accounts import issue_api_token
from store import Database, users
from web.auth import (
    ROLE_LABELS,
    UnguardedCallbackError,
    callback_role_rule,
    callback_roles,
    check_callback_roles,
    unguarded_callbacks,
)


@pytest.fixture(scope="module")
def app_env(module_db: Database) -> Iterator[dict]:
    app = create_app({"database_url": module_db.url, "seed_demo": False, "api_token": "test-integration-token"})
    for role in ("dispatcher", "leadership", "planner", "admin"):
        users.create_user(module_db, username=f"{role}1", password_hash=hash_password("secret-pass"), role=role)
    yield {"app": app, "server": app.server, "db": module_db}
    app.server.extensions["kendari112"].db.close()


SAME_ORIGIN = {"Origin": "http://localhost"}


def login(client, username: str, password: str = "secret-pass"):
    return client.post("/login", data={"username": username, "password": password})


def test_healthz_reports_database(app_env) -> None:
    client = app_env["server"].test_client()
    resp = client.get("/healthz")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["app"] == "ok" and body["database"]["status"] == "ok"
    assert "postgis" not in body["database"] and "server" not in body["database"]   # versions: admins only
    assert client.get("/readyz").status_code == 200
    login(client, "admin1")
    body = client.get("/healthz").get_json()
    assert body["database"]["postgis"].startswith("3.")


def test_anonymous_is_sent_to_login(app_env) -> None:
    client = app_env["server"].test_client()
    resp = client.get("/")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")
    assert client.post("/_dash-update-component", json={}).status_code == 401


def test_wrong_password_is_refused_and_audited(app_env) -> None:
    client = app_env["server"].test_client()
    resp = login(client, "dispatcher1", "wrong-password")
    assert resp.status_code == 401
    assert "salah" in resp.get_data(as_text=True)
    with app_env["db"].transaction() as cur:
        cur.execute("SELECT count(*) AS n FROM events WHERE kind = 'login_failed' AND actor = 'dispatcher1'")
        assert cur.fetchone()["n"] >= 1


def test_login_sets_server_side_session(app_env) -> None:
    client = app_env["server"].test_client()
    resp = login(client, "planner1")
    assert resp.status_code == 302
    assert client.get("/").status_code == 200
    with app_env["db"].transaction() as cur:
        cur.execute("SELECT count(*) AS n FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = "
                    "'planner1'")
        assert cur.fetchone()["n"] >= 1
    client.get("/logout")                         # a link or prefetch does not end the session
    assert client.get("/").status_code == 200
    client.post("/logout", headers={"Origin": "http://localhost"})
    assert client.get("/").status_code == 302


def test_open_redirect_is_refused(app_env) -> None:
    client = app_env["server"].test_client()
    resp = client.post("/login", data={"username": "planner1", "password": "secret-pass",
                                       "next": "https://evil.example/"})
    assert resp.headers["Location"] == "/"


def test_api_needs_a_token(app_env) -> None:
    client = app_env["server"].test_client()
    resp = client.get("/api/v1/units")
    assert resp.status_code == 401
    assert resp.get_json()["errors"][0]["field"] == "Authorization"
    resp = client.get("/api/v1/units", headers={"Authorization": "Bearer nope"})
    assert resp.status_code == 401


def test_unknown_api_path_is_json_404(app_env) -> None:
    resp = app_env["server"].test_client().get("/api/v1/does-not-exist")
    assert resp.status_code == 404
    assert "errors" in resp.get_json()


def test_issued_token_is_accepted(app_env) -> None:
    token = issue_api_token(app_env["db"], name="tracker", role="dispatcher")
    resp = app_env["server"].test_client().get("/api/v1/units", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200


def test_facility_location_api(app_env) -> None:
    client = app_env["server"].test_client()
    admin = {"Authorization": f"Bearer {issue_api_token(app_env['db'], name='adm', role='admin')}"}
    disp = {"Authorization": f"Bearer {issue_api_token(app_env['db'], name='dsp', role='dispatcher')}"}
    facilities = client.get("/api/v1/facilities", headers=disp).get_json()["facilities"]
    target = next(f for f in facilities if f["name"] == "Polsek Abeli")
    url = f"/api/v1/facilities/{target['id']}/location"
    assert client.post(url, json={"lat": -3.99, "lon": 122.58}, headers=disp).status_code == 403
    bad = client.post(url, json={"lat": -6.2, "lon": 106.8}, headers=admin)
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "lat"
    bad = client.post(url, data="{not json", headers={**admin, "Content-Type": "application/json"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "body"
    bad = client.post(url, json={"lat": "x", "lon": 122.58}, headers=admin)
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "lat"
    ok = client.post(url, json={"lat": -3.9925, "lon": 122.5830}, headers=admin)
    assert ok.status_code == 200 and ok.get_json()["location_confidence"] == "surveyed"
    missing = client.post("/api/v1/facilities/99999/location", json={"lat": -3.99, "lon": 122.58}, headers=admin)
    assert missing.status_code == 404


def _admin_callback_payload() -> dict:
    ids = ("admin-user-name", "admin-user-password", "admin-user-role", "admin-user-unit")
    return {
        "output": "..admin-user-msg.children...admin-users-wrap.children..",
        "outputs": [{"id": "admin-user-msg", "property": "children"},
                    {"id": "admin-users-wrap", "property": "children"}],
        "inputs": [{"id": "admin-user-save", "property": "n_clicks", "value": 1}],
        "state": [{"id": i, "property": "value", "value": v}
                  for i, v in zip(ids, ("intruder", "intruder-pass-1", "admin", None))],
        "changedPropIds": ["admin-user-save.n_clicks"],
    }


def test_callbacks_check_the_role_on_the_server(app_env) -> None:
    client = app_env["server"].test_client()
    login(client, "planner1")
    resp = client.post("/_dash-update-component", json=_admin_callback_payload(), headers=SAME_ORIGIN)
    assert resp.status_code == 204                       # refused: no update, nothing created
    with app_env["db"].transaction() as cur:
        cur.execute("SELECT count(*) AS n FROM users WHERE username = 'intruder'")
        assert cur.fetchone()["n"] == 0
    admin = app_env["server"].test_client()
    login(admin, "admin1")
    resp = admin.post("/_dash-update-component", json=_admin_callback_payload(), headers=SAME_ORIGIN)
    assert resp.status_code == 200 and "intruder" in resp.get_data(as_text=True)


def test_every_server_callback_has_a_role_rule(app_env) -> None:
    client = app_env["server"].test_client()
    login(client, "admin1")
    assert client.get("/").status_code == 200        # the app has taken over every dash.callback callback
    callback_map = app_env["app"].callback_map
    ours = {cid: spec["callback"] for cid, spec in callback_map.items()
            if spec.get("callback") is not None and not spec["callback"].__module__.startswith("dash")}
    modules = {f.__module__ for f in ours.values()}
    assert len(ours) >= 20 and "pages.admin" in modules and any("dispatch" in m for m in modules)
    assert unguarded_callbacks(callback_map) == []
    assert all(set(callback_role_rule(f) or ("?",)) <= set(ROLE_LABELS) for f in ours.values())
    assert all(callback_role_rule(f) == ("admin",) for f in ours.values() if f.__module__ == "pages.admin")


def test_a_callback_without_a_role_rule_is_refused() -> None:
    cmap: dict = {}
    clist: list = []

    @dash.callback(Output("bare-out", "children"), Input("bare-in", "n_clicks"), callback_map=cmap,
                   callback_list=clist)
    def bare(n):
        return n

    @dash.callback(Output("ok-out", "children"), Input("ok-in", "n_clicks"), callback_map=cmap,
                   callback_list=clist)
    @callback_roles("planner")
    def guarded(n):
        return n

    register_clientside_callback(clist, cmap, False, [], "function(n) { return n; }",
                                 Output("js-out", "children"), Input("js-in", "n_clicks"))
    assert len(cmap) == 3
    bad = unguarded_callbacks(cmap)
    assert len(bad) == 1 and bad[0].startswith("bare-out.children") and "bare" in bad[0]
    with pytest.raises(UnguardedCallbackError, match=r"bare-out\.children"):
        check_callback_roles(SimpleNamespace(callback_map=cmap))
    with pytest.raises(ValueError, match="unknown role"):
        callback_roles("dispatchr")


def test_a_forged_callback_input_is_refused_not_a_500(app_env) -> None:
    client = app_env["server"].test_client()
    login(client, "dispatcher1")
    client.get("/dispatch")
    key, spec = next((k, v) for k, v in app_env["app"].callback_map.items()
                     if any(i.get("id") == "dispatch-panel-action" for i in v["inputs"]))
    outputs = [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
               for part in key.strip(".").split("...")]
    for forged in ({"id": {"type": "dispatch-propose-closure", "incident": "not-a-number"}, "n": 1},
                   {"id": {"type": "dispatch-ustatus", "unit": 1, "incident": 2, "status": ["x"]}},
                   {"id": {"type": "no-such-button", "incident": 1}}, {"id": "dispatch-close"}, "junk", None):
        payload = {"output": key, "outputs": outputs,
                   "inputs": [{"id": "dispatch-panel-action", "property": "data", "value": forged}],
                   "state": [dict(s, value=None) for s in spec["state"]],   # every state the callback takes
                   "changedPropIds": ["dispatch-panel-action.data"]}
        resp = client.post("/_dash-update-component", json=payload, headers=SAME_ORIGIN)
        assert resp.status_code == 204, (forged, resp.get_data(as_text=True)[:300])   # refused: no update
    unknown = dict(payload, output="..no-such-output.children..")
    assert client.post("/_dash-update-component", json=unknown, headers=SAME_ORIGIN).status_code == 400
    assert spec["inputs"]
