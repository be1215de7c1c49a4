"""Browser (Chromium, every external host blocked): the dispatch console as a dispatcher uses it.

Offline base map with live updates, one incident for a triple click, the keyboard type picker, the
bay/land rule and location correction, per-type status buttons, close confirmation, the worklist
order and its clocks, and the layout at 1280×720 and 1920×1080 (screenshots kept).
"""

from __future__ import annotations

import json
import time

import pytest

from tests.conftest import LiveApp, live_api, open_dispatch, wait_for_map

pytestmark = pytest.mark.browser

LAND = (-4.0100, 122.5300)        # Kel. Kambu, open land (lat, lon)
OTHER_LAND = (-3.9669, 122.5120)  # Mandonga
BAY = (-3.9750, 122.5600)         # Kendari Bay, ~700 m off the shore


def incident_count(live_app: LiveApp) -> int:
    with live_app.db.transaction() as cur:
        cur.execute("SELECT count(*) AS n FROM incidents")
        return int(cur.fetchone()["n"])


def open_console(page, live_app: LiveApp, path: str = "/dispatch") -> None:  # type: ignore[no-untyped-def]
    open_dispatch(page, live_app, path)
    page.wait_for_selector("#dispatch-type")


def map_has(page, js_predicate: str, timeout: int = 8000) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function(f"""() => {{ const gd = document.querySelector('#dispatch-map .js-plotly-plot');
        return gd && gd.data && gd.data.some(t => {js_predicate}); }}""", timeout=timeout)


def place(page, lat: float, lon: float) -> None:  # type: ignore[no-untyped-def]
    page.fill("#dispatch-lat", str(lat))
    page.fill("#dispatch-lon", str(lon))
    page.click("#dispatch-coords-go")


def pick_type(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.click("#dispatch-type")
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def test_offline_base_map_shows_new_incidents_routes_and_unit_moves(
        live_app: LiveApp, live_fleet: dict[str, int], page, screenshot) -> None:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_console(page, live_app)
    page.wait_for_selector("#dispatch-map .js-plotly-plot[data-basemap='own']")
    # the city's own layers and labels, drawn without any external host
    style = page.evaluate("""() => { const m = document.querySelector('#dispatch-map .js-plotly-plot')
        ._fullLayout.map._subplot.map; return m.getStyle().layers.map(l => l.id); }""")
    assert {"k112-water", "k112-land", "k112-kecamatan-line", "k112-kecamatan-label"} <= set(style)
    # a new incident (from the API: no click on this page) appears on the map
    inc = live_api(live_app, "POST", "/api/v1/incidents", {"lat": LAND[0], "lon": LAND[1], "type": "structure_fire"})
    map_has(page, f"(t.customdata || []).some(c => c[0] === 'incident' && c[1] === {inc['id']})")
    # selected: its recommended routes are drawn
    page.click(f"#dispatch-queue .ag-row[row-id='{inc['id']}'] .ag-cell[col-id='type']")
    page.wait_for_selector(f"#dispatch-detail-title:has-text('#{inc['id']}')")
    map_has(page, "t.mode === 'lines' && (t.lon || []).length > 1")
    # a unit reports a position: it moves on the map
    unit = live_fleet["POL-02"]
    live_api(live_app, "POST", f"/api/v1/units/{unit}/position", {"lat": -3.9900, "lon": 122.5200})
    map_has(page, f"""(t.customdata || []).some((c, i) => c[0] === 'unit' && c[1] === {unit}
                      && Math.abs(t.lat[i] + 3.99) < 1e-6)""", timeout=10_000)
    wait_for_map(page, "dispatch-map")
    screenshot(page, "console-offline-basemap")
    assert page.context.k112_blocked == []
    assert errors == []
    live_api(live_app, "POST", f"/api/v1/incidents/{inc['id']}/close", {"outcome": "cancelled"})


def test_triple_click_creates_one_incident_and_resets_the_form(
        live_app: LiveApp, live_fleet: dict[str, int], page) -> None:  # type: ignore[no-untyped-def]
    open_console(page, live_app)
    place(page, -4.0300, 122.5000)
    page.wait_for_selector("#dispatch-draft-text")
    pick_type(page, "pohon")
    page.fill("#dispatch-description", "Pohon tumbang menutup jalan")
    page.fill("#dispatch-phone", "0812 3333 4444")
    before = incident_count(live_app)
    page.click("#dispatch-create", click_count=3, delay=30)
    page.wait_for_selector("#dispatch-created")
    time.sleep(1.5)
    assert incident_count(live_app) == before + 1
    # the form is ready for the next call: type, priority, description and phone are empty
    assert page.input_value("#dispatch-type") == ""
    assert page.input_value("#dispatch-description") == ""
    assert page.input_value("#dispatch-phone") == ""
    assert page.evaluate("() => !document.querySelector('#dispatch-priority input:checked')")
    assert page.input_value("#dispatch-lat") == "" and page.input_value("#dispatch-lon") == ""  # and the point
    # a second click with no new location creates nothing
    page.click("#dispatch-create")
    page.wait_for_selector("#dispatch-create-msg .k112-error")
    assert incident_count(live_app) == before + 1


def test_duplicate_prompt_attach_and_create_anyway_each_leave_one_clear_answer(
        live_app: LiveApp, live_fleet: dict[str, int], page) -> None:  # type: ignore[no-untyped-def]
    first = live_api(live_app, "POST", "/api/v1/incidents", {"lat": LAND[0], "lon": LAND[1], "type": "medical"})
    open_console(page, live_app)
    near = (LAND[0] + 0.0002, LAND[1] + 0.0002)
    place(page, *near)
    page.wait_for_selector("#dispatch-draft-text")
    pick_type(page, "medis")
    page.fill("#dispatch-description", "Penelepon kedua: pasien sudah sadar")
    page.fill("#dispatch-phone", "0812 5555 6666")
    page.click("#dispatch-create")
    page.wait_for_selector("#dispatch-dup-prompt")
    # a new point is a new question: the prompt for the old one goes
    place(page, *OTHER_LAND)
    page.wait_for_selector("#dispatch-draft-text:has-text('Mandonga')")
    assert page.locator("#dispatch-dup-prompt").count() == 0
    # back at the first point: attach the call; one answer, no error after it, no new incident
    place(page, *near)
    page.wait_for_selector("#dispatch-draft-text:has-text('Kambu')")
    before = incident_count(live_app)
    page.click("#dispatch-create")
    page.click(f"#dispatch-dup-prompt button:has-text('#{first['id']}')")
    page.wait_for_selector("#dispatch-attached")
    page.wait_for_timeout(1500)
    assert page.locator("#dispatch-create-msg .k112-error").count() == 0, page.inner_text("#dispatch-create-msg")
    assert page.locator("#dispatch-attached").count() == 1
    assert incident_count(live_app) == before
    assert page.input_value("#dispatch-lat") == "" and page.input_value("#dispatch-description") == ""
    # the incident's timeline says what the further caller said
    page.wait_for_selector(f"#dispatch-detail-title:has-text('#{first['id']}')")
    page.wait_for_selector("#dispatch-timeline:has-text('pasien sudah sadar')")
    # create anyway: the new incident's number, and no error over it
    place(page, *near)
    page.wait_for_selector("#dispatch-draft-text:has-text('Kambu')")
    pick_type(page, "medis")
    page.click("#dispatch-create")
    page.click("#dispatch-dup-prompt button.dsp-ghost")
    page.wait_for_selector("#dispatch-created")
    page.wait_for_timeout(1500)
    assert page.locator("#dispatch-create-msg .k112-error").count() == 0, page.inner_text("#dispatch-create-msg")
    assert incident_count(live_app) == before + 1
    second = int(page.inner_text("#dispatch-created").split("#")[1].split()[0])
    for incident_id in (first["id"], second):   # the next tests place calls here too
        live_api(live_app, "POST", f"/api/v1/incidents/{incident_id}/close", {"outcome": "cancelled"})


def test_type_picker_works_from_the_keyboard(live_app: LiveApp, live_fleet: dict[str, int], page) -> None:  # type: ignore[no-untyped-def]
    open_console(page, live_app)
    page.keyboard.press("t")                       # shortcut: focus the picker
    assert page.evaluate("() => document.activeElement.id") == "dispatch-type"
    page.keyboard.type("kebakaran")
    page.wait_for_selector("#dispatch-type-list [role=option]")
    first = page.inner_text("#dispatch-type-list [role=option][aria-selected=true]")
    page.keyboard.press("ArrowDown")
    second = page.inner_text("#dispatch-type-list [role=option][aria-selected=true]")
    assert first != second
    page.keyboard.press("Enter")                   # picks the highlighted one
    assert page.input_value("#dispatch-type") in second
    page.wait_for_function("() => !!document.querySelector('#dispatch-priority input:checked')")
    # reopening selects the text: typing starts over, Enter takes the new highlighted type
    page.click("#dispatch-description")
    page.click("#dispatch-type")
    page.keyboard.type("medis")
    page.keyboard.press("Enter")
    assert "medis" in page.input_value("#dispatch-type").lower()
    # text that names no type clears the choice instead of keeping the previous one
    page.click("#dispatch-type")
    page.keyboard.type("zzz")
    page.keyboard.press("Tab")
    page.wait_for_selector("#dispatch-type[aria-invalid='true']")
    # the draft survives a reload
    pick_type(page, "pohon")
    page.fill("#dispatch-description", "setengah diketik")
    place(page, *OTHER_LAND)
    page.wait_for_selector("#dispatch-draft-text:has-text('Mandonga')")
    page.reload()
    page.wait_for_selector("#dispatch-draft-text:has-text('Mandonga')")
    page.wait_for_function(
        "() => (document.querySelector('#dispatch-type') || {}).value.toLowerCase().includes('pohon')")
    assert page.input_value("#dispatch-description") == "setengah diketik"


def test_bay_rule_did_you_mean_and_location_correction(
        live_app: LiveApp, live_fleet: dict[str, int], page) -> None:  # type: ignore[no-untyped-def]
    open_console(page, live_app)
    place(page, *BAY)
    page.wait_for_selector("#dispatch-draft-place .k112-error")
    text = page.inner_text("#dispatch-draft-place")
    assert "perairan" in text and "lintang −3,97500, bujur 122,56000" in text and "250 m" in text
    place(page, 3.985, 122.53)                     # the minus sign forgotten
    page.wait_for_selector("#dispatch-draft-place .k112-error:has-text('Maksud Anda −3,98500')")
    # one press takes the suggestion: the fields show it and the pin is placed there
    page.click("#dispatch-draft-place button:has-text('Pakai −3,98500, 122,53000')")
    page.wait_for_selector("#dispatch-draft-text")
    assert page.input_value("#dispatch-lat") == "-3.985" and page.input_value("#dispatch-lon") == "122.53"
    # create on land, then correct its location: audited, kelurahan re-set, recommendation follows
    place(page, *LAND)
    page.wait_for_selector("#dispatch-draft-text:has-text('Kambu')")
    pick_type(page, "medis")
    page.click("#dispatch-create")
    page.wait_for_selector("#dispatch-created")
    incident_id = int(page.inner_text("#dispatch-created").split("#")[1].split()[0])
    page.wait_for_selector("#dispatch-rec-table")
    place(page, *OTHER_LAND)
    page.wait_for_selector("#dispatch-draft-text:has-text('Mandonga')")
    # the pin may be a new call's: the move asks first, naming both places; Cancel leaves it
    page.click("#dispatch-detail-place + div button")
    page.wait_for_selector("#dispatch-move-confirm")
    asked = page.inner_text("#dispatch-move-confirm-text")
    assert f"#{incident_id}" in asked and "Kambu" in asked and "Mandonga" in asked and "km" in asked
    page.click("#dispatch-move-confirm button.dsp-ghost")
    page.wait_for_selector("#dispatch-move-confirm", state="detached")
    page.wait_for_timeout(800)
    assert "Kambu" in page.inner_text("#dispatch-detail-place")
    page.click("#dispatch-detail-place + div button")
    page.click("#dispatch-move-confirm button:has-text('Ya, pindahkan')")
    page.wait_for_selector("#dispatch-detail-place:has-text('Mandonga')")
    page.wait_for_selector("#dispatch-timeline:has-text('Lokasi dikoreksi')")
    with live_app.db.transaction() as cur:
        cur.execute("SELECT data FROM events WHERE incident_id = %s AND kind = 'incident_updated'", (incident_id,))
        moved = cur.fetchone()["data"]
    assert moved["change"] == "location" and moved["to"]["kecamatan"] == "Mandonga"
    live_api(live_app, "POST", f"/api/v1/incidents/{incident_id}/close", {"outcome": "cancelled"})


def test_status_buttons_follow_the_unit_type_and_close_asks_first(
        live_app: LiveApp, live_fleet: dict[str, int], page) -> None:  # type: ignore[no-untyped-def]
    inc = live_api(live_app, "POST", "/api/v1/incidents", {"lat": -3.9950, "lon": 122.5450, "type": "structure_fire"})
    fe = live_fleet["FE-03"]
    live_api(live_app, "POST", f"/api/v1/incidents/{inc['id']}/assignments", {"unit_id": fe})
    open_console(page, live_app, f"/dispatch?incident={inc['id']}")   # selection restored from the URL
    row = f"#dispatch-assignment-{fe}"
    page.wait_for_selector(f"{row} button:has-text('Menuju lokasi')")
    assert page.locator(f"{row} button:has-text('Di lokasi')").count() == 0
    page.click(f"{row} button:has-text('Menuju lokasi')")
    page.wait_for_selector(f"{row} .dsp-ustatus-en_route")
    page.keyboard.press("s")                       # shortcut: next status of the first active unit
    page.wait_for_selector(f"{row} .dsp-ustatus-on_scene")
    buttons = page.locator(f"{row} button").all_inner_texts()
    assert not any("Mengantar" in b or "rumah sakit" in b for b in buttons)   # no transport for a fire engine
    assert "fire_engine" not in page.inner_text("#dispatch-panel")
    page.click("#dispatch-close")
    page.wait_for_selector("#dispatch-close-confirm-text:has-text('FE-03')")
    page.click("#dispatch-close-confirm button.dsp-ghost")               # cancel: still open
    page.wait_for_selector("#dispatch-close-confirm-text", state="detached")
    assert "terbuka" in page.inner_text("#dispatch-detail-status")
    page.click("#dispatch-close")
    page.click("#dispatch-close-confirm button.dsp-danger")
    page.wait_for_selector("#dispatch-detail-status:has-text('ditutup')")


def test_worklist_order_clocks_and_layouts(live_app: LiveApp, live_fleet: dict[str, int], page, screenshot) -> None:  # type: ignore[no-untyped-def]
    with live_app.db.transaction() as cur:
        cur.execute("INSERT INTO app_settings (key, value) VALUES ('dispatch_wait_thresholds', %s)"
                    " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                    (json.dumps({"1": [1, 3], "3": [3600, 7200]}),))
    now = time.time()

    def at(minutes_ago: float) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - minutes_ago * 60))

    p3_old = live_api(live_app, "POST", "/api/v1/incidents", {"lat": -3.9800, "lon": 122.5000, "type": "fallen_tree",
                                                         "priority": 3, "call_received_at": at(30)})
    p1_new = live_api(live_app, "POST", "/api/v1/incidents", {"lat": -3.9820, "lon": 122.5050, "type": "medical",
                                                         "priority": 1, "call_received_at": at(1)})
    p1_old = live_api(live_app, "POST", "/api/v1/incidents", {"lat": -4.0000, "lon": 122.5200, "type": "medical",
                                                         "priority": 1, "call_received_at": at(6)})
    served = live_api(live_app, "POST", "/api/v1/incidents", {"lat": -4.0050, "lon": 122.5250, "type": "medical",
                                                         "priority": 1, "call_received_at": at(20)})
    live_api(live_app, "POST", f"/api/v1/incidents/{served['id']}/assignments", {"unit_id": live_fleet["AMB-03"]})
    page.set_viewport_size({"width": 1280, "height": 720})
    open_console(page, live_app)
    ids = [p1_old["id"], p1_new["id"], p3_old["id"], served["id"]]
    page.wait_for_selector(f"#dispatch-queue .ag-row[row-id='{served['id']}']")
    order = page.evaluate("""() => Array.from(
            document.querySelectorAll('#dispatch-queue .ag-center-cols-container .ag-row'))
        .sort((a, b) => a.getAttribute('row-index') - b.getAttribute('row-index'))
        .map(r => Number(r.getAttribute('row-id')))""")
    ours = [i for i in order if i in ids]
    assert ours == ids, ours           # unassigned first, P1 before P3, the older P1 first
    clock = f"#dispatch-queue .ag-row[row-id='{p1_old['id']}'] .dsp-clock"
    page.wait_for_selector(f"{clock}.dsp-wait-red")
    assert page.inner_text(clock).startswith("6:")
    page.wait_for_selector(f"#dispatch-queue .ag-row[row-id='{p3_old['id']}'] .dsp-clock.dsp-wait-ok")
    page.wait_for_selector(f"#dispatch-queue .ag-row[row-id='{served['id']}'] .dsp-clock.dsp-wait-done")
    # select with the keyboard: J picks the first row, and the URL carries it
    page.click("#dispatch-summary")
    page.keyboard.press("j")
    page.wait_for_selector(f"#dispatch-detail-title:has-text('#{p1_old['id']}')")
    assert f"incident={p1_old['id']}" in page.url
    # 1280×720: the plan's button and the map are on screen; the legend does not cover the map
    page.wait_for_selector("#dispatch-rec-table")
    box = page.locator("#dispatch-assign-plan").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 720
    map_box = page.locator("#dispatch-map").bounding_box()
    legend_box = page.locator("#dispatch-legend").bounding_box()
    assert map_box and legend_box and legend_box["y"] >= map_box["y"] + map_box["height"] - 1
    assert map_box["width"] >= 450 and map_box["height"] >= 450
    wait_for_map(page, "dispatch-map")
    screenshot(page, "console-1280x720")
    page.keyboard.press("?")
    page.wait_for_selector("#dispatch-help:not([hidden])")
    screenshot(page, "console-1280x720-shortcuts")
    page.keyboard.press("Escape")
    page.set_viewport_size({"width": 1920, "height": 1080})
    time.sleep(0.5)
    wait_for_map(page, "dispatch-map")
    screenshot(page, "console-1920x1080")
    for inc in (p3_old, p1_new, p1_old, served):
        live_api(live_app, "POST", f"/api/v1/incidents/{inc['id']}/close", {"outcome": "cancelled"})
