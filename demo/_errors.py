"""Typed errors of the demo package."""


class DemoInputError(ValueError):
    """The inputs cannot produce demo data (no kelurahan, no incident types ...)."""


class DemoDataError(ValueError):
    """Generated rows are inconsistent (a bug in the generator)."""
