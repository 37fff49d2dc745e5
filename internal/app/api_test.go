package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

func TestHealthReadyMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		if r := s.do("GET", "/healthz", "", nil); r.status != 200 {
			t.Fatalf("healthz %d", r.status)
		}
		if r := s.do("GET", "/readyz", "", nil); r.status != 200 || !strings.Contains(string(r.body), "ready") {
			t.Fatalf("readyz %d %s", r.status, r.body)
		}
		s.do("GET", "/api/v1/me", "", nil)
		r := s.do("GET", "/metrics", "", nil)
		for _, want := range []string{`annexa_http_requests_total{code="401",method="GET",route="GET /api/v1/me"} 1`,
			"annexa_http_request_duration_seconds_bucket", "go_sql_open_connections"} {
			if !strings.Contains(string(r.body), want) {
				t.Errorf("metrics lack %q", want)
			}
		}
	})
}

func TestAuthentication(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		tn := s.bootstrap("Acme")
		for _, c := range []struct{ name, header string }{
			{"none", ""},
			{"wrong scheme", "Basic YWRtaW46cGFzcw=="},
			{"unknown token", "Bearer annexa_" + strings.Repeat("A", 43)},
			{"garbage", "Bearer nonsense"},
		} {
			r := s.do("GET", "/api/v1/me", "", nil, "Authorization", c.header)
			if r.status != 401 || r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s: status %d", c.name, r.status)
			}
			r.problem(t)
		}
		r := s.do("GET", "/api/v1/me", tn.tokens[auth.Auditor], nil)
		var me struct {
			User struct{ Email string }
			Role string
			Via  string
		}
		r.json(t, &me)
		if r.status != 200 || me.User.Email != "auditor@acme.test" || me.Role != "auditor" || me.Via != "token" {
			t.Fatalf("me: %d %s", r.status, r.body)
		}
	})
}

// TestRoles checks that each role may do what it should and is refused the rest with 403.
func TestRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		tn := s.bootstrap("Acme")
		type op struct {
			method, path string
			body         any
			allowed      []auth.Role
		}
		ops := []op{
			{"GET", "/api/v1/organisation", nil, auth.Roles},
			{"PATCH", "/api/v1/organisation", map[string]any{"aims_scope": "x"}, []auth.Role{auth.Admin, auth.ComplianceManager}},
			{"GET", "/api/v1/users", nil, auth.Roles},
			{"POST", "/api/v1/users", map[string]any{"email": "new-%s@acme.test", "role": "viewer"}, []auth.Role{auth.Admin}},
			{"GET", "/api/v1/audit-log", nil, []auth.Role{auth.Admin, auth.ComplianceManager, auth.Auditor}},
			{"GET", "/api/v1/audit-log/verify", nil, []auth.Role{auth.Admin, auth.ComplianceManager, auth.Auditor}},
			{"GET", "/api/v1/tokens", nil, auth.Roles},
			{"POST", "/api/v1/tokens", map[string]any{"name": "mine"}, auth.Roles},
		}
		for _, o := range ops {
			for _, role := range auth.Roles {
				body := o.body
				if m, ok := body.(map[string]any); ok {
					if em, ok := m["email"].(string); ok {
						body = map[string]any{"email": fmt.Sprintf(em, role), "role": "viewer"}
					}
				}
				r := s.do(o.method, o.path, tn.tokens[role], body)
				allowed := false
				for _, a := range o.allowed {
					allowed = allowed || a == role
				}
				if allowed && r.status >= 300 {
					t.Errorf("%s %s as %s: %d %s", o.method, o.path, role, r.status, r.body)
				}
				if !allowed {
					if r.status != 403 {
						t.Errorf("%s %s as %s: want 403, got %d", o.method, o.path, role, r.status)
					} else {
						r.problem(t)
					}
				}
			}
		}
	})
}

// TestOrganisationIsolation: a second organisation's token sees 404 for every record of the
// first, and its lists never include them.
func TestOrganisationIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		a := s.bootstrap("Acme")
		b := s.bootstrap("Beta")
		var aTokens struct{ Items []struct{ ID string } }
		s.do("GET", "/api/v1/tokens", a.tokens[auth.Admin], nil).json(t, &aTokens)
		if len(aTokens.Items) == 0 {
			t.Fatal("Acme has no tokens")
		}
		bAdmin := b.tokens[auth.Admin]
		for _, path := range []string{
			"/api/v1/users/" + a.admin.ID,
			"/api/v1/users/" + a.users[auth.Viewer].ID,
			"/api/v1/tokens/" + aTokens.Items[0].ID,
		} {
			if r := s.do("GET", path, bAdmin, nil); r.status != 404 {
				t.Errorf("GET %s from Beta: %d", path, r.status)
			}
		}
		if r := s.do("PATCH", "/api/v1/users/"+a.admin.ID, bAdmin, map[string]any{"role": "viewer"}); r.status != 404 {
			t.Errorf("PATCH Acme's admin from Beta: %d", r.status)
		}
		if r := s.do("DELETE", "/api/v1/tokens/"+aTokens.Items[0].ID, bAdmin, nil); r.status != 404 {
			t.Errorf("revoke Acme's token from Beta: %d", r.status)
		}
		if r := s.do("GET", "/api/v1/me", a.tokens[auth.Admin], nil); r.status != 200 {
			t.Errorf("Acme's token stopped working: %d", r.status)
		}
		var users struct{ Items []struct{ Email string } }
		s.do("GET", "/api/v1/users", bAdmin, nil).json(t, &users)
		for _, u := range users.Items {
			if strings.HasSuffix(u.Email, "@acme.test") {
				t.Errorf("Beta sees %s", u.Email)
			}
		}
		var org struct{ Name string }
		s.do("GET", "/api/v1/organisation", bAdmin, nil).json(t, &org)
		if org.Name != "Beta" {
			t.Errorf("Beta reads organisation %q", org.Name)
		}
		var log struct {
			Items []struct {
				OrgID string `json:"org_id"`
			}
		}
		s.do("GET", "/api/v1/audit-log?limit=1000", bAdmin, nil).json(t, &log)
		for _, e := range log.Items {
			if e.OrgID != b.org.ID {
				t.Fatalf("Beta's audit log holds an entry of %s", e.OrgID)
			}
		}
	})
}

func TestConditionalUpdate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		tn := s.bootstrap("Acme")
		tok := tn.tokens[auth.ComplianceManager]
		r := s.do("GET", "/api/v1/organisation", tok, nil)
		tag := r.header.Get("ETag")
		if tag == "" {
			t.Fatal("no ETag on read")
		}
		if r := s.do("GET", "/api/v1/organisation", tok, nil, "If-None-Match", tag); r.status != http.StatusNotModified {
			t.Errorf("If-None-Match with the current tag: %d", r.status)
		}
		r = s.do("PATCH", "/api/v1/organisation", tok, map[string]any{"aims_scope": "AI in hiring"}, "If-Match", tag)
		if r.status != 200 || r.header.Get("ETag") == tag {
			t.Fatalf("update with current tag: %d %s", r.status, r.body)
		}
		r = s.do("PATCH", "/api/v1/organisation", tok, map[string]any{"aims_scope": "overwritten"}, "If-Match", tag)
		if r.status != http.StatusPreconditionFailed {
			t.Fatalf("stale If-Match: want 412, got %d", r.status)
		}
		r.problem(t)
		var o struct {
			AIMSScope string `json:"aims_scope"`
		}
		s.do("GET", "/api/v1/organisation", tok, nil).json(t, &o)
		if o.AIMSScope != "AI in hiring" {
			t.Fatalf("a stale write changed the record: %q", o.AIMSScope)
		}
		if r := s.do("PATCH", "/api/v1/organisation", tok, map[string]any{"aims_scope": "x"}, "If-Match", "yesterday"); r.status != 422 || !r.problem(t).names("If-Match") {
			t.Fatalf("malformed If-Match: %d %s", r.status, r.body)
		}
	})
}

// TestBadInput sends the kinds of bad requests clients make; each must be a 4xx problem
// document naming what is wrong, never a 500, and change nothing.
func TestBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		tn := s.bootstrap("Acme")
		tok := tn.tokens[auth.Admin]
		huge := `{"aims_scope": "` + strings.Repeat("x", 1<<20+10) + `"}`
		cases := []struct {
			name, method, path, body string
			status                   int
			field                    string
		}{
			{"malformed", "PATCH", "/api/v1/organisation", `{"aims_scope": "x",}`, 422, "body"},
			{"truncated", "PATCH", "/api/v1/organisation", `{"aims_scope": "x"`, 422, "body"},
			{"empty", "PATCH", "/api/v1/organisation", ``, 422, "body"},
			{"not an object", "PATCH", "/api/v1/organisation", `[1,2]`, 422, "body"},
			{"two objects", "PATCH", "/api/v1/organisation", `{} {}`, 422, "body"},
			{"unknown field", "PATCH", "/api/v1/organisation", `{"aims_scope": "x", "colour": "blue"}`, 422, "colour"},
			{"wrong type", "PATCH", "/api/v1/organisation", `{"aims_scope": 42}`, 422, "aims_scope"},
			{"wrong element type", "PATCH", "/api/v1/organisation", `{"ai_roles": [1]}`, 422, "ai_roles"},
			{"unknown enum", "PATCH", "/api/v1/organisation", `{"ai_roles": ["oracle"]}`, 422, "ai_roles"},
			{"empty name", "PATCH", "/api/v1/organisation", `{"name": "  "}`, 422, "name"},
			{"oversized", "PATCH", "/api/v1/organisation", huge, 413, ""},
			{"bad email", "POST", "/api/v1/users", `{"email": "nope", "role": "viewer"}`, 422, "email"},
			{"bad role", "POST", "/api/v1/users", `{"email": "x@acme.test", "role": "king"}`, 422, "role"},
			{"short password", "POST", "/api/v1/users", `{"email": "x@acme.test", "role": "viewer", "password": "short"}`, 422, "password"},
			{"token without name", "POST", "/api/v1/tokens", `{}`, 422, "name"},
			{"token in the past", "POST", "/api/v1/tokens", `{"name": "x", "expires_at": "2001-01-01T00:00:00Z"}`, 422, "expires_at"},
			{"bad limit", "GET", "/api/v1/users?limit=5000", ``, 422, "limit"},
			{"bad cursor", "GET", "/api/v1/users?cursor=!!!", ``, 422, "cursor"},
			{"bad since", "GET", "/api/v1/audit-log?since=yesterday", ``, 422, "since"},
			{"unknown route", "GET", "/api/v1/nothing-here", ``, 404, ""},
		}
		before := s.do("GET", "/api/v1/organisation", tok, nil)
		for _, c := range cases {
			var body any
			if c.body != "" || c.method != "GET" {
				body = c.body
			}
			r := s.do(c.method, c.path, tok, body)
			if r.status != c.status {
				t.Errorf("%s: want %d, got %d %s", c.name, c.status, r.status, r.body)
				continue
			}
			p := r.problem(t)
			if c.field != "" && !p.names(c.field) {
				t.Errorf("%s: problem does not name %q: %s", c.name, c.field, r.body)
			}
		}
		after := s.do("GET", "/api/v1/organisation", tok, nil)
		if string(before.body) != string(after.body) {
			t.Errorf("bad requests changed the organisation:\n%s\n%s", before.body, after.body)
		}
		if r := s.do("PATCH", "/api/v1/organisation", tok, `{"aims_scope": "x"}`, "Content-Type", "text/plain"); r.status != 422 {
			t.Errorf("text/plain body: %d", r.status)
		}
	})
}

func TestUsersTokensAndAuditTrailThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		tn := s.bootstrap("Acme")
		admin := tn.tokens[auth.Admin]
		r := s.do("POST", "/api/v1/users", admin, map[string]any{"email": "Carol@Acme.test", "name": "Carol", "role": "ai_system_owner", "password": "carol's long password"})
		if r.status != 201 {
			t.Fatalf("create user: %d %s", r.status, r.body)
		}
		var carol struct {
			ID    string
			Email string
			Role  string
		}
		r.json(t, &carol)
		if carol.Email != "carol@acme.test" || r.header.Get("ETag") == "" {
			t.Fatalf("created %+v", carol)
		}
		if r := s.do("POST", "/api/v1/users", admin, map[string]any{"email": "carol@acme.test", "role": "viewer"}); r.status != 409 {
			t.Fatalf("duplicate user: %d", r.status)
		}
		r = s.do("PATCH", "/api/v1/users/"+carol.ID, admin, map[string]any{"role": "compliance_manager"})
		if r.status != 200 || !strings.Contains(string(r.body), `"role":"compliance_manager"`) {
			t.Fatalf("change role: %d %s", r.status, r.body)
		}
		if r := s.do("PATCH", "/api/v1/users/"+tn.admin.ID, tn.tokens[auth.Admin], map[string]any{"disabled": true}); r.status != 200 {
			// Acme has a second admin? No: the bootstrap admin is the only one, so this must be refused.
			if r.status != 409 {
				t.Fatalf("disable the last admin: %d %s", r.status, r.body)
			}
		} else {
			t.Fatal("the last admin was disabled")
		}

		// Tokens: the viewer sees only their own; revocation stops a token at once.
		viewer := tn.tokens[auth.Viewer]
		r = s.do("POST", "/api/v1/tokens", viewer, map[string]any{"name": "laptop"})
		var created struct {
			ID    string
			Token string
		}
		r.json(t, &created)
		if r.status != 201 || !strings.HasPrefix(created.Token, auth.TokenPrefix) {
			t.Fatalf("create token: %d %s", r.status, r.body)
		}
		var list struct {
			Items []struct {
				UserEmail string `json:"user_email"`
			}
		}
		s.do("GET", "/api/v1/tokens", viewer, nil).json(t, &list)
		for _, it := range list.Items {
			if it.UserEmail != "viewer@acme.test" {
				t.Errorf("viewer sees %s's token", it.UserEmail)
			}
		}
		var all struct {
			Items []struct {
				ID        string
				UserEmail string `json:"user_email"`
			}
		}
		s.do("GET", "/api/v1/tokens?limit=1000", admin, nil).json(t, &all)
		for _, it := range all.Items {
			if it.UserEmail == "admin@acme.test" {
				if r := s.do("DELETE", "/api/v1/tokens/"+it.ID, viewer, nil); r.status != 404 {
					t.Errorf("viewer revoking the admin's token: %d", r.status)
				}
				if r := s.do("GET", "/api/v1/tokens/"+it.ID, viewer, nil); r.status != 404 {
					t.Errorf("viewer reading the admin's token: %d", r.status)
				}
			}
		}
		if r := s.do("GET", "/api/v1/me", created.Token, nil); r.status != 200 {
			t.Fatalf("new token: %d", r.status)
		}
		if r := s.do("DELETE", "/api/v1/tokens/"+created.ID, viewer, nil); r.status != 200 {
			t.Fatalf("revoke: %d %s", r.status, r.body)
		}
		if r := s.do("GET", "/api/v1/me", created.Token, nil); r.status != 401 {
			t.Fatalf("revoked token: %d", r.status)
		}

		// The audit trail holds the changes, filtered by record and actor, and verifies.
		var entries struct {
			Items []struct {
				Action     string
				RecordType string `json:"record_type"`
				Actor      struct{ Email string }
			}
			NextCursor string `json:"next_cursor"`
		}
		s.do("GET", "/api/v1/audit-log?record_type=user&record_id="+carol.ID, admin, nil).json(t, &entries)
		if len(entries.Items) != 2 || entries.Items[0].Action != "update" || entries.Items[1].Action != "create" || entries.Items[0].Actor.Email != "admin@acme.test" {
			t.Fatalf("carol's history: %+v", entries)
		}
		s.do("GET", "/api/v1/audit-log?actor="+tn.users[auth.Viewer].ID, admin, nil).json(t, &entries)
		if len(entries.Items) != 2 {
			t.Fatalf("viewer's actions: %+v", entries.Items)
		}
		s.do("GET", "/api/v1/audit-log?limit=2&since=2000-01-01T00:00:00Z", admin, nil).json(t, &entries)
		if len(entries.Items) != 2 || entries.NextCursor == "" {
			t.Fatalf("paged audit log: %+v", entries)
		}
		var v struct {
			OK      bool
			Entries int
		}
		s.do("GET", "/api/v1/audit-log/verify", tn.tokens[auth.Auditor], nil).json(t, &v)
		if !v.OK || v.Entries < 10 {
			t.Fatalf("verify: %+v", v)
		}
	})
}

func TestUsersPagination(t *testing.T) {
	s := start(t, storetest.Engines()[0])
	tn := s.bootstrap("Acme")
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		var pg struct {
			Items      []struct{ Email string }
			NextCursor string `json:"next_cursor"`
		}
		r := s.do("GET", "/api/v1/users?limit=2&cursor="+cursor, tn.tokens[auth.Viewer], nil)
		r.json(t, &pg)
		for _, u := range pg.Items {
			if seen[u.Email] {
				t.Fatalf("%s on two pages", u.Email)
			}
			seen[u.Email] = true
		}
		if pg.NextCursor == "" {
			break
		}
		cursor = pg.NextCursor
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
	}
	if len(seen) != len(auth.Roles) {
		t.Fatalf("paged through %d people, want %d", len(seen), len(auth.Roles))
	}
}
