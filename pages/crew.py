"""The crew page (role crew, phone-sized): the unit's current job, its route, big status buttons, GPS."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from i18n import fmt_num, fmt_wita
from incidents import labels
from incidents.model import Actor, next_statuses
from layers.map_figure import build_map_figure, fit_view
from layers.traces import route_line
from pages import _crew_moveup
from pages._wiring import register
from services import incidents as service
from web.auth import callback_roles, page_guard
from web.context import area_layers, current_user, get_db, get_resources, get_settings
from web.errors import EXPECTED, user_message
from web.lang import current_lang, tr

dash.register_page(__name__, path="/crew", name="Kru", title="Kendari 112 — Kru")

ROLES = ("crew",)
POLL_MS = 3000
#: Every status button; a unit sees only those it may take next (by its status and type).
BUTTONS = ("en_route", "on_scene", "transporting", "at_hospital", "cleared", "out_of_service", "available")
#: Map size on a phone, in CSS pixels, used to fit the route (see assets/dispatch.css .crew-map).
MAP_PX = (340.0, 300.0)
MAX_ZOOM = 15.0


def _unit_id(query_unit: Any = None) -> int | None:
    """The crew's unit (users.unit_id); an administrator may open any unit with ``?unit=``."""
    user = current_user()
    if user is None:
        return None
    if user.unit_id:
        return int(user.unit_id)
    if user.role == "admin" and query_unit not in (None, ""):
        try:
            return int(query_unit)
        except (TypeError, ValueError):
            return None
    return None


def layout(unit: str | None = None, **_: Any) -> Any:
    denied = page_guard(*ROLES)
    if denied is not None:
        return denied
    unit_id = _unit_id(unit)
    if unit_id is None:
        return html.Div(tr("Akun ini tidak terhubung ke unit mana pun. Hubungi administrator.",
                           "This account is not linked to a unit. Ask an administrator."),
                        className="k112-card k112-error", id="crew-no-unit")
    lang = current_lang()
    return html.Div([
        dcc.Store(id="crew-unit", data=unit_id),
        dcc.Store(id="crew-ver", data=service.version(get_db())[0]),
        dcc.Store(id="crew-fix"),
        dcc.Store(id="crew-gps-state"),
        dcc.Interval(id="crew-tick", interval=POLL_MS),
        html.Div([html.Span(id="crew-callsign", className="crew-unit"), " ",
                  html.Span(id="crew-unit-type", className="crew-status"), " ",
                  html.Span(id="crew-status", className="crew-status")]),
        html.Div(id="crew-assignment", className="crew-card"),
        _crew_moveup.container(lang),
        html.Div([html.Button(labels.status_label(s, lang), id=f"crew-btn-{s}", n_clicks=0, hidden=True,
                              className="crew-cleared" if s == "cleared" else "") for s in BUTTONS],
                 className="crew-buttons"),
        html.Div(id="crew-msg", role="status"),
        dcc.Graph(id="crew-map", className="crew-map", config={"displayModeBar": False, "scrollZoom": True}),
        html.Div([
            html.Button(tr("Kirim lokasi GPS", "Share GPS position"), id="crew-gps", n_clicks=0),
            html.Span(tr(" GPS tidak aktif", " GPS off"), id="crew-gps-text"),
        ], className="crew-gps"),
    ], className="crew-root")


def _actor() -> Actor:
    user = current_user()
    assert user is not None
    return Actor(user.username, user.id)


def _minutes(seconds: float | None, lang: str) -> str:
    return "—" if seconds is None else fmt_num(seconds / 60, lang) + " " + tr("mnt", "min", lang)


def _assignment_card(view: service.CrewView, lang: str) -> Any:
    if view.detail is None:
        return html.Div([html.H3(tr("Tidak ada tugas", "No assignment", lang)),
                         html.Div(tr("Unit siap menerima tugas.", "The unit is ready for a job.", lang))],
                        id="crew-idle")
    inc = view.detail.incident
    parts: list[Any] = [
        html.H3(f"#{inc.id} {inc.type_name_en if lang == 'en' else inc.type_name_id} · "
                f"{labels.priority_label(inc.priority, lang)}", id="crew-incident-title"),
        html.Div([html.B(tr("Alamat: ", "Address: ", lang)),
                  html.Span(", ".join(p for p in (inc.address, f"Kel. {inc.kelurahan or '—'}",
                                                  f"Kec. {inc.kecamatan or '—'}") if p), id="crew-address")]),
        html.Div(f"{inc.lat:.5f}, {inc.lon:.5f}"),
    ]
    if inc.description:
        parts.append(html.Div([html.B(tr("Keterangan: ", "Description: ", lang)), inc.description]))
    if inc.caller_phone:
        parts.append(html.Div([html.B(tr("Penelepon: ", "Caller: ", lang)),
                               html.A(inc.caller_phone, href=f"tel:{inc.caller_phone}")]))
    if view.route:
        model = tr("jalan", "roads", lang) if view.route["model"] == "road" else tr("perkiraan", "approximate", lang)
        distance_km = fmt_num(view.route["distance_m"] / 1000, lang, digits=1)
        parts.append(html.Div([html.B(tr("Rute: ", "Route: ", lang)),
                               f"{distance_km} km · ± {_minutes(view.route['eta_s'], lang)} ({model})"],
                              id="crew-route"))
    elif view.route_error:
        parts.append(html.Div(_route_error(view, lang), className="k112-error"))
    parts.append(html.A(tr("Navigasi di peta ponsel", "Navigate in the phone's maps app", lang),
                        href=f"https://www.google.com/maps/dir/?api=1&destination={inc.lat:.6f},{inc.lon:.6f}",
                        target="_blank", rel="noopener"))
    return html.Div(parts)


def _route_error(view: service.CrewView, lang: str) -> str:
    """Why no route is shown, in the user's language (the service's reason is English)."""
    if view.unit["lon"] is None or view.unit["lat"] is None:
        return tr("Rute tidak tersedia: posisi unit belum diketahui.", "No route: the unit has no known position.",
                  lang)
    return tr("Rute tidak tersedia: rute ke lokasi insiden tidak dapat dihitung.",
              f"No route: {view.route_error}", lang)


def _figure(view: service.CrewView, lang: str) -> Any:
    unit = view.unit
    units = [dict(unit, id=unit["id"])] if unit["lon"] is not None else []
    incidents = []
    extra: list[Any] = []
    if view.detail is not None:
        inc = view.detail.incident
        incidents = [{"id": inc.id, "priority": inc.priority, "lon": inc.lon, "lat": inc.lat,
                      "type_name_id": inc.type_name_id, "type_name_en": inc.type_name_en,
                      "kelurahan": inc.kelurahan, "kecamatan": inc.kecamatan, "created_at": inc.created_at,
                      "units_assigned": inc.units_assigned}]
    if view.route:
        extra.append(route_line(view.route["geometry"]["coordinates"], lang))
    fig = build_map_figure(areas=area_layers(), units=units, incidents=incidents,
                           layers=("kecamatan", "units", "incidents"), lang=lang, basemap=get_settings().basemap,
                           extra_traces=extra,
                           uirevision=f"crew-{view.detail.incident.id if view.detail else 'idle'}")
    points = [(float(unit["lon"]), float(unit["lat"]))] if unit["lon"] is not None else []
    if view.detail is not None:
        points.append((view.detail.incident.lon, view.detail.incident.lat))
    if view.route:
        points += [(c[0], c[1]) for c in view.route["geometry"]["coordinates"]]
    if points:
        centre, zoom = fit_view(points, width_px=MAP_PX[0], height_px=MAP_PX[1], max_zoom=MAX_ZOOM)
        fig.update_layout(map_center=centre, map_zoom=zoom)
    fig.update_layout(showlegend=False)
    return fig


@callback(
    Output("crew-ver", "data"),
    Input("crew-tick", "n_intervals"),
    State("crew-ver", "data"),
    prevent_initial_call=True,
)
@callback_roles(*ROLES)
def poll(_tick: int, seen: str | None) -> Any:
    events = service.version(get_db())[0]
    if events == seen:
        raise PreventUpdate
    return events


@callback(
    Output("crew-callsign", "children"),
    Output("crew-unit-type", "children"),
    Output("crew-status", "children"),
    Output("crew-assignment", "children"),
    Output("crew-map", "figure"),
    *[Output(f"crew-btn-{s}", "className") for s in BUTTONS],
    *[Output(f"crew-btn-{s}", "hidden") for s in BUTTONS],
    Input("crew-ver", "data"),
    State("crew-unit", "data"),
)
@callback_roles(*ROLES)
def refresh(_version: str | None, unit_id: int | None) -> tuple[Any, ...]:
    if not unit_id or unit_id != _unit_id(unit_id):
        raise PreventUpdate
    lang = current_lang()
    view = service.crew_view(get_db(), get_resources(), int(unit_id))
    status = view.unit["assignment_status"] or view.unit["status"]
    label = labels.status_label(status, lang)
    assigned = view.unit["assignment_status"] is not None
    nxt = next_statuses(view.unit["unit_type"], status, assigned=assigned)
    first_next = next((s for s in BUTTONS if s in nxt and s not in ("cleared", "out_of_service")), None)
    classes = [("crew-cleared " if s == "cleared" else "") + ("crew-next" if s == first_next else "") for s in BUTTONS]
    hidden = [s not in nxt for s in BUTTONS]
    return (labels.unit_label(view.unit["callsign"], int(unit_id), lang),
            f"· {labels.unit_type_label(view.unit['unit_type'], lang)}",
            f"· {label} ({fmt_wita(view.unit['status_at'], date=False)})",
            _assignment_card(view, lang), _figure(view, lang), *classes, *hidden)


@callback(
    Output("crew-msg", "children"),
    Output("crew-ver", "data", allow_duplicate=True),
    [Input(f"crew-btn-{s}", "n_clicks") for s in BUTTONS],
    State("crew-unit", "data"),
    prevent_initial_call=True,
)
@callback_roles(*ROLES)
def change_status(*args: Any) -> tuple[Any, Any]:
    *clicks, unit_id = args
    if not any(clicks) or not unit_id or unit_id != _unit_id(unit_id):
        raise PreventUpdate
    lang = current_lang()
    status = str(ctx.triggered_id).removeprefix("crew-btn-")
    db = get_db()
    try:
        state_ = service.set_unit_status(db, int(unit_id), status, _actor())
    except EXPECTED as exc:
        return html.Div(user_message(exc, lang), className="k112-error", id="crew-msg-text"), no_update
    label = labels.status_label(state_.status, lang)
    return html.Div(tr(f"Status diubah: {label}", f"Status changed: {label}", lang), className="k112-ok",
                    id="crew-msg-text"), service.version(db)[0]


def _gps_state_text(gps_state: Mapping[str, Any], lang: str) -> str:
    """What the phone's GPS is doing (switched on or off, unsupported, refused with its reason)."""
    kind = str(gps_state.get("state") or "off")
    texts = {"on": (" GPS aktif, menunggu posisi…", " GPS on, waiting for a fix…"),
             "off": (" GPS tidak aktif", " GPS off"),
             "unsupported": (" Peramban ini tidak mendukung GPS", " This browser has no GPS"),
             "error": (" GPS ditolak atau gagal: ", " GPS refused or failed: ")}
    text = tr(*texts.get(kind, texts["off"]), lang)
    if kind == "error":
        text += str(gps_state.get("message") or "")
    return text


register(_crew_moveup)
clientside_callback(ClientsideFunction(namespace="crew", function_name="gps"),
                    Output("crew-gps-state", "data"), Input("crew-gps", "n_clicks"), prevent_initial_call=True)


@callback(
    Output("crew-gps-text", "children"),
    Input("crew-fix", "data"),
    Input("crew-gps-state", "data"),
    State("crew-unit", "data"),
    prevent_initial_call=True,
)
@callback_roles(*ROLES)
def gps(fix: Mapping[str, Any] | None, gps_state: Mapping[str, Any] | None, unit_id: int | None) -> Any:
    lang = current_lang()
    if not unit_id or unit_id != _unit_id(unit_id):
        raise PreventUpdate
    if ctx.triggered_id == "crew-gps-state":
        return html.Span(_gps_state_text(gps_state or {}, lang), id="crew-gps-status")
    if not fix:
        raise PreventUpdate
    try:
        stored = service.record_position(get_db(), int(unit_id), fix.get("lat"), fix.get("lon"), source="crew")
    except EXPECTED as exc:
        return html.Span(" " + user_message(exc, lang), className="k112-error", id="crew-gps-status")
    accuracy = fix.get("accuracy_m")
    acc = f" (±{float(accuracy):.0f} m)" if isinstance(accuracy, (int, float)) else ""
    return html.Span(tr(" GPS aktif · posisi terkirim ", " GPS on · position sent ", lang)
                     + fmt_wita(stored["received_at"], date=False, seconds=True) + acc,
                     className="k112-ok", id="crew-gps-status")
