package app_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyRule enforces that capability packages import no HTTP, HTML, SQL driver or
// outer layers: dependencies point inward, and the store implements what capabilities need.
func TestDependencyRule(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "github.com/annexa-dev/annexa/internal/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/annexa-dev/annexa/internal/"
	outer := []string{"net/http", "html/template", "database/sql", "github.com/jackc/pgx", "modernc.org/sqlite",
		mod + "store", mod + "api", mod + "web", mod + "app", mod + "cli", mod + "middleware"}
	capabilities := map[string]bool{"auth": true, "org": true, "auditlog": true, "fault": true, "catalog": true, "aiact": true,
		"inventory": true, "discovery": true, "risk": true, "impact": true, "control": true, "evidence": true, "readiness": true,
		"audit": true, "monitor": true, "report": true, "techdoc": true, "soa": true, "roadmap": true, "spreadsheet": true}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], mod)
		if !capabilities[pkg] {
			continue
		}
		checked++
		for _, dep := range fields[1:] {
			for _, bad := range outer {
				if dep == bad || strings.HasPrefix(dep, bad+"/") {
					t.Errorf("capability package %s depends on %s", pkg, dep)
				}
			}
		}
	}
	if checked < 5 {
		t.Fatalf("checked only %d capability packages", checked)
	}
}
