package app_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/store"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

type page struct {
	status int
	body   string
	header http.Header
}

func get(t *testing.T, c *http.Client, u string) page {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return page{res.StatusCode, string(b), res.Header}
}

func post(t *testing.T, c *http.Client, u string, form url.Values, headers ...string) page {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return page{res.StatusCode, string(b), res.Header}
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func csrfOf(t *testing.T, p page) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no CSRF token in page (%d):\n%.500s", p.status, p.body)
	}
	return m[1]
}

var setupLink = regexp.MustCompile(`/setup\?token=([\w-]+)`)

// signIn signs a browser in and returns it with the page's CSRF token.
func signIn(t *testing.T, s *server, email, password string) (*http.Client, string) {
	t.Helper()
	c := browser(t)
	login := get(t, c, s.url+"/login")
	r := post(t, c, s.url+"/login", url.Values{"csrf_token": {csrfOf(t, login)}, "email": {email}, "password": {password}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d\n%.800s", email, r.status, r.body)
	}
	home := get(t, c, s.url+"/")
	if home.status != 200 {
		t.Fatalf("home after sign-in: %d", home.status)
	}
	return c, csrfOf(t, home)
}

func TestFirstRunSetupLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		m := setupLink.FindStringSubmatch(s.out.String())
		if m == nil {
			t.Fatalf("no setup link printed: %q", s.out.String())
		}
		c := browser(t)
		if p := get(t, c, s.url+"/setup?token=wrong"); p.status != 404 {
			t.Fatalf("setup with a wrong token: %d", p.status)
		}
		form := get(t, c, s.url+"/setup?token="+m[1])
		if form.status != 200 {
			t.Fatalf("setup form: %d", form.status)
		}
		bad := post(t, c, s.url+"/setup", url.Values{"csrf_token": {csrfOf(t, form)}, "token": {m[1]}, "organisation": {"Acme"}, "email": {"ada@acme.test"}, "password": {"short"}})
		if bad.status != 422 || !strings.Contains(bad.body, `aria-invalid="true"`) || !strings.Contains(bad.body, "password") {
			t.Fatalf("short password: %d", bad.status)
		}
		ok := post(t, c, s.url+"/setup", url.Values{"csrf_token": {csrfOf(t, form)}, "token": {m[1]}, "organisation": {"Acme"}, "name": {"Ada"}, "email": {"ada@acme.test"}, "password": {"a long enough password"}})
		if ok.status != http.StatusSeeOther {
			t.Fatalf("setup: %d %.500s", ok.status, ok.body)
		}
		home := get(t, c, s.url+"/")
		if home.status != 200 || !strings.Contains(home.body, "Acme") || !strings.Contains(home.body, "Write the AIMS scope") {
			t.Fatalf("home after setup: %d", home.status)
		}
		// The link works once.
		if p := get(t, browser(t), s.url+"/setup?token="+m[1]); p.status != 404 {
			t.Fatalf("setup link reused: %d", p.status)
		}
	})
}

func TestSignInAndThrottling(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		tn := s.bootstrap("Acme")
		c := browser(t)
		if p := get(t, c, s.url+"/organisation"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/login?next=") {
			t.Fatalf("signed-out page: %d %s", p.status, p.header.Get("Location"))
		}
		login := get(t, c, s.url+"/login")
		tok := csrfOf(t, login)
		wrong := url.Values{"csrf_token": {tok}, "email": {tn.admin.Email}, "password": {"not the password!"}}
		for i := 0; i < store.MaxAccountFailures; i++ {
			if p := post(t, c, s.url+"/login", wrong); p.status != http.StatusUnauthorized {
				t.Fatalf("wrong password %d: %d", i, p.status)
			}
		}
		right := url.Values{"csrf_token": {tok}, "email": {tn.admin.Email}, "password": {"a long enough password"}}
		p := post(t, c, s.url+"/login", right)
		if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") == "" {
			t.Fatalf("after %d failures the right password must wait: %d", store.MaxAccountFailures, p.status)
		}
		// Another account from the same address is not locked by one account's failures.
		other := url.Values{"csrf_token": {tok}, "email": {tn.users[auth.Viewer].Email}, "password": {"a long enough password"}}
		if p := post(t, c, s.url+"/login", other); p.status != http.StatusSeeOther {
			t.Fatalf("other account: %d", p.status)
		}
	})
}

func TestSessionCookieAttributes(t *testing.T) {
	s := start(t, storetest.Engines()[0])
	tn := s.bootstrap("Acme")
	c := browser(t)
	login := get(t, c, s.url+"/login")
	req, _ := http.NewRequest("POST", s.url+"/login", strings.NewReader(url.Values{"csrf_token": {csrfOf(t, login)}, "email": {tn.admin.Email}, "password": {"a long enough password"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-Proto", "https")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var found bool
	for _, ck := range res.Cookies() {
		if ck.Name == "annexa_session" {
			found = true
			if !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteLaxMode {
				t.Errorf("session cookie over HTTPS: HttpOnly=%v Secure=%v SameSite=%v", ck.HttpOnly, ck.Secure, ck.SameSite)
			}
		}
	}
	if !found {
		t.Fatal("no session cookie set")
	}
	if res.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS over HTTPS")
	}
}

// TestCSRF: every state-changing form needs the session's token; a missing or foreign token
// and a cross-site request are refused and change nothing.
func TestCSRF(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		tn := s.bootstrap("Acme")
		c, tok := signIn(t, s, tn.admin.Email, "a long enough password")
		change := url.Values{"name": {"Acme"}, "aims_scope": {"changed by a forged form"}}
		if p := post(t, c, s.url+"/organisation", change); p.status != http.StatusForbidden {
			t.Fatalf("no CSRF token: %d", p.status)
		}
		change.Set("csrf_token", "forged-token-value-that-is-long-enough-to-pass")
		if p := post(t, c, s.url+"/organisation", change); p.status != http.StatusForbidden {
			t.Fatalf("wrong CSRF token: %d", p.status)
		}
		change.Set("csrf_token", tok)
		if p := post(t, c, s.url+"/organisation", change, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"); p.status != http.StatusForbidden {
			t.Fatalf("cross-site post with a valid token: %d", p.status)
		}
		var o struct {
			AIMSScope string `json:"aims_scope"`
		}
		s.do("GET", "/api/v1/organisation", tn.tokens[auth.Admin], nil).json(t, &o)
		if o.AIMSScope != "" {
			t.Fatalf("a refused form changed the scope to %q", o.AIMSScope)
		}
		// Sign-in form: the double-submit token must match.
		anon := browser(t)
		get(t, anon, s.url+"/login")
		if p := post(t, anon, s.url+"/login", url.Values{"csrf_token": {"guess"}, "email": {tn.admin.Email}, "password": {"a long enough password"}}); p.status != http.StatusForbidden {
			t.Fatalf("sign-in with a forged token: %d", p.status)
		}
		// The API with the session cookie needs the CSRF header on unsafe methods.
		req, _ := http.NewRequest("PATCH", s.url+"/api/v1/organisation", strings.NewReader(`{"aims_scope": "via cookie"}`))
		req.Header.Set("Content-Type", "application/json")
		res, _ := c.Do(req)
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Fatalf("cookie-authenticated PATCH without CSRF header: %d", res.StatusCode)
		}
		req, _ = http.NewRequest("PATCH", s.url+"/api/v1/organisation", strings.NewReader(`{"aims_scope": "via cookie"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", tok)
		res, _ = c.Do(req)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("cookie-authenticated PATCH with CSRF header: %d", res.StatusCode)
		}
	})
}

func TestPagesForEachRole(t *testing.T) {
	s := start(t, storetest.Engines()[0])
	tn := s.bootstrap("Acme")
	viewer, vtok := signIn(t, s, tn.users[auth.Viewer].Email, "a long enough password")
	if p := get(t, viewer, s.url+"/audit-log"); p.status != http.StatusForbidden {
		t.Fatalf("viewer on the audit log: %d", p.status)
	}
	if p := get(t, viewer, s.url+"/"); strings.Contains(p.body, `href="/audit-log"`) {
		t.Fatal("navigation shows the audit log to a viewer")
	}
	if p := post(t, viewer, s.url+"/organisation", url.Values{"csrf_token": {vtok}, "name": {"Hijacked"}}); p.status != http.StatusForbidden {
		t.Fatalf("viewer saving the organisation: %d", p.status)
	}
	if p := post(t, viewer, s.url+"/people", url.Values{"csrf_token": {vtok}, "email": {"x@acme.test"}, "role": {"admin"}}); p.status != http.StatusForbidden {
		t.Fatalf("viewer adding people: %d", p.status)
	}
	org := get(t, viewer, s.url+"/organisation")
	if org.status != 200 || strings.Contains(org.body, `action="/organisation"`) {
		t.Fatalf("viewer sees an editable organisation form: %d", org.status)
	}

	admin, atok := signIn(t, s, tn.admin.Email, "a long enough password")
	add := post(t, admin, s.url+"/people", url.Values{"csrf_token": {atok}, "email": {"dora@acme.test"}, "name": {"Dora"}, "role": {"auditor"}})
	if add.status != http.StatusSeeOther {
		t.Fatalf("add person: %d %.500s", add.status, add.body)
	}
	people := get(t, admin, s.url+"/people")
	if !strings.Contains(people.body, "dora@acme.test") || !strings.Contains(people.body, "dora@acme.test added as Auditor.") {
		t.Fatalf("people page after adding: %.1000s", people.body)
	}
	dup := post(t, admin, s.url+"/people", url.Values{"csrf_token": {atok}, "email": {"dora@acme.test"}, "role": {"viewer"}})
	if dup.status != http.StatusConflict || !strings.Contains(dup.body, "already a member") {
		t.Fatalf("duplicate person: %d", dup.status)
	}
	created := post(t, admin, s.url+"/tokens", url.Values{"csrf_token": {atok}, "name": {"ci"}, "expires_in": {"90"}})
	m := regexp.MustCompile(`value="(annexa_[\w-]+)"`).FindStringSubmatch(created.body)
	if created.status != http.StatusCreated || m == nil {
		t.Fatalf("token page did not show the new token: %d", created.status)
	}
	if r := s.do("GET", "/api/v1/me", m[1], nil); r.status != 200 {
		t.Fatalf("token from the page: %d", r.status)
	}
	if strings.Contains(get(t, admin, s.url+"/tokens").body, m[1]) {
		t.Fatal("the token is shown a second time")
	}
	log := get(t, admin, s.url+"/audit-log?record_type=api_token")
	if log.status != 200 || !strings.Contains(log.body, "Chain verified") || !strings.Contains(log.body, "api_token") {
		t.Fatalf("audit log page: %d", log.status)
	}
	if p := get(t, admin, s.url+"/audit-log?since=not-a-date"); p.status != 422 || !strings.Contains(p.body, "Enter a date") {
		t.Fatalf("bad date filter: %d", p.status)
	}
}

func TestStaleOrganisationForm(t *testing.T) {
	s := start(t, storetest.Engines()[0])
	tn := s.bootstrap("Acme")
	c, tok := signIn(t, s, tn.admin.Email, "a long enough password")
	form := get(t, c, s.url+"/organisation")
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(form.body)[1]
	// Someone else saves first.
	if r := s.do("PATCH", "/api/v1/organisation", tn.tokens[auth.ComplianceManager], map[string]any{"isms_scope": "theirs"}); r.status != 200 {
		t.Fatal(r.status)
	}
	p := post(t, c, s.url+"/organisation", url.Values{"csrf_token": {tok}, "version": {version}, "name": {"Acme"}, "isms_scope": {"mine"}})
	if p.status != http.StatusPreconditionFailed || !strings.Contains(p.body, "Someone else changed") || !strings.Contains(p.body, "theirs") {
		t.Fatalf("stale form: %d", p.status)
	}
}

func TestSwitchOrganisation(t *testing.T) {
	s := start(t, storetest.Engines()[0])
	a := s.bootstrap("Acme")
	b := s.bootstrap("Beta")
	// Acme's admin also belongs to Beta, as a viewer.
	if _, err := s.main.DB.AddMember(bg, b.org.ID, auth.NewUser{Email: a.admin.Email, Role: auth.Viewer}, sys); err != nil {
		t.Fatal(err)
	}
	c, tok := signIn(t, s, a.admin.Email, "a long enough password")
	home := get(t, c, s.url+"/")
	if !strings.Contains(home.body, "Your other organisations") || !strings.Contains(home.body, "Beta") {
		t.Fatalf("home lacks the other organisation")
	}
	if p := post(t, c, s.url+"/switch-organisation", url.Values{"csrf_token": {tok}, "org_id": {"not-mine"}}); p.status != 404 {
		t.Fatalf("switch to a foreign organisation: %d", p.status)
	}
	if p := post(t, c, s.url+"/switch-organisation", url.Values{"csrf_token": {tok}, "org_id": {b.org.ID}}); p.status != http.StatusSeeOther {
		t.Fatalf("switch: %d", p.status)
	}
	home = get(t, c, s.url+"/")
	if !strings.Contains(home.body, "<h1>Beta</h1>") || !strings.Contains(home.body, "Viewer") {
		t.Fatalf("after switching, home is not Beta's")
	}
}
