package app_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"mime/multipart"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/xuri/excelize/v2"

	"github.com/annexa-dev/annexa/internal/app"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/sharedtest"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

// multipartBody builds an evidence upload: the file under "file" and the fields.
func multipartBody(name string, data []byte, fields ...string) ([]byte, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		_ = mw.WriteField(fields[i], fields[i+1])
	}
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

func (s *server) upload(path, token, name string, data []byte, fields ...string) response {
	s.t.Helper()
	body, ct := multipartBody(name, data, fields...)
	return s.do("POST", path, token, body, "Content-Type", ct)
}

type controlJSON struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	Generated bool   `json:"generated"`
	Version   int64  `json:"version"`
	Links     []struct{ Catalog, Item string }
}

type soaJSON struct {
	Catalog string `json:"catalog"`
	Entries []struct {
		ItemID        string `json:"item_id"`
		State         string `json:"state"`
		Applicable    *bool  `json:"applicable"`
		Justification string `json:"justification"`
		Controls      []struct {
			ID string `json:"id"`
		} `json:"controls"`
		Evidence []struct {
			ID       string `json:"id"`
			Validity string `json:"validity"`
		} `json:"evidence"`
		ImplementationStatus string `json:"implementation_status"`
	} `json:"entries"`
	Summary struct {
		Total, Applicable, Excluded, Undecided, Proposed int
	} `json:"summary"`
}

func TestControlsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		acme := s.bootstrap("Acme")
		other := s.bootstrap("Other")
		admin, viewer, owner := acme.tokens[auth.Admin], acme.tokens[auth.Viewer], acme.tokens[auth.AISystemOwner]
		body := map[string]any{"title": "Supplier security and AI due diligence", "status": "implemented",
			"links": []map[string]string{{"catalog": "iso27001-2022", "item": "A.5.19"}, {"catalog": "iso42001-2023", "item": "A.10.3"}}}
		// Roles: readers and AI system owners may not write the control set.
		for _, tok := range []string{viewer, owner, acme.tokens[auth.Auditor]} {
			if r := s.do("POST", "/api/v1/controls", tok, body); r.status != 403 {
				t.Fatalf("control create by a reader: %d", r.status)
			}
		}
		r := s.do("POST", "/api/v1/controls", acme.tokens[auth.ComplianceManager], body)
		if r.status != 201 || r.header.Get("ETag") != `"v1"` {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		var c controlJSON
		r.json(t, &c)
		// Linking to a requirement that does not exist: 422 naming the link, nothing stored.
		bad := map[string]any{"title": "Bad", "links": []map[string]string{{"catalog": "iso27001-2022", "item": "A.5.1"}, {"catalog": "iso27001-2022", "item": "A.9.9"}}}
		r = s.do("POST", "/api/v1/controls", admin, bad)
		if p := r.problem(t); r.status != 422 || !p.names("links[1]") {
			t.Fatalf("nonexistent requirement: %d %s", r.status, r.body)
		}
		var list struct{ Items []controlJSON }
		s.do("GET", "/api/v1/controls", viewer, nil).json(t, &list)
		if len(list.Items) != 1 {
			t.Fatalf("a refused control was stored: %d", len(list.Items))
		}
		// Stale If-Match.
		if r := s.do("PATCH", "/api/v1/controls/"+c.ID, admin, map[string]any{"status": "partial"}, "If-Match", `"v9"`); r.status != 412 {
			t.Fatalf("stale patch: %d", r.status)
		}
		// Another organisation: 404, never 403.
		if r := s.do("GET", "/api/v1/controls/"+c.ID, other.tokens[auth.Admin], nil); r.status != 404 {
			t.Fatalf("cross-organisation read: %d", r.status)
		}
		if r := s.do("PATCH", "/api/v1/controls/"+c.ID, other.tokens[auth.Admin], map[string]any{"status": "partial"}); r.status != 404 {
			t.Fatalf("cross-organisation patch: %d", r.status)
		}
		// Generate starters, filter them, merge one in.
		var gen struct {
			Created []controlJSON
			Skipped int
		}
		r = s.do("POST", "/api/v1/controls/generate", admin, map[string]string{"catalog": "iso42001-2023"})
		r.json(t, &gen)
		if r.status != 200 || len(gen.Created) != 37 || gen.Skipped != 1 || !gen.Created[0].Generated {
			t.Fatalf("generate: %d %d %d", r.status, len(gen.Created), gen.Skipped)
		}
		if r := s.do("POST", "/api/v1/controls/generate", admin, map[string]string{"catalog": "nist-ai-rmf-1.0"}); r.problem(t).names("catalog") != true {
			t.Fatalf("generate from a catalog without controls: %s", r.body)
		}
		s.do("GET", "/api/v1/controls?generated=true&limit=1000", viewer, nil).json(t, &list)
		if len(list.Items) != 37 {
			t.Fatalf("generated filter: %d", len(list.Items))
		}
		s.do("GET", "/api/v1/controls?catalog=iso42001-2023&item=A.10.3", viewer, nil).json(t, &list)
		if len(list.Items) != 1 || list.Items[0].ID != c.ID {
			t.Fatalf("requirement filter: %+v", list.Items)
		}
		var merged controlJSON
		r = s.do("POST", "/api/v1/controls/"+gen.Created[0].ID+"/merge", admin, map[string]string{"into": c.ID})
		r.json(t, &merged)
		if r.status != 200 || len(merged.Links) != 3 {
			t.Fatalf("merge: %d %s", r.status, r.body)
		}
		if r := s.do("GET", "/api/v1/controls/"+gen.Created[0].ID, admin, nil); r.status != 404 {
			t.Fatalf("merged control remains: %d", r.status)
		}
		var log struct {
			Items []struct{ Action, RecordType string }
		}
		s.do("GET", "/api/v1/audit-log?record_type=control&record_id="+c.ID, admin, nil).json(t, &log)
		if len(log.Items) != 2 {
			t.Fatalf("audit of the control: %+v", log.Items)
		}
	})
}

func TestSoAAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		acme := s.bootstrap("Acme")
		other := s.bootstrap("Other")
		admin, cm, viewer := acme.tokens[auth.Admin], acme.tokens[auth.ComplianceManager], acme.tokens[auth.Viewer]
		var st soaJSON
		r := s.do("GET", "/api/v1/soa/iso27001-2022", viewer, nil)
		r.json(t, &st)
		if r.status != 200 || len(st.Entries) != 93 || st.Summary.Undecided != 93 {
			t.Fatalf("empty SoA: %d %d %+v", r.status, len(st.Entries), st.Summary)
		}
		if r := s.do("GET", "/api/v1/soa/nist-ai-rmf-1.0", viewer, nil); r.status != 404 {
			t.Fatalf("SoA of a catalog without controls: %d", r.status)
		}
		// Excluding without a justification: 422 naming it, nothing changed.
		r = s.do("PUT", "/api/v1/soa/iso27001-2022/entries/A.7.1", cm, map[string]any{"applicable": false, "justification": "  "})
		if p := r.problem(t); r.status != 422 || !p.names("justification") {
			t.Fatalf("exclusion without justification: %d %s", r.status, r.body)
		}
		r = s.do("PUT", "/api/v1/soa/iso27001-2022/entries/A.7.1", cm, map[string]any{"justification": "why"})
		if p := r.problem(t); r.status != 422 || !p.names("applicable") {
			t.Fatalf("decision without applicability: %d %s", r.status, r.body)
		}
		if r := s.do("PUT", "/api/v1/soa/iso27001-2022/entries/A.7.1", viewer, map[string]any{"applicable": true, "justification": "x"}); r.status != 403 {
			t.Fatalf("viewer decides: %d", r.status)
		}
		s.do("GET", "/api/v1/soa/iso27001-2022", viewer, nil).json(t, &st)
		if st.Summary.Undecided != 93 {
			t.Fatalf("a refused decision changed the SoA: %+v", st.Summary)
		}
		// A control and evidence show up in the row.
		var c controlJSON
		s.do("POST", "/api/v1/controls", cm, map[string]any{"title": "Physical perimeter", "status": "implemented",
			"links": []map[string]string{{"catalog": "iso27001-2022", "item": "A.7.1"}}}).json(t, &c)
		ev := s.upload("/api/v1/evidence", cm, "badge-audit.txt", []byte("door audit 2026"), "record_type", "control", "record_id", c.ID, "valid_until", "2099-01-01")
		if ev.status != 201 {
			t.Fatalf("evidence: %d %s", ev.status, ev.body)
		}
		for i, item := range []string{"A.5.1", "A.7.1"} {
			r := s.do("PUT", "/api/v1/soa/iso27001-2022/entries/"+item, cm, map[string]any{"applicable": true, "justification": "Required by our risk treatment plan."},
				"If-Match", `"v0"`)
			if r.status != 200 || r.header.Get("ETag") != `"v1"` {
				t.Fatalf("decide %d: %d %s", i, r.status, r.body)
			}
		}
		s.do("GET", "/api/v1/soa/iso27001-2022", viewer, nil).json(t, &st)
		for _, en := range st.Entries {
			if en.ItemID == "A.7.1" && (len(en.Controls) != 1 || len(en.Evidence) != 1 || en.ImplementationStatus != "implemented") {
				t.Fatalf("row A.7.1: %+v", en)
			}
		}
		// Versions: prepare, four eyes refuses the preparer, another approves.
		r = s.do("POST", "/api/v1/soa/iso27001-2022/versions", cm, map[string]string{"note": "draft for review"})
		if r.status != 201 {
			t.Fatalf("version: %d %s", r.status, r.body)
		}
		if r := s.do("POST", "/api/v1/soa/iso27001-2022/approve", admin, map[string]int{"version": 1}); r.status != 422 || !r.problem(t).names("entries") {
			t.Fatalf("approving an incomplete SoA: %d %s", r.status, r.body)
		}
		for _, en := range st.Entries {
			if en.State != "decided" {
				s.do("PUT", "/api/v1/soa/iso27001-2022/entries/"+en.ItemID, cm, map[string]any{"applicable": false, "justification": "Not relevant to our scope."})
			}
		}
		if r := s.do("POST", "/api/v1/soa/iso27001-2022/versions", cm, nil); r.status != 201 {
			t.Fatalf("version 2: %d %s", r.status, r.body)
		}
		if r := s.do("PATCH", "/api/v1/soa-settings", cm, map[string]any{"four_eyes": true}); r.status != 403 {
			t.Fatalf("a compliance manager lifts four eyes: %d", r.status)
		}
		if r := s.do("PATCH", "/api/v1/soa-settings", admin, map[string]any{"four_eyes": true}); r.status != 200 {
			t.Fatalf("four eyes: %d %s", r.status, r.body)
		}
		r = s.do("POST", "/api/v1/soa/iso27001-2022/approve", cm, map[string]int{"version": 2})
		if r.status != 403 || !strings.Contains(r.problem(t).Detail, "four eyes") {
			t.Fatalf("approving one's own SoA with four eyes: %d %s", r.status, r.body)
		}
		var versions struct {
			Items []struct {
				Number     int64   `json:"number"`
				ApprovedAt *string `json:"approved_at"`
			}
		}
		s.do("GET", "/api/v1/soa/iso27001-2022/versions", viewer, nil).json(t, &versions)
		if len(versions.Items) != 2 || versions.Items[0].ApprovedAt != nil {
			t.Fatalf("a refused approval changed the versions: %+v", versions.Items)
		}
		if r := s.do("POST", "/api/v1/soa/iso27001-2022/approve", viewer, map[string]int{"version": 2}); r.status != 403 {
			t.Fatalf("viewer approves: %d", r.status)
		}
		if r := s.do("POST", "/api/v1/soa/iso27001-2022/approve", admin, map[string]int{"version": 2}); r.status != 200 {
			t.Fatalf("approve: %d %s", r.status, r.body)
		}
		var diff struct {
			Changes []struct{ ItemID, Field string }
		}
		s.do("GET", "/api/v1/soa/iso27001-2022/diff?from=1&to=2", viewer, nil).json(t, &diff)
		if len(diff.Changes) < 91 {
			t.Fatalf("diff: %d changes", len(diff.Changes))
		}
		if r := s.do("GET", "/api/v1/soa/iso27001-2022/diff?from=1", viewer, nil); !r.problem(t).names("to") {
			t.Fatalf("diff without to: %s", r.body)
		}
		// Exports.
		pdf := s.do("GET", "/api/v1/soa/iso27001-2022/export?format=pdf&version=2", viewer, nil)
		if pdf.status != 200 || !bytes.HasPrefix(pdf.body, []byte("%PDF-")) || !bytes.Contains(pdf.body, []byte("/Type /Page")) ||
			!strings.Contains(pdf.header.Get("Content-Disposition"), "soa-iso27001-2022-v2.pdf") {
			t.Fatalf("pdf: %d %q %s", pdf.status, pdf.header.Get("Content-Disposition"), pdf.body[:min(40, len(pdf.body))])
		}
		checkPDF(t, pdf.body)
		x := s.do("GET", "/api/v1/soa/iso27001-2022/export?format=xlsx&version=2", viewer, nil)
		wb, err := excelize.OpenReader(bytes.NewReader(x.body))
		if err != nil {
			t.Fatalf("xlsx: %v", err)
		}
		rows, _ := wb.GetRows("Statement of Applicability")
		if len(rows) != 8+93 || rows[3][1] != "Version 2" || !strings.HasPrefix(rows[5][1], "Approved by admin@acme.test") {
			t.Fatalf("xlsx rows %d, head %v", len(rows), rows[:6])
		}
		csvR := s.do("GET", "/api/v1/soa/iso27001-2022/export?format=csv", viewer, nil)
		if !strings.Contains(string(csvR.body), "Working draft") || !strings.Contains(string(csvR.body), "A.7.1,") {
			t.Fatalf("csv: %s", csvR.body[:200])
		}
		sch := oscalSchema(t)
		for _, f := range []string{"oscal-profile", "oscal-component"} {
			r := s.do("GET", "/api/v1/soa/iso27001-2022/export?format="+f+"&version=2", viewer, nil)
			if r.status != 200 {
				t.Fatalf("%s: %d %s", f, r.status, r.body)
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.body))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(doc); err != nil {
				t.Fatalf("%s is not valid OSCAL 1.2.2: %v", f, err)
			}
			if !strings.Contains(string(r.body), `"A.7.1"`) || (f == "oscal-profile" && strings.Contains(string(r.body), `"A.7.2"`)) {
				t.Fatalf("%s selects the wrong controls", f)
			}
		}
		if r := s.do("GET", "/api/v1/soa/iso27001-2022/export?format=doc", viewer, nil); !r.problem(t).names("format") {
			t.Fatalf("unknown format: %s", r.body)
		}
		// Another organisation sees its own, empty SoA and none of these versions.
		if r := s.do("GET", "/api/v1/soa/iso27001-2022/versions/1", other.tokens[auth.Admin], nil); r.status != 404 {
			t.Fatalf("cross-organisation version: %d", r.status)
		}
	})
}

// oscalSchema compiles NIST's OSCAL 1.2.2 schema from the shared directory, independently of
// the copy the binary embeds.
func oscalSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	p := sharedtest.Path(t, "schemas", "oscal", "oscal_complete_schema-1.2.2.json")
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("oscal.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("oscal.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// checkPDF checks the document's structure: a header, pages, a trailer; and renders the
// first page with pdftoppm when it is installed.
func checkPDF(t *testing.T, data []byte) {
	t.Helper()
	if !bytes.Contains(data, []byte("/Type /Pages")) || !bytes.Contains(bytes.TrimSpace(data[len(data)-32:]), []byte("%%EOF")) {
		t.Fatal("the PDF lacks its page tree or trailer")
	}
	if n := bytes.Count(data, []byte("/Type /Page\n")) + bytes.Count(data, []byte("/Type /Page ")); n < 2 {
		t.Fatalf("the SoA of 93 controls fits on %d page(s)", n)
	}
	tool, err := exec.LookPath("pdftoppm")
	if err != nil {
		return
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "soa.pdf")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(tool, "-r", "30", "-f", "1", "-l", "1", "-png", in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
}

func TestEvidenceAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		acme := s.bootstrap("Acme")
		other := s.bootstrap("Other")
		owner, viewer, admin := acme.tokens[auth.AISystemOwner], acme.tokens[auth.Viewer], acme.tokens[auth.Admin]
		pdf := []byte("%PDF-1.4\n% a policy\n")
		r := s.upload("/api/v1/evidence", owner, "ai-policy.pdf", pdf, "description", "Approved AI policy", "valid_from", "2026-01-01",
			"valid_until", "2099-12-31", "record_type", "requirement", "record_id", "iso42001-2023:A.2.2")
		if r.status != 201 {
			t.Fatalf("upload by an AI system owner: %d %s", r.status, r.body)
		}
		var ev struct {
			ID      string
			Title   string
			Current struct {
				SHA256      string `json:"sha256"`
				ContentType string `json:"content_type"`
				Number      int64
			}
			Links []struct{ RecordType, RecordID string }
		}
		r.json(t, &ev)
		if ev.Title != "ai-policy.pdf" || ev.Current.ContentType != "application/pdf" || ev.Current.Number != 1 || len(ev.Links) != 1 {
			t.Fatalf("uploaded: %+v", ev)
		}
		if r := s.upload("/api/v1/evidence", viewer, "x.txt", []byte("x")); r.status != 403 {
			t.Fatalf("viewer uploads: %d", r.status)
		}
		// Bad input: a path in the name, over the limit, a nonexistent requirement — 4xx, nothing stored.
		before := evidenceCount(t, s, admin)
		if r := s.upload("/api/v1/evidence", owner, "../../etc/passwd", []byte("x")); r.status != 422 || !r.problem(t).names("file_name") {
			t.Fatalf("path in the name: %d %s", r.status, r.body)
		}
		if r := s.upload("/api/v1/evidence", owner, "big.bin", bytes.Repeat([]byte("x"), 1<<20+1)); r.status != 413 {
			t.Fatalf("over the limit: %d %s", r.status, r.body)
		}
		if r := s.upload("/api/v1/evidence", owner, "a.txt", []byte("a"), "record_type", "requirement", "record_id", "iso27001-2022:A.99"); !r.problem(t).names("record_id") {
			t.Fatalf("nonexistent requirement: %s", r.body)
		}
		if r := s.upload("/api/v1/evidence", owner, "a.txt", []byte("a"), "owner", "me"); !r.problem(t).names("owner") {
			t.Fatalf("unknown field: %s", r.body)
		}
		if n := evidenceCount(t, s, admin); n != before {
			t.Fatalf("refused uploads stored evidence: %d → %d", before, n)
		}
		if e.Name == "sqlite" {
			blobs := 0
			filepath.WalkDir(s.main.DB.EvidenceDir(), func(_ string, d os.DirEntry, _ error) error {
				if d != nil && !d.IsDir() {
					blobs++
				}
				return nil
			})
			if blobs != 1 {
				t.Fatalf("refused uploads left %d blobs", blobs)
			}
		}
		// Download re-checks the hash and sends the file as an attachment.
		d := s.do("GET", "/api/v1/evidence/"+ev.ID+"/download", viewer, nil)
		if d.status != 200 || !bytes.Equal(d.body, pdf) || !strings.HasPrefix(d.header.Get("Content-Disposition"), "attachment") || d.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("download: %d %v", d.status, d.header)
		}
		// A new version; the old stays downloadable.
		r = s.upload("/api/v1/evidence/"+ev.ID+"/versions", owner, "ai-policy-v2.txt", []byte("version two"), "note", "annual review")
		if r.status != 201 {
			t.Fatalf("new version: %d %s", r.status, r.body)
		}
		if d := s.do("GET", "/api/v1/evidence/"+ev.ID+"/download?version=1", viewer, nil); !bytes.Equal(d.body, pdf) {
			t.Fatal("version 1 changed")
		}
		if d := s.do("GET", "/api/v1/evidence/"+ev.ID+"/download", viewer, nil); string(d.body) != "version two" || !strings.HasPrefix(d.header.Get("Content-Type"), "text/plain") {
			t.Fatalf("current version: %q %s", d.body, d.header.Get("Content-Type"))
		}
		// A link, expiring soon, and the expiry filter.
		r = s.do("POST", "/api/v1/evidence/urls", owner, map[string]any{"title": "Pen test", "url": "https://tickets.example/PT-1", "valid_until": "2000-01-01"})
		if r.status != 201 {
			t.Fatalf("link: %d %s", r.status, r.body)
		}
		var link struct{ ID string }
		r.json(t, &link)
		var page struct{ Items []struct{ ID string } }
		s.do("GET", "/api/v1/evidence?expiring_within=30", viewer, nil).json(t, &page)
		if len(page.Items) != 1 || page.Items[0].ID != link.ID {
			t.Fatalf("expiring: %+v", page.Items)
		}
		if r := s.do("POST", "/api/v1/evidence/"+link.ID+"/links", owner, map[string]string{"record_type": "control", "record_id": "nope"}); !r.problem(t).names("record_id") {
			t.Fatalf("link to a nonexistent control: %s", r.body)
		}
		if r := s.do("POST", "/api/v1/evidence/"+link.ID+"/links", owner, map[string]string{"record_type": "requirement", "record_id": "iso27001-2022:A.8.8"}); r.status != 200 {
			t.Fatalf("attach: %d %s", r.status, r.body)
		}
		q := url.Values{"record_type": {"requirement"}, "record_id": {"iso27001-2022:A.8.8"}}
		s.do("GET", "/api/v1/evidence?"+q.Encode(), viewer, nil).json(t, &page)
		if len(page.Items) != 1 {
			t.Fatalf("by record: %+v", page.Items)
		}
		if r := s.do("DELETE", "/api/v1/evidence/"+link.ID+"/links?"+q.Encode(), owner, nil); r.status != 200 {
			t.Fatalf("detach: %d %s", r.status, r.body)
		}
		// Another organisation: 404 for the record and its file.
		for _, p := range []string{"/api/v1/evidence/" + ev.ID, "/api/v1/evidence/" + ev.ID + "/download"} {
			if r := s.do("GET", p, other.tokens[auth.Admin], nil); r.status != 404 {
				t.Fatalf("cross-organisation %s: %d", p, r.status)
			}
		}
		// A corrupted file is an error, never served.
		if e.Name == "sqlite" {
			sum := ev.Current.SHA256
			p := filepath.Join(s.main.DB.EvidenceDir(), sum[:2], sum[2:4], sum)
			os.Chmod(p, 0o600)
			os.WriteFile(p, []byte("%PDF-1.4\n% tampered\n"), 0o600)
			if d := s.do("GET", "/api/v1/evidence/"+ev.ID+"/download?version=1", viewer, nil); d.status != 500 || bytes.Contains(d.body, []byte("tampered")) {
				t.Fatalf("corrupted download: %d %s", d.status, d.body)
			}
		}
	})
}

func evidenceCount(t *testing.T, s *server, token string) int {
	t.Helper()
	var page struct{ Items []struct{ ID string } }
	s.do("GET", "/api/v1/evidence?limit=1000", token, nil).json(t, &page)
	return len(page.Items)
}

func TestBackupIncludesEvidence(t *testing.T) {
	s := start(t, storetest.Engines()[0])
	acme := s.bootstrap("Acme")
	content := []byte("signed supplier contract")
	if r := s.upload("/api/v1/evidence", acme.tokens[auth.Admin], "contract.txt", content); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	out := filepath.Join(t.TempDir(), "backup.tar.gz")
	if err := app.Backup(bg, s.main.DB, out); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var names []string
	found := false
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if strings.HasPrefix(h.Name, "evidence/") {
			b, _ := io.ReadAll(tr)
			found = found || bytes.Equal(b, content)
		}
	}
	if !found {
		t.Fatalf("backup lacks the evidence file: %v", names)
	}
	if fmt.Sprint(names[0]) != "annexa.db" {
		t.Fatalf("backup entries: %v", names)
	}
}

// addControlCalls prepares the OpenAPI walk's calls of the control, SoA and evidence routes.
func addControlCalls(t *testing.T, s *server, tn tenant, bodies map[string]any, ids map[string]map[string]string, query map[string]string, headers map[string][]string) {
	t.Helper()
	db := s.main.DB
	lib := s.main.Catalogs
	actor := auditlogActor(tn)
	mk := func(title string) string {
		c, err := db.CreateControl(bg, tn.org.ID, controlInput(title), lib, actor)
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	one, two, three := mk("Walk one"), mk("Walk two"), mk("Walk three")
	bodies["POST /api/v1/controls"] = map[string]any{"title": "Drift control", "links": []map[string]string{{"catalog": "iso27001-2022", "item": "A.5.1"}}}
	bodies["POST /api/v1/controls/generate"] = map[string]string{"catalog": "iso27001-2022"}
	bodies["PATCH /api/v1/controls/{id}"] = map[string]any{"status": "planned", "frequency": "quarterly"}
	bodies["POST /api/v1/controls/{id}/merge"] = map[string]string{"into": one}
	ids["GET /api/v1/controls/{id}"] = map[string]string{"id": one}
	ids["PATCH /api/v1/controls/{id}"] = map[string]string{"id": one}
	ids["DELETE /api/v1/controls/{id}"] = map[string]string{"id": three}
	ids["POST /api/v1/controls/{id}/merge"] = map[string]string{"id": two}

	cat, _ := lib.Catalog("iso42001-2023")
	yes := true
	for _, it := range cat.Items {
		if it.Kind == "control" {
			if _, err := db.DecideSoA(bg, tn.org.ID, cat, it.ID, soaDecision(&yes, "In scope of the AIMS."), nil, actor); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, k := range []string{"GET /api/v1/soa/{catalog}", "PUT /api/v1/soa/{catalog}/entries/{item}", "POST /api/v1/soa/{catalog}/accept-proposals",
		"GET /api/v1/soa/{catalog}/versions", "POST /api/v1/soa/{catalog}/versions", "GET /api/v1/soa/{catalog}/versions/{n}", "POST /api/v1/soa/{catalog}/approve",
		"GET /api/v1/soa/{catalog}/diff", "GET /api/v1/soa/{catalog}/export"} {
		ids[k] = map[string]string{"catalog": "iso42001-2023", "item": "A.2.2", "n": "1"}
	}
	bodies["PUT /api/v1/soa/{catalog}/entries/{item}"] = map[string]any{"applicable": true, "justification": "Our AI policy."}
	bodies["POST /api/v1/soa/{catalog}/versions"] = map[string]string{"note": "drift"}
	bodies["POST /api/v1/soa/{catalog}/approve"] = map[string]int{"version": 1}
	query["GET /api/v1/soa/{catalog}/diff"] = "?from=1&to=1"
	query["GET /api/v1/soa/{catalog}/export"] = "?format=pdf"
	bodies["PATCH /api/v1/soa-settings"] = map[string]any{"four_eyes": true}

	up, ct := multipartBody("walk.txt", []byte("walk evidence"), "title", "Walk evidence")
	bodies["POST /api/v1/evidence"] = up
	headers["POST /api/v1/evidence"] = []string{"Content-Type", ct}
	up2, ct2 := multipartBody("walk-2.txt", []byte("walk evidence 2"), "note", "second")
	bodies["POST /api/v1/evidence/{id}/versions"] = up2
	headers["POST /api/v1/evidence/{id}/versions"] = []string{"Content-Type", ct2}
	bodies["POST /api/v1/evidence/urls"] = map[string]any{"title": "Wiki", "url": "https://wiki.example/aims"}
	bodies["PATCH /api/v1/evidence/{id}"] = map[string]any{"valid_until": "2099-01-01"}
	bodies["POST /api/v1/evidence/{id}/links"] = map[string]string{"record_type": "requirement", "record_id": "iso27001-2022:A.5.1"}
	query["DELETE /api/v1/evidence/{id}/links"] = "?record_type=requirement&record_id=iso27001-2022:A.5.1"
	sum, err := evidenceStore(s, []byte("seed evidence"))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := db.CreateEvidence(bg, tn.org.ID, evidenceParsed("Seed"), &storeNewFile{FileName: "seed.txt", ContentType: "text/plain", SHA256: sum, Size: 13}, actor)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"GET /api/v1/evidence/{id}", "PATCH /api/v1/evidence/{id}", "GET /api/v1/evidence/{id}/versions", "POST /api/v1/evidence/{id}/versions",
		"GET /api/v1/evidence/{id}/download", "POST /api/v1/evidence/{id}/links", "DELETE /api/v1/evidence/{id}/links"} {
		ids[k] = map[string]string{"id": ev.ID}
	}
}

// TestEvidenceOnRisksAndAssessments: evidence attaches to a risk or an impact assessment of
// the organisation; a missing id or another organisation's is refused naming record_id, and
// nothing is stored.
func TestEvidenceOnRisksAndAssessments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		tn := s.bootstrap("Acme")
		cm := tn.tokens[auth.ComplianceManager]
		var rk struct{ ID string }
		s.do("POST", "/api/v1/risks", cm, map[string]any{"title": "Leaked CVs", "category": "confidentiality", "likelihood": 2, "impact": 3}).json(t, &rk)
		var system systemJSON
		s.do("POST", "/api/v1/ai-systems", cm, map[string]any{"name": "CV screening"}).json(t, &system)
		var a assessmentJSON
		s.do("POST", "/api/v1/impact-assessments", cm, map[string]any{"ai_system_id": system.ID}).json(t, &a)
		other := s.bootstrap("Globex")
		ot := other.tokens[auth.ComplianceManager]
		var otherRisk struct{ ID string }
		s.do("POST", "/api/v1/risks", ot, map[string]any{"title": "Theirs", "category": "integrity", "likelihood": 1, "impact": 1}).json(t, &otherRisk)

		for _, c := range []struct {
			rt, id string
			want   int
		}{
			{"risk", rk.ID, 201},
			{"impact_assessment", a.ID, 201},
			{"risk", "01900000-0000-7000-8000-000000000000", 422},
			{"impact_assessment", rk.ID, 422},
			{"risk", otherRisk.ID, 422},
		} {
			r := s.do("POST", "/api/v1/evidence/urls", cm, map[string]any{"title": "Treatment ticket", "url": "https://tickets.example/R-1",
				"record_type": c.rt, "record_id": c.id})
			if r.status != c.want || (c.want == 422 && !r.problem(t).names("record_id")) {
				t.Errorf("attach to %s %s: %d %s", c.rt, c.id, r.status, r.body)
			}
		}
		var page struct{ Items []struct{ ID string } }
		s.do("GET", "/api/v1/evidence", cm, nil).json(t, &page)
		if len(page.Items) != 2 {
			t.Fatalf("stored %d evidence items, want the 2 accepted", len(page.Items))
		}
		// Through the links route, too.
		if r := s.do("POST", "/api/v1/evidence/"+page.Items[0].ID+"/links", cm, map[string]string{"record_type": "impact_assessment", "record_id": "nope"}); r.status != 422 || !r.problem(t).names("record_id") {
			t.Fatalf("link to a missing assessment: %d %s", r.status, r.body)
		}
		if r := s.do("POST", "/api/v1/evidence/"+page.Items[0].ID+"/links", cm, map[string]string{"record_type": "risk", "record_id": rk.ID}); r.status != 200 {
			t.Fatalf("link to the risk: %d %s", r.status, r.body)
		}
	})
}
