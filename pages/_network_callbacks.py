"""Callbacks of the network admin page (pages/network.py): clicking points, saving, retiring, the map.

Every callback is for administrators only. Each parses its inputs, calls one service
(:mod:`services.corrections` to store, :mod:`services.network` to read) and renders with
:mod:`pages._network_views` and :mod:`layers.network_traces`. A save bumps ``network-version``,
which redraws the map and the list; every worker routes with the change within seconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from dash import ALL, Input, Output, Patch, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from field_errors import FieldError, ValidationFailed
from i18n import WITA, fmt_num, tr
from incidents.model import Actor
from layers.map_figure import build_map_figure
from layers.network_traces import (
    closure_traces,
    connector_traces,
    draft_trace,
    dropped_traces,
    shipped_connector_traces,
)
from layers.projection import to_utm
from pages import _network_views as views
from pages._network_layout import ROLES
from pages._wiring import wire
from services import corrections as corrections_service, network as network_service
from web.context import current_user, get_db, get_resources, get_settings
from web.errors import EXPECTED
from web.lang import current_lang

MODES = ("connector", "closure_area", "closure_line")
#: Accepted from–until formats (WITA).
TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%d-%m-%Y %H:%M", "%Y-%m-%d")


def _actor() -> Actor:
    user = current_user()
    assert user is not None  # guarded by the callback's roles
    return Actor(user.username, user.id)


# --- pure helpers (tested directly) -----------------------------------------------------------------
def parse_wita(text: Any, field: str) -> str | None:
    """A from/until input (WITA, ``YYYY-MM-DD HH:MM``) as an ISO time with +08:00; empty → None.

    Raises
    ------
    ValidationFailed
        For ``field`` when the text is not such a time.
    """
    if text in (None, ""):
        return None
    value = str(text).strip()
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=WITA).isoformat()
        except ValueError:
            continue
    raise ValidationFailed([FieldError(field, "format waktu: TTTT-BB-HH JJ:MM (WITA)",
                                       "time format: YYYY-MM-DD HH:MM (WITA)")])


def closure_body(draft: Sequence[Sequence[float]] | None, mode: str | None, reason: Any, name: Any,
                 starts: Any, ends: Any) -> dict[str, Any]:
    """The service's input for a drawn closure; refuses (per field) what the page can tell is wrong."""
    points = [list(p)[:2] for p in draft or []]
    errors: list[FieldError] = []
    geometry: dict[str, Any] | None = None
    if mode == "closure_line":
        if len(points) < 2:
            errors.append(FieldError("geometry", "klik minimal dua titik di sepanjang jalan",
                                     "click at least two points along the road"))
        else:
            geometry = {"type": "LineString", "coordinates": points}
    else:
        if len(points) < 3:
            errors.append(FieldError("geometry", "klik minimal tiga titik untuk batas area",
                                     "click at least three points for the area's outline"))
        else:
            geometry = {"type": "Polygon", "coordinates": [[*points, points[0]]]}
    times: dict[str, str | None] = {}
    for field, text in (("starts_at", starts), ("ends_at", ends)):
        try:
            times[field] = parse_wita(text, field)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    return {"kind": "closure", "geometry": geometry, "reason": reason, "name": name or "", **times}


def _number(value: Any) -> Any:
    return None if value in (None, "") else value


def connector_body(draft: Sequence[Sequence[float]] | None, kind: Any, name: Any, speed: Any, length: Any,
                   crossing_min: Any, waiting_min: Any, source: Any) -> dict[str, Any]:
    """The service's input for a clicked connector; refuses a missing end per field."""
    points = [list(p)[:2] for p in draft or []]
    errors = [FieldError(field, "klik titik ini di peta", "click this point on the map")
              for k, field in enumerate(("a", "b")) if len(points) <= k]
    if len(points) > 2:
        errors.append(FieldError("b", "penghubung punya tepat dua titik; mulai ulang",
                                 "a connector has exactly two points; start again"))
    if errors:
        raise ValidationFailed(errors)
    body: dict[str, Any] = {"kind": "connector", "connector_kind": kind, "a": points[0], "b": points[1],
                            "name": name or "", "source": source or ""}
    for field, value, scale in (("speed_kmh", speed, 1.0), ("length_m", length, 1.0),
                                ("crossing_s", crossing_min, 60.0), ("waiting_s", waiting_min, 60.0)):
        value = _number(value)
        body[field] = value * scale if isinstance(value, (int, float)) and not isinstance(value, bool) else value
    if kind == "ferry":
        body.pop("speed_kmh")
    return body


def draft_text(draft: Sequence[Sequence[float]] | None, mode: str | None, lang: str) -> str:
    """What has been clicked and what to click next."""
    points = list(draft or [])
    n = len(points)
    if mode == "connector":
        if n == 0:
            return tr("Klik titik pertama penghubung di peta.", "Click the connector's first point on the map.", lang)
        if n == 1:
            return tr("Klik titik kedua penghubung.", "Click the connector's second point.", lang)
        x, y = to_utm([points[0][0], points[1][0]], [points[0][1], points[1][1]])
        gap = fmt_num(float(((x[0] - x[1]) ** 2 + (y[0] - y[1]) ** 2) ** 0.5), lang)
        return tr(f"Dua titik dipilih, berjarak {gap} m. Isi formulir lalu simpan.",
                  f"Two points chosen, {gap} m apart. Fill in the form and save.", lang)
    need = 3 if mode == "closure_area" else 2
    count = fmt_num(n, lang)
    if n < need:
        return tr(f"{count} titik diklik; perlu minimal {need}.", f"{count} points clicked; at least {need} needed.",
                  lang)
    return tr(f"{count} titik diklik. Isi formulir lalu simpan.", f"{count} points clicked. Fill in the form and save.",
              lang)


# --- callbacks --------------------------------------------------------------------------------------------
@wire(Output("network-draft", "data", allow_duplicate=True), Output("network-mode", "value"),
      Input({"type": "network-join", "index": ALL}, "n_clicks"), State("network-joins", "data"),
      roles=ROLES, prevent_initial_call=True)
def join_piece(clicks: list[int | None], joins: list | None) -> tuple[Any, Any]:
    """'Connect' on a dropped piece: its nearest pair of points becomes a connector's two ends."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, Mapping) or not any(clicks or []):
        raise PreventUpdate
    index = int(trigger["index"])
    pair = (joins or [])[index] if 0 <= index < len(joins or []) else None
    if not pair:
        raise PreventUpdate
    return [list(pair[0]), list(pair[1])], "connector"


@wire(Output("network-draft-text", "children"), Output("network-connector-form", "style"),
      Output("network-closure-form", "style"), Input("network-draft", "data"), Input("network-mode", "value"),
      roles=ROLES)
def show_mode(draft: list | None, mode: str | None) -> tuple[Any, Any, Any]:
    lang = current_lang()
    shown, hidden = {"display": "block"}, {"display": "none"}
    connector = mode == "connector"
    return draft_text(draft, mode, lang), shown if connector else hidden, hidden if connector else shown


@wire(Output("network-map", "figure"), Output("network-map-base", "data"),
      Input("network-version", "data"), Input("network-draft", "data"), Input("network-mode", "value"),
      State("network-map-base", "data"), roles=ROLES)
def refresh_map(version: int | None, draft: list | None, mode: str | None,
                base: Mapping[str, Any] | None) -> tuple[Any, Any]:
    """The whole map on load and after a change; a click only replaces the clicked-points trace."""
    lang = current_lang()
    drawn = draft_trace(draft or [], mode or "connector", lang)
    if (base and base.get("lang") == lang and base.get("version") == version
            and ctx.triggered_id in ("network-draft", "network-mode")):
        patch = Patch()
        patch["data"][int(base["draft"])] = drawn
        return patch, no_update
    res = get_resources()
    view = network_service.overview(get_db(), res)
    rows = [c.to_dict() for c in view.corrections]
    extra = [*dropped_traces([p.to_dict() for p in view.dropped], lang),
             *shipped_connector_traces(view.shipped_connectors, lang), *connector_traces(rows, lang),
             *closure_traces(rows, lang, include_proposed=True, include_scheduled=True), drawn]
    figure = build_map_figure(areas=res.area_layers(), lang=lang, layers=("kecamatan", "kelurahan", "labels"),
                              basemap=get_settings().basemap, extra_traces=extra, uirevision="network").to_dict()
    return figure, {"draft": len(figure["data"]) - 1, "lang": lang, "version": version}


@wire(Output("network-corrections", "children"), Output("network-info", "children"),
      Input("network-version", "data"), roles=ROLES, prevent_initial_call=True)
def refresh_list(_version: int | None) -> tuple[Any, Any]:
    lang = current_lang()
    view = network_service.overview(get_db(), get_resources())
    return views.corrections_table(view.corrections, lang), views.network_card(view, lang).children


def _saved(kind_id: str, kind_en: str, correction_id: int, lang: str) -> Any:
    get_resources().refresh_now()
    return views.ok(tr(f"{kind_id} #{correction_id} disimpan; rekomendasi berikutnya memakainya dalam beberapa detik.",
                       f"{kind_en} #{correction_id} saved; the next recommendations use it within seconds.", lang))


@wire(Output("network-msg", "children"), Output("network-version", "data", allow_duplicate=True),
      Output("network-draft", "data", allow_duplicate=True),
      Input("network-connector-save", "n_clicks"), State("network-draft", "data"),
      State("network-conn-kind", "value"), State("network-conn-name", "value"), State("network-conn-speed", "value"),
      State("network-conn-length", "value"), State("network-conn-crossing", "value"),
      State("network-conn-waiting", "value"), State("network-conn-source", "value"), State("network-version", "data"),
      roles=ROLES, prevent_initial_call=True)
def save_connector(clicks: int, draft: list | None, kind: Any, name: Any, speed: Any, length: Any, crossing: Any,
                   waiting: Any, source: Any, version: int | None) -> tuple[Any, Any, Any]:
    if not clicks:
        raise PreventUpdate
    lang = current_lang()
    try:
        body = connector_body(draft, kind, name, speed, length, crossing, waiting, source)
        view = corrections_service.create_correction(get_db(), body, _actor())
    except EXPECTED as exc:
        return views.failure(exc, lang), no_update, no_update
    return _saved("Penghubung", "Connector", view.id, lang), (version or 0) + 1, []


@wire(Output("network-msg", "children", allow_duplicate=True),
      Output("network-version", "data", allow_duplicate=True), Output("network-draft", "data", allow_duplicate=True),
      Input("network-closure-save", "n_clicks"), State("network-draft", "data"), State("network-mode", "value"),
      State("network-closure-reason", "value"), State("network-closure-name", "value"),
      State("network-closure-from", "value"), State("network-closure-until", "value"),
      State("network-version", "data"), roles=ROLES, prevent_initial_call=True)
def save_closure(clicks: int, draft: list | None, mode: str | None, reason: Any, name: Any, starts: Any, ends: Any,
                 version: int | None) -> tuple[Any, Any, Any]:
    if not clicks:
        raise PreventUpdate
    lang = current_lang()
    try:
        body = closure_body(draft, mode, reason, name, starts, ends)
        view = corrections_service.create_correction(get_db(), body, _actor())
    except EXPECTED as exc:
        return views.failure(exc, lang), no_update, no_update
    return _saved("Penutupan", "Closure", view.id, lang), (version or 0) + 1, []


@wire(Output("network-factor-msg", "children"), Output("network-version", "data", allow_duplicate=True),
      Input("network-factor-save", "n_clicks"), State("network-factor-class", "value"),
      State("network-factor-start", "value"), State("network-factor-end", "value"),
      State("network-factor-value", "value"), State("network-factor-reason", "value"),
      State("network-version", "data"), roles=ROLES, prevent_initial_call=True)
def save_factor(clicks: int, road_class: Any, start: Any, end: Any, factor: Any, reason: Any,
                version: int | None) -> tuple[Any, Any]:
    if not clicks:
        raise PreventUpdate
    lang = current_lang()
    body = {"kind": "speed_factor", "road_class": road_class, "start_hour": start, "end_hour": end,
            "factor": factor, "reason": reason or ""}
    try:
        view = corrections_service.create_correction(get_db(), body, _actor())
    except EXPECTED as exc:
        return views.failure(exc, lang), no_update
    return _saved("Faktor kecepatan", "Speed factor", view.id, lang), (version or 0) + 1


@wire(Output("network-list-msg", "children"), Output("network-version", "data", allow_duplicate=True),
      Input({"type": "network-retire", "index": ALL}, "n_clicks"),
      Input({"type": "network-activate", "index": ALL}, "n_clicks"), State("network-version", "data"),
      roles=ROLES, prevent_initial_call=True)
def change_status(_retire: list[int | None], _activate: list[int | None], version: int | None) -> tuple[Any, Any]:
    """Retire (take out of use) or activate (a proposal) one stored correction."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, Mapping) or not (ctx.triggered and ctx.triggered[0].get("value")):
        raise PreventUpdate
    lang = current_lang()
    correction_id = int(trigger["index"])
    try:
        if trigger["type"] == "network-retire":
            corrections_service.retire_correction(get_db(), correction_id, _actor())
            text = tr(f"Koreksi #{correction_id} dicabut.", f"Correction #{correction_id} retired.", lang)
        else:
            corrections_service.activate_correction(get_db(), correction_id, _actor())
            text = tr(f"Koreksi #{correction_id} diaktifkan.", f"Correction #{correction_id} activated.", lang)
    except EXPECTED as exc:
        return views.failure(exc, lang), no_update
    get_resources().refresh_now()
    return html.Span(text, className="k112-ok", id="network-list-ok"), (version or 0) + 1
