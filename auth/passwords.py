"""Password and token hashing (pure: no database, no web)."""

from __future__ import annotations

import hashlib

from werkzeug.security import check_password_hash, generate_password_hash

MIN_PASSWORD_LEN = 8
# A hash to compare against when the user does not exist, so timing does not reveal it.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def hash_password(password: str) -> str:
    """Salted scrypt hash of ``password``; refuses passwords shorter than MIN_PASSWORD_LEN."""
    if len(password) < MIN_PASSWORD_LEN:
        raise ValueError(f"password must have at least {MIN_PASSWORD_LEN} characters")
    return generate_password_hash(password)


def verify_password(pw_hash: str | None, password: str) -> bool:
    """True when ``password`` matches ``pw_hash``; with no hash, spend the same time and say no."""
    if pw_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(pw_hash, password)


def token_hash(token: str) -> str:
    """sha256 hex digest: what the database keeps instead of a session or API token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
