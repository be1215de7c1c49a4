"""Tables of the dashboard as plain data: for the page, the CSV exports and the printable summary."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from analytics.fractiles import METHOD_EN, METHOD_ID, IntervalSummary
from analytics.intervals import BY_KEY, INTERVAL_KEYS
from analytics.model import CallHandling, Dashboard, GroupRow, Kpi
from analytics.period import WITA
from analytics.targets import Targets

WEEKDAYS_ID = ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _t(text_id: str, text_en: str, lang: str) -> str:
    return text_en if lang == "en" else text_id


def fmt_seconds(seconds: int | float | None) -> str:
    """``75`` → ``1:15``; ``3725`` → ``1:02:05``; None → ``—``."""
    if seconds is None:
        return "—"
    s = round(seconds)
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def fmt_share(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f} %"


def fmt_change(now: int, before: int) -> str:
    change = Kpi.change(now, before)
    if change is None:
        return "—"
    return f"{'+' if change >= 0 else '−'}{abs(change) * 100:.0f} %"


def fmt_int(value: int | None) -> str:
    return "—" if value is None else f"{value:,}".replace(",", ".")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = False


@dataclass(frozen=True)
class Table:
    """A table: ``rows`` hold display strings; ``raw`` the same rows with plain values (CSV)."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[dict[str, str], ...]
    raw: tuple[dict[str, object], ...]

    def to_csv(self) -> str:
        """The raw values as CSV (UTF-8, comma, header row)."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow([c.key for c in self.columns])
        for row in self.raw:
            writer.writerow(["" if row.get(c.key) is None else row.get(c.key) for c in self.columns])
        return buf.getvalue()

    def to_store(self) -> dict[str, object]:
        return {"name": self.name, "title": self.title, "columns": [c.key for c in self.columns],
                "raw": list(self.raw)}


def csv_from_store(data: Mapping[str, Any]) -> str:
    """CSV text from :meth:`Table.to_store` data kept in the browser."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    cols = [str(c) for c in data["columns"]]
    writer.writerow(cols)
    for row in data["raw"]:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in cols])
    return buf.getvalue()


def interval_label(key: str, lang: str) -> str:
    d = BY_KEY[key]
    return _t(d.label_id, d.label_en, lang)


def target_for(dash: Dashboard, key: str, *, incident_type: str | None = None,
               agency: str | None = None) -> int | None:
    """The target of ``key`` for a type, an agency, or the dashboard's scope (None if they differ)."""
    if incident_type:
        agency_of = dash.names.type_agency.get(incident_type)
        return dash.targets.resolve(key, incident_type=incident_type, agency=agency_of).target_s
    pairs = [(c, a) for c, a in dash.names.type_agency.items()
             if (not dash.filters.incident_types or c in dash.filters.incident_types)
             and (not dash.filters.agency or a == dash.filters.agency) and (agency is None or a == agency)]
    return dash.targets.uniform_target(key, pairs) if pairs else None


def target_label(target_s: int | None, lang: str) -> str:
    return fmt_seconds(target_s) if target_s is not None else _t("beragam", "varies", lang)


def intervals_table(dash: Dashboard, lang: str) -> Table:
    """The five intervals for the whole scope."""
    cols = (Column("interval", _t("Interval", "Interval", lang)),
            Column("p50", "p50", True), Column("p90", "p90", True),
            Column("target", _t("Target", "Target", lang), True),
            Column("within", _t("% dalam target", "% within target", lang), True),
            Column("goal", _t("Sasaran", "Goal", lang), True),
            Column("completeness", _t("Kelengkapan", "Completeness", lang), True),
            Column("n", "n", True))
    rows: list[dict[str, str]] = []
    raw: list[dict[str, object]] = []
    for k in INTERVAL_KEYS:
        s = dash.overall.intervals[k]
        target = target_for(dash, k)
        goal = dash.targets.resolve(k).goal_share
        rows.append({"interval": interval_label(k, lang), "p50": fmt_seconds(s.p50_s), "p90": fmt_seconds(s.p90_s),
                     "target": target_label(target, lang), "within": fmt_share(s.within_target_share),
                     "goal": fmt_share(goal, 0), "completeness": fmt_share(s.completeness_share),
                     "n": fmt_int(s.n)})
        raw.append({"interval": k, "p50": s.p50_s, "p90": s.p90_s, "target": target,
                    "within": s.within_target_share, "goal": goal, "completeness": s.completeness_share,
                    "n": s.n})
    return Table("intervals", _t("Interval respons", "Response intervals", lang), cols, tuple(rows), tuple(raw))


def status(summary: IntervalSummary, target_s: int | None, goal_share: float) -> str:
    """``ok`` when the share within target meets the goal, ``bad`` when not, ``na`` without data."""
    if summary.within_target_share is None:
        return "na"
    return "ok" if summary.within_target_share >= goal_share else "bad"


def group_table(name: str, title: str, rows_in: Sequence[GroupRow], labels: dict[str, str],
                intervals: Sequence[str], lang: str, *, key_label: str) -> Table:
    """One row per group with n, p50, p90, % within target and completeness of each interval."""
    cols = [Column("key", _t("Kode", "Code", lang)), Column("name", key_label),
            Column("incidents", _t("Insiden", "Incidents", lang), True)]
    for k in intervals:
        short = interval_label(k, lang)
        cols += [Column(f"{k}_p50", f"{short} p50", True), Column(f"{k}_p90", f"{short} p90", True),
                 Column(f"{k}_within", f"{short} {_t('% target', '% target', lang)}", True),
                 Column(f"{k}_completeness", f"{short} {_t('lengkap', 'complete', lang)}", True)]
    rows, raw = [], []
    for r in rows_in:
        disp: dict[str, str] = {"key": r.key or "—", "name": labels.get(r.key or "", r.key or "—"),
                                "incidents": fmt_int(r.incidents)}
        plain: dict[str, object] = {"key": r.key, "name": labels.get(r.key or "", r.key), "incidents": r.incidents}
        for k in intervals:
            s = r.intervals[k]
            disp.update({f"{k}_p50": fmt_seconds(s.p50_s), f"{k}_p90": fmt_seconds(s.p90_s),
                         f"{k}_within": fmt_share(s.within_target_share),
                         f"{k}_completeness": fmt_share(s.completeness_share)})
            plain.update({f"{k}_p50": s.p50_s, f"{k}_p90": s.p90_s, f"{k}_within": s.within_target_share,
                          f"{k}_completeness": s.completeness_share})
        rows.append(disp)
        raw.append(plain)
    return Table(name, title, tuple(cols), tuple(rows), tuple(raw))


def kpi_table(dash: Dashboard, lang: str) -> Table:
    labels = {"today": _t("Hari ini", "Today", lang), "7d": _t("7 hari", "7 days", lang),
              "30d": _t("30 hari", "30 days", lang), "period": _t("Periode", "Period", lang)}
    cols = (Column("window", _t("Rentang", "Window", lang)), Column("calls", _t("Panggilan", "Calls", lang), True),
            Column("calls_change", "Δ", True), Column("incidents", _t("Insiden", "Incidents", lang), True),
            Column("incidents_change", "Δ", True),
            Column("units", _t("Unit diberangkatkan", "Units dispatched", lang), True),
            Column("units_change", "Δ", True))
    rows, raw = [], []
    for k in dash.kpis:
        rows.append({"window": labels.get(k.window, k.window), "calls": fmt_int(k.calls),
                     "calls_change": fmt_change(k.calls, k.prev_calls), "incidents": fmt_int(k.incidents),
                     "incidents_change": fmt_change(k.incidents, k.prev_incidents), "units": fmt_int(k.units),
                     "units_change": fmt_change(k.units, k.prev_units)})
        raw.append({"window": k.window, "calls": k.calls, "calls_change": Kpi.change(k.calls, k.prev_calls),
                    "incidents": k.incidents, "incidents_change": Kpi.change(k.incidents, k.prev_incidents),
                    "units": k.units, "units_change": Kpi.change(k.units, k.prev_units)})
    return Table("kpis", _t("Ringkasan", "Key figures", lang), cols, tuple(rows), tuple(raw))


CALL_CLASS_LABELS = {
    "valid": ("Sah", "Valid"), "prank": ("Iseng", "Prank"), "ghost": ("Panggilan kosong", "Ghost"),
    "invalid": ("Tidak valid", "Invalid"), "duplicate": ("Duplikat", "Duplicate"),
    "abandoned": ("Ditinggalkan", "Abandoned"), "info": ("Informasi", "Information"),
}


def calls_table(dash: Dashboard, lang: str) -> Table:
    c = dash.calls
    cols = (Column("measure", _t("Ukuran", "Measure", lang)), Column("value", _t("Nilai", "Value", lang), True),
            Column("share", _t("Porsi", "Share", lang), True))
    rows: list[dict[str, str]] = []
    raw: list[dict[str, object]] = []

    def add(key: str, label: str, value: object, shown: str, share_v: float | None) -> None:
        rows.append({"measure": label, "value": shown, "share": fmt_share(share_v)})
        raw.append({"measure": key, "value": value, "share": share_v})

    total = c.total
    add("calls", _t("Panggilan", "Calls", lang), total, fmt_int(total), None)
    add("answered", _t("Dijawab", "Answered", lang), c.answered, fmt_int(c.answered),
        c.answered / total if total else None)
    add("unanswered", _t("Tidak dijawab / ditinggalkan", "Unanswered / abandoned", lang), c.unanswered,
        fmt_int(c.unanswered), c.unanswered / total if total else None)
    for cls, (lid, len_) in CALL_CLASS_LABELS.items():
        v = c.by_class.get(cls, 0)
        add(f"class_{cls}", _t(lid, len_, lang), v, fmt_int(v), v / total if total else None)
    add("answer_p50_s", _t("Waktu jawab p50", "Answer time p50", lang), c.answer.p50_s,
        fmt_seconds(c.answer.p50_s), None)
    add("answer_p90_s", _t("Waktu jawab p90", "Answer time p90", lang), c.answer.p90_s,
        fmt_seconds(c.answer.p90_s), None)
    for s, goal, src, within in c.standards:
        add(f"within_{s}s", _t(f"Dijawab ≤ {s} d (sasaran {goal:.0%}, {src})",
                               f"Answered ≤ {s} s (goal {goal:.0%}, {src})", lang), within, fmt_share(within), within)
    return Table("calls", _t("Penanganan panggilan", "Call handling", lang), cols, tuple(rows), tuple(raw))


def league_table(dash: Dashboard, lang: str) -> Table:
    cols = (Column("rank", "#", True), Column("agency", _t("Instansi (OPD)", "Agency (OPD)", lang)),
            Column("incidents", _t("Tiket", "Tickets", lang), True),
            Column("closed", _t("Ditutup", "Closed", lang), True),
            Column("closure", _t("Tingkat penutupan", "Closure rate", lang), True),
            Column("close_p50", _t("Waktu tutup p50", "Time to close p50", lang), True),
            Column("close_p90", _t("Waktu tutup p90", "Time to close p90", lang), True))
    rows, raw = [], []
    for i, r in enumerate(dash.league, start=1):
        name = dash.names.agencies.get(r.agency, (r.agency, r.agency))
        rows.append({"rank": str(i), "agency": _t(name[0], name[1], lang), "incidents": fmt_int(r.incidents),
                     "closed": fmt_int(r.closed), "closure": fmt_share(r.closure_share),
                     "close_p50": fmt_seconds(r.close_p50_s), "close_p90": fmt_seconds(r.close_p90_s)})
        raw.append({"rank": i, "agency": r.agency, "incidents": r.incidents, "closed": r.closed,
                    "closure": r.closure_share, "close_p50": r.close_p50_s, "close_p90": r.close_p90_s})
    return Table("league", _t("Peringkat instansi", "Agency league table", lang), cols, tuple(rows), tuple(raw))


def all_tables(dash: Dashboard, lang: str) -> dict[str, Table]:
    """Every table of the dashboard, by name."""
    n = dash.names
    types = {k: _t(v[0], v[1], lang) for k, v in n.types.items()}
    agencies = {k: _t(v[0], v[1], lang) for k, v in n.agencies.items()}
    return {
        "kpis": kpi_table(dash, lang),
        "intervals": intervals_table(dash, lang),
        "kecamatan": group_table("kecamatan", _t("Per kecamatan", "By kecamatan", lang), dash.by_kecamatan,
                                 n.kecamatan, ("total",), lang, key_label="Kecamatan"),
        "kelurahan": group_table("kelurahan", _t("Per kelurahan", "By kelurahan", lang), dash.by_kelurahan,
                                 n.kelurahan, ("total",), lang, key_label="Kelurahan"),
        "type": group_table("type", _t("Per jenis insiden", "By incident type", lang), dash.by_type, types,
                            INTERVAL_KEYS, lang, key_label=_t("Jenis", "Type", lang)),
        "agency": group_table("agency", _t("Per instansi", "By agency", lang), dash.by_agency, agencies,
                              INTERVAL_KEYS, lang, key_label=_t("Instansi", "Agency", lang)),
        "calls": calls_table(dash, lang),
        "league": league_table(dash, lang),
    }


def method_note(targets: Targets, lang: str) -> str:
    """One paragraph: the percentile method, intervals, completeness and where targets come from."""
    if lang == "en":
        return (f"Percentiles: {METHOD_EN}; intervals in whole seconds (rounded down). Turnout and travel "
                "use the first unit's stamps (first dispatched, first en route, first on scene). An interval "
                "with a missing stamp or with stamps out of order (negative) is excluded and counts as "
                "incomplete; completeness = share of incidents that have valid stamps for it. Unit intervals "
                "cover emergency incidents except prank, duplicate and cancelled ones. Days and hours in WITA "
                "(UTC+8). Targets: " + "; ".join(sorted({r.source for r in targets.rules if r.source})) + ".")
    return (f"Persentil: {METHOD_ID}; interval dalam detik utuh (dibulatkan ke bawah). Waktu keberangkatan dan "
            "tempuh memakai cap waktu unit pertama (pertama ditugaskan, pertama berangkat, pertama tiba). "
            "Interval dengan cap waktu hilang atau tidak berurutan (negatif) dikeluarkan dan dihitung tidak "
            "lengkap; kelengkapan = porsi insiden yang cap waktunya sah. Interval unit mencakup insiden darurat "
            "kecuali iseng, duplikat dan batal. Hari dan jam dalam WITA (UTC+8). Target: "
            + "; ".join(sorted({r.source for r in targets.rules if r.source})) + ".")


def period_label(dash: Dashboard, lang: str) -> str:
    f = dash.filters
    first, last = f.first_day, f.last_day
    text = f"{first:%d-%m-%Y} – {last:%d-%m-%Y} (WITA)"
    parts = []
    if f.incident_types:
        parts.append(", ".join(_t(*dash.names.types.get(t, (t, t)), lang) for t in f.incident_types))
    if f.agency:
        parts.append(_t(*dash.names.agencies.get(f.agency, (f.agency, f.agency)), lang))
    if f.kecamatan:
        parts.append("Kec. " + dash.names.kecamatan.get(f.kecamatan, f.kecamatan))
    return text + (" · " + " · ".join(parts) if parts else "")


def heat_label(key: str, lang: str) -> tuple[int, int]:
    """``"3-14"`` → (3, 14): ISO weekday and hour."""
    d, h = key.split("-")
    return int(d), int(h)


def calls_summary(calls: CallHandling, lang: str) -> str:
    """One sentence: calls, share answered, answer time p50/p90 and the shares of junk calls."""
    total = calls.total

    def of(n: int) -> str:
        return fmt_share(n / total if total else None)

    c = calls.by_class
    return _t(
        f"{fmt_int(total)} panggilan, {of(calls.answered)} dijawab; waktu jawab p50 {fmt_seconds(calls.answer.p50_s)}, "
        f"p90 {fmt_seconds(calls.answer.p90_s)}; iseng {of(c['prank'])}, kosong {of(c['ghost'])}, "
        f"tidak valid {of(c['invalid'])}, duplikat {of(c['duplicate'])}.",
        f"{fmt_int(total)} calls, {of(calls.answered)} answered; answer time p50 {fmt_seconds(calls.answer.p50_s)}, "
        f"p90 {fmt_seconds(calls.answer.p90_s)}; prank {of(c['prank'])}, ghost {of(c['ghost'])}, "
        f"invalid {of(c['invalid'])}, duplicate {of(c['duplicate'])}.", lang)


def worst(table: Table, column: str, n: int) -> Table:
    """The ``n`` rows of ``table`` with the highest ``column`` value (rows without one left out)."""
    shown = {id(raw): row for row, raw in zip(table.rows, table.raw)}
    top = sorted((r for r in table.raw if isinstance(r.get(column), (int, float))),
                 key=lambda r: -float(r[column]))[:n]  # type: ignore[arg-type]
    return Table(table.name, table.title, table.columns, tuple(shown[id(r)] for r in top), tuple(top))


def generated_label(now: datetime, lang: str) -> str:
    return _t("Dibuat ", "Generated ", lang) + now.astimezone(WITA).strftime("%d-%m-%Y %H:%M") + " WITA"
