package aiact

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/annexa-dev/annexa/internal/sharedtest"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func sharedDir(t testing.TB) string { return sharedtest.Dir(t) }

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
