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

func readCorrective(ctx context.Context, q querier, orgID, id string) (audit.CorrectiveAction, error) {
	c, err := scanCorrective(q.QueryRowContext(ctx, `SELECT `+correctiveColumns+` FROM corrective_actions WHERE org_id = $1 AND id = $2`, orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fault.NotFoundf("corrective action", id)
	}
	if err != nil {
		return c, fmt.Errorf("read corrective action: %w", err)
	}
	return c, nil
}

func (db *DB) queryCorrective(ctx context.Context, q string, args ...any) ([]audit.CorrectiveAction, error) {
	var out []audit.CorrectiveAction
	err := scanEach(ctx, db.r, q, args, func(rows *sql.Rows) error {
		c, err := scanCorrective(rows)
		out = append(out, c)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list corrective actions: %w", err)
	}
	return out, nil
}

// CorrectiveActions lists the organisation's corrective actions, soonest due first.
func (db *DB) CorrectiveActions(ctx context.Context, orgID string, f audit.ActionFilter, page PageRequest) (Page[audit.CorrectiveAction], error) {
	if err := f.Validate(); err != nil {
		return Page[audit.CorrectiveAction]{}, err
	}
	page = page.normalise()
	c := newConditions("org_id = $1", orgID)
	if f.Status != "" {
		c.add("status = ?", string(f.Status))
	}
	if f.AuditID != "" {
		c.add("audit_id = ?", f.AuditID)
	}
	if f.Overdue {
		t := f.Today
		if t == "" {
			t = today(time.Now())
		}
		c.add("status = 'open' AND due_on < ?", t)
	}
	if k := page.cursorKey(); k != "" {
		due, id, ok := strings.Cut(k, "\x00")
		if !ok {
			return Page[audit.CorrectiveAction]{}, fault.New(fault.Invalid, "bad cursor")
		}
		c.add("(due_on > ? OR (due_on = ? AND id > ?))", due, due, id)
	}
	args := append(c.args, page.Limit+1)
	items, err := db.queryCorrective(ctx, `SELECT `+correctiveColumns+` FROM corrective_actions WHERE `+c.sql()+
		` ORDER BY due_on, id LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return Page[audit.CorrectiveAction]{}, err
	}
	return finish(items, page.Limit, func(c audit.CorrectiveAction) string { return c.DueOn + "\x00" + c.ID }), nil
}

// AllCorrectiveActions returns every corrective action of the organisation, for readiness.
func (db *DB) AllCorrectiveActions(ctx context.Context, orgID string) ([]audit.CorrectiveAction, error) {
	return db.queryCorrective(ctx, `SELECT `+correctiveColumns+` FROM corrective_actions WHERE org_id = $1 ORDER BY due_on, id`, orgID)
}

// CorrectiveAction returns one corrective action.
func (db *DB) CorrectiveAction(ctx context.Context, orgID, id string) (audit.CorrectiveAction, error) {
	return readCorrective(ctx, db.r, orgID, id)
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
	t := now()
	c := in.Apply(audit.CorrectiveAction{ID: uuid.Must(uuid.NewV7()).String(), OrgID: orgID, Status: audit.ActionOpen, Version: 1, CreatedAt: t, UpdatedAt: t})
	fillActionIDs(&c)
	c.Derive(today(t))
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := checkCorrective(ctx, tx, audit.CorrectiveAction{OrgID: orgID}, c); err != nil {
			return err
		}
		args := append([]any{c.ID, c.OrgID}, correctiveArgs(c)...)
		if _, err := tx.ExecContext(ctx, `INSERT INTO corrective_actions (id, org_id, `+correctiveWriteColumns+`) VALUES (`+placeholders(1, len(args))+`)`, args...); err != nil {
			return fmt.Errorf("insert corrective action: %w", err)
		}
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Create, RecordType: "corrective_action", RecordID: c.ID, After: c})
	})
	return c, err
}

// editCorrective is the read, check-version, write, audit shape of every change.
func (db *DB) editCorrective(ctx context.Context, orgID, id string, ifVersion *int64, actor auditlog.Actor, edit func(tx *sql.Tx, before audit.CorrectiveAction, t time.Time) (audit.CorrectiveAction, error)) (audit.CorrectiveAction, error) {
	var out audit.CorrectiveAction
	err := db.write(ctx, func(tx *sql.Tx) error {
		before, err := readCorrective(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != before.Version {
			return staleVersion("corrective action", before.Version)
		}
		t := now()
		after, err := edit(tx, before, t)
		if err != nil {
			return err
		}
		after.Version, after.UpdatedAt = before.Version+1, t
		after.Derive(today(t))
		if err := updateVersioned(ctx, tx, "corrective_actions", correctiveWriteColumns, correctiveArgs(after), orgID, id, before.Version, "corrective action"); err != nil {
			return err
		}
		out = after
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Update, RecordType: "corrective_action", RecordID: id, Before: before, After: after})
	})
	return out, err
}

// updateVersioned writes every column of a record, provided it is still at oldVersion.
func updateVersioned(ctx context.Context, tx *sql.Tx, table, columns string, args []any, orgID, id string, oldVersion int64, kind string) error {
	sets := strings.Split(strings.ReplaceAll(columns, "\n\t", " "), ",")
	for i := range sets {
		sets[i] = strings.TrimSpace(sets[i]) + " = $" + strconv.Itoa(i+1)
	}
	n := len(sets)
	res, err := tx.ExecContext(ctx, `UPDATE `+table+` SET `+strings.Join(sets, ", ")+
		fmt.Sprintf(` WHERE org_id = $%d AND id = $%d AND version = $%d`, n+1, n+2, n+3), append(args, orgID, id, oldVersion)...)
	if err != nil {
		return fmt.Errorf("update %s: %w", kind, err)
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return staleVersion(kind, oldVersion)
	}
	return nil
}

// UpdateCorrectiveAction changes a corrective action not yet checked effective.
func (db *DB) UpdateCorrectiveAction(ctx context.Context, orgID, id string, in audit.ActionInput, ifVersion *int64, actor auditlog.Actor) (audit.CorrectiveAction, error) {
	if err := in.Validate(false); err != nil {
		return audit.CorrectiveAction{}, err
	}
	return db.editCorrective(ctx, orgID, id, ifVersion, actor, func(tx *sql.Tx, before audit.CorrectiveAction, _ time.Time) (audit.CorrectiveAction, error) {
		after := in.Apply(before)
		fillActionIDs(&after)
		return after, checkCorrective(ctx, tx, before, after)
	})
}

// VerifyCorrectiveAction records an effectiveness check by someone other than the owner.
func (db *DB) VerifyCorrectiveAction(ctx context.Context, orgID, id string, chk audit.Check, by auth.Principal, ifVersion *int64, actor auditlog.Actor) (audit.CorrectiveAction, error) {
	return db.editCorrective(ctx, orgID, id, ifVersion, actor, func(_ *sql.Tx, before audit.CorrectiveAction, t time.Time) (audit.CorrectiveAction, error) {
		return audit.Verify(before, audit.Verification{UserID: by.UserID, Email: by.Email, At: t, Effective: chk.Effective, Note: chk.Note})
	})
}

// DeleteCorrectiveAction removes an open corrective action never checked; one with a check is
// part of the record.
func (db *DB) DeleteCorrectiveAction(ctx context.Context, orgID, id string, ifVersion *int64, actor auditlog.Actor) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		before, err := readCorrective(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != before.Version {
			return staleVersion("corrective action", before.Version)
		}
		if before.Status != audit.ActionOpen || len(before.Verifications) > 0 {
			return &fault.Error{Code: fault.Conflict, Message: "the corrective action has been implemented or checked: it is a record and stays"}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM corrective_actions WHERE org_id = $1 AND id = $2`, orgID, id); err != nil {
			return fmt.Errorf("delete corrective action: %w", err)
		}
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Delete, RecordType: "corrective_action", RecordID: id, Before: before})
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

func readReview(ctx context.Context, q querier, orgID, id string) (audit.Review, error) {
	r, err := scanReview(q.QueryRowContext(ctx, `SELECT `+reviewColumns+` FROM management_reviews WHERE org_id = $1 AND id = $2`, orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fault.NotFoundf("management review", id)
	}
	if err != nil {
		return r, fmt.Errorf("read management review: %w", err)
	}
	return r, nil
}

func (db *DB) queryReviews(ctx context.Context, q string, args ...any) ([]audit.Review, error) {
	var out []audit.Review
	err := scanEach(ctx, db.r, q, args, func(rows *sql.Rows) error {
		r, err := scanReview(rows)
		out = append(out, r)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list management reviews: %w", err)
	}
	return out, nil
}

// ManagementReviews lists the organisation's management reviews, latest first.
func (db *DB) ManagementReviews(ctx context.Context, orgID string, page PageRequest) (Page[audit.Review], error) {
	page = page.normalise()
	c := newConditions("org_id = $1", orgID)
	if k := page.cursorKey(); k != "" {
		held, id, ok := strings.Cut(k, "\x00")
		if !ok {
			return Page[audit.Review]{}, fault.New(fault.Invalid, "bad cursor")
		}
		c.add("(held_on < ? OR (held_on = ? AND id > ?))", held, held, id)
	}
	args := append(c.args, page.Limit+1)
	items, err := db.queryReviews(ctx, `SELECT `+reviewColumns+` FROM management_reviews WHERE `+c.sql()+
		` ORDER BY held_on DESC, id LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return Page[audit.Review]{}, err
	}
	return finish(items, page.Limit, func(r audit.Review) string { return r.HeldOn + "\x00" + r.ID }), nil
}

// AllManagementReviews returns every management review, latest first, for readiness.
func (db *DB) AllManagementReviews(ctx context.Context, orgID string) ([]audit.Review, error) {
	return db.queryReviews(ctx, `SELECT `+reviewColumns+` FROM management_reviews WHERE org_id = $1 ORDER BY held_on DESC, id`, orgID)
}

// ManagementReview returns one management review.
func (db *DB) ManagementReview(ctx context.Context, orgID, id string) (audit.Review, error) {
	return readReview(ctx, db.r, orgID, id)
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
		args := append([]any{r.ID, r.OrgID}, reviewArgs(r)...)
		if _, err := tx.ExecContext(ctx, `INSERT INTO management_reviews (id, org_id, `+reviewWriteColumns+`) VALUES (`+placeholders(1, len(args))+`)`, args...); err != nil {
			return fmt.Errorf("insert management review: %w", err)
		}
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Create, RecordType: "management_review", RecordID: r.ID, After: r})
	})
	return r, err
}

func (db *DB) editReview(ctx context.Context, orgID, id string, ifVersion *int64, actor auditlog.Actor, edit func(tx *sql.Tx, before audit.Review, t time.Time) (audit.Review, error)) (audit.Review, error) {
	var out audit.Review
	err := db.write(ctx, func(tx *sql.Tx) error {
		before, err := readReview(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != before.Version {
			return staleVersion("management review", before.Version)
		}
		t := now()
		after, err := edit(tx, before, t)
		if err != nil {
			return err
		}
		after.Version, after.UpdatedAt = before.Version+1, t
		if err := updateVersioned(ctx, tx, "management_reviews", reviewWriteColumns, reviewArgs(after), orgID, id, before.Version, "management review"); err != nil {
			return err
		}
		out = after
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Update, RecordType: "management_review", RecordID: id, Before: before, After: after})
	})
	return out, err
}

// UpdateManagementReview changes draft minutes.
func (db *DB) UpdateManagementReview(ctx context.Context, orgID, id string, in audit.ReviewInput, ifVersion *int64, actor auditlog.Actor) (audit.Review, error) {
	if err := in.Validate(false); err != nil {
		return audit.Review{}, err
	}
	return db.editReview(ctx, orgID, id, ifVersion, actor, func(tx *sql.Tx, before audit.Review, _ time.Time) (audit.Review, error) {
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
	return db.editReview(ctx, orgID, id, ifVersion, actor, func(_ *sql.Tx, before audit.Review, t time.Time) (audit.Review, error) {
		return audit.Approve(before, by.UserID, by.Email, t)
	})
}

// DeleteManagementReview removes draft minutes; approved ones are a record and stay.
func (db *DB) DeleteManagementReview(ctx context.Context, orgID, id string, ifVersion *int64, actor auditlog.Actor) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		before, err := readReview(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != before.Version {
			return staleVersion("management review", before.Version)
		}
		if err := audit.ChangeReview(before); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM management_reviews WHERE org_id = $1 AND id = $2`, orgID, id); err != nil {
			return fmt.Errorf("delete management review: %w", err)
		}
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Delete, RecordType: "management_review", RecordID: id, Before: before})
	})
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
