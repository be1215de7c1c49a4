"""Bahasa Indonesia by default, English selectable; every time shown in WITA (Asia/Makassar)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from settings import DISPLAY_TZ

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
LANG_COOKIE = "k112_lang"
WITA = ZoneInfo(DISPLAY_TZ)


def tr(text_id: str, text_en: str, lang: str) -> str:
    """Pick the Indonesian or English text for ``lang`` (``"id"`` or ``"en"``)."""
    return text_en if lang == "en" else text_id


def to_wita(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(WITA)


def fmt_wita(value: datetime | None, *, seconds: bool = False, date: bool = True) -> str:
    """Format a time in WITA, e.g. ``27-11-2026 21:05 WITA``; '—' for None."""
    if value is None:
        return "—"
    fmt = ("%d-%m-%Y " if date else "") + ("%H:%M:%S" if seconds else "%H:%M")
    return to_wita(value).strftime(fmt) + " WITA"
