-- Idempotency keys of state-changing API requests: the same key from the same principal returns the
-- first result; the claim is written in the same transaction as the change it guards.
CREATE TABLE idempotency_keys (
    scope         text        NOT NULL,            -- 'create_incident', 'assign', 'close'
    principal     text        NOT NULL,            -- who sent it (token name or user)
    key           text        NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    request_hash  text        NOT NULL,
    result        jsonb       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, principal, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
