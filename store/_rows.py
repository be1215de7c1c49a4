"""Reading rows from a cursor with the types the store's callers expect."""

from __future__ import annotations

from typing import Any

import psycopg

from store._errors import StoreError


def one(cur: psycopg.Cursor[Any]) -> dict[str, Any]:
    """The row of a statement that always returns exactly one (``count(*)``, ``RETURNING``, ``now()``).

    Raises
    ------
    StoreError
        The statement returned no row.
    """
    row = cur.fetchone()
    if row is None:
        raise StoreError("the statement returned no row")
    return dict(row)
