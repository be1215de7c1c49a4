"""Authentication rules without I/O: password and token hashing, the login back-off."""
