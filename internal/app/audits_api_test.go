package app_test

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/annexa-dev/annexa/internal/api"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

type programmeAudit struct {
	ID          string
	Status      string
	Standards   []string
	CompletedOn string `json:"completed_on"`
	Findings    []struct{ ID, Requirement, Kind string }
}

type programmeAction struct {
	ID            string
	Status        string
	OwnerID       string `json:"owner_id"`
	Verifications []struct {
		UserID    string `json:"user_id"`
		Effective bool
	}
}

type programmeReview struct {
	ID         string
	Status     string
	ApprovedBy string `json:"approved_by"`
}

type programmeStanding struct {
	Standard         string
	LastAudit        *struct{ ID string } `json:"last_audit"`
	LastReview       *struct{ ID string } `json:"last_review"`
	AuditsUnderway   int                  `json:"audits_underway"`
	DraftReviews     int                  `json:"draft_reviews"`
	Nonconformities  int
	Unanswered       int
	ActionsOpen      int `json:"actions_open"`
	ActionsEffective int `json:"actions_effective"`
}

// isoDay is a date relative to today in UTC, as the server reckons dates.
func isoDay(offset int) string { return time.Now().UTC().AddDate(0, 0, offset).Format(time.DateOnly) }

// planAudit plans an audit through the API and fails the test unless it is created.
func planAudit(t *testing.T, s *server, token, title, kind string, standards ...string) programmeAudit {
	t.Helper()
	r := s.do("POST", "/api/v1/audits", token, map[string]any{"title": title, "kind": kind, "standards": standards,
		"planned_start": isoDay(-7), "planned_end": isoDay(7)})
	if r.status != 201 {
		t.Fatalf("plan %q: %d %s", title, r.status, r.body)
	}
	var a programmeAudit
	r.json(t, &a)
	return a
}

// runningAudit plans an audit and starts it.
func runningAudit(t *testing.T, s *server, token, title, kind string, standards ...string) programmeAudit {
	t.Helper()
	a := planAudit(t, s, token, title, kind, standards...)
	if r := s.do("PATCH", "/api/v1/audits/"+a.ID, token, map[string]any{"status": "in_progress"}); r.status != 200 {
		t.Fatalf("start %q: %d %s", title, r.status, r.body)
	}
	return a
}

// recordFinding records a finding and returns it, the last of the audit the API answers with.
func recordFinding(t *testing.T, s *server, token, auditID, requirement, kind string) struct{ ID, Requirement, Kind string } {
	t.Helper()
	r := s.do("POST", "/api/v1/audits/"+auditID+"/findings", token, map[string]any{"requirement": requirement, "kind": kind,
		"statement": "Finding on " + requirement})
	if r.status != 201 {
		t.Fatalf("finding on %s: %d %s", requirement, r.status, r.body)
	}
	var a programmeAudit
	r.json(t, &a)
	f := a.Findings[len(a.Findings)-1]
	if f.Requirement != requirement || f.Kind != kind {
		t.Fatalf("finding recorded as %+v", f)
	}
	return f
}

// reviewTopicIDs reads the input topics a management review must consider.
func reviewTopicIDs(t *testing.T, s *server, token string) []string {
	t.Helper()
	var topics struct{ Items []struct{ ID string } }
	r := s.do("GET", "/api/v1/management-reviews/topics", token, nil)
	r.json(t, &topics)
	if r.status != 200 || len(topics.Items) < 5 {
		t.Fatalf("review topics: %d %s", r.status, r.body)
	}
	ids := make([]string, len(topics.Items))
	for i, tp := range topics.Items {
		ids[i] = tp.ID
	}
	return ids
}

// completeMinutes is a review body an approver may approve: held today, attended, every
// topic considered and one decision.
func completeMinutes(topics []string, ownerID string) map[string]any {
	inputs := map[string]string{}
	for _, id := range topics {
		inputs[id] = "Considered with the figures of the audit programme."
	}
	return map[string]any{"title": "AIMS management review", "held_on": isoDay(0), "standards": []string{"iso42001-2023"},
		"attendees": []string{"Chief executive", "Head of compliance"}, "inputs": inputs,
		"decisions": []map[string]any{{"text": "Fund a second internal auditor", "owner_id": ownerID, "due": isoDay(90)}}}
}

// TestAuditProgrammeJourney runs clause 9.2, 10.2 and 9.3 over HTTP as the people who would
// do them: an auditor plans, runs and completes an audit; the compliance manager answers its
// nonconformity; the auditor checks the action worked; an administrator approves the review.
func TestAuditProgrammeJourney(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		acme := s.bootstrap("Acme")
		admin, cm, auditor, viewer := acme.tokens[auth.Admin], acme.tokens[auth.ComplianceManager], acme.tokens[auth.Auditor], acme.tokens[auth.Viewer]
		cmID, auditorID := acme.users[auth.ComplianceManager].ID, acme.users[auth.Auditor].ID

		r := s.do("POST", "/api/v1/audits", auditor, map[string]any{"title": "AIMS internal audit", "kind": "management_system",
			"standards": []string{"iso42001-2023"}, "scope": "AI systems used in hiring", "lead_auditor_id": auditorID,
			"planned_start": isoDay(-7), "planned_end": isoDay(7)})
		if r.status != 201 || r.header.Get("ETag") != `"v1"` {
			t.Fatalf("plan: %d %s", r.status, r.body)
		}
		var a programmeAudit
		r.json(t, &a)
		if a.Status != "planned" || len(a.Findings) != 0 {
			t.Fatalf("planned audit: %+v", a)
		}
		r = s.do("PATCH", "/api/v1/audits/"+a.ID, auditor, map[string]any{"status": "in_progress"}, "If-Match", `"v1"`)
		if r.json(t, &a); r.status != 200 || a.Status != "in_progress" || r.header.Get("ETag") != `"v2"` {
			t.Fatalf("start: %d %s", r.status, r.body)
		}
		if r := s.do("PATCH", "/api/v1/audits/"+a.ID, auditor, map[string]any{"scope": "Everything"}, "If-Match", `"v1"`); r.status != 412 {
			t.Fatalf("stale If-Match: %d %s", r.status, r.body)
		}
		if r := s.do("GET", "/api/v1/audits/"+a.ID, viewer, nil); r.status != 200 || r.header.Get("ETag") != `"v2"` {
			t.Fatalf("a refused edit changed the audit: %d %s", r.status, r.header.Get("ETag"))
		}

		nc := recordFinding(t, s, auditor, a.ID, "iso42001-2023:6.1.4", "minor_nonconformity")
		recordFinding(t, s, auditor, a.ID, "iso42001-2023:7.5.3", "observation")

		r = s.do("POST", "/api/v1/corrective-actions", cm, map[string]any{"title": "Assess the CV screening system's impact",
			"audit_id": a.ID, "finding_id": nc.ID, "nonconformity": "No impact assessment for CV screening",
			"correction": "Screening paused for new roles", "owner_id": cmID, "due_on": isoDay(30)})
		if r.status != 201 || r.header.Get("ETag") != `"v1"` {
			t.Fatalf("corrective action: %d %s", r.status, r.body)
		}
		var ca programmeAction
		r.json(t, &ca)
		if ca.Status != "open" || ca.OwnerID != cmID {
			t.Fatalf("new corrective action: %+v", ca)
		}
		r = s.do("PATCH", "/api/v1/corrective-actions/"+ca.ID, cm, map[string]any{"root_cause": "Assessments were not part of procurement",
			"actions": []map[string]any{{"title": "Run the impact assessment", "done": true}}, "status": "implemented"}, "If-Match", `"v1"`)
		if r.json(t, &ca); r.status != 200 || ca.Status != "implemented" {
			t.Fatalf("implement: %d %s", r.status, r.body)
		}
		// Four eyes: the owner may check audits (the compliance manager holds the permission)
		// but not the effectiveness of their own action.
		r = s.do("POST", "/api/v1/corrective-actions/"+ca.ID+"/verify", cm, map[string]any{"effective": true})
		if r.status != 422 || !r.problem(t).names("user") {
			t.Fatalf("owner checks own action: %d %s", r.status, r.body)
		}
		r = s.do("POST", "/api/v1/corrective-actions/"+ca.ID+"/verify", auditor, map[string]any{"effective": true, "note": "Assessment approved and on file"})
		if r.json(t, &ca); r.status != 200 || ca.Status != "effective" || len(ca.Verifications) != 1 || ca.Verifications[0].UserID != auditorID {
			t.Fatalf("verify: %d %s", r.status, r.body)
		}
		if r := s.do("PATCH", "/api/v1/corrective-actions/"+ca.ID, cm, map[string]any{"title": "Renamed"}); r.status != 409 {
			t.Fatalf("an effective action changed: %d %s", r.status, r.body)
		}

		var actions struct{ Items []programmeAction }
		for q, want := range map[string]int{"?audit_id=" + a.ID: 1, "?status=effective": 1, "?status=open": 0, "?overdue=true": 0, "?overdue=false": 1} {
			r := s.do("GET", "/api/v1/corrective-actions"+q, viewer, nil)
			if r.json(t, &actions); r.status != 200 || len(actions.Items) != want {
				t.Errorf("corrective actions%s: %d, %d items, want %d", q, r.status, len(actions.Items), want)
			}
		}

		r = s.do("PATCH", "/api/v1/audits/"+a.ID, auditor, map[string]any{"status": "completed", "conclusion": "The AIMS conforms but for one minor nonconformity",
			"completed_on": isoDay(0)})
		if r.json(t, &a); r.status != 200 || a.Status != "completed" || a.CompletedOn != isoDay(0) {
			t.Fatalf("complete: %d %s", r.status, r.body)
		}
		var audits struct{ Items []programmeAudit }
		for q, want := range map[string]int{"?standard=iso42001-2023&status=completed": 1, "?standard=iso27001-2022": 0, "?status=in_progress": 0} {
			r := s.do("GET", "/api/v1/audits"+q, viewer, nil)
			if r.json(t, &audits); r.status != 200 || len(audits.Items) != want {
				t.Errorf("audits%s: %d, %d items, want %d", q, r.status, len(audits.Items), want)
			}
		}

		r = s.do("POST", "/api/v1/management-reviews", cm, completeMinutes(reviewTopicIDs(t, s, viewer), cmID))
		if r.status != 201 {
			t.Fatalf("draft review: %d %s", r.status, r.body)
		}
		var rv programmeReview
		if r.json(t, &rv); rv.Status != "draft" {
			t.Fatalf("new review: %+v", rv)
		}
		r = s.do("POST", "/api/v1/management-reviews/"+rv.ID+"/approve", admin, nil)
		if r.json(t, &rv); r.status != 200 || rv.Status != "approved" || rv.ApprovedBy != acme.admin.ID {
			t.Fatalf("approve: %d %s", r.status, r.body)
		}
		if r := s.do("PATCH", "/api/v1/management-reviews/"+rv.ID, cm, map[string]any{"title": "Rewritten"}); r.status != 409 {
			t.Fatalf("approved minutes changed: %d %s", r.status, r.body)
		}

		var st programmeStanding
		r = s.do("GET", "/api/v1/audit-programme/iso42001-2023", viewer, nil)
		r.json(t, &st)
		if r.status != 200 || st.Standard != "iso42001-2023" || st.LastAudit == nil || st.LastAudit.ID != a.ID || st.LastReview == nil || st.LastReview.ID != rv.ID ||
			st.Nonconformities != 1 || st.Unanswered != 0 || st.ActionsEffective != 1 || st.ActionsOpen != 0 || st.AuditsUnderway != 0 || st.DraftReviews != 0 {
			t.Fatalf("AIMS standing: %d %s", r.status, r.body)
		}
		// The audit and review covered the AIMS only: the ISMS has neither.
		r = s.do("GET", "/api/v1/audit-programme/iso27001-2022", viewer, nil)
		if r.json(t, &st); r.status != 200 || st.LastAudit != nil || st.LastReview != nil || st.Nonconformities != 0 {
			t.Fatalf("ISMS standing: %d %s", r.status, r.body)
		}
		if r := s.do("GET", "/api/v1/audit-programme/nist-ai-rmf-1.0", viewer, nil); r.status != 404 || r.problem(t).Status != 404 {
			t.Fatalf("standing of a framework without an audit programme: %d %s", r.status, r.body)
		}

		var log struct{ Items []struct{ Action string } }
		s.do("GET", "/api/v1/audit-log?record_type=audit&record_id="+a.ID, admin, nil).json(t, &log)
		if len(log.Items) != 5 { // planned, started, two findings, completed; the stale edit left no trace
			t.Fatalf("audit trail of the audit: %+v", log.Items)
		}
	})
}

// auditProgrammeTags are the route tags of the audit programme.
var auditProgrammeTags = map[string]bool{"Audits": true, "Corrective actions": true, "Management reviews": true}

// TestAuditProgrammeRoles: a viewer writes nothing; an auditor runs audits and checks
// corrective actions but neither records actions nor drafts reviews; only an administrator
// approves review minutes.
func TestAuditProgrammeRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		acme := s.bootstrap("Acme")
		admin, cm, auditor, viewer := acme.tokens[auth.Admin], acme.tokens[auth.ComplianceManager], acme.tokens[auth.Auditor], acme.tokens[auth.Viewer]

		// Every write of the programme, from the route table, so a route added later is covered.
		writes := 0
		for _, rt := range api.New(s.main.DB, slog.New(slog.NewTextHandler(io.Discard, nil)), nil).Routes() {
			if !auditProgrammeTags[rt.Tag] || rt.Method == "GET" {
				continue
			}
			writes++
			path := strings.NewReplacer("{id}", "01900000-0000-7000-8000-000000000000", "{finding}", "f").Replace(rt.Pattern)
			if r := s.do(rt.Method, path, viewer, map[string]any{}); r.status != 403 || r.problem(t).Status != 403 {
				t.Errorf("viewer %s %s: %d %s", rt.Method, rt.Pattern, r.status, r.body)
			}
		}
		if writes < 13 {
			t.Fatalf("found only %d write routes of the audit programme", writes)
		}

		a := runningAudit(t, s, auditor, "ISMS Annex A audit", "annex_a", "iso27001-2022")
		nc := recordFinding(t, s, auditor, a.ID, "iso27001-2022:A.8.13", "major_nonconformity")
		answer := map[string]any{"title": "Test restores", "audit_id": a.ID, "finding_id": nc.ID, "nonconformity": "Backups never restored",
			"root_cause": "No owner for restore tests", "actions": []map[string]any{{"title": "Quarterly restore test", "done": true}},
			"status": "implemented", "owner_id": acme.users[auth.AISystemOwner].ID, "due_on": isoDay(14)}
		if r := s.do("POST", "/api/v1/corrective-actions", auditor, answer); r.status != 403 {
			t.Fatalf("auditor records a corrective action: %d %s", r.status, r.body)
		}
		// An AI system owner may work on corrective actions but not run audits.
		r := s.do("POST", "/api/v1/corrective-actions", acme.tokens[auth.AISystemOwner], answer)
		if r.status != 201 {
			t.Fatalf("AI system owner records a corrective action: %d %s", r.status, r.body)
		}
		var ca programmeAction
		r.json(t, &ca)
		if r := s.do("POST", "/api/v1/audits", acme.tokens[auth.AISystemOwner], map[string]any{"title": "x"}); r.status != 403 {
			t.Fatalf("AI system owner plans an audit: %d", r.status)
		}
		if r := s.do("POST", "/api/v1/corrective-actions/"+ca.ID+"/verify", acme.tokens[auth.AISystemOwner], map[string]any{"effective": true}); r.status != 403 {
			t.Fatalf("AI system owner checks effectiveness: %d", r.status)
		}
		r = s.do("POST", "/api/v1/corrective-actions/"+ca.ID+"/verify", auditor, map[string]any{"effective": false, "note": "Restore failed on the second sample"})
		if r.json(t, &ca); r.status != 200 || ca.Status != "open" || len(ca.Verifications) != 1 || ca.Verifications[0].Effective {
			t.Fatalf("auditor finds the action ineffective: %d %s", r.status, r.body)
		}

		body := completeMinutes(reviewTopicIDs(t, s, viewer), "")
		if r := s.do("POST", "/api/v1/management-reviews", auditor, body); r.status != 403 {
			t.Fatalf("auditor drafts a review: %d %s", r.status, r.body)
		}
		r = s.do("POST", "/api/v1/management-reviews", cm, body)
		if r.status != 201 {
			t.Fatalf("compliance manager drafts a review: %d %s", r.status, r.body)
		}
		var rv programmeReview
		r.json(t, &rv)
		for _, role := range auth.Roles {
			if role == auth.Admin {
				continue
			}
			if r := s.do("POST", "/api/v1/management-reviews/"+rv.ID+"/approve", acme.tokens[role], nil); r.status != 403 {
				t.Errorf("%s approves the minutes: %d %s", role, r.status, r.body)
			}
		}
		if r := s.do("POST", "/api/v1/management-reviews/"+rv.ID+"/approve", admin, nil); r.status != 200 {
			t.Fatalf("admin approves the minutes: %d %s", r.status, r.body)
		}
	})
}

// TestAuditProgrammeBadInput: every refusal is a 4xx problem naming what is wrong, and a
// refused write changes nothing.
func TestAuditProgrammeBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		acme := s.bootstrap("Acme")
		admin, cm, auditor := acme.tokens[auth.Admin], acme.tokens[auth.ComplianceManager], acme.tokens[auth.Auditor]

		for _, c := range []struct {
			path, field string
		}{
			{"/api/v1/audits?status=finished", "status"},
			{"/api/v1/audits?standard=nist-ai-rmf-1.0", "standard"},
			{"/api/v1/audits?limit=many", "limit"},
			{"/api/v1/corrective-actions?status=closed", "status"},
			{"/api/v1/corrective-actions?overdue=maybe", "overdue"},
			{"/api/v1/corrective-actions?limit=5000", "limit"},
			{"/api/v1/management-reviews?cursor=not-a-cursor", "cursor"},
		} {
			r := s.do("GET", c.path, admin, nil)
			if r.status != 422 || !r.problem(t).names(c.field) {
				t.Errorf("GET %s: %d %s", c.path, r.status, r.body)
			}
		}

		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"kind": "management_system", "standards": []string{"iso42001-2023"}, "planned_start": isoDay(0), "planned_end": isoDay(1)}, "title"},
			{map[string]any{"title": "x", "kind": "surprise", "standards": []string{"iso42001-2023"}, "planned_start": isoDay(0), "planned_end": isoDay(1)}, "kind"},
			{map[string]any{"title": "x", "kind": "annex_a", "standards": []string{"iso42001-2023", "iso27001-2022"}, "planned_start": isoDay(0), "planned_end": isoDay(1)}, "standards"},
			{map[string]any{"title": "x", "kind": "annex_a", "standards": []string{"soc2"}, "planned_start": isoDay(0), "planned_end": isoDay(1)}, "standards[0]"},
			{map[string]any{"title": "x", "kind": "annex_a", "standards": []string{"iso42001-2023"}, "planned_start": isoDay(1), "planned_end": isoDay(0)}, "planned_end"},
			{map[string]any{"title": "x", "kind": "annex_a", "standards": []string{"iso42001-2023"}, "planned_start": "next week", "planned_end": isoDay(0)}, "planned_start"},
			{map[string]any{"title": "x", "kind": "annex_a", "standards": []string{"iso42001-2023"}, "planned_start": isoDay(0), "planned_end": isoDay(1), "lead_auditor_id": "nobody"}, "lead_auditor_id"},
			{map[string]any{"title": "x", "kind": "annex_a", "standards": []string{"iso42001-2023"}, "planned_start": isoDay(0), "planned_end": isoDay(1), "auditor": "me"}, "auditor"},
		} {
			r := s.do("POST", "/api/v1/audits", auditor, c.body)
			if r.status != 422 || !r.problem(t).names(c.field) {
				t.Errorf("audit %v: %d %s", c.body, r.status, r.body)
			}
		}
		var audits struct{ Items []programmeAudit }
		if s.do("GET", "/api/v1/audits", admin, nil).json(t, &audits); len(audits.Items) != 0 {
			t.Fatalf("a refused audit was stored: %+v", audits.Items)
		}

		planned := planAudit(t, s, auditor, "Not started", "management_system", "iso42001-2023")
		r := s.do("POST", "/api/v1/audits/"+planned.ID+"/findings", auditor, map[string]any{"requirement": "iso42001-2023:6.1.4", "kind": "observation", "statement": "x"})
		if r.status != 409 || r.problem(t).Status != 409 {
			t.Fatalf("finding on a planned audit: %d %s", r.status, r.body)
		}

		a := runningAudit(t, s, auditor, "AIMS clause audit", "management_system", "iso42001-2023")
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			// An Annex A control in a management-system audit.
			{map[string]any{"requirement": "iso42001-2023:A.2.2", "kind": "observation", "statement": "Policy not reviewed"}, "requirement"},
			// A standard the audit does not cover.
			{map[string]any{"requirement": "iso27001-2022:9.2", "kind": "observation", "statement": "x"}, "requirement"},
			{map[string]any{"requirement": "iso42001-2023:99.9", "kind": "observation", "statement": "x"}, "requirement"},
			{map[string]any{"requirement": "iso42001-2023:6.1.4", "kind": "serious", "statement": "x"}, "kind"},
			{map[string]any{"requirement": "iso42001-2023:6.1.4", "kind": "observation", "statement": "  "}, "statement"},
		} {
			r := s.do("POST", "/api/v1/audits/"+a.ID+"/findings", auditor, c.body)
			if r.status != 422 || !r.problem(t).names(c.field) {
				t.Errorf("finding %v: %d %s", c.body, r.status, r.body)
			}
		}
		var got programmeAudit
		if s.do("GET", "/api/v1/audits/"+a.ID, auditor, nil).json(t, &got); len(got.Findings) != 0 {
			t.Fatalf("a refused finding was recorded: %+v", got.Findings)
		}

		obs := recordFinding(t, s, auditor, a.ID, "iso42001-2023:7.5.3", "observation")
		nc := recordFinding(t, s, auditor, a.ID, "iso42001-2023:6.1.4", "minor_nonconformity")
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"title": "x", "audit_id": a.ID, "finding_id": obs.ID, "nonconformity": "x", "due_on": isoDay(7)}, "finding_id"},
			{map[string]any{"title": "x", "audit_id": a.ID, "finding_id": "nope", "nonconformity": "x", "due_on": isoDay(7)}, "finding_id"},
			{map[string]any{"title": "x", "finding_id": nc.ID, "nonconformity": "x", "due_on": isoDay(7)}, "finding_id"},
			{map[string]any{"title": "x", "audit_id": "01900000-0000-7000-8000-000000000000", "finding_id": nc.ID, "nonconformity": "x", "due_on": isoDay(7)}, "audit_id"},
			{map[string]any{"title": "x", "nonconformity": "x"}, "due_on"},
			{map[string]any{"title": "x", "nonconformity": "x", "due_on": isoDay(7), "status": "effective"}, "status"},
			{map[string]any{"title": "x", "nonconformity": "x", "due_on": isoDay(7), "status": "implemented"}, "root_cause"},
			{map[string]any{"title": "x", "nonconformity": "x", "due_on": isoDay(7), "owner_id": "nobody"}, "owner_id"},
		} {
			r := s.do("POST", "/api/v1/corrective-actions", cm, c.body)
			if r.status != 422 || !r.problem(t).names(c.field) {
				t.Errorf("corrective action %v: %d %s", c.body, r.status, r.body)
			}
		}
		r = s.do("POST", "/api/v1/corrective-actions", cm, map[string]any{"title": "Assess", "audit_id": a.ID, "finding_id": nc.ID,
			"nonconformity": "No assessment", "due_on": isoDay(7)})
		if r.status != 201 {
			t.Fatalf("corrective action: %d %s", r.status, r.body)
		}
		var ca programmeAction
		r.json(t, &ca)
		if r := s.do("POST", "/api/v1/corrective-actions/"+ca.ID+"/verify", auditor, map[string]any{"effective": true}); r.status != 409 {
			t.Fatalf("checking an open action: %d %s", r.status, r.body)
		}
		if r := s.do("DELETE", "/api/v1/audits/"+a.ID+"/findings/"+nc.ID, auditor, nil); r.status != 409 {
			t.Fatalf("withdrawing an answered finding: %d %s", r.status, r.body)
		}
		r = s.do("DELETE", "/api/v1/audits/"+a.ID+"/findings/"+obs.ID, auditor, nil)
		if r.json(t, &got); r.status != 200 || len(got.Findings) != 1 || got.Findings[0].ID != nc.ID {
			t.Fatalf("withdraw the observation: %d %s", r.status, r.body)
		}
		if r := s.do("DELETE", "/api/v1/audits/"+a.ID, auditor, nil); r.status != 409 {
			t.Fatalf("deleting a started audit: %d %s", r.status, r.body)
		}
		if r := s.do("DELETE", "/api/v1/audits/"+planned.ID, auditor, nil, "If-Match", `"v7"`); r.status != 412 {
			t.Fatalf("stale delete: %d %s", r.status, r.body)
		}
		if r := s.do("PATCH", "/api/v1/audits/"+planned.ID, auditor, map[string]any{"scope": "x"}, "If-Match", "yesterday's"); r.status != 422 || !r.problem(t).names("If-Match") {
			t.Fatalf("a malformed If-Match: %d %s", r.status, r.body)
		}
		if r := s.do("PATCH", "/api/v1/audits/"+planned.ID, auditor, map[string]any{"status": "completed"}); r.status != 422 || !r.problem(t).names("status") {
			t.Fatalf("completing a planned audit: %d %s", r.status, r.body)
		}
		if r := s.do("DELETE", "/api/v1/audits/"+planned.ID, auditor, nil, "If-Match", `"v1"`); r.status != 204 {
			t.Fatalf("delete the planned audit: %d %s", r.status, r.body)
		}

		// Incomplete minutes: each gap named, and the review stays a draft.
		r = s.do("POST", "/api/v1/management-reviews", cm, map[string]any{"title": "Q3 review", "held_on": isoDay(0), "standards": []string{"iso42001-2023"},
			"inputs": map[string]string{"previous_actions": "All closed."}})
		if r.status != 201 {
			t.Fatalf("draft review: %d %s", r.status, r.body)
		}
		var rv programmeReview
		r.json(t, &rv)
		r = s.do("POST", "/api/v1/management-reviews/"+rv.ID+"/approve", admin, nil)
		if p := r.problem(t); r.status != 422 || !p.names("attendees") || !p.names("decisions") || !p.names("inputs.nonconformities") || p.names("inputs.previous_actions") {
			t.Fatalf("approving incomplete minutes: %d %s", r.status, r.body)
		}
		if s.do("GET", "/api/v1/management-reviews/"+rv.ID, admin, nil).json(t, &rv); rv.Status != "draft" {
			t.Fatalf("refused approval changed the review: %+v", rv)
		}
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"inputs": map[string]string{"horoscope": "x"}}, "inputs.horoscope"},
			{map[string]any{"held_on": "Tuesday"}, "held_on"},
			{map[string]any{"standards": []string{}}, "standards"},
			{map[string]any{"decisions": []map[string]any{{"text": " "}}}, "decisions[0].text"},
			{map[string]any{"decisions": []map[string]any{{"text": "x", "owner_id": "nobody"}}}, "decisions[0].owner_id"},
		} {
			r := s.do("PATCH", "/api/v1/management-reviews/"+rv.ID, cm, c.body)
			if r.status != 422 || !r.problem(t).names(c.field) {
				t.Errorf("review %v: %d %s", c.body, r.status, r.body)
			}
		}
		r = s.do("POST", "/api/v1/management-reviews", cm, map[string]any{"title": "Future", "held_on": isoDay(30), "standards": []string{"iso42001-2023"}})
		r.json(t, &rv)
		if r := s.do("POST", "/api/v1/management-reviews/"+rv.ID+"/approve", admin, nil); r.status != 422 || !r.problem(t).names("held_on") {
			t.Fatalf("approving a review not yet held: %d %s", r.status, r.body)
		}
		if r := s.do("DELETE", "/api/v1/management-reviews/"+rv.ID, cm, nil); r.status != 204 {
			t.Fatalf("delete a draft review: %d %s", r.status, r.body)
		}
	})
}

// TestAuditProgrammeIsolation: another organisation's audits, corrective actions and reviews
// are not found, neither to read nor to act on, nor as the target of evidence or an action.
func TestAuditProgrammeIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		acme := s.bootstrap("Acme")
		other := s.bootstrap("Globex")
		auditor, cm, admin := acme.tokens[auth.Auditor], acme.tokens[auth.ComplianceManager], acme.tokens[auth.Admin]
		theirs := other.tokens[auth.Admin]

		a := runningAudit(t, s, auditor, "AIMS audit", "management_system", "iso42001-2023")
		nc := recordFinding(t, s, auditor, a.ID, "iso42001-2023:6.1.4", "minor_nonconformity")
		var ca programmeAction
		s.do("POST", "/api/v1/corrective-actions", cm, map[string]any{"title": "Assess", "audit_id": a.ID, "finding_id": nc.ID,
			"nonconformity": "No assessment", "due_on": isoDay(7)}).json(t, &ca)
		var rv programmeReview
		s.do("POST", "/api/v1/management-reviews", cm, map[string]any{"title": "Review", "held_on": isoDay(0), "standards": []string{"iso42001-2023"}}).json(t, &rv)
		if ca.ID == "" || rv.ID == "" {
			t.Fatal("set-up failed")
		}

		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/v1/audits/" + a.ID, nil},
			{"PATCH", "/api/v1/audits/" + a.ID, map[string]any{"scope": "x"}},
			{"DELETE", "/api/v1/audits/" + a.ID, nil},
			{"POST", "/api/v1/audits/" + a.ID + "/findings", map[string]any{"requirement": "iso42001-2023:6.1.4", "kind": "observation", "statement": "x"}},
			{"DELETE", "/api/v1/audits/" + a.ID + "/findings/" + nc.ID, nil},
			{"GET", "/api/v1/corrective-actions/" + ca.ID, nil},
			{"PATCH", "/api/v1/corrective-actions/" + ca.ID, map[string]any{"title": "x"}},
			{"DELETE", "/api/v1/corrective-actions/" + ca.ID, nil},
			{"POST", "/api/v1/corrective-actions/" + ca.ID + "/verify", map[string]any{"effective": true}},
			{"GET", "/api/v1/management-reviews/" + rv.ID, nil},
			{"PATCH", "/api/v1/management-reviews/" + rv.ID, map[string]any{"title": "x"}},
			{"DELETE", "/api/v1/management-reviews/" + rv.ID, nil},
			{"POST", "/api/v1/management-reviews/" + rv.ID + "/approve", nil},
		} {
			if r := s.do(c.method, c.path, theirs, c.body); r.status != 404 || r.problem(t).Status != 404 {
				t.Errorf("other organisation %s %s: %d %s", c.method, c.path, r.status, r.body)
			}
		}
		var page struct{ Items []struct{ ID string } }
		for _, path := range []string{"/api/v1/audits", "/api/v1/corrective-actions", "/api/v1/management-reviews"} {
			if s.do("GET", path, theirs, nil).json(t, &page); len(page.Items) != 0 {
				t.Errorf("other organisation lists %s: %+v", path, page.Items)
			}
		}
		var st programmeStanding
		if s.do("GET", "/api/v1/audit-programme/iso42001-2023", theirs, nil).json(t, &st); st.AuditsUnderway != 0 || st.Nonconformities != 0 || st.ActionsOpen != 0 || st.DraftReviews != 0 {
			t.Errorf("other organisation's standing counts ours: %+v", st)
		}
		// Their corrective action cannot answer our finding.
		r := s.do("POST", "/api/v1/corrective-actions", theirs, map[string]any{"title": "x", "audit_id": a.ID, "finding_id": nc.ID, "nonconformity": "x", "due_on": isoDay(7)})
		if r.status != 422 || !r.problem(t).names("audit_id") {
			t.Fatalf("their action on our finding: %d %s", r.status, r.body)
		}

		// Evidence attaches to an audit of the organisation only.
		theirAudit := planAudit(t, s, other.tokens[auth.Auditor], "Their audit", "annex_a", "iso27001-2022")
		for _, c := range []struct {
			id   string
			want int
		}{
			{a.ID, 201},
			{"01900000-0000-7000-8000-000000000000", 422},
			{theirAudit.ID, 422},
			{rv.ID, 422},
		} {
			r := s.do("POST", "/api/v1/evidence/urls", admin, map[string]any{"title": "Audit plan", "url": "https://wiki.example/audit-plan",
				"record_type": "audit", "record_id": c.id})
			if r.status != c.want || (c.want == 422 && !r.problem(t).names("record_id")) {
				t.Errorf("evidence on audit %s: %d %s", c.id, r.status, r.body)
			}
		}
		var evs struct{ Items []struct{ ID string } }
		s.do("GET", "/api/v1/evidence?record_type=audit&record_id="+a.ID, admin, nil).json(t, &evs)
		if len(evs.Items) != 1 {
			t.Fatalf("evidence on the audit: %+v", evs.Items)
		}
		if r := s.do("POST", "/api/v1/evidence/"+evs.Items[0].ID+"/links", admin, map[string]string{"record_type": "audit", "record_id": theirAudit.ID}); r.status != 422 || !r.problem(t).names("record_id") {
			t.Fatalf("linking to their audit: %d %s", r.status, r.body)
		}
	})
}

// addAuditCalls prepares TestOpenAPIMatchesServer's calls of the audit programme's operations.
func addAuditCalls(t *testing.T, s *server, tn tenant, bodies map[string]any, ids map[string]map[string]string) {
	t.Helper()
	admin, cm := tn.tokens[auth.Admin], tn.tokens[auth.ComplianceManager]
	cmID := tn.users[auth.ComplianceManager].ID
	running := runningAudit(t, s, admin, "Walk audit", "management_system", "iso27001-2022", "iso42001-2023")
	spare := planAudit(t, s, admin, "Walk spare audit", "annex_a", "iso42001-2023")
	nc := recordFinding(t, s, admin, running.ID, "iso27001-2022:9.2", "minor_nonconformity")
	withdrawn := recordFinding(t, s, admin, running.ID, "iso42001-2023:7.5.3", "observation")
	bodies["POST /api/v1/audits"] = map[string]any{"title": "Drift audit", "kind": "annex_a", "standards": []string{"iso27001-2022"},
		"planned_start": isoDay(0), "planned_end": isoDay(1)}
	bodies["PATCH /api/v1/audits/{id}"] = map[string]any{"scope": "Head office"}
	bodies["POST /api/v1/audits/{id}/findings"] = map[string]any{"requirement": "iso42001-2023:6.1.4", "kind": "opportunity_for_improvement", "statement": "Could automate"}
	for _, k := range []string{"GET /api/v1/audits/{id}", "PATCH /api/v1/audits/{id}", "POST /api/v1/audits/{id}/findings"} {
		ids[k] = map[string]string{"id": running.ID}
	}
	ids["DELETE /api/v1/audits/{id}"] = map[string]string{"id": spare.ID}
	ids["DELETE /api/v1/audits/{id}/findings/{finding}"] = map[string]string{"id": running.ID, "finding": withdrawn.ID}

	action := func(token string, body map[string]any) string {
		var ca programmeAction
		r := s.do("POST", "/api/v1/corrective-actions", token, body)
		if r.json(t, &ca); r.status != 201 {
			t.Fatalf("walk corrective action: %d %s", r.status, r.body)
		}
		return ca.ID
	}
	one := action(admin, map[string]any{"title": "Walk action", "audit_id": running.ID, "finding_id": nc.ID, "nonconformity": "Audit programme not kept", "due_on": isoDay(30)})
	spareAction := action(admin, map[string]any{"title": "Walk spare action", "source": "incident", "nonconformity": "x", "due_on": isoDay(30)})
	implemented := action(cm, map[string]any{"title": "Walk implemented action", "source": "complaint", "nonconformity": "x", "due_on": isoDay(30),
		"owner_id": cmID, "root_cause": "x", "actions": []map[string]any{{"title": "Fix", "done": true}}, "status": "implemented"})
	bodies["POST /api/v1/corrective-actions"] = map[string]any{"title": "Drift action", "source": "monitoring", "nonconformity": "Alert missed", "due_on": isoDay(14)}
	bodies["PATCH /api/v1/corrective-actions/{id}"] = map[string]any{"correction": "Alert re-enabled"}
	bodies["POST /api/v1/corrective-actions/{id}/verify"] = map[string]any{"effective": true, "note": "Sampled ten alerts"}
	ids["GET /api/v1/corrective-actions/{id}"] = map[string]string{"id": one}
	ids["PATCH /api/v1/corrective-actions/{id}"] = map[string]string{"id": one}
	ids["DELETE /api/v1/corrective-actions/{id}"] = map[string]string{"id": spareAction}
	ids["POST /api/v1/corrective-actions/{id}/verify"] = map[string]string{"id": implemented}

	review := func(body map[string]any) string {
		var rv programmeReview
		r := s.do("POST", "/api/v1/management-reviews", cm, body)
		if r.json(t, &rv); r.status != 201 {
			t.Fatalf("walk review: %d %s", r.status, r.body)
		}
		return rv.ID
	}
	draft := map[string]any{"title": "Walk review", "held_on": isoDay(0), "standards": []string{"iso27001-2022"}}
	bodies["POST /api/v1/management-reviews"] = draft
	bodies["PATCH /api/v1/management-reviews/{id}"] = map[string]any{"attendees": []string{"Chief executive"}}
	ids["GET /api/v1/management-reviews/{id}"] = map[string]string{"id": review(draft)}
	ids["PATCH /api/v1/management-reviews/{id}"] = ids["GET /api/v1/management-reviews/{id}"]
	ids["DELETE /api/v1/management-reviews/{id}"] = map[string]string{"id": review(draft)}
	ids["POST /api/v1/management-reviews/{id}/approve"] = map[string]string{"id": review(completeMinutes(reviewTopicIDs(t, s, admin), cmID))}
	// A second set of complete minutes, approved, for following up its decision.
	followed := review(completeMinutes(reviewTopicIDs(t, s, admin), cmID))
	if r := s.do("POST", "/api/v1/management-reviews/"+followed+"/approve", admin, nil); r.status != 200 {
		t.Fatalf("walk approval: %d %s", r.status, r.body)
	}
	var decided struct{ Decisions []struct{ ID string } }
	s.do("GET", "/api/v1/management-reviews/"+followed, admin, nil).json(t, &decided)
	ids["POST /api/v1/management-reviews/{id}/decisions/{decision}"] = map[string]string{"id": followed, "decision": decided.Decisions[0].ID}
	bodies["POST /api/v1/management-reviews/{id}/decisions/{decision}"] = map[string]any{"done_on": isoDay(0)}
	ids["GET /api/v1/audit-programme/{catalog}"] = map[string]string{"catalog": "iso42001-2023"}
	ids["GET /api/v1/audits/{id}/report"] = map[string]string{"id": running.ID}
	ids["GET /api/v1/audits/{id}/checklist"] = map[string]string{"id": running.ID}
	ids["POST /api/v1/audits/{id}/examined"] = map[string]string{"id": running.ID}
	bodies["POST /api/v1/audits/{id}/examined"] = map[string]any{"requirements": []string{"iso27001-2022:4.1"}, "examined": true}
	ids["GET /api/v1/audit-programme/{catalog}/coverage"] = map[string]string{"catalog": "iso27001-2022"}
	ids["GET /api/v1/management-reviews/{id}/minutes"] = ids["POST /api/v1/management-reviews/{id}/approve"]
}

// TestAuditProgrammeDocuments: the audit report and the minutes download as PDFs named for
// the record, the pack answers every topic, and bad pack parameters are named.
func TestAuditProgrammeDocuments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		acme := s.bootstrap("Acme")
		admin, viewer := acme.tokens[auth.Admin], acme.tokens[auth.Viewer]
		a := runningAudit(t, s, admin, "AIMS audit: hiring & screening", "management_system", "iso42001-2023")
		recordFinding(t, s, admin, a.ID, "iso42001-2023:6.1.4", "major_nonconformity")
		r := s.do("GET", "/api/v1/audits/"+a.ID+"/report", viewer, nil)
		if r.status != 200 || r.header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(r.body, []byte("%PDF-")) ||
			!strings.Contains(r.header.Get("Content-Disposition"), "audit-report-"+isoDay(-7)+"-aims-audit-hiring-screening.pdf") {
			t.Fatalf("report: %d %q %q", r.status, r.header.Get("Content-Type"), r.header.Get("Content-Disposition"))
		}
		if r := s.do("GET", "/api/v1/audits/nope/report", viewer, nil); r.status != 404 {
			t.Fatalf("report of no audit: %d", r.status)
		}
		var rv programmeReview
		r = s.do("POST", "/api/v1/management-reviews", admin, completeMinutes(reviewTopicIDs(t, s, admin), acme.admin.ID))
		if r.json(t, &rv); r.status != 201 {
			t.Fatalf("review: %d %s", r.status, r.body)
		}
		r = s.do("GET", "/api/v1/management-reviews/"+rv.ID+"/minutes", viewer, nil)
		if r.status != 200 || !bytes.HasPrefix(r.body, []byte("%PDF-")) || !strings.Contains(r.header.Get("Content-Disposition"), "management-review-") {
			t.Fatalf("minutes: %d %q", r.status, r.header.Get("Content-Disposition"))
		}
		var pack struct {
			Since  string              `json:"since"`
			Topics map[string][]string `json:"topics"`
		}
		r = s.do("GET", "/api/v1/management-reviews/pack?standards=iso42001-2023", viewer, nil)
		if r.json(t, &pack); r.status != 200 || len(pack.Topics) != len(reviewTopicIDs(t, s, admin)) || pack.Since != isoDay(-365) ||
			!strings.HasPrefix(pack.Topics["nonconformities"][0], "1 major and 0 minor") {
			t.Fatalf("pack: %d %s", r.status, r.body)
		}
		if r := s.do("GET", "/api/v1/management-reviews/pack?standards=iso9001&since=soon", viewer, nil); !r.problem(t).names("standards") {
			t.Fatalf("bad pack standards: %d %s", r.status, r.body)
		}
		if r := s.do("GET", "/api/v1/management-reviews/pack?since=soon", viewer, nil); !r.problem(t).names("since") {
			t.Fatalf("bad pack date: %d %s", r.status, r.body)
		}
	})
}

// TestAuditChecklistAndCoverage: an auditor ticks off what the audit examined; once it is
// completed, the programme's coverage of the standard counts it, less what the SoA excludes.
func TestAuditChecklistAndCoverage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		acme := s.bootstrap("Acme")
		auditor, viewer := acme.tokens[auth.Auditor], acme.tokens[auth.Viewer]
		a := runningAudit(t, s, auditor, "ISMS Annex A audit", "annex_a", "iso27001-2022")
		var list struct {
			Items []struct {
				Requirement string
				Examined    bool
			}
		}
		r := s.do("GET", "/api/v1/audits/"+a.ID+"/checklist", viewer, nil)
		if r.json(t, &list); r.status != 200 || len(list.Items) != 93 || list.Items[0].Requirement != "iso27001-2022:A.5.1" {
			t.Fatalf("checklist: %d, %d items", r.status, len(list.Items))
		}
		r = s.do("POST", "/api/v1/audits/"+a.ID+"/examined", auditor, map[string]any{"requirements": []string{"iso27001-2022:A.5.1", "iso27001-2022:A.8.13"}, "examined": true}, "If-Match", `"v2"`)
		if r.status != 200 || r.header.Get("ETag") != `"v3"` {
			t.Fatalf("examined: %d %s", r.status, r.body)
		}
		if r := s.do("POST", "/api/v1/audits/"+a.ID+"/examined", auditor, map[string]any{"requirements": []string{"iso27001-2022:9.2"}, "examined": true}); !r.problem(t).names("requirements[0]") {
			t.Fatalf("a clause on an Annex A checklist: %d %s", r.status, r.body)
		}
		if r := s.do("POST", "/api/v1/audits/"+a.ID+"/examined", viewer, map[string]any{"requirements": []string{"iso27001-2022:A.5.2"}, "examined": true}); r.status != 403 {
			t.Fatalf("a viewer ticks the checklist: %d", r.status)
		}
		if r := s.do("PATCH", "/api/v1/audits/"+a.ID, auditor, map[string]any{"status": "completed", "conclusion": "Conforms", "completed_on": isoDay(0)}); r.status != 200 {
			t.Fatalf("complete: %d %s", r.status, r.body)
		}
		// Excluding A.8.13 in the SoA takes it out of what the cycle must cover.
		if r := s.do("PUT", "/api/v1/soa/iso27001-2022/entries/A.8.13", acme.tokens[auth.ComplianceManager], map[string]any{"applicable": false, "justification": "No backups of our own: the SaaS provider keeps them"}); r.status != 200 {
			t.Fatalf("exclude: %d %s", r.status, r.body)
		}
		var cov struct {
			Controls        int
			ControlsCovered int `json:"controls_covered"`
			Clauses         int
			ClausesCovered  int `json:"clauses_covered"`
			Uncovered       []string
		}
		r = s.do("GET", "/api/v1/audit-programme/iso27001-2022/coverage", viewer, nil)
		if r.json(t, &cov); r.status != 200 || cov.Controls != 92 || cov.ControlsCovered != 1 || cov.ClausesCovered != 0 || len(cov.Uncovered) != cov.Clauses+91 {
			t.Fatalf("coverage: %d %+v", r.status, cov)
		}
		if r := s.do("GET", "/api/v1/audit-programme/nist-ai-rmf-1.0/coverage", viewer, nil); r.status != 404 {
			t.Fatalf("coverage of a framework with no audits: %d", r.status)
		}
	})
}
