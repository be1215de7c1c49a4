"""Authentication and roles: password hashing, sessions, API tokens, first-run accounts."""
