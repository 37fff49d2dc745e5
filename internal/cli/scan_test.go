package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/annexa-dev/annexa/internal/app"
	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/discovery"
	"github.com/annexa-dev/annexa/internal/sharedtest"
	"github.com/annexa-dev/annexa/internal/store"
)

var testRepo = filepath.Join("..", "discovery", "testdata", "repo")

type scanJSON struct {
	Findings []discovery.Finding   `json:"findings"`
	Systems  []discovery.Candidate `json:"systems"`
}

func TestScanJSON(t *testing.T) {
	r := ok(t, run(t, t.TempDir(), "", "scan", testRepo, "--format", "json", "--name", "testrepo"))
	var out scanJSON
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields() // exactly {"findings", "systems"}
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("scan output is not the documented JSON: %v\n%s", err, r.stdout)
	}
	if len(out.Findings) < 10 || len(out.Systems) < 3 {
		t.Fatalf("%d findings, %d systems", len(out.Findings), len(out.Systems))
	}
	techs := map[string]bool{}
	for _, f := range out.Findings {
		techs[f.Technology] = true
		if f.Path == "" || !f.Kind.Valid() || !f.Confidence.Valid() {
			t.Fatalf("malformed finding %+v", f)
		}
		if strings.Contains(f.Path, "node_modules") || strings.HasPrefix(f.Path, "vendor/") || strings.HasPrefix(f.Path, "lookalikes/") {
			t.Errorf("finding in a skipped tree or a lookalike: %+v", f)
		}
	}
	for _, want := range []string{"openai", "anthropic", "langchain", "pytorch"} {
		if !techs[want] {
			t.Errorf("no %s finding", want)
		}
	}
	for _, s := range out.Systems {
		if !strings.HasPrefix(s.Name, "testrepo") || len(s.Fingerprint) != 64 {
			t.Errorf("system %q fingerprint %q", s.Name, s.Fingerprint)
		}
	}
	// Malformed manifests are warnings on stderr, not failures; no progress bar off a terminal.
	if !strings.Contains(r.stderr, "warning: broken/") || strings.Contains(r.stderr, "scanning") {
		t.Errorf("stderr: %s", r.stderr)
	}

	table := ok(t, run(t, t.TempDir(), "", "scan", testRepo))
	if !strings.Contains(table.stdout, "LOCATION") || !strings.Contains(table.stdout, "candidate systems") {
		t.Errorf("table output: %s", table.stdout)
	}
	if r := run(t, t.TempDir(), "", "scan", testRepo, "--format", "xml"); r.code == 0 {
		t.Error("--format xml accepted")
	}
	if r := run(t, t.TempDir(), "", "scan", filepath.Join(t.TempDir(), "missing")); r.code == 0 {
		t.Error("a missing path scanned")
	}
}

// TestScanSubmit sends a scan to a real server started in the test, as CI would.
func TestScanSubmit(t *testing.T) {
	t.Setenv("ANNEXA_DB", "")
	t.Setenv("ANNEXA_TOKEN", "")
	t.Setenv("ANNEXA_TOKEN_FILE", "")
	t.Setenv("ANNEXA_SERVER", "")
	bg := context.Background()
	m := &app.Main{Config: app.Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0", Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Out: &bytes.Buffer{}, ShutdownTimeout: 5 * time.Second}}
	if err := m.Open(bg); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(bg)
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		m.Close()
	})
	sys := auditlog.System("test")
	o, admin, err := m.DB.Bootstrap(bg, "Acme", auth.NewUser{Email: "admin@acme.test", Password: "a long enough password"}, sys)
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := m.DB.CreateToken(bg, o.ID, admin.ID, auth.NewTokenRequest{Name: "ci"}, sys)
	if err != nil {
		t.Fatal(err)
	}
	viewer, _ := m.DB.AddMember(bg, o.ID, auth.NewUser{Email: "viewer@acme.test", Role: auth.Viewer, Password: "a long enough password"}, sys)
	viewerToken, _, _ := m.DB.CreateToken(bg, o.ID, viewer.ID, auth.NewTokenRequest{Name: "viewer"}, sys)

	dir := t.TempDir()
	if r := run(t, dir, "", "scan", testRepo, "--submit", "--server", m.URL()); r.code == 0 || !strings.Contains(r.stderr, "token") {
		t.Fatalf("submit without a token: %+v", r)
	}
	if r := run(t, dir, "", "scan", testRepo, "--submit", "--token", secret); r.code == 0 || !strings.Contains(r.stderr, "--server") {
		t.Fatalf("submit without a server: %+v", r)
	}
	if r := run(t, dir, "", "scan", testRepo, "--submit", "--server", m.URL(), "--token", viewerToken); r.code == 0 || !strings.Contains(r.stderr, "403") {
		t.Fatalf("submit with a viewer's token: %+v", r)
	}

	r := ok(t, run(t, dir, "", "scan", testRepo, "--name", "testrepo", "--format", "json", "--submit", "--server", m.URL(), "--token", secret))
	var out scanJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("--submit changed the JSON output: %v", err)
	}
	if !strings.Contains(r.stderr, "submitted") || !strings.Contains(r.stderr, " new") {
		t.Fatalf("stderr: %s", r.stderr)
	}
	queue, err := m.DB.DiscoveryCandidates(bg, o.ID, discovery.Filter{}, store.PageRequest{Limit: 1000})
	if err != nil || len(queue.Items) != len(out.Systems) {
		t.Fatalf("queue holds %d candidates for %d systems: %v", len(queue.Items), len(out.Systems), err)
	}

	// Again, with the token from a file (a CI secret mount): nothing new, everything seen twice.
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ANNEXA_TOKEN_FILE", tokenFile)
	t.Setenv("ANNEXA_SERVER", m.URL())
	r = ok(t, run(t, dir, "", "scan", testRepo, "--name", "testrepo", "--submit"))
	if !strings.Contains(r.stderr, " 0 new") {
		t.Fatalf("second submission: %s", r.stderr)
	}
	queue, _ = m.DB.DiscoveryCandidates(bg, o.ID, discovery.Filter{}, store.PageRequest{Limit: 1000})
	if len(queue.Items) != len(out.Systems) || queue.Items[0].TimesSeen != 2 {
		t.Fatalf("after a second submission: %d candidates, seen %d times", len(queue.Items), queue.Items[0].TimesSeen)
	}
}

func TestDiscoverImport(t *testing.T) {
	t.Setenv("ANNEXA_DB", "")
	dir := t.TempDir()
	ok(t, run(t, dir, "a long enough password\n", "user", "add", "--email", "ada@example.org", "--role", "admin", "--password-stdin"))
	saas := filepath.Join("..", "discovery", "testdata", "saas", "okta-apps.csv")
	r := ok(t, run(t, dir, "", "discover", "import", "--kind", "saas", saas))
	if !strings.Contains(r.stdout, "created") || strings.Contains(r.stdout, " 0 new") {
		t.Fatalf("first import: %s", r.stdout)
	}
	r = ok(t, run(t, dir, "", "discover", "import", "--kind", "saas", saas))
	if !strings.Contains(r.stdout, " 0 new") || !strings.Contains(r.stdout, "updated") {
		t.Fatalf("second import: %s", r.stdout)
	}
	log := ok(t, run(t, dir, "", "discover", "import", "--kind", "egress", filepath.Join("..", "discovery", "testdata", "egress", "access.log")))
	if !strings.Contains(log.stdout, "(squid)") {
		t.Fatalf("egress import: %s", log.stdout)
	}

	// The published ML-BOM with a trailing comma fails naming the file and the line.
	broken := filepath.Join(sharedtest.Dir(t), "testdata", "cyclonedx", "mlbom-open-source-model-1.6-trailing-comma.json")
	r = run(t, dir, "", "discover", "import", "--kind", "sbom", broken, "--name", "bert.json")
	if r.code == 0 || !strings.Contains(r.stderr, "bert.json") || !strings.Contains(r.stderr, "line ") {
		t.Fatalf("broken SBOM: %+v", r)
	}
	if r := run(t, dir, "", "discover", "import", "--kind", "pdf", saas); r.code == 0 || !strings.Contains(r.stderr, "--kind") {
		t.Fatalf("bad kind: %+v", r)
	}
	if r := run(t, dir, "", "discover", "import", saas); r.code == 0 {
		t.Fatalf("import without --kind: %+v", r)
	}
}

func TestScanCycloneDX(t *testing.T) {
	r := ok(t, run(t, t.TempDir(), "", "scan", testRepo, "--format", "cyclonedx", "--name", "testrepo"))
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(r.stdout))
	if err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if err := sharedtest.CycloneDXSchema(t, "1.6").Validate(v); err != nil {
		t.Fatalf("scan ML-BOM is not valid CycloneDX 1.6: %v", err)
	}
	for _, want := range []string{`"machine-learning-model"`, "annexa:discovery:technologies", `"openai`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("scan ML-BOM lacks %s", want)
		}
	}
}
