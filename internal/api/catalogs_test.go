package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/annexa-dev/annexa/internal/sharedtest"

	"github.com/annexa-dev/annexa/internal/api"
	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/store"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

var bg = context.Background()

// catalogEnv is an API over a real database with two organisations: tokens for several
// roles in the first, an administrator's token in the second.
type catalogEnv struct {
	t      *testing.T
	db     *store.DB
	srv    *httptest.Server
	orgA   string
	tokens map[string]string // "admin", "compliance_manager", "viewer", "other_admin"
}

func newCatalogEnv(t *testing.T, e storetest.Engine) *catalogEnv {
	t.Helper()
	db := storetest.Open(t, e)
	lib, err := catalog.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	a := api.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), catalog.NewViews(lib, db))
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	sys := auditlog.System("test")
	env := &catalogEnv{t: t, db: db, srv: srv, tokens: map[string]string{}}
	o, admin, err := db.Bootstrap(bg, "Acme", auth.NewUser{Email: "admin@acme.test", Password: "a long enough password"}, sys)
	if err != nil {
		t.Fatal(err)
	}
	env.orgA = o.ID
	token := func(orgID, userID, key string) {
		secret, _, err := db.CreateToken(bg, orgID, userID, auth.NewTokenRequest{Name: key}, sys)
		if err != nil {
			t.Fatal(err)
		}
		env.tokens[key] = secret
	}
	token(o.ID, admin.ID, "admin")
	for _, r := range []auth.Role{auth.ComplianceManager, auth.Viewer} {
		m, err := db.AddMember(bg, o.ID, auth.NewUser{Email: string(r) + "@acme.test", Role: r, Password: "a long enough password"}, sys)
		if err != nil {
			t.Fatal(err)
		}
		token(o.ID, m.ID, string(r))
	}
	b, err := db.CreateOrganisation(bg, "Beta", sys)
	if err != nil {
		t.Fatal(err)
	}
	bAdmin, err := db.AddMember(bg, b.ID, auth.NewUser{Email: "admin@beta.test", Role: auth.Admin, Password: "a long enough password"}, sys)
	if err != nil {
		t.Fatal(err)
	}
	token(b.ID, bAdmin.ID, "other_admin")
	return env
}

// do sends a request as who ("" for no credentials) and decodes a JSON answer into out.
func (env *catalogEnv) do(who, method, path string, body []byte, out any) int {
	env.t.Helper()
	req, err := http.NewRequest(method, env.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		env.t.Fatal(err)
	}
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+env.tokens[who])
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		env.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			env.t.Fatalf("%s %s: %d %s: %v", method, path, res.StatusCode, data, err)
		}
	}
	return res.StatusCode
}

func readShared(t *testing.T, name string) []byte {
	return sharedtest.Read(t, "testdata", "oscal", name)
}

func TestCatalogReadRoutes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		env := newCatalogEnv(t, e)
		if code := env.do("", "GET", "/api/v1/catalogs", nil, nil); code != http.StatusUnauthorized {
			t.Fatalf("without a token: %d", code)
		}
		var list api.CatalogPage
		if code := env.do("viewer", "GET", "/api/v1/catalogs", nil, &list); code != 200 || len(list.Items) != 5 {
			t.Fatalf("list: %d %+v", code, list)
		}
		for _, c := range list.Items {
			if !c.Builtin || c.Items == 0 {
				t.Errorf("catalog %+v", c)
			}
		}

		var detail api.CatalogDetail
		if code := env.do("viewer", "GET", "/api/v1/catalogs/iso42001-2023", nil, &detail); code != 200 || len(detail.GroupList) == 0 || len(detail.Crosswalks) != 3 {
			t.Fatalf("detail: %d groups %d crosswalks %+v", code, len(detail.GroupList), detail.Crosswalks)
		}
		if code := env.do("viewer", "GET", "/api/v1/catalogs/nope", nil, nil); code != 404 {
			t.Fatalf("unknown catalog: %d", code)
		}

		// Ids with spaces, dots and parentheses arrive decoded.
		for _, tc := range []struct{ catalog, item, wantCatalog string }{
			{"nist-ai-rmf-1.0", "GOVERN 1.1", "iso42001-2023"},
			{"eu-ai-act-2024-1689", "Art.5(1)(a)", ""},
			{"eu-ai-act-2024-1689", "Art.12", "iso42001-2023"},
			{"iso27001-2022", "A.5.19", "iso42001-2023"},
		} {
			var d api.ItemDetail
			path := "/api/v1/catalogs/" + tc.catalog + "/items/" + url.PathEscape(tc.item)
			if code := env.do("viewer", "GET", path, nil, &d); code != 200 || d.Item.ID != tc.item {
				t.Fatalf("%s: %d %+v", path, code, d.Item)
			}
			if tc.wantCatalog == "" {
				continue
			}
			found := false
			for _, m := range d.Mappings {
				if m.Target.Catalog == tc.wantCatalog && m.Direct && len(m.Steps) == 1 && m.Steps[0].Rationale != "" && m.Path != "" {
					found = true
				}
			}
			if !found {
				t.Errorf("%s %s: no direct mapping into %s: %+v", tc.catalog, tc.item, tc.wantCatalog, d.Mappings)
			}
		}
		// A transitive link names its path; the EU AI Act step carries its disclaimer.
		var art12 api.ItemDetail
		env.do("viewer", "GET", "/api/v1/catalogs/eu-ai-act-2024-1689/items/Art.12", nil, &art12)
		var transitive bool
		for _, m := range art12.Mappings {
			if m.Target.Catalog == "iso27001-2022" && !m.Direct && strings.Contains(m.Path, "→ iso42001-2023 →") && strings.Contains(m.Steps[0].Disclaimer, "presumption of conformity") {
				transitive = true
			}
		}
		if !transitive {
			t.Errorf("Art.12 has no transitive link to ISO 27001 with its path and disclaimer: %+v", art12.Mappings)
		}
		var gap api.ItemDetail
		env.do("viewer", "GET", "/api/v1/catalogs/iso42001-2023/items/6.1.4", nil, &gap)
		if len(gap.NoCounterpart) == 0 || gap.NoCounterpart[0].Reason == "" {
			t.Errorf("6.1.4 records no gap: %+v", gap.NoCounterpart)
		}
		if code := env.do("viewer", "GET", "/api/v1/catalogs/iso42001-2023/items/"+url.PathEscape("9.9.9"), nil, nil); code != 404 {
			t.Errorf("unknown item: %d", code)
		}

		// Pagination walks every item exactly once.
		seen, cursor, pages := map[string]bool{}, "", 0
		for {
			var p api.ItemPage
			q := "/api/v1/catalogs/iso27001-2022/items?limit=40"
			if cursor != "" {
				q += "&cursor=" + url.QueryEscape(cursor)
			}
			if code := env.do("viewer", "GET", q, nil, &p); code != 200 {
				t.Fatalf("page: %d", code)
			}
			for _, it := range p.Items {
				if seen[it.ID] {
					t.Fatalf("item %s twice", it.ID)
				}
				seen[it.ID] = true
			}
			pages++
			if cursor = p.NextCursor; cursor == "" {
				break
			}
		}
		if len(seen) < 93 {
			t.Fatalf("walked %d items", len(seen))
		}
		if pages < 3 {
			t.Fatalf("only %d pages of 40", pages)
		}
		var all api.ItemPage
		env.do("viewer", "GET", "/api/v1/catalogs/iso27001-2022/items?limit=1000", nil, &all)
		if len(all.Items) != len(seen) || all.NextCursor != "" {
			t.Fatalf("one page of 1000 holds %d of %d", len(all.Items), len(seen))
		}
		if code := env.do("viewer", "GET", "/api/v1/catalogs/iso27001-2022/items?limit=1001", nil, nil); code != 422 {
			t.Fatalf("limit 1001: %d", code)
		}
		if code := env.do("viewer", "GET", "/api/v1/catalogs/iso27001-2022/items?cursor=garbage", nil, nil); code != 422 {
			t.Fatalf("bad cursor: %d", code)
		}

		// Search and group filter.
		var found api.ItemPage
		env.do("viewer", "GET", "/api/v1/catalogs/iso27001-2022/items?q=supplier&group=A.5", nil, &found)
		if len(found.Items) == 0 {
			t.Fatal("no supplier controls in A.5")
		}
		for _, it := range found.Items {
			if it.Group != "A.5" || !strings.Contains(strings.ToLower(it.Title+it.Summary+it.ID), "supplier") {
				t.Errorf("search hit %+v", it)
			}
		}
		if code := env.do("viewer", "GET", "/api/v1/catalogs/iso27001-2022/items?group=nope", nil, nil); code != 422 {
			t.Fatalf("unknown group: %d", code)
		}

		// Crosswalks in the direction asked.
		var xs api.CrosswalkPage
		env.do("viewer", "GET", "/api/v1/crosswalks?from=iso42001-2023&to=nist-ai-rmf-1.0", nil, &xs)
		if len(xs.Items) != 1 || xs.Items[0].From != "iso42001-2023" || len(xs.Items[0].Mappings) < 200 {
			t.Fatalf("reversed crosswalk: %+v", xs.Items)
		}
		env.do("viewer", "GET", "/api/v1/crosswalks?to=iso42001-2023", nil, &xs)
		if len(xs.Items) != 3 {
			t.Fatalf("crosswalks into ISO 42001: %d", len(xs.Items))
		}
		if code := env.do("viewer", "GET", "/api/v1/crosswalks?from=nope", nil, nil); code != 422 {
			t.Fatalf("unknown from: %d", code)
		}
	})
}

type problem struct {
	Detail string `json:"detail"`
	Errors []struct {
		Field, Pointer, Message string
	} `json:"errors"`
}

func TestCatalogImportRolesIsolationAndBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		env := newCatalogEnv(t, e)
		basic := readShared(t, "basic-catalog.json")
		const path = "/api/v1/catalogs/import?id=basic-demo"

		if code := env.do("viewer", "POST", path, basic, nil); code != http.StatusForbidden {
			t.Fatalf("viewer import: %d", code)
		}
		var res api.ImportResult
		if code := env.do("compliance_manager", "POST", path, basic, &res); code != http.StatusCreated || res.Catalog.ID != "basic-demo" || res.Catalog.Builtin || res.Replaced {
			t.Fatalf("import: %d %+v", code, res)
		}
		if code := env.do("admin", "POST", path, basic, nil); code != http.StatusConflict {
			t.Fatalf("import again without replace: %d", code)
		}
		if code := env.do("admin", "POST", path+"&replace=true", basic, &res); code != http.StatusCreated || !res.Replaced {
			t.Fatalf("replace: %d %+v", code, res)
		}
		if code := env.do("admin", "POST", "/api/v1/catalogs/import?id=iso27001-2022&replace=true", basic, nil); code != http.StatusConflict {
			t.Fatalf("replacing a built-in: %d", code)
		}

		// The organisation sees its import; it is browsable like any catalog.
		var d api.ItemDetail
		if code := env.do("viewer", "GET", "/api/v1/catalogs/basic-demo/items/1.1.1", nil, &d); code != 200 || d.Item.Title == "" {
			t.Fatalf("imported item: %d %+v", code, d)
		}
		var list api.CatalogPage
		env.do("viewer", "GET", "/api/v1/catalogs", nil, &list)
		if len(list.Items) != 6 {
			t.Fatalf("catalogs after import: %d", len(list.Items))
		}

		// Another organisation sees nothing of it.
		if code := env.do("other_admin", "GET", "/api/v1/catalogs/basic-demo", nil, nil); code != 404 {
			t.Fatalf("other organisation reads the import: %d", code)
		}
		if code := env.do("other_admin", "GET", "/api/v1/catalogs/basic-demo/items/1.1.1", nil, nil); code != 404 {
			t.Fatalf("other organisation reads an imported item: %d", code)
		}
		if code := env.do("other_admin", "DELETE", "/api/v1/catalogs/basic-demo", nil, nil); code != 404 {
			t.Fatalf("other organisation deletes the import: %d", code)
		}
		env.do("other_admin", "GET", "/api/v1/catalogs", nil, &list)
		if len(list.Items) != 5 {
			t.Fatalf("other organisation lists %d catalogs", len(list.Items))
		}

		// Bad OSCAL: 422 naming the path and reason; nothing stored.
		before, _ := env.db.AuditLog(bg, env.orgA, auditlog.Filter{RecordType: "catalog"}, store.PageRequest{})
		for _, bad := range []struct{ name, body, field string }{
			{"not json", `{"catalog": `, "$"},
			{"schema-invalid", `{"catalog": {"uuid": "not-a-uuid", "metadata": {"title": "X", "last-modified": "2024-01-01T00:00:00Z", "version": "1", "oscal-version": "1.1.2"}}}`, "$.catalog"},
			{"profile without base", `{"profile": {"uuid": "8d1b2a0e-6f43-4a8e-9b0e-1f2e3d4c5b6a", "metadata": {"title": "P", "last-modified": "2024-01-01T00:00:00Z", "version": "1", "oscal-version": "1.1.2"}, "imports": [{"href": "#x", "include-all": {}}]}}`, "$.profile.imports"},
		} {
			var p problem
			code := env.do("admin", "POST", "/api/v1/catalogs/import?id=bad", []byte(bad.body), &p)
			if code != 422 || len(p.Errors) == 0 || !strings.HasPrefix(p.Errors[0].Field, bad.field) || p.Errors[0].Message == "" || !strings.Contains(p.Detail, "document") {
				t.Errorf("%s: %d %+v", bad.name, code, p)
			}
		}
		after, _ := env.db.AuditLog(bg, env.orgA, auditlog.Filter{RecordType: "catalog"}, store.PageRequest{})
		if len(after.Items) != len(before.Items) || len(before.Items) != 2 {
			t.Fatalf("audit rows %d before, %d after bad imports", len(before.Items), len(after.Items))
		}
		if code := env.do("viewer", "GET", "/api/v1/catalogs/bad", nil, nil); code != 404 {
			t.Fatalf("a refused import was stored: %d", code)
		}

		// A profile is resolved against the base sent with it.
		profile := `{"profile": {"uuid": "8d1b2a0e-6f43-4a8e-9b0e-1f2e3d4c5b6a", "metadata": {"title": "Access only", "last-modified": "2024-01-01T00:00:00Z", "version": "1", "oscal-version": "1.1.2"},
			"imports": [{"href": "#base", "include-controls": [{"with-ids": ["s2.1.1", "s2.1.2"]}]}]}}`
		wrapped, _ := json.Marshal(map[string]json.RawMessage{"document": json.RawMessage(profile), "base": basic})
		if code := env.do("compliance_manager", "POST", "/api/v1/catalogs/import?id=access-only", wrapped, &res); code != http.StatusCreated || res.Catalog.Items != 2 || res.Catalog.Kind != catalog.KindProfile {
			t.Fatalf("profile import: %d %+v", code, res)
		}

		// Removing: built-ins never, imports by their managers.
		if code := env.do("admin", "DELETE", "/api/v1/catalogs/iso42001-2023", nil, nil); code != http.StatusConflict {
			t.Fatalf("removing a built-in: %d", code)
		}
		if code := env.do("viewer", "DELETE", "/api/v1/catalogs/basic-demo", nil, nil); code != http.StatusForbidden {
			t.Fatalf("viewer removes: %d", code)
		}
		if code := env.do("admin", "DELETE", "/api/v1/catalogs/basic-demo", nil, nil); code != http.StatusNoContent {
			t.Fatalf("remove: %d", code)
		}
		if code := env.do("viewer", "GET", "/api/v1/catalogs/basic-demo", nil, nil); code != 404 {
			t.Fatalf("removed import still served: %d", code)
		}
	})
}

func TestClassifyRoute(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		env := newCatalogEnv(t, e)
		facts := `{"name": "Loan approval scoring", "roles": ["deployer"], "eu_nexus": {"deployer_established_in_eu": true},
			"annex_iii_use_cases": ["5b"], "profiling_of_natural_persons": true}`
		var res struct {
			Tier        string            `json:"tier"`
			Obligations []json.RawMessage `json:"obligations"`
		}
		if code := env.do("viewer", "POST", "/api/v1/classify", []byte(facts), &res); code != 200 || res.Tier != "high" || len(res.Obligations) == 0 {
			t.Fatalf("classify: %d %+v", code, res)
		}
		var p problem
		if code := env.do("viewer", "POST", "/api/v1/classify", []byte(`{"roles": ["deployer", "wizard"]}`), &p); code != 422 || len(p.Errors) != 1 || p.Errors[0].Field != "roles[1]" {
			t.Fatalf("bad facts: %d %+v", code, p)
		}
		if code := env.do("", "POST", "/api/v1/classify", []byte(facts), nil); code != 401 {
			t.Fatalf("classify without a token: %d", code)
		}
	})
}

func TestCatalogRoutesAreDocumented(t *testing.T) {
	lib, err := catalog.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	a := api.New(nil, slog.New(slog.NewTextHandler(io.Discard, nil)), catalog.NewViews(lib, nil))
	doc, _ := json.Marshal(a.OpenAPI())
	for _, p := range []string{"/api/v1/catalogs/{id}/items/{item}", "/api/v1/crosswalks", "/api/v1/catalogs/import", "/api/v1/classify"} {
		if !bytes.Contains(doc, []byte(`"`+p+`"`)) {
			t.Errorf("OpenAPI document lacks %s", p)
		}
	}
}
