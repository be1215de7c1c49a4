"""HTML and figures of the leadership dashboard (``pages/analytics.py``): plain builders, no callbacks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from dash import dcc, html

from analytics import figures, report
from analytics.fractiles import METHOD_EN, METHOD_ID
from analytics.model import Dashboard, Names
from analytics.period import Filters
from analytics.report import Table
from i18n import tr

QUICK = (("7", 7), ("30", 30), ("90", 90), ("365", 365))
GRAPH_CONFIG: Any = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2,
                                                                "filename": "kendari112-kinerja"}}
MAP_CONFIG: Any = {**GRAPH_CONFIG, "scrollZoom": True}


def _options(names: Names, lang: str) -> tuple[list[dict[str, str]], list[dict[str, str]], list[dict[str, str]]]:
    types = [{"label": tr(v[0], v[1], lang), "value": k} for k, v in names.types.items()]
    agencies = [{"label": tr(v[0], v[1], lang), "value": k} for k, v in names.agencies.items()]
    kec = [{"label": v, "value": k} for k, v in sorted(names.kecamatan.items(), key=lambda kv: kv[1])]
    return types, agencies, kec


def _section(title: str, *children: Any, lang: str, csv: str | None = None,
             section_id: str | None = None) -> html.Section:
    head: list[Any] = [html.H3(title)]
    if csv:
        head.append(html.Button("CSV", id={"type": "analytics-csv", "table": csv}, className="k112-csv-button",
                                title=tr("Unduh tabel sebagai CSV", "Download the table as CSV", lang)))
    extra: dict[str, Any] = {"id": section_id} if section_id else {}
    return html.Section([html.Div(head, className="k112-an-section-head"), *children],
                        className="k112-card k112-an-section", **extra)


def _filters_bar(filters: Filters, names: Names, lang: str) -> html.Div:
    types, agencies, kec = _options(names, lang)
    return html.Div([
        html.Div([
            html.Label(tr("Periode (WITA)", "Period (WITA)", lang)),
            dcc.DatePickerRange(id="analytics-dates", start_date=filters.first_day.isoformat(),
                                end_date=filters.last_day.isoformat(), display_format="DD-MM-YYYY",
                                first_day_of_week=1, minimum_nights=0, clearable=False),
            html.Div([html.Button(tr(f"{label} hari", f"{label} days", lang), id=f"analytics-quick-{label}",
                                  className="k112-quick", n_clicks=0) for label, _ in QUICK],
                     className="k112-quick-row"),
        ], className="k112-an-filter"),
        html.Div([html.Label(tr("Jenis insiden", "Incident type", lang)),
                  dcc.Dropdown(id="analytics-type", options=types, value=list(filters.incident_types),
                               multi=True, placeholder=tr("Semua jenis", "All types", lang))],
                 className="k112-an-filter k112-an-wide"),
        html.Div([html.Label(tr("Instansi", "Agency", lang)),
                  dcc.Dropdown(id="analytics-agency", options=agencies, value=filters.agency,
                               placeholder=tr("Semua instansi", "All agencies", lang))], className="k112-an-filter"),
        html.Div([html.Label("Kecamatan"),
                  dcc.Dropdown(id="analytics-kecamatan", options=kec, value=filters.kecamatan,
                               placeholder=tr("Seluruh kota", "Whole city", lang))], className="k112-an-filter"),
    ], className="k112-an-filters k112-card")


def page(filters: Filters, names: Names, *, lang: str, notice: str | None, method: str,
         is_admin: bool) -> html.Div:
    """The page: toolbar, filters, and the empty sections that :func:`render` fills."""
    admin_link = html.A(tr("Impor data & target", "Data import & targets", lang), href="/analytics/data",
                        id="analytics-admin-link", className="k112-an-link") if is_admin else None
    return html.Div([
        dcc.Store(id="analytics-tables"),
        dcc.Store(id="analytics-query"),
        dcc.Download(id="analytics-download"),
        html.Div([
            html.H2(tr("Kinerja layanan 112 Kota Kendari", "Kendari 112 service performance", lang)),
            html.A(tr("Ringkasan cetak", "Printable summary", lang), id="analytics-print-link",
                   href="/analytics/print", target="_blank", className="k112-an-link"),
            admin_link,
        ], className="k112-toolbar"),
        _filters_bar(filters, names, lang),
        html.Div(notice, id="analytics-notice", className="k112-error" if notice else ""),
        dcc.Loading(html.Div(id="analytics-kpis", className="k112-an-kpis"), type="dot"),
        _section(tr("Interval respons (seluruh cakupan)", "Response intervals (whole scope)", lang),
                 html.Div(id="analytics-intervals"),
                 html.P(method, id="analytics-method", className="k112-an-note"), lang=lang, csv="intervals"),
        _section(tr("Per wilayah: total respons", "By area: total response", lang),
                 dcc.RadioItems(id="analytics-map-level", value="kecamatan", inline=True,
                                options=[{"label": "Kecamatan", "value": "kecamatan"},
                                         {"label": "Kelurahan", "value": "kelurahan"}]),
                 html.Div([dcc.Graph(id="analytics-map-p90", config=MAP_CONFIG, className="k112-an-map"),
                           dcc.Graph(id="analytics-map-within", config=MAP_CONFIG, className="k112-an-map")],
                          className="k112-an-two"),
                 html.Div(id="analytics-area-table", className="k112-an-scroll"), lang=lang, csv="kecamatan",
                 section_id="analytics-area"),
        _section(tr("Per jenis insiden", "By incident type", lang),
                 dcc.Graph(id="analytics-type-fig", config=GRAPH_CONFIG),
                 html.Div(id="analytics-type-table", className="k112-an-scroll"), lang=lang, csv="type"),
        _section(tr("Per instansi", "By agency", lang),
                 dcc.Graph(id="analytics-agency-fig", config=GRAPH_CONFIG),
                 html.Div(id="analytics-agency-table", className="k112-an-scroll"), lang=lang, csv="agency"),
        _section(tr("Waktu dan tren", "Time and trends", lang),
                 dcc.Graph(id="analytics-heatmap", config=GRAPH_CONFIG),
                 html.Div([dcc.Graph(id="analytics-trend-daily", config=GRAPH_CONFIG),
                           dcc.Graph(id="analytics-trend-weekly", config=GRAPH_CONFIG)], className="k112-an-two"),
                 lang=lang),
        _section(tr("Penanganan panggilan", "Call handling", lang),
                 html.P(tr("Hanya periode yang berlaku: panggilan belum punya jenis, instansi atau lokasi "
                           "sebelum dijawab.", "Only the period applies: a call has no type, agency or place "
                           "before it is answered.", lang), className="k112-an-note"),
                 html.Div([dcc.Graph(id="analytics-calls-fig", config=GRAPH_CONFIG),
                           html.Div(id="analytics-calls-table")], className="k112-an-two"), lang=lang, csv="calls"),
        _section(tr("Peringkat instansi (OPD): penutupan tiket", "Agency (OPD) league table: ticket closure", lang),
                 html.Div(id="analytics-league"), lang=lang, csv="league"),
        html.P(id="analytics-status", className="k112-an-note"),
        html.P(tr("Grafik: ikon kamera di pojok grafik menyimpan PNG.",
                  "Charts: the camera icon in a chart's corner saves it as PNG.", lang), className="k112-an-note"),
    ], className="k112-analytics")


def html_table(table: Table, *, table_id: str, row_class: list[str] | None = None) -> html.Table:
    head = html.Thead(html.Tr([html.Th(c.label, className="num" if c.numeric else None) for c in table.columns]))
    body = []
    for i, row in enumerate(table.rows):
        body.append(html.Tr([html.Td(row.get(c.key, ""), className="num" if c.numeric else None)
                             for c in table.columns], className=row_class[i] if row_class else None))
    return html.Table([head, html.Tbody(body)], className="k112-table k112-an-table", id=table_id)


def _kpi_cards(d: Dashboard, lang: str) -> list[Any]:
    labels = {"today": tr("Hari ini", "Today", lang), "7d": tr("7 hari terakhir", "Last 7 days", lang),
              "30d": tr("30 hari terakhir", "Last 30 days", lang),
              "period": tr("Periode terpilih", "Chosen period", lang)}
    versus = tr("dibanding periode sebelumnya yang sama panjang", "versus the previous period of equal length", lang)

    def line(window: str, label: str, now: int, before: int, key: str) -> Any:
        return html.Div([html.Span(label, className="k112-an-kpi-label"),
                         html.Span(report.fmt_int(now), className="k112-an-kpi-value",
                                   id=f"analytics-kpi-{window}-{key}"),
                         html.Span(report.fmt_change(now, before), className="k112-an-change", title=versus)])

    return [html.Div([
        html.Div(labels.get(k.window, k.window), className="k112-an-kpi-title"),
        line(k.window, tr("Panggilan", "Calls", lang), k.calls, k.prev_calls, "calls"),
        line(k.window, tr("Insiden", "Incidents", lang), k.incidents, k.prev_incidents, "incidents"),
        line(k.window, tr("Unit diberangkatkan", "Units dispatched", lang), k.units, k.prev_units, "units"),
    ], className="k112-an-kpi k112-card") for k in d.kpis]


def _area_maps(d: Dashboard, level: str, areas: Mapping[str, Any], map_style: str, lang: str) -> tuple[Any, Any]:
    rows = d.by_kelurahan if level == "kelurahan" else d.by_kecamatan
    names = d.names.kelurahan if level == "kelurahan" else d.names.kecamatan
    where = level
    p90 = figures.choropleth(areas[level]["geojson"], rows, names, measure="p90", map_style=map_style, lang=lang,
                             title=tr(f"p90 total respons per {where}", f"Total response p90 by {where}", lang))
    within = figures.choropleth(areas[level]["geojson"], rows, names, measure="within", map_style=map_style,
                                lang=lang, title=tr(f"% dalam target per {where}", f"% within target by {where}", lang))
    return p90, within


def _bars(d: Dashboard, lang: str) -> tuple[Any, Any]:
    type_labels = {k: tr(v[0], v[1], lang) for k, v in d.names.types.items()}
    agency_labels = {k: tr(v[0], v[1], lang) for k, v in d.names.agencies.items()}
    type_targets = {k: report.target_for(d, "total", incident_type=k) for k in d.names.types}
    agency_targets = {k: report.target_for(d, "total", agency=k) for k in d.names.agencies}
    return (figures.bars(d.by_type, type_labels, interval="total", target_of=type_targets, lang=lang,
                         title=tr("p90 total respons per jenis", "Total response p90 by type", lang)),
            figures.bars(d.by_agency, agency_labels, interval="total", target_of=agency_targets, lang=lang,
                         title=tr("p90 total respons per instansi", "Total response p90 by agency", lang)))


def _trends(d: Dashboard, lang: str) -> tuple[Any, Any]:
    target = report.target_for(d, "total")
    goal = d.targets.resolve("total").goal_share
    return (figures.trend(d.daily, interval="total", target_s=target, goal_share=goal, lang=lang,
                          title=tr("Total respons per hari", "Total response per day", lang)),
            figures.trend(d.weekly, interval="total", target_s=target, goal_share=goal, lang=lang,
                          title=tr("Total respons per minggu", "Total response per week", lang)))


def render(d: Dashboard, *, lang: str, level: str, areas: Mapping[str, Any], map_style: str) -> tuple[Any, ...]:
    """The outputs of the dashboard callback, in its order (without the notice)."""
    tables = report.all_tables(d, lang)
    intervals = tables["intervals"]
    row_class = [f"k112-an-{report.status(d.overall.intervals[r['interval']], r['target'], r['goal'])}"  # type: ignore[arg-type, index]
                 for r in intervals.raw]
    store = {name: t.to_store() for name, t in tables.items()}
    store["kecamatan"] = tables[level].to_store() if level in tables else store["kecamatan"]
    store["_period"] = {"from": d.filters.first_day.isoformat(), "to": d.filters.last_day.isoformat()}
    status = (tr(f"Dihitung di server dalam {d.seconds:.2f} d · ", f"Computed on the server in {d.seconds:.2f} s · ",
                 lang) + tr("Metode persentil: ", "Percentile method: ", lang)
              + (METHOD_EN if lang == "en" else METHOD_ID))
    map_p90, map_within = _area_maps(d, level, areas, map_style, lang)
    type_fig, agency_fig = _bars(d, lang)
    daily, weekly = _trends(d, lang)
    return (
        _kpi_cards(d, lang),
        html_table(intervals, table_id="analytics-intervals-table", row_class=row_class),
        map_p90, map_within,
        html_table(tables[level], table_id="analytics-area-table-inner"),
        type_fig, html_table(tables["type"], table_id="analytics-type-table-inner"),
        agency_fig, html_table(tables["agency"], table_id="analytics-agency-table-inner"),
        figures.heatmap(d.heatmap, lang=lang), daily, weekly,
        figures.calls_figure(d.calls, lang=lang), html_table(tables["calls"], table_id="analytics-calls-table-inner"),
        html_table(tables["league"], table_id="analytics-league-table"),
        store, status, "/analytics/print?" + urlencode(d.filters.to_query()),
    )
