"""Typed exceptions raised by the store and turned into clear messages at the edge."""


class StoreError(Exception):
    """Base class for database-related errors with a one-line, user-facing message."""


class DatabaseUnavailableError(StoreError):
    """The database server cannot be reached or refused the connection."""


class PostGISMissingError(StoreError):
    """The server has no PostGIS extension available."""


class EmbeddedClusterError(StoreError):
    """The embedded PostgreSQL cluster could not be created or started."""


class NotFoundError(StoreError):
    """A referenced row does not exist."""


class ConflictError(StoreError):
    """The requested change conflicts with the current state (HTTP 409).

    The message is one English line (the API's answer); the attributes say the same in data, so
    that a page can word it in the user's language.

    Attributes
    ----------
    reason
        A stable code of the conflict, ``""`` when none was given: ``"incident_closed"``,
        ``"plan_fulfilled"``, ``"plan_unfillable"``, ``"unit_not_assigned"``,
        ``"changed_concurrently"``, ``"name_taken"``, ``"unit_not_available"``, ``"invalid_transition"``.
    incident_id
        The incident concerned, when there is one.
    callsign
        The unit concerned (its callsign), when there is one.
    name
        Another name the conflict is about (e.g. a taken user name).
    """

    def __init__(self, message: str = "", *, reason: str = "", incident_id: int | None = None,
                 callsign: str | None = None, name: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.incident_id = incident_id
        self.callsign = callsign
        self.name = name


class UnitNotAvailableError(ConflictError):
    """The unit is no longer available for assignment.

    Attributes
    ----------
    status
        The unit's status at the time (a ``units.status`` code), when known.
    """

    def __init__(self, message: str = "", *, callsign: str | None = None, status: str | None = None,
                 incident_id: int | None = None) -> None:
        super().__init__(message, reason="unit_not_available", incident_id=incident_id, callsign=callsign)
        self.status = status


class InvalidTransitionError(ConflictError):
    """A status change that the life cycle (or the unit's type) does not allow.

    Attributes
    ----------
    current, target
        Status codes: where the unit is, and what was requested.
    allowed
        The statuses the unit may take next (codes, in life-cycle order).
    """

    def __init__(self, message: str = "", *, callsign: str | None = None, current: str | None = None,
                 target: str | None = None, allowed: tuple[str, ...] = ()) -> None:
        super().__init__(message, reason="invalid_transition", callsign=callsign)
        self.current = current
        self.target = target
        self.allowed = tuple(allowed)


class StatementTimeoutError(DatabaseUnavailableError):
    """The server did not finish a statement within the configured statement timeout."""
