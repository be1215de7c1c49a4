"""The monthly report for the mayor's office: the service and the ``app.py report`` command make the
HTML and the PDF (printed by Chromium); the PDF is opened and read: its pages, its text, the
number formats of its language, no raw codes."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from analytics.period import WITA
from services import analytics as sa, reports
from services.resources import Resources
from settings import ROOT_DIR
from store import Database
from tests.analytics_fixtures import ensure_units, insert_incident, kelurahan_points

TYPES = ("medical", "medical", "crime", "traffic_accident", "structure_fire", "street_light", "flood")
EN_NUMBER = re.compile(r"\d,\d{3}\b|\d\.\d %|\d%")
ID_PERCENT = re.compile(r"\d+,\d %")
RAW_CODES = ("structure_fire", "street_light", "traffic_accident", "PSC119", "DAMKAR", "POLICE", "PUBLIC_WORKS")


def _seed(db: Database, first: date, n: int, rng: random.Random) -> None:
    points = kelurahan_points(db)
    for _ in range(n):
        t = datetime(first.year, first.month, 1, tzinfo=WITA) + timedelta(seconds=rng.randint(0, 27 * 86400))
        p = rng.choice(points)
        kind = rng.choice(TYPES)
        unit = kind != "street_light"
        insert_incident(db, incident_type=kind, lon=p["lon"], lat=p["lat"], call_received_at=t,
                        call_answered_at=t + timedelta(seconds=rng.randint(2, 40)),
                        first_dispatched_at=t + timedelta(seconds=rng.randint(40, 120)) if unit else None,
                        first_en_route_at=t + timedelta(seconds=rng.randint(130, 220)) if unit else None,
                        first_on_scene_at=t + timedelta(seconds=rng.randint(400, 1500)) if unit else None,
                        units=1 if unit else 0, outcome=rng.choice(["resolved", "resolved", None]))
    with db.transaction() as cur:
        for i in range(n * 2):
            t = datetime(first.year, first.month, 1, tzinfo=WITA) + timedelta(seconds=rng.randint(0, 27 * 86400))
            cur.execute("INSERT INTO calls (received_at, answered_at, classification) VALUES (%s, %s, %s)",
                        (t, t + timedelta(seconds=rng.randint(1, 30)) if i % 5 else None,
                         ("valid", "prank", "ghost", "valid", "abandoned")[i % 5]))


@pytest.fixture
def march(db: Database) -> Database:
    ensure_units(db)
    rng = random.Random(112)
    _seed(db, date(2026, 2, 1), 40, rng)
    _seed(db, date(2026, 3, 1), 1200, rng)
    sa.refresh_facts(db)
    return db


def _texts(pdf: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(str(pdf)).pages]


def test_the_monthly_report_is_a_pdf_of_five_pages(march: Database, tmp_path: Path) -> None:
    lines: list[str] = []
    made = reports.monthly_report(march, Resources(march), "2026-03", out_dir=tmp_path, progress=lines.append)
    assert made.pdf_path == tmp_path / "kendari112-2026-03.pdf" and made.pdf_path.read_bytes()[:5] == b"%PDF-"
    assert made.html_path == tmp_path / "kendari112-2026-03.html"
    assert [line[:5] for line in lines] == ["[1/5]", "[2/5]", "[3/5]", "[4/5]", "[5/5]"]
    pages = _texts(made.pdf_path)
    assert len(pages) == made.pages == 5
    assert "laporan bulanan Maret 2026" in pages[0] and "Ringkasan" in pages[0]
    assert "9 dari 10" in pages[0] and "Februari 2026" in pages[0]          # compared with the month before
    assert "Tren" in pages[1] and "dua belas bulan" in pages[1]
    assert "Per kecamatan" in pages[2] and "Mandonga" in pages[2]
    assert "Penanganan panggilan" in pages[3] and "Penutupan tiket per instansi" in pages[3]
    assert "Metode dan kelengkapan data" in pages[4] and "Kelengkapan" in pages[4]
    text = "\n".join(pages)
    assert "1.200" in text                                                 # incidents of the month, id thousands
    assert ID_PERCENT.search(text) and not EN_NUMBER.search(text), EN_NUMBER.findall(text)[:5]
    assert not [c for c in RAW_CODES if c in text]
    document = made.html_path.read_text(encoding="utf-8")
    assert document.count("<svg") == 4 and "<script" not in document and "http://" not in document.replace(
        "http://www.w3.org/2000/svg", "")


def test_the_report_command_in_english(march: Database, tmp_path: Path) -> None:
    env = dict(os.environ, DATABASE_URL=march.url, KENDARI112_SEED_DEMO="0", KENDARI112_REPORTS_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, str(ROOT_DIR / "app.py"), "report", "--month", "2026-03", "--lang", "en"],
                          cwd=ROOT_DIR, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "[5/5] Done: 5 pages" in done.stdout
    pages = _texts(tmp_path / "kendari112-2026-03.pdf")
    assert len(pages) == 5 and "monthly report March 2026" in pages[0] and "9 of 10" in pages[0]
    text = "\n".join(pages)
    assert "1,200" in text and not re.search(r"\d+,\d %", text)
    bad = subprocess.run([sys.executable, str(ROOT_DIR / "app.py"), "report", "--month", "2026-13"], cwd=ROOT_DIR,
                         env=env, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "YYYY-MM" in bad.stdout


@pytest.mark.parametrize("text", ["2026-13", "March", "26-03", "", "2999-01"])
def test_bad_months_are_refused(text: str) -> None:
    with pytest.raises(reports.ReportError):
        reports.parse_month(text)
