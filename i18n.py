"""Bahasa Indonesia by default, English selectable; every time shown in WITA (Asia/Makassar)."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from settings import DISPLAY_TZ

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
LANG_COOKIE = "k112_lang"
WITA = ZoneInfo(DISPLAY_TZ)


def current_lang() -> str:
    """The language of the current request (cookie), or the default outside a request."""
    try:
        import flask

        if flask.has_request_context():
            value = flask.request.cookies.get(LANG_COOKIE)
            if value in LANGUAGES:
                return value
            return flask.current_app.config.get("K112_DEFAULT_LANG", DEFAULT_LANGUAGE)
    except ImportError:  # domain code used without the web stack
        return DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def tr(text_id: str, text_en: str, lang: str | None = None) -> str:
    """Pick the Indonesian or English text for ``lang`` (default: the request's language)."""
    return text_en if (lang or current_lang()) == "en" else text_id


def to_wita(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(WITA)


def fmt_wita(value: datetime | None, *, seconds: bool = False, date: bool = True) -> str:
    """Format a time in WITA, e.g. ``27-11-2026 21:05 WITA``; '—' for None."""
    if value is None:
        return "—"
    fmt = ("%d-%m-%Y " if date else "") + ("%H:%M:%S" if seconds else "%H:%M")
    return to_wita(value).strftime(fmt) + " WITA"
