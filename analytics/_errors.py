"""Typed errors of the analytics package."""


class AnalyticsError(Exception):
    """Base class for analytics errors with a one-line, user-facing message."""


class TargetsError(AnalyticsError):
    """A targets document is malformed (unknown interval, negative seconds, ...)."""


class FilterError(AnalyticsError):
    """A filter value is invalid (bad date, reversed range, unknown grouping, ...).

    ``field`` names the offending parameter.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
