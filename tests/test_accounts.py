"""Accounts: hashing, authentication, sessions, first-run accounts, tokens."""

from __future__ import annotations

import pytest

from auth.passwords import hash_password, token_hash
from services import accounts
from store import Database, users


def test_passwords_are_hashed_and_checked(db: Database) -> None:
    users.create_user(db, username="sari", password_hash=hash_password("correct-horse"), role="dispatcher")
    with db.transaction() as cur:
        cur.execute("SELECT password_hash FROM users WHERE username = 'sari'")
        stored = cur.fetchone()["password_hash"]
    assert "correct-horse" not in stored
    assert accounts.authenticate(db, "sari", "correct-horse").role == "dispatcher"
    assert accounts.authenticate(db, "sari", "wrong-horse") is None
    assert accounts.authenticate(db, "nobody", "whatever") is None
    with pytest.raises(ValueError):
        hash_password("short")


def test_sessions_are_server_side_and_end(db: Database) -> None:
    user = users.create_user(db, username="budi", password_hash=hash_password("password-1"), role="planner")
    cookie = accounts.start_session(db, user)
    assert accounts.session_user(db, cookie) == user
    assert accounts.session_user(db, cookie + "x") is None
    with db.transaction() as cur:
        cur.execute("SELECT count(*) AS n FROM sessions WHERE token_hash = %s", (cookie,))
        assert cur.fetchone()["n"] == 0          # only the hash is stored
    accounts.end_session(db, cookie, user)
    assert accounts.session_user(db, cookie) is None


def test_first_run_accounts_once(db: Database) -> None:
    created = accounts.ensure_first_run_accounts(db, {"KENDARI112_PLANNER_PASSWORD": "planner-secret"})
    assert [a.role for a in created] == ["admin", "dispatcher", "leadership", "planner"]
    planner = next(a for a in created if a.role == "planner")
    assert planner.from_env and planner.password == "planner-secret"
    assert all(len(a.password) >= 12 for a in created)
    assert accounts.authenticate(db, "planner", "planner-secret") is not None
    assert accounts.ensure_first_run_accounts(db, {}) == []


def test_api_tokens_store_only_hashes(db: Database) -> None:
    token = accounts.issue_api_token(db, name="tracker", role="dispatcher")
    assert users.token_principal(db, token_hash(token))["role"] == "dispatcher"
    assert users.token_principal(db, token) is None
