"""The dashboard's data: small frozen dataclasses that the store returns and the UI draws."""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class CallHandling:
    total: int
    answered: int
    unanswered: int
    by_class: dict[str, int]
    answer: IntervalSummary
    standards: list[tuple[int, float, str, float | None]]   # (seconds, goal, source, share within)
    daily: list[tuple[date, int, int, int]]                 # (day, calls, answered, prank+ghost+invalid)


@dataclass(frozen=True)
class LeagueRow:
    agency: str
    incidents: int
    closed: int
    closure_share: float | None
    close_p50_s: int | None
    close_p90_s: int | None


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
