"""Layout of the dispatch console (pages/dispatch.py): stores, map, new-incident form, panel, grids."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_ag_grid as dag
from dash import dcc, html

from i18n import tr
from incidents import validation
from incidents.model import OUTCOME_LABELS, STATUS_LABELS
from layers.traces import PRIORITY_STYLE

ROLES = ("dispatcher",)
POLL_MS = 1000
#: A change of unit positions alone redraws the map at most this often (seconds).
POSITIONS_REFRESH_S = 3.0
#: Layers drawn once per page load (kelurahan outlines help placing; labels stay off for clarity);
#: units, incidents, routes, the selection and the draft are the live slots (layers.traces.live_traces).
STATIC_LAYERS = ("kecamatan", "kelurahan", "facilities")
#: Status buttons under the unit board.
BOARD_STATUSES = ("en_route", "on_scene", "transporting", "at_hospital", "cleared", "out_of_service", "available")


def _type_options(types: Sequence[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    return [{"label": (t["name_en"] if lang == "en" else t["name_id"]), "value": t["code"]} for t in types]


def _priority_options(lang: str) -> list[dict[str, Any]]:
    return [{"label": f"P{p}", "value": p, "title": tr(style[2], style[3], lang)}
            for p, style in PRIORITY_STYLE.items()]


def _queue_columns(lang: str) -> list[dict[str, Any]]:
    return [
        {"field": "id", "headerName": "#", "width": 80, "sort": None, "filter": "agNumberColumnFilter"},
        {"field": "priority", "headerName": "P", "width": 70, "filter": "agNumberColumnFilter"},
        {"field": "type", "headerName": tr("Jenis", "Type", lang), "flex": 2},
        {"field": "kelurahan", "headerName": tr("Kelurahan", "Kelurahan", lang), "flex": 1.3},
        {"field": "kecamatan", "headerName": tr("Kecamatan", "District", lang), "flex": 1.2},
        {"field": "received", "headerName": tr("Masuk (WITA)", "Received (WITA)", lang), "width": 130},
        {"field": "units", "headerName": tr("Unit", "Units", lang), "flex": 2},
        {"field": "description", "headerName": tr("Keterangan", "Description", lang), "flex": 2},
    ]


def _unit_columns(lang: str) -> list[dict[str, Any]]:
    return [
        {"field": "callsign", "headerName": tr("Unit", "Unit", lang), "width": 110},
        {"field": "unit_type", "headerName": tr("Jenis", "Type", lang), "width": 130},
        {"field": "agency", "headerName": tr("Instansi", "Agency", lang), "width": 100},
        {"field": "status", "headerName": tr("Status", "Status", lang), "width": 150},
        {"field": "since", "headerName": tr("Sejak (WITA)", "Since (WITA)", lang), "width": 120},
        {"field": "incident", "headerName": tr("Insiden", "Incident", lang), "width": 100,
         "filter": "agNumberColumnFilter"},
        {"field": "where", "headerName": tr("Posisi", "Position", lang), "flex": 1},
    ]


def _grid(grid_id: str, columns: list[dict[str, Any]], height: str) -> Any:
    return dag.AgGrid(
        id=grid_id, columnDefs=columns, rowData=[], getRowId="params.data.row_id",
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "floatingFilter": True},
        dashGridOptions={"animateRows": False, "suppressCellFocus": True,
                         "rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
                         },
        style={"height": height, "width": "100%"}, className="ag-theme-quartz dsp-grid",
    )


def _stores(selected: int | None, versions: tuple[str, str]) -> list[Any]:
    ver_events, ver_pos = versions
    return [
        dcc.Store(id="dispatch-selected", data=selected),
        dcc.Store(id="dispatch-ver-events", data=ver_events),
        dcc.Store(id="dispatch-ver-pos", data={"v": ver_pos, "t": 0}),
        dcc.Store(id="dispatch-draft"),
        dcc.Store(id="dispatch-click"),
        dcc.Store(id="dispatch-rec"),
        dcc.Store(id="dispatch-unit"),
        dcc.Store(id="dispatch-search-hits"),
        dcc.Store(id="dispatch-click-hook"),
        dcc.Store(id="dispatch-map-base"),
        dcc.Interval(id="dispatch-tick", interval=POLL_MS),
    ]


def _map_column(lang: str) -> Any:
    return html.Div([
        html.Div([
            html.H2(tr("Pengarahan", "Dispatch", lang)),
            html.Span(id="dispatch-summary", className="k112-summary"),
            html.Span(id="dispatch-routing-model", className="dsp-badge"),
        ], className="k112-toolbar"),
        dcc.Graph(id="dispatch-map", className="dsp-map",
                  config={"scrollZoom": True, "displaylogo": False, "doubleClick": False}),
    ], className="dsp-mapcol")


def _new_incident_form(types: Sequence[dict[str, Any]], lang: str) -> Any:
    return html.Section([
        html.H3(tr("Insiden baru", "New incident", lang)),
        html.Div(tr("Klik peta, cari nama tempat, atau ketik koordinat.",
                    "Click the map, search a place name, or type coordinates.", lang), className="dsp-hint"),
        html.Div([
            dcc.Input(id="dispatch-search", type="text", debounce=False, maxLength=100,
                      placeholder=tr("Kelurahan, fasilitas, tempat…", "Kelurahan, facility, landmark…", lang),
                      className="dsp-input dsp-grow"),
            html.Button(tr("Cari", "Search", lang), id="dispatch-search-go", n_clicks=0),
        ], className="dsp-row"),
        html.Div(id="dispatch-search-results", className="dsp-results"),
        html.Div([
            dcc.Input(id="dispatch-lat", type="text",
                      placeholder=tr("Lintang (mis. -3.97)", "Latitude (e.g. -3.97)", lang), className="dsp-input"),
            dcc.Input(id="dispatch-lon", type="text",
                      placeholder=tr("Bujur (mis. 122.51)", "Longitude (e.g. 122.51)", lang), className="dsp-input"),
            html.Button(tr("Pakai koordinat", "Use coordinates", lang), id="dispatch-coords-go", n_clicks=0),
        ], className="dsp-row"),
        html.Div(tr("Lokasi belum dipilih", "No location yet", lang), id="dispatch-draft-place", className="dsp-place"),
        html.Label(tr("Jenis kejadian", "Incident type", lang), htmlFor="dispatch-type"),
        dcc.Dropdown(id="dispatch-type", options=_type_options(types, lang), clearable=False, searchable=True,
                     placeholder=tr("Pilih jenis…", "Choose a type…", lang)),
        html.Label(tr("Prioritas", "Priority", lang)),
        dcc.RadioItems(id="dispatch-priority", options=_priority_options(lang), value=None, inline=True,
                       className="dsp-radio"),
        dcc.Textarea(id="dispatch-description", maxLength=validation.MAX_DESCRIPTION_CHARS,
                     placeholder=tr("Keterangan (apa yang terjadi, korban, patokan)",
                                    "Description (what happened, casualties, landmarks)", lang),
                     className="dsp-textarea"),
        dcc.Input(id="dispatch-phone", type="tel", maxLength=validation.MAX_PHONE_CHARS,
                  placeholder=tr("Nomor penelepon", "Caller's phone", lang), className="dsp-input"),
        html.Button(tr("Buat insiden", "Create incident", lang), id="dispatch-create", n_clicks=0,
                    className="dsp-primary"),
        html.Div(id="dispatch-create-msg", role="status"),
    ], id="dispatch-new", className="k112-card dsp-section")


def _incident_panel(lang: str) -> Any:
    outcome_options = [{"label": tr(i, e, lang), "value": code} for code, (i, e) in OUTCOME_LABELS.items()]
    return html.Section([
        html.Div(id="dispatch-detail"),
        html.Div([
            html.Button(tr("Tugaskan sesuai rencana", "Assign the plan", lang), id="dispatch-assign-plan",
                        n_clicks=0, className="dsp-primary"),
            html.Div([
                dcc.Dropdown(id="dispatch-outcome", options=outcome_options, value="resolved",
                             clearable=False, searchable=False, className="dsp-outcome"),
                html.Button(tr("Tutup insiden", "Close incident", lang), id="dispatch-close", n_clicks=0,
                            className="dsp-danger"),
            ], className="dsp-row"),
        ], id="dispatch-actions", className="dsp-actions", style={"display": "none"}),
        html.Div(id="dispatch-action-msg", role="status"),
    ], id="dispatch-panel", className="k112-card dsp-section")


def _grids(lang: str) -> Any:
    return html.Div([
        html.Div([
            html.H3(tr("Antrean insiden terbuka", "Open incident queue", lang)),
            _grid("dispatch-queue", _queue_columns(lang), "300px"),
        ], className="dsp-gridbox"),
        html.Div([
            html.H3(tr("Papan status unit", "Unit status board", lang)),
            _grid("dispatch-units", _unit_columns(lang), "300px"),
            html.Div([
                html.Span(tr("Pilih unit di papan untuk mengubah statusnya.",
                             "Select a unit on the board to change its status.", lang), id="dispatch-unit-label"),
                *[html.Button(tr(*STATUS_LABELS[s], lang), id=f"dispatch-unit-status-{s}", n_clicks=0,
                              className="dsp-small") for s in BOARD_STATUSES],
            ], id="dispatch-unit-bar", className="dsp-row dsp-unitbar"),
        ], className="dsp-gridbox"),
    ], className="dsp-grids")


def build(*, lang: str, selected: int | None, versions: tuple[str, str], types: Sequence[dict[str, Any]]) -> Any:
    """The whole console for ``lang``; ``selected`` incident, the page's (events, positions)
    ``versions`` and the incident ``types`` of the form."""
    return html.Div([
        *_stores(selected, versions),
        html.Div([
            _map_column(lang),
            html.Div([_new_incident_form(types, lang), _incident_panel(lang)], className="dsp-side"),
        ], className="dsp-top"),
        _grids(lang),
    ], className="dsp-root")
