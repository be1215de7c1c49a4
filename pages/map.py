"""The operational map: boundaries, facilities, units by status and open incidents (all roles)."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, callback, dcc, html

from layers.map_figure import DEFAULT_LAYERS, build_map_figure
from services import incidents as service
from web.auth import callback_roles, page_guard
from web.context import get_db, get_resources, get_settings
from web.lang import current_lang, tr

dash.register_page(__name__, path="/", name="Peta", title="Kendari 112 — Peta")

ROLES = ("dispatcher", "leadership", "planner")
REFRESH_MS = 5000


def layout(**_: Any) -> Any:
    denied = page_guard(*ROLES)
    if denied is not None:
        return denied
    options = [
        {"label": tr("Batas kecamatan", "District boundaries"), "value": "kecamatan"},
        {"label": tr("Batas kelurahan", "Kelurahan boundaries"), "value": "kelurahan"},
        {"label": tr("Nama kecamatan", "District names"), "value": "labels"},
        {"label": tr("Fasilitas & pos", "Facilities & stations"), "value": "facilities"},
        {"label": tr("Unit", "Units"), "value": "units"},
        {"label": tr("Insiden darurat terbuka", "Open emergency incidents"), "value": "incidents"},
        {"label": tr("Tiket layanan kota terbuka", "Open municipal tickets"), "value": "municipal"},
    ]
    return html.Div([
        html.Div([
            html.H2(tr("Peta operasional Kota Kendari", "Kendari operational map")),
            dcc.Checklist(id="map-layers", options=options, value=list(DEFAULT_LAYERS), inline=True,
                          className="k112-layer-toggles"),
            html.Div(id="map-summary", className="k112-summary"),
        ], className="k112-toolbar"),
        dcc.Graph(id="map-graph", className="k112-map", config={"scrollZoom": True, "displaylogo": False}),
        dcc.Interval(id="map-refresh", interval=REFRESH_MS),
    ])


@callback(
    Output("map-graph", "figure"),
    Output("map-summary", "children"),
    Input("map-layers", "value"),
    Input("map-refresh", "n_intervals"),
)
@callback_roles(*ROLES)
def update_map(layers: list[str] | None, _tick: int | None) -> tuple[Any, Any]:
    lang = current_lang()
    layers = layers or []
    snap = service.map_snapshot(get_db(), get_resources(), include_municipal="municipal" in layers)
    fig = build_map_figure(areas=snap.areas, facilities=snap.facilities, units=snap.units, incidents=snap.incidents,
                           layers=layers, lang=lang, basemap=get_settings().basemap)
    emergency, available, n_units = snap.emergencies_open, snap.units_available, len(snap.units)
    summary = tr(f"{emergency} insiden darurat terbuka · {available}/{n_units} unit siaga",
                 f"{emergency} open emergency incidents · {available}/{n_units} units available", lang)
    return fig, summary
