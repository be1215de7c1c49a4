"""Accounts: login, sessions, API tokens and first-run accounts on top of store.users (no Dash, no Flask)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from auth.passwords import hash_password, token_hash, verify_password
from store import users
from store.db import Database
from store.users import User

#: Accounts created on first run, one per role; passwords from KENDARI112_<ROLE>_PASSWORD.
FIRST_RUN_ROLES = ("admin", "dispatcher", "leadership", "planner")

def authenticate(db: Database, username: str, password: str) -> User | None:
    """Return the user when the password matches; record the attempt in the event history."""
    found = users.get_credentials(db, username.strip())
    if found is None:
        verify_password(None, password)
        users.record_event(db, kind="login_failed", actor=username.strip()[:64], data={"reason": "unknown user"})
        return None
    user, pw_hash = found
    if not verify_password(pw_hash, password):
        users.record_event(db, kind="login_failed", actor=user.username, actor_user_id=user.id,
                           data={"reason": "wrong password"})
        return None
    users.record_event(db, kind="login", actor=user.username, actor_user_id=user.id)
    return user


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
