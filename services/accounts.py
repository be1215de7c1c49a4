"""Accounts: login, sessions, API tokens and first-run accounts on top of store.users (no Dash, no Flask)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from auth import throttle
from auth.passwords import hash_password, token_hash, verify_password
from store import throttle as store_throttle, users
from store.db import Database
from store.users import User

#: Accounts created on first run, one per role; passwords from KENDARI112_<ROLE>_PASSWORD.
FIRST_RUN_ROLES = ("admin", "dispatcher", "leadership", "planner")

@dataclass(frozen=True)
class LoginResult:
    """Outcome of a login attempt: the user, or how long this name/address must wait."""

    user: User | None
    retry_after_s: float = 0.0

    @property
    def throttled(self) -> bool:
        return self.retry_after_s > 0


def login(db: Database, username: str, password: str, *, address: str | None,
          now: datetime | None = None) -> LoginResult:
    """Check a password with back-off per user name and per client address.

    A name or address that failed more than ``auth.throttle.FREE_FAILURES`` times in a row must wait
    (2 s, doubling, at most 15 min) before the password is even checked, so a flood of guesses costs
    no hashing time. A user's first failure of a burst and the start of each throttled burst are
    audited once, never every try; made-up user names are not written to the history one by one.
    """
    now = now or datetime.now(UTC)
    name = username.strip()[:64]
    keys = [throttle.user_key(name), throttle.address_key(address)]
    hit = store_throttle.blocked(db, keys, now)
    if hit is not None:
        return LoginResult(None, max(0.5, (hit["blocked_until"] - now).total_seconds()))
    found = users.get_credentials(db, name)
    if found is not None and verify_password(found[1], password):
        user = found[0]
        store_throttle.clear(db, keys[:1])
        users.record_event(db, kind="login", actor=user.username, actor_user_id=user.id)
        return LoginResult(user)
    if found is None:
        verify_password(None, password)   # same time as a wrong password
    _record_failure(db, keys, now, found[0] if found else None, address)
    return LoginResult(None)


def _record_failure(db: Database, keys: list[str], now: datetime, user: User | None, address: str | None) -> None:
    reset_before = now - timedelta(seconds=throttle.RESET_AFTER_S)
    with db.transaction() as cur:
        rows = [store_throttle.record_failure(cur, key, now, reset_before) for key in keys]
        if user is not None and rows[0]["failures"] == 1:
            users.record_event_in(cur, kind="login_failed", actor=user.username, actor_user_id=user.id,
                                  data={"reason": "wrong password"})
        for key, row in zip(keys, rows):
            wait_s = throttle.backoff_s(int(row["failures"]))
            if wait_s <= 0:
                continue
            store_throttle.block_until(cur, key, now + timedelta(seconds=wait_s))
            if not row["audited"]:
                store_throttle.mark_audited(cur, [key])
                users.record_event_in(cur, kind="login_throttled", actor=user.username if user else "anonymous",
                                      actor_user_id=user.id if user else None,
                                      data={"key": key.split(":", 1)[0], "address": address or "",
                                            "failures": int(row["failures"])})


def authenticate(db: Database, username: str, password: str) -> User | None:
    """Return the user when the password matches (with the same back-off as :func:`login`)."""
    return login(db, username, password, address=None).user


def start_session(db: Database, user: User, *, hours: int = 12) -> str:
    """Create a server-side session; return the opaque cookie value."""
    token = secrets.token_urlsafe(32)
    users.create_session(db, token_hash=token_hash(token), user_id=user.id, hours=hours)
    return token


def session_user(db: Database, cookie_value: str | None) -> User | None:
    if not cookie_value:
        return None
    return users.session_user(db, token_hash(cookie_value))


def end_session(db: Database, cookie_value: str, user: User | None) -> None:
    users.delete_session(db, token_hash(cookie_value))
    if user is not None:
        users.record_event(db, kind="logout", actor=user.username, actor_user_id=user.id)


def issue_api_token(db: Database, *, name: str, role: str, user_id: int | None = None) -> str:
    """Create an API token and return it (shown once; only its hash is stored)."""
    token = "k112_" + secrets.token_urlsafe(32)
    users.create_api_token(db, token_hash=token_hash(token), name=name, role=role, user_id=user_id)
    return token


@dataclass(frozen=True)
class FirstRunAccount:
    username: str
    role: str
    password: str
    from_env: bool


def ensure_first_run_accounts(db: Database, environ: dict[str, str] | None = None) -> list[FirstRunAccount]:
    """On an empty users table create one account per role; return them (to print once)."""
    env = dict(os.environ if environ is None else environ)
    if users.count_users(db) > 0:
        return []
    created: list[FirstRunAccount] = []
    for role in FIRST_RUN_ROLES:
        given = env.get(f"KENDARI112_{role.upper()}_PASSWORD")
        password = given or secrets.token_urlsafe(12)
        users.create_user(db, username=role, password_hash=hash_password(password), role=role,
                          display_name=role.capitalize())
        created.append(FirstRunAccount(role, role, password, bool(given)))
    return created
