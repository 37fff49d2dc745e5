package aiact

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// sharedDir finds shared/ beside the module root: walk up from the test's working directory
// to the directory holding go.mod, then ../shared (CI clones the project with shared/ beside it).
func sharedDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's working directory")
		}
		dir = parent
	}
	shared := filepath.Join(dir, "..", "shared")
	if _, err := os.Stat(filepath.Join(shared, "spec")); err != nil {
		t.Fatalf("shared material not found beside the module root: %v", err)
	}
	return shared
}

var schemas sync.Map // file name → *jsonschema.Schema

// specSchema compiles shared/spec/<name> once, asserting formats (applies_from is a date).
func specSchema(t testing.TB, name string) *jsonschema.Schema {
	t.Helper()
	if s, ok := schemas.Load(name); ok {
		return s.(*jsonschema.Schema)
	}
	f, err := os.Open(filepath.Join(sharedDir(t), "spec", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(name, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(name)
	if err != nil {
		t.Fatalf("compile %s: %v", name, err)
	}
	schemas.Store(name, s)
	return s
}

// validateJSON validates raw JSON against a spec schema.
func validateJSON(t testing.TB, name string, data []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return specSchema(t, name).Validate(inst)
}

// validateValue marshals v and validates it against a spec schema.
func validateValue(t testing.TB, name string, v any) {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := validateJSON(t, name, data); err != nil {
		t.Errorf("%s does not accept %s:\n%v", name, data, err)
	}
}

func loadShared(t testing.TB, rel string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(sharedDir(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
}

var typeOfFacts = reflect.TypeFor[Facts]()

func unmarshalForSchema(data []byte) (any, error) {
	return jsonschema.UnmarshalJSON(bytes.NewReader(data))
}
