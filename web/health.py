"""Health endpoints: ``/healthz`` (liveness, always within ~1 s) and ``/readyz`` (ready to serve).

Anonymous callers learn whether the app and its database work; server versions and the raw reason
of a database failure are shown only to a logged-in administrator.
"""

from __future__ import annotations

from typing import Any

import flask

from store._errors import StoreError
from web.context import current_user, get_db, state

#: Upper bound on the database probe of both endpoints.
PROBE_TIMEOUT_S = 0.8


def _probe() -> tuple[dict[str, Any], bool]:
    """The database part of the answer, and whether the database answered."""
    is_admin = (user := current_user()) is not None and user.role == "admin"
    try:
        info = get_db().ping(timeout_s=PROBE_TIMEOUT_S)
    except StoreError as exc:
        body: dict[str, Any] = {"status": "unavailable"}
        if is_admin:
            body["message"] = str(exc)
        return body, False
    body = {"status": "ok", "read_only": bool(info.get("in_recovery", False))}
    if is_admin:
        body["postgis"] = info["postgis"]
        body["server"] = str(info["server"]).split(",")[0]
    return body, True


def register(server: flask.Flask) -> None:
    @server.route("/healthz")
    def healthz() -> Any:
        database, ok = _probe()
        body = {"app": "ok" if ok else "degraded", "database": database,
                "routing": state().resources.model_info()}
        return flask.jsonify(body), 200

    @server.route("/readyz")
    def readyz() -> Any:
        database, ok = _probe()
        resp = flask.jsonify({"ready": ok, "database": database})
        resp.status_code = 200 if ok else 503
        if not ok:
            resp.headers["Retry-After"] = "5"
        return resp
