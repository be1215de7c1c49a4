"""Users, server-side sessions and API tokens (SQL only; hashing lives in auth/)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg.types.json import Jsonb

from store._rows import one
from store.db import Database

ROLES = ("dispatcher", "leadership", "planner", "admin", "crew")


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: str
    unit_id: int | None = None


def _user(row: dict[str, Any]) -> User:
    return User(row["id"], row["username"], row["display_name"], row["role"], row.get("unit_id"))


def count_users(db: Database) -> int:
    with db.transaction() as cur:
        cur.execute("SELECT count(*) AS n FROM users")
        return int(one(cur)["n"])


def create_user(db: Database, *, username: str, password_hash: str, role: str,
                display_name: str | None = None, unit_id: int | None = None) -> User:
    with db.transaction() as cur:
        cur.execute(
            "INSERT INTO users (username, display_name, password_hash, role, unit_id)"
            " VALUES (%s, %s, %s, %s, %s) RETURNING id, username, display_name, role, unit_id",
            (username, display_name or username, password_hash, role, unit_id),
        )
        return _user(one(cur))


def get_credentials(db: Database, username: str) -> tuple[User, str] | None:
    """Return the active user and its password hash, or None."""
    with db.transaction() as cur:
        cur.execute(
            "SELECT id, username, display_name, role, unit_id, password_hash FROM users"
            " WHERE username = %s AND active", (username,))
        row = cur.fetchone()
    return None if row is None else (_user(row), row["password_hash"])


def list_users(db: Database) -> list[User]:
    with db.transaction() as cur:
        cur.execute("SELECT id, username, display_name, role, unit_id FROM users WHERE active ORDER BY username")
        return [_user(r) for r in cur.fetchall()]


def create_session(db: Database, *, token_hash: str, user_id: int, hours: int) -> None:
    expires = datetime.now(UTC) + timedelta(hours=hours)
    with db.transaction() as cur:
        cur.execute("DELETE FROM sessions WHERE expires_at < now()")
        cur.execute(
            "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (%s, %s, %s)",
            (token_hash, user_id, expires),
        )


def session_user(db: Database, token_hash: str) -> User | None:
    """The user of a live session (and refresh its last_seen), or None."""
    with db.transaction() as cur:
        cur.execute(
            "UPDATE sessions s SET last_seen = now() FROM users u"
            " WHERE s.token_hash = %s AND s.expires_at > now() AND u.id = s.user_id AND u.active"
            " RETURNING u.id, u.username, u.display_name, u.role, u.unit_id",
            (token_hash,),
        )
        row = cur.fetchone()
    return None if row is None else _user(row)


def delete_session(db: Database, token_hash: str) -> None:
    with db.transaction() as cur:
        cur.execute("DELETE FROM sessions WHERE token_hash = %s", (token_hash,))


def create_api_token(db: Database, *, token_hash: str, name: str, role: str, user_id: int | None = None) -> int:
    with db.transaction() as cur:
        cur.execute(
            "INSERT INTO api_tokens (token_hash, name, role, user_id) VALUES (%s, %s, %s, %s) RETURNING id",
            (token_hash, name, role, user_id),
        )
        return int(one(cur)["id"])


def token_principal(db: Database, token_hash: str) -> dict[str, Any] | None:
    """Name, role and user of a live API token, or None."""
    with db.transaction() as cur:
        cur.execute(
            "SELECT t.name, t.role, t.user_id, u.username FROM api_tokens t"
            " LEFT JOIN users u ON u.id = t.user_id"
            " WHERE t.token_hash = %s AND t.revoked_at IS NULL AND (t.user_id IS NULL OR u.active)",
            (token_hash,),
        )
        row = cur.fetchone()
    return None if row is None else dict(row)


def record_event(db: Database, *, kind: str, actor: str, actor_user_id: int | None = None,
                 data: dict[str, Any] | None = None) -> None:
    """Append an audit event not tied to an incident (login, logout, …)."""
    with db.transaction() as cur:
        record_event_in(cur, kind=kind, actor=actor, actor_user_id=actor_user_id, data=data)


def record_event_in(cur: Any, *, kind: str, actor: str, actor_user_id: int | None = None,
                    data: dict[str, Any] | None = None) -> None:
    """Same as :func:`record_event`, inside the caller's transaction."""
    cur.execute(
        "INSERT INTO events (kind, at, actor, actor_user_id, data) VALUES (%s, now(), %s, %s, %s)",
        (kind, actor, actor_user_id, Jsonb(data or {})),
    )
