-- The risk register: each organisation's risk method, its own risk categories, risks with their
-- score history and affected AI systems, and what people did with risk suggestions.

-- +goose Up
CREATE TABLE risk_methods (
    org_id     TEXT PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    method     TEXT NOT NULL,
    version    BIGINT NOT NULL DEFAULT 1,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE risk_categories (
    org_id      TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    label       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    annex_c     TEXT NOT NULL DEFAULT '[]',
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, id)
);

CREATE TABLE risks (
    id                  TEXT PRIMARY KEY,
    org_id              TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    title               TEXT NOT NULL,
    title_key           TEXT NOT NULL,
    description         TEXT NOT NULL DEFAULT '',
    category            TEXT NOT NULL,
    sources             TEXT NOT NULL DEFAULT '[]',
    ai_system_ids       TEXT NOT NULL DEFAULT '[]',
    assets              TEXT NOT NULL DEFAULT '[]',
    owner_id            TEXT NOT NULL DEFAULT '',
    likelihood          INTEGER NOT NULL,
    impact              INTEGER NOT NULL,
    score               INTEGER NOT NULL,
    level               TEXT NOT NULL,
    treatment           TEXT NOT NULL DEFAULT '' CHECK (treatment IN ('', 'modify', 'retain', 'avoid', 'share')),
    actions             TEXT NOT NULL DEFAULT '[]',
    controls            TEXT NOT NULL DEFAULT '[]',
    residual_likelihood INTEGER NOT NULL DEFAULT 0,
    residual_impact     INTEGER NOT NULL DEFAULT 0,
    residual_score      INTEGER NOT NULL DEFAULT 0,
    residual_level      TEXT NOT NULL DEFAULT '',
    residual_reason     TEXT NOT NULL DEFAULT '',
    acceptance          TEXT,
    next_review         TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL CHECK (status IN ('open', 'in_treatment', 'accepted', 'closed')),
    suggested_by        TEXT NOT NULL DEFAULT '',
    effective_level     TEXT NOT NULL,
    effective_score     INTEGER NOT NULL,
    -- The earliest open date (next review or an open action), '9999-12-31' when none, so the
    -- overdue filter and the due list are one index range.
    due_on              TEXT NOT NULL,
    version             BIGINT NOT NULL DEFAULT 1,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);
-- Each filter index ends in the sort key so a filtered first page reads in order and stops.
CREATE INDEX risks_by_title ON risks (org_id, title_key, id);
CREATE INDEX risks_by_category ON risks (org_id, category, title_key, id);
CREATE INDEX risks_by_level ON risks (org_id, effective_level, title_key, id);
CREATE INDEX risks_by_owner ON risks (org_id, owner_id, title_key, id);
CREATE INDEX risks_by_status ON risks (org_id, status, title_key, id);
CREATE INDEX risks_by_due ON risks (org_id, due_on, id);
CREATE INDEX risks_by_score ON risks (org_id, effective_score, id);
-- "Highest first" within a category or a level, the register's usual view.
CREATE INDEX risks_by_category_score ON risks (org_id, category, effective_score, id);
CREATE INDEX risks_by_level_score ON risks (org_id, effective_level, effective_score, id);
CREATE INDEX risks_by_updated ON risks (org_id, updated_at, id);
-- The heat map counts by cell from these alone.
CREATE INDEX risks_inherent_cells ON risks (org_id, likelihood, impact);
CREATE INDEX risks_residual_cells ON risks (org_id, residual_likelihood, residual_impact);

CREATE TABLE risk_systems (
    org_id    TEXT NOT NULL,
    risk_id   TEXT NOT NULL REFERENCES risks (id) ON DELETE CASCADE,
    system_id TEXT NOT NULL REFERENCES ai_systems (id) ON DELETE CASCADE,
    PRIMARY KEY (risk_id, system_id)
);
CREATE INDEX risk_systems_by_system ON risk_systems (org_id, system_id, risk_id);

CREATE TABLE risk_scores (
    id                  TEXT PRIMARY KEY,
    org_id              TEXT NOT NULL,
    risk_id             TEXT NOT NULL REFERENCES risks (id) ON DELETE CASCADE,
    at                  TIMESTAMPTZ NOT NULL,
    likelihood          INTEGER NOT NULL,
    impact              INTEGER NOT NULL,
    score               INTEGER NOT NULL,
    level               TEXT NOT NULL,
    residual_likelihood INTEGER NOT NULL,
    residual_impact     INTEGER NOT NULL,
    residual_score      INTEGER NOT NULL,
    residual_level      TEXT NOT NULL,
    cause               TEXT NOT NULL,
    actor               TEXT NOT NULL DEFAULT ''
);
CREATE INDEX risk_scores_by_risk ON risk_scores (org_id, risk_id, at);

CREATE TABLE risk_suggestions (
    org_id      TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    system_id   TEXT NOT NULL REFERENCES ai_systems (id) ON DELETE CASCADE,
    template_id TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('accepted', 'discarded')),
    risk_id     TEXT NOT NULL DEFAULT '',
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, system_id, template_id)
);

-- +goose Down
DROP TABLE risk_suggestions;
DROP TABLE risk_scores;
DROP TABLE risk_systems;
DROP TABLE risks;
DROP TABLE risk_categories;
DROP TABLE risk_methods;
