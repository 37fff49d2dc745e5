-- Running counts of the risk register, kept by the store's risk writes in the same transaction
-- as the risk itself, so the dashboard and readiness read a few dozen rows instead of counting
-- a hundred thousand risks on every page view.
--
-- risk_tallies counts risks by category, effective level and whether they are still untreated
-- (no treatment chosen, not accepted, not closed); risk_cell_tallies counts the heat map's
-- inherent and residual cells; system_ai_risk_tallies counts each AI system's AI-domain risks.
-- risk_tallies_stale names organisations whose counts the store must rebuild from the risks
-- themselves; this migration marks every existing organisation, and the store rebuilds them
-- right after migrating (whether a built-in category is an AI one is catalog data, not SQL).

-- +goose Up
CREATE TABLE risk_tallies (
    org_id          TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    category        TEXT NOT NULL,
    effective_level TEXT NOT NULL,
    untreated       INTEGER NOT NULL,
    risks           INTEGER NOT NULL,
    PRIMARY KEY (org_id, category, effective_level, untreated)
);

CREATE TABLE risk_cell_tallies (
    org_id     TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    residual   INTEGER NOT NULL,
    likelihood INTEGER NOT NULL,
    impact     INTEGER NOT NULL,
    risks      INTEGER NOT NULL,
    PRIMARY KEY (org_id, residual, likelihood, impact)
);

CREATE TABLE system_ai_risk_tallies (
    org_id    TEXT NOT NULL,
    system_id TEXT NOT NULL REFERENCES ai_systems (id) ON DELETE CASCADE,
    risks     INTEGER NOT NULL,
    PRIMARY KEY (org_id, system_id)
);

CREATE TABLE risk_tallies_stale (
    org_id TEXT PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE
);
INSERT INTO risk_tallies_stale (org_id) SELECT id FROM organisations;

-- The counts replace the covering index that the aggregate queries read; overdue reviews
-- depend on today's date, so they stay a query, over the open risks' review dates alone.
DROP INDEX risks_stats;
CREATE INDEX risks_review_due ON risks (org_id, next_review) WHERE status <> 'closed';
-- "Highest score first" orders by score descending and then id ascending; an index kept in
-- that same mixed order is read front to back and stops at the page's end, where an all-
-- ascending one made the engine sort every risk of the top score. The status variant serves
-- the dashboard's top open risks.
DROP INDEX risks_by_score;
DROP INDEX risks_by_category_score;
DROP INDEX risks_by_level_score;
CREATE INDEX risks_by_score ON risks (org_id, effective_score DESC, id);
CREATE INDEX risks_by_category_score ON risks (org_id, category, effective_score DESC, id);
CREATE INDEX risks_by_level_score ON risks (org_id, effective_level, effective_score DESC, id);
CREATE INDEX risks_by_status_score ON risks (org_id, status, effective_score DESC, id);

-- +goose Down
DROP INDEX risks_by_status_score;
DROP INDEX risks_by_level_score;
DROP INDEX risks_by_category_score;
DROP INDEX risks_by_score;
CREATE INDEX risks_by_score ON risks (org_id, effective_score, id);
CREATE INDEX risks_by_category_score ON risks (org_id, category, effective_score, id);
CREATE INDEX risks_by_level_score ON risks (org_id, effective_level, effective_score, id);
DROP INDEX risks_review_due;
CREATE INDEX risks_stats ON risks (org_id, category, effective_level, treatment, status, next_review);
DROP TABLE risk_tallies_stale;
DROP TABLE system_ai_risk_tallies;
DROP TABLE risk_cell_tallies;
DROP TABLE risk_tallies;
