"""Layout of the dispatch console (pages/dispatch.py): worklist, map, incident panel, call form, unit board.

One screen (1280×720 and up): the queue as the worklist on the left, the map in the middle, the
selected incident (with "Assign the plan" on top) and the new-call form on the right, the unit
board below. Keyboard shortcuts (``assets/dispatch_console.js``) are listed under "?".
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import dash_ag_grid as dag
from dash import dcc, html

from i18n import tr
from incidents import validation
from incidents.labels import outcome_label, status_label
from incidents.model import OUTCOME_LABELS
from layers.traces import PRIORITY_STYLE, UNIT_STATUS_STYLE
from pages import _dispatch_coverage

ROLES = ("dispatcher",)
POLL_MS = 1000
#: A change of unit positions alone redraws the map at most this often (seconds).
POSITIONS_REFRESH_S = 3.0
#: Layers drawn once per page load as traces (the base map already draws the boundaries and labels);
#: units, incidents, routes, the selection and the draft are the live slots (layers.traces.live_traces).
STATIC_LAYERS = ("facilities",)
#: Status buttons under the unit board (the allowed ones for the selected unit are highlighted).
BOARD_STATUSES = ("en_route", "on_scene", "transporting", "at_hospital", "cleared", "out_of_service", "available")
#: Keyboard shortcuts: (keys, Indonesian, English). Handled in assets/dispatch_console.js.
SHORTCUTS: tuple[tuple[str, str, str], ...] = (
    ("N", "Panggilan baru: kosongkan pilihan, fokus ke pencarian tempat",
     "New call: clear the selection, focus the place search"),
    ("/", "Cari tempat", "Search a place"),
    ("T", "Pilih jenis kejadian (ketik, ↑/↓, Enter)", "Choose the incident type (type, ↑/↓, Enter)"),
    ("P", "Mode penempatan: klik peta selalu menaruh pin", "Placement mode: a map click always places the pin"),
    ("Ctrl+Enter", "Buat insiden", "Create the incident"),
    ("A", "Tugaskan sesuai rencana (insiden terpilih)", "Assign the plan (selected incident)"),
    ("S", "Status berikutnya untuk unit pertama yang aktif", "Next status for the first active unit"),
    ("J / K", "Insiden berikutnya / sebelumnya di antrean", "Next / previous incident in the queue"),
    ("?", "Tampilkan daftar pintasan ini", "Show this list of shortcuts"),
    ("Esc", "Tutup dialog, batalkan mode penempatan", "Close dialogs, leave placement mode"),
)


def _attrs(values: Mapping[str, str]) -> dict[str, Any]:
    """``data-*`` / ``aria-*`` attributes for a Dash HTML component."""
    return dict(values)


def new_form_key() -> str:
    """A fresh idempotency key for the new-call form (one per call taken)."""
    return uuid.uuid4().hex


def type_options(types: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The type picker's options: ``{"value", "label", "priority", "emergency"}``."""
    return [{"value": t["code"], "label": str(t["name_en"] if lang == "en" else t["name_id"]),
             "priority": int(t["default_priority"]), "emergency": bool(t.get("is_emergency", True))}
            for t in types]


def _priority_options(lang: str) -> list[dict[str, Any]]:
    return [{"label": f"P{p}", "value": p, "title": tr(style[2], style[3], lang)}
            for p, style in PRIORITY_STYLE.items()]


def _queue_columns(lang: str) -> list[dict[str, Any]]:
    return [
        {"field": "wait", "headerName": tr("Tunggu", "Wait", lang), "width": 78, "sortable": False,
         "cellRenderer": "K112WaitClock",
         "headerTooltip": tr("Waktu sejak panggilan masuk; kuning/merah bila belum ada unit melewati "
                             "batas prioritasnya",
                             "Time since the call; amber/red when no unit is on it past its priority's limit", lang)},
        {"field": "priority", "headerName": "P", "width": 40, "filter": "agNumberColumnFilter",
         "tooltipField": "priority_text", "headerTooltip": tr("Prioritas (1 tertinggi)", "Priority (1 highest)", lang)},
        {"field": "type", "headerName": tr("Jenis", "Type", lang), "flex": 2, "minWidth": 128, "tooltipField": "tip",
         "headerTooltip": tr("Jenis kejadian", "Incident type", lang), "wrapText": True, "cellClass": "dsp-two-lines"},
        {"field": "kelurahan", "headerName": tr("Kelurahan", "Kelurahan", lang), "flex": 1.3, "minWidth": 90,
         "tooltipField": "tip", "headerTooltip": tr("Kelurahan", "Kelurahan", lang), "wrapText": True,
         "cellClass": "dsp-two-lines"},
        {"field": "units", "headerName": tr("Unit", "Units", lang), "flex": 1.3, "minWidth": 80,
         "tooltipField": "units", "headerTooltip": tr("Unit yang ditugaskan", "Assigned units", lang)},
        {"field": "id", "headerName": "#", "width": 70, "filter": "agNumberColumnFilter",
         "headerTooltip": tr("Nomor insiden", "Incident number", lang)},
        {"field": "kecamatan", "headerName": tr("Kecamatan", "District", lang), "hide": True},
        {"field": "received", "headerName": tr("Masuk (WITA)", "Received (WITA)", lang), "hide": True},
        {"field": "description", "headerName": tr("Keterangan", "Description", lang), "hide": True},
    ]


def _unit_columns(lang: str) -> list[dict[str, Any]]:
    return [
        {"field": "callsign", "headerName": tr("Unit", "Unit", lang), "width": 110},
        {"field": "unit_type", "headerName": tr("Jenis", "Type", lang), "width": 150, "tooltipField": "unit_type"},
        {"field": "agency", "headerName": tr("Instansi", "Agency", lang), "width": 120, "tooltipField": "agency"},
        {"field": "status", "headerName": tr("Status", "Status", lang), "width": 150},
        {"field": "since", "headerName": tr("Sejak (WITA)", "Since (WITA)", lang), "width": 120},
        {"field": "incident", "headerName": tr("Insiden", "Incident", lang), "width": 100,
         "filter": "agNumberColumnFilter"},
        {"field": "where", "headerName": tr("Posisi", "Position", lang), "flex": 1, "tooltipField": "where"},
    ]


def _grid(grid_id: str, columns: list[dict[str, Any]], height: str, **options: Any) -> Any:
    return dag.AgGrid(
        id=grid_id, columnDefs=columns, rowData=[], getRowId="params.data.row_id",
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "floatingFilter": False},
        dashGridOptions={"animateRows": False, "suppressCellFocus": True, "tooltipShowDelay": 300,
                         "rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
                         **options},
        style={"height": height, "width": "100%"}, className="ag-theme-quartz dsp-grid",
    )


def _stores(selected: int | None, versions: tuple[str, str], thresholds: Mapping[int, tuple[int, int]]) -> list[Any]:
    ver_events, ver_pos = versions
    return [
        dcc.Store(id="dispatch-selected", data=selected),
        dcc.Store(id="dispatch-ver-events", data=ver_events),
        dcc.Store(id="dispatch-ver-pos", data={"v": ver_pos, "t": 0}),
        dcc.Store(id="dispatch-draft", storage_type="local"),
        dcc.Store(id="dispatch-type-value", storage_type="local"),
        dcc.Store(id="dispatch-form-key", storage_type="local", data=new_form_key()),
        dcc.Store(id="dispatch-click"),
        dcc.Store(id="dispatch-rec"),
        dcc.Store(id="dispatch-unit"),
        dcc.Store(id="dispatch-search-hits"),
        dcc.Store(id="dispatch-click-hook"),
        dcc.Store(id="dispatch-url-hook"),
        dcc.Store(id="dispatch-type-hook"),
        dcc.Store(id="dispatch-map-base"),
        dcc.Store(id="dispatch-map-drawn"),
        dcc.Store(id="dispatch-board-ver"),
        dcc.Store(id="dispatch-detail-ver"),
        dcc.Store(id="dispatch-need-board"),
        dcc.Store(id="dispatch-need-detail"),
        dcc.Store(id="dispatch-need-unit"),
        dcc.Store(id="dispatch-need-coverage"),
        dcc.Store(id="dispatch-panel-action"),
        dcc.Store(id="dispatch-placing", data=False),
        dcc.Store(id="dispatch-placing-hook"),
        dcc.Store(id="dispatch-thresholds", data={str(k): list(v) for k, v in thresholds.items()}),
        dcc.Interval(id="dispatch-tick", interval=POLL_MS),
    ]


def _legend(lang: str) -> Any:
    """The map's legend, under the map (it never covers it)."""
    units = [html.Span([html.I(className="dsp-dot", style={"background": colour}), tr(li, le, lang)],
                       className="dsp-legend-item") for colour, li, le in UNIT_STATUS_STYLE.values()]
    prios = [html.Span([html.I(className="dsp-dot dsp-dot-ring", style={"background": style[0]}), f"P{p}"],
                       className="dsp-legend-item", title=tr(style[2], style[3], lang))
             for p, style in PRIORITY_STYLE.items()]
    return html.Div([html.B(tr("Unit:", "Units:", lang)), *units,
                     html.B(tr("Insiden:", "Incidents:", lang)), *prios], className="dsp-legend", id="dispatch-legend")


def _queue_column(lang: str) -> Any:
    return html.Section([
        html.Div([
            html.H3(tr("Antrean kerja", "Worklist", lang)),
            html.Span(tr("belum ada unit, prioritas tertinggi, terlama di atas",
                         "no unit yet, highest priority, oldest on top", lang), className="dsp-hint"),
        ], className="dsp-colhead"),
        html.Div([
            html.Span(tr("≤ batas", "≤ limit", lang), className="dsp-wait dsp-wait-ok"),
            html.Span(tr("lewat batas kuning", "past amber limit", lang), className="dsp-wait dsp-wait-amber"),
            html.Span(tr("lewat batas merah", "past red limit", lang), className="dsp-wait dsp-wait-red"),
        ], className="dsp-wait-legend", id="dispatch-wait-legend"),
        _grid("dispatch-queue", _queue_columns(lang), "100%"),
    ], className="dsp-queuecol", id="dispatch-queue-col")


def _map_column(lang: str) -> Any:
    return html.Div([
        html.Div([
            dcc.Graph(id="dispatch-map", className="dsp-map",
                      config={"scrollZoom": True, "displaylogo": False, "doubleClick": False,
                              "modeBarButtonsToRemove": ["select2d", "lasso2d"]}),
            html.Button([html.Span(className="dsp-pin-icon", **_attrs({"aria-hidden": "true"})),
                         tr("Tempatkan di peta", "Place on the map", lang), html.Kbd("P")],
                        id="dispatch-place-mode", n_clicks=0, className="dsp-place-mode",
                        title=tr("Mode penempatan: klik peta selalu menaruh pin (penanda tidak menangkap klik)",
                                 "Placement mode: a map click always places the pin (markers do not take it)", lang),
                        **_attrs({"aria-pressed": "false"})),
        ], className="dsp-mapwrap"),
        _legend(lang),
    ], className="dsp-mapcol")


def _type_picker(types: Sequence[Mapping[str, Any]], lang: str) -> Any:
    """A keyboard-first combobox (assets/dispatch_console.js): type to filter, ↑/↓, Enter picks the
    highlighted type, Esc closes; focusing it again selects its text so that typing starts over."""
    return html.Div([
        html.Label(tr("Jenis kejadian", "Incident type", lang), htmlFor="dispatch-type"),
        # the input (#dispatch-type) and its listbox are created by the script inside this element
        html.Div(className="dsp-type", id="dispatch-type-picker",
                 **_attrs({"data-options": json.dumps(type_options(types, lang)),
                    "data-placeholder": tr("Ketik jenis… (mis. kebakaran, medis)", "Type… (e.g. fire, medical)", lang),
                    "data-label": tr("Jenis kejadian", "Incident types", lang),
                    "data-empty": tr("Tidak ada jenis yang cocok", "No matching type", lang)})),
    ])


def _new_incident_form(types: Sequence[Mapping[str, Any]], lang: str) -> Any:
    return html.Section([
        html.Div([
            html.H3(tr("Panggilan baru", "New call", lang)),
            html.Button([tr("Panggilan baru", "New call", lang), html.Kbd("N")], id="dispatch-new-call",
                        n_clicks=0, className="dsp-small dsp-ghost"),
        ], className="dsp-row dsp-between"),
        html.Div([
            dcc.Input(id="dispatch-search", type="text", debounce=False, maxLength=100,
                      placeholder=tr("Cari kelurahan, fasilitas, tempat…  ( / )",
                                     "Search kelurahan, facility, landmark…  ( / )", lang),
                      className="dsp-input dsp-grow"),
            html.Button(tr("Cari", "Search", lang), id="dispatch-search-go", n_clicks=0, className="dsp-small"),
        ], className="dsp-row"),
        html.Div(id="dispatch-search-results", className="dsp-results"),
        html.Div([
            dcc.Input(id="dispatch-lat", type="text", persistence=True, persistence_type="local",
                      placeholder=tr("Lintang (mis. -3.97)", "Latitude (e.g. -3.97)", lang), className="dsp-input"),
            dcc.Input(id="dispatch-lon", type="text", persistence=True, persistence_type="local",
                      placeholder=tr("Bujur (mis. 122.51)", "Longitude (e.g. 122.51)", lang), className="dsp-input"),
            html.Button(tr("Pakai", "Use", lang), id="dispatch-coords-go", n_clicks=0, className="dsp-small",
                        title=tr("Pakai koordinat", "Use coordinates", lang)),
        ], className="dsp-row"),
        html.Div(tr("Lokasi belum dipilih", "No location yet", lang), id="dispatch-draft-place", className="dsp-place"),
        _type_picker(types, lang),
        html.Div([
            html.Label(tr("Prioritas", "Priority", lang)),
            dcc.RadioItems(id="dispatch-priority", options=_priority_options(lang), value=None, inline=True,
                           className="dsp-radio", persistence=True, persistence_type="local"),
        ], className="dsp-row"),
        dcc.Textarea(id="dispatch-description", maxLength=validation.MAX_DESCRIPTION_CHARS,
                     persistence=True, persistence_type="local",
                     placeholder=tr("Keterangan (apa yang terjadi, korban, patokan)",
                                    "Description (what happened, casualties, landmarks)", lang),
                     className="dsp-textarea"),
        html.Div([
            dcc.Input(id="dispatch-phone", type="tel", maxLength=validation.MAX_PHONE_CHARS,
                      persistence=True, persistence_type="local",
                      placeholder=tr("Nomor penelepon", "Caller's phone", lang), className="dsp-input dsp-grow"),
            html.Button([tr("Buat insiden", "Create incident", lang), html.Kbd("Ctrl+Enter")], id="dispatch-create",
                        n_clicks=0, className="dsp-primary"),
        ], className="dsp-row"),
        html.Div(id="dispatch-create-msg", role="status"),
    ], id="dispatch-new", className="k112-card dsp-section")


def _incident_panel(lang: str) -> Any:
    outcome_options = [{"label": outcome_label(code, lang), "value": code} for code in OUTCOME_LABELS]
    return html.Section([
        html.Div([
            html.Button([tr("Tugaskan sesuai rencana", "Assign the plan", lang), html.Kbd("A")],
                        id="dispatch-assign-plan", n_clicks=0, className="dsp-primary"),
            html.Span(id="dispatch-plan-summary", className="dsp-hint"),
        ], id="dispatch-actions", className="dsp-actions dsp-row", style={"display": "none"}),
        html.Div(id="dispatch-action-msg", role="status"),
        html.Div(id="dispatch-detail"),
        html.Div([
            dcc.Dropdown(id="dispatch-outcome", options=outcome_options, value="resolved",
                         clearable=False, searchable=False, className="dsp-outcome"),
            html.Button(tr("Tutup insiden", "Close incident", lang), id="dispatch-close", n_clicks=0,
                        className="dsp-danger dsp-small"),
        ], id="dispatch-close-bar", className="dsp-row dsp-closebar", style={"display": "none"}),
        html.Div(id="dispatch-close-confirm", role="alertdialog"),
    ], id="dispatch-panel", className="k112-card dsp-section")


def _unit_board(lang: str) -> Any:
    return html.Section([
        html.H3(tr("Papan status unit", "Unit status board", lang)),
        _grid("dispatch-units", _unit_columns(lang), "260px"),
        html.Div([
            html.Span(tr("Pilih unit di papan untuk mengubah statusnya.",
                         "Select a unit on the board to change its status.", lang), id="dispatch-unit-label"),
            *[html.Button(status_label(s, lang), id=f"dispatch-unit-status-{s}", n_clicks=0, disabled=True,
                          className="dsp-small dsp-boardbtn dsp-dim") for s in BOARD_STATUSES],
        ], id="dispatch-unit-bar", className="dsp-row dsp-unitbar"),
    ], className="dsp-board k112-card")


def _help(lang: str) -> Any:
    rows = [html.Tr([html.Td(html.Kbd(keys)), html.Td(tr(text_id, text_en, lang))])
            for keys, text_id, text_en in SHORTCUTS]
    return html.Div([
        html.Div([
            html.H3(tr("Pintasan papan ketik", "Keyboard shortcuts", lang)),
            html.Table(html.Tbody(rows), className="dsp-table"),
            html.P(tr("Alur: N → cari tempat atau klik peta → T jenis → Ctrl+Enter → A tugaskan → S status.",
                      "Flow: N → search a place or click the map → T type → Ctrl+Enter → A assign → S status.", lang),
                   className="dsp-hint"),
            html.Button(tr("Tutup", "Close", lang), id="dispatch-help-close", className="dsp-small"),
        ], className="dsp-help-box k112-card", role="dialog", **_attrs({"aria-modal": "true"})),
    ], id="dispatch-help", className="dsp-help", hidden=True)


def build(*, lang: str, selected: int | None, versions: tuple[str, str], types: Sequence[dict[str, Any]],
          thresholds: Mapping[int, tuple[int, int]]) -> Any:
    """The whole console for ``lang``; ``selected`` incident, the page's (events, positions)
    ``versions``, the incident ``types`` of the form and the queue's waiting ``thresholds``."""
    return html.Div([
        *_stores(selected, versions, thresholds),
        html.Div([
            html.H2(tr("Pengarahan", "Dispatch", lang)),
            html.Span(id="dispatch-summary", className="k112-summary"),
            html.Span(id="dispatch-routing-model", className="dsp-badge"),
            html.Button("?", id="dispatch-help-open", className="dsp-small dsp-ghost dsp-helpbtn",
                        title=tr("Pintasan papan ketik (?)", "Keyboard shortcuts (?)", lang)),
        ], className="k112-toolbar dsp-toolbar"),
        html.Div([
            _queue_column(lang),
            _map_column(lang),
            html.Div([_incident_panel(lang), _new_incident_form(types, lang), _dispatch_coverage.panel(lang)],
                     className="dsp-side",
                     id="dispatch-side"),
        ], className="dsp-main"),
        _unit_board(lang),
        _help(lang),
    ], className="dsp-root", id="dispatch-root", **_attrs({"data-lang": lang}))
