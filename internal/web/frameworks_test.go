package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/annexa-dev/annexa/internal/sharedtest"

	"github.com/annexa-dev/annexa/internal/api"
	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/store"
	"github.com/annexa-dev/annexa/internal/store/storetest"
	"github.com/annexa-dev/annexa/internal/web"
)

var bg = context.Background()

type browser struct {
	cookie, csrf string
}

type pagesEnv struct {
	t   *testing.T
	db  *store.DB
	srv *httptest.Server
	as  map[string]browser // "compliance_manager", "viewer", "other"
}

func newPagesEnv(t *testing.T) *pagesEnv {
	t.Helper()
	db := storetest.Open(t, storetest.Engines()[0])
	lib, err := catalog.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	pages, err := web.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), web.Options{Catalogs: catalog.NewViews(lib, db)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(pages.Handler())
	t.Cleanup(srv.Close)
	env := &pagesEnv{t: t, db: db, srv: srv, as: map[string]browser{}}
	sys := auditlog.System("test")
	o, _, err := db.Bootstrap(bg, "Acme", auth.NewUser{Email: "admin@acme.test", Password: "a long enough password"}, sys)
	if err != nil {
		t.Fatal(err)
	}
	signIn := func(key, orgID string, role auth.Role, email string) {
		m, err := db.AddMember(bg, orgID, auth.NewUser{Email: email, Role: role, Password: "a long enough password"}, sys)
		if err != nil {
			t.Fatal(err)
		}
		secret, sess, err := db.CreateSession(bg, m.ID, orgID)
		if err != nil {
			t.Fatal(err)
		}
		env.as[key] = browser{cookie: secret, csrf: sess.CSRFToken}
	}
	signIn("compliance_manager", o.ID, auth.ComplianceManager, "cm@acme.test")
	signIn("viewer", o.ID, auth.Viewer, "viewer@acme.test")
	b, err := db.CreateOrganisation(bg, "Beta", sys)
	if err != nil {
		t.Fatal(err)
	}
	signIn("other", b.ID, auth.Admin, "admin@beta.test")
	return env
}

func (env *pagesEnv) get(who, path string) (int, string) {
	env.t.Helper()
	req, _ := http.NewRequest("GET", env.srv.URL+path, nil)
	if who != "" {
		req.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: env.as[who].cookie})
	}
	return env.send(req)
}

func (env *pagesEnv) send(req *http.Request) (int, string) {
	env.t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		env.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode == http.StatusSeeOther {
		return res.StatusCode, res.Header.Get("Location")
	}
	return res.StatusCode, string(body)
}

// upload posts the import form with the given file contents.
func (env *pagesEnv) upload(who string, csrf bool, doc []byte, id string) (int, string) {
	env.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if csrf {
		mw.WriteField("csrf_token", env.as[who].csrf)
	}
	mw.WriteField("id", id)
	fw, _ := mw.CreateFormFile("document", "upload.json")
	fw.Write(doc)
	mw.Close()
	req, _ := http.NewRequest("POST", env.srv.URL+"/frameworks", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: env.as[who].cookie})
	return env.send(req)
}

func wantPage(t *testing.T, code int, body string, wantCode int, wants ...string) {
	t.Helper()
	if code != wantCode {
		t.Fatalf("status %d, want %d: %.300s", code, wantCode, body)
	}
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

func TestFrameworkBrowserPages(t *testing.T) {
	env := newPagesEnv(t)
	code, body := env.get("", "/frameworks")
	if code != http.StatusSeeOther || !strings.HasPrefix(body, "/login") {
		t.Fatalf("signed out: %d %s", code, body)
	}

	code, body = env.get("viewer", "/frameworks")
	wantPage(t, code, body, 200, `href="/frameworks" aria-current="page"`, "ISO/IEC 27001:2022", "ISO/IEC 42001:2023",
		"NIST", "Regulation (EU) 2024/1689", `role="search"`, `<label for="q">`)
	if strings.Contains(body, `enctype="multipart/form-data"`) {
		t.Error("a viewer is offered the import form")
	}

	code, body = env.get("viewer", "/frameworks?q=supplier")
	wantPage(t, code, body, 200, "A.5.19", `href="/frameworks/iso27001-2022/items/A.5.19"`)
	code, body = env.get("viewer", "/frameworks?q=GOVERN+1.1")
	wantPage(t, code, body, 200, `href="/frameworks/nist-ai-rmf-1.0/items/GOVERN%201.1"`)

	code, body = env.get("viewer", "/frameworks/iso42001-2023")
	wantPage(t, code, body, 200, "<details", "<summary>", "6.1.4", "A.10.3", "Crosswalks")
	if strings.Contains(body, "<details open") {
		t.Error("groups are expanded by default")
	}
	code, body = env.get("viewer", "/frameworks/iso42001-2023?open=all")
	wantPage(t, code, body, 200, "<details open")

	code, body = env.get("viewer", "/frameworks/nist-ai-rmf-1.0/items/GOVERN%201.1")
	wantPage(t, code, body, 200, "GOVERN 1.1", "ISO/IEC 42001:2023", "intersect", "transitive, via nist-ai-rmf-1.0 → iso42001-2023 → iso27001-2022",
		"Provenance: the crosswalk's source document")
	code, body = env.get("viewer", "/frameworks/eu-ai-act-2024-1689/items/Art.5(1)(a)")
	wantPage(t, code, body, 200, "Art.5(1)(a)")
	code, body = env.get("viewer", "/frameworks/eu-ai-act-2024-1689/items/Art.12")
	wantPage(t, code, body, 200, "presumption of conformity", "Annexa editorial", "confidence")
	code, body = env.get("viewer", "/frameworks/iso42001-2023/items/6.1.4")
	wantPage(t, code, body, 200, "No counterpart", "no ISO 27001 equivalent")

	if code, _ := env.get("viewer", "/frameworks/nope"); code != 404 {
		t.Errorf("unknown framework: %d", code)
	}
	if code, _ := env.get("viewer", "/frameworks/iso42001-2023/items/9.9"); code != 404 {
		t.Errorf("unknown item: %d", code)
	}
}

func TestFrameworkImportForm(t *testing.T) {
	env := newPagesEnv(t)
	basic := sharedtest.Read(t, "testdata", "oscal", "basic-catalog.json")
	code, body := env.get("compliance_manager", "/frameworks")
	wantPage(t, code, body, 200, `enctype="multipart/form-data"`, `<label for="document">`)

	if code, _ := env.upload("viewer", true, basic, "basic-demo"); code != http.StatusForbidden {
		t.Fatalf("viewer import: %d", code)
	}
	if code, _ := env.upload("compliance_manager", false, basic, "basic-demo"); code != http.StatusForbidden {
		t.Fatalf("import without the CSRF token: %d", code)
	}
	code, body = env.upload("compliance_manager", true, []byte(`{"catalog": {"uuid": "not-a-uuid"}}`), "bad")
	wantPage(t, code, body, 422, "upload.json", "$.catalog", `role="alert"`)
	if code, _ := env.get("compliance_manager", "/frameworks/bad"); code != 404 {
		t.Fatalf("a refused import was stored: %d", code)
	}

	code, loc := env.upload("compliance_manager", true, basic, "basic-demo")
	if code != http.StatusSeeOther || loc != "/frameworks/basic-demo" {
		t.Fatalf("import: %d %s", code, loc)
	}
	code, body = env.get("viewer", "/frameworks/basic-demo")
	wantPage(t, code, body, 200, "Access control policy", "imported")
	code, body = env.upload("compliance_manager", true, basic, "basic-demo")
	wantPage(t, code, body, http.StatusConflict, "already imported")
	code, body = env.upload("compliance_manager", true, basic, "iso27001-2022")
	wantPage(t, code, body, http.StatusConflict, "built into Annexa")

	// Another organisation never sees it.
	if code, _ := env.get("other", "/frameworks/basic-demo"); code != 404 {
		t.Fatalf("other organisation: %d", code)
	}
	if _, body := env.get("other", "/frameworks"); strings.Contains(body, "basic-demo") {
		t.Fatal("other organisation lists the import")
	}
}
