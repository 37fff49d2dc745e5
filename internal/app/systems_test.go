package app_test

import (
	"strings"
	"testing"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

var cvScreening = map[string]any{
	"name":             "TalentRank CV screening",
	"intended_purpose": "Ranks job applications for recruiters",
	"sourcing":         "third_party",
	"vendor":           "TalentRank Ltd",
	"eu_ai_act_roles":  []string{"deployer"},
	"affected_groups":  []string{"job_applicants"},
	"personal_data":    true,
	"automation":       "human_in_the_loop",
	"models":           []map[string]any{{"name": "rank", "version": "2.1", "provider": "TalentRank"}},
	"facts": map[string]any{
		"eu_nexus":            map[string]any{"deployer_established_in_eu": true},
		"annex_iii_use_cases": []string{"4a"},
	},
}

type systemJSON struct {
	ID             string
	Name           string
	OwnerID        string `json:"owner_id"`
	Version        int
	ReviewDue      bool                             `json:"review_due"`
	ReviewReasons  []struct{ Field, Reason string } `json:"review_reasons"`
	Unknown        []string
	Classification struct {
		Tier        string
		Obligations []struct{ Ref, Role string }
	}
}

func TestAISystemsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		tn := s.bootstrap("Acme")
		cm := tn.tokens[auth.ComplianceManager]
		r := s.do("POST", "/api/v1/ai-systems", cm, cvScreening)
		if r.status != 201 || r.header.Get("ETag") == "" {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		var sys systemJSON
		r.json(t, &sys)
		if sys.Classification.Tier != "high" {
			t.Fatalf("CV screening classified %q", sys.Classification.Tier)
		}
		var hasArt26 bool
		for _, o := range sys.Classification.Obligations {
			hasArt26 = hasArt26 || (o.Ref == "Art. 26" && o.Role == "deployer")
		}
		if !hasArt26 {
			t.Fatalf("no Art. 26 deployer obligation: %+v", sys.Classification.Obligations)
		}

		// A minimal create needs only a name, and the record says what is unknown.
		var minimal systemJSON
		r = s.do("POST", "/api/v1/ai-systems", cm, map[string]any{"name": "Mail spam filter"})
		r.json(t, &minimal)
		if r.status != 201 || len(minimal.Unknown) == 0 || !strings.Contains(strings.Join(minimal.Unknown, ","), "owner_id") {
			t.Fatalf("minimal create: %d %s", r.status, r.body)
		}

		// Applicable controls and obligations, each with why.
		var app struct {
			Tier        string
			Obligations []struct{ Ref string }
			Clauses     []struct{ ID string }
			Controls    []struct {
				ID      string
				Reasons []string
				Via     []string
			}
			Disclaimer string
		}
		s.do("GET", "/api/v1/ai-systems/"+sys.ID+"/applicable", tn.tokens[auth.Viewer], nil).json(t, &app)
		controls := map[string]bool{}
		for _, c := range app.Controls {
			controls[c.ID] = true
			if len(c.Reasons) == 0 {
				t.Errorf("control %s without a reason", c.ID)
			}
		}
		for _, want := range []string{"A.5.4", "A.10.3", "A.7.4", "A.9.2"} {
			if !controls[want] {
				t.Errorf("CV screening does not call for %s: %+v", want, app.Controls)
			}
		}
		if controls["A.6.2.2"] {
			t.Error("a bought system is given in-house development controls")
		}
		if len(app.Clauses) == 0 || app.Disclaimer == "" || app.Tier != "high" {
			t.Errorf("applicable: %+v", app)
		}

		// A material change marks the system for review; the classification history grows when the tier changes.
		r = s.do("PATCH", "/api/v1/ai-systems/"+sys.ID, cm, map[string]any{"models": []map[string]any{{"name": "rank", "version": "3.0", "provider": "TalentRank"}}},
			"If-Match", `"v7"`)
		if r.status != 412 {
			t.Fatalf("stale If-Match: %d", r.status)
		}
		r = s.do("PATCH", "/api/v1/ai-systems/"+sys.ID, cm, map[string]any{"models": []map[string]any{{"name": "rank", "version": "3.0", "provider": "TalentRank"}}})
		var up systemJSON
		r.json(t, &up)
		if r.status != 200 || !up.ReviewDue || len(up.ReviewReasons) != 1 || !strings.Contains(up.ReviewReasons[0].Reason, "3.0") {
			t.Fatalf("material change: %d %s", r.status, r.body)
		}
		s.do("PATCH", "/api/v1/ai-systems/"+sys.ID, cm, map[string]any{"facts": map[string]any{"eu_nexus": map[string]any{"deployer_established_in_eu": true}}})
		var cls struct {
			Current struct{ Tier string }
			History []struct{ Tier, Cause string }
		}
		s.do("GET", "/api/v1/ai-systems/"+sys.ID+"/classification", tn.tokens[auth.Auditor], nil).json(t, &cls)
		if len(cls.History) != 2 || cls.History[1].Tier != "high" || cls.Current.Tier != cls.History[0].Tier {
			t.Fatalf("classification history: %+v", cls)
		}

		// Filters.
		var page struct{ Items []systemJSON }
		s.do("GET", "/api/v1/ai-systems?q=spam", tn.tokens[auth.Viewer], nil).json(t, &page)
		if len(page.Items) != 1 || page.Items[0].Name != "Mail spam filter" {
			t.Fatalf("q=spam: %+v", page.Items)
		}
		s.do("GET", "/api/v1/ai-systems?review_due=true", tn.tokens[auth.Viewer], nil).json(t, &page)
		if len(page.Items) != 1 {
			t.Fatalf("review_due=true: %+v", page.Items)
		}
		if r := s.do("GET", "/api/v1/ai-systems?tier=severe", tn.tokens[auth.Viewer], nil); r.status != 422 || !r.problem(t).names("tier") {
			t.Fatalf("bad tier filter: %d", r.status)
		}
		if r := s.do("POST", "/api/v1/ai-systems", cm, map[string]any{"name": "x", "sourcing": "stolen"}); r.status != 422 || !r.problem(t).names("sourcing") {
			t.Fatalf("bad sourcing: %d %s", r.status, r.body)
		}
		if r := s.do("POST", "/api/v1/ai-systems", cm, map[string]any{"name": "x", "facts": map[string]any{"roles": "deployer"}}); r.status != 422 {
			t.Fatalf("facts of the wrong shape: %d %s", r.status, r.body)
		}

		// Delete, and the deletion is in the audit trail.
		if r := s.do("DELETE", "/api/v1/ai-systems/"+minimal.ID, cm, nil); r.status != 204 {
			t.Fatalf("delete: %d %s", r.status, r.body)
		}
		if r := s.do("GET", "/api/v1/ai-systems/"+minimal.ID, cm, nil); r.status != 404 {
			t.Fatalf("deleted system: %d", r.status)
		}
		var log struct{ Items []struct{ Action string } }
		s.do("GET", "/api/v1/audit-log?record_type=ai_system&record_id="+minimal.ID, cm, nil).json(t, &log)
		if len(log.Items) != 2 || log.Items[0].Action != "delete" {
			t.Fatalf("audit of the deleted system: %+v", log.Items)
		}
	})
}

func TestAISystemRolesAndIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		a := s.bootstrap("Acme")
		b := s.bootstrap("Beta")
		var sys systemJSON
		s.do("POST", "/api/v1/ai-systems", a.tokens[auth.ComplianceManager], cvScreening).json(t, &sys)

		for _, role := range []auth.Role{auth.Viewer, auth.Auditor} {
			if r := s.do("POST", "/api/v1/ai-systems", a.tokens[role], map[string]any{"name": "x"}); r.status != 403 {
				t.Errorf("%s creating a system: %d", role, r.status)
			}
			if r := s.do("PATCH", "/api/v1/ai-systems/"+sys.ID, a.tokens[role], map[string]any{"name": "x"}); r.status != 403 {
				t.Errorf("%s changing a system: %d", role, r.status)
			}
		}
		// An AI system owner registers systems as their owner and changes only their own.
		owner := a.tokens[auth.AISystemOwner]
		var mine systemJSON
		r := s.do("POST", "/api/v1/ai-systems", owner, map[string]any{"name": "Support chatbot"})
		r.json(t, &mine)
		if r.status != 201 || mine.OwnerID != a.users[auth.AISystemOwner].ID {
			t.Fatalf("owner's create: %d %s", r.status, r.body)
		}
		if r := s.do("PATCH", "/api/v1/ai-systems/"+mine.ID, owner, map[string]any{"intended_purpose": "Answers customer questions"}); r.status != 200 {
			t.Fatalf("owner changing their system: %d", r.status)
		}
		if r := s.do("PATCH", "/api/v1/ai-systems/"+sys.ID, owner, map[string]any{"name": "taken"}); r.status != 403 {
			t.Fatalf("owner changing someone else's system: %d", r.status)
		}
		if r := s.do("POST", "/api/v1/ai-systems", owner, map[string]any{"name": "x", "owner_id": a.admin.ID}); r.status != 403 {
			t.Fatalf("owner registering a system for someone else: %d", r.status)
		}
		// Another organisation sees nothing.
		for _, path := range []string{"/api/v1/ai-systems/" + sys.ID, "/api/v1/ai-systems/" + sys.ID + "/classification", "/api/v1/ai-systems/" + sys.ID + "/applicable"} {
			if r := s.do("GET", path, b.tokens[auth.Admin], nil); r.status != 404 {
				t.Errorf("Beta reads %s: %d", path, r.status)
			}
		}
		if r := s.do("DELETE", "/api/v1/ai-systems/"+sys.ID, b.tokens[auth.Admin], nil); r.status != 404 {
			t.Errorf("Beta deletes Acme's system: %d", r.status)
		}
		var page struct{ Items []systemJSON }
		s.do("GET", "/api/v1/ai-systems", b.tokens[auth.Admin], nil).json(t, &page)
		if len(page.Items) != 0 {
			t.Errorf("Beta lists Acme's systems: %+v", page.Items)
		}
		// Owners must be people of the organisation.
		if r := s.do("POST", "/api/v1/ai-systems", a.tokens[auth.Admin], map[string]any{"name": "x", "owner_id": b.admin.ID}); r.status != 422 || !r.problem(t).names("owner_id") {
			t.Errorf("owner from another organisation: %d %s", r.status, r.body)
		}
	})
}

func TestApplicableIncludesNIST(t *testing.T) {
	s := start(t, storetest.Engines()[0])
	tn := s.bootstrap("Acme")
	var sys systemJSON
	s.do("POST", "/api/v1/ai-systems", tn.tokens[auth.Admin], cvScreening).json(t, &sys)
	var app struct {
		NIST []struct {
			ID  string
			Via []string
		} `json:"nist_ai_rmf"`
	}
	s.do("GET", "/api/v1/ai-systems/"+sys.ID+"/applicable", tn.tokens[auth.Admin], nil).json(t, &app)
	if len(app.NIST) < 5 {
		t.Fatalf("NIST subcategories: %+v", app.NIST)
	}
	for _, n := range app.NIST {
		if !strings.Contains(n.ID, " ") || len(n.Via) == 0 {
			t.Errorf("NIST item %+v lacks its identifier form or its ISO link", n)
		}
	}
}

func TestSystemSummaries(t *testing.T) {
	s := start(t, storetest.Engines()[0])
	tn := s.bootstrap("Acme")
	s.do("POST", "/api/v1/ai-systems", tn.tokens[auth.Admin], cvScreening)
	s.do("POST", "/api/v1/ai-systems", tn.tokens[auth.Admin], map[string]any{"name": "Spam filter"})
	var page struct {
		Items []map[string]any
	}
	r := s.do("GET", "/api/v1/ai-systems/summary?tier=high", tn.tokens[auth.Viewer], nil)
	r.json(t, &page)
	if r.status != 200 || len(page.Items) != 1 || page.Items[0]["tier"] != "high" || page.Items[0]["name"] != "TalentRank CV screening" {
		t.Fatalf("summaries: %d %s", r.status, r.body)
	}
	if _, heavy := page.Items[0]["classification"]; heavy {
		t.Error("a summary carries the full classification")
	}
	if r := s.do("GET", "/api/v1/ai-systems/summary?review_due=perhaps", tn.tokens[auth.Viewer], nil); r.status != 422 {
		t.Errorf("bad review_due: %d", r.status)
	}
}
