"""The monthly report for the mayor's office as one self-contained HTML document (pure).

Sections, each starting on a new A4 page: the overview (the five intervals against their targets,
volumes, calls, the slowest kecamatan, the agency league), the trends (twelve months and the
month's days), the kecamatan map, call handling and the agencies' ticket closure, and the method
with the data completeness. Figures are static SVG (:mod:`analytics.svg`), so the document prints
the same without scripts or network; a browser engine turns it into the PDF.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from analytics import overview, report, svg
from analytics.model import Dashboard, GroupRow
from analytics.period import WITA
from i18n import fmt_duration, fmt_num, fmt_pct, tr

MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
             "November", "Desember")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")
MONTHS_SHORT_ID = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
MONTHS_SHORT_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def month_label(first: date, lang: str) -> str:
    return f"{(MONTHS_EN if lang == 'en' else MONTHS_ID)[first.month - 1]} {first.year}"


def short_month(first: date, lang: str) -> str:
    return f"{(MONTHS_SHORT_EN if lang == 'en' else MONTHS_SHORT_ID)[first.month - 1]} {first.year % 100:02d}"


@dataclass(frozen=True)
class MonthPoint:
    """One month of the twelve-month trend: the whole city's intervals and the volumes."""

    first: date
    overall: GroupRow
    calls: int


@dataclass(frozen=True)
class MonthlyData:
    month: date                       # first day of the month
    dashboard: Dashboard              # the month; previous_overall is the month before
    previous_label: str
    months: Sequence[MonthPoint]      # twelve months up to and including the month
    kecamatan_geojson: Mapping[str, Any]
    generated_at: datetime
    data_first: datetime | None = None
    data_last: datetime | None = None


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _literal(text: str) -> str:
    """Escaped ``text`` with quoted function names set as code."""
    return _e(text).replace("percentile_disc", "<code>percentile_disc</code>")


def _table(table: report.Table, *, columns: Sequence[str] | None = None, limit: int | None = None,
           table_id: str = "") -> str:
    cols = [c for c in table.shown_columns if columns is None or c.key in columns]
    rows = list(zip(table.rows, table.row_classes or ("",) * len(table.rows)))[:limit]
    head = "".join(f'<th class="{"num" if c.numeric else ""}">{_e(c.label)}</th>' for c in cols)
    body = "".join(
        f'<tr class="{cls}">' + "".join(f'<td class="{"num" if c.numeric else ""}">{_e(r.get(c.key, ""))}</td>'
                                        for c in cols) + "</tr>" for r, cls in rows)
    ident = f' id="{table_id}"' if table_id else ""
    return f'<table class="t"{ident}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _kecamatan_table(d: Dashboard, lang: str) -> str:
    """Kecamatan with the total response: p50, p90, % within target, completeness, n."""
    min_n = d.targets.min_n
    head = "".join(f'<th class="{cls}">{_e(x)}</th>' for x, cls in (
        ("Kecamatan", ""), (tr("Insiden", "Incidents", lang), "num"), ("p50", "num"), ("p90", "num"),
        (tr("% dalam target", "% within target", lang), "num"), (tr("Kelengkapan", "Completeness", lang), "num"),
        ("n", "num")))
    rows = []
    for r in sorted(d.by_kecamatan, key=lambda r: d.names.kecamatan.get(r.key or "", "~")):
        s = r.intervals["total"]
        few = report.few(s, min_n)
        within = report.too_few_text(lang) if few else fmt_pct(s.within_target_share, lang)
        rows.append(f'<tr class="{"k112-an-few" if few else ""}"><td>{_e(d.names.kecamatan.get(r.key or "", "—"))}'
                    f'</td><td class="num">{_e(fmt_num(r.incidents, lang))}</td>'
                    f'<td class="num">{_e(fmt_duration(s.p50_s, lang))}</td>'
                    f'<td class="num">{_e(fmt_duration(s.p90_s, lang))}</td><td class="num">{_e(within)}</td>'
                    f'<td class="num">{_e(fmt_pct(s.completeness_share, lang))}</td>'
                    f'<td class="num">{_e(fmt_num(s.n, lang))}</td></tr>')
    return f'<table class="t" id="report-kecamatan"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody>' \
           f'</table>'


def _tiles(ov: overview.Overview) -> str:
    out = []
    for t in ov.tiles:
        out.append(f'<div class="tile st-{t.status}"><div class="tt">{_e(t.title)}<span class="badge">'
                   f'{_e(t.status_text)}</span></div><div class="big">{_e(t.p90)} <small>p90</small></div>'
                   f'<div>{_e(t.target)} · <b>{_e(t.within)}</b> <small>({_e(t.goal)})</small></div>'
                   f'<div class="trend tr-{t.trend_class}">{_e(t.trend)}</div>'
                   f'<div class="muted">{_e(t.completeness)} · {_e(t.n)}</div>'
                   f'<div class="sentence">{_e(t.sentence)}</div></div>')
    return '<div class="tiles">' + "".join(out) + "</div>"


def _card(c: overview.Card) -> str:
    lines = "".join(f'<tr class="{"muted" if line.muted else ""}"><td>{_e(line.label)}</td>'
                    f'<td class="num">{_e(line.value)}</td></tr>' for line in c.lines)
    sentence = f'<div class="sentence">{_e(c.sentence)}</div>' if c.sentence else ""
    return (f'<div class="card st-{c.status}"><div class="ct">{_e(c.title)}</div>{sentence}'
            f'<table class="lines">{lines}</table><div class="note">{_e(c.note)}</div></div>')


def _volumes(d: Dashboard, previous_label: str, lang: str) -> str:
    k = next(k for k in d.kpis if k.window == "period")
    min_n = d.targets.min_n
    rows = [(report.calls_label(d, lang), k.calls, k.prev_calls), (tr("Insiden", "Incidents", lang), k.incidents,
                                                                    k.prev_incidents),
            (tr("Unit diberangkatkan", "Units dispatched", lang), k.units, k.prev_units)]
    body = "".join(f"<tr><td>{_e(name)}</td><td class='num'>{_e(fmt_num(now, lang))}</td>"
                   f"<td class='num'>{_e(fmt_num(before, lang))}</td>"
                   f"<td class='num'>{_e(report.change_text(now, before, lang, min_base=min_n))}</td></tr>"
                   for name, now, before in rows)
    head = (f"<tr><th>{_e(tr('Volume', 'Volume', lang))}</th><th class='num'>{_e(tr('Bulan ini', 'This month', lang))}"
            f"</th><th class='num'>{_e(previous_label)}</th><th class='num'>Δ</th></tr>")
    return f'<div class="card"><table class="lines" id="report-volumes"><thead>{head}</thead><tbody>{body}</tbody>' \
           f'</table></div>'


def _map(data: MonthlyData, lang: str) -> str:
    d = data.dashboard
    min_n = d.targets.min_n
    values: dict[str, float | None] = {}
    texts: dict[str, str] = {}
    few: set[str] = set()
    for r in d.by_kecamatan:
        if r.key is None:
            continue
        s = r.intervals["total"]
        values[r.key] = None if s.p90_s is None else s.p90_s / 60
        texts[r.key] = fmt_duration(s.p90_s, lang) if s.p90_s is not None else ""
        if 0 < s.n < min_n:
            few.add(r.key)
            texts[r.key] = tr("terlalu sedikit", "too few", lang)
    target = report.target_for(d, "total")
    top = max([v for v in values.values() if v is not None] + [(target or 0) / 60 * 1.5, 1.0])
    return svg.choropleth(data.kecamatan_geojson, values, labels=d.names.kecamatan, value_text=texts, few=few,
                          vmax=svg.nice_max(top), legend_title=tr("p90 total respons (menit)",
                                                                  "total response p90 (minutes)", lang), lang=lang,
                          few_label=tr("terlalu sedikit insiden", "too few incidents", lang),
                          no_data_label=tr("tidak ada insiden terukur", "no measured incidents", lang))


def _trend_months(data: MonthlyData, lang: str) -> str:
    d = data.dashboard
    labels = [short_month(m.first, lang) for m in data.months]
    p90 = [None if m.overall.intervals["total"].p90_s is None else m.overall.intervals["total"].p90_s / 60
           for m in data.months]
    p50 = [None if m.overall.intervals["total"].p50_s is None else m.overall.intervals["total"].p50_s / 60
           for m in data.months]
    target = report.target_for(d, "total")
    hline = (target / 60, tr("target ", "target ", lang) + fmt_duration(target, lang)) if target else None
    chart = svg.line_chart(labels, [("p90", p90, "#c62828"), ("p50", p50, "#1565c0")],
                           y_title=tr("total respons (menit)", "total response (minutes)", lang), lang=lang,
                           hline=hline, digits=0)
    min_n = d.targets.min_n
    head = "".join(f"<th>{_e(x)}</th>" for x in (tr("Bulan", "Month", lang), tr("Insiden", "Incidents", lang),
                                                  tr("Panggilan", "Calls", lang), "p90",
                                                  tr("% dalam target", "% within target", lang),
                                                  tr("Kelengkapan", "Completeness", lang)))
    rows = []
    for m in data.months:
        s = m.overall.intervals["total"]
        within = report.too_few_text(lang) if report.few(s, min_n) else fmt_pct(s.within_target_share, lang)
        rows.append(f"<tr><td>{_e(month_label(m.first, lang))}</td><td class='num'>"
                    f"{_e(fmt_num(m.overall.incidents, lang))}</td><td class='num'>{_e(fmt_num(m.calls, lang))}</td>"
                    f"<td class='num'>{_e(fmt_duration(s.p90_s, lang))}</td><td class='num'>{_e(within)}</td>"
                    f"<td class='num'>{_e(fmt_pct(s.completeness_share, lang))}</td></tr>")
    return chart + f'<table class="t" id="report-months"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}' \
                   f'</tbody></table>'


def _trend_days(d: Dashboard, lang: str) -> str:
    days = [r for r in d.daily if r.key]
    labels = [date.fromisoformat(r.key or "").strftime("%d") for r in days]
    p90 = [None if r.intervals["total"].p90_s is None else r.intervals["total"].p90_s / 60 for r in days]
    target = report.target_for(d, "total")
    hline = (target / 60, tr("target ", "target ", lang) + fmt_duration(target, lang)) if target else None
    day_chart = svg.line_chart(labels, [(tr("p90 per hari", "p90 per day", lang), p90, "#c62828")],
                               y_title=tr("menit", "minutes", lang), lang=lang, hline=hline, height=200)
    calls = d.calls.daily
    call_chart = svg.stacked_bars([day.strftime("%d") for day, *_ in calls],
                                  [(tr("dijawab", "answered", lang), [float(a) for _, _, a, _ in calls], "#1565c0"),
                                   (tr("tidak dijawab", "unanswered", lang), [float(c - a) for _, c, a, _ in calls],
                                    "#ef6c00")],
                                  y_title=report.calls_label(d, lang), lang=lang, height=200)
    return day_chart + call_chart


def _css() -> str:
    return """
@page { size: A4 portrait; margin: 12mm 12mm 14mm 12mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans", "DejaVu Sans", Arial, sans-serif; font-size: 9.5pt; color: #1c2733; margin: 0; }
section { break-after: page; }
section:last-child { break-after: auto; }
h1 { font-size: 16pt; margin: 0 0 1mm; color: #102a43; }
h2 { font-size: 12pt; margin: 0 0 2mm; color: #102a43; border-bottom: 0.4mm solid #102a43; padding-bottom: 1mm; }
h3 { font-size: 10pt; margin: 3mm 0 1mm; color: #102a43; }
.sub { color: #486581; margin: 0 0 3mm; }
.tiles { display: grid; grid-template-columns: repeat(5, 1fr); gap: 2mm; margin-bottom: 3mm; }
.tile, .card { border: 0.3mm solid #bcccdc; border-left: 2mm solid #9fb3c8; border-radius: 1mm; padding: 1.5mm 2mm;
  break-inside: avoid; }
.st-ok { border-left-color: #2e7d32; } .st-warn { border-left-color: #f9a825; } .st-bad { border-left-color: #c62828; }
.st-few, .st-na { border-left-color: #9fb3c8; color: #627d98; }
.tt, .ct { font-weight: 700; font-size: 9pt; }
.badge { display: block; font-weight: 400; font-size: 7.5pt; color: #486581; }
.big { font-size: 13pt; font-weight: 700; margin: 1mm 0; }
.trend { font-size: 8pt; } .tr-worse { color: #c62828; } .tr-better { color: #2e7d32; }
.muted, .note { color: #627d98; font-size: 7.5pt; }
.sentence { font-size: 8pt; margin-top: 1mm; font-style: italic; }
.cards { display: grid; grid-template-columns: 1fr 1fr; gap: 2mm; }
table { border-collapse: collapse; width: 100%; }
.t th, .t td { border-bottom: 0.25mm solid #d9e2ec; padding: 0.6mm 1.2mm; text-align: left; font-size: 8pt; }
.t th { background: #f0f4f8; }
.lines td, .lines th { padding: 0.4mm 1mm; font-size: 8pt; text-align: left; }
.num { text-align: right !important; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.k112-an-few td, tr.muted td { color: #9fb3c8; }
.fig { margin: 2mm 0; }
ul.method li { margin-bottom: 1.2mm; }
.foot { margin-top: 3mm; font-size: 7.5pt; color: #627d98; }
"""


def build_html(data: MonthlyData, lang: str) -> str:
    """The report as one HTML document."""
    d = data.dashboard
    title = tr(f"Layanan 112 Kota Kendari — laporan bulanan {month_label(data.month, 'id')}",
               f"Kendari 112 — monthly report {month_label(data.month, 'en')}", lang)
    ov = overview.build(d, lang, period=report.period_label(d, lang))
    tables = report.all_tables(d, lang)
    generated = report.generated_label(data.generated_at, lang)
    span = ""
    if data.data_first and data.data_last:
        span = tr(" · data tersedia ", " · data available ", lang) + \
            f"{data.data_first.astimezone(WITA):%d-%m-%Y} – {data.data_last.astimezone(WITA):%d-%m-%Y}"
    sections = [
        f'<section id="report-overview"><h1>{_e(title)}</h1><p class="sub">{_e(report.period_label(d, lang))} · '
        f'{_e(generated)}{_e(span)}</p>'
        f'<h2>{_e(tr("Ringkasan", "Overview", lang))}</h2>{_tiles(ov)}'
        f'<div class="cards">{_volumes(d, data.previous_label, lang)}{_card(ov.calls)}{_card(ov.worst_areas)}'
        f'{_card(ov.league)}</div>'
        f'<p class="foot">{_e(tr("Pembanding: ", "Compared with: ", lang) + data.previous_label)}. '
        f'{_e(tr("Tanda ▲/▼: p90 lebih lambat/lebih cepat dari bulan sebelumnya.", "▲/▼: p90 slower/faster than the month before.", lang))}</p>'  # noqa: E501
        f'</section>',
        f'<section id="report-trends"><h2>{_e(tr("Tren", "Trends", lang))}</h2>'
        f'<h3>{_e(tr("Total respons, dua belas bulan", "Total response, twelve months", lang))}</h3>'
        f'<div class="fig">{_trend_months(data, lang)}</div>'
        f'<h3>{_e(tr("Hari demi hari bulan ini", "Day by day this month", lang))}</h3>'
        f'<div class="fig">{_trend_days(d, lang)}</div></section>',
        f'<section id="report-map"><h2>{_e(tr("Per kecamatan", "By kecamatan", lang))}</h2>'
        f'<p class="sub">{_e(tr("p90 total respons: 9 dari 10 insiden darurat mendapat unit pertama dalam waktu ini.", "Total response p90: 9 of 10 emergencies had their first unit within this time.", lang))}</p>'  # noqa: E501
        f'<div class="fig">{_map(data, lang)}</div>'
        + _kecamatan_table(d, lang)
        + '</section>',
        f'<section id="report-calls"><h2>{_e(tr("Penanganan panggilan", "Call handling", lang))}</h2>'
        f'<p class="sub">{_e(report.calls_summary(d.calls, lang))} {_e(report.calls_scope_note(d, lang))}</p>'
        + _table(tables["calls"], table_id="report-calls-table")
        + f'<h2 style="margin-top:5mm">{_e(tr("Penutupan tiket per instansi (OPD)", "Ticket closure by agency (OPD)", lang))}</h2>'  # noqa: E501
        + _table(tables["league"], table_id="report-league") + '</section>',
        f'<section id="report-method"><h2>{_e(tr("Metode dan kelengkapan data", "Method and data completeness", lang))}</h2>'  # noqa: E501
        + _table(tables["intervals"], table_id="report-completeness")
        + '<ul class="method">' + "".join(f"<li>{_literal(p)}</li>" for p in report.method_points(
            d.targets, lang, names=report.display_names(d, lang)))
        + "</ul></section>",
    ]
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{_e(title)}</title>'
            f'<style>{_css()}</style></head><body>' + "".join(sections) + "</body></html>")
