package audit

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/risk"
)

// ActionStatus is where a corrective action stands (clause 10.2): open until its actions are
// done and the cause is known, implemented until someone checks it worked, then effective.
type ActionStatus string

const (
	ActionOpen        ActionStatus = "open"
	ActionImplemented ActionStatus = "implemented"
	ActionEffective   ActionStatus = "effective"
)

// ActionStatuses lists every status in lifecycle order.
var ActionStatuses = []ActionStatus{ActionOpen, ActionImplemented, ActionEffective}

func (s ActionStatus) Valid() bool { return slices.Contains(ActionStatuses, s) }

// Verification is one review of a corrective action's effectiveness.
type Verification struct {
	UserID    string    `json:"user_id"`
	Email     string    `json:"email"`
	At        time.Time `json:"at"`
	Effective bool      `json:"effective"`
	Note      string    `json:"note"`
}

// CorrectiveAction answers a nonconformity: react to it (correction), find its cause, act so
// it does not recur, and check that the action worked.
type CorrectiveAction struct {
	ID    string `json:"id"`
	OrgID string `json:"org_id"`
	Title string `json:"title"`
	// AuditID and FindingID name the audit finding it answers; both empty for a
	// nonconformity found elsewhere (an incident, a complaint, monitoring).
	AuditID   string `json:"audit_id"`
	FindingID string `json:"finding_id"`
	// Source says where a nonconformity not found by an audit came from.
	Source        string `json:"source"`
	Nonconformity string `json:"nonconformity"`
	// Correction is what was done at once to contain the nonconformity.
	Correction string        `json:"correction"`
	RootCause  string        `json:"root_cause"`
	Actions    []risk.Action `json:"actions"`
	OwnerID    string        `json:"owner_id"`
	DueOn      string        `json:"due_on"`
	Status     ActionStatus  `json:"status"`
	// Verifications is every effectiveness check, oldest first; an ineffective one reopens it.
	Verifications []Verification `json:"verifications"`
	Version       int64          `json:"version"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
	// Overdue is derived: open or implemented-but-unchecked past its due date.
	Overdue bool `json:"overdue"`
}

// RecordVersion is the optimistic-concurrency version, for ETags.
func (c CorrectiveAction) RecordVersion() int64 { return c.Version }

// Derive fills what depends on the date.
func (c *CorrectiveAction) Derive(today string) {
	c.Overdue = c.Status == ActionOpen && c.DueOn != "" && c.DueOn < today
}

// ActionInput is a create or a partial update of a corrective action; nil fields stay.
type ActionInput struct {
	Title         *string        `json:"title,omitempty"`
	AuditID       *string        `json:"audit_id,omitempty"`
	FindingID     *string        `json:"finding_id,omitempty"`
	Source        *string        `json:"source,omitempty"`
	Nonconformity *string        `json:"nonconformity,omitempty"`
	Correction    *string        `json:"correction,omitempty"`
	RootCause     *string        `json:"root_cause,omitempty"`
	Actions       *[]risk.Action `json:"actions,omitempty"`
	OwnerID       *string        `json:"owner_id,omitempty"`
	DueOn         *string        `json:"due_on,omitempty"`
	// Status moves it between open and implemented; effective comes only from a check.
	Status *ActionStatus `json:"status,omitempty"`
}

// Validate checks each field that is set; creating needs a title, the nonconformity and a due date.
func (in ActionInput) Validate(create bool) error {
	var v fault.Validation
	if create || in.Title != nil {
		checkText(&v, "title", in.Title, true, maxTitle)
	}
	if create || in.Nonconformity != nil {
		checkText(&v, "nonconformity", in.Nonconformity, true, maxText)
	}
	checkText(&v, "correction", in.Correction, false, maxText)
	checkText(&v, "root_cause", in.RootCause, false, maxText)
	checkText(&v, "source", in.Source, false, maxTitle)
	if create {
		v.Check(in.DueOn == nil || *in.DueOn == "", "due_on", "must not be empty")
	}
	checkDate(&v, "due_on", in.DueOn)
	if in.Status != nil {
		v.Check(*in.Status != ActionOpen && *in.Status != ActionImplemented, "status", "must be open or implemented; effectiveness is recorded by a check")
	}
	if in.Actions != nil {
		for i, a := range *in.Actions {
			f := fmt.Sprintf("actions[%d]", i)
			v.Check(strings.TrimSpace(a.Title) == "", f+".title", "must not be empty")
			v.Check(a.Due != "" && !risk.ValidDate(a.Due), f+".due", "must be a date written YYYY-MM-DD")
		}
	}
	if in.AuditID != nil || in.FindingID != nil {
		v.Check(ptrOr(in.AuditID) == "" != (ptrOr(in.FindingID) == ""), "finding_id", "audit_id and finding_id are given together")
	}
	return v.Err()
}

func ptrOr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Apply returns c with the input's fields set.
func (in ActionInput) Apply(c CorrectiveAction) CorrectiveAction {
	for _, f := range []struct {
		dst *string
		src *string
	}{{&c.Title, in.Title}, {&c.AuditID, in.AuditID}, {&c.FindingID, in.FindingID}, {&c.Source, in.Source},
		{&c.Nonconformity, in.Nonconformity}, {&c.Correction, in.Correction}, {&c.RootCause, in.RootCause},
		{&c.OwnerID, in.OwnerID}, {&c.DueOn, in.DueOn}} {
		if f.src != nil {
			*f.dst = strings.TrimSpace(*f.src)
		}
	}
	if in.Actions != nil {
		c.Actions = slices.Clone(*in.Actions)
	}
	if in.Status != nil {
		c.Status = *in.Status
	}
	if c.Actions == nil {
		c.Actions = []risk.Action{}
	}
	if c.Verifications == nil {
		c.Verifications = []Verification{}
	}
	return c
}

// ChangeAction checks a corrective action after an edit: one that is effective is closed, and
// one is implemented only with its cause found and every action done.
func ChangeAction(before, after CorrectiveAction) error {
	if before.Status == ActionEffective {
		return &fault.Error{Code: fault.Conflict, Message: "the corrective action was checked effective: its record no longer changes"}
	}
	var v fault.Validation
	if after.Status == ActionImplemented {
		v.Check(after.RootCause == "", "root_cause", "is required before the action counts as implemented")
		v.Check(len(after.Actions) == 0, "actions", "at least one action is required before it counts as implemented")
		for i, a := range after.Actions {
			v.Check(!a.Done, fmt.Sprintf("actions[%d].done", i), "every action is done before it counts as implemented")
		}
	}
	return v.Err()
}

// Check is an effectiveness check as a person submits it.
type Check struct {
	Effective bool   `json:"effective"`
	Note      string `json:"note"`
}

// Verify records an effectiveness check by a person other than the action's owner: it closes
// an effective action and reopens an ineffective one, keeping every check.
func Verify(c CorrectiveAction, by Verification) (CorrectiveAction, error) {
	if c.Status != ActionImplemented {
		return c, &fault.Error{Code: fault.Conflict, Message: fmt.Sprintf("only an implemented corrective action is checked; this one is %s", c.Status)}
	}
	var v fault.Validation
	v.Check(by.UserID != "" && by.UserID == c.OwnerID, "user", "the action's owner cannot check its own effectiveness")
	v.Check(!by.Effective && strings.TrimSpace(by.Note) == "", "note", "say why the action was not effective")
	v.Check(len(by.Note) > maxText, "note", "must be at most %d characters", maxText)
	if err := v.Err(); err != nil {
		return c, err
	}
	by.Note = strings.TrimSpace(by.Note)
	c.Verifications = append(slices.Clone(c.Verifications), by)
	c.Status = ActionOpen
	if by.Effective {
		c.Status = ActionEffective
	}
	return c, nil
}

// ActionFilter selects corrective actions.
type ActionFilter struct {
	Status  ActionStatus
	AuditID string
	Overdue bool
	Today   string
	// Standard keeps the actions concerning a standard as its standing counts them: those of
	// its audits' findings and those raised outside audits.
	Standard string
}

// Validate checks the enumerated filters.
func (f ActionFilter) Validate() error {
	var v fault.Validation
	v.Check(f.Status != "" && !f.Status.Valid(), "status", "must be one of open, implemented, effective")
	v.Check(f.Standard != "" && !slices.Contains(Standards, f.Standard), "standard", "must be %s", strings.Join(Standards, " or "))
	return v.Err()
}
