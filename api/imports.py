"""Historical import over the API: POST a CSV file (text/csv); all of it is stored, or nothing."""

from __future__ import annotations

from typing import Any

import flask

from api._common import ApiError, Principal, error, require_token, respond
from services import imports as import_service
from web.context import get_db

bp = flask.Blueprint("api_imports", __name__, url_prefix="/api/v1")

MAX_CSV_BYTES = 20 * 1024 * 1024


@bp.post("/imports/incidents")
@require_token("admin")
def import_incidents(*, principal: Principal) -> Any:
    """``?dry_run=1`` validates only. 201 with the counts; 422 listing every bad line."""
    ctype = (flask.request.mimetype or "").lower()
    if ctype not in ("text/csv", "application/csv"):
        raise error(415, "send the file as Content-Type: text/csv", "Content-Type")
    if flask.request.content_length and flask.request.content_length > MAX_CSV_BYTES:
        raise error(413, "file too large (at most 20 MB per request)")
    try:
        text = flask.request.get_data(cache=False).decode("utf-8")
    except UnicodeDecodeError:
        raise error(422, "the file is not UTF-8 text", "body") from None
    if flask.request.args.get("dry_run") in ("1", "true", "yes"):
        parsed = import_service.validate(get_db(), text)
        if parsed.errors:
            raise ApiError(422, [e.to_dict() for e in parsed.errors])  # type: ignore[misc]
        return respond({"ok": True, "dry_run": True, "lines": parsed.lines,
                        "valid": {"incidents": len(parsed.incidents), "units": len(parsed.units)}})
    result = import_service.import_incidents(get_db(), text, actor=principal.actor,
                                            actor_user_id=principal.user_id,
                                            filename=flask.request.args.get("filename"))
    if not result.ok:
        return respond({**result.to_dict(), "errors": [e.to_dict() for e in result.errors]}, 422)
    return respond(result.to_dict(), 201)
