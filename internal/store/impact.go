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
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/impact"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/risk"
)

// recordImpact is the audit trail's record type for impact assessments.
const recordImpact = "impact_assessment"

const impactColumns = `id, org_id, system_id, number, status, fria_required, content, created_by, submitted_by, submitted_at,
	approved_by, approved_at, approval_comment, returned_by, returned_at, return_comment, superseded_at, due_reasons,
	version, created_at, updated_at`

func scanAssessment(row interface{ Scan(...any) error }) (impact.Assessment, error) {
	var a impact.Assessment
	var status, content, due string
	var submitted, approved, returned, superseded sql.NullTime
	if err := row.Scan(&a.ID, &a.OrgID, &a.SystemID, &a.Number, &status, &a.FRIARequired, &content, &a.CreatedBy, &a.SubmittedBy, &submitted,
		&a.ApprovedBy, &approved, &a.ApprovalComment, &a.ReturnedBy, &returned, &a.ReturnComment, &superseded, &due,
		&a.Version, &a.CreatedAt, &a.UpdatedAt); err != nil {
		return a, err
	}
	a.Status = impact.Status(status)
	a.SubmittedAt, a.ApprovedAt, a.ReturnedAt, a.SupersededAt = timePtr(submitted), timePtr(approved), timePtr(returned), timePtr(superseded)
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(content), &a.Content); err != nil {
		return a, fmt.Errorf("impact assessment %s content: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(due), &a.DueReasons); err != nil {
		return a, fmt.Errorf("impact assessment %s due reasons: %w", a.ID, err)
	}
	a.Refresh(now())
	return a, nil
}

// stored strips what is computed on read (a passed review date) so only recorded reasons are kept.
func storedDue(a impact.Assessment) []impact.DueReason {
	out := []impact.DueReason{}
	for _, r := range a.DueReasons {
		if r.Source != impact.DueOnDate {
			out = append(out, r)
		}
	}
	return out
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return *t
}

// who is the identity the four-eyes rule compares: the person, or the named system actor.
func who(a auditlog.Actor) string {
	if a.UserID != "" {
		return a.UserID
	}
	return "system:" + a.Email
}

func insertAssessment(ctx context.Context, tx *sql.Tx, a impact.Assessment) error {
	due := storedDue(a)
	_, err := tx.ExecContext(ctx, `INSERT INTO impact_assessments (id, org_id, system_id, number, status, fria_required, content, next_review,
		created_by, due_reasons, has_due_reasons, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		a.ID, a.OrgID, a.SystemID, a.Number, string(a.Status), a.FRIARequired, mustJSON(a.Content), a.NextReview,
		a.CreatedBy, mustJSON(due), len(due) > 0, a.Version, a.CreatedAt, a.UpdatedAt)
	if isUniqueViolation(err) {
		return fault.New(fault.Conflict, "this AI system's assessment already has a version being worked on; finish or approve it first")
	}
	if err != nil {
		return fmt.Errorf("insert impact assessment: %w", err)
	}
	return nil
}

// saveAssessment writes every mutable column of a, guarded by the version read before.
func saveAssessment(ctx context.Context, tx *sql.Tx, a impact.Assessment, prevVersion int64) error {
	due := storedDue(a)
	res, err := tx.ExecContext(ctx, `UPDATE impact_assessments SET status = $1, fria_required = $2, content = $3, next_review = $4,
		submitted_by = $5, submitted_at = $6, approved_by = $7, approved_at = $8, approval_comment = $9, returned_by = $10, returned_at = $11,
		return_comment = $12, superseded_at = $13, due_reasons = $14, has_due_reasons = $15, version = $16, updated_at = $17
		WHERE org_id = $18 AND id = $19 AND version = $20`,
		string(a.Status), a.FRIARequired, mustJSON(a.Content), a.NextReview, a.SubmittedBy, nullTime(a.SubmittedAt), a.ApprovedBy,
		nullTime(a.ApprovedAt), a.ApprovalComment, a.ReturnedBy, nullTime(a.ReturnedAt), a.ReturnComment, nullTime(a.SupersededAt),
		mustJSON(due), len(due) > 0, a.Version, a.UpdatedAt, a.OrgID, a.ID, prevVersion)
	if err != nil {
		return fmt.Errorf("update impact assessment: %w", err)
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return staleVersion("impact assessment", prevVersion)
	}
	return nil
}

func assessment(ctx context.Context, q querier, orgID, id string) (impact.Assessment, error) {
	a, err := scanAssessment(q.QueryRowContext(ctx, `SELECT `+impactColumns+` FROM impact_assessments WHERE org_id = $1 AND id = $2`, orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fault.NotFoundf("impact assessment", id)
	}
	if err != nil {
		return a, fmt.Errorf("read impact assessment: %w", err)
	}
	return a, nil
}

// Assessment returns one version of an assessment of the organisation.
func (db *DB) Assessment(ctx context.Context, orgID, id string) (impact.Assessment, error) {
	return assessment(ctx, db.r, orgID, id)
}

// prefill starts a first version from what the register already knows about the system.
func prefill(sys inventory.System) impact.Content {
	c := impact.Content{IntendedPurpose: sys.IntendedPurpose, AffectedParties: []impact.Party{}}
	for _, g := range sys.AffectedGroups {
		kind := impact.PartyKind("groups")
		switch g {
		case "children", "vulnerable_groups", "patients":
			kind = "vulnerable_groups"
		case "the_public":
			kind = "society"
		}
		name := strings.ReplaceAll(string(g), "_", " ")
		c.AffectedParties = append(c.AffectedParties, impact.Party{Kind: kind, Name: strings.ToUpper(name[:1]) + name[1:], Effects: []impact.Effect{}})
	}
	return c
}

// CreateAssessment starts version 1 of an AI system's impact assessment as a draft, filled
// in from the register where it can be. A system has one series of versions: a second
// "create" is a conflict, and a re-assessment is a new version.
func (db *DB) CreateAssessment(ctx context.Context, orgID string, in impact.NewAssessment, actor auditlog.Actor) (impact.Assessment, error) {
	var v fault.Validation
	v.Check(strings.TrimSpace(in.SystemID) == "", "ai_system_id", "must name the AI system to assess")
	if err := v.Err(); err != nil {
		return impact.Assessment{}, err
	}
	if err := in.Input.Validate(); err != nil {
		return impact.Assessment{}, err
	}
	var a impact.Assessment
	err := db.write(ctx, func(tx *sql.Tx) error {
		sys, err := system(ctx, tx, orgID, in.SystemID)
		if fault.Is(err, fault.NotFound) {
			return &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields",
				Fields: []fault.FieldError{{Field: "ai_system_id", Message: "is not an AI system of this organisation"}}}
		}
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM impact_assessments WHERE org_id = $1 AND system_id = $2`, orgID, sys.ID).Scan(&n); err != nil {
			return fmt.Errorf("count impact assessments: %w", err)
		}
		if n > 0 {
			return fault.New(fault.Conflict, "%s already has an impact assessment; start a new version of it instead", sys.Name)
		}
		t := now()
		a = impact.Assessment{ID: uuid.Must(uuid.NewV7()).String(), OrgID: orgID, SystemID: sys.ID, Number: 1, Status: impact.Draft,
			FRIARequired: impact.FRIAOwed(sys.Classification), Content: in.Input.Apply(prefill(sys)), CreatedBy: who(actor),
			Version: 1, CreatedAt: t, UpdatedAt: t}
		a.Refresh(t)
		if err := insertAssessment(ctx, tx, a); err != nil {
			return err
		}
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Create, RecordType: recordImpact, RecordID: a.ID, After: a})
	})
	return a, err
}

// Assessments lists versions, newest first, filtered by system, status and due.
func (db *DB) Assessments(ctx context.Context, orgID string, f impact.Filter, page PageRequest) (Page[impact.Assessment], error) {
	if err := f.Validate(); err != nil {
		return Page[impact.Assessment]{}, err
	}
	page = page.normalise()
	w := newConditions("org_id = $1", orgID)
	if f.SystemID != "" {
		w.add("system_id = ?", f.SystemID)
	}
	if f.Status != "" {
		w.add("status = ?", string(f.Status))
	}
	if f.Due != nil {
		due := "(status = ? AND (has_due_reasons = ? OR (next_review <> '' AND next_review <= ?)))"
		if !*f.Due {
			due = "NOT " + due
		}
		w.add(due, string(impact.Approved), true, now().Format(time.DateOnly))
	}
	if k := page.cursorKey(); k != "" {
		w.add("id < ?", k)
	}
	w.args = append(w.args, page.Limit+1)
	rows, err := db.r.QueryContext(ctx, `SELECT `+impactColumns+` FROM impact_assessments WHERE `+strings.Join(w.where, " AND ")+
		` ORDER BY id DESC LIMIT $`+strconv.Itoa(len(w.args)), w.args...)
	if err != nil {
		return Page[impact.Assessment]{}, fmt.Errorf("list impact assessments: %w", err)
	}
	defer rows.Close()
	var items []impact.Assessment
	for rows.Next() {
		a, err := scanAssessment(rows)
		if err != nil {
			return Page[impact.Assessment]{}, fmt.Errorf("read impact assessment: %w", err)
		}
		items = append(items, a)
	}
	if err := rows.Err(); err != nil {
		return Page[impact.Assessment]{}, fmt.Errorf("list impact assessments: %w", err)
	}
	return finish(items, page.Limit, func(a impact.Assessment) string { return a.ID }), nil
}

// AssessmentVersions lists every version of the assessment id belongs to, oldest first.
func (db *DB) AssessmentVersions(ctx context.Context, orgID, id string) ([]impact.Assessment, error) {
	a, err := db.Assessment(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	return versionsOf(ctx, db.r, orgID, a.SystemID)
}

// SystemAssessments lists every version of a system's assessment, oldest first.
func (db *DB) SystemAssessments(ctx context.Context, orgID, systemID string) ([]impact.Assessment, error) {
	return versionsOf(ctx, db.r, orgID, systemID)
}

func versionsOf(ctx context.Context, q querier, orgID, systemID string) ([]impact.Assessment, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+impactColumns+` FROM impact_assessments WHERE org_id = $1 AND system_id = $2 ORDER BY number`, orgID, systemID)
	if err != nil {
		return nil, fmt.Errorf("list assessment versions: %w", err)
	}
	defer rows.Close()
	out := []impact.Assessment{}
	for rows.Next() {
		a, err := scanAssessment(rows)
		if err != nil {
			return nil, fmt.Errorf("read impact assessment: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// CompareAssessments compares two versions (by number) of the assessment id belongs to; zero
// numbers mean id's own version (to) and the one before it (from).
func (db *DB) CompareAssessments(ctx context.Context, orgID, id string, from, to int) (impact.Comparison, error) {
	vs, err := db.AssessmentVersions(ctx, orgID, id)
	if err != nil {
		return impact.Comparison{}, err
	}
	if to == 0 {
		for _, a := range vs {
			if a.ID == id {
				to = a.Number
			}
		}
	}
	if from == 0 {
		from = max(to-1, 1)
	}
	byNumber := map[int]impact.Assessment{}
	for _, a := range vs {
		byNumber[a.Number] = a
	}
	var v fault.Validation
	_, okFrom := byNumber[from]
	_, okTo := byNumber[to]
	v.Check(!okFrom, "from", "there is no version %d of this assessment (versions 1 to %d)", from, len(vs))
	v.Check(!okTo, "to", "there is no version %d of this assessment (versions 1 to %d)", to, len(vs))
	if err := v.Err(); err != nil {
		return impact.Comparison{}, err
	}
	return impact.Compare(byNumber[from], byNumber[to]), nil
}

// changeAssessment reads a version, applies fn inside the transaction and saves it audited.
func (db *DB) changeAssessment(ctx context.Context, orgID, id string, ifVersion *int64, actor auditlog.Actor,
	fn func(tx *sql.Tx, a impact.Assessment, t time.Time) (impact.Assessment, error)) (impact.Assessment, error) {
	var out impact.Assessment
	err := db.write(ctx, func(tx *sql.Tx) error {
		before, err := assessment(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != before.Version {
			return staleVersion("impact assessment", before.Version)
		}
		t := now()
		after, err := fn(tx, before, t)
		if err != nil {
			return err
		}
		after.Version, after.UpdatedAt = before.Version+1, t
		after.Refresh(t)
		if err := saveAssessment(ctx, tx, after, before.Version); err != nil {
			return err
		}
		out = after
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Update, RecordType: recordImpact, RecordID: id, Before: before, After: after})
	})
	return out, err
}

// friaOwedNow re-reads the system's classification: it may have changed since the draft began.
func friaOwedNow(ctx context.Context, tx *sql.Tx, a impact.Assessment) (bool, error) {
	sys, err := system(ctx, tx, a.OrgID, a.SystemID)
	if err != nil {
		return false, err
	}
	return impact.FRIAOwed(sys.Classification), nil
}

// UpdateAssessment changes a draft; any other status is refused and nothing changes.
func (db *DB) UpdateAssessment(ctx context.Context, orgID, id string, in impact.Input, ifVersion *int64, actor auditlog.Actor) (impact.Assessment, error) {
	if err := in.Validate(); err != nil {
		return impact.Assessment{}, err
	}
	return db.changeAssessment(ctx, orgID, id, ifVersion, actor, func(tx *sql.Tx, a impact.Assessment, _ time.Time) (impact.Assessment, error) {
		if err := a.CheckEditable(); err != nil {
			return a, err
		}
		owed, err := friaOwedNow(ctx, tx, a)
		if err != nil {
			return a, err
		}
		a.Content, a.FRIARequired = in.Apply(a.Content), owed
		return a, nil
	})
}

// SubmitAssessment sends a complete draft for review.
func (db *DB) SubmitAssessment(ctx context.Context, orgID, id string, ifVersion *int64, actor auditlog.Actor) (impact.Assessment, error) {
	tpl, err := impact.DefaultTemplate()
	if err != nil {
		return impact.Assessment{}, fault.Wrap(err, "load the impact assessment template")
	}
	return db.changeAssessment(ctx, orgID, id, ifVersion, actor, func(tx *sql.Tx, a impact.Assessment, t time.Time) (impact.Assessment, error) {
		if a.Status == impact.Draft {
			owed, err := friaOwedNow(ctx, tx, a)
			if err != nil {
				return a, err
			}
			a.FRIARequired = owed
		}
		return a.Submit(tpl, who(actor), t)
	})
}

// ApproveAssessment signs off a version in review; the approved version it replaces is
// marked superseded in the same transaction.
func (db *DB) ApproveAssessment(ctx context.Context, orgID, id string, d impact.Decision, ifVersion *int64, actor auditlog.Actor) (impact.Assessment, error) {
	return db.changeAssessment(ctx, orgID, id, ifVersion, actor, func(tx *sql.Tx, a impact.Assessment, t time.Time) (impact.Assessment, error) {
		approved, err := a.Approve(who(actor), t, d.Comment)
		if err != nil {
			return a, err
		}
		vs, err := versionsOf(ctx, tx, orgID, a.SystemID)
		if err != nil {
			return a, err
		}
		for _, old := range vs {
			if old.Status != impact.Approved {
				continue
			}
			next := old
			next.Status, next.SupersededAt, next.DueReasons = impact.Superseded, &t, []impact.DueReason{}
			next.Version, next.UpdatedAt = old.Version+1, t
			next.Refresh(t)
			if err := saveAssessment(ctx, tx, next, old.Version); err != nil {
				return a, err
			}
			if err := appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Update, RecordType: recordImpact, RecordID: old.ID, Before: old, After: next}); err != nil {
				return a, err
			}
		}
		return approved, nil
	})
}

// ReturnAssessment sends a version in review back to draft with the reviewer's comment.
func (db *DB) ReturnAssessment(ctx context.Context, orgID, id string, d impact.Decision, ifVersion *int64, actor auditlog.Actor) (impact.Assessment, error) {
	return db.changeAssessment(ctx, orgID, id, ifVersion, actor, func(_ *sql.Tx, a impact.Assessment, t time.Time) (impact.Assessment, error) {
		return a.Return(who(actor), t, d.Comment)
	})
}

// NewAssessmentVersion starts a draft copy of the approved version id; the approved version
// stays in force, frozen, until the new one is approved.
func (db *DB) NewAssessmentVersion(ctx context.Context, orgID, id string, actor auditlog.Actor) (impact.Assessment, error) {
	var n impact.Assessment
	err := db.write(ctx, func(tx *sql.Tx) error {
		a, err := assessment(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		var last int
		if err := tx.QueryRowContext(ctx, `SELECT MAX(number) FROM impact_assessments WHERE org_id = $1 AND system_id = $2`, orgID, a.SystemID).Scan(&last); err != nil {
			return fmt.Errorf("latest assessment version: %w", err)
		}
		t := now()
		if n, err = a.NextVersion(uuid.Must(uuid.NewV7()).String(), who(actor), t); err != nil {
			return err
		}
		n.Number = last + 1
		if n.FRIARequired, err = friaOwedNow(ctx, tx, a); err != nil {
			return err
		}
		n.Refresh(t)
		if err := insertAssessment(ctx, tx, n); err != nil {
			return err
		}
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Create, RecordType: recordImpact, RecordID: n.ID, After: n})
	})
	return n, err
}

// MarkAssessmentDue records that the approved assessment of an AI system must be assessed
// again, and why. It is the hook other capabilities call — the risk register when a linked
// risk changes, monitoring when an alert fires. It reports whether an approved assessment
// was there to mark; a reason already recorded (same source, ref and text) is not repeated.
func (db *DB) MarkAssessmentDue(ctx context.Context, orgID, systemID string, r impact.DueReason, actor auditlog.Actor) (bool, error) {
	var v fault.Validation
	v.Check(!r.Source.Valid() || r.Source == impact.DueOnDate, "source", "must be material_change, risk or monitoring")
	v.Check(strings.TrimSpace(r.Reason) == "", "reason", "must say why")
	if err := v.Err(); err != nil {
		return false, err
	}
	if r.At.IsZero() {
		r.At = now()
	}
	var marked bool
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		marked, err = markAssessmentsDue(ctx, tx, orgID, systemID, []impact.DueReason{r}, actor)
		return err
	})
	return marked, err
}

// markAssessmentsDue adds reasons to the system's approved version in force, inside the
// caller's transaction, so the register's material change and the assessment's due state
// commit together.
func markAssessmentsDue(ctx context.Context, tx *sql.Tx, orgID, systemID string, reasons []impact.DueReason, actor auditlog.Actor) (bool, error) {
	var id string
	err := tx.QueryRowContext(ctx, `SELECT id FROM impact_assessments WHERE org_id = $1 AND system_id = $2 AND status = $3`,
		orgID, systemID, string(impact.Approved)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("find approved impact assessment: %w", err)
	}
	before, err := assessment(ctx, tx, orgID, id)
	if err != nil {
		return false, err
	}
	after := before
	after.DueReasons = storedDue(before)
	added := false
	for _, r := range reasons {
		dup := false
		for _, old := range after.DueReasons {
			dup = dup || (old.Source == r.Source && old.Ref == r.Ref && old.Reason == r.Reason)
		}
		if !dup {
			after.DueReasons = append(after.DueReasons, r)
			added = true
		}
	}
	if !added {
		return true, nil
	}
	t := now()
	after.Version, after.UpdatedAt = before.Version+1, t
	after.Refresh(t)
	if err := saveAssessment(ctx, tx, after, before.Version); err != nil {
		return false, err
	}
	return true, appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Update, RecordType: recordImpact, RecordID: id, Before: before, After: after})
}

// materialChangeReasons turns the register's review reasons into due reasons.
func materialChangeReasons(rs []inventory.ReviewReason) []impact.DueReason {
	out := make([]impact.DueReason, len(rs))
	for i, r := range rs {
		out[i] = impact.DueReason{At: r.At, Source: impact.DueMaterialChange, Reason: "the AI system changed: " + r.Reason, Ref: r.Field}
	}
	return out
}

// AssessmentStats counts assessments by state in one query; today (YYYY-MM-DD) decides which
// review dates have passed.
func (db *DB) AssessmentStats(ctx context.Context, orgID, today string) (impact.Stats, error) {
	var st impact.Stats
	err := db.r.QueryRowContext(ctx, `SELECT
		COUNT(DISTINCT CASE WHEN status = 'approved' THEN system_id END),
		COALESCE(SUM(CASE WHEN status = 'approved' AND (has_due_reasons OR (next_review <> '' AND next_review <= $2)) THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'draft' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'in_review' THEN 1 ELSE 0 END), 0)
		FROM impact_assessments WHERE org_id = $1`, orgID, today).Scan(&st.SystemsApproved, &st.Due, &st.Drafts, &st.InReview)
	if err != nil {
		return st, fmt.Errorf("assessment stats: %w", err)
	}
	return st, nil
}

// RaiseAssessmentRisks registers a risk for each effect of an approved assessment worth
// registering (impact.RisksToRaise), linked to the assessed AI system, in one transaction
// with their audit entries and one entry on the assessment. It is idempotent per effect:
// impact_raised_risks remembers which effect of the system's assessment raised which risk,
// across versions, and an effect raised before is answered as already raised.
func (db *DB) RaiseAssessmentRisks(ctx context.Context, orgID, id string, actor auditlog.Actor) (impact.RaiseResult, error) {
	tpl, err := impact.DefaultTemplate()
	if err != nil {
		return impact.RaiseResult{}, fault.Wrap(err, "load the impact assessment template")
	}
	res := impact.RaiseResult{AssessmentID: id, Created: []impact.RaisedRisk{}, AlreadyRaised: []impact.RaisedRisk{}, Skipped: []impact.SkippedEffect{}}
	err = db.write(ctx, func(tx *sql.Tx) error {
		// The no-op update locks the version on PostgreSQL (SQLite holds the write lock), so two
		// concurrent raises queue here and the second sees what the first raised.
		if _, err := tx.ExecContext(ctx, `UPDATE impact_assessments SET version = version WHERE org_id = $1 AND id = $2`, orgID, id); err != nil {
			return fmt.Errorf("lock impact assessment: %w", err)
		}
		a, err := assessment(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if a.Status != impact.Approved {
			return fault.New(fault.Conflict, "only the approved version in force raises risks; this version is %s", strings.ToLower(a.Status.Label()))
		}
		sys, err := system(ctx, tx, orgID, a.SystemID)
		if err != nil {
			return err
		}
		m, err := riskMethod(ctx, tx, orgID)
		if err != nil {
			return err
		}
		cats, err := riskCategories(ctx, tx, orgID)
		if err != nil {
			return err
		}
		owner := sys.OwnerID
		if owner == "" {
			owner = actor.UserID
		}
		drafts, skipped, err := impact.RisksToRaise(a, sys.Name, tpl, m, cats, owner)
		if err != nil {
			return err
		}
		res.Skipped = append(res.Skipped, skipped...)
		raised, err := raisedEffects(ctx, tx, orgID, a.SystemID)
		if err != nil {
			return err
		}
		t := now()
		cause := fmt.Sprintf("raised by impact assessment %s v%d", a.ID, a.Number)
		for _, d := range drafts {
			out := impact.RaisedRisk{PartyIndex: d.PartyIndex, EffectIndex: d.EffectIndex, Party: d.Party, EffectKind: d.Kind}
			if prev, ok := raised[d.Key]; ok {
				out.AssessmentID, out.RiskID = prev.assessmentID, prev.riskID
				if prev.riskID != "" {
					r, err := readRisk(ctx, tx, orgID, prev.riskID)
					if err != nil {
						return err
					}
					out.Title, out.Level = r.Title, r.EffectiveLevel
				}
				res.AlreadyRaised = append(res.AlreadyRaised, out)
				continue
			}
			r, err := createRisk(ctx, tx, orgID, d.Input, m, actor, t, cause)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO impact_raised_risks (org_id, system_id, effect_key, assessment_id, party_index, effect_index, risk_id, raised_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, orgID, a.SystemID, d.Key, a.ID, d.PartyIndex, d.EffectIndex, r.ID, t); err != nil {
				return fmt.Errorf("remember raised risk: %w", err)
			}
			out.AssessmentID, out.RiskID, out.Title, out.Level = a.ID, r.ID, r.Title, r.EffectiveLevel
			res.Created = append(res.Created, out)
		}
		if len(res.Created) == 0 {
			return nil
		}
		// The assessment itself is frozen; the entry records on it which risks it raised.
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Update, RecordType: recordImpact, RecordID: a.ID,
			Before: map[string]any{"raised_risks": []impact.RaisedRisk{}}, After: map[string]any{"raised_risks": res.Created}})
	})
	return res, err
}

type raisedEffect struct{ assessmentID, riskID string }

// raisedEffects reads which effects of a system's assessment have raised risks, by effect key.
func raisedEffects(ctx context.Context, q querier, orgID, systemID string) (map[string]raisedEffect, error) {
	rows, err := q.QueryContext(ctx, `SELECT effect_key, assessment_id, COALESCE(risk_id, '') FROM impact_raised_risks WHERE org_id = $1 AND system_id = $2`, orgID, systemID)
	if err != nil {
		return nil, fmt.Errorf("read raised risks: %w", err)
	}
	defer rows.Close()
	out := map[string]raisedEffect{}
	for rows.Next() {
		var k string
		var r raisedEffect
		if err := rows.Scan(&k, &r.assessmentID, &r.riskID); err != nil {
			return nil, fmt.Errorf("read raised risks: %w", err)
		}
		out[k] = r
	}
	return out, rows.Err()
}

// RaisedRisks lists the effects of an assessment version that raised risks, for its page:
// keyed by effect key, with the risk's id ("" when deleted since).
func (db *DB) RaisedRisks(ctx context.Context, orgID, id string) (map[string]string, error) {
	a, err := db.Assessment(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	raised, err := raisedEffects(ctx, db.r, orgID, a.SystemID)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, r := range raised {
		out[k] = r.riskID
	}
	return out, nil
}

// scanWith scans a row into scanAssessment's columns followed by extra destinations.
type scanWith struct {
	row   interface{ Scan(...any) error }
	extra []any
}

func (s scanWith) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra...)...) }

// AssessmentDueItems lists approved versions to assess again for the risk register's due
// list: those with a recorded reason and those whose next review falls on or before horizon,
// each owned by its AI system's owner (impact.DueItem).
func (db *DB) AssessmentDueItems(ctx context.Context, orgID, today, horizon string) ([]risk.DueItem, error) {
	cols := strings.Split(impactColumns, ",")
	for i, c := range cols {
		cols[i] = "a." + strings.TrimSpace(c)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+`, s.name, s.owner_id
		FROM impact_assessments a JOIN ai_systems s ON s.id = a.system_id AND s.org_id = a.org_id
		WHERE a.org_id = $1 AND a.status = $2 AND (a.has_due_reasons = $3 OR (a.next_review <> '' AND a.next_review <= $4))`,
		orgID, string(impact.Approved), true, horizon)
	if err != nil {
		return nil, fmt.Errorf("list assessments due: %w", err)
	}
	defer rows.Close()
	out := []risk.DueItem{}
	for rows.Next() {
		var name, owner string
		a, err := scanAssessment(scanWith{rows, []any{&name, &owner}})
		if err != nil {
			return nil, fmt.Errorf("read impact assessment: %w", err)
		}
		if it, ok := impact.DueItem(a, name, owner, today, horizon); ok {
			out = append(out, it)
		}
	}
	return out, rows.Err()
}
