package report

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestPDFCarriesTextFooterAndRepeatedHeader(t *testing.T) {
	compress = false
	t.Cleanup(func() { compress = true })
	rows := make([][]string, 0, 120)
	for i := range 120 {
		rows = append(rows, []string{"A.5." + string(rune('a'+i%26)), "A finding about a control"})
	}
	// One row longer than a page must continue on the next rather than run off it.
	rows = append(rows, []string{"long", strings.Repeat("A very long statement of what the auditor found. ", 400)})
	d := Document{Title: "Internal audit report", Subtitle: "Audit 2026", Footer: "Acme - Internal audit report", Created: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC),
		Facts:  []Fact{{"Organisation", "Acme"}, {"Scope", "Head office"}},
		Blocks: []Block{Heading("Conclusion"), Paragraph("Conforms."), Heading("Findings"), Table{Columns: []Column{{"Ref", 30}, {"Finding", 156}}, Rows: rows}, Table{Columns: []Column{{"x", 10}}, Empty: "No decisions were recorded."}},
	}
	data, err := PDF(d)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("%PDF-")) || !bytes.Contains(bytes.TrimSpace(data[len(data)-32:]), []byte("%%EOF")) {
		t.Fatal("not a complete PDF")
	}
	pages := bytes.Count(data, []byte("/Type /Page\n")) + bytes.Count(data, []byte("/Type /Page "))
	if pages < 5 {
		t.Fatalf("121 rows and a very long one on %d pages", pages)
	}
	for _, want := range []string{"(Internal audit report)", "(Conforms.)", "(Head office)", "(No decisions were recorded.)", "Acme - Internal audit report"} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("the PDF lacks %s", want)
		}
	}
	// The table header is drawn again on every page the table spans.
	if n := bytes.Count(data, []byte("(Finding)Tj")); n < pages-1 {
		t.Errorf("the header appears %d times over %d pages", n, pages)
	}
}
