package app_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

// versionOf reads the record version a page's forms carry (versionField is the impact pages').
func versionOf(t *testing.T, p page) string {
	t.Helper()
	m := versionField.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no version field in the page (%d):\n%.800s", p.status, p.body)
	}
	return m[1]
}

// wants fails the test for each text the page lacks.
func wants(t *testing.T, what string, p page, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if !strings.Contains(p.body, s) {
			t.Errorf("%s (%d) lacks %q", what, p.status, s)
		}
	}
}

var auditTable = regexp.MustCompile(`(?s)<div id="programme">.*?</table>`)

// listed is the audits table of the programme page, without the standing above it.
func listed(p page) string { return auditTable.FindString(p.body) }

func TestAuditProgrammePages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		tn := s.bootstrap("Acme")
		c, tok := signIn(t, s, tn.users[auth.ComplianceManager].Email, "a long enough password")
		today := time.Now().UTC().Format(time.DateOnly)

		list := get(t, c, s.url+"/audits")
		if list.status != 200 {
			t.Fatalf("audits page: %d", list.status)
		}
		wants(t, "empty programme", list, "No audits planned yet", "Plan an audit", "ISO/IEC 27001:2022", "ISO/IEC 42001:2023",
			"no internal audit of this standard is recorded", `aria-current="page">Audits</a>`, `href="/management-reviews"`)

		// The rules of the audit come back beside the form, with what was typed.
		plan := url.Values{"csrf_token": {tok}, "title": {"Combined ISMS and AIMS audit"}, "kind": {"annex_a"},
			"standards": {"iso27001-2022", "iso42001-2023"}, "planned_start": {"2026-03-10"}, "planned_end": {"2026-03-01"},
			"lead_auditor_id": {tn.users[auth.Auditor].ID}, "scope": {"Recruitment and customer support"}}
		bad := post(t, c, s.url+"/audits", plan)
		if bad.status != http.StatusUnprocessableEntity {
			t.Fatalf("bad plan: %d %.1000s", bad.status, bad.body)
		}
		wants(t, "refused plan", bad, "an Annex A audit covers exactly one standard", "Planned end: must not be before planned_start",
			`value="Combined ISMS and AIMS audit"`, "Recruitment and customer support")
		plan.Set("kind", "management_system")
		plan.Set("planned_start", "2020-03-01")
		plan.Set("planned_end", "2020-03-10")
		created := post(t, c, s.url+"/audits", plan)
		if created.status != http.StatusSeeOther {
			t.Fatalf("plan: %d %.1000s", created.status, created.body)
		}
		loc := created.header.Get("Location")
		pg := get(t, c, s.url+loc)
		wants(t, "planned audit", pg, "Combined ISMS and AIMS audit", "Start the audit", "auditor@acme.test", "Planned", "Audit report as PDF", "a draft until the audit is completed")
		if strings.Contains(pg.body, "Record a finding") {
			t.Error("a planned audit offers the finding form")
		}
		// A finding before the audit starts is refused on the page, not with an error page.
		early := post(t, c, s.url+loc+"/findings", url.Values{"csrf_token": {tok}, "requirement": {"iso27001-2022:9.2"}, "kind": {"observation"}, "statement": {"x"}})
		if early.status != http.StatusConflict || !strings.Contains(early.body, "findings are recorded while the audit is in progress") || !strings.Contains(early.body, "Start the audit") {
			t.Fatalf("finding on a planned audit: %d %.500s", early.status, early.body)
		}

		planned := versionOf(t, pg)
		if r := post(t, c, s.url+loc+"/start", url.Values{"csrf_token": {tok}, "version": {planned}}); r.status != http.StatusSeeOther {
			t.Fatalf("start: %d %.500s", r.status, r.body)
		}
		// A second tab still showing the planned audit cannot move it on.
		if r := post(t, c, s.url+loc+"/cancel", url.Values{"csrf_token": {tok}, "version": {planned}}); r.status != http.StatusPreconditionFailed || !strings.Contains(r.body, "Someone else changed") {
			t.Fatalf("stale cancel: %d %.500s", r.status, r.body)
		}

		pg = get(t, c, s.url+loc)
		wants(t, "audit in progress", pg, "Record a finding", `list="requirements"`, `<option value="iso27001-2022:9.2">9.2 Internal audit</option>`,
			"for example <code>iso27001-2022:9.2</code>", "Complete the audit")
		finding := url.Values{"csrf_token": {tok}, "requirement": {"iso27001-2022:A.5.19"}, "kind": {"major_nonconformity"},
			"statement": {"No audit programme was established for 2025."}, "evidence": {"Interviewed the CISO; no programme on file."}}
		bad = post(t, c, s.url+loc+"/findings", finding)
		if bad.status != http.StatusUnprocessableEntity {
			t.Fatalf("control on a management-system audit: %d", bad.status)
		}
		wants(t, "refused finding", bad, "a management-system audit&#39;s findings name a clause", "No audit programme was established for 2025.")
		finding.Set("requirement", "iso27001-2022:9.2")
		if r := post(t, c, s.url+loc+"/findings", finding); r.status != http.StatusSeeOther {
			t.Fatalf("finding: %d %.800s", r.status, r.body)
		}
		observation := url.Values{"csrf_token": {tok}, "requirement": {"iso42001-2023:6.1.4"}, "kind": {"observation"},
			"statement": {"Impact assessments do not record who was consulted."}}
		if r := post(t, c, s.url+loc+"/findings", observation); r.status != http.StatusSeeOther {
			t.Fatalf("observation: %d %.800s", r.status, r.body)
		}
		pg = get(t, c, s.url+loc)
		wants(t, "findings", pg, "Internal audit", "AI system impact assessment", "Major nonconformity", "Not needed")
		if n := strings.Count(pg.body, "Raise corrective action"); n != 1 {
			t.Fatalf("%d raise links; want one, for the nonconformity", n)
		}
		// The checklist: ticking requirements saves them as examined; a finding counts without a tick.
		// The nonconformity names 9.2 as a whole, which examines 9.2.1 and 9.2.2; the observation 6.1.4.
		wants(t, "checklist", pg, "Checklist", `value="iso27001-2022:4.1"`, "3 of ")
		tick := url.Values{"csrf_token": {tok}, "version": {versionOf(t, pg)}, "examined": {"iso27001-2022:4.1", "iso42001-2023:4.1"}}
		if r := post(t, c, s.url+loc+"/examined", tick); r.status != http.StatusSeeOther {
			t.Fatalf("checklist: %d %.800s", r.status, r.body)
		}
		pg = get(t, c, s.url+loc)
		wants(t, "ticked checklist", pg, "Checklist saved: 2 requirements marked examined", "5 of ", `value="iso27001-2022:4.1" checked`)
		tick.Set("version", versionOf(t, pg))
		tick["examined"] = []string{"iso27001-2022:A.5.1"}
		if r := post(t, c, s.url+loc+"/examined", tick); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "is not on this audit&#39;s checklist") {
			t.Fatalf("an Annex A control on a clause checklist: %d", r.status)
		}
		wants(t, "programme coverage", get(t, c, s.url+"/audits"), "Coverage of the certification cycle", "0 of 30 clause requirements")
		raise := regexp.MustCompile(`href="(/corrective-actions\?audit_id=[^"]+)"`).FindStringSubmatch(pg.body)
		obsID := regexp.MustCompile(`id="finding-([^"]+)">\s*<td><a href="/frameworks/iso42001-2023`).FindStringSubmatch(pg.body)
		if raise == nil || obsID == nil {
			t.Fatalf("no raise link or observation row: %.3000s", pg.body)
		}

		// The auditor records findings but does not raise corrective actions; a viewer only reads.
		ac, _ := signIn(t, s, tn.users[auth.Auditor].Email, "a long enough password")
		if p := get(t, ac, s.url+loc); !strings.Contains(p.body, "Record a finding") || strings.Contains(p.body, "Raise corrective action") {
			t.Fatalf("auditor's audit page: %d", p.status)
		}
		vc, vtok := signIn(t, s, tn.users[auth.Viewer].Email, "a long enough password")
		if p := get(t, vc, s.url+loc); p.status != 200 || strings.Contains(p.body, "Record a finding") || strings.Contains(p.body, "Start the audit") || strings.Contains(p.body, "Complete the audit") {
			t.Fatalf("viewer's audit page: %d", p.status)
		}
		if p := get(t, vc, s.url+"/audits"); strings.Contains(p.body, "Plan an audit") {
			t.Fatal("a viewer is offered the plan form")
		}
		if p := post(t, vc, s.url+"/audits", plan); p.status != http.StatusForbidden {
			t.Fatalf("viewer plans an audit: %d", p.status)
		}
		if p := post(t, vc, s.url+loc+"/findings", url.Values{"csrf_token": {vtok}, "requirement": {"iso27001-2022:9.2"}}); p.status != http.StatusForbidden {
			t.Fatalf("viewer records a finding: %d", p.status)
		}

		// Raising the corrective action from the finding: the form starts from what the auditor wrote.
		raiseURL, err := url.Parse(html.UnescapeString(raise[1]))
		if err != nil {
			t.Fatal(err)
		}
		form := get(t, c, s.url+raiseURL.String())
		wants(t, "raise form", form, `name="audit_id"`, `name="finding_id"`, "Answers the major nonconformity on <strong>iso27001-2022:9.2</strong>",
			"No audit programme was established for 2025.</textarea>")
		fields := url.Values{"csrf_token": {tok}, "title": {"Establish the 2025 audit programme"}, "nonconformity": {"No audit programme was established for 2025."},
			"owner_id": {tn.users[auth.AISystemOwner].ID}}
		q := raiseURL.Query()
		fields.Set("audit_id", q.Get("audit_id"))
		fields.Set("finding_id", q.Get("finding_id"))
		bad = post(t, c, s.url+"/corrective-actions", fields)
		if bad.status != http.StatusUnprocessableEntity {
			t.Fatalf("no due date: %d", bad.status)
		}
		wants(t, "refused corrective action", bad, "Due on: must not be empty", `value="Establish the 2025 audit programme"`, "Answers the major nonconformity")
		obs := url.Values{"csrf_token": {tok}, "title": {"x"}, "nonconformity": {"x"}, "due_on": {"2030-01-01"}, "audit_id": {q.Get("audit_id")}, "finding_id": {obsID[1]}}
		if r := post(t, c, s.url+"/corrective-actions", obs); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "not a nonconformity") {
			t.Fatalf("corrective action for an observation: %d", r.status)
		}
		fields.Set("due_on", "2020-01-01")
		raised := post(t, c, s.url+"/corrective-actions", fields)
		if raised.status != http.StatusSeeOther {
			t.Fatalf("raise: %d %.1000s", raised.status, raised.body)
		}
		action := raised.header.Get("Location")
		for _, u := range []string{"/corrective-actions", "/corrective-actions?overdue=true", "/corrective-actions?standard=iso42001-2023&status=open"} {
			wants(t, u, get(t, c, s.url+u), "Establish the 2025 audit programme", "Combined ISMS and AIMS audit")
		}
		if p := get(t, c, s.url+"/corrective-actions?status=effective"); strings.Contains(p.body, "Establish the 2025") {
			t.Fatal("an open action is listed as effective")
		}
		if p := get(t, c, s.url+"/corrective-actions?standard=iso9001"); p.status != http.StatusUnprocessableEntity {
			t.Fatalf("unknown standard filter: %d", p.status)
		}
		pg = get(t, c, s.url+loc)
		if strings.Contains(pg.body, "Raise corrective action") || !strings.Contains(pg.body, `href="`+action+`"`) {
			t.Fatal("the audit page does not show the finding answered")
		}
		answered := regexp.MustCompile(`action="(/audits/[^"]+/findings/[^"]+/delete)"`).FindAllStringSubmatch(pg.body, -1)
		if len(answered) != 1 || !strings.Contains(answered[0][1], obsID[1]) {
			t.Fatalf("withdraw buttons: %v; want one, for the observation", answered)
		}
		if r := post(t, c, s.url+"/audits/"+q.Get("audit_id")+"/findings/"+q.Get("finding_id")+"/delete", url.Values{"csrf_token": {tok}}); r.status != http.StatusConflict || !strings.Contains(r.body, "a corrective action answers this finding") {
			t.Fatalf("withdraw an answered finding: %d", r.status)
		}
		if r := post(t, c, s.url+answered[0][1], url.Values{"csrf_token": {tok}}); r.status != http.StatusSeeOther {
			t.Fatalf("withdraw the observation: %d", r.status)
		}

		// Working on the corrective action, then checking it.
		ap := get(t, c, s.url+action)
		wants(t, "corrective action page", ap, "Overdue", "Work on it", "ai_system_owner@acme.test", "No checks yet")
		edit := url.Values{"csrf_token": {tok}, "version": {versionOf(t, ap)}, "title": {"Establish the 2025 audit programme"},
			"nonconformity": {"No audit programme was established for 2025."}, "owner_id": {tn.users[auth.AISystemOwner].ID}, "due_on": {"2020-01-01"},
			"status": {"implemented"}, "action_id": {"", ""}, "action_title": {"Adopt a three-year audit programme", ""}, "action_owner": {"", ""}, "action_due": {"", ""}}
		bad = post(t, c, s.url+action, edit)
		if bad.status != http.StatusUnprocessableEntity {
			t.Fatalf("implemented without a root cause: %d", bad.status)
		}
		wants(t, "refused edit", bad, "Root cause: is required before the action counts as implemented", "Action 1, done: every action is done",
			`value="Adopt a three-year audit programme"`)
		edit.Set("root_cause", "Nobody owned the programme after the ISMS lead left.")
		edit.Set("action_done", "0")
		if r := post(t, c, s.url+action, edit); r.status != http.StatusSeeOther {
			t.Fatalf("implemented: %d %.1500s", r.status, r.body)
		}
		ap = get(t, c, s.url+action)
		wants(t, "implemented action", ap, "Check its effectiveness", "Record the check")
		oc, otok := signIn(t, s, tn.users[auth.AISystemOwner].Email, "a long enough password")
		if p := get(t, oc, s.url+action); strings.Contains(p.body, "Record the check") {
			t.Fatal("the owner, without audits:write, is offered the check")
		}
		if r := post(t, oc, s.url+action+"/verify", url.Values{"csrf_token": {otok}, "effective": {"yes"}}); r.status != http.StatusForbidden {
			t.Fatalf("owner checks: %d", r.status)
		}
		check := url.Values{"csrf_token": {tok}, "version": {versionOf(t, ap)}, "effective": {"no"}}
		if r := post(t, c, s.url+action+"/verify", check); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Note: say why the action was not effective") {
			t.Fatalf("ineffective without a note: %d", r.status)
		}
		check.Set("effective", "yes")
		check.Set("note", "The 2026 programme is approved and the first audit ran.")
		if r := post(t, c, s.url+action+"/verify", check); r.status != http.StatusSeeOther {
			t.Fatalf("check: %d %.800s", r.status, r.body)
		}
		ap = get(t, c, s.url+action)
		wants(t, "effective action", ap, "The 2026 programme is approved", "compliance_manager@acme.test", ">Effective<")
		if strings.Contains(ap.body, "Work on it") {
			t.Error("an effective action is still editable")
		}
		edit.Del("version")
		if r := post(t, c, s.url+action, edit); r.status != http.StatusConflict || !strings.Contains(r.body, "checked effective") {
			t.Fatalf("edit an effective action: %d", r.status)
		}

		// Completing the audit needs its conclusion; a completed audit no longer changes.
		pg = get(t, c, s.url+loc)
		done := url.Values{"csrf_token": {tok}, "version": {versionOf(t, pg)}, "completed_on": {today}}
		if r := post(t, c, s.url+loc+"/complete", done); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Conclusion: is required to complete the audit") {
			t.Fatalf("complete without a conclusion: %d", r.status)
		}
		done.Set("conclusion", "The ISMS and AIMS conform, except the nonconformity on 9.2.")
		if r := post(t, c, s.url+loc+"/complete", done); r.status != http.StatusSeeOther {
			t.Fatalf("complete: %d %.800s", r.status, r.body)
		}
		pg = get(t, c, s.url+loc)
		wants(t, "completed audit", pg, "Completed on", "except the nonconformity on 9.2")
		if strings.Contains(pg.body, "Cancel the audit") {
			t.Error("a completed audit offers to cancel")
		}
		if r := post(t, c, s.url+loc+"/cancel", url.Values{"csrf_token": {tok}}); r.status != http.StatusConflict || !strings.Contains(r.body, "no longer changes") {
			t.Fatalf("cancel a completed audit: %d", r.status)
		}
		if p := get(t, c, s.url+"/audits?status=underway"); strings.Contains(listed(p), "Combined ISMS") {
			t.Error("a completed audit is listed as underway")
		}
		if p := get(t, c, s.url+"/audits?status=completed&standard=iso42001-2023"); !strings.Contains(listed(p), "Combined ISMS") {
			t.Error("the completed audit is not listed by its status and standard")
		}

		// Another organisation does not see the audit.
		other := s.bootstrap("Other")
		xc, _ := signIn(t, s, other.admin.Email, "a long enough password")
		if p := get(t, xc, s.url+loc); p.status != http.StatusNotFound {
			t.Fatalf("another organisation's audit: %d", p.status)
		}
		if p := get(t, xc, s.url+action); p.status != http.StatusNotFound {
			t.Fatalf("another organisation's corrective action: %d", p.status)
		}

		// The home page and the programme's standing.
		home := get(t, c, s.url+"/")
		wants(t, "home", home, "Audit programme", `href="/corrective-actions?overdue=true&amp;standard=iso27001-2022"`,
			`<strong>`+today+`</strong>last completed audit`, "approved management review yet")
		prog := get(t, c, s.url+"/audits")
		wants(t, "programme standing", prog, "audit &#34;Combined ISMS and AIMS audit&#34; completed on "+today, "1 nonconformities, each with a corrective action")
	})
}

func TestManagementReviewPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		tn := s.bootstrap("Acme")
		c, tok := signIn(t, s, tn.users[auth.ComplianceManager].Email, "a long enough password")
		list := get(t, c, s.url+"/management-reviews")
		wants(t, "reviews page", list, "No management reviews recorded yet", "Record a management review")

		bad := post(t, c, s.url+"/management-reviews", url.Values{"csrf_token": {tok}, "title": {"Management review 2026"}, "held_on": {"2026-02-01"}})
		if bad.status != http.StatusUnprocessableEntity {
			t.Fatalf("no standards: %d", bad.status)
		}
		wants(t, "refused review", bad, "Standards: must name at least one standard", `value="Management review 2026"`)
		created := post(t, c, s.url+"/management-reviews", url.Values{"csrf_token": {tok}, "title": {"Management review 2026"}, "held_on": {"2020-02-01"},
			"standards": {"iso27001-2022", "iso42001-2023"}, "attendees": {"Ada Lovelace, CEO\nGrace Hopper; CISO\n"}})
		if created.status != http.StatusSeeOther {
			t.Fatalf("create: %d %.800s", created.status, created.body)
		}
		loc := created.header.Get("Location")
		pg := get(t, c, s.url+loc)
		if n := strings.Count(pg.body, `<textarea id="input.`); n != 10 {
			t.Fatalf("%d topic fields; want one per input topic", n)
		}
		wants(t, "draft minutes", pg, "Actions from previous reviews", "9.3.2 a)", "Where the actions decided at earlier management reviews stand.",
			"Ada Lovelace, CEO\nGrace Hopper; CISO</textarea>", "Save the minutes")
		// The records' figures sit under their topics while drafting; the minutes download as PDF.
		wants(t, "review pack", pg, "From the records", "0 information-security risks", "0 major and 0 minor nonconformities",
			`href="/api/v1/management-reviews/`+strings.TrimPrefix(loc, "/management-reviews/")+`/minutes"`)
		if strings.Contains(pg.body, "Save and approve") || strings.Contains(pg.body, "Approve the minutes") {
			t.Fatal("the compliance manager, who may not approve, is offered approval")
		}
		minutes := url.Values{"csrf_token": {tok}, "version": {versionOf(t, pg)}, "title": {"Management review 2026"}, "held_on": {"2020-02-01"},
			"standards": {"iso27001-2022", "iso42001-2023"}, "attendees": {"Ada Lovelace, CEO\nGrace Hopper; CISO"},
			"input.audit_results": {"One major nonconformity on 9.2."}, "decision_id": {"", ""}, "decision_text": {"", "Fund an internal auditor"},
			"decision_owner": {"", tn.users[auth.ComplianceManager].ID}, "decision_due": {"", "2020-06-30"}}
		if r := post(t, c, s.url+loc, minutes); r.status != http.StatusSeeOther {
			t.Fatalf("save: %d %.1500s", r.status, r.body)
		}
		if r := post(t, c, s.url+loc+"/approve", url.Values{"csrf_token": {tok}}); r.status != http.StatusForbidden {
			t.Fatalf("compliance manager approves: %d", r.status)
		}

		// The administrator, standing in for top management, approves only complete minutes.
		ac, atok := signIn(t, s, tn.admin.Email, "a long enough password")
		pg = get(t, ac, s.url+loc)
		wants(t, "saved minutes", pg, "One major nonconformity on 9.2.</textarea>", "Fund an internal auditor</textarea>", "Save and approve")
		minutes.Set("csrf_token", atok)
		minutes.Set("version", versionOf(t, pg))
		minutes.Set("action", "approve")
		r := post(t, ac, s.url+loc, minutes)
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("approve incomplete minutes: %d", r.status)
		}
		wants(t, "refused approval", r, "not complete enough to approve", "The review has not considered actions from previous reviews (9.3.2 a)).",
			`aria-invalid="true"`, "One major nonconformity on 9.2.</textarea>")
		for _, id := range []string{"previous_actions", "external_internal_issues", "interested_parties", "nonconformities", "monitoring", "objectives", "feedback", "risk", "improvement"} {
			minutes.Set("input."+id, "Considered: "+id)
		}
		minutes.Set("version", versionOf(t, r))
		if r := post(t, ac, s.url+loc, minutes); r.status != http.StatusSeeOther {
			t.Fatalf("save and approve: %d %.2000s", r.status, r.body)
		}
		pg = get(t, c, s.url+loc)
		wants(t, "approved minutes", pg, "Approved by admin@acme.test", "Considered: risk", "Fund an internal auditor")
		if strings.Contains(pg.body, "<textarea") {
			t.Error("approved minutes are still editable")
		}
		minutes.Set("csrf_token", tok)
		minutes.Del("action")
		minutes.Del("version")
		if r := post(t, c, s.url+loc, minutes); r.status != http.StatusConflict || !strings.Contains(r.body, "its minutes no longer change") {
			t.Fatalf("edit approved minutes: %d", r.status)
		}
		// Following up a decision changes that and nothing else.
		decision := regexp.MustCompile(`action="(/management-reviews/[^"]+/decisions/[^"]+)"`).FindStringSubmatch(pg.body)
		if decision == nil {
			t.Fatal("approved minutes offer no follow-up of their decisions")
		}
		if r := post(t, c, s.url+decision[1], url.Values{"csrf_token": {tok}, "done_on": {"2999-01-01"}}); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("done in the future: %d", r.status)
		}
		if r := post(t, c, s.url+decision[1], url.Values{"csrf_token": {tok}, "done_on": {"2020-05-04"}}); r.status != http.StatusSeeOther {
			t.Fatalf("follow up: %d %.800s", r.status, r.body)
		}
		wants(t, "followed up", get(t, c, s.url+loc), "Decision marked done on 2020-05-04.", "Done 2020-05-04", "Considered: risk")
		wants(t, "reviews list", get(t, c, s.url+"/management-reviews"), "Management review 2026", "Approved")
		wants(t, "programme standing", get(t, c, s.url+"/audits"), "<strong>2020-02-01</strong>last approved management review",
			"more than a year ago")
		vc, vtok := signIn(t, s, tn.users[auth.Viewer].Email, "a long enough password")
		if p := get(t, vc, s.url+"/management-reviews"); strings.Contains(p.body, "Record a management review") {
			t.Fatal("a viewer is offered the review form")
		}
		if p := post(t, vc, s.url+"/management-reviews", url.Values{"csrf_token": {vtok}, "title": {"x"}}); p.status != http.StatusForbidden {
			t.Fatalf("viewer records a review: %d", p.status)
		}
	})
}
