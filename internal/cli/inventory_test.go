package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInventoryImportExportAndDemo(t *testing.T) {
	t.Setenv("ANNEXA_DB", "")
	dir := t.TempDir()
	ok(t, run(t, dir, "a long enough password\n", "user", "add", "--email", "ada@example.org", "--role", "admin", "--password-stdin", "--org", "Acme"))

	file := filepath.Join(t.TempDir(), "register.csv")
	os.WriteFile(file, []byte("name,owner,sourcing\nSpam filter,ada@example.org,embedded_in_product\nBad,nobody@example.org,bought\n"), 0o600)
	// A bad row: each problem on its own line with the line number, exit 1, nothing written.
	r := run(t, dir, "", "import", "inventory", file)
	if r.code == 0 || !strings.Contains(r.stderr, "rows[3].owner: line 3:") || !strings.Contains(r.stderr, "rows[3].sourcing: line 3:") {
		t.Fatalf("bad rows: %d %s", r.code, r.stderr)
	}
	if r := ok(t, run(t, dir, "", "export", "inventory")); strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("a refused import wrote: %s", r.stdout)
	}
	if r := ok(t, run(t, dir, "", "import", "inventory", file, "--skip-invalid", "--dry-run")); !strings.Contains(r.stdout, "dry run: would import 1 of 2 rows") ||
		!strings.Contains(r.stderr, "skipped rows[3].owner") {
		t.Fatalf("dry run: %s %s", r.stdout, r.stderr)
	}
	ok(t, run(t, dir, "", "import", "inventory", file, "--skip-invalid", "--org", "Acme"))

	// Export in each format; the CSV and XLSX files import back as updates.
	out := t.TempDir()
	for _, f := range []string{"csv", "xlsx", "cyclonedx"} {
		ok(t, run(t, dir, "", "export", "inventory", "--format", f, "--out", filepath.Join(out, "register."+f)))
	}
	csv, _ := os.ReadFile(filepath.Join(out, "register.csv"))
	if !strings.Contains(string(csv), "Spam filter,,ada@example.org,,embedded_in_product") {
		t.Fatalf("exported CSV:\n%s", csv)
	}
	for _, f := range []string{"csv", "xlsx"} {
		if r := ok(t, run(t, dir, "", "import", "inventory", filepath.Join(out, "register."+f))); !strings.Contains(r.stdout, "0 created, 1 updated") {
			t.Fatalf("re-import %s: %s", f, r.stdout)
		}
	}
	var bom struct {
		SpecVersion string `json:"specVersion"`
		Components  []struct{ Name string }
	}
	raw, _ := os.ReadFile(filepath.Join(out, "register.cyclonedx"))
	if err := json.Unmarshal(raw, &bom); err != nil || bom.SpecVersion != "1.6" || len(bom.Components) != 1 {
		t.Fatalf("ML-BOM: %v %s", err, raw)
	}
	if r := run(t, dir, "", "export", "inventory", "--format", "pdf"); r.code == 0 {
		t.Fatal("export accepted --format pdf")
	}

	// The demo: loaded once with the given password, then recognised.
	r = ok(t, run(t, dir, "demo password 123\n", "demo", "load", "--password-stdin"))
	if !strings.Contains(r.stdout, "Loaded the demo organisation") || strings.Contains(r.stdout, "demo password 123") {
		t.Fatalf("demo load: %s", r.stdout)
	}
	if r := ok(t, run(t, dir, "", "demo", "load")); !strings.Contains(r.stdout, "already loaded") {
		t.Fatalf("second demo load: %s", r.stdout)
	}
	r = ok(t, run(t, dir, "", "export", "inventory", "--org", "Demo: Northwind Components"))
	if n := strings.Count(r.stdout, "\n"); n < 21 {
		t.Fatalf("demo export has %d lines", n)
	}
	// Several organisations now: import needs --org.
	if r := run(t, dir, "", "import", "inventory", file); r.code == 0 || !strings.Contains(r.stderr, "--org") {
		t.Fatalf("import without --org among several: %s", r.stderr)
	}
}
