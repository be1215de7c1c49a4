"""Browser (Chromium, phone-sized 390×844): a crew follows its job, reports statuses and GPS."""

from __future__ import annotations

import pytest

from auth.passwords import hash_password
from store import users
from tests.conftest import TEST_PASSWORD, LiveApp, wait_for_map
from tests.test_browser_dispatch import api_post
from tests.test_incidents_service import seed_fleet

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
#: Where the phone says it is: Jl. Saranani, Kel. Kadia (inside the city).
PHONE_AT = {"latitude": -3.9805, "longitude": 122.5215, "accuracy": 15}


@pytest.fixture
def crew_page(live_app: LiveApp, browser):  # type: ignore[no-untyped-def]
    fleet = seed_fleet(live_app.db, (("AMB-CREW", "ambulance", "PSC119", "Puskesmas Mekar"),))
    users.create_user(live_app.db, username="crew-amb", password_hash=hash_password(TEST_PASSWORD), role="crew",
                      unit_id=fleet["AMB-CREW"], display_name="Kru AMB-CREW")
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="id-ID", timezone_id="Asia/Makassar",
                                  geolocation=PHONE_AT, permissions=["geolocation"])
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page, fleet["AMB-CREW"]
    context.close()


def test_crew_page_on_a_phone(live_app: LiveApp, crew_page) -> None:  # type: ignore[no-untyped-def]
    page, unit = crew_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    incident = api_post(live_app, "/api/v1/incidents", {"lat": -3.9930, "lon": 122.5590, "type": "medical",
                                                        "address": "Jl. Sao-Sao No. 5",
                                                        "description": "Lansia jatuh <b>tidak sadar</b>"})
    api_post(live_app, f"/api/v1/incidents/{incident['id']}/assignments", {"unit_id": unit})

    # a crew account lands on /crew after logging in
    page.goto(f"{live_app.base_url}/login")
    page.fill("#username", "crew-amb")
    page.fill("#password", TEST_PASSWORD)
    page.click("#login-submit")
    page.wait_for_url("**/crew")
    page.wait_for_selector("#crew-incident-title")
    assert f"#{incident['id']}" in page.inner_text("#crew-incident-title")
    assert "Jl. Sao-Sao No. 5" in page.inner_text("#crew-address")
    assert "Lansia jatuh <b>tidak sadar</b>" in page.inner_text("#crew-assignment")
    page.wait_for_selector("#crew-route")
    assert "km" in page.inner_text("#crew-route")
    wait_for_map(page, "crew-map")
    assert page.evaluate("""() => document.querySelector('#crew-map .js-plotly-plot').data
        .some(t => t.mode === 'lines' && t.lon.length > 1)""")

    # phone-sized: nothing wider than the screen, thumb-sized buttons
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    for status in ("en_route", "on_scene", "transporting", "at_hospital", "cleared"):
        box = page.locator(f"#crew-btn-{status}").bounding_box()
        assert box["height"] >= 48 and box["width"] >= 150
    assert "crew-next" in (page.get_attribute("#crew-btn-en_route", "class") or "")

    # an invalid jump is refused with a message; then the proper sequence
    page.click("#crew-btn-at_hospital")
    page.wait_for_selector("#crew-msg-text.k112-error")
    page.click("#crew-btn-en_route")
    page.wait_for_selector("#crew-status:has-text('Menuju lokasi')")
    page.click("#crew-btn-on_scene")
    page.wait_for_selector("#crew-status:has-text('Di lokasi')")

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
    with live_app.db.transaction() as cur:
        cur.execute("SELECT kind, actor FROM events WHERE unit_id = %s ORDER BY id", (unit,))
        trail = [(r["kind"], r["actor"]) for r in cur.fetchall()]
    assert trail == [("unit_dispatched", "api:integration"), ("unit_en_route", "crew-amb"),
                     ("unit_on_scene", "crew-amb"), ("unit_cleared", "crew-amb")]
    assert errors == []


def test_crew_cannot_open_the_console(live_app: LiveApp, browser) -> None:  # type: ignore[no-untyped-def]
    if users.get_credentials(live_app.db, "crew-nounit") is None:
        users.create_user(live_app.db, username="crew-nounit", password_hash=hash_password(TEST_PASSWORD), role="crew")
    context = browser.new_context(viewport=PHONE, locale="id-ID")
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
