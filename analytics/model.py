"""The dashboard's data: small frozen dataclasses that the analytics service returns and the UI draws."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from analytics.fractiles import IntervalSummary
from analytics.period import Filters
from analytics.targets import Targets


@dataclass(frozen=True)
class GroupRow:
    """One group (a kecamatan, a type, a day, …; ``key`` None for the whole scope)."""

    key: str | None
    incidents: int
    intervals: dict[str, IntervalSummary]

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "incidents": self.incidents,
                "intervals": {k: v.to_dict() for k, v in self.intervals.items()}}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> GroupRow:
        """The inverse of :meth:`to_dict`."""
        return cls(key=doc["key"], incidents=int(doc["incidents"]),
                   intervals={k: IntervalSummary.from_dict(v) for k, v in doc["intervals"].items()})


@dataclass(frozen=True)
class Kpi:
    """Counts for one window and the previous window of equal length."""

    window: str            # today | 7d | 30d | period
    start: datetime
    end: datetime
    calls: int
    incidents: int
    units: int
    prev_calls: int
    prev_incidents: int
    prev_units: int

    @staticmethod
    def change(now: int, before: int) -> float | None:
        """Relative change, None when there is nothing to compare with."""
        return None if before == 0 else round((now - before) / before, 4)


#: Call classifications, in the order they are shown.
CALL_CLASSES = ("valid", "prank", "ghost", "invalid", "duplicate", "abandoned", "info")


@dataclass(frozen=True)
class CallHandling:
    """Calls of a period. ``linked_only``: the type, agency or kecamatan filter is set, so only
    the calls that became incidents in scope are counted (one per incident; calls without an
    incident have no type or place) and the classification is not known (``by_class`` zeros)."""

    total: int
    answered: int
    unanswered: int
    by_class: dict[str, int]
    answer: IntervalSummary
    standards: list[tuple[int, float, str, float | None]]   # (seconds, goal, source, share within)
    daily: list[tuple[date, int, int, int]]                 # (day, calls, answered, prank+ghost+invalid)
    linked_only: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "answered": self.answered, "unanswered": self.unanswered,
                "by_class": dict(self.by_class), "answer": self.answer.to_dict(),
                "standards": [list(s) for s in self.standards],
                "daily": [[d.isoformat(), c, a, j] for d, c, a, j in self.daily], "linked_only": self.linked_only}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> CallHandling:
        """The inverse of :meth:`to_dict`."""
        return cls(total=int(doc["total"]), answered=int(doc["answered"]), unanswered=int(doc["unanswered"]),
                   by_class={str(k): int(v) for k, v in doc["by_class"].items()},
                   answer=IntervalSummary.from_dict(doc["answer"]),
                   standards=[(int(s), float(g), str(src), w) for s, g, src, w in doc["standards"]],
                   daily=[(date.fromisoformat(d), int(c), int(a), int(j)) for d, c, a, j in doc["daily"]],
                   linked_only=bool(doc.get("linked_only", False)))


@dataclass(frozen=True)
class LeagueRow:
    agency: str
    incidents: int
    closed: int
    closure_share: float | None
    close_p50_s: int | None
    close_p90_s: int | None


@dataclass(frozen=True)
class Figures:
    """What a dashboard shows that depends on the facts, the filters and the targets only (not on
    the clock): the grouped fractiles, call handling, the league table and the period's counts.
    ``period_counts`` and ``previous_counts`` are (calls, incidents, units dispatched)."""

    overall: GroupRow
    by_kecamatan: list[GroupRow]
    by_kelurahan: list[GroupRow]
    by_type: list[GroupRow]
    by_agency: list[GroupRow]
    heatmap: list[GroupRow]
    daily: list[GroupRow]
    weekly: list[GroupRow]
    calls: CallHandling
    league: list[LeagueRow]
    period_counts: tuple[int, int, int]
    previous_counts: tuple[int, int, int]
    previous_overall: GroupRow | None = None

    _GROUPS = ("by_kecamatan", "by_kelurahan", "by_type", "by_agency", "heatmap", "daily", "weekly")

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types only (dates as ISO strings)."""
        doc: dict[str, Any] = {g: [r.to_dict() for r in getattr(self, g)] for g in self._GROUPS}
        doc.update(overall=self.overall.to_dict(), calls=self.calls.to_dict(),
                   league=[asdict(r) for r in self.league], period_counts=list(self.period_counts),
                   previous_counts=list(self.previous_counts),
                   previous_overall=None if self.previous_overall is None else self.previous_overall.to_dict())
        return doc

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Figures:
        """The inverse of :meth:`to_json`."""
        groups = {g: [GroupRow.from_dict(r) for r in doc[g]] for g in cls._GROUPS}
        return cls(overall=GroupRow.from_dict(doc["overall"]), calls=CallHandling.from_dict(doc["calls"]),
                   league=[LeagueRow(**r) for r in doc["league"]], period_counts=_counts(doc["period_counts"]),
                   previous_counts=_counts(doc["previous_counts"]),
                   previous_overall=None if doc.get("previous_overall") is None
                   else GroupRow.from_dict(doc["previous_overall"]), **groups)


def _counts(values: Sequence[Any]) -> tuple[int, int, int]:
    calls, incidents, units = (int(v) for v in values)
    return calls, incidents, units


@dataclass(frozen=True)
class Names:
    """Display names: code -> (Indonesian, English)."""

    kecamatan: dict[str, str]
    kelurahan: dict[str, str]
    types: dict[str, tuple[str, str]]
    agencies: dict[str, tuple[str, str]]
    type_agency: dict[str, str]
    emergency_types: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Dashboard:
    filters: Filters
    targets: Targets
    names: Names
    kpis: list[Kpi]
    overall: GroupRow
    by_kecamatan: list[GroupRow]
    by_kelurahan: list[GroupRow]
    by_type: list[GroupRow]
    by_agency: list[GroupRow]
    heatmap: list[GroupRow]       # key "isodow-hour"
    daily: list[GroupRow]         # key ISO date (total response)
    weekly: list[GroupRow]        # key ISO date of the Monday (total response)
    calls: CallHandling
    league: list[LeagueRow]
    seconds: float = 0.0
    previous_overall: GroupRow | None = None   # the previous period of equal length
    live: LiveStatus | None = None


@dataclass(frozen=True)
class UnitsAvailable:
    """Units of one type now: available, in service (not out of service), all."""

    unit_type: str
    name_id: str
    name_en: str
    agency: str
    available: int
    in_service: int
    total: int


@dataclass(frozen=True)
class LiveStatus:
    """What the overview shows of right now: units available per type, and the share of today's
    time the city was beyond the response target of every available unit (None: no such figure
    is computed by this installation)."""

    units: list[UnitsAvailable]
    uncovered_share: float | None = None
    uncovered_note: str | None = None
    uncovered_unit_type: str | None = None
    at: datetime | None = None
