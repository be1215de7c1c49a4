"""Performance for city leadership: a one-screen overview, then response-time fractiles against
targets by place, type, agency and time, call handling and the agency league in folded sections.

Roles: leadership (and admin). The filters live in the URL query string (``?from=&to=&type=&agency=
&kecamatan=``), so a view can be shared; charts export as PNG from the plotly toolbar (camera icon),
tables as CSV (headers in the page's language), the month's report as PDF. The HTML and figures
are built in ``pages/_analytics_views.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import dash
from dash import ALL, Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from analytics import report
from analytics._errors import AnalyticsError, FilterError
from analytics.model import Names
from analytics.period import WITA, Filters, view_filters
from i18n import tr
from layers.map_figure import basemap_style
from pages import _analytics_coverage, _analytics_views as views
from pages._wiring import register
from services import analytics as analytics_service, reports as report_service
from web.auth import callback_roles, has_role, page_guard
from web.context import area_layers, get_db, get_resources, get_settings
from web.lang import current_lang

dash.register_page(__name__, path="/analytics", name="Kinerja", title="Kendari 112 — Kinerja")

ROLES = ("leadership",)
register(_analytics_coverage)


def _parse(query: dict[str, Any], names: Names) -> Filters:
    return view_filters(query, now=datetime.now(UTC), known_types=set(names.types),
                        known_agencies=set(names.agencies), known_kecamatan=set(names.kecamatan))


def layout(**query: Any) -> Any:
    denied = page_guard(*ROLES)
    if denied is not None:
        return denied
    lang = current_lang()
    db = get_db()
    names = analytics_service.names(db)
    notice = None
    try:
        filters = _parse(query, names)
    except FilterError as exc:
        notice = tr("Filter di alamat tidak sah: ", "Invalid filter in the address: ", lang) + str(exc)
        filters = _parse({}, names)
    shown = {k: tr(v[0], v[1], lang) for k, v in {**names.agencies, **names.types}.items()}
    method = report.method_points(analytics_service.load_targets(db), lang, names=shown)
    page = views.page(filters, names, lang=lang, notice=notice, method=method, is_admin=has_role("admin"),
                      today=datetime.now(WITA).date())
    return html.Div([page, _analytics_coverage.coverage_section(lang, filters)])


_OUTPUTS = (
    Output("analytics-tiles", "children"), Output("analytics-kpis", "children"),
    Output("analytics-overview-cards", "children"), Output("analytics-filters-note", "children"),
    Output("analytics-period-label", "children"),
    Output("analytics-intervals", "children"),
    Output("analytics-map-p90", "figure"), Output("analytics-map-within", "figure"),
    Output("analytics-area-table", "children"), Output("analytics-type-fig", "figure"),
    Output("analytics-type-table", "children"), Output("analytics-agency-fig", "figure"),
    Output("analytics-agency-table", "children"), Output("analytics-heatmap", "figure"),
    Output("analytics-trend-daily", "figure"), Output("analytics-trend-weekly", "figure"),
    Output("analytics-calls-fig", "figure"), Output("analytics-calls-table", "children"),
    Output("analytics-calls-note", "children"),
    Output("analytics-league", "children"), Output("analytics-tables", "data"),
    Output("analytics-status", "children"), Output("analytics-print-link", "href"),
)


@callback(
    *_OUTPUTS, Output("analytics-notice", "children"),
    Input("analytics-dates", "start_date"), Input("analytics-dates", "end_date"),
    Input("analytics-type", "value"), Input("analytics-agency", "value"),
    Input("analytics-kecamatan", "value"), Input("analytics-map-level", "value"),
)
@callback_roles(*ROLES)
def update_dashboard(start: str | None, end: str | None, types: list[str] | None, agency: str | None,
                     kecamatan: str | None, level: str | None) -> tuple[Any, ...]:
    db = get_db()
    query = {"from": (start or "")[:10], "to": (end or "")[:10], "type": ",".join(types or []),
             "agency": agency or "", "kecamatan": kecamatan or ""}
    try:
        filters = _parse(query, analytics_service.names(db))
    except FilterError as exc:
        return (*([no_update] * len(_OUTPUTS)), str(exc))
    d = analytics_service.dashboard(db, filters, live=True)
    return (*views.render(d, lang=current_lang(), level=level or "kecamatan", areas=area_layers(),
                          map_style=basemap_style(get_settings().basemap)), "")


@callback(
    Output("analytics-report-download", "data"), Output("analytics-report-status", "children"),
    Input("analytics-report-button", "n_clicks"), State("analytics-report-month", "value"),
    prevent_initial_call=True,
)
@callback_roles(*ROLES)
def download_report(clicks: int | None, month: str | None) -> tuple[Any, Any]:
    """The month's report for the mayor's office as PDF, rendered by the browser engine."""
    if not clicks or not month:
        raise PreventUpdate
    lang = current_lang()
    try:
        made = report_service.monthly_report(get_db(), get_resources(), month, lang=lang, write=False)
    except (AnalyticsError, report_service.ReportError) as exc:
        return no_update, tr("Laporan tidak dapat dibuat: ", "The report could not be made: ", lang) + str(exc)
    return (dcc.send_bytes(made.pdf, made.pdf_name, type="application/pdf"),
            tr(f"Laporan {made.month_label} dibuat ({made.pages} halaman).",
               f"Report {made.month_label} made ({made.pages} pages).", lang))


@callback(
    Output("analytics-dates", "start_date"), Output("analytics-dates", "end_date"),
    *[Input(f"analytics-quick-{label}", "n_clicks") for label, _ in views.QUICK],
    prevent_initial_call=True,
)
@callback_roles(*ROLES)
def quick_period(*_clicks: int) -> tuple[str, str]:
    trigger = ctx.triggered_id
    days = dict(views.QUICK).get(str(trigger).rsplit("-", 1)[-1]) if trigger else None
    if not days:
        raise PreventUpdate
    today = datetime.now(WITA).date()
    return (today - timedelta(days=days - 1)).isoformat(), today.isoformat()


@callback(
    Output("analytics-download", "data"),
    Input({"type": "analytics-csv", "table": ALL}, "n_clicks"),
    State("analytics-tables", "data"),
    prevent_initial_call=True,
)
@callback_roles(*ROLES)
def download_csv(clicks: list[int | None], data: dict[str, Any] | None) -> Any:
    trigger = ctx.triggered_id
    if not trigger or not data or not any(clicks) or trigger["table"] not in data:
        raise PreventUpdate
    name = trigger["table"]
    period = data.get("_period", {})
    filename = f"kendari112-{data[name]['name']}-{period.get('from', '')}-{period.get('to', '')}.csv"
    return dcc.send_string(report.csv_from_store(data[name]), filename, type="text/csv")


# Keep the filters in the address bar (replaceState: no reload, no history spam) so a view can be
# shared; the page layout reads them back from the query string.
clientside_callback(
    """
    function(start, end, types, agency, kec) {
        const p = new URLSearchParams();
        if (start) { p.set('from', String(start).slice(0, 10)); }
        if (end) { p.set('to', String(end).slice(0, 10)); }
        if (types && types.length) { p.set('type', types.join(',')); }
        if (agency) { p.set('agency', agency); }
        if (kec) { p.set('kecamatan', kec); }
        const q = '?' + p.toString();
        if (window.location.pathname === '/analytics' && window.location.search !== q) {
            window.history.replaceState(window.history.state, '', '/analytics' + q);
        }
        return q;
    }
    """,
    Output("analytics-query", "data"),
    Input("analytics-dates", "start_date"), Input("analytics-dates", "end_date"),
    Input("analytics-type", "value"), Input("analytics-agency", "value"), Input("analytics-kecamatan", "value"),
)
