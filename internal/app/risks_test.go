package app_test

import (
	"strings"
	"testing"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

type riskJSON struct {
	ID                string
	Title             string
	Level             string
	Score             int
	EffectiveLevel    string   `json:"effective_level"`
	AISystemIDs       []string `json:"ai_system_ids"`
	Status            string
	TreatmentRequired bool `json:"treatment_required"`
	Acceptance        *struct{ Role, Level string }
}

func TestRisksAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		tn := s.bootstrap("Acme")
		cm, owner, auditor := tn.tokens[auth.ComplianceManager], tn.tokens[auth.AISystemOwner], tn.tokens[auth.Auditor]

		// A minimal create, then read with its ETag.
		r := s.do("POST", "/api/v1/risks", cm, map[string]any{"title": "Ransomware on the HR file share", "category": "availability", "likelihood": 3, "impact": 5})
		if r.status != 201 || r.header.Get("ETag") != `"v1"` {
			t.Fatalf("minimal create: %d %s", r.status, r.body)
		}
		var rk riskJSON
		r.json(t, &rk)
		if rk.Score != 15 || rk.Level != "high" || !rk.TreatmentRequired {
			t.Fatalf("scored: %+v", rk)
		}
		if r := s.do("PATCH", "/api/v1/risks/"+rk.ID, cm, map[string]any{"treatment": "modify"}, "If-Match", `"v9"`); r.status != 412 {
			t.Fatalf("stale If-Match: %d", r.status)
		}

		// Bad input: each a 4xx naming the field.
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"title": "x", "category": "privacy", "likelihood": 6, "impact": 1}, "likelihood"},
			{map[string]any{"title": "x", "category": "privacy", "likelihood": 1, "impact": 1, "residual_likelihood": 2, "residual_impact": 2}, "residual_reason"},
			{map[string]any{"title": "x", "category": "horoscopes", "likelihood": 1, "impact": 1}, "category"},
			{map[string]any{"title": "x", "category": "privacy", "likelihood": 1, "impact": 1, "treatment": "ignore"}, "treatment"},
			{map[string]any{"title": "x", "category": "privacy", "likelihood": 1, "impact": 1, "controls": []string{"iso27001-2022:A.99"}}, "controls[0]"},
			{map[string]any{"title": "x", "category": "privacy", "likelihood": "high", "impact": 1}, "likelihood"},
		} {
			r := s.do("POST", "/api/v1/risks", cm, c.body)
			if r.status != 422 || !r.problem(t).names(c.field) {
				t.Fatalf("%v: %d %s", c.body, r.status, r.body)
			}
		}

		// Acceptance by a role the criteria do not allow: a high risk needs a compliance manager or admin.
		sysR := s.do("POST", "/api/v1/ai-systems", owner, map[string]any{"name": "Owner's chatbot"})
		var mine systemJSON
		sysR.json(t, &mine)
		r = s.do("POST", "/api/v1/risks", owner, map[string]any{"title": "Prompt injection", "category": "robustness_adversarial",
			"likelihood": 4, "impact": 3, "ai_system_ids": []string{mine.ID}})
		if r.status != 201 {
			t.Fatalf("owner creates on own system: %d %s", r.status, r.body)
		}
		var ownRisk riskJSON
		r.json(t, &ownRisk)
		if r := s.do("POST", "/api/v1/risks/"+ownRisk.ID+"/accept", owner, map[string]any{"reason": "fine"}); r.status != 403 || !r.problem(t).names("role") {
			t.Fatalf("owner accepts a high risk: %d %s", r.status, r.body)
		}
		r = s.do("POST", "/api/v1/risks/"+ownRisk.ID+"/accept", cm, map[string]any{"reason": "guardrails in place; reviewed quarterly"})
		var acc riskJSON
		r.json(t, &acc)
		if r.status != 200 || acc.Status != "accepted" || acc.Acceptance == nil || acc.Acceptance.Role != "compliance_manager" {
			t.Fatalf("cm accepts: %d %s", r.status, r.body)
		}

		// An AI system owner: not risks without systems, not others' systems, not others' risks.
		if r := s.do("POST", "/api/v1/risks", owner, map[string]any{"title": "x", "category": "privacy", "likelihood": 1, "impact": 1}); r.status != 403 {
			t.Fatalf("owner without systems: %d", r.status)
		}
		other := s.do("POST", "/api/v1/ai-systems", cm, map[string]any{"name": "Someone else's"})
		var theirs systemJSON
		other.json(t, &theirs)
		if r := s.do("POST", "/api/v1/risks", owner, map[string]any{"title": "x", "category": "privacy", "likelihood": 1, "impact": 1, "ai_system_ids": []string{theirs.ID}}); r.status != 403 {
			t.Fatalf("owner on another's system: %d", r.status)
		}
		if r := s.do("PATCH", "/api/v1/risks/"+rk.ID, owner, map[string]any{"title": "mine now"}); r.status != 403 {
			t.Fatalf("owner patches a risk without their systems: %d", r.status)
		}
		if r := s.do("POST", "/api/v1/risks", auditor, map[string]any{"title": "x", "category": "privacy", "likelihood": 1, "impact": 1}); r.status != 403 {
			t.Fatalf("auditor creates: %d", r.status)
		}
		if r := s.do("PUT", "/api/v1/risk-method", owner, map[string]any{}); r.status != 403 {
			t.Fatalf("owner sets the method: %d", r.status)
		}

		// Filters and the heat map.
		var pg struct {
			Items []riskJSON
		}
		s.do("GET", "/api/v1/risks?ai_system="+mine.ID, auditor, nil).json(t, &pg)
		if len(pg.Items) != 1 || pg.Items[0].ID != ownRisk.ID {
			t.Fatalf("filter by system: %+v", pg.Items)
		}
		if r := s.do("GET", "/api/v1/risks?status=maybe", auditor, nil); r.status != 422 || !r.problem(t).names("status") {
			t.Fatalf("bad status filter: %d", r.status)
		}
		var hm struct {
			Total    int
			Inherent []struct{ Likelihood, Impact, Count int }
		}
		s.do("GET", "/api/v1/risks/heatmap", auditor, nil).json(t, &hm)
		if hm.Total != 2 || len(hm.Inherent) != 25 {
			t.Fatalf("heat map: %+v", hm)
		}

		// Another organisation sees none of it.
		tn2 := s.bootstrap("Globex")
		if r := s.do("GET", "/api/v1/risks/"+rk.ID, tn2.tokens[auth.Admin], nil); r.status != 404 {
			t.Fatalf("read across organisations: %d", r.status)
		}
		if r := s.do("GET", "/api/v1/ai-systems/"+mine.ID+"/risk-suggestions", tn2.tokens[auth.Admin], nil); r.status != 404 {
			t.Fatalf("suggestions across organisations: %d", r.status)
		}

		// The method: a 3×3 re-scores the register.
		var method map[string]any
		mr := s.do("GET", "/api/v1/risk-method", cm, nil)
		mr.json(t, &method)
		method["likelihood"] = method["likelihood"].([]any)[:3]
		method["impact"] = method["impact"].([]any)[:3]
		levels := method["levels"].([]any)
		levels[1].(map[string]any)["min_score"] = 3
		levels[2].(map[string]any)["min_score"] = 5
		levels[3].(map[string]any)["min_score"] = 8
		r = s.do("PUT", "/api/v1/risk-method", cm, method, "If-Match", mr.header.Get("ETag"))
		var ch struct{ Rescored int }
		r.json(t, &ch)
		if r.status != 200 || ch.Rescored != 2 {
			t.Fatalf("set method: %d %s", r.status, r.body)
		}
		s.do("GET", "/api/v1/risks/"+rk.ID, cm, nil).json(t, &rk)
		if rk.Score != 6 || rk.Level != "high" {
			t.Fatalf("re-scored on 3×3: %+v", rk)
		}

		// Export and import round trip.
		ex := s.do("GET", "/api/v1/risks/export?format=csv", auditor, nil)
		if ex.status != 200 || !strings.HasPrefix(ex.header.Get("Content-Type"), "text/csv") || !strings.Contains(string(ex.body), "Ransomware") {
			t.Fatalf("export: %d %s", ex.status, ex.body)
		}
		bad := "title,category,likelihood,impact\nok,privacy,1,1\nbad,privacy,4,1\n"
		r = s.do("POST", "/api/v1/risks/import", cm, bad, "Content-Type", "text/csv")
		if r.status != 422 || !r.problem(t).names("rows[3].likelihood") {
			t.Fatalf("bad import: %d %s", r.status, r.body)
		}
		r = s.do("POST", "/api/v1/risks/import", cm, ex.body, "Content-Type", "text/csv")
		if r.status != 200 || !strings.Contains(string(r.body), `"updated":2`) {
			t.Fatalf("re-import of an export: %d %s", r.status, r.body)
		}
		x := s.do("GET", "/api/v1/risks/export?format=xlsx", auditor, nil)
		r = s.do("POST", "/api/v1/risks/import?dry_run=true", cm, x.body, "Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		if r.status != 200 || !strings.Contains(string(r.body), `"updated":2`) {
			t.Fatalf("xlsx dry run: %d %s", r.status, r.body)
		}
	})
}

func TestRiskSuggestionsAPI(t *testing.T) {
	s := start(t, storetest.Engines()[0])
	tn := s.bootstrap("Acme")
	cm := tn.tokens[auth.ComplianceManager]
	var sys systemJSON
	s.do("POST", "/api/v1/ai-systems", cm, cvScreening).json(t, &sys)
	var sg struct {
		Items []struct{ ID, State string }
	}
	s.do("GET", "/api/v1/ai-systems/"+sys.ID+"/risk-suggestions", cm, nil).json(t, &sg)
	ids := []string{}
	for _, x := range sg.Items {
		ids = append(ids, x.ID)
	}
	joined := strings.Join(ids, ",")
	for _, want := range []string{"employment-bias", "human-oversight-failure", "personal-data-exposure", "supplier-model-change"} {
		if !strings.Contains(joined, want) {
			t.Fatalf("CV screening suggestions lack %s: %s", want, joined)
		}
	}
	if strings.Contains(joined, "gai-") {
		t.Fatalf("a non-generative system got generative-AI suggestions: %s", joined)
	}
	r := s.do("POST", "/api/v1/ai-systems/"+sys.ID+"/risk-suggestions/employment-bias/accept", cm, map[string]any{"title": "Age bias in CV ranking"})
	var rk riskJSON
	r.json(t, &rk)
	if r.status != 201 || rk.Title != "Age bias in CV ranking" || rk.AISystemIDs[0] != sys.ID {
		t.Fatalf("accept suggestion: %d %s", r.status, r.body)
	}
	if r := s.do("POST", "/api/v1/ai-systems/"+sys.ID+"/risk-suggestions/supplier-model-change/discard", tn.tokens[auth.AISystemOwner], nil); r.status != 403 {
		t.Fatalf("owner discards on another's system: %d", r.status)
	}
	if r := s.do("POST", "/api/v1/ai-systems/"+sys.ID+"/risk-suggestions/supplier-model-change/discard", cm, nil); r.status != 200 || !strings.Contains(string(r.body), `"state":"discarded"`) {
		t.Fatalf("discard: %d %s", r.status, r.body)
	}
}

// addRiskCalls prepares TestOpenAPIMatchesServer's calls of the risk register's operations.
func addRiskCalls(t *testing.T, s *server, tn tenant, bodies map[string]any, ids map[string]map[string]string, query map[string]string) {
	t.Helper()
	admin := tn.tokens[auth.Admin]
	var chat systemJSON
	s.do("POST", "/api/v1/ai-systems", admin, map[string]any{"name": "Walk chatbot", "sourcing": "third_party",
		"models": []map[string]any{{"name": "gpt-4o", "type": "large language model"}}}).json(t, &chat)
	var rk, toDelete riskJSON
	s.do("POST", "/api/v1/risks", admin, map[string]any{"title": "Walk risk", "category": "privacy", "likelihood": 2, "impact": 2}).json(t, &rk)
	s.do("POST", "/api/v1/risks", admin, map[string]any{"title": "Walk spare", "category": "privacy", "likelihood": 1, "impact": 1}).json(t, &toDelete)
	if rk.ID == "" || toDelete.ID == "" || chat.ID == "" {
		t.Fatal("risk walk set-up failed")
	}
	var method map[string]any
	s.do("GET", "/api/v1/risk-method", admin, nil).json(t, &method)
	bodies["POST /api/v1/risks"] = map[string]any{"title": "Drift test risk", "category": "integrity", "likelihood": 2, "impact": 3}
	bodies["PATCH /api/v1/risks/{id}"] = map[string]any{"treatment": "modify", "residual_likelihood": 1, "residual_impact": 2}
	bodies["POST /api/v1/risks/{id}/accept"] = map[string]any{"reason": "within appetite"}
	bodies["PUT /api/v1/risk-method"] = method
	bodies["POST /api/v1/risk-categories"] = map[string]any{"id": "reputation", "label": "Reputation"}
	bodies["POST /api/v1/risks/import"] = "title,category,likelihood,impact\nImported in the walk,privacy,1,1\n"
	bodies["POST /api/v1/ai-systems/{id}/risk-suggestions/{template}/accept"] = map[string]any{}
	for _, k := range []string{"GET /api/v1/risks/{id}", "PATCH /api/v1/risks/{id}", "GET /api/v1/risks/{id}/history", "POST /api/v1/risks/{id}/accept"} {
		ids[k] = map[string]string{"id": rk.ID}
	}
	ids["DELETE /api/v1/risks/{id}"] = map[string]string{"id": toDelete.ID}
	ids["GET /api/v1/ai-systems/{id}/risk-suggestions"] = map[string]string{"id": chat.ID}
	ids["POST /api/v1/ai-systems/{id}/risk-suggestions/{template}/accept"] = map[string]string{"id": chat.ID, "template": "supplier-model-change"}
	ids["POST /api/v1/ai-systems/{id}/risk-suggestions/{template}/discard"] = map[string]string{"id": chat.ID, "template": "gai-cbrn"}
	query["GET /api/v1/risks/export"] = "?format=xlsx"
}
