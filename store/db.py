"""Connection pool and transactions: ``with db.transaction() as cur:`` is the only way in.

Every wait on the database is bounded: a connection attempt gives up after ``connect_timeout_s``
(per host of a multi-host URL), a borrower waits at most ``pool_timeout_s`` for a connection, the
pool's background reconnection backs off for at most ``reconnect_timeout_s`` before handing the
next attempt to the next borrower, and TCP keepalives notice a peer that vanished. Losing the
server (connection refused or reset, admin/crash shutdown, pool timeout, a read-only standby
after a failover) surfaces as :class:`DatabaseUnavailableError`, never as a raw psycopg error.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
import psycopg.errors
from psycopg import sql
from psycopg.rows import dict_row, tuple_row
from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout, TooManyRequests

from store._errors import DatabaseUnavailableError, StatementTimeoutError

log = logging.getLogger(__name__)

#: libpq connection parameters that bound how long a dead or vanished server can stall a caller.
#: libpq rounds connect_timeout below 2 s up to 2 s.
KEEPALIVE_PARAMS: dict[str, Any] = {
    "keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 3,
}

#: Errors that mean "the server is not usable right now", whatever the statement was.
_UNAVAILABLE = (psycopg.OperationalError, psycopg.errors.ReadOnlySqlTransaction,
                PoolTimeout, PoolClosed, TooManyRequests)


def unavailable_error(exc: BaseException) -> DatabaseUnavailableError:
    """The typed error for a lost/unreachable server (``exc`` chained by the caller)."""
    if isinstance(exc, psycopg.errors.QueryCanceled):
        return StatementTimeoutError("the database did not answer in time (statement timeout)")
    if isinstance(exc, (PoolTimeout, TooManyRequests)):
        return DatabaseUnavailableError("database unavailable: no connection could be obtained in time")
    if isinstance(exc, psycopg.errors.ReadOnlySqlTransaction):
        return DatabaseUnavailableError("database unavailable: connected to a read-only standby")
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return DatabaseUnavailableError(f"database unavailable: {first}")


def _is_connection_loss(exc: BaseException) -> bool:
    """A lost or unreachable server (not a statement-level failure such as a deadlock)."""
    if isinstance(exc, (PoolTimeout, PoolClosed, psycopg.errors.ReadOnlySqlTransaction)):
        return True
    state = getattr(exc, "sqlstate", None)
    return state is None or state.startswith(("08", "57P")) or state == "53300"


def is_unavailable(exc: BaseException) -> bool:
    """True for the errors that :class:`Database` turns into DatabaseUnavailableError."""
    return isinstance(exc, _UNAVAILABLE)


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


def _options_with(url: str, extra: str) -> str:
    """The ``options`` connection parameter of ``url`` with ``extra`` appended."""
    try:
        current = psycopg.conninfo.conninfo_to_dict(url).get("options") or ""
    except psycopg.Error:
        current = ""
    return f"{current} {extra}".strip()


class Database:
    """A psycopg 3 connection pool bound to one database URL.

    The pool opens lazily on first use so that forked web workers each get their own, and opens
    without waiting: a server that is down at that moment costs the first caller at most
    ``pool_timeout_s``, and the pool keeps trying in the background.

    Parameters
    ----------
    url
        A libpq connection string or URL (multi-host URLs with ``target_session_attrs`` work).
    min_size, max_size
        Pool bounds.
    connect_timeout_s
        Per-host connection timeout (libpq ``connect_timeout``; 2 s at least).
    pool_timeout_s
        Longest wait for a connection from the pool before DatabaseUnavailableError.
    reconnect_timeout_s
        How long the pool's background reconnection backs off before giving the next attempt to
        the next borrower (bounds the time to serve again after the server is back).
    statement_timeout_s
        Server-side ``statement_timeout`` for every statement of this pool (``None``: server default).
    down_timeout_s
        The shorter wait for a connection while the server is known to be unreachable (the last
        attempt failed and none has succeeded since): callers fail fast during an outage, and the
        first one after the server is back gets a fresh connection.
    application_name
        Shown in ``pg_stat_activity``.
    """

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 10,
                 connect_timeout_s: float = 2.0, pool_timeout_s: float = 2.0,
                 reconnect_timeout_s: float = 2.0, statement_timeout_s: float | None = None,
                 down_timeout_s: float = 0.5, application_name: str = "kendari112") -> None:
        self.url = url
        self._min_size = min_size
        self._max_size = max_size
        self.connect_timeout_s = connect_timeout_s
        self.pool_timeout_s = pool_timeout_s
        self.reconnect_timeout_s = reconnect_timeout_s
        self.statement_timeout_s = statement_timeout_s
        self.down_timeout_s = down_timeout_s
        self.application_name = application_name
        self._pool: ConnectionPool | None = None
        self._pool_lock = threading.Lock()
        self._down_since: datetime | None = None
        self._last_error: str | None = None

    # -- pool --------------------------------------------------------------------------------------
    def _connect_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "autocommit": False, "application_name": self.application_name,
            "connect_timeout": max(2, round(self.connect_timeout_s)), **KEEPALIVE_PARAMS,
        }
        if self.statement_timeout_s:
            ms = int(self.statement_timeout_s * 1000)
            kwargs["options"] = _options_with(self.url, f"-c statement_timeout={ms}")
        return kwargs

    def _get_pool(self) -> ConnectionPool:
        pool = self._pool
        if pool is not None:
            return pool
        with self._pool_lock:
            if self._pool is None:
                pool = ConnectionPool(
                    self.url,
                    min_size=self._min_size,
                    max_size=self._max_size,
                    kwargs=self._connect_kwargs(),
                    open=False,
                    # A quick round trip when a connection is borrowed: a connection broken by a
                    # server restart or failover is discarded instead of failing the caller.
                    check=ConnectionPool.check_connection,
                    timeout=self.pool_timeout_s,
                    reconnect_timeout=self.reconnect_timeout_s,
                    max_idle=300,
                    name=f"k112-{id(self):x}",
                )
                pool.open(wait=False)
                self._pool = pool
            return self._pool

    # -- availability ------------------------------------------------------------------------------
    def _mark_down(self, exc: BaseException) -> None:
        if self._down_since is None:
            self._down_since = datetime.now(UTC)
            log.warning("database unavailable: %s", " ".join(str(exc).split())[:300] or type(exc).__name__)
        self._last_error = type(exc).__name__

    def _mark_up(self) -> None:
        if self._down_since is not None:
            since = self._down_since
            self._down_since = None
            log.warning("database available again (unavailable since %s)", since.isoformat())

    @property
    def unavailable_since(self) -> datetime | None:
        """When this pool last started failing to reach the server (UTC), or None when it works."""
        return self._down_since

    def status(self) -> dict[str, Any]:
        """This process's view of the database: available, unavailable since, last error type."""
        return {"available": self._down_since is None, "unavailable_since": self._down_since,
                "last_error": self._last_error if self._down_since else None}

    # -- access ------------------------------------------------------------------------------------
    @contextmanager
    def connection(self, *, timeout_s: float | None = None) -> Iterator[psycopg.Connection[Any]]:
        """Borrow a connection; the pool commits on success and rolls back on error.

        Raises
        ------
        DatabaseUnavailableError
            No connection within ``timeout_s`` (default ``pool_timeout_s``), or the server was
            lost while the connection was in use.
        """
        if timeout_s is None and self._down_since is not None:
            timeout_s = self.down_timeout_s   # known to be down: fail fast, still try to reconnect
        try:
            with self._get_pool().connection(timeout=timeout_s) as conn:
                self._mark_up()
                yield conn
        except _UNAVAILABLE as exc:
            if _is_connection_loss(exc):
                self._mark_down(exc)
            raise unavailable_error(exc) from exc

    @contextmanager
    def transaction(self, *, dict_rows: bool = True) -> Iterator[psycopg.Cursor[Any]]:
        """Yield a cursor inside one transaction (committed on success, rolled back on error)."""
        factory: Any = dict_row if dict_rows else tuple_row
        with self.connection() as conn, conn.transaction(), conn.cursor(row_factory=factory) as cur:
            yield cur

    def ping(self, timeout_s: float = 1.0) -> dict[str, Any]:
        """Return server facts for the health check within about ``timeout_s``.

        Raises
        ------
        DatabaseUnavailableError
            No connection within ``timeout_s`` or no answer within it.
        """
        t0 = time.monotonic()
        try:
            with self.connection(timeout_s=timeout_s) as conn:
                left_ms = max(100, int((timeout_s - (time.monotonic() - t0)) * 1000))
                with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
                    cur.execute(sql.SQL("SET LOCAL statement_timeout = {}").format(sql.Literal(left_ms)))
                    cur.execute(
                        "SELECT version() AS server, postgis_lib_version() AS postgis, now() AS now,"
                        " pg_is_in_recovery() AS in_recovery"
                    )
                    row = cur.fetchone()
        except psycopg.Error as exc:   # e.g. PostGIS missing: the database is not usable either
            raise DatabaseUnavailableError(str(exc).strip().splitlines()[0]) from exc
        assert row is not None
        return dict(row)

    def close(self) -> None:
        with self._pool_lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None
