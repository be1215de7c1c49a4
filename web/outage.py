"""Database outages at the edge: a clean 503 (JSON for the API and callbacks, a translated page for
people) with ``Retry-After``, within the pool's few-second timeout, never a hang or a stack trace.

Pages keep what they show: a failed callback leaves its output as it was, and ``assets/outage.js``
polls ``/readyz`` to show "database unavailable since hh:mm, retrying" and clears it by itself.
"""

from __future__ import annotations

import logging
from typing import Any

import flask
import psycopg
from psycopg_pool import PoolTimeout

from store._errors import DatabaseUnavailableError
from web.lang import tr

log = logging.getLogger(__name__)
RETRY_AFTER_S = 5


def _wants_json() -> bool:
    path = flask.request.path
    return path.startswith(("/api/", "/_dash-", "/healthz", "/readyz")) or flask.request.is_json


def unavailable_response(exc: BaseException) -> flask.Response:
    """The 503 answer for a database that cannot be reached."""
    log.warning("database unavailable on %s %s: %s", flask.request.method, flask.request.path,
                " ".join(str(exc).split())[:200])
    if _wants_json():
        body = {"errors": [{"field": "", "message": "database unavailable; retry shortly"}]}
        resp = flask.make_response(flask.json.dumps(body), 503)
        resp.headers["Content-Type"] = "application/json"
    else:
        title = tr("Basis data tidak tersedia", "Database unavailable")
        text = tr("Pusat data sedang tidak dapat dihubungi. Halaman ini akan mencoba lagi sendiri.",
                  "The database cannot be reached right now. This page will retry by itself.")
        html = (f"<!doctype html><html><head><meta charset='utf-8'><meta http-equiv='refresh' "
                f"content='{RETRY_AFTER_S}'><title>{title} — Kendari 112</title>"
                f"<link rel='stylesheet' href='/assets/style.css'></head><body class='k112-login-body'>"
                f"<main class='k112-login' id='db-unavailable'><h1>{title}</h1><p>{text}</p></main></body></html>")
        resp = flask.make_response(html, 503)
        resp.headers["Content-Type"] = "text/html; charset=utf-8"
    resp.headers["Retry-After"] = str(RETRY_AFTER_S)
    return resp


def register(server: flask.Flask) -> None:
    """Answer every database-unavailable error with :func:`unavailable_response`."""

    def _handler(exc: Exception) -> Any:
        return unavailable_response(exc)

    for family in (DatabaseUnavailableError, psycopg.OperationalError, PoolTimeout):
        server.register_error_handler(family, _handler)
