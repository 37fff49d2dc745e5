package catalog

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestCSVAndXLSXExport(t *testing.T) {
	l := library(t)
	for _, c := range l.Catalogs() {
		var buf bytes.Buffer
		if err := c.WriteCSV(&buf); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatalf("%s: csv does not parse back: %v", c.ID, err)
		}
		if len(rows) != len(c.Items)+1 || rows[0][1] != "id" || rows[1][1] != c.Items[0].ID || rows[1][5] != c.Items[0].Title {
			t.Errorf("%s: csv has %d rows, first %v", c.ID, len(rows), rows[1])
		}

		buf.Reset()
		if err := c.WriteXLSX(&buf); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatalf("%s: xlsx does not open: %v", c.ID, err)
		}
		xrows, err := f.GetRows("Items")
		if err != nil {
			t.Fatal(err)
		}
		if len(xrows) != len(c.Items)+1 || xrows[len(xrows)-1][1] != c.Items[len(c.Items)-1].ID {
			t.Errorf("%s: xlsx has %d rows", c.ID, len(xrows))
		}
		if v, _ := f.GetCellValue("About", "B1"); v != c.ID {
			t.Errorf("%s: About sheet id %q", c.ID, v)
		}
		f.Close()
	}
	x, err := l.Crosswalk("iso27001-2022", "iso42001-2023")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := l.WriteCrosswalkCSV(&buf, x); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+len(x.Mappings)+len(x.NoCounterpart) {
		t.Errorf("crosswalk csv rows %d", len(rows))
	}
	first := rows[1]
	if first[0] != "mapping" || first[3] == "" || first[6] == "" || first[7] == "" {
		t.Errorf("crosswalk row lacks titles or relationship: %v", first)
	}
	last := rows[len(rows)-1]
	if last[0] != "no_counterpart" || last[5] == "" || last[10] == "" {
		t.Errorf("no-counterpart row: %v", last)
	}
}
