"""Login back-off per user name and per address: shared by every worker (in PostgreSQL), audited once."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from auth import throttle
from auth.passwords import hash_password
from services import accounts
from store import Database, users

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def _events(db: Database, kind: str) -> int:
    with db.transaction() as cur:
        cur.execute("SELECT count(*) AS n FROM events WHERE kind = %s", (kind,))
        return int(cur.fetchone()["n"])


def test_backoff_grows_exponentially_after_the_free_tries() -> None:
    waits = [throttle.backoff_s(n) for n in range(1, 12)]
    assert waits[: throttle.FREE_FAILURES] == [0.0] * throttle.FREE_FAILURES
    assert waits[throttle.FREE_FAILURES] == throttle.BASE_BACKOFF_S
    assert all(b == min(throttle.MAX_BACKOFF_S, 2 * a) for a, b in itertools.pairwise(waits[4:]))
    assert throttle.backoff_s(10_000) == throttle.MAX_BACKOFF_S


def test_right_password_after_many_wrong_ones_waits(db: Database) -> None:
    users.create_user(db, username="sari", password_hash=hash_password("correct-horse"), role="dispatcher")
    for i in range(30):
        accounts.login(db, "sari", f"guess-{i}", address="10.0.0.9", now=T0 + timedelta(milliseconds=i))
    late = accounts.login(db, "sari", "correct-horse", address="10.0.0.9", now=T0 + timedelta(seconds=1))
    assert late.user is None and late.throttled and late.retry_after_s >= 1
    later = accounts.login(db, "sari", "correct-horse", address="10.0.0.9", now=T0 + timedelta(minutes=16))
    assert later.user is not None and later.user.username == "sari"


def test_another_address_is_held_by_the_user_name(db: Database) -> None:
    users.create_user(db, username="budi", password_hash=hash_password("password-1"), role="planner")
    for i in range(8):
        accounts.login(db, "budi", "nope-nope", address=f"10.0.1.{i}", now=T0 + timedelta(milliseconds=i))
    assert accounts.login(db, "budi", "password-1", address="10.0.2.1", now=T0 + timedelta(seconds=1)).throttled


def test_a_burst_is_audited_once_and_made_up_names_are_not_written_one_by_one(db: Database) -> None:
    users.create_user(db, username="ani", password_hash=hash_password("password-2"), role="leadership")
    for i in range(25):
        accounts.login(db, "ani", "wrong-one", address="10.0.3.1", now=T0 + timedelta(seconds=i * 1000))
    assert _events(db, "login_failed") == 1
    before = _events(db, "login_throttled")
    for i in range(40):
        accounts.login(db, f"ghost{i}", "whatever", address="10.0.4.4", now=T0 + timedelta(milliseconds=i))
    assert _events(db, "login_failed") == 1
    assert _events(db, "login_throttled") - before == 1          # the address, once
    with db.transaction() as cur:
        cur.execute("SELECT count(*) AS n FROM events WHERE actor LIKE 'ghost%%'")
        assert cur.fetchone()["n"] == 0


def test_success_clears_the_user_counter(db: Database) -> None:
    users.create_user(db, username="dewi", password_hash=hash_password("password-3"), role="planner")
    for _ in range(3):
        accounts.login(db, "dewi", "typo-typo", address="10.0.5.1", now=T0)
    assert accounts.login(db, "dewi", "password-3", address="10.0.5.1", now=T0).user is not None
    for _ in range(3):
        accounts.login(db, "dewi", "typo-typo", address="10.0.5.2", now=T0)
    assert accounts.login(db, "dewi", "password-3", address="10.0.5.2", now=T0).user is not None
