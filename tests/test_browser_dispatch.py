"""Browser (Chromium): the dispatcher's whole flow, and a second dispatcher seeing it live."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest

from incidents.labels import unit_type_label
from store import Database
from tests.conftest import LiveApp, login, open_dispatch, wait_for_map

pytestmark = pytest.mark.browser

#: Open land in Kel. Kambu, away from every station and unit marker.
CLICK_POINT = (122.5300, -4.0100)  # (lon, lat)
NASTY = "Rumah terbakar <script>window.__pwned = 1</script> '; DROP TABLE incidents; --"


def open_console(page, live_app: LiveApp) -> None:  # type: ignore[no-untyped-def]
    open_dispatch(page, live_app)


def click_map_at(page, lon: float, lat: float) -> None:  # type: ignore[no-untyped-def]
    """Click the map canvas where (lon, lat) is drawn."""
    x, y = page.evaluate(
        """([lon, lat]) => { const gd = document.querySelector('#dispatch-map .js-plotly-plot');
               const map = gd._fullLayout.map._subplot.map; const p = map.project([lon, lat]);
               const r = map.getCanvas().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }""",
        [lon, lat])
    page.mouse.click(x, y)


def choose_type(page, label: str) -> None:  # type: ignore[no-untyped-def]
    page.click("#dispatch-type")
    page.click(f"[role=option]:has-text('{label}')")


def create_anyway(page) -> None:  # type: ignore[no-untyped-def]
    """Past the "probably reported already" prompt: create a new incident all the same."""
    page.click("#dispatch-dup-prompt button.dsp-ghost")


def select_board_unit(page, callsign: str) -> None:  # type: ignore[no-untyped-def]
    row = page.locator("#dispatch-units .ag-row", has_text=callsign).first
    row.locator(".ag-cell[col-id='callsign']").click()
    page.wait_for_selector(f"#dispatch-unit-selected:has-text('{callsign}')")


def api_post(live_app: LiveApp, path: str, body: dict) -> dict:
    req = urllib.request.Request(live_app.base_url + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": "Bearer live-test-token",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def events_of(db: Database, incident_id: int) -> list[tuple[str, str]]:
    with db.transaction() as cur:
        cur.execute("SELECT kind, actor FROM events WHERE incident_id = %s ORDER BY id", (incident_id,))
        return [(r["kind"], r["actor"]) for r in cur.fetchall()]


def test_dispatcher_whole_flow(live_app: LiveApp, live_fleet: dict[str, int], page) -> None:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_console(page, live_app)

    # place the incident by clicking the map: the place is named at once
    click_map_at(page, *CLICK_POINT)
    page.wait_for_selector("#dispatch-draft-text")
    assert "Kec. Kambu" in page.inner_text("#dispatch-draft-text")

    # create it
    choose_type(page, "Kebakaran bangunan")
    page.wait_for_function("() => document.querySelector('#dispatch-priority input[value=\"1\"]').checked")
    page.fill("#dispatch-description", NASTY)
    page.fill("#dispatch-phone", "0812-1111-2222")
    page.click("#dispatch-create")
    page.wait_for_selector("#dispatch-created")
    created = page.inner_text("#dispatch-created")
    incident_id = int(created.split("#")[1].split()[0])
    assert "Kambu" in created

    # the description is shown as text, never run
    page.wait_for_selector("#dispatch-detail-description")
    assert page.inner_text("#dispatch-detail-description") == NASTY
    assert page.evaluate("() => window.__pwned") is None

    # ranked units with ETAs and the model that produced them; routes drawn on the map
    page.wait_for_selector("#dispatch-rec-table")
    assert "ETA" in page.inner_text("#dispatch-rec-model")
    etas = page.locator("#dispatch-rec-table .dsp-cand").all_inner_texts()
    assert len(etas) >= 4 and any("FE-" in t for t in etas) and any("AMB-" in t for t in etas)
    page.wait_for_function("""() => { const gd = document.querySelector('#dispatch-map .js-plotly-plot');
        return gd && gd.data.some(t => t.mode === 'lines' && (t.lon || []).length > 1); }""")

    # assign the whole plan in one action: two fire engines and an ambulance
    page.click("#dispatch-assign-plan")
    page.wait_for_function("() => document.querySelectorAll('#dispatch-assignments li').length === 3")
    assigned = page.locator("#dispatch-assignments li").all_inner_texts()
    fire, amb = unit_type_label("fire_engine", "id"), unit_type_label("ambulance", "id")
    assert sum(fire in t for t in assigned) == 2 and sum(amb in t for t in assigned) == 1
    page.wait_for_selector("#dispatch-plan-fulfilled")

    # move the ambulance: on the board only its allowed next statuses can be pressed (an invalid jump
    # cannot), then en route → on scene with the panel's buttons, which offer only those too
    amb_li = page.locator("#dispatch-assignments li[data-unit-type='ambulance']")
    amb_id = amb_li.get_attribute("id").removeprefix("dispatch-assignment-")
    assert amb_li.locator("button", has_text="Di lokasi").count() == 0
    select_board_unit(page, amb_li.locator(".dsp-callsign").inner_text())
    page.wait_for_selector("#dispatch-unit-status-en_route.dsp-allowed:not([disabled])")
    assert page.locator("#dispatch-unit-status-on_scene").is_disabled()
    assert page.locator("#dispatch-unit-status-transporting").is_visible()   # an ambulance carries patients
    page.locator(f"#dispatch-assignment-{amb_id} button", has_text="Menuju lokasi").click()
    page.wait_for_selector(f"#dispatch-assignment-{amb_id} .dsp-ustatus-en_route")
    page.locator(f"#dispatch-assignment-{amb_id} button", has_text="Di lokasi").click()
    page.wait_for_selector(f"#dispatch-assignment-{amb_id} .dsp-ustatus-on_scene")

    # the queue and the unit board follow
    page.wait_for_function("""() => Array.from(document.querySelectorAll('#dispatch-units .ag-row'))
        .some(r => r.innerText.includes('Di lokasi'))""")
    assert page.locator(f"#dispatch-queue .ag-row[row-id='{incident_id}']").count() == 1

    # close with an outcome: the units are cleared, the incident leaves the queue
    page.click("#dispatch-outcome")
    page.click("[role=option]:has-text('Selesai ditangani')")
    page.click("#dispatch-close")
    # units are still active: the console names them and asks first
    page.wait_for_selector("#dispatch-close-confirm-text")
    page.click("#dispatch-close-confirm button.dsp-danger")
    page.wait_for_selector("#dispatch-detail-status:has-text('ditutup')")
    page.wait_for_function(f"() => !document.querySelector(\"#dispatch-queue .ag-row[row-id='{incident_id}']\")")

    kinds = events_of(live_app.db, incident_id)
    assert [k for k, _ in kinds][:3] == ["call_received", "call_answered", "incident_created"]
    assert {k for k, _ in kinds} >= {"unit_dispatched", "unit_en_route", "unit_on_scene", "unit_cleared",
                                     "incident_closed"}
    assert {a for _, a in kinds} == {"dispatcher"}
    timeline = page.inner_text("#dispatch-timeline")
    assert "Insiden ditutup" in timeline and "WITA" in timeline
    assert errors == []


def test_search_and_typed_coordinates_place_the_incident(live_app: LiveApp, live_fleet: dict[str, int], page) -> None:  # type: ignore[no-untyped-def]
    open_console(page, live_app)
    page.fill("#dispatch-search", "Kessilampe")
    page.click("#dispatch-search-go")
    page.click("#dispatch-search-results button:has-text('Kassilampe')")
    page.wait_for_selector("#dispatch-draft-text:has-text('Kassilampe')")
    page.fill("#dispatch-lat", "-4.03")
    page.fill("#dispatch-lon", "122.69")
    page.click("#dispatch-coords-go")
    page.wait_for_selector("#dispatch-draft-place .k112-error")
    assert "luar Kota Kendari" in page.inner_text("#dispatch-draft-place")
    page.fill("#dispatch-lat", "-3.9669")
    page.fill("#dispatch-lon", "122.5120")
    page.press("#dispatch-lon", "Enter")
    page.wait_for_selector("#dispatch-draft-text:has-text('Mandonga')")
    choose_type(page, "Kegawatdaruratan medis")
    page.click("#dispatch-create")
    page.wait_for_selector("#dispatch-created")
    # the same again is flagged as a possible duplicate, with a link to the first
    first_id = int(page.inner_text("#dispatch-created").split("#")[1].split()[0])
    page.fill("#dispatch-lat", "-3.9670")
    page.fill("#dispatch-lon", "122.5121")
    page.click("#dispatch-coords-go")
    page.wait_for_selector("#dispatch-draft-text")
    choose_type(page, "Kegawatdaruratan medis")  # the form was reset after the first call
    page.click("#dispatch-create")
    create_anyway(page)
    page.wait_for_selector("#dispatch-created-duplicate")
    second_id = int(page.inner_text("#dispatch-created").split("#")[1].split()[0])
    link = page.locator("#dispatch-created-duplicate a")
    assert link.inner_text() == f"#{first_id}"
    link.click()
    page.wait_for_selector(f"#dispatch-detail-title:has-text('#{first_id}')")
    # selecting from the queue
    page.wait_for_selector(f"#dispatch-queue .ag-row[row-id='{second_id}']")
    page.click(f"#dispatch-queue .ag-row[row-id='{second_id}'] .ag-cell[col-id='type']")
    page.wait_for_selector(f"#dispatch-detail-title:has-text('#{second_id}')")
    assert page.locator("#dispatch-duplicate-link").inner_text() == f"#{first_id}"
    # the unit board: take an idle unit out of service, and back; what it may not do cannot be pressed,
    # and patient transport is not offered to a police unit at all
    select_board_unit(page, "POL-01")
    page.wait_for_selector("#dispatch-unit-status-out_of_service.dsp-allowed:not([disabled])")
    assert page.locator("#dispatch-unit-status-on_scene").is_disabled()
    assert page.locator("#dispatch-unit-status-transporting").is_hidden()
    assert page.locator("#dispatch-unit-status-at_hospital").is_hidden()
    page.click("#dispatch-unit-status-out_of_service")
    page.wait_for_selector("#dispatch-unit-selected:has-text('Tidak beroperasi')")
    page.click("#dispatch-unit-status-available")
    page.wait_for_selector("#dispatch-unit-selected:has-text('Siaga')")


def test_second_dispatcher_sees_new_incident_live(live_app: LiveApp, live_fleet: dict[str, int], browser) -> None:  # type: ignore[no-untyped-def]
    contexts = [browser.new_context(viewport={"width": 1400, "height": 900}, locale="id-ID",
                                    timezone_id="Asia/Makassar") for _ in range(2)]
    try:
        one, two = (c.new_page() for c in contexts)
        for p in (one, two):  # log both in; they load the console side by side
            p.set_default_timeout(20_000)
            p.goto(f"{live_app.base_url}/login?next=/dispatch")
            p.fill("#username", "dispatcher")
            p.fill("#password", live_app.password)
            p.click("#login-submit", no_wait_after=True)
        for p in (one, two):
            wait_for_map(p, "dispatch-map")
            p.wait_for_selector("#dispatch-map[data-click-ready='1']")
        # dispatcher one creates an incident through the console
        one.fill("#dispatch-lat", "-3.9930")
        one.fill("#dispatch-lon", "122.5590")
        one.click("#dispatch-coords-go")
        one.wait_for_selector("#dispatch-draft-text")
        choose_type(one, "Pohon tumbang")
        one.click("#dispatch-create")
        one.wait_for_selector("#dispatch-created")
        new_id = one.inner_text("#dispatch-created").split("#")[1].split()[0]
        t0 = time.monotonic()
        two.wait_for_selector(f"#dispatch-queue .ag-row[row-id='{new_id}']", timeout=5000)
        seen_after = time.monotonic() - t0
        assert seen_after < 3.0, f"second dispatcher saw it after {seen_after:.1f} s"
        # dispatcher two opens it by clicking its marker on the map (a marker click selects, it
        # does not start a new incident there)
        wait_for_map(two, "dispatch-map")
        two.wait_for_function(f"""() => document.querySelector('#dispatch-map .js-plotly-plot').data
            .some(t => (t.customdata || []).some(c => c[0] === 'incident' && String(c[1]) === '{new_id}'))""")
        click_map_at(two, 122.5590, -3.9930)
        two.wait_for_selector(f"#dispatch-detail-title:has-text('#{new_id}')")
        assert two.locator("#dispatch-draft-text").count() == 0
        # a change from the API (e.g. a crew or another system) reaches both
        api_post(live_app, f"/api/v1/incidents/{new_id}/close", {"outcome": "cancelled"})
        for p in (one, two):
            p.wait_for_function(f"() => !document.querySelector(\"#dispatch-queue .ag-row[row-id='{new_id}']\")",
                                timeout=5000)
    finally:
        for c in contexts:
            c.close()


def test_other_roles_cannot_dispatch(live_app: LiveApp, page) -> None:  # type: ignore[no-untyped-def]
    login(page, live_app.base_url, "planner")
    page.goto(live_app.base_url + "/dispatch")
    page.wait_for_selector("#access-denied")
