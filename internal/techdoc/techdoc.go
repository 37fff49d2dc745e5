// Package techdoc outlines the technical documentation of an AI system under EU AI Act
// Art. 11 and Annex IV: section by section, what the organisation's records in Annexa
// already say, what they say only in part, and what is still to be written. A provider of a
// high-risk AI system draws this documentation up before placing it on the market; Annexa
// never writes it, it shows how far the records go and where the gaps are.
package techdoc

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/annexa-dev/annexa/catalogs"
	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/control"
	"github.com/annexa-dev/annexa/internal/evidence"
	"github.com/annexa-dev/annexa/internal/impact"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/monitor"
	"github.com/annexa-dev/annexa/internal/report"
	"github.com/annexa-dev/annexa/internal/risk"
)

// Section is one point of Annex IV (catalogs/aiact/annex-iv.json).
type Section struct {
	Point string `json:"point"`
	Cite  string `json:"cite"`
	Title string `json:"title"`
	About string `json:"about"`
	// Sources name the records that inform the section.
	Sources []string `json:"sources"`
}

type sectionFile struct {
	AsOf     string    `json:"as_of"`
	Notice   string    `json:"notice"`
	Sections []Section `json:"sections"`
}

var knownSources = []string{"system", "models", "monitoring", "assessment", "oversight", "risks", "changes", "controls", "evidence"}

var loadSections = sync.OnceValues(func() (sectionFile, error) {
	var f sectionFile
	data, err := catalogs.FS.ReadFile("aiact/annex-iv.json")
	if err != nil {
		return f, fmt.Errorf("read Annex IV outline: %w", err)
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return f, fmt.Errorf("Annex IV outline: %w", err)
	}
	if f.AsOf == "" || f.Notice == "" || len(f.Sections) != 9 {
		return f, fmt.Errorf("Annex IV outline: as_of, notice and the nine points are required")
	}
	for i, s := range f.Sections {
		if s.Point != fmt.Sprint(i+1) || s.Title == "" || s.About == "" || !strings.HasPrefix(s.Cite, "Annex IV point ") {
			return f, fmt.Errorf("Annex IV outline: section %d is incomplete or out of order", i+1)
		}
		for _, src := range s.Sources {
			if !slices.Contains(knownSources, src) {
				return f, fmt.Errorf("Annex IV outline: point %s names the unknown source %q", s.Point, src)
			}
		}
	}
	return f, nil
})

// Sections returns the nine points of Annex IV as Annexa outlines them.
func Sections() ([]Section, error) {
	f, err := loadSections()
	return slices.Clone(f.Sections), err
}

// Status says how far the records cover a section.
type Status string

const (
	FromRecords Status = "from_records"
	Partial     Status = "partial"
	Missing     Status = "missing"
)

// Fact is one thing the records say, for a section.
type Fact struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Part is one section of the outline as the records fill it.
type Part struct {
	Section
	Status Status `json:"status"`
	Facts  []Fact `json:"facts"`
	// ToWrite says what the provider still has to write for the section.
	ToWrite string `json:"to_write"`
}

// Outline is an AI system's technical documentation outline.
type Outline struct {
	SystemID   string    `json:"system_id"`
	SystemName string    `json:"system_name"`
	AsOf       time.Time `json:"as_of"`
	// Required says whether Art. 11 requires the documentation of this system, and Why.
	Required bool   `json:"required"`
	Why      string `json:"why"`
	Notice   string `json:"notice"`
	Parts    []Part `json:"parts"`
	// Counts are the sections by status (keys as the Status values).
	Counts map[string]int `json:"counts"`
}

// Records are what the organisation holds about the system, gathered by the caller.
type Records struct {
	Organisation string
	System       inventory.System
	// Assessment is the system's impact assessment in force, nil when none is approved.
	Assessment *impact.Assessment
	Risks      []risk.Risk
	Metrics    []monitor.Metric
	Alerts     []monitor.Alert
	// Oversight is the oversight log of the last 90 days.
	Oversight []monitor.OversightEntry
	History   []inventory.ClassificationRecord
	// Controls are the organisation's controls that count (not generated, at least partly in
	// place) and link to a requirement of the EU AI Act.
	Controls []control.Control
	Evidence []evidence.Evidence
}

// recent is how old a monitoring value may be and still show monitoring at work.
const recent = 90 * 24 * time.Hour

func yesNo(b *bool) string {
	switch {
	case b == nil:
		return "not recorded"
	case *b:
		return "yes"
	}
	return "no"
}

func words(s string) string { return strings.ReplaceAll(s, "_", " ") }

// Build outlines the documentation from the records as of now.
func Build(rec Records, now time.Time) (Outline, error) {
	f, err := loadSections()
	if err != nil {
		return Outline{}, err
	}
	s := rec.System
	o := Outline{SystemID: s.ID, SystemName: s.Name, AsOf: now.UTC(), Notice: f.Notice, Counts: map[string]int{}}
	provider := slices.Contains(s.ActRoles, aiact.RoleProvider)
	switch {
	case s.Tier() == aiact.TierHigh && provider:
		o.Required, o.Why = true, "Art. 11(1): the organisation is the provider of this high-risk AI system, so the documentation is drawn up before it is placed on the market or put into service and kept up to date."
	case s.Tier() == aiact.TierHigh:
		o.Why = "Art. 11 puts this duty on the system's provider; the organisation's recorded role is " + roleWords(s.ActRoles) + ". A deployer keeps the provider's instructions for use (Art. 26(1)) and may use this outline to check what it holds."
	default:
		o.Why = fmt.Sprintf("Art. 11 applies to high-risk AI systems; this system's tier is %s. The outline shows what the records hold, for documentation kept voluntarily.", tierWords(s.Tier()))
	}
	for _, sec := range f.Sections {
		p := Part{Section: sec, Facts: []Fact{}}
		fill[sec.Point](&p, rec, now)
		o.Counts[string(p.Status)]++
		o.Parts = append(o.Parts, p)
	}
	return o, nil
}

func roleWords(rs []aiact.Role) string {
	if len(rs) == 0 {
		return "not recorded"
	}
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = words(string(r))
	}
	return strings.Join(out, " and ")
}

func tierWords(t aiact.Tier) string {
	if t == "" {
		return "not classified yet"
	}
	return words(string(t))
}

func (p *Part) add(label, format string, args ...any) {
	p.Facts = append(p.Facts, Fact{Label: label, Value: fmt.Sprintf(format, args...)})
}

// fill is, per point, how the records fill the section.
var fill = map[string]func(p *Part, rec Records, now time.Time){
	"1": func(p *Part, rec Records, _ time.Time) {
		s := rec.System
		p.add("Name", "%s", s.Name)
		if s.IntendedPurpose != "" {
			p.add("Intended purpose", "%s", s.IntendedPurpose)
		}
		provider := rec.Organisation
		if s.Sourcing != "" && s.Sourcing != inventory.Sourcing("internal") && s.Vendor != "" {
			provider = s.Vendor
		}
		p.add("Provider", "%s", provider)
		for _, m := range s.Models {
			p.add("Model", "%s", modelText(m))
		}
		if s.DeploymentContext != "" {
			p.add("Where it is used", "%s", s.DeploymentContext)
		}
		if s.LifecycleStage != "" {
			p.add("Lifecycle stage", "%s", words(string(s.LifecycleStage)))
		}
		p.ToWrite = "How it interacts with other hardware, software and AI systems; the forms in which it is placed on the market; the hardware it runs on; the user interface and the instructions for use (Art. 13)."
		// The register never holds all of point 1, so the most it can be is a start.
		p.Status = Missing
		if s.IntendedPurpose != "" || len(s.Models) > 0 {
			p.Status = Partial
		}
	},
	"2": func(p *Part, rec Records, _ time.Time) {
		s := rec.System
		for _, m := range s.Models {
			p.add("Model", "%s", modelText(m))
		}
		if s.Sourcing != "" {
			p.add("Sourcing", "%s", words(string(s.Sourcing)))
		}
		p.add("Personal data processed", "%s", yesNo(s.PersonalData))
		p.add("Special categories of personal data", "%s", yesNo(s.SpecialCategoryData))
		if s.HumanOversight != "" {
			p.add("Human oversight measures", "%s", s.HumanOversight)
		}
		for _, m := range rec.Metrics {
			if m.Kind == monitor.Performance {
				p.add("Performance metric", "%s", metricText(m))
			}
		}
		p.ToWrite = "Development methods and design choices, the architecture and computational resources, data sheets with the data's provenance and preparation, validation and testing procedures with their logs, and cybersecurity measures."
		p.Status = Missing
		if len(s.Models) > 0 || s.HumanOversight != "" {
			p.Status = Partial
		}
	},
	"3": func(p *Part, rec Records, _ time.Time) {
		s := rec.System
		for _, g := range s.AffectedGroups {
			p.add("Affected group", "%s", words(string(g)))
		}
		if a := rec.Assessment; a != nil {
			p.add("Impact assessment in force", "version %d, approved %s", a.Number, dateOf(a.ApprovedAt))
		}
		for _, m := range rec.Metrics {
			if m.Kind == monitor.Fairness {
				p.add("Fairness metric", "%s", metricText(m))
				if m.Last != nil {
					for _, g := range groupRates(m.Last.Detail) {
						p.add("Group rate ("+m.Name+")", "%s", g)
					}
				}
			}
		}
		if s.HumanOversight != "" {
			p.add("Human oversight", "%s", s.HumanOversight)
		}
		p.ToWrite = "Capabilities and limits of performance, the accuracy expected for each group it is used on, foreseeable unintended outcomes and sources of risk, and the specifications of its input data."
		p.Status = Missing
		if len(p.Facts) > 0 {
			p.Status = Partial
		}
	},
	"4": func(p *Part, rec Records, _ time.Time) {
		bounded := 0
		for _, m := range rec.Metrics {
			p.add("Metric", "%s", metricText(m))
			if m.Min != nil || m.Max != nil {
				bounded++
			}
			if ms, ok := monitor.MeasureByID(m.Measure); ok {
				p.add("Basis of "+m.Name, "%s", ms.Source)
			}
		}
		p.ToWrite = "Why these metrics, and their bounds, are the right measure of this system's performance for its intended purpose."
		// Metrics with their bounds and the basis of each are the facts; why they suit the
		// system is the provider's argument, so the records make this at most a start.
		p.Status = Missing
		if bounded > 0 {
			p.Status = Partial
		}
	},
	"5": func(p *Part, rec Records, _ time.Time) {
		byLevel := map[string]int{}
		untreated := 0
		for _, r := range rec.Risks {
			byLevel[r.EffectiveLevel]++
			if r.TreatmentRequired {
				untreated++
			}
			p.add("Risk", "%s (%s, %s; treatment: %s)", r.Title, r.Category, r.EffectiveLevel, treatmentWords(r.Treatment))
		}
		if len(rec.Risks) > 0 {
			levels := make([]string, 0, len(byLevel))
			for l, n := range byLevel {
				levels = append(levels, fmt.Sprintf("%d %s", n, l))
			}
			sort.Strings(levels)
			p.Facts = append([]Fact{{Label: "Risks registered", Value: fmt.Sprintf("%d (%s); %d needing treatment without one", len(rec.Risks), strings.Join(levels, ", "), untreated)}}, p.Facts...)
		}
		p.ToWrite = "How the risk management system of Art. 9 runs for this system through its lifecycle: testing against the risks, residual risk judged acceptable, information to deployers."
		switch {
		case len(rec.Risks) > 0 && untreated == 0:
			p.Status = FromRecords
		case len(rec.Risks) > 0:
			p.Status = Partial
		default:
			p.Status = Missing
		}
	},
	"6": func(p *Part, rec Records, _ time.Time) {
		for _, h := range rec.History {
			p.add("Classified "+h.ClassifiedAt.UTC().Format(time.DateOnly), "%s (%s)", tierWords(h.Tier), h.Cause)
		}
		for _, r := range rec.System.ReviewReasons {
			p.add("Material change "+r.At.UTC().Format(time.DateOnly), "%s", r.Reason)
		}
		p.ToWrite = "The changes the provider made to the system and their effect on its conformity, beyond what the register records."
		p.Status = Missing
		if len(p.Facts) > 0 {
			p.Status = Partial
		}
	},
	"7": func(p *Part, rec Records, _ time.Time) {
		for _, c := range rec.Controls {
			var arts []string
			for _, l := range c.Links {
				if l.Catalog == EUAIActCatalog {
					arts = append(arts, l.Item)
				}
			}
			p.add("Control", "%s %s (%s; %s)", c.Ref, c.Title, words(string(c.Status)), strings.Join(arts, ", "))
		}
		p.ToWrite = "The harmonised standards or common specifications applied, in whole or in part, or the other solutions adopted to meet each requirement of Chapter III, Section 2."
		p.Status = Missing
		if len(rec.Controls) > 0 {
			p.Status = Partial
		}
	},
	"8": func(p *Part, rec Records, now time.Time) {
		found := false
		for _, e := range rec.Evidence {
			p.add("Evidence on the system", "%s (%s)", e.Title, words(string(e.ValidityAt(now))))
			found = found || strings.Contains(strings.ToLower(e.Title), "declaration of conformity")
		}
		p.ToWrite = "Attach the signed EU declaration of conformity (Art. 47) to this AI system as evidence."
		p.Status = Missing
		if found {
			p.Status = Partial
			p.ToWrite = "Evidence titled as a declaration of conformity is attached: check it is the signed and current one (Art. 47)."
		}
	},
	"9": func(p *Part, rec Records, now time.Time) {
		fresh := 0
		for _, m := range rec.Metrics {
			p.add("Metric", "%s", metricText(m))
			if m.Last != nil && now.Sub(m.Last.At) <= recent {
				fresh++
			}
		}
		unresolved := 0
		for _, a := range rec.Alerts {
			if a.Status != monitor.AlertResolved {
				unresolved++
			}
		}
		if len(rec.Alerts) > 0 {
			p.add("Alerts", "%d raised, %d not yet resolved", len(rec.Alerts), unresolved)
		}
		if rate, ok := monitor.OverrideRate(rec.Oversight); ok {
			p.add("Human oversight, last 90 days", "%d decisions reviewed, %.0f%% overridden or stopped", len(rec.Oversight), rate*100)
		}
		p.ToWrite = "The post-market monitoring plan (Art. 72(3)): what data is collected from deployers and other sources, how it is analysed, and how serious incidents are reported (Art. 73)."
		if fresh == 0 && len(rec.Metrics) > 0 {
			p.add("Monitoring", "no metric has a value from the last 90 days")
		}
		p.Status = Missing
		if fresh > 0 || len(rec.Oversight) > 0 {
			p.Status = Partial
		}
	},
}

// EUAIActCatalog is the catalog id of the EU AI Act, whose articles controls link to.
const EUAIActCatalog = "eu-ai-act-2024-1689"

func modelText(m inventory.Model) string {
	s := m.Name
	if m.Version != "" {
		s += " " + m.Version
	}
	if m.Provider != "" {
		s += " (" + m.Provider + ")"
	}
	return s
}

func metricText(m monitor.Metric) string {
	s := fmt.Sprintf("%s — %s", m.Name, m.Title)
	var bounds []string
	if m.Min != nil {
		bounds = append(bounds, fmt.Sprintf("at least %g", *m.Min))
	}
	if m.Max != nil {
		bounds = append(bounds, fmt.Sprintf("at most %g", *m.Max))
	}
	if len(bounds) > 0 {
		s += ", " + strings.Join(bounds, " and ")
	}
	if m.Last != nil {
		s += fmt.Sprintf("; last %g on %s", m.Last.Value, m.Last.At.UTC().Format(time.DateOnly))
		if m.Last.Breach != "" {
			s += " (" + m.Last.Breach + ")"
		}
	} else {
		s += "; no value recorded"
	}
	return s
}

// groupRates prints the group rates a fairness computation kept ("rate:<group>" keys).
func groupRates(detail map[string]float64) []string {
	var out []string
	for k, v := range detail {
		if g, ok := strings.CutPrefix(k, "rate:"); ok {
			out = append(out, fmt.Sprintf("%s %.2f", g, v))
		}
	}
	sort.Strings(out)
	return out
}

func dateOf(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return t.UTC().Format(time.DateOnly)
}

func treatmentWords(t risk.Treatment) string {
	if t == "" {
		return "none chosen"
	}
	return words(string(t))
}

// Document lays the outline out as a PDF document for the provider's documentation file.
func (o Outline) Document(organisation string) report.Document {
	required := "Not required by Art. 11"
	if o.Required {
		required = "Required (Art. 11(1))"
	}
	d := report.Document{
		Title:    "Technical documentation outline",
		Subtitle: o.SystemName + " — EU AI Act Art. 11 and Annex IV",
		Footer:   fmt.Sprintf("%s · Technical documentation outline · %s · %s", organisation, o.SystemName, o.AsOf.Format(time.DateOnly)),
		Created:  o.AsOf,
		Facts: []report.Fact{{Label: "Organisation", Value: organisation}, {Label: "AI system", Value: o.SystemName},
			{Label: "Documentation", Value: required}, {Label: "Why", Value: o.Why},
			{Label: "Sections", Value: fmt.Sprintf("%d from the records, %d partly, %d still to write", o.Counts[string(FromRecords)], o.Counts[string(Partial)], o.Counts[string(Missing)])},
			{Label: "Note", Value: o.Notice}},
	}
	for _, p := range o.Parts {
		d.Blocks = append(d.Blocks, report.Heading(fmt.Sprintf("%s. %s (%s)", p.Point, p.Title, p.Cite)), report.Paragraph(p.About))
		rows := make([][]string, len(p.Facts))
		for i, f := range p.Facts {
			rows[i] = []string{f.Label, f.Value}
		}
		d.Blocks = append(d.Blocks, report.Table{Columns: []report.Column{{Title: "From the records", Width: 50}, {Title: "", Width: 136}}, Rows: rows,
			Empty: "The records hold nothing for this section yet."},
			report.Paragraph(fmt.Sprintf("Status: %s. Still to write: %s", statusWords[p.Status], p.ToWrite)))
	}
	return d
}

var statusWords = map[Status]string{FromRecords: "from the records", Partial: "partly from the records", Missing: "not in the records"}
