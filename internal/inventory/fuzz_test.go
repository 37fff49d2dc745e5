package inventory_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/inventory"
)

// checkRows holds for any input: an error is a person's error (invalid or too large) naming a
// field, and every row problem names its row and line.
func checkRows(t *testing.T, rows []inventory.Row, err error) {
	t.Helper()
	if err != nil {
		if c := fault.CodeOf(err); c != fault.Invalid && c != fault.TooLarge {
			t.Fatalf("error of code %s: %v", c, err)
		}
		if len(fault.Fields(err)) == 0 {
			t.Fatalf("error names no field: %v", err)
		}
		return
	}
	for _, r := range rows {
		if r.Line < 2 {
			t.Fatalf("row on line %d", r.Line)
		}
		for _, e := range r.Errors {
			if !strings.HasPrefix(e.Field, inventory.RowField(r.Line, "")) || !strings.HasPrefix(e.Message, "line ") {
				t.Fatalf("row %d problem %+v", r.Line, e)
			}
		}
		if !r.Invalid() && r.ID == "" && (r.Input.Name == nil || strings.TrimSpace(*r.Input.Name) == "") {
			t.Fatalf("a valid new row without a name: %+v", r)
		}
	}
}

func FuzzReadCSV(f *testing.F) {
	var b bytes.Buffer
	if err := inventory.WriteCSV(&b, sample(f), func(string) string { return "a@example.org" }); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add([]byte(badCSV))
	f.Add([]byte("name\n\"unterminated\n"))
	f.Add([]byte("\ufeffname,models\nx,\"[{\"\"name\"\":1}]\"\n"))
	f.Add([]byte("id\n\n\n,\n"))
	f.Add([]byte("name,facts\nx,{\"gpai\":{\"training_compute_flops\":1e400}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := inventory.ReadCSV(bytes.NewReader(data))
		checkRows(t, rows, err)
		if err != nil {
			return
		}
		// What was read writes back and reads again to the same rows.
		var systems []inventory.System
		for _, r := range rows {
			if !r.Invalid() && r.ID == "" {
				systems = append(systems, r.Input.Apply(inventory.System{}))
			}
		}
		var out bytes.Buffer
		if err := inventory.WriteCSV(&out, systems, nil); err != nil {
			t.Fatal(err)
		}
		again, err := inventory.ReadCSV(&out)
		if err != nil || len(again) != len(systems) {
			t.Fatalf("re-read %d of %d rows: %v\n%s", len(again), len(systems), err, out.String())
		}
		for i, r := range again {
			if r.Invalid() || *r.Input.Name != systems[i].Name {
				t.Fatalf("row %d came back as %+v, written from %q", i, r, systems[i].Name)
			}
		}
	})
}

func FuzzReadXLSX(f *testing.F) {
	var b bytes.Buffer
	if err := inventory.WriteXLSX(&b, sample(f), nil); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add(b.Bytes()[:len(b.Bytes())/2])
	f.Add([]byte("PK\x03\x04 not really a zip"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := inventory.ReadXLSX(bytes.NewReader(data))
		checkRows(t, rows, err)
	})
}

const badCSV = "name,sourcing,owner,personal_data,models,facts,eu_ai_act_roles\n" +
	"Bad sourcing,bought,,,,,\n" +
	",internal,,,,,\n" +
	"Unknown,,x@y,maybe,@,,\n" +
	"Bad facts,,,,,\"{\"\"annex_iii_use_cases\"\": [\"\"9z\"\"]}\",king\n"
