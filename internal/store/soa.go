package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/evidence"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/soa"
)

// soaCatalog checks that a catalog can have a Statement of Applicability and that the item is
// one of its controls.
func soaItem(cat *catalog.Catalog, itemID string) error {
	it, ok := cat.Item(itemID)
	if !ok || it.Kind != soa.ItemKind {
		return fault.New(fault.NotFound, "%s has no control %q in its Statement of Applicability", cat.ID, itemID)
	}
	return nil
}

// SoADecisions returns the organisation's decisions for one catalog, by item.
func (db *DB) SoADecisions(ctx context.Context, orgID, catalogID string) (map[string]soa.Stored, error) {
	return soaDecisions(ctx, db.r, orgID, catalogID)
}

func soaDecisions(ctx context.Context, q querier, orgID, catalogID string) (map[string]soa.Stored, error) {
	rows, err := q.QueryContext(ctx, `SELECT item_id, applicable, justification, updated_by, updated_at, version FROM soa_entries
		WHERE org_id = $1 AND catalog_id = $2`, orgID, catalogID)
	if err != nil {
		return nil, fmt.Errorf("read SoA: %w", err)
	}
	defer rows.Close()
	out := map[string]soa.Stored{}
	for rows.Next() {
		var s soa.Stored
		if err := rows.Scan(&s.ItemID, &s.Applicable, &s.Justification, &s.UpdatedBy, &s.UpdatedAt, &s.Version); err != nil {
			return nil, fmt.Errorf("read SoA: %w", err)
		}
		s.UpdatedAt = s.UpdatedAt.UTC()
		out[s.ItemID] = s
	}
	return out, rows.Err()
}

// DecideSoA records a person's applicability decision for one control of the catalog.
func (db *DB) DecideSoA(ctx context.Context, orgID string, cat *catalog.Catalog, itemID string, d soa.Decision, ifVersion *int64, actor auditlog.Actor) (soa.Stored, error) {
	if err := soaItem(cat, itemID); err != nil {
		return soa.Stored{}, err
	}
	if err := d.Validate(); err != nil {
		return soa.Stored{}, err
	}
	var out soa.Stored
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = decide(ctx, tx, orgID, cat.ID, itemID, *d.Applicable, strings.TrimSpace(d.Justification), ifVersion, actor)
		return err
	})
	return out, err
}

func decide(ctx context.Context, tx *sql.Tx, orgID, catalogID, itemID string, applicable bool, justification string, ifVersion *int64, actor auditlog.Actor) (soa.Stored, error) {
	current, err := soaDecisions(ctx, tx, orgID, catalogID)
	if err != nil {
		return soa.Stored{}, err
	}
	before, had := current[itemID]
	if ifVersion != nil && (!had && *ifVersion != 0 || had && *ifVersion != before.Version) {
		return soa.Stored{}, staleVersion("SoA entry", before.Version)
	}
	after := soa.Stored{ItemID: itemID, Applicable: applicable, Justification: justification, UpdatedBy: actor.UserID, UpdatedAt: now(), Version: before.Version + 1}
	if _, err := tx.ExecContext(ctx, `INSERT INTO soa_entries (org_id, catalog_id, item_id, applicable, justification, state, updated_by, version, updated_at)
		VALUES ($1, $2, $3, $4, $5, 'confirmed', $6, $7, $8)
		ON CONFLICT (org_id, catalog_id, item_id) DO UPDATE SET applicable = excluded.applicable, justification = excluded.justification,
			state = excluded.state, updated_by = excluded.updated_by, version = excluded.version, updated_at = excluded.updated_at`,
		orgID, catalogID, itemID, applicable, justification, after.UpdatedBy, after.Version, after.UpdatedAt); err != nil {
		return after, fmt.Errorf("write SoA entry: %w", err)
	}
	action := auditlog.Create
	var b any
	if had {
		action, b = auditlog.Update, before
	}
	return after, appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: action, RecordType: "soa_entry", RecordID: catalogID + ":" + itemID, Before: b, After: after})
}

// AcceptProposals confirms every current proposal for a control nobody has decided yet, with
// the proposal's justification; decided rows are left as they are. It returns how many.
func (db *DB) AcceptProposals(ctx context.Context, orgID string, cat *catalog.Catalog, proposals map[string]soa.Proposal, actor auditlog.Actor) (int, error) {
	n := 0
	err := db.write(ctx, func(tx *sql.Tx) error {
		current, err := soaDecisions(ctx, tx, orgID, cat.ID)
		if err != nil {
			return err
		}
		for _, it := range cat.Items {
			p, ok := proposals[it.ID]
			if _, decided := current[it.ID]; decided || !ok || it.Kind != soa.ItemKind {
				continue
			}
			if _, err := decide(ctx, tx, orgID, cat.ID, it.ID, p.Applicable, p.Justification, nil, actor); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// SoAProposals computes the inventory's proposals for ISO/IEC 42001 (none for other catalogs).
func (db *DB) SoAProposals(ctx context.Context, orgID, catalogID string, lib *catalog.Library) (map[string]soa.Proposal, error) {
	if catalogID != inventory.ISO42001 {
		return map[string]soa.Proposal{}, nil
	}
	rules, err := inventory.DefaultRules()
	if err != nil {
		return nil, fault.Wrap(err, "load applicability rules")
	}
	systems, err := db.AllSystems(ctx, orgID, inventory.Filter{})
	if err != nil {
		return nil, err
	}
	return soa.Propose(systems, rules, lib), nil
}

// SoAStatement builds the statement of one catalog as it stands now: decisions, proposals,
// implementing controls with their status, and evidence on the requirement and its controls.
// lib resolves the crosswalks the proposals follow (the built-in library).
func (db *DB) SoAStatement(ctx context.Context, orgID string, cat *catalog.Catalog, lib *catalog.Library) (soa.Statement, error) {
	return db.soaStatement(ctx, orgID, cat, lib, true)
}

// SoAStatementWithoutProposals is the statement as decided, without computing the register's
// proposals, which reads every AI system: readiness needs only the decisions.
func (db *DB) SoAStatementWithoutProposals(ctx context.Context, orgID string, cat *catalog.Catalog) (soa.Statement, error) {
	return db.soaStatement(ctx, orgID, cat, nil, false)
}

func (db *DB) soaStatement(ctx context.Context, orgID string, cat *catalog.Catalog, lib *catalog.Library, withProposals bool) (soa.Statement, error) {
	o, err := db.Organisation(ctx, orgID)
	if err != nil {
		return soa.Statement{}, err
	}
	decisions, err := db.SoADecisions(ctx, orgID, cat.ID)
	if err != nil {
		return soa.Statement{}, err
	}
	controls, err := db.AllControls(ctx, orgID)
	if err != nil {
		return soa.Statement{}, err
	}
	var records []evidence.Attachment
	for _, it := range cat.Items {
		if it.Kind == soa.ItemKind {
			records = append(records, evidence.Attachment{RecordType: evidence.ToRequirement, RecordID: cat.ID + ":" + it.ID})
		}
	}
	for _, c := range controls {
		records = append(records, evidence.Attachment{RecordType: evidence.ToControl, RecordID: c.ID})
	}
	ev, err := db.EvidenceFor(ctx, orgID, records)
	if err != nil {
		return soa.Statement{}, err
	}
	proposals := map[string]soa.Proposal{}
	if withProposals {
		if proposals, err = db.SoAProposals(ctx, orgID, cat.ID, lib); err != nil {
			return soa.Statement{}, err
		}
	}
	scope := o.ISMSScope
	switch {
	case cat.ID == inventory.ISO42001:
		scope = o.AIMSScope
	case cat.ID != "iso27001-2022" && o.AIMSScope != "":
		scope = strings.TrimSpace(o.ISMSScope + "\n\n" + o.AIMSScope)
	}
	return soa.Build(soa.Inputs{Catalog: cat, Organisation: o.Name, Scope: scope, Decisions: decisions, Controls: controls,
		Evidence: ev, Proposals: proposals, Now: now()}), nil
}

const soaVersionColumns = `catalog_id, number, note, prepared_by, prepared_by_email, prepared_at, approved_by, approved_by_email, approved_at`

func scanSoAVersion(row interface{ Scan(...any) error }, withSnapshot bool) (soa.Version, error) {
	var v soa.Version
	var approved sql.NullTime
	var snap string
	dest := []any{&v.Catalog, &v.Number, &v.Note, &v.PreparedBy, &v.PreparedByEmail, &v.PreparedAt, &v.ApprovedBy, &v.ApprovedByEmail, &approved}
	if withSnapshot {
		dest = append(dest, &snap)
	}
	if err := row.Scan(dest...); err != nil {
		return v, err
	}
	v.PreparedAt = v.PreparedAt.UTC()
	v.ApprovedAt = timePtr(approved)
	if withSnapshot {
		var st soa.Statement
		if err := json.Unmarshal([]byte(snap), &st); err != nil {
			return v, fmt.Errorf("SoA version %d: %w", v.Number, err)
		}
		v.Statement = &st
	}
	return v, nil
}

// CreateSoAVersion freezes st as the catalog's next version, prepared by the actor.
func (db *DB) CreateSoAVersion(ctx context.Context, orgID string, st soa.Statement, note string, actor auditlog.Actor) (soa.Version, error) {
	if err := (soa.NewVersion{Note: note}).Validate(); err != nil {
		return soa.Version{}, err
	}
	v := soa.Version{Catalog: st.Catalog, Note: strings.TrimSpace(note), PreparedBy: actor.UserID, PreparedByEmail: actor.Email, PreparedAt: now(), Statement: &st}
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(number), 0) + 1 FROM soa_versions WHERE org_id = $1 AND catalog_id = $2`, orgID, st.Catalog).Scan(&v.Number); err != nil {
			return fmt.Errorf("next SoA version: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO soa_versions (id, org_id, catalog_id, number, note, snapshot, prepared_by, prepared_by_email, prepared_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, uuid.Must(uuid.NewV7()).String(), orgID, st.Catalog, v.Number, v.Note, mustJSON(st),
			v.PreparedBy, v.PreparedByEmail, v.PreparedAt); err != nil {
			if isUniqueViolation(err) {
				return fault.New(fault.Conflict, "another version of this SoA was created at the same moment; try again")
			}
			return fmt.Errorf("insert SoA version: %w", err)
		}
		summary := v
		summary.Statement = nil
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Create, RecordType: "soa_version",
			RecordID: st.Catalog + ":" + strconv.FormatInt(v.Number, 10), After: map[string]any{"version": summary, "summary": st.Summary}})
	})
	return v, err
}

// SoAVersions lists a catalog's versions, newest first, without their tables.
func (db *DB) SoAVersions(ctx context.Context, orgID, catalogID string) ([]soa.Version, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+soaVersionColumns+` FROM soa_versions WHERE org_id = $1 AND catalog_id = $2 ORDER BY number DESC`, orgID, catalogID)
	if err != nil {
		return nil, fmt.Errorf("list SoA versions: %w", err)
	}
	defer rows.Close()
	out := []soa.Version{}
	for rows.Next() {
		v, err := scanSoAVersion(rows, false)
		if err != nil {
			return nil, fmt.Errorf("read SoA version: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// SoAVersion returns one version with its frozen table.
func (db *DB) SoAVersion(ctx context.Context, orgID, catalogID string, n int64) (soa.Version, error) {
	return soaVersion(ctx, db.r, orgID, catalogID, n)
}

func soaVersion(ctx context.Context, q querier, orgID, catalogID string, n int64) (soa.Version, error) {
	v, err := scanSoAVersion(q.QueryRowContext(ctx, `SELECT `+soaVersionColumns+`, snapshot FROM soa_versions WHERE org_id = $1 AND catalog_id = $2 AND number = $3`,
		orgID, catalogID, n), true)
	if errors.Is(err, sql.ErrNoRows) {
		return v, fault.NotFoundf("SoA version", catalogID+" "+strconv.FormatInt(n, 10))
	}
	if err != nil {
		return v, fmt.Errorf("read SoA version: %w", err)
	}
	return v, nil
}

// ApproveSoAVersion approves version n: it must be the newest, not approved yet, complete,
// and — when the organisation requires four eyes — not prepared by the approver. Nothing
// changes when it is refused.
func (db *DB) ApproveSoAVersion(ctx context.Context, orgID, catalogID string, n int64, actor auditlog.Actor) (soa.Version, error) {
	var out soa.Version
	err := db.write(ctx, func(tx *sql.Tx) error {
		v, err := soaVersion(ctx, tx, orgID, catalogID, n)
		if err != nil {
			if fault.Is(err, fault.NotFound) {
				return &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields",
					Fields: []fault.FieldError{{Field: "version", Message: fmt.Sprintf("%s has no version %d", catalogID, n)}}}
			}
			return err
		}
		var latest int64
		if err := tx.QueryRowContext(ctx, `SELECT MAX(number) FROM soa_versions WHERE org_id = $1 AND catalog_id = $2`, orgID, catalogID).Scan(&latest); err != nil {
			return fmt.Errorf("read SoA versions: %w", err)
		}
		if n != latest {
			return fault.New(fault.Conflict, "version %d is superseded by version %d; approve the newest version", n, latest)
		}
		settings, err := soaSettings(ctx, tx, orgID)
		if err != nil {
			return err
		}
		if err := soa.CheckApproval(v, actor.UserID, settings.FourEyes); err != nil {
			return err
		}
		t := now()
		res, err := tx.ExecContext(ctx, `UPDATE soa_versions SET approved_by = $1, approved_by_email = $2, approved_at = $3
			WHERE org_id = $4 AND catalog_id = $5 AND number = $6 AND approved_at IS NULL`, actor.UserID, actor.Email, t, orgID, catalogID, n)
		if err != nil {
			return fmt.Errorf("approve SoA version: %w", err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return fault.New(fault.Conflict, "version %d was approved at the same moment by someone else", n)
		}
		before := v
		before.Statement = nil
		v.ApprovedBy, v.ApprovedByEmail, v.ApprovedAt = actor.UserID, actor.Email, &t
		out = v
		after := v
		after.Statement = nil
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Update, RecordType: "soa_version",
			RecordID: catalogID + ":" + strconv.FormatInt(n, 10), Before: before, After: after})
	})
	return out, err
}

// SoASettings returns the organisation's SoA rules (four eyes off until someone sets it).
func (db *DB) SoASettings(ctx context.Context, orgID string) (soa.Settings, error) {
	return soaSettings(ctx, db.r, orgID)
}

func soaSettings(ctx context.Context, q querier, orgID string) (soa.Settings, error) {
	var s soa.Settings
	err := q.QueryRowContext(ctx, `SELECT four_eyes, version, updated_at FROM soa_settings WHERE org_id = $1`, orgID).Scan(&s.FourEyes, &s.Version, &s.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return soa.Settings{Version: 0, UpdatedAt: time.Time{}}, nil
	}
	if err != nil {
		return s, fmt.Errorf("read SoA settings: %w", err)
	}
	s.UpdatedAt = s.UpdatedAt.UTC()
	return s, nil
}

// UpdateSoASettings changes the organisation's SoA rules.
func (db *DB) UpdateSoASettings(ctx context.Context, orgID string, p soa.SettingsPatch, ifVersion *int64, actor auditlog.Actor) (soa.Settings, error) {
	var out soa.Settings
	err := db.write(ctx, func(tx *sql.Tx) error {
		before, err := soaSettings(ctx, tx, orgID)
		if err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != before.Version {
			return staleVersion("SoA settings", before.Version)
		}
		after := before
		if p.FourEyes != nil {
			after.FourEyes = *p.FourEyes
		}
		after.Version, after.UpdatedAt = before.Version+1, now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO soa_settings (org_id, four_eyes, version, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (org_id) DO UPDATE SET four_eyes = excluded.four_eyes, version = excluded.version, updated_at = excluded.updated_at`,
			orgID, after.FourEyes, after.Version, after.UpdatedAt); err != nil {
			return fmt.Errorf("write SoA settings: %w", err)
		}
		out = after
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Update, RecordType: "soa_settings", RecordID: orgID, Before: before, After: after})
	})
	return out, err
}
