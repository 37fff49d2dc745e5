package app_test

import (
	"bytes"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

type importReport struct {
	DryRun  bool `json:"dry_run"`
	Created int
	Updated int
	Skipped int
	Systems []struct {
		Line   int
		ID     string
		Action string
		Tier   string
	}
	Errors []struct{ Field, Message string }
}

const csvType = "text/csv"

func TestInventoryExportImportAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		acme := s.bootstrap("Acme")
		beta := s.bootstrap("Beta")
		admin, viewer := acme.tokens[auth.Admin], acme.tokens[auth.Viewer]
		if r := s.do("POST", "/api/v1/ai-systems", admin, cvScreening); r.status != 201 {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		if r := s.do("POST", "/api/v1/ai-systems", beta.tokens[auth.Admin], map[string]any{"name": "Beta's secret system"}); r.status != 201 {
			t.Fatal(r.status)
		}

		// A viewer may export; the file is CSV with the API's field names and owners by address.
		r := s.do("GET", "/api/v1/ai-systems/export", viewer, nil)
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(r.header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export: %d %v %s", r.status, r.header, r.body)
		}
		exported := string(r.body)
		if !strings.HasPrefix(exported, strings.Join(inventory.Columns, ",")+"\n") || !strings.Contains(exported, "TalentRank CV screening") ||
			strings.Contains(exported, "Beta's secret") {
			t.Fatalf("export body:\n%s", exported)
		}
		// ... but not import.
		if r := s.do("POST", "/api/v1/ai-systems/import", viewer, exported, "Content-Type", csvType); r.status != 403 {
			t.Fatalf("viewer import: %d", r.status)
		}
		// Filters apply to the export as to the list.
		if r := s.do("GET", "/api/v1/ai-systems/export?tier=minimal", viewer, nil); strings.Contains(string(r.body), "TalentRank") {
			t.Fatal("the tier filter did not apply to the export")
		}
		if r := s.do("GET", "/api/v1/ai-systems/export?format=pdf", viewer, nil); r.status != 422 || !r.problem(t).names("format") {
			t.Fatalf("bad format: %d %s", r.status, r.body)
		}

		// Another organisation's admin importing Acme's file: Acme's ids are not found there.
		r = s.do("POST", "/api/v1/ai-systems/import", beta.tokens[auth.Admin], exported, "Content-Type", csvType)
		if r.status != 422 || !r.problem(t).names("rows[2].id") {
			t.Fatalf("foreign ids: %d %s", r.status, r.body)
		}

		// A file with bad rows: a 422 naming each row and column with its line; nothing changes.
		bad := "name,sourcing,lifecycle_stage\nGood,internal,deployment\nBad,bought,deployment\nAlso bad,internal,launched\n"
		r = s.do("POST", "/api/v1/ai-systems/import", admin, bad, "Content-Type", csvType)
		p := r.problem(t)
		if r.status != 422 || len(p.Errors) != 2 || p.Errors[0].Field != "rows[3].sourcing" || !strings.HasPrefix(p.Errors[0].Message, "line 3:") ||
			p.Errors[1].Field != "rows[4].lifecycle_stage" {
			t.Fatalf("bad rows: %d %s", r.status, r.body)
		}
		var pointers struct{ Errors []struct{ Pointer string } }
		r.json(t, &pointers)
		if pointers.Errors[0].Pointer != "/rows/3/sourcing" {
			t.Errorf("pointer %q", pointers.Errors[0].Pointer)
		}
		var list struct{ Items []systemJSON }
		s.do("GET", "/api/v1/ai-systems", admin, nil).json(t, &list)
		if len(list.Items) != 1 {
			t.Fatalf("a refused import changed the register: %d systems", len(list.Items))
		}

		// Dry run and skip-invalid.
		var rep importReport
		r = s.do("POST", "/api/v1/ai-systems/import?skip_invalid=true&dry_run=true", admin, bad, "Content-Type", csvType)
		r.json(t, &rep)
		if r.status != 200 || !rep.DryRun || rep.Created != 1 || rep.Skipped != 2 || len(rep.Errors) != 2 {
			t.Fatalf("dry run: %d %s", r.status, r.body)
		}
		s.do("GET", "/api/v1/ai-systems", admin, nil).json(t, &list)
		if len(list.Items) != 1 {
			t.Fatal("a dry run changed the register")
		}
		r = s.do("POST", "/api/v1/ai-systems/import?skip_invalid=1", admin, bad, "Content-Type", csvType)
		rep = importReport{}
		r.json(t, &rep)
		if r.status != 200 || rep.DryRun || rep.Created != 1 || rep.Systems[0].Line != 2 || rep.Systems[0].Tier == "" {
			t.Fatalf("skip invalid: %d %s", r.status, r.body)
		}

		// The export imports back into the same organisation as updates, as a multipart upload.
		var form bytes.Buffer
		mw := multipart.NewWriter(&form)
		fw, _ := mw.CreateFormFile("file", "register.csv")
		fw.Write([]byte(exported))
		mw.Close()
		r = s.do("POST", "/api/v1/ai-systems/import", admin, form.Bytes(), "Content-Type", mw.FormDataContentType())
		rep = importReport{}
		r.json(t, &rep)
		if r.status != 200 || rep.Updated != 1 || rep.Created != 0 || rep.Systems[0].Action != "updated" {
			t.Fatalf("multipart re-import: %d %s", r.status, r.body)
		}

		// XLSX both ways: export, then import the workbook (by its content type, then sniffed).
		r = s.do("GET", "/api/v1/ai-systems/export?format=xlsx", viewer, nil)
		if r.status != 200 || r.header.Get("Content-Type") != inventory.XLSX.MediaType() {
			t.Fatalf("xlsx export: %d %v", r.status, r.header)
		}
		wb, err := excelize.OpenReader(bytes.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := wb.GetRows(inventory.SheetName)
		if len(rows) != 3 || rows[0][0] != "name" {
			t.Fatalf("xlsx rows: %v", rows)
		}
		for _, ct := range []string{inventory.XLSX.MediaType(), "application/octet-stream"} {
			x := s.do("POST", "/api/v1/ai-systems/import?dry_run=true", admin, r.body, "Content-Type", ct)
			rep = importReport{}
			x.json(t, &rep)
			if x.status != 200 || rep.Updated != 2 {
				t.Fatalf("xlsx import as %s: %d %s", ct, x.status, x.body)
			}
		}

		// CycloneDX: JSON with the systems as applications and their models inside.
		r = s.do("GET", "/api/v1/ai-systems/export?format=cyclonedx", viewer, nil)
		var bom struct {
			BOMFormat   string `json:"bomFormat"`
			SpecVersion string `json:"specVersion"`
			Components  []struct {
				Type       string
				Name       string
				Components []struct{ Type, Name string }
			}
		}
		r.json(t, &bom)
		if bom.BOMFormat != "CycloneDX" || bom.SpecVersion != "1.6" || len(bom.Components) != 2 {
			t.Fatalf("ML-BOM: %s", r.body)
		}
		for _, c := range bom.Components {
			if c.Name == "TalentRank CV screening" && (len(c.Components) != 1 || c.Components[0].Type != "machine-learning-model") {
				t.Fatalf("CV screening in the ML-BOM: %+v", c)
			}
		}

		// Bodies the import does not take.
		if r := s.do("POST", "/api/v1/ai-systems/import", admin, `{"name": "x"}`); r.status != 422 || !r.problem(t).names("body") {
			t.Fatalf("JSON body: %d %s", r.status, r.body)
		}
		if r := s.do("POST", "/api/v1/ai-systems/import", admin, "", "Content-Type", csvType); r.status != 422 {
			t.Fatalf("empty body: %d %s", r.status, r.body)
		}
		if r := s.do("POST", "/api/v1/ai-systems/import", admin, "colour,name\nred,x\n", "Content-Type", csvType); r.status != 422 || !r.problem(t).names("header[0]") {
			t.Fatalf("unknown column: %d %s", r.status, r.body)
		}
		huge := strings.Repeat("x", inventory.MaxImportBytes+100<<10)
		if r := s.do("POST", "/api/v1/ai-systems/import", admin, "name\n"+huge, "Content-Type", csvType); r.status != 413 {
			t.Fatalf("huge body: %d %.200s", r.status, r.body)
		}
	})
}

func TestInventoryImportAsSystemOwner(t *testing.T) {
	s := start(t, storetest.Engines()[0])
	tn := s.bootstrap("Acme")
	owner := tn.tokens[auth.AISystemOwner]
	r := s.do("POST", "/api/v1/ai-systems/import", owner, "name,owner\nMine,\nSomeone else's,"+tn.admin.Email+"\n", "Content-Type", csvType)
	if r.status != 422 || !r.problem(t).names("rows[3].owner") {
		t.Fatalf("owner importing for another: %d %s", r.status, r.body)
	}
	r = s.do("POST", "/api/v1/ai-systems/import", owner, "name,owner\nMine,\n", "Content-Type", csvType)
	var rep importReport
	r.json(t, &rep)
	if r.status != 200 || rep.Created != 1 {
		t.Fatalf("owner's import: %d %s", r.status, r.body)
	}
	var sys systemJSON
	s.do("GET", "/api/v1/ai-systems/"+rep.Systems[0].ID, owner, nil).json(t, &sys)
	if sys.OwnerID != tn.users[auth.AISystemOwner].ID {
		t.Fatalf("imported system owned by %q", sys.OwnerID)
	}
}
