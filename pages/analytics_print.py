"""A printable one-page summary of a period: ``/analytics/print?from=&to=&type=&agency=&kecamatan=``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import dash
from dash import Input, Output, clientside_callback, html

from analytics import report
from analytics._errors import FilterError
from analytics.period import view_filters
from analytics.report import Table
from i18n import tr
from services import analytics as analytics_service
from web.auth import page_guard
from web.context import get_db
from web.lang import current_lang

dash.register_page(__name__, path="/analytics/print", name="Ringkasan kinerja",
                   title="Kendari 112 — Ringkasan kinerja")

TOP_AREAS = 5
ROLES = ("leadership",)


def _table(table: Table, *, limit: int | None = None, columns: tuple[str, ...] | None = None,
           table_id: str | None = None) -> html.Table:
    cols = [c for c in table.columns if columns is None or c.key in columns]
    rows = table.rows[:limit] if limit else table.rows
    extra: dict[str, Any] = {"id": table_id} if table_id else {}
    return html.Table([
        html.Thead(html.Tr([html.Th(c.label, className="num" if c.numeric else None) for c in cols])),
        html.Tbody([html.Tr([html.Td(r.get(c.key, ""), className="num" if c.numeric else None) for c in cols])
                    for r in rows]),
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
    worst_table = report.worst(tables["kecamatan"], "total_p90", TOP_AREAS)
    calls_line = report.calls_summary(d.calls, lang)
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
        html.H2(tr("Angka utama", "Key figures", lang)),
        _table(tables["kpis"], table_id="print-kpis"),
        html.H2(tr("Interval respons", "Response intervals", lang)),
        _table(tables["intervals"], table_id="print-intervals"),
        html.Div([
            html.Div([html.H2(tr("Per instansi: total respons", "By agency: total response", lang)),
                      _table(tables["agency"], columns=("name", "incidents", "total_p90", "total_within",
                                                        "total_completeness"))]),
            html.Div([html.H2(tr(f"{TOP_AREAS} kecamatan dengan p90 tertinggi",
                                 f"{TOP_AREAS} kecamatan with the highest p90", lang)),
                      _table(worst_table, columns=("name", "incidents", "total_p90", "total_within",
                                                   "total_completeness"))]),
        ], className="k112-print-two"),
        html.H2(tr("Penanganan panggilan", "Call handling", lang)),
        html.P(calls_line),
        html.H2(tr("Peringkat instansi (OPD)", "Agency (OPD) league table", lang)),
        _table(tables["league"], table_id="print-league"),
        html.P(report.method_note(d.targets, lang), className="k112-print-note"),
    ], className="k112-print", id="analytics-print")


clientside_callback(
    "function(n) { if (n) { window.print(); } return ''; }",
    Output("print-button", "title"),
    Input("print-button", "n_clicks"),
    prevent_initial_call=True,
)
