"""The leadership page's coverage section: the share of time each kecamatan was beyond the target.

:func:`coverage_section` is placed on the analytics page; its callback (wired with
``pages._wiring.register`` by the page) follows the page's period (``analytics-dates``) and the
section's unit-type choice, and shows the KPI, a map of the period's share per kecamatan, a
day × kecamatan heat map and a table — from :func:`services.coverage.uncovered_time`, which
replays the event history (imported history included).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go
from dash import Input, Output, dcc, html

from analytics.period import Filters
from i18n import fmt_num, fmt_pct, tr
from incidents import labels
from layers.map_figure import basemap_style
from pages._wiring import wire
from planning.uncovered_time import UncoveredTimeKpi
from services import coverage as service
from web.context import area_layers, get_db, get_resources, get_settings
from web.errors import EXPECTED, user_message
from web.lang import current_lang

ROLES = ("leadership",)
KENDARI_CENTER = {"lon": 122.535, "lat": -3.985}
MAP_ZOOM = 10.6


def coverage_section(lang: str, filters: Filters) -> Any:
    """The section (folded open); the page's date picker (``analytics-dates``) drives it, starting
    from ``filters``' period."""
    cfg = service.settings(get_db())
    options = [{"label": labels.unit_type_label(t, lang), "value": t} for t in cfg.unit_types]
    head = [html.Span(tr("Waktu di luar target cakupan", "Time beyond the coverage target", lang),
                      className="k112-an-section-title"),
            html.Span(tr("Bagian waktu tiap kecamatan berada di luar target waktu tempuh dari unit siaga, per hari "
                         "(dari riwayat kejadian; unit siaga dianggap di posnya): di mana pangkalan tambahan paling "
                         "membantu.",
                         "The share of time each kecamatan was beyond the target drive time of every available "
                         "unit, per day (from the event history; an available unit is taken to be at its post): "
                         "where another base would help most.", lang), className="k112-an-explain")]
    return html.Details([
        html.Summary(head, className="k112-an-summary"),
        html.Div([
            html.Label(tr("Jenis unit", "Unit type", lang), htmlFor="analytics-coverage-type"),
            dcc.Dropdown(id="analytics-coverage-type", options=options,
                         value=cfg.unit_types[0] if cfg.unit_types else None, clearable=False, searchable=False,
                         style={"minWidth": "220px"}),
            html.Span(tr(f"Periode: {filters.first_day.strftime('%d-%m-%Y')} – {filters.last_day.strftime('%d-%m-%Y')}"
                         " (ikut filter tanggal di atas)",
                         f"Period: {filters.first_day.strftime('%d-%m-%Y')} – {filters.last_day.strftime('%d-%m-%Y')}"
                         " (follows the date filter above)", lang), className="k112-an-note"),
        ], className="k112-an-period"),
        dcc.Loading(html.Div([
            html.Div(id="analytics-coverage-kpi", className="k112-an-tiles"),
            html.Div([dcc.Graph(id="analytics-coverage-map", config={"displaylogo": False}),
                      dcc.Graph(id="analytics-coverage-days", config={"displaylogo": False})],
                     className="k112-an-two"),
            html.Div(id="analytics-coverage-table", className="k112-an-scroll"),
        ])),
    ], open=False, id="analytics-coverage", className="k112-card k112-an-section")


def _tile(title: str, value: str, note: str = "") -> Any:
    return html.Div([html.Div(html.Span(title, className="k112-an-tile-title"), className="k112-an-tile-head"),
                     html.Div(html.Span(value, className="k112-an-tile-value")),
                     html.Div(note, className="k112-an-tile-line")], className="k112-an-tile")


def kpis(kpi: UncoveredTimeKpi, lang: str) -> Any:
    """City share over the period, the worst kecamatan, the worst day."""
    total = float(kpi.observed_s.sum())
    city = float((kpi.city_uncovered_share * kpi.observed_s).sum() / total) if total > 0 else 0.0
    period = kpi.period_share()
    worst = max(period.items(), key=lambda kv: kv[1]) if period else ("—", 0.0)
    day = int(kpi.city_uncovered_share.argmax()) if len(kpi.days) else 0
    name = labels.unit_type_label(kpi.unit_type, lang)
    target = f"{fmt_num(kpi.threshold_min, lang, digits=0 if kpi.threshold_min.is_integer() else 1)} " \
        + tr("mnt", "min", lang)
    return [
        _tile(tr(f"Kota di luar {target} · {name}", f"City beyond {target} · {name}", lang), fmt_pct(city, lang),
              tr("rata-rata waktu × luas daratan", "average over time and land", lang)),
        _tile(tr("Kecamatan terburuk", "Worst kecamatan", lang), fmt_pct(worst[1], lang), str(worst[0])),
        _tile(tr("Hari terburuk (kota)", "Worst day (city)", lang),
              fmt_pct(float(kpi.city_uncovered_share[day]), lang) if kpi.days else "—",
              kpi.days[day].strftime("%d-%m-%Y") if kpi.days else ""),
    ]


def area_map(kpi: UncoveredTimeKpi, areas: Mapping[str, Any], map_style: str, lang: str) -> go.Figure:
    """Kecamatan coloured by the period's share of time beyond the target."""
    period = kpi.period_share()
    features = areas["kecamatan"]["geojson"]["features"]
    names = [str(f["properties"]["nama"]) for f in features]
    z = [period.get(n, 0.0) * 100 for n in names]
    text = [f"<b>{n}</b><br>{tr('di luar target', 'beyond the target', lang)}: {fmt_pct(period.get(n), lang)}"
            for n in names]
    fig = go.Figure(go.Choroplethmap(
        geojson=areas["kecamatan"]["geojson"], locations=names, featureidkey="properties.nama", z=z,
        colorscale="OrRd", zmin=0, zmax=max([*z, 10.0]), marker={"line": {"width": 0.8, "color": "#37474f"},
                                                                  "opacity": 0.75},
        colorbar={"title": {"text": tr("% waktu", "% of time", lang)}, "thickness": 12}, text=text,
        hovertemplate="%{text}<extra></extra>"))
    fig.update_layout(title={"text": tr("Per kecamatan, seluruh periode", "Per kecamatan, whole period", lang),
                             "font": {"size": 14}},
                      map={"style": map_style, "center": KENDARI_CENTER, "zoom": MAP_ZOOM},
                      margin={"l": 0, "r": 0, "t": 36, "b": 0}, height=420)
    return fig


def day_heatmap(kpi: UncoveredTimeKpi, lang: str) -> go.Figure:
    """Day × kecamatan: the share of each day its land was beyond the target."""
    x = [d.isoformat() for d in kpi.days]
    z = (kpi.uncovered_share.T * 100).round(1).tolist()
    fig = go.Figure(go.Heatmap(z=z, x=x, y=list(kpi.areas), colorscale="OrRd", zmin=0, zmax=100,
                               colorbar={"title": {"text": "%"}, "thickness": 12},
                               hovertemplate="%{y} · %{x}: %{z:.1f} %<extra></extra>"))
    fig.update_layout(title={"text": tr("Per hari (WITA)", "Per day (WITA)", lang), "font": {"size": 14}},
                      margin={"l": 110, "r": 10, "t": 36, "b": 40}, height=420)
    return fig


def table(kpi: UncoveredTimeKpi, lang: str) -> Any:
    period = kpi.period_share()
    rows = sorted(period.items(), key=lambda kv: -kv[1])
    worst_day = {a: int(kpi.uncovered_share[:, i].argmax()) for i, a in enumerate(kpi.areas)} if kpi.days else {}
    head = html.Tr([html.Th(tr("Kecamatan", "Kecamatan", lang)), html.Th(tr("Di luar target", "Beyond target", lang)),
                    html.Th(tr("Hari terburuk", "Worst day", lang))])
    body = [html.Tr([html.Td(a), html.Td(fmt_pct(v, lang)),
                     html.Td(f"{kpi.days[worst_day[a]].strftime('%d-%m-%Y')} · "
                             f"{fmt_pct(float(kpi.uncovered_share[worst_day[a], kpi.areas.index(a)]), lang)}"
                             if a in worst_day else "—")]) for a, v in rows]
    return html.Table([html.Thead(head), html.Tbody(body)], className="k112-table",
                      id="analytics-coverage-rows")


@wire(Output("analytics-coverage-kpi", "children"), Output("analytics-coverage-map", "figure"),
      Output("analytics-coverage-days", "figure"), Output("analytics-coverage-table", "children"),
      Input("analytics-dates", "start_date"), Input("analytics-dates", "end_date"),
      Input("analytics-coverage-type", "value"), roles=ROLES)
def update(start: str | None, end: str | None, unit_type: str | None) -> tuple[Any, Any, Any, Any]:
    lang = current_lang()
    empty = go.Figure()
    try:
        first, last = service.parse_period((start or "")[:10], (end or "")[:10])
        kpi = service.uncovered_time(get_db(), get_resources(), first, last, unit_type)
    except EXPECTED as exc:
        return html.Div(user_message(exc, lang), className="k112-error"), empty, empty, None
    return (kpis(kpi, lang), area_map(kpi, area_layers(), basemap_style(get_settings().basemap), lang),
            day_heatmap(kpi, lang), table(kpi, lang))
