package monitor

import (
	"strings"
	"testing"
	"time"
)

func TestReadPredictionsCSV(t *testing.T) {
	ps, err := ReadPredictionsCSV(strings.NewReader("\ufeffGroup,Favorable,Actual\nmen,yes,1\nwomen,0,\n"))
	if err != nil || len(ps) != 2 || !ps[0].Favorable || ps[0].Actual == nil || !*ps[0].Actual || ps[1].Favorable || ps[1].Actual != nil {
		t.Fatalf("predictions: %+v %v", ps, err)
	}
	for text, field := range map[string]string{
		"":                           "file",
		"group\nmen\n":               "file",
		"group,favorable\n":          "file",
		"group,favorable\n,maybe\n":  "rows[2].group",
		"group,favorable\nx,maybe\n": "rows[2].favorable",
		"group,favorable,actual\nx,1,sometimes\n": "rows[2].actual",
		"group,favorable\n\"x,1\n":                "rows[2]",
	} {
		if _, err := ReadPredictionsCSV(strings.NewReader(text)); !hasField(err, field) {
			t.Errorf("%q: want %s named, got %v", text, field, err)
		}
	}
}

func TestReadOversightCSV(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	es, err := ReadOversightCSV(strings.NewReader("at,reviewer,case,outcome,note\n2026-11-20,Recruiter 7,APP-1,Overridden,Wrong title match\n,Recruiter 9,,confirmed,\n"), now)
	if err != nil || len(es) != 2 || es[0].At == nil || es[0].Outcome != Overridden || es[1].At != nil {
		t.Fatalf("oversight: %+v %v", es, err)
	}
	_, err = ReadOversightCSV(strings.NewReader("at,reviewer,outcome\nyesterday,,shrugged\n2030-01-01,x,confirmed\n"), now)
	for _, f := range []string{"rows[2].at", "rows[2].reviewer", "rows[2].outcome", "rows[3].at"} {
		if !hasField(err, f) {
			t.Errorf("want %s named, got %v", f, err)
		}
	}
}

// Fuzz tests: files come from outside; any input is answered, never a panic, and every
// refusal names where the problem is.
func FuzzReadPredictionsCSV(f *testing.F) {
	f.Add("group,favorable,actual\nmen,yes,1\nwomen,0,\n")
	f.Add("group,favorable\n\"x,1\n")
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := ReadPredictionsCSV(strings.NewReader(s))
		if err != nil && len(fieldsOf(err)) == 0 {
			t.Fatalf("a refusal that names nothing: %v", err)
		}
		if err == nil {
			if _, _, ferr := MeasureFairness("disparate_impact_ratio", ps); ferr != nil && len(fieldsOf(ferr)) == 0 {
				t.Fatalf("a fairness refusal that names no field: %v", ferr)
			}
		}
	})
}

func FuzzReadOversightCSV(f *testing.F) {
	f.Add("at,reviewer,case,outcome,note\n2026-11-20,R,APP-1,overridden,x\n")
	f.Add("reviewer,outcome\n,\n")
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		es, err := ReadOversightCSV(strings.NewReader(s), now)
		if err != nil && len(fieldsOf(err)) == 0 {
			t.Fatalf("a refusal that names nothing: %v", err)
		}
		if err == nil {
			for _, e := range es {
				if !e.Outcome.Valid() || strings.TrimSpace(e.Reviewer) == "" {
					t.Fatalf("accepted a bad entry: %+v", e)
				}
			}
		}
	})
}
