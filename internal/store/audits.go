package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/annexa-dev/annexa/internal/audit"
	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/fault"
)

// The audit programme's storage: internal audits with their findings (audits.go), corrective
// actions and management reviews (improvement.go).

const internalAuditColumns = `id, org_id, title, kind, standards, scope, lead_auditor_id, planned_start, planned_end, status, conclusion,
	completed_on, findings, examined, version, created_at, updated_at`

func scanInternalAudit(row interface{ Scan(...any) error }) (audit.Audit, error) {
	var a audit.Audit
	var standards, findings, examined string
	if err := row.Scan(&a.ID, &a.OrgID, &a.Title, &a.Kind, &standards, &a.Scope, &a.LeadAuditorID, &a.PlannedStart, &a.PlannedEnd,
		&a.Status, &a.Conclusion, &a.CompletedOn, &findings, &examined, &a.Version, &a.CreatedAt, &a.UpdatedAt); err != nil {
		return a, err
	}
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	if err := decodeJSONColumns(a.ID, standards, &a.Standards, findings, &a.Findings, examined, &a.Examined); err != nil {
		return a, err
	}
	for i := range a.Findings {
		a.Findings[i].CreatedAt = a.Findings[i].CreatedAt.UTC()
	}
	return a, nil
}

// decodeJSONColumns reads pairs of (JSON text, destination) of one record.
func decodeJSONColumns(id string, pairs ...any) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := json.Unmarshal([]byte(pairs[i].(string)), pairs[i+1]); err != nil {
			return fmt.Errorf("record %s: %w", id, err)
		}
	}
	return nil
}

var audits = versionedTable[audit.Audit]{table: "audits", columns: internalAuditColumns, writeColumns: internalAuditWriteColumns,
	kind: "audit", recordType: "audit", scan: scanInternalAudit, args: auditArgs,
	id:    func(a audit.Audit) string { return a.ID },
	stamp: func(a *audit.Audit, v int64, at time.Time) { a.Version, a.UpdatedAt = v, at }}

func readAudit(ctx context.Context, q querier, orgID, id string) (audit.Audit, error) {
	return audits.read(ctx, q, orgID, id)
}

// Audits lists the organisation's audits, latest planned start first.
func (db *DB) Audits(ctx context.Context, orgID string, f audit.Filter, page PageRequest) (Page[audit.Audit], error) {
	if err := f.Validate(); err != nil {
		return Page[audit.Audit]{}, err
	}
	c := newConditions("org_id = $1", orgID)
	if f.Status != "" {
		c.add("status = ?", string(f.Status))
	}
	if f.Underway {
		c.add("status IN ('planned', 'in_progress')")
	}
	if f.Standard != "" {
		c.add("standards LIKE ?", standardPattern(f.Standard))
	}
	return audits.page(ctx, db.r, c, "planned_start", true, page, func(a audit.Audit) string { return a.PlannedStart })
}

// standardPattern matches a standard in a JSON array of standard ids, which never contain quotes.
func standardPattern(id string) string { return `%"` + id + `"%` }

// AllAudits returns every audit of the organisation, for readiness and the programme's figures.
func (db *DB) AllAudits(ctx context.Context, orgID string) ([]audit.Audit, error) {
	return audits.query(ctx, db.r, `org_id = $1 ORDER BY planned_start DESC, id`, orgID)
}

// Audit returns one of the organisation's audits.
func (db *DB) Audit(ctx context.Context, orgID, id string) (audit.Audit, error) {
	return readAudit(ctx, db.r, orgID, id)
}

// checkMember refuses a person who is not of the organisation, naming the field.
func checkMember(ctx context.Context, q querier, orgID string, v *fault.Validation, field, userID string) error {
	if userID == "" {
		return nil
	}
	if _, err := member(ctx, q, orgID, userID); err != nil {
		if !fault.Is(err, fault.NotFound) {
			return err
		}
		v.Add(field, "is not a person of this organisation")
	}
	return nil
}

// checkAudit applies the audit rules and checks the lead auditor is one of the organisation's people.
func checkAudit(ctx context.Context, q querier, before, after audit.Audit, today string) error {
	return withMembers(ctx, q, after.OrgID, audit.Change(before, after, today), map[string]string{"lead_auditor_id": after.LeadAuditorID})
}

// withMembers adds to a rule's field errors one for each named person who is not of the
// organisation, so a form is answered with every problem at once; other errors pass through.
func withMembers(ctx context.Context, q querier, orgID string, ruleErr error, people map[string]string) error {
	if ruleErr != nil && !fault.Is(ruleErr, fault.Invalid) {
		return ruleErr
	}
	var v fault.Validation
	for _, f := range fault.Fields(ruleErr) {
		v.Add(f.Field, "%s", f.Message)
	}
	for field, id := range people {
		if err := checkMember(ctx, q, orgID, &v, field, id); err != nil {
			return err
		}
	}
	return v.Err()
}

func auditArgs(a audit.Audit) []any {
	return []any{a.Title, string(a.Kind), mustJSON(a.Standards), a.Scope, a.LeadAuditorID, a.PlannedStart, a.PlannedEnd, string(a.Status),
		a.Conclusion, a.CompletedOn, mustJSON(a.Findings), mustJSON(a.Examined), a.Version, a.CreatedAt, a.UpdatedAt}
}

const internalAuditWriteColumns = `title, kind, standards, scope, lead_auditor_id, planned_start, planned_end, status, conclusion, completed_on,
	findings, examined, version, created_at, updated_at`

// CreateAudit plans an audit (or records one already under way).
func (db *DB) CreateAudit(ctx context.Context, orgID string, in audit.Input, actor auditlog.Actor) (audit.Audit, error) {
	if err := in.Validate(true); err != nil {
		return audit.Audit{}, err
	}
	t := now()
	a := in.Apply(audit.Audit{ID: uuid.Must(uuid.NewV7()).String(), OrgID: orgID, Status: audit.Planned, Version: 1, CreatedAt: t, UpdatedAt: t})
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := checkAudit(ctx, tx, audit.Audit{}, a, today(t)); err != nil {
			return err
		}
		return audits.insert(ctx, tx, orgID, a.ID, a, actor)
	})
	return a, err
}

func today(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// UpdateAudit changes an audit that is not yet completed or cancelled, and moves it through
// its lifecycle.
func (db *DB) UpdateAudit(ctx context.Context, orgID, id string, in audit.Input, ifVersion *int64, actor auditlog.Actor) (audit.Audit, error) {
	if err := in.Validate(false); err != nil {
		return audit.Audit{}, err
	}
	return audits.edit(ctx, db, orgID, id, ifVersion, actor, func(tx *sql.Tx, before audit.Audit, t time.Time) (audit.Audit, error) {
		after := in.Apply(before)
		return after, checkAudit(ctx, tx, before, after, today(t))
	})
}

// AddFinding records a finding on an audit in progress.
func (db *DB) AddFinding(ctx context.Context, orgID, auditID string, nf audit.NewFinding, reqs audit.Requirements, ifVersion *int64, actor auditlog.Actor) (audit.Audit, audit.Finding, error) {
	var f audit.Finding
	a, err := audits.edit(ctx, db, orgID, auditID, ifVersion, actor, func(_ *sql.Tx, before audit.Audit, t time.Time) (audit.Audit, error) {
		if err := nf.Check(before, reqs); err != nil {
			return before, err
		}
		f = nf.Finding(uuid.Must(uuid.NewV7()).String(), t)
		after := before
		after.Findings = append(append([]audit.Finding{}, before.Findings...), f)
		return after, nil
	})
	return a, f, err
}

// ExamineRequirements marks requirements on an audit's checklist as examined, or takes the
// marks off, while the audit is in progress.
func (db *DB) ExamineRequirements(ctx context.Context, orgID, auditID string, e audit.Examination, cats audit.Catalogs, ifVersion *int64, actor auditlog.Actor) (audit.Audit, error) {
	return audits.edit(ctx, db, orgID, auditID, ifVersion, actor, func(_ *sql.Tx, before audit.Audit, _ time.Time) (audit.Audit, error) {
		return e.Apply(before, cats)
	})
}

// DeleteFinding withdraws a finding recorded in error, while the audit is in progress and no
// corrective action answers it.
func (db *DB) DeleteFinding(ctx context.Context, orgID, auditID, findingID string, ifVersion *int64, actor auditlog.Actor) (audit.Audit, error) {
	return audits.edit(ctx, db, orgID, auditID, ifVersion, actor, func(tx *sql.Tx, before audit.Audit, _ time.Time) (audit.Audit, error) {
		if _, ok := before.Finding(findingID); !ok {
			return before, fault.NotFoundf("finding", findingID)
		}
		if before.Status != audit.InProgress {
			return before, &fault.Error{Code: fault.Conflict, Message: fmt.Sprintf("findings change only while the audit is in progress; it is %s", before.Status)}
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM corrective_actions WHERE org_id = $1 AND audit_id = $2 AND finding_id = $3`,
			orgID, auditID, findingID).Scan(&n); err != nil {
			return before, fmt.Errorf("count corrective actions: %w", err)
		}
		if n > 0 {
			return before, &fault.Error{Code: fault.Conflict, Message: "a corrective action answers this finding: the finding stays"}
		}
		after := before
		after.Findings = nil
		for _, f := range before.Findings {
			if f.ID != findingID {
				after.Findings = append(after.Findings, f)
			}
		}
		if after.Findings == nil {
			after.Findings = []audit.Finding{}
		}
		return after, nil
	})
}

// DeleteAudit removes a planned or cancelled audit; a started audit is a record and stays.
func (db *DB) DeleteAudit(ctx context.Context, orgID, id string, ifVersion *int64, actor auditlog.Actor) error {
	return audits.remove(ctx, db, orgID, id, ifVersion, actor, func(a audit.Audit) error {
		if a.Status != audit.Planned && a.Status != audit.Cancelled {
			return &fault.Error{Code: fault.Conflict, Message: fmt.Sprintf("the audit is %s: it is a record and stays; cancel a planned audit instead", a.Status)}
		}
		return nil
	})
}
