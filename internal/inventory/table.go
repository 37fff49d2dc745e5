package inventory

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/fault"
)

// Columns are the header of an inventory file (CSV or XLSX), named as the API names the
// fields. "owner" carries the owner's e-mail address, which people recognise in a
// spreadsheet; "id" is optional on import: present, the row updates that system.
var Columns = []string{"name", "intended_purpose", "owner", "business_unit", "sourcing", "vendor", "eu_ai_act_roles", "iso_roles",
	"lifecycle_stage", "deployment_context", "affected_groups", "personal_data", "special_category_data", "decisions_informed",
	"automation", "human_oversight", "criticality", "models", "facts", "id"}

// Limits of one import: enough for any real register, small enough that a hostile file
// cannot exhaust the server.
const (
	MaxImportBytes = 32 << 20
	MaxImportRows  = 50000
)

// Row is one data row of an inventory file, decoded but not yet checked against the
// database (owners and ids are resolved by the store).
type Row struct {
	Line int    // the file's line (CSV) or row number (XLSX); the header is line 1
	ID   string // empty: create a system
	// OwnerEmail is the owner column: nil when the file has no such column, "" for no owner.
	OwnerEmail *string
	Input      Input
	Errors     []fault.FieldError // problems found so far, fields named rows[<line>].<column>
}

// Invalid reports whether the row has problems.
func (r Row) Invalid() bool { return len(r.Errors) > 0 }

// Fail records a problem with one of the row's columns.
func (r *Row) Fail(column, format string, args ...any) {
	r.Errors = append(r.Errors, fault.FieldError{Field: RowField(r.Line, column), Message: fmt.Sprintf("line %d: ", r.Line) + fmt.Sprintf(format, args...)})
}

// SortedErrors are the row's problems by column.
func (r Row) SortedErrors() []fault.FieldError {
	out := slices.Clone(r.Errors)
	slices.SortStableFunc(out, func(a, b fault.FieldError) int { return strings.Compare(a.Field, b.Field) })
	return out
}

// RowField names a cell of an import in problem reports: rows[<line>].<column>.
func RowField(line int, column string) string {
	if column == "" {
		return fmt.Sprintf("rows[%d]", line)
	}
	return fmt.Sprintf("rows[%d].%s", line, column)
}

// ImportOptions say what to do with bad rows and whether to write at all.
type ImportOptions struct {
	SkipInvalid bool // import the good rows and report the rest; otherwise any bad row stops the import
	DryRun      bool // check and report, change nothing
	// OnlyOwner, when set, limits the import to systems owned by that person (an AI system
	// owner's own import): rows without an owner get them, others are refused.
	OnlyOwner string
}

// ImportedRow is what happened to one row.
type ImportedRow struct {
	Line   int        `json:"line"`
	ID     string     `json:"id"`
	Name   string     `json:"name"`
	Action string     `json:"action"` // created or updated
	Tier   aiact.Tier `json:"tier"`
}

// RegisterImport is the outcome of an import: what was (or, in a dry run, would be) written
// and the rows left out with their problems.
type RegisterImport struct {
	DryRun  bool               `json:"dry_run"`
	Rows    int                `json:"rows"`
	Created int                `json:"created"`
	Updated int                `json:"updated"`
	Skipped int                `json:"skipped"`
	Systems []ImportedRow      `json:"systems"`
	Errors  []fault.FieldError `json:"errors"`
}

// RowsError is the refusal of an import with bad rows: every problem, in file order.
func RowsError(rows []Row) error {
	var fields []fault.FieldError
	bad := 0
	for _, r := range rows {
		if r.Invalid() {
			bad++
			fields = append(fields, r.SortedErrors()...)
		}
	}
	if bad == 0 {
		return nil
	}
	return &fault.Error{Code: fault.Invalid, Message: fmt.Sprintf("%d of %d rows are invalid; nothing was imported", bad, len(rows)), Fields: fields}
}

// fileError is a problem with the file as a whole (its header, its encoding).
func fileError(field, format string, args ...any) error {
	return &fault.Error{Code: fault.Invalid, Message: "the file cannot be imported",
		Fields: []fault.FieldError{{Field: field, Message: fmt.Sprintf(format, args...)}}}
}

// table decodes rows of cells under a header into Rows.
type table struct {
	index map[string]int // column name → cell index
	used  map[int]bool   // cell indexes that have a column
	// decoded remembers facts cells already decoded: a register repeats the same few
	// situations, and decoding facts strictly was half the time of reading a file.
	decoded map[string]decodedFacts
	rows    []Row
}

func newTable(header []string) (*table, error) {
	t := &table{index: map[string]int{}, used: map[int]bool{}, decoded: map[string]decodedFacts{}}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if name == "" {
			continue
		}
		if !slices.Contains(Columns, name) {
			return nil, fileError(fmt.Sprintf("header[%d]", i), "line 1: unknown column %q; the columns are %s", h, strings.Join(Columns, ", "))
		}
		if _, dup := t.index[name]; dup {
			return nil, fileError(fmt.Sprintf("header[%d]", i), "line 1: column %q appears twice", name)
		}
		t.index[name] = i
		t.used[i] = true
	}
	_, hasName := t.index["name"]
	_, hasID := t.index["id"]
	if !hasName && !hasID {
		return nil, fileError("header", "line 1: the header must name the columns, with at least name (to create systems) or id (to update them)")
	}
	return t, nil
}

// add decodes one row of cells; blank rows are skipped.
func (t *table) add(line int, cells []string) error {
	if len(t.rows) >= MaxImportRows {
		return fileError(RowField(line, ""), "line %d: more than %d rows; split the file", line, MaxImportRows)
	}
	blank := true
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			blank = false
			break
		}
	}
	if blank {
		return nil
	}
	r := Row{Line: line}
	for i, c := range cells {
		if strings.TrimSpace(c) != "" && !t.used[i] {
			r.Fail("", "has a value in column %d, which has no header", i+1)
			break
		}
	}
	cell := func(name string) (string, bool) {
		i, ok := t.index[name]
		if !ok {
			return "", false
		}
		if i >= len(cells) {
			return "", true
		}
		return strings.TrimSpace(cells[i]), true
	}
	r.decode(cell, t.facts)
	t.rows = append(t.rows, r)
	return nil
}

// decode fills the row's input from its cells. A column present in the header states the
// field: an empty text or list cell clears it; an empty enumeration, yes/no or facts cell
// leaves it as it is (unknown on a new system).
func (r *Row) decode(cell func(string) (string, bool), facts func(string) (aiact.Facts, error)) {
	in := &r.Input
	if v, ok := cell("id"); ok {
		r.ID = v
	}
	if v, ok := cell("owner"); ok {
		r.OwnerEmail = &v
	}
	if v, ok := cell("name"); ok && (v != "" || r.ID == "") {
		in.Name = &v
	}
	for col, dst := range map[string]**string{"intended_purpose": &in.IntendedPurpose, "business_unit": &in.BusinessUnit, "vendor": &in.Vendor,
		"deployment_context": &in.DeploymentContext, "decisions_informed": &in.DecisionsInformed, "human_oversight": &in.HumanOversight} {
		if v, ok := cell(col); ok {
			*dst = &v
		}
	}
	enum(cell, "sourcing", &in.Sourcing)
	enum(cell, "lifecycle_stage", &in.LifecycleStage)
	enum(cell, "automation", &in.Automation)
	enum(cell, "criticality", &in.Criticality)
	list(cell, "eu_ai_act_roles", &in.ActRoles)
	list(cell, "iso_roles", &in.AIRoles)
	list(cell, "affected_groups", &in.AffectedGroups)
	for col, dst := range map[string]**bool{"personal_data": &in.PersonalData, "special_category_data": &in.SpecialCategoryData} {
		v, ok := cell(col)
		if !ok || v == "" {
			continue
		}
		b, good := parseYesNo(v)
		if !good {
			r.Fail(col, "must be true or false (or empty when not known), not %q", clip(v))
			continue
		}
		*dst = &b
	}
	if v, ok := cell("models"); ok {
		ms, err := ParseModels(v)
		if err != nil {
			r.Fail("models", "%s", err.Error())
		} else {
			in.Models = &ms
		}
	}
	if v, ok := cell("facts"); ok && v != "" {
		f, err := facts(v)
		if fe, isFacts := err.(*aiact.FactsError); isFacts {
			field := "facts"
			if fe.Field != "" {
				field += "." + fe.Field
			}
			r.Fail(field, "%s", fe.Reason)
		} else if err != nil {
			r.Fail("facts", "%s", err.Error())
		} else {
			in.Facts = &f
		}
	}
	if err := in.Validate(r.ID == ""); err != nil {
		for _, f := range fault.Fields(err) {
			field := f.Field
			if field == "owner_id" {
				field = "owner"
			}
			r.Fail(field, "%s", f.Message)
		}
	}
}

type decodedFacts struct {
	facts aiact.Facts
	err   error
}

func (t *table) facts(cell string) (aiact.Facts, error) {
	if d, ok := t.decoded[cell]; ok {
		return d.facts, d.err
	}
	f, err := aiact.DecodeFacts(strings.NewReader(cell))
	if len(t.decoded) < 1000 {
		t.decoded[cell] = decodedFacts{f, err}
	}
	return f, err
}

func enum[T ~string](cell func(string) (string, bool), col string, dst **T) {
	if v, ok := cell(col); ok && v != "" {
		x := T(strings.ToLower(v))
		*dst = &x
	}
}

func list[T ~string](cell func(string) (string, bool), col string, dst **[]T) {
	v, ok := cell(col)
	if !ok {
		return
	}
	out := []T{}
	for _, part := range strings.Split(v, ";") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, T(strings.ToLower(p)))
		}
	}
	*dst = &out
}

func parseYesNo(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "true", "yes", "y", "1":
		return true, true
	case "false", "no", "n", "0":
		return false, true
	}
	return false, false
}

// clip shortens a bad value quoted back in a message.
func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// ParseModels reads a models cell: a JSON array of models (with model cards), or the compact
// form "name@version (provider); …" where version and provider are optional.
func ParseModels(v string) ([]Model, error) {
	v = strings.TrimSpace(v)
	out := []Model{}
	if v == "" {
		return out, nil
	}
	if strings.HasPrefix(v, "[") {
		dec := json.NewDecoder(strings.NewReader(v))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&out); err != nil {
			return nil, fmt.Errorf("is not a JSON array of models: %s", clip(err.Error()))
		}
		if dec.More() {
			return nil, fmt.Errorf("holds more than one JSON array")
		}
		if out == nil {
			out = []Model{}
		}
		return out, nil
	}
	for _, part := range strings.Split(v, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		var m Model
		if strings.HasSuffix(part, ")") {
			if i := strings.LastIndex(part, " ("); i >= 0 {
				m.Provider = strings.TrimSpace(part[i+2 : len(part)-1])
				part = strings.TrimSpace(part[:i])
			}
		}
		if i := strings.LastIndex(part, "@"); i >= 0 {
			m.Version = strings.TrimSpace(part[i+1:])
			part = strings.TrimSpace(part[:i])
		}
		m.Name = part
		if m.Name == "" {
			return nil, fmt.Errorf("has a model without a name in %q; write name@version (provider)", clip(v))
		}
		out = append(out, m)
	}
	return out, nil
}

// FormatModels writes a models cell: the compact form when it says everything, JSON otherwise.
func FormatModels(ms []Model) string {
	if len(ms) == 0 {
		return ""
	}
	compact := true
	for _, m := range ms {
		if m.Type != "" || m.Licence != "" || m.ModelCard != nil || m.Name != strings.TrimSpace(m.Name) ||
			strings.ContainsAny(m.Name, "@;()[") || strings.ContainsAny(m.Version, "@;()") || strings.ContainsAny(m.Provider, ";()") ||
			m.Version != strings.TrimSpace(m.Version) || m.Provider != strings.TrimSpace(m.Provider) {
			compact = false
			break
		}
	}
	if !compact {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(ms)
		return strings.TrimSpace(b.String())
	}
	parts := make([]string, len(ms))
	for i, m := range ms {
		s := m.Name
		if m.Version != "" {
			s += "@" + m.Version
		}
		if m.Provider != "" {
			s += " (" + m.Provider + ")"
		}
		parts[i] = s
	}
	return strings.Join(parts, "; ")
}

// Record is a system as the cells of one row, in Columns order; ownerEmail maps owner ids to
// addresses.
func Record(s System, ownerEmail func(id string) string) []string {
	facts := s.Facts
	facts.Name, facts.Roles = "", nil // both follow the system's own columns
	fj, _ := json.Marshal(facts)
	owner := ""
	if s.OwnerID != "" && ownerEmail != nil {
		owner = ownerEmail(s.OwnerID)
	}
	return []string{s.Name, s.IntendedPurpose, owner, s.BusinessUnit, string(s.Sourcing), s.Vendor, joinList(s.ActRoles), joinList(s.AIRoles),
		string(s.LifecycleStage), s.DeploymentContext, joinList(s.AffectedGroups), yesNo(s.PersonalData), yesNo(s.SpecialCategoryData),
		s.DecisionsInformed, string(s.Automation), s.HumanOversight, string(s.Criticality), FormatModels(s.Models), string(fj), s.ID}
}

func joinList[T ~string](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = string(x)
	}
	return strings.Join(s, ";")
}

func yesNo(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}
