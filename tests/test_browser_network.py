"""Browser (Chromium): an admin draws a closure on /admin/network; the next recommendation changes.

The incident's best route is read from the API, an area across the middle of it is drawn by
clicking the map, saved, and within 10 s the API's recommendation for the same incident is
different (a detour, or no open road).
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from store import Database

pytestmark = pytest.mark.browser

API = {"Authorization": "Bearer live-test-token", "Content-Type": "application/json"}
#: Half the side of the drawn square, degrees (~440 m): a few pixels wide on the city map.
HALF = 0.004


def _api(app: Any, path: str, body: dict | None = None) -> Any:
    req = urllib.request.Request(app.base_url + path, method="POST" if body is not None else "GET", headers=API,
                                 data=None if body is None else json.dumps(body).encode())
    with urllib.request.urlopen(req, timeout=15) as resp:
        return json.loads(resp.read())


def _best(rec: dict) -> dict:
    return min((c for c in rec["candidates"]), key=lambda c: (c["eta_s"] is None, c["eta_s"] or 0))


@pytest.fixture(scope="module")
def network_app(module_db: Database, live_app_factory: Callable[..., Any], add_unit: Callable[..., int]) -> Any:
    add_unit(module_db, "ambulance", home="Puskesmas Poasia")
    return live_app_factory(module_db)


def _click(page, lon: float, lat: float) -> None:
    x, y = page.evaluate(
        """([lon, lat]) => { const gd = document.querySelector('#network-map .js-plotly-plot');
               const map = gd._fullLayout.map._subplot.map; const p = map.project([lon, lat]);
               const r = map.getCanvas().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }""",
        [lon, lat])
    page.mouse.click(x, y)


def test_a_drawn_closure_changes_the_next_recommendation(network_app, page, browser_login, map_painted,
                                                         screenshot, places) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    lat, lon = places.mandonga
    incident = _api(network_app, "/api/v1/incidents", {"lat": lat, "lon": lon, "type": "medical"})
    before = _best(_api(network_app, f"/api/v1/incidents/{incident['id']}/recommendations"))
    assert before["reachable"] and before["route"], before
    coords = before["route"]["coordinates"]
    mid_lon, mid_lat = coords[len(coords) // 2]

    browser_login(page, network_app.base_url, "admin", next_path="/admin/network")
    map_painted(page, "network-map")
    page.wait_for_selector("#network-map[data-click-ready='1']")
    page.click("text=Penutupan area")
    page.wait_for_selector("#network-closure-form", state="visible")
    page.evaluate("() => document.querySelector('#network-map').scrollIntoView({block: 'end'})")
    page.wait_for_timeout(300)
    for dx, dy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        _click(page, mid_lon + dx * HALF, mid_lat + dy * HALF)
        page.wait_for_timeout(150)
    page.wait_for_function("() => (document.querySelector('#network-draft-text') || {}).innerText"
                           "?.startsWith('4 titik diklik')")
    page.fill("#network-closure-name", "Uji: jalan ditutup")
    page.click("#network-closure-save")
    page.wait_for_selector("#network-ok")
    saved_at = time.monotonic()
    assert "Penutupan #" in page.inner_text("#network-ok")
    page.wait_for_function("() => document.querySelector('#network-list-table') !== null")
    assert "Uji: jalan ditutup" in page.inner_text("#network-corrections")
    page.wait_for_function("""() => { const gd = document.querySelector('#network-map .js-plotly-plot');
        return gd && gd.data.some(t => t.name === 'Penutupan jalan (area)'); }""")
    page.wait_for_timeout(300)
    screenshot(page, "admin-network-closure")

    after = before
    while time.monotonic() - saved_at < 10.0:
        after = _best(_api(network_app, f"/api/v1/incidents/{incident['id']}/recommendations"))
        if (after["eta_s"], after.get("reason_code")) != (before["eta_s"], before.get("reason_code")):
            break
        time.sleep(0.5)
    changed_in = time.monotonic() - saved_at
    assert (after["eta_s"], after.get("reason_code")) != (before["eta_s"], before.get("reason_code")), after
    assert changed_in < 10.0
    assert after["eta_s"] is None or after["eta_s"] > before["eta_s"]  # a detour is longer
    assert not errors, errors
    assert not page.context.k112_blocked, page.context.k112_blocked
