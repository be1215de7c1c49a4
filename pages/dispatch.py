"""The dispatcher's console: live map, incident queue, unit board, new-incident form, incident panel.

The page is split in private modules: :mod:`pages._dispatch_layout` (the component tree),
:mod:`pages._dispatch_callbacks`, :mod:`pages._dispatch_map` and :mod:`pages._dispatch_calltaking`
(the callbacks, wired here into the app being built), :mod:`pages._dispatch_views` and
:mod:`pages._dispatch_panel_views` (HTML); the map's traces come from :mod:`layers.traces`.

Placing an incident by clicking the map: plotly map traces give no ``clickData`` on empty map
areas, so the clientside function ``k112.mapClickOffMarkers`` (assets/map_click.js) listens to
MapLibre's own ``click`` event and writes the clicked lon/lat into the ``dispatch-click`` store;
a click on a marker (an incident or a unit) selects it instead, except in placement mode ("P"),
where every click places the pin. The keyboard, the type picker, the worklist clocks and the
selected incident in the URL are clientside (assets/dispatch_console.js).
"""

from __future__ import annotations

from typing import Any

import dash
from dash import ClientsideFunction, Input, Output, State, clientside_callback

from pages import _dispatch_callbacks, _dispatch_calltaking, _dispatch_coverage, _dispatch_layout, _dispatch_map
from pages._dispatch_layout import ROLES
from pages._wiring import register
from services import incidents as service
from web.auth import page_guard
from web.context import get_db, get_resources
from web.lang import current_lang

dash.register_page(__name__, path="/dispatch", name="Pengarahan", title="Kendari 112 — Pengarahan")


def layout(incident: str | None = None, **_: Any) -> Any:
    denied = page_guard(*ROLES)
    if denied is not None:
        return denied
    try:
        selected = int(incident) if incident else None
    except ValueError:
        selected = None
    db = get_db()
    return _dispatch_layout.build(lang=current_lang(), selected=selected, versions=service.version(db),
                                  types=service.incident_types(get_resources()), thresholds=service.wait_thresholds(db))


register(_dispatch_callbacks)
register(_dispatch_map)
register(_dispatch_calltaking)
register(_dispatch_coverage)
# (hooked when the map is built — "dispatch-map-base" — not on every live patch of the figure: each
# callback run costs the page a pass over all its components)
clientside_callback(ClientsideFunction(namespace="k112", function_name="mapClickOffMarkers"),
                    Output("dispatch-click-hook", "data"), Input("dispatch-map-base", "data"))
clientside_callback(ClientsideFunction(namespace="k112console", function_name="selectedToUrl"),
                    Output("dispatch-url-hook", "data"), Input("dispatch-selected", "data"))
clientside_callback(ClientsideFunction(namespace="k112console", function_name="syncType"),
                    Output("dispatch-type-hook", "data"), Input("dispatch-type-value", "data"))
clientside_callback(ClientsideFunction(namespace="k112console", function_name="placing"),
                    Output("dispatch-placing-hook", "data"), Input("dispatch-placing", "data"),
                    Input("dispatch-map-base", "data"))
clientside_callback(ClientsideFunction(namespace="k112console", function_name="togglePlacing"),
                    Output("dispatch-placing", "data"), Input("dispatch-place-mode", "n_clicks"),
                    State("dispatch-placing", "data"), prevent_initial_call=True)
clientside_callback(ClientsideFunction(namespace="k112console", function_name="newCall"),
                    Output("dispatch-selected", "data", allow_duplicate=True),
                    Output("dispatch-placing", "data", allow_duplicate=True),
                    Input("dispatch-new-call", "n_clicks"), prevent_initial_call=True)
# what needs the server after a change: only what this console's own action did not draw already
# (checked again every second: an older answer that arrived after a newer one is drawn over within 1 s)
clientside_callback(ClientsideFunction(namespace="k112gate", function_name="boardPanelUnit"),
                    Output("dispatch-need-board", "data"), Output("dispatch-need-detail", "data"),
                    Output("dispatch-need-unit", "data"),
                    Input("dispatch-selected", "data"), Input("dispatch-ver-events", "data"),
                    Input("dispatch-tick", "n_intervals"), Input("dispatch-unit", "data"),
                    State("dispatch-board-ver", "data"), State("dispatch-detail-ver", "data"))
clientside_callback(ClientsideFunction(namespace="k112gate", function_name="coverage"),
                    Output("dispatch-need-coverage", "data"), Input("dispatch-ver-events", "data"),
                    Input("dispatch-ver-pos", "data"), prevent_initial_call=True)
