-- Monitoring of AI systems in operation (ISO/IEC 42001 9.1 and A.6.2.6; EU AI Act Art. 14,
-- 26(5) and 72): metrics with their bounds, the observations pushed or computed, the alerts
-- opened by values outside bounds, and the human oversight log. Everything goes with its AI
-- system.

-- +goose Up
CREATE TABLE monitor_metrics (
    id                  TEXT PRIMARY KEY,
    org_id              TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    system_id           TEXT NOT NULL REFERENCES ai_systems (id) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    title               TEXT NOT NULL,
    kind                TEXT NOT NULL CHECK (kind IN ('performance', 'drift', 'fairness', 'operational')),
    measure             TEXT NOT NULL DEFAULT '',
    unit                TEXT NOT NULL DEFAULT '',
    min_value           REAL,
    max_value           REAL,
    flag_assessment     BOOLEAN NOT NULL DEFAULT FALSE,
    raise_nonconformity BOOLEAN NOT NULL DEFAULT FALSE,
    version             INTEGER NOT NULL DEFAULT 1,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    UNIQUE (org_id, system_id, name)
);

CREATE TABLE monitor_observations (
    id        TEXT PRIMARY KEY,
    org_id    TEXT NOT NULL,
    metric_id TEXT NOT NULL REFERENCES monitor_metrics (id) ON DELETE CASCADE,
    at        TIMESTAMP NOT NULL,
    value     REAL NOT NULL,
    source    TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT '{}',
    breach    TEXT NOT NULL DEFAULT ''
);
-- A metric's history reads newest first; its last value is the first row.
CREATE INDEX monitor_observations_by_metric ON monitor_observations (metric_id, at, id);

CREATE TABLE monitor_alerts (
    id                   TEXT PRIMARY KEY,
    org_id               TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    system_id            TEXT NOT NULL REFERENCES ai_systems (id) ON DELETE CASCADE,
    metric_id            TEXT NOT NULL REFERENCES monitor_metrics (id) ON DELETE CASCADE,
    metric               TEXT NOT NULL,
    value                REAL NOT NULL,
    breach               TEXT NOT NULL,
    breaches             INTEGER NOT NULL DEFAULT 1,
    opened_at            TIMESTAMP NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
    assessment_flagged   BOOLEAN NOT NULL DEFAULT FALSE,
    corrective_action_id TEXT NOT NULL DEFAULT '',
    acknowledged_by      TEXT NOT NULL DEFAULT '',
    resolved_by          TEXT NOT NULL DEFAULT '',
    resolution           TEXT NOT NULL DEFAULT '',
    version              INTEGER NOT NULL DEFAULT 1,
    updated_at           TIMESTAMP NOT NULL
);
-- Ids are UUIDv7: their order is the order alerts opened in.
CREATE INDEX monitor_alerts_by_org ON monitor_alerts (org_id, id);
-- A metric has at most one alert not yet resolved; further breaches count on it.
CREATE UNIQUE INDEX monitor_alerts_one_unresolved ON monitor_alerts (metric_id) WHERE status <> 'resolved';

CREATE TABLE oversight_log (
    id        TEXT PRIMARY KEY,
    org_id    TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    system_id TEXT NOT NULL REFERENCES ai_systems (id) ON DELETE CASCADE,
    at        TIMESTAMP NOT NULL,
    reviewer  TEXT NOT NULL,
    case_ref  TEXT NOT NULL DEFAULT '',
    outcome   TEXT NOT NULL CHECK (outcome IN ('confirmed', 'overridden', 'escalated', 'stopped')),
    note      TEXT NOT NULL DEFAULT '',
    logged    TIMESTAMP NOT NULL,
    logged_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX oversight_log_by_system ON oversight_log (org_id, system_id, at, id);

-- +goose Down
DROP TABLE oversight_log;
DROP TABLE monitor_alerts;
DROP TABLE monitor_observations;
DROP TABLE monitor_metrics;
