"""Login back-off: how long a user name or an address must wait after repeated failures (pure)."""

from __future__ import annotations

#: Failures allowed before any waiting (a tired operator mistyping a few times is not an attack).
FREE_FAILURES = 4
#: First wait after the free failures, doubled on each further failure, up to MAX_BACKOFF_S.
BASE_BACKOFF_S = 2.0
MAX_BACKOFF_S = 900.0
#: A counter with no failure for this long starts again from zero.
RESET_AFTER_S = 3600.0


def backoff_s(failures: int) -> float:
    """Seconds to wait after ``failures`` consecutive failures (0 while within the free ones)."""
    if failures <= FREE_FAILURES:
        return 0.0
    doublings = min(failures - FREE_FAILURES - 1, 32)
    return float(min(MAX_BACKOFF_S, BASE_BACKOFF_S * 2.0**doublings))


def user_key(username: str) -> str:
    """Throttle key of a user name (case-folded, trimmed, bounded)."""
    return "user:" + username.strip().casefold()[:64]


def address_key(address: str | None) -> str:
    """Throttle key of a client address."""
    return "addr:" + (address or "unknown")[:64]
