"""HTML and figures of the leadership dashboard (``pages/analytics.py``): plain builders, no callbacks.

The page opens with a one-screen overview (the five intervals as red/amber/green tiles, volumes,
calls, the slowest kecamatan, the agency league, what is available now); the details follow in
folded sections, each with a one-line explanation and a link to the method.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from dash import dcc, html

from analytics import figures, overview, report
from analytics.fractiles import METHOD_EN, METHOD_ID
from analytics.model import Dashboard, Names
from analytics.period import Filters
from analytics.report import Table
from i18n import fmt_num, tr

QUICK = (("7", 7), ("30", 30), ("90", 90), ("365", 365))
GRAPH_CONFIG: Any = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2,
                                                                "filename": "kendari112-kinerja"}}
MAP_CONFIG: Any = {**GRAPH_CONFIG, "scrollZoom": True}
METHOD_HREF = "#analytics-method-section"
#: Months offered for the monthly report (the latest first).
REPORT_MONTHS = 12


def _options(names: Names, lang: str) -> tuple[list[dict[str, str]], list[dict[str, str]], list[dict[str, str]]]:
    types = [{"label": tr(v[0], v[1], lang), "value": k} for k, v in names.types.items()]
    agencies = [{"label": tr(v[0], v[1], lang), "value": k} for k, v in names.agencies.items()]
    kec = [{"label": v, "value": k} for k, v in sorted(names.kecamatan.items(), key=lambda kv: kv[1])]
    return types, agencies, kec


def _graph(graph_id: str, config: Any = GRAPH_CONFIG, **kwargs: Any) -> dcc.Graph:
    # responsive: a graph drawn while its section is folded takes its size when the section opens
    return dcc.Graph(id=graph_id, config=config, responsive=True, **kwargs)


def _section(title: str, explain: str, *children: Any, lang: str, csv: str | None = None,
             section_id: str | None = None, open_: bool = False) -> html.Details:
    """A folded section: title, a one-line plain-language explanation and a method link."""
    head: list[Any] = [html.Span(title, className="k112-an-section-title"),
                       html.Span(explain, className="k112-an-explain"),
                       html.A(tr("Metode", "Method", lang), href=METHOD_HREF, className="k112-an-method-link")]
    tools: list[Any] = []
    if csv:
        tools.append(html.Button("CSV", id={"type": "analytics-csv", "table": csv}, className="k112-csv-button",
                                 title=tr("Unduh tabel sebagai CSV", "Download the table as CSV", lang)))
    extra: dict[str, Any] = {"id": section_id} if section_id else {}
    return html.Details([html.Summary(head, className="k112-an-summary"),
                         html.Div(tools, className="k112-an-tools") if tools else None, *children],
                        open=open_, className="k112-card k112-an-section", **extra)


def _filters_bar(filters: Filters, names: Names, lang: str) -> html.Div:
    types, agencies, kec = _options(names, lang)
    return html.Div([
        html.Div([
            html.Label(tr("Periode (WITA)", "Period (WITA)", lang)),
            html.Div([
                dcc.DatePickerRange(id="analytics-dates", start_date=filters.first_day.isoformat(),
                                    end_date=filters.last_day.isoformat(), display_format="DD-MM-YYYY",
                                    first_day_of_week=1, minimum_nights=0, clearable=False),
                html.Div([html.Button(tr(f"{label} hari", f"{label} days", lang), id=f"analytics-quick-{label}",
                                      className="k112-quick", n_clicks=0) for label, _ in QUICK],
                         className="k112-quick-row"),
            ], className="k112-an-period"),
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


def report_months(today: date, lang: str) -> list[dict[str, str]]:
    """The last :data:`REPORT_MONTHS` months (the current one first), as dropdown options."""
    names_id = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
                "November", "Desember")
    names_en = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December")
    out = []
    first = today.replace(day=1)
    for _ in range(REPORT_MONTHS):
        label = f"{(names_en if lang == 'en' else names_id)[first.month - 1]} {first.year}"
        out.append({"label": label, "value": f"{first.year:04d}-{first.month:02d}"})
        first = (first - timedelta(days=1)).replace(day=1)
    return out


def page(filters: Filters, names: Names, *, lang: str, notice: str | None, method: Sequence[str],
         is_admin: bool, today: date) -> html.Div:
    """The page: the overview (toolbar, filters, tiles) and the folded details that :func:`render` fills."""
    admin_link = html.A(tr("Impor data & target", "Data import & targets", lang), href="/analytics/data",
                        id="analytics-admin-link", className="k112-an-link") if is_admin else None
    months = report_months(today, lang)
    last_month = months[1]["value"] if len(months) > 1 else months[0]["value"]
    return html.Div([
        dcc.Store(id="analytics-tables"),
        dcc.Store(id="analytics-query"),
        dcc.Download(id="analytics-download"),
        dcc.Download(id="analytics-report-download"),
        html.Section([
            html.Div([
                html.H2(tr("Kinerja layanan 112 Kota Kendari", "Kendari 112 service performance", lang)),
                html.Span(id="analytics-period-label", className="k112-an-period-label"),
                html.Div([
                    html.A(tr("Ringkasan cetak (A4)", "Printable summary (A4)", lang), id="analytics-print-link",
                           href="/analytics/print", target="_blank", className="k112-an-link"),
                    dcc.Dropdown(id="analytics-report-month", options=months, value=last_month, clearable=False,
                                 className="k112-an-month"),
                    html.Button(tr("Unduh laporan bulanan (PDF)", "Download monthly report (PDF)", lang),
                                id="analytics-report-button", n_clicks=0, className="k112-an-report-button"),
                    html.A(tr("Metode", "Method", lang), href=METHOD_HREF, className="k112-an-link"),
                    admin_link,
                ], className="k112-an-actions"),
            ], className="k112-toolbar"),
            _filters_bar(filters, names, lang),
            html.Div(notice, id="analytics-notice", className="k112-error" if notice else ""),
            dcc.Loading(html.Div(id="analytics-report-status", className="k112-an-note"), type="dot"),
            dcc.Loading(html.Div([
                html.Div(id="analytics-tiles", className="k112-an-tiles"),
                html.Div([html.Div(id="analytics-kpis", className="k112-an-kpis k112-card"),
                          html.Div(id="analytics-overview-cards", className="k112-an-cards")],
                         className="k112-an-row"),
                html.P(id="analytics-filters-note", className="k112-an-note"),
            ]), type="dot"),
        ], id="analytics-overview", className="k112-an-overview"),
        html.Div([
            _section(tr("Interval respons", "Response intervals", lang),
                     tr("p50: separuh insiden lebih cepat; p90: 9 dari 10 insiden lebih cepat. Warna: dibanding "
                        "sasaran.", "p50: half the incidents were faster; p90: 9 of 10 were faster. Colour: "
                        "against the goal.", lang),
                     html.Div(id="analytics-intervals"), lang=lang, csv="intervals"),
            _section(tr("Per wilayah: total respons", "By area: total response", lang),
                     tr("Di mana bantuan datang lambat: p90 dari panggilan masuk sampai unit pertama tiba.",
                        "Where help comes late: p90 from the call to the first unit on scene.", lang),
                     dcc.RadioItems(id="analytics-map-level", value="kecamatan", inline=True,
                                    options=[{"label": "Kecamatan", "value": "kecamatan"},
                                             {"label": "Kelurahan", "value": "kelurahan"}]),
                     html.Div([_graph("analytics-map-p90", MAP_CONFIG, className="k112-an-map"),
                               _graph("analytics-map-within", MAP_CONFIG, className="k112-an-map")],
                              className="k112-an-two"),
                     html.Div(id="analytics-area-table", className="k112-an-scroll"), lang=lang, csv="kecamatan",
                     section_id="analytics-area"),
            _section(tr("Per jenis insiden", "By incident type", lang),
                     tr("Jenis insiden mana yang paling lama ditangani, dibanding targetnya.",
                        "Which incident types take longest, against their target.", lang),
                     _graph("analytics-type-fig"),
                     html.Div(id="analytics-type-table", className="k112-an-scroll"), lang=lang, csv="type"),
            _section(tr("Per instansi", "By agency", lang),
                     tr("Setiap instansi: seberapa cepat unitnya berangkat dan tiba.",
                        "Each agency: how fast its units leave and arrive.", lang),
                     _graph("analytics-agency-fig"),
                     html.Div(id="analytics-agency-table", className="k112-an-scroll"), lang=lang, csv="agency"),
            _section(tr("Waktu dan tren", "Time and trends", lang),
                     tr("Kapan insiden terjadi, dan apakah layanan makin cepat dari minggu ke minggu.",
                        "When incidents happen, and whether service gets faster week by week.", lang),
                     _graph("analytics-heatmap"),
                     html.Div([_graph("analytics-trend-daily"), _graph("analytics-trend-weekly")],
                              className="k112-an-two"), lang=lang),
            _section(tr("Penanganan panggilan", "Call handling", lang),
                     tr("Berapa panggilan masuk, berapa dijawab dan seberapa cepat.",
                        "How many calls came in, how many were answered, and how fast.", lang),
                     html.P(id="analytics-calls-note", className="k112-an-note"),
                     html.Div([_graph("analytics-calls-fig"), html.Div(id="analytics-calls-table")],
                              className="k112-an-two"), lang=lang, csv="calls"),
            _section(tr("Peringkat instansi (OPD): penutupan tiket", "Agency (OPD) league table: ticket closure", lang),
                     tr("Instansi mana yang menutup tiketnya, dan berapa lama.",
                        "Which agencies close their tickets, and how long it takes.", lang),
                     html.Div(id="analytics-league"), lang=lang, csv="league"),
            _section(tr("Metode dan kelengkapan data", "Method and data completeness", lang),
                     tr("Bagaimana angka dihitung dan apa batasnya.", "How the figures are computed and their limits.",
                        lang),
                     html.Ul([html.Li(literal(p)) for p in method], id="analytics-method",
                             className="k112-an-method"),
                     html.P(id="analytics-status", className="k112-an-note"),
                     html.P(tr("Grafik: ikon kamera di pojok grafik menyimpan PNG. Angka abu-abu: terlalu sedikit "
                               "insiden untuk dipegang.", "Charts: the camera icon in a chart's corner saves it as PNG."
                               " Grey figures: too few incidents to rely on.", lang), className="k112-an-note"),
                     lang=lang, section_id="analytics-method-section"),
        ], className="k112-an-details"),
    ], className="k112-analytics")


#: Names of functions quoted in method texts: shown as code, never as a word of the sentence.
LITERALS = ("percentile_disc",)


def literal(text: str) -> list[Any]:
    """``text`` with the function names of :data:`LITERALS` set as code."""
    out: list[Any] = [text]
    for word in LITERALS:
        pieces: list[Any] = []
        for part in out:
            if not isinstance(part, str) or word not in part:
                pieces.append(part)
                continue
            chunks = part.split(word)
            for i, chunk in enumerate(chunks):
                if i:
                    pieces.append(html.Code(word))
                if chunk:
                    pieces.append(chunk)
        out = pieces
    return out


def html_table(table: Table, *, table_id: str, row_class: Sequence[str] | None = None,
               lang: str = "id") -> html.Table:
    columns = table.shown_columns
    head = html.Thead(html.Tr([html.Th(c.label, className="num" if c.numeric else None) for c in columns]))
    classes = list(row_class) if row_class is not None else list(table.row_classes)
    body = []
    for i, row in enumerate(table.rows):
        cls = classes[i] if i < len(classes) and classes[i] else None
        body.append(html.Tr([html.Td(row.get(c.key, ""), className="num" if c.numeric else None)
                             for c in columns], className=cls,
                            title=tr("terlalu sedikit insiden", "too few incidents", lang) if cls == "k112-an-few"
                            else None))
    return html.Table([head, html.Tbody(body)], className="k112-table k112-an-table", id=table_id)


# --- the overview ------------------------------------------------------------------------------
def tiles(ov: overview.Overview) -> list[Any]:
    return [html.Div([
        html.Div([html.Span(t.title, className="k112-an-tile-title"),
                  html.Span(t.status_text, className="k112-an-badge")], className="k112-an-tile-head"),
        html.Div([html.Span(t.p90, className="k112-an-tile-value"), html.Span(" p90", className="k112-an-unit")]),
        html.Div([html.Span(t.target), " · ", html.Span(t.within, className="k112-an-within"), " ",
                  html.Span(f"({t.goal})", className="k112-an-goal")], className="k112-an-tile-line"),
        html.Div(t.trend, className=f"k112-an-trend k112-an-trend-{t.trend_class}"),
        html.Div(f"{t.completeness} · {t.n}", className="k112-an-tile-line k112-an-muted"),
        html.Div(t.sentence, className="k112-an-sentence"),
    ], className=f"k112-an-tile k112-an-st-{t.status}", id=f"analytics-tile-{t.key}") for t in ov.tiles]


def card(c: overview.Card) -> html.Div:
    return html.Div([
        html.Div(c.title, className="k112-an-card-title"),
        html.Div(c.sentence, className="k112-an-sentence") if c.sentence else None,
        html.Table(html.Tbody([html.Tr([html.Td(line.label), html.Td(line.value, className="num")],
                                       className="k112-an-muted" if line.muted else None) for line in c.lines]),
                   className="k112-an-lines"),
        html.Div(c.note, className="k112-an-card-note"),
    ], className=f"k112-card k112-an-card k112-an-st-{c.status}", id=f"analytics-card-{c.key}")


def kpi_block(d: Dashboard, lang: str) -> list[Any]:
    """Volumes per window (today, 7 and 30 days, chosen period) with the change against the
    previous window of equal length ("new" against a tiny or empty base)."""
    labels = report.kpi_labels(lang)
    min_n = d.targets.min_n
    versus = tr("dibanding periode sebelumnya yang sama panjang", "versus the previous period of equal length", lang)
    head = html.Tr([html.Th(tr("Volume", "Volume", lang)), html.Th(report.calls_label(d, lang), className="num"),
                    html.Th(tr("Insiden", "Incidents", lang), className="num"),
                    html.Th(tr("Unit diberangkatkan", "Units dispatched", lang), className="num")])

    def cell(window: str, key: str, now: int, before: int) -> html.Td:
        return html.Td([html.Span(fmt_num(now, lang), className="k112-an-kpi-value",
                                  id=f"analytics-kpi-{window}-{key}"),
                        html.Span(report.change_text(now, before, lang, min_base=min_n), className="k112-an-change",
                                  title=versus)], className="num")

    rows = [html.Tr([html.Td(labels.get(k.window, k.window), className="k112-an-kpi-title"),
                     cell(k.window, "calls", k.calls, k.prev_calls),
                     cell(k.window, "incidents", k.incidents, k.prev_incidents),
                     cell(k.window, "units", k.units, k.prev_units)]) for k in d.kpis]
    return [html.Table([html.Thead(head), html.Tbody(rows)], className="k112-an-kpi-table")]


def _area_maps(d: Dashboard, level: str, areas: Mapping[str, Any], map_style: str, lang: str) -> tuple[Any, Any]:
    rows = d.by_kelurahan if level == "kelurahan" else d.by_kecamatan
    names = d.names.kelurahan if level == "kelurahan" else d.names.kecamatan
    where = level
    target = report.target_for(d, "total")
    p90 = figures.choropleth(areas[level]["geojson"], rows, names, measure="p90", map_style=map_style, lang=lang,
                             title=tr(f"p90 total respons per {where}", f"Total response p90 by {where}", lang),
                             target_s=target, min_n=d.targets.min_n)
    within = figures.choropleth(areas[level]["geojson"], rows, names, measure="within", map_style=map_style,
                                lang=lang, title=tr(f"% dalam target per {where}", f"% within target by {where}", lang),
                                min_n=d.targets.min_n)
    return p90, within


def _bars(d: Dashboard, lang: str) -> tuple[Any, Any]:
    type_labels = {k: tr(v[0], v[1], lang) for k, v in d.names.types.items()}
    agency_labels = {k: tr(v[0], v[1], lang) for k, v in d.names.agencies.items()}
    type_targets = {k: report.target_for(d, "total", incident_type=k) for k in d.names.types}
    agency_targets = {k: report.target_for(d, "total", agency=k) for k in d.names.agencies}
    return (figures.bars(d.by_type, type_labels, interval="total", target_of=type_targets, lang=lang,
                         title=tr("p90 total respons per jenis", "Total response p90 by type", lang),
                         min_n=d.targets.min_n),
            figures.bars(d.by_agency, agency_labels, interval="total", target_of=agency_targets, lang=lang,
                         title=tr("p90 total respons per instansi", "Total response p90 by agency", lang),
                         min_n=d.targets.min_n))


def _trends(d: Dashboard, lang: str) -> tuple[Any, Any]:
    target = report.target_for(d, "total")
    goal = d.targets.resolve("total").goal_share
    return (figures.trend(d.daily, interval="total", target_s=target, goal_share=goal, lang=lang,
                          title=tr("Total respons per hari", "Total response per day", lang), min_n=d.targets.min_n),
            figures.trend(d.weekly, interval="total", target_s=target, goal_share=goal, lang=lang,
                          title=tr("Total respons per minggu", "Total response per week", lang),
                          min_n=d.targets.min_n))


def render(d: Dashboard, *, lang: str, level: str, areas: Mapping[str, Any], map_style: str) -> tuple[Any, ...]:
    """The outputs of the dashboard callback, in its order (without the notice)."""
    tables = report.all_tables(d, lang)
    ov = overview.build(d, lang, period=report.period_label(d, lang))
    store = {name: t.to_store() for name, t in tables.items()}
    store["kecamatan"] = tables[level].to_store() if level in tables else store["kecamatan"]
    store["_period"] = {"from": d.filters.first_day.isoformat(), "to": d.filters.last_day.isoformat()}
    seconds = fmt_num(d.seconds, lang, digits=2)
    status = literal(tr(f"Dihitung di server dalam {seconds} dtk · ", f"Computed on the server in {seconds} s · ",
                        lang) + tr("Metode persentil: ", "Percentile method: ", lang)
                     + (METHOD_EN if lang == "en" else METHOD_ID))
    map_p90, map_within = _area_maps(d, level, areas, map_style, lang)
    type_fig, agency_fig = _bars(d, lang)
    daily, weekly = _trends(d, lang)
    return (
        tiles(ov), kpi_block(d, lang), [card(ov.calls), card(ov.worst_areas), card(ov.league), card(ov.live)],
        ov.filters_note, ov.period,
        html_table(tables["intervals"], table_id="analytics-intervals-table", lang=lang),
        map_p90, map_within,
        html_table(tables[level], table_id="analytics-area-table-inner", lang=lang),
        type_fig, html_table(tables["type"], table_id="analytics-type-table-inner", lang=lang),
        agency_fig, html_table(tables["agency"], table_id="analytics-agency-table-inner", lang=lang),
        figures.heatmap(d.heatmap, lang=lang), daily, weekly,
        figures.calls_figure(d.calls, lang=lang),
        html_table(tables["calls"], table_id="analytics-calls-table-inner", lang=lang),
        report.calls_scope_note(d, lang),
        html_table(tables["league"], table_id="analytics-league-table", lang=lang),
        store, status, "/analytics/print?" + urlencode(d.filters.to_query()),
    )
