"""The language of the current request (cookie ``k112_lang``, else the app's default)."""

from __future__ import annotations

import flask

import i18n
from i18n import DEFAULT_LANGUAGE, LANG_COOKIE, LANGUAGES


def current_lang() -> str:
    """The request's language, or the default outside a request."""
    if not flask.has_request_context():
        return DEFAULT_LANGUAGE
    value = flask.request.cookies.get(LANG_COOKIE)
    if value in LANGUAGES:
        return str(value)
    return str(flask.current_app.config.get("K112_DEFAULT_LANG", DEFAULT_LANGUAGE))


def tr(text_id: str, text_en: str, lang: str | None = None) -> str:
    """Pick the Indonesian or English text for ``lang`` (default: the request's language)."""
    return i18n.tr(text_id, text_en, lang or current_lang())
