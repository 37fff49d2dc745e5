package monitor

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/fault"
)

// CSV files a pipeline or a case-management system exports: decisions for the fairness
// measures, and oversight entries. The first row names the columns, in any order; rows are
// numbered as a spreadsheet shows them, the header being row 1.

// rowField names a cell in errors: rows[7].favorable.
func rowField(line int, column string) string { return fmt.Sprintf("rows[%d].%s", line, column) }

func fileError(field, format string, args ...any) error {
	return &fault.Error{Code: fault.Invalid, Message: "the file cannot be read", Fields: []fault.FieldError{{Field: field, Message: fmt.Sprintf(format, args...)}}}
}

// readCSV reads a header and rows, handing each row to fn as column → value; it stops at
// maxRows and names the columns it requires when they are missing.
func readCSV(r io.Reader, required, optional []string, maxRows int, fn func(line int, row map[string]string, v *fault.Validation)) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return fileError("file", "the file is empty: the first row names the columns")
	}
	if err != nil {
		return fileError("file", "not a CSV file: %v", err)
	}
	cols := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if slices.Contains(required, h) || slices.Contains(optional, h) {
			cols[h] = i
		}
	}
	var v fault.Validation
	for _, c := range required {
		if _, ok := cols[c]; !ok {
			v.Add("file", "the header lacks the column %q (required: %s)", c, strings.Join(required, ", "))
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	line := 1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil {
			return fileError(fmt.Sprintf("rows[%d]", line), "not valid CSV: %v", err)
		}
		if line-1 > maxRows {
			return fileError("file", "the file has more than %d rows", maxRows)
		}
		row := map[string]string{}
		for c, i := range cols {
			if i < len(rec) {
				row[c] = strings.TrimSpace(rec[i])
			}
		}
		fn(line, row, &v)
	}
	if line == 1 {
		v.Add("file", "the file has a header but no rows")
	}
	return v.Err()
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "1", "true", "yes", "y":
		return true, true
	case "0", "false", "no", "n":
		return false, true
	}
	return false, false
}

// ReadPredictionsCSV reads decisions with the columns group, favorable and optionally actual
// (true/false, yes/no or 1/0).
func ReadPredictionsCSV(r io.Reader) ([]Prediction, error) {
	var out []Prediction
	err := readCSV(r, []string{"group", "favorable"}, []string{"actual"}, MaxSample, func(line int, row map[string]string, v *fault.Validation) {
		p := Prediction{Group: row["group"]}
		v.Check(p.Group == "" || len(p.Group) > 100, rowField(line, "group"), "must name a group in at most 100 characters")
		var ok bool
		p.Favorable, ok = parseBool(row["favorable"])
		v.Check(!ok, rowField(line, "favorable"), "must be true or false")
		if a := row["actual"]; a != "" {
			b, ok := parseBool(a)
			v.Check(!ok, rowField(line, "actual"), "must be true, false or empty")
			p.Actual = &b
		}
		out = append(out, p)
	})
	return out, err
}

// ReadOversightCSV reads oversight entries with the columns reviewer and outcome, and
// optionally at (RFC 3339 or YYYY-MM-DD), case and note.
func ReadOversightCSV(r io.Reader, now time.Time) ([]NewOversight, error) {
	var out []NewOversight
	err := readCSV(r, []string{"reviewer", "outcome"}, []string{"at", "case", "note"}, MaxOversightEntries, func(line int, row map[string]string, v *fault.Validation) {
		n := NewOversight{Reviewer: row["reviewer"], Outcome: Outcome(strings.ToLower(row["outcome"])), Case: row["case"], Note: row["note"]}
		if s := row["at"]; s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				t, err = time.Parse(time.DateOnly, s)
			}
			v.Check(err != nil, rowField(line, "at"), "must be a time (RFC 3339) or a date (YYYY-MM-DD)")
			if err == nil {
				n.At = &t
			}
		}
		n.Check(v, fmt.Sprintf("rows[%d].", line), now)
		out = append(out, n)
	})
	return out, err
}
