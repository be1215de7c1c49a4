"""Failed-login counters (SQL only; the back-off rule lives in auth.throttle)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from store.db import Database

_BLOCKED = """
SELECT key, failures, blocked_until FROM login_throttle
 WHERE key = ANY(%(keys)s) AND blocked_until > %(now)s
 ORDER BY blocked_until DESC LIMIT 1
"""
_FAIL = """
INSERT INTO login_throttle AS t (key, failures, first_failure_at, last_failure_at)
VALUES (%(key)s, 1, %(now)s, %(now)s)
ON CONFLICT (key) DO UPDATE SET
    failures = CASE WHEN t.last_failure_at < %(reset_before)s THEN 1 ELSE t.failures + 1 END,
    first_failure_at = CASE WHEN t.last_failure_at < %(reset_before)s THEN %(now)s ELSE t.first_failure_at END,
    audited = CASE WHEN t.last_failure_at < %(reset_before)s THEN false ELSE t.audited END,
    last_failure_at = %(now)s
RETURNING key, failures, audited, first_failure_at
"""
_BLOCK = "UPDATE login_throttle SET blocked_until = %(until)s WHERE key = %(key)s"
_MARK_AUDITED = "UPDATE login_throttle SET audited = true WHERE key = ANY(%(keys)s)"
_CLEAR = "DELETE FROM login_throttle WHERE key = ANY(%(keys)s)"
_PURGE = ("DELETE FROM login_throttle WHERE last_failure_at < %(before)s"
          " AND (blocked_until IS NULL OR blocked_until < %(now)s)")


def blocked(db: Database, keys: Sequence[str], now: datetime) -> dict[str, Any] | None:
    """The key among ``keys`` blocked longest at ``now`` (with its ``blocked_until``), or None."""
    with db.transaction() as cur:
        cur.execute(_BLOCKED, {"keys": list(keys), "now": now})
        row = cur.fetchone()
    return None if row is None else dict(row)


def record_failure(cur: Any, key: str, now: datetime, reset_before: datetime) -> dict[str, Any]:
    """Count one failure for ``key``; returns its row (failures, audited, first_failure_at)."""
    cur.execute(_FAIL, {"key": key, "now": now, "reset_before": reset_before})
    return dict(cur.fetchone())


def block_until(cur: Any, key: str, until: datetime) -> None:
    cur.execute(_BLOCK, {"key": key, "until": until})


def mark_audited(cur: Any, keys: Sequence[str]) -> None:
    cur.execute(_MARK_AUDITED, {"keys": list(keys)})


def clear(db: Database, keys: Sequence[str]) -> None:
    """Forget the failures of ``keys`` (after a successful login)."""
    with db.transaction() as cur:
        cur.execute(_CLEAR, {"keys": list(keys)})


def purge(db: Database, before: datetime, now: datetime) -> int:
    """Drop counters idle since ``before``; returns how many."""
    with db.transaction() as cur:
        cur.execute(_PURGE, {"before": before, "now": now})
        return int(cur.rowcount)
