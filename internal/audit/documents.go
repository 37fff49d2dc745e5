package audit

import (
	"fmt"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/report"
)

// Names prints a person by user id; the caller decides how a departed person prints.
type Names func(userID string) string

var standardTitles = map[string]string{ISO27001: "ISO/IEC 27001:2022", ISO42001: "ISO/IEC 42001:2023"}

func standardsText(ids []string) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = standardTitles[id]
		if s[i] == "" {
			s[i] = id
		}
	}
	return strings.Join(s, " and ")
}

func label(s string) string { return strings.ReplaceAll(s, "_", " ") }

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// requirementText prints catalog:item with the item's title when the catalog knows it.
func requirementText(reqs Requirements, ref string) string {
	cat, item, ok := strings.Cut(ref, ":")
	if !ok {
		return ref
	}
	it, err := reqs.Item(cat, item)
	if err != nil {
		return ref
	}
	return fmt.Sprintf("%s %s (%s)", item, it.Title, standardTitles[cat])
}

// ReportDocument is the audit report an auditor files: the plan, scope and lead auditor, the
// conclusion, every finding, and the corrective action answering each nonconformity.
func ReportDocument(a Audit, actions []CorrectiveAction, organisation string, reqs Requirements, name Names, at time.Time) report.Document {
	kind := "Management-system audit (Clauses 4 to 10)"
	if a.Kind == AnnexA {
		kind = "Annex A audit"
	}
	state := label(string(a.Status))
	if a.Status == Completed {
		state = "completed on " + a.CompletedOn
	}
	d := report.Document{
		Title:    "Internal audit report",
		Subtitle: a.Title,
		Footer:   fmt.Sprintf("%s · Internal audit report · %s · %s", organisation, a.Title, state),
		Created:  at,
		Facts: []report.Fact{{Label: "Organisation", Value: organisation}, {Label: "Audit", Value: kind + " of " + standardsText(a.Standards)},
			{Label: "Scope", Value: orDash(a.Scope)}, {Label: "Lead auditor", Value: orDash(name(a.LeadAuditorID))},
			{Label: "Planned", Value: a.PlannedStart + " to " + a.PlannedEnd}, {Label: "Status", Value: state},
			{Label: "Findings", Value: findingSummary(a)}},
	}
	if a.Status != Completed {
		d.Facts = append(d.Facts, report.Fact{Label: "Note", Value: "The audit is not completed: this report is a draft."})
	}
	d.Blocks = append(d.Blocks, report.Heading("Conclusion"), report.Paragraph(orDash(a.Conclusion)), report.Heading("Findings"))
	answer := map[string]CorrectiveAction{}
	for _, c := range actions {
		if c.AuditID == a.ID {
			answer[c.FindingID] = c
		}
	}
	rows := make([][]string, 0, len(a.Findings))
	for i, f := range a.Findings {
		action := ""
		if f.Kind.Nonconformity() {
			action = "none recorded"
			if c, ok := answer[f.ID]; ok {
				action = fmt.Sprintf("%s: %s, due %s, owner %s", c.Title, label(string(c.Status)), c.DueOn, orDash(name(c.OwnerID)))
			}
		}
		rows = append(rows, []string{fmt.Sprint(i + 1), requirementText(reqs, f.Requirement), label(string(f.Kind)), f.Statement, f.Evidence, action})
	}
	d.Blocks = append(d.Blocks, report.Table{Columns: []report.Column{{Title: "#", Width: 7}, {Title: "Requirement", Width: 36}, {Title: "Grade", Width: 22},
		{Title: "Finding", Width: 48}, {Title: "Evidence", Width: 35}, {Title: "Corrective action", Width: 38}}, Rows: rows, Empty: "No findings were recorded."})
	return d
}

func findingSummary(a Audit) string {
	counts := map[FindingKind]int{}
	for _, f := range a.Findings {
		counts[f.Kind]++
	}
	parts := make([]string, 0, len(FindingKinds))
	for _, k := range FindingKinds {
		parts = append(parts, fmt.Sprintf("%d %s", counts[k], label(string(k))))
	}
	return strings.Join(parts, ", ")
}

// MinutesDocument is a management review's minutes: who met when, what they considered on
// each input topic, what they decided, and who approved the minutes.
func MinutesDocument(r Review, organisation string, name Names, at time.Time) (report.Document, error) {
	topics, err := Topics()
	if err != nil {
		return report.Document{}, err
	}
	approval := "Draft: not approved"
	if r.ApprovedAt != nil {
		approval = fmt.Sprintf("Approved by %s on %s", orDash(name(r.ApprovedBy)), r.ApprovedAt.UTC().Format(time.DateOnly))
	}
	d := report.Document{
		Title:    "Management review minutes",
		Subtitle: r.Title,
		Footer:   fmt.Sprintf("%s · Management review %s · %s", organisation, r.HeldOn, approval),
		Created:  at,
		Facts: []report.Fact{{Label: "Organisation", Value: organisation}, {Label: "Standards", Value: standardsText(r.Standards)},
			{Label: "Held on", Value: r.HeldOn}, {Label: "Attendees", Value: orDash(strings.Join(r.Attendees, "; "))}, {Label: "Minutes", Value: approval}},
	}
	inputs := make([][]string, 0, len(topics))
	for _, t := range topics {
		inputs = append(inputs, []string{t.Clause, t.Label, orDash(r.Inputs[t.ID])})
	}
	decisions := make([][]string, 0, len(r.Decisions))
	for i, x := range r.Decisions {
		decisions = append(decisions, []string{fmt.Sprint(i + 1), x.Text, orDash(name(x.OwnerID)), orDash(x.Due)})
	}
	d.Blocks = append(d.Blocks,
		report.Heading("Inputs considered"),
		report.Table{Columns: []report.Column{{Title: "Clause", Width: 20}, {Title: "Topic", Width: 45}, {Title: "What the review considered", Width: 121}}, Rows: inputs},
		report.Heading("Decisions and actions"),
		report.Table{Columns: []report.Column{{Title: "#", Width: 7}, {Title: "Decision", Width: 119}, {Title: "Owner", Width: 35}, {Title: "Due", Width: 25}},
			Rows: decisions, Empty: "No decisions were recorded."})
	return d, nil
}
