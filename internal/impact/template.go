package impact

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"

	"github.com/annexa-dev/annexa/catalogs"
)

// Template is the assessment's structure as data (catalogs/impact/template.json): sections
// with their guidance and references, which fields a submission needs, the kinds of affected
// party and effect, the rating scales and the Art. 27(1) elements. Code keeps the field names
// and the workflow; wording and references live in the data.
type Template struct {
	ID             string        `json:"id"`
	Version        string        `json:"version"`
	AsOf           string        `json:"as_of"`
	Notice         string        `json:"notice"`
	Sections       []Section     `json:"sections"`
	Fields         []FieldSpec   `json:"fields"`
	PartyKinds     []Choice      `json:"party_kinds"`
	EffectKinds    []EffectSpec  `json:"effect_kinds"`
	Severity       []ScaleLevel  `json:"severity"`
	Likelihood     []ScaleLevel  `json:"likelihood"`
	ResidualLevels []Choice      `json:"residual_levels"`
	FRIAElements   []FRIAElement `json:"fria_elements"`
	fields         map[string]FieldSpec
}

// Section groups fields on the form and in the print view.
type Section struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Refs     []string `json:"refs"`
	Guidance string   `json:"guidance"`
	Fields   []string `json:"fields"`
	// When names a condition: "fria" shows the section only when an Art. 27 FRIA is owed.
	When string `json:"when,omitempty"`
}

// FieldSpec describes one top-level field of an assessment.
type FieldSpec struct {
	ID       string `json:"id"`
	Label    string `json:"label"`
	Help     string `json:"help"`
	Required bool   `json:"required"`
}

// Choice is one value of an enumeration with its label.
type Choice struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Help  string `json:"help,omitempty"`
}

// EffectSpec is a kind of effect and the risk register category it raises risks in.
type EffectSpec struct {
	Choice
	RiskCategory string   `json:"risk_category"`
	Refs         []string `json:"refs"`
}

// ScaleLevel is one step of the severity or likelihood scale.
type ScaleLevel struct {
	Value int    `json:"value"`
	Label string `json:"label"`
	Help  string `json:"help"`
}

// FRIAElement is one element of EU AI Act Art. 27(1), points (a) to (f).
type FRIAElement struct {
	ID    string `json:"id"`
	Ref   string `json:"ref"`
	Label string `json:"label"`
	Help  string `json:"help"`
}

// contentFields are the top-level fields the code knows; the template must describe each.
var contentFields = []string{"intended_purpose", "foreseeable_misuse", "affected_parties", "data_used", "data_provenance", "fria",
	"residual_impact", "residual_level", "conclusion", "next_review"}

var defaultTemplate = sync.OnceValues(func() (*Template, error) { return LoadTemplate(catalogs.FS) })

// DefaultTemplate returns the template embedded in the binary, loaded once.
func DefaultTemplate() (*Template, error) { return defaultTemplate() }

// LoadTemplate reads impact/template.json from fsys and checks that it agrees with the code:
// every field, party kind, effect kind, residual level and Art. 27 element the code knows is
// described once, and nothing else is.
func LoadTemplate(fsys fs.FS) (*Template, error) {
	b, err := fs.ReadFile(fsys, "impact/template.json")
	if err != nil {
		return nil, fmt.Errorf("impact template: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	var t Template
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("impact template: %w", err)
	}
	if err := t.check(); err != nil {
		return nil, fmt.Errorf("impact template: %w", err)
	}
	return &t, nil
}

func (t *Template) check() error {
	t.fields = map[string]FieldSpec{}
	for _, f := range t.Fields {
		if _, dup := t.fields[f.ID]; dup {
			return fmt.Errorf("field %q described twice", f.ID)
		}
		if f.Label == "" {
			return fmt.Errorf("field %q has no label", f.ID)
		}
		t.fields[f.ID] = f
	}
	if err := sameSet("fields", keys(t.Fields, func(f FieldSpec) string { return f.ID }), contentFields); err != nil {
		return err
	}
	var placed []string
	for _, s := range t.Sections {
		if s.Title == "" || len(s.Refs) == 0 {
			return fmt.Errorf("section %q needs a title and a reference", s.ID)
		}
		if s.When != "" && s.When != "fria" {
			return fmt.Errorf("section %q: unknown condition %q", s.ID, s.When)
		}
		placed = append(placed, s.Fields...)
	}
	if err := sameSet("section fields", placed, contentFields); err != nil {
		return err
	}
	if err := sameSet("party kinds", keys(t.PartyKinds, func(c Choice) string { return c.ID }), strs(PartyKinds)); err != nil {
		return err
	}
	if err := sameSet("effect kinds", keys(t.EffectKinds, func(e EffectSpec) string { return e.ID }), strs(EffectKinds)); err != nil {
		return err
	}
	for _, e := range t.EffectKinds {
		if e.RiskCategory == "" {
			return fmt.Errorf("effect kind %q names no risk category", e.ID)
		}
	}
	if err := sameSet("residual levels", keys(t.ResidualLevels, func(c Choice) string { return c.ID }), strs(ResidualLevels)); err != nil {
		return err
	}
	if err := sameSet("fria elements", keys(t.FRIAElements, func(e FRIAElement) string { return e.ID }), friaFields); err != nil {
		return err
	}
	for _, e := range t.FRIAElements {
		if !strings.HasPrefix(e.Ref, "Art. 27(1)(") {
			return fmt.Errorf("fria element %q must cite Art. 27(1), not %q", e.ID, e.Ref)
		}
	}
	for name, scale := range map[string][]ScaleLevel{"severity": t.Severity, "likelihood": t.Likelihood} {
		if len(scale) != MaxRating {
			return fmt.Errorf("%s scale has %d levels, the code rates 1 to %d", name, len(scale), MaxRating)
		}
		for i, l := range scale {
			if l.Value != i+1 || l.Label == "" {
				return fmt.Errorf("%s level %d must have value %d and a label", name, i, i+1)
			}
		}
	}
	return nil
}

// Field returns the description of a top-level field.
func (t *Template) Field(id string) FieldSpec { return t.fields[id] }

// Effect returns the description of an effect kind.
func (t *Template) Effect(k EffectKind) EffectSpec {
	for _, e := range t.EffectKinds {
		if e.ID == string(k) {
			return e
		}
	}
	return EffectSpec{Choice: Choice{ID: string(k), Label: string(k)}}
}

// PartyKind returns the label of a party kind.
func (t *Template) PartyKindLabel(k PartyKind) string {
	for _, c := range t.PartyKinds {
		if c.ID == string(k) {
			return c.Label
		}
	}
	return string(k)
}

// SeverityLabel and LikelihoodLabel name a rating, "" for an unrated 0.
func (t *Template) SeverityLabel(v int) string   { return scaleLabel(t.Severity, v) }
func (t *Template) LikelihoodLabel(v int) string { return scaleLabel(t.Likelihood, v) }

func scaleLabel(s []ScaleLevel, v int) string {
	if v < 1 || v > len(s) {
		return ""
	}
	return s[v-1].Label
}

func keys[T any](xs []T, id func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}

func strs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

func sameSet(what string, got, want []string) error {
	seen := map[string]bool{}
	for _, g := range got {
		if seen[g] {
			return fmt.Errorf("%s: %q appears twice", what, g)
		}
		seen[g] = true
		if !slices.Contains(want, g) {
			return fmt.Errorf("%s: %q is not known to the code (known: %s)", what, g, strings.Join(want, ", "))
		}
	}
	for _, w := range want {
		if !seen[w] {
			return fmt.Errorf("%s: %q is missing", what, w)
		}
	}
	return nil
}
