package audit

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/report"
)

func TestReportAndMinutesDocuments(t *testing.T) {
	lib, err := catalog.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	names := func(id string) string { return map[string]string{"u1": "Ada Lovelace", "u2": "Grace Hopper"}[id] }
	a := Audit{ID: "a1", Title: "ISMS audit 2026", Kind: ManagementSystem, Standards: []string{ISO27001, ISO42001}, Scope: "Head office",
		LeadAuditorID: "u1", PlannedStart: "2026-10-01", PlannedEnd: "2026-10-03", Status: Completed, CompletedOn: "2026-10-03", Conclusion: "Conforms",
		Findings: []Finding{{ID: "f1", Requirement: "iso27001-2022:9.2.2", Kind: MinorNonconformity, Statement: "Programme not approved"},
			{ID: "f2", Requirement: "iso42001-2023:6.1.4", Kind: MajorNonconformity, Statement: "No impact assessments"},
			{ID: "f3", Requirement: "iso27001-2022:7.5.3", Kind: Observation, Statement: "Two copies"}}}
	actions := []CorrectiveAction{{AuditID: "a1", FindingID: "f1", Title: "Approve the programme", Status: ActionEffective, DueOn: "2026-11-01", OwnerID: "u2"}}
	d := ReportDocument(a, actions, "Acme", lib, names, time.Now())
	facts := map[string]string{}
	for _, f := range d.Facts {
		facts[f.Label] = f.Value
	}
	if facts["Lead auditor"] != "Ada Lovelace" || !strings.Contains(facts["Audit"], "ISO/IEC 27001:2022 and ISO/IEC 42001:2023") ||
		facts["Findings"] != "1 major nonconformity, 1 minor nonconformity, 1 observation, 0 opportunity for improvement" || facts["Note"] != "" {
		t.Fatalf("report facts: %+v", facts)
	}
	var table report.Table
	for _, b := range d.Blocks {
		if tb, ok := b.(report.Table); ok {
			table = tb
		}
	}
	if len(table.Rows) != 3 || !strings.HasPrefix(table.Rows[0][1], "9.2.2 ") ||
		table.Rows[0][5] != "Approve the programme: effective, due 2026-11-01, owner Grace Hopper" ||
		table.Rows[1][5] != "none recorded" || table.Rows[2][5] != "" {
		t.Fatalf("findings table: %q", table.Rows)
	}
	if _, err := report.PDF(d); err != nil {
		t.Fatal(err)
	}
	a.Status = InProgress
	if d := ReportDocument(a, nil, "Acme", lib, names, time.Now()); !strings.Contains(d.Facts[len(d.Facts)-1].Value, "draft") {
		t.Fatalf("a report of an unfinished audit does not say it is a draft: %+v", d.Facts)
	}

	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	r := Review{Title: "Q4 review", HeldOn: "2026-11-20", Standards: []string{ISO42001}, Attendees: []string{"Ada", "Grace"},
		Inputs: map[string]string{"risk": "Five risks above appetite"}, Decisions: []Decision{{Text: "Buy a bias testing tool", OwnerID: "u2", Due: "2027-03-31"}},
		Status: ReviewApproved, ApprovedBy: "u1", ApprovedAt: &at}
	m, err := MinutesDocument(r, "Acme", names, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Footer, "Approved by Ada Lovelace on 2026-11-20") {
		t.Fatalf("minutes footer: %q", m.Footer)
	}
	var inputs report.Table
	for _, b := range m.Blocks {
		if tb, ok := b.(report.Table); ok && len(tb.Columns) == 3 {
			inputs = tb
		}
	}
	topics, _ := Topics()
	if len(inputs.Rows) != len(topics) {
		t.Fatalf("minutes list %d topics, want %d", len(inputs.Rows), len(topics))
	}
	for _, row := range inputs.Rows {
		if row[1] == "Risk assessment and treatment" && row[2] != "Five risks above appetite" || row[1] != "Risk assessment and treatment" && row[2] != "—" {
			t.Errorf("topic row %q", row)
		}
	}
	if _, err := report.PDF(m); err != nil {
		t.Fatal(err)
	}
}

func TestChecklistExaminationAndCoverage(t *testing.T) {
	lib, err := catalog.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	a := Audit{ID: "a", Kind: ManagementSystem, Standards: []string{ISO27001}, Status: InProgress,
		Findings: []Finding{{ID: "f", Requirement: "iso27001-2022:9.2.2", Kind: MinorNonconformity}}}
	list := a.Checklist(lib)
	refs := map[string]ChecklistItem{}
	for _, it := range list {
		refs[it.Requirement] = it
	}
	// A finding on a clause as a whole examines the requirements under it.
	whole := Audit{Kind: ManagementSystem, Standards: []string{ISO27001}, Findings: []Finding{{Requirement: "iso27001-2022:9.2", Kind: Observation}}}
	n := 0
	for _, it := range whole.Checklist(lib) {
		if it.Examined {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("a finding on 9.2 examines %d requirements, want 9.2.1 and 9.2.2", n)
	}
	// Leaf requirements only: 9.2 has sub-clauses, so 9.2.1 and 9.2.2 are on the list and 9.2 is not.
	if _, ok := refs["iso27001-2022:9.2"]; ok || !refs["iso27001-2022:9.2.2"].Examined || refs["iso27001-2022:9.2.2"].Findings != 1 || refs["iso27001-2022:4.1"].Examined {
		t.Fatalf("checklist: %d items, 9.2.2 %+v", len(list), refs["iso27001-2022:9.2.2"])
	}
	if _, ok := refs["iso27001-2022:A.5.1"]; ok {
		t.Fatal("a clause audit's checklist holds Annex A controls")
	}
	a, err = Examination{Requirements: []string{"iso27001-2022:4.1", "iso27001-2022:4.2"}, Examined: true}.Apply(a, lib)
	if err != nil || len(a.Examined) != 2 {
		t.Fatalf("examine: %+v %v", a.Examined, err)
	}
	a, err = Examination{Requirements: []string{"iso27001-2022:4.2"}}.Apply(a, lib)
	if err != nil || len(a.Examined) != 1 || a.Examined[0] != "iso27001-2022:4.1" {
		t.Fatalf("unmark: %+v %v", a.Examined, err)
	}
	if b, err := (Examination{Requirements: []string{"iso27001-2022:5.1", "iso27001-2022:5.2"}, Examined: true, Replace: true}).Apply(a, lib); err != nil ||
		!slices.Equal(b.Examined, []string{"iso27001-2022:5.1", "iso27001-2022:5.2"}) {
		t.Fatalf("replace the marks: %+v %v", b.Examined, err)
	}
	if b, err := (Examination{Replace: true}).Apply(a, lib); err != nil || len(b.Examined) != 0 {
		t.Fatalf("clear the marks: %+v %v", b.Examined, err)
	}
	if _, err := (Examination{Requirements: []string{"iso27001-2022:A.5.1", "iso42001-2023:4.1"}, Examined: true}).Apply(a, lib); !hasField(err, "requirements[0]") || !hasField(err, "requirements[1]") {
		t.Fatalf("out-of-scope marks: %v", err)
	}
	a.Status = Completed
	if _, err := (Examination{Requirements: []string{"iso27001-2022:4.2"}, Examined: true}).Apply(a, lib); !fault.Is(err, fault.Conflict) {
		t.Fatalf("a completed audit's checklist changed: %v", err)
	}

	today := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	a.CompletedOn = "2026-06-30"
	old := Audit{ID: "old", Kind: AnnexA, Standards: []string{ISO27001}, Status: Completed, CompletedOn: "2022-01-10", Examined: []string{"iso27001-2022:A.5.2"}}
	annex := Audit{ID: "x", Kind: AnnexA, Standards: []string{ISO27001}, Status: Completed, CompletedOn: "2025-05-01", Examined: []string{"iso27001-2022:A.5.1", "iso27001-2022:A.8.11"}}
	cat, _ := lib.Catalog(ISO27001)
	cov := Programme{Audits: []Audit{a, old, annex}}.Coverage(cat, map[string]bool{"A.8.11": true}, today)
	if cov.ClausesCovered != 2 || cov.Controls != 92 || cov.ControlsCovered != 1 || cov.Since != "2023-11-28" ||
		slices.Contains(cov.Uncovered, "iso27001-2022:A.5.1") || !slices.Contains(cov.Uncovered, "iso27001-2022:A.5.2") || slices.Contains(cov.Uncovered, "iso27001-2022:A.8.11") {
		t.Fatalf("coverage: %+v", cov)
	}
}
