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


# --- numbers and durations in the user's language ------------------------------------------------------
def fmt_num(value: float | int | None, lang: str, *, digits: int = 0) -> str:
    """A number with the language's separators: ``id`` 1.160 / 91,2; ``en`` 1,160 / 91.2; '—' for None."""
    if value is None or value != value:  # None or NaN
        return "—"
    text = f"{value:,.{digits}f}"
    if lang == "en":
        return text
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def fmt_pct(share: float | None, lang: str, *, digits: int = 1) -> str:
    """A share (0–1) as a percentage: ``id`` 91,2 %; ``en`` 91.2%; '—' for None."""
    if share is None or share != share:
        return "—"
    number = fmt_num(share * 100.0, lang, digits=digits)
    return f"{number} %" if lang == "id" else f"{number}%"


def fmt_duration(seconds: float | None, lang: str) -> str:
    """A duration in words: ``14 mnt 30 dtk``, ``5 jam 10 mnt``, ``2 hari 3 jam`` (``en``: min/s, h, days)."""
    if seconds is None or seconds != seconds:
        return "—"
    total = round(abs(seconds))
    sign = "−" if seconds < 0 and total else ""
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    en = lang == "en"
    if days:
        parts = [f"{days} {'day' if days == 1 else 'days'}" if en else f"{days} hari"]
        if hours:
            parts.append(f"{hours} h" if en else f"{hours} jam")
    elif hours:
        parts = [f"{hours} h" if en else f"{hours} jam"]
        if minutes:
            parts.append(f"{minutes} min" if en else f"{minutes} mnt")
    elif minutes:
        parts = [f"{minutes} min" if en else f"{minutes} mnt"]
        if secs:
            parts.append(f"{secs} s" if en else f"{secs} dtk")
    else:
        parts = [f"{secs} s" if en else f"{secs} dtk"]
    return sign + " ".join(parts)
