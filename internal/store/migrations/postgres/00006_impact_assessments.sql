-- AI system impact assessments (ISO/IEC 42001 6.1.4, 8.4; EU AI Act Art. 27): one row per
-- version of a system's assessment. The content is one JSON document because it is read and
-- frozen as a whole; the columns beside it are what lists filter and the workflow checks.

-- +goose Up
CREATE TABLE impact_assessments (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    system_id        TEXT NOT NULL REFERENCES ai_systems (id) ON DELETE CASCADE,
    number           INTEGER NOT NULL CHECK (number >= 1),
    status           TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'approved', 'superseded')),
    fria_required    BOOLEAN NOT NULL DEFAULT FALSE,
    content          TEXT NOT NULL,
    next_review      TEXT NOT NULL DEFAULT '',
    created_by       TEXT NOT NULL DEFAULT '',
    submitted_by     TEXT NOT NULL DEFAULT '',
    submitted_at     TIMESTAMPTZ,
    approved_by      TEXT NOT NULL DEFAULT '',
    approved_at      TIMESTAMPTZ,
    approval_comment TEXT NOT NULL DEFAULT '',
    returned_by      TEXT NOT NULL DEFAULT '',
    returned_at      TIMESTAMPTZ,
    return_comment   TEXT NOT NULL DEFAULT '',
    superseded_at    TIMESTAMPTZ,
    due_reasons      TEXT NOT NULL DEFAULT '[]',
    has_due_reasons  BOOLEAN NOT NULL DEFAULT FALSE,
    version          BIGINT NOT NULL DEFAULT 1,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (org_id, system_id, number)
);
-- At most one version of a system's assessment is being worked on at a time.
CREATE UNIQUE INDEX impact_assessments_one_open ON impact_assessments (org_id, system_id) WHERE status IN ('draft', 'in_review');
CREATE INDEX impact_assessments_by_status ON impact_assessments (org_id, status, id);
CREATE INDEX impact_assessments_list ON impact_assessments (org_id, id);

-- +goose Down
DROP TABLE impact_assessments;
