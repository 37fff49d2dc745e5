// Package monitor watches AI systems in operation: metrics the organisation pushes or Annexa
// computes from data (drift, fairness), bounds that open alerts, what an alert sets in motion
// (the impact assessment due again, a corrective action), and the log of human oversight.
//
// It serves ISO/IEC 42001:2023 clause 9.1 and control A.6.2.6 (AI system operation and
// monitoring), the deployer's monitoring duty of EU AI Act Art. 26(5), the provider's
// post-market monitoring of Art. 72, and human oversight under Art. 14.
package monitor

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/annexa-dev/annexa/catalogs"
	"github.com/annexa-dev/annexa/internal/fault"
)

// Kind groups metrics by what they watch.
type Kind string

const (
	Performance Kind = "performance"
	Drift       Kind = "drift"
	Fairness    Kind = "fairness"
	Operational Kind = "operational"
)

// Kinds lists every kind.
var Kinds = []Kind{Performance, Drift, Fairness, Operational}

func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Measure is one of the measures Annexa knows (catalogs/monitor/measures.json), with the
// bounds a recognised convention suggests.
type Measure struct {
	ID     string   `json:"id"`
	Label  string   `json:"label"`
	Kind   Kind     `json:"kind"`
	About  string   `json:"about"`
	Min    *float64 `json:"min,omitempty"`
	Max    *float64 `json:"max,omitempty"`
	Source string   `json:"source"`
}

type measureFile struct {
	ID         string    `json:"id"`
	AsOf       string    `json:"as_of"`
	Provenance string    `json:"provenance"`
	Measures   []Measure `json:"measures"`
}

var loadMeasures = sync.OnceValues(func() ([]Measure, error) {
	data, err := catalogs.FS.ReadFile("monitor/measures.json")
	if err != nil {
		return nil, fmt.Errorf("read measures: %w", err)
	}
	var f measureFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("measures: %w", err)
	}
	if f.AsOf == "" || f.Provenance == "" {
		return nil, fmt.Errorf("measures: as_of and provenance are required")
	}
	seen := map[string]bool{}
	for _, m := range f.Measures {
		if m.ID == "" || m.Label == "" || m.About == "" || m.Source == "" || !m.Kind.Valid() || seen[m.ID] {
			return nil, fmt.Errorf("measures: %q needs a unique id, label, about, source and a known kind", m.ID)
		}
		seen[m.ID] = true
	}
	return f.Measures, nil
})

// Measures returns the known measures in their file order.
func Measures() ([]Measure, error) {
	m, err := loadMeasures()
	return slices.Clone(m), err
}

// MeasureByID returns a known measure.
func MeasureByID(id string) (Measure, bool) {
	all, err := loadMeasures()
	if err != nil {
		return Measure{}, false
	}
	i := slices.IndexFunc(all, func(m Measure) bool { return m.ID == id })
	if i < 0 {
		return Measure{}, false
	}
	return all[i], true
}

// Metric is one thing watched on one AI system, with the bounds outside which an alert opens.
type Metric struct {
	ID       string `json:"id"`
	OrgID    string `json:"org_id"`
	SystemID string `json:"system_id"`
	// Name is the metric's key on its system, e.g. "psi_income" or "accuracy"; observations
	// are pushed to it by name.
	Name  string `json:"name"`
	Title string `json:"title"`
	Kind  Kind   `json:"kind"`
	// Measure names a known measure the metric applies, empty for the organisation's own.
	Measure string   `json:"measure"`
	Unit    string   `json:"unit"`
	Min     *float64 `json:"min"`
	Max     *float64 `json:"max"`
	// FlagAssessment makes an alert set the system's approved impact assessment due again
	// (ISO/IEC 42001 8.4; EU AI Act Art. 27(2) for the FRIA); RaiseNonconformity records a
	// corrective action for it (10.2).
	FlagAssessment     bool      `json:"flag_assessment"`
	RaiseNonconformity bool      `json:"raise_nonconformity"`
	Version            int64     `json:"version"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	// Last is the newest observation, filled on reads.
	Last *Observation `json:"last"`
}

// RecordVersion is the optimistic-concurrency version, for ETags.
func (m Metric) RecordVersion() int64 { return m.Version }

// Breach says whether a value lies outside the metric's bounds, and which bound it crossed.
func (m Metric) Breach(v float64) (string, bool) {
	switch {
	case m.Min != nil && v < *m.Min:
		return fmt.Sprintf("below the minimum %g", *m.Min), true
	case m.Max != nil && v > *m.Max:
		return fmt.Sprintf("above the maximum %g", *m.Max), true
	}
	return "", false
}

// MetricInput is a create or a partial update of a metric; nil fields stay. Clear removes a
// bound ("min" or "max"), since a nil bound means "unchanged".
type MetricInput struct {
	Name               *string  `json:"name,omitempty"`
	Title              *string  `json:"title,omitempty"`
	Kind               *Kind    `json:"kind,omitempty"`
	Measure            *string  `json:"measure,omitempty"`
	Unit               *string  `json:"unit,omitempty"`
	Min                *float64 `json:"min,omitempty"`
	Max                *float64 `json:"max,omitempty"`
	Clear              []string `json:"clear,omitempty"`
	FlagAssessment     *bool    `json:"flag_assessment,omitempty"`
	RaiseNonconformity *bool    `json:"raise_nonconformity,omitempty"`
}

// validName reports whether s can be a metric's key: what push clients send and URLs carry.
func validName(s string) bool {
	if s == "" || len(s) > 60 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

// Validate checks each field that is set; creating needs a name and, unless a known measure
// gives it, a kind.
func (in MetricInput) Validate(create bool) error {
	var v fault.Validation
	if create || in.Name != nil {
		v.Check(in.Name == nil || !validName(*in.Name), "name", "must be 1 to 60 lowercase letters, digits, '_', '.' or '-', starting with a letter")
	}
	if in.Title != nil {
		v.Check(len(*in.Title) > 200, "title", "must be at most 200 characters")
	}
	if in.Unit != nil {
		v.Check(len(*in.Unit) > 30, "unit", "must be at most 30 characters")
	}
	if in.Kind != nil {
		v.Check(!in.Kind.Valid(), "kind", "must be one of performance, drift, fairness, operational")
	}
	if in.Measure != nil && *in.Measure != "" {
		_, ok := MeasureByID(*in.Measure)
		v.Check(!ok, "measure", "%q is not a measure Annexa knows", *in.Measure)
	}
	if create {
		known := in.Measure != nil && *in.Measure != ""
		v.Check(in.Kind == nil && !known, "kind", "must be one of performance, drift, fairness, operational")
	}
	for _, b := range []struct {
		field string
		v     *float64
	}{{"min", in.Min}, {"max", in.Max}} {
		if b.v != nil {
			v.Check(math.IsNaN(*b.v) || math.IsInf(*b.v, 0), b.field, "must be a finite number")
		}
	}
	for i, c := range in.Clear {
		v.Check(c != "min" && c != "max", fmt.Sprintf("clear[%d]", i), "must be min or max")
	}
	return v.Err()
}

// Apply returns m with the input's fields set. A known measure fills the kind, title and
// suggested bounds the input leaves out.
func (in MetricInput) Apply(m Metric, create bool) Metric {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&m.Name, in.Name)
	set(&m.Title, in.Title)
	set(&m.Measure, in.Measure)
	set(&m.Unit, in.Unit)
	if in.Kind != nil {
		m.Kind = *in.Kind
	}
	if in.Min != nil {
		m.Min = ptr(*in.Min)
	}
	if in.Max != nil {
		m.Max = ptr(*in.Max)
	}
	for _, c := range in.Clear {
		if c == "min" {
			m.Min = nil
		} else {
			m.Max = nil
		}
	}
	if in.FlagAssessment != nil {
		m.FlagAssessment = *in.FlagAssessment
	}
	if in.RaiseNonconformity != nil {
		m.RaiseNonconformity = *in.RaiseNonconformity
	}
	if ms, ok := MeasureByID(m.Measure); ok && create {
		if in.Kind == nil {
			m.Kind = ms.Kind
		}
		if m.Title == "" {
			m.Title = ms.Label
		}
		// A bound the input clears stays cleared: no suggestion comes back in its place.
		if in.Min == nil && ms.Min != nil && !slices.Contains(in.Clear, "min") {
			m.Min = ptr(*ms.Min)
		}
		if in.Max == nil && ms.Max != nil && !slices.Contains(in.Clear, "max") {
			m.Max = ptr(*ms.Max)
		}
	}
	if m.Title == "" {
		m.Title = m.Name
	}
	return m
}

// Check validates the metric as a whole: bounds in order.
func (m Metric) Check() error {
	var v fault.Validation
	v.Check(m.Min != nil && m.Max != nil && *m.Min > *m.Max, "max", "must not be below min")
	return v.Err()
}

func ptr[T any](v T) *T { return &v }

// Observation is one value of a metric at a time.
type Observation struct {
	ID       string    `json:"id"`
	MetricID string    `json:"metric_id"`
	At       time.Time `json:"at"`
	Value    float64   `json:"value"`
	// Source says where the value came from: "api", or the computation ("psi", "ks",
	// "disparate_impact_ratio", "oversight_log").
	Source string `json:"source"`
	// Detail keeps what the computation found beside the value: a p-value, group rates.
	Detail map[string]float64 `json:"detail,omitempty"`
	// Breach names the bound crossed, empty when within bounds.
	Breach string `json:"breach"`
}

// Reading is an observation as pushed.
type Reading struct {
	Metric string     `json:"metric"`
	Value  float64    `json:"value"`
	At     *time.Time `json:"at,omitempty"`
}

// MaxReadings is how many readings one push may carry.
const MaxReadings = 1000

// CheckReadings validates a push: known metric names, finite values, times not in the future.
func CheckReadings(rs []Reading, known func(name string) bool, now time.Time) error {
	var v fault.Validation
	v.Check(len(rs) == 0, "readings", "send at least one reading")
	v.Check(len(rs) > MaxReadings, "readings", "send at most %d readings at once", MaxReadings)
	for i, r := range rs {
		f := fmt.Sprintf("readings[%d]", i)
		v.Check(!known(r.Metric), f+".metric", "%q is not a metric of this AI system", r.Metric)
		v.Check(math.IsNaN(r.Value) || math.IsInf(r.Value, 0), f+".value", "must be a finite number")
		v.Check(r.At != nil && r.At.After(now.Add(5*time.Minute)), f+".at", "must not be in the future")
	}
	return v.Err()
}
