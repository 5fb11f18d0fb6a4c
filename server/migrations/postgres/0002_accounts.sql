-- Accounts, devices, assignments, login throttling, and who created each document.

CREATE TABLE users (
    id UUID NOT NULL PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('advisor', 'office', 'admin')),
    -- Argon2id PHC string.
    password_hash TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE devices (
    id UUID NOT NULL PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    app_version TEXT NOT NULL,
    -- SHA-256 of the bearer token; the token itself is never stored.
    token_hash BYTEA NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX devices_user ON devices (user_id);

-- Automerge actor ids, bound to the device that first used them.
CREATE TABLE device_actors (
    actor BYTEA NOT NULL PRIMARY KEY,
    device_id UUID NOT NULL REFERENCES devices (id),
    bound_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE assignments (
    worksite_id UUID NOT NULL,
    user_id UUID NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (worksite_id, user_id)
);
CREATE INDEX assignments_user ON assignments (user_id);

-- Failed logins, per account ("login:<login>") and per address ("ip:<address>").
CREATE TABLE login_failures (
    key TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures (key, at);

ALTER TABLE documents ADD COLUMN created_by UUID;
