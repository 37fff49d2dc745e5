package cli_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/annexa-dev/annexa/internal/sharedtest"
)

// run3 is run with its result spread into exit code, stdout and stderr.
func run3(t *testing.T, data string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	r := run(t, data, stdin, args...)
	return r.code, r.stdout, r.stderr
}

func sharedOSCAL(t *testing.T, name string) string {
	return sharedtest.Path(t, "testdata", "oscal", name)
}

func TestCatalogListShowExportWithoutDatabase(t *testing.T) {
	data := t.TempDir()
	code, out, errs := run3(t, data, "", "catalog", "list", "--format", "json")
	if code != 0 {
		t.Fatalf("list: %d %s", code, errs)
	}
	var rows []struct {
		ID       string `json:"id"`
		Items    int    `json:"items"`
		Imported bool   `json:"imported"`
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 5 {
		t.Fatalf("list json: %v %s", err, out)
	}
	if _, err := os.Stat(filepath.Join(data, "annexa.db")); err == nil {
		t.Fatal("reading the built-in catalogs created a database")
	}
	if code, out, _ := run3(t, data, "", "catalog", "list"); code != 0 || !strings.Contains(out, "iso27001-2022") || !strings.Contains(out, "built-in") {
		t.Fatalf("list table: %s", out)
	}

	code, out, errs = run3(t, data, "", "catalog", "show", "nist-ai-rmf-1.0", "GOVERN 1.1")
	if code != 0 || !strings.Contains(out, "Maps to:") || !strings.Contains(out, "iso42001-2023") || !strings.Contains(out, "via nist-ai-rmf-1.0 → iso42001-2023 → iso27001-2022") {
		t.Fatalf("show GOVERN 1.1: %d %s %s", code, out, errs)
	}
	code, out, _ = run3(t, data, "", "catalog", "show", "eu-ai-act-2024-1689", "Art.12")
	if code != 0 || !strings.Contains(out, "presumption of conformity") {
		t.Fatalf("show Art.12 lacks its disclaimer: %s", out)
	}
	code, out, _ = run3(t, data, "", "catalog", "show", "iso42001-2023", "6.1.4", "--format", "json")
	var item struct {
		Item          struct{ ID string }       `json:"item"`
		NoCounterpart []struct{ Reason string } `json:"no_counterpart"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &item) != nil || item.Item.ID != "6.1.4" || len(item.NoCounterpart) == 0 {
		t.Fatalf("show 6.1.4 json: %s", out)
	}
	if code, out, _ := run3(t, data, "", "catalog", "show", "iso27001-2022"); code != 0 || !strings.Contains(out, "A.8.16") {
		t.Fatalf("show tree: %s", out)
	}
	if code, _, errs := run3(t, data, "", "catalog", "show", "iso27001-2022", "Z.9"); code == 0 || !strings.Contains(errs, `"Z.9"`) {
		t.Fatalf("unknown item: %d %s", code, errs)
	}

	code, out, _ = run3(t, data, "", "catalog", "export", "iso42001-2023", "--format", "oscal")
	var oscal struct {
		Catalog struct{ Metadata struct{ Title string } } `json:"catalog"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &oscal) != nil || oscal.Catalog.Metadata.Title == "" {
		t.Fatalf("export oscal: %.200s", out)
	}
	if code, out, _ := run3(t, data, "", "catalog", "export", "iso27001-2022", "--format", "csv"); code != 0 || !strings.Contains(out, "A.5.1,") {
		t.Fatalf("export csv: %.200s", out)
	}
	xlsx := filepath.Join(t.TempDir(), "iso.xlsx")
	if code, _, errs := run3(t, data, "", "catalog", "export", "iso27001-2022", "--format", "xlsx", "--out", xlsx); code != 0 {
		t.Fatalf("export xlsx: %s", errs)
	}
	if b, _ := os.ReadFile(xlsx); !bytes.HasPrefix(b, []byte("PK")) {
		t.Fatal("xlsx export is not a zip file")
	}
	if code, _, errs := run3(t, data, "", "catalog", "export", "iso27001-2022", "--format", "pdf"); code == 0 || !strings.Contains(errs, "--format") {
		t.Fatalf("bad format: %s", errs)
	}

	code, out, _ = run3(t, data, "", "crosswalk", "export", "iso42001-2023", "nist-ai-rmf-1.0", "--format", "csv")
	if code != 0 || strings.Count(out, "\n") < 200 {
		t.Fatalf("crosswalk csv: %.200s", out)
	}
	code, out, _ = run3(t, data, "", "crosswalk", "export", "eu-ai-act-2024-1689", "iso42001-2023", "--format", "oscal")
	if code != 0 || !strings.Contains(out, `"mapping-collection"`) {
		t.Fatalf("crosswalk oscal: %.200s", out)
	}
	if code, _, errs := run3(t, data, "", "crosswalk", "export", "iso27001-2022", "nist-ai-600-1"); code == 0 || !strings.Contains(errs, "no crosswalk") {
		t.Fatalf("missing crosswalk: %s", errs)
	}
}

func TestCatalogImportPersistsPerOrganisation(t *testing.T) {
	data := t.TempDir()
	basic := sharedOSCAL(t, "basic-catalog.json")
	if code, _, errs := run3(t, data, "", "org", "add", "Acme"); code != 0 {
		t.Fatal(errs)
	}
	code, out, errs := run3(t, data, "", "catalog", "import", basic, "--id", "basic-demo")
	if code != 0 || !strings.Contains(out, "imported catalog basic-demo") || !strings.Contains(out, "Acme") {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	if code, _, errs := run3(t, data, "", "catalog", "import", basic, "--id", "basic-demo"); code == 0 || !strings.Contains(errs, "already imported") {
		t.Fatalf("second import: %d %s", code, errs)
	}
	if code, _, errs := run3(t, data, "", "catalog", "import", basic, "--id", "basic-demo", "--replace"); code != 0 {
		t.Fatalf("replace: %s", errs)
	}
	if code, _, errs := run3(t, data, "", "catalog", "import", basic, "--id", "iso42001-2023", "--replace"); code == 0 || !strings.Contains(errs, "built into Annexa") {
		t.Fatalf("replacing a built-in: %d %s", code, errs)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"catalog": {"uuid": "nope"}}`), 0o600)
	if code, _, errs := run3(t, data, "", "catalog", "import", bad); code == 0 || !strings.Contains(errs, "bad.json") || !strings.Contains(errs, "$.catalog") {
		t.Fatalf("bad OSCAL: %d %s", code, errs)
	}
	profile := sharedOSCAL(t, "NIST_SP-800-53_rev5_LOW-baseline_profile.json")
	if code, _, errs := run3(t, data, "", "catalog", "import", profile, "--id", "low"); code == 0 || !strings.Contains(errs, "needs the catalog") {
		t.Fatalf("profile without --base: %d %s", code, errs)
	}
	resolved := sharedOSCAL(t, "NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog-min.json")
	if code, out, errs := run3(t, data, "", "catalog", "import", profile, "--base", resolved, "--id", "sp800-53-low"); code != 0 || !strings.Contains(out, "sp800-53-low") {
		t.Fatalf("profile with --base: %d %s %s", code, out, errs)
	}

	// The imports appear beside the built-ins and are browsable.
	code, out, _ = run3(t, data, "", "catalog", "list")
	if code != 0 || !strings.Contains(out, "basic-demo") || !strings.Contains(out, "imported") || !strings.Contains(out, "sp800-53-low") {
		t.Fatalf("list after import: %s", out)
	}
	if code, out, _ := run3(t, data, "", "catalog", "show", "sp800-53-low", "AC-2"); code != 0 || !strings.Contains(out, "No mappings") {
		t.Fatalf("show imported item: %d %s", code, out)
	}
	if code, out, _ := run3(t, data, "", "catalog", "export", "basic-demo", "--format", "json"); code != 0 || !strings.Contains(out, `"basic-demo"`) {
		t.Fatalf("export imported: %.200s", out)
	}

	// A second organisation does not see the first one's imports.
	if code, _, errs := run3(t, data, "", "org", "add", "Beta"); code != 0 {
		t.Fatal(errs)
	}
	if code, out, _ := run3(t, data, "", "catalog", "list", "--org", "Beta"); code != 0 || strings.Contains(out, "basic-demo") {
		t.Fatalf("Beta sees Acme's import: %s", out)
	}
	if code, out, _ := run3(t, data, "", "catalog", "list", "--org", "Acme"); code != 0 || !strings.Contains(out, "basic-demo") {
		t.Fatalf("Acme lost its import: %s", out)
	}
	if code, _, errs := run3(t, data, "", "catalog", "import", basic, "--id", "x"); code == 0 || !strings.Contains(errs, "--org") {
		t.Fatalf("import with two organisations and no --org: %s", errs)
	}
}

func TestClassifyCommand(t *testing.T) {
	data := t.TempDir()
	facts := `{"name": "Loan approval scoring", "roles": ["deployer"], "eu_nexus": {"deployer_established_in_eu": true},
		"annex_iii_use_cases": ["5b"], "profiling_of_natural_persons": true}`
	code, out, errs := run3(t, data, facts, "classify", "-")
	var res struct {
		Tier string `json:"tier"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Tier != "high" {
		t.Fatalf("classify: %d %s %s", code, out, errs)
	}
	f := filepath.Join(t.TempDir(), "facts.json")
	os.WriteFile(f, []byte(`{"roles": ["deployer"], "gpai": {"flops": 1}}`), 0o600)
	code, _, errs = run3(t, data, "", "classify", f)
	if code == 0 || !strings.Contains(errs, "gpai.flops") {
		t.Fatalf("bad facts: %d %s", code, errs)
	}
	if code, _, errs := run3(t, data, "", "classify", filepath.Join(t.TempDir(), "missing.json")); code == 0 || errs == "" {
		t.Fatalf("missing file: %d", code)
	}
}
