"""The five response intervals exactly as DOMAIN.md defines them, in whole seconds.

* answer time       = call_answered − call_received
* call processing   = first unit_dispatched − call_answered
* turnout           = first unit_en_route − first unit_dispatched
* travel            = first unit_on_scene − first unit_en_route
* total response    = first unit_on_scene − call_received

Turnout and travel are measured at the incident level from the *first* stamps of each kind
(the earliest dispatch, the earliest unit moving, the earliest arrival), i.e. they describe the
first response, as NFPA 1710 does for the first-due unit; they are not per-unit distributions.

An interval is ``None`` (incomplete) when a stamp is missing **or** when the stamps are out of
order (the end is before the start): such a negative interval is excluded from the fractiles and
counted as incomplete. Intervals are whole seconds, rounded down (floor).

Populations (the denominator of completeness):
* answer time: every incident in scope;
* the four unit intervals: incidents of an emergency type (``incident_types.is_emergency``)
  except those closed as prank, duplicate or cancelled (they need no unit). Municipal tickets
  (street light, water, ...) are handed to an OPD without a unit and are not in this population.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

ONE_SECOND = timedelta(seconds=1)
#: Outcomes that take an incident out of the unit-interval population.
NO_UNIT_OUTCOMES = frozenset({"prank", "duplicate", "cancelled"})


@dataclass(frozen=True)
class IntervalDef:
    """One reported interval: from stamp ``start`` to stamp ``end`` (incident projection names)."""

    key: str
    start: str
    end: str
    population: str  # "all" | "unit"
    label_id: str
    label_en: str


INTERVALS: tuple[IntervalDef, ...] = (
    IntervalDef("answer", "call_received_at", "call_answered_at", "all",
                "Waktu jawab", "Answer time"),
    IntervalDef("processing", "call_answered_at", "first_dispatched_at", "unit",
                "Pemrosesan panggilan", "Call processing"),
    IntervalDef("turnout", "first_dispatched_at", "first_en_route_at", "unit",
                "Waktu keberangkatan", "Turnout"),
    IntervalDef("travel", "first_en_route_at", "first_on_scene_at", "unit",
                "Waktu tempuh", "Travel"),
    IntervalDef("total", "call_received_at", "first_on_scene_at", "unit",
                "Total respons", "Total response"),
)
INTERVAL_KEYS: tuple[str, ...] = tuple(i.key for i in INTERVALS)
BY_KEY: dict[str, IntervalDef] = {i.key: i for i in INTERVALS}


def seconds_between(start: datetime | None, end: datetime | None) -> int | None:
    """Whole seconds (floor) from ``start`` to ``end``; None when missing or out of order."""
    if start is None or end is None or end < start:
        return None
    return (end - start) // ONE_SECOND


def in_unit_population(*, emergency: bool, outcome: str | None) -> bool:
    """True when the incident needs a unit, so the four unit intervals apply to it."""
    return bool(emergency) and outcome not in NO_UNIT_OUTCOMES


def interval_values(stamps: Mapping[str, datetime | None]) -> dict[str, int | None]:
    """Every interval of one incident from its projection stamps (missing keys count as None)."""
    return {i.key: seconds_between(stamps.get(i.start), stamps.get(i.end)) for i in INTERVALS}


def reference_time(stamps: Mapping[str, datetime | None]) -> datetime:
    """The instant that places an incident in a period: call received, else ticket created."""
    ref = stamps.get("call_received_at") or stamps.get("created_at")
    if ref is None:
        raise ValueError("an incident needs call_received_at or created_at")
    return ref
