"""Tables of the dashboard as plain data: for the page, the CSV exports, the printable summary
and the monthly report.

Every number shown goes through :mod:`i18n` (``id`` 1.160 / 91,2 %; ``en`` 1,160 / 91.2%),
durations in words (``14 mnt 12 dtk``, ``2 hari 3 jam``). A figure measured over fewer than the
targets' ``min_n`` incidents is flagged (``few``) so that it is shown greyed as "too few
incidents"; a change against a previous count below ``min_n`` is "new", never a percentage.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from analytics.fractiles import METHOD_EN, METHOD_ID, IntervalSummary
from analytics.intervals import BY_KEY, INTERVAL_KEYS
from analytics.model import CallHandling, Dashboard, GroupRow, Kpi
from analytics.period import WITA
from analytics.targets import DEFAULT_MIN_N, Targets
from i18n import fmt_duration, fmt_num, fmt_pct, tr

WEEKDAYS_ID = ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _t(text_id: str, text_en: str, lang: str) -> str:
    return tr(text_id, text_en, lang)


def fmt_seconds(seconds: int | float | None) -> str:
    """``75`` → ``1:15``; ``3725`` → ``1:02:05``; None → ``—`` (clock style, for hover labels)."""
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


def change_text(now: int, before: int, lang: str, *, min_base: int = DEFAULT_MIN_N) -> str:
    """The change from ``before`` to ``now`` in the user's language: ``+12 %``, ``−3 %``; "baru"
    / "new" when the earlier count is below ``min_base`` (a percentage of a tiny or empty base
    says nothing); "—" when both are zero."""
    if before < min_base:
        return "—" if now == 0 and before == 0 else _t("baru", "new", lang)
    change = (now - before) / before
    sign = "+" if change >= 0 else "−"
    return sign + fmt_pct(abs(change), lang, digits=0)


def duration(seconds: int | float | None, lang: str) -> str:
    """A duration in the user's language (``14 mnt 12 dtk``; ``—`` for none)."""
    return fmt_duration(seconds, lang)


def few(summary: IntervalSummary, min_n: int) -> bool:
    """Whether a measured figure rests on too few incidents to be shown as one."""
    return 0 < summary.n < min_n


def too_few_text(lang: str) -> str:
    return _t("terlalu sedikit insiden", "too few incidents", lang)


@dataclass(frozen=True)
class Column:
    """A column: ``key`` of the row dicts, ``label`` shown, ``unit`` of its raw (CSV) values."""

    key: str
    label: str
    numeric: bool = False
    unit: str = ""
    shown: bool = True          # False: in the CSV only (codes)

    @property
    def header(self) -> str:
        """The CSV header: the label in the chosen language with the raw values' unit."""
        return f"{self.label} ({self.unit})" if self.unit else self.label


@dataclass(frozen=True)
class Table:
    """A table: ``rows`` hold display strings; ``raw`` the same rows with plain values (CSV);
    ``row_classes`` one CSS class per row ("few": too few incidents, shown greyed)."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[dict[str, str], ...]
    raw: tuple[dict[str, object], ...]
    row_classes: tuple[str, ...] = field(default=())

    @property
    def shown_columns(self) -> tuple[Column, ...]:
        """The columns shown on a page or in print (codes are kept for the CSV)."""
        return tuple(c for c in self.columns if c.shown)

    def to_csv(self) -> str:
        """The raw values as CSV (UTF-8, comma; header row in the table's language, with units)."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow([c.header for c in self.columns])
        for row in self.raw:
            writer.writerow(["" if row.get(c.key) is None else row.get(c.key) for c in self.columns])
        return buf.getvalue()

    def to_store(self) -> dict[str, object]:
        return {"name": self.name, "title": self.title, "columns": [c.key for c in self.columns],
                "headers": [c.header for c in self.columns], "raw": list(self.raw)}


def csv_from_store(data: Mapping[str, Any]) -> str:
    """CSV text from :meth:`Table.to_store` data kept in the browser."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    cols = [str(c) for c in data["columns"]]
    writer.writerow([str(h) for h in data.get("headers") or cols])
    for row in data["raw"]:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in cols])
    return buf.getvalue()


def _units(lang: str) -> dict[str, str]:
    return {"s": _t("detik", "seconds", lang), "share": _t("porsi 0–1", "share 0–1", lang),
            "n": _t("jumlah", "count", lang)}


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
    return fmt_duration(target_s, lang) if target_s is not None else _t("beragam", "varies", lang)


def intervals_table(dash: Dashboard, lang: str) -> Table:
    """The five intervals for the whole scope."""
    u = _units(lang)
    cols = (Column("interval", _t("Interval", "Interval", lang)),
            Column("p50", "p50", True, u["s"]), Column("p90", "p90", True, u["s"]),
            Column("target", _t("Target", "Target", lang), True, u["s"]),
            Column("within", _t("% dalam target", "% within target", lang), True, u["share"]),
            Column("goal", _t("Sasaran", "Goal", lang), True, u["share"]),
            Column("completeness", _t("Kelengkapan", "Completeness", lang), True, u["share"]),
            Column("n", "n", True, u["n"]))
    rows: list[dict[str, str]] = []
    raw: list[dict[str, object]] = []
    classes: list[str] = []
    min_n = dash.targets.min_n
    for k in INTERVAL_KEYS:
        s = dash.overall.intervals[k]
        target = target_for(dash, k)
        goal = dash.targets.resolve(k).goal_share
        rows.append({"interval": interval_label(k, lang), "p50": fmt_duration(s.p50_s, lang),
                     "p90": fmt_duration(s.p90_s, lang), "target": target_label(target, lang),
                     "within": too_few_text(lang) if few(s, min_n) else fmt_pct(s.within_target_share, lang),
                     "goal": fmt_pct(goal, lang, digits=0), "completeness": fmt_pct(s.completeness_share, lang),
                     "n": fmt_num(s.n, lang)})
        raw.append({"interval": k, "p50": s.p50_s, "p90": s.p90_s, "target": target,
                    "within": s.within_target_share, "goal": goal, "completeness": s.completeness_share,
                    "n": s.n})
        classes.append("k112-an-" + status(s, target, goal, min_n=min_n))
    return Table("intervals", _t("Interval respons", "Response intervals", lang), cols, tuple(rows), tuple(raw),
                 tuple(classes))


def status(summary: IntervalSummary, target_s: int | None, goal_share: float, *, min_n: int = 1) -> str:
    """``ok`` when the share within target meets the goal, ``warn`` when it misses it by less
    than 10 percentage points, ``bad`` beyond; ``few`` below ``min_n`` measured incidents, ``na``
    without data."""
    if summary.within_target_share is None:
        return "na"
    if summary.n < min_n:
        return "few"
    if summary.within_target_share >= goal_share:
        return "ok"
    return "warn" if summary.within_target_share >= goal_share - 0.10 else "bad"


def group_table(name: str, title: str, rows_in: Sequence[GroupRow], labels: dict[str, str],
                intervals: Sequence[str], lang: str, *, key_label: str, min_n: int = DEFAULT_MIN_N) -> Table:
    """One row per group with n, p50, p90, % within target and completeness of each interval;
    a row whose first interval rests on fewer than ``min_n`` incidents is flagged ``few``."""
    u = _units(lang)
    cols = [Column("key", _t("Kode", "Code", lang), shown=False), Column("name", key_label),
            Column("incidents", _t("Insiden", "Incidents", lang), True, u["n"])]
    for k in intervals:
        short = interval_label(k, lang)
        cols += [Column(f"{k}_p50", f"{short} p50", True, u["s"]), Column(f"{k}_p90", f"{short} p90", True, u["s"]),
                 Column(f"{k}_within", f"{short} {_t('% dalam target', '% within target', lang)}", True, u["share"]),
                 Column(f"{k}_completeness", f"{short} {_t('kelengkapan', 'completeness', lang)}", True, u["share"]),
                 Column(f"{k}_n", f"{short} n", True, u["n"])]
    rows, raw, classes = [], [], []
    for r in rows_in:
        disp: dict[str, str] = {"key": r.key or "—", "name": labels.get(r.key or "", r.key or "—"),
                                "incidents": fmt_num(r.incidents, lang)}
        plain: dict[str, object] = {"key": r.key, "name": labels.get(r.key or "", r.key), "incidents": r.incidents}
        for k in intervals:
            s = r.intervals[k]
            disp.update({f"{k}_p50": fmt_duration(s.p50_s, lang), f"{k}_p90": fmt_duration(s.p90_s, lang),
                         f"{k}_within": fmt_pct(s.within_target_share, lang),
                         f"{k}_completeness": fmt_pct(s.completeness_share, lang), f"{k}_n": fmt_num(s.n, lang)})
            plain.update({f"{k}_p50": s.p50_s, f"{k}_p90": s.p90_s, f"{k}_within": s.within_target_share,
                          f"{k}_completeness": s.completeness_share, f"{k}_n": s.n})
        rows.append(disp)
        raw.append(plain)
        classes.append("k112-an-few" if intervals and few(r.intervals[intervals[-1]], min_n) else "")
    return Table(name, title, tuple(cols), tuple(rows), tuple(raw), tuple(classes))


def kpi_table(dash: Dashboard, lang: str) -> Table:
    labels = kpi_labels(lang)
    u = _units(lang)
    min_n = dash.targets.min_n
    cols = (Column("window", _t("Rentang", "Window", lang)),
            Column("calls", calls_label(dash, lang), True, u["n"]),
            Column("calls_change", "Δ", True, u["share"]), Column("incidents", _t("Insiden", "Incidents", lang), True,
                                                                   u["n"]),
            Column("incidents_change", "Δ", True, u["share"]),
            Column("units", _t("Unit diberangkatkan", "Units dispatched", lang), True, u["n"]),
            Column("units_change", "Δ", True, u["share"]))
    rows, raw = [], []
    for k in dash.kpis:
        rows.append({"window": labels.get(k.window, k.window), "calls": fmt_num(k.calls, lang),
                     "calls_change": change_text(k.calls, k.prev_calls, lang, min_base=min_n),
                     "incidents": fmt_num(k.incidents, lang),
                     "incidents_change": change_text(k.incidents, k.prev_incidents, lang, min_base=min_n),
                     "units": fmt_num(k.units, lang),
                     "units_change": change_text(k.units, k.prev_units, lang, min_base=min_n)})
        raw.append({"window": k.window, "calls": k.calls, "calls_change": _change(k.calls, k.prev_calls, min_n),
                    "incidents": k.incidents, "incidents_change": _change(k.incidents, k.prev_incidents, min_n),
                    "units": k.units, "units_change": _change(k.units, k.prev_units, min_n)})
    return Table("kpis", _t("Ringkasan", "Key figures", lang), cols, tuple(rows), tuple(raw))


def _change(now: int, before: int, min_base: int) -> float | None:
    return None if before < min_base else Kpi.change(now, before)


def kpi_labels(lang: str) -> dict[str, str]:
    return {"today": _t("Hari ini", "Today", lang), "7d": _t("7 hari terakhir", "Last 7 days", lang),
            "30d": _t("30 hari terakhir", "Last 30 days", lang),
            "period": _t("Periode terpilih", "Chosen period", lang)}


def narrowed(dash: Dashboard) -> bool:
    f = dash.filters
    return bool(f.incident_types or f.agency or f.kecamatan)


def calls_label(dash: Dashboard, lang: str) -> str:
    """"Calls", or — with a type, agency or kecamatan filter — the calls that became incidents."""
    if narrowed(dash):
        return _t("Panggilan (jadi insiden)", "Calls (became incidents)", lang)
    return _t("Panggilan", "Calls", lang)


def calls_scope_note(dash: Dashboard, lang: str) -> str:
    """What the call figures count under the current filters."""
    if narrowed(dash):
        return _t("Dengan filter jenis, instansi atau kecamatan: hanya panggilan yang menjadi insiden dalam filter "
                  "ini (satu per insiden). Panggilan tanpa insiden — iseng, kosong, ditinggalkan — tidak punya jenis "
                  "atau lokasi, jadi tidak terhitung; penggolongan panggilan tidak berlaku.",
                  "With a type, agency or kecamatan filter: only the calls that became incidents in this filter "
                  "(one per incident). Calls without an incident — prank, ghost, abandoned — have no type or place, "
                  "so they are not counted; the call classification does not apply.", lang)
    return _t("Semua panggilan pada periode ini.", "All calls in this period.", lang)


CALL_CLASS_LABELS = {
    "valid": ("Sah", "Valid"), "prank": ("Iseng", "Prank"), "ghost": ("Panggilan kosong", "Ghost"),
    "invalid": ("Tidak valid", "Invalid"), "duplicate": ("Duplikat", "Duplicate"),
    "abandoned": ("Ditinggalkan", "Abandoned"), "info": ("Informasi", "Information"),
}


def calls_table(dash: Dashboard, lang: str) -> Table:
    c = dash.calls
    u = _units(lang)
    cols = (Column("measure", _t("Ukuran", "Measure", lang)), Column("value", _t("Nilai", "Value", lang), True),
            Column("share", _t("Porsi", "Share", lang), True, u["share"]))
    rows: list[dict[str, str]] = []
    raw: list[dict[str, object]] = []

    def add(key: str, label: str, value: object, shown: str, share_v: float | None) -> None:
        rows.append({"measure": label, "value": shown, "share": fmt_pct(share_v, lang)})
        raw.append({"measure": key, "value": value, "share": share_v})

    total = c.total
    add("calls", calls_label(dash, lang), total, fmt_num(total, lang), None)
    add("answered", _t("Dijawab", "Answered", lang), c.answered, fmt_num(c.answered, lang),
        c.answered / total if total else None)
    add("unanswered", _t("Tidak dijawab / ditinggalkan", "Unanswered / abandoned", lang), c.unanswered,
        fmt_num(c.unanswered, lang), c.unanswered / total if total else None)
    if not c.linked_only:
        for cls, (lid, len_) in CALL_CLASS_LABELS.items():
            v = c.by_class.get(cls, 0)
            add(f"class_{cls}", _t(lid, len_, lang), v, fmt_num(v, lang), v / total if total else None)
    add("answer_p50_s", _t("Waktu jawab p50", "Answer time p50", lang), c.answer.p50_s,
        fmt_duration(c.answer.p50_s, lang), None)
    add("answer_p90_s", _t("Waktu jawab p90", "Answer time p90", lang), c.answer.p90_s,
        fmt_duration(c.answer.p90_s, lang), None)
    for s, goal, src, within in c.standards:
        goal_text = fmt_pct(goal, lang, digits=0)
        add(f"within_{s}s", _t(f"Dijawab ≤ {s} dtk (sasaran {goal_text}, {src})",
                               f"Answered ≤ {s} s (goal {goal_text}, {src})", lang), within, fmt_pct(within, lang),
            within)
    return Table("calls", _t("Penanganan panggilan", "Call handling", lang), cols, tuple(rows), tuple(raw))


def league_table(dash: Dashboard, lang: str) -> Table:
    u = _units(lang)
    cols = (Column("rank", "#", True), Column("agency", _t("Instansi (OPD)", "Agency (OPD)", lang)),
            Column("incidents", _t("Tiket", "Tickets", lang), True, u["n"]),
            Column("closed", _t("Ditutup", "Closed", lang), True, u["n"]),
            Column("closure", _t("Tingkat penutupan", "Closure rate", lang), True, u["share"]),
            Column("close_p50", _t("Waktu tutup p50", "Time to close p50", lang), True, u["s"]),
            Column("close_p90", _t("Waktu tutup p90", "Time to close p90", lang), True, u["s"]))
    rows, raw, classes = [], [], []
    for i, r in enumerate(dash.league, start=1):
        name = dash.names.agencies.get(r.agency, (r.agency, r.agency))
        rows.append({"rank": str(i), "agency": _t(name[0], name[1], lang), "incidents": fmt_num(r.incidents, lang),
                     "closed": fmt_num(r.closed, lang), "closure": fmt_pct(r.closure_share, lang),
                     "close_p50": fmt_duration(r.close_p50_s, lang), "close_p90": fmt_duration(r.close_p90_s, lang)})
        raw.append({"rank": i, "agency": r.agency, "incidents": r.incidents, "closed": r.closed,
                    "closure": r.closure_share, "close_p50": r.close_p50_s, "close_p90": r.close_p90_s})
        classes.append("k112-an-few" if r.incidents < dash.targets.min_n else "")
    return Table("league", _t("Peringkat instansi", "Agency league table", lang), cols, tuple(rows), tuple(raw),
                 tuple(classes))


def all_tables(dash: Dashboard, lang: str) -> dict[str, Table]:
    """Every table of the dashboard, by name."""
    n = dash.names
    types = {k: _t(v[0], v[1], lang) for k, v in n.types.items()}
    agencies = {k: _t(v[0], v[1], lang) for k, v in n.agencies.items()}
    min_n = dash.targets.min_n
    return {
        "kpis": kpi_table(dash, lang),
        "intervals": intervals_table(dash, lang),
        "kecamatan": group_table("kecamatan", _t("Per kecamatan", "By kecamatan", lang), dash.by_kecamatan,
                                 n.kecamatan, ("total",), lang, key_label="Kecamatan", min_n=min_n),
        "kelurahan": group_table("kelurahan", _t("Per kelurahan", "By kelurahan", lang), dash.by_kelurahan,
                                 n.kelurahan, ("total",), lang, key_label="Kelurahan", min_n=min_n),
        "type": group_table("type", _t("Per jenis insiden", "By incident type", lang), dash.by_type, types,
                            INTERVAL_KEYS, lang, key_label=_t("Jenis", "Type", lang), min_n=min_n),
        "agency": group_table("agency", _t("Per instansi", "By agency", lang), dash.by_agency, agencies,
                              INTERVAL_KEYS, lang, key_label=_t("Instansi", "Agency", lang), min_n=min_n),
        "calls": calls_table(dash, lang),
        "league": league_table(dash, lang),
    }


def targets_text(targets: Targets, lang: str) -> str:
    """The targets in words, with the standards they come from (names only)."""
    parts = []
    for r in targets.rules:
        who = ""
        if r.incident_type:
            who = f" ({r.incident_type})"
        elif r.agency:
            who = f" ({r.agency})"
        parts.append(f"{interval_label(r.interval, lang)}{who} ≤ {fmt_duration(r.target_s, lang)}, "
                      f"{fmt_pct(r.goal_share, lang, digits=0)}")
    sources = sorted({r.source.split(":")[0].strip() for r in targets.rules if r.source})
    return "; ".join(parts) + (_t(". Sumber: ", ". Sources: ", lang) + ", ".join(sources) if sources else "")


def method_points(targets: Targets, lang: str, *, names: Mapping[str, str] | None = None) -> list[str]:
    """The method in short sentences: percentiles, intervals, completeness, samples, targets.
    ``names``: display names of the agencies and types that targets are set for (else codes)."""
    min_n = fmt_num(targets.min_n, lang)
    rules = targets_text(targets, lang)
    for code, name in (names or {}).items():
        rules = rules.replace(f"({code})", f"({name})")
    if lang == "en":
        return [
            f"Percentiles: {METHOD_EN}. \"p90 14 min\" means 9 of 10 measured incidents took 14 minutes or less.",
            "Intervals in whole seconds (rounded down). Turnout and travel use the first unit's stamps (first "
            "dispatched, first en route, first on scene).",
            "An interval with a missing stamp or stamps out of order is left out and counts as incomplete; "
            "completeness = the share of incidents with valid stamps for it.",
            "Incidents created without the call's received or answered time (entered on the console, or by an API "
            "client that sent none) carry the entry time instead: their answer time and call processing (and, "
            "without the received time, total response) are not measured and count as incomplete, never as 0 s.",
            "Unit intervals cover emergency incidents except prank, duplicate and cancelled ones. Days and hours in "
            "WITA (UTC+8).",
            f"Figures over fewer than {min_n} incidents are greyed (too few incidents); a change against fewer "
            f"than {min_n} earlier is shown as \"new\".",
            f"Targets: {rules}.",
        ]
    return [
        f"Persentil: {METHOD_ID}. \"p90 14 mnt\" artinya 9 dari 10 insiden terukur selesai dalam 14 menit atau "
        "kurang.",
        "Interval dalam detik utuh (dibulatkan ke bawah). Waktu keberangkatan dan tempuh memakai cap waktu unit "
        "pertama (pertama ditugaskan, pertama berangkat, pertama tiba).",
        "Interval dengan cap waktu hilang atau tidak berurutan dikeluarkan dan dihitung tidak lengkap; "
        "kelengkapan = porsi insiden yang cap waktunya sah.",
        "Insiden yang dibuat tanpa waktu panggilan masuk atau dijawab (dicatat di konsol, atau lewat API tanpa "
        "waktu itu) memakai waktu pencatatan: waktu jawab dan pemrosesan panggilannya (dan, tanpa waktu masuk, "
        "total respons) tidak diukur dan dihitung tidak lengkap, tidak pernah 0 detik.",
        "Interval unit mencakup insiden darurat kecuali iseng, duplikat dan batal. Hari dan jam dalam WITA (UTC+8).",
        f"Angka dari kurang dari {min_n} insiden ditampilkan abu-abu (terlalu sedikit insiden); perubahan terhadap "
        f"kurang dari {min_n} sebelumnya ditampilkan \"baru\".",
        f"Target: {rules}.",
    ]


def method_note(targets: Targets, lang: str) -> str:
    """The method in one paragraph (see :func:`method_points`)."""
    return " ".join(method_points(targets, lang))


def display_names(dash: Dashboard, lang: str) -> dict[str, str]:
    """Agency and type codes → names in ``lang`` (for texts that mention them)."""
    out = {k: _t(v[0], v[1], lang) for k, v in dash.names.agencies.items()}
    out.update({k: _t(v[0], v[1], lang) for k, v in dash.names.types.items()})
    return out


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
        return fmt_pct(n / total if total else None, lang)

    c = calls.by_class
    if calls.linked_only:
        return _t(f"{fmt_num(total, lang)} panggilan yang menjadi insiden, {of(calls.answered)} dijawab; waktu jawab "
                  f"p50 {fmt_duration(calls.answer.p50_s, lang)}, p90 {fmt_duration(calls.answer.p90_s, lang)}.",
                  f"{fmt_num(total, lang)} calls that became incidents, {of(calls.answered)} answered; answer time "
                  f"p50 {fmt_duration(calls.answer.p50_s, lang)}, p90 {fmt_duration(calls.answer.p90_s, lang)}.",
                  lang)
    return _t(
        f"{fmt_num(total, lang)} panggilan, {of(calls.answered)} dijawab; waktu jawab p50 "
        f"{fmt_duration(calls.answer.p50_s, lang)}, p90 {fmt_duration(calls.answer.p90_s, lang)}; iseng "
        f"{of(c['prank'])}, kosong {of(c['ghost'])}, tidak valid {of(c['invalid'])}, duplikat {of(c['duplicate'])}.",
        f"{fmt_num(total, lang)} calls, {of(calls.answered)} answered; answer time p50 "
        f"{fmt_duration(calls.answer.p50_s, lang)}, p90 {fmt_duration(calls.answer.p90_s, lang)}; prank "
        f"{of(c['prank'])}, ghost {of(c['ghost'])}, invalid {of(c['invalid'])}, duplicate {of(c['duplicate'])}.",
        lang)


def worst(table: Table, column: str, n: int, *, skip_few: bool = False) -> Table:
    """The ``n`` rows of ``table`` with the highest ``column`` value (rows without one, and with
    ``skip_few`` rows on too few incidents, left out)."""
    few_ids = {id(raw) for raw, cls in zip(table.raw, table.row_classes) if cls == "k112-an-few"}
    shown = {id(raw): row for row, raw in zip(table.rows, table.raw)}
    top = sorted((r for r in table.raw if isinstance(r.get(column), (int, float))
                  and not (skip_few and id(r) in few_ids)),
                 key=lambda r: -float(r[column]))[:n]  # type: ignore[arg-type]
    return Table(table.name, table.title, table.columns, tuple(shown[id(r)] for r in top), tuple(top))


def generated_label(now: datetime, lang: str) -> str:
    return _t("Dibuat ", "Generated ", lang) + now.astimezone(WITA).strftime("%d-%m-%Y %H:%M") + " WITA"
