-- The foundation: organisations, people and their roles, sessions, API tokens, the audit
-- trail and sign-in throttling. Timestamps are UTC; ids are text UUIDv7.

-- +goose Up
CREATE TABLE organisations (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    isms_scope      TEXT NOT NULL DEFAULT '',
    aims_scope      TEXT NOT NULL DEFAULT '',
    ai_roles        TEXT NOT NULL DEFAULT '[]',
    eu_ai_act_roles TEXT NOT NULL DEFAULT '[]',
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL DEFAULT '',
    disabled_at   TIMESTAMP,
    created_at    TIMESTAMP NOT NULL
);

CREATE TABLE memberships (
    org_id      TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'compliance_manager', 'ai_system_owner', 'auditor', 'viewer')),
    disabled_at TIMESTAMP,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id     TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    hint         TEXT NOT NULL,
    secret_hash  TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP
);
CREATE INDEX api_tokens_org ON api_tokens (org_id, id);

CREATE TABLE audit_log (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    at             TIMESTAMP NOT NULL,
    actor_kind     TEXT NOT NULL,
    actor_user_id  TEXT NOT NULL DEFAULT '',
    actor_email    TEXT NOT NULL DEFAULT '',
    actor_token_id TEXT NOT NULL DEFAULT '',
    action         TEXT NOT NULL,
    record_type    TEXT NOT NULL,
    record_id      TEXT NOT NULL,
    before_json    TEXT,
    after_json     TEXT,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL,
    UNIQUE (org_id, seq)
);
CREATE INDEX audit_log_record ON audit_log (org_id, record_type, record_id, seq);
CREATE INDEX audit_log_actor ON audit_log (org_id, actor_user_id, seq);

-- The head of each organisation's chain: locking this row serialises appends per organisation.
CREATE TABLE audit_heads (
    org_id TEXT PRIMARY KEY,
    seq    INTEGER NOT NULL,
    hash   TEXT NOT NULL
);

-- Defence in depth: the application never changes an audit row, so the database refuses to.
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

CREATE TABLE login_throttle (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    window_start TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE login_throttle;
DROP TABLE audit_heads;
DROP TABLE audit_log;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE memberships;
DROP TABLE users;
DROP TABLE organisations;
