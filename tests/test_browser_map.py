"""Browser: log in, see Kendari (11 kecamatan, units), switch language; wrong password; roles."""

from __future__ import annotations

import pytest

from tests.conftest import LiveApp, login, wait_for_map

pytestmark = pytest.mark.browser


def _trace_summary(page):  # type: ignore[no-untyped-def]
    return page.evaluate("""() => { const gd = document.querySelector('#map-graph .js-plotly-plot');
        return gd.data.map(t => ({name: t.name, type: t.type, n: (t.locations || t.lon || []).length})); }""")


def test_map_shows_kendari_and_switches_language(live_app: LiveApp, page) -> None:  # type: ignore[no-untyped-def]
    with live_app.db.transaction() as cur:
        cur.execute("INSERT INTO units (callsign, unit_type, agency_code, home_facility_id)"
                    " SELECT 'AMB-T1', 'ambulance', 'PSC119', id FROM facilities WHERE name = 'Puskesmas Mata'")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, live_app.base_url, "dispatcher")
    wait_for_map(page, "map-graph")
    traces = _trace_summary(page)
    kec = [t for t in traces if t["name"] == "Kecamatan"]
    assert kec and kec[0]["n"] == 11
    kel = [t for t in traces if t["name"] == "Kelurahan"]
    assert kel and kel[0]["n"] == 64
    unit_traces = [t for t in traces if t["name"].startswith("Unit: ")]
    assert sum(t["n"] for t in unit_traces) == 1
    assert page.locator("h2").first.inner_text() == "Peta operasional Kota Kendari"
    page.click("#lang-switch")
    page.wait_for_selector("text=Kendari operational map")
    wait_for_map(page, "map-graph")
    names = [t["name"] for t in _trace_summary(page)]
    assert "Districts (kecamatan)" in names
    assert errors == []


def test_wrong_password_shows_message(live_app: LiveApp, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_app.base_url + "/login")
    page.fill("#username", "dispatcher")
    page.fill("#password", "definitely-wrong")
    page.click("#login-submit")
    assert "salah" in page.locator("#login-error").inner_text()
    page.goto(live_app.base_url + "/")
    assert "/login" in page.url


def test_role_without_access_is_refused(live_app: LiveApp, page) -> None:  # type: ignore[no-untyped-def]
    login(page, live_app.base_url, "planner")
    page.goto(live_app.base_url + "/admin")
    page.wait_for_selector("#access-denied")
    assert page.locator("#nav-admin").count() == 0
