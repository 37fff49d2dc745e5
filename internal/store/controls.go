package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/control"
	"github.com/annexa-dev/annexa/internal/fault"
)

const controlColumns = `id, org_id, ref, title, description, owner_id, status, frequency, generated, generated_from, version, created_at, updated_at`

func scanControl(row interface{ Scan(...any) error }) (control.Control, error) {
	var c control.Control
	var status, freq string
	if err := row.Scan(&c.ID, &c.OrgID, &c.Ref, &c.Title, &c.Description, &c.OwnerID, &status, &freq, &c.Generated, &c.GeneratedFrom,
		&c.Version, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return c, err
	}
	c.Status, c.Frequency = control.Status(status), control.Frequency(freq)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, nil
}

// loadLinks fills the links of the given controls in one query.
func loadLinks(ctx context.Context, q querier, orgID string, cs []control.Control) error {
	if len(cs) == 0 {
		return nil
	}
	idx := map[string]int{}
	args := []any{orgID}
	for i := range cs {
		idx[cs[i].ID] = i
		cs[i].Links = []control.RequirementRef{}
		args = append(args, cs[i].ID)
	}
	rows, err := q.QueryContext(ctx, `SELECT control_id, catalog_id, item_id FROM control_links WHERE org_id = $1 AND control_id IN (`+
		placeholders(2, len(cs))+`) ORDER BY control_id, position`, args...)
	if err != nil {
		return fmt.Errorf("read control links: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var l control.RequirementRef
		if err := rows.Scan(&id, &l.Catalog, &l.Item); err != nil {
			return fmt.Errorf("read control links: %w", err)
		}
		if i, ok := idx[id]; ok {
			cs[i].Links = append(cs[i].Links, l)
		}
	}
	return rows.Err()
}

func writeLinks(ctx context.Context, tx *sql.Tx, c control.Control) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM control_links WHERE org_id = $1 AND control_id = $2`, c.OrgID, c.ID); err != nil {
		return fmt.Errorf("replace control links: %w", err)
	}
	for i, l := range c.Links {
		if _, err := tx.ExecContext(ctx, `INSERT INTO control_links (org_id, control_id, catalog_id, item_id, position) VALUES ($1, $2, $3, $4, $5)`,
			c.OrgID, c.ID, l.Catalog, l.Item, i); err != nil {
			return fmt.Errorf("write control link: %w", err)
		}
	}
	return nil
}

func duplicateRef(err error, ref string) error {
	if isUniqueViolation(err) {
		return &fault.Error{Code: fault.Conflict, Message: "another control already has this reference",
			Fields: []fault.FieldError{{Field: "ref", Message: fmt.Sprintf("%q is taken by another control", ref)}}}
	}
	return err
}

func insertControl(ctx context.Context, tx *sql.Tx, c control.Control) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO controls (`+controlColumns+`, title_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		c.ID, c.OrgID, c.Ref, c.Title, c.Description, c.OwnerID, string(c.Status), string(c.Frequency), c.Generated, c.GeneratedFrom,
		c.Version, c.CreatedAt, c.UpdatedAt, strings.ToLower(c.Title)); err != nil {
		return duplicateRef(fmt.Errorf("insert control: %w", err), c.Ref)
	}
	return writeLinks(ctx, tx, c)
}

// CreateControl adds a control to the organisation's control set; reqs checks its links.
func (db *DB) CreateControl(ctx context.Context, orgID string, in control.Edit, reqs control.Requirements, actor auditlog.Actor) (control.Control, error) {
	if err := in.Validate(true, reqs); err != nil {
		return control.Control{}, err
	}
	t := now()
	c := in.Apply(control.Control{ID: uuid.Must(uuid.NewV7()).String(), OrgID: orgID, Version: 1, CreatedAt: t, UpdatedAt: t})
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := checkOwner(ctx, tx, orgID, c.OwnerID); err != nil {
			return err
		}
		if err := insertControl(ctx, tx, c); err != nil {
			return err
		}
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Create, RecordType: "control", RecordID: c.ID, After: c})
	})
	return c, err
}

// Control returns one of the organisation's controls with its links.
func (db *DB) Control(ctx context.Context, orgID, id string) (control.Control, error) {
	return getControl(ctx, db.r, orgID, id)
}

func getControl(ctx context.Context, q querier, orgID, id string) (control.Control, error) {
	c, err := scanControl(q.QueryRowContext(ctx, `SELECT `+controlColumns+` FROM controls WHERE org_id = $1 AND id = $2`, orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fault.NotFoundf("control", id)
	}
	if err != nil {
		return c, fmt.Errorf("read control: %w", err)
	}
	cs := []control.Control{c}
	if err := loadLinks(ctx, q, orgID, cs); err != nil {
		return c, err
	}
	return cs[0], nil
}

// Controls lists the organisation's controls by title, filtered.
func (db *DB) Controls(ctx context.Context, orgID string, f control.Filter, page PageRequest) (Page[control.Control], error) {
	if err := f.Validate(); err != nil {
		return Page[control.Control]{}, err
	}
	page = page.normalise()
	w := newConditions("c.org_id = $1", orgID)
	if f.Query != "" {
		w.add(`(c.title_key LIKE ? ESCAPE '\' OR LOWER(c.ref) LIKE ? ESCAPE '\' OR LOWER(c.description) LIKE ? ESCAPE '\')`,
			likePattern(f.Query), likePattern(f.Query), likePattern(f.Query))
	}
	if f.Status != "" {
		w.add("c.status = ?", string(f.Status))
	}
	if f.OwnerID != "" {
		w.add("c.owner_id = ?", f.OwnerID)
	}
	if f.Generated != nil {
		w.add("c.generated = ?", *f.Generated)
	}
	if f.Requirement != nil {
		w.add("EXISTS (SELECT 1 FROM control_links l WHERE l.control_id = c.id AND l.org_id = c.org_id AND l.catalog_id = ? AND l.item_id = ?)",
			f.Requirement.Catalog, f.Requirement.Item)
	}
	if k := page.cursorKey(); k != "" {
		title, id, ok := strings.Cut(k, "\x00")
		if !ok {
			return Page[control.Control]{}, fault.New(fault.Invalid, "bad cursor")
		}
		w.add("(c.title_key > ? OR (c.title_key = ? AND c.id > ?))", title, title, id)
	}
	w.args = append(w.args, page.Limit+1)
	cols := "c." + strings.ReplaceAll(controlColumns, ", ", ", c.")
	rows, err := db.r.QueryContext(ctx, `SELECT `+cols+` FROM controls c WHERE `+strings.Join(w.where, " AND ")+
		` ORDER BY c.title_key, c.id LIMIT $`+strconv.Itoa(len(w.args)), w.args...)
	if err != nil {
		return Page[control.Control]{}, fmt.Errorf("list controls: %w", err)
	}
	var items []control.Control
	for rows.Next() {
		c, err := scanControl(rows)
		if err != nil {
			rows.Close()
			return Page[control.Control]{}, fmt.Errorf("read control: %w", err)
		}
		items = append(items, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Page[control.Control]{}, fmt.Errorf("list controls: %w", err)
	}
	out := finish(items, page.Limit, func(c control.Control) string { return strings.ToLower(c.Title) + "\x00" + c.ID })
	return out, loadLinks(ctx, db.r, orgID, out.Items)
}

// AllControls returns every control of the organisation with its links: the SoA and
// readiness read the whole control set at once.
func (db *DB) AllControls(ctx context.Context, orgID string) ([]control.Control, error) {
	return allControls(ctx, db.r, orgID)
}

func allControls(ctx context.Context, q querier, orgID string) ([]control.Control, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+controlColumns+` FROM controls WHERE org_id = $1 ORDER BY title_key, id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list controls: %w", err)
	}
	out := []control.Control{}
	for rows.Next() {
		c, err := scanControl(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("read control: %w", err)
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Links for all controls at once: one query rather than one per control.
	if len(out) == 0 {
		return out, nil
	}
	idx := map[string]int{}
	for i := range out {
		idx[out[i].ID] = i
		out[i].Links = []control.RequirementRef{}
	}
	lrows, err := q.QueryContext(ctx, `SELECT control_id, catalog_id, item_id FROM control_links WHERE org_id = $1 ORDER BY control_id, position`, orgID)
	if err != nil {
		return nil, fmt.Errorf("read control links: %w", err)
	}
	defer lrows.Close()
	for lrows.Next() {
		var id string
		var l control.RequirementRef
		if err := lrows.Scan(&id, &l.Catalog, &l.Item); err != nil {
			return nil, fmt.Errorf("read control links: %w", err)
		}
		if i, ok := idx[id]; ok {
			out[i].Links = append(out[i].Links, l)
		}
	}
	return out, lrows.Err()
}

func updateControlRow(ctx context.Context, tx *sql.Tx, before, after control.Control) error {
	res, err := tx.ExecContext(ctx, `UPDATE controls SET ref = $1, title = $2, title_key = $3, description = $4, owner_id = $5, status = $6,
		frequency = $7, generated = $8, version = $9, updated_at = $10 WHERE org_id = $11 AND id = $12 AND version = $13`,
		after.Ref, after.Title, strings.ToLower(after.Title), after.Description, after.OwnerID, string(after.Status), string(after.Frequency),
		after.Generated, after.Version, after.UpdatedAt, after.OrgID, after.ID, before.Version)
	if err != nil {
		return duplicateRef(fmt.Errorf("update control: %w", err), after.Ref)
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return staleVersion("control", before.Version)
	}
	return writeLinks(ctx, tx, after)
}

// UpdateControl applies a partial update. Any update by a person takes a generated starter
// control on as the organisation's own.
func (db *DB) UpdateControl(ctx context.Context, orgID, id string, in control.Edit, reqs control.Requirements, ifVersion *int64, actor auditlog.Actor) (control.Control, error) {
	if err := in.Validate(false, reqs); err != nil {
		return control.Control{}, err
	}
	var out control.Control
	err := db.write(ctx, func(tx *sql.Tx) error {
		before, err := getControl(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != before.Version {
			return staleVersion("control", before.Version)
		}
		after := in.Apply(before)
		if in.OwnerID != nil && after.OwnerID != before.OwnerID {
			if err := checkOwner(ctx, tx, orgID, after.OwnerID); err != nil {
				return err
			}
		}
		after.Version, after.UpdatedAt = before.Version+1, now()
		if err := updateControlRow(ctx, tx, before, after); err != nil {
			return err
		}
		out = after
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Update, RecordType: "control", RecordID: id, Before: before, After: after})
	})
	return out, err
}

// DeleteControl removes a control with its links; evidence linked to it is unlinked.
func (db *DB) DeleteControl(ctx context.Context, orgID, id string, ifVersion *int64, actor auditlog.Actor) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		before, err := getControl(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != before.Version {
			return staleVersion("control", before.Version)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM evidence_links WHERE org_id = $1 AND record_type = 'control' AND record_id = $2`, orgID, id); err != nil {
			return fmt.Errorf("unlink evidence: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM controls WHERE org_id = $1 AND id = $2`, orgID, id); err != nil {
			return fmt.Errorf("delete control: %w", err)
		}
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Delete, RecordType: "control", RecordID: id, Before: before})
	})
}

// GenerateControls creates one generated starter control per control of cat that no
// control of the organisation is linked to yet; generating twice creates nothing new.
func (db *DB) GenerateControls(ctx context.Context, orgID string, cat *catalog.Catalog, actor auditlog.Actor) (control.GenerateResult, error) {
	res := control.GenerateResult{Catalog: cat.ID, Created: []control.Control{}}
	err := db.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT item_id FROM control_links WHERE org_id = $1 AND catalog_id = $2`, orgID, cat.ID)
		if err != nil {
			return fmt.Errorf("read control links: %w", err)
		}
		linked := map[string]bool{}
		for rows.Next() {
			var it string
			if err := rows.Scan(&it); err != nil {
				rows.Close()
				return err
			}
			linked[it] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		starters, skipped := control.Starters(cat, func(id string) bool { return linked[id] })
		res.Skipped = skipped
		t := now()
		for i, c := range starters {
			c.ID, c.OrgID, c.Version = uuid.Must(uuid.NewV7()).String(), orgID, 1
			// Distinct microseconds keep the catalog's order among equal titles' ids.
			c.CreatedAt, c.UpdatedAt = t.Add(time.Duration(i)*time.Microsecond), t.Add(time.Duration(i)*time.Microsecond)
			c.Normalise()
			if err := insertControl(ctx, tx, c); err != nil {
				return err
			}
			if err := appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Create, RecordType: "control", RecordID: c.ID, After: c}); err != nil {
				return err
			}
			res.Created = append(res.Created, c)
		}
		return nil
	})
	return res, err
}

// MergeControls folds control fromID into intoID: links are joined, evidence linked to the
// merged control moves over, and the merged control is deleted — all in one transaction.
func (db *DB) MergeControls(ctx context.Context, orgID, fromID, intoID string, actor auditlog.Actor) (control.Control, error) {
	if fromID == intoID {
		return control.Control{}, &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields",
			Fields: []fault.FieldError{{Field: "into", Message: "must be another control than the one merged"}}}
	}
	var out control.Control
	err := db.write(ctx, func(tx *sql.Tx) error {
		from, err := getControl(ctx, tx, orgID, fromID)
		if err != nil {
			return err
		}
		into, err := getControl(ctx, tx, orgID, intoID)
		if err != nil {
			if fault.Is(err, fault.NotFound) {
				return &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields",
					Fields: []fault.FieldError{{Field: "into", Message: "is not a control of this organisation"}}}
			}
			return err
		}
		after := control.Merge(into, from)
		after.Version, after.UpdatedAt = into.Version+1, now()
		// Move evidence links that the surviving control does not have yet, then drop the rest.
		if _, err := tx.ExecContext(ctx, `UPDATE evidence_links SET record_id = $1 WHERE org_id = $2 AND record_type = 'control' AND record_id = $3
			AND evidence_id NOT IN (SELECT evidence_id FROM evidence_links WHERE org_id = $2 AND record_type = 'control' AND record_id = $1)`,
			intoID, orgID, fromID); err != nil {
			return fmt.Errorf("move evidence links: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM evidence_links WHERE org_id = $1 AND record_type = 'control' AND record_id = $2`, orgID, fromID); err != nil {
			return fmt.Errorf("move evidence links: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM controls WHERE org_id = $1 AND id = $2`, orgID, fromID); err != nil {
			return fmt.Errorf("delete merged control: %w", err)
		}
		if err := updateControlRow(ctx, tx, into, after); err != nil {
			return err
		}
		if err := appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Delete, RecordType: "control", RecordID: fromID,
			Before: from, After: map[string]string{"merged_into": intoID}}); err != nil {
			return err
		}
		out = after
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Update, RecordType: "control", RecordID: intoID, Before: into, After: after})
	})
	return out, err
}
