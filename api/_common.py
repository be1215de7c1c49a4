"""API plumbing: bearer tokens, JSON bodies, typed errors answered as JSON (statuses from web/errors.py)."""

from __future__ import annotations

import functools
import hmac
import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import flask
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException

from auth.passwords import token_hash
from store import users
from web.context import get_db, get_settings
from web.errors import EXPECTED, api_answer

API_PREFIX = "/api/v1"
MAX_BODY_BYTES = 5 * 1024 * 1024
F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Principal:
    """Who is calling the API."""

    name: str
    role: str
    user_id: int | None

    @property
    def actor(self) -> str:
        return self.name if self.user_id else f"api:{self.name}"


class ApiError(Exception):
    """An error with an HTTP status and the ``errors`` list of the response body."""

    def __init__(self, status: int, errors: list[dict[str, str]]) -> None:
        super().__init__(errors[0]["message"] if errors else str(status))
        self.status = status
        self.errors = errors


def error(status: int, message: str, field: str | None = None) -> ApiError:
    return ApiError(status, [{"field": field or "", "message": message}])


def _principal_from_request() -> Principal:
    header = flask.request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise error(401, "missing bearer token (Authorization: Bearer <token>)", "Authorization")
    token = token.strip()
    configured = get_settings().api_token
    if configured and hmac.compare_digest(token.encode(), configured.encode()):
        return Principal("integration", "integration", None)
    found = users.token_principal(get_db(), token_hash(token))
    if found is None:
        raise error(401, "invalid or revoked token", "Authorization")
    return Principal(found["username"] or found["name"], found["role"], found["user_id"])


def require_token(*roles: str) -> Callable[[F], F]:
    """Endpoint decorator: a valid bearer token whose role is in ``roles`` (integration and
    admin are always allowed); the Principal is passed as the ``principal`` keyword."""

    def deco(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = _principal_from_request()
            if principal.role not in (*roles, "integration", "admin"):
                raise error(403, f"role '{principal.role}' may not do this")
            return func(*args, principal=principal, **kwargs)

        return wrapper  # type: ignore[return-value]

    return deco


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 422 that says why not."""
    if flask.request.content_length and flask.request.content_length > MAX_BODY_BYTES:
        raise error(413, "request body too large")
    raw = flask.request.get_data(cache=True, as_text=False)
    if not raw:
        raise error(422, "a JSON object is required", "body")
    try:
        data = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise error(422, f"malformed JSON: {exc}", "body") from exc
    if not isinstance(data, dict):
        raise error(422, "the body must be a JSON object", "body")
    return data


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number")


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: dict[str, Any]) -> M:
    """Validate ``data`` with a pydantic model; a failure becomes a 422 listing each field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = []
        for e in exc.errors(include_url=False):
            field = ".".join(str(p) for p in e.get("loc", ())) or "body"
            errors.append({"field": field, "message": e.get("msg", "invalid value")})
        raise ApiError(422, errors) from None


def finite(value: float, field: str) -> float:
    if not math.isfinite(value):
        raise error(422, "must be a finite number", field)
    return value


def respond(payload: Any, status: int = 200) -> flask.Response:
    resp = flask.make_response(flask.json.dumps(payload, default=_json_default), status)
    resp.headers["Content-Type"] = "application/json"
    return resp


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "to_dict"):
        return value.to_dict()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def install_error_handlers(server: flask.Flask) -> None:
    """Every error under /api and /healthz answers JSON, never a stack trace."""

    def wants_json() -> bool:
        return flask.request.path.startswith((API_PREFIX, "/healthz"))

    @server.before_request
    def _unknown_api_path() -> Any:
        # Dash's catch-all page route would otherwise answer unknown /api paths with HTML.
        if flask.request.path.startswith(API_PREFIX) and not (flask.request.blueprint or "").startswith("api"):
            return respond({"errors": [{"field": "", "message": "no such API endpoint"}]}, 404)
        return None

    @server.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Any:
        return respond({"errors": exc.errors}, exc.status)

    def _typed(exc: Exception) -> Any:
        # invalid input 422, not found 404, conflict 409, unavailable 503 (web/errors.py)
        status, errors = api_answer(exc)
        if status >= 500:
            log.error("%s on %s: %s", type(exc).__name__, flask.request.path, exc)
        return respond({"errors": errors}, status)

    for family in EXPECTED:
        server.register_error_handler(family, _typed)

    @server.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        if not wants_json():
            return exc
        return respond({"errors": [{"field": "", "message": exc.description or exc.name}]}, exc.code or 500)

    @server.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        if flask.request.path.startswith("/_dash-") and isinstance(exc, (LookupError, ValueError, TypeError)):
            # a forged or stale callback request (unknown output, malformed ids or values): the
            # browser's fault, not the server's
            log.warning("refused callback request on %s: %s: %s", flask.request.path, type(exc).__name__,
                        str(exc)[:200])
            return respond({"errors": [{"field": "body", "message": "malformed callback request"}]}, 400)
        log.exception("unexpected error on %s", flask.request.path)
        if wants_json():
            return respond({"errors": [{"field": "", "message": "internal error; it has been logged"}]}, 500)
        return flask.make_response("Internal error; it has been logged.", 500)
