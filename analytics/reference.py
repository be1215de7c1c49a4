"""Pure-Python reference of the grouped response-time figures (what the SQL must reproduce)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from analytics.fractiles import summarize
from analytics.intervals import BY_KEY, INTERVAL_KEYS, in_unit_population, interval_values, reference_time
from analytics.model import GroupRow
from analytics.period import WITA, Filters
from analytics.targets import Targets


def _key(rec: Mapping[str, Any], group_by: str, type_agency: Mapping[str, str]) -> str | None:
    if group_by == "none":
        return None
    if group_by == "agency":
        return type_agency[rec["incident_type"]]
    if group_by == "type":
        return str(rec["incident_type"])
    if group_by == "kecamatan":
        return rec.get("kecamatan_kode")
    if group_by == "kelurahan":
        return rec.get("kelurahan_kode")
    ref = reference_time(rec).astimezone(WITA)
    if group_by == "day":
        return ref.date().isoformat()
    if group_by == "heat":
        return f"{ref.isoweekday()}-{ref.hour}"
    raise ValueError(group_by)


def response_times(records: Iterable[Mapping[str, Any]], filters: Filters, *, targets: Targets,
                   type_agency: Mapping[str, str], emergency_types: Iterable[str], group_by: str = "none",
                   intervals: Sequence[str] = INTERVAL_KEYS) -> list[GroupRow]:
    """Group ``records`` (incident projection rows) exactly as services.analytics.response_times does."""
    emergency = set(emergency_types)
    groups: dict[str | None, list[Mapping[str, Any]]] = defaultdict(list)
    for rec in records:
        ref: datetime = reference_time(rec)
        if not filters.start <= ref < filters.end:
            continue
        agency = type_agency[rec["incident_type"]]
        if filters.incident_types and rec["incident_type"] not in filters.incident_types:
            continue
        if filters.agency and agency != filters.agency:
            continue
        if filters.kecamatan and rec.get("kecamatan_kode") != filters.kecamatan:
            continue
        groups[_key(rec, group_by, type_agency)].append(rec)
    if group_by == "none" and None not in groups:
        groups[None] = []
    out = []
    for key, recs in groups.items():
        summaries = {}
        for k in intervals:
            unit = BY_KEY[k].population == "unit"
            pop = [r for r in recs if not unit or in_unit_population(
                emergency=r["incident_type"] in emergency, outcome=r.get("outcome"))]
            values = [interval_values(r)[k] for r in pop]
            tgt = [targets.resolve(k, incident_type=r["incident_type"], agency=type_agency[r["incident_type"]]).target_s
                   for r in pop]
            summaries[k] = summarize(k, values, tgt, population=len(pop))
        out.append(GroupRow(key=key, incidents=len(recs), intervals=summaries))
    out.sort(key=lambda r: (r.key is None, r.key or ""))
    return out
