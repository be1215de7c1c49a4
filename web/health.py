"""GET /healthz: the app and its database, as JSON (503 when the database is down)."""

from __future__ import annotations

from typing import Any

import flask

from store._errors import StoreError
from web.context import get_db, state


def register(server: flask.Flask) -> None:
    @server.route("/healthz")
    def healthz() -> Any:
        body: dict[str, Any] = {"app": "ok", "routing": state().resources.model_info()}
        try:
            info = get_db().ping()
            body["database"] = {"status": "ok", "postgis": info["postgis"],
                                "server": str(info["server"]).split(",")[0]}
            status = 200
        except StoreError as exc:
            body["database"] = {"status": "error", "message": str(exc)}
            body["app"] = "degraded"
            status = 503
        return flask.jsonify(body), status
