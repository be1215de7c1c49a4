"""Typed errors of the planning package; the UI and the API turn them into one clear message."""

from __future__ import annotations


class PlanningError(Exception):
    """Base class of planning errors; the message is one user-facing line (English)."""


class NoIncidentsError(PlanningError):
    """The chosen filters select no (or too few) incidents for the analysis."""


class NoStationsError(PlanningError):
    """No station of the chosen kind exists (or none can be placed on the travel graph)."""


class InvalidParameterError(PlanningError):
    """A parameter is out of range (e.g. empty bands, k larger than the candidates)."""


class SolverError(PlanningError):
    """The optimisation solver failed or did not prove optimality."""
