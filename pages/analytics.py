"""Performance for city leadership: response-time fractiles against targets, by place, type, agency, time.

Roles: leadership (and admin). The filters live in the URL query string (``?from=&to=&type=&agency=
&kecamatan=``), so a view can be shared; charts export as PNG from the plotly toolbar (camera icon),
tables as CSV.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

import dash
from dash import ALL, Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from analytics import figures, report
from analytics._errors import FilterError
from analytics.fractiles import METHOD_EN, METHOD_ID
from analytics.model import Dashboard, Names
from analytics.period import WITA, Filters, view_filters
from analytics.report import Table

from web.lang import current_lang, tr
from layers.map_figure import basemap_style
from store import analytics as store_analytics
from web.auth import callback_roles, has_role, page_guard
from web.context import area_layers, get_db, get_settings

dash.register_page(__name__, path="/analytics", name="Kinerja", title="Kendari 112 — Kinerja")

ROLES = ("leadership",)
QUICK = (("7", 7), ("30", 30), ("90", 90), ("365", 365))
GRAPH_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2,
                                                                "filename": "kendari112-kinerja"}}
MAP_CONFIG = {**GRAPH_CONFIG, "scrollZoom": True}




def _today() -> Any:
    return datetime.now(WITA).date()


def _parse(query: dict[str, Any], names: Names) -> Filters:
    return view_filters(query, now=datetime.now(timezone.utc), known_types=set(names.types),
                        known_agencies=set(names.agencies), known_kecamatan=set(names.kecamatan))


def _options(names: Names, lang: str) -> tuple[list[dict[str, str]], list[dict[str, str]], list[dict[str, str]]]:
    types = [{"label": (v[1] if lang == "en" else v[0]), "value": k} for k, v in names.types.items()]
    agencies = [{"label": (v[1] if lang == "en" else v[0]), "value": k} for k, v in names.agencies.items()]
    kec = [{"label": v, "value": k} for k, v in sorted(names.kecamatan.items(), key=lambda kv: kv[1])]
    return types, agencies, kec


def _section(title: str, *children: Any, csv: str | None = None, section_id: str | None = None) -> html.Section:
    head: list[Any] = [html.H3(title)]
    if csv:
        head.append(html.Button("CSV", id={"type": "analytics-csv", "table": csv}, className="k112-csv-button",
                                title=tr("Unduh tabel sebagai CSV", "Download the table as CSV")))
    extra = {"id": section_id} if section_id else {}
    return html.Section([html.Div(head, className="k112-an-section-head"), *children],
                        className="k112-card k112-an-section", **extra)


def layout(**query: Any) -> Any:
    denied = page_guard(*ROLES)
    if denied is not None:
        return denied
    lang = current_lang()
    names = store_analytics.names(get_db())
    notice = None
    try:
        filters = _parse(query, names)
    except FilterError as exc:
        notice = tr("Filter di alamat tidak sah: ", "Invalid filter in the address: ") + str(exc)
        filters = _parse({}, names)
    types, agencies, kec = _options(names, lang)
    admin_link = html.A(tr("Impor data & target", "Data import & targets"), href="/analytics/data",
                        id="analytics-admin-link", className="k112-an-link") if has_role("admin") else None
    return html.Div([
        dcc.Store(id="analytics-tables"),
        dcc.Store(id="analytics-query"),
        dcc.Download(id="analytics-download"),
        html.Div([
            html.H2(tr("Kinerja layanan 112 Kota Kendari", "Kendari 112 service performance")),
            html.A(tr("Ringkasan cetak", "Printable summary"), id="analytics-print-link", href="/analytics/print",
                   target="_blank", className="k112-an-link"),
            admin_link,
        ], className="k112-toolbar"),
        html.Div([
            html.Div([
                html.Label(tr("Periode (WITA)", "Period (WITA)")),
                dcc.DatePickerRange(id="analytics-dates", start_date=filters.first_day.isoformat(),
                                    end_date=filters.last_day.isoformat(), display_format="DD-MM-YYYY",
                                    first_day_of_week=1, minimum_nights=0, clearable=False),
                html.Div([html.Button(tr(f"{label} hari", f"{label} days"), id=f"analytics-quick-{label}",
                                      className="k112-quick", n_clicks=0) for label, _ in QUICK],
                         className="k112-quick-row"),
            ], className="k112-an-filter"),
            html.Div([html.Label(tr("Jenis insiden", "Incident type")),
                      dcc.Dropdown(id="analytics-type", options=types, value=list(filters.incident_types),
                                   multi=True, placeholder=tr("Semua jenis", "All types"))],
                     className="k112-an-filter k112-an-wide"),
            html.Div([html.Label(tr("Instansi", "Agency")),
                      dcc.Dropdown(id="analytics-agency", options=agencies, value=filters.agency,
                                   placeholder=tr("Semua instansi", "All agencies"))], className="k112-an-filter"),
            html.Div([html.Label("Kecamatan"),
                      dcc.Dropdown(id="analytics-kecamatan", options=kec, value=filters.kecamatan,
                                   placeholder=tr("Seluruh kota", "Whole city"))], className="k112-an-filter"),
        ], className="k112-an-filters k112-card"),
        html.Div(notice, id="analytics-notice", className="k112-error" if notice else ""),
        dcc.Loading(html.Div(id="analytics-kpis", className="k112-an-kpis"), type="dot"),
        _section(tr("Interval respons (seluruh cakupan)", "Response intervals (whole scope)"),
                 html.Div(id="analytics-intervals"),
                 html.P(report.method_note(store_analytics.load_targets(get_db()), lang),
                        id="analytics-method", className="k112-an-note"), csv="intervals"),
        _section(tr("Per wilayah: total respons", "By area: total response"),
                 dcc.RadioItems(id="analytics-map-level", value="kecamatan", inline=True,
                                options=[{"label": "Kecamatan", "value": "kecamatan"},
                                         {"label": "Kelurahan", "value": "kelurahan"}]),
                 html.Div([dcc.Graph(id="analytics-map-p90", config=MAP_CONFIG, className="k112-an-map"),
                           dcc.Graph(id="analytics-map-within", config=MAP_CONFIG, className="k112-an-map")],
                          className="k112-an-two"),
                 html.Div(id="analytics-area-table", className="k112-an-scroll"), csv="kecamatan",
                 section_id="analytics-area"),
        _section(tr("Per jenis insiden", "By incident type"),
                 dcc.Graph(id="analytics-type-fig", config=GRAPH_CONFIG),
                 html.Div(id="analytics-type-table", className="k112-an-scroll"), csv="type"),
        _section(tr("Per instansi", "By agency"),
                 dcc.Graph(id="analytics-agency-fig", config=GRAPH_CONFIG),
                 html.Div(id="analytics-agency-table", className="k112-an-scroll"), csv="agency"),
        _section(tr("Waktu dan tren", "Time and trends"),
                 dcc.Graph(id="analytics-heatmap", config=GRAPH_CONFIG),
                 html.Div([dcc.Graph(id="analytics-trend-daily", config=GRAPH_CONFIG),
                           dcc.Graph(id="analytics-trend-weekly", config=GRAPH_CONFIG)], className="k112-an-two")),
        _section(tr("Penanganan panggilan", "Call handling"),
                 html.P(tr("Hanya periode yang berlaku: panggilan belum punya jenis, instansi atau lokasi "
                           "sebelum dijawab.", "Only the period applies: a call has no type, agency or place "
                           "before it is answered."), className="k112-an-note"),
                 html.Div([dcc.Graph(id="analytics-calls-fig", config=GRAPH_CONFIG),
                           html.Div(id="analytics-calls-table")], className="k112-an-two"), csv="calls"),
        _section(tr("Peringkat instansi (OPD): penutupan tiket", "Agency (OPD) league table: ticket closure"),
                 html.Div(id="analytics-league"), csv="league"),
        html.P(id="analytics-status", className="k112-an-note"),
        html.P(tr("Grafik: ikon kamera di pojok grafik menyimpan PNG.",
                  "Charts: the camera icon in a chart's corner saves it as PNG."), className="k112-an-note"),
    ], className="k112-analytics")


def _html_table(table: Table, *, table_id: str, row_class: list[str] | None = None) -> html.Table:
    head = html.Thead(html.Tr([html.Th(c.label, className="num" if c.numeric else None) for c in table.columns]))
    body = []
    for i, row in enumerate(table.rows):
        body.append(html.Tr([html.Td(row.get(c.key, ""), className="num" if c.numeric else None)
                             for c in table.columns], className=row_class[i] if row_class else None))
    return html.Table([head, html.Tbody(body)], className="k112-table k112-an-table", id=table_id)


def _kpi_cards(dash_: Dashboard, lang: str) -> list[Any]:
    labels = {"today": tr("Hari ini", "Today", lang), "7d": tr("7 hari terakhir", "Last 7 days", lang),
              "30d": tr("30 hari terakhir", "Last 30 days", lang), "period": tr("Periode terpilih", "Chosen period", lang)}
    cards = []
    for k in dash_.kpis:
        def line(label: str, now: int, before: int, key: str) -> Any:
            change = report.fmt_change(now, before)
            cls = "k112-an-change"
            return html.Div([html.Span(label, className="k112-an-kpi-label"),
                             html.Span(report.fmt_int(now), className="k112-an-kpi-value",
                                       id=f"analytics-kpi-{k.window}-{key}"),
                             html.Span(change, className=cls,
                                       title=tr("dibanding periode sebelumnya yang sama panjang",
                                                "versus the previous period of equal length", lang))])
        cards.append(html.Div([
            html.Div(labels.get(k.window, k.window), className="k112-an-kpi-title"),
            line(tr("Panggilan", "Calls", lang), k.calls, k.prev_calls, "calls"),
            line(tr("Insiden", "Incidents", lang), k.incidents, k.prev_incidents, "incidents"),
            line(tr("Unit diberangkatkan", "Units dispatched", lang), k.units, k.prev_units, "units"),
        ], className="k112-an-kpi k112-card"))
    return cards


def _filters_from_inputs(start: str | None, end: str | None, types: list[str] | None, agency: str | None,
                         kecamatan: str | None, names: Names) -> Filters:
    q = {"from": (start or "")[:10], "to": (end or "")[:10], "type": ",".join(types or []),
         "agency": agency or "", "kecamatan": kecamatan or ""}
    return _parse(q, names)


@callback(
    Output("analytics-kpis", "children"), Output("analytics-intervals", "children"),
    Output("analytics-map-p90", "figure"), Output("analytics-map-within", "figure"),
    Output("analytics-area-table", "children"), Output("analytics-type-fig", "figure"),
    Output("analytics-type-table", "children"), Output("analytics-agency-fig", "figure"),
    Output("analytics-agency-table", "children"), Output("analytics-heatmap", "figure"),
    Output("analytics-trend-daily", "figure"), Output("analytics-trend-weekly", "figure"),
    Output("analytics-calls-fig", "figure"), Output("analytics-calls-table", "children"),
    Output("analytics-league", "children"), Output("analytics-tables", "data"),
    Output("analytics-status", "children"), Output("analytics-print-link", "href"),
    Output("analytics-notice", "children"),
    Input("analytics-dates", "start_date"), Input("analytics-dates", "end_date"),
    Input("analytics-type", "value"), Input("analytics-agency", "value"),
    Input("analytics-kecamatan", "value"), Input("analytics-map-level", "value"),
)
@callback_roles(*ROLES)
def update_dashboard(start: str | None, end: str | None, types: list[str] | None, agency: str | None,
                     kecamatan: str | None, level: str | None) -> tuple[Any, ...]:
    db = get_db()
    lang = current_lang()
    names = store_analytics.names(db)
    try:
        filters = _filters_from_inputs(start, end, types, agency, kecamatan, names)
    except FilterError as exc:
        return (*([no_update] * 18), str(exc))
    d = store_analytics.dashboard(db, filters)
    return _render(d, lang, level or "kecamatan") + ("",)


def _render(d: Dashboard, lang: str, level: str) -> tuple[Any, ...]:
    tables = report.all_tables(d, lang)
    style = basemap_style(get_settings().basemap)
    areas = area_layers()
    area_rows = d.by_kelurahan if level == "kelurahan" else d.by_kecamatan
    area_names = d.names.kelurahan if level == "kelurahan" else d.names.kecamatan
    total_target = report.target_for(d, "total")
    where = "Kelurahan" if level == "kelurahan" else "Kecamatan"
    map_p90 = figures.choropleth(areas[level]["geojson"], area_rows, area_names, measure="p90", map_style=style,
                                 lang=lang, title=tr(f"p90 total respons per {where.lower()}",
                                                     f"Total response p90 by {where.lower()}", lang))
    map_within = figures.choropleth(areas[level]["geojson"], area_rows, area_names, measure="within",
                                    map_style=style, lang=lang,
                                    title=tr(f"% dalam target per {where.lower()}",
                                             f"% within target by {where.lower()}", lang))
    type_labels = {k: tr(v[0], v[1], lang) for k, v in d.names.types.items()}
    agency_labels = {k: tr(v[0], v[1], lang) for k, v in d.names.agencies.items()}
    type_targets = {k: report.target_for(d, "total", incident_type=k) for k in d.names.types}
    agency_targets = {k: report.target_for(d, "total", agency=k) for k in d.names.agencies}
    type_fig = figures.bars(d.by_type, type_labels, interval="total", target_of=type_targets, lang=lang,
                            title=tr("p90 total respons per jenis", "Total response p90 by type", lang))
    agency_fig = figures.bars(d.by_agency, agency_labels, interval="total", target_of=agency_targets, lang=lang,
                              title=tr("p90 total respons per instansi", "Total response p90 by agency", lang))
    goal = d.targets.resolve("total").goal_share
    daily = figures.trend(d.daily, interval="total", target_s=total_target, goal_share=goal, lang=lang,
                          title=tr("Total respons per hari", "Total response per day", lang))
    weekly = figures.trend(d.weekly, interval="total", target_s=total_target, goal_share=goal, lang=lang,
                           title=tr("Total respons per minggu", "Total response per week", lang))
    intervals = tables["intervals"]
    row_class = [f"k112-an-{report.status(d.overall.intervals[r['interval']], r['target'], r['goal'])}"  # type: ignore[arg-type]
                 for r in intervals.raw]
    store = {name: t.to_store() for name, t in tables.items()}
    store["kecamatan"] = tables[level].to_store() if level in tables else store["kecamatan"]
    store["_period"] = {"from": d.filters.first_day.isoformat(), "to": d.filters.last_day.isoformat()}
    status = tr(f"Dihitung di server dalam {d.seconds:.2f} d · ", f"Computed on the server in {d.seconds:.2f} s · ", lang) \
        + tr("Metode persentil: ", "Percentile method: ", lang) + (METHOD_EN if lang == "en" else METHOD_ID)
    href = "/analytics/print?" + urlencode(d.filters.to_query())
    return (
        _kpi_cards(d, lang),
        _html_table(intervals, table_id="analytics-intervals-table", row_class=row_class),
        map_p90, map_within,
        _html_table(tables[level], table_id="analytics-area-table-inner"),
        type_fig, _html_table(tables["type"], table_id="analytics-type-table-inner"),
        agency_fig, _html_table(tables["agency"], table_id="analytics-agency-table-inner"),
        figures.heatmap(d.heatmap, lang=lang), daily, weekly,
        figures.calls_figure(d.calls, lang=lang), _html_table(tables["calls"], table_id="analytics-calls-table-inner"),
        _html_table(tables["league"], table_id="analytics-league-table"),
        store, status, href,
    )


@callback(
    Output("analytics-dates", "start_date"), Output("analytics-dates", "end_date"),
    *[Input(f"analytics-quick-{label}", "n_clicks") for label, _ in QUICK],
    prevent_initial_call=True,
)
@callback_roles(*ROLES)
def quick_period(*_clicks: int) -> tuple[str, str]:
    trigger = ctx.triggered_id
    days = dict(QUICK).get(str(trigger).rsplit("-", 1)[-1]) if trigger else None
    if not days:
        raise PreventUpdate
    today = _today()
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
    if not trigger or not data or not any(clicks):
        raise PreventUpdate
    name = trigger["table"]
    if name not in data:
        raise PreventUpdate
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
