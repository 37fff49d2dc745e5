package impact

import (
	"fmt"
	"strings"

	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/risk"
)

// RaisedRisk is one effect of an approved assessment and the risk it raised in the register.
type RaisedRisk struct {
	PartyIndex  int        `json:"party_index"`
	EffectIndex int        `json:"effect_index"`
	Party       string     `json:"party"`
	EffectKind  EffectKind `json:"effect_kind"`
	// RiskID is empty when the risk was raised and later deleted from the register: the effect
	// stays raised, so raising again does not bring back what a person removed.
	RiskID string `json:"risk_id"`
	Title  string `json:"title"`
	Level  string `json:"level"`
	// AssessmentID is the version that raised it; an earlier version for an effect carried over.
	AssessmentID string `json:"assessment_id"`
}

// SkippedEffect is an effect not worth registering, and why.
type SkippedEffect struct {
	PartyIndex  int        `json:"party_index"`
	EffectIndex int        `json:"effect_index"`
	Party       string     `json:"party"`
	EffectKind  EffectKind `json:"effect_kind"`
	Reason      string     `json:"reason"`
}

// RaiseResult is the answer to raising risks from an approved assessment.
type RaiseResult struct {
	AssessmentID  string          `json:"assessment_id"`
	Created       []RaisedRisk    `json:"created"`
	AlreadyRaised []RaisedRisk    `json:"already_raised"`
	Skipped       []SkippedEffect `json:"skipped"`
}

// RiskDraft is a risk to register for one effect, with the key that makes raising idempotent.
type RiskDraft struct {
	PartyIndex  int
	EffectIndex int
	Party       string
	Kind        EffectKind
	// Key identifies the effect across versions of the same system's assessment: the party's
	// name, the effect's kind and its ordinal among the party's effects of that kind. Ratings,
	// text and the order of parties may change without raising the effect twice.
	Key   string
	Input risk.Input
}

// EffectKey is the identity of the effect at (party p, effect e) of c, as RiskDraft.Key says.
func EffectKey(c Content, p, e int) string {
	party := c.AffectedParties[p]
	kind := party.Effects[e].Kind
	ordinal := 0
	for _, x := range party.Effects[:e] {
		if x.Kind == kind {
			ordinal++
		}
	}
	return fmt.Sprintf("%s|%s|%d", strings.ToLower(strings.Join(strings.Fields(party.Name), " ")), kind, ordinal)
}

// RisksToRaise turns the effects of an approved version into risks for the register, on the
// organisation's method m. An effect is worth registering when its severity and likelihood,
// carried onto m's scales, land in a level the acceptance criteria say needs treatment — the
// organisation's own line, not one drawn here; the others are skipped with the reason.
// The risk's category is the template's for the effect kind, its sources the category's
// Annex C identifiers, its controls the effect kind's ISO/IEC 42001 references, and the
// mitigations become the treatment plan. owner becomes the risk's and the actions' owner.
func RisksToRaise(a Assessment, systemName string, tpl *Template, m risk.Method, categories []risk.Category, owner string) ([]RiskDraft, []SkippedEffect, error) {
	if a.Status != Approved {
		return nil, nil, fault.New(fault.Conflict, "only the approved version in force raises risks; this version is %s", a.Status.Label())
	}
	annexC := map[string][]string{}
	for _, c := range categories {
		annexC[c.ID] = c.AnnexC
	}
	var drafts []RiskDraft
	var skipped []SkippedEffect
	for p, party := range a.AffectedParties {
		for e, eff := range party.Effects {
			spec := tpl.Effect(eff.Kind)
			skip := func(reason string) {
				skipped = append(skipped, SkippedEffect{PartyIndex: p, EffectIndex: e, Party: party.Name, EffectKind: eff.Kind, Reason: reason})
			}
			if eff.Severity == 0 || eff.Likelihood == 0 {
				skip("not rated")
				continue
			}
			l := risk.Rescale(eff.Likelihood, MaxRating, m.MaxLikelihood())
			i := risk.Rescale(eff.Severity, MaxRating, m.MaxImpact())
			lvl := m.LevelFor(l * i)
			if !lvl.NeedsTreatment {
				skip(fmt.Sprintf("severity %d and likelihood %d score %d on the risk matrix, level %s, which the acceptance criteria do not require to be treated",
					eff.Severity, eff.Likelihood, l*i, lvl.Name))
				continue
			}
			if spec.RiskCategory == "" {
				skip("the template maps this effect kind to no risk category")
				continue
			}
			drafts = append(drafts, RiskDraft{PartyIndex: p, EffectIndex: e, Party: party.Name, Kind: eff.Kind, Key: EffectKey(a.Content, p, e),
				Input: riskInput(a, systemName, party, eff, spec, tpl, l, i, annexC[spec.RiskCategory], owner)})
		}
	}
	return drafts, skipped, nil
}

func riskInput(a Assessment, systemName string, party Party, eff Effect, spec EffectSpec, tpl *Template, l, i int, sources []string, owner string) risk.Input {
	summary := firstLine(eff.Description)
	if summary == "" {
		summary = spec.Label
	}
	title := clip(fmt.Sprintf("%s: %s — %s", systemName, party.Name, summary), 300)
	desc := strings.TrimSpace(eff.Description)
	if desc != "" {
		desc += "\n\n"
	}
	desc += fmt.Sprintf("Raised from the approved impact assessment of %s, version %d: %s for %s (%s). Severity %d (%s), likelihood %d (%s) on the assessment's scales.",
		systemName, a.Number, spec.Label, party.Name, tpl.PartyKindLabel(party.Kind), eff.Severity, tpl.SeverityLabel(eff.Severity),
		eff.Likelihood, tpl.LikelihoodLabel(eff.Likelihood))
	desc = clip(desc, 10000)
	var controls []string
	for _, ref := range spec.Refs {
		if item, ok := strings.CutPrefix(ref, "ISO/IEC 42001 "); ok && risk.CatalogItem("iso42001-2023:"+item) {
			controls = append(controls, "iso42001-2023:"+item)
		}
	}
	var actions []risk.Action
	for _, line := range strings.Split(eff.Mitigations, "\n") {
		if line = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), "-•*")); line != "" {
			actions = append(actions, risk.Action{Title: clip(line, 300), OwnerID: owner})
		}
	}
	in := risk.Input{Title: &title, Description: &desc, Category: &spec.RiskCategory, Likelihood: &l, Impact: &i,
		AISystemIDs: &[]string{a.SystemID}, Sources: &sources, Controls: &controls, OwnerID: &owner}
	if len(actions) > 0 {
		t := risk.Modify
		in.Treatment, in.Actions = &t, &actions
	}
	return in
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// clip shortens s to at most n bytes on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimSpace(s[:cut]) + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
