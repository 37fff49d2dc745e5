// Package roadmap is Annexa's decision support: which standards and programmes an
// organisation needs, and why, from a few answers; and a phased roadmap — scope and roles →
// AI inventory → risk extension → controls → unified audits — whose durations shrink with the
// work the organisation has already recorded. Questions, rules and phases are data.
package roadmap

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/annexa-dev/annexa/catalogs"
)

// Question is one yes/no question of the decision questionnaire.
type Question struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	Help string `json:"help"`
}

// rule holds when any of its alternatives holds; an alternative holds when all its answers are yes.
type rule [][]string

func (r rule) holds(a Answers) bool {
	for _, alt := range r {
		all := len(alt) > 0
		for _, q := range alt {
			all = all && a[q]
		}
		if all {
			return true
		}
	}
	return false
}

type recommendationRule struct {
	ID            string   `json:"id"`
	Title         string   `json:"title"`
	RequiredIf    rule     `json:"required_if"`
	RecommendedIf rule     `json:"recommended_if"`
	OptionalIf    rule     `json:"optional_if"`
	Why           string   `json:"why"`
	OptionalWhy   string   `json:"optional_why"`
	Refs          []string `json:"refs"`
	Already       string   `json:"already"`
	AlreadyText   string   `json:"already_text"`
}

type adviceData struct {
	ID              string               `json:"id"`
	AsOf            string               `json:"as_of"`
	Provenance      string               `json:"provenance"`
	Questions       []Question           `json:"questions"`
	Recommendations []recommendationRule `json:"recommendations"`
}

// Step is one measurable piece of a phase.
type Step struct {
	ID     string  `json:"id"`
	Title  string  `json:"title"`
	Weight float64 `json:"weight"`
}

// Phase is one stage of the roadmap.
type Phase struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Weeks   float64  `json:"weeks"`
	Clauses []string `json:"clauses"`
	Why     string   `json:"why"`
	Steps   []Step   `json:"steps"`
}

type phaseData struct {
	ID         string  `json:"id"`
	AsOf       string  `json:"as_of"`
	Provenance string  `json:"provenance"`
	Phases     []Phase `json:"phases"`
}

// Data is the decision-support content.
type Data struct {
	advice adviceData
	phases phaseData
}

// Load reads and checks the two data files.
func Load(advice, phases []byte) (*Data, error) {
	var d Data
	if err := json.Unmarshal(advice, &d.advice); err != nil {
		return nil, fmt.Errorf("roadmap advice: %w", err)
	}
	if err := json.Unmarshal(phases, &d.phases); err != nil {
		return nil, fmt.Errorf("roadmap phases: %w", err)
	}
	known := map[string]bool{}
	for _, q := range d.advice.Questions {
		if q.ID == "" || known[q.ID] || q.Text == "" {
			return nil, fmt.Errorf("roadmap advice: question %q is unnamed, repeated or has no text", q.ID)
		}
		known[q.ID] = true
	}
	for _, r := range d.advice.Recommendations {
		if r.Why == "" || r.Title == "" {
			return nil, fmt.Errorf("roadmap advice: recommendation %s has no title or reason", r.ID)
		}
		for _, ru := range []rule{r.RequiredIf, r.RecommendedIf, r.OptionalIf} {
			for _, alt := range ru {
				for _, q := range alt {
					if !known[q] {
						return nil, fmt.Errorf("roadmap advice: recommendation %s refers to unknown question %q", r.ID, q)
					}
				}
			}
		}
		if r.Already != "" && !known[r.Already] {
			return nil, fmt.Errorf("roadmap advice: recommendation %s refers to unknown question %q", r.ID, r.Already)
		}
	}
	steps := map[string]bool{}
	for _, p := range d.phases.Phases {
		if p.ID == "" || p.Weeks <= 0 || len(p.Steps) == 0 {
			return nil, fmt.Errorf("roadmap phases: phase %q needs an id, a duration and steps", p.ID)
		}
		for _, s := range p.Steps {
			if s.ID == "" || steps[s.ID] || s.Weight <= 0 {
				return nil, fmt.Errorf("roadmap phases: step %q is unnamed, repeated or weightless", s.ID)
			}
			steps[s.ID] = true
		}
	}
	return &d, nil
}

var defaultData = sync.OnceValues(func() (*Data, error) {
	a, err := catalogs.FS.ReadFile("roadmap/advice.json")
	if err != nil {
		return nil, err
	}
	p, err := catalogs.FS.ReadFile("roadmap/phases.json")
	if err != nil {
		return nil, err
	}
	return Load(a, p)
})

// Default returns the embedded decision-support data.
func Default() (*Data, error) { return defaultData() }

// Questions are the decision questionnaire's questions, in order.
func (d *Data) Questions() []Question { return slices.Clone(d.advice.Questions) }

// StepIDs lists every roadmap step, for the code that measures progress.
func (d *Data) StepIDs() []string {
	var ids []string
	for _, p := range d.phases.Phases {
		for _, s := range p.Steps {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

// Answers are the yes answers to the questions, by id.
type Answers map[string]bool

// Level says how strongly a programme is indicated.
type Level string

const (
	Required     Level = "required"
	Recommended  Level = "recommended"
	Optional     Level = "optional"
	NotIndicated Level = "not_indicated"
)

// Recommendation is one standard or programme with its verdict and why.
type Recommendation struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Level   Level    `json:"level"`
	Why     string   `json:"why"`
	Refs    []string `json:"refs,omitempty"`
	Already string   `json:"already,omitempty"`
}

// Advice is the questionnaire's answer.
type Advice struct {
	Recommendations []Recommendation `json:"recommendations"`
	AsOf            string           `json:"as_of"`
	Provenance      string           `json:"provenance"`
}

// Advise says which standards and programmes the answers call for.
func (d *Data) Advise(a Answers) Advice {
	out := Advice{AsOf: d.advice.AsOf, Provenance: d.advice.Provenance}
	for _, r := range d.advice.Recommendations {
		rec := Recommendation{ID: r.ID, Title: r.Title, Level: NotIndicated, Refs: r.Refs,
			Why: "Nothing in your answers calls for it."}
		switch {
		case r.RequiredIf.holds(a):
			rec.Level, rec.Why = Required, r.Why
		case r.RecommendedIf.holds(a):
			rec.Level, rec.Why = Recommended, r.Why
		case r.OptionalIf.holds(a):
			rec.Level, rec.Why = Optional, r.OptionalWhy
		}
		if r.Already != "" && a[r.Already] {
			rec.Already = r.AlreadyText
		}
		out.Recommendations = append(out.Recommendations, rec)
	}
	return out
}

// Progress is how far each step is done, from 0 to 1, measured from the organisation's records.
type Progress map[string]float64

// StepState is a step with how far it is done.
type StepState struct {
	Step
	Done float64 `json:"done"`
}

// PhasePlan is one phase placed on the calendar.
type PhasePlan struct {
	ID        string      `json:"id"`
	Title     string      `json:"title"`
	Why       string      `json:"why"`
	Clauses   []string    `json:"clauses"`
	Steps     []StepState `json:"steps"`
	Done      float64     `json:"done"`
	BaseWeeks float64     `json:"base_weeks"`
	Weeks     float64     `json:"weeks"`
	Start     time.Time   `json:"start"`
	End       time.Time   `json:"end"`
}

// Roadmap is the phased plan from a start date.
type Roadmap struct {
	Start      time.Time   `json:"start"`
	End        time.Time   `json:"end"`
	Weeks      float64     `json:"weeks"`
	Phases     []PhasePlan `json:"phases"`
	AsOf       string      `json:"as_of"`
	Provenance string      `json:"provenance"`
}

// Plan places the phases one after another from start; each takes its base duration less the
// share of its weighted steps already done, rounded up to half a week.
func (d *Data) Plan(p Progress, start time.Time) Roadmap {
	rm := Roadmap{Start: start, AsOf: d.phases.AsOf, Provenance: d.phases.Provenance}
	at := start
	for _, ph := range d.phases.Phases {
		plan := PhasePlan{ID: ph.ID, Title: ph.Title, Why: ph.Why, Clauses: ph.Clauses, BaseWeeks: ph.Weeks}
		var total, done float64
		for _, s := range ph.Steps {
			v := math.Max(0, math.Min(1, p[s.ID]))
			plan.Steps = append(plan.Steps, StepState{Step: s, Done: v})
			total += s.Weight
			done += s.Weight * v
		}
		plan.Done = done / total
		plan.Weeks = math.Ceil(ph.Weeks*(1-plan.Done)*2) / 2
		plan.Start = at
		at = at.AddDate(0, 0, int(math.Round(plan.Weeks*7)))
		plan.End = at
		rm.Weeks += plan.Weeks
		rm.Phases = append(rm.Phases, plan)
	}
	rm.End = at
	return rm
}

// CSVRows returns the roadmap as rows for a CSV file, header first.
func (rm Roadmap) CSVRows() [][]string {
	rows := [][]string{{"phase", "step", "done_percent", "phase_start", "phase_end", "phase_weeks", "clauses"}}
	for _, ph := range rm.Phases {
		for _, s := range ph.Steps {
			rows = append(rows, []string{ph.Title, s.Title, fmt.Sprintf("%.0f", s.Done*100), ph.Start.Format(time.DateOnly),
				ph.End.Format(time.DateOnly), fmt.Sprintf("%.1f", ph.Weeks), fmt.Sprint(ph.Clauses)})
		}
	}
	return rows
}

// Facts are the figures from the organisation's records that the roadmap measures progress by.
// Each is counted only from real records: starter templates, drafts and expired evidence never
// count.
type Facts struct {
	ISMSScope, AIMSScope, AIRoles bool
	// Team counts people other than administrators.
	Team int
	// Systems, SystemsComplete and SystemsClassified come from the AI system register.
	Systems, SystemsComplete, SystemsClassified int
	RiskMethodSet                               bool
	SystemsWithRisks, AIRisks, AIRisksTreated   int
	AssessmentsApproved                         int
	Controls, ControlsImplemented               int
	SoA42001Approved                            bool
	EvidenceNeeded, EvidenceCurrent             int
	InternalAudits, ManagementReviews           int
}

func yes(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func share(n, of int) float64 {
	if of <= 0 {
		return 0
	}
	return math.Min(1, float64(n)/float64(of))
}

// Progress turns the figures into per-step progress.
func (f Facts) Progress() Progress {
	return Progress{
		"isms_scope":           yes(f.ISMSScope),
		"aims_scope":           yes(f.AIMSScope),
		"ai_roles":             yes(f.AIRoles),
		"team":                 yes(f.Team > 0),
		"systems_registered":   yes(f.Systems > 0),
		"systems_complete":     share(f.SystemsComplete, f.Systems),
		"systems_classified":   share(f.SystemsClassified, f.Systems),
		"risk_method":          yes(f.RiskMethodSet),
		"ai_risks":             share(f.SystemsWithRisks, f.Systems),
		"risks_treated":        share(f.AIRisksTreated, f.AIRisks),
		"assessments_approved": share(f.AssessmentsApproved, f.Systems),
		"controls_implemented": share(f.ControlsImplemented, f.Controls),
		"soa_42001":            yes(f.SoA42001Approved),
		"evidence_current":     share(f.EvidenceCurrent, f.EvidenceNeeded),
		"internal_audit":       yes(f.InternalAudits > 0),
		"management_review":    yes(f.ManagementReviews > 0),
	}
}
