"""Synthetic demo data for Kendari's 112 service: a fleet and a year of calls and incidents.

Stages, one module each: :mod:`demo.fleet` (units at their stations), :mod:`demo.incidents`
(where and when, first call, outcome), :mod:`demo.timelines` (dispatch per run card, unit stamps,
closing, unit state at ``now``), :mod:`demo.calls` (duplicate, nuisance and abandoned calls) and
:mod:`demo.writing` (read the inputs, generate, write with COPY in one transaction).
:mod:`demo.generator` runs the stages in order; :mod:`demo.model` holds the calibration and the
input and output types. The model is documented in ``docs/demo_data.md``.
"""

from demo._common import (
    CIRCUITY,
    SERVICE_LAUNCH,
    ZONE_INLAND,
    ZONE_NORTH,
    ZONE_SOUTH,
    Progress,
    haversine_m,
    point_along,
    route_m,
    to_datetime64,
    zone_of,
)
from demo._errors import DemoDataError, DemoInputError
from demo.fleet import build_fleet
from demo.generator import generate
from demo.model import (
    TYPE_MODELS,
    DemoData,
    DemoInputs,
    IncidentType,
    Kelurahan,
    PlanRow,
    Station,
    TypeModel,
    UnitType,
)
from demo.writing import load_inputs, seed, seed_if_empty, to_terminal

__all__ = [
    "CIRCUITY",
    "SERVICE_LAUNCH",
    "TYPE_MODELS",
    "ZONE_INLAND",
    "ZONE_NORTH",
    "ZONE_SOUTH",
    "DemoData",
    "DemoDataError",
    "DemoInputError",
    "DemoInputs",
    "IncidentType",
    "Kelurahan",
    "PlanRow",
    "Progress",
    "Station",
    "TypeModel",
    "UnitType",
    "build_fleet",
    "generate",
    "haversine_m",
    "load_inputs",
    "point_along",
    "route_m",
    "seed",
    "seed_if_empty",
    "to_datetime64",
    "to_terminal",
    "zone_of",
]
