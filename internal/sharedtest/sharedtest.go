// Package sharedtest finds the project's shared material — reference facts, schemas and real
// documents from other projects — for tests. It lives in ../shared beside the module root
// (the directory holding go.mod); CI clones the repository with shared/ beside it too.
package sharedtest

import (
	"bytes"

	"github.com/santhosh-tekuri/jsonschema/v6"
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

// CycloneDXSchema compiles the published CycloneDX JSON schema of version ("1.6", "1.7")
// with the SPDX and JSF schemas it refers to.
func CycloneDXSchema(t testing.TB, version string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	for _, name := range []string{"bom-" + version + ".schema.json", "spdx.schema.json", "jsf-0.82.schema.json"} {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Read(t, "schemas", "cyclonedx", name)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// The bom schema refers to the others by their bare names.
		for _, url := range []string{"http://cyclonedx.org/schema/" + name, name} {
			if err := c.AddResource(url, doc); err != nil {
				t.Fatal(err)
			}
		}
	}
	sch, err := c.Compile("http://cyclonedx.org/schema/bom-" + version + ".schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}
