"""Configurable targets per interval, agency and incident type (defaults from the standards).

A target says: this interval should be at most ``target_s`` seconds for a share ``goal_share``
of the incidents (all standards here are stated at the 90th percentile). A rule may be narrowed
to an agency or to an incident type; the most specific rule wins (type > agency > default).

Defaults (see DOMAIN.md):

* answer time 15 s — NENA call answering standard (90 % within 15 s; 95 % within 20 s is shown
  in call handling); NFPA 1225 (2022) asks 10 s, also shown there;
* call processing 60 s — NFPA 1225 (2022), 90 %;
* turnout 60 s (EMS and others) / 80 s for fire (Damkar) — NFPA 1710, 90th percentile;
* travel 240 s — NFPA 1710, first engine, 90th percentile;
* total response 15 min — Kendari Damkar's published arrival target, applied city-wide until an
  administrator sets agency targets (Surabaya: 7 min, Bandung: 5 min for comparison).

The rules live in ``app_settings`` under :data:`SETTING_KEY` as JSON and are edited by an
administrator (API ``PUT /api/v1/analytics/targets`` or the analytics data page).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from analytics._errors import TargetsError
from analytics.intervals import INTERVAL_KEYS

SETTING_KEY = "analytics.targets"
MAX_TARGET_S = 24 * 3600
#: Below this many measured incidents a figure is shown greyed as "too few incidents".
DEFAULT_MIN_N = 20
MAX_MIN_N = 10_000


@dataclass(frozen=True)
class TargetRule:
    """``interval`` within ``target_s`` seconds for ``goal_share`` of incidents."""

    interval: str
    target_s: int
    goal_share: float = 0.9
    agency: str | None = None
    incident_type: str | None = None
    source: str = ""

    @property
    def specificity(self) -> int:
        return 2 if self.incident_type else 1 if self.agency else 0


DEFAULT_RULES: tuple[TargetRule, ...] = (
    TargetRule("answer", 15, 0.9, source="NENA"),
    TargetRule("processing", 60, 0.9, source="NFPA 1225 (2022)"),
    TargetRule("turnout", 60, 0.9, source="NFPA 1710 (EMS)"),
    TargetRule("turnout", 80, 0.9, agency="DAMKAR", source="NFPA 1710 (Damkar)"),
    TargetRule("travel", 240, 0.9, source="NFPA 1710"),
    TargetRule("total", 900, 0.9, source="Damkar Kota Kendari"),
    TargetRule("total", 900, 0.9, agency="DAMKAR", source="Damkar Kota Kendari"),
)

#: Call-answering standards shown in call handling: (seconds, goal share, source).
CALL_ANSWER_STANDARDS: tuple[tuple[int, float, str], ...] = (
    (10, 0.90, "NFPA 1225 (2022)"),
    (15, 0.90, "NENA"),
    (20, 0.95, "NENA"),
)


@dataclass(frozen=True)
class Targets:
    """A set of rules with the lookup ``resolve(interval, incident_type, agency)``."""

    rules: tuple[TargetRule, ...] = DEFAULT_RULES
    #: Smallest sample shown as a figure; fewer measured incidents are greyed ("too few incidents").
    min_n: int = DEFAULT_MIN_N

    def __post_init__(self) -> None:
        defaults = {r.interval for r in self.rules if r.specificity == 0}
        missing = [k for k in INTERVAL_KEYS if k not in defaults]
        if missing:
            raise TargetsError(f"a default target (no agency, no type) is required for: {', '.join(missing)}")

    def resolve(self, interval: str, *, incident_type: str | None = None,
                agency: str | None = None) -> TargetRule:
        """The most specific rule for ``interval``: incident type, then agency, then default."""
        best: TargetRule | None = None
        for rule in self.rules:
            if rule.interval != interval:
                continue
            if rule.incident_type is not None and rule.incident_type != incident_type:
                continue
            if rule.agency is not None and rule.agency != agency:
                continue
            if best is None or rule.specificity > best.specificity:
                best = rule
        if best is None:
            raise TargetsError(f"no target for interval {interval!r}")
        return best

    def matrix(self, types: Iterable[tuple[str, str]]) -> dict[str, dict[str, int]]:
        """``{incident_type: {interval: target_s}}`` for ``(type, agency)`` pairs."""
        return {code: {k: self.resolve(k, incident_type=code, agency=agency).target_s
                       for k in INTERVAL_KEYS} for code, agency in types}

    def uniform_target(self, interval: str, types: Iterable[tuple[str, str]]) -> int | None:
        """The target shared by all ``types`` for ``interval``, or None if they differ."""
        values = {self.resolve(interval, incident_type=c, agency=a).target_s for c, a in types}
        return values.pop() if len(values) == 1 else None

    def to_json(self) -> dict[str, Any]:
        return {"version": 1, "rules": [asdict(r) for r in self.rules], "min_n": self.min_n}


def from_json(doc: Any, *, known_agencies: Iterable[str] | None = None,
              known_types: Iterable[str] | None = None) -> Targets:
    """Validate a targets document (``{"rules": [...]}``); raise TargetsError saying what is wrong."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("rules"), list):
        raise TargetsError('expected an object {"rules": [...]}')
    agencies = set(known_agencies) if known_agencies is not None else None
    types = set(known_types) if known_types is not None else None
    rules: list[TargetRule] = []
    seen: set[tuple[str, str | None, str | None]] = set()
    for i, raw in enumerate(doc["rules"]):
        where = f"rules[{i}]"
        if not isinstance(raw, Mapping):
            raise TargetsError(f"{where}: expected an object")
        interval = raw.get("interval")
        if interval not in INTERVAL_KEYS:
            raise TargetsError(f"{where}.interval: must be one of {', '.join(INTERVAL_KEYS)}")
        target = raw.get("target_s")
        if isinstance(target, bool) or not isinstance(target, (int, float)) or not 0 < target <= MAX_TARGET_S \
                or int(target) != target:
            raise TargetsError(f"{where}.target_s: whole seconds between 1 and {MAX_TARGET_S}")
        goal = raw.get("goal_share", 0.9)
        if isinstance(goal, bool) or not isinstance(goal, (int, float)) or not 0 < goal <= 1:
            raise TargetsError(f"{where}.goal_share: a share in (0, 1]")
        agency = raw.get("agency") or None
        itype = raw.get("incident_type") or None
        if agency is not None and (not isinstance(agency, str) or (agencies is not None and agency not in agencies)):
            raise TargetsError(f"{where}.agency: unknown agency {agency!r}")
        if itype is not None and (not isinstance(itype, str) or (types is not None and itype not in types)):
            raise TargetsError(f"{where}.incident_type: unknown incident type {itype!r}")
        key = (interval, agency, itype)
        if key in seen:
            raise TargetsError(f"{where}: a second rule for the same interval, agency and type")
        seen.add(key)
        source = raw.get("source") or ""
        rules.append(TargetRule(interval, int(target), float(goal), agency, itype, str(source)[:200]))
    min_n = doc.get("min_n", DEFAULT_MIN_N)
    if isinstance(min_n, bool) or not isinstance(min_n, (int, float)) or int(min_n) != min_n \
            or not 1 <= min_n <= MAX_MIN_N:
        raise TargetsError(f"min_n: a whole number of incidents between 1 and {MAX_MIN_N}")
    return Targets(tuple(rules), int(min_n))
