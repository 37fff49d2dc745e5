package risk

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/spreadsheet"
)

// Format is a file format of the register.
type Format string

const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// MediaType is the format's content type.
func (f Format) MediaType() string {
	if f == XLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

// SheetName is the worksheet an XLSX export writes and an import prefers.
const SheetName = "Risks"

// MaxImportBytes bounds an import file; MaxImportRows its rows.
const (
	MaxImportBytes = 16 << 20
	MaxImportRows  = 50000
)

// Columns are the file's columns, named as the API's fields; owner is an e-mail address.
var Columns = []string{"id", "title", "description", "category", "sources", "ai_system_ids", "assets", "owner",
	"likelihood", "impact", "treatment", "actions", "controls", "residual_likelihood", "residual_impact", "residual_reason",
	"next_review", "status", "level", "residual_level"}

// derived columns are written for people reading the file and ignored on import.
var derived = []string{"level", "residual_level"}

// Record is a risk as one row of Columns.
func Record(r Risk, ownerEmail func(string) string) []string {
	num := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	actions := ""
	if len(r.Actions) > 0 {
		b, _ := json.Marshal(r.Actions)
		actions = string(b)
	}
	return []string{r.ID, r.Title, r.Description, r.Category, strings.Join(r.Sources, "; "), strings.Join(r.AISystemIDs, "; "),
		strings.Join(r.Assets, "; "), ownerEmail(r.OwnerID), num(r.Likelihood), num(r.Impact), string(r.Treatment), actions,
		strings.Join(r.Controls, "; "), num(r.ResidualLikelihood), num(r.ResidualImpact), r.ResidualReason, r.NextReview,
		string(r.Status), r.Level, r.ResidualLevel}
}

// WriteCSV writes the risks with a header row of Columns.
func WriteCSV(w io.Writer, risks []Risk, ownerEmail func(string) string) error {
	return spreadsheet.WriteCSV(w, Columns, func(yield func([]string) bool) {
		for _, r := range risks {
			if !yield(Record(r, ownerEmail)) {
				return
			}
		}
	})
}

// WriteXLSX writes the risks as one worksheet; cells are text, never formulas.
func WriteXLSX(w io.Writer, risks []Risk, ownerEmail func(string) string) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", SheetName); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(SheetName)
	if err != nil {
		return err
	}
	row := func(n int, cells []string) error {
		vals := make([]any, len(cells))
		for i, c := range cells {
			vals[i] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, n)
		return sw.SetRow(cell, vals)
	}
	if err := row(1, Columns); err != nil {
		return err
	}
	for i, r := range risks {
		if err := row(i+2, Record(r, ownerEmail)); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}

// Row is one imported row: the line it came from, the record id when it updates a risk, the
// input and the owner's e-mail address to resolve.
type Row struct {
	Line       int
	ID         string
	OwnerEmail string
	Input      Input
	Problems   []fault.FieldError
	// ClaimsAccepted is an update row whose status says accepted: acceptance is not imported,
	// so the risk must already be accepted (an export read back in).
	ClaimsAccepted bool
}

// RowField names a cell of the file in errors: rows[7].impact.
func RowField(line int, column string) string {
	if column == "" {
		return fmt.Sprintf("rows[%d]", line)
	}
	return fmt.Sprintf("rows[%d].%s", line, column)
}

func fileError(field, format string, args ...any) error {
	return &fault.Error{Code: fault.Invalid, Message: "the file cannot be imported",
		Fields: []fault.FieldError{{Field: field, Message: fmt.Sprintf(format, args...)}}}
}

// ReadCSV decodes a CSV file. A file that cannot be read at all is an error; problems inside
// rows are in each Row.
func ReadCSV(r io.Reader) ([]Row, error) {
	cr := csv.NewReader(io.LimitReader(r, MaxImportBytes+1))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fileError("header", "the file is empty; the first line must name the columns")
	}
	if err != nil {
		return nil, csvError(err)
	}
	cols, err := columnsOf(header)
	if err != nil {
		return nil, err
	}
	var rows []Row
	read := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		for i := range rec {
			read += len(rec[i])
			rec[i] = spreadsheet.UnescapeCell(strings.TrimSpace(rec[i]))
		}
		if read > MaxImportBytes {
			return nil, fileError("body", "the file is larger than %d MiB", MaxImportBytes>>20)
		}
		if len(rows) >= MaxImportRows {
			return nil, fileError("body", "the file has more than %d rows", MaxImportRows)
		}
		if row, ok := parseRow(line, cols, rec); ok {
			rows = append(rows, row)
		}
	}
	return rows, nil
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fileError(RowField(pe.StartLine, ""), "line %d: %s", pe.Line, pe.Err)
	}
	return fileError("body", "could not be read as CSV: %s", err)
}

// ReadXLSX decodes the "Risks" worksheet of a workbook, or its first sheet.
func ReadXLSX(r io.Reader) ([]Row, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, fileError("body", "could not be read: %s", err)
	}
	if len(data) > MaxImportBytes {
		return nil, fileError("body", "the file is larger than %d MiB", MaxImportBytes>>20)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 8 * MaxImportBytes, UnzipXMLSizeLimit: 4 * MaxImportBytes})
	if err != nil {
		return nil, fileError("body", "is not a readable XLSX workbook")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fileError("body", "the workbook has no worksheet")
	}
	sheet := sheets[0]
	if slices.Contains(sheets, SheetName) {
		sheet = SheetName
	}
	it, err := f.Rows(sheet)
	if err != nil {
		return nil, fileError("body", "worksheet %q cannot be read", sheet)
	}
	defer it.Close()
	var cols map[int]string
	var rows []Row
	line := 0
	for it.Next() {
		line++
		rec, err := it.Columns()
		if err != nil {
			return nil, fileError(RowField(line, ""), "cannot be read")
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if cols == nil {
			if cols, err = columnsOf(rec); err != nil {
				return nil, err
			}
			continue
		}
		if len(rows) >= MaxImportRows {
			return nil, fileError("body", "the file has more than %d rows", MaxImportRows)
		}
		if row, ok := parseRow(line, cols, rec); ok {
			rows = append(rows, row)
		}
	}
	if cols == nil {
		return nil, fileError("header", "the worksheet is empty; the first row must name the columns")
	}
	return rows, nil
}

// columnsOf maps positions to known column names; unknown and repeated names are refused so a
// misspelt column is not silently dropped.
func columnsOf(header []string) (map[int]string, error) {
	cols := map[int]string{}
	seen := map[string]bool{}
	var v fault.Validation
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if h == "" {
			continue
		}
		switch {
		case !slices.Contains(Columns, h):
			v.Add("header", "column %d %q is not a risk field; known: %s", i+1, h, strings.Join(Columns, ", "))
		case seen[h]:
			v.Add("header", "column %q appears twice", h)
		}
		seen[h] = true
		cols[i] = h
	}
	v.Check(!seen["title"], "header", "must have a title column")
	if err := v.Err(); err != nil {
		return nil, err
	}
	return cols, nil
}

func splitList(s string) []string {
	out := []string{}
	for _, x := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '\n' }) {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// parseRow turns cells into a Row; a row of empty cells is skipped.
func parseRow(line int, cols map[int]string, rec []string) (Row, bool) {
	row := Row{Line: line}
	empty := true
	cell := map[string]string{}
	for i, c := range rec {
		name, ok := cols[i]
		if !ok {
			if c != "" {
				row.Problems = append(row.Problems, fault.FieldError{Field: RowField(line, ""), Message: fmt.Sprintf("has a value in column %d, which has no name", i+1)})
			}
			continue
		}
		if c != "" {
			empty = false
		}
		cell[name] = c
	}
	if empty && len(row.Problems) == 0 {
		return row, false
	}
	bad := func(col, format string, args ...any) {
		row.Problems = append(row.Problems, fault.FieldError{Field: RowField(line, col), Message: fmt.Sprintf(format, args...)})
	}
	row.ID = cell["id"]
	row.OwnerEmail = cell["owner"]
	in := &row.Input
	str := func(col string) *string {
		if v, ok := cell[col]; ok {
			return &v
		}
		return nil
	}
	in.Title, in.Description, in.Category, in.ResidualReason, in.NextReview = str("title"), str("description"), str("category"), str("residual_reason"), str("next_review")
	list := func(col string) *[]string {
		if v, ok := cell[col]; ok {
			l := splitList(v)
			return &l
		}
		return nil
	}
	in.Sources, in.AISystemIDs, in.Assets, in.Controls = list("sources"), list("ai_system_ids"), list("assets"), list("controls")
	num := func(col string) *int {
		v, ok := cell[col]
		if !ok || (v == "" && strings.HasPrefix(col, "residual")) {
			if ok {
				z := 0
				return &z
			}
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			bad(col, "must be a whole number")
			return nil
		}
		return &n
	}
	in.Likelihood, in.Impact = num("likelihood"), num("impact")
	in.ResidualLikelihood, in.ResidualImpact = num("residual_likelihood"), num("residual_impact")
	if v, ok := cell["treatment"]; ok {
		t := Treatment(v)
		in.Treatment = &t
	}
	if v, ok := cell["status"]; ok && v != "" {
		if s := Status(v); s == Accepted && row.ID != "" {
			row.ClaimsAccepted = true
		} else {
			in.Status = &s
		}
	}
	if v, ok := cell["actions"]; ok {
		acts := []Action{}
		if v != "" {
			dec := json.NewDecoder(strings.NewReader(v))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&acts); err != nil {
				bad("actions", `must be a JSON list such as [{"title": "Retrain on balanced data", "due": "2026-09-30"}]`)
			}
		}
		in.Actions = &acts
	}
	if err := in.Validate(row.ID == ""); err != nil {
		for _, f := range fault.Fields(err) {
			col := f.Field
			if i := strings.IndexAny(col, "[."); i > 0 {
				col = col[:i]
			}
			if slices.Contains(derived, col) {
				continue
			}
			row.Problems = append(row.Problems, fault.FieldError{Field: RowField(line, col), Message: f.Message})
		}
	}
	return row, true
}

// ImportSummary says what an import did, or would do on a dry run.
type ImportSummary struct {
	Created int  `json:"created"`
	Updated int  `json:"updated"`
	DryRun  bool `json:"dry_run"`
}
