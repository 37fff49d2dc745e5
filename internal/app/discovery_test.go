package app_test

import (
	"bytes"
	"mime/multipart"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/discovery"
	"github.com/annexa-dev/annexa/internal/sharedtest"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

type submitResult struct {
	Created, Updated, Remembered int
	Items                        []struct {
		ID, Fingerprint, Name, Status, Outcome string
	}
}

type queued struct {
	ID              string   `json:"id"`
	Name            string   `json:"name"`
	Source          string   `json:"source"`
	Status          string   `json:"status"`
	Technologies    []string `json:"technologies"`
	TimesSeen       int      `json:"times_seen"`
	MergedInto      string   `json:"merged_into"`
	DismissalReason string   `json:"dismissal_reason"`
	Evidence        []struct {
		Path string `json:"path"`
		Line int    `json:"line"`
	} `json:"evidence"`
}

func scanTestRepo(t *testing.T) discovery.Report {
	t.Helper()
	rep, err := discovery.Scan(bg, filepath.Join("..", "discovery", "testdata", "repo"), discovery.Options{Name: "testrepo"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Systems) < 3 {
		t.Fatalf("the test repository gave only %d candidate systems", len(rep.Systems))
	}
	return rep
}

func TestDiscoveryQueueAPI(t *testing.T) {
	rep := scanTestRepo(t)
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		a := s.bootstrap("Acme")
		b := s.bootstrap("Beta")
		admin := a.tokens[auth.Admin]

		// Roles: everyone reads the queue; only inventory writers submit and decide.
		body := map[string]any{"systems": rep.Systems, "findings": rep.Findings}
		for _, role := range auth.Roles {
			r := s.do("POST", "/api/v1/discovery/submissions", a.tokens[role], body)
			want := 200
			if !role.Can(auth.ManageInventory) {
				want = 403
			}
			if r.status != want {
				t.Errorf("submit as %s: %d, want %d: %s", role, r.status, want, r.body)
			}
			if r := s.do("GET", "/api/v1/discovery/candidates", a.tokens[role], nil); r.status != 200 {
				t.Errorf("list as %s: %d", role, r.status)
			}
		}
		for _, role := range []auth.Role{auth.Admin, auth.ComplianceManager, auth.AISystemOwner} {
			if !role.Can(auth.ManageInventory) {
				t.Errorf("%s lacks inventory:write", role)
			}
		}

		// Three submissions of the same scan: one candidate per system, seen three times.
		var page struct {
			Items      []queued `json:"items"`
			NextCursor string   `json:"next_cursor"`
		}
		s.do("GET", "/api/v1/discovery/candidates?limit=1000", admin, nil).json(t, &page)
		if len(page.Items) != len(rep.Systems) {
			t.Fatalf("%d candidates after three identical submissions of %d systems", len(page.Items), len(rep.Systems))
		}
		for _, c := range page.Items {
			if c.TimesSeen != 3 || c.Status != "new" || c.Source != "code" || len(c.Evidence) == 0 {
				t.Fatalf("candidate after re-submissions: %+v", c)
			}
		}
		first, second := page.Items[0], page.Items[1]

		// Filters and pages.
		s.do("GET", "/api/v1/discovery/candidates?limit=1", admin, nil).json(t, &page)
		if len(page.Items) != 1 || page.NextCursor == "" {
			t.Fatalf("first page of one: %+v", page)
		}
		if r := s.do("GET", "/api/v1/discovery/candidates?status=maybe", admin, nil); r.status != 422 || !r.problem(t).names("status") {
			t.Fatalf("bad status filter: %d %s", r.status, r.body)
		}
		s.do("GET", "/api/v1/discovery/candidates?q="+first.Technologies[0]+"&source=code", admin, nil).json(t, &page)
		if len(page.Items) == 0 {
			t.Fatalf("search for %s found nothing", first.Technologies[0])
		}

		// Dismissal is remembered across a re-submission.
		if r := s.do("POST", "/api/v1/discovery/candidates/"+first.ID+"/dismiss", admin, map[string]any{"reason": ""}); r.status != 422 || !r.problem(t).names("reason") {
			t.Fatalf("dismiss without a reason: %d %s", r.status, r.body)
		}
		if r := s.do("POST", "/api/v1/discovery/candidates/"+first.ID+"/dismiss", a.tokens[auth.Viewer], map[string]any{"reason": "x"}); r.status != 403 {
			t.Fatalf("viewer dismisses: %d", r.status)
		}
		var d queued
		r := s.do("POST", "/api/v1/discovery/candidates/"+first.ID+"/dismiss", a.tokens[auth.AISystemOwner], map[string]any{"reason": "example code, never deployed"})
		if r.status != 200 {
			t.Fatalf("dismiss: %d %s", r.status, r.body)
		}
		r.json(t, &d)
		if d.Status != "dismissed" || d.DismissalReason != "example code, never deployed" {
			t.Fatalf("dismissed: %+v", d)
		}
		var again submitResult
		s.do("POST", "/api/v1/discovery/submissions", admin, map[string]any{"systems": rep.Systems}).json(t, &again)
		if again.Created != 0 || again.Remembered != 1 || again.Updated != len(rep.Systems)-1 {
			t.Fatalf("re-submission after a dismissal: %+v", again)
		}
		s.do("GET", "/api/v1/discovery/candidates/"+first.ID, admin, nil).json(t, &d)
		if d.Status != "dismissed" {
			t.Fatalf("a re-scan revived a dismissed candidate: %+v", d)
		}

		// Merge.
		third := rep.Systems[2]
		var thirdID string
		for _, it := range again.Items {
			if it.Fingerprint == third.Fingerprint {
				thirdID = it.ID
			}
		}
		if thirdID == "" || thirdID == second.ID {
			thirdID = again.Items[len(again.Items)-1].ID
		}
		if thirdID == first.ID || thirdID == second.ID {
			t.Fatal("could not pick a third candidate")
		}
		var target queued
		r = s.do("POST", "/api/v1/discovery/candidates/"+thirdID+"/merge", admin, map[string]any{"into": second.ID})
		if r.status != 200 {
			t.Fatalf("merge: %d %s", r.status, r.body)
		}
		r.json(t, &target)
		if target.ID != second.ID || len(target.Evidence) <= len(second.Evidence) {
			t.Fatalf("merge target did not gain evidence: %d → %d", len(second.Evidence), len(target.Evidence))
		}
		if r := s.do("POST", "/api/v1/discovery/candidates/"+thirdID+"/merge", admin, map[string]any{"into": second.ID}); r.status != 409 {
			t.Fatalf("merge twice: %d", r.status)
		}

		// Accepting registers the system, owned by the AI system owner who accepted it.
		if r := s.do("POST", "/api/v1/discovery/candidates/"+second.ID+"/accept", a.tokens[auth.Viewer], nil); r.status != 403 {
			t.Fatalf("viewer accepts: %d", r.status)
		}
		if r := s.do("POST", "/api/v1/discovery/candidates/"+second.ID+"/accept", b.tokens[auth.Admin], nil); r.status != 404 {
			t.Fatalf("Beta accepts Acme's candidate: %d", r.status)
		}
		var acc struct {
			Candidate queued `json:"candidate"`
			System    struct {
				ID      string `json:"id"`
				Name    string `json:"name"`
				OwnerID string `json:"owner_id"`
			} `json:"system"`
			Created bool `json:"created"`
		}
		r = s.do("POST", "/api/v1/discovery/candidates/"+second.ID+"/accept", a.tokens[auth.AISystemOwner], nil)
		if r.status != 200 {
			t.Fatalf("accept: %d %s", r.status, r.body)
		}
		r.json(t, &acc)
		if !acc.Created || acc.System.Name != second.Name || acc.System.OwnerID != a.users[auth.AISystemOwner].ID || acc.Candidate.Status != "accepted" {
			t.Fatalf("accepted: %+v", acc)
		}
		if r := s.do("GET", "/api/v1/ai-systems/"+acc.System.ID, admin, nil); r.status != 200 {
			t.Fatalf("the accepted system is not in the register: %d", r.status)
		}
		if r := s.do("POST", "/api/v1/discovery/candidates/"+second.ID+"/accept", admin, map[string]any{}); r.status != 409 {
			t.Fatalf("accept twice: %d %s", r.status, r.body)
		}

		// Bad submissions name the field.
		bad := rep.Systems[0]
		bad.Source = "carrier-pigeon"
		if r := s.do("POST", "/api/v1/discovery/submissions", admin, map[string]any{"systems": []any{bad}}); r.status != 422 || !r.problem(t).names("systems[0].source") {
			t.Fatalf("bad source: %d %s", r.status, r.body)
		}
		if r := s.do("POST", "/api/v1/discovery/submissions", admin, map[string]any{}); r.status != 422 {
			t.Fatalf("empty submission: %d", r.status)
		}
		if r := s.do("POST", "/api/v1/discovery/submissions", admin, `{"systems": [], "extra": 1}`); r.status != 422 || !r.problem(t).names("extra") {
			t.Fatalf("unknown field: %d %s", r.status, r.body)
		}

		// Organisation isolation: Beta sees none of it and cannot touch it.
		bAdmin := b.tokens[auth.Admin]
		for _, req := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/v1/discovery/candidates/" + second.ID, nil},
			{"POST", "/api/v1/discovery/candidates/" + second.ID + "/dismiss", map[string]any{"reason": "x"}},
			{"POST", "/api/v1/discovery/candidates/" + second.ID + "/merge", map[string]any{"into": second.ID + "x"}},
		} {
			if r := s.do(req.method, req.path, bAdmin, req.body); r.status != 404 {
				t.Errorf("%s %s from Beta: %d %s", req.method, req.path, r.status, r.body)
			}
		}
		s.do("GET", "/api/v1/discovery/candidates", bAdmin, nil).json(t, &page)
		if len(page.Items) != 0 {
			t.Fatalf("Beta sees %d of Acme's candidates", len(page.Items))
		}
	})
}

func TestDiscoveryImportsAPI(t *testing.T) {
	s := start(t, storetest.Engines()[0])
	a := s.bootstrap("Acme")
	admin := a.tokens[auth.Admin]
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	type report struct {
		Kind, File, Format string
		Read, Matched      int
		Candidates         []discovery.Candidate
		Warnings           []discovery.Warning
		Queue              submitResult
	}

	// A SaaS list as the raw body.
	var rep report
	r := s.do("POST", "/api/v1/discovery/imports?kind=saas&name=okta.csv", admin, read("../discovery/testdata/saas/okta-apps.csv"), "Content-Type", "text/csv")
	if r.status != 200 {
		t.Fatalf("saas import: %d %s", r.status, r.body)
	}
	r.json(t, &rep)
	if rep.File != "okta.csv" || rep.Matched == 0 || len(rep.Candidates) == 0 || rep.Queue.Created != len(rep.Candidates) {
		t.Fatalf("saas import: %+v", rep)
	}

	// An egress log as a multipart form, as browsers and curl -F send it.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "access.log")
	fw.Write(read("../discovery/testdata/egress/access.log"))
	mw.Close()
	r = s.do("POST", "/api/v1/discovery/imports?kind=egress", admin, buf.Bytes(), "Content-Type", mw.FormDataContentType())
	if r.status != 200 {
		t.Fatalf("egress import: %d %s", r.status, r.body)
	}
	r.json(t, &rep)
	if rep.File != "access.log" || rep.Format != "squid" || len(rep.Candidates) == 0 || rep.Candidates[0].Usage == nil {
		t.Fatalf("egress import: %+v", rep)
	}

	// An SBOM; the same file again changes no count of candidates.
	sbom := read("../discovery/testdata/sbom/app-spdx-2.3.json")
	s.do("POST", "/api/v1/discovery/imports?kind=sbom&name=app.spdx.json", admin, sbom).json(t, &rep)
	if len(rep.Candidates) == 0 || rep.Queue.Created == 0 {
		t.Fatalf("sbom import: %+v", rep)
	}
	s.do("POST", "/api/v1/discovery/imports?kind=sbom&name=app.spdx.json", admin, sbom).json(t, &rep)
	if rep.Queue.Created != 0 || rep.Queue.Updated == 0 {
		t.Fatalf("sbom re-import: %+v", rep.Queue)
	}

	// The published ML-BOM with a trailing comma: 422 naming the file and the line.
	broken := read(filepath.Join(sharedtest.Dir(t), "testdata/cyclonedx/mlbom-open-source-model-1.6-trailing-comma.json"))
	r = s.do("POST", "/api/v1/discovery/imports?kind=sbom&name=bert.json", admin, broken)
	if r.status != 422 {
		t.Fatalf("broken SBOM: %d %s", r.status, r.body)
	}
	p := r.problem(t)
	if !p.names("file") || !strings.Contains(p.Errors[0].Message, "bert.json") || !strings.Contains(p.Errors[0].Message, "line ") {
		t.Fatalf("broken SBOM problem does not name file and line: %+v", p)
	}

	for _, tc := range []struct {
		query, field string
		body         []byte
	}{
		{"", "kind", []byte("x")},
		{"?kind=pdf", "kind", []byte("x")},
		{"?kind=saas", "file", []byte("   ")},
		{"?kind=saas", "file", []byte("colour,size\nred,10\n")},
		{"?kind=egress&format=syslog", "file", []byte("a b c\n")},
		{"?kind=sbom", "file", []byte(`{"hello": "world"}`)},
	} {
		r := s.do("POST", "/api/v1/discovery/imports"+tc.query, admin, tc.body)
		if r.status != 422 || !r.problem(t).names(tc.field) {
			t.Errorf("import%s %q: %d %s", tc.query, tc.body, r.status, r.body)
		}
	}
	if r := s.do("POST", "/api/v1/discovery/imports?kind=saas", a.tokens[auth.Auditor], []byte("name\nZoom\n")); r.status != 403 {
		t.Fatalf("auditor imports: %d", r.status)
	}
}

// addDiscoveryCalls prepares TestOpenAPIMatchesServer's calls of the review-queue operations:
// one candidate to read and merge into, one to merge, one to dismiss, one to accept.
func addDiscoveryCalls(t *testing.T, s *server, tn tenant, bodies map[string]any, ids map[string]map[string]string, query map[string]string) {
	t.Helper()
	queue, err := s.main.DB.SubmitCandidates(bg, tn.org.ID, []discovery.Candidate{
		{Fingerprint: "oa-1", Name: "one", Source: discovery.SourceCode, Confidence: discovery.ConfidenceHigh},
		{Fingerprint: "oa-2", Name: "two", Source: discovery.SourceSBOM, Confidence: discovery.ConfidenceMedium},
		{Fingerprint: "oa-3", Name: "three", Source: discovery.SourceSaaS, Confidence: discovery.ConfidenceLow},
		{Fingerprint: "oa-5", Name: "HireVue", Source: discovery.SourceSaaS, Confidence: discovery.ConfidenceHigh, AnnexIII: []string{"AnnexIII.4(a)"}, LikelyRole: "deployer"},
	}, sys)
	if err != nil {
		t.Fatal(err)
	}
	one, two, three, four := queue.Items[0].ID, queue.Items[1].ID, queue.Items[2].ID, queue.Items[3].ID
	bodies["POST /api/v1/discovery/candidates/{id}/accept"] = map[string]any{}
	ids["POST /api/v1/discovery/candidates/{id}/accept"] = map[string]string{"id": four}
	bodies["POST /api/v1/discovery/submissions"] = map[string]any{"candidates": []any{map[string]any{"fingerprint": "oa-4", "name": "four",
		"source": "egress", "confidence": "high", "technologies": []string{"openai"}, "evidence": []any{}}}}
	bodies["POST /api/v1/discovery/imports"] = "name,domain\nZoom,zoom.us\n"
	bodies["POST /api/v1/discovery/candidates/{id}/merge"] = map[string]any{"into": one}
	bodies["POST /api/v1/discovery/candidates/{id}/dismiss"] = map[string]any{"reason": "drift test"}
	ids["GET /api/v1/discovery/candidates/{id}"] = map[string]string{"id": one}
	ids["POST /api/v1/discovery/candidates/{id}/merge"] = map[string]string{"id": two}
	ids["POST /api/v1/discovery/candidates/{id}/dismiss"] = map[string]string{"id": three}
	query["POST /api/v1/discovery/imports"] = "?kind=saas"
}
