"""The dispatch console's live map (pages/dispatch.py): the first full figure, then Patches of the
live slots that changed, and the same patch for an action's answer (:func:`map_patch`) or for a
new pin alone (:func:`pin_patch`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dash import Input, Output, Patch, State, no_update
from dash.exceptions import PreventUpdate

from layers.map_figure import build_map_figure
from layers.network_traces import closure_traces
from layers.traces import LIVE_SLOTS, draft_trace, live_traces, trace_digest
from pages._dispatch_layout import ROLES, STATIC_LAYERS
from pages._wiring import wire
from services import corrections as corrections_service, incidents as service
from web.basemap import style_url as basemap_style_url
from web.context import get_db, get_resources, get_settings
from web.lang import current_lang

DISPATCH_LEGEND = {"visible": False}


def map_key(rec: Any, events: Any, draft: Any, positions: Any) -> list[Any]:
    """What a drawing of the live map was made for: the map store, the events version, the draft pin
    and the positions version (``dispatch-map-drawn``'s "for")."""
    return [rec, events, draft, positions.get("v") if isinstance(positions, Mapping) else None]


def _live(board: Any, rec: Mapping[str, Any] | None, draft: Mapping[str, Any] | None, lang: str) -> list[Any]:
    live = live_traces(board.units, board.incidents, (rec or {}).get("routes") or [], rec, draft, lang)
    closures = [c.to_dict() for c in corrections_service.list_corrections(get_db(), include=("active", "proposed"))]
    return live + closure_traces(closures, lang, include_proposed=True, keep_empty=True)


def map_patch(board: Any, rec: Mapping[str, Any] | None, draft: Mapping[str, Any] | None,
              base: Mapping[str, Any] | None, drawn: Mapping[str, Any] | None, key: list[Any],
              lang: str) -> tuple[Any, Any]:
    """(a Patch of the live slots that changed since ``drawn``, the new ``dispatch-map-drawn``) for a
    map already built in ``lang`` (``base``); (no_update, no_update) when it is not built yet (the
    page's first refresh_map builds it) or nothing changed."""
    if not (base and base.get("lang") == lang):
        return no_update, no_update
    live = _live(board, rec, draft, lang)
    digests = [trace_digest(t) for t in live]
    first: int = int(base["first"])
    where = [first, lang]
    old = list((drawn or {}).get("digests") or []) if (drawn or {}).get("base") == where else []
    changed = [k for k in range(len(live)) if k >= len(old) or old[k] != digests[k]]
    now_drawn = {"base": where, "digests": digests, "for": key}
    if not changed:
        return no_update, now_drawn
    patch = Patch()
    for k in changed:
        patch["data"][first + k] = live[k]
    return patch, now_drawn


def pin_patch(draft: Mapping[str, Any] | None, base: Mapping[str, Any] | None, drawn: Mapping[str, Any] | None,
              lang: str) -> tuple[Any, Any]:
    """(a Patch of the pin's slot alone, the new ``dispatch-map-drawn``) when the draft pin is all that
    changed: no query, nothing else redrawn. (no_update, no_update) when the map on screen is not
    known well enough (not built yet, another language, no drawing recorded): refresh_map draws it."""
    if not (base and base.get("lang") == lang and drawn):
        return no_update, no_update
    first = int(base["first"])
    digests = list(drawn.get("digests") or [])
    key = list(drawn.get("for") or [])
    if drawn.get("base") != [first, lang] or len(digests) != LIVE_SLOTS or len(key) != 4:
        return no_update, no_update
    trace = draft_trace(draft, lang)
    digest = trace_digest(trace)
    key[2] = draft           # what the drawing is for: the same map inputs, this pin
    now_drawn = {"base": [first, lang], "digests": [*digests[:-1], digest], "for": key}
    if digests[-1] == digest:
        return no_update, now_drawn
    patch = Patch()
    patch["data"][first + LIVE_SLOTS - 1] = trace
    return patch, now_drawn


@wire(Output("dispatch-map", "figure"), Output("dispatch-map-base", "data"), Output("dispatch-map-drawn", "data"),
      Input("dispatch-rec", "data"), Input("dispatch-ver-pos", "data"), Input("dispatch-ver-events", "data"),
      Input("dispatch-draft", "data"), State("dispatch-map-base", "data"), State("dispatch-map-drawn", "data"),
      roles=ROLES)
def refresh_map(rec: Mapping[str, Any] | None, positions: Any, events: str | None, draft: Mapping[str, Any] | None,
                base: Mapping[str, Any] | None, drawn: Mapping[str, Any] | None) -> tuple[Any, Any, Any]:
    """First call: the whole figure (with the city's base map). Later calls: a Patch of the live slots
    that changed since ``dispatch-map-drawn`` (one digest per slot), nothing when none did — the
    browser then redraws only those layers (assets/map_updates.js). Nothing at all (no query) when an
    action's answer already drew the map for these very inputs (:data:`MAP_OUTPUTS`)."""
    lang = current_lang()
    key = map_key(rec, events, draft, positions)
    if base and base.get("lang") == lang and (drawn or {}).get("for") == key:
        raise PreventUpdate
    board = service.board(get_db())
    if base and base.get("lang") == lang:
        patch, now_drawn = map_patch(board, rec, draft, base, drawn, key, lang)
        if patch is no_update:
            raise PreventUpdate
        return patch, no_update, now_drawn
    live = _live(board, rec, draft, lang)
    digests = [trace_digest(t) for t in live]
    res = get_resources()
    static = build_map_figure(areas=res.area_layers(), facilities=res.facilities(), layers=STATIC_LAYERS, lang=lang,
                              basemap=get_settings().basemap, uirevision="dispatch", legend=DISPATCH_LEGEND,
                              style_url=basemap_style_url(lang)).to_dict()
    layout = dict(static["layout"], showlegend=False)
    first = len(static["data"])
    return ({"data": static["data"] + live, "layout": layout}, {"first": first, "lang": lang},
            {"base": [first, lang], "digests": digests, "for": key})


#: Where a new call's answer draws the map at once (the new incident, its routes, the pin gone):
#: refresh_map would follow one round trip later, behind whatever else the server is answering.
MAP_OUTPUTS = (Output("dispatch-map", "figure", allow_duplicate=True),
               Output("dispatch-map-drawn", "data", allow_duplicate=True))
#: What :func:`map_patch` needs to know of the map on screen.
MAP_STATES = (State("dispatch-map-base", "data"), State("dispatch-map-drawn", "data"),
              State("dispatch-ver-pos", "data"))
