"""Typed errors of the layers package."""


class GeoDataError(Exception):
    """The shipped geodata is missing or broken; the message says what and where."""
