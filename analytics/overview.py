"""The one-screen overview of a dashboard as plain texts (pure): the five intervals as
red/amber/green tiles with a plain-language sentence, calls, the slowest kecamatan, the agency
league's top and bottom, and what is available right now.

Shared by the page (``pages/_analytics_views.py``), the printable summary and the monthly
report, so that all three say the same thing in the same words and number formats.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from analytics.fractiles import IntervalSummary
from analytics.intervals import INTERVAL_KEYS
from analytics.model import Dashboard, GroupRow, LeagueRow, LiveStatus
from analytics.report import calls_label, few, interval_label, narrowed, status, target_for, too_few_text
from i18n import fmt_duration, fmt_num, fmt_pct, tr

#: What the first unit of an agency is called in a sentence: (Indonesian, English).
UNIT_NOUNS = {"PSC119": ("ambulans", "ambulances"), "DAMKAR": ("unit pemadam", "fire units"),
              "POLICE": ("patroli polisi", "police patrols"), "BPBD": ("tim BPBD", "BPBD teams")}
GENERIC_NOUN = ("unit pertama", "first units")
WORST_AREAS = 3
LEAGUE_EACH = 3


@dataclass(frozen=True)
class IntervalTile:
    """One interval: its status colour and the texts of the tile."""

    key: str
    title: str
    status: str            # ok | warn | bad | few | na
    status_text: str
    p90: str
    target: str
    within: str
    goal: str
    trend: str
    trend_class: str       # better | worse | same | new | none
    completeness: str
    n: str
    sentence: str


@dataclass(frozen=True)
class Line:
    label: str
    value: str
    muted: bool = False


@dataclass(frozen=True)
class Card:
    """A tile of lines with a title, a status colour and a note on what it counts."""

    key: str
    title: str
    lines: tuple[Line, ...]
    note: str = ""
    status: str = "na"
    sentence: str = ""


@dataclass(frozen=True)
class Overview:
    period: str
    tiles: tuple[IntervalTile, ...]
    calls: Card
    worst_areas: Card
    league: Card
    live: Card
    filters_note: str = ""
    notes: tuple[str, ...] = field(default=())


def _t(text_id: str, text_en: str, lang: str) -> str:
    return tr(text_id, text_en, lang)


def unit_noun(dash: Dashboard, lang: str) -> str:
    """What "the first unit" is for the dashboard's filters (ambulances for PSC 119, …)."""
    agencies = {dash.names.type_agency.get(t) for t in dash.filters.incident_types} if dash.filters.incident_types \
        else set()
    if dash.filters.agency:
        agencies = {dash.filters.agency}
    noun = UNIT_NOUNS.get(next(iter(agencies)), GENERIC_NOUN) if len(agencies) == 1 else GENERIC_NOUN  # type: ignore[arg-type]
    return noun[1] if lang == "en" else noun[0]


def sentence(key: str, s: IntervalSummary, noun: str, lang: str, *, min_n: int) -> str:
    """The tile's plain-language line, e.g. "9 dari 10 ambulans tiba dalam 14 mnt"."""
    if s.n == 0:
        return _t("Belum ada insiden terukur pada periode ini.", "No measured incidents in this period.", lang)
    if s.n < min_n:
        return _t(f"Terlalu sedikit insiden (n = {fmt_num(s.n, lang)}) untuk angka yang bisa dipegang.",
                  f"Too few incidents (n = {fmt_num(s.n, lang)}) for a figure to rely on.", lang)
    p90 = fmt_duration(s.p90_s, lang)
    texts = {
        "answer": (f"9 dari 10 panggilan dijawab dalam {p90}.", f"9 of 10 calls were answered within {p90}."),
        "processing": (f"9 dari 10 insiden mendapat unit dalam {p90} setelah panggilan dijawab.",
                       f"9 of 10 incidents had a unit assigned within {p90} of answering."),
        "turnout": (f"9 dari 10 {noun} berangkat dalam {p90} setelah ditugaskan.",
                    f"9 of 10 {noun} left within {p90} of being dispatched."),
        "travel": (f"9 dari 10 {noun} tiba dalam {p90} setelah berangkat.",
                   f"9 of 10 {noun} arrived within {p90} of leaving."),
        "total": (f"9 dari 10 {noun} tiba dalam {p90} sejak panggilan masuk.",
                  f"9 of 10 {noun} arrived within {p90} of the call."),
    }
    text_id, text_en = texts[key]
    return _t(text_id, text_en, lang)


def _trend(now: IntervalSummary, before: IntervalSummary | None, lang: str, *, min_n: int) -> tuple[str, str]:
    """The change of p90 against the previous period: (text, class)."""
    if now.p90_s is None or now.n < min_n:
        return "—", "none"
    if before is None or before.p90_s is None or before.n < min_n:
        return _t("baru (pembanding terlalu sedikit insiden)", "new (too few incidents to compare)", lang), "new"
    diff = now.p90_s - before.p90_s
    if diff == 0:
        return _t("= sama dengan periode sebelumnya", "= same as the previous period", lang), "same"
    amount = fmt_duration(abs(diff), lang)
    if diff > 0:
        return _t(f"▲ {amount} lebih lambat dari periode sebelumnya", f"▲ {amount} slower than the previous period",
                  lang), "worse"
    return _t(f"▼ {amount} lebih cepat dari periode sebelumnya", f"▼ {amount} faster than the previous period",
              lang), "better"


STATUS_TEXT = {"ok": ("memenuhi sasaran", "meets the goal"),
               "warn": ("sedikit di bawah sasaran", "just below the goal"),
               "bad": ("jauh di bawah sasaran", "well below the goal"),
               "few": ("terlalu sedikit insiden", "too few incidents"), "na": ("tidak ada data", "no data")}


def interval_tiles(dash: Dashboard, lang: str) -> tuple[IntervalTile, ...]:
    min_n = dash.targets.min_n
    noun = unit_noun(dash, lang)
    previous = dash.previous_overall.intervals if dash.previous_overall is not None else {}
    out = []
    for key in INTERVAL_KEYS:
        s = dash.overall.intervals[key]
        target = target_for(dash, key)
        goal = dash.targets.resolve(key).goal_share
        st = status(s, target, goal, min_n=min_n)
        trend, trend_class = _trend(s, previous.get(key), lang, min_n=min_n)
        target_text = (_t("target ", "target ", lang) + fmt_duration(target, lang)) if target is not None \
            else _t("target beragam per jenis", "target varies by type", lang)
        out.append(IntervalTile(
            key=key, title=interval_label(key, lang), status=st, status_text=_t(*STATUS_TEXT[st], lang),
            p90=fmt_duration(s.p90_s, lang), target=target_text,
            within=too_few_text(lang) if st == "few" else fmt_pct(s.within_target_share, lang),
            goal=_t("sasaran ", "goal ", lang) + fmt_pct(goal, lang, digits=0), trend=trend, trend_class=trend_class,
            completeness=_t("lengkap ", "complete ", lang) + fmt_pct(s.completeness_share, lang),
            n="n = " + fmt_num(s.n, lang), sentence=sentence(key, s, noun, lang, min_n=min_n)))
    return tuple(out)


def calls_card(dash: Dashboard, lang: str) -> Card:
    c = dash.calls
    total = c.total
    junk = sum(c.by_class.get(k, 0) for k in ("prank", "ghost", "invalid"))
    lines = [Line(calls_label(dash, lang), fmt_num(total, lang)),
             Line(_t("dijawab", "answered", lang), fmt_pct(c.answered / total if total else None, lang)),
             Line(_t("tidak dijawab / ditinggalkan", "unanswered / abandoned", lang),
                  fmt_pct(c.unanswered / total if total else None, lang)),
             Line(_t("waktu jawab p90", "answer time p90", lang), fmt_duration(c.answer.p90_s, lang),
                  muted=few(c.answer, dash.targets.min_n))]
    if not c.linked_only:
        lines.append(Line(_t("iseng / kosong / tidak valid", "prank / ghost / invalid", lang),
                          fmt_pct(junk / total if total else None, lang)))
    goal = dash.targets.resolve("answer").goal_share
    st = status(c.answer, dash.targets.resolve("answer").target_s, goal, min_n=dash.targets.min_n)
    note = (_t("Filter berlaku: hanya panggilan yang menjadi insiden dalam filter ini.",
               "Filters apply: only calls that became incidents in this filter.", lang) if c.linked_only
            else _t("Semua panggilan pada periode ini.", "All calls in this period.", lang))
    within = fmt_pct(c.answer.within_target_share, lang)
    answer_target = fmt_duration(dash.targets.resolve("answer").target_s, lang)
    line = _t(f"{within} panggilan dijawab dalam {answer_target}.",
              f"{within} of calls were answered within {answer_target}.", lang) if c.answer.n else \
        _t("Belum ada panggilan terjawab yang terukur.", "No measured answered calls yet.", lang)
    return Card("calls", _t("Panggilan", "Calls", lang), tuple(lines), note, st, line)


def _area_line(row: GroupRow, name: str, lang: str) -> Line:
    s = row.intervals["total"]
    return Line(name, f"p90 {fmt_duration(s.p90_s, lang)} · {fmt_pct(s.within_target_share, lang)} "
                      + _t("dalam target", "within target", lang))


def worst_areas_card(dash: Dashboard, lang: str) -> Card:
    min_n = dash.targets.min_n
    eligible = [r for r in dash.by_kecamatan if r.key and r.intervals["total"].p90_s is not None
                and r.intervals["total"].n >= min_n]
    eligible.sort(key=lambda r: -(r.intervals["total"].p90_s or 0))
    lines = [_area_line(r, dash.names.kecamatan.get(r.key or "", r.key or "—"), lang) for r in eligible[:WORST_AREAS]]
    left_out = sum(1 for r in dash.by_kecamatan if r.key and 0 < r.intervals["total"].n < min_n)
    note = _t(f"p90 total respons tertinggi. {left_out} kecamatan dengan terlalu sedikit insiden tidak diperingkat.",
              f"Highest total response p90. {left_out} kecamatan with too few incidents are not ranked.", lang) \
        if left_out else _t("p90 total respons tertinggi.", "Highest total response p90.", lang)
    if not lines:
        lines = [Line(_t("tidak ada kecamatan dengan cukup insiden", "no kecamatan with enough incidents", lang), "",
                      muted=True)]
    return Card("areas", _t(f"{WORST_AREAS} kecamatan paling lambat", f"{WORST_AREAS} slowest kecamatan", lang),
                tuple(lines), note, "na")


def _league_line(r: LeagueRow, dash: Dashboard, lang: str) -> Line:
    name = dash.names.agencies.get(r.agency, (r.agency, r.agency))
    return Line(_t(name[0], name[1], lang),
                f"{fmt_pct(r.closure_share, lang)} " + _t("ditutup", "closed", lang)
                + f" · p50 {fmt_duration(r.close_p50_s, lang)}")


def league_card(dash: Dashboard, lang: str) -> Card:
    min_n = dash.targets.min_n
    ranked = [r for r in dash.league if r.incidents >= min_n]
    top = ranked[:LEAGUE_EACH]
    bottom = [r for r in ranked[-LEAGUE_EACH:] if r not in top]
    lines = [Line(_t("Teratas", "Top", lang), "", muted=True), *(_league_line(r, dash, lang) for r in top)]
    if bottom:
        lines += [Line(_t("Terbawah", "Bottom", lang), "", muted=True),
                  *(_league_line(r, dash, lang) for r in reversed(bottom))]
    if not ranked:
        lines = [Line(_t("tidak ada instansi dengan cukup tiket", "no agency with enough tickets", lang), "",
                      muted=True)]
    note = _t("Tingkat penutupan tiket, lalu median waktu tutup.", "Ticket closure rate, then median time to close.",
              lang)
    return Card("league", _t("Peringkat instansi (OPD)", "Agency (OPD) league", lang), tuple(lines), note, "na")


def live_card(live: LiveStatus | None, dash: Dashboard, lang: str) -> Card:
    if live is None:
        return Card("live", _t("Saat ini", "Right now", lang), (), "", "na")
    units = [u for u in live.units if not dash.filters.agency or u.agency == dash.filters.agency]
    lines = [Line(_t(u.name_id, u.name_en, lang),
                  _t(f"{fmt_num(u.available, lang)} dari {fmt_num(u.in_service, lang)} siap",
                     f"{fmt_num(u.available, lang)} of {fmt_num(u.in_service, lang)} available", lang),
                  muted=u.available == 0) for u in units]
    if live.uncovered_share is not None:
        kind = next((_t(u.name_id, u.name_en, lang) for u in live.units if u.unit_type == live.uncovered_unit_type),
                    None)
        label = _t("waktu tak terjangkau hari ini", "uncovered time today", lang) + (f" ({kind})" if kind else "")
        lines.append(Line(label, fmt_pct(live.uncovered_share, lang)))
    else:
        lines.append(Line(_t("waktu tak terjangkau hari ini", "uncovered time today", lang),
                          _t("belum tersedia", "not available yet", lang), muted=True))
    ignored = _t("filter instansi berlaku; periode, jenis dan kecamatan tidak", "agency filter applies; period, type "
                 "and kecamatan do not", lang) if dash.filters.agency else \
        _t("seluruh kota; filter tidak berlaku", "whole city; filters do not apply", lang)
    return Card("live", _t("Saat ini", "Right now", lang), tuple(lines), ignored, "na")


def filters_note(dash: Dashboard, lang: str) -> str:
    """Which filters the overview follows (all figures but the live ones follow every filter)."""
    if narrowed(dash):
        return _t("Semua angka mengikuti periode dan filter; panggilan: hanya yang menjadi insiden dalam filter; "
                  "'Saat ini' tidak mengikuti periode.",
                  "Every figure follows the period and the filters; calls: only those that became incidents in the "
                  "filter; 'Right now' does not follow the period.", lang)
    return _t("Semua angka mengikuti periode; 'Saat ini' menunjukkan keadaan sekarang.",
              "Every figure follows the period; 'Right now' shows the present state.", lang)


def build(dash: Dashboard, lang: str, *, period: str = "") -> Overview:
    """The overview of ``dash`` in ``lang``."""
    return Overview(period=period, tiles=interval_tiles(dash, lang), calls=calls_card(dash, lang),
                    worst_areas=worst_areas_card(dash, lang), league=league_card(dash, lang),
                    live=live_card(dash.live, dash, lang), filters_note=filters_note(dash, lang))
