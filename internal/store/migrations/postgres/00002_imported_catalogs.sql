-- Catalogs an organisation imported from OSCAL (NIST SP 800-53, SOC 2, its own framework …).
-- Each belongs to one organisation; the built-in catalogs live in the binary, not here.
-- document holds the catalog in Annexa's catalog format (docs/catalog-format.md) as JSON text.

-- +goose Up
CREATE TABLE imported_catalogs (
    org_id      TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    catalog_id  TEXT NOT NULL,
    version     TEXT NOT NULL DEFAULT '',
    title       TEXT NOT NULL,
    document    TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    imported_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, catalog_id)
);

-- +goose Down
DROP TABLE imported_catalogs;
