-- The discovery review queue: candidate AI systems found in code, SBOMs, SaaS application lists
-- and egress logs, one row per organisation and fingerprint. The row outlives its decision so
-- that a re-scan recognises an accepted, merged or dismissed candidate instead of queueing it
-- again. Lists and evidence are JSON text. system_id is deliberately not a foreign key: the
-- decision stays on record even if the inventory entry is later deleted.

-- +goose Up
CREATE TABLE discovery_candidates (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    fingerprint        TEXT NOT NULL,
    name               TEXT NOT NULL,
    source             TEXT NOT NULL CHECK (source IN ('code', 'sbom', 'saas', 'egress')),
    location           TEXT NOT NULL DEFAULT '',
    technologies       TEXT NOT NULL DEFAULT '[]',
    vendor             TEXT NOT NULL DEFAULT '',
    suggested_sourcing TEXT NOT NULL DEFAULT '' CHECK (suggested_sourcing IN ('', 'internal', 'third_party', 'embedded_in_product')),
    confidence         TEXT NOT NULL CHECK (confidence IN ('high', 'medium', 'low')),
    purpose            TEXT NOT NULL DEFAULT '',
    annex_iii          TEXT NOT NULL DEFAULT '[]',
    likely_role        TEXT NOT NULL DEFAULT '',
    models             TEXT NOT NULL DEFAULT '[]',
    usage              TEXT,
    evidence           TEXT NOT NULL DEFAULT '[]',
    first_seen         TIMESTAMPTZ NOT NULL,
    last_seen          TIMESTAMPTZ NOT NULL,
    times_seen         BIGINT NOT NULL DEFAULT 1,
    status             TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'accepted', 'merged', 'dismissed')),
    decided_by         TEXT NOT NULL DEFAULT '',
    decided_at         TIMESTAMPTZ,
    system_id          TEXT NOT NULL DEFAULT '',
    merged_into        TEXT NOT NULL DEFAULT '',
    dismissal_reason   TEXT NOT NULL DEFAULT '',
    version            BIGINT NOT NULL DEFAULT 1,
    UNIQUE (org_id, fingerprint)
);
CREATE INDEX discovery_candidates_status ON discovery_candidates (org_id, status, id);

-- +goose Down
DROP TABLE discovery_candidates;
