-- The audit programme (ISO/IEC 27001 and ISO/IEC 42001 clauses 9.2, 9.3 and 10.2): internal
-- audits with their findings, corrective actions with their effectiveness checks, and
-- management reviews. Findings, actions, checks, attendees, inputs and decisions are JSON on
-- their record: they are read and written with it and never queried alone.

-- +goose Up
CREATE TABLE audits (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    title           TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('management_system', 'annex_a')),
    standards       TEXT NOT NULL,
    scope           TEXT NOT NULL DEFAULT '',
    lead_auditor_id TEXT NOT NULL DEFAULT '',
    planned_start   TEXT NOT NULL,
    planned_end     TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('planned', 'in_progress', 'completed', 'cancelled')),
    conclusion      TEXT NOT NULL DEFAULT '',
    completed_on    TEXT NOT NULL DEFAULT '',
    findings        TEXT NOT NULL DEFAULT '[]',
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
-- The programme reads newest first.
CREATE INDEX audits_by_start ON audits (org_id, planned_start, id);

CREATE TABLE corrective_actions (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    audit_id      TEXT NOT NULL DEFAULT '',
    finding_id    TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL DEFAULT '',
    nonconformity TEXT NOT NULL,
    correction    TEXT NOT NULL DEFAULT '',
    root_cause    TEXT NOT NULL DEFAULT '',
    actions       TEXT NOT NULL DEFAULT '[]',
    owner_id      TEXT NOT NULL DEFAULT '',
    due_on        TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'implemented', 'effective')),
    verifications TEXT NOT NULL DEFAULT '[]',
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX corrective_actions_by_due ON corrective_actions (org_id, due_on, id);
CREATE INDEX corrective_actions_by_audit ON corrective_actions (org_id, audit_id, finding_id);

CREATE TABLE management_reviews (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    title          TEXT NOT NULL,
    held_on        TEXT NOT NULL,
    standards      TEXT NOT NULL,
    attendees      TEXT NOT NULL DEFAULT '[]',
    inputs         TEXT NOT NULL DEFAULT '{}',
    decisions      TEXT NOT NULL DEFAULT '[]',
    status         TEXT NOT NULL CHECK (status IN ('draft', 'approved')),
    approved_by    TEXT NOT NULL DEFAULT '',
    approved_email TEXT NOT NULL DEFAULT '',
    approved_at    TIMESTAMP,
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX management_reviews_by_date ON management_reviews (org_id, held_on, id);

-- +goose Down
DROP TABLE management_reviews;
DROP TABLE corrective_actions;
DROP TABLE audits;
