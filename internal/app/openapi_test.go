package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/api"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

// TestOpenAPIMatchesServer checks the document against the running server: every documented
// operation is served, and every response the server gives — successes and problems — is
// valid against the schema the document declares for it. A handler that returns a different
// shape than its route declares fails here.
func TestOpenAPIMatchesServer(t *testing.T) {
	s := start(t, storetest.Engines()[0])
	tn := s.bootstrap("Acme")
	admin := tn.tokens[auth.Admin]

	raw := s.do("GET", "/api/openapi.json", "", nil)
	if raw.status != 200 {
		t.Fatalf("openapi.json: %d", raw.status)
	}
	var doc map[string]any
	raw.json(t, &doc)
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi version %v", doc["openapi"])
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	docValue, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw.body))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("https://annexa.invalid/openapi.json", docValue); err != nil {
		t.Fatal(err)
	}
	paths := doc["paths"].(map[string]any)

	// The document and the route table are the same set of operations.
	routes := api.New(s.main.DB, slog.New(slog.NewTextHandler(io.Discard, nil)), nil).Routes()
	documented := 0
	for _, item := range paths {
		documented += len(item.(map[string]any))
	}
	if documented != len(routes) {
		t.Fatalf("document has %d operations, server %d", documented, len(routes))
	}

	// The check itself must be able to fail: a body of the wrong shape is refused.
	meSchema, err := c.Compile("https://annexa.invalid/openapi.json#/components/schemas/Me")
	if err != nil {
		t.Fatal(err)
	}
	if wrong, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"user": 1}`)); meSchema.Validate(wrong) == nil {
		t.Fatal("the documented Me schema accepts a malformed body")
	}

	var user struct{ ID string }
	s.do("GET", "/api/v1/me", admin, nil).json(t, &struct{}{})
	var users struct{ Items []struct{ ID string } }
	s.do("GET", "/api/v1/users", admin, nil).json(t, &users)
	user.ID = users.Items[0].ID
	// A token of its own for the DELETE operation, so the admin's token survives the walk.
	_, spare, err := s.main.DB.CreateToken(bg, tn.org.ID, tn.admin.ID, auth.NewTokenRequest{Name: "to revoke"}, sys)
	if err != nil {
		t.Fatal(err)
	}

	bodies := map[string]any{
		"PATCH /api/v1/organisation":    map[string]any{"aims_scope": "AI systems in hiring"},
		"POST /api/v1/users":            map[string]any{"email": "new@acme.test", "role": "viewer"},
		"PATCH /api/v1/users/{id}":      map[string]any{"name": "Renamed"},
		"POST /api/v1/tokens":           map[string]any{"name": "drift test"},
		"POST /api/v1/ai-systems":       map[string]any{"name": "Drift test system", "eu_ai_act_roles": []string{"deployer"}, "facts": map[string]any{"annex_iii_use_cases": []string{"4a"}, "eu_nexus": map[string]any{"deployer_established_in_eu": true}}},
		"PATCH /api/v1/ai-systems/{id}": map[string]any{"models": []map[string]any{{"name": "m", "version": "2"}}},
		"POST /api/v1/advice":           map[string]any{"uses_ai": true, "eu_presence": true},
		"POST /api/v1/classify":         map[string]any{"roles": []string{"deployer"}, "annex_iii_use_cases": []string{"4a"}, "eu_nexus": map[string]any{"deployer_established_in_eu": true}},
		"POST /api/v1/catalogs/import": `{"catalog": {"uuid": "8b5a1f3e-2a57-4d3f-9b47-0c6c7a9c3d11", "metadata": {"title": "Drift test controls",
			"last-modified": "2026-11-01T00:00:00Z", "version": "1", "oscal-version": "1.2.2"}, "controls": [{"id": "dt-1", "title": "One control"}]}}`,
	}
	system, err := s.main.DB.CreateSystem(bg, tn.org.ID, inventory.Input{Name: ptrTo("CV screening"), Facts: &aiact.Facts{AnnexIIIUseCases: []aiact.AnnexIIIPoint{"4a"}}}, sys)
	if err != nil {
		t.Fatal(err)
	}
	spareSystem, err := s.main.DB.CreateSystem(bg, tn.org.ID, inventory.Input{Name: ptrTo("To delete")}, sys)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]map[string]string{
		"GET /api/v1/users/{id}":                     {"id": user.ID},
		"PATCH /api/v1/users/{id}":                   {"id": user.ID},
		"GET /api/v1/tokens/{id}":                    {"id": spare.ID},
		"DELETE /api/v1/tokens/{id}":                 {"id": spare.ID},
		"GET /api/v1/catalogs/{id}":                  {"id": "iso42001-2023"},
		"GET /api/v1/catalogs/{id}/items":            {"id": "iso42001-2023"},
		"GET /api/v1/catalogs/{id}/items/{item}":     {"id": "iso42001-2023", "item": "6.1.4"},
		"GET /api/v1/readiness/{catalog}":            {"catalog": "iso42001-2023"},
		"DELETE /api/v1/catalogs/{id}":               {"id": "drift-test"},
		"GET /api/v1/ai-systems/{id}":                {"id": system.ID},
		"PATCH /api/v1/ai-systems/{id}":              {"id": system.ID},
		"GET /api/v1/ai-systems/{id}/classification": {"id": system.ID},
		"GET /api/v1/ai-systems/{id}/applicable":     {"id": system.ID},
		"DELETE /api/v1/ai-systems/{id}":             {"id": spareSystem.ID},
	}
	bodies["POST /api/v1/ai-systems/import"] = "name,sourcing\nImported in the drift test,internal\n"
	headers := map[string][]string{"POST /api/v1/ai-systems/import": {"Content-Type", "text/csv"}}
	query := map[string]string{"POST /api/v1/catalogs/import": "?id=drift-test", "GET /api/v1/crosswalks": "?from=nist-ai-rmf-1.0&to=iso42001-2023"}
	addDiscoveryCalls(t, s, tn, bodies, ids, query)
	addImpactCalls(t, s, tn, bodies, ids, query)
	addControlCalls(t, s, tn, bodies, ids, query, headers)
	addRiskCalls(t, s, tn, bodies, ids, query)
	addAuditCalls(t, s, tn, bodies, ids)
	addPartyCalls(t, s, tn, bodies, ids)
	addMonitoringCalls(t, s, tn, bodies, ids)
	for _, rt := range routes {
		key := rt.Method + " " + rt.Pattern
		path := rt.Pattern
		for name, v := range ids[key] {
			path = strings.Replace(path, "{"+name+"}", v, 1)
		}
		path += query[key]
		r := s.do(rt.Method, path, admin, bodies[key], headers[key]...)
		status := rt.Status
		if status == 0 {
			status = 200
		}
		if r.status != status {
			t.Errorf("%s: status %d, documented %d: %s", key, r.status, status, r.body)
			continue
		}
		if status == http.StatusNoContent {
			continue
		}
		if len(rt.Produces) > 0 { // a file: its type must be one the document names
			if ct := r.header.Get("Content-Type"); ct == "" || !slices.ContainsFunc(rt.Produces, func(mt string) bool { return mt == "*/*" || strings.HasPrefix(ct, mt) }) {
				t.Errorf("%s: content type %q is not one of %v", key, ct, rt.Produces)
			}
		} else {
			ptr := "#/paths/" + escape(rt.Pattern) + "/" + strings.ToLower(rt.Method) + "/responses/" + itoa(status) + "/content/application~1json/schema"
			validate(t, c, key, ptr, r.body)
		}

		// The same operation without credentials answers the documented 401 problem.
		un := s.do(rt.Method, path, "", bodies[key], headers[key]...)
		if un.status != 401 {
			t.Errorf("%s without credentials: %d", key, un.status)
			continue
		}
		validate(t, c, key+" 401", "#/paths/"+escape(rt.Pattern)+"/"+strings.ToLower(rt.Method)+"/responses/401/content/application~1problem+json/schema", un.body)
	}
}

func validate(t *testing.T, c *jsonschema.Compiler, what, ptr string, body []byte) {
	t.Helper()
	sch, err := c.Compile("https://annexa.invalid/openapi.json" + ptr)
	if err != nil {
		t.Errorf("%s: no schema at %s: %v", what, ptr, err)
		return
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Errorf("%s: response is not JSON: %v", what, err)
		return
	}
	if err := sch.Validate(v); err != nil {
		t.Errorf("%s: response does not match the documented schema: %v\n%s", what, err, body)
	}
}

func escape(p string) string {
	return strings.ReplaceAll(strings.ReplaceAll(p, "~", "~0"), "/", "~1")
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestAPIReferencePage(t *testing.T) {
	s := start(t, storetest.Engines()[0])
	r := s.do("GET", "/api/docs", "", nil)
	if r.status != http.StatusOK || !strings.Contains(r.header.Get("Content-Type"), "text/html") {
		t.Fatalf("reference: %d %s", r.status, r.header.Get("Content-Type"))
	}
	for _, want := range []string{"/api/v1/organisation", "If-Match", "PATCH", "Problem", "audit_log:read"} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("reference page lacks %q", want)
		}
	}
	if strings.Contains(string(r.body), "https://") {
		t.Error("the reference page loads something from another site")
	}
	// Every link from an operation to a schema lands on a schema the page shows.
	page := string(r.body)
	for _, m := range regexp.MustCompile(`href="#schema-([A-Za-z0-9]+)"`).FindAllStringSubmatch(page, -1) {
		if !strings.Contains(page, `id="schema-`+m[1]+`"`) {
			t.Errorf("an operation links to schema %s, which the page does not show", m[1])
		}
	}
	// Where two Go types share a name, the operations link to the one they use.
	if !strings.Contains(page, `href="#schema-MonitorMetric"`) {
		t.Error("the metric operations do not link to their own schema, MonitorMetric")
	}
}

func ptrTo[T any](v T) *T { return &v }
