-- A covering index for the register's aggregate figures (readiness and the dashboard): counting
-- risks by category, level, treatment, status and review date reads the index alone instead
-- of visiting a hundred thousand rows.

-- +goose Up
CREATE INDEX risks_stats ON risks (org_id, category, effective_level, treatment, status, next_review);

-- +goose Down
DROP INDEX risks_stats;
