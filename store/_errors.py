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
    """The requested change conflicts with the current state (HTTP 409)."""


class UnitNotAvailableError(ConflictError):
    """The unit is no longer available for assignment."""


class InvalidTransitionError(ConflictError):
    """A status change that the life cycle does not allow."""
