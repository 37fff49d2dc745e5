package risk

import (
	"fmt"
	"slices"
	"strings"

	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/inventory"
)

// Suggestion is a template proposed for one AI system, with why, scored on the organisation's
// matrix, and what has become of it.
type Suggestion struct {
	Template
	SystemID string   `json:"system_id"`
	Because  []string `json:"because"`
	// State is new, accepted (a risk was created from it) or discarded.
	State string `json:"state"`
	// RiskID is the risk created from the suggestion, when accepted.
	RiskID string `json:"risk_id,omitempty"`
}

// Suggestion states.
const (
	SuggestionNew       = "new"
	SuggestionAccepted  = "accepted"
	SuggestionDiscarded = "discarded"
)

// Generative reports whether a system uses a generative model, and says how that was seen: a
// general-purpose AI model, a transparency indicator of synthetic content, or a model whose
// type or name is one of the generative keywords.
func Generative(sys inventory.System) (bool, string) {
	if sys.Facts.GPAI.IsGPAIModel {
		return true, "it is or uses a general-purpose AI model"
	}
	for _, t := range sys.Facts.TransparencyIndicators {
		if t == "generates_synthetic_content" || t == "deep_fake" {
			return true, "it generates synthetic content"
		}
	}
	kws := mustData().templates.GenerativeModelKeywords
	for _, m := range sys.Models {
		text := strings.ToLower(m.Type + " " + m.Name)
		if m.ModelCard != nil {
			text += " " + strings.ToLower(m.ModelCard.Task+" "+m.ModelCard.ArchitectureFamily)
		}
		for _, k := range kws {
			if containsWord(text, k) {
				return true, fmt.Sprintf("model %s is a generative model (%s)", m.Name, k)
			}
		}
	}
	return false, ""
}

// containsWord finds k in text at word boundaries, so "gpt" matches "gpt-4o" but "llm" does
// not match "fullmoon".
func containsWord(text, k string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], k)
		if j < 0 {
			return false
		}
		s, e := i+j, i+j+len(k)
		if (s == 0 || !isWordByte(text[s-1])) && (e == len(text) || !isWordByte(text[e])) {
			return true
		}
		i = s + 1
	}
}

func isWordByte(b byte) bool { return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' }

// matches reports whether the template applies to the system and why.
func (c TemplateCondition) matches(sys inventory.System) ([]string, bool) {
	var why []string
	if len(c.AnnexIII) > 0 {
		var hit []string
		for _, p := range sys.Facts.AnnexIIIUseCases {
			if slices.Contains(c.AnnexIII, string(p)) {
				hit = append(hit, string(p))
			}
		}
		if len(hit) == 0 {
			return nil, false
		}
		why = append(why, "EU AI Act Annex III use case "+strings.Join(hit, ", "))
	}
	if len(c.Tiers) > 0 {
		if !slices.Contains(c.Tiers, string(sys.Tier())) {
			return nil, false
		}
		why = append(why, "classified "+string(sys.Tier())+" risk under the EU AI Act")
	}
	if len(c.Sourcing) > 0 {
		if !slices.Contains(c.Sourcing, string(sys.Sourcing)) {
			return nil, false
		}
		w := "sourced from a third party"
		if sys.Vendor != "" {
			w += " (" + sys.Vendor + ")"
		}
		why = append(why, w)
	}
	if len(c.Automation) > 0 {
		if !slices.Contains(c.Automation, string(sys.Automation)) {
			return nil, false
		}
		why = append(why, "automation: "+strings.ReplaceAll(string(sys.Automation), "_", " "))
	}
	if len(c.AffectedGroups) > 0 {
		var hit []string
		for _, g := range sys.AffectedGroups {
			if slices.Contains(c.AffectedGroups, string(g)) {
				hit = append(hit, strings.ReplaceAll(string(g), "_", " "))
			}
		}
		if len(hit) == 0 {
			return nil, false
		}
		why = append(why, "affects "+strings.Join(hit, ", "))
	}
	if c.Generative {
		ok, how := Generative(sys)
		if !ok {
			return nil, false
		}
		why = append(why, how)
	}
	if c.InteractsWithPeople {
		if !slices.Contains(sys.Facts.TransparencyIndicators, aiact.TransparencyIndicator("interacts_directly_with_natural_persons")) {
			return nil, false
		}
		why = append(why, "it interacts directly with people")
	}
	if c.PersonalData {
		if sys.PersonalData == nil || !*sys.PersonalData {
			return nil, false
		}
		why = append(why, "it processes personal data")
	}
	if c.SpecialCategoryData {
		if sys.SpecialCategoryData == nil || !*sys.SpecialCategoryData {
			return nil, false
		}
		why = append(why, "it processes special-category personal data")
	}
	if c.Transparency {
		if len(sys.Facts.TransparencyIndicators) == 0 {
			return nil, false
		}
		why = append(why, "EU AI Act Art. 50 transparency applies")
	}
	return why, len(why) > 0
}

// Suggest lists the templates that apply to a system, scored on the method's matrix. state
// maps template ids already dealt with for this system to their state and risk id.
func Suggest(sys inventory.System, m Method, state map[string]SuggestionState) []Suggestion {
	out := []Suggestion{}
	for _, t := range mustData().templates.Templates {
		why, ok := t.When.matches(sys)
		if !ok {
			continue
		}
		s := Suggestion{Template: t, SystemID: sys.ID, Because: why, State: SuggestionNew}
		s.Likelihood = Rescale(t.Likelihood, 5, m.MaxLikelihood())
		s.Impact = Rescale(t.Impact, 5, m.MaxImpact())
		if st, ok := state[t.ID]; ok {
			s.State, s.RiskID = st.State, st.RiskID
		}
		out = append(out, s)
	}
	return out
}

// SuggestionState is what a person did with one suggestion for one system.
type SuggestionState struct {
	TemplateID string `json:"template_id"`
	State      string `json:"state"`
	RiskID     string `json:"risk_id,omitempty"`
}

// Template returns the template with the given id.
func TemplateByID(id string) (Template, bool) {
	for _, t := range mustData().templates.Templates {
		if t.ID == id {
			return t, true
		}
	}
	return Template{}, false
}

// FromSuggestion is the input that creates a risk from a suggestion for a system; edits, when
// given, replace the suggested values.
func FromSuggestion(s Suggestion, edits Input) Input {
	title, desc, cat, by := s.Title, s.Description, s.Category, s.ID
	l, i := s.Likelihood, s.Impact
	sources, controls, systems := slices.Clone(s.Sources), slices.Clone(s.Controls), []string{s.SystemID}
	in := Input{Title: &title, Description: &desc, Category: &cat, Likelihood: &l, Impact: &i, Sources: &sources,
		Controls: &controls, AISystemIDs: &systems, SuggestedBy: &by}
	if edits.Title != nil {
		in.Title = edits.Title
	}
	if edits.Description != nil {
		in.Description = edits.Description
	}
	if edits.Category != nil {
		in.Category = edits.Category
	}
	if edits.Likelihood != nil {
		in.Likelihood = edits.Likelihood
	}
	if edits.Impact != nil {
		in.Impact = edits.Impact
	}
	if edits.Sources != nil {
		in.Sources = edits.Sources
	}
	if edits.Controls != nil {
		in.Controls = edits.Controls
	}
	in.OwnerID, in.Treatment, in.Actions, in.Assets = edits.OwnerID, edits.Treatment, edits.Actions, edits.Assets
	in.ResidualLikelihood, in.ResidualImpact, in.ResidualReason, in.NextReview = edits.ResidualLikelihood, edits.ResidualImpact, edits.ResidualReason, edits.NextReview
	if edits.AISystemIDs != nil {
		ids := slices.Clone(*edits.AISystemIDs)
		if !slices.Contains(ids, s.SystemID) {
			ids = append([]string{s.SystemID}, ids...)
		}
		in.AISystemIDs = &ids
	}
	return in
}
