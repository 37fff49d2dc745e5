-- The interested parties of the management systems (ISO/IEC 27001 and 42001 clause 4.2): who
-- they are, what they need and expect, and whether the management system addresses it.

-- +goose Up
CREATE TABLE interested_parties (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    standards  TEXT NOT NULL DEFAULT '[]',
    needs      TEXT NOT NULL DEFAULT '',
    addressed  BOOLEAN,
    how        TEXT NOT NULL DEFAULT '',
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX interested_parties_by_name ON interested_parties (org_id, name_key, id);

-- +goose Down
DROP TABLE interested_parties;
