package readiness

import (
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"github.com/annexa-dev/annexa/catalogs"
	"github.com/annexa-dev/annexa/internal/catalog"
)

// Category sorts an ISO/IEC 42001 item by how much of it ISO/IEC 27001 work already covers.
type Category string

const (
	CarriedOver Category = "carried_over"
	AIExtension Category = "ai_extension"
	NewWork     Category = "new_work"
)

// Categories lists the categories in report order.
var Categories = []Category{CarriedOver, AIExtension, NewWork}

type categoryInfo struct {
	Label string  `json:"label"`
	Days  float64 `json:"days"`
	About string  `json:"about"`
}

// CarryOverRules are the effort estimates behind the carry-over report.
type CarryOverRules struct {
	AsOf       string                    `json:"as_of"`
	Provenance string                    `json:"provenance"`
	Categories map[Category]categoryInfo `json:"categories"`
	Overrides  map[string]float64        `json:"overrides"`
}

var defaultCarryOver = sync.OnceValues(func() (*CarryOverRules, error) {
	data, err := catalogs.FS.ReadFile("readiness/carryover.json")
	if err != nil {
		return nil, err
	}
	var r CarryOverRules
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("carry-over rules: %w", err)
	}
	for _, c := range Categories {
		if r.Categories[c].Label == "" || r.Categories[c].Days < 0 {
			return nil, fmt.Errorf("carry-over rules: category %s is missing", c)
		}
	}
	return &r, nil
})

// DefaultCarryOverRules returns the embedded estimates.
func DefaultCarryOverRules() (*CarryOverRules, error) { return defaultCarryOver() }

// Counterpart is an ISO/IEC 27001 item the crosswalk pairs with an ISO/IEC 42001 item.
type Counterpart struct {
	ID           string               `json:"id"`
	Title        string               `json:"title"`
	Relationship catalog.Relationship `json:"relationship"`
	Rationale    string               `json:"rationale"`
	Status       Status               `json:"status"`
	Controls     []string             `json:"controls,omitempty"`
	Evidence     int                  `json:"evidence"`
}

// CarryItem is one ISO/IEC 42001 clause or control, sorted into a category with why.
type CarryItem struct {
	ID           string        `json:"id"`
	Title        string        `json:"title"`
	Kind         string        `json:"kind"`
	Category     Category      `json:"category"`
	Why          string        `json:"why"`
	Counterparts []Counterpart `json:"counterparts"`
	// Status is the item's own ISO/IEC 42001 readiness; a met item has no effort left.
	Status     Status  `json:"status"`
	EffortDays float64 `json:"effort_days"`
}

// CarryOver is the "how far does ISO/IEC 27001 take us" report.
type CarryOver struct {
	Items []CarryItem `json:"items"`
	// Counts, EffortDays and Labels are keyed by category id.
	Counts     map[string]int     `json:"counts"`
	EffortDays map[string]float64 `json:"effort_days"`
	TotalDays  float64            `json:"total_days"`
	Labels     map[string]string  `json:"labels"`
	Basis      string             `json:"basis"`
}

// ComputeCarryOver sorts every ISO/IEC 42001 clause and control by its ISO/IEC 27001
// counterparts and how far those stand in the organisation's own ISO/IEC 27001 readiness:
// an equal counterpart in place (met, or implemented by controls with current evidence)
// carries over; related work that exists needs an AI
// extension; no counterpart, or one not yet in place, is new work. Remaining effort is the
// category's estimate, scaled down by the item's own ISO/IEC 42001 progress.
func ComputeCarryOver(iso42, iso27 Report, lib *catalog.Library, rules *CarryOverRules) (CarryOver, error) {
	out := CarryOver{Counts: map[string]int{}, EffortDays: map[string]float64{}, Labels: map[string]string{},
		Basis: rules.Provenance + " Estimates as of " + rules.AsOf + "."}
	for _, c := range Categories {
		out.Labels[string(c)] = rules.Categories[c].Label
	}
	x, err := lib.Crosswalk("iso27001-2022", "iso42001-2023")
	if err != nil {
		return out, err
	}
	status27 := map[string]Item{}
	for _, sec := range append(append([]Section{}, iso27.Clauses...), iso27.AnnexA...) {
		for _, it := range sec.Items {
			status27[it.ID] = it
		}
	}
	noCounterpart := map[string]string{}
	for _, n := range x.NoCounterpart {
		if n.Side == "to" {
			noCounterpart[n.ID] = n.Reason
		}
	}
	for _, sec := range append(append([]Section{}, iso42.Clauses...), iso42.AnnexA...) {
		for _, it := range sec.Items {
			ci := CarryItem{ID: it.ID, Title: it.Title, Kind: it.Kind, Status: it.Status, Counterparts: []Counterpart{}}
			var equalMet, someInPlace bool
			for _, m := range x.Mappings {
				if m.To != it.ID || m.Relationship == catalog.NotRelated {
					continue
				}
				cp := Counterpart{ID: m.From, Relationship: m.Relationship, Rationale: m.Rationale, Status: Open}
				if t, err := lib.Item("iso27001-2022", m.From); err == nil {
					cp.Title = t.Title
				}
				if s, ok := status27[m.From]; ok {
					cp.Status, cp.Controls, cp.Evidence = s.Status, s.Controls, s.Evidence
				}
				// A counterpart is in place when its readiness is met, or when the organisation's
				// controls implement it with current evidence: an internal-audit procedure is in
				// place before the next audit is held and recorded.
				inPlace := cp.Status == Met || (len(cp.Controls) > 0 && cp.Evidence > 0)
				equalMet = equalMet || (m.Relationship == catalog.Equal && inPlace)
				someInPlace = someInPlace || inPlace || cp.Status == Partial || len(cp.Controls) > 0
				ci.Counterparts = append(ci.Counterparts, cp)
			}
			switch {
			case len(ci.Counterparts) == 0:
				ci.Category = NewWork
				ci.Why = "ISO/IEC 27001 has no counterpart."
				if r := noCounterpart[it.ID]; r != "" {
					ci.Why = "ISO/IEC 27001 has no counterpart: " + r
				}
			case equalMet:
				ci.Category = CarriedOver
				ci.Why = "The same process is in place for ISO/IEC 27001; confirm it covers AI and reference it."
			case someInPlace:
				ci.Category = AIExtension
				ci.Why = "Related ISO/IEC 27001 work is in place; extend it to AI systems and AI risks."
			default:
				ci.Category = NewWork
				ci.Why = "It has ISO/IEC 27001 counterparts, but none is in place yet."
			}
			days := rules.Categories[ci.Category].Days
			if d, ok := rules.Overrides[it.ID]; ok && ci.Category != CarriedOver {
				days = d
			}
			ci.EffortDays = days * (1 - it.Status.score())
			if it.Status == NotApplicable {
				ci.EffortDays = 0
			}
			out.Counts[string(ci.Category)]++
			out.EffortDays[string(ci.Category)] += ci.EffortDays
			out.TotalDays += ci.EffortDays
			out.Items = append(out.Items, ci)
		}
	}
	sort.SliceStable(out.Items, func(i, j int) bool { return catOrder(out.Items[i].Category) < catOrder(out.Items[j].Category) })
	return out, nil
}

func catOrder(c Category) int {
	for i, x := range Categories {
		if x == c {
			return i
		}
	}
	return len(Categories)
}
