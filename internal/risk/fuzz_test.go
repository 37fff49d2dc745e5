package risk_test

import (
	"bytes"
	"testing"

	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/risk"
)

// The importers read files people upload: whatever the bytes, they return rows or an invalid
// error, never panic, and every problem names a row or the file.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("title,category,likelihood,impact\nx,privacy,1,2\n"))
	f.Add([]byte("id,title,actions\nr,x,\"[{\"\"title\"\":\"\"a\"\"}]\"\n"))
	f.Add([]byte("\ufefftitle,likelihood\n\"unterminated,1\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := risk.ReadCSV(bytes.NewReader(data))
		checkImport(t, rows, err)
	})
}

func FuzzReadXLSX(f *testing.F) {
	var b bytes.Buffer
	if err := risk.WriteXLSX(&b, []risk.Risk{{Title: "x", Category: "privacy", Likelihood: 1, Impact: 1}}, func(string) string { return "" }); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add([]byte("PK\x03\x04 not really a zip"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := risk.ReadXLSX(bytes.NewReader(data))
		checkImport(t, rows, err)
	})
}

func checkImport(t *testing.T, rows []risk.Row, err error) {
	t.Helper()
	if err != nil {
		if !fault.Is(err, fault.Invalid) {
			t.Fatalf("a bad file must be invalid, got %v", err)
		}
		return
	}
	for _, r := range rows {
		if r.Line < 1 {
			t.Fatalf("row without a line: %+v", r)
		}
		for _, p := range r.Problems {
			if p.Field == "" {
				t.Fatalf("problem without a field: %+v", p)
			}
		}
	}
}
