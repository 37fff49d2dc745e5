package web

import (
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/api"
	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

var (
	qnHiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	qnChecked     = regexp.MustCompile(`name="answer" value="([^"]+)" checked`)
	qnTextValue   = regexp.MustCompile(`id="answer-value" name="value" type="text" value="([^"]*)"`)
)

// The register mounts QuestionnaireFor on a system: recorded facts come back as default
// answers, and confirming them all hands the same facts to the save callback.
func TestQuestionnaireForPrefillsAndSaves(t *testing.T) {
	db := storetest.Open(t, storetest.Engines()[0])
	s, err := New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, admin, err := db.Bootstrap(t.Context(), "Acme", auth.NewUser{Email: "admin@acme.test", Password: "a long enough password"}, auditlog.System("test"))
	if err != nil {
		t.Fatal(err)
	}
	secret, sess, err := db.CreateSession(t.Context(), admin.ID, admin.OrgID)
	if err != nil {
		t.Fatal(err)
	}
	recorded := aiact.Facts{Name: "CV screener", Roles: []aiact.Role{aiact.RoleDeployer}, EUNexus: aiact.EUNexus{DeployerEstablishedInEU: true},
		ExcludedPurpose: aiact.ExcludedNone, AnnexIIIUseCases: []aiact.AnnexIIIPoint{"4a"}}
	var saved *QuestionnaireOutcome
	h := s.signedIn(s.QuestionnaireFor(func(r *http.Request, p auth.Principal) (QuestionnaireOptions, error) {
		if r.PathValue("id") != "sys-1" {
			return QuestionnaireOptions{}, fault.New(fault.NotFound, "no such system")
		}
		return QuestionnaireOptions{Action: r.URL.Path, Title: "Classify CV screener", Nav: "ai-systems", Start: &recorded, DoneLabel: "Save classification",
			Done: func(w http.ResponseWriter, r *http.Request, p auth.Principal, o QuestionnaireOutcome) (string, error) {
				saved = &o
				return "/ai-systems/sys-1", nil
			}}, nil
	}))
	s.mux.HandleFunc("GET /mounted/{id}/classify", h)
	s.mux.HandleFunc("POST /mounted/{id}/classify", h)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)

	send := func(method, path string, form url.Values) (int, string, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: secret})
		res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Header.Get("Location")
	}
	if code, _, _ := send("GET", "/mounted/sys-2/classify", nil); code != http.StatusNotFound {
		t.Fatalf("unknown system: %d", code)
	}
	code, body, _ := send("GET", "/mounted/sys-1/classify", nil)
	if code != 200 || !strings.Contains(body, `value="CV screener"`) || !strings.Contains(body, `action="/mounted/sys-1/classify"`) {
		t.Fatalf("first page: %d\n%.1500s", code, body)
	}
	// Confirm every prefilled answer as it stands.
	for step := 0; !strings.Contains(body, "classify-result"); step++ {
		if code != 200 || step > 40 {
			t.Fatalf("step %d: %d\n%.1500s", step, code, body)
		}
		form := url.Values{}
		for _, m := range qnHiddenInput.FindAllStringSubmatch(body, -1) {
			form.Add(m[1], html.UnescapeString(m[2]))
		}
		for _, m := range qnChecked.FindAllStringSubmatch(body, -1) {
			form.Add("answer", m[1])
		}
		if m := qnTextValue.FindStringSubmatch(body); m != nil {
			form.Set("value", html.UnescapeString(m[1]))
		}
		if !form.Has("answer") && !form.Has("value") {
			t.Fatalf("question %s has no prefilled answer", form.Get("q"))
		}
		form.Set("go", "next")
		code, body, _ = send("POST", "/mounted/sys-1/classify", form)
	}
	if !strings.Contains(body, "High risk") || !strings.Contains(body, ">Save classification</button>") {
		t.Fatalf("result page:\n%.2000s", body)
	}
	form := url.Values{}
	for _, m := range qnHiddenInput.FindAllStringSubmatch(body, -1) {
		form.Add(m[1], html.UnescapeString(m[2]))
	}
	form.Set("go", "save")
	without := url.Values{"go": {"save"}}
	for k, v := range form {
		if k != "csrf_token" {
			without[k] = v
		}
	}
	if code, _, _ := send("POST", "/mounted/sys-1/classify", without); code != http.StatusForbidden || saved != nil {
		t.Fatalf("save without the CSRF token: %d, saved %v", code, saved != nil)
	}
	if form.Get("csrf_token") != sess.CSRFToken {
		t.Fatal("the result form does not carry the session's CSRF token")
	}
	code, _, loc := send("POST", "/mounted/sys-1/classify", form)
	if code != http.StatusSeeOther || loc != "/ai-systems/sys-1" || saved == nil {
		t.Fatalf("save: %d → %q, saved %v", code, loc, saved != nil)
	}
	got, _ := json.Marshal(saved.Facts)
	want, _ := json.Marshal(recorded)
	if string(got) != string(want) || len(saved.OpenPoints) != 0 || saved.Result.Tier != aiact.TierHigh {
		t.Fatalf("saved %s (open %v, tier %s), want %s", got, saved.OpenPoints, saved.Result.Tier, want)
	}
}
