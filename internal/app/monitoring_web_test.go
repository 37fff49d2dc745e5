package app_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

var (
	monAlertLink  = regexp.MustCompile(`href="/alerts/([0-9a-f-]{36})"`)
	monMetricLink = regexp.MustCompile(`href="/metrics/([0-9a-f-]{36})"><code>dir_gender</code>`)
)

// monPageSystem registers the public body's CV screening system, owned by the AI system
// owner, with an approved impact assessment for a monitoring alert to set due again.
func monPageSystem(t *testing.T, s *server, tn tenant) string {
	t.Helper()
	cm, owner := tn.tokens[auth.ComplianceManager], tn.tokens[auth.AISystemOwner]
	var sys systemJSON
	if r := s.do("POST", "/api/v1/ai-systems", cm, publicCVScreening(tn.users[auth.AISystemOwner].ID)); r.status != 201 {
		t.Fatalf("register: %d %s", r.status, r.body)
	} else {
		r.json(t, &sys)
	}
	var a assessmentJSON
	s.do("POST", "/api/v1/impact-assessments", owner, map[string]any{"ai_system_id": sys.ID}).json(t, &a)
	path := "/api/v1/impact-assessments/" + a.ID
	for _, step := range []struct{ method, path, token string }{{"PATCH", path, owner}, {"POST", path + "/submit", owner}, {"POST", path + "/approve", cm}} {
		var body any = map[string]any{}
		if step.method == "PATCH" {
			body = completeAssessment
		}
		if r := s.do(step.method, step.path, step.token, body); r.status != 200 {
			t.Fatalf("%s %s: %d %s", step.method, step.path, r.status, r.body)
		}
	}
	return sys.ID
}

// postFileForm posts a multipart form, as a browser uploads a file.
func postFileForm(t *testing.T, c *http.Client, u string, body []byte, contentType string) page {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", contentType)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return page{res.StatusCode, string(b), res.Header}
}

func TestMonitoringPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		tn := s.bootstrap("Acme")
		sysID := monPageSystem(t, s, tn)
		c, tok := signIn(t, s, tn.users[auth.ComplianceManager].Email, "a long enough password")
		base := s.url + "/ai-systems/" + sysID + "/monitoring"

		wants(t, "system page", get(t, c, s.url+"/ai-systems/"+sysID), `href="/ai-systems/`+sysID+`/monitoring"`)
		wants(t, "home before monitoring", get(t, c, s.url+"/"), "Monitoring: no AI system is monitored yet")
		pg := get(t, c, base)
		if pg.status != 200 {
			t.Fatalf("monitoring page: %d", pg.status)
		}
		wants(t, "empty monitoring page", pg, "Nothing is watched on this AI system yet", "Add a metric", `aria-current="page">Monitoring</a>`,
			"Disparate impact ratio (Fairness) — suggested: at least 0.8", "29 CFR 1607.4(D)", "No oversight logged in the last 30 days")
		if strings.Contains(pg.body, "Record a value by hand") {
			t.Error("a system without metrics offers to record a value")
		}

		// A refused metric comes back with every problem named and what was typed.
		metric := url.Values{"csrf_token": {tok}, "name": {"DIR Gender!"}, "measure": {""}, "kind": {""}, "min": {"eight tenths"}}
		bad := post(t, c, s.url+"/ai-systems/"+sysID+"/metrics", metric)
		if bad.status != http.StatusUnprocessableEntity {
			t.Fatalf("bad metric: %d %.1000s", bad.status, bad.body)
		}
		wants(t, "refused metric", bad, "Nothing was saved", "Name: must be 1 to 60 lowercase letters", "Kind: must be one of performance",
			"Minimum: must be a number, such as 0.8.", `value="DIR Gender!"`, `value="eight tenths"`)
		metric = url.Values{"csrf_token": {tok}, "name": {"dir_gender"}, "measure": {"disparate_impact_ratio"}, "flag_assessment": {"yes"}, "raise_nonconformity": {"yes"}}
		if r := post(t, c, s.url+"/ai-systems/"+sysID+"/metrics", metric); r.status != http.StatusSeeOther || r.header.Get("Location") != "/ai-systems/"+sysID+"/monitoring#metrics-h" {
			t.Fatalf("add metric: %d %q %.800s", r.status, r.header.Get("Location"), r.body)
		}
		wants(t, "flash after adding", get(t, c, base), "Metric dir_gender added (Disparate impact ratio). An alert opens when a value is not at least 0.8.")
		if r := post(t, c, s.url+"/ai-systems/"+sysID+"/metrics", metric); r.status != http.StatusConflict || !strings.Contains(r.body, "is already a metric of this AI system") {
			t.Fatalf("a second metric of one name: %d", r.status)
		}
		own := url.Values{"csrf_token": {tok}, "name": {"latency_p95"}, "kind": {"operational"}, "max": {"800"}, "unit": {"ms"}}
		if r := post(t, c, s.url+"/ai-systems/"+sysID+"/metrics", own); r.status != http.StatusSeeOther {
			t.Fatalf("own metric: %d %.800s", r.status, r.body)
		}

		// Values by hand: refused ones name the field; one within bounds, then one below 0.8.
		record := func(form url.Values) page { return post(t, c, s.url+"/ai-systems/"+sysID+"/readings", form) }
		bad = record(url.Values{"csrf_token": {tok}, "metric": {""}, "value": {"high"}})
		if bad.status != http.StatusUnprocessableEntity {
			t.Fatalf("bad reading: %d", bad.status)
		}
		wants(t, "refused reading", bad, "Metric: choose the metric the value is for.", "Value: must be a number, such as 0.75.", `value="high"`)
		bad = record(url.Values{"csrf_token": {tok}, "metric": {"dir_gender"}, "value": {"0.9"}, "reading_at": {"2099-01-01T09:00"}})
		wants(t, "reading in the future", bad, "When: must not be in the future.")
		if r := record(url.Values{"csrf_token": {tok}, "metric": {"dir_gender"}, "value": {"0.91"}, "reading_at": {"2020-01-01T09:00"}}); r.status != http.StatusSeeOther {
			t.Fatalf("reading: %d %.800s", r.status, r.body)
		}
		wants(t, "within bounds", get(t, c, base), "Recorded 0.91 for dir_gender: within its bounds.", `<span class="badge ok">within bounds</span>`)
		if r := record(url.Values{"csrf_token": {tok}, "metric": {"dir_gender"}, "value": {"0.72"}}); r.status != http.StatusSeeOther {
			t.Fatalf("reading: %d %.800s", r.status, r.body)
		}
		pg = get(t, c, base)
		wants(t, "after a breach", pg, "Recorded 0.72 for dir_gender: below the minimum 0.8. An alert is open. The impact assessment is due again. A corrective action was raised.",
			"outside: below the minimum 0.8", `<svg class="sparkline"`, `class="spark-bound"`, `class="spark-breach"`, "Unresolved alerts", "at most 800 ms")
		alert := monAlertLink.FindStringSubmatch(pg.body)
		metricID := monMetricLink.FindStringSubmatch(pg.body)
		if alert == nil || metricID == nil {
			t.Fatalf("no alert or metric link:\n%.3000s", pg.body)
		}
		alertURL, metricURL := s.url+"/alerts/"+alert[1], s.url+"/metrics/"+metricID[1]

		// The overview, the alert list with its filters, and the home page.
		wants(t, "overview", get(t, c, s.url+"/monitoring"), `<strong>1</strong>AI systems monitored`, `<strong>2</strong>metrics`,
			`href="/alerts/`+alert[1]+`">dir_gender: below the minimum 0.8</a>`, `href="/ai-systems/`+sysID+`/monitoring">TalentRank`)
		for _, u := range []string{"/alerts", "/alerts?unresolved=true", "/alerts?status=open&ai_system=" + sysID} {
			wants(t, u, get(t, c, s.url+u), `href="/alerts/`+alert[1]+`"`)
		}
		if p := get(t, c, s.url+"/alerts?status=resolved"); strings.Contains(p.body, alert[1]) || !strings.Contains(p.body, "No alerts match") {
			t.Error("an open alert is listed as resolved")
		}
		if p := get(t, c, s.url+"/alerts?status=forgotten"); p.status != http.StatusUnprocessableEntity {
			t.Fatalf("unknown status filter: %d", p.status)
		}
		wants(t, "home", get(t, c, s.url+"/"), `<a href="/alerts?unresolved=true">Monitoring: <strong>1</strong> unresolved alert on <strong>1</strong> AI system</a>`)

		// The alert says what it set in motion; people acknowledge it, then resolve it with a reason.
		ap := get(t, c, alertURL)
		wants(t, "alert page", ap, "<strong>0.72</strong>", "below the minimum 0.8", `href="/impact-assessments?ai_system=`+sysID+`"`,
			`href="/corrective-actions/`, "Investigate Disparate impact ratio on TalentRank", `href="/metrics/`+metricID[1]+`"`, "Acknowledge", "Resolve the alert")
		opened := versionOf(t, ap)
		if r := post(t, c, alertURL+"/resolve", url.Values{"csrf_token": {tok}, "version": {opened}}); r.status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.body, "Resolution: say why the alert may close") {
			t.Fatalf("resolve without a reason: %d", r.status)
		}
		if r := post(t, c, alertURL+"/acknowledge", url.Values{"csrf_token": {tok}, "version": {opened}}); r.status != http.StatusSeeOther {
			t.Fatalf("acknowledge: %d %.800s", r.status, r.body)
		}
		typed := url.Values{"csrf_token": {tok}, "version": {opened}, "resolution": {"Reweighted the training data"}}
		if r := post(t, c, alertURL+"/resolve", typed); r.status != http.StatusPreconditionFailed || !strings.Contains(r.body, "Someone else acted on this alert") ||
			!strings.Contains(r.body, "Reweighted the training data</textarea>") {
			t.Fatalf("resolve a stale copy: %d", r.status)
		}
		ap = get(t, c, alertURL)
		wants(t, "acknowledged alert", ap, "Acknowledged by", "compliance_manager@acme.test")
		if strings.Contains(ap.body, `action="/alerts/`+alert[1]+`/acknowledge"`) {
			t.Error("an acknowledged alert offers to acknowledge it again")
		}
		typed.Set("version", versionOf(t, ap))
		if r := post(t, c, alertURL+"/resolve", typed); r.status != http.StatusSeeOther {
			t.Fatalf("resolve: %d %.800s", r.status, r.body)
		}
		ap = get(t, c, alertURL)
		wants(t, "resolved alert", ap, "Alert resolved.", "Resolved by", "Reweighted the training data")
		if strings.Contains(ap.body, "Resolve the alert") {
			t.Error("a resolved alert offers to resolve it")
		}
		wants(t, "home after resolving", get(t, c, s.url+"/"), "Monitoring: no unresolved alerts on the 1 AI system monitored")

		// The metric: its history newest first, its bounds changed, refused and cleared.
		mp := get(t, c, metricURL)
		wants(t, "metric page", mp, "four-fifths rule", "<td>0.72</td><td>api</td>", "<td>0.91</td><td>api</td>", "The alert sets the impact assessment due again")
		if strings.Index(mp.body, "<td>0.72</td>") > strings.Index(mp.body, "<td>0.91</td>") {
			t.Error("the history is not newest first")
		}
		edit := url.Values{"csrf_token": {tok}, "version": {versionOf(t, mp)}, "name": {"dir_gender"}, "title": {"Disparate impact ratio by gender"}, "min": {"0.9"}, "max": {"0.5"}}
		if r := post(t, c, metricURL, edit); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Maximum: must not be below min.") ||
			!strings.Contains(r.body, `value="Disparate impact ratio by gender"`) {
			t.Fatalf("bounds out of order: %d", r.status)
		}
		edit.Set("min", "")
		edit.Set("max", "")
		if r := post(t, c, metricURL, edit); r.status != http.StatusSeeOther {
			t.Fatalf("clear the bounds: %d %.800s", r.status, r.body)
		}
		mp = get(t, c, metricURL)
		wants(t, "metric without bounds", mp, "No bounds: values are recorded, no alert opens", "Disparate impact ratio by gender")
		if r := post(t, c, metricURL, edit); r.status != http.StatusPreconditionFailed || !strings.Contains(r.body, "Someone else changed this metric") {
			t.Fatalf("edit a stale copy: %d", r.status)
		}

		// Human oversight: one entry, a file with a bad row (named, nothing logged), a good file.
		oversight := url.Values{"csrf_token": {tok}, "reviewer": {""}, "outcome": {"shrugged"}, "case": {"APP-1"}}
		bad = post(t, c, s.url+"/ai-systems/"+sysID+"/oversight", oversight)
		if bad.status != http.StatusUnprocessableEntity {
			t.Fatalf("bad oversight entry: %d", bad.status)
		}
		wants(t, "refused entry", bad, "Reviewer: must name who oversaw the decision", "Outcome: must be one of confirmed", `value="APP-1"`)
		oversight.Set("reviewer", "Recruiter 7")
		oversight.Set("outcome", "overridden")
		if r := post(t, c, s.url+"/ai-systems/"+sysID+"/oversight", oversight); r.status != http.StatusSeeOther {
			t.Fatalf("oversight entry: %d %.800s", r.status, r.body)
		}
		upload := func(csv string) page {
			body, ct := multipartBody("oversight.csv", []byte(csv), "csrf_token", tok)
			return postFileForm(t, c, s.url+"/ai-systems/"+sysID+"/oversight/import", body, ct)
		}
		bad = upload("reviewer,outcome,case\nRecruiter 9,confirmed,APP-2\n,shrugged,APP-3\n")
		if bad.status != http.StatusUnprocessableEntity {
			t.Fatalf("bad file: %d %.800s", bad.status, bad.body)
		}
		wants(t, "refused file", bad, "Nothing was logged from the file", "Row 3, reviewer: must name who oversaw the decision", "Row 3, outcome: must be one of")
		if r := upload("reviewer,case\nRecruiter 9,APP-9\n"); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "the header lacks the column") {
			t.Fatalf("file without the required column: %d", r.status)
		}
		if r := upload("at,reviewer,case,outcome,note\n2020-01-01,Recruiter 9,APP-0,stopped,Too old to count\n,Recruiter 9,APP-2,confirmed,\n,Recruiter 9,APP-4,confirmed,\n,Recruiter 7,APP-5,escalated,\n"); r.status != http.StatusSeeOther {
			t.Fatalf("file: %d %.800s", r.status, r.body)
		}
		pg = get(t, c, base)
		wants(t, "oversight log", pg, "4 oversight entries logged from oversight.csv.", "<strong>4</strong>entries", "<strong>1</strong>overridden or stopped", "<strong>25.0%</strong>override rate",
			"APP-5", "Recruiter 7")
		if strings.Contains(pg.body, "APP-0") {
			t.Error("an entry older than 30 days is listed")
		}

		// Roles: viewers and auditors read only; an AI system owner watches the system.
		for _, role := range []auth.Role{auth.Viewer, auth.Auditor} {
			rc, rtok := signIn(t, s, tn.users[role].Email, "a long enough password")
			p := get(t, rc, base)
			if p.status != 200 || strings.Contains(p.body, "Add a metric") || strings.Contains(p.body, "Record a value by hand") || strings.Contains(p.body, "Log one entry") {
				t.Fatalf("%s's monitoring page: %d", role, p.status)
			}
			if p := get(t, rc, alertURL); p.status != 200 || strings.Contains(p.body, "Resolve the alert") {
				t.Fatalf("%s's alert page: %d", role, p.status)
			}
			for _, w := range []struct {
				path string
				form url.Values
			}{{"/ai-systems/" + sysID + "/metrics", url.Values{"name": {"x"}, "kind": {"drift"}}}, {"/ai-systems/" + sysID + "/readings", url.Values{"metric": {"latency_p95"}, "value": {"1"}}},
				{"/ai-systems/" + sysID + "/oversight", url.Values{"reviewer": {"x"}, "outcome": {"confirmed"}}}, {"/metrics/" + metricID[1] + "/delete", url.Values{}},
				{"/alerts/" + alert[1] + "/acknowledge", url.Values{}}} {
				w.form.Set("csrf_token", rtok)
				if r := post(t, rc, s.url+w.path, w.form); r.status != http.StatusForbidden {
					t.Errorf("%s posts %s: %d", role, w.path, r.status)
				}
			}
		}
		oc, otok := signIn(t, s, tn.users[auth.AISystemOwner].Email, "a long enough password")
		if r := post(t, oc, s.url+"/ai-systems/"+sysID+"/metrics", url.Values{"csrf_token": {otok}, "name": {"accuracy"}, "measure": {"accuracy"}, "min": {"0.9"}}); r.status != http.StatusSeeOther {
			t.Fatalf("owner adds a metric: %d %.800s", r.status, r.body)
		}
		// …but only on the systems they own, as in the register; the forms are not offered either.
		var theirs systemJSON
		if r := s.do("POST", "/api/v1/ai-systems", tn.tokens[auth.Admin], map[string]any{"name": "Finance forecasting", "owner_id": tn.admin.ID}); r.status != 201 {
			t.Fatalf("register: %d %s", r.status, r.body)
		} else {
			r.json(t, &theirs)
		}
		if r := post(t, oc, s.url+"/ai-systems/"+theirs.ID+"/metrics", url.Values{"csrf_token": {otok}, "name": {"accuracy"}, "measure": {"accuracy"}}); r.status != http.StatusForbidden {
			t.Errorf("owner adds a metric to another's system: %d", r.status)
		}
		if p := get(t, oc, s.url+"/ai-systems/"+theirs.ID+"/monitoring"); p.status != 200 || strings.Contains(p.body, `action="/ai-systems/`+theirs.ID+`/metrics"`) {
			t.Errorf("another's system offers the owner its forms: %d", p.status)
		}

		// Another organisation sees none of it.
		other := s.bootstrap("Other")
		xc, xtok := signIn(t, s, other.admin.Email, "a long enough password")
		for _, u := range []string{base, metricURL, alertURL} {
			if p := get(t, xc, u); p.status != http.StatusNotFound {
				t.Errorf("another organisation's %s: %d", u, p.status)
			}
		}
		if r := post(t, xc, s.url+"/ai-systems/"+sysID+"/metrics", url.Values{"csrf_token": {xtok}, "name": {"x"}, "kind": {"drift"}}); r.status != http.StatusNotFound {
			t.Errorf("a metric on another organisation's system: %d", r.status)
		}
		if r := post(t, xc, metricURL, url.Values{"csrf_token": {xtok}, "name": {"x"}}); r.status != http.StatusNotFound {
			t.Errorf("edit another organisation's metric: %d", r.status)
		}
		if r := post(t, xc, alertURL+"/resolve", url.Values{"csrf_token": {xtok}, "resolution": {"x"}}); r.status != http.StatusNotFound {
			t.Errorf("resolve another organisation's alert: %d", r.status)
		}
		if p := get(t, xc, s.url+"/alerts"); strings.Contains(p.body, alert[1]) {
			t.Error("another organisation lists the alert")
		}
		if p := get(t, xc, s.url+"/monitoring"); strings.Contains(p.body, "TalentRank") {
			t.Error("another organisation's overview shows the system")
		}

		// Removing the metric takes its values and alerts with it.
		mp = get(t, c, metricURL)
		del := regexp.MustCompile(`action="/metrics/[^"]+/delete"[^>]*>\s*<input type="hidden" name="csrf_token" value="[^"]+">\s*<input type="hidden" name="version" value="(\d+)"`).FindStringSubmatch(mp.body)
		if del == nil {
			t.Fatalf("no delete form:\n%.3000s", mp.body)
		}
		if r := post(t, c, metricURL+"/delete", url.Values{"csrf_token": {tok}, "version": {del[1]}}); r.status != http.StatusSeeOther || r.header.Get("Location") != "/ai-systems/"+sysID+"/monitoring#metrics-h" {
			t.Fatalf("delete: %d %q", r.status, r.header.Get("Location"))
		}
		if p := get(t, c, metricURL); p.status != http.StatusNotFound {
			t.Fatalf("a removed metric: %d", p.status)
		}
		if p := get(t, c, alertURL); p.status != http.StatusNotFound {
			t.Fatalf("a removed metric's alert: %d", p.status)
		}
	})
}
