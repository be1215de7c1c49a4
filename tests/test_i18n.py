"""Language choice and WITA formatting."""

from __future__ import annotations

from datetime import datetime, timezone

from i18n import fmt_wita, to_wita
from web.lang import tr


def test_default_language_is_indonesian_outside_requests() -> None:
    assert tr("Peta", "Map") == "Peta"
    assert tr("Peta", "Map", "en") == "Map"


def test_times_are_shown_in_wita() -> None:
    utc = datetime(2026, 1, 31, 17, 30, tzinfo=timezone.utc)
    assert to_wita(utc).hour == 1 and to_wita(utc).day == 1        # 01:30 next day, UTC+8
    assert fmt_wita(utc) == "01-02-2026 01:30 WITA"
    assert fmt_wita(utc, seconds=True, date=False) == "01:30:00 WITA"
    assert fmt_wita(None) == "—"
    naive = datetime(2026, 1, 1, 0, 0)                               # naive = UTC
    assert fmt_wita(naive, date=False) == "08:00 WITA"
