"""Browser: leadership opens the dashboard, changes the period and a filter, sees the figures change;
the filters land in the URL; planner and dispatcher are refused. The overview fits one 1920×1080
screen, small samples are greyed, the printable summary is one A4 page, and the monthly report
downloads as a PDF."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from services.analytics import refresh_facts
from tests.analytics_fixtures import (
    csv_incident as incident,
    csv_unit as unit,
    ensure_units,
    insert_incident,
    kelurahan_points,
    to_csv,
)
from tests.conftest import LiveApp, login

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def seeded(live_app: LiveApp) -> LiveApp:
    db = live_app.db
    ensure_units(db)
    rng = random.Random(3)
    points = kelurahan_points(db)
    now = datetime.now(UTC)
    # 12 incidents in the last 5 days, 18 more 10..25 days ago; medical and crime
    for i in range(30):
        ago = timedelta(days=rng.uniform(0.2, 5) if i < 12 else rng.uniform(10, 25))
        t = now - ago
        p = rng.choice(points)
        insert_incident(db, incident_type="medical" if i % 3 else "crime", lon=p["lon"], lat=p["lat"],
                        call_received_at=t, call_answered_at=t + timedelta(seconds=rng.randint(2, 30)),
                        first_dispatched_at=t + timedelta(seconds=90), first_en_route_at=t + timedelta(seconds=150),
                        first_on_scene_at=t + timedelta(seconds=rng.randint(300, 1200)), units=1,
                        outcome="resolved" if i % 4 else None)
    with db.transaction() as cur:
        for i in range(20):
            t = now - timedelta(days=rng.uniform(0.2, 25))
            cur.execute("INSERT INTO calls (received_at, answered_at, classification) VALUES (%s, %s, %s)",
                        (t, t + timedelta(seconds=5) if i % 4 else None, "prank" if i % 5 == 0 else "valid"))
    refresh_facts(db)
    return live_app


def _kpi(page) -> str:
    return page.locator("#analytics-kpi-period-incidents").inner_text()


def test_dashboard_reacts_to_period_and_filter(seeded: LiveApp, page) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, seeded.base_url, "leadership", next_path="/analytics")
    page.wait_for_selector("#analytics-kpi-period-incidents")
    assert _kpi(page) == "30"
    page.wait_for_function("() => { const gd = document.querySelector('#analytics-map-p90 .js-plotly-plot');"
                           " return gd && gd.data && gd.data.length === 1 && gd.data[0].locations.length === 11; }")
    assert page.locator("#analytics-intervals-table tbody tr").count() == 5
    # the period: last 7 days
    page.click("#analytics-quick-7")
    page.wait_for_function("() => document.querySelector('#analytics-kpi-period-incidents').innerText === '12'")
    assert "from=" in page.url and "to=" in page.url
    # a filter: agency = police (only the crime incidents)
    page.click("#analytics-agency")
    page.keyboard.type("Polresta")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#analytics-kpi-period-incidents').innerText === '4'")
    assert "agency=POLICE" in page.url
    type_rows = page.locator("#analytics-type-table-inner tbody tr")
    assert type_rows.count() == 1
    # the shared URL opens the same view
    url = page.url
    page.goto(url)
    page.wait_for_function("() => { const e = document.querySelector('#analytics-kpi-period-incidents');"
                           " return e && e.innerText === '4'; }")
    # the printable summary of that view
    page.goto(url.replace("/analytics?", "/analytics/print?"))
    page.wait_for_selector("#print-intervals")
    assert page.locator("#print-kpis tbody tr").count() == 4
    assert errors == []


@pytest.mark.parametrize("user", ["planner", "dispatcher"])
def test_other_roles_are_refused(seeded: LiveApp, page, user: str) -> None:
    login(page, seeded.base_url, user)
    assert page.locator("#nav-analytics").count() == 0
    page.goto(seeded.base_url + "/analytics")
    page.wait_for_selector("#access-denied")
    assert page.locator("#analytics-kpis").count() == 0
    page.goto(seeded.base_url + "/analytics/print")
    page.wait_for_selector("#access-denied")


def test_admin_imports_a_file_in_the_browser(seeded: LiveApp, page, tmp_path) -> None:
    login(page, seeded.base_url, "admin", next_path="/analytics/data")
    page.wait_for_selector("#imports-upload")
    bad = tmp_path / "bad.csv"
    bad.write_text(to_csv([incident("UI-1"), unit("UI-1", unit="AMB-T1"), incident("UI-2", lon="100")]))
    page.set_input_files("#imports-upload input[type=file]", str(bad))
    page.wait_for_selector("#imports-failed")
    assert page.locator("#imports-errors tbody tr").count() == 1
    assert page.locator("#imports-errors tbody tr td").first.inner_text() == "4"
    good = tmp_path / "good.csv"
    good.write_text(to_csv([incident("UI-1"), unit("UI-1", unit="AMB-T1")]))
    page.set_input_files("#imports-upload input[type=file]", str(good))
    page.wait_for_selector("#imports-ok")
    assert "1" in page.locator("#imports-ok").inner_text()
    page.wait_for_selector("#imports-history")


def test_overview_fits_one_screen_and_the_summary_one_a4_page(seeded: LiveApp, page, screenshot) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_viewport_size({"width": 1920, "height": 1080})
    login(page, seeded.base_url, "leadership", next_path="/analytics")
    page.wait_for_selector("#analytics-tile-total")
    page.wait_for_selector("#analytics-card-live")
    page.wait_for_function("() => document.querySelector('#analytics-kpi-period-incidents').innerText === '30'")
    box = page.evaluate("() => { const r = document.querySelector('#analytics-overview').getBoundingClientRect();"
                        " return {bottom: r.bottom, width: document.documentElement.scrollWidth,"
                        " scroll: window.scrollY}; }")
    assert box["bottom"] <= 1080 and box["width"] <= 1920 and box["scroll"] == 0, box
    assert page.locator("#analytics-overview .k112-an-tile").count() == 5   # the five interval tiles
    total = page.locator("#analytics-tile-total").inner_text()
    assert "9 dari 10" in total and "p90" in total
    live = page.locator("#analytics-card-live").inner_text()
    assert "Ambulans" in live and "siap" in live
    # the uncovered-time share is shown only when one was computed (never invented)
    assert "belum tersedia" in live or "waktu tak terjangkau hari ini" in live, live
    assert page.locator("#analytics-card-league").count() == 1 and page.locator("#analytics-card-areas").count() == 1
    screenshot(page, "analytics-overview-1920x1080")
    # the last 7 days hold 12 incidents: too few for a figure, so the tile is greyed and says so
    page.click("#analytics-quick-7")
    page.wait_for_function("() => { const t = document.querySelector('#analytics-tile-total');"
                           " return t.classList.contains('k112-an-st-few')"
                           " && t.textContent.includes('terlalu sedikit insiden'); }")
    # the change against the 18 incidents of the 7 days before is "baru", not a percentage
    assert page.locator("#analytics-kpi-7d-incidents + .k112-an-change").text_content() == "baru"
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')")
    screenshot(page, "analytics-overview-7-days-few")
    page.goto(seeded.base_url + "/analytics/print")
    page.wait_for_selector("#print-intervals")
    assert page.locator("#print-kpis tbody tr").count() == 4
    screenshot(page, "analytics-print-summary", full_page=True)
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert errors == []


def test_the_monthly_report_downloads_as_pdf(seeded: LiveApp, page) -> None:
    login(page, seeded.base_url, "leadership", next_path="/analytics")
    page.wait_for_selector("#analytics-tile-total")
    with page.expect_download(timeout=120_000) as download:
        page.click("#analytics-report-button")
    path = download.value.path()
    assert download.value.suggested_filename.startswith("kendari112-") and path is not None
    reader = PdfReader(str(path))
    assert len(reader.pages) == 5
    assert "laporan bulanan" in reader.pages[0].extract_text()
