"""Call-taking callbacks of the dispatch console: place search, the draft pin, type and priority,
create (idempotent, duplicate check first) and attach a call to an open incident."""


from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from dash import ALL, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from i18n import tr
from pages import _dispatch_views as views
from pages._dispatch_callbacks import ACTION_OUTPUTS, MAP_STATES, _actor, _clicked, answer
from pages._dispatch_layout import ROLES, new_form_key
from pages._dispatch_map import MAP_OUTPUTS, pin_patch
from pages._wiring import wire
from services import incidents as service
from web.context import current_user, get_db, get_resources
from web.errors import EXPECTED
from web.lang import current_lang


@wire(Output("dispatch-search-results", "children"), Output("dispatch-search-hits", "data"),
      Input("dispatch-search-go", "n_clicks"), Input("dispatch-search", "n_submit"), State("dispatch-search", "value"),
      roles=ROLES, prevent_initial_call=True)
def search(_clicks: int, _submit: int | None, query: str | None) -> tuple[Any, Any]:
    lang = current_lang()
    try:
        hits = service.search_places(get_db(), query)
    except EXPECTED as exc:
        return views.error_message(exc, lang), []
    return views.search_results(hits, lang), [{"lon": h["lon"], "lat": h["lat"], "name": h["name"]} for h in hits]


def draft_source(trigger: Any, click: Mapping[str, Any] | None, place_clicks: list[int | None],
                 hits: list[dict[str, Any]] | None, lat_text: str | None, lon_text: str | None,
                 lang: str) -> tuple[Any, Any, str]:
    """(lat, lon, where it came from) of the input that fired: a map click, a search hit, typed text."""
    if trigger == "dispatch-click":
        if not click:
            raise PreventUpdate
        return click["lat"], click["lon"], tr("klik peta", "map click", lang)
    if isinstance(trigger, Mapping) and trigger.get("type") == "dispatch-hint":   # "did you mean …?" taken
        _clicked()
        return int(trigger["lat6"]) / 1e6, int(trigger["lon6"]) / 1e6, tr("koordinat", "coordinates", lang)
    if isinstance(trigger, Mapping) and trigger.get("type") == "dispatch-place":
        index = int(trigger["index"])
        if not hits or index >= len(hits) or not (place_clicks and place_clicks[index]):
            raise PreventUpdate
        return hits[index]["lat"], hits[index]["lon"], hits[index]["name"]
    return lat_text, lon_text, tr("koordinat", "coordinates", lang)


@wire(Output("dispatch-draft", "data"), Output("dispatch-draft-place", "children"),
      Output("dispatch-create-msg", "children", allow_duplicate=True),
      Output("dispatch-lat", "value", allow_duplicate=True), Output("dispatch-lon", "value", allow_duplicate=True),
      *MAP_OUTPUTS,
      Input("dispatch-click", "data"), Input({"type": "dispatch-place", "index": ALL}, "n_clicks"),
      Input("dispatch-coords-go", "n_clicks"), Input("dispatch-lat", "n_submit"), Input("dispatch-lon", "n_submit"),
      Input({"type": "dispatch-hint", "lat6": ALL, "lon6": ALL}, "n_clicks"),
      State("dispatch-search-hits", "data"), State("dispatch-lat", "value"), State("dispatch-lon", "value"),
      State("dispatch-draft", "data"), State("dispatch-map-base", "data"), State("dispatch-map-drawn", "data"),
      roles=ROLES, prevent_initial_call=True)
def place_draft(click: Mapping[str, Any] | None, place_clicks: list[int | None], coords_text: int,
                _lat_submit: int | None, _lon_submit: int | None, _hint_clicks: list[int | None],
                hits: list[dict[str, Any]] | None, lat_text: str | None, lon_text: str | None,
                previous: Mapping[str, Any] | None, base: Mapping[str, Any] | None,
                drawn: Mapping[str, Any] | None) -> tuple[Any, ...]:
    """Check the chosen point by the placement rule and name its kelurahan/kecamatan at once; the
    answer names the place and draws the pin on the map too (:func:`pin_patch`: one round trip, no
    board query). A refused point clears the pin and says why. The call-taking message (a duplicate
    prompt for the previous point, the last call's result) is cleared: a new point is a new question.

    The first placement of a call stamps when the dispatcher started taking it (kept with the draft and
    sent as the call's answered time, so processing time is measured from it).
    """
    lang = current_lang()
    trigger = ctx.triggered_id
    lat, lon, source = draft_source(trigger, click, place_clicks, hits, lat_text, lon_text, lang)
    # a taken suggestion is written into the fields: they show the point that is used
    fields: tuple[Any, Any] = (no_update, no_update)
    if isinstance(trigger, Mapping) and trigger.get("type") == "dispatch-hint":
        fields = (f"{lat:.6f}".rstrip("0"), f"{lon:.6f}".rstrip("0"))
    try:
        placed = service.place_incident(get_db(), get_resources(), lat, lon)
    except EXPECTED as exc:
        refused = views.refusal(exc, service.placement_hint(lat, lon), lang)
        return None, refused, [], *fields, *pin_patch(None, base, drawn, lang)
    started = (previous or {}).get("call_started_at") or datetime.now(UTC).isoformat(timespec="seconds")
    draft = {**views.draft_of(placed, source), "call_started_at": started}
    return draft, views.place_text(draft, lang), [], *fields, *pin_patch(draft, base, drawn, lang)


@wire(Output("dispatch-draft-place", "children", allow_duplicate=True),
      Input("dispatch-map-base", "data"), State("dispatch-draft", "data"), roles=ROLES, prevent_initial_call=True)
def show_place(_base: Any, draft: Mapping[str, Any] | None) -> Any:
    """The place of a draft kept in the browser (a reload), once the page's map is built; every
    later change of the draft answers with its place itself (place_draft, create, attach, move)."""
    lang = current_lang()
    if draft and draft.get("lat") is not None:
        return views.place_text(draft, lang)
    return views.no_place(lang)


#: Outputs that a taken call resets (create and attach): the form, the draft, a new idempotency key.
_RESET = (Output("dispatch-selected", "data", allow_duplicate=True),
          Output("dispatch-ver-events", "data", allow_duplicate=True),
          Output("dispatch-draft", "data", allow_duplicate=True),
          Output("dispatch-description", "value"), Output("dispatch-phone", "value"),
          Output("dispatch-type-value", "data"), Output("dispatch-priority", "value", allow_duplicate=True),
          Output("dispatch-form-key", "data"), Output("dispatch-placing", "data", allow_duplicate=True),
          Output("dispatch-draft-place", "children", allow_duplicate=True),
          Output("dispatch-close-confirm", "children", allow_duplicate=True),
          Output("dispatch-lat", "value", allow_duplicate=True), Output("dispatch-lon", "value", allow_duplicate=True),
          *ACTION_OUTPUTS)


def _reset(incident_id: int, thresholds: Mapping[str, Any] | None, on_map: tuple[Any, ...]) -> tuple[Any, ...]:
    """The :data:`_RESET` values: the call's incident selected, its panel, the board and the map
    (``on_map``: the :data:`MAP_STATES`) drawn at once, the pin gone."""
    version = service.version(get_db())[0]
    return (incident_id, version, None, "", "", None, None, new_form_key(), False, views.no_place(current_lang()), [],
            "", "", *answer(version, incident_id, thresholds, on_map, None))


#: A draft started longer ago than this (e.g. left overnight) does not date the call.
CALL_START_MAX_AGE_S = 2 * 3600


def _recent(stamp: Any) -> str | None:
    """The draft's call-start stamp when it is plausible for the call being created, else None."""
    try:
        at = datetime.fromisoformat(str(stamp))
    except ValueError:
        return None
    age_s = (datetime.now(UTC) - at).total_seconds()
    return str(stamp) if at.tzinfo is not None and 0 <= age_s <= CALL_START_MAX_AGE_S else None


def _form_data(draft: Mapping[str, Any], type_code: str | None, priority: int | None, description: str | None,
               phone: str | None) -> dict[str, Any]:
    started = _recent(draft.get("call_started_at"))
    return {"lat": draft["lat"], "lon": draft["lon"], "type": type_code, "priority": priority,
            "description": description or None, "caller_phone": phone or None,
            "call_received_at": started, "call_answered_at": started}


def _idempotency(key: str | None, body: Mapping[str, Any]) -> Any:
    user = current_user()
    if not key or user is None:
        return None
    return service.IdempotencyKey(key=str(key), principal=f"user:{user.username}",
                                  request_hash=service.request_hash(body))


@wire(Output("dispatch-create-msg", "children"), *_RESET,
      Input("dispatch-create", "n_clicks"), Input({"type": "dispatch-create-anyway", "index": ALL}, "n_clicks"),
      State("dispatch-draft", "data"), State("dispatch-type-value", "data"),
      State("dispatch-priority", "value"), State("dispatch-description", "value"), State("dispatch-phone", "value"),
      State("dispatch-form-key", "data"), State("dispatch-thresholds", "data"), *MAP_STATES,
      roles=ROLES, prevent_initial_call=True, running=[(Output("dispatch-create", "disabled"), True, False)])
def create(clicks: int, _anyway: list[int | None], draft: Mapping[str, Any] | None, type_code: str | None,
           priority: int | None, description: str | None, phone: str | None, key: str | None,
           thresholds: Mapping[str, Any] | None, *on_map: Any) -> tuple[Any, ...]:
    """Check for an open incident this call probably reports again (offer to attach the call), else
    create the incident at the draft place (once per form: the form's idempotency key); select it
    and reset the form."""
    lang = current_lang()
    # only a press counts: the callback also runs when the duplicate prompt's buttons go away (after
    # an attach or a create), and the create button's n_clicks is still > 0 then
    force = isinstance(ctx.triggered_id, Mapping)
    if force:
        _clicked()
    elif not (ctx.triggered_id == "dispatch-create" and clicks):
        raise PreventUpdate
    unchanged = (no_update,) * len(_RESET)
    if not draft:
        return (views.message(tr("Pilih lokasi dulu (klik peta, cari, atau ketik koordinat).",
                                 "Choose a location first (click the map, search, or type coordinates).", lang), False),
                *unchanged)
    data = _form_data(draft, type_code, priority, description, phone)
    db, res = get_db(), get_resources()
    if not force:
        candidates = service.duplicate_candidates(db, res, data)
        if candidates:
            return (views.duplicate_prompt(candidates, lang), *unchanged)
    try:
        incident = service.create_from_input(db, res, data, _actor(), idempotency=_idempotency(key, data))
    except EXPECTED as exc:
        return (views.error_message(exc, lang), *unchanged)
    return (views.created(incident, lang), *_reset(incident.id, thresholds, on_map))


@wire(Output("dispatch-create-msg", "children", allow_duplicate=True), *_RESET,
      Input({"type": "dispatch-attach", "incident": ALL}, "n_clicks"),
      State("dispatch-description", "value"), State("dispatch-phone", "value"), State("dispatch-form-key", "data"),
      State("dispatch-thresholds", "data"), *MAP_STATES, roles=ROLES, prevent_initial_call=True)
def attach(_clicks: list[int | None], description: str | None, phone: str | None, key: str | None,
           thresholds: Mapping[str, Any] | None, *on_map: Any) -> tuple[Any, ...]:
    """Record this call on the open incident it reports again (no new incident); select that one."""
    trig = _clicked()
    lang = current_lang()
    data = {"caller_phone": phone or None, "description": description or None}
    incident_id = int(trig["incident"])
    try:
        incident = service.attach_call(get_db(), incident_id, data, _actor(),
                                       idempotency=_idempotency(key, {"attach": incident_id, **data}))
    except EXPECTED as exc:
        return (views.error_message(exc, lang), *(no_update,) * len(_RESET))
    return (views.attached(incident, lang), *_reset(incident.id, thresholds, on_map))


