"""Browser (Chromium, every external host blocked): how the dispatch console keeps up.

What the latency work rests on, checked as behaviour (speed itself is measured by
``bench/bench_browser.py``, never asserted here):

* a map click in placement mode shows a pin over the map at once, before the server's checked pin;
* the incident panel's buttons reach the server only when pressed — a re-rendered panel asks nothing;
* an action answers with the board and the panel: the console asks the server for neither again;
* a live map update redraws only the traces that changed (assets/map_updates.js);
* an older panel drawn over a newer one (a late answer) is drawn again for the selected incident.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import LiveApp, live_api, open_dispatch

pytestmark = pytest.mark.browser

LAND = (-4.0100, 122.5300)        # Kel. Kambu, open land (lat, lon)


def open_console(page, live_app: LiveApp, path: str = "/dispatch") -> None:  # type: ignore[no-untyped-def]
    open_dispatch(page, live_app, path)
    page.wait_for_selector("#dispatch-map[data-map-updates='1']")


class Callbacks:
    """The outputs of every Dash callback request the page sends (``..a.b...c.d..`` keys)."""

    def __init__(self, page) -> None:  # type: ignore[no-untyped-def]
        self.sent: list[str] = []
        page.on("request", self._seen)

    def _seen(self, request) -> None:  # type: ignore[no-untyped-def]
        if "_dash-update-component" in request.url and request.method == "POST":
            try:
                self.sent.append(str(json.loads(request.post_data or "{}").get("output", "")))
            except ValueError:
                self.sent.append("?")

    def mark(self) -> int:
        return len(self.sent)

    def since(self, mark: int, needle: str) -> list[str]:
        return [o for o in self.sent[mark:] if needle in o]


def test_a_click_in_placement_mode_shows_the_pin_at_once(
        live_app: LiveApp, live_fleet: dict[str, int], page) -> None:  # type: ignore[no-untyped-def]
    open_console(page, live_app)
    page.click("#dispatch-place-mode")
    page.wait_for_selector("#dispatch-map[data-placing='1']")
    x, y = page.evaluate("""([lon, lat]) => { const gd = document.querySelector('#dispatch-map .js-plotly-plot');
        const map = gd._fullLayout.map._subplot.map; const p = map.project([lon, lat]);
        const r = map.getCanvas().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }""", [LAND[1], LAND[0]])
    # the pin is drawn by the click handler itself: visible in the same task as the click
    shown = page.evaluate("""([x, y]) => { const canvas = document.querySelector('#dispatch-map .maplibregl-canvas');
        const init = {clientX: x, clientY: y, bubbles: true, button: 0};
        canvas.dispatchEvent(new MouseEvent('mousedown', init)); canvas.dispatchEvent(new MouseEvent('mouseup', init));
        canvas.dispatchEvent(new MouseEvent('click', init));
        const pin = document.querySelector('#dispatch-map .k112-pending-pin');
        if (!pin || pin.style.display !== 'block') { return null; }
        const box = pin.getBoundingClientRect();
        return [box.left + box.width / 2, box.top + box.height / 2]; }""", [x, y])
    assert shown is not None, "no pin right after the click"
    assert abs(shown[0] - x) <= 2 and abs(shown[1] - y) <= 2        # where the dispatcher clicked
    page.wait_for_selector("#dispatch-draft-text:has-text('Kambu')")  # then the server's checked place


def test_panel_buttons_ask_the_server_only_when_pressed_and_actions_answer_with_board_and_panel(
        live_app: LiveApp, live_fleet: dict[str, int], page) -> None:  # type: ignore[no-untyped-def]
    inc = live_api(live_app, "POST", "/api/v1/incidents", {"lat": -3.9950, "lon": 122.5450, "type": "structure_fire"})
    fe = live_fleet["FE-01"]
    live_api(live_app, "POST", f"/api/v1/incidents/{inc['id']}/assignments", {"unit_id": fe})
    calls = Callbacks(page)
    open_console(page, live_app, f"/dispatch?incident={inc['id']}")
    row = f"#dispatch-assignment-{fe}"
    page.wait_for_selector(f"{row} button:has-text('Menuju lokasi')")
    # the panel is drawn again when something changes elsewhere (another unit, from the API) …
    other = live_api(live_app, "POST", "/api/v1/incidents", {"lat": -3.9700, "lon": 122.5150, "type": "medical"})
    before = calls.mark()
    live_api(live_app, "POST", f"/api/v1/incidents/{other['id']}/assignments", {"unit_id": live_fleet["AMB-02"]})
    page.wait_for_function("""(id) => { const api = window.dash_ag_grid && window.dash_ag_grid.getApi('dispatch-units');
        const n = api && api.getRowNode(String(id)); return n && n.data && n.data.status === 'Ditugaskan'; }""",
                           arg=live_fleet["AMB-02"])
    page.wait_for_timeout(1500)
    # … and its buttons (assign, status, unassign, move, closure) ask the server nothing
    assert calls.since(before, "dispatch-action-msg") == []
    assert calls.since(before, "dispatch-coverage-msg") == []     # nor the move-up buttons
    # a press is one request, and its answer carries the board and the panel: neither is asked again
    updates = page.evaluate("() => Object.assign({}, window.__k112MapUpdates)")
    before = calls.mark()
    page.click(f"{row} button:has-text('Menuju lokasi')")
    page.wait_for_selector(f"{row} .dsp-ustatus-en_route")
    page.wait_for_function("""(id) => { const api = window.dash_ag_grid && window.dash_ag_grid.getApi('dispatch-units');
        const n = api && api.getRowNode(String(id)); return n && n.data && n.data.status === 'Menuju lokasi'; }""",
                           arg=fe)
    page.wait_for_timeout(1500)
    assert len(calls.since(before, "dispatch-action-msg")) == 1
    assert [o for o in calls.since(before, "dispatch-queue.rowData") if "@" not in o] == []   # refresh_board
    assert [o for o in calls.since(before, "dispatch-detail.children") if "@" not in o] == []  # refresh_detail
    # the map followed (the unit's colour, its route) by redrawing a few traces, not all of them
    after = page.evaluate("() => Object.assign({}, window.__k112MapUpdates)")
    redrawn, kept = after["updated"] - updates["updated"], after["skipped"] - updates["skipped"]
    assert 0 < redrawn < 12 and kept > 2 * redrawn, (redrawn, kept)


def test_an_older_panel_drawn_late_is_drawn_again_for_the_selected_incident(
        live_app: LiveApp, live_fleet: dict[str, int], page) -> None:  # type: ignore[no-untyped-def]
    inc = live_api(live_app, "POST", "/api/v1/incidents", {"lat": LAND[0], "lon": LAND[1], "type": "medical"})
    open_console(page, live_app, f"/dispatch?incident={inc['id']}")
    page.wait_for_selector(f"#dispatch-detail-title:has-text('#{inc['id']}')")
    page.wait_for_timeout(3500)   # the gate asks again for the same panel at most every 3 s
    calls = Callbacks(page)
    mark = calls.mark()
    # as if an answer for another incident, under way when this one was selected, arrived last
    page.evaluate("() => window.dash_clientside.set_props('dispatch-detail-ver', {data: [-1, 'older']})")
    page.wait_for_timeout(2500)   # the next tick sees that what is drawn is not what is selected
    assert [o for o in calls.since(mark, "dispatch-detail.children") if "@" not in o], calls.sent[mark:]
    page.wait_for_selector(f"#dispatch-detail-title:has-text('#{inc['id']}')")


def test_a_press_on_the_map_that_changes_nothing_paints_nothing_but_a_move_does(
        live_app: LiveApp, live_fleet: dict[str, int], page) -> None:  # type: ignore[no-untyped-def]
    open_console(page, live_app)
    page.wait_for_function("""() => { const gd = document.querySelector('#dispatch-map .js-plotly-plot');
        return gd && gd._fullLayout.map._subplot.map.loaded(); }""")
    page.wait_for_timeout(1500)   # the first pictures are painted
    frames = ("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() =>"
              " requestAnimationFrame(r))))")
    shot = page.locator("#dispatch-map .maplibregl-canvas").screenshot()
    before = page.evaluate("() => Object.assign({}, window.__k112MapUpdates)")
    # a button pressed and released on the map without a move (no click: nothing is placed) makes
    # MapLibre's input handlers ask for a frame; that frame shows the same picture, so it is not painted
    page.evaluate("""() => { const canvas = document.querySelector('#dispatch-map .maplibregl-canvas');
        const r = canvas.getBoundingClientRect();
        const init = {clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, bubbles: true, button: 0};
        canvas.dispatchEvent(new MouseEvent('mousedown', init));
        canvas.dispatchEvent(new MouseEvent('mouseup', init)); }""")
    page.evaluate(frames)
    after = page.evaluate("() => Object.assign({}, window.__k112MapUpdates)")
    assert after["samePictureSkipped"] > before["samePictureSkipped"], (before, after)
    assert after["painted"] == before["painted"], (before, after)
    assert page.locator("#dispatch-map .maplibregl-canvas").screenshot() == shot   # the picture is still there
    # a moved map is painted at once
    page.evaluate("""() => document.querySelector('#dispatch-map .js-plotly-plot')._fullLayout.map._subplot.map
        .panBy([40, 0], {duration: 0})""")
    page.evaluate(frames)
    moved = page.evaluate("() => Object.assign({}, window.__k112MapUpdates)")
    assert moved["painted"] > after["painted"], (after, moved)


def test_a_box_selection_on_a_map_is_drawn_not_skipped(live_app: LiveApp, page) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import login, wait_for_map

    login(page, live_app.base_url, "dispatcher")
    wait_for_map(page, "map-graph")
    page.wait_for_selector("#map-graph[data-map-updates='1']")
    page.evaluate("""() => Plotly.relayout(document.querySelector('#map-graph .js-plotly-plot'),
                                           {dragmode: 'select'})""")
    wait_for_map(page, "map-graph")
    before = page.evaluate("() => Object.assign({}, window.__k112MapUpdates)")
    box = page.locator("#map-graph .maplibregl-canvas").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 0.2 * box["width"], box["y"] + 0.2 * box["height"])
    page.mouse.down()
    page.mouse.move(box["x"] + 0.8 * box["width"], box["y"] + 0.8 * box["height"], steps=8)
    page.mouse.up()
    page.wait_for_timeout(800)
    after = page.evaluate("() => Object.assign({}, window.__k112MapUpdates)")
    picked = page.evaluate("""() => document.querySelector('#map-graph .js-plotly-plot').data
        .filter(t => t.type === 'scattermap' && Array.isArray(t.selectedpoints) && t.selectedpoints.length).length""")
    assert picked > 0                                            # the box took points
    assert after["updated"] > before["updated"], (before, after)   # and the traces were restyled for it
