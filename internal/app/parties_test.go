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

// TestInterestedPartiesAPI: the register of 4.2 over HTTP, with the rules a form would hit.
func TestInterestedPartiesAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		acme := s.bootstrap("Acme")
		cm, viewer := acme.tokens[auth.ComplianceManager], acme.tokens[auth.Viewer]
		if r := s.do("POST", "/api/v1/interested-parties", cm, map[string]any{"name": "Regulator", "kind": "regulators", "standards": []string{"iso27001-2022"},
			"addressed": false, "needs": "Breach notification"}); !r.problem(t).names("how") {
			t.Fatalf("not addressed without why: %d %s", r.status, r.body)
		}
		var p struct {
			ID        string
			Addressed *bool
		}
		r := s.do("POST", "/api/v1/interested-parties", cm, map[string]any{"name": "Job applicants", "kind": "affected_persons", "standards": []string{"iso42001-2023"},
			"needs": "Fair screening"})
		if r.json(t, &p); r.status != 201 || r.header.Get("ETag") != `"v1"` || p.Addressed != nil {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		if r := s.do("PATCH", "/api/v1/interested-parties/"+p.ID, cm, map[string]any{"addressed": true, "how": "Impact assessment"}, "If-Match", `"v1"`); r.status != 200 {
			t.Fatalf("decide: %d %s", r.status, r.body)
		}
		if r := s.do("PATCH", "/api/v1/interested-parties/"+p.ID, cm, map[string]any{"how": "x"}, "If-Match", `"v1"`); r.status != 412 {
			t.Fatalf("stale: %d", r.status)
		}
		if r := s.do("POST", "/api/v1/interested-parties", viewer, map[string]any{"name": "x", "kind": "other", "standards": []string{"iso42001-2023"}}); r.status != 403 {
			t.Fatalf("a viewer records a party: %d", r.status)
		}
		var list struct{ Items []struct{ Name string } }
		r = s.do("GET", "/api/v1/interested-parties", viewer, nil)
		if r.json(t, &list); r.status != 200 || len(list.Items) != 1 {
			t.Fatalf("list: %d %s", r.status, r.body)
		}
		other := s.bootstrap("Other")
		if r := s.do("GET", "/api/v1/interested-parties/"+p.ID, other.tokens[auth.Admin], nil); r.status != 404 {
			t.Fatalf("another organisation's party: %d", r.status)
		}
		// The page: the register with its form, and 4.2 judged from it in readiness.
		c, tok := signIn(t, s, acme.users[auth.ComplianceManager].Email, "a long enough password")
		wants(t, "parties page", get(t, c, s.url+"/interested-parties"), "Job applicants", "Fair screening", "Record an interested party")
		form := url.Values{"csrf_token": {tok}, "name": {"Works council"}, "kind": {"employees"}, "standards": {"iso27001-2022", "iso42001-2023"},
			"needs": {"Consultation before monitoring tools"}, "addressed": {"no"}}
		if r := post(t, c, s.url+"/interested-parties", form); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "say why") {
			t.Fatalf("refused form: %d", r.status)
		}
		form.Set("how", "Handled by the HR consultation process")
		if r := post(t, c, s.url+"/interested-parties", form); r.status != http.StatusSeeOther {
			t.Fatalf("form: %d %.600s", r.status, r.body)
		}
		pg := get(t, c, s.url+"/interested-parties")
		wants(t, "parties after the form", pg, "Works council", "Handled by the HR consultation process")
		edit := regexp.MustCompile(`href="(/interested-parties/[^"]+)"`).FindStringSubmatch(pg.body)
		if edit == nil {
			t.Fatal("no party links to its page")
		}
		wants(t, "party page", get(t, c, s.url+edit[1]), "Save")
		wants(t, "readiness", get(t, c, s.url+"/readiness?standard=iso42001-2023"), "2 interested parties, each with its requirements and a decision")
	})
}

func addPartyCalls(t *testing.T, s *server, tn tenant, bodies map[string]any, ids map[string]map[string]string) {
	t.Helper()
	var p struct{ ID string }
	mk := func() string {
		r := s.do("POST", "/api/v1/interested-parties", tn.tokens[auth.Admin], map[string]any{"name": "Walk party", "kind": "customers", "standards": []string{"iso27001-2022"}})
		if r.json(t, &p); r.status != 201 {
			t.Fatalf("walk party: %d %s", r.status, r.body)
		}
		return p.ID
	}
	bodies["POST /api/v1/interested-parties"] = map[string]any{"name": "Drift party", "kind": "public", "standards": []string{"iso42001-2023"}}
	bodies["PATCH /api/v1/interested-parties/{id}"] = map[string]any{"needs": "Transparency"}
	ids["GET /api/v1/interested-parties/{id}"] = map[string]string{"id": mk()}
	ids["PATCH /api/v1/interested-parties/{id}"] = ids["GET /api/v1/interested-parties/{id}"]
	ids["DELETE /api/v1/interested-parties/{id}"] = map[string]string{"id": mk()}
}
