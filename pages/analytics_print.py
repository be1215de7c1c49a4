"""A printable one-page (A4) summary of a period: ``/analytics/print?from=&to=&type=&agency=&kecamatan=``.

The overview of the dashboard (the five intervals as red/amber/green tiles, volumes, calls, the
slowest kecamatan, the agency league), the intervals table, the league table and the method in
short, in the user's language and number formats.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import dash
from dash import Input, Output, clientside_callback, html

from analytics import overview, report
from analytics._errors import FilterError
from analytics.period import view_filters
from analytics.report import Table
from i18n import tr
from pages import _analytics_views as views
from services import analytics as analytics_service
from web.auth import page_guard
from web.context import get_db
from web.lang import current_lang

dash.register_page(__name__, path="/analytics/print", name="Ringkasan kinerja",
                   title="Kendari 112 — Ringkasan kinerja")

ROLES = ("leadership",)


def _table(table: Table, *, limit: int | None = None, columns: tuple[str, ...] | None = None,
           table_id: str | None = None) -> html.Table:
    cols = [c for c in table.shown_columns if columns is None or c.key in columns]
    rows = table.rows[:limit] if limit else table.rows
    classes = table.row_classes or ("",) * len(table.rows)
    extra: dict[str, Any] = {"id": table_id} if table_id else {}
    return html.Table([
        html.Thead(html.Tr([html.Th(c.label, className="num" if c.numeric else None) for c in cols])),
        html.Tbody([html.Tr([html.Td(r.get(c.key, ""), className="num" if c.numeric else None) for c in cols],
                            className=cls or None) for r, cls in zip(rows, classes)]),
    ], className="k112-print-table", **extra)


def layout(**query: Any) -> Any:
    denied = page_guard(*ROLES)
    if denied is not None:
        return denied
    lang = current_lang()
    db = get_db()
    names = analytics_service.names(db)
    try:
        filters = view_filters(query, now=datetime.now(UTC), known_types=set(names.types),
                               known_agencies=set(names.agencies), known_kecamatan=set(names.kecamatan))
    except FilterError as exc:
        return html.Div([html.H2(tr("Ringkasan kinerja", "Performance summary", lang)),
                         html.P(str(exc), className="k112-error", id="print-error")], className="k112-print")
    d = analytics_service.dashboard(db, filters)
    tables = report.all_tables(d, lang)
    ov = overview.build(d, lang, period=report.period_label(d, lang))
    return html.Div([
        html.Div([
            html.Button(tr("Cetak", "Print", lang), id="print-button", className="k112-no-print"),
            html.A(tr("Kembali ke dasbor", "Back to the dashboard", lang),
                   href="/analytics?" + urlencode(filters.to_query()),
                   className="k112-no-print k112-an-link"),
        ], className="k112-no-print k112-print-actions"),
        html.H1(tr("Layanan 112 Kota Kendari — ringkasan kinerja", "Kendari 112 — performance summary", lang)),
        html.P([html.Strong(report.period_label(d, lang)), " · ",
                report.generated_label(datetime.now(UTC), lang)], id="print-period"),
        html.Div(views.tiles(ov), className="k112-print-tiles"),
        html.H2(tr("Angka utama", "Key figures", lang)),
        _table(tables["kpis"], table_id="print-kpis"),
        html.H2(tr("Interval respons", "Response intervals", lang)),
        _table(tables["intervals"], table_id="print-intervals",
               columns=("interval", "p50", "p90", "target", "within", "goal", "completeness", "n")),
        html.Div([views.card(ov.calls), views.card(ov.worst_areas)], className="k112-print-two"),
        html.H2(tr("Peringkat instansi (OPD)", "Agency (OPD) league table", lang)),
        _table(tables["league"], table_id="print-league"),
        html.Ul([html.Li(views.literal(p)) for p in report.method_points(d.targets, lang,
                                                                          names=report.display_names(d, lang))],
                className="k112-print-note"),
    ], className="k112-print", id="analytics-print")


clientside_callback(
    "function(n) { if (n) { window.print(); } return ''; }",
    Output("print-button", "title"),
    Input("print-button", "n_clicks"),
    prevent_initial_call=True,
)
