-- Which effect of an AI system's impact assessment raised which risk, so raising risks from an
-- approved assessment is idempotent per effect, across later versions of the same assessment.
-- An effect is known by its party's name (lower-cased), its kind and its ordinal among the
-- party's effects of that kind: stable when text, ratings or other parties change. When the
-- raised risk is deleted, risk_id becomes NULL and the effect stays "raised": the person who
-- removed it decided, and raising again does not bring it back.

-- +goose Up
CREATE TABLE impact_raised_risks (
    org_id        TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    system_id     TEXT NOT NULL REFERENCES ai_systems (id) ON DELETE CASCADE,
    effect_key    TEXT NOT NULL,
    assessment_id TEXT NOT NULL REFERENCES impact_assessments (id) ON DELETE CASCADE,
    party_index   INTEGER NOT NULL,
    effect_index  INTEGER NOT NULL,
    risk_id       TEXT REFERENCES risks (id) ON DELETE SET NULL,
    raised_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, system_id, effect_key)
);
CREATE INDEX impact_raised_risks_by_risk ON impact_raised_risks (risk_id);

-- +goose Down
DROP TABLE impact_raised_risks;
