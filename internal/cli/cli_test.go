package cli_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/cli"
	"github.com/annexa-dev/annexa/internal/store"
)

type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, dir, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Run(append(args, "--data", dir), strings.NewReader(stdin), &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

func ok(t *testing.T, r result) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	return r
}

func TestOperatorCommands(t *testing.T) {
	t.Setenv("ANNEXA_DB", "")
	dir := t.TempDir()
	// On an empty database, user add creates the first organisation and its admin.
	if r := run(t, dir, "a long enough password\n", "user", "add", "--email", "ada@example.org", "--role", "viewer", "--password-stdin"); r.code == 0 {
		t.Fatal("the first user may not be a viewer")
	}
	ok(t, run(t, dir, "a long enough password\n", "user", "add", "--email", "ada@example.org", "--role", "admin", "--password-stdin"))
	r := ok(t, run(t, dir, "", "org", "list"))
	if !strings.Contains(r.stdout, "Default") {
		t.Fatalf("org list: %s", r.stdout)
	}
	ok(t, run(t, dir, "", "org", "add", "Beta"))
	if r := run(t, dir, "", "org", "add", "Beta"); r.code == 0 || !strings.Contains(r.stderr, "already exists") {
		t.Fatalf("duplicate org: %+v", r)
	}
	// With two organisations, --org is needed.
	if r := run(t, dir, "", "user", "add", "--email", "bob@example.org", "--role", "auditor"); r.code == 0 || !strings.Contains(r.stderr, "--org") {
		t.Fatalf("user add without --org: %+v", r)
	}
	ok(t, run(t, dir, "bob's long password\n", "user", "add", "--email", "bob@example.org", "--role", "auditor", "--org", "Beta", "--password-stdin"))
	r = ok(t, run(t, dir, "", "user", "list"))
	if !strings.Contains(r.stdout, "bob@example.org") || !strings.Contains(r.stdout, "auditor") {
		t.Fatalf("user list: %s", r.stdout)
	}

	// token create prints the token alone on its last line of stdout.
	r = ok(t, run(t, dir, "", "token", "create", "--email", "ada@example.org", "--name", "ci", "--expires", "30d"))
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	token := lines[len(lines)-1]
	if !auth.LooksLikeToken(token) {
		t.Fatalf("last line is not a token: %q", r.stdout)
	}
	if r := run(t, dir, "", "token", "create", "--email", "ada@example.org", "--name", "x", "--expires", "soon"); r.code == 0 {
		t.Fatal("bad --expires accepted")
	}
	r = ok(t, run(t, dir, "", "token", "list", "--org", "Default"))
	if !strings.Contains(r.stdout, "ci") || strings.Contains(r.stdout, token) {
		t.Fatalf("token list: %s", r.stdout)
	}
	id := strings.Fields(strings.Split(strings.TrimSpace(r.stdout), "\n")[1])[0]
	ok(t, run(t, dir, "", "token", "revoke", id, "--org", "Default"))
	db, err := store.Open(context.Background(), store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.TokenPrincipal(context.Background(), token); err == nil {
		t.Fatal("revoked token still works")
	}
	db.Close()

	ok(t, run(t, dir, "", "user", "disable", "--email", "bob@example.org"))
	r = ok(t, run(t, dir, "", "user", "list"))
	if !strings.Contains(r.stdout, "disabled") {
		t.Fatalf("disabled user not shown: %s", r.stdout)
	}
	r = ok(t, run(t, dir, "", "audit", "verify"))
	if strings.Count(r.stdout, ": ok") != 2 {
		t.Fatalf("audit verify: %s", r.stdout)
	}
	r = ok(t, run(t, dir, "", "migrate"))
	if !strings.Contains(r.stdout, "schema version") {
		t.Fatalf("migrate: %s", r.stdout)
	}
	r = ok(t, run(t, dir, "", "version"))
	if !strings.HasPrefix(r.stdout, "annexa ") {
		t.Fatalf("version: %s", r.stdout)
	}
}

func TestErrorsAreOneLineAndNonZero(t *testing.T) {
	dir := t.TempDir()
	cases := [][]string{
		{"user", "add"}, // missing --email
		{"user", "disable", "--email", "nobody@example.org"},
		{"token", "create", "--email", "nobody@example.org", "--name", "x"},
		{"org", "add"}, // missing NAME
		{"no-such-command"},
		{"serve", "--log-format", "xml"},
		{"--db", "mysql://x", "migrate"},
	}
	for _, args := range cases {
		r := run(t, dir, "", args...)
		if r.code == 0 {
			t.Errorf("%v: exit 0", args)
			continue
		}
		msg := strings.TrimSpace(r.stderr)
		if !strings.HasPrefix(msg, "annexa: ") || strings.Contains(msg, "\n") {
			t.Errorf("%v: stderr is not one line: %q", args, r.stderr)
		}
	}
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"user", "add", "--help"}, {"token", "create", "--help"}, {"backup", "--help"}, {"audit", "verify", "--help"}} {
		var out, errOut bytes.Buffer
		if code := cli.Run(args, strings.NewReader(""), &out, &errOut); code != 0 || !strings.Contains(out.String(), "Usage") {
			t.Errorf("%v: exit %d: %s%s", args, code, out.String(), errOut.String())
		}
	}
}

func TestAuditVerifyFailsOnTampering(t *testing.T) {
	dir := t.TempDir()
	ok(t, run(t, dir, "a long enough password\n", "user", "add", "--email", "ada@example.org", "--role", "admin", "--password-stdin", "--org", "Acme"))
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "annexa.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range []string{`DROP TRIGGER audit_log_no_update`, `UPDATE audit_log SET actor_email = 'mallory' WHERE seq = 1`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	r := run(t, dir, "", "audit", "verify")
	if r.code == 0 || !strings.Contains(r.stdout, "BROKEN at entry 1") {
		t.Fatalf("tampered chain: %+v", r)
	}
}

func TestBackupAndRestore(t *testing.T) {
	dir := t.TempDir()
	ok(t, run(t, dir, "a long enough password\n", "user", "add", "--email", "ada@example.org", "--role", "admin", "--password-stdin", "--org", "Acme"))
	out := filepath.Join(t.TempDir(), "backup.tar.gz")
	ok(t, run(t, dir, "", "backup", "--out", out))
	if r := run(t, dir, "", "backup", "--out", out); r.code == 0 {
		t.Fatal("backup overwrote an existing file")
	}
	// Restore as documented: extract into an empty data directory.
	restored := t.TempDir()
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
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		dst, err := os.Create(filepath.Join(restored, filepath.Base(h.Name)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(dst, tr); err != nil {
			t.Fatal(err)
		}
		dst.Close()
	}
	r := ok(t, run(t, restored, "", "user", "list"))
	if !strings.Contains(r.stdout, "ada@example.org") {
		t.Fatalf("restored database: %s", r.stdout)
	}
	if r := ok(t, run(t, restored, "", "audit", "verify")); !strings.Contains(r.stdout, "Acme: ok") {
		t.Fatalf("restored audit chain: %s", r.stdout)
	}
}
