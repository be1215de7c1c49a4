"""Incident and unit domain types and the unit status life cycle (pure data, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any


class IncidentStatus(str, Enum):
    OPEN = "open"
    CLOSED = "closed"


class Outcome(str, Enum):
    """How an incident ended (``incidents.outcome``)."""

    RESOLVED = "resolved"
    FALSE_ALARM = "false_alarm"
    PRANK = "prank"
    DUPLICATE = "duplicate"
    CANCELLED = "cancelled"


class UnitStatus(str, Enum):
    """A unit's status (``units.status``); ``cleared`` is accepted as a request meaning 'available'."""

    AVAILABLE = "available"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    TRANSPORTING = "transporting"
    AT_HOSPITAL = "at_hospital"
    OUT_OF_SERVICE = "out_of_service"
    MOVING_TO_POST = "moving_to_post"


class AssignmentStatus(str, Enum):
    """One unit's progress on one incident (``assignments.status``)."""

    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    TRANSPORTING = "transporting"
    AT_HOSPITAL = "at_hospital"
    CLEARED = "cleared"


#: The statuses a status request may name (API ``POST /units/{id}/status``, crew buttons).
REQUESTABLE_STATUSES: tuple[str, ...] = (
    "en_route", "on_scene", "transporting", "at_hospital", "cleared", "available", "out_of_service",
)

#: Allowed moves of an active assignment. ``cleared`` is reachable from every active status
#: (cancel, stood down, job done); no step may be skipped forwards or taken backwards.
ASSIGNMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    "dispatched": frozenset({"en_route", "cleared"}),
    "en_route": frozenset({"on_scene", "cleared"}),
    "on_scene": frozenset({"transporting", "cleared"}),
    "transporting": frozenset({"at_hospital", "cleared"}),
    "at_hospital": frozenset({"cleared"}),
    "cleared": frozenset(),
}

#: Statuses only a unit that carries patients may take.
TRANSPORT_STATUSES: frozenset[str] = frozenset({"transporting", "at_hospital"})

#: Unit types whose crews carry patients (``unit_types.code``); other types never report transport.
PATIENT_TRANSPORT_UNIT_TYPES: frozenset[str] = frozenset({"ambulance"})

#: The order in which next statuses are offered.
STATUS_ORDER: tuple[str, ...] = (
    "en_route", "on_scene", "transporting", "at_hospital", "cleared", "available", "out_of_service",
)

#: Allowed moves of a unit without an active assignment.
IDLE_TRANSITIONS: dict[str, frozenset[str]] = {
    "available": frozenset({"out_of_service"}),
    "out_of_service": frozenset({"available"}),
    "moving_to_post": frozenset({"available", "out_of_service"}),
}

#: The event kind written when an assignment reaches a status (DOMAIN.md time stamps).
EVENT_FOR_STATUS: dict[str, str] = {
    "dispatched": "unit_dispatched",
    "en_route": "unit_en_route",
    "on_scene": "unit_on_scene",
    "transporting": "transport_started",
    "at_hospital": "at_hospital",
    "cleared": "unit_cleared",
}

#: The ``assignments`` projection column stamped when an assignment reaches a status.
STAMP_COLUMN_FOR_STATUS: dict[str, str] = {
    "en_route": "en_route_at",
    "on_scene": "on_scene_at",
    "transporting": "transport_started_at",
    "at_hospital": "at_hospital_at",
    "cleared": "cleared_at",
}

#: The ``incidents`` projection column holding the first time any unit reached a status.
INCIDENT_FIRST_COLUMN_FOR_STATUS: dict[str, str] = {
    "dispatched": "first_dispatched_at",
    "en_route": "first_en_route_at",
    "on_scene": "first_on_scene_at",
}

#: Labels (Indonesian, English) for every status a user sees.
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "available": ("Siaga", "Available"),
    "dispatched": ("Ditugaskan", "Dispatched"),
    "en_route": ("Menuju lokasi", "En route"),
    "on_scene": ("Di lokasi", "On scene"),
    "transporting": ("Mengantar pasien", "Transporting"),
    "at_hospital": ("Di rumah sakit", "At hospital"),
    "cleared": ("Selesai", "Cleared"),
    "out_of_service": ("Tidak beroperasi", "Out of service"),
    "moving_to_post": ("Menuju pos siaga", "Moving to post"),
}

OUTCOME_LABELS: dict[str, tuple[str, str]] = {
    "resolved": ("Selesai ditangani", "Resolved"),
    "false_alarm": ("Alarm palsu", "False alarm"),
    "prank": ("Panggilan iseng", "Prank call"),
    "duplicate": ("Duplikat", "Duplicate"),
    "cancelled": ("Dibatalkan", "Cancelled"),
}

PRIORITIES: tuple[int, ...] = (1, 2, 3, 4)

#: Duplicate rule: an open incident of the same type this close in space and time.
DUPLICATE_RADIUS_M = 200.0
DUPLICATE_WINDOW_S = 15 * 60


def carries_patients(unit_type: str | None) -> bool:
    """Whether units of ``unit_type`` carry patients (may report ``transporting`` and ``at_hospital``)."""
    return unit_type in PATIENT_TRANSPORT_UNIT_TYPES


def transition_allowed(current: str, target: str, *, assigned: bool, unit_type: str | None = None) -> bool:
    """Whether a unit may go from ``current`` to ``target``.

    Parameters
    ----------
    current
        The active assignment's status when ``assigned``, else the unit's status.
    target
        The requested status; ``available`` and ``cleared`` mean the same thing.
    assigned
        Whether the unit has an active (not cleared) assignment.
    unit_type
        The unit's type: only types that carry patients may go to ``transporting`` or
        ``at_hospital``. ``None`` checks the life cycle alone.
    """
    if unit_type is not None and target in TRANSPORT_STATUSES and not carries_patients(unit_type):
        return False
    if assigned:
        wanted = "cleared" if target == "available" else target
        return wanted in ASSIGNMENT_TRANSITIONS.get(current, frozenset())
    wanted = "available" if target == "cleared" else target
    return wanted in IDLE_TRANSITIONS.get(current, frozenset())


def next_statuses(unit_type: str, current: str, *, assigned: bool) -> tuple[str, ...]:
    """The statuses a unit of ``unit_type`` may take next from ``current`` (in life-cycle order).

    Parameters
    ----------
    unit_type
        The unit's type (``"ambulance"``, ``"fire_engine"`` ...); only types that carry patients
        get ``transporting`` and ``at_hospital``.
    current
        The active assignment's status when ``assigned``, else the unit's status.
    assigned
        Whether the unit has an active (not cleared) assignment.
    """
    table = ASSIGNMENT_TRANSITIONS if assigned else IDLE_TRANSITIONS
    allowed = table.get(current, frozenset())
    return tuple(s for s in STATUS_ORDER if s in allowed and takes_status(unit_type, s))


def takes_status(unit_type: str | None, status: str) -> bool:
    """Whether a unit of ``unit_type`` ever reports ``status`` (no patient transport for a fire engine)."""
    return status not in TRANSPORT_STATUSES or carries_patients(unit_type)


def assignment_statuses(unit_type: str) -> tuple[str, ...]:
    """Every status a unit of ``unit_type`` may report on a job, in life-cycle order (its status buttons)."""
    return tuple(s for s in ("en_route", "on_scene", "transporting", "at_hospital", "cleared")
                 if takes_status(unit_type, s))


@dataclass(frozen=True)
class NewIncident:
    """A validated request to create an incident (API body or dispatch form)."""

    lon: float
    lat: float
    incident_type: str
    priority: int
    description: str | None = None
    address: str | None = None
    caller_phone: str | None = None
    call_received_at: datetime | None = None
    call_answered_at: datetime | None = None


@dataclass(frozen=True)
class Actor:
    """Who performs an action: written to ``events.actor`` / ``events.actor_user_id``."""

    name: str
    user_id: int | None = None


@dataclass(frozen=True)
class Place:
    """Where a point lies: kecamatan and kelurahan (None outside every polygon + 1 km)."""

    lon: float
    lat: float
    kecamatan: str | None
    kelurahan: str | None
    kecamatan_kode: str | None = None
    kelurahan_kode: str | None = None
    inside_city: bool = True


@dataclass(frozen=True)
class PlaceHit:
    """A place search result (kelurahan, facility or landmark) with a point to use."""

    kind: str
    name: str
    lon: float
    lat: float
    detail: str = ""
    matched: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "lon": self.lon, "lat": self.lat,
                "detail": self.detail, "matched": self.matched}


@dataclass(frozen=True)
class Incident:
    """An incident as stored (with its place names)."""

    id: int
    incident_type: str
    type_name_id: str
    type_name_en: str
    priority: int
    lon: float
    lat: float
    status: str
    kecamatan: str | None
    kelurahan: str | None
    description: str | None
    address: str | None
    caller_phone: str | None
    outcome: str | None
    created_at: datetime
    call_received_at: datetime | None
    call_answered_at: datetime | None
    first_dispatched_at: datetime | None
    first_en_route_at: datetime | None
    first_on_scene_at: datetime | None
    closed_at: datetime | None
    call_id: int | None
    duplicate_of: int | None = None
    possible_duplicate_of: int | None = None
    units_assigned: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "type": self.incident_type, "type_name_id": self.type_name_id,
            "type_name_en": self.type_name_en, "priority": self.priority, "lat": self.lat, "lon": self.lon,
            "status": self.status, "kecamatan": self.kecamatan, "kelurahan": self.kelurahan,
            "description": self.description, "address": self.address, "caller_phone": self.caller_phone,
            "outcome": self.outcome, "created_at": self.created_at, "call_id": self.call_id,
            "call_received_at": self.call_received_at, "call_answered_at": self.call_answered_at,
            "first_dispatched_at": self.first_dispatched_at, "first_en_route_at": self.first_en_route_at,
            "first_on_scene_at": self.first_on_scene_at, "closed_at": self.closed_at,
            "duplicate_of": self.duplicate_of, "possible_duplicate_of": self.possible_duplicate_of,
            "units_assigned": self.units_assigned,
        }


@dataclass(frozen=True)
class Assignment:
    """One unit on one incident, with its projected stamps."""

    id: int
    incident_id: int
    unit_id: int
    callsign: str
    unit_type: str
    status: str
    assigned_at: datetime
    en_route_at: datetime | None = None
    on_scene_at: datetime | None = None
    transport_started_at: datetime | None = None
    at_hospital_at: datetime | None = None
    cleared_at: datetime | None = None
    eta_s: float | None = None

    @property
    def active(self) -> bool:
        return self.status != AssignmentStatus.CLEARED.value

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "incident_id": self.incident_id, "unit_id": self.unit_id,
            "callsign": self.callsign, "unit_type": self.unit_type, "status": self.status,
            "assigned_at": self.assigned_at, "en_route_at": self.en_route_at,
            "on_scene_at": self.on_scene_at, "transport_started_at": self.transport_started_at,
            "at_hospital_at": self.at_hospital_at, "cleared_at": self.cleared_at, "eta_s": self.eta_s,
        }


@dataclass(frozen=True)
class TimelineEntry:
    """One event of an incident's append-only history."""

    id: int
    kind: str
    at: datetime
    recorded_at: datetime
    actor: str | None
    actor_user_id: int | None
    unit_id: int | None
    callsign: str | None
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "at": self.at, "recorded_at": self.recorded_at,
                "actor": self.actor, "actor_user_id": self.actor_user_id, "unit_id": self.unit_id,
                "callsign": self.callsign, "data": self.data}


@dataclass(frozen=True)
class IncidentDetail:
    """An incident with its assignments and timeline."""

    incident: Incident
    assignments: tuple[Assignment, ...]
    timeline: tuple[TimelineEntry, ...]

    def to_dict(self) -> dict[str, Any]:
        out = self.incident.to_dict()
        out["assignments"] = [a.to_dict() for a in self.assignments]
        out["timeline"] = [t.to_dict() for t in self.timeline]
        return out


@dataclass(frozen=True)
class UnitState:
    """A unit's status after a change (what the API and the crew page show)."""

    unit_id: int
    callsign: str
    status: str
    status_at: datetime
    incident_id: int | None
    assignment_id: int | None
    assignment_status: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"unit_id": self.unit_id, "callsign": self.callsign, "status": self.status,
                "status_at": self.status_at, "incident_id": self.incident_id,
                "assignment_id": self.assignment_id, "assignment_status": self.assignment_status}
