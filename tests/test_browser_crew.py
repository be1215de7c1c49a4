"""Browser (Chromium, phone-sized 390×844): a crew follows its job, reports statuses and GPS; each unit
sees only the statuses it may take next (a fire engine never gets transport), all in Indonesian."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from auth.passwords import hash_password
from store import users
from tests.conftest import TEST_PASSWORD, LiveApp, block_external_hosts, wait_for_map

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
#: Where the phone says it is: Jl. Saranani, Kel. Kadia (inside the city).
PHONE_AT = {"latitude": -3.9805, "longitude": 122.5215, "accuracy": 15}
#: Every status button of the crew page.
ALL_BUTTONS = ("en_route", "on_scene", "transporting", "at_hospital", "cleared", "out_of_service", "available")


def api_post(live_app: LiveApp, path: str, body: dict) -> dict:
    req = urllib.request.Request(live_app.base_url + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": "Bearer live-test-token",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


@contextmanager
def phone(browser) -> Iterator:
    """A phone-sized page with its GPS at :data:`PHONE_AT`; every external host blocked."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="id-ID", timezone_id="Asia/Makassar",
                                  geolocation=PHONE_AT, permissions=["geolocation"])
    block_external_hosts(context)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        yield page
    finally:
        context.close()


def crew_login(page, live_app: LiveApp, username: str) -> None:
    """A crew account lands on /crew after logging in."""
    page.goto(f"{live_app.base_url}/login")
    page.fill("#username", username)
    page.fill("#password", TEST_PASSWORD)
    page.click("#login-submit")
    page.wait_for_url("**/crew")


def shown_buttons(page) -> list[str]:
    return [s for s in ALL_BUTTONS if page.locator(f"#crew-btn-{s}").is_visible()]


def wait_for_buttons(page, statuses: tuple[str, ...]) -> None:
    """Wait until exactly ``statuses`` are offered, each big enough for a thumb."""
    page.wait_for_function(
        """([all, wanted]) => all.every(s => {
               const b = document.querySelector('#crew-btn-' + s);
               return b && (b.offsetParent !== null) === wanted.includes(s); })""",
        arg=[list(ALL_BUTTONS), list(statuses)])
    for status in statuses:
        box = page.locator(f"#crew-btn-{status}").bounding_box()
        assert box["height"] >= 48 and box["width"] >= 150


@pytest.fixture
def crew_page(live_app: LiveApp, browser, seed_fleet: Callable[..., dict[str, int]]):
    fleet = seed_fleet(live_app.db, (("AMB-CREW", "ambulance", "PSC119", "Puskesmas Mekar"),))
    users.create_user(live_app.db, username="crew-amb", password_hash=hash_password(TEST_PASSWORD), role="crew",
                      unit_id=fleet["AMB-CREW"], display_name="Kru AMB-CREW")
    with phone(browser) as page:
        yield page, fleet["AMB-CREW"]


def test_crew_page_on_a_phone(live_app: LiveApp, crew_page, screenshot) -> None:
    page, unit = crew_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    incident = api_post(live_app, "/api/v1/incidents", {"lat": -3.9930, "lon": 122.5590, "type": "medical",
                                                        "address": "Jl. Sao-Sao No. 5",
                                                        "description": "Lansia jatuh <b>tidak sadar</b>"})
    api_post(live_app, f"/api/v1/incidents/{incident['id']}/assignments", {"unit_id": unit})

    crew_login(page, live_app, "crew-amb")
    page.wait_for_selector("#crew-incident-title")
    assert f"#{incident['id']}" in page.inner_text("#crew-incident-title")
    assert "Prioritas 1" in page.inner_text("#crew-incident-title")
    assert "Jl. Sao-Sao No. 5" in page.inner_text("#crew-address")
    assert "Lansia jatuh <b>tidak sadar</b>" in page.inner_text("#crew-assignment")
    assert page.inner_text("#crew-callsign") == "AMB-CREW" and "Ambulans" in page.inner_text("#crew-unit-type")
    page.wait_for_selector("#crew-route")
    assert "km" in page.inner_text("#crew-route")
    wait_for_map(page, "crew-map")
    assert page.evaluate("""() => document.querySelector('#crew-map .js-plotly-plot').data
        .some(t => t.mode === 'lines' && t.lon.length > 1)""")

    # phone-sized: nothing wider than the screen; only the next statuses, thumb-sized
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    wait_for_buttons(page, ("en_route", "cleared"))
    assert page.inner_text("#crew-btn-en_route") == "Menuju lokasi"
    assert "crew-next" in (page.get_attribute("#crew-btn-en_route", "class") or "")
    screenshot(page, "crew-390x844-dispatched")

    # an invalid jump from a stale screen (the button shown by hand) is refused, in Indonesian
    page.evaluate("() => { document.querySelector('#crew-btn-at_hospital').hidden = false; }")
    page.click("#crew-btn-at_hospital")
    page.wait_for_selector("#crew-msg-text.k112-error")
    refusal = page.inner_text("#crew-msg-text")
    assert "AMB-CREW: Ditugaskan → Di rumah sakit tidak diizinkan" in refusal
    assert "not allowed" not in refusal and "at_hospital" not in refusal
    page.evaluate("() => { document.querySelector('#crew-btn-at_hospital').hidden = true; }")
    page.click("#crew-btn-en_route")
    page.wait_for_selector("#crew-status:has-text('Menuju lokasi')")
    wait_for_buttons(page, ("on_scene", "cleared"))
    page.click("#crew-btn-on_scene")
    page.wait_for_selector("#crew-status:has-text('Di lokasi')")
    wait_for_buttons(page, ("transporting", "cleared"))   # an ambulance may carry the patient

    # GPS: only after the crew switches it on (and the browser allows it)
    page.click("#crew-gps")
    page.wait_for_selector("#crew-gps-status:has-text('posisi terkirim')")
    with live_app.db.transaction() as cur:
        cur.execute("SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat, source FROM unit_positions WHERE unit_id = %s",
                    (unit,))
        rows = cur.fetchall()
    assert len(rows) == 1 and rows[0]["source"] == "crew"
    assert abs(rows[0]["lat"] - PHONE_AT["latitude"]) < 1e-6 and abs(rows[0]["lon"] - PHONE_AT["longitude"]) < 1e-6

    page.click("#crew-btn-cleared")
    page.wait_for_selector("#crew-idle")
    wait_for_buttons(page, ("out_of_service",))
    with live_app.db.transaction() as cur:
        cur.execute("SELECT kind, actor FROM events WHERE unit_id = %s ORDER BY id", (unit,))
        trail = [(r["kind"], r["actor"]) for r in cur.fetchall()]
    assert trail == [("unit_dispatched", "api:integration"), ("unit_en_route", "crew-amb"),
                     ("unit_on_scene", "crew-amb"), ("unit_cleared", "crew-amb")]
    assert errors == []


def test_a_fire_engine_crew_is_never_offered_transport(live_app: LiveApp, browser, screenshot,
                                                      seed_fleet: Callable[..., dict[str, int]]) -> None:
    fleet = seed_fleet(live_app.db, (("FE-CREW", "fire_engine", "DAMKAR", "Pos Damkar Poasia"),))
    unit = fleet["FE-CREW"]
    users.create_user(live_app.db, username="crew-fe", password_hash=hash_password(TEST_PASSWORD), role="crew",
                      unit_id=unit, display_name="Kru FE-CREW")
    incident = api_post(live_app, "/api/v1/incidents", {"lat": -3.9930, "lon": 122.5590, "type": "structure_fire"})
    api_post(live_app, f"/api/v1/incidents/{incident['id']}/assignments", {"unit_id": unit})
    with phone(browser) as page:
        crew_login(page, live_app, "crew-fe")
        page.wait_for_selector("#crew-incident-title")
        assert "Mobil pemadam" in page.inner_text("#crew-unit-type")
        wait_for_buttons(page, ("en_route", "cleared"))
        page.click("#crew-btn-en_route")
        page.wait_for_selector("#crew-status:has-text('Menuju lokasi')")
        wait_for_buttons(page, ("on_scene", "cleared"))
        page.click("#crew-btn-on_scene")
        page.wait_for_selector("#crew-status:has-text('Di lokasi')")
        wait_for_buttons(page, ("cleared",))                # no "Mengantar pasien", no "Di rumah sakit"
        assert shown_buttons(page) == ["cleared"]
        screenshot(page, "crew-390x844-fire-engine-on-scene")

        # a stale screen that still offers transport is refused by the server, in Indonesian
        page.evaluate("() => { document.querySelector('#crew-btn-transporting').hidden = false; }")
        page.click("#crew-btn-transporting")
        page.wait_for_selector("#crew-msg-text.k112-error")
        refusal = page.inner_text("#crew-msg-text")
        assert refusal == ("Perubahan status ditolak — FE-CREW: Di lokasi → Mengantar pasien tidak diizinkan "
                           "(berikutnya: Selesai)")
        with live_app.db.transaction() as cur:
            cur.execute("SELECT status FROM units WHERE id = %s", (unit,))
            assert cur.fetchone()["status"] == "on_scene"


def test_crew_cannot_open_the_console(live_app: LiveApp, browser) -> None:
    if users.get_credentials(live_app.db, "crew-nounit") is None:
        users.create_user(live_app.db, username="crew-nounit", password_hash=hash_password(TEST_PASSWORD), role="crew")
    context = browser.new_context(viewport=PHONE, locale="id-ID")
    block_external_hosts(context)
    try:
        page = context.new_page()
        page.goto(f"{live_app.base_url}/login")
        page.fill("#username", "crew-nounit")
        page.fill("#password", TEST_PASSWORD)
        page.click("#login-submit")
        page.wait_for_selector("#crew-no-unit")
        page.goto(f"{live_app.base_url}/dispatch")
        page.wait_for_selector("#access-denied")
    finally:
        context.close()
