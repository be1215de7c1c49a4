"""The network admin page (/admin/network), server side: layout per role, drawing, saving, retiring.

The page and its callbacks are driven the way the browser drives them: the page from Dash's page
router, each callback through ``/_dash-update-component`` with the dependencies the app publishes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from dash._utils import split_callback_id

from app import create_app
from auth.passwords import hash_password
from field_errors import ValidationFailed
from incidents.model import Actor
from layers.network_traces import closure_traces, draft_trace
from pages import _network_callbacks as cb
from routing.reasons import routing_reason_text
from services import corrections
from store import Database, users

PASSWORD = "network-pass-112"
SAME_ORIGIN = {"Origin": "http://localhost"}
#: A small area in Kel. Kadia (lon, lat), clicked clockwise.
AREA = [[122.505, -3.975], [122.52, -3.975], [122.52, -3.965], [122.505, -3.965]]


@pytest.fixture(scope="module")
def site(module_db: Database) -> Iterator[dict[str, Any]]:
    app = create_app({"database_url": module_db.url, "seed_demo": False, "api_token": "net-token",
                      "default_language": "id"})
    for role in ("admin", "dispatcher", "planner"):
        users.create_user(module_db, username=f"net-{role}", password_hash=hash_password(PASSWORD), role=role)
    yield {"app": app, "db": module_db}
    app.server.extensions["kendari112"].db.close()


def _client(site: Mapping[str, Any], role: str) -> Any:
    client = site["app"].server.test_client()
    client.set_cookie("k112_lang", "id")
    resp = client.post("/login", data={"username": f"net-{role}", "password": PASSWORD}, headers=SAME_ORIGIN)
    assert resp.status_code == 302
    return client


def _page(client: Any, path: str) -> str:
    body = {"output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"},
                        {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                       {"id": "_pages_location", "property": "search", "value": ""}],
            "state": [], "changedPropIds": ["_pages_location.pathname"]}
    resp = client.post("/_dash-update-component", json=body, headers=SAME_ORIGIN)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    return json.dumps(resp.get_json()["response"]["_pages_content"]["children"])


def _outputs(dep: Mapping[str, Any]) -> Any:
    """The ``outputs`` of a request for this dependency (ids parsed, ``@hash`` of duplicates dropped)."""
    parsed = split_callback_id(dep["output"])
    items = parsed if isinstance(parsed, list) else [parsed]
    out = [{"id": json.loads(o["id"]) if o["id"].startswith("{") else o["id"], "property": o["property"].split("@")[0]}
           for o in items]
    return out if isinstance(parsed, list) else out[0]


def _fire(client: Any, output_part: str, *, inputs: list[Any], state: list[Any], changed: list[str]) -> Any:
    """Run the callback whose output names ``output_part`` (as the browser does)."""
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(d for d in deps if output_part in d["output"] and d.get("clientside_function") is None)
    body = {"output": dep["output"], "outputs": _outputs(dep), "inputs": inputs, "state": state,
            "changedPropIds": changed}
    return client.post("/_dash-update-component", json=body, headers=SAME_ORIGIN)


def _closure_call(client: Any, *, draft: list, mode: str = "closure_area", reason: str = "flood",
                  starts: str = "2026-01-01 08:00", ends: str = "2099-01-01 08:00") -> Any:
    values = {"network-draft": draft, "network-mode": mode, "network-closure-reason": reason,
              "network-closure-name": "Banjir Kadia", "network-closure-from": starts,
              "network-closure-until": ends, "network-version": 0}
    props = {"network-draft": "data", "network-version": "data"}
    state = [{"id": k, "property": props.get(k, "value"), "value": v} for k, v in values.items()]
    return _save(client, "network-closure-save", state)


def _save(client: Any, button: str, state: list[dict[str, Any]]) -> Any:
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(d for d in deps if any(i["id"] == button for i in d["inputs"]))
    body = {"output": dep["output"], "outputs": _outputs(dep),
            "inputs": [{"id": button, "property": "n_clicks", "value": 1}], "state": state,
            "changedPropIds": [f"{button}.n_clicks"]}
    return client.post("/_dash-update-component", json=body, headers=SAME_ORIGIN)


def _connector_call(client: Any, *, draft: list, speed: Any = 40, kind: str = "link") -> Any:
    values = {"network-draft": draft, "network-conn-kind": kind, "network-conn-name": "Ruas baru",
              "network-conn-speed": speed, "network-conn-length": None, "network-conn-crossing": None,
              "network-conn-waiting": None, "network-conn-source": "survei", "network-version": 0}
    props = {"network-draft": "data", "network-version": "data"}
    return _save(client, "network-connector-save",
                 [{"id": k, "property": props.get(k, "value"), "value": v} for k, v in values.items()])


def _stored(db: Database, kind: str) -> list[corrections.CorrectionView]:
    return [c for c in corrections.list_corrections(db) if c.kind == kind]


# --- page ------------------------------------------------------------------------------------------------
def test_the_page_renders_for_admin_and_is_refused_to_others(site: dict[str, Any]) -> None:
    page = _page(_client(site, "admin"), "/admin/network")
    assert "access-denied" not in page
    for element in ("network-map", "network-mode", "network-info", "network-corrections", "network-repair",
                    "network-factor-save", "network-accuracy-link"):
        assert element in page, element
    assert "Jaringan jalan dan koreksinya" in page and "Jembatan Teluk Kendari" in page
    for role in ("dispatcher", "planner"):
        assert "access-denied" in _page(_client(site, role), "/admin/network"), role
    admin_page = _page(_client(site, "admin"), "/admin")
    assert "/admin/network" in admin_page


def test_the_page_speaks_english_too(site: dict[str, Any]) -> None:
    client = _client(site, "admin")
    client.set_cookie("k112_lang", "en")
    page = _page(client, "/admin/network")
    assert "Road network and its corrections" in page and "Approximate model" in page
    assert "Compute" in _page(client, "/network/accuracy")


def test_the_accuracy_page_is_for_planners_and_admins(site: dict[str, Any]) -> None:
    for role in ("planner", "admin"):
        page = _page(_client(site, role), "/network/accuracy")
        assert "access-denied" not in page and "accuracy-run" in page, role
    assert "access-denied" in _page(_client(site, "dispatcher"), "/network/accuracy")


def test_the_map_draws_corrections_and_the_clicked_points(site: dict[str, Any]) -> None:
    db = site["db"]
    view = corrections.create_correction(db, {"kind": "closure", "reason": "landslide", "geometry": {
        "type": "Polygon", "coordinates": [[*AREA, AREA[0]]]}}, Actor("admin"))
    try:
        client = _client(site, "admin")
        state = [{"id": "network-map-base", "property": "data", "value": None}]
        resp = _fire(client, "network-map.figure", inputs=[
            {"id": "network-version", "property": "data", "value": 0},
            {"id": "network-draft", "property": "data", "value": [[122.5, -3.97]]},
            {"id": "network-mode", "property": "value", "value": "connector"}], state=state, changed=[])
        assert resp.status_code == 200
        figure = resp.get_json()["response"]["network-map"]["figure"]
        names = [t.get("name") for t in figure["data"]]
        assert "Penutupan jalan (area)" in names
        closure = next(t for t in figure["data"] if t.get("name") == "Penutupan jalan (area)")
        assert "Longsor" in json.dumps(closure["hovertext"])
        assert figure["data"][-1]["lon"] == [122.5]  # the clicked point, last
        assert "Jembatan Teluk Kendari" in json.dumps(figure["data"])  # the shipped connector
    finally:
        corrections.retire_correction(db, view.id, Actor("admin"))


# --- saving ---------------------------------------------------------------------------------------------
def test_admin_draws_and_saves_a_closure_then_retires_it(site: dict[str, Any]) -> None:
    db = site["db"]
    client = _client(site, "admin")
    resp = _closure_call(client, draft=AREA)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    answer = resp.get_json()["response"]
    assert "Penutupan #" in json.dumps(answer["network-msg"]) and answer["network-draft"]["data"] == []
    (saved,) = _stored(db, "closure")
    assert saved.reason == "flood" and saved.geometry["type"] == "Polygon"
    assert saved.details["starts_at"].startswith("2026-01-01T00:00:00")  # 08:00 WITA
    with db.transaction() as cur:
        cur.execute("SELECT actor FROM events WHERE kind = 'network_correction' AND (data->>'id')::int = %s",
                    (saved.id,))
        assert cur.fetchone()["actor"] == "net-admin"
    # retire it with its button in the list
    key = json.dumps({"index": saved.id, "type": "network-retire"}, separators=(",", ":"))
    resp = _fire(client, "network-list-msg.children", inputs=[
        [{"id": {"index": saved.id, "type": "network-retire"}, "property": "n_clicks", "value": 1}], []],
        state=[{"id": "network-version", "property": "data", "value": 1}], changed=[f"{key}.n_clicks"])
    assert resp.status_code == 200 and "dicabut" in resp.get_data(as_text=True)
    assert _stored(db, "closure") == []


@pytest.mark.parametrize(("draft", "mode", "starts", "ends", "fields"), [
    (AREA[:2], "closure_area", "2026-01-01 08:00", "", {"geometry"}),
    (AREA[:1], "closure_line", "kemarin", "", {"geometry", "starts_at"}),
    (AREA, "closure_area", "2026-01-02 08:00", "2026-01-01 08:00", {"ends_at"}),
    ([[106.80, -6.20], [106.81, -6.20], [106.81, -6.21]], "closure_area", "", "", {"geometry"}),  # Jakarta
])
def test_bad_closures_are_refused_per_field(site: dict[str, Any], draft: list, mode: str, starts: str, ends: str,
                                             fields: set[str]) -> None:
    resp = _closure_call(_client(site, "admin"), draft=draft, mode=mode, starts=starts, ends=ends)
    assert resp.status_code == 200
    text = resp.get_data(as_text=True)
    for field in fields:
        assert f"network-err-{field}" in text, (field, text[:600])
    assert "network-version" not in resp.get_json()["response"]
    assert _stored(site["db"], "closure") == []


def test_connectors_bad_input_refused_per_field_and_good_one_saved(site: dict[str, Any]) -> None:
    db = site["db"]
    client = _client(site, "admin")
    one = _connector_call(client, draft=[[122.55, -3.98]])
    assert "network-err-b" in one.get_data(as_text=True) and "network-err-a" not in one.get_data(as_text=True)
    fast = _connector_call(client, draft=[[122.55, -3.98], [122.552, -3.981]], speed=500)
    assert "network-err-speed_kmh" in fast.get_data(as_text=True)
    ferry = _connector_call(client, draft=[[122.55, -3.98], [122.552, -3.981]], kind="ferry")
    assert "network-err-crossing_s" in ferry.get_data(as_text=True)
    assert _stored(db, "connector") == []
    good = _connector_call(client, draft=[[122.55, -3.98], [122.552, -3.981]])
    assert "Penghubung #" in good.get_data(as_text=True)
    (saved,) = _stored(db, "connector")
    assert saved.details["connector_kind"] == "link" and saved.geometry["coordinates"][1] == [122.552, -3.981]
    corrections.retire_correction(db, saved.id, Actor("admin"))


def test_other_roles_cannot_save(site: dict[str, Any]) -> None:
    for role in ("dispatcher", "planner"):
        resp = _closure_call(_client(site, role), draft=AREA)
        assert resp.status_code == 204, role  # refused by the callback's role rule
    assert _stored(site["db"], "closure") == []


# --- pure helpers -------------------------------------------------------------------------------------------
def test_page_helpers() -> None:
    assert cb.parse_wita("2026-12-01 08:00", "starts_at") == "2026-12-01T08:00:00+08:00"
    with pytest.raises(ValidationFailed):
        cb.parse_wita("besok pagi", "starts_at")
    body = cb.closure_body(AREA, "closure_area", "flood", "", "", "")
    assert body["geometry"]["coordinates"][0][-1] == AREA[0] and body["starts_at"] is None
    assert cb.draft_text([[122.5, -3.97], [122.51, -3.97]], "connector", "id").startswith("Dua titik dipilih")
    assert cb.draft_text(AREA[:2], "closure_area", "id") == "2 titik diklik; perlu minimal 3."
    with pytest.raises(ValidationFailed) as info:
        cb.connector_body(AREA[:3], "link", "", 40, None, None, None, "")
    assert [e.field for e in info.value.errors] == ["b"]
    assert cb.connector_body(AREA[:2], "ferry", "", 40, None, 10, 5, "")["crossing_s"] == 600


def test_traces_and_reason_texts() -> None:
    rows: list[dict[str, Any]] = [{"kind": "closure", "status": "active", "active_now": True, "reason": "flood",
                                   "name": "<b>x</b>",
                                   "geometry": {"type": "Polygon", "coordinates": [[*AREA, AREA[0]]]},
                                   "starts_at": None, "ends_at": "2026-12-01T18:00:00+08:00"},
                                  {"kind": "closure", "status": "proposed", "reason": "landslide",
                                   "geometry": {"type": "LineString", "coordinates": AREA[:2]}}]
    (active,) = closure_traces(rows, "id")
    assert active["fill"] == "toself" and "&lt;b&gt;x&lt;/b&gt;" in active["hovertext"][0]
    assert "01-12-2026 18:00 WITA" in active["hovertext"][0]
    assert len(closure_traces(rows, "en", include_proposed=True)) == 2
    assert draft_trace(AREA, "closure_area", "id")["lon"][-1] == AREA[0][0]
    assert routing_reason_text("off_road", "id", distance_m=1200) == "di luar jalan 1,2 km"
    assert routing_reason_text("off_road", "en", distance_m=1200) == "off-road 1.2 km"
    for code in ("open_water", "outside_service_area", "boat_only", "off_network", "separate_land", "no_open_road",
                 "beyond_limit", "invalid_position", None):
        assert routing_reason_text(code, "id") != routing_reason_text(code, "en")
    assert "90" in routing_reason_text("beyond_limit", "id", minutes=90)


def test_repair_report_pieces_get_where_a_connector_would_join(line_road: Any, tmp_path: Any) -> None:
    from routing.graph import ROAD_GRAPH_FILE
    from services.network import dropped_pieces, read_repair_report

    near = line_road.node_lonlat(3)
    piece = {"type": "Feature", "geometry": {"type": "MultiLineString", "coordinates": [
        [[near[0] + 0.001, near[1] + 0.002], [near[0] + 0.001, near[1] + 0.006]]]},
        "properties": {"length_m": 440.0, "nodes": 2, "centroid": [near[0] + 0.001, near[1] + 0.004],
                       "nearest_kept_m": 250.0}}
    report = {"type": "FeatureCollection", "features": [piece, dict(piece, properties={"length_m": 12.0})]}
    pieces, total, length = dropped_pieces(line_road.graph, report, limit=1)
    assert total == 2 and length == 452.0 and len(pieces) == 1
    (first,) = pieces
    assert first.rank == 1 and first.join_to == (round(near[0], 6), round(near[1], 6))
    assert first.join_from == (near[0] + 0.001, near[1] + 0.002) and 200 < (first.gap_m or 0) < 260
    assert read_repair_report(tmp_path) is None  # no installed network there
    (tmp_path / ROAD_GRAPH_FILE).write_bytes(b"")
    (tmp_path / "repair_report.geojson").write_text(json.dumps(report))
    assert read_repair_report(tmp_path)["features"][0]["properties"]["length_m"] == 440.0


def test_closure_slots_for_a_live_map() -> None:
    assert len(closure_traces([], "id", keep_empty=True)) == 4
    rows: list[dict[str, Any]] = [{"kind": "closure", "status": "active", "active_now": True, "reason": "event",
             "geometry": {"type": "LineString", "coordinates": AREA[:2]}},
            {"kind": "closure", "status": "active", "active_now": False, "reason": "works",
             "geometry": {"type": "LineString", "coordinates": AREA[1:3]}}]
    slots = closure_traces(rows, "id", keep_empty=True)
    assert len(slots) == 4 and slots[1]["name"] == "Penutupan jalan (ruas)" and len(slots[1]["lon"]) == 3
    assert slots[0]["lon"] == [] and slots[2]["lon"] == []
