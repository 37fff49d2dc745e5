package app_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

// draftForm is what a person types into the draft form: one party with one effect, every
// section and, for a FRIA, the Art. 27 elements.
func draftForm(tok, version string) url.Values {
	return url.Values{"csrf_token": {tok}, "version": {version},
		"intended_purpose": {"Ranks job applications"}, "foreseeable_misuse": {"Automatic rejection"},
		"party.0.name": {"Job applicants"}, "party.0.kind": {"groups"}, "party.0.description": {""},
		"party.0.effect.0.kind": {"fairness"}, "party.0.effect.0.severity": {"4"}, "party.0.effect.0.likelihood": {"3"},
		"party.0.effect.0.description": {"Older applicants ranked lower"}, "party.0.effect.0.mitigations": {"Disparity tests"},
		// The empty rows the form always shows come back empty and are left out.
		"party.0.effect.1.kind": {""}, "party.0.effect.1.severity": {"0"}, "party.0.effect.1.likelihood": {"0"},
		"party.0.effect.1.description": {""}, "party.0.effect.1.mitigations": {""},
		"party.1.name": {""}, "party.1.kind": {""}, "party.1.description": {""},
		"party.1.effect.0.kind": {""}, "party.1.effect.0.severity": {"0"}, "party.1.effect.0.likelihood": {"0"},
		"party.1.effect.0.description": {""}, "party.1.effect.0.mitigations": {""},
		"data_used": {"CVs"}, "data_provenance": {"Tracking system"},
		"fria.deployer_process": {"Pre-screening"}, "fria.period_and_frequency": {"Daily"}, "fria.categories_of_persons": {"Applicants"},
		"fria.specific_risks": {"Age discrimination"}, "fria.human_oversight": {"Recruiter review"}, "fria.measures_if_risks_materialise": {""},
		"residual_impact": {"Low"}, "residual_level": {"low"}, "conclusion": {"May be used"}, "next_review": {"2099-01-31"}}
}

var versionField = regexp.MustCompile(`name="version" value="(\d+)"`)

func TestImpactAssessmentPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		tn := s.bootstrap("Acme")
		var sys systemJSON
		s.do("POST", "/api/v1/ai-systems", tn.tokens[auth.ComplianceManager], publicCVScreening(tn.users[auth.AISystemOwner].ID)).json(t, &sys)
		owner, otok := signIn(t, s, tn.users[auth.AISystemOwner].Email, "a long enough password")

		// The system page offers to start the assessment; starting opens the draft form.
		sysPage := get(t, owner, s.url+"/ai-systems/"+sys.ID)
		if !strings.Contains(sysPage.body, "Start the impact assessment") {
			t.Fatalf("system page has no start button")
		}
		started := post(t, owner, s.url+"/impact-assessments", url.Values{"csrf_token": {otok}, "ai_system_id": {sys.ID}})
		if started.status != http.StatusSeeOther || !strings.HasSuffix(started.header.Get("Location"), "/edit") {
			t.Fatalf("start: %d %s", started.status, started.body)
		}
		edit := started.header.Get("Location")
		base := strings.TrimSuffix(edit, "/edit")
		form := get(t, owner, s.url+edit)
		for _, want := range []string{"Art. 27(1)(a)", `name="party.0.name" value="Job applicants"`, `name="party.1.name"`, `name="party.0.effect.0.kind"`,
			"Fundamental-rights impact assessment (EU AI Act Art. 27)", "ISO/IEC 42001 6.1.4"} {
			if !strings.Contains(form.body, want) {
				t.Errorf("draft form lacks %q", want)
			}
		}
		v := versionField.FindStringSubmatch(form.body)
		if v == nil {
			t.Fatal("no version in the draft form")
		}
		// Saving and submitting with an Art. 27 element empty keeps what was typed and names the element.
		values := draftForm(otok, v[1])
		values.Set("action", "submit")
		bad := post(t, owner, s.url+base, values)
		if bad.status != 422 || !strings.Contains(bad.body, "Art. 27(1)(f)") || !strings.Contains(bad.body, `aria-invalid="true"`) ||
			!strings.Contains(bad.body, "Older applicants ranked lower") {
			t.Fatalf("incomplete submit: %d %.2000s", bad.status, bad.body)
		}
		form = get(t, owner, s.url+edit)
		if !strings.Contains(form.body, `name="party.0.effect.1.kind"`) || strings.Contains(form.body, `name="party.2.name"`) {
			t.Fatalf("after saving, the form should show the saved effect, one empty effect and one empty party")
		}
		values = draftForm(otok, versionField.FindStringSubmatch(form.body)[1])
		values.Set("fria.measures_if_risks_materialise", "Stop ranking")
		values.Set("action", "submit")
		if r := post(t, owner, s.url+base, values); r.status != http.StatusSeeOther {
			t.Fatalf("submit: %d %.1500s", r.status, r.body)
		}
		// The owner cannot approve; the compliance manager sees the review forms.
		view := get(t, owner, s.url+base)
		if strings.Contains(view.body, "/approve") || !strings.Contains(view.body, "In review") {
			t.Fatalf("owner's view of a version in review")
		}
		if r := post(t, owner, s.url+base+"/approve", url.Values{"csrf_token": {otok}}); r.status != http.StatusForbidden {
			t.Fatalf("owner approves: %d", r.status)
		}
		cm, ctok := signIn(t, s, tn.users[auth.ComplianceManager].Email, "a long enough password")
		if r := post(t, cm, s.url+base+"/return", url.Values{"csrf_token": {ctok}, "comment": {""}}); r.status != 422 || !strings.Contains(r.body, "comment") {
			t.Fatalf("return without comment: %d", r.status)
		}
		if r := post(t, cm, s.url+base+"/approve", url.Values{"csrf_token": {ctok}, "comment": {"Agreed"}}); r.status != http.StatusSeeOther {
			t.Fatalf("approve: %d %.800s", r.status, r.body)
		}
		view = get(t, cm, s.url+base)
		if !strings.Contains(view.body, "Approved") || !strings.Contains(view.body, "Start a new version") || strings.Contains(view.body, "Edit the draft") {
			t.Fatalf("approved view: %.1500s", view.body)
		}
		if r := get(t, cm, s.url+edit); r.status != http.StatusConflict {
			t.Fatalf("editing an approved version: %d", r.status)
		}
		// The approved version raises its risks into the register; a viewer is not offered it.
		if !strings.Contains(view.body, "Raise risks into the register") {
			t.Fatalf("approved view offers no raise button")
		}
		vw, vtok := signIn(t, s, tn.users[auth.Viewer].Email, "a long enough password")
		if strings.Contains(get(t, vw, s.url+base).body, "Raise risks into the register") {
			t.Fatalf("a viewer is offered to raise risks")
		}
		if r := post(t, vw, s.url+base+"/raise-risks", url.Values{"csrf_token": {vtok}}); r.status != http.StatusForbidden {
			t.Fatalf("viewer raises: %d", r.status)
		}
		raised := post(t, cm, s.url+base+"/raise-risks", url.Values{"csrf_token": {ctok}})
		if raised.status != http.StatusSeeOther || raised.header.Get("Location") != "/risks?ai_system="+sys.ID {
			t.Fatalf("raise: %d %s", raised.status, raised.body)
		}
		reg := get(t, cm, s.url+"/risks?ai_system="+sys.ID)
		if !strings.Contains(reg.body, "1 risk(s) raised") || !strings.Contains(reg.body, "Older applicants ranked lower") {
			t.Fatalf("register after raising: %.3000s", reg.body)
		}
		post(t, cm, s.url+base+"/raise-risks", url.Values{"csrf_token": {ctok}})
		if again := get(t, cm, s.url+"/risks?ai_system="+sys.ID); !strings.Contains(again.body, "0 risk(s) raised") || !strings.Contains(again.body, "1 effect(s) had raised risks before") {
			t.Fatalf("register after raising again: %.3000s", again.body)
		}
		if r := post(t, owner, s.url+base, draftForm(otok, "1")); r.status != http.StatusConflict {
			t.Fatalf("saving over an approved version: %d", r.status)
		}

		// A new version, changed and compared.
		nv := post(t, cm, s.url+base+"/new-version", url.Values{"csrf_token": {ctok}})
		if nv.status != http.StatusSeeOther {
			t.Fatalf("new version: %d %s", nv.status, nv.body)
		}
		edit2 := nv.header.Get("Location")
		form2 := get(t, cm, s.url+edit2)
		values = draftForm(ctok, versionField.FindStringSubmatch(form2.body)[1])
		values.Set("fria.measures_if_risks_materialise", "Stop ranking")
		values.Set("party.0.effect.0.severity", "5")
		if r := post(t, cm, s.url+strings.TrimSuffix(edit2, "/edit"), values); r.status != http.StatusSeeOther {
			t.Fatalf("save v2: %d", r.status)
		}
		cmp := get(t, cm, s.url+strings.TrimSuffix(edit2, "/edit")+"/compare")
		if cmp.status != 200 || !strings.Contains(cmp.body, "1 field changed") || !strings.Contains(cmp.body, `<tr class="changed">`) ||
			!strings.Contains(cmp.body, "Party 1 · effect 1 · severity") {
			t.Fatalf("compare: %d %.3000s", cmp.status, cmp.body)
		}

		// The print view stands alone: no navigation, the sign-off and the Art. 27 elements.
		pr := get(t, owner, s.url+base+"/print")
		if pr.status != 200 || strings.Contains(pr.body, `class="mainnav"`) || !strings.Contains(pr.body, "Approved by") ||
			!strings.Contains(pr.body, "Art. 27(1)(f)") || !strings.Contains(pr.body, "Stop ranking") {
			t.Fatalf("print view: %d %.1500s", pr.status, pr.body)
		}
		list := get(t, owner, s.url+"/impact-assessments?ai_system="+sys.ID)
		if !strings.Contains(list.body, "TalentRank CV screening") || strings.Count(list.body, `href="/impact-assessments/`) < 2 {
			t.Fatalf("list: %.1500s", list.body)
		}
		// Another organisation's people get 404.
		other := s.bootstrap("Globex")
		oc, _ := signIn(t, s, other.admin.Email, "a long enough password")
		if r := get(t, oc, s.url+base); r.status != 404 {
			t.Fatalf("other organisation: %d", r.status)
		}
	})
}

// TestBrowserImpactAssessment drives a real browser through an assessment: the owner finishes
// and submits a draft, a compliance manager approves it and starts version 2, changes it and
// compares the two versions.
func TestBrowserImpactAssessment(t *testing.T) {
	ctx := newBrowser(t)
	s := start(t, storetest.Engines()[0])
	tn := s.bootstrap("Acme")
	var sys systemJSON
	s.do("POST", "/api/v1/ai-systems", tn.tokens[auth.ComplianceManager], publicCVScreening(tn.users[auth.AISystemOwner].ID)).json(t, &sys)
	var a assessmentJSON
	s.do("POST", "/api/v1/impact-assessments", tn.tokens[auth.AISystemOwner], map[string]any{"ai_system_id": sys.ID}).json(t, &a)
	body := map[string]any{}
	for k, v := range completeAssessment {
		if k != "conclusion" {
			body[k] = v
		}
	}
	if r := s.do("PATCH", "/api/v1/impact-assessments/"+a.ID, tn.tokens[auth.AISystemOwner], body); r.status != 200 {
		t.Fatalf("seed draft: %d %s", r.status, r.body)
	}
	step := browserSteps(t, ctx)
	signInAs := func(email string) []chromedp.Action[chromedp.Void] { return signInActions(s.url, email) }
	var status, flash, summary, changed string
	step("owner signs in", signInAs(tn.users[auth.AISystemOwner].Email)...)
	step("owner finishes and submits the draft",
		chromedp.Click(chromedp.CSS(`.mainnav a[href="/risks"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.subnav`)),
		chromedp.Click(chromedp.CSS(`.subnav a[href="/impact-assessments"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#assessments table`)),
		chromedp.Click(chromedp.CSS(`#assessments tbody a`)),
		chromedp.WaitVisible(chromedp.CSS(`.impact-actions`)),
		chromedp.Click(chromedp.CSS(`a[href$="/edit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#conclusion`)),
		chromedp.SendKeys(chromedp.CSS(`#conclusion`), "May be used with a recruiter reviewing every rejection"),
		screenshot("20-impact-draft"),
		chromedp.Click(chromedp.CSS(`button[value=submit]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[@role='status' and contains(., 'submitted for review')]`)),
		text(`.page-head .status`, &status),
		chromedp.Click(chromedp.CSS(`.who summary`)),
		chromedp.Click(chromedp.CSS(`.who button`)),
		chromedp.WaitVisible(chromedp.CSS(`#password`)))
	if !strings.Contains(status, "In review") {
		t.Fatalf("after submitting: %q", status)
	}
	step("compliance manager approves and starts version 2",
		append(signInAs(tn.users[auth.ComplianceManager].Email),
			chromedp.Navigate(s.url+"/impact-assessments/"+a.ID),
			chromedp.WaitVisible(chromedp.CSS(`#review-h`)),
			chromedp.SendKeys(chromedp.CSS(`#approve-comment`), "Agreed, review in a year"),
			screenshot("21-impact-review"),
			chromedp.Click(chromedp.CSS(`form[action$="/approve"] button`)),
			chromedp.WaitVisible(chromedp.Search(`//p[@role='status' and contains(., 'approved')]`)),
			text(`.flash`, &flash),
			chromedp.Click(chromedp.CSS(`form[action$="/new-version"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`#conclusion`)),
			chromedp.Clear(chromedp.CSS(`#conclusion`)),
			chromedp.SendKeys(chromedp.CSS(`#conclusion`), "May be used with two reviewers"),
			chromedp.SetValue(chromedp.CSS(`#p0-e0-severity`), "5"),
			chromedp.Click(chromedp.CSS(`button[value=save]`)),
			// The form already shows the "version started" flash: wait for the saved page's own.
			chromedp.WaitVisible(chromedp.Search(`//p[@role='status' and contains(., 'Draft saved')]`)),
			chromedp.Click(chromedp.CSS(`a[href^="/impact-assessments/"]`)),
			chromedp.WaitVisible(chromedp.CSS(`.impact-actions`)),
			chromedp.Click(chromedp.CSS(`a[href$="/compare"]`)),
			chromedp.WaitVisible(chromedp.CSS(`table.compare`)),
			text(`.compare-summary`, &summary),
			text(`table.compare`, &changed),
			screenshot("22-impact-compare"))...)
	if !strings.Contains(flash, "approved") {
		t.Errorf("flash after approval: %q", flash)
	}
	if !strings.Contains(summary, "2 fields changed") || !strings.Contains(changed, "May be used with two reviewers") || !strings.Contains(strings.ToLower(changed), "effect 1 · severity") {
		t.Errorf("comparison: %q\n%s", summary, changed)
	}
}
