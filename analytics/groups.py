"""Grouped figures from aggregated statistics (pure): per-type histograms added up by agency and
for everything, group rows with their interval summaries, and the agency league table.

Statistics are keyed by ``(group, key)`` — ``("type", "medical")``, ``("agency", "PSC119")``,
``("kecamatan", "7471010")``, ``("none", None)`` … — and, inside a group, by measure: an
interval key (``"total"``, ``"close_min"`` …) or one of the counts in :data:`COUNTS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from analytics.fractiles import IntervalSummary, read_histogram, share
from analytics.model import GroupRow, LeagueRow

#: Counts kept per group besides the intervals: incidents, the unit-interval population,
#: closed incidents and units dispatched.
COUNTS = ("incidents", "population", "closed", "units")


@dataclass(frozen=True)
class Stat:
    """One measure of one group: ``n`` values (or the count), ``ok`` within target, fractiles."""

    n: int
    ok: int = 0
    p50: int | None = None
    p90: int | None = None


GroupStats = dict[str, Stat]
Stats = dict[tuple[str, str | None], GroupStats]


def by_type(hists: Mapping[str, Mapping[str, Mapping[int, int]]], counts: Mapping[str, Sequence[int]], *,
            type_agency: Mapping[str, str], target_of: Callable[[str, str], int | None]) -> Stats:
    """Statistics by type, by agency and for everything from each type's exact histograms.

    Parameters
    ----------
    hists
        ``{type: {interval: {seconds: incidents}}}``.
    counts
        ``{type: (incidents, population, closed, units)}``.
    type_agency
        Agency of each type; types not in it are left out.
    target_of
        ``(interval, type) -> target_s`` (None: no target, nothing is within).

    Histograms add up, so the fractiles of an agency or of everything are exact.
    """
    merged: dict[tuple[str, str | None], dict[str, dict[int, int]]] = {}
    oks: dict[tuple[str, str | None], dict[str, int]] = {}
    for code, per_interval in hists.items():
        if code not in type_agency:
            continue
        for key in _keys(code, type_agency[code]):
            for interval, hist in per_interval.items():
                target = target_of(interval, code)
                within = sum(n for v, n in hist.items() if v <= target) if target is not None else 0
                dst = merged.setdefault(key, {}).setdefault(interval, {})
                for v, n in hist.items():
                    dst[v] = dst.get(v, 0) + n
                group_oks = oks.setdefault(key, {})
                group_oks[interval] = group_oks.get(interval, 0) + within
    out: Stats = {}
    for code, values in counts.items():
        if code not in type_agency:
            continue
        for key in _keys(code, type_agency[code]):
            group = out.setdefault(key, {})
            for name, value in zip(COUNTS, values):
                group[name] = Stat(group[name].n + int(value) if name in group else int(value))
    for key, per_interval in merged.items():
        for interval, hist in per_interval.items():
            n, (p50, p90) = read_histogram(hist)
            if n:
                out.setdefault(key, {})[interval] = Stat(n, oks[key][interval], p50, p90)
    return out


def _keys(type_code: str, agency: str) -> tuple[tuple[str, str | None], ...]:
    return ("type", type_code), ("agency", agency), ("none", None)


def merge_intervals(into: Stats, other: Stats) -> Stats:
    """``into`` with the interval measures of ``other`` added (its counts are ignored)."""
    for key, group in other.items():
        into.setdefault(key, {}).update({m: s for m, s in group.items() if m not in COUNTS})
    return into


def count(group: Mapping[str, Stat], name: str) -> int:
    stat = group.get(name)
    return stat.n if stat is not None else 0


def summary(group: Mapping[str, Stat], interval: str) -> IntervalSummary:
    """The interval's summary in a group; completeness against all incidents (answer time) or
    the unit-interval population (the other intervals)."""
    stat = group.get(interval)
    n = stat.n if stat else 0
    ok = stat.ok if stat else 0
    population = count(group, "incidents" if interval == "answer" else "population")
    return IntervalSummary(interval=interval, n=n, population=population, p50_s=stat.p50 if stat else None,
                           p90_s=stat.p90 if stat else None, within_target_share=share(ok, n),
                           completeness_share=share(n, population))


def rows(stats: Stats, group: str, intervals: Sequence[str]) -> list[GroupRow]:
    """One row per key of ``group`` with incidents, sorted by key (no key last)."""
    out = [GroupRow(key=key, incidents=count(g, "incidents"), intervals={k: summary(g, k) for k in intervals})
           for (grp, key), g in stats.items() if grp == group and count(g, "incidents") > 0]
    out.sort(key=lambda r: (r.key is None, r.key or ""))
    return out


def overall(stats: Stats, intervals: Sequence[str]) -> GroupRow:
    """The whole scope's row (zeros for an empty scope)."""
    found = rows(stats, "none", intervals)
    return found[0] if found else GroupRow(None, 0, {k: summary({}, k) for k in intervals})


def league(stats: Stats) -> list[LeagueRow]:
    """Agencies by closure rate (highest first), then by median time to close (fastest first)."""
    out = []
    for (grp, key), g in stats.items():
        if grp != "agency" or key is None:
            continue
        incidents, closed = count(g, "incidents"), count(g, "closed")
        close = g.get("close_min")
        out.append(LeagueRow(key, incidents, closed, share(closed, incidents),
                             close.p50 * 60 if close and close.p50 is not None else None,
                             close.p90 * 60 if close and close.p90 is not None else None))
    out.sort(key=lambda x: (-(x.closure_share or 0.0), x.close_p50_s if x.close_p50_s is not None else 1 << 40))
    return out


def from_rows(found: Iterable[tuple[str, str | None, str, int, int, int | None, int | None]], *,
              intervals_only: bool = False) -> Stats:
    """Statistics from ``(group, key, measure, n, ok, p50, p90)`` rows; ``intervals_only`` drops
    the counts (a query over the unit-interval population only)."""
    out: Stats = {}
    for group, key, measure, n, ok, p50, p90 in found:
        if intervals_only and measure in COUNTS:
            continue
        out.setdefault((group, key), {})[measure] = Stat(int(n or 0), int(ok or 0), p50, p90)
    return out
