"""Connection pool and transactions: ``with db.transaction() as cur:`` is the only way in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from store._errors import DatabaseUnavailableError


def check_connection(url: str, *, timeout_s: int = 5) -> None:
    """Connect once, directly, to fail fast with the server's own reason (bad host, password...)."""
    try:
        with psycopg.connect(url, connect_timeout=timeout_s, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise DatabaseUnavailableError(f"cannot connect to DATABASE_URL: {reason}") from exc
    except Exception as exc:  # malformed URL / conninfo (ProgrammingError is a psycopg.Error)
        raise DatabaseUnavailableError(f"invalid DATABASE_URL: {exc}") from exc


class Database:
    """A psycopg 3 connection pool bound to one database URL.

    The pool opens lazily on first use so that forked web workers each get their own.

    Parameters
    ----------
    url
        A libpq connection string or URL.
    min_size, max_size
        Pool bounds.
    """

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 10) -> None:
        self.url = url
        self._min_size = min_size
        self._max_size = max_size
        self._pool: ConnectionPool | None = None

    def _get_pool(self) -> ConnectionPool:
        if self._pool is None:
            pool = ConnectionPool(
                self.url,
                min_size=self._min_size,
                max_size=self._max_size,
                kwargs={"autocommit": False, "application_name": "kendari112"},
                open=False,
                # No per-borrow health check (a round trip each time); broken connections are
                # discarded when returned, and idle ones are recycled.
                max_idle=300,
            )
            try:
                pool.open(wait=True, timeout=10)
            except Exception as exc:  # psycopg_pool raises PoolTimeout with the cause chained
                pool.close()
                raise DatabaseUnavailableError(f"cannot connect to the database: {exc}") from exc
            self._pool = pool
        return self._pool

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """Borrow a connection; the pool commits on success and rolls back on error."""
        with self._get_pool().connection() as conn:
            yield conn

    @contextmanager
    def transaction(self, *, dict_rows: bool = True) -> Iterator[psycopg.Cursor[Any]]:
        """Yield a cursor inside one transaction (committed on success, rolled back on error)."""
        with self.connection() as conn:
            with conn.transaction():
                with conn.cursor(row_factory=dict_row if dict_rows else None) as cur:
                    yield cur

    def ping(self) -> dict[str, Any]:
        """Return server facts for the health check; raises DatabaseUnavailableError."""
        try:
            with self.transaction() as cur:
                cur.execute(
                    "SELECT version() AS server, postgis_lib_version() AS postgis, now() AS now"
                )
                row = cur.fetchone()
        except psycopg.Error as exc:
            raise DatabaseUnavailableError(str(exc).strip().splitlines()[0]) from exc
        assert row is not None
        return dict(row)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
