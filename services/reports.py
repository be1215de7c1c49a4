"""The monthly report for the mayor's office: the month's figures, the HTML document, and the PDF
that Chromium prints from it (``make report MONTH=2026-10``, or the button on the analytics page).

Files: ``var/reports/kendari112-<YYYY-MM>.html`` and ``.pdf`` (``KENDARI112_REPORTS_DIR`` to write
elsewhere; the HTML is self-contained: no scripts, no network). Chromium (``/usr/bin/chromium``, or
``KENDARI112_CHROMIUM``) is driven by Playwright in a thread of its own, so the report can be made
from a web worker or from a process that already drives a browser.
"""

from __future__ import annotations

import io
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from analytics import monthly
from analytics.model import Kpi
from analytics.period import Filters, days_period
from services import analytics as analytics_service
from services.resources import Resources
from settings import VAR_DIR
from store.db import Database

REPORTS_DIR = Path(os.environ.get("KENDARI112_REPORTS_DIR") or VAR_DIR / "reports")
CHROMIUM = os.environ.get("KENDARI112_CHROMIUM", "/usr/bin/chromium")
TREND_MONTHS = 12
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
_PRINT_TIMEOUT_S = 120.0


class ReportError(Exception):
    """The report cannot be made (a bad month, no browser engine, printing failed)."""


@dataclass(frozen=True)
class MonthlyReport:
    month: str                   # YYYY-MM
    month_label: str
    html: str
    pdf: bytes
    pages: int
    html_path: Path | None
    pdf_path: Path | None
    seconds: float

    @property
    def pdf_name(self) -> str:
        return f"kendari112-{self.month}.pdf"


def parse_month(text: str, *, today: date | None = None) -> date:
    """The first day of month ``YYYY-MM``; raises ReportError for a bad or future month."""
    match = _MONTH_RE.match((text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        raise ReportError(f"month must be YYYY-MM, got {text!r}")
    first = date(int(match.group(1)), int(match.group(2)), 1)
    today = today or datetime.now(UTC).date()
    if first > today:
        raise ReportError(f"{text} has not started yet")
    return first


def _next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


def _previous_month(first: date) -> date:
    return (first - timedelta(days=1)).replace(day=1)


def _month_filters(first: date) -> Filters:
    return Filters(*days_period(first, _next_month(first) - timedelta(days=1)))


def monthly_data(db: Database, res: Resources, first: date, *, lang: str,
                 step: Callable[[str], None] = lambda _: None) -> monthly.MonthlyData:
    """The figures of the month ``first`` .. its last day, the month before, and twelve months."""
    step("month")
    month = analytics_service.dashboard(db, _month_filters(first))
    before = analytics_service.dashboard(db, _month_filters(_previous_month(first)))
    period = next(k for k in month.kpis if k.window == "period")
    prev = next(k for k in before.kpis if k.window == "period")
    kpis = [k for k in month.kpis if k.window != "period"] + [
        Kpi("period", period.start, period.end, period.calls, period.incidents, period.units,
            prev.calls, prev.incidents, prev.units)]
    month = replace(month, previous_overall=before.overall, kpis=kpis)
    step("trend")
    points = []
    m = first
    for _ in range(TREND_MONTHS):
        f = _month_filters(m)
        overall = analytics_service.response_times(db, f)[0]
        calls = analytics_service.call_handling(db, f).total
        points.append(monthly.MonthPoint(first=m, overall=overall, calls=calls))
        m = _previous_month(m)
    lo, hi = analytics_service.data_range(db)
    return monthly.MonthlyData(
        month=first, dashboard=month, previous_label=monthly.month_label(_previous_month(first), lang),
        months=list(reversed(points)), kecamatan_geojson=res.area_layers()["kecamatan"]["geojson"],
        generated_at=datetime.now(UTC), data_first=lo, data_last=hi)


def print_pdf(html: str, *, footer: str = "Kendari 112") -> bytes:
    """``html`` printed to an A4 PDF by Chromium (in a thread of its own; external hosts blocked)."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["pdf"] = _print(html, footer)
        except BaseException as exc:  # handed to the caller's thread
            result["error"] = exc

    worker = threading.Thread(target=run, name="report-print", daemon=True)
    worker.start()
    worker.join(_PRINT_TIMEOUT_S)
    if worker.is_alive():
        raise ReportError("printing the report took too long")
    if "error" in result:
        exc = result["error"]
        raise ReportError(f"the browser engine could not print the report: {exc}") from exc
    pdf: bytes = result["pdf"]
    return pdf


def _print(html: str, footer: str) -> bytes:
    from playwright.sync_api import Route, sync_playwright

    if not Path(CHROMIUM).exists():
        raise ReportError(f"no browser engine at {CHROMIUM} (set KENDARI112_CHROMIUM)")

    def local_only(route: Route) -> None:
        if route.request.url.startswith(("data:", "about:")):
            route.continue_()
        else:
            route.abort("internetdisconnected")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=_BROWSER_ARGS)
        try:
            context = browser.new_context()
            context.route("**/*", local_only)
            page = context.new_page()
            page.set_content(html, wait_until="load")
            foot = ('<div style="font-size:7pt;width:100%;text-align:center;color:#627d98;'
                    'font-family:Noto Sans,DejaVu Sans,Arial,sans-serif">'
                    f'{footer} · <span class="pageNumber"></span> / <span class="totalPages"></span></div>')
            return page.pdf(format="A4", print_background=True, prefer_css_page_size=True,
                            display_header_footer=True, header_template="<span></span>", footer_template=foot)
        finally:
            browser.close()


def page_count(pdf: bytes) -> int:
    """Pages of a PDF."""
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def monthly_report(db: Database, res: Resources, month: str, *, lang: str = "id", out_dir: Path | None = None,
                   write: bool = True, progress: Callable[[str], None] | None = None) -> MonthlyReport:
    """Make the report of ``month`` (``YYYY-MM``): figures, HTML and PDF; with ``write`` both are
    written to ``out_dir`` (default ``var/reports``). ``progress`` receives one line per step."""
    t0 = time.perf_counter()
    first = parse_month(month)
    label = monthly.month_label(first, lang)
    steps = {"month": ("Menghitung angka bulan " + label, "Computing the figures of " + label),
             "trend": ("Menghitung tren dua belas bulan", "Computing the twelve-month trend")}
    total = 5

    def say(n: int, text: str) -> None:
        if progress is not None:
            progress(f"[{n}/{total}] {text} ({time.perf_counter() - t0:.1f} s)")

    def step(name: str) -> None:
        n = {"month": 1, "trend": 2}[name]
        say(n, steps[name][1 if lang == "en" else 0])

    data = monthly_data(db, res, first, lang=lang, step=step)
    say(3, "Menyusun dokumen HTML" if lang != "en" else "Writing the HTML document")
    document = monthly.build_html(data, lang)
    say(4, "Mencetak PDF dengan Chromium" if lang != "en" else "Printing the PDF with Chromium")
    pdf = print_pdf(document)
    pages = page_count(pdf)
    html_path = pdf_path = None
    if write:
        target = out_dir or REPORTS_DIR
        target.mkdir(parents=True, exist_ok=True)
        html_path = target / f"kendari112-{first:%Y-%m}.html"
        pdf_path = target / f"kendari112-{first:%Y-%m}.pdf"
        html_path.write_text(document, encoding="utf-8")
        pdf_path.write_bytes(pdf)
    say(5, (f"Selesai: {pages} halaman" if lang != "en" else f"Done: {pages} pages")
        + (f" → {pdf_path}" if pdf_path else ""))
    return MonthlyReport(month=f"{first:%Y-%m}", month_label=label, html=document, pdf=pdf, pages=pages,
                         html_path=html_path, pdf_path=pdf_path, seconds=round(time.perf_counter() - t0, 2))


def main(database_url: str, month: str, *, lang: str = "id") -> int:
    """The ``app.py report`` command: make the month's report, progress on the terminal."""
    db = Database(database_url, max_size=6)
    try:
        analytics_service.refresh_facts(db)
        made = monthly_report(db, Resources(db), month, lang=lang, progress=lambda line: print(line, flush=True))
    except ReportError as exc:
        print(f"error: {exc}", flush=True)
        return 2
    finally:
        db.close()
    print(f"{made.html_path}\n{made.pdf_path}", flush=True)
    return 0
