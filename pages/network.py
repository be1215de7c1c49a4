"""Network administration (admin only): the network in use, its corrections on a map, the repair report.

The page is split in private modules: :mod:`pages._network_layout` (the component tree),
:mod:`pages._network_callbacks` (the callbacks, wired here into the app being built) and
:mod:`pages._network_views` (HTML); the map's traces come from :mod:`layers.network_traces`.

Drawing on the map: the clientside function ``k112.mapClick`` (assets/map_click.js) writes each
clicked lon/lat into the ``network-click`` store; the clientside function ``k112net.draft``
(assets/network_draft.js) adds it to the clicked points (a connector's two ends, a closure's
outline or road stretch) in the browser, so quick clicks never race each other.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import ClientsideFunction, Input, Output, State, clientside_callback

from pages import _network_callbacks, _network_layout
from pages._network_layout import ROLES
from pages._wiring import register
from services import network as service
from web.auth import page_guard
from web.context import get_db, get_resources
from web.lang import current_lang

dash.register_page(__name__, path="/admin/network", name="Jaringan jalan", title="Kendari 112 — Jaringan jalan")


def layout(**_: Any) -> Any:
    denied = page_guard(*ROLES)
    if denied is not None:
        return denied
    return _network_layout.build(service.overview(get_db(), get_resources()), lang=current_lang())


register(_network_callbacks)
clientside_callback(ClientsideFunction(namespace="k112", function_name="mapClick"),
                    Output("network-click-hook", "data"), Input("network-map", "figure"))
clientside_callback(ClientsideFunction(namespace="k112net", function_name="draft"),
                    Output("network-draft", "data"), Input("network-click", "data"), Input("network-undo", "n_clicks"),
                    Input("network-clear", "n_clicks"), State("network-draft", "data"), State("network-mode", "value"),
                    prevent_initial_call=True)
