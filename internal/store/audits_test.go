package store_test

import (
	"testing"
	"time"

	"github.com/annexa-dev/annexa/internal/audit"
	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/risk"
	"github.com/annexa-dev/annexa/internal/store"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

func combinedAudit(lead string) audit.Input {
	return audit.Input{Title: ptr("Combined ISMS and AIMS audit 2026"), Kind: ptr(audit.ManagementSystem),
		Standards: &[]string{audit.ISO42001, audit.ISO27001}, Scope: ptr("Head office; HR screening and support chatbot"),
		LeadAuditorID: ptr(lead), PlannedStart: ptr("2026-10-01"), PlannedEnd: ptr("2026-10-03")}
}

func TestAuditLifecycleAndFindings(t *testing.T) {
	lib := library(t)
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, admin := bootstrap(t, db)
		a, err := db.CreateAudit(ctx, o.ID, combinedAudit(admin.ID), cli)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != audit.Planned || len(a.Standards) != 2 || a.Standards[0] != audit.ISO27001 || a.Version != 1 {
			t.Fatalf("created: %+v", a)
		}
		// Findings wait for the audit to start.
		nc := audit.NewFinding{Requirement: "iso42001-2023:6.1.4", Kind: audit.MinorNonconformity,
			Statement: "No impact assessment for the support chatbot", Evidence: "Register sampled 2026-10-02"}
		_, _, err = db.AddFinding(ctx, o.ID, a.ID, nc, lib, nil, cli)
		if !fault.Is(err, fault.Conflict) {
			t.Fatalf("finding on a planned audit: %v", err)
		}
		a, err = db.UpdateAudit(ctx, o.ID, a.ID, audit.Input{Status: ptr(audit.InProgress)}, ptr(a.Version), cli)
		if err != nil || a.Status != audit.InProgress {
			t.Fatalf("start: %+v %v", a, err)
		}
		for _, bad := range []struct {
			f     audit.NewFinding
			field string
		}{
			{audit.NewFinding{Requirement: "iso27001-2022:A.5.1", Kind: audit.Observation, Statement: "x"}, "requirement"}, // a control, in a clause audit
			{audit.NewFinding{Requirement: "nist-ai-rmf-1.0:GOVERN 1.1", Kind: audit.Observation, Statement: "x"}, "requirement"},
			{audit.NewFinding{Requirement: "iso27001-2022:99.9", Kind: audit.Observation, Statement: "x"}, "requirement"},
			{audit.NewFinding{Requirement: "iso27001-2022:9.2", Kind: "serious", Statement: "x"}, "kind"},
			{audit.NewFinding{Requirement: "iso27001-2022:9.2", Kind: audit.Observation, Statement: " "}, "statement"},
		} {
			_, _, err := db.AddFinding(ctx, o.ID, a.ID, bad.f, lib, nil, cli)
			wantFields(t, err, fault.Invalid, bad.field)
		}
		a, f, err := db.AddFinding(ctx, o.ID, a.ID, nc, lib, ptr(a.Version), cli)
		if err != nil || len(a.Findings) != 1 || f.ID == "" || a.Nonconformities() != 1 {
			t.Fatalf("finding: %+v %v", a, err)
		}
		a, obs, err := db.AddFinding(ctx, o.ID, a.ID, audit.NewFinding{Requirement: "iso27001-2022:7.5.3", Kind: audit.Observation, Statement: "Two policy copies in circulation"}, lib, nil, cli)
		if err != nil {
			t.Fatal(err)
		}
		a, err = db.DeleteFinding(ctx, o.ID, a.ID, obs.ID, nil, cli)
		if err != nil || len(a.Findings) != 1 {
			t.Fatalf("withdraw finding: %+v %v", a, err)
		}
		// The kind and standards are fixed once findings exist; completing needs a conclusion.
		_, err = db.UpdateAudit(ctx, o.ID, a.ID, audit.Input{Kind: ptr(audit.AnnexA), Standards: &[]string{audit.ISO27001}}, nil, cli)
		wantFields(t, err, fault.Invalid, "kind")
		_, err = db.UpdateAudit(ctx, o.ID, a.ID, audit.Input{Status: ptr(audit.Completed)}, nil, cli)
		wantFields(t, err, fault.Invalid, "conclusion", "completed_on")
		_, err = db.UpdateAudit(ctx, o.ID, a.ID, audit.Input{Status: ptr(audit.Completed), Conclusion: ptr("Conforms but for one finding"), CompletedOn: ptr("2999-01-01")}, nil, cli)
		wantFields(t, err, fault.Invalid, "completed_on")
		done, err := db.UpdateAudit(ctx, o.ID, a.ID, audit.Input{Status: ptr(audit.Completed), Conclusion: ptr("Conforms but for one finding"), CompletedOn: ptr("2026-10-03")}, nil, cli)
		if err != nil || done.Status != audit.Completed {
			t.Fatalf("complete: %+v %v", done, err)
		}
		// A completed audit is a record.
		if _, err := db.UpdateAudit(ctx, o.ID, a.ID, audit.Input{Title: ptr("Rewritten")}, nil, cli); !fault.Is(err, fault.Conflict) {
			t.Fatalf("edit a completed audit: %v", err)
		}
		if err := db.DeleteAudit(ctx, o.ID, a.ID, nil, cli); !fault.Is(err, fault.Conflict) {
			t.Fatalf("delete a completed audit: %v", err)
		}
		if _, err := db.UpdateAudit(ctx, o.ID, a.ID, audit.Input{}, ptr(int64(1)), cli); !fault.Is(err, fault.PreconditionErr) {
			t.Fatalf("stale version: %v", err)
		}
		log, err := db.AuditLog(ctx, o.ID, auditlog.Filter{RecordType: "audit", RecordID: a.ID}, store.PageRequest{})
		if err != nil || len(log.Items) != 6 {
			t.Fatalf("audit trail: %d entries, %v", len(log.Items), err)
		}

		// Bad plans: an Annex A audit covers one standard, dates in order, a real lead auditor.
		_, err = db.CreateAudit(ctx, o.ID, audit.Input{Title: ptr("Annex A"), Kind: ptr(audit.AnnexA), Standards: &[]string{audit.ISO27001, audit.ISO42001},
			PlannedStart: ptr("2026-11-02"), PlannedEnd: ptr("2026-11-01"), LeadAuditorID: ptr("nobody")}, cli)
		wantFields(t, err, fault.Invalid, "standards", "planned_end", "lead_auditor_id")
		_, err = db.CreateAudit(ctx, o.ID, audit.Input{Title: ptr("x")}, cli)
		wantFields(t, err, fault.Invalid, "kind", "standards", "planned_start", "planned_end")
		annex, err := db.CreateAudit(ctx, o.ID, audit.Input{Title: ptr("Annex A 27001"), Kind: ptr(audit.AnnexA), Standards: &[]string{audit.ISO27001},
			PlannedStart: ptr("2026-11-01"), PlannedEnd: ptr("2026-11-02")}, cli)
		if err != nil {
			t.Fatal(err)
		}
		annex, err = db.UpdateAudit(ctx, o.ID, annex.ID, audit.Input{Status: ptr(audit.InProgress)}, nil, cli)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = db.AddFinding(ctx, o.ID, annex.ID, audit.NewFinding{Requirement: "iso27001-2022:9.2", Kind: audit.Observation, Statement: "x"}, lib, nil, cli)
		wantFields(t, err, fault.Invalid, "requirement")
		if _, _, err := db.AddFinding(ctx, o.ID, annex.ID, audit.NewFinding{Requirement: "iso27001-2022:A.8.13", Kind: audit.MajorNonconformity, Statement: "Backups never restored"}, lib, nil, cli); err != nil {
			t.Fatal(err)
		}
		planned, err := db.CreateAudit(ctx, o.ID, combinedAudit(admin.ID), cli)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteAudit(ctx, o.ID, planned.ID, nil, cli); err != nil {
			t.Fatalf("delete a planned audit: %v", err)
		}
		pg, err := db.Audits(ctx, o.ID, audit.Filter{Standard: audit.ISO42001}, store.PageRequest{})
		if err != nil || len(pg.Items) != 1 || pg.Items[0].ID != a.ID {
			t.Fatalf("audits of ISO/IEC 42001: %+v %v", pg, err)
		}
		pg, err = db.Audits(ctx, o.ID, audit.Filter{Underway: true}, store.PageRequest{})
		if err != nil || len(pg.Items) != 1 || pg.Items[0].ID != annex.ID {
			t.Fatalf("audits underway: %+v %v", pg, err)
		}
		pg, err = db.Audits(ctx, o.ID, audit.Filter{}, store.PageRequest{Limit: 1})
		if err != nil || len(pg.Items) != 1 || pg.Items[0].ID != annex.ID || pg.NextCursor == "" {
			t.Fatalf("first page, latest first: %+v %v", pg, err)
		}
		pg, err = db.Audits(ctx, o.ID, audit.Filter{}, store.PageRequest{Limit: 1, Cursor: pg.NextCursor})
		if err != nil || len(pg.Items) != 1 || pg.Items[0].ID != a.ID || pg.NextCursor != "" {
			t.Fatalf("second page: %+v %v", pg, err)
		}
		// Another organisation sees none of it.
		other, err := db.CreateOrganisation(ctx, "Other", cli)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Audit(ctx, other.ID, a.ID); !fault.Is(err, fault.NotFound) {
			t.Fatalf("audit across organisations: %v", err)
		}
	})
}

func TestCorrectiveActionLifecycle(t *testing.T) {
	lib := library(t)
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, admin := bootstrap(t, db)
		auditor, err := db.AddMember(ctx, o.ID, auth.NewUser{Email: "auditor@example.org", Role: auth.Auditor}, cli)
		if err != nil {
			t.Fatal(err)
		}
		a, err := db.CreateAudit(ctx, o.ID, combinedAudit(auditor.ID), cli)
		if err != nil {
			t.Fatal(err)
		}
		a, _ = db.UpdateAudit(ctx, o.ID, a.ID, audit.Input{Status: ptr(audit.InProgress)}, nil, cli)
		a, nc, err := db.AddFinding(ctx, o.ID, a.ID, audit.NewFinding{Requirement: "iso42001-2023:6.1.4", Kind: audit.MinorNonconformity, Statement: "No impact assessment"}, lib, nil, cli)
		if err != nil {
			t.Fatal(err)
		}
		a, obs, err := db.AddFinding(ctx, o.ID, a.ID, audit.NewFinding{Requirement: "iso27001-2022:7.5.3", Kind: audit.Observation, Statement: "Copies"}, lib, nil, cli)
		if err != nil {
			t.Fatal(err)
		}
		in := audit.ActionInput{Title: ptr("Assess the chatbot's impact"), AuditID: ptr(a.ID), FindingID: ptr(obs.ID),
			Nonconformity: ptr("The chatbot went live without an impact assessment"), DueOn: ptr("2026-12-15"), OwnerID: ptr(admin.ID)}
		_, err = db.CreateCorrectiveAction(ctx, o.ID, in, cli)
		wantFields(t, err, fault.Invalid, "finding_id")
		in.FindingID = ptr("nope")
		_, err = db.CreateCorrectiveAction(ctx, o.ID, in, cli)
		wantFields(t, err, fault.Invalid, "finding_id")
		in.FindingID = ptr(nc.ID)
		ca, err := db.CreateCorrectiveAction(ctx, o.ID, in, cli)
		if err != nil || ca.Status != audit.ActionOpen || ca.Version != 1 {
			t.Fatalf("create: %+v %v", ca, err)
		}
		// A finding answered by a corrective action stays.
		if _, err := db.DeleteFinding(ctx, o.ID, a.ID, nc.ID, nil, cli); !fault.Is(err, fault.Conflict) {
			t.Fatalf("withdraw an answered finding: %v", err)
		}
		// Implemented needs the cause and every action done.
		_, err = db.UpdateCorrectiveAction(ctx, o.ID, ca.ID, audit.ActionInput{Status: ptr(audit.ActionImplemented),
			Actions: &[]risk.Action{{Title: "Run the assessment", OwnerID: admin.ID}}}, nil, cli)
		wantFields(t, err, fault.Invalid, "root_cause", "actions[0].done")
		_, err = db.UpdateCorrectiveAction(ctx, o.ID, ca.ID, audit.ActionInput{Status: ptr(audit.ActionEffective)}, nil, cli)
		wantFields(t, err, fault.Invalid, "status")
		ca, err = db.UpdateCorrectiveAction(ctx, o.ID, ca.ID, audit.ActionInput{Status: ptr(audit.ActionImplemented), RootCause: ptr("Go-live checklist lacks the assessment step"),
			Actions: &[]risk.Action{{Title: "Run the assessment", OwnerID: admin.ID, Done: true}}}, ptr(ca.Version), cli)
		if err != nil || ca.Status != audit.ActionImplemented || ca.Actions[0].ID == "" {
			t.Fatalf("implemented: %+v %v", ca, err)
		}
		// The owner cannot check their own action; an ineffective check needs a reason and reopens it.
		asAdmin := auth.Principal{UserID: admin.ID, Email: admin.Email, OrgID: o.ID, Role: auth.Admin}
		asAuditor := auth.Principal{UserID: auditor.ID, Email: "auditor@example.org", OrgID: o.ID, Role: auth.Auditor}
		_, err = db.VerifyCorrectiveAction(ctx, o.ID, ca.ID, audit.Check{Effective: true}, asAdmin, nil, cli)
		wantFields(t, err, fault.Invalid, "user")
		_, err = db.VerifyCorrectiveAction(ctx, o.ID, ca.ID, audit.Check{Effective: false}, asAuditor, nil, cli)
		wantFields(t, err, fault.Invalid, "note")
		ca, err = db.VerifyCorrectiveAction(ctx, o.ID, ca.ID, audit.Check{Effective: false, Note: "The checklist is not used by the ML team"}, asAuditor, nil, cli)
		if err != nil || ca.Status != audit.ActionOpen || len(ca.Verifications) != 1 {
			t.Fatalf("ineffective: %+v %v", ca, err)
		}
		if _, err := db.VerifyCorrectiveAction(ctx, o.ID, ca.ID, audit.Check{Effective: true}, asAuditor, nil, cli); !fault.Is(err, fault.Conflict) {
			t.Fatalf("check an open action: %v", err)
		}
		if err := db.DeleteCorrectiveAction(ctx, o.ID, ca.ID, nil, cli); !fault.Is(err, fault.Conflict) {
			t.Fatalf("delete a checked action: %v", err)
		}
		ca, err = db.UpdateCorrectiveAction(ctx, o.ID, ca.ID, audit.ActionInput{Status: ptr(audit.ActionImplemented)}, nil, cli)
		if err != nil {
			t.Fatal(err)
		}
		ca, err = db.VerifyCorrectiveAction(ctx, o.ID, ca.ID, audit.Check{Effective: true, Note: "Two releases since used the step"}, asAuditor, ptr(ca.Version), cli)
		if err != nil || ca.Status != audit.ActionEffective || len(ca.Verifications) != 2 || ca.Verifications[1].Email != "auditor@example.org" {
			t.Fatalf("effective: %+v %v", ca, err)
		}
		if _, err := db.UpdateCorrectiveAction(ctx, o.ID, ca.ID, audit.ActionInput{Title: ptr("x")}, nil, cli); !fault.Is(err, fault.Conflict) {
			t.Fatalf("edit an effective action: %v", err)
		}

		// A nonconformity found outside an audit, overdue.
		late, err := db.CreateCorrectiveAction(ctx, o.ID, audit.ActionInput{Title: ptr("Access review missed"), Source: ptr("incident INC-42"),
			Nonconformity: ptr("Quarterly access review skipped"), DueOn: ptr("2020-01-01")}, cli)
		if err != nil || !late.Overdue {
			t.Fatalf("overdue action: %+v %v", late, err)
		}
		_, err = db.CreateCorrectiveAction(ctx, o.ID, audit.ActionInput{Title: ptr("x"), Nonconformity: ptr("x"), DueOn: ptr("2026-13-01"), OwnerID: ptr("ghost"), AuditID: ptr(a.ID)}, cli)
		wantFields(t, err, fault.Invalid, "due_on", "finding_id")
		pg, err := db.CorrectiveActions(ctx, o.ID, audit.ActionFilter{Overdue: true}, store.PageRequest{})
		if err != nil || len(pg.Items) != 1 || pg.Items[0].ID != late.ID {
			t.Fatalf("overdue list: %+v %v", pg, err)
		}
		pg, err = db.CorrectiveActions(ctx, o.ID, audit.ActionFilter{AuditID: a.ID}, store.PageRequest{})
		if err != nil || len(pg.Items) != 1 || pg.Items[0].ID != ca.ID {
			t.Fatalf("actions of the audit: %+v %v", pg, err)
		}
		// Per standard: those of its audits' findings and those raised outside audits.
		for std, want := range map[string]int{audit.ISO42001: 2, audit.ISO27001: 2} {
			if pg, err := db.CorrectiveActions(ctx, o.ID, audit.ActionFilter{Standard: std}, store.PageRequest{}); err != nil || len(pg.Items) != want {
				t.Fatalf("actions concerning %s: %d %v", std, len(pg.Items), err)
			}
		}
		annexOnly, err := db.CreateAudit(ctx, o.ID, audit.Input{Title: ptr("Annex A 42001"), Kind: ptr(audit.AnnexA), Standards: &[]string{audit.ISO42001},
			PlannedStart: ptr("2026-11-01"), PlannedEnd: ptr("2026-11-02")}, cli)
		if err != nil {
			t.Fatal(err)
		}
		annexOnly, _ = db.UpdateAudit(ctx, o.ID, annexOnly.ID, audit.Input{Status: ptr(audit.InProgress)}, nil, cli)
		_, ncA, err := db.AddFinding(ctx, o.ID, annexOnly.ID, audit.NewFinding{Requirement: "iso42001-2023:A.6.2.4", Kind: audit.MinorNonconformity, Statement: "No verification records"}, lib, nil, cli)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateCorrectiveAction(ctx, o.ID, audit.ActionInput{Title: ptr("Keep verification records"), AuditID: ptr(annexOnly.ID), FindingID: ptr(ncA.ID),
			Nonconformity: ptr("No records"), DueOn: ptr("2027-01-15")}, cli); err != nil {
			t.Fatal(err)
		}
		for std, want := range map[string]int{audit.ISO42001: 3, audit.ISO27001: 2} {
			if pg, err := db.CorrectiveActions(ctx, o.ID, audit.ActionFilter{Standard: std}, store.PageRequest{}); err != nil || len(pg.Items) != want {
				t.Fatalf("actions concerning %s after an ISO 42001 Annex A finding: %d %v", std, len(pg.Items), err)
			}
		}
		if err := db.DeleteCorrectiveAction(ctx, o.ID, late.ID, nil, cli); err != nil {
			t.Fatalf("delete an open action: %v", err)
		}
	})
}

func TestManagementReviewApproval(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, admin := bootstrap(t, db)
		_, err := db.CreateManagementReview(ctx, o.ID, audit.ReviewInput{Title: ptr("x"), Standards: &[]string{"iso9001"},
			Inputs: &map[string]string{"weather": "fine"}}, cli)
		wantFields(t, err, fault.Invalid, "held_on", "standards[0]", "inputs.weather")
		r, err := db.CreateManagementReview(ctx, o.ID, audit.ReviewInput{Title: ptr("Management review Q4 2026"), HeldOn: ptr("2026-11-20"),
			Standards: &[]string{audit.ISO27001, audit.ISO42001}, Attendees: &[]string{"Ada (CEO)", "Grace (CISO)"},
			Inputs: &map[string]string{"previous_actions": "All three closed"}}, cli)
		if err != nil || r.Status != audit.ReviewDraft {
			t.Fatalf("create: %+v %v", r, err)
		}
		by := auth.Principal{UserID: admin.ID, Email: admin.Email, OrgID: o.ID, Role: auth.Admin}
		topics, err := audit.Topics()
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.ApproveManagementReview(ctx, o.ID, r.ID, by, nil, cli)
		wantFields(t, err, fault.Invalid, "inputs.audit_results", "inputs.risk", "decisions")
		inputs := map[string]string{}
		for _, tp := range topics {
			inputs[tp.ID] = "Considered: " + tp.Label
		}
		_, err = db.UpdateManagementReview(ctx, o.ID, r.ID, audit.ReviewInput{Decisions: &[]audit.Decision{{Text: "Fund a bias testing tool", OwnerID: "ghost"}}}, nil, cli)
		wantFields(t, err, fault.Invalid, "decisions[0].owner_id")
		r, err = db.UpdateManagementReview(ctx, o.ID, r.ID, audit.ReviewInput{Inputs: &inputs,
			Decisions: &[]audit.Decision{{Text: "Fund a bias testing tool", OwnerID: admin.ID, Due: "2027-03-31"}}}, ptr(r.Version), cli)
		if err != nil || r.Decisions[0].ID == "" {
			t.Fatalf("update: %+v %v", r, err)
		}
		r, err = db.ApproveManagementReview(ctx, o.ID, r.ID, by, ptr(r.Version), cli)
		if err != nil || r.Status != audit.ReviewApproved || r.ApprovedBy != admin.ID || r.ApprovedAt == nil {
			t.Fatalf("approve: %+v %v", r, err)
		}
		got, err := db.ManagementReview(ctx, o.ID, r.ID)
		if err != nil || got.ApprovedAt == nil || !got.ApprovedAt.Equal(*r.ApprovedAt) || len(got.Inputs) != len(topics) {
			t.Fatalf("read back: %+v %v", got, err)
		}
		if _, err := db.UpdateManagementReview(ctx, o.ID, r.ID, audit.ReviewInput{Title: ptr("x")}, nil, cli); !fault.Is(err, fault.Conflict) {
			t.Fatalf("edit approved minutes: %v", err)
		}
		// The decisions are followed up on the approved minutes, which otherwise stay as they were.
		today := time.Now().UTC().Format(time.DateOnly)
		fu, err := db.FollowUpDecision(ctx, o.ID, r.ID, r.Decisions[0].ID, audit.DecisionProgress{DoneOn: today}, ptr(r.Version), cli)
		if err != nil || fu.Decisions[0].DoneOn != today || fu.Status != audit.ReviewApproved || fu.Title != r.Title {
			t.Fatalf("follow up: %+v %v", fu, err)
		}
		if err := db.DeleteManagementReview(ctx, o.ID, r.ID, nil, cli); !fault.Is(err, fault.Conflict) {
			t.Fatalf("delete approved minutes: %v", err)
		}
		// A review cannot be approved before it is held.
		future, err := db.CreateManagementReview(ctx, o.ID, audit.ReviewInput{Title: ptr("Next"), HeldOn: ptr(time.Now().AddDate(0, 1, 0).Format(time.DateOnly)),
			Standards: &[]string{audit.ISO42001}, Attendees: &[]string{"Ada"}, Inputs: &inputs, Decisions: &[]audit.Decision{{Text: "Keep going"}}}, cli)
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.ApproveManagementReview(ctx, o.ID, future.ID, by, nil, cli)
		wantFields(t, err, fault.Invalid, "held_on")
		pg, err := db.ManagementReviews(ctx, o.ID, store.PageRequest{})
		if err != nil || len(pg.Items) != 2 || pg.Items[0].ID != future.ID {
			t.Fatalf("list, latest first: %+v %v", pg, err)
		}
		if err := db.DeleteManagementReview(ctx, o.ID, future.ID, nil, cli); err != nil {
			t.Fatalf("delete a draft: %v", err)
		}
	})
}

func TestAuditChecklistIsKept(t *testing.T) {
	lib := library(t)
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, admin := bootstrap(t, db)
		a, err := db.CreateAudit(ctx, o.ID, combinedAudit(admin.ID), cli)
		if err != nil {
			t.Fatal(err)
		}
		mark := audit.Examination{Requirements: []string{"iso42001-2023:6.1.4", "iso27001-2022:5.2"}, Examined: true}
		if _, err := db.ExamineRequirements(ctx, o.ID, a.ID, mark, lib, nil, cli); !fault.Is(err, fault.Conflict) {
			t.Fatalf("a checklist before the audit starts: %v", err)
		}
		a, _ = db.UpdateAudit(ctx, o.ID, a.ID, audit.Input{Status: ptr(audit.InProgress)}, nil, cli)
		a, err = db.ExamineRequirements(ctx, o.ID, a.ID, mark, lib, ptr(a.Version), cli)
		if err != nil || len(a.Examined) != 2 {
			t.Fatalf("examine: %+v %v", a.Examined, err)
		}
		got, err := db.Audit(ctx, o.ID, a.ID)
		if err != nil || len(got.Examined) != 2 || got.Examined[0] != "iso27001-2022:5.2" {
			t.Fatalf("read back: %+v %v", got.Examined, err)
		}
		_, err = db.ExamineRequirements(ctx, o.ID, a.ID, audit.Examination{Requirements: []string{"iso27001-2022:A.5.1"}, Examined: true}, lib, nil, cli)
		wantFields(t, err, fault.Invalid, "requirements[0]")
	})
}
