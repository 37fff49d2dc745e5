// Package audit is the audit programme of both management systems: internal audits (ISO/IEC
// 27001:2022 and ISO/IEC 42001:2023 clause 9.2) with their findings, corrective actions with
// effectiveness checks (10.2) and management reviews (9.3).
//
// A management-system audit covers Clauses 4–10 and may combine both standards, since their
// harmonised structure makes one audit of the shared processes possible; an Annex A audit
// covers one standard's controls. A finding names the requirement it is about, and every
// nonconformity must be answered by a corrective action.
package audit

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/risk"
)

// The standards an audit programme covers.
const (
	ISO27001 = "iso27001-2022"
	ISO42001 = "iso42001-2023"
)

// Standards lists them in the order pages show them.
var Standards = []string{ISO27001, ISO42001}

// Kind says what an audit examines.
type Kind string

const (
	// ManagementSystem audits Clauses 4–10 of one or both standards.
	ManagementSystem Kind = "management_system"
	// AnnexA audits the Annex A controls of one standard.
	AnnexA Kind = "annex_a"
)

// Kinds lists every kind.
var Kinds = []Kind{ManagementSystem, AnnexA}

func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Status is where an audit stands.
type Status string

const (
	Planned    Status = "planned"
	InProgress Status = "in_progress"
	Completed  Status = "completed"
	Cancelled  Status = "cancelled"
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{Planned, InProgress, Completed, Cancelled}

func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Final reports whether the audit is closed: a completed audit is a record of what was found,
// a cancelled one of what was not done.
func (s Status) Final() bool { return s == Completed || s == Cancelled }

// FindingKind grades a finding.
type FindingKind string

const (
	MajorNonconformity FindingKind = "major_nonconformity"
	MinorNonconformity FindingKind = "minor_nonconformity"
	Observation        FindingKind = "observation"
	Opportunity        FindingKind = "opportunity_for_improvement"
)

// FindingKinds lists every grade, most serious first.
var FindingKinds = []FindingKind{MajorNonconformity, MinorNonconformity, Observation, Opportunity}

func (k FindingKind) Valid() bool { return slices.Contains(FindingKinds, k) }

// Nonconformity reports whether the grade is a requirement not fulfilled, which clause 10.2
// answers with a corrective action.
func (k FindingKind) Nonconformity() bool { return k == MajorNonconformity || k == MinorNonconformity }

// Finding is one result of an audit.
type Finding struct {
	ID string `json:"id"`
	// Requirement is the clause or control concerned, as catalog:item.
	Requirement string      `json:"requirement"`
	Kind        FindingKind `json:"kind"`
	Statement   string      `json:"statement"`
	// Evidence says what the auditor saw: records sampled, people interviewed.
	Evidence  string    `json:"evidence"`
	CreatedAt time.Time `json:"created_at"`
}

// Audit is one internal audit of the programme.
type Audit struct {
	ID        string   `json:"id"`
	OrgID     string   `json:"org_id"`
	Title     string   `json:"title"`
	Kind      Kind     `json:"kind"`
	Standards []string `json:"standards"`
	// Scope says which processes, sites, teams or AI systems the audit covers.
	Scope         string `json:"scope"`
	LeadAuditorID string `json:"lead_auditor_id"`
	PlannedStart  string `json:"planned_start"`
	PlannedEnd    string `json:"planned_end"`
	Status        Status `json:"status"`
	// Conclusion is the audit's overall result, required to complete it.
	Conclusion  string    `json:"conclusion"`
	CompletedOn string    `json:"completed_on"`
	Findings    []Finding `json:"findings"`
	// Examined lists the requirements (catalog:item) the audit marked as examined on its
	// checklist; a finding's requirement counts as examined without a mark.
	Examined  []string  `json:"examined"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// RecordVersion is the optimistic-concurrency version, for ETags.
func (a Audit) RecordVersion() int64 { return a.Version }

// Covers reports whether the audit examines the standard.
func (a Audit) Covers(standard string) bool { return slices.Contains(a.Standards, standard) }

// Nonconformities counts the audit's nonconformity findings.
func (a Audit) Nonconformities() int {
	n := 0
	for _, f := range a.Findings {
		if f.Kind.Nonconformity() {
			n++
		}
	}
	return n
}

// Finding returns the finding with the id.
func (a Audit) Finding(id string) (Finding, bool) {
	i := slices.IndexFunc(a.Findings, func(f Finding) bool { return f.ID == id })
	if i < 0 {
		return Finding{}, false
	}
	return a.Findings[i], true
}

const (
	maxTitle = 300
	maxText  = 20000
)

func checkText(v *fault.Validation, field string, s *string, required bool, max int) {
	if s == nil {
		if required {
			v.Add(field, "must not be empty")
		}
		return
	}
	t := strings.TrimSpace(*s)
	v.Check(required && t == "", field, "must not be empty")
	v.Check(len(t) > max, field, "must be at most %d characters", max)
}

func checkDate(v *fault.Validation, field string, s *string) {
	if s != nil && *s != "" {
		v.Check(!risk.ValidDate(*s), field, "must be a date written YYYY-MM-DD")
	}
}

// Input is a create or a partial update of an audit; nil fields stay as they are.
type Input struct {
	Title         *string   `json:"title,omitempty"`
	Kind          *Kind     `json:"kind,omitempty"`
	Standards     *[]string `json:"standards,omitempty"`
	Scope         *string   `json:"scope,omitempty"`
	LeadAuditorID *string   `json:"lead_auditor_id,omitempty"`
	PlannedStart  *string   `json:"planned_start,omitempty"`
	PlannedEnd    *string   `json:"planned_end,omitempty"`
	// Status moves the audit on: planned → in_progress → completed, or cancelled.
	Status      *Status `json:"status,omitempty"`
	Conclusion  *string `json:"conclusion,omitempty"`
	CompletedOn *string `json:"completed_on,omitempty"`
}

// Validate checks each field that is set; creating needs a title, kind, standards and dates.
func (in Input) Validate(create bool) error {
	var v fault.Validation
	if create || in.Title != nil {
		checkText(&v, "title", in.Title, true, maxTitle)
	}
	checkText(&v, "scope", in.Scope, false, maxText)
	checkText(&v, "conclusion", in.Conclusion, false, maxText)
	if create {
		v.Check(in.Kind == nil, "kind", "must be management_system or annex_a")
		v.Check(in.Standards == nil, "standards", "must name at least one standard")
		v.Check(in.PlannedStart == nil || *in.PlannedStart == "", "planned_start", "must not be empty")
		v.Check(in.PlannedEnd == nil || *in.PlannedEnd == "", "planned_end", "must not be empty")
	}
	if in.Kind != nil {
		v.Check(!in.Kind.Valid(), "kind", "must be management_system or annex_a")
	}
	if in.Status != nil {
		v.Check(!in.Status.Valid(), "status", "must be one of planned, in_progress, completed, cancelled")
	}
	if in.Standards != nil {
		for i, s := range *in.Standards {
			v.Check(!slices.Contains(Standards, s), fmt.Sprintf("standards[%d]", i), "must be %s", strings.Join(Standards, " or "))
		}
	}
	checkDate(&v, "planned_start", in.PlannedStart)
	checkDate(&v, "planned_end", in.PlannedEnd)
	checkDate(&v, "completed_on", in.CompletedOn)
	return v.Err()
}

// Apply returns a with the input's fields set.
func (in Input) Apply(a Audit) Audit {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&a.Title, in.Title)
	set(&a.Scope, in.Scope)
	set(&a.LeadAuditorID, in.LeadAuditorID)
	set(&a.PlannedStart, in.PlannedStart)
	set(&a.PlannedEnd, in.PlannedEnd)
	set(&a.Conclusion, in.Conclusion)
	set(&a.CompletedOn, in.CompletedOn)
	if in.Kind != nil {
		a.Kind = *in.Kind
	}
	if in.Status != nil {
		a.Status = *in.Status
	}
	if in.Standards != nil {
		a.Standards = slices.Clone(*in.Standards)
		slices.Sort(a.Standards)
		a.Standards = slices.Compact(a.Standards)
	}
	if a.Findings == nil {
		a.Findings = []Finding{}
	}
	if a.Examined == nil {
		a.Examined = []string{}
	}
	return a
}

// transitions are the status moves a person may make.
var transitions = map[Status][]Status{
	Planned:    {InProgress, Cancelled},
	InProgress: {Completed, Cancelled},
}

// Change checks an audit after an edit against the audit before it (zero before a create):
// the shape of the audit, its lifecycle, and that a completed audit has a conclusion.
func Change(before, after Audit, today string) error {
	if before.Status.Final() {
		return &fault.Error{Code: fault.Conflict, Message: fmt.Sprintf("the audit is %s: its record no longer changes", before.Status)}
	}
	var v fault.Validation
	switch after.Kind {
	case AnnexA:
		v.Check(len(after.Standards) != 1, "standards", "an Annex A audit covers exactly one standard")
	case ManagementSystem:
		v.Check(len(after.Standards) == 0, "standards", "must name at least one standard")
	}
	v.Check(after.PlannedEnd < after.PlannedStart, "planned_end", "must not be before planned_start")
	if before.ID == "" {
		v.Check(after.Status != Planned && after.Status != InProgress, "status", "a new audit is planned or in_progress")
	} else if after.Status != before.Status {
		v.Check(!slices.Contains(transitions[before.Status], after.Status), "status", "cannot move from %s to %s", before.Status, after.Status)
	}
	if before.ID != "" && (after.Kind != before.Kind || !slices.Equal(after.Standards, before.Standards)) {
		v.Check(len(after.Findings) > 0, "kind", "the audit has findings: its kind and standards no longer change")
	}
	if after.Status == Completed {
		v.Check(after.Conclusion == "", "conclusion", "is required to complete the audit")
		v.Check(after.CompletedOn == "", "completed_on", "is required to complete the audit")
		v.Check(after.CompletedOn != "" && after.CompletedOn > today, "completed_on", "must not be in the future")
		v.Check(after.CompletedOn != "" && after.CompletedOn < after.PlannedStart, "completed_on", "must not be before planned_start")
	} else {
		v.Check(after.CompletedOn != "", "completed_on", "is set only when the audit is completed")
	}
	return v.Err()
}

// Requirements resolves catalog items; a *catalog.View satisfies it.
type Requirements interface {
	Item(catalogID, itemID string) (catalog.Item, error)
}

// NewFinding records a finding.
type NewFinding struct {
	Requirement string      `json:"requirement"`
	Kind        FindingKind `json:"kind"`
	Statement   string      `json:"statement"`
	Evidence    string      `json:"evidence"`
}

// Check validates the finding against the audit: it is recorded while the audit is in
// progress, and its requirement is a clause (management-system audit) or an Annex A control
// (Annex A audit) of a standard the audit covers.
func (n NewFinding) Check(a Audit, reqs Requirements) error {
	if a.Status != InProgress {
		return &fault.Error{Code: fault.Conflict, Message: fmt.Sprintf("findings are recorded while the audit is in progress; it is %s", a.Status)}
	}
	var v fault.Validation
	v.Check(!n.Kind.Valid(), "kind", "must be one of %s", joinKinds())
	st := strings.TrimSpace(n.Statement)
	v.Check(st == "", "statement", "must not be empty")
	v.Check(len(st) > maxText, "statement", "must be at most %d characters", maxText)
	v.Check(len(n.Evidence) > maxText, "evidence", "must be at most %d characters", maxText)
	cat, item, ok := strings.Cut(n.Requirement, ":")
	switch {
	case !ok || !a.Covers(cat):
		v.Add("requirement", "must be catalog:item naming a requirement of %s", strings.Join(a.Standards, " or "))
	default:
		it, err := reqs.Item(cat, item)
		if err != nil {
			v.Add("requirement", "%q is not an item of %s", item, cat)
			break
		}
		if a.Kind == AnnexA {
			v.Check(it.Kind != "control", "requirement", "an Annex A audit's findings name an Annex A control")
		} else {
			v.Check(it.Kind != "clause" && it.Kind != "subclause", "requirement", "a management-system audit's findings name a clause (4–10)")
		}
	}
	return v.Err()
}

func joinKinds() string {
	s := make([]string, len(FindingKinds))
	for i, k := range FindingKinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// Finding builds the finding as recorded.
func (n NewFinding) Finding(id string, at time.Time) Finding {
	return Finding{ID: id, Requirement: n.Requirement, Kind: n.Kind, Statement: strings.TrimSpace(n.Statement), Evidence: strings.TrimSpace(n.Evidence), CreatedAt: at}
}

// Filter selects audits.
type Filter struct {
	Status Status
	// Underway keeps planned and in-progress audits, as the programme's standing counts them.
	Underway bool
	Standard string
}

// UnderwayFilter is the status filter's word for Filter.Underway, in query strings.
const UnderwayFilter = "underway"

// ParseStatusFilter reads a status filter, where "underway" means planned or in progress.
func ParseStatusFilter(s string) Filter {
	if s == UnderwayFilter {
		return Filter{Underway: true}
	}
	return Filter{Status: Status(s)}
}

// Validate checks the enumerated filters.
func (f Filter) Validate() error {
	var v fault.Validation
	v.Check(f.Status != "" && !f.Status.Valid(), "status", "must be one of planned, in_progress, completed, cancelled, underway")
	v.Check(f.Standard != "" && !slices.Contains(Standards, f.Standard), "standard", "must be %s", strings.Join(Standards, " or "))
	return v.Err()
}
