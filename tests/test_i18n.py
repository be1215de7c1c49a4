"""Language choice and WITA formatting."""

from __future__ import annotations

from datetime import UTC, datetime

from i18n import fmt_wita, to_wita
from web.lang import tr


def test_default_language_is_indonesian_outside_requests() -> None:
    assert tr("Peta", "Map") == "Peta"
    assert tr("Peta", "Map", "en") == "Map"


def test_times_are_shown_in_wita() -> None:
    utc = datetime(2026, 1, 31, 17, 30, tzinfo=UTC)
    assert to_wita(utc).hour == 1 and to_wita(utc).day == 1        # 01:30 next day, UTC+8
    assert fmt_wita(utc) == "01-02-2026 01:30 WITA"
    assert fmt_wita(utc, seconds=True, date=False) == "01:30:00 WITA"
    assert fmt_wita(None) == "—"
    naive = datetime(2026, 1, 1, 0, 0)                               # naive = UTC
    assert fmt_wita(naive, date=False) == "08:00 WITA"


def test_numbers_follow_the_language() -> None:
    from i18n import fmt_duration, fmt_num, fmt_pct

    assert fmt_num(1160, "id") == "1.160" and fmt_num(1160, "en") == "1,160"
    assert fmt_num(1234567.891, "id", digits=2) == "1.234.567,89"
    assert fmt_pct(0.912, "id") == "91,2 %" and fmt_pct(0.912, "en") == "91.2%"
    assert fmt_pct(None, "id") == fmt_num(None, "en") == "—"
    assert fmt_duration(870, "id") == "14 mnt 30 dtk" and fmt_duration(870, "en") == "14 min 30 s"
    assert fmt_duration(348 * 3600 + 600, "id") == "14 hari 12 jam"
    assert fmt_duration(5 * 3600 + 600, "en") == "5 h 10 min" and fmt_duration(45, "id") == "45 dtk"
