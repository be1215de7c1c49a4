"""PostgreSQL + PostGIS store: the only package that talks SQL (psycopg 3)."""

from store._errors import (
    ConflictError,
    DatabaseUnavailableError,
    EmbeddedClusterError,
    InvalidTransitionError,
    NotFoundError,
    PostGISMissingError,
    StoreError,
    UnitNotAvailableError,
)
from store.db import Database

__all__ = [
    "ConflictError",
    "Database",
    "DatabaseUnavailableError",
    "EmbeddedClusterError",
    "InvalidTransitionError",
    "NotFoundError",
    "PostGISMissingError",
    "StoreError",
    "UnitNotAvailableError",
]
