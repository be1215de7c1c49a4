"""The dispatcher's console: live map, incident queue, unit board, new-incident form, incident panel.

Placing an incident by clicking the map: plotly map traces give no ``clickData`` on empty map
areas, so a small clientside hook (below, :data:`_MAP_CLICK_JS`) listens to MapLibre's own
``click`` event on the figure's map and writes the exact clicked lon/lat into the
``dispatch-click`` store with ``dash_clientside.set_props``; clicks on a marker (an incident or a
unit) select it instead. Live updates: every second a cheap version query (last event id, last
position id) is compared with what the page shows; only a change refreshes the board and map
(moved units alone redraw the map at most every 3 s).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash
import dash_ag_grid as dag
from dash import ALL, Input, Output, Patch, State, callback, clientside_callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from i18n import fmt_wita
from web.lang import current_lang, tr
from incidents import validation
from services import incidents as service
from incidents.model import OUTCOME_LABELS, STATUS_LABELS, Actor
from layers.map_figure import PRIORITY_STYLE, UNIT_STATUS_STYLE, build_map_figure
from store._errors import ConflictError, InvalidTransitionError, NotFoundError, UnitNotAvailableError
from web.auth import callback_roles, page_guard
from web.context import area_layers, current_user, get_db, get_resources, get_settings

dash.register_page(__name__, path="/dispatch", name="Pengarahan", title="Kendari 112 — Pengarahan")

ROLES = ("dispatcher",)
POLL_MS = 1000
#: A change of unit positions alone redraws the map at most this often (seconds).
POSITIONS_REFRESH_S = 3.0
#: Layers drawn once per page load (kelurahan outlines help placing; labels stay off for clarity) ...
STATIC_LAYERS = ("kecamatan", "kelurahan", "facilities")
#: ... and the slots refreshed in place: one per unit status, one per priority, routes with their
#: ETA labels, the selected incident's ring, the draft location of a new incident.
ROUTE_SLOTS = 8
DYNAMIC_SLOTS = len(UNIT_STATUS_STYLE) + len(PRIORITY_STYLE) + 2 * ROUTE_SLOTS + 2
#: How many ranked candidates per plan item the panel lists (all are in the API answer).
PANEL_CANDIDATES = 6
ROUTE_COLOURS = ("#1565c0", "#2e7d32", "#6a1b9a", "#00838f", "#ad1457", "#ef6c00", "#4e342e", "#37474f")
UNIT_BUTTON_STATUSES = ("en_route", "on_scene", "transporting", "at_hospital", "cleared")
BOARD_STATUSES = ("en_route", "on_scene", "transporting", "at_hospital", "cleared", "out_of_service", "available")

EVENT_LABELS: dict[str, tuple[str, str]] = {
    "call_received": ("Panggilan masuk", "Call received"),
    "call_answered": ("Panggilan dijawab", "Call answered"),
    "incident_created": ("Insiden dibuat", "Incident created"),
    "incident_updated": ("Insiden diubah", "Incident updated"),
    "unit_dispatched": ("Unit ditugaskan", "Unit dispatched"),
    "unit_en_route": ("Unit menuju lokasi", "Unit en route"),
    "unit_on_scene": ("Unit tiba di lokasi", "Unit on scene"),
    "transport_started": ("Mulai mengantar pasien", "Transport started"),
    "at_hospital": ("Tiba di rumah sakit", "At hospital"),
    "unit_cleared": ("Unit selesai", "Unit cleared"),
    "unit_unassigned": ("Unit dilepas", "Unit unassigned"),
    "incident_closed": ("Insiden ditutup", "Incident closed"),
}

# --- the clientside map-click hook -----------------------------------------------------------------
_MAP_CLICK_JS = """
function(figure) {
    const install = function(tries) {
        const root = document.getElementById('dispatch-map');
        const gd = root && root.querySelector('.js-plotly-plot');
        const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
        const map = sub && sub.map;
        if (!map) {
            if (tries > 0) { setTimeout(function() { install(tries - 1); }, 200); }
            return;
        }
        if (map.__k112Click) { return; }
        map.__k112Click = true;
        if (!gd.__k112Marker) {
            gd.__k112Marker = true;
            gd.on('plotly_click', function(ev) {
                const p = ev && ev.points && ev.points[0];
                if (p && Array.isArray(p.customdata)) { gd.__k112MarkerAt = Date.now(); }
            });
        }
        map.on('click', function(e) {
            setTimeout(function() {
                if (Date.now() - (gd.__k112MarkerAt || 0) < 400) { return; }
                window.dash_clientside.set_props('dispatch-click', {data: {
                    lon: Math.round(e.lngLat.lng * 1e6) / 1e6,
                    lat: Math.round(e.lngLat.lat * 1e6) / 1e6, t: Date.now()}});
            }, 40);
        });
        root.setAttribute('data-click-ready', '1');
    };
    install(50);
    return window.dash_clientside.no_update;
}
"""


# --- layout -----------------------------------------------------------------------------------------


def _facilities() -> list[dict[str, Any]]:
    """Stations and facilities (shared resource: an admin's correction reaches every worker)."""
    return list(get_resources().facilities())


def _type_options(lang: str) -> list[dict[str, Any]]:
    return [{"label": (t["name_en"] if lang == "en" else t["name_id"]), "value": t["code"]}
            for t in service.incident_types(get_resources())]


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


def layout(incident: str | None = None, **_: Any) -> Any:
    denied = page_guard(*ROLES)
    if denied is not None:
        return denied
    lang = current_lang()
    try:
        selected = int(incident) if incident else None
    except ValueError:
        selected = None
    ver_events, ver_pos = service.version(get_db())
    outcome_options = [{"label": tr(i, e, lang), "value": code} for code, (i, e) in OUTCOME_LABELS.items()]
    return html.Div([
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
        html.Div([
            html.Div([
                html.Div([
                    html.H2(tr("Pengarahan", "Dispatch")),
                    html.Span(id="dispatch-summary", className="k112-summary"),
                    html.Span(id="dispatch-routing-model", className="dsp-badge"),
                ], className="k112-toolbar"),
                dcc.Graph(id="dispatch-map", className="dsp-map",
                          config={"scrollZoom": True, "displaylogo": False, "doubleClick": False}),
            ], className="dsp-mapcol"),
            html.Div([
                html.Section([
                    html.H3(tr("Insiden baru", "New incident")),
                    html.Div(tr("Klik peta, cari nama tempat, atau ketik koordinat.",
                                "Click the map, search a place name, or type coordinates."), className="dsp-hint"),
                    html.Div([
                        dcc.Input(id="dispatch-search", type="text", debounce=False, maxLength=100,
                                  placeholder=tr("Kelurahan, fasilitas, tempat…", "Kelurahan, facility, landmark…"),
                                  className="dsp-input dsp-grow"),
                        html.Button(tr("Cari", "Search"), id="dispatch-search-go", n_clicks=0),
                    ], className="dsp-row"),
                    html.Div(id="dispatch-search-results", className="dsp-results"),
                    html.Div([
                        dcc.Input(id="dispatch-lat", type="text", placeholder=tr("Lintang (mis. -3.97)", "Latitude (e.g. -3.97)"),
                                  className="dsp-input"),
                        dcc.Input(id="dispatch-lon", type="text", placeholder=tr("Bujur (mis. 122.51)", "Longitude (e.g. 122.51)"),
                                  className="dsp-input"),
                        html.Button(tr("Pakai koordinat", "Use coordinates"), id="dispatch-coords-go", n_clicks=0),
                    ], className="dsp-row"),
                    html.Div(tr("Lokasi belum dipilih", "No location yet"), id="dispatch-draft-place",
                             className="dsp-place"),
                    html.Label(tr("Jenis kejadian", "Incident type"), htmlFor="dispatch-type"),
                    dcc.Dropdown(id="dispatch-type", options=_type_options(lang), clearable=False, searchable=True,
                                 placeholder=tr("Pilih jenis…", "Choose a type…")),
                    html.Label(tr("Prioritas", "Priority")),
                    dcc.RadioItems(id="dispatch-priority", options=_priority_options(lang), value=None, inline=True,
                                   className="dsp-radio"),
                    dcc.Textarea(id="dispatch-description", maxLength=validation.MAX_DESCRIPTION_CHARS,
                                 placeholder=tr("Keterangan (apa yang terjadi, korban, patokan)",
                                                "Description (what happened, casualties, landmarks)"),
                                 className="dsp-textarea"),
                    dcc.Input(id="dispatch-phone", type="tel", maxLength=validation.MAX_PHONE_CHARS,
                              placeholder=tr("Nomor penelepon", "Caller's phone"), className="dsp-input"),
                    html.Button(tr("Buat insiden", "Create incident"), id="dispatch-create", n_clicks=0,
                                className="dsp-primary"),
                    html.Div(id="dispatch-create-msg", role="status"),
                ], id="dispatch-new", className="k112-card dsp-section"),
                html.Section([
                    html.Div(id="dispatch-detail"),
                    html.Div([
                        html.Button(tr("Tugaskan sesuai rencana", "Assign the plan"), id="dispatch-assign-plan",
                                    n_clicks=0, className="dsp-primary"),
                        html.Div([
                            dcc.Dropdown(id="dispatch-outcome", options=outcome_options, value="resolved",
                                         clearable=False, searchable=False, className="dsp-outcome"),
                            html.Button(tr("Tutup insiden", "Close incident"), id="dispatch-close", n_clicks=0,
                                        className="dsp-danger"),
                        ], className="dsp-row"),
                    ], id="dispatch-actions", className="dsp-actions", style={"display": "none"}),
                    html.Div(id="dispatch-action-msg", role="status"),
                ], id="dispatch-panel", className="k112-card dsp-section"),
            ], className="dsp-side"),
        ], className="dsp-top"),
        html.Div([
            html.Div([
                html.H3(tr("Antrean insiden terbuka", "Open incident queue")),
                _grid("dispatch-queue", _queue_columns(lang), "300px"),
            ], className="dsp-gridbox"),
            html.Div([
                html.H3(tr("Papan status unit", "Unit status board")),
                _grid("dispatch-units", _unit_columns(lang), "300px"),
                html.Div([
                    html.Span(tr("Pilih unit di papan untuk mengubah statusnya.",
                                 "Select a unit on the board to change its status."), id="dispatch-unit-label"),
                    *[html.Button(tr(*STATUS_LABELS[s]), id=f"dispatch-unit-status-{s}", n_clicks=0,
                                  className="dsp-small") for s in BOARD_STATUSES],
                ], id="dispatch-unit-bar", className="dsp-row dsp-unitbar"),
            ], className="dsp-gridbox"),
        ], className="dsp-grids"),
    ], className="dsp-root")


# --- view helpers (formatting only; no SQL, no decisions) -----------------------------------------------
def _type_name(row: Mapping[str, Any], lang: str) -> str:
    return str(row["type_name_en"] if lang == "en" else row["type_name_id"])


def _minutes(seconds: float | None, lang: str) -> str:
    if seconds is None:
        return "—"
    if seconds < 3600:
        return f"{seconds / 60:.1f} " + tr("mnt", "min", lang)
    return f"{seconds / 3600:.1f} " + tr("jam", "h", lang)


def _queue_rows(rows: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    return [{
        "row_id": str(r["id"]), "id": r["id"], "priority": r["priority"], "type": _type_name(r, lang),
        "kelurahan": r["kelurahan"] or "—", "kecamatan": r["kecamatan"] or "—",
        "received": fmt_wita(r["call_received_at"] or r["created_at"], date=False, seconds=True),
        "units": r["callsigns"] or tr("belum ada", "none", lang),
        "description": (r["description"] or "")[:120],
    } for r in rows]


def _unit_rows(rows: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    return [{
        "row_id": str(u["id"]), "id": u["id"], "callsign": u["callsign"], "unit_type": u["unit_type"],
        "agency": u["agency_code"], "status": tr(*STATUS_LABELS.get(u["status"], (u["status"], u["status"])), lang),
        "since": fmt_wita(u["status_at"], date=False), "incident": u["assigned_incident_id"],
        "where": (tr("markas: ", "station: ", lang) + str(u["home_station"] or "—")) if u["at_home_station"]
        else tr("dilaporkan ", "reported ", lang) + fmt_wita(u["position_at"], date=False),
    } for u in rows]


def _routing_label(model: str | None, lang: str) -> str:
    if model == "road":
        return tr("ETA: jaringan jalan (OpenStreetMap)", "ETA: road network (OpenStreetMap)", lang)
    if model == "approximate":
        return tr("ETA: perkiraan (kisi daratan + jembatan, tanpa data jalan)",
                  "ETA: approximate (land lattice + bridges, no road data)", lang)
    return ""


def _error_text(exc: Exception, lang: str) -> str:
    if isinstance(exc, validation.ValidationFailed):
        return "; ".join(f"{e.field}: {tr(e.message_id, e.message_en, lang)}" for e in exc.errors)
    if isinstance(exc, UnitNotAvailableError):
        return tr("Unit tidak tersedia lagi — ", "Unit no longer available — ", lang) + str(exc)
    if isinstance(exc, InvalidTransitionError):
        return tr("Perubahan status ditolak — ", "Status change refused — ", lang) + str(exc)
    if isinstance(exc, NotFoundError):
        return tr("Tidak ditemukan — ", "Not found — ", lang) + str(exc)
    if isinstance(exc, service.RecommendationError):
        return tr("Rute tidak dapat dihitung — ", "Cannot route — ", lang) + str(exc)
    return tr("Ditolak — ", "Refused — ", lang) + str(exc)


def _message(text: str, ok: bool) -> Any:
    return html.Div(text, className="k112-ok" if ok else "k112-error", id="dispatch-msg-text")


def _actor() -> Actor:
    user = current_user()
    assert user is not None  # guarded by callback_roles
    return Actor(user.username, user.id)


def _detail(detail: Any, rec: Mapping[str, Any] | None, rec_error: str | None, lang: str) -> Any:
    inc = detail.incident
    prio = PRIORITY_STYLE.get(inc.priority)
    head = html.Div([
        html.H3(f"#{inc.id} {inc.type_name_en if lang == 'en' else inc.type_name_id}", id="dispatch-detail-title"),
        html.Span(f"P{inc.priority}", className="dsp-prio", style={"background": prio[0] if prio else "#999"}),
        html.Span(tr("terbuka", "open", lang) if inc.status == "open" else
                  tr("ditutup: ", "closed: ", lang) + tr(*OUTCOME_LABELS.get(inc.outcome or "", ("", "")), lang),
                  className="dsp-status", id="dispatch-detail-status"),
    ], className="dsp-row")
    facts = [
        html.Div([html.B(tr("Lokasi: ", "Location: ", lang)),
                  f"{tr('Kel.', 'Kel.', lang)} {inc.kelurahan or '—'}, {tr('Kec.', 'Kec.', lang)} {inc.kecamatan or '—'}"
                  f" ({inc.lat:.5f}, {inc.lon:.5f})"], id="dispatch-detail-place"),
        html.Div([html.B(tr("Masuk: ", "Received: ", lang)), fmt_wita(inc.call_received_at, seconds=True)]),
    ]
    if inc.description:
        facts.append(html.Div([html.B(tr("Keterangan: ", "Description: ", lang)),
                               html.Span(inc.description, id="dispatch-detail-description")]))
    if inc.address:
        facts.append(html.Div([html.B(tr("Alamat: ", "Address: ", lang)), inc.address]))
    if inc.caller_phone:
        facts.append(html.Div([html.B(tr("Penelepon: ", "Caller: ", lang)), inc.caller_phone]))
    if inc.possible_duplicate_of:
        facts.append(html.Div([
            "⚠ ", tr("Kemungkinan duplikat dari ", "Possible duplicate of ", lang),
            dcc.Link(f"#{inc.possible_duplicate_of}", href=f"/dispatch?incident={inc.possible_duplicate_of}",
                     id="dispatch-duplicate-link"),
        ], className="dsp-warning", id="dispatch-duplicate"))
    if inc.duplicate_of:
        facts.append(html.Div([tr("Duplikat dari ", "Duplicate of ", lang),
                               dcc.Link(f"#{inc.duplicate_of}", href=f"/dispatch?incident={inc.duplicate_of}")]))
    parts: list[Any] = [head, html.Div(facts, className="dsp-facts")]
    if inc.status == "open":
        parts.append(_recommendation_block(inc.id, rec, rec_error, lang))
    parts.append(_assignment_block(inc.id, detail.assignments, inc.status == "open", lang))
    parts.append(_timeline_block(detail.timeline, lang))
    return html.Div(parts)


def _recommendation_block(incident_id: int, rec: Mapping[str, Any] | None, error: str | None, lang: str) -> Any:
    title = html.H4(tr("Unit yang direkomendasikan", "Recommended units", lang))
    if error:
        return html.Div([title, html.Div(error, className="k112-error")], id="dispatch-recs")
    if not rec:
        return html.Div([title, html.Div("—")], id="dispatch-recs")
    rows: list[Any] = []
    plan_lines: list[Any] = []
    assigned = rec.get("assigned") or {}
    if assigned:
        plan_lines.append(html.Li(tr("Sudah ditugaskan: ", "Already assigned: ", lang)
                                  + ", ".join(f"{t} ×{n}" for t, n in sorted(assigned.items()))))
    if rec.get("plan_fulfilled"):
        plan_lines.append(html.Li(tr("Rencana respons sudah terpenuhi; daftar di bawah untuk bantuan tambahan.",
                                     "The response plan is fulfilled; the list below is for reinforcements.", lang),
                                  className="k112-ok", id="dispatch-plan-fulfilled"))
    rank = 0
    for item in rec.get("plan") or []:
        selected = set() if rec.get("plan_fulfilled") else set(item.get("selected") or [])
        if not rec.get("plan_fulfilled"):
            plan_lines.append(html.Li(
                tr(f"Diperlukan {item['unit_type']}: {item['filled']}/{item['required']} tersedia",
                   f"Needed {item['unit_type']}: {item['filled']}/{item['required']} available", lang)
                + ("" if not item.get("missing") else
                   tr(f" — kurang {item['missing']}", f" — {item['missing']} short", lang))))
        for c in [c for c in rec.get("candidates") or [] if c["unit_type"] == item["unit_type"] and c["reachable"]][:PANEL_CANDIDATES]:
            rank += 1
            rows.append(html.Tr([
                html.Td(str(rank)), html.Td(c["callsign"], className="dsp-callsign"), html.Td(c["unit_type"]),
                html.Td(_minutes(c["eta_s"], lang), className="dsp-eta"),
                html.Td(f"{(c['distance_m'] or 0) / 1000:.1f} km"),
                html.Td("★" if c["unit_id"] in selected else ""),
                html.Td(html.Button(tr("Tugaskan", "Assign", lang), n_clicks=0, className="dsp-small",
                                    id={"type": "dispatch-assign", "unit": c["unit_id"], "incident": incident_id})),
            ], className="dsp-cand" + (" dsp-cand-plan" if c["unit_id"] in selected else "")))
    for s in rec.get("substitutes") or []:
        if not s.get("reachable") or s.get("kind") != "substitute_type":
            continue
        rank += 1
        rows.append(html.Tr([
            html.Td(str(rank)), html.Td(s["callsign"], className="dsp-callsign"),
            html.Td(f"{s['unit_type']} ({tr('pengganti', 'substitute', lang)} {s['for_unit_type']})"),
            html.Td(_minutes(s["eta_s"], lang), className="dsp-eta"), html.Td(f"{(s['distance_m'] or 0) / 1000:.1f} km"),
            html.Td(""),
            html.Td(html.Button(tr("Tugaskan", "Assign", lang), n_clicks=0, className="dsp-small",
                                id={"type": "dispatch-assign", "unit": s["unit_id"], "incident": incident_id})),
        ], className="dsp-cand"))
    for s in rec.get("substitutes") or []:
        if not s.get("reachable") or s.get("kind") != "busy_unit":
            continue
        rank += 1  # busy: shown so the dispatcher knows who frees up first; not assignable yet
        rows.append(html.Tr([
            html.Td(str(rank)), html.Td(s["callsign"], className="dsp-callsign"),
            html.Td(f"{s['unit_type']} ({tr('sibuk, bebas ±', 'busy, free in ~', lang)}"
                    f"{_minutes(s.get('free_in_s'), lang)})"),
            html.Td(_minutes(s["eta_s"], lang), className="dsp-eta"), html.Td(f"{(s['distance_m'] or 0) / 1000:.1f} km"),
            html.Td(""), html.Td(tr("sibuk", "busy", lang), className="dsp-busy"),
        ], className="dsp-cand dsp-cand-busy"))
    notes = [] if rec.get("plan_fulfilled") else [
        html.Div(_unfilled_text(u, rec.get("substitutes") or [], lang), className="k112-error")
        for u in rec.get("unfilled") or []]
    table = html.Table([
        html.Thead(html.Tr([html.Th(h) for h in ("#", tr("Unit", "Unit", lang), tr("Jenis", "Type", lang), "ETA",
                                                 tr("Jarak", "Distance", lang), tr("Rencana", "Plan", lang), "")])),
        html.Tbody(rows),
    ], className="dsp-table", id="dispatch-rec-table") if rows else html.Div(
        tr("Tidak ada unit yang sesuai dan tersedia.", "No suitable unit available.", lang), className="k112-error")
    return html.Div([
        title,
        html.Div(_routing_label(rec.get("routing"), lang), className="dsp-badge", id="dispatch-rec-model"),
        html.Ul(plan_lines, className="dsp-plan") if plan_lines else html.Div(
            tr("Jenis ini tidak memerlukan unit darurat (diteruskan ke OPD).",
               "This type needs no emergency unit (passed to the agency).", lang)),
        table, *notes,
    ], id="dispatch-recs")


def _unfilled_text(item: Mapping[str, Any], substitutes: Sequence[Mapping[str, Any]], lang: str) -> str:
    offers = sum(1 for s in substitutes if s.get("for_unit_type") == item["unit_type"] and s.get("reachable"))
    return tr(f"{item['unit_type']}: hanya {item['filled']} dari {item['required']} tersedia dan terjangkau; "
              f"{offers} tawaran pengganti di atas",
              f"{item['unit_type']}: only {item['filled']} of {item['required']} available and reachable; "
              f"{offers} substitute offer(s) above", lang)


def _assignment_block(incident_id: int, assignments: Sequence[Any], is_open: bool, lang: str) -> Any:
    items: list[Any] = []
    for a in assignments:
        label = tr(*STATUS_LABELS.get(a.status, (a.status, a.status)), lang)
        row: list[Any] = [html.Span(a.callsign, className="dsp-callsign"), html.Span(a.unit_type),
                          html.Span(label, className=f"dsp-ustatus dsp-ustatus-{a.status}")]
        if a.active and is_open:
            row += [html.Button(tr(*STATUS_LABELS[s], lang), n_clicks=0, className="dsp-small",
                                id={"type": "dispatch-ustatus", "unit": a.unit_id, "status": s, "incident": incident_id})
                    for s in UNIT_BUTTON_STATUSES]
            row.append(html.Button(tr("Lepas", "Unassign", lang), n_clicks=0, className="dsp-small dsp-danger",
                                   id={"type": "dispatch-unassign", "unit": a.unit_id, "incident": incident_id}))
        items.append(html.Li(row, className="dsp-row" + ("" if a.active else " dsp-cleared"),
                             id=f"dispatch-assignment-{a.unit_id}"))
    return html.Div([html.H4(tr("Unit ditugaskan", "Assigned units", lang)),
                     html.Ul(items, className="dsp-assignments") if items else html.Div("—")],
                    id="dispatch-assignments")


def _timeline_block(timeline: Sequence[Any], lang: str) -> Any:
    rows = []
    for e in timeline:
        label = tr(*EVENT_LABELS.get(e.kind, (e.kind, e.kind)), lang)
        extra = e.data.get("outcome") or ""
        rows.append(html.Tr([html.Td(fmt_wita(e.at, date=False, seconds=True)), html.Td(label),
                             html.Td(e.callsign or ""), html.Td(e.actor or ""), html.Td(extra)]))
    return html.Details([
        html.Summary(tr(f"Riwayat ({len(rows)} kejadian, WITA)", f"Timeline ({len(rows)} events, WITA)", lang)),
        html.Table(html.Tbody(rows), className="dsp-table dsp-timeline"),
    ], open=True, id="dispatch-timeline")


def _unit_hover(u: Mapping[str, Any], label: str, lang: str) -> str:
    where = tr("di markas", "at home station", lang) if u.get("at_home_station") else \
        tr("posisi ", "position ", lang) + fmt_wita(u.get("position_at"))
    incident = f"<br>{tr('insiden', 'incident', lang)} #{u['assigned_incident_id']}" if u.get("assigned_incident_id") else ""
    return (f"<b>{_html(u['callsign'])}</b> · {_html(u['unit_type'])}<br>{label} {tr('sejak', 'since', lang)} "
            f"{fmt_wita(u.get('status_at'))}<br>{where}{incident}")


def _incident_hover(i: Mapping[str, Any], lang: str) -> str:
    name = i["type_name_en"] if lang == "en" else i["type_name_id"]
    return (f"<b>#{i['id']} {_html(name)}</b> (P{i['priority']})<br>{_html(i.get('kelurahan') or '—')}, "
            f"{_html(i.get('kecamatan') or '—')}<br>{tr('masuk', 'received', lang)} "
            f"{fmt_wita(i.get('call_received_at') or i.get('created_at'))}"
            f"<br>{tr('unit', 'units', lang)}: {_html(i.get('callsigns') or '—')}")


def _html(text: Any) -> str:
    """Escape text placed in plotly hover labels (which render a subset of HTML)."""
    import html as html_lib

    return html_lib.escape(str(text), quote=False)


def _empty_slot(name: str) -> dict[str, Any]:
    return {"type": "scattermap", "lon": [], "lat": [], "mode": "markers", "name": name, "showlegend": False,
            "hoverinfo": "skip"}


def _dynamic_traces(units: Sequence[Mapping[str, Any]], incidents: Sequence[Mapping[str, Any]],
                    rec: Mapping[str, Any] | None, draft: Mapping[str, Any] | None, lang: str) -> list[dict[str, Any]]:
    """The map's changing traces as plain dicts, always in the same slots (see :data:`DYNAMIC_SLOTS`).

    Units and incidents are drawn by ``build_map_figure`` (same styles as the map page); a slot
    whose status or priority has no rows holds an empty trace, so that a refresh can replace the
    slots in place (``dash.Patch``) without resending the boundaries.
    """
    slots: list[dict[str, Any]] = []
    for status, (colour, label_id, label_en) in UNIT_STATUS_STYLE.items():
        rows = [u for u in units if u["status"] == status]
        if not rows:
            slots.append(_empty_slot(f"unit-{status}"))
            continue
        label = tr(label_id, label_en, lang)
        slots.append({
            "type": "scattermap", "mode": "markers+text", "lon": [float(u["lon"]) for u in rows],
            "lat": [float(u["lat"]) for u in rows], "text": [u["callsign"] for u in rows],
            "textposition": "top right", "textfont": {"size": 10, "color": colour},
            "marker": {"size": 10, "color": colour}, "hoverinfo": "text",
            "hovertext": [_unit_hover(u, label, lang) for u in rows],
            "name": tr("Unit: ", "Units: ", lang) + label, "legendgroup": "units",
            "customdata": [["unit", u["id"]] for u in rows]})
    for priority, (colour, size, label_id, label_en) in PRIORITY_STYLE.items():
        rows = [i for i in incidents if int(i["priority"]) == priority]
        if not rows:
            slots.append(_empty_slot(f"incident-p{priority}"))
            continue
        slots.append({
            "type": "scattermap", "mode": "markers", "lon": [float(i["lon"]) for i in rows],
            "lat": [float(i["lat"]) for i in rows], "marker": {"size": size, "color": colour, "opacity": 0.9},
            "hoverinfo": "text", "hovertext": [_incident_hover(i, lang) for i in rows],
            "name": tr("Insiden: ", "Incidents: ", lang) + tr(label_id, label_en, lang), "legendgroup": "incidents",
            "customdata": [["incident", i["id"]] for i in rows]})
    routes = list((rec or {}).get("routes") or [])[:ROUTE_SLOTS]
    for i in range(ROUTE_SLOTS):
        if i >= len(routes):
            slots += [_empty_slot(f"route-{i}"), _empty_slot(f"eta-{i}")]
            continue
        r = routes[i]
        coords = r["route"]["coordinates"]
        colour = ROUTE_COLOURS[i % len(ROUTE_COLOURS)]
        label = f"{r['callsign']} · {_minutes(r['eta_s'], lang)}"
        if r.get("assigned"):
            label = f"{r['callsign']} ({tr('menuju', 'on the way', lang)}) · {_minutes(r['eta_s'], lang)}"
        slots.append({"type": "scattermap", "mode": "lines", "lon": [c[0] for c in coords],
                      "lat": [c[1] for c in coords],
                      "line": {"width": 6 if r.get("assigned") else 5 if r["selected"] else 3, "color": colour},
                      "opacity": 0.9 if r["selected"] else 0.55, "hoverinfo": "skip", "name": label,
                      "legendgroup": "routes", "showlegend": True})
        slots.append({"type": "scattermap", "mode": "text+markers", "lon": [coords[0][0]], "lat": [coords[0][1]],
                      "text": [label], "textposition": "bottom right", "textfont": {"size": 12, "color": colour},
                      "marker": {"size": 7, "color": colour}, "hoverinfo": "skip", "showlegend": False,
                      "name": f"eta-{i}"})
    if rec and rec.get("lon") is not None:
        slots.append({"type": "scattermap", "mode": "markers", "lon": [rec["lon"]], "lat": [rec["lat"]],
                      "marker": {"size": 26, "color": "#000", "opacity": 0.25}, "hoverinfo": "skip",
                      "name": tr("Insiden terpilih", "Selected incident", lang), "showlegend": False})
    else:
        slots.append(_empty_slot("selected"))
    if draft:
        label = tr("Lokasi baru", "New location", lang)
        slots.append({"type": "scattermap", "mode": "markers+text", "lon": [draft["lon"]], "lat": [draft["lat"]],
                      "marker": {"size": 18, "color": "#d500f9"}, "text": [label], "textposition": "top center",
                      "hoverinfo": "skip", "name": label, "showlegend": False})
    else:
        slots.append(_empty_slot("draft"))
    assert len(slots) == DYNAMIC_SLOTS
    return slots


def _map_routes(rec: Mapping[str, Any] | None, moving: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What the map draws for the selected incident: the routes of its units still on their way,
    then the recommended units' routes (the plan's choices first), at most ROUTE_SLOTS."""
    out = [{"unit_id": m["unit_id"], "callsign": m["callsign"], "eta_s": m["eta_s"], "route": m["route"],
            "selected": True, "assigned": True} for m in moving]
    if rec:
        selected = set() if rec.get("plan_fulfilled") else {
            u for item in rec.get("plan") or [] for u in item.get("selected") or []}
        routed = [c for c in rec.get("candidates") or [] if c.get("route")]
        routed.sort(key=lambda c: (c["unit_id"] not in selected, c["eta_s"] or 0))
        out += [{"unit_id": c["unit_id"], "callsign": c["callsign"], "eta_s": c["eta_s"], "route": c["route"],
                 "selected": c["unit_id"] in selected, "assigned": False} for c in routed]
    return out[:ROUTE_SLOTS]


# --- callbacks ----------------------------------------------------------------------------------------
@callback(
    Output("dispatch-ver-events", "data"),
    Output("dispatch-ver-pos", "data"),
    Input("dispatch-tick", "n_intervals"),
    State("dispatch-ver-events", "data"),
    State("dispatch-ver-pos", "data"),
    prevent_initial_call=True,
)
@callback_roles(*ROLES)
def poll(_tick: int, seen_events: str | None, seen_pos: Mapping[str, Any] | None) -> tuple[Any, Any]:
    """Compare the database's version with the page's; positions alone redraw the map at most
    every POSITIONS_REFRESH_S (trackers report all the time)."""
    import time

    events, positions = service.version(get_db())
    seen_pos = seen_pos if isinstance(seen_pos, Mapping) else {}
    pos_due = positions != seen_pos.get("v") and time.time() - float(seen_pos.get("t") or 0) >= POSITIONS_REFRESH_S
    if events == seen_events and not pos_due:
        raise PreventUpdate
    return (events if events != seen_events else no_update), \
        ({"v": positions, "t": time.time()} if pos_due else no_update)


@callback(
    Output("dispatch-queue", "rowData"),
    Output("dispatch-units", "rowData"),
    Output("dispatch-summary", "children"),
    Input("dispatch-ver-events", "data"),
)
@callback_roles(*ROLES)
def refresh_board(_version: str | None) -> tuple[Any, Any, Any]:
    lang = current_lang()
    board = service.board(get_db())
    available = sum(1 for u in board.units if u["status"] == "available")
    summary = tr(f"{len(board.incidents)} insiden darurat terbuka · {available}/{len(board.units)} unit siaga"
                 f" · {board.municipal_open} tiket layanan kota di OPD",
                 f"{len(board.incidents)} open emergency incidents · {available}/{len(board.units)} units available"
                 f" · {board.municipal_open} municipal tickets with the OPD", lang)
    return _queue_rows(board.incidents, lang), _unit_rows(board.units, lang), summary


@callback(
    Output("dispatch-detail", "children"),
    Output("dispatch-rec", "data"),
    Output("dispatch-actions", "style"),
    Output("dispatch-routing-model", "children"),
    Input("dispatch-selected", "data"),
    Input("dispatch-ver-events", "data"),
)
@callback_roles(*ROLES)
def refresh_detail(selected: int | None, _version: str | None) -> tuple[Any, Any, Any, Any]:
    lang = current_lang()
    if not selected:
        hint = html.Div(tr("Pilih insiden di peta atau di antrean.", "Select an incident on the map or in the queue.",
                           lang), className="dsp-hint")
        return hint, None, {"display": "none"}, ""
    db = get_db()
    try:
        detail = service.get_incident(db, int(selected))
    except NotFoundError as exc:
        return _message(_error_text(exc, lang), False), None, {"display": "none"}, ""
    rec, rec_error, moving = None, None, []
    if detail.incident.status == "open":
        try:
            rec = service.recommend_for_incident(db, get_resources(), detail.incident.id)
        except service.RecommendationError as exc:
            rec_error = _error_text(exc, lang)
        if any(a.status in ("dispatched", "en_route") for a in detail.assignments):
            moving = service.assigned_routes(db, get_resources(), detail.incident.id)
    store = {"incident_id": detail.incident.id, "lon": detail.incident.lon, "lat": detail.incident.lat,
             "routes": _map_routes(rec, moving)}
    actions = {"display": "block" if detail.incident.status == "open" else "none"}
    return _detail(detail, rec, rec_error, lang), store, actions, _routing_label(rec.get("routing") if rec else None, lang)


@callback(
    Output("dispatch-map", "figure"),
    Output("dispatch-map-base", "data"),
    Input("dispatch-rec", "data"),
    Input("dispatch-ver-pos", "data"),
    Input("dispatch-ver-events", "data"),
    Input("dispatch-draft", "data"),
    State("dispatch-map-base", "data"),
)
@callback_roles(*ROLES)
def refresh_map(rec: Mapping[str, Any] | None, _pos: Any, _events: str | None,
                draft: Mapping[str, Any] | None, base: Mapping[str, Any] | None) -> tuple[Any, Any]:
    """First call: the whole figure. Later calls: a Patch of the changing slots only."""
    lang = current_lang()
    board = service.board(get_db())
    dynamic = _dynamic_traces(board.units, board.incidents, rec, draft, lang)
    if base and base.get("lang") == lang:
        patch = Patch()
        for k, trace in enumerate(dynamic):
            patch["data"][int(base["first"]) + k] = trace
        return patch, no_update
    static = build_map_figure(areas=area_layers(), facilities=_facilities(), layers=STATIC_LAYERS, lang=lang,
                              basemap=get_settings().basemap, uirevision="dispatch").to_dict()
    first = len(static["data"])
    return {"data": static["data"] + dynamic, "layout": static["layout"]}, {"first": first, "lang": lang}


clientside_callback(_MAP_CLICK_JS, Output("dispatch-click-hook", "data"), Input("dispatch-map", "figure"))


@callback(
    Output("dispatch-selected", "data"),
    Output("dispatch-unit", "data"),
    Input("dispatch-map", "clickData"),
    Input("dispatch-queue", "cellClicked"),
    Input("dispatch-units", "cellClicked"),
    prevent_initial_call=True,
)
@callback_roles(*ROLES)
def select(click: Mapping[str, Any] | None, queue_cell: Mapping[str, Any] | None,
           unit_cell: Mapping[str, Any] | None) -> tuple[Any, Any]:
    if ctx.triggered_id == "dispatch-queue":
        if not queue_cell or queue_cell.get("rowId") in (None, ""):
            raise PreventUpdate
        return int(queue_cell["rowId"]), no_update
    if ctx.triggered_id == "dispatch-units":
        if not unit_cell or unit_cell.get("rowId") in (None, ""):
            raise PreventUpdate
        return no_update, int(unit_cell["rowId"])
    point = (click or {}).get("points", [{}])[0]
    data = point.get("customdata")
    if isinstance(data, list) and len(data) == 2 and data[0] == "incident":
        return int(data[1]), no_update
    if isinstance(data, list) and len(data) == 2 and data[0] == "unit":
        return no_update, int(data[1])
    raise PreventUpdate


@callback(
    Output("dispatch-search-results", "children"),
    Output("dispatch-search-hits", "data"),
    Input("dispatch-search-go", "n_clicks"),
    Input("dispatch-search", "n_submit"),
    State("dispatch-search", "value"),
    prevent_initial_call=True,
)
@callback_roles(*ROLES)
def search(_clicks: int, _submit: int | None, query: str | None) -> tuple[Any, Any]:
    lang = current_lang()
    try:
        hits = service.search_places(get_db(), query)
    except validation.ValidationFailed as exc:
        return _message(_error_text(exc, lang), False), []
    if not hits:
        return html.Div(tr("Tidak ditemukan.", "Nothing found.", lang), className="dsp-hint"), []
    kinds = {"kelurahan": ("Kel.", "Kel."), "kecamatan": ("Kec.", "District"), "facility": ("Fasilitas", "Facility"),
             "landmark": ("Tempat", "Landmark")}
    buttons = []
    for i, h in enumerate(hits):
        alias = f" ← {h['matched']}" if h["matched"] and h["matched"] != h["name"] else ""
        buttons.append(html.Button(
            f"{tr(*kinds.get(h['kind'], (h['kind'], h['kind'])), lang)} {h['name']}{alias}"
            + (f" · {h['detail']}" if h["detail"] else ""),
            id={"type": "dispatch-place", "index": i}, n_clicks=0, className="dsp-result"))
    return buttons, [{"lon": h["lon"], "lat": h["lat"], "name": h["name"]} for h in hits]


@callback(
    Output("dispatch-draft", "data"),
    Output("dispatch-draft-place", "children"),
    Input("dispatch-click", "data"),
    Input({"type": "dispatch-place", "index": ALL}, "n_clicks"),
    Input("dispatch-coords-go", "n_clicks"),
    Input("dispatch-lat", "n_submit"),
    Input("dispatch-lon", "n_submit"),
    State("dispatch-search-hits", "data"),
    State("dispatch-lat", "value"),
    State("dispatch-lon", "value"),
    prevent_initial_call=True,
)
@callback_roles(*ROLES)
def place_draft(click: Mapping[str, Any] | None, place_clicks: list[int | None], _coords: int,
                _lat_submit: int | None, _lon_submit: int | None, hits: list[dict[str, Any]] | None,
                lat_text: str | None, lon_text: str | None) -> tuple[Any, Any]:
    lang = current_lang()
    trigger = ctx.triggered_id
    if trigger == "dispatch-click":
        if not click:
            raise PreventUpdate
        lat, lon, source = click["lat"], click["lon"], tr("klik peta", "map click", lang)
    elif isinstance(trigger, Mapping) and trigger.get("type") == "dispatch-place":
        index = int(trigger["index"])
        if not hits or index >= len(hits) or not (place_clicks and place_clicks[index]):
            raise PreventUpdate
        lat, lon, source = hits[index]["lat"], hits[index]["lon"], hits[index]["name"]
    else:
        lat, lon, source = lat_text, lon_text, tr("koordinat", "coordinates", lang)
    try:
        place = service.locate(get_db(), lat, lon)
    except validation.ValidationFailed as exc:
        return None, _message(_error_text(exc, lang), False)
    text = (f"{tr('Kel.', 'Kel.', lang)} {place.kelurahan or '—'}, {tr('Kec.', 'Kec.', lang)} {place.kecamatan or '—'}"
            f" · ({place.lat:.5f}, {place.lon:.5f}) · {source}")
    return {"lon": place.lon, "lat": place.lat, "kecamatan": place.kecamatan, "kelurahan": place.kelurahan}, \
        html.Span(text, id="dispatch-draft-text", className="k112-ok")


@callback(
    Output("dispatch-priority", "value"),
    Input("dispatch-type", "value"),
    prevent_initial_call=True,
)
@callback_roles(*ROLES)
def default_priority(type_code: str | None) -> Any:
    known = service.known_types(get_resources())
    if type_code not in known:
        raise PreventUpdate
    return known[type_code]


@callback(
    Output("dispatch-create-msg", "children"),
    Output("dispatch-selected", "data", allow_duplicate=True),
    Output("dispatch-ver-events", "data", allow_duplicate=True),
    Output("dispatch-draft", "data", allow_duplicate=True),
    Output("dispatch-description", "value"),
    Output("dispatch-phone", "value"),
    Output("dispatch-draft-place", "children", allow_duplicate=True),
    Input("dispatch-create", "n_clicks"),
    State("dispatch-draft", "data"),
    State("dispatch-type", "value"),
    State("dispatch-priority", "value"),
    State("dispatch-description", "value"),
    State("dispatch-phone", "value"),
    prevent_initial_call=True,
)
@callback_roles(*ROLES)
def create(_clicks: int, draft: Mapping[str, Any] | None, type_code: str | None, priority: int | None,
           description: str | None, phone: str | None) -> tuple[Any, ...]:
    lang = current_lang()
    if not draft:
        return (_message(tr("Pilih lokasi dulu (klik peta, cari, atau ketik koordinat).",
                            "Choose a location first (click the map, search, or type coordinates).", lang), False),
                no_update, no_update, no_update, no_update, no_update, no_update)
    db = get_db()
    data = {"lat": draft["lat"], "lon": draft["lon"], "type": type_code, "priority": priority,
            "description": description, "caller_phone": phone}
    try:
        incident = service.create_incident(db, service.prepare_incident(db, get_resources(), data), _actor())
    except (validation.ValidationFailed, ConflictError, NotFoundError) as exc:
        return _message(_error_text(exc, lang), False), no_update, no_update, no_update, no_update, no_update, \
            no_update
    text = tr(f"Insiden #{incident.id} dibuat · Kel. {incident.kelurahan or '—'}, Kec. {incident.kecamatan or '—'}",
              f"Incident #{incident.id} created · Kel. {incident.kelurahan or '—'}, Kec. {incident.kecamatan or '—'}", lang)
    parts: list[Any] = [html.Div(text, className="k112-ok", id="dispatch-created")]
    if incident.possible_duplicate_of:
        parts.append(html.Div([
            "⚠ ", tr("Kemungkinan duplikat dari ", "Possible duplicate of ", lang),
            dcc.Link(f"#{incident.possible_duplicate_of}", href=f"/dispatch?incident={incident.possible_duplicate_of}"),
        ], className="dsp-warning", id="dispatch-created-duplicate"))
    return parts, incident.id, service.version(db)[0], None, "", "", \
        tr("Lokasi belum dipilih", "No location yet", lang)


def _run_action(action: Any, ok_text: tuple[str, str]) -> tuple[Any, Any]:
    """Run one domain action; return (message, new events version)."""
    lang = current_lang()
    try:
        action()
    except (validation.ValidationFailed, ConflictError, NotFoundError, service.RecommendationError) as exc:
        return _message(_error_text(exc, lang), False), no_update
    return _message(tr(*ok_text, lang), True), service.version(get_db())[0]


def _clicked() -> bool:
    """A pattern-matched button was really clicked (not just re-rendered with n_clicks 0/None)."""
    trig = ctx.triggered[0] if ctx.triggered else None
    return bool(trig and trig.get("value"))


@callback(
    Output("dispatch-action-msg", "children"),
    Output("dispatch-ver-events", "data", allow_duplicate=True),
    Input({"type": "dispatch-assign", "unit": ALL, "incident": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
@callback_roles(*ROLES)
def assign_one(clicks: list[int | None]) -> tuple[Any, Any]:
    if not _clicked():
        raise PreventUpdate
    trig = ctx.triggered_id
    return _run_action(lambda: service.assign_unit(get_db(), int(trig["incident"]), int(trig["unit"]), _actor()),
                       ("Unit ditugaskan.", "Unit assigned."))


@callback(
    Output("dispatch-action-msg", "children", allow_duplicate=True),
    Output("dispatch-ver-events", "data", allow_duplicate=True),
    Input("dispatch-assign-plan", "n_clicks"),
    State("dispatch-selected", "data"),
    prevent_initial_call=True,
)
@callback_roles(*ROLES)
def assign_plan(clicks: int, selected: int | None) -> tuple[Any, Any]:
    if not clicks or not selected:
        raise PreventUpdate
    return _run_action(lambda: service.assign_plan(get_db(), get_resources(), int(selected), _actor()),
                       ("Rencana respons ditugaskan.", "Response plan assigned."))


@callback(
    Output("dispatch-action-msg", "children", allow_duplicate=True),
    Output("dispatch-ver-events", "data", allow_duplicate=True),
    Input({"type": "dispatch-ustatus", "unit": ALL, "status": ALL, "incident": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
@callback_roles(*ROLES)
def assignment_status(clicks: list[int | None]) -> tuple[Any, Any]:
    if not _clicked():
        raise PreventUpdate
    trig = ctx.triggered_id
    return _run_action(lambda: service.set_unit_status(get_db(), int(trig["unit"]), trig["status"], _actor()),
                       ("Status unit diubah.", "Unit status changed."))


@callback(
    Output("dispatch-action-msg", "children", allow_duplicate=True),
    Output("dispatch-ver-events", "data", allow_duplicate=True),
    Input({"type": "dispatch-unassign", "unit": ALL, "incident": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
@callback_roles(*ROLES)
def unassign(clicks: list[int | None]) -> tuple[Any, Any]:
    if not _clicked():
        raise PreventUpdate
    trig = ctx.triggered_id
    return _run_action(lambda: service.unassign(get_db(), int(trig["incident"]), int(trig["unit"]), _actor()),
                       ("Unit dilepas dari insiden.", "Unit taken off the incident."))


@callback(
    Output("dispatch-action-msg", "children", allow_duplicate=True),
    Output("dispatch-ver-events", "data", allow_duplicate=True),
    Input("dispatch-close", "n_clicks"),
    State("dispatch-selected", "data"),
    State("dispatch-outcome", "value"),
    prevent_initial_call=True,
)
@callback_roles(*ROLES)
def close(clicks: int, selected: int | None, outcome: str | None) -> tuple[Any, Any]:
    if not clicks or not selected:
        raise PreventUpdate
    return _run_action(lambda: service.close_incident(get_db(), int(selected), outcome, _actor()),
                       ("Insiden ditutup.", "Incident closed."))


@callback(
    Output("dispatch-unit-label", "children"),
    Input("dispatch-unit", "data"),
    Input("dispatch-ver-events", "data"),
    prevent_initial_call=True,
)
@callback_roles(*ROLES)
def show_unit(unit_id: int | None, _version: str | None) -> Any:
    if not unit_id:
        raise PreventUpdate
    lang = current_lang()
    try:
        unit = service.unit_state(get_db(), int(unit_id))
    except NotFoundError as exc:
        return _message(_error_text(exc, lang), False)
    label = tr(*STATUS_LABELS.get(unit.status, (unit.status, unit.status)), lang)
    return html.Span([html.B(unit.callsign), f" · {label}"], id="dispatch-unit-selected")


@callback(
    Output("dispatch-action-msg", "children", allow_duplicate=True),
    Output("dispatch-ver-events", "data", allow_duplicate=True),
    [Input(f"dispatch-unit-status-{s}", "n_clicks") for s in BOARD_STATUSES],
    State("dispatch-unit", "data"),
    prevent_initial_call=True,
)
@callback_roles(*ROLES)
def board_status(*args: Any) -> tuple[Any, Any]:
    *clicks, unit_id = args
    trig = ctx.triggered_id
    if not trig or not any(clicks):
        raise PreventUpdate
    if not unit_id:
        lang = current_lang()
        return _message(tr("Pilih unit di papan dulu.", "Select a unit on the board first.", lang), False), no_update
    status = str(trig).removeprefix("dispatch-unit-status-")
    return _run_action(lambda: service.set_unit_status(get_db(), int(unit_id), status, _actor()),
                       ("Status unit diubah.", "Unit status changed."))
