"""Browser: a planner picks a type and period and sees hotspots, runs coverage, runs a what-if,
adds a candidate by clicking the map, and downloads the report."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from store import Database

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def planning_app(module_db: Database, live_app_factory: Callable[..., Any]) -> Any:
    """The app on a database with a year of synthetic history (4,000 incidents, no event rows)."""
    import demo

    demo.seed(module_db, seed=112, months=12, n_incidents=4000, with_events=False)
    return live_app_factory(module_db)


def _traces(page, graph_id: str):
    return page.evaluate("""(id) => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');
        return gd.data.map(t => ({name: t.name, n: (t.locations || t.lon || []).length})); }""", graph_id)


def _choose(page, dropdown_id: str, option_text: str) -> None:
    page.click(f"#{dropdown_id}")
    page.locator(".dash-dropdown-options .dash-dropdown-option", has_text=option_text).first.click()
    _close_dropdown(page)


def _close_dropdown(page) -> None:
    page.keyboard.press("Escape")
    if page.locator(".dash-dropdown-options").count():
        page.click(".planning-side h2")
    page.wait_for_selector(".dash-dropdown-options", state="detached")


def _wait_text(page, selector: str, text: str, timeout_ms: int = 30_000) -> None:
    page.wait_for_function("([sel, text]) => { const el = document.querySelector(sel); "
                           "return el && el.innerText.includes(text); }", arg=[selector, text], timeout=timeout_ms)


def _count(summary: str) -> int:
    """The number of incidents analysed, read from the summary (``1.234 insiden dianalisis``)."""
    match = re.search(r"([\d.]+) insiden dianalisis", summary)
    assert match, summary
    return int(match.group(1).replace(".", ""))


def test_planner_hotspots_coverage_whatif_and_report(planning_app, page, tmp_path, browser_login, map_painted,
                                                     screenshot) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(page, planning_app.base_url, "planner", next_path="/planning")
    page.wait_for_selector("#planning-page")
    _wait_text(page, "#planning-hot-summary", "insiden")
    map_painted(page, "planning-hot-map")

    # choose a type and a period: the hotspots follow
    _choose(page, "planning-types", "Kegawatdaruratan medis")
    _choose(page, "planning-month-from", _months(page)[-6])
    page.wait_for_function("""() => { const t = document.querySelector('#planning-hot-summary').innerText;
        const m = t.match(/([\\d.]+) insiden dianalisis/);
        return m && parseInt(m[1].replace(/\\./g, ''), 10) < 3000; }""")
    summary = page.inner_text("#planning-hot-summary")
    n = _count(summary)
    assert 100 < n < 3000, summary
    assert "Titik panas" in summary
    # plain words first: the headline names places and says how sure, the method is folded away
    headline = page.inner_text("#planning-hot-summary .planning-headline")
    assert "yakin" in headline or "merata" in headline
    assert "Gi*" not in headline and not page.locator("#planning-hot-summary details[open]").count()
    assert not re.search(r"\b[1-9]\d{0,2},\d{3}\b|\d\.\d+ ?%", summary), summary  # Indonesian number format
    map_painted(page, "planning-hot-map")
    names = [t["name"] for t in _traces(page, "planning-hot-map")]
    assert any(name.startswith("Titik panas (") for name in names), names
    layers = page.evaluate("() => document.querySelector('#planning-hot-map .js-plotly-plot').layout.map.layers")
    assert layers and layers[0]["sourcetype"] == "image"  # the kernel-density surface
    screenshot(page, "planning-hotspots-1400x900")

    # coverage for fire posts with the default bands
    page.click("text=Cakupan")
    page.click("#planning-cov-run")
    page.wait_for_selector("#planning-cov-stats tbody tr")
    assert page.locator("#planning-cov-stats tbody tr").count() == 4
    assert "Model waktu tempuh" in page.inner_text("#planning-cov-summary")
    warning = page.inner_text("#planning-cov-summary .planning-warning")
    assert "perkiraan" in warning and "Pos Damkar Poasia" in warning  # fire posts are known by kecamatan only
    map_painted(page, "planning-cov-map")
    names = [t["name"] for t in _traces(page, "planning-cov-map")]
    assert "0–4 min" in names and "Tidak terjangkau > 15 min" in names
    screenshot(page, "planning-coverage-1400x900")

    # what-if: two new fire posts among the kelurahan points within 8 minutes
    page.click("text=Pos baru (what-if)")
    page.fill("#planning-site-k", "2")
    page.click("#planning-site-run")
    _wait_text(page, "#planning-site-summary", "Dengan 2 pos baru")
    # the method (MCLP, CBC) sits in the folded section: read the whole text, shown or folded
    text = page.text_content("#planning-site-summary") or ""
    assert "Hari ini:" in text and "MCLP" in text
    shown = page.inner_text("#planning-site-summary")
    assert "MCLP" not in page.inner_text("#planning-site-summary .planning-headline")
    assert "Kel. " in page.inner_text("#planning-site-summary .planning-headline")
    # by default the what-if counts the types fire posts serve, never street lights
    assert "jenis yang dilayani pos Damkar" in shown and "Lampu jalan" not in shown
    assert "Kebakaran bangunan" in page.inner_text("#planning-site-types")
    screenshot(page, "planning-whatif-1400x900")
    map_painted(page, "planning-site-map")
    chosen = [t for t in _traces(page, "planning-site-map") if t["name"] == "Pos baru (usulan)"]
    assert chosen and chosen[0]["n"] == 2

    # own candidates: click the map twice, then run with "Points I click"
    page.click("text=Titik yang saya klik")
    page.wait_for_selector("#planning-site-map[data-click-ready='1']")
    box = page.locator("#planning-site-map .maplibregl-canvas").bounding_box()
    for fx, fy in ((0.42, 0.45), (0.55, 0.62)):
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        page.wait_for_timeout(300)
    page.wait_for_function("""() => { const gd = document.querySelector('#planning-site-map .js-plotly-plot');
        return gd && gd.data.some(t => t.name === 'Titik diklik' && t.lon.length === 2); }""")
    page.fill("#planning-site-k", "1")
    page.click("#planning-site-run")
    _wait_text(page, "#planning-site-summary", "Dengan 1 pos baru")
    assert "2 kandidat" in page.inner_text("#planning-site-summary")

    # the report downloads as one HTML file
    page.click("text=Laporan")
    with page.expect_download(timeout=60_000) as info:
        page.click("#planning-export-html")
    path = tmp_path / "report.html"
    info.value.save_as(path)
    html = path.read_text(encoding="utf-8")
    assert "Kegawatdaruratan medis" in html and "Cakupan waktu tempuh" in html and "k112r-svg" in html
    # and the layers as a GeoJSON zip
    with page.expect_download(timeout=60_000) as info:
        page.click("#planning-export-geojson")
    zpath = tmp_path / "layers.zip"
    info.value.save_as(zpath)
    import zipfile

    with zipfile.ZipFile(zpath) as zf:
        names = zf.namelist()
    assert "metadata.json" in names and any(n.endswith(".geojson") for n in names)
    assert "GeoJSON" in page.inner_text("#planning-export-status")
    # the folded method links to the method page, one section per result
    page.goto(planning_app.base_url + "/planning/method#siting")
    page.wait_for_selector("#planning-method-page #siting")
    assert "MCLP" in page.inner_text("#siting") and page.locator("#hotspots").count() == 1
    assert errors == []


def _months(page) -> list[str]:
    page.click("#planning-month-from")
    page.wait_for_selector(".dash-dropdown-options .dash-dropdown-option")   # the list renders after the click
    texts = page.locator(".dash-dropdown-options .dash-dropdown-option").all_inner_texts()
    _close_dropdown(page)
    return [t.strip() for t in texts]


def test_other_roles_cannot_open_planning(planning_app, page, browser_login) -> None:
    browser_login(page, planning_app.base_url, "dispatcher")
    page.goto(planning_app.base_url + "/planning")
    page.wait_for_selector("#access-denied")
    assert page.locator("#nav-planning").count() == 0
