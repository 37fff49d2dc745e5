package audit

import (
	"strings"
	"testing"
	"time"

	"github.com/annexa-dev/annexa/internal/catalog"
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
