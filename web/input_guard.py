"""Refuse malformed requests at the edge, before any view: 404/405/415/422, never a 500.

* paths with ``..`` segments or control characters → 404;
* any ``/api/…`` path that is not an API route → JSON 404; an API route asked with a method it does
  not take → JSON 405 with ``Allow``;
* JSON bodies of the API and of Dash callbacks: the ``Content-Type`` must say JSON (415 otherwise; CSV
  only where an endpoint takes CSV), nesting is bounded (checked in one linear pass before parsing),
  every number must be finite and every string valid Unicode (no lone surrogates) → 422 naming the field.
"""

from __future__ import annotations

import json
import math
from typing import Any

import flask
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

#: Deepest JSON nesting accepted (Dash callback payloads need ~10).
MAX_JSON_DEPTH = 64
#: API endpoints that take a CSV body instead of JSON.
CSV_ENDPOINTS = ("/api/v1/imports/",)
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DASH_JSON_PATHS = ("/_dash-update-component",)


def _errors(status: int, field: str, message: str, headers: dict[str, str] | None = None) -> flask.Response:
    resp = flask.make_response(flask.json.dumps({"errors": [{"field": field, "message": message}]}), status)
    resp.headers["Content-Type"] = "application/json"
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def json_depth_ok(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when the JSON text ``raw`` nests at most ``limit`` deep (strings are skipped)."""
    depth = 0
    in_string = False
    escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:      # backslash
                escaped = True
            elif byte == 0x22:      # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return False
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return True


def first_bad_value(value: Any, path: str = "body") -> tuple[str, str] | None:
    """The first (field, reason) in a parsed JSON value that the app cannot store, or None."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return where, "text contains an invalid character (a lone UTF-16 surrogate)"
        elif isinstance(item, float):
            if not math.isfinite(item):
                return where, "must be a finite number"
        elif isinstance(item, dict):
            for key, sub in item.items():
                if isinstance(key, str):
                    try:
                        key.encode("utf-8")
                    except UnicodeEncodeError:
                        return where, "a key contains an invalid character"
                stack.append((f"{where}.{key}" if where != "body" else str(key), sub))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", sub) for i, sub in enumerate(item))
    return None


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number")


def check_json_body(request: flask.Request) -> flask.Response | None:
    """A refusal for a JSON body the app must not try to use, else None."""
    raw = request.get_data(cache=True)
    if not raw:
        return None
    if request.mimetype != "application/json":
        return _errors(415, "Content-Type", "the body must be JSON (Content-Type: application/json)")
    if not json_depth_ok(raw):
        return _errors(422, "body", f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        data = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        return _errors(422, "body", f"malformed JSON: {exc}")
    bad = first_bad_value(data)
    if bad is not None:
        return _errors(422, bad[0], bad[1])
    return None


def register(server: flask.Flask) -> None:
    """Install the checks; call after every API blueprint is registered (the API's routes are read once)."""
    api_map = Map([Rule(r.rule, methods=r.methods, endpoint=r.endpoint)
                   for r in server.url_map.iter_rules() if r.rule.startswith("/api/")])

    def _guard() -> Any:
        request = flask.request
        path = request.path
        if ".." in path.split("/") or any(ord(ch) < 32 for ch in path) or "/../" in request.full_path:
            return _errors(404, "path", "not found")
        if path.startswith("/api/"):
            try:
                api_map.bind("localhost").match(path, method=request.method)
            except MethodNotAllowed as exc:
                allowed = ", ".join(sorted(exc.valid_methods or ()))
                return _errors(405, "method", f"{request.method} is not allowed here (allowed: {allowed})",
                               {"Allow": allowed})
            except NotFound:
                return _errors(404, "path", "no such API endpoint")
        if request.method in _WRITE_METHODS and (path.startswith("/api/") or path in _DASH_JSON_PATHS):
            if path.startswith(CSV_ENDPOINTS):
                return None  # the endpoint checks its CSV (type, size, columns) itself
            return check_json_body(request)
        return None

    # First of all before-request hooks: junk is refused before any session lookup.
    server.before_request_funcs.setdefault(None, []).insert(0, _guard)
