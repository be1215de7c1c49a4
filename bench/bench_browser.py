"""Browser benchmark of the dispatch console: what a dispatcher waits for, in Chromium (Playwright).

Run with ``.venv/bin/python -m bench bench_browser`` (or ``make bench``); figures are merged into
``bench/results.json`` under keys ``console_*``.

Set-up as :mod:`bench.bench_dispatch` (scratch database with 200 units and 500 open incidents,
``gunicorn -w 2`` on loopback), then two logged-in consoles in Debian's Chromium with every
external host blocked. Measured per round, from the browser:

* map click → pin drawn (placement mode; the pin painted on the map at once), and → checked pin (the
  server's draft trace with the place named, after the land rule);
* create → recommendations drawn (until the new incident's plan table and a route are shown);
* status change → board updated (until the unit board row shows the new status);
* a second console sees the change (until the new incident is in its worklist).

Targets: 300 ms, 800 ms, 500 ms and 2 s p95. Only loopback traffic; a fixed number of rounds.
"""

from __future__ import annotations

import random
import time
from typing import Any

from settings import VAR_DIR

ROUNDS = 12
TARGETS_MS = {"click_to_pin": 300.0, "create_to_recommendations": 800.0, "status_to_board": 500.0,
              "second_console": 2000.0}
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]


def _p(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return round(ordered[k] * 1000, 1)


def _block(context: Any) -> None:
    def handle(route: Any) -> None:
        host = route.request.url.split("/")[2] if "://" in route.request.url else ""
        if route.request.url.startswith(("data:", "blob:")) or host.startswith(("127.", "localhost")):
            route.continue_()
        else:
            route.abort("internetdisconnected")

    context.route("**/*", handle)


def _open(browser: Any, port: int, password: str) -> Any:
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="id-ID", timezone_id="Asia/Makassar")
    _block(context)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"http://127.0.0.1:{port}/login?next=/dispatch")
    page.fill("#username", "bench-dispatcher")
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_selector("#dispatch-map[data-click-ready='1']", timeout=60_000)
    page.wait_for_selector("#dispatch-type")
    page.wait_for_function("""() => { const gd = document.querySelector('#dispatch-map .js-plotly-plot');
        return gd && gd._fullLayout.map._subplot.map.loaded(); }""")
    return page


def _screen_xy(page: Any, lon: float, lat: float) -> tuple[float, float]:
    x, y = page.evaluate(
        """([lon, lat]) => { const gd = document.querySelector('#dispatch-map .js-plotly-plot');
               const map = gd._fullLayout.map._subplot.map; const p = map.project([lon, lat]);
               const r = map.getCanvas().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }""",
        [lon, lat])
    return float(x), float(y)


def _measure(page: Any, other: Any, point: tuple[float, float], kind: str, out: dict[str, list[float]]) -> None:
    lon, lat = point
    # 1. map click → pin drawn
    x, y = _screen_xy(page, lon, lat)
    page.evaluate("() => { window.__pinBefore = JSON.stringify((document.querySelector('#dispatch-map .js-plotly-plot')"
                  ".data.find(t => t.name === 'Lokasi baru') || {}).lon || null); }")
    t0 = time.perf_counter()
    page.mouse.click(x, y)
    page.wait_for_function("""() => { const gd = document.querySelector('#dispatch-map .js-plotly-plot');
        const map = gd._fullLayout.map._subplot.map; const s = map.getSource('k112-pending-pin');
        return !!s && (map.__k112PinAt || 0) > 0 && map.isStyleLoaded(); }""")
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")   # painted
    out["click_to_pin"].append(time.perf_counter() - t0)
    page.wait_for_function("""() => { const t = document.querySelector('#dispatch-map .js-plotly-plot').data
        .find(t => t.name === 'Lokasi baru'); return t && JSON.stringify(t.lon) !== window.__pinBefore; }""")
    out["click_to_checked_pin"].append(time.perf_counter() - t0)
    page.wait_for_selector("#dispatch-draft-text")
    # 2. create → recommendations drawn (and 4. the second console sees it)
    page.click("#dispatch-type")
    page.keyboard.type(kind)
    page.keyboard.press("Enter")
    page.wait_for_function("() => !!document.querySelector('#dispatch-priority input:checked')")
    t0 = time.perf_counter()
    page.click("#dispatch-create")
    anyway = page.locator("#dispatch-dup-prompt button.dsp-ghost")
    page.wait_for_selector("#dispatch-created, #dispatch-dup-prompt")
    if anyway.count():
        anyway.click()
        page.wait_for_selector("#dispatch-created")
    new_id = page.inner_text("#dispatch-created").split("#")[1].split()[0]
    t_created = time.perf_counter()
    page.wait_for_selector(f"#dispatch-detail-title:has-text('#{new_id}')")
    page.wait_for_selector("#dispatch-rec-table")
    page.wait_for_function("""() => document.querySelector('#dispatch-map .js-plotly-plot').data
        .some(t => t.mode === 'lines' && (t.lon || []).length > 1)""")
    out["create_to_recommendations"].append(time.perf_counter() - t0)
    # the worklist is virtualised (500 rows): ask the grid, not the DOM
    other.wait_for_function(f"""() => {{
        const api = window.dash_ag_grid && window.dash_ag_grid.getApi('dispatch-queue');
        return api && !!api.getRowNode('{new_id}'); }}""", timeout=15_000)
    out["second_console"].append(time.perf_counter() - t_created)
    # 3. assign the plan, then a status change → the unit board shows it
    page.click("#dispatch-assign-plan")
    page.wait_for_selector("#dispatch-assignments .dsp-next-status")
    li = page.locator("#dispatch-assignments li:has(.dsp-next-status)").first
    unit_id = (li.get_attribute("id") or "").removeprefix("dispatch-assignment-")
    label = li.locator(".dsp-next-status").inner_text()
    t0 = time.perf_counter()
    page.click("#dispatch-summary")   # focus off any input; "S" presses the next-status button at once
    page.keyboard.press("s")
    page.wait_for_function(f"""() => {{ const api = window.dash_ag_grid && window.dash_ag_grid.getApi('dispatch-units');
        const node = api && api.getRowNode('{unit_id}');
        return node && node.data && node.data.status === {label!r}; }}""")
    out["status_to_board"].append(time.perf_counter() - t0)


def run() -> dict[str, Any]:
    """Set up, measure, tear down; merge the figures into bench/results.json and return them."""
    from playwright.sync_api import sync_playwright

    from bench import bench_dispatch as setup
    from bench._common import load_average, merge_results

    cluster, url, db = setup._prepare_database()
    proc = None
    out: dict[str, list[float]] = {k: [] for k in (*TARGETS_MS, "click_to_checked_pin")}
    try:
        seeded = setup._seed(db)
        port = setup._free_port()
        proc = setup._start_gunicorn(url, port, VAR_DIR / "bench-browser-gunicorn.log")
        rng = random.Random(12)
        points = rng.sample(seeded["points"], ROUNDS + 2)
        kinds = ("medis", "kebakaran bangunan", "kecelakaan")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=BROWSER_ARGS)
            page, other = _open(browser, port, setup.PASSWORD), _open(browser, port, setup.PASSWORD)
            page.click("#dispatch-place-mode")                 # placement mode: clicks always place the pin
            for i, point in enumerate(points[:ROUNDS]):
                try:
                    _measure(page, other, point, kinds[i % len(kinds)], out)
                except Exception as exc:  # one failed round must not lose the others' figures
                    print(f"round {i}: {type(exc).__name__}: {str(exc).splitlines()[0]}", flush=True)
                if not page.locator("#dispatch-place-mode.dsp-on").count():
                    page.click("#dispatch-place-mode")
            browser.close()
    finally:
        if proc is not None:
            setup._stop(proc)
        db.close()
        del cluster
    figures: dict[str, Any] = {"console_rounds": ROUNDS, "console_load_average": load_average()}
    for key, samples in out.items():
        figures[f"console_{key}_p50_ms"] = _p(samples, 50)
        figures[f"console_{key}_p95_ms"] = _p(samples, 95)
        if key in TARGETS_MS:
            figures[f"console_{key}_target_p95_ms"] = TARGETS_MS[key]
    merge_results(figures)
    return figures
