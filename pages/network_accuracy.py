"""ETA accuracy (planners and administrators): predicted travel times against recorded ones.

For the closed incidents of a period, the travel time the network predicts — from the unit's
position at dispatch, or its home station, to the incident — is compared with the recorded
en-route → on-scene time, by hour band (WITA), kecamatan and road class. An administrator can
store a band's fitted speed factor as a correction with one click (audited; retire it to undo).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import dash
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from i18n import WITA, fmt_num
from incidents.model import Actor
from pages import _network_views as views
from services import accuracy as service
from web.auth import callback_roles, has_role, page_guard
from web.context import current_user, get_db, get_resources
from web.errors import EXPECTED
from web.lang import current_lang, tr

dash.register_page(__name__, path="/network/accuracy", name="Akurasi ETA", title="Kendari 112 — Akurasi ETA")

ROLES = ("planner",)


def layout(**_: Any) -> Any:
    denied = page_guard(*ROLES)
    if denied is not None:
        return denied
    today = datetime.now(WITA).date()
    return html.Div([
        html.H2(tr("Akurasi ETA", "ETA accuracy")),
        html.P(tr("Membandingkan waktu tempuh yang diprediksi jaringan yang dipakai sekarang (dari posisi unit saat "
                  "ditugaskan, atau markasnya bila posisinya tidak diketahui, ke lokasi insiden) dengan waktu "
                  "tercatat dari 'menuju lokasi' sampai 'di lokasi' pada insiden yang sudah ditutup. Paling banyak "
                  f"{fmt_num(service.MAX_TRIPS, 'id')} perjalanan terbaru.",
                  "Compares the travel time the network in use predicts (from the unit's position at dispatch, or "
                  "its home station when no position is known, to the incident) with the recorded 'en route' to "
                  f"'on scene' time of closed incidents. At most the {fmt_num(service.MAX_TRIPS, 'en')} most "
                  "recent trips.")),
        html.Div([
            html.Label(tr("Dari tanggal (TTTT-BB-HH)", "From date (YYYY-MM-DD)")),
            dcc.Input(id="accuracy-from", type="text", value=(today - timedelta(days=service.DEFAULT_DAYS)).isoformat(),
                      className="network-input network-narrow"),
            html.Label(tr("Sampai tanggal", "To date")),
            dcc.Input(id="accuracy-to", type="text", value=today.isoformat(), className="network-input network-narrow"),
            html.Button(tr("Hitung", "Compute"), id="accuracy-run", n_clicks=0, className="network-primary"),
            dcc.Link(tr("Jaringan jalan dan koreksinya", "Road network and its corrections"), href="/admin/network",
                     id="accuracy-network-link") if has_role("admin") else "",
        ], className="k112-form-row"),
        html.Div(id="accuracy-apply-msg", role="status"),
        dcc.Loading(html.Div(id="accuracy-result")),
        dcc.Store(id="accuracy-period"),
    ], className="network-root")


@callback(Output("accuracy-result", "children"), Output("accuracy-period", "data"),
          Input("accuracy-run", "n_clicks"), State("accuracy-from", "value"), State("accuracy-to", "value"))
@callback_roles(*ROLES)
def run(_clicks: int, start: Any, end: Any) -> tuple[Any, Any]:
    lang = current_lang()
    try:
        period = service.parse_period(start, end)
        report = service.accuracy_report(get_db(), get_resources(), period)
    except EXPECTED as exc:
        return views.failure(exc, lang), None
    user = current_user()
    can_apply = user is not None and user.role == "admin"
    return views.accuracy_result(report, can_apply, lang), {"from": start, "to": end}


@callback(Output("accuracy-apply-msg", "children"), Output("accuracy-run", "n_clicks"),
          Input({"type": "accuracy-apply", "index": ALL}, "n_clicks"), State("accuracy-period", "data"),
          State("accuracy-run", "n_clicks"), prevent_initial_call=True)
@callback_roles("admin")
def apply(_clicks: list[int | None], period_data: Mapping[str, Any] | None, runs: int | None) -> tuple[Any, Any]:
    """Store one band's fitted factor as a speed-factor correction, then compute the report again."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, Mapping) or not (ctx.triggered and ctx.triggered[0].get("value")):
        raise PreventUpdate
    lang = current_lang()
    user = current_user()
    assert user is not None  # guarded by callback_roles
    data = period_data or {}
    try:
        period = service.parse_period(data.get("from"), data.get("to"))
        view = service.apply_band_factor(get_db(), get_resources(), period, int(trigger["index"]),
                                         Actor(user.username, user.id))
    except EXPECTED as exc:
        return views.failure(exc, lang), no_update
    get_resources().refresh_now()
    factor = fmt_num(float(view.details.get("factor") or 0.0), lang, digits=2)
    text = tr(f"Faktor kecepatan #{view.id} disimpan (× {factor}); cabut di halaman jaringan untuk membatalkan.",
              f"Speed factor #{view.id} saved (× {factor}); retire it on the network page to undo.", lang)
    return html.Span(text, className="k112-ok", id="accuracy-applied"), (runs or 0) + 1
