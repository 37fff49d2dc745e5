package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/annexa-dev/annexa/internal/api"
	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/discovery"
	"github.com/annexa-dev/annexa/internal/sharedtest"
)

// post sends a form as a signed-in browser; withCSRF false leaves the token out.
func (env *pagesEnv) post(who, path string, withCSRF bool, form url.Values) (int, string) {
	env.t.Helper()
	if withCSRF {
		form.Set("csrf_token", env.as[who].csrf)
	}
	req, _ := http.NewRequest("POST", env.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: env.as[who].cookie})
	return env.send(req)
}

func (env *pagesEnv) importFile(who, kind, name string, data []byte) (int, string) {
	env.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf_token", env.as[who].csrf)
	mw.WriteField("kind", kind)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", env.srv.URL+"/discovery/import", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: env.as[who].cookie})
	return env.send(req)
}

func TestDiscoveryQueuePages(t *testing.T) {
	env := newPagesEnv(t)
	acme, err := env.db.OrganisationByName(bg, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	sys := auditlog.System("test")
	hire := discovery.Candidate{Fingerprint: "saas-hirevue", Name: "HireVue", Source: discovery.SourceSaaS, Location: "okta.csv",
		Technologies: []string{"hirevue"}, Vendor: "HireVue Inc", SuggestedSourcing: discovery.SourcingThirdParty, Confidence: discovery.ConfidenceHigh,
		Purpose: "Scores recorded video interviews", AnnexIII: []string{"AnnexIII.4(a)"}, LikelyRole: "deployer",
		Evidence: []discovery.Finding{{Path: "okta.csv", Line: 3, Kind: discovery.KindSaaSApp, Technology: "hirevue", Evidence: "HireVue", Confidence: discovery.ConfidenceHigh}}}
	bot := discovery.Candidate{Fingerprint: "code-bot", Name: "acme/support-bot", Source: discovery.SourceCode, Location: "support-bot",
		Technologies: []string{"openai"}, SuggestedSourcing: discovery.SourcingInternal, Confidence: discovery.ConfidenceHigh,
		Evidence: []discovery.Finding{{Path: "support-bot/requirements.txt", Line: 4, Kind: discovery.KindDependency, Technology: "openai", Evidence: "openai==1.40", Confidence: discovery.ConfidenceHigh}}}
	egress := discovery.Candidate{Fingerprint: "egress-openai", Name: "OpenAI API (observed)", Source: discovery.SourceEgress, Location: "access.log",
		Technologies: []string{"openai"}, Confidence: discovery.ConfidenceHigh,
		Usage: &discovery.Usage{Requests: 12, Bytes: 3400, Hosts: []string{"api.openai.com"}, Clients: []discovery.ClientUsage{{Client: "10.1.2.3", Requests: 12, Bytes: 3400}}}}
	res, err := env.db.SubmitCandidates(bg, acme.ID, []discovery.Candidate{hire, bot, egress}, sys)
	if err != nil {
		t.Fatal(err)
	}
	hireID, botID, egressID := res.Items[0].ID, res.Items[1].ID, res.Items[2].ID

	// Without a session: to the sign-in page.
	if code, loc := env.get("", "/discovery"); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
		t.Fatalf("anonymous: %d %s", code, loc)
	}

	// The queue with evidence, hints and the decision forms, each carrying the CSRF token.
	code, body := env.get("compliance_manager", "/discovery")
	wantPage(t, code, body, 200, "HireVue", "okta.csv:3", "support-bot/requirements.txt:4", "openai==1.40", "4(a)", "deployer",
		"Scores recorded video interviews", "12 requests", "api.openai.com", `action="/discovery/`+hireID+`/accept"`,
		`action="/discovery/`+hireID+`/dismiss"`, `action="/discovery/`+hireID+`/merge"`, `name="csrf_token" value="`+env.as["compliance_manager"].csrf+`"`,
		`href="/discovery" aria-current="page"`, `enctype="multipart/form-data"`, `<label for="c-`+hireID+`-reason">`)
	code, body = env.get("compliance_manager", "/discovery?q=hirevue")
	wantPage(t, code, body, 200, "HireVue")
	if strings.Contains(body, `id="c-`+botID+`"`) {
		t.Error("the search shows a candidate that does not match")
	}
	if code, _ := env.get("compliance_manager", "/discovery?status=maybe"); code != 422 {
		t.Errorf("bad status filter: %d", code)
	}

	// A viewer reads the queue but gets no forms and may not decide.
	code, body = env.get("viewer", "/discovery")
	wantPage(t, code, body, 200, "HireVue")
	if strings.Contains(body, "/accept") || strings.Contains(body, `id="import"`) {
		t.Error("a viewer is offered decisions")
	}
	if code, _ := env.post("viewer", "/discovery/"+hireID+"/dismiss", true, url.Values{"reason": {"no"}}); code != 403 {
		t.Errorf("viewer dismisses: %d", code)
	}
	// Another organisation sees nothing and cannot decide.
	code, body = env.get("other", "/discovery")
	wantPage(t, code, body, 200, "Nothing waits for review")
	if strings.Contains(body, "HireVue") {
		t.Error("another organisation sees Acme's candidates")
	}
	if code, _ := env.post("other", "/discovery/"+hireID+"/dismiss", true, url.Values{"reason": {"no"}}); code != 404 {
		t.Errorf("another organisation dismisses: %d", code)
	}

	// CSRF, then a dismissal without a reason, then with one.
	if code, _ := env.post("compliance_manager", "/discovery/"+botID+"/dismiss", false, url.Values{"reason": {"x"}}); code != 403 {
		t.Errorf("dismiss without the CSRF token: %d", code)
	}
	code, body = env.post("compliance_manager", "/discovery/"+botID+"/dismiss", true, url.Values{"reason": {" "}, "back": {"/discovery?source=code"}})
	wantPage(t, code, body, 422, "reason", "support-bot")
	code, loc := env.post("compliance_manager", "/discovery/"+botID+"/dismiss", true, url.Values{"reason": {"a demo, never deployed"}, "back": {"/discovery?source=code"}})
	if code != http.StatusSeeOther || loc != "/discovery?source=code" {
		t.Fatalf("dismiss: %d %s", code, loc)
	}
	code, body = env.get("compliance_manager", "/discovery?status=dismissed")
	wantPage(t, code, body, 200, "support-bot", "a demo, never deployed", "cm@acme.test")

	// Merge the observed traffic into the HireVue candidate (a contrived pair, but any two do).
	if code, loc := env.post("compliance_manager", "/discovery/"+egressID+"/merge", true, url.Values{"into": {hireID}, "back": {"https://evil.example/"}}); code != http.StatusSeeOther || loc != "/discovery" {
		t.Fatalf("merge: %d %s", code, loc)
	}
	if c, _ := env.db.DiscoveryCandidate(bg, acme.ID, egressID); c.Status != discovery.StatusMerged || c.MergedInto != hireID {
		t.Fatalf("merged: %+v", c)
	}

	// Accept registers the system and links the candidate to it.
	if code, loc := env.post("compliance_manager", "/discovery/"+hireID+"/accept", true, url.Values{"system_id": {""}}); code != http.StatusSeeOther {
		t.Fatalf("accept: %d %s", code, loc)
	}
	c, _ := env.db.DiscoveryCandidate(bg, acme.ID, hireID)
	if c.Status != discovery.StatusAccepted || c.SystemID == "" {
		t.Fatalf("accepted: %+v", c)
	}
	if s, err := env.db.System(bg, acme.ID, c.SystemID); err != nil || s.Name != "HireVue" {
		t.Fatalf("system: %+v %v", s, err)
	}
	code, body = env.get("compliance_manager", "/discovery?status=accepted")
	wantPage(t, code, body, 200, "HireVue", `href="/ai-systems/`+c.SystemID+`"`)
	code, body = env.post("compliance_manager", "/discovery/"+hireID+"/accept", true, url.Values{})
	wantPage(t, code, body, 409, "already accepted")
}

func TestDiscoveryImportForm(t *testing.T) {
	env := newPagesEnv(t)
	okta, err := os.ReadFile(filepath.Join("..", "discovery", "testdata", "saas", "okta-apps.csv"))
	if err != nil {
		t.Fatal(err)
	}
	code, body := env.importFile("compliance_manager", "saas", "okta-apps.csv", okta)
	wantPage(t, code, body, 200, "okta-apps.csv", "new", "HireVue")
	code, body = env.importFile("compliance_manager", "saas", "okta-apps.csv", okta)
	wantPage(t, code, body, 200, "0 new")

	broken, err := os.ReadFile(filepath.Join(sharedtest.Dir(t), "testdata", "cyclonedx", "mlbom-open-source-model-1.6-trailing-comma.json"))
	if err != nil {
		t.Fatal(err)
	}
	code, body = env.importFile("compliance_manager", "sbom", "bert.json", broken)
	wantPage(t, code, body, 422, "bert.json", "line ", `role="alert"`)
	code, body = env.importFile("compliance_manager", "", "x.csv", okta)
	wantPage(t, code, body, 422, "choose what kind of file")
	if code, _ := env.importFile("viewer", "saas", "okta-apps.csv", okta); code != 403 {
		t.Errorf("viewer imports: %d", code)
	}
	// The other organisation's queue stays empty.
	code, body = env.get("other", "/discovery")
	wantPage(t, code, body, 200)
	if strings.Contains(body, "HireVue") {
		t.Error("an import leaked into another organisation")
	}
}
