"""The web edge: security headers on every response, same-origin check on state-changing requests.

Written as plain Flask hooks rather than Flask-Talisman: the policy Dash needs is small and specific
(its renderer bootstraps with one inline script, plotly's map renders in blob: workers, plotly injects
inline styles) and is easier to read and test here than through another library's options.
"""

from __future__ import annotations

import hashlib
from base64 import b64encode
from typing import Any
from urllib.parse import urlparse

import flask

#: Hosts the optional OpenStreetMap base map loads tiles from (only when that base map is chosen).
OSM_TILE_HOSTS = ("https://tile.openstreetmap.org", "https://*.tile.openstreetmap.org")

_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def script_hashes(html: str) -> list[str]:
    """CSP source expressions ('sha256-…') of every inline ``<script>`` in ``html``."""
    out: list[str] = []
    pos = 0
    while True:
        start = html.find("<script", pos)
        if start < 0:
            return out
        open_end = html.find(">", start)
        close = html.find("</script>", open_end)
        if open_end < 0 or close < 0:
            return out
        tag = html[start:open_end]
        body = html[open_end + 1:close]
        pos = close + 9
        if "src=" in tag or not body.strip() or 'type="application/json"' in tag:
            continue
        digest = hashlib.sha256(body.encode("utf-8")).digest()
        out.append(f"'sha256-{b64encode(digest).decode()}'")


def content_security_policy(*, inline_script_hashes: list[str], tile_hosts: tuple[str, ...] = ()) -> str:
    """The Content-Security-Policy for the app's pages."""
    tiles = " ".join(tile_hosts)
    scripts = " ".join(["'self'", "'unsafe-eval'", *inline_script_hashes])
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: blob: {tiles}".strip(),
        f"connect-src 'self' data: blob: {tiles}".strip(),
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "child-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def _origin_of(url: str | None) -> str | None:
    if not url:
        return None
    parsed = urlparse(url)
    if not parsed.scheme or not parsed.netloc:
        return "invalid"
    return f"{parsed.scheme}://{parsed.netloc}".lower()


def same_origin_ok(request: flask.Request) -> bool:
    """True when a state-changing request may proceed.

    Requests with a bearer token and no cookie (integrations) carry no ambient authority and pass.
    Everything else must come from this site: its ``Origin`` (or, when a browser sends none, its
    ``Referer``) must name this host; a cookie-carrying request with neither is refused.
    """
    if request.method not in _UNSAFE_METHODS:
        return True
    if request.headers.get("Authorization", "").startswith("Bearer ") and not request.cookies:
        return True
    own = f"{request.scheme}://{request.host}".lower()
    origin = request.headers.get("Origin")
    if origin is not None and origin != "null":
        return _origin_of(origin) == own
    referer = _origin_of(request.headers.get("Referer"))
    if referer is not None:
        return referer == own
    return not request.cookies and origin is None


def register(server: flask.Flask, *, basemap: str, secure_cookies: str) -> None:
    """Install the origin check (before every request) and the headers (after every response).

    Parameters
    ----------
    basemap
        ``osm`` allows the OpenStreetMap tile hosts in the policy; anything else allows no external host.
    secure_cookies
        ``always``, ``never`` or ``auto`` (Secure when the request arrived over HTTPS, which includes
        ``X-Forwarded-Proto: https`` from a trusted proxy, see ``KENDARI112_TRUST_PROXY``).
    """
    tiles = OSM_TILE_HOSTS if basemap == "osm" else ()
    server.config["K112_SECURE_COOKIES"] = secure_cookies

    @server.before_request
    def _check_origin() -> Any:
        if same_origin_ok(flask.request):
            return None
        body = {"errors": [{"field": "Origin", "message": "cross-site request refused"}]}
        return flask.make_response(flask.jsonify(body), 403)

    @server.after_request
    def _headers(resp: flask.Response) -> flask.Response:
        h = resp.headers
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if resp.mimetype == "text/html":
            hashes = script_hashes(resp.get_data(as_text=True)) if not resp.direct_passthrough else []
            h["Content-Security-Policy"] = content_security_policy(inline_script_hashes=hashes, tile_hosts=tiles)
        else:
            h.setdefault("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
        if cookies_secure(flask.request) and flask.request.is_secure:
            h.setdefault("Strict-Transport-Security", "max-age=31536000")
        return resp


def cookies_secure(request: flask.Request) -> bool:
    """Whether cookies set on this response must carry ``Secure``."""
    mode = flask.current_app.config.get("K112_SECURE_COOKIES", "auto")
    if mode == "always":
        return True
    if mode == "never":
        return False
    return bool(request.is_secure)
