package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/fault"
)

// The store keeps organisations' imported catalogs for catalog.Views.
var _ catalog.ImportStore = (*DB)(nil)

// catalogAudit is what the audit trail records of an import: enough to tell which document
// was there (its digest), not the document itself, which may run to megabytes.
type catalogAudit struct {
	CatalogID string `json:"catalog_id"`
	Version   string `json:"version"`
	Title     string `json:"title"`
	Kind      string `json:"kind"`
	Groups    int    `json:"groups"`
	Items     int    `json:"items"`
	SHA256    string `json:"sha256"`
}

func auditOfCatalog(c *catalog.Catalog, doc []byte) catalogAudit {
	sum := sha256.Sum256(doc)
	return catalogAudit{CatalogID: c.ID, Version: c.Version, Title: c.Title, Kind: string(c.Kind),
		Groups: len(c.Groups), Items: len(c.Items), SHA256: hex.EncodeToString(sum[:])}
}

func importedBy(a auditlog.Actor) string {
	if a.Email != "" {
		return a.Email
	}
	return string(a.Kind) + ":" + a.UserID
}

// SaveImportedCatalog stores c as one of the organisation's catalogs, audited in the same
// transaction. An existing import with the same id is refused with a conflict unless replace
// is set; then it is replaced and the audit row keeps what it replaced.
func (db *DB) SaveImportedCatalog(ctx context.Context, orgID string, c *catalog.Catalog, replace bool, actor auditlog.Actor) (catalog.Imported, error) {
	doc, err := json.Marshal(c)
	if err != nil {
		return catalog.Imported{}, fmt.Errorf("encode catalog %s: %w", c.ID, err)
	}
	im := catalog.Imported{CatalogID: c.ID, Version: c.Version, Title: c.Title, ImportedAt: now(), ImportedBy: importedBy(actor), Catalog: c}
	err = db.write(ctx, func(tx *sql.Tx) error {
		var oldVersion, oldDoc string
		err := tx.QueryRowContext(ctx, `SELECT version, document FROM imported_catalogs WHERE org_id = $1 AND catalog_id = $2`,
			orgID, c.ID).Scan(&oldVersion, &oldDoc)
		exists := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read imported catalog: %w", err)
		}
		if exists && !replace {
			return &fault.Error{Code: fault.Conflict,
				Message: fmt.Sprintf("catalog %q (version %s) was already imported; replace it explicitly to load version %s", c.ID, oldVersion, c.Version),
				Fields:  []fault.FieldError{{Field: "id", Message: "already exists"}}}
		}
		ch := change{OrgID: orgID, Actor: actor, Action: auditlog.Create, RecordType: "catalog", RecordID: c.ID, After: auditOfCatalog(c, doc)}
		if exists {
			var old catalog.Catalog
			if err := json.Unmarshal([]byte(oldDoc), &old); err != nil {
				return fmt.Errorf("decode imported catalog %s: %w", c.ID, err)
			}
			ch.Action, ch.Before = auditlog.Update, auditOfCatalog(&old, []byte(oldDoc))
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO imported_catalogs (org_id, catalog_id, version, title, document, imported_at, imported_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (org_id, catalog_id) DO UPDATE SET version = excluded.version, title = excluded.title,
				document = excluded.document, imported_at = excluded.imported_at, imported_by = excluded.imported_by`,
			orgID, c.ID, c.Version, c.Title, string(doc), im.ImportedAt, im.ImportedBy)
		if isForeignKeyViolation(err) {
			return fault.NotFoundf("organisation", orgID)
		}
		if err != nil {
			return fmt.Errorf("save imported catalog: %w", err)
		}
		return appendAudit(ctx, tx, ch)
	})
	if err != nil {
		return catalog.Imported{}, err
	}
	return im, nil
}

// ImportedCatalogList lists the organisation's imports without their documents.
func (db *DB) ImportedCatalogList(ctx context.Context, orgID string) ([]catalog.Imported, error) {
	return db.importedCatalogs(ctx, orgID, false)
}

// ImportedCatalogs returns the organisation's imports with their catalogs, checked against
// the catalog format as they are read.
func (db *DB) ImportedCatalogs(ctx context.Context, orgID string) ([]catalog.Imported, error) {
	return db.importedCatalogs(ctx, orgID, true)
}

func (db *DB) importedCatalogs(ctx context.Context, orgID string, withDoc bool) ([]catalog.Imported, error) {
	doc := `''`
	if withDoc {
		doc = `document`
	}
	rows, err := db.r.QueryContext(ctx, `SELECT catalog_id, version, title, imported_at, imported_by, `+doc+`
		FROM imported_catalogs WHERE org_id = $1 ORDER BY catalog_id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list imported catalogs: %w", err)
	}
	defer rows.Close()
	out := []catalog.Imported{}
	for rows.Next() {
		var im catalog.Imported
		var document string
		if err := rows.Scan(&im.CatalogID, &im.Version, &im.Title, &im.ImportedAt, &im.ImportedBy, &document); err != nil {
			return nil, fmt.Errorf("read imported catalog: %w", err)
		}
		im.ImportedAt = im.ImportedAt.UTC()
		if withDoc {
			var c catalog.Catalog
			if err := json.Unmarshal([]byte(document), &c); err != nil {
				return nil, fmt.Errorf("decode imported catalog %s: %w", im.CatalogID, err)
			}
			if err := c.Validate("imported catalog " + im.CatalogID); err != nil {
				return nil, fmt.Errorf("stored catalog no longer valid: %w", err)
			}
			im.Catalog = &c
		}
		out = append(out, im)
	}
	return out, rows.Err()
}

// DeleteImportedCatalog removes one of the organisation's imports, audited.
func (db *DB) DeleteImportedCatalog(ctx context.Context, orgID, catalogID string, actor auditlog.Actor) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		var version, document string
		err := tx.QueryRowContext(ctx, `SELECT version, document FROM imported_catalogs WHERE org_id = $1 AND catalog_id = $2`,
			orgID, catalogID).Scan(&version, &document)
		if errors.Is(err, sql.ErrNoRows) {
			return fault.NotFoundf("imported catalog", catalogID)
		}
		if err != nil {
			return fmt.Errorf("read imported catalog: %w", err)
		}
		var old catalog.Catalog
		if err := json.Unmarshal([]byte(document), &old); err != nil {
			return fmt.Errorf("decode imported catalog %s: %w", catalogID, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM imported_catalogs WHERE org_id = $1 AND catalog_id = $2`, orgID, catalogID); err != nil {
			return fmt.Errorf("delete imported catalog: %w", err)
		}
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Delete, RecordType: "catalog",
			RecordID: catalogID, Before: auditOfCatalog(&old, []byte(document))})
	})
}

// isForeignKeyViolation reports a reference to a missing row on either engine.
func isForeignKeyViolation(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "FOREIGN KEY constraint failed") || strings.Contains(err.Error(), "SQLSTATE 23503"))
}
