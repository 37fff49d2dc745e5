package audit

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/annexa-dev/annexa/catalogs"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/risk"
)

// Topic is one input a management review considers (catalogs/audit/review-inputs.json).
type Topic struct {
	ID     string `json:"id"`
	Label  string `json:"label"`
	About  string `json:"about"`
	Clause string `json:"clause"`
}

type topicFile struct {
	ID         string  `json:"id"`
	AsOf       string  `json:"as_of"`
	Provenance string  `json:"provenance"`
	Topics     []Topic `json:"topics"`
}

var loadTopics = sync.OnceValues(func() ([]Topic, error) {
	data, err := catalogs.FS.ReadFile("audit/review-inputs.json")
	if err != nil {
		return nil, fmt.Errorf("read review inputs: %w", err)
	}
	var f topicFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("review inputs: %w", err)
	}
	seen := map[string]bool{}
	for i, t := range f.Topics {
		if t.ID == "" || t.Label == "" || t.About == "" || !strings.HasPrefix(t.Clause, "9.3.2") {
			return nil, fmt.Errorf("review inputs: topic %d needs an id, label, about and a 9.3.2 clause", i)
		}
		if seen[t.ID] {
			return nil, fmt.Errorf("review inputs: topic %q twice", t.ID)
		}
		seen[t.ID] = true
	}
	if f.AsOf == "" || f.Provenance == "" || len(f.Topics) == 0 {
		return nil, fmt.Errorf("review inputs: as_of, provenance and topics are required")
	}
	return f.Topics, nil
})

// Topics returns the review's input topics in their file order.
func Topics() ([]Topic, error) {
	t, err := loadTopics()
	return slices.Clone(t), err
}

// ReviewStatus is where a management review's record stands.
type ReviewStatus string

const (
	ReviewDraft    ReviewStatus = "draft"
	ReviewApproved ReviewStatus = "approved"
)

// ReviewStatuses lists every status in lifecycle order.
var ReviewStatuses = []ReviewStatus{ReviewDraft, ReviewApproved}

// Decision is one output of a management review (clause 9.3.3): a decision on improvement or
// on a change to the management system, with who acts and by when.
type Decision struct {
	ID      string `json:"id"`
	Text    string `json:"text"`
	OwnerID string `json:"owner_id"`
	Due     string `json:"due"`
	// DoneOn is when the decision was carried out, recorded after the review (the minutes say
	// what was decided; this follows it up for the next review's first input, 9.3.2 a)).
	DoneOn string `json:"done_on,omitempty"`
}

// DecisionProgress records a decision as carried out on a date, or "" for not yet.
type DecisionProgress struct {
	DoneOn string `json:"done_on"`
}

// FollowUp records a decision's progress on approved minutes; only that field changes.
func (p DecisionProgress) FollowUp(r Review, decisionID string, today string) (Review, error) {
	if r.Status != ReviewApproved {
		return r, &fault.Error{Code: fault.Conflict, Message: "decisions are followed up once the minutes are approved; edit the draft instead"}
	}
	i := slices.IndexFunc(r.Decisions, func(d Decision) bool { return d.ID == decisionID })
	if i < 0 {
		return r, fault.NotFoundf("decision", decisionID)
	}
	var v fault.Validation
	v.Check(p.DoneOn != "" && !risk.ValidDate(p.DoneOn), "done_on", "must be a date written YYYY-MM-DD, or empty for not done")
	v.Check(p.DoneOn != "" && p.DoneOn > today, "done_on", "must not be in the future")
	v.Check(p.DoneOn != "" && p.DoneOn < r.HeldOn, "done_on", "must not be before the review was held")
	if err := v.Err(); err != nil {
		return r, err
	}
	r.Decisions = slices.Clone(r.Decisions)
	r.Decisions[i].DoneOn = p.DoneOn
	return r, nil
}

// Review is one management review: when it was held, who attended, what it considered on
// each input topic and what it decided. Approved minutes no longer change.
type Review struct {
	ID        string   `json:"id"`
	OrgID     string   `json:"org_id"`
	Title     string   `json:"title"`
	HeldOn    string   `json:"held_on"`
	Standards []string `json:"standards"`
	Attendees []string `json:"attendees"`
	// Inputs holds the notes on each topic id.
	Inputs    map[string]string `json:"inputs"`
	Decisions []Decision        `json:"decisions"`
	Status    ReviewStatus      `json:"status"`
	// ApprovedBy is the approver's user id; ApprovedEmail their address at the time.
	ApprovedBy    string     `json:"approved_by"`
	ApprovedEmail string     `json:"approved_email"`
	ApprovedAt    *time.Time `json:"approved_at"`
	Version       int64      `json:"version"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// RecordVersion is the optimistic-concurrency version, for ETags.
func (r Review) RecordVersion() int64 { return r.Version }

// Covers reports whether the review considered the standard's management system.
func (r Review) Covers(standard string) bool { return slices.Contains(r.Standards, standard) }

// ReviewInput is a create or a partial update of a draft review; nil fields stay.
type ReviewInput struct {
	Title     *string            `json:"title,omitempty"`
	HeldOn    *string            `json:"held_on,omitempty"`
	Standards *[]string          `json:"standards,omitempty"`
	Attendees *[]string          `json:"attendees,omitempty"`
	Inputs    *map[string]string `json:"inputs,omitempty"`
	Decisions *[]Decision        `json:"decisions,omitempty"`
}

// Validate checks each field that is set; creating needs a title, a date and the standards.
func (in ReviewInput) Validate(create bool) error {
	var v fault.Validation
	if create || in.Title != nil {
		checkText(&v, "title", in.Title, true, maxTitle)
	}
	if create {
		v.Check(in.HeldOn == nil || *in.HeldOn == "", "held_on", "must not be empty")
		v.Check(in.Standards == nil || len(*in.Standards) == 0, "standards", "must name at least one standard")
	}
	checkDate(&v, "held_on", in.HeldOn)
	if in.Standards != nil {
		v.Check(len(*in.Standards) == 0, "standards", "must name at least one standard")
		for i, s := range *in.Standards {
			v.Check(!slices.Contains(Standards, s), fmt.Sprintf("standards[%d]", i), "must be %s", strings.Join(Standards, " or "))
		}
	}
	if in.Attendees != nil {
		v.Check(len(*in.Attendees) > 100, "attendees", "at most 100 people")
		for i, a := range *in.Attendees {
			v.Check(strings.TrimSpace(a) == "" || len(a) > maxTitle, fmt.Sprintf("attendees[%d]", i), "must be a name of at most %d characters", maxTitle)
		}
	}
	if in.Inputs != nil {
		topics, err := Topics()
		if err != nil {
			return err
		}
		for id, notes := range *in.Inputs {
			v.Check(!slices.ContainsFunc(topics, func(t Topic) bool { return t.ID == id }), "inputs."+id, "is not a review input topic")
			v.Check(len(notes) > maxText, "inputs."+id, "must be at most %d characters", maxText)
		}
	}
	if in.Decisions != nil {
		for i, d := range *in.Decisions {
			f := fmt.Sprintf("decisions[%d]", i)
			v.Check(strings.TrimSpace(d.Text) == "", f+".text", "must not be empty")
			v.Check(len(d.Text) > maxText, f+".text", "must be at most %d characters", maxText)
			v.Check(d.Due != "" && !risk.ValidDate(d.Due), f+".due", "must be a date written YYYY-MM-DD")
		}
	}
	return v.Err()
}

// Apply returns r with the input's fields set.
func (in ReviewInput) Apply(r Review) Review {
	if in.Title != nil {
		r.Title = strings.TrimSpace(*in.Title)
	}
	if in.HeldOn != nil {
		r.HeldOn = *in.HeldOn
	}
	if in.Standards != nil {
		r.Standards = slices.Compact(slices.Sorted(slices.Values(*in.Standards)))
	}
	if in.Attendees != nil {
		r.Attendees = make([]string, len(*in.Attendees))
		for i, a := range *in.Attendees {
			r.Attendees[i] = strings.TrimSpace(a)
		}
	}
	if in.Inputs != nil {
		r.Inputs = map[string]string{}
		for id, notes := range *in.Inputs {
			if n := strings.TrimSpace(notes); n != "" {
				r.Inputs[id] = n
			}
		}
	}
	if in.Decisions != nil {
		r.Decisions = slices.Clone(*in.Decisions)
		for i := range r.Decisions {
			r.Decisions[i].Text = strings.TrimSpace(r.Decisions[i].Text)
		}
	}
	if r.Attendees == nil {
		r.Attendees = []string{}
	}
	if r.Inputs == nil {
		r.Inputs = map[string]string{}
	}
	if r.Decisions == nil {
		r.Decisions = []Decision{}
	}
	return r
}

// ChangeReview refuses edits to approved minutes.
func ChangeReview(before Review) error {
	if before.Status == ReviewApproved {
		return &fault.Error{Code: fault.Conflict, Message: "the management review is approved: its minutes no longer change"}
	}
	return nil
}

// Approve checks that the minutes are complete — held, attended, every input topic
// considered, at least one decision — and records the approval.
func Approve(r Review, userID, email string, at time.Time) (Review, error) {
	if err := ChangeReview(r); err != nil {
		return r, err
	}
	topics, err := Topics()
	if err != nil {
		return r, err
	}
	var v fault.Validation
	v.Check(r.HeldOn > at.UTC().Format(time.DateOnly), "held_on", "a review is approved after it is held")
	v.Check(len(r.Attendees) == 0, "attendees", "record who attended")
	for _, t := range topics {
		v.Check(r.Inputs[t.ID] == "", "inputs."+t.ID, "the review has not considered %s (%s)", strings.ToLower(t.Label), t.Clause)
	}
	v.Check(len(r.Decisions) == 0, "decisions", "record at least one decision on improvement or change (9.3.3)")
	if err := v.Err(); err != nil {
		return r, err
	}
	at = at.UTC()
	r.Status, r.ApprovedBy, r.ApprovedEmail, r.ApprovedAt = ReviewApproved, userID, email, &at
	return r, nil
}
