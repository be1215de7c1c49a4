"""Calibration, inputs and outputs of the demo data: per-type models and the row tables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

import numpy as np
from shapely.geometry.base import BaseGeometry

from demo._errors import DemoDataError

#: Written on every demo incident and as the actor of every demo event.
DESCRIPTION = "Data demo (sintetis)"
ACTOR = "demo"

CALL_CLASSES = ("valid", "prank", "ghost", "invalid", "duplicate", "abandoned", "info")
OUTCOMES = ("resolved", "false_alarm", "prank", "duplicate", "cancelled")
ASSIGNMENT_STATUSES = ("dispatched", "en_route", "on_scene", "transporting", "at_hospital", "cleared")
EVENT_KINDS = (
    "call_received", "call_answered", "incident_created", "unit_dispatched", "unit_en_route",
    "unit_on_scene", "transport_started", "at_hospital", "unit_cleared", "incident_closed",
    "unit_status",
)

FLAT_WEEK = (1.0,) * 7
FLAT_YEAR = (1.0,) * 12


@dataclass(frozen=True)
class TypeModel:
    """How often, when and where one incident type happens, and how a response unfolds."""

    per_year: float
    hours: tuple[tuple[float, float, float], ...]   # (centre h, width h, height) bumps
    hours_base: float = 0.3
    weekday: tuple[float, ...] = FLAT_WEEK          # Monday .. Sunday
    season: tuple[float, ...] = FLAT_YEAR           # January .. December
    rural_share: float = 0.0
    duplicate_calls: float = 0.1                    # mean extra calls per incident
    on_scene_min: tuple[float, float] = (30.0, 0.5)  # lognormal median minutes, sigma
    transport_p: float = 0.0                        # ambulance takes a patient to hospital
    false_alarm_p: float = 0.05
    prank_p: float = 0.02
    cancelled_p: float = 0.04


MUNICIPAL_WEEK = (1.15, 1.05, 1.0, 1.0, 0.95, 0.9, 0.85)
_RAINY = (2.2, 2.0, 1.8, 1.5, 1.0, 0.6, 0.3, 0.1, 0.1, 0.2, 0.6, 1.6)

#: Yearly counts at scale 1 (~24,500 tickets/year, ~4,700 calls/month in all); fires ~110/year.
TYPE_MODELS: Mapping[str, TypeModel] = MappingProxyType({
    "street_light": TypeModel(5200, ((19.5, 2.0, 2.0), (8.0, 2.0, 0.5)), 0.2, MUNICIPAL_WEEK,
                              duplicate_calls=0.08, false_alarm_p=0.02, prank_p=0.01, cancelled_p=0.03),
    "power_outage": TypeModel(4300, ((13.0, 3.0, 0.8), (19.0, 2.0, 1.2)), 0.3, MUNICIPAL_WEEK,
                              (1.15, 1.15, 1.1, 1.05, 1.0, 0.9, 0.85, 0.85, 0.9, 0.95, 1.0, 1.1),
                              duplicate_calls=0.25, false_alarm_p=0.02, prank_p=0.01, cancelled_p=0.03),
    "water_supply": TypeModel(2900, ((7.0, 2.0, 1.5), (17.0, 2.0, 0.6)), 0.2, MUNICIPAL_WEEK,
                              (0.85, 0.85, 0.85, 0.9, 0.95, 1.0, 1.1, 1.2, 1.3, 1.2, 0.95, 0.85),
                              duplicate_calls=0.2, false_alarm_p=0.02, prank_p=0.01, cancelled_p=0.03),
    "waste": TypeModel(1900, ((9.5, 2.5, 1.4), (15.0, 2.0, 0.6)), 0.15, MUNICIPAL_WEEK,
                       duplicate_calls=0.05, false_alarm_p=0.02, prank_p=0.01, cancelled_p=0.03),
    "fallen_tree": TypeModel(1500, ((15.5, 2.5, 1.5),), 0.3, FLAT_WEEK,
                             (1.4, 1.4, 1.3, 1.2, 1.0, 0.9, 0.8, 0.7, 0.6, 0.7, 0.9, 1.2),
                             rural_share=0.3, duplicate_calls=0.3, on_scene_min=(45.0, 0.5)),
    "medical": TypeModel(3300, ((10.0, 3.0, 1.0), (19.0, 2.5, 0.8)), 0.5,
                         (1.05, 1.0, 1.0, 1.0, 1.0, 0.95, 1.0),
                         duplicate_calls=0.1, on_scene_min=(18.0, 0.35), transport_p=0.7,
                         false_alarm_p=0.04, prank_p=0.03),
    "traffic_accident": TypeModel(1800, ((7.5, 1.2, 1.2), (12.5, 1.5, 0.7), (17.0, 1.8, 1.3),
                                         (22.0, 2.0, 0.5)), 0.3,
                                  (0.95, 0.95, 0.95, 1.0, 1.05, 1.1, 1.0),
                                  duplicate_calls=0.5, on_scene_min=(25.0, 0.4), transport_p=0.6),
    "crime": TypeModel(1200, ((21.0, 3.0, 1.5), (1.0, 2.0, 0.8)), 0.4,
                       (0.95, 0.9, 0.9, 0.95, 1.05, 1.2, 1.05),
                       duplicate_calls=0.2, on_scene_min=(35.0, 0.5), false_alarm_p=0.06, prank_p=0.04),
    "disturbance": TypeModel(1500, ((22.0, 2.5, 1.8), (1.0, 1.5, 0.8)), 0.25,
                             (0.85, 0.85, 0.85, 0.9, 1.05, 1.35, 1.15),
                             duplicate_calls=0.3, on_scene_min=(20.0, 0.5), false_alarm_p=0.08, prank_p=0.05),
    "flood": TypeModel(300, ((3.0, 3.0, 0.6), (16.0, 3.0, 1.0)), 0.5, FLAT_WEEK, _RAINY,
                       rural_share=0.15, duplicate_calls=0.6, on_scene_min=(90.0, 0.6)),
    "landslide": TypeModel(90, ((4.0, 3.0, 0.6), (16.0, 3.0, 0.8)), 0.5, FLAT_WEEK,
                           (2.4, 2.2, 1.9, 1.5, 0.9, 0.5, 0.2, 0.1, 0.1, 0.2, 0.6, 1.8),
                           rural_share=0.5, duplicate_calls=0.5, on_scene_min=(120.0, 0.6), transport_p=0.3),
    "animal_rescue": TypeModel(420, ((9.0, 3.0, 0.8), (19.0, 2.0, 1.0)), 0.3,
                               rural_share=0.3, duplicate_calls=0.1, on_scene_min=(30.0, 0.4)),
    "structure_fire": TypeModel(36, ((12.0, 3.0, 0.6), (18.5, 2.0, 1.0)), 0.4, FLAT_WEEK,
                                (0.9, 0.9, 0.9, 0.9, 0.95, 1.0, 1.1, 1.2, 1.2, 1.15, 0.9, 0.9),
                                duplicate_calls=3.0, on_scene_min=(75.0, 0.5), transport_p=0.15,
                                false_alarm_p=0.12, prank_p=0.02, cancelled_p=0.03),
    "land_fire": TypeModel(74, ((14.0, 2.5, 2.0),), 0.1, FLAT_WEEK,
                           (0.1, 0.1, 0.1, 0.15, 0.3, 0.5, 1.8, 2.8, 3.2, 2.3, 0.5, 0.15),
                           rural_share=0.9, duplicate_calls=1.5, on_scene_min=(100.0, 0.6),
                           false_alarm_p=0.15, prank_p=0.02, cancelled_p=0.03),
})


# --- Inputs and outputs -------------------------------------------------------------------------
@dataclass(frozen=True)
class Kelurahan:
    """A kelurahan polygon with its kecamatan."""

    kode: str
    nama: str
    kecamatan_kode: str
    kecamatan: str
    area_km2: float
    geometry: BaseGeometry


@dataclass(frozen=True)
class Station:
    """A facility that can host units or receive patients."""

    facility_id: int
    name: str
    category: str
    lon: float
    lat: float
    kecamatan: str | None = None


@dataclass(frozen=True)
class IncidentType:
    """An incident type of the catalog."""

    code: str
    agency_code: str
    default_priority: int
    is_emergency: bool


@dataclass(frozen=True)
class UnitType:
    """A unit type and the agency that runs it."""

    code: str
    agency_code: str


@dataclass(frozen=True)
class PlanRow:
    """One line of a run card: ``unit_count`` units of ``unit_type`` (or a substitute)."""

    incident_type: str
    unit_type: str
    unit_count: int
    substitutes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoInputs:
    """Everything the generator needs, read from the database by :func:`demo.writing.load_inputs`."""

    kelurahan: tuple[Kelurahan, ...]
    stations: tuple[Station, ...]
    incident_types: tuple[IncidentType, ...]
    unit_types: tuple[UnitType, ...]
    plans: tuple[PlanRow, ...]


Table = dict[str, np.ndarray]


@dataclass(frozen=True)
class DemoData:
    """Generated rows as column arrays, one dict per table.

    Rows refer to each other by *local index* (position in the other table, ``-1`` for none);
    the writer turns indexes into serial ids. Times are ``datetime64[us]`` in UTC (``NaT`` = no
    stamp).
    """

    start: datetime
    now: datetime
    units: Table
    calls: Table
    incidents: Table
    assignments: Table
    events: Table | None = None
    info: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Row counts per table."""
        out = {name: _nrows(getattr(self, name)) for name in ("units", "calls", "incidents", "assignments")}
        out["events"] = 0 if self.events is None else _nrows(self.events)
        return out

    def check(self) -> None:
        """Check the references between the tables before they are written.

        Raises
        ------
        DemoDataError
            A reference points outside its table, an incident's first call does not point back
            at it, or a unit has two unfinished assignments.
        """
        n = self.counts()

        def within(name: str, idx: np.ndarray, size: int, *, optional: bool = True) -> None:
            lo = -1 if optional else 0
            if len(idx) and (idx.min() < lo or idx.max() >= size):
                raise DemoDataError(f"{name}: reference outside 0..{size - 1}")

        inc, calls, asg = self.incidents, self.calls, self.assignments
        within("incidents.call_idx", inc["call_idx"], n["calls"], optional=False)
        within("incidents.duplicate_of", inc["duplicate_of"], n["incidents"])
        within("calls.incident_idx", calls["incident_idx"], n["incidents"])
        if not np.array_equal(calls["incident_idx"][inc["call_idx"]], np.arange(n["incidents"])):
            raise DemoDataError("an incident's first call does not point back at it")
        within("assignments.incident_idx", asg["incident_idx"], n["incidents"], optional=False)
        within("assignments.unit_idx", asg["unit_idx"], n["units"], optional=False)
        busy = asg["unit_idx"][asg["status"] != "cleared"]
        if len(busy) != len(np.unique(busy)):
            raise DemoDataError("a unit has more than one unfinished assignment")
        if self.events is not None:
            ev = self.events
            for key, table in (("incident_idx", "incidents"), ("call_idx", "calls"), ("unit_idx", "units"),
                               ("assignment_idx", "assignments")):
                within(f"events.{key}", ev[key], n[table])


def _nrows(table: Table) -> int:
    return len(next(iter(table.values()))) if table else 0


