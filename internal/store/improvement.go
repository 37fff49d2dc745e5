package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/annexa-dev/annexa/internal/audit"
	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
)

// Corrective actions (clause 10.2) and management reviews (9.3).

const correctiveColumns = `id, org_id, title, audit_id, finding_id, source, nonconformity, correction, root_cause, actions, owner_id,
	due_on, status, verifications, version, created_at, updated_at`

const correctiveWriteColumns = `title, audit_id, finding_id, source, nonconformity, correction, root_cause, actions, owner_id,
	due_on, status, verifications, version, created_at, updated_at`

func scanCorrective(row interface{ Scan(...any) error }) (audit.CorrectiveAction, error) {
	var c audit.CorrectiveAction
	var actions, verifications string
	if err := row.Scan(&c.ID, &c.OrgID, &c.Title, &c.AuditID, &c.FindingID, &c.Source, &c.Nonconformity, &c.Correction, &c.RootCause,
		&actions, &c.OwnerID, &c.DueOn, &c.Status, &verifications, &c.Version, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return c, err
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	if err := decodeJSONColumns(c.ID, actions, &c.Actions, verifications, &c.Verifications); err != nil {
		return c, err
	}
	for i := range c.Verifications {
		c.Verifications[i].At = c.Verifications[i].At.UTC()
	}
	c.Derive(today(time.Now()))
	return c, nil
}

func correctiveArgs(c audit.CorrectiveAction) []any {
	return []any{c.Title, c.AuditID, c.FindingID, c.Source, c.Nonconformity, c.Correction, c.RootCause, mustJSON(c.Actions), c.OwnerID,
		c.DueOn, string(c.Status), mustJSON(c.Verifications), c.Version, c.CreatedAt, c.UpdatedAt}
}

var correctiveActions = versionedTable[audit.CorrectiveAction]{table: "corrective_actions", columns: correctiveColumns,
	writeColumns: correctiveWriteColumns, kind: "corrective action", recordType: "corrective_action", scan: scanCorrective, args: correctiveArgs,
	id: func(c audit.CorrectiveAction) string { return c.ID },
	stamp: func(c *audit.CorrectiveAction, v int64, at time.Time) {
		c.Version, c.UpdatedAt = v, at
		c.Derive(today(at))
	}}

// CorrectiveActions lists the organisation's corrective actions, soonest due first.
func (db *DB) CorrectiveActions(ctx context.Context, orgID string, f audit.ActionFilter, page PageRequest) (Page[audit.CorrectiveAction], error) {
	if err := f.Validate(); err != nil {
		return Page[audit.CorrectiveAction]{}, err
	}
	c := newConditions("org_id = $1", orgID)
	if f.Status != "" {
		c.add("status = ?", string(f.Status))
	}
	if f.AuditID != "" {
		c.add("audit_id = ?", f.AuditID)
	}
	if f.Standard != "" {
		c.add("(audit_id = '' OR audit_id IN (SELECT id FROM audits WHERE org_id = ? AND standards LIKE ?))", orgID, standardPattern(f.Standard))
	}
	if f.Overdue {
		t := f.Today
		if t == "" {
			t = today(time.Now())
		}
		c.add("status = 'open' AND due_on < ?", t)
	}
	return correctiveActions.page(ctx, db.r, c, "due_on", false, page, func(c audit.CorrectiveAction) string { return c.DueOn })
}

// AllCorrectiveActions returns every corrective action of the organisation, for readiness.
func (db *DB) AllCorrectiveActions(ctx context.Context, orgID string) ([]audit.CorrectiveAction, error) {
	return correctiveActions.query(ctx, db.r, `org_id = $1 ORDER BY due_on, id`, orgID)
}

// CorrectiveAction returns one corrective action.
func (db *DB) CorrectiveAction(ctx context.Context, orgID, id string) (audit.CorrectiveAction, error) {
	return correctiveActions.read(ctx, db.r, orgID, id)
}

// checkCorrective checks what a corrective action refers to: the finding it answers must be a
// nonconformity of one of the organisation's audits, and its people the organisation's.
func checkCorrective(ctx context.Context, q querier, before, after audit.CorrectiveAction) error {
	people := map[string]string{"owner_id": after.OwnerID}
	for i, a := range after.Actions {
		people[fmt.Sprintf("actions[%d].owner_id", i)] = a.OwnerID
	}
	if err := withMembers(ctx, q, after.OrgID, audit.ChangeAction(before, after), people); err != nil {
		return err
	}
	if after.FindingID == "" || (after.AuditID == before.AuditID && after.FindingID == before.FindingID) {
		return nil
	}
	a, err := readAudit(ctx, q, after.OrgID, after.AuditID)
	if fault.Is(err, fault.NotFound) {
		return &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields", Fields: []fault.FieldError{{Field: "audit_id", Message: "is not an audit of this organisation"}}}
	}
	if err != nil {
		return err
	}
	f, ok := a.Finding(after.FindingID)
	switch {
	case !ok:
		return &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields", Fields: []fault.FieldError{{Field: "finding_id", Message: "is not a finding of that audit"}}}
	case !f.Kind.Nonconformity():
		return &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields", Fields: []fault.FieldError{{Field: "finding_id", Message: "is an " + strings.ReplaceAll(string(f.Kind), "_", " ") + ", not a nonconformity: corrective action answers nonconformities (10.2)"}}}
	}
	return nil
}

func fillActionIDs(c *audit.CorrectiveAction) {
	for i := range c.Actions {
		if c.Actions[i].ID == "" {
			c.Actions[i].ID = uuid.Must(uuid.NewV7()).String()
		}
	}
}

// CreateCorrectiveAction records a nonconformity and what will be done about it.
func (db *DB) CreateCorrectiveAction(ctx context.Context, orgID string, in audit.ActionInput, actor auditlog.Actor) (audit.CorrectiveAction, error) {
	if err := in.Validate(true); err != nil {
		return audit.CorrectiveAction{}, err
	}
	var c audit.CorrectiveAction
	err := db.write(ctx, func(tx *sql.Tx) (err error) {
		c, err = createCorrective(ctx, tx, orgID, in, actor)
		return err
	})
	return c, err
}

// createCorrective records a validated corrective action in a write transaction, for the
// capabilities that raise one as part of their own change (a monitoring alert).
func createCorrective(ctx context.Context, tx *sql.Tx, orgID string, in audit.ActionInput, actor auditlog.Actor) (audit.CorrectiveAction, error) {
	t := now()
	c := in.Apply(audit.CorrectiveAction{ID: uuid.Must(uuid.NewV7()).String(), OrgID: orgID, Status: audit.ActionOpen, Version: 1, CreatedAt: t, UpdatedAt: t})
	fillActionIDs(&c)
	c.Derive(today(t))
	if err := checkCorrective(ctx, tx, audit.CorrectiveAction{OrgID: orgID}, c); err != nil {
		return c, err
	}
	return c, correctiveActions.insert(ctx, tx, orgID, c.ID, c, actor)
}

// UpdateCorrectiveAction changes a corrective action not yet checked effective.
func (db *DB) UpdateCorrectiveAction(ctx context.Context, orgID, id string, in audit.ActionInput, ifVersion *int64, actor auditlog.Actor) (audit.CorrectiveAction, error) {
	if err := in.Validate(false); err != nil {
		return audit.CorrectiveAction{}, err
	}
	return correctiveActions.edit(ctx, db, orgID, id, ifVersion, actor, func(tx *sql.Tx, before audit.CorrectiveAction, _ time.Time) (audit.CorrectiveAction, error) {
		after := in.Apply(before)
		fillActionIDs(&after)
		return after, checkCorrective(ctx, tx, before, after)
	})
}

// VerifyCorrectiveAction records an effectiveness check by someone other than the owner.
func (db *DB) VerifyCorrectiveAction(ctx context.Context, orgID, id string, chk audit.Check, by auth.Principal, ifVersion *int64, actor auditlog.Actor) (audit.CorrectiveAction, error) {
	return correctiveActions.edit(ctx, db, orgID, id, ifVersion, actor, func(_ *sql.Tx, before audit.CorrectiveAction, t time.Time) (audit.CorrectiveAction, error) {
		return audit.Verify(before, audit.Verification{UserID: by.UserID, Email: by.Email, At: t, Effective: chk.Effective, Note: chk.Note})
	})
}

// DeleteCorrectiveAction removes an open corrective action never checked; one with a check is
// part of the record.
func (db *DB) DeleteCorrectiveAction(ctx context.Context, orgID, id string, ifVersion *int64, actor auditlog.Actor) error {
	return correctiveActions.remove(ctx, db, orgID, id, ifVersion, actor, func(c audit.CorrectiveAction) error {
		if c.Status != audit.ActionOpen || len(c.Verifications) > 0 {
			return &fault.Error{Code: fault.Conflict, Message: "the corrective action has been implemented or checked: it is a record and stays"}
		}
		return nil
	})
}

const reviewColumns = `id, org_id, title, held_on, standards, attendees, inputs, decisions, status, approved_by, approved_email, approved_at,
	version, created_at, updated_at`

const reviewWriteColumns = `title, held_on, standards, attendees, inputs, decisions, status, approved_by, approved_email, approved_at,
	version, created_at, updated_at`

func scanReview(row interface{ Scan(...any) error }) (audit.Review, error) {
	var r audit.Review
	var standards, attendees, inputs, decisions string
	var approvedAt sql.NullTime
	if err := row.Scan(&r.ID, &r.OrgID, &r.Title, &r.HeldOn, &standards, &attendees, &inputs, &decisions, &r.Status, &r.ApprovedBy,
		&r.ApprovedEmail, &approvedAt, &r.Version, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return r, err
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	if approvedAt.Valid {
		t := approvedAt.Time.UTC()
		r.ApprovedAt = &t
	}
	return r, decodeJSONColumns(r.ID, standards, &r.Standards, attendees, &r.Attendees, inputs, &r.Inputs, decisions, &r.Decisions)
}

func reviewArgs(r audit.Review) []any {
	var approvedAt any
	if r.ApprovedAt != nil {
		approvedAt = *r.ApprovedAt
	}
	return []any{r.Title, r.HeldOn, mustJSON(r.Standards), mustJSON(r.Attendees), mustJSON(r.Inputs), mustJSON(r.Decisions), string(r.Status),
		r.ApprovedBy, r.ApprovedEmail, approvedAt, r.Version, r.CreatedAt, r.UpdatedAt}
}

var reviews = versionedTable[audit.Review]{table: "management_reviews", columns: reviewColumns, writeColumns: reviewWriteColumns,
	kind: "management review", recordType: "management_review", scan: scanReview, args: reviewArgs,
	id:    func(r audit.Review) string { return r.ID },
	stamp: func(r *audit.Review, v int64, at time.Time) { r.Version, r.UpdatedAt = v, at }}

// ManagementReviews lists the organisation's management reviews, latest first.
func (db *DB) ManagementReviews(ctx context.Context, orgID string, page PageRequest) (Page[audit.Review], error) {
	return reviews.page(ctx, db.r, newConditions("org_id = $1", orgID), "held_on", true, page, func(r audit.Review) string { return r.HeldOn })
}

// AllManagementReviews returns every management review, latest first, for readiness.
func (db *DB) AllManagementReviews(ctx context.Context, orgID string) ([]audit.Review, error) {
	return reviews.query(ctx, db.r, `org_id = $1 ORDER BY held_on DESC, id`, orgID)
}

// ManagementReview returns one management review.
func (db *DB) ManagementReview(ctx context.Context, orgID, id string) (audit.Review, error) {
	return reviews.read(ctx, db.r, orgID, id)
}

func checkReview(ctx context.Context, q querier, r audit.Review) error {
	people := map[string]string{}
	for i, d := range r.Decisions {
		people[fmt.Sprintf("decisions[%d].owner_id", i)] = d.OwnerID
	}
	return withMembers(ctx, q, r.OrgID, nil, people)
}

func fillDecisionIDs(r *audit.Review) {
	for i := range r.Decisions {
		if r.Decisions[i].ID == "" {
			r.Decisions[i].ID = uuid.Must(uuid.NewV7()).String()
		}
	}
}

// CreateManagementReview starts the minutes of a management review, as a draft.
func (db *DB) CreateManagementReview(ctx context.Context, orgID string, in audit.ReviewInput, actor auditlog.Actor) (audit.Review, error) {
	if err := in.Validate(true); err != nil {
		return audit.Review{}, err
	}
	t := now()
	r := in.Apply(audit.Review{ID: uuid.Must(uuid.NewV7()).String(), OrgID: orgID, Status: audit.ReviewDraft, Version: 1, CreatedAt: t, UpdatedAt: t})
	fillDecisionIDs(&r)
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := checkReview(ctx, tx, r); err != nil {
			return err
		}
		return reviews.insert(ctx, tx, orgID, r.ID, r, actor)
	})
	return r, err
}

// UpdateManagementReview changes draft minutes.
func (db *DB) UpdateManagementReview(ctx context.Context, orgID, id string, in audit.ReviewInput, ifVersion *int64, actor auditlog.Actor) (audit.Review, error) {
	if err := in.Validate(false); err != nil {
		return audit.Review{}, err
	}
	return reviews.edit(ctx, db, orgID, id, ifVersion, actor, func(tx *sql.Tx, before audit.Review, _ time.Time) (audit.Review, error) {
		if err := audit.ChangeReview(before); err != nil {
			return before, err
		}
		after := in.Apply(before)
		fillDecisionIDs(&after)
		return after, checkReview(ctx, tx, after)
	})
}

// ApproveManagementReview approves complete minutes; they no longer change afterwards.
func (db *DB) ApproveManagementReview(ctx context.Context, orgID, id string, by auth.Principal, ifVersion *int64, actor auditlog.Actor) (audit.Review, error) {
	return reviews.edit(ctx, db, orgID, id, ifVersion, actor, func(_ *sql.Tx, before audit.Review, t time.Time) (audit.Review, error) {
		return audit.Approve(before, by.UserID, by.Email, t)
	})
}

// FollowUpDecision records a decision of approved minutes as carried out (or not yet).
func (db *DB) FollowUpDecision(ctx context.Context, orgID, reviewID, decisionID string, p audit.DecisionProgress, ifVersion *int64, actor auditlog.Actor) (audit.Review, error) {
	return reviews.edit(ctx, db, orgID, reviewID, ifVersion, actor, func(_ *sql.Tx, before audit.Review, at time.Time) (audit.Review, error) {
		return p.FollowUp(before, decisionID, today(at))
	})
}

// DeleteManagementReview removes draft minutes; approved ones are a record and stay.
func (db *DB) DeleteManagementReview(ctx context.Context, orgID, id string, ifVersion *int64, actor auditlog.Actor) error {
	return reviews.remove(ctx, db, orgID, id, ifVersion, actor, audit.ChangeReview)
}

// AuditProgramme reads the organisation's whole audit programme, for readiness.
func (db *DB) AuditProgramme(ctx context.Context, orgID string) (audit.Programme, error) {
	var p audit.Programme
	var err error
	if p.Audits, err = db.AllAudits(ctx, orgID); err != nil {
		return p, err
	}
	if p.Actions, err = db.AllCorrectiveActions(ctx, orgID); err != nil {
		return p, err
	}
	p.Reviews, err = db.AllManagementReviews(ctx, orgID)
	return p, err
}
