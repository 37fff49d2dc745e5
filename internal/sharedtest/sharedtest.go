// Package sharedtest finds the project's shared material — reference facts, schemas and real
// documents from other projects — for tests. It lives in ../shared beside the module root
// (the directory holding go.mod); CI clones the repository with shared/ beside it too.
package sharedtest

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the shared directory. Outside CI a missing directory skips the test; in CI
// (CI set) it fails it, so tests that depend on shared material can never silently stop.
func Dir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			shared := filepath.Join(dir, "..", "shared")
			if st, err := os.Stat(shared); err == nil && st.IsDir() {
				return shared
			}
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	if os.Getenv("CI") != "" {
		t.Fatal("../shared beside the module root is missing")
	}
	t.Skip("../shared beside the module root is missing")
	return ""
}

// Path joins parts onto the shared directory.
func Path(t testing.TB, parts ...string) string {
	t.Helper()
	return filepath.Join(append([]string{Dir(t)}, parts...)...)
}

// Read returns a shared file's bytes, failing the test if it cannot be read.
func Read(t testing.TB, parts ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(Path(t, parts...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
