package spreadsheet

import (
	"bytes"
	"encoding/csv"
	"testing"
)

func TestCellsNeverRunAsFormulas(t *testing.T) {
	for _, c := range []string{"=SUM(A1)", "+1", "-2", "@x", "\tx", "'quoted", "plain", "", "'"} {
		e := EscapeCell(c)
		if e != "" && (e[0] == '=' || e[0] == '+' || e[0] == '-' || e[0] == '@' || e[0] == '\t') {
			t.Errorf("%q escapes to %q, which a spreadsheet runs", c, e)
		}
		if got := UnescapeCell(e); got != c {
			t.Errorf("%q → %q → %q", c, e, got)
		}
	}
	var b bytes.Buffer
	rows := [][]string{{"=1+1", "ok"}}
	if err := WriteCSV(&b, []string{"a", "b"}, func(yield func([]string) bool) {
		for _, r := range rows {
			if !yield(r) {
				return
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	recs, _ := csv.NewReader(&b).ReadAll()
	if len(recs) != 2 || recs[1][0] != "'=1+1" {
		t.Fatalf("written %q", recs)
	}
}
