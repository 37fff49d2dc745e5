package app_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

func TestAISystemPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		tn := s.bootstrap("Acme")
		c, tok := signIn(t, s, tn.users[auth.ComplianceManager].Email, "a long enough password")

		empty := get(t, c, s.url+"/ai-systems")
		if empty.status != 200 || !strings.Contains(empty.body, "No AI systems registered yet") || !strings.Contains(empty.body, `href="/ai-systems/new"`) {
			t.Fatalf("empty register: %d", empty.status)
		}
		form := get(t, c, s.url+"/ai-systems/new")
		if form.status != 200 || !strings.Contains(form.body, `name="eu_ai_act_roles"`) {
			t.Fatalf("new form: %d", form.status)
		}
		// A missing name comes back with the error beside the field and what was typed kept.
		bad := post(t, c, s.url+"/ai-systems", url.Values{"csrf_token": {tok}, "name": {""}, "vendor": {"Zendesk"}})
		if bad.status != 422 || !strings.Contains(bad.body, `aria-invalid="true"`) || !strings.Contains(bad.body, `value="Zendesk"`) {
			t.Fatalf("missing name: %d", bad.status)
		}
		created := post(t, c, s.url+"/ai-systems", url.Values{"csrf_token": {tok}, "name": {"Support chatbot"}, "intended_purpose": {"Answers customers"},
			"sourcing": {"third_party"}, "vendor": {"Zendesk"}, "eu_ai_act_roles": {"deployer"}, "eu_nexus": {"deployer_established_in_eu"},
			"affected_groups": {"customers"}, "personal_data": {"yes"}, "model_name": {"gpt-4o", ""}, "model_version": {"2024-08", ""},
			"model_provider": {"OpenAI", ""}, "model_type": {"LLM", ""}})
		if created.status != http.StatusSeeOther {
			t.Fatalf("create: %d %.600s", created.status, created.body)
		}
		loc := created.header.Get("Location")
		page := get(t, c, s.url+loc)
		for _, want := range []string{"Support chatbot", "Minimal risk", "Art. 2(1)(b)", "A.10.3", "Suppliers", "gpt-4o", "Still to find out", "Art. 4"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("system page lacks %q", want)
			}
		}
		edit := get(t, c, s.url+loc+"/edit")
		version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(edit.body)
		if edit.status != 200 || version == nil || !strings.Contains(edit.body, `value="gpt-4o"`) {
			t.Fatalf("edit form: %d", edit.status)
		}
		// Changing the model version is material: the page says the system is due for review.
		saved := post(t, c, s.url+loc, url.Values{"csrf_token": {tok}, "version": {version[1]}, "name": {"Support chatbot"}, "intended_purpose": {"Answers customers"},
			"sourcing": {"third_party"}, "vendor": {"Zendesk"}, "eu_ai_act_roles": {"deployer"}, "eu_nexus": {"deployer_established_in_eu"},
			"affected_groups": {"customers"}, "personal_data": {"yes"}, "model_name": {"gpt-4o"}, "model_version": {"2025-01"}, "model_provider": {"OpenAI"}, "model_type": {"LLM"}})
		if saved.status != http.StatusSeeOther {
			t.Fatalf("save: %d %.600s", saved.status, saved.body)
		}
		page = get(t, c, s.url+loc)
		if !strings.Contains(page.body, "Due for review") || !strings.Contains(page.body, "2025-01") || !strings.Contains(page.body, "material") {
			t.Fatalf("review banner missing after a model change")
		}
		// The same stale version again is refused with the current version shown.
		stale := post(t, c, s.url+loc, url.Values{"csrf_token": {tok}, "version": {version[1]}, "name": {"Renamed"}})
		if stale.status != http.StatusPreconditionFailed || !strings.Contains(stale.body, "someone else changed") {
			t.Fatalf("stale edit: %d", stale.status)
		}
		reviewed := post(t, c, s.url+loc+"/reviewed", url.Values{"csrf_token": {tok}})
		if reviewed.status != http.StatusSeeOther || strings.Contains(get(t, c, s.url+loc).body, "Due for review") {
			t.Fatalf("mark reviewed: %d", reviewed.status)
		}
		list := get(t, c, s.url+"/ai-systems?q=chat&sourcing=third_party")
		if !strings.Contains(list.body, "Support chatbot") || !strings.Contains(list.body, "1 shown (filtered) of 1") {
			t.Fatalf("filtered list: %.1000s", list.body)
		}

		// A viewer reads but may not register or change.
		v, vtok := signIn(t, s, tn.users[auth.Viewer].Email, "a long enough password")
		if p := get(t, v, s.url+"/ai-systems"); strings.Contains(p.body, `href="/ai-systems/new"`) {
			t.Error("viewer is offered to register a system")
		}
		if p := get(t, v, s.url+loc); p.status != 200 || strings.Contains(p.body, "/edit") {
			t.Errorf("viewer's system page: %d", p.status)
		}
		if p := post(t, v, s.url+loc+"/delete", url.Values{"csrf_token": {vtok}}); p.status != http.StatusForbidden {
			t.Errorf("viewer deleting: %d", p.status)
		}
		// Delete.
		if p := post(t, c, s.url+loc+"/delete", url.Values{"csrf_token": {tok}}); p.status != http.StatusSeeOther {
			t.Fatalf("delete: %d", p.status)
		}
		if p := get(t, c, s.url+loc); p.status != 404 {
			t.Fatalf("deleted system page: %d", p.status)
		}
	})
}

func TestPlanPage(t *testing.T) {
	s := start(t, storetest.Engines()[0])
	tn := s.bootstrap("Acme")
	c, _ := signIn(t, s, tn.users[auth.Viewer].Email, "a long enough password")
	p := get(t, c, s.url+"/plan?answered=1&uses_ai=yes&eu_presence=yes")
	for _, want := range []string{"EU AI Act compliance programme", "Required", "Art. 2(1)", "<svg class=\"timeline\"", "Roadmap from", "AI system inventory"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("plan page lacks %q", want)
		}
	}
	before := get(t, c, s.url+"/plan/roadmap.csv")
	if before.status != 200 || !strings.HasPrefix(before.body, "phase,step,done_percent") || !strings.Contains(before.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("roadmap CSV: %d %q", before.status, before.body)
	}
	// Recording the scopes finishes part of the first phase, and the roadmap shrinks.
	var rm1, rm2 struct{ Weeks float64 }
	s.do("GET", "/api/v1/roadmap", tn.tokens[auth.Viewer], nil).json(t, &rm1)
	s.do("PATCH", "/api/v1/organisation", tn.tokens[auth.Admin], map[string]any{"isms_scope": "All of Acme", "aims_scope": "AI in hiring", "ai_roles": []string{"ai_customer"}})
	s.do("GET", "/api/v1/roadmap", tn.tokens[auth.Viewer], nil).json(t, &rm2)
	if !(rm2.Weeks < rm1.Weeks) {
		t.Fatalf("roadmap did not shrink: %v then %v weeks", rm1.Weeks, rm2.Weeks)
	}
	if r := s.do("POST", "/api/v1/advice", tn.tokens[auth.Viewer], map[string]any{"wants_pizza": true}); r.status != 422 || !r.problem(t).names("wants_pizza") {
		t.Fatalf("unknown question: %d", r.status)
	}
}
