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
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/inventory"
)

// errDryRun rolls back a dry run's transaction after everything was checked and written.
var errDryRun = errors.New("dry run")

// ImportSystems writes many systems in one transaction: rows with an id update that system,
// the others create one; every system gets its own audit entry and classification. Every row
// is checked first — its own problems, then its owner's address and its id against the
// organisation — and unless opts.SkipInvalid any bad row refuses the whole import with every
// problem named by line and column, changing nothing. A dry run does all the work and rolls
// it back, so its report is exactly what the import would do.
func (db *DB) ImportSystems(ctx context.Context, orgID string, rows []inventory.Row, opts inventory.ImportOptions, actor auditlog.Actor) (inventory.RegisterImport, error) {
	rep := inventory.RegisterImport{DryRun: opts.DryRun, Rows: len(rows), Systems: []inventory.ImportedRow{}, Errors: []fault.FieldError{}}
	err := db.write(ctx, func(tx *sql.Tx) error {
		owners, err := memberIDsByEmail(ctx, tx, orgID)
		if err != nil {
			return err
		}
		existing := map[string]inventory.System{}
		seen := map[string]int{}
		for i := range rows {
			r := &rows[i]
			if r.OwnerEmail != nil {
				email := auth.NormaliseEmail(*r.OwnerEmail)
				id := ""
				if email != "" {
					var ok bool
					if id, ok = owners[email]; !ok {
						r.Fail("owner", "no person with the e-mail address %q belongs to this organisation", *r.OwnerEmail)
					}
				}
				r.Input.OwnerID = &id
			}
			// An AI system owner's rows are theirs: an empty owner is them, on updates too.
			if opts.OnlyOwner != "" && (r.Input.OwnerID == nil || *r.Input.OwnerID == "") {
				self := opts.OnlyOwner
				r.Input.OwnerID = &self
			}
			if opts.OnlyOwner != "" && r.Input.OwnerID != nil && *r.Input.OwnerID != opts.OnlyOwner {
				r.Fail("owner", "as an AI system owner you may import only systems you own")
			}
			if r.ID == "" {
				continue
			}
			if first, dup := seen[r.ID]; dup {
				r.Fail("id", "the same system is already on line %d", first)
				continue
			}
			seen[r.ID] = r.Line
			s, err := system(ctx, tx, orgID, r.ID)
			if fault.Is(err, fault.NotFound) {
				r.Fail("id", "no AI system with this id in this organisation; leave id empty to create one")
				continue
			}
			if err != nil {
				return err
			}
			if opts.OnlyOwner != "" && s.OwnerID != opts.OnlyOwner {
				r.Fail("id", "as an AI system owner you may change only the systems you own")
				continue
			}
			existing[r.ID] = s
		}
		if !opts.SkipInvalid {
			if err := inventory.RowsError(rows); err != nil {
				return err
			}
		}
		t := now()
		// Updates first, one by one; then the new systems in multi-row INSERTs, their audit
		// entries chained in memory and the chain head written once. Reports keep file order.
		done := make([]*inventory.ImportedRow, len(rows))
		var creates []int
		for i, r := range rows {
			if r.Invalid() {
				rep.Skipped++
				rep.Errors = append(rep.Errors, r.SortedErrors()...)
				continue
			}
			before, ok := existing[r.ID]
			if !ok {
				creates = append(creates, i)
				continue
			}
			s, err := updateSystem(ctx, tx, before, r.Input, actor, t)
			if err != nil {
				return fmt.Errorf("line %d: %w", r.Line, err)
			}
			rep.Updated++
			done[i] = &inventory.ImportedRow{Line: r.Line, ID: s.ID, Name: s.Name, Action: "updated", Tier: s.Tier()}
		}
		if len(creates) > 0 {
			w, err := newBulkCreate(ctx, tx, db.Dialect, orgID, actor)
			if err != nil {
				return err
			}
			for _, i := range creates {
				r := rows[i]
				s := r.Input.Apply(inventory.System{ID: uuid.Must(uuid.NewV7()).String(), OrgID: orgID, Version: 1, CreatedAt: t, UpdatedAt: t})
				if err := w.add(ctx, s, t); err != nil {
					return fmt.Errorf("line %d: %w", r.Line, err)
				}
				rep.Created++
				done[i] = &inventory.ImportedRow{Line: r.Line, ID: s.ID, Name: s.Name, Action: "created", Tier: w.last.Tier()}
			}
			if err := w.finish(ctx); err != nil {
				return err
			}
		}
		for _, d := range done {
			if d != nil {
				rep.Systems = append(rep.Systems, *d)
			}
		}
		if opts.DryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	if err != nil {
		return inventory.RegisterImport{}, err
	}
	return rep, nil
}

// memberIDsByEmail maps the organisation's people's addresses to their ids.
func memberIDsByEmail(ctx context.Context, q querier, orgID string) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.email, u.id FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var email, id string
		if err := rows.Scan(&email, &id); err != nil {
			return nil, fmt.Errorf("list members: %w", err)
		}
		out[strings.ToLower(email)] = id
	}
	return out, rows.Err()
}

// MemberEmails maps the organisation's people's ids to their addresses, for exports.
func (db *DB) MemberEmails(ctx context.Context, orgID string) (map[string]string, error) {
	byEmail, err := memberIDsByEmail(ctx, db.r, orgID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(byEmail))
	for email, id := range byEmail {
		out[id] = email
	}
	return out, nil
}

// AllSystems returns every AI system of an organisation that f selects, by name.
func (db *DB) AllSystems(ctx context.Context, orgID string, f inventory.Filter) ([]inventory.System, error) {
	var out []inventory.System
	page := PageRequest{Limit: MaxLimit}
	for {
		p, err := db.Systems(ctx, orgID, f, page)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Items...)
		if p.NextCursor == "" {
			return out, nil
		}
		page.Cursor = p.NextCursor
	}
}

// bulkRows is how many systems one multi-row INSERT writes: well within both engines' limits
// on bound parameters (ai_systems has 33 columns), and few enough round trips that PostgreSQL
// over a network is not dominated by them.
const bulkRows = 200

// multiInsert gathers the rows of one table for multi-row INSERTs.
type multiInsert struct {
	// mark is the placeholder: "$n" for PostgreSQL; a bare "?" for SQLite, which looks
	// every named or numbered parameter up by a linear search when it parses and binds —
	// quadratic over a statement of thousands of parameters.
	mark string
	head string // INSERT INTO t (columns)
	ncol int
	args []any
	n    int
}

func (m *multiInsert) add(vals ...any) {
	m.args = append(m.args, vals...)
	m.n++
}

func (m *multiInsert) flush(ctx context.Context, tx *sql.Tx) error {
	if m.n == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString(m.head)
	b.WriteString(" VALUES ")
	for i := 0; i < m.n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(")
		for j := 0; j < m.ncol; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(m.mark)
			if m.mark == "$" {
				b.WriteString(strconv.Itoa(i*m.ncol + j + 1))
			}
		}
		b.WriteString(")")
	}
	if _, err := tx.ExecContext(ctx, b.String(), m.args...); err != nil {
		return fmt.Errorf("%s: %w", m.head, err)
	}
	m.args, m.n = m.args[:0], 0
	return nil
}

// bulkCreate registers many new systems in one transaction as insertSystem does one: each
// classified, with its first classification record and its own audit entry.
type bulkCreate struct {
	tx                       *sql.Tx
	orgID                    string
	actor                    auditlog.Actor
	systems, classes, audits multiInsert
	seq                      int64
	prev                     string
	last                     inventory.System
}

func newBulkCreate(ctx context.Context, tx *sql.Tx, dialect Dialect, orgID string, actor auditlog.Actor) (*bulkCreate, error) {
	mark := "$"
	if dialect == SQLite {
		mark = "?"
	}
	w := &bulkCreate{tx: tx, orgID: orgID, actor: actor,
		systems: multiInsert{mark: mark, head: `INSERT INTO ai_systems (id, org_id, ` + systemWriteColumns + `)`, ncol: 2 + len(systemArgs(inventory.System{}))},
		classes: multiInsert{mark: mark, head: `INSERT INTO ai_system_classifications (id, org_id, system_id, classified_at, tier, facts, result, cause)`, ncol: 8},
		audits:  multiInsert{mark: mark, head: `INSERT INTO audit_log (` + auditColumns + `)`, ncol: auditColumnCount},
	}
	// The chain head is locked for the whole transaction, as appendAudit locks it per entry.
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_heads (org_id, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (org_id) DO NOTHING`,
		orgID, auditlog.GenesisHash); err != nil {
		return nil, fmt.Errorf("audit head: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `UPDATE audit_heads SET seq = seq WHERE org_id = $1 RETURNING seq, hash`, orgID).Scan(&w.seq, &w.prev); err != nil {
		return nil, fmt.Errorf("lock audit head: %w", err)
	}
	return w, nil
}

func (w *bulkCreate) add(ctx context.Context, s inventory.System, t time.Time) error {
	if err := s.Classify(t); err != nil {
		return err
	}
	w.systems.add(append([]any{s.ID, s.OrgID}, systemArgs(s)...)...)
	w.classes.add(uuid.Must(uuid.NewV7()).String(), s.OrgID, s.ID, *s.ClassifiedAt, string(s.Tier()), mustJSON(s.Facts), mustJSON(s.Classification), "registered")
	after, err := auditlog.Snapshot(s)
	if err != nil {
		return err
	}
	e := chainEntry(change{OrgID: w.orgID, Actor: w.actor, Action: auditlog.Create, RecordType: "ai_system", RecordID: s.ID}, nil, after, w.seq, w.prev)
	w.seq, w.prev = e.Seq, e.Hash
	w.audits.add(auditValues(e)...)
	w.last = s
	if w.systems.n >= bulkRows {
		return w.flush(ctx)
	}
	return nil
}

// flush writes what is gathered, systems first since their classifications refer to them.
func (w *bulkCreate) flush(ctx context.Context) error {
	for _, m := range []*multiInsert{&w.systems, &w.classes, &w.audits} {
		if err := m.flush(ctx, w.tx); err != nil {
			return err
		}
	}
	return nil
}

// finish writes the rest and moves the chain head past the last entry.
func (w *bulkCreate) finish(ctx context.Context) error {
	if err := w.flush(ctx); err != nil {
		return err
	}
	if _, err := w.tx.ExecContext(ctx, `UPDATE audit_heads SET seq = $1, hash = $2 WHERE org_id = $3`, w.seq, w.prev, w.orgID); err != nil {
		return fmt.Errorf("advance audit head: %w", err)
	}
	return nil
}
