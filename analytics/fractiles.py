"""The one percentile method used everywhere: nearest rank (PostgreSQL ``percentile_disc``).

For a fraction ``p`` of ``n`` sorted values ``v[1] <= … <= v[n]`` the ``p``-fractile is
``v[k]`` with ``k = max(1, ceil(p · n))`` — the smallest observed value such that at least a
share ``p`` of the values are less than or equal to it. It is always an observed value (no
interpolation), so "90th percentile total response 14 min 12 s" means 90 % of the incidents
had a total response of 14 min 12 s or less. ``ceil(p · n)`` is computed in IEEE double exactly
as PostgreSQL does, so this module and the SQL give identical results (tested).

This is the pure-Python reference implementation; the SQL computes the same with
``percentile_disc``, and :func:`read_histogram` applies the same rule to exact one-second
histograms added up from the store's per-group counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

METHOD_ID = "peringkat terdekat (percentile_disc): nilai teramati ke-⌈p·n⌉ dari n nilai terurut"
METHOD_EN = "nearest rank (percentile_disc): the ⌈p·n⌉-th of the n sorted observed values"
FRACTILES: tuple[float, ...] = (0.5, 0.9)
N = TypeVar("N", int, float)


def rank(p: float, n: int) -> int:
    """1-based rank of the ``p``-fractile among ``n`` values (PostgreSQL's rule)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {p}")
    return max(1, math.ceil(p * n))


def nearest_rank(values: Iterable[N | None], p: float) -> N | None:
    """The ``p``-fractile of ``values`` (None entries ignored); None for no values."""
    data = sorted(v for v in values if v is not None)
    if not data:
        return None
    return data[rank(p, len(data)) - 1]


def from_histogram(hist: Mapping[int, int] | Sequence[tuple[int, int]], p: float) -> int | None:
    """The ``p``-fractile from ``{value: count}``: identical to :func:`nearest_rank` on the data."""
    items = sorted(hist.items() if isinstance(hist, Mapping) else hist)
    total = sum(c for _, c in items)
    if total == 0:
        return None
    k = rank(p, total)
    cum = 0
    for value, count in items:
        cum += count
        if cum >= k:
            return value
    raise AssertionError("unreachable")


def read_histogram(hist: Mapping[int, int], fractions: Sequence[float] = FRACTILES
                   ) -> tuple[int, tuple[int | None, ...]]:
    """``(n, fractiles)`` of a ``{value: count}`` histogram in one pass over its sorted values.

    Each fractile is the one of :func:`from_histogram` (nearest rank); all are None when the
    histogram is empty.
    """
    total = sum(hist.values())
    if total == 0:
        return 0, tuple(None for _ in fractions)
    wanted = sorted((rank(p, total), i) for i, p in enumerate(fractions))
    found: list[int | None] = [None] * len(fractions)
    cum, j = 0, 0
    for value in sorted(hist):
        cum += hist[value]
        while j < len(wanted) and cum >= wanted[j][0]:
            found[wanted[j][1]] = value
            j += 1
        if j == len(wanted):
            break
    return total, tuple(found)


@dataclass(frozen=True)
class IntervalSummary:
    """What is reported for one interval in one group."""

    interval: str
    n: int                      # incidents with a valid (complete, ordered) interval
    population: int             # incidents the interval applies to
    p50_s: int | None
    p90_s: int | None
    within_target_share: float | None   # of the n measured
    completeness_share: float | None    # n / population

    def to_dict(self) -> dict[str, object]:
        return {"interval": self.interval, "n": self.n, "population": self.population,
                "p50_s": self.p50_s, "p90_s": self.p90_s,
                "within_target_share": self.within_target_share,
                "completeness_share": self.completeness_share}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> IntervalSummary:
        """The inverse of :meth:`to_dict`."""
        return cls(interval=str(doc["interval"]), n=int(doc["n"]), population=int(doc["population"]),
                   p50_s=doc["p50_s"], p90_s=doc["p90_s"], within_target_share=doc["within_target_share"],
                   completeness_share=doc["completeness_share"])


def share(part: int, whole: int) -> float | None:
    """``part / whole`` rounded to 4 decimals, None when ``whole`` is 0."""
    return None if whole == 0 else round(part / whole, 4)


def summarize(interval: str, values: Sequence[int | None], targets_s: Sequence[int | None],
              *, population: int) -> IntervalSummary:
    """Summarise one interval: ``values[i]`` measured against ``targets_s[i]`` (None: incomplete)."""
    pairs = [(v, t) for v, t in zip(values, targets_s) if v is not None]
    measured = [v for v, _ in pairs]
    within = sum(1 for v, t in pairs if t is not None and v <= t)
    return IntervalSummary(
        interval=interval, n=len(measured), population=population,
        p50_s=nearest_rank(measured, 0.5), p90_s=nearest_rank(measured, 0.9),
        within_target_share=share(within, len(measured)),
        completeness_share=share(len(measured), population),
    )
