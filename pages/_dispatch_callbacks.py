"""Callbacks of the dispatch console (pages/dispatch.py): live versions, worklist, panel, map, call-taking, actions.

Each parses its inputs, calls one service (:mod:`services.incidents`) and renders with
:mod:`pages._dispatch_views` or :mod:`layers.traces`. Live updates: every second a cheap version
query (last event id, last position id) is compared with what the page shows; only a change
refreshes the board and map (moved units alone redraw the map at most every 3 s).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dash import Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from i18n import tr
from incidents.model import Actor, takes_status
from layers.traces import routes_to_draw
from pages import _dispatch_panel_views as panel_views, _dispatch_views as views
from pages._dispatch_layout import BOARD_STATUSES, POSITIONS_REFRESH_S, ROLES
from pages._dispatch_map import MAP_OUTPUTS, MAP_STATES, map_key, map_patch
from pages._wiring import wire
from services import corrections as corrections_service, incidents as service
from web.context import current_user, get_db, get_resources
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


def board_values(thresholds: Mapping[str, Any] | None, lang: str, board: Any = None) -> tuple[Any, Any, Any]:
    """The worklist rows, the unit board rows and the summary line, read now (or of ``board``, read
    by the caller for the map too)."""
    db = get_db()
    board = board if board is not None else service.board(db)
    on_it = service.open_incident_units(db)
    return (views.queue_rows(board.incidents, on_it, thresholds_of(thresholds), lang),
            views.unit_rows(board.units, lang), views.board_summary(board, lang))


@wire(Output("dispatch-queue", "rowData"), Output("dispatch-units", "rowData"), Output("dispatch-summary", "children"),
      Output("dispatch-board-ver", "data"),
      Input("dispatch-need-board", "data"), State("dispatch-thresholds", "data"),
      roles=ROLES, prevent_initial_call=True)
def refresh_board(version: str | None, thresholds: Mapping[str, Any] | None) -> tuple[Any, ...]:
    """Worklist and unit board for the events version. Asked for by the clientside gate
    (assets/refresh_gate.js) only when no action of this console drew them for that version already."""
    return (*board_values(thresholds, current_lang()), version)


#: Where an action of this console draws the board at once (refresh_board would only follow a
#: version change, one round trip later).
BOARD_OUTPUTS = (Output("dispatch-queue", "rowData", allow_duplicate=True),
                 Output("dispatch-units", "rowData", allow_duplicate=True),
                 Output("dispatch-summary", "children", allow_duplicate=True),
                 Output("dispatch-board-ver", "data", allow_duplicate=True))
NO_BOARD = (no_update,) * len(BOARD_OUTPUTS)


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


def detail_values(selected: int | None, on_map: Mapping[str, Any] | None, lang: str) -> tuple[Any, ...]:
    """(panel, map store, actions style, close bar style, routing model, plan summary) of the selected
    incident; the map store is ``no_update`` when ``on_map`` already shows its place and routes."""
    if not selected:
        return views.no_incident(lang), None, HIDDEN, HIDDEN, "", ""
    try:
        panel = service.incident_panel(get_db(), get_resources(), int(selected))
    except EXPECTED as exc:
        return views.error_message(exc, lang), None, HIDDEN, HIDDEN, "", ""
    inc, rec = panel.detail.incident, panel.recommendation
    drawn: Any = {"incident_id": inc.id, "lon": inc.lon, "lat": inc.lat, "routes": routes_for(panel)}
    shown = SHOWN if inc.status == "open" else HIDDEN
    model = views.routing_label(rec.get("routing") if rec else None, lang)
    if on_map == drawn:
        drawn = no_update
    return panel_views.detail(panel, lang), drawn, shown, shown, model, panel_views.plan_summary(rec, lang)


@wire(Output("dispatch-detail", "children"), Output("dispatch-rec", "data"), Output("dispatch-actions", "style"),
      Output("dispatch-close-bar", "style"), Output("dispatch-routing-model", "children"),
      Output("dispatch-plan-summary", "children"), Output("dispatch-detail-ver", "data"),
      Output("dispatch-close-confirm", "children"),
      Input("dispatch-need-detail", "data"), State("dispatch-rec", "data"), roles=ROLES, prevent_initial_call=True)
def refresh_detail(need: Mapping[str, Any] | None, on_map: Mapping[str, Any] | None) -> tuple[Any, ...]:
    """The selected incident's panel; its place and routes go to the map (``dispatch-rec``, left alone
    when the map already shows them: the map is not redrawn for nothing). Asked for by the clientside
    gate (assets/refresh_gate.js) only when the selection or the version differs from what is drawn."""
    if not isinstance(need, Mapping):
        raise PreventUpdate
    selected, version = need.get("selected"), need.get("version")
    if selected is not None and (isinstance(selected, bool) or not isinstance(selected, int)):
        raise PreventUpdate
    confirm: Any = [] if need.get("reselect") else no_update
    return (*detail_values(selected, on_map, current_lang()), [selected, version], confirm)


#: Where an action or a new call draws the incident panel at once (refresh_detail would follow the
#: version or selection change one round trip later); the last one says for which (incident, version).
DETAIL_OUTPUTS = (Output("dispatch-detail", "children", allow_duplicate=True),
                  Output("dispatch-rec", "data", allow_duplicate=True),
                  Output("dispatch-actions", "style", allow_duplicate=True),
                  Output("dispatch-close-bar", "style", allow_duplicate=True),
                  Output("dispatch-routing-model", "children", allow_duplicate=True),
                  Output("dispatch-plan-summary", "children", allow_duplicate=True),
                  Output("dispatch-detail-ver", "data", allow_duplicate=True))
NO_DETAIL = (no_update,) * len(DETAIL_OUTPUTS)


def panel_now(selected: int | None, version: str, lang: str) -> tuple[Any, ...]:
    """The :data:`DETAIL_OUTPUTS` values for ``selected`` as of ``version``."""
    return (*detail_values(selected, None, lang), [selected, version])


def shown_incident(shown: Any) -> int | None:
    """The incident whose panel is on screen (``dispatch-detail-ver``): what the panel's own buttons
    act on, even in the moment before a newer selection's panel is drawn."""
    if isinstance(shown, list | tuple) and shown and isinstance(shown[0], int) and not isinstance(shown[0], bool):
        return int(shown[0])
    return None


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


def answer(version: str, selected: int | None, thresholds: Mapping[str, Any] | None,
           on_map: Sequence[Any] | None, draft: Mapping[str, Any] | None) -> tuple[Any, ...]:
    """The :data:`ACTION_OUTPUTS` values for ``version``: the board, the panel of ``selected`` and,
    when ``on_map`` (the :data:`MAP_STATES` values) is given, the map's changed slots with ``draft``
    as its pin. The map is drawn in the same answer where the routes or the selection change (a new
    call, assign, unassign, close, a corrected location); a status change leaves it to refresh_map,
    so that the board comes first."""
    lang = current_lang()
    board = service.board(get_db())
    panel = panel_now(selected, version, lang)
    figure: Any = no_update
    drawn: Any = no_update
    if on_map is not None:
        base, drawn_before, positions = on_map
        rec = panel[1]
        figure, drawn = map_patch(board, rec, draft, base, drawn_before, map_key(rec, version, draft, positions),
                                  lang)
    return (*board_values(thresholds, lang, board), version, *panel, figure, drawn)


def acted(action: Callable[[], Any], ok_text: tuple[str, str], thresholds: Mapping[str, Any] | None,
          selected: int | None, on_map: Sequence[Any] | None = None,
          draft: Mapping[str, Any] | None = None) -> tuple[Any, ...]:
    """Run one service action; (message, new events version, *:func:`answer`) — the board, the
    selected incident's panel and (``on_map``) the map drawn for that version in the same answer (one
    round trip for the dispatcher), or all left alone when the action was refused."""
    msg, version = _run_action(action, ok_text)
    if version is no_update:
        return msg, no_update, *NO_ACTION
    return msg, version, *answer(version, selected, thresholds, on_map, draft)


def _clicked() -> Any:
    """The pattern-matched button that was really clicked (not just re-rendered with n_clicks 0/None)."""
    trig = ctx.triggered[0] if ctx.triggered else None
    if not (trig and trig.get("value")):
        raise PreventUpdate
    return ctx.triggered_id


#: The incident panel's buttons (pattern ids) that assets/panel_actions.js passes on as one press.
PANEL_BUTTONS: dict[str, tuple[str, ...]] = {
    "dispatch-move": ("incident",),
    "dispatch-move-yes": ("incident", "lat6", "lon6"),
    "dispatch-move-no": ("incident",),
    "dispatch-propose-closure": ("incident",),
    "dispatch-assign": ("unit", "incident"),
    "dispatch-ustatus": ("unit", "status", "incident"),
    "dispatch-unassign": ("unit", "incident"),
    "dispatch-close-yes": ("incident",),
    "dispatch-close-no": ("incident",),
}


def panel_press(action: Any) -> dict[str, Any]:
    """The button press written by assets/panel_actions.js, checked: ``{"type", "incident", ...}`` with
    integer ids. A forged or malformed press does nothing (PreventUpdate)."""
    pressed = action.get("id") if isinstance(action, Mapping) else None
    if not isinstance(pressed, Mapping):
        raise PreventUpdate
    kind = pressed.get("type")
    if not isinstance(kind, str) or kind not in PANEL_BUTTONS:
        raise PreventUpdate
    out: dict[str, Any] = {"type": kind}
    for key in PANEL_BUTTONS[kind]:
        value = pressed.get(key)
        if key == "status":
            if not isinstance(value, str) or not value:
                raise PreventUpdate
            out[key] = value
            continue
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise PreventUpdate
        try:
            out[key] = int(value)
        except ValueError:
            raise PreventUpdate from None
    return out


#: What every action of the console answers with besides its message and the new version.
ACTION_OUTPUTS = (*BOARD_OUTPUTS, *DETAIL_OUTPUTS, *MAP_OUTPUTS)
NO_ACTION = NO_BOARD + NO_DETAIL + (no_update,) * len(MAP_OUTPUTS)


@wire(Output("dispatch-action-msg", "children"),
      Output("dispatch-ver-events", "data", allow_duplicate=True),
      Output("dispatch-draft", "data", allow_duplicate=True),
      Output("dispatch-draft-place", "children", allow_duplicate=True),
      Output("dispatch-close-confirm", "children", allow_duplicate=True),
      *ACTION_OUTPUTS,
      Input("dispatch-panel-action", "data"), State("dispatch-draft", "data"), State("dispatch-outcome", "value"),
      State("dispatch-thresholds", "data"), State("dispatch-selected", "data"), *MAP_STATES, roles=ROLES,
      prevent_initial_call=True)
def panel_action(action: Any, draft: Mapping[str, Any] | None, outcome: str | None,
                 thresholds: Mapping[str, Any] | None, selected: int | None, *on_map: Any) -> tuple[Any, ...]:
    """A button of the incident panel: assign a unit, its next status, unassign, confirm closing,
    correct the location to the draft pin, propose a road closure. Board and panel come with the answer."""
    press = panel_press(action)
    kind, lang, db = press["type"], current_lang(), get_db()

    def say(msg: Any) -> tuple[Any, ...]:   # a message (or a question) in place of an action
        return msg, no_update, no_update, no_update, no_update, *NO_ACTION

    if kind == "dispatch-close-no":
        return no_update, no_update, no_update, no_update, [], *NO_ACTION
    if kind == "dispatch-move-no":
        return say([])
    if kind in ("dispatch-move", "dispatch-move-yes") and not draft:
        return say(views.message(tr("Taruh pin baru dulu (P, lalu klik peta, atau cari/ketik koordinat).",
                                    "Place a new pin first (P, then click the map, or search/type coordinates).",
                                    lang), False))
    if kind == "dispatch-move":   # ask first, naming both places (the pin may be a new call's)
        assert draft is not None
        try:
            detail = service.get_incident(db, press["incident"])
        except EXPECTED as exc:
            return say(views.error_message(exc, lang))
        return say(panel_views.move_confirm(detail.incident, draft, lang))
    if kind == "dispatch-move-yes" and panel_views.pin_key(draft) != (press["lat6"], press["lon6"]):
        return say(views.message(tr("Pin sudah berpindah sejak pertanyaan tadi; tekan “Koreksi lokasi” lagi.",
                                    "The pin has moved since the question; press “Move to the new pin” again.",
                                    lang), False))
    draft_out: Any = no_update
    confirm: Any = no_update
    if kind == "dispatch-close-yes":
        confirm = []
        result = acted(lambda: service.close_incident(db, press["incident"], outcome, _actor()),
                       ("Insiden ditutup; unit dibebaskan.", "Incident closed; units cleared."), thresholds, selected,
                       on_map, draft)
    elif kind == "dispatch-move-yes":
        assert draft is not None
        result = acted(lambda: service.move_incident(db, press["incident"], draft["lat"], draft["lon"], _actor()),
                       ("Lokasi insiden dikoreksi; rekomendasi dihitung ulang.",
                        "Incident location corrected; recommendation recomputed."), thresholds, selected,
                       on_map, None)
        draft_out = None if result[1] is not no_update else no_update   # the pin is used up
    elif kind == "dispatch-propose-closure":
        result = acted(lambda: corrections_service.propose_closure_from_incident(db, press["incident"], _actor()),
                       ("Penutupan jalan diusulkan; admin mengaktifkannya di halaman Jaringan jalan.",
                        "Road closure proposed; an admin activates it on the Road network page."), thresholds,
                       selected)
    elif kind == "dispatch-assign":
        result = acted(lambda: service.assign_unit(db, press["incident"], press["unit"], _actor()),
                       ("Unit ditugaskan.", "Unit assigned."), thresholds, selected, on_map, draft)
    elif kind == "dispatch-ustatus":
        result = acted(lambda: service.set_unit_status(db, press["unit"], press["status"], _actor()),
                       ("Status unit diubah.", "Unit status changed."), thresholds, selected)
    else:  # dispatch-unassign
        result = acted(lambda: service.unassign(db, press["incident"], press["unit"], _actor()),
                       ("Unit dilepas dari insiden.", "Unit taken off the incident."), thresholds, selected,
                       on_map, draft)
    msg, version, *rest = result
    place = views.no_place(lang) if draft_out is None else no_update
    return msg, version, draft_out, place, confirm, *rest


@wire(Output("dispatch-action-msg", "children", allow_duplicate=True),
      Output("dispatch-ver-events", "data", allow_duplicate=True), *ACTION_OUTPUTS,
      Input("dispatch-assign-plan", "n_clicks"), State("dispatch-detail-ver", "data"),
      State("dispatch-thresholds", "data"), State("dispatch-draft", "data"), *MAP_STATES,
      roles=ROLES, prevent_initial_call=True, running=[(Output("dispatch-assign-plan", "disabled"), True, False)])
def assign_plan(clicks: int, shown: Any, thresholds: Mapping[str, Any] | None, draft: Mapping[str, Any] | None,
                *on_map: Any) -> tuple[Any, ...]:
    """Assign the plan of the incident whose panel is shown (the button is in that panel)."""
    selected = shown_incident(shown)
    if not clicks or not selected:
        raise PreventUpdate
    return acted(lambda: service.assign_plan(get_db(), get_resources(), int(selected), _actor()),
                 ("Rencana respons ditugaskan.", "Response plan assigned."), thresholds, selected, on_map, draft)


@wire(Output("dispatch-action-msg", "children", allow_duplicate=True),
      Output("dispatch-ver-events", "data", allow_duplicate=True),
      Output("dispatch-close-confirm", "children", allow_duplicate=True), *ACTION_OUTPUTS,
      Input("dispatch-close", "n_clicks"), State("dispatch-detail-ver", "data"), State("dispatch-outcome", "value"),
      State("dispatch-thresholds", "data"), State("dispatch-draft", "data"), *MAP_STATES, roles=ROLES,
      prevent_initial_call=True)
def close(clicks: int, shown: Any, outcome: str | None, thresholds: Mapping[str, Any] | None,
          draft: Mapping[str, Any] | None, *on_map: Any) -> tuple[Any, ...]:
    """Close the incident whose panel is shown at once when no unit is active on it; otherwise ask
    first, naming the active units."""
    selected = shown_incident(shown)
    if not clicks or not selected:
        raise PreventUpdate
    lang = current_lang()
    try:
        detail = service.get_incident(get_db(), int(selected))
    except EXPECTED as exc:
        return views.error_message(exc, lang), no_update, [], *NO_ACTION
    active = [a for a in detail.assignments if a.active]
    if active:
        return (no_update, no_update, panel_views.close_confirm(int(selected), active, outcome or "resolved", lang),
                *NO_ACTION)
    msg, version, *rest = acted(lambda: service.close_incident(get_db(), int(selected), outcome, _actor()),
                                ("Insiden ditutup.", "Incident closed."), thresholds, selected, on_map, draft)
    return msg, version, [], *rest


@wire(Output("dispatch-unit-label", "children"),
      *[Output(f"dispatch-unit-status-{s}", "className") for s in BOARD_STATUSES],
      *[Output(f"dispatch-unit-status-{s}", "disabled") for s in BOARD_STATUSES],
      *[Output(f"dispatch-unit-status-{s}", "hidden") for s in BOARD_STATUSES],
      Input("dispatch-need-unit", "data"), roles=ROLES, prevent_initial_call=True)
def show_unit(need: Mapping[str, Any] | None) -> tuple[Any, ...]:
    """The unit selected on the board; only the statuses its type may take next can be pressed, and
    a status its type never takes (patient transport for a fire engine) is not shown (asked for by the
    clientside gate when a unit is selected and on every version change while it is)."""
    unit_id = need.get("unit") if isinstance(need, Mapping) else None
    if not unit_id or isinstance(unit_id, bool) or not isinstance(unit_id, int):
        raise PreventUpdate
    lang = current_lang()
    db = get_db()
    try:
        unit = service.unit_state(db, int(unit_id))
        row = service.unit_row(db, int(unit_id))
    except EXPECTED as exc:
        return (views.error_message(exc, lang), *(no_update,) * (3 * len(BOARD_STATUSES)))
    unit_type = row.get("unit_type")
    allowed = views.board_allowed(unit_type, unit)
    classes = [f"dsp-small dsp-boardbtn{' dsp-allowed' if s in allowed else ' dsp-dim'}" for s in BOARD_STATUSES]
    disabled = [s not in allowed for s in BOARD_STATUSES]
    hidden = [not takes_status(unit_type, s) for s in BOARD_STATUSES]
    return (views.unit_selected(unit, lang), *classes, *disabled, *hidden)


@wire(Output("dispatch-action-msg", "children", allow_duplicate=True),
      Output("dispatch-ver-events", "data", allow_duplicate=True), *ACTION_OUTPUTS,
      [Input(f"dispatch-unit-status-{s}", "n_clicks") for s in BOARD_STATUSES], State("dispatch-unit", "data"),
      State("dispatch-thresholds", "data"), State("dispatch-selected", "data"), roles=ROLES, prevent_initial_call=True)
def board_status(*args: Any) -> tuple[Any, ...]:
    """A status button under the unit board, for the unit selected on the board."""
    *clicks, unit_id, thresholds, selected = args
    trig = ctx.triggered_id
    if not trig or not any(clicks):
        raise PreventUpdate
    if not unit_id:
        lang = current_lang()
        text = tr("Pilih unit di papan dulu.", "Select a unit on the board first.", lang)
        return views.message(text, False), no_update, *NO_ACTION
    status = str(trig).removeprefix("dispatch-unit-status-")
    return acted(lambda: service.set_unit_status(get_db(), int(unit_id), status, _actor()),
                 ("Status unit diubah.", "Unit status changed."), thresholds, selected)
