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

func TestRiskPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		tn := s.bootstrap("Acme")
		c, tok := signIn(t, s, tn.users[auth.ComplianceManager].Email, "a long enough password")

		empty := get(t, c, s.url+"/risks")
		if empty.status != 200 || !strings.Contains(empty.body, "No risks registered yet") || !strings.Contains(empty.body, `href="/risks"`) {
			t.Fatalf("empty register: %d", empty.status)
		}
		// Off the matrix: the form comes back naming the field, with what was typed.
		bad := post(t, c, s.url+"/risks", url.Values{"csrf_token": {tok}, "title": {"Leaked CVs"}, "category": {"privacy"}, "likelihood": {"0"}, "impact": {"4"}})
		if bad.status != 422 || !strings.Contains(bad.body, "This likelihood must be between 1 and 5") || !strings.Contains(bad.body, `value="Leaked CVs"`) {
			t.Fatalf("bad create: %d %.2000s", bad.status, bad.body)
		}
		created := post(t, c, s.url+"/risks", url.Values{"csrf_token": {tok}, "title": {"Leaked CVs"}, "category": {"privacy"}, "likelihood": {"3"}, "impact": {"4"},
			"treatment": {"modify"}, "action_title": {"Encrypt the share", ""}, "action_due": {"2020-01-01", ""}, "action_owner": {"", ""}, "controls": {"iso27001-2022:A.8.24"}})
		if created.status != http.StatusSeeOther {
			t.Fatalf("create: %d %.2000s", created.status, created.body)
		}
		loc := created.header.Get("Location")
		pg := get(t, c, s.url+loc)
		for _, want := range []string{"Leaked CVs", "Encrypt the share", "Overdue", "iso27001-2022:A.8.24", "Score history", "12 High"} {
			if !strings.Contains(pg.body, want) {
				t.Errorf("risk page lacks %q", want)
			}
		}
		// Acceptance by the compliance manager at High is allowed by the default criteria.
		acc := post(t, c, s.url+loc+"/accept", url.Values{"csrf_token": {tok}, "reason": {"encryption planned; residual low"}})
		if acc.status != http.StatusSeeOther || !strings.Contains(get(t, c, s.url+loc).body, "Accepted by compliance_manager@acme.test") {
			t.Fatalf("accept: %d", acc.status)
		}
		hm := get(t, c, s.url+"/risks/heatmap")
		for _, want := range []string{`<svg role="img"`, "<title id=\"inherent-title\">Inherent risk</title>", `href="/risks?likelihood=3&amp;impact=4"`, "1 risks at likelihood 3 (Possible), impact 4 (Major): High"} {
			if !strings.Contains(hm.body, want) {
				t.Errorf("heat map lacks %q", want)
			}
		}
		cell := get(t, c, s.url+"/risks?likelihood=3&impact=4")
		if !strings.Contains(cell.body, "Leaked CVs") || strings.Contains(get(t, c, s.url+"/risks?likelihood=1&impact=1").body, "Leaked CVs") {
			t.Fatal("a heat-map cell's link does not list its risks")
		}
		due := get(t, c, s.url+"/risks/due")
		if !strings.Contains(due.body, "Encrypt the share") || !strings.Contains(due.body, `class="overdue"`) {
			t.Fatalf("due list: %.2000s", due.body)
		}
		// The method page: a 3×3 method re-scores the risk.
		mp := get(t, c, s.url+"/risk-method")
		version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(mp.body)
		if mp.status != 200 || version == nil {
			t.Fatalf("method page: %d", mp.status)
		}
		form := url.Values{"csrf_token": {tok}, "version": {version[1]}, "likelihood": {"Low\nMedium\nHigh"}, "impact": {"Low\nMedium\nHigh"},
			"level_id": {"low", "high", ""}, "level_name": {"Low", "High", ""}, "level_colour": {"#2e7d32", "#c62828", "#888888"},
			"level_min": {"1", "5", "0"}, "level_review_days": {"365", "90", "0"}, "level_treat": {"1"}, "level_accept_0": {"compliance_manager"}, "level_accept_1": {"admin"}}
		saved := post(t, c, s.url+"/risk-method", form)
		if saved.status != http.StatusSeeOther {
			t.Fatalf("save method: %d %.2000s", saved.status, saved.body)
		}
		if pg := get(t, c, s.url+loc); !strings.Contains(pg.body, "2 × 3 = 6") {
			t.Fatalf("not re-scored on 3×3: %.3000s", pg.body)
		}
		form.Set("likelihood", "Only\nTwo")
		if bad := post(t, c, s.url+"/risk-method", form); bad.status != 422 || !strings.Contains(bad.body, "must have 3 to 5 steps") {
			t.Fatalf("bad method: %d", bad.status)
		}
		// A viewer sees the register but no forms.
		v, _ := signIn(t, s, tn.users[auth.Viewer].Email, "a long enough password")
		if p := get(t, v, s.url+"/risks/new"); p.status != 403 {
			t.Fatalf("viewer new risk: %d", p.status)
		}
		if p := get(t, v, s.url+loc); p.status != 200 || strings.Contains(p.body, "/edit") {
			t.Fatalf("viewer risk page: %d", p.status)
		}
	})
}

func TestRiskSuggestionsOnSystemPage(t *testing.T) {
	s := start(t, storetest.Engines()[0])
	tn := s.bootstrap("Acme")
	c, tok := signIn(t, s, tn.users[auth.ComplianceManager].Email, "a long enough password")
	var sys systemJSON
	s.do("POST", "/api/v1/ai-systems", tn.tokens[auth.ComplianceManager], cvScreening).json(t, &sys)
	pg := get(t, c, s.url+"/ai-systems/"+sys.ID)
	if !strings.Contains(pg.body, "Suggested risks") || !strings.Contains(pg.body, "Bias against protected groups") {
		t.Fatalf("system page lacks suggestions: %.3000s", pg.body)
	}
	acc := post(t, c, s.url+"/ai-systems/"+sys.ID+"/risk-suggestions/employment-bias/accept", url.Values{"csrf_token": {tok}})
	if acc.status != http.StatusSeeOther || !strings.HasSuffix(acc.header.Get("Location"), "/edit") {
		t.Fatalf("accept suggestion: %d", acc.status)
	}
	dis := post(t, c, s.url+"/ai-systems/"+sys.ID+"/risk-suggestions/supplier-model-change/discard", url.Values{"csrf_token": {tok}})
	if dis.status != http.StatusSeeOther {
		t.Fatalf("discard: %d", dis.status)
	}
	pg = get(t, c, s.url+"/ai-systems/"+sys.ID)
	if !strings.Contains(pg.body, "Registered as a risk") || !strings.Contains(pg.body, "Discarded.") {
		t.Fatal("the system page does not show what became of the suggestions")
	}
}
