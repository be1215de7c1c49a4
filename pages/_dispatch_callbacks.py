"""Callbacks of the dispatch console (pages/dispatch.py): live versions, worklist, panel, map, call-taking, actions.

Each parses its inputs, calls one service (:mod:`services.incidents`) and renders with
:mod:`pages._dispatch_views` or :mod:`layers.traces`. Live updates: every second a cheap version
query (last event id, last position id) is compared with what the page shows; only a change
refreshes the board and map (moved units alone redraw the map at most every 3 s).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from dash import ALL, Input, Output, Patch, State, ctx, no_update
from dash.exceptions import PreventUpdate

from i18n import tr
from incidents.model import Actor
from layers.map_figure import build_map_figure
from layers.network_traces import closure_traces
from layers.traces import live_traces, routes_to_draw
from pages import _dispatch_panel_views as panel_views, _dispatch_views as views
from pages._dispatch_layout import BOARD_STATUSES, POSITIONS_REFRESH_S, ROLES, STATIC_LAYERS
from pages._wiring import wire
from services import corrections as corrections_service, incidents as service
from web.context import current_user, get_db, get_resources, get_settings
from web.errors import EXPECTED
from web.lang import current_lang

HIDDEN = {"display": "none"}
SHOWN = {"display": "flex"}
#: Routes drawn for a recommendation: the plan's choices (at most this many).
RECOMMENDED_ROUTES = 4


def _actor() -> Actor:
    user = current_user()
    assert user is not None  # guarded by the callback's roles
    return Actor(user.username, user.id)


def versions_due(events: str, positions: str, seen_events: str | None, seen_pos: Any, now: float) -> tuple[Any, Any]:
    """New (events, positions) store values, ``no_update`` where nothing is due; PreventUpdate when
    neither is. Positions alone are due at most every POSITIONS_REFRESH_S (trackers report all the time)."""
    seen_pos = seen_pos if isinstance(seen_pos, Mapping) else {}
    pos_due = positions != seen_pos.get("v") and now - float(seen_pos.get("t") or 0) >= POSITIONS_REFRESH_S
    if events == seen_events and not pos_due:
        raise PreventUpdate
    return (events if events != seen_events else no_update), ({"v": positions, "t": now} if pos_due else no_update)


@wire(Output("dispatch-ver-events", "data"), Output("dispatch-ver-pos", "data"),
      Input("dispatch-tick", "n_intervals"), State("dispatch-ver-events", "data"), State("dispatch-ver-pos", "data"),
      roles=ROLES, prevent_initial_call=True)
def poll(_tick: int, seen_events: str | None, seen_pos: Mapping[str, Any] | None) -> tuple[Any, Any]:
    """Compare the database's version with the page's."""
    events, positions = service.version(get_db())
    return versions_due(events, positions, seen_events, seen_pos, time.time())


def thresholds_of(data: Mapping[str, Any] | None) -> dict[int, tuple[int, int]]:
    out = dict(service.DEFAULT_WAIT_THRESHOLDS)
    for key, pair in (data or {}).items():
        out[int(key)] = (int(pair[0]), int(pair[1]))
    return out


@wire(Output("dispatch-queue", "rowData"), Output("dispatch-units", "rowData"), Output("dispatch-summary", "children"),
      Input("dispatch-ver-events", "data"), State("dispatch-thresholds", "data"), roles=ROLES)
def refresh_board(_version: str | None, thresholds: Mapping[str, Any] | None) -> tuple[Any, Any, Any]:
    lang = current_lang()
    db = get_db()
    board = service.board(db)
    on_it = service.open_incident_units(db)
    return (views.queue_rows(board.incidents, on_it, thresholds_of(thresholds), lang),
            views.unit_rows(board.units, lang), views.board_summary(board, lang))


def routes_for(panel: Any) -> list[dict[str, Any]]:
    """Routes to draw: once units are assigned, only theirs (still on the way); before, the plan's choices."""
    if any(a.active for a in panel.detail.assignments):
        return routes_to_draw(None, panel.moving)
    rec = panel.recommendation
    if not rec:
        return []
    chosen = {u for item in rec.get("plan") or [] for u in item.get("selected") or []}
    routes = routes_to_draw(rec, panel.moving)
    picked = [r for r in routes if r["unit_id"] in chosen] or routes[:3]
    return picked[:RECOMMENDED_ROUTES]


@wire(Output("dispatch-detail", "children"), Output("dispatch-rec", "data"), Output("dispatch-actions", "style"),
      Output("dispatch-close-bar", "style"), Output("dispatch-routing-model", "children"),
      Output("dispatch-plan-summary", "children"), Output("dispatch-close-confirm", "children"),
      Input("dispatch-selected", "data"), Input("dispatch-ver-events", "data"), roles=ROLES)
def refresh_detail(selected: int | None, _version: str | None) -> tuple[Any, ...]:
    """The selected incident's panel; its place and routes go to the map (``dispatch-rec``)."""
    lang = current_lang()
    confirm: Any = [] if ctx.triggered_id in (None, "dispatch-selected") else no_update
    if not selected:
        return views.no_incident(lang), None, HIDDEN, HIDDEN, "", "", confirm
    try:
        panel = service.incident_panel(get_db(), get_resources(), int(selected))
    except EXPECTED as exc:
        return views.error_message(exc, lang), None, HIDDEN, HIDDEN, "", "", confirm
    inc, rec = panel.detail.incident, panel.recommendation
    drawn = {"incident_id": inc.id, "lon": inc.lon, "lat": inc.lat, "routes": routes_for(panel)}
    shown = SHOWN if inc.status == "open" else HIDDEN
    model = views.routing_label(rec.get("routing") if rec else None, lang)
    return (panel_views.detail(panel, lang), drawn, shown, shown, model, panel_views.plan_summary(rec, lang), confirm)


DISPATCH_LEGEND = {"visible": False}


@wire(Output("dispatch-map", "figure"), Output("dispatch-map-base", "data"),
      Input("dispatch-rec", "data"), Input("dispatch-ver-pos", "data"), Input("dispatch-ver-events", "data"),
      Input("dispatch-draft", "data"), State("dispatch-map-base", "data"), roles=ROLES)
def refresh_map(rec: Mapping[str, Any] | None, _pos: Any, _events: str | None,
                draft: Mapping[str, Any] | None, base: Mapping[str, Any] | None) -> tuple[Any, Any]:
    """First call: the whole figure (with the city's base map). Later calls: a Patch of the live slots only."""
    lang = current_lang()
    board = service.board(get_db())
    live = live_traces(board.units, board.incidents, (rec or {}).get("routes") or [], rec, draft, lang)
    closures = [c.to_dict() for c in corrections_service.list_corrections(get_db(), include=("active", "proposed"))]
    live += closure_traces(closures, lang, include_proposed=True, keep_empty=True)
    if base and base.get("lang") == lang:
        patch = Patch()
        for k, trace in enumerate(live):
            patch["data"][int(base["first"]) + k] = trace
        return patch, no_update
    res = get_resources()
    static = build_map_figure(areas=res.area_layers(), facilities=res.facilities(), layers=STATIC_LAYERS, lang=lang,
                              basemap=get_settings().basemap, uirevision="dispatch", roads=service.basemap_roads(res),
                              legend=DISPATCH_LEGEND).to_dict()
    layout = dict(static["layout"], showlegend=False)
    return {"data": static["data"] + live, "layout": layout}, {"first": len(static["data"]), "lang": lang}


def _row_id(cell: Mapping[str, Any] | None) -> int:
    if not cell or cell.get("rowId") in (None, ""):
        raise PreventUpdate
    return int(cell["rowId"])


@wire(Output("dispatch-selected", "data"), Output("dispatch-unit", "data"),
      Input("dispatch-map", "clickData"), Input("dispatch-queue", "cellClicked"),
      Input("dispatch-units", "cellClicked"), State("dispatch-placing", "data"),
      roles=ROLES, prevent_initial_call=True)
def select(click: Mapping[str, Any] | None, queue_cell: Mapping[str, Any] | None,
           unit_cell: Mapping[str, Any] | None, placing: bool | None) -> tuple[Any, Any]:
    """An incident (queue row or marker) or a unit (board row or marker) becomes the selection;
    in placement mode markers select nothing (the click places the pin)."""
    if ctx.triggered_id == "dispatch-queue":
        return _row_id(queue_cell), no_update
    if ctx.triggered_id == "dispatch-units":
        return no_update, _row_id(unit_cell)
    if placing:
        raise PreventUpdate
    data = (click or {}).get("points", [{}])[0].get("customdata")
    if isinstance(data, list) and len(data) == 2 and data[0] == "incident":
        return int(data[1]), no_update
    if isinstance(data, list) and len(data) == 2 and data[0] == "unit":
        return no_update, int(data[1])
    raise PreventUpdate


def _run_action(action: Callable[[], Any], ok_text: tuple[str, str]) -> tuple[Any, Any]:
    """Run one service action; return (message, new events version)."""
    lang = current_lang()
    try:
        action()
    except EXPECTED as exc:
        return views.error_message(exc, lang), no_update
    return views.message(tr(*ok_text, lang), True), service.version(get_db())[0]


def _clicked() -> Any:
    """The pattern-matched button that was really clicked (not just re-rendered with n_clicks 0/None)."""
    trig = ctx.triggered[0] if ctx.triggered else None
    if not (trig and trig.get("value")):
        raise PreventUpdate
    return ctx.triggered_id


@wire(Output("dispatch-action-msg", "children", allow_duplicate=True),
      Output("dispatch-ver-events", "data", allow_duplicate=True),
      Output("dispatch-draft", "data", allow_duplicate=True),
      Input({"type": "dispatch-move", "incident": ALL}, "n_clicks"), State("dispatch-draft", "data"),
      roles=ROLES, prevent_initial_call=True)
def move(_clicks: list[int | None], draft: Mapping[str, Any] | None) -> tuple[Any, Any, Any]:
    """Correct the selected incident's location to the draft pin (audited); the recommendation follows."""
    trig = _clicked()
    lang = current_lang()
    if not draft:
        return views.message(tr("Taruh pin baru dulu (P, lalu klik peta, atau cari/ketik koordinat).",
                                "Place a new pin first (P, then click the map, or search/type coordinates).", lang),
                             False), no_update, no_update
    incident_id = int(trig["incident"])
    msg, version = _run_action(lambda: service.move_incident(get_db(), incident_id, draft["lat"], draft["lon"],
                                                             _actor()),
                               ("Lokasi insiden dikoreksi; rekomendasi dihitung ulang.",
                                "Incident location corrected; recommendation recomputed."))
    return msg, version, (None if version is not no_update else no_update)


@wire(Output("dispatch-action-msg", "children", allow_duplicate=True),
      Output("dispatch-ver-events", "data", allow_duplicate=True),
      Input({"type": "dispatch-propose-closure", "incident": ALL}, "n_clicks"),
      roles=ROLES, prevent_initial_call=True)
def propose_closure(clicks: list[int | None]) -> tuple[Any, Any]:
    """Turn a flood or landslide ticket into a proposed road closure around its place (audited)."""
    trig = _clicked()
    return _run_action(lambda: corrections_service.propose_closure_from_incident(
        get_db(), int(trig["incident"]), _actor()),
        ("Penutupan jalan diusulkan; admin mengaktifkannya di halaman Jaringan jalan.",
         "Road closure proposed; an admin activates it on the Road network page."))


@wire(Output("dispatch-action-msg", "children"), Output("dispatch-ver-events", "data", allow_duplicate=True),
      Input({"type": "dispatch-assign", "unit": ALL, "incident": ALL}, "n_clicks"),
      roles=ROLES, prevent_initial_call=True)
def assign_one(clicks: list[int | None]) -> tuple[Any, Any]:
    trig = _clicked()
    return _run_action(lambda: service.assign_unit(get_db(), int(trig["incident"]), int(trig["unit"]), _actor()),
                       ("Unit ditugaskan.", "Unit assigned."))


@wire(Output("dispatch-action-msg", "children", allow_duplicate=True),
      Output("dispatch-ver-events", "data", allow_duplicate=True),
      Input("dispatch-assign-plan", "n_clicks"), State("dispatch-selected", "data"),
      roles=ROLES, prevent_initial_call=True, running=[(Output("dispatch-assign-plan", "disabled"), True, False)])
def assign_plan(clicks: int, selected: int | None) -> tuple[Any, Any]:
    if not clicks or not selected:
        raise PreventUpdate
    return _run_action(lambda: service.assign_plan(get_db(), get_resources(), int(selected), _actor()),
                       ("Rencana respons ditugaskan.", "Response plan assigned."))


@wire(Output("dispatch-action-msg", "children", allow_duplicate=True),
      Output("dispatch-ver-events", "data", allow_duplicate=True),
      Input({"type": "dispatch-ustatus", "unit": ALL, "status": ALL, "incident": ALL}, "n_clicks"),
      roles=ROLES, prevent_initial_call=True)
def assignment_status(clicks: list[int | None]) -> tuple[Any, Any]:
    trig = _clicked()
    return _run_action(lambda: service.set_unit_status(get_db(), int(trig["unit"]), trig["status"], _actor()),
                       ("Status unit diubah.", "Unit status changed."))


@wire(Output("dispatch-action-msg", "children", allow_duplicate=True),
      Output("dispatch-ver-events", "data", allow_duplicate=True),
      Input({"type": "dispatch-unassign", "unit": ALL, "incident": ALL}, "n_clicks"),
      roles=ROLES, prevent_initial_call=True)
def unassign(clicks: list[int | None]) -> tuple[Any, Any]:
    trig = _clicked()
    return _run_action(lambda: service.unassign(get_db(), int(trig["incident"]), int(trig["unit"]), _actor()),
                       ("Unit dilepas dari insiden.", "Unit taken off the incident."))


@wire(Output("dispatch-action-msg", "children", allow_duplicate=True),
      Output("dispatch-ver-events", "data", allow_duplicate=True),
      Output("dispatch-close-confirm", "children", allow_duplicate=True),
      Input("dispatch-close", "n_clicks"), State("dispatch-selected", "data"), State("dispatch-outcome", "value"),
      roles=ROLES, prevent_initial_call=True)
def close(clicks: int, selected: int | None, outcome: str | None) -> tuple[Any, Any, Any]:
    """Close at once when no unit is active on it; otherwise ask first, naming the active units."""
    if not clicks or not selected:
        raise PreventUpdate
    lang = current_lang()
    try:
        detail = service.get_incident(get_db(), int(selected))
    except EXPECTED as exc:
        return views.error_message(exc, lang), no_update, []
    active = [a for a in detail.assignments if a.active]
    if active:
        return no_update, no_update, panel_views.close_confirm(int(selected), active, outcome or "resolved", lang)
    msg, version = _run_action(lambda: service.close_incident(get_db(), int(selected), outcome, _actor()),
                               ("Insiden ditutup.", "Incident closed."))
    return msg, version, []


@wire(Output("dispatch-action-msg", "children", allow_duplicate=True),
      Output("dispatch-ver-events", "data", allow_duplicate=True),
      Output("dispatch-close-confirm", "children", allow_duplicate=True),
      Input({"type": "dispatch-close-yes", "incident": ALL}, "n_clicks"),
      Input({"type": "dispatch-close-no", "incident": ALL}, "n_clicks"), State("dispatch-outcome", "value"),
      roles=ROLES, prevent_initial_call=True)
def close_confirmed(_yes: list[int | None], _no: list[int | None], outcome: str | None) -> tuple[Any, Any, Any]:
    trig = _clicked()
    if trig["type"] == "dispatch-close-no":
        return no_update, no_update, []
    msg, version = _run_action(lambda: service.close_incident(get_db(), int(trig["incident"]), outcome, _actor()),
                               ("Insiden ditutup; unit dibebaskan.", "Incident closed; units cleared."))
    return msg, version, []


@wire(Output("dispatch-unit-label", "children"),
      *[Output(f"dispatch-unit-status-{s}", "className") for s in BOARD_STATUSES],
      Input("dispatch-unit", "data"), Input("dispatch-ver-events", "data"), roles=ROLES, prevent_initial_call=True)
def show_unit(unit_id: int | None, _version: str | None) -> tuple[Any, ...]:
    """The unit selected on the board; the statuses its type may take next are highlighted."""
    if not unit_id:
        raise PreventUpdate
    lang = current_lang()
    db = get_db()
    try:
        unit = service.unit_state(db, int(unit_id))
        row = service.unit_row(db, int(unit_id))
    except EXPECTED as exc:
        return (views.error_message(exc, lang), *(no_update,) * len(BOARD_STATUSES))
    allowed = views.board_allowed(row.get("unit_type"), unit)
    classes = [f"dsp-small dsp-boardbtn{' dsp-allowed' if s in allowed else ' dsp-dim'}" for s in BOARD_STATUSES]
    return (views.unit_selected(unit, lang), *classes)


@wire(Output("dispatch-action-msg", "children", allow_duplicate=True),
      Output("dispatch-ver-events", "data", allow_duplicate=True),
      [Input(f"dispatch-unit-status-{s}", "n_clicks") for s in BOARD_STATUSES], State("dispatch-unit", "data"),
      roles=ROLES, prevent_initial_call=True)
def board_status(*args: Any) -> tuple[Any, Any]:
    """A status button under the unit board, for the unit selected on the board."""
    *clicks, unit_id = args
    trig = ctx.triggered_id
    if not trig or not any(clicks):
        raise PreventUpdate
    if not unit_id:
        lang = current_lang()
        text = tr("Pilih unit di papan dulu.", "Select a unit on the board first.", lang)
        return views.message(text, False), no_update
    status = str(trig).removeprefix("dispatch-unit-status-")
    return _run_action(lambda: service.set_unit_status(get_db(), int(unit_id), status, _actor()),
                       ("Status unit diubah.", "Unit status changed."))
