package audit

import (
	"testing"
	"time"

	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/risk"
)

func ptr[T any](v T) *T { return &v }

func TestTopicsData(t *testing.T) {
	topics, err := Topics()
	if err != nil {
		t.Fatal(err)
	}
	// ISO/IEC 27001:2022 9.3.2 a) to g), with d) in its four parts.
	if len(topics) != 10 {
		t.Fatalf("want 10 review input topics, got %d", len(topics))
	}
	for _, tp := range topics {
		if len(tp.About) > 200 {
			t.Errorf("topic %s: the one-line paraphrase runs to %d characters", tp.ID, len(tp.About))
		}
	}
}

func TestAuditChangeRules(t *testing.T) {
	base := Audit{ID: "a", Kind: ManagementSystem, Standards: []string{ISO27001}, PlannedStart: "2026-10-01", PlannedEnd: "2026-10-02", Status: InProgress}
	withFinding := base
	withFinding.Findings = []Finding{{ID: "f", Kind: Observation}}
	tests := []struct {
		name   string
		before Audit
		edit   func(a Audit) Audit
		code   fault.Code
		field  string
	}{
		{"new audits start planned or under way", Audit{}, func(a Audit) Audit { a.ID = ""; a.Status = Completed; return a }, fault.Invalid, "status"},
		{"planned cannot jump to completed", Audit{ID: "a", Status: Planned}, func(a Audit) Audit { a.Status = Completed; a.Conclusion = "ok"; a.CompletedOn = "2026-10-02"; return a }, fault.Invalid, "status"},
		{"an Annex A audit covers one standard", base, func(a Audit) Audit { a.Kind = AnnexA; a.Standards = []string{ISO27001, ISO42001}; return a }, fault.Invalid, "standards"},
		{"end before start", base, func(a Audit) Audit { a.PlannedEnd = "2026-09-30"; return a }, fault.Invalid, "planned_end"},
		{"standards fixed once findings exist", withFinding, func(a Audit) Audit { a.Standards = []string{ISO42001}; return a }, fault.Invalid, "kind"},
		{"completion needs a conclusion", base, func(a Audit) Audit { a.Status = Completed; a.CompletedOn = "2026-10-02"; return a }, fault.Invalid, "conclusion"},
		{"completion date only when completed", base, func(a Audit) Audit { a.CompletedOn = "2026-10-02"; return a }, fault.Invalid, "completed_on"},
		{"completed before it started", base, func(a Audit) Audit { a.Status = Completed; a.Conclusion = "ok"; a.CompletedOn = "2026-09-01"; return a }, fault.Invalid, "completed_on"},
		{"a completed audit is final", Audit{ID: "a", Status: Completed}, func(a Audit) Audit { return a }, fault.Conflict, ""},
		{"a cancelled audit is final", Audit{ID: "a", Status: Cancelled}, func(a Audit) Audit { a.Status = Planned; return a }, fault.Conflict, ""},
		{"completing with everything", base, func(a Audit) Audit { a.Status = Completed; a.Conclusion = "ok"; a.CompletedOn = "2026-10-02"; return a }, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := tc.before
			if start.ID == "" {
				start = base
			}
			err := Change(tc.before, tc.edit(start), "2026-11-27")
			if tc.code == "" {
				if err != nil {
					t.Fatalf("want no error, got %v", err)
				}
				return
			}
			if !fault.Is(err, tc.code) {
				t.Fatalf("want %s, got %v", tc.code, err)
			}
			if tc.field != "" && !hasField(err, tc.field) {
				t.Fatalf("want field %s named, got %v", tc.field, err)
			}
		})
	}
}

func hasField(err error, field string) bool {
	for _, f := range fault.Fields(err) {
		if f.Field == field {
			return true
		}
	}
	return false
}

func TestVerifyNeedsSecondPersonAndReason(t *testing.T) {
	c := CorrectiveAction{ID: "c", OwnerID: "owner", Status: ActionImplemented, RootCause: "x", Actions: []risk.Action{{Title: "x", Done: true}}}
	if _, err := Verify(c, Verification{UserID: "owner", Effective: true}); !hasField(err, "user") {
		t.Fatalf("the owner checked their own action: %v", err)
	}
	if _, err := Verify(c, Verification{UserID: "auditor", Effective: false}); !hasField(err, "note") {
		t.Fatalf("ineffective without a reason: %v", err)
	}
	got, err := Verify(c, Verification{UserID: "auditor", Effective: false, Note: " not used "})
	if err != nil || got.Status != ActionOpen || len(got.Verifications) != 1 || got.Verifications[0].Note != "not used" || len(c.Verifications) != 0 {
		t.Fatalf("ineffective check: %+v %v", got, err)
	}
	c.Status = ActionOpen
	if _, err := Verify(c, Verification{UserID: "auditor", Effective: true}); !fault.Is(err, fault.Conflict) {
		t.Fatalf("checked an open action: %v", err)
	}
}

func TestStandingVerdicts(t *testing.T) {
	const today = "2026-11-27"
	completed := func(id, on string, standards ...string) Audit {
		return Audit{ID: id, Title: id, Kind: ManagementSystem, Standards: standards, Status: Completed, CompletedOn: on, PlannedStart: on}
	}
	nc := Finding{ID: "f1", Kind: MinorNonconformity}
	recent := completed("recent", "2026-06-30", ISO27001, ISO42001)
	recent.Findings = []Finding{nc, {ID: "f2", Kind: Observation}}
	tests := []struct {
		name                      string
		prog                      Programme
		standard                  string
		audit, review, corrective string
	}{
		{"nothing recorded", Programme{}, ISO42001, open, open, open},
		{"an audit planned, a draft review", Programme{Audits: []Audit{{ID: "p", Standards: []string{ISO42001}, Status: Planned}},
			Reviews: []Review{{ID: "r", Standards: []string{ISO42001}, Status: ReviewDraft, HeldOn: "2026-11-01"}}}, ISO42001, partial, partial, open},
		{"last audit and review over a year old", Programme{Audits: []Audit{completed("old", "2025-06-01", ISO27001)},
			Reviews: []Review{{ID: "r", Standards: []string{ISO27001}, Status: ReviewApproved, HeldOn: "2025-06-10"}}}, ISO27001, partial, partial, met},
		{"a recent audit with an unanswered nonconformity", Programme{Audits: []Audit{recent}}, ISO42001, met, open, partial},
		{"the nonconformity answered, an overdue action elsewhere", Programme{Audits: []Audit{recent},
			Actions: []CorrectiveAction{{AuditID: "recent", FindingID: "f1", Status: ActionImplemented, DueOn: "2026-08-01"},
				{Status: ActionOpen, DueOn: "2026-09-01"}}}, ISO27001, met, open, partial},
		{"all answered, approved review this year", Programme{Audits: []Audit{recent},
			Actions: []CorrectiveAction{{AuditID: "recent", FindingID: "f1", Status: ActionEffective, DueOn: "2026-08-01"}},
			Reviews: []Review{{ID: "r", Standards: []string{ISO27001, ISO42001}, Status: ReviewApproved, HeldOn: "2026-11-20"}}}, ISO42001, met, met, met},
		{"another standard's audit does not count", Programme{Audits: []Audit{completed("isms", "2026-06-30", ISO27001)}}, ISO42001, open, open, open},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := tc.prog.Standing(tc.standard, today)
			for what, got := range map[string]Verdict{"internal audit": st.InternalAudit(today), "management review": st.ManagementReview(today),
				"corrective actions": st.CorrectiveActions()} {
				want := map[string]string{"internal audit": tc.audit, "management review": tc.review, "corrective actions": tc.corrective}[what]
				if got.Status != want {
					t.Errorf("%s: want %s, got %s (%s)", what, want, got.Status, got.Detail)
				}
			}
		})
	}
}

func TestApproveNeedsCompleteMinutes(t *testing.T) {
	topics, err := Topics()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	r := ReviewInput{Title: ptr("Q4"), HeldOn: ptr("2026-11-27"), Standards: &[]string{ISO42001}}.Apply(Review{})
	_, err = Approve(r, "u", "u@example.org", at)
	for _, f := range []string{"attendees", "decisions", "inputs." + topics[0].ID} {
		if !hasField(err, f) {
			t.Errorf("incomplete minutes approved without %s: %v", f, err)
		}
	}
	r.Attendees = []string{"Ada"}
	for _, tp := range topics {
		r.Inputs[tp.ID] = "considered"
	}
	r.Decisions = []Decision{{Text: "Go on"}}
	got, err := Approve(r, "u", "u@example.org", at)
	if err != nil || got.Status != ReviewApproved || got.ApprovedAt == nil || !got.ApprovedAt.Equal(at) {
		t.Fatalf("approve: %+v %v", got, err)
	}
	if _, err := Approve(got, "u", "u@example.org", at); !fault.Is(err, fault.Conflict) {
		t.Fatalf("approved twice: %v", err)
	}
}

func TestDecisionFollowUp(t *testing.T) {
	r := Review{HeldOn: "2026-10-01", Status: ReviewDraft, Decisions: []Decision{{ID: "d1", Text: "Fund a tool", Due: "2026-12-31"}}}
	if _, err := (DecisionProgress{DoneOn: "2026-11-01"}).FollowUp(r, "d1", "2026-11-27"); !fault.Is(err, fault.Conflict) {
		t.Fatalf("follow up a draft: %v", err)
	}
	r.Status = ReviewApproved
	if _, err := (DecisionProgress{DoneOn: "2026-11-01"}).FollowUp(r, "nope", "2026-11-27"); !fault.Is(err, fault.NotFound) {
		t.Fatalf("an unknown decision: %v", err)
	}
	for _, bad := range []string{"2026-12-01", "2026-09-30", "soon"} {
		if _, err := (DecisionProgress{DoneOn: bad}).FollowUp(r, "d1", "2026-11-27"); !hasField(err, "done_on") {
			t.Errorf("done on %s: %v", bad, err)
		}
	}
	got, err := DecisionProgress{DoneOn: "2026-11-01"}.FollowUp(r, "d1", "2026-11-27")
	if err != nil || got.Decisions[0].DoneOn != "2026-11-01" || r.Decisions[0].DoneOn != "" {
		t.Fatalf("done: %+v %v (the original must not change)", got.Decisions, err)
	}
	if got, _ = (DecisionProgress{}).FollowUp(got, "d1", "2026-11-27"); got.Decisions[0].DoneOn != "" {
		t.Fatal("a decision cannot be marked not done again")
	}
}
