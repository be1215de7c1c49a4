"""The city's base-map style served by URL (``/basemap/style.json``), for maps redrawn often.

The style (land, water, boundaries, roads, labels: :func:`layers.map_figure.map_style`) carries the
city's GeoJSON, about 160 KB. Inside a figure's layout, the browser deep-copied it on every update of
the map (dash's Graph clones the layout before plotly sees it) and plotly serialised it twice to
compare it with the last one: tens of milliseconds per update on the dispatch console, which updates
the map on every change. Given as a URL, the layout holds a short string; MapLibre loads the style
once, from this server (no internet needed), and the browser keeps it.

The URL names a digest of the style's content: a changed road network or language gives a new URL
(the page loads the new style), an unchanged one is answered from the browser's cache or with 304.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import flask

from i18n import LANGUAGES
from layers.map_figure import map_style
from services import incidents as service
from web.context import get_resources, get_settings

ROUTE = "/basemap/style.json"


def current_style(lang: str) -> tuple[dict[str, Any], str]:
    """(the base-map style in ``lang`` for this deployment, a digest of its content)."""
    res = get_resources()
    style = map_style(res.area_layers(), get_settings().basemap, lang, service.basemap_roads(res))
    body = json.dumps(style, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return style, hashlib.sha256(body.encode()).hexdigest()[:16]


def style_url(lang: str) -> str:
    """The URL of the current style in ``lang`` (for ``layout.map.style``)."""
    return f"{ROUTE}?lang={lang}&v={current_style(lang)[1]}"


def register(server: flask.Flask) -> None:
    @server.route(ROUTE)
    def basemap_style() -> Any:
        lang = flask.request.args.get("lang", "id")
        if lang not in LANGUAGES:
            body = {"errors": [{"field": "lang", "message": f"unknown language; one of {', '.join(LANGUAGES)}"}]}
            return flask.make_response(flask.jsonify(body), 422)
        style, digest = current_style(lang)
        resp = flask.make_response(json.dumps(style, separators=(",", ":"), ensure_ascii=False))
        resp.mimetype = "application/json"
        resp.set_etag(digest)
        # the URL names the content: an unchanged style is kept by the browser; another digest
        # (an old page after a road import) is answered with the current style and not kept
        same = flask.request.args.get("v") == digest
        resp.headers["Cache-Control"] = "private, max-age=86400" if same else "no-cache"
        return resp.make_conditional(flask.request)
