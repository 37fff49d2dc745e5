package app_test

import (
	"strings"
	"testing"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

type readinessJSON struct {
	Percent float64
	Met     int
	Partial int
	Open    int
	Clauses []struct {
		ID    string
		Items []struct {
			ID     string
			Status string
			Checks []struct{ ID, Status, Detail string }
		}
	}
}

// TestReadinessIsHonest: an empty organisation scores 0%, generated starter controls change
// nothing, and recorded work moves the figure.
func TestReadinessIsHonest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		tn := s.bootstrap("Acme")
		cm := tn.tokens[auth.ComplianceManager]
		var r0 readinessJSON
		s.do("GET", "/api/v1/readiness/iso42001-2023", cm, nil).json(t, &r0)
		// bootstrap gives Acme people in every role, so the team check alone is met: nothing
		// else may count.
		if r0.Met != 0 || r0.Percent > 2 {
			t.Fatalf("empty organisation: %.1f%%, %d met, %d partial", r0.Percent, r0.Met, r0.Partial)
		}
		if r := s.do("POST", "/api/v1/controls/generate", cm, map[string]any{"catalog": "iso42001-2023"}); r.status >= 300 {
			t.Fatalf("generate starters: %d %s", r.status, r.body)
		}
		var r1 readinessJSON
		s.do("GET", "/api/v1/readiness/iso42001-2023", cm, nil).json(t, &r1)
		if r1.Percent != r0.Percent {
			t.Fatalf("generated starter controls moved readiness from %.1f to %.1f", r0.Percent, r1.Percent)
		}
		s.do("PATCH", "/api/v1/organisation", cm, map[string]any{"aims_scope": "AI in hiring", "ai_roles": []string{"ai_customer"}})
		s.do("POST", "/api/v1/ai-systems", cm, cvScreening)
		var r2 readinessJSON
		s.do("GET", "/api/v1/readiness/iso42001-2023", cm, nil).json(t, &r2)
		if !(r2.Percent > r1.Percent) {
			t.Fatalf("recording the scope, roles and a system did not move readiness: %.1f", r2.Percent)
		}
		found := false
		for _, sec := range r2.Clauses {
			for _, it := range sec.Items {
				if it.ID == "4.3" {
					found = true
					if it.Status == "open" || len(it.Checks) != 2 {
						t.Errorf("4.3 after recording the scope and a system: %+v", it)
					}
				}
			}
		}
		if !found {
			t.Fatal("clause 4.3 missing")
		}
		if r := s.do("GET", "/api/v1/readiness/nist-ai-rmf-1.0", cm, nil); r.status != 404 {
			t.Errorf("readiness of a framework that is not a certifiable standard: %d", r.status)
		}
		var co struct {
			Items     []struct{ ID, Category string }
			Counts    map[string]int
			TotalDays float64 `json:"total_days"`
		}
		s.do("GET", "/api/v1/readiness/carry-over", tn.tokens[auth.Auditor], nil).json(t, &co)
		if len(co.Items) < 60 || co.Counts["new_work"] == 0 || co.TotalDays <= 0 {
			t.Fatalf("carry-over: %d items, counts %v, %.1f days", len(co.Items), co.Counts, co.TotalDays)
		}
		var d struct {
			Readiness []struct {
				Catalog string
				Percent float64
			}
			AIAct struct {
				Tiers    map[string]int
				Upcoming []struct {
					Date    string
					Systems int
				}
			} `json:"ai_act"`
			Inventory struct{ Total int }
		}
		s.do("GET", "/api/v1/dashboard", tn.tokens[auth.Viewer], nil).json(t, &d)
		if len(d.Readiness) != 2 || d.Inventory.Total != 1 || d.AIAct.Tiers["high"] != 1 || len(d.AIAct.Upcoming) == 0 {
			t.Fatalf("dashboard: %+v", d)
		}
		withSystems := 0
		for _, u := range d.AIAct.Upcoming {
			withSystems += u.Systems
		}
		if withSystems == 0 {
			t.Errorf("no upcoming deadline brings obligations to the high-risk system: %+v", d.AIAct.Upcoming)
		}
	})
}

func TestReadinessPagesAndDashboard(t *testing.T) {
	s := start(t, storetest.Engines()[0])
	tn := s.bootstrap("Acme")
	s.do("POST", "/api/v1/ai-systems", tn.tokens[auth.Admin], cvScreening)
	c, _ := signIn(t, s, tn.users[auth.Viewer].Email, "a long enough password")
	for path, wants := range map[string][]string{
		"/readiness":                        {"ISO/IEC 42001:2023", "Clauses 4–10", "Annex A", "AI system impact assessment", "class=\"status-badge\""},
		"/readiness?standard=iso27001-2022": {"ISO/IEC 27001:2022", "Information security risk assessment"},
		"/readiness/carry-over":             {"Carried over", "Needs an AI extension", "New work", "person-days"},
		"/":                                 {"Readiness per standard", "EU AI Act", "Next application dates", "Inventory completeness", "High risk"},
	} {
		p := get(t, c, s.url+path)
		if p.status != 200 {
			t.Errorf("%s: %d", path, p.status)
			continue
		}
		for _, w := range wants {
			if !strings.Contains(p.body, w) {
				t.Errorf("%s lacks %q", path, w)
			}
		}
	}
	if p := get(t, c, s.url+"/readiness?standard=eu-ai-act-2024-1689"); p.status != 404 {
		t.Errorf("readiness for a regulation: %d", p.status)
	}
}
