-- The organisation's own controls and the requirements they satisfy, the Statements of
-- Applicability with their approved versions, and evidence with its versions and links.

-- +goose Up
CREATE TABLE controls (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    ref            TEXT NOT NULL DEFAULT '',
    title          TEXT NOT NULL,
    title_key      TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    owner_id       TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'not_started' CHECK (status IN ('not_started', 'planned', 'partial', 'implemented', 'not_applicable')),
    frequency      TEXT NOT NULL DEFAULT '' CHECK (frequency IN ('', 'continuous', 'daily', 'weekly', 'monthly', 'quarterly', 'semi_annually', 'annually', 'on_event')),
    generated      BOOLEAN NOT NULL DEFAULT FALSE,
    generated_from TEXT NOT NULL DEFAULT '',
    version        BIGINT NOT NULL DEFAULT 1,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX controls_by_title ON controls (org_id, title_key, id);
CREATE UNIQUE INDEX controls_ref ON controls (org_id, ref) WHERE ref <> '';

CREATE TABLE control_links (
    org_id     TEXT NOT NULL,
    control_id TEXT NOT NULL REFERENCES controls (id) ON DELETE CASCADE,
    catalog_id TEXT NOT NULL,
    item_id    TEXT NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (control_id, catalog_id, item_id)
);
CREATE INDEX control_links_by_requirement ON control_links (org_id, catalog_id, item_id);

CREATE TABLE soa_entries (
    org_id        TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    catalog_id    TEXT NOT NULL,
    item_id       TEXT NOT NULL,
    applicable    BOOLEAN NOT NULL,
    justification TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('proposed', 'confirmed')),
    updated_by    TEXT NOT NULL DEFAULT '',
    version       INTEGER NOT NULL DEFAULT 1,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, catalog_id, item_id)
);

CREATE TABLE soa_versions (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    catalog_id        TEXT NOT NULL,
    number            INTEGER NOT NULL,
    note              TEXT NOT NULL DEFAULT '',
    snapshot          TEXT NOT NULL,
    prepared_by       TEXT NOT NULL DEFAULT '',
    prepared_by_email TEXT NOT NULL DEFAULT '',
    prepared_at       TIMESTAMPTZ NOT NULL,
    approved_by       TEXT NOT NULL DEFAULT '',
    approved_by_email TEXT NOT NULL DEFAULT '',
    approved_at       TIMESTAMPTZ,
    UNIQUE (org_id, catalog_id, number)
);

CREATE TABLE soa_settings (
    org_id     TEXT PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    four_eyes  BOOLEAN NOT NULL DEFAULT FALSE,
    version    INTEGER NOT NULL DEFAULT 1,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE evidence (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    title           TEXT NOT NULL,
    title_key       TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL CHECK (kind IN ('file', 'link')),
    url             TEXT NOT NULL DEFAULT '',
    valid_from      TIMESTAMPTZ,
    valid_until     TIMESTAMPTZ,
    current_version INTEGER NOT NULL DEFAULT 0,
    created_by      TEXT NOT NULL DEFAULT '',
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX evidence_by_title ON evidence (org_id, title_key, id);
CREATE INDEX evidence_by_expiry ON evidence (org_id, valid_until);

CREATE TABLE evidence_versions (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL,
    evidence_id       TEXT NOT NULL REFERENCES evidence (id) ON DELETE CASCADE,
    number            INTEGER NOT NULL,
    sha256            TEXT NOT NULL,
    size              BIGINT NOT NULL,
    content_type      TEXT NOT NULL,
    file_name         TEXT NOT NULL,
    note              TEXT NOT NULL DEFAULT '',
    uploaded_by       TEXT NOT NULL DEFAULT '',
    uploaded_by_email TEXT NOT NULL DEFAULT '',
    uploaded_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (evidence_id, number)
);

CREATE TABLE evidence_links (
    org_id      TEXT NOT NULL,
    evidence_id TEXT NOT NULL REFERENCES evidence (id) ON DELETE CASCADE,
    record_type TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    linked_by   TEXT NOT NULL DEFAULT '',
    linked_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (evidence_id, record_type, record_id)
);
CREATE INDEX evidence_links_by_record ON evidence_links (org_id, record_type, record_id);

-- Evidence contents when the database holds them (PostgreSQL); SQLite installations keep
-- them on disk under DATA/evidence.
CREATE TABLE evidence_blobs (
    sha256 TEXT PRIMARY KEY,
    size   BIGINT NOT NULL,
    data   BYTEA NOT NULL
);

-- +goose Down
DROP TABLE evidence_blobs;
DROP TABLE evidence_links;
DROP TABLE evidence_versions;
DROP TABLE evidence;
DROP TABLE soa_settings;
DROP TABLE soa_versions;
DROP TABLE soa_entries;
DROP TABLE control_links;
DROP TABLE controls;
