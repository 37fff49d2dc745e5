package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/annexa-dev/annexa/internal/sharedtest"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// sharedOSCALSchema compiles NIST's schema from ../shared, independently of the embedded
// copy the importer uses, with the library's default (Go regexp) engine: all of the
// schema's ECMA patterns compile as RE2.
func sharedOSCALSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	p := filepath.Join(sharedDir(t), "schemas", "oscal", "oscal_complete_schema-1.2.2.json")
	c := jsonschema.NewCompiler()
	sch, err := c.Compile(p)
	if err != nil {
		t.Fatalf("compile %s: %v", p, err)
	}
	return sch
}

func validateAgainst(t *testing.T, sch *jsonschema.Schema, name string, data []byte) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Errorf("%s is not valid OSCAL: %v", name, err)
	}
}

func TestEmbeddedSchemaIsNISTs(t *testing.T) {
	if !bytes.Equal(oscalSchemaJSON, readShared(t, "schemas/oscal/oscal_complete_schema-1.2.2.json")) {
		t.Error("embedded OSCAL schema differs from ../shared/schemas/oscal/oscal_complete_schema-1.2.2.json")
	}
}

func TestOSCALExportsValidate(t *testing.T) {
	sch := sharedOSCALSchema(t)
	l := library(t)
	for _, c := range l.Catalogs() {
		data, err := ExportOSCALCatalog(c)
		if err != nil {
			t.Fatalf("%s: %v", c.ID, err)
		}
		validateAgainst(t, sch, c.ID, data)
		again, _ := ExportOSCALCatalog(c)
		if !bytes.Equal(data, again) {
			t.Errorf("%s: export is not deterministic", c.ID)
		}
		// Every control carries its official identifier as label, and importing the
		// export gives back the same items.
		back, err := ImportOSCAL(c.ID+".json", data, ImportOptions{ID: c.ID})
		if err != nil {
			t.Fatalf("%s: re-import: %v", c.ID, err)
		}
		if len(back.Items) != len(c.Items) {
			t.Fatalf("%s: re-import has %d items, want %d", c.ID, len(back.Items), len(c.Items))
		}
		for i, it := range c.Items {
			got := back.Items[i]
			if got.ID != it.ID || got.Title != it.Title || got.Parent != it.Parent || got.Summary != it.Summary {
				t.Errorf("%s: round trip %+v → %+v", c.ID, it, got)
				break
			}
		}
	}
	for _, x := range l.Crosswalks() {
		data, err := ExportOSCALMapping(x)
		if err != nil {
			t.Fatalf("%s: %v", x.ID, err)
		}
		validateAgainst(t, sch, x.ID, data)
	}
}

func TestOSCALExportShape(t *testing.T) {
	l := library(t)
	data, err := ExportOSCALCatalog(mustCatalog(t, l, "iso42001-2023"))
	if err != nil {
		t.Fatal(err)
	}
	var doc oscalDocument
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{}
	var walk func([]oscalControl)
	walk = func(cs []oscalControl) {
		for _, c := range cs {
			labels[label(c.Props)] = c.ID
			walk(c.Controls)
		}
	}
	var walkG func([]oscalGroup)
	walkG = func(gs []oscalGroup) {
		for _, g := range gs {
			walk(g.Controls)
			walkG(g.Groups)
		}
	}
	walkG(doc.Catalog.Groups)
	for _, want := range []string{"6.1.4", "A.2.2", "A.6.2.8", "C.3.4"} {
		if _, ok := labels[want]; !ok {
			t.Errorf("no control labelled %s", want)
		}
	}
	if labels["6.1.4"] != "_6.1.4" {
		t.Errorf("OSCAL id of 6.1.4: %q", labels["6.1.4"])
	}
	if doc.Catalog.UUID[14] != '5' {
		t.Errorf("catalog UUID %s is not version 5", doc.Catalog.UUID)
	}
	nist, _ := ExportOSCALCatalog(mustCatalog(t, l, "nist-ai-rmf-1.0"))
	if !bytes.Contains(nist, []byte(`"value": "GOVERN 1.1"`)) {
		t.Error("NIST export lacks label GOVERN 1.1")
	}
	for id, want := range map[string]string{"A.5.1": "A.5.1", "GOVERN 1.1": "GOVERN_1.1", "Art.5(1)(a)": "Art.5.1.a", "AnnexIII.4(a)": "AnnexIII.4.a", "6.1.4": "_6.1.4"} {
		if got := OSCALID(id); got != want {
			t.Errorf("OSCALID(%q) = %q, want %q", id, got, want)
		}
	}
}

func testdata(t *testing.T, name string) []byte {
	t.Helper()
	return readShared(t, filepath.Join("testdata", "oscal", name))
}

const (
	lowCatalog = "NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog-min.json"
	lowProfile = "NIST_SP-800-53_rev5_LOW-baseline_profile.json"
	basic      = "basic-catalog.json"
)

func TestImportNISTLowCatalog(t *testing.T) {
	c, err := ImportOSCAL(lowCatalog, testdata(t, lowCatalog), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The resolved LOW baseline holds 149 controls: 131 base controls and 18 enhancements.
	if n := len(c.Items); n != 149 {
		t.Errorf("controls: %d, want 149", n)
	}
	nested := 0
	for _, it := range c.Items {
		if it.Parent != "" {
			nested++
		}
	}
	if nested != 18 {
		t.Errorf("nested controls: %d, want 18", nested)
	}
	if len(c.Groups) != 18 {
		t.Errorf("families: %d, want 18", len(c.Groups))
	}
	ia21, ok := c.Item("IA-2(1)")
	if !ok || ia21.Parent != "IA-2" || ia21.Attrs["oscal_id"][0] != "ia-2.1" || ia21.Group != "ia" {
		t.Errorf("IA-2(1): %+v", ia21)
	}
	ac2, ok := c.Item("AC-2")
	if !ok || ac2.Title != "Account Management" || ac2.Summary == "" || strings.Contains(ac2.Summary, "{{") {
		t.Errorf("AC-2: %+v", ac2)
	}
	if c.ID != "nist-special-publication-800-53-revision-5-1-1-low-impact" || c.Kind != KindFramework {
		t.Errorf("derived id/kind: %s %s", c.ID, c.Kind)
	}
	l := NewLibrary()
	if err := l.Add(c, false); err != nil {
		t.Fatal(err)
	}
	if err := l.Add(c, false); !errors.Is(err, ErrExists) {
		t.Errorf("second import without replace: %v", err)
	}
	if err := l.Add(c, true); err != nil {
		t.Errorf("replace: %v", err)
	}
}

func TestImportNISTLowProfile(t *testing.T) {
	data := testdata(t, lowProfile)
	if _, err := ImportOSCAL(lowProfile, data, ImportOptions{}); err == nil || !strings.Contains(err.Error(), "needs the catalog") {
		t.Errorf("profile without base: %v", err)
	}
	c, err := ImportOSCAL(lowProfile, data, ImportOptions{ID: "sp800-53-low", Base: testdata(t, lowCatalog), BaseName: lowCatalog})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Items) != 149 || c.Kind != KindProfile || c.ID != "sp800-53-low" {
		t.Errorf("resolved profile: %d items, kind %s, id %s", len(c.Items), c.Kind, c.ID)
	}
	if it, ok := c.Item("CA-7(4)"); !ok || it.Parent != "CA-7" {
		t.Errorf("CA-7(4): %+v", it)
	}

	// include-all, exclusions and with-child-controls, resolved against the same catalog.
	tests := []struct {
		name    string
		imports string
		want    int
		has     string
		hasNot  string
	}{
		{"include-all", `[{"href":"#x","include-all":{}}]`, 149, "AC-2", ""},
		{"with-ids only", `[{"href":"#x","include-controls":[{"with-ids":["ia-2"]}]}]`, 1, "IA-2", "IA-2(1)"},
		{"with children", `[{"href":"#x","include-controls":[{"with-ids":["ia-2"],"with-child-controls":"yes"}]}]`, 5, "IA-2(12)", ""},
		{"matching and exclude", `[{"href":"#x","include-controls":[{"matching":[{"pattern":"ac-*"}]}],"exclude-controls":[{"with-ids":["ac-1"]}]}]`, 10, "AC-22", "AC-1"},
		{"child without parent moves up", `[{"href":"#x","include-controls":[{"with-ids":["ia-2.1"]}]}]`, 1, "IA-2(1)", "IA-2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prof := `{"profile":{"uuid":"7eca4589-7ed9-4552-9da6-738126660be3","metadata":{"title":"T","last-modified":"2024-01-01T00:00:00Z","version":"1","oscal-version":"1.1.2"},"imports":` + tc.imports + `}}`
			c, err := ImportOSCAL("p.json", []byte(prof), ImportOptions{Base: testdata(t, lowCatalog)})
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Items) != tc.want {
				t.Errorf("%d items, want %d", len(c.Items), tc.want)
			}
			if _, ok := c.Item(tc.has); !ok {
				t.Errorf("missing %s", tc.has)
			}
			if tc.hasNot != "" {
				if _, ok := c.Item(tc.hasNot); ok {
					t.Errorf("%s should not be there", tc.hasNot)
				}
			}
			for _, it := range c.Items {
				if it.Parent != "" {
					if _, ok := c.Item(it.Parent); !ok {
						t.Errorf("%s has dropped parent %s", it.ID, it.Parent)
					}
				}
			}
		})
	}
	bad := `{"profile":{"uuid":"7eca4589-7ed9-4552-9da6-738126660be3","metadata":{"title":"T","last-modified":"2024-01-01T00:00:00Z","version":"1","oscal-version":"1.1.2"},"imports":[{"href":"#x","include-controls":[{"with-ids":["zz-99"]}]}]}}`
	_, err = ImportOSCAL("p.json", []byte(bad), ImportOptions{Base: testdata(t, lowCatalog)})
	var ie *ImportError
	if !errors.As(err, &ie) || ie.Path != "$.profile.imports[0].include-controls[0].with-ids[0]" || !strings.Contains(ie.Reason, "zz-99") {
		t.Errorf("unknown control in profile: %v", err)
	}
}

func TestImportBasicCatalog(t *testing.T) {
	c, err := ImportOSCAL(basic, testdata(t, basic), ImportOptions{ID: "basic"})
	if err != nil {
		t.Fatal(err)
	}
	var ctl, groups int
	var raw struct {
		Catalog oscalCatalog `json:"catalog"`
	}
	json.Unmarshal(testdata(t, basic), &raw)
	var walk func([]oscalGroup)
	walk = func(gs []oscalGroup) {
		for _, g := range gs {
			groups++
			var wc func([]oscalControl)
			wc = func(cs []oscalControl) {
				for _, c := range cs {
					ctl++
					wc(c.Controls)
				}
			}
			wc(g.Controls)
			walk(g.Groups)
		}
	}
	walk(raw.Catalog.Groups)
	if len(c.Items) != ctl || len(c.Groups) != groups || ctl == 0 {
		t.Errorf("basic catalog: %d items/%d groups, document has %d/%d", len(c.Items), len(c.Groups), ctl, groups)
	}
	// Labels are the official ids: "1.1.1" for control s1.1.1, nested under group s1.1.
	it, ok := c.Item("1.1.1")
	if !ok || it.Group != "s1.1" || it.Title != "Information security roles and responsibilities" {
		t.Errorf("basic 1.1.1: %+v", it)
	}
	if g, ok := c.Group("s1.1"); !ok || g.Parent != "s1" {
		t.Errorf("group s1.1: %+v", g)
	}
}

func TestImportRefusesBadInput(t *testing.T) {
	validMeta := `"metadata":{"title":"T","last-modified":"2024-01-01T00:00:00Z","version":"1","oscal-version":"1.1.2"}`
	tests := []struct {
		name, doc, path, reason string
	}{
		{"malformed", `{"catalog": {`, "$", "malformed JSON"},
		{"trailing", `{"catalog":{"uuid":"7eca4589-7ed9-4552-9da6-738126660be3",` + validMeta + `}} {}`, "$", "trailing"},
		{"not OSCAL", `{"hello": 1}`, "$", "not valid OSCAL"},
		{"missing title", `{"catalog":{"uuid":"7eca4589-7ed9-4552-9da6-738126660be3",` + validMeta + `,"groups":[{"id":"g","controls":[{"id":"c1"}]}]}}`, "$.catalog.groups[0].controls[0]", "title"},
		{"bad uuid", `{"catalog":{"uuid":"nope",` + validMeta + `}}`, "$.catalog.uuid", "not valid OSCAL"},
		{"bad id token", `{"catalog":{"uuid":"7eca4589-7ed9-4552-9da6-738126660be3",` + validMeta + `,"controls":[{"id":"1 a","title":"x"}]}}`, "$.catalog.controls[0].id", "not valid OSCAL"},
		{"SSP is invalid", `{"system-security-plan":{}}`, "$.system-security-plan", "missing properties"},
		{"duplicate control ids", `{"catalog":{"uuid":"7eca4589-7ed9-4552-9da6-738126660be3",` + validMeta + `,"controls":[{"id":"c","title":"x"},{"id":"c","title":"y"}]}}`, "", "duplicate id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ImportOSCAL("in.json", []byte(tc.doc), ImportOptions{})
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.HasPrefix(err.Error(), "in.json: ") {
				t.Errorf("error %q does not start with the file name", err)
			}
			var ie *ImportError
			if tc.path != "" && (!errors.As(err, &ie) || ie.Path != tc.path) {
				t.Errorf("error %q: want JSON path %s", err, tc.path)
			}
			if !strings.Contains(err.Error(), tc.reason) {
				t.Errorf("error %q: want reason containing %q", err, tc.reason)
			}
		})
	}
}

func FuzzImportOSCAL(f *testing.F) {
	dir := sharedtest.Path(f, "testdata", "oscal")
	// The 1.2 MB LOW catalog is left out: as a seed it makes each fuzzing round take seconds.
	for _, name := range []string{basic, lowProfile} {
		if data, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"catalog":{"uuid":"7eca4589-7ed9-4552-9da6-738126660be3","metadata":{"title":"T","last-modified":"2024-01-01T00:00:00Z","version":"1","oscal-version":"1.1.2"},"controls":[{"id":"a","title":"A","controls":[{"id":"a.1","title":"A1"}]}]}}`))
	f.Add([]byte(`{"catalog":{}}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ImportOSCAL("fuzz.json", data, ImportOptions{})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.json: ") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if err := c.Validate("fuzz.json"); err != nil {
			t.Fatalf("imported catalog does not validate: %v", err)
		}
	})
}
