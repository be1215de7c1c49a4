"""The crew page's move to a post: where to go, the route there, and the "arrived at post" button.

:func:`container` sits on the crew page (pages/crew.py) under the assignment card; it is empty
unless the unit has the status "moving to post". Its callbacks (wired by pages/crew.py) refresh
with the crew page's version store and report the arrival through :func:`services.coverage.arrive`
(a GPS fix within the arrival radius does the same on its own, see ``services.incidents.record_position``).
"""

from __future__ import annotations

from typing import Any

from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from i18n import fmt_duration, fmt_num, fmt_wita, tr
from incidents.model import Actor
from layers.map_figure import build_map_figure, fit_view
from layers.traces import escape, route_line
from pages._wiring import wire
from services import coverage as service, incidents as incident_service
from web.context import area_layers, current_user, get_db, get_resources, get_settings
from web.errors import EXPECTED, user_message
from web.lang import current_lang

ROLES = ("crew",)
HIDDEN = {"display": "none"}
#: Map size on a phone, in CSS pixels (the crew page's map size).
MAP_PX = (340.0, 300.0)
POST_COLOUR = "#00838f"


def container(lang: str) -> Any:
    """The move-to-post card, its button and its map (hidden while the unit is not moving to a post)."""
    return html.Div([
        html.Div(id="crew-moveup-card", className="crew-card"),
        html.Button(tr("Tiba di pos", "Arrived at post", lang), id="crew-moveup-arrive", n_clicks=0, hidden=True,
                    className="crew-next"),
        html.Div(id="crew-moveup-msg", role="status"),
        dcc.Graph(id="crew-moveup-map", className="crew-map", style=HIDDEN,
                  config={"displayModeBar": False, "scrollZoom": True}),
    ], id="crew-moveup")


def _own_unit(unit_id: Any) -> int:
    """The crew's own unit (an administrator may look at any); PreventUpdate otherwise."""
    user = current_user()
    if user is None or not unit_id:
        raise PreventUpdate
    if user.unit_id and int(user.unit_id) == int(unit_id):
        return int(unit_id)
    if user.role == "admin":
        return int(unit_id)
    raise PreventUpdate


def card(move: service.CrewMove, lang: str) -> Any:
    """Destination, when the move started, and the route (or why there is none)."""
    parts: list[Any] = [
        html.H3(tr(f"Menuju {move.post_name}", f"Moving to {move.post_name}", lang), id="crew-moveup-title"),
        html.Div(tr("Pindah ke pos siaga atas permintaan pusat 112 ", "Moving to a standby post as asked by the "
                    "112 centre ", lang) + tr("sejak ", "since ", lang) + fmt_wita(move.started_at, date=False)),
        html.Div(f"{move.lat:.5f}, {move.lon:.5f}"),
    ]
    if move.route is not None:
        km = fmt_num(move.route["distance_m"] / 1000, lang, digits=1)
        parts.append(html.Div([html.B(tr("Rute: ", "Route: ", lang)),
                               f"{km} km · ± {fmt_duration(move.route['eta_s'], lang)}"], id="crew-moveup-route"))
    elif move.route_error == "no_position":
        parts.append(html.Div(tr("Rute tidak tersedia: posisi unit belum diketahui.",
                                 "No route: the unit's position is not known.", lang), className="k112-error"))
    else:
        parts.append(html.Div(tr("Rute tidak tersedia: pos tidak terjangkau jaringan jalan.",
                                 "No route: the post cannot be reached on the road network.", lang),
                              className="k112-error"))
    parts.append(html.Div(tr("Tekan \"Tiba di pos\" saat sampai (atau biarkan GPS menyala: tiba otomatis dalam "
                             "radius 100 m).", "Press \"Arrived at post\" on arrival (or keep the GPS on: arrival "
                             "is recorded within 100 m).", lang), className="dsp-hint"))
    return html.Div(parts)


def figure(move: service.CrewMove, lang: str) -> Any:
    extra: list[Any] = []
    if move.route is not None:
        extra.append(route_line(move.route["geometry"]["coordinates"], lang, colour=POST_COLOUR))
    extra.append({"type": "scattermap", "mode": "markers+text", "lon": [move.lon], "lat": [move.lat],
                  "text": [move.post_name], "textposition": "top center", "marker": {"size": 16, "color": POST_COLOUR},
                  "hoverinfo": "text", "hovertext": [escape(move.post_name)], "name": move.post_name,
                  "showlegend": False})
    units = [] if move.unit_lon is None else [{"id": move.unit_id, "callsign": move.callsign, "lon": move.unit_lon,
                                               "lat": move.unit_lat, "status": "moving_to_post",
                                               "unit_type": "", "status_at": move.started_at}]
    fig = build_map_figure(areas=area_layers(), units=units, layers=("kecamatan", "units"), lang=lang,
                           basemap=get_settings().basemap, extra_traces=extra, uirevision=f"crew-move-{move.post_id}")
    points = [(move.lon, move.lat)]
    if move.unit_lon is not None and move.unit_lat is not None:
        points.append((move.unit_lon, move.unit_lat))
    if move.route is not None:
        points += [(c[0], c[1]) for c in move.route["geometry"]["coordinates"]]
    centre, zoom = fit_view(points, width_px=MAP_PX[0], height_px=MAP_PX[1], max_zoom=15.0)
    fig.update_layout(map_center=centre, map_zoom=zoom, showlegend=False)
    return fig


@wire(Output("crew-moveup-card", "children"), Output("crew-moveup-arrive", "hidden"),
      Output("crew-moveup-map", "figure"), Output("crew-moveup-map", "style"),
      Input("crew-ver", "data"), State("crew-unit", "data"), roles=ROLES)
def refresh(_version: Any, unit_id: Any) -> tuple[Any, Any, Any, Any]:
    """The move under way, if any, with its route."""
    unit = _own_unit(unit_id)
    lang = current_lang()
    try:
        move = service.crew_move(get_db(), get_resources(), unit)
    except EXPECTED as exc:
        return html.Div(user_message(exc, lang), className="k112-error"), True, no_update, HIDDEN
    if move is None:
        return None, True, no_update, HIDDEN
    return card(move, lang), False, figure(move, lang), {}


@wire(Output("crew-moveup-msg", "children"), Output("crew-ver", "data", allow_duplicate=True),
      Input("crew-moveup-arrive", "n_clicks"), State("crew-unit", "data"),
      roles=ROLES, prevent_initial_call=True)
def arrive(clicks: int | None, unit_id: Any) -> tuple[Any, Any]:
    """The crew pressed "arrived at post": available at the post, which becomes the unit's position."""
    if not clicks:
        raise PreventUpdate
    unit = _own_unit(unit_id)
    lang = current_lang()
    user = current_user()
    assert user is not None
    db = get_db()
    try:
        done = service.arrive(db, unit, Actor(user.username, user.id), source="crew")
    except EXPECTED as exc:
        return html.Div(user_message(exc, lang), className="k112-error", id="crew-moveup-msg-text"), no_update
    return (html.Div(tr(f"Tiba di {done.post_name}: unit siaga di pos ini.",
                        f"At {done.post_name}: the unit is available at this post.", lang),
                     className="k112-ok", id="crew-moveup-msg-text"),
            incident_service.version(db)[0])
