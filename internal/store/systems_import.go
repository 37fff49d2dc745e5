package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

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
func (db *DB) ImportSystems(ctx context.Context, orgID string, rows []inventory.Row, opts inventory.ImportOptions, actor auditlog.Actor) (inventory.ImportReport, error) {
	rep := inventory.ImportReport{DryRun: opts.DryRun, Rows: len(rows), Systems: []inventory.ImportedRow{}, Errors: []fault.FieldError{}}
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
		for _, r := range rows {
			if r.Invalid() {
				rep.Skipped++
				rep.Errors = append(rep.Errors, r.SortedErrors()...)
				continue
			}
			var s inventory.System
			action := "created"
			if before, ok := existing[r.ID]; ok {
				action = "updated"
				if s, err = updateSystem(ctx, tx, before, r.Input, actor, t); err != nil {
					return fmt.Errorf("line %d: %w", r.Line, err)
				}
				rep.Updated++
			} else {
				s = r.Input.Apply(inventory.System{ID: uuid.Must(uuid.NewV7()).String(), OrgID: orgID, Version: 1, CreatedAt: t, UpdatedAt: t})
				if s, err = insertSystem(ctx, tx, s, actor, t); err != nil {
					return fmt.Errorf("line %d: %w", r.Line, err)
				}
				rep.Created++
			}
			rep.Systems = append(rep.Systems, inventory.ImportedRow{Line: r.Line, ID: s.ID, Name: s.Name, Action: action, Tier: s.Tier()})
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
		return inventory.ImportReport{}, err
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
