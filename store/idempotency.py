"""Idempotency keys (SQL only): look up a key's first result, record it in the caller's transaction."""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb

_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended(%s, 112))"
_FIND = "SELECT request_hash, result FROM idempotency_keys WHERE scope = %s AND principal = %s AND key = %s"
_SAVE = ("INSERT INTO idempotency_keys (scope, principal, key, request_hash, result)"
         " VALUES (%s, %s, %s, %s, %s)")
_PURGE = "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => %s)"


def claim(cur: Any, scope: str, principal: str, key: str) -> dict[str, Any] | None:
    """Serialise requests with this key (transaction-scoped lock); return its stored row, if any."""
    cur.execute(_LOCK, (f"{scope}\x1f{principal}\x1f{key}",))
    cur.execute(_FIND, (scope, principal, key))
    row = cur.fetchone()
    return None if row is None else dict(row)


def save(cur: Any, scope: str, principal: str, key: str, request_hash: str, result: dict[str, Any]) -> None:
    """Record the key's result in the same transaction as the change."""
    cur.execute(_SAVE, (scope, principal, key, request_hash, Jsonb(result)))


def purge(cur: Any, older_than_h: int) -> int:
    """Forget keys older than ``older_than_h`` hours."""
    cur.execute(_PURGE, (older_than_h,))
    return int(cur.rowcount)
