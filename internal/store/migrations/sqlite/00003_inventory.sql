-- The AI system register and each system's EU AI Act classification history.

-- +goose Up
CREATE TABLE ai_systems (
    id                    TEXT PRIMARY KEY,
    org_id                TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name                  TEXT NOT NULL,
    name_key              TEXT NOT NULL,
    intended_purpose      TEXT NOT NULL DEFAULT '',
    owner_id              TEXT NOT NULL DEFAULT '',
    business_unit         TEXT NOT NULL DEFAULT '',
    sourcing              TEXT NOT NULL DEFAULT '' CHECK (sourcing IN ('', 'internal', 'third_party', 'embedded_in_product')),
    vendor                TEXT NOT NULL DEFAULT '',
    vendor_key            TEXT NOT NULL DEFAULT '',
    eu_ai_act_roles       TEXT NOT NULL DEFAULT '[]',
    iso_roles             TEXT NOT NULL DEFAULT '[]',
    lifecycle_stage       TEXT NOT NULL DEFAULT '' CHECK (lifecycle_stage IN ('', 'inception', 'design_and_development',
                              'verification_and_validation', 'deployment', 'operation_and_monitoring', 're_evaluation', 'retirement')),
    deployment_context    TEXT NOT NULL DEFAULT '',
    affected_groups       TEXT NOT NULL DEFAULT '[]',
    personal_data         BOOLEAN,
    special_category_data BOOLEAN,
    models                TEXT NOT NULL DEFAULT '[]',
    decisions_informed    TEXT NOT NULL DEFAULT '',
    automation            TEXT NOT NULL DEFAULT '' CHECK (automation IN ('', 'advisory', 'human_in_the_loop', 'human_on_the_loop', 'fully_automated')),
    human_oversight       TEXT NOT NULL DEFAULT '',
    criticality           TEXT NOT NULL DEFAULT '' CHECK (criticality IN ('', 'low', 'medium', 'high', 'critical')),
    facts                 TEXT NOT NULL DEFAULT '{}',
    open_points           TEXT NOT NULL DEFAULT '[]',
    classification        TEXT,
    tier                  TEXT NOT NULL DEFAULT '' CHECK (tier IN ('', 'prohibited', 'high', 'limited', 'minimal', 'out_of_scope')),
    classified_at         TIMESTAMP,
    review_due            BOOLEAN NOT NULL DEFAULT FALSE,
    review_reasons        TEXT NOT NULL DEFAULT '[]',
    search                TEXT NOT NULL DEFAULT '',
    version               INTEGER NOT NULL DEFAULT 1,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL
);
CREATE INDEX ai_systems_by_name ON ai_systems (org_id, name_key, id);
CREATE INDEX ai_systems_by_tier ON ai_systems (org_id, tier, name_key);
CREATE INDEX ai_systems_by_stage ON ai_systems (org_id, lifecycle_stage, name_key);
CREATE INDEX ai_systems_by_owner ON ai_systems (org_id, owner_id, name_key);
CREATE INDEX ai_systems_by_sourcing ON ai_systems (org_id, sourcing, name_key);
CREATE INDEX ai_systems_by_vendor ON ai_systems (org_id, vendor_key, name_key);

CREATE TABLE ai_system_classifications (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL,
    system_id     TEXT NOT NULL REFERENCES ai_systems (id) ON DELETE CASCADE,
    classified_at TIMESTAMP NOT NULL,
    tier          TEXT NOT NULL,
    facts         TEXT NOT NULL,
    result        TEXT NOT NULL,
    cause         TEXT NOT NULL
);
CREATE INDEX ai_system_classifications_by_system ON ai_system_classifications (org_id, system_id, classified_at);

-- +goose Down
DROP TABLE ai_system_classifications;
DROP TABLE ai_systems;
