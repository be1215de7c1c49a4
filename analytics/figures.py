"""Plotly figures of the dashboard from plain data (no Dash, no SQL)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import plotly.graph_objects as go

from analytics.model import CallHandling, GroupRow
from analytics.report import WEEKDAYS_EN, WEEKDAYS_ID, heat_label
from analytics.targets import DEFAULT_MIN_N
from i18n import fmt_duration, fmt_num, fmt_pct

KENDARI_CENTER = {"lon": 122.535, "lat": -3.985}
MAP_ZOOM = 10.6
_MARGIN = {"l": 40, "r": 20, "t": 40, "b": 40}
#: Areas, bars and points resting on too few incidents.
FEW_COLOUR = "#cfd8dc"


def _t(text_id: str, text_en: str, lang: str) -> str:
    return text_en if lang == "en" else text_id


def empty(message: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(annotations=[{"text": message, "showarrow": False, "font": {"size": 14}}],
                      xaxis={"visible": False}, yaxis={"visible": False}, margin=_MARGIN, height=300)
    return fig


def choropleth(geojson: Mapping[str, Any], rows: Sequence[GroupRow], names: Mapping[str, str], *,
               measure: str, title: str, map_style: str, lang: str, target_s: int | None = None,
               min_n: int = DEFAULT_MIN_N) -> go.Figure:
    """Areas coloured by the total response p90 (``measure="p90"``, minutes, from 0) or % within
    target (``"within"``, 0–100); areas measured on fewer than ``min_n`` incidents are drawn faded
    ("too few incidents" in their hover)."""
    features = geojson["features"]
    by_key = {r.key: r for r in rows}
    codes, z, text, opacity = [], [], [], []
    for f in features:
        code = f["properties"]["kode"]
        r = by_key.get(code)
        s = r.intervals["total"] if r else None
        value = None
        if s is not None:
            value = (s.p90_s / 60 if s.p90_s is not None else None) if measure == "p90" else \
                (s.within_target_share * 100 if s.within_target_share is not None else None)
        p90 = fmt_duration(s.p90_s, lang) if s else "—"
        p50 = fmt_duration(s.p50_s, lang) if s else "—"
        within = fmt_pct(s.within_target_share, lang) if s else "—"
        complete = fmt_pct(s.completeness_share, lang) if s else "—"
        label = (f"<b>{names.get(code, code)}</b><br>"
                 f"{_t('Insiden', 'Incidents', lang)}: {fmt_num(r.incidents if r else 0, lang)}<br>"
                 f"p90: {p90} · p50: {p50}<br>{_t('dalam target', 'within target', lang)}: {within}"
                 f"<br>{_t('kelengkapan', 'completeness', lang)}: {complete} (n = {fmt_num(s.n if s else 0, lang)})")
        few = s is not None and 0 < s.n < min_n
        if few:
            label += "<br><i>" + _t("terlalu sedikit insiden", "too few incidents", lang) + "</i>"
        codes.append(code)
        z.append(value)
        text.append(label)
        opacity.append(0.22 if few else 0.75)
    if measure == "p90":
        scale, bar = "YlOrRd", _t("p90 (menit)", "p90 (minutes)", lang)
        top = max([v for v in z if v is not None] + [(target_s or 0) / 60 * 1.5, 1.0])
        zmin, zmax = 0.0, float(top)
    else:
        scale, bar = "RdYlGn", _t("% dalam target", "% within target", lang)
        zmin, zmax = 0.0, 100.0
    trace = go.Choroplethmap(
        geojson=geojson, locations=codes, featureidkey="properties.kode", z=z, colorscale=scale,
        zmin=zmin, zmax=zmax, marker={"line": {"width": 0.8, "color": "#37474f"}, "opacity": opacity},
        colorbar={"title": {"text": bar}, "thickness": 12}, text=text, hovertemplate="%{text}<extra></extra>",
    )
    fig = go.Figure(trace)
    fig.update_layout(title={"text": title, "font": {"size": 14}},
                      map={"style": map_style, "center": KENDARI_CENTER, "zoom": MAP_ZOOM},
                      margin={"l": 0, "r": 0, "t": 36, "b": 0}, height=420)
    return fig


def heatmap(rows: Sequence[GroupRow], *, lang: str) -> go.Figure:
    """Incidents by WITA hour of day × weekday; hover shows total response p90 and % within target."""
    z = [[0] * 24 for _ in range(7)]
    hover = [[""] * 24 for _ in range(7)]
    for r in rows:
        if r.key is None:
            continue
        d, h = heat_label(r.key, lang)
        s = r.intervals["total"]
        z[d - 1][h] = r.incidents
        hover[d - 1][h] = (f"{fmt_num(r.incidents, lang)} {_t('insiden', 'incidents', lang)}<br>p90 total: "
                           f"{fmt_duration(s.p90_s, lang)}<br>{_t('dalam target', 'within target', lang)}: "
                           f"{fmt_pct(s.within_target_share, lang)}")
    days = WEEKDAYS_EN if lang == "en" else WEEKDAYS_ID
    fig = go.Figure(go.Heatmap(z=z, x=[f"{h:02d}" for h in range(24)], y=list(days), colorscale="Blues", zmin=0,
                               text=hover, hovertemplate="%{y} %{x}:00<br>%{text}<extra></extra>",
                               colorbar={"title": {"text": _t("Insiden", "Incidents", lang)}, "thickness": 12}))
    fig.update_layout(title={"text": _t("Insiden per jam × hari (WITA)", "Incidents by hour × weekday (WITA)", lang),
                             "font": {"size": 14}},
                      yaxis={"autorange": "reversed"}, xaxis={"title": _t("Jam", "Hour", lang)},
                      margin=_MARGIN, height=320)
    return fig


def trend(rows: Sequence[GroupRow], *, interval: str, target_s: int | None, goal_share: float,
          title: str, lang: str, min_n: int = DEFAULT_MIN_N) -> go.Figure:
    """p50/p90 of ``interval`` per day or week (minutes), the target line, and % within target."""
    rows = [r for r in rows if r.key is not None]
    if not rows:
        return empty(_t("Tidak ada data pada periode ini", "No data in this period", lang))
    x = [date.fromisoformat(r.key) for r in rows if r.key]
    stats = [r.intervals[interval] for r in rows]
    minutes = interval not in ("answer",)
    div = 60 if minutes else 1
    unit = _t("menit", "minutes", lang) if minutes else _t("detik", "seconds", lang)

    def val(v: int | None) -> float | None:
        return None if v is None else v / div

    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=[val(s.p90_s) for s in stats], name="p90", mode="lines+markers",
                             line={"color": "#c62828", "width": 2},
                             marker={"size": 5, "color": ["#c62828" if s.n >= min_n else FEW_COLOUR for s in stats]},
                             customdata=[[fmt_duration(s.p90_s, lang), fmt_num(s.n, lang),
                                          fmt_pct(s.completeness_share, lang)] for s in stats],
                             hovertemplate="%{x|%d-%m-%Y}: p90 %{customdata[0]} (n = %{customdata[1]}, "
                                           + _t("lengkap", "complete", lang) + " %{customdata[2]})<extra></extra>"))
    fig.add_trace(go.Scatter(x=x, y=[val(s.p50_s) for s in stats], name="p50", mode="lines",
                             line={"color": "#1565c0", "width": 1.5}))
    fig.add_trace(go.Scatter(x=x, y=[None if s.within_target_share is None else s.within_target_share * 100
                                     for s in stats],
                             name=_t("% dalam target", "% within target", lang), yaxis="y2", mode="lines",
                             line={"color": "#2e7d32", "width": 1, "dash": "dot"}))
    if target_s is not None:
        fig.add_hline(y=target_s / div, line={"color": "#c62828", "dash": "dash", "width": 1},
                      annotation_text=_t("target ", "target ", lang) + fmt_duration(target_s, lang),
                      annotation_position="top left")
    fig.add_hline(y=goal_share * 100, yref="y2", line={"color": "#2e7d32", "dash": "dot", "width": 1},
                  annotation_text=_t("sasaran ", "goal ", lang) + fmt_pct(goal_share, lang, digits=0),
                  annotation_position="bottom right")
    fig.update_layout(title={"text": title, "font": {"size": 14}}, margin=_MARGIN, height=320,
                      yaxis={"title": unit, "rangemode": "tozero"},
                      yaxis2={"title": "%", "overlaying": "y", "side": "right", "range": [0, 105], "showgrid": False},
                      legend={"orientation": "h", "y": -0.2}, hovermode="x unified")
    return fig


def calls_figure(calls: CallHandling, *, lang: str) -> go.Figure:
    """Calls per WITA day: answered, unanswered, and prank/ghost/invalid."""
    if not calls.daily:
        return empty(_t("Tidak ada panggilan pada periode ini", "No calls in this period", lang))
    x = [d for d, *_ in calls.daily]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=x, y=[a for _, _, a, _ in calls.daily], name=_t("Dijawab", "Answered", lang),
                         marker_color="#1565c0"))
    fig.add_trace(go.Bar(x=x, y=[c - a for _, c, a, _ in calls.daily],
                         name=_t("Tidak dijawab", "Unanswered", lang), marker_color="#ef6c00"))
    fig.add_trace(go.Scatter(x=x, y=[j for *_, j in calls.daily], name=_t("Iseng/kosong/tidak valid",
                                                                           "Prank/ghost/invalid", lang),
                             mode="lines", line={"color": "#6a1b9a"}))
    fig.update_layout(barmode="stack", title={"text": _t("Panggilan per hari (WITA)", "Calls per day (WITA)", lang),
                                              "font": {"size": 14}},
                      margin=_MARGIN, height=320, legend={"orientation": "h", "y": -0.2}, hovermode="x unified")
    return fig


def bars(rows: Sequence[GroupRow], labels: Mapping[str, str], *, interval: str, target_of: Mapping[str, int | None],
         title: str, lang: str, min_n: int = DEFAULT_MIN_N) -> go.Figure:
    """Horizontal bars from 0: p90 of ``interval`` per group, with each group's target as a
    marker; groups measured on fewer than ``min_n`` incidents are grey."""
    rows = [r for r in rows if r.key is not None and r.intervals[interval].p90_s is not None]
    if not rows:
        return empty(_t("Tidak ada data", "No data", lang))
    rows = sorted(rows, key=lambda r: r.intervals[interval].p90_s or 0)
    y = [labels.get(r.key or "", r.key or "") for r in rows]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=[(r.intervals[interval].p90_s or 0) / 60 for r in rows], y=y, orientation="h",
                         name="p90",
                         marker_color=["#c62828" if r.intervals[interval].n >= min_n else FEW_COLOUR for r in rows],
                         customdata=[[fmt_duration(r.intervals[interval].p90_s, lang),
                                      fmt_pct(r.intervals[interval].within_target_share, lang)
                                      if r.intervals[interval].n >= min_n
                                      else _t("terlalu sedikit insiden", "too few incidents", lang),
                                      fmt_num(r.intervals[interval].n, lang)]
                                     for r in rows],
                         hovertemplate="%{y}: p90 %{customdata[0]} · %{customdata[1]} "
                                       + _t("dalam target", "within target", lang)
                                       + " (n = %{customdata[2]})<extra></extra>"))
    tx = [(target_of.get(r.key or "") or 0) / 60 if target_of.get(r.key or "") else None for r in rows]
    fig.add_trace(go.Scatter(x=tx, y=y, mode="markers", name=_t("target", "target", lang),
                             marker={"symbol": "line-ns-open", "size": 18, "color": "#263238", "line": {"width": 2}}))
    fig.update_layout(title={"text": title, "font": {"size": 14}}, margin={"l": 160, "r": 20, "t": 40, "b": 40},
                      height=max(240, 28 * len(rows) + 90),
                      xaxis={"title": _t("menit", "minutes", lang), "rangemode": "tozero"}, showlegend=False)
    return fig
