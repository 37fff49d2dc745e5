package app_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

func TestControlSoAEvidencePages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		tn := s.bootstrap("Acme")
		c, tok := signIn(t, s, tn.users[auth.ComplianceManager].Email, "a long enough password")

		// A control with a link to a requirement that does not exist comes back with the error.
		bad := post(t, c, s.url+"/controls", url.Values{"csrf_token": {tok}, "title": {"Supplier due diligence"}, "status": {"implemented"},
			"links": {"iso27001-2022:A.5.19\niso27001-2022:A.5.99"}})
		if bad.status != 422 || !strings.Contains(bad.body, "A.5.99") || !strings.Contains(bad.body, `value="Supplier due diligence"`) {
			t.Fatalf("bad link: %d %.400s", bad.status, bad.body)
		}
		created := post(t, c, s.url+"/controls", url.Values{"csrf_token": {tok}, "title": {"Supplier due diligence"}, "status": {"implemented"},
			"links": {"iso27001-2022:A.5.19\niso42001-2023:A.10.3"}})
		if created.status != http.StatusSeeOther {
			t.Fatalf("create: %d %.600s", created.status, created.body)
		}
		loc := created.header.Get("Location")
		page := get(t, c, s.url+loc)
		if !strings.Contains(page.body, "Supplier due diligence") || !strings.Contains(page.body, "A.10.3") || !strings.Contains(page.body, "Merge into") {
			t.Fatalf("control page: %d", page.status)
		}
		gen := post(t, c, s.url+"/controls/generate", url.Values{"csrf_token": {tok}, "catalog": {"iso42001-2023"}})
		if gen.status != http.StatusSeeOther {
			t.Fatalf("generate: %d", gen.status)
		}
		if list := get(t, c, s.url+"/controls?generated=true"); strings.Count(list.body, ">Starter<") != 37 {
			t.Fatalf("starters listed: %d", strings.Count(list.body, ">Starter<"))
		}

		// The SoA: a row shows its implementing control; excluding without a reason is refused.
		soaPage := get(t, c, s.url+"/soa/iso27001-2022")
		if soaPage.status != 200 || !strings.Contains(soaPage.body, `id="row-A.5.19"`) || !strings.Contains(soaPage.body, "93 controls") {
			t.Fatalf("soa page: %d", soaPage.status)
		}
		refused := post(t, c, s.url+"/soa/iso27001-2022/entries/A.7.4", url.Values{"csrf_token": {tok}, "applicable": {"no"}, "justification": {""}})
		if refused.status != 422 || !strings.Contains(refused.body, "why the control is excluded") {
			t.Fatalf("exclusion without justification: %d", refused.status)
		}
		ok := post(t, c, s.url+"/soa/iso27001-2022/entries/A.7.4", url.Values{"csrf_token": {tok}, "applicable": {"no"}, "justification": {"No premises of our own."}})
		if ok.status != http.StatusSeeOther {
			t.Fatalf("decide: %d", ok.status)
		}
		if v := post(t, c, s.url+"/soa/iso27001-2022/versions", url.Values{"csrf_token": {tok}, "note": {"first"}}); v.status != http.StatusSeeOther {
			t.Fatalf("version: %d", v.status)
		}
		soaPage = get(t, c, s.url+"/soa/iso27001-2022")
		if !strings.Contains(soaPage.body, "No premises of our own.") || !strings.Contains(soaPage.body, "Approve version 1") {
			t.Fatalf("soa after decision and version")
		}
		// Exports reach the API with the session cookie.
		res, err := c.Get(s.url + "/api/v1/soa/iso27001-2022/export?format=pdf&version=1")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !bytes.HasPrefix(body, []byte("%PDF")) {
			t.Fatalf("pdf from the page: %d", res.StatusCode)
		}

		// Evidence: upload through the form, refuse a path in the name, see the expiry warning.
		up, ct := multipartBody("../secret.txt", []byte("x"), "csrf_token", tok)
		req, _ := http.NewRequest("POST", s.url+"/evidence", bytes.NewReader(up))
		req.Header.Set("Content-Type", ct)
		res, err = c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 422 || !strings.Contains(string(body), "without a path") {
			t.Fatalf("path in the name: %d %.300s", res.StatusCode, body)
		}
		up, ct = multipartBody("certificate.txt", []byte("ISO 27001 certificate"), "csrf_token", tok, "valid_until", "2000-01-01",
			"record_type", "requirement", "record_id", "iso27001-2022:A.5.19")
		req, _ = http.NewRequest("POST", s.url+"/evidence", bytes.NewReader(up))
		req.Header.Set("Content-Type", ct)
		res, err = c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("upload: %d", res.StatusCode)
		}
		item := get(t, c, s.url+res.Header.Get("Location"))
		if !strings.Contains(item.body, "expired on 2000-01-01") || !regexp.MustCompile(`/api/v1/evidence/[^/]+/download`).MatchString(item.body) {
			t.Fatalf("evidence page: %.400s", item.body)
		}
		if list := get(t, c, s.url+"/evidence?expiring_within=30"); !strings.Contains(list.body, "certificate.txt") || !strings.Contains(list.body, "validity-expired") {
			t.Fatalf("expiring list")
		}
		// A viewer sees pages but no forms, and cannot post.
		vc, vtok := signIn(t, s, tn.users[auth.Viewer].Email, "a long enough password")
		if p := get(t, vc, s.url+"/soa/iso27001-2022"); p.status != 200 || strings.Contains(p.body, "Freeze as a new version") {
			t.Fatalf("viewer soa page: %d", p.status)
		}
		if p := post(t, vc, s.url+"/controls", url.Values{"csrf_token": {vtok}, "title": {"x"}}); p.status != 403 {
			t.Fatalf("viewer creates a control: %d", p.status)
		}
	})
}
