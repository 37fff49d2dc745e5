package inventory

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/annexa-dev/annexa/catalogs"
	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/catalog"
)

// ISO42001 is the catalog the register maps systems onto.
const ISO42001 = "iso42001-2023"

// Condition says when an applicability rule holds; every set field must match.
type Condition struct {
	Sourcing          []Sourcing      `json:"sourcing,omitempty"`
	ActRoles          []aiact.Role    `json:"act_roles,omitempty"`
	AffectedGroups    []AffectedGroup `json:"affected_groups,omitempty"`
	AffectedGroupsAny bool            `json:"affected_groups_any,omitempty"`
	PersonalData      bool            `json:"personal_data,omitempty"`
	Automation        []Automation    `json:"automation,omitempty"`
	Tiers             []aiact.Tier    `json:"tiers,omitempty"`
	Transparency      bool            `json:"transparency,omitempty"`
}

// Rule proposes clauses and controls for the systems its condition matches.
type Rule struct {
	ID       string    `json:"id"`
	Label    string    `json:"label"`
	When     Condition `json:"when"`
	Clauses  []string  `json:"clauses,omitempty"`
	Controls []string  `json:"controls,omitempty"`
	Reason   string    `json:"reason"`
}

// Rules is the applicability data under catalogs/inventory/.
type Rules struct {
	ID         string `json:"id"`
	Title      string `json:"title"`
	AsOf       string `json:"as_of"`
	Provenance string `json:"provenance"`
	Note       string `json:"note"`
	Rules      []Rule `json:"rules"`
}

func (c Condition) holds(s System) bool {
	anyOf := func(have, want []string) bool {
		for _, w := range want {
			if slices.Contains(have, w) {
				return true
			}
		}
		return false
	}
	if len(c.Sourcing) > 0 && !slices.Contains(c.Sourcing, s.Sourcing) {
		return false
	}
	if len(c.ActRoles) > 0 && !anyOf(strs(s.ActRoles), strs(c.ActRoles)) {
		return false
	}
	if len(c.AffectedGroups) > 0 && !anyOf(strs(s.AffectedGroups), strs(c.AffectedGroups)) {
		return false
	}
	if c.AffectedGroupsAny && len(s.AffectedGroups) == 0 {
		return false
	}
	if c.PersonalData && (s.PersonalData == nil || !*s.PersonalData) {
		return false
	}
	if len(c.Automation) > 0 && !slices.Contains(c.Automation, s.Automation) {
		return false
	}
	if len(c.Tiers) > 0 && !slices.Contains(c.Tiers, s.Tier()) {
		return false
	}
	if c.Transparency && (s.Classification == nil || len(s.Classification.TransparencyObligations) == 0) {
		return false
	}
	return true
}

func strs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// LoadRules reads and checks the rules against the catalogs: every clause and control must
// exist in ISO/IEC 42001, so a typo cannot silently drop a requirement.
func LoadRules(data []byte, lib *catalog.Library) (*Rules, error) {
	var r Rules
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("applicability rules: %w", err)
	}
	seen := map[string]bool{}
	for _, rule := range r.Rules {
		if rule.ID == "" || seen[rule.ID] {
			return nil, fmt.Errorf("applicability rules: rule id %q is empty or repeated", rule.ID)
		}
		seen[rule.ID] = true
		if rule.Reason == "" || rule.Label == "" {
			return nil, fmt.Errorf("applicability rule %s: no label or reason", rule.ID)
		}
		for _, id := range append(slices.Clone(rule.Clauses), rule.Controls...) {
			if _, err := lib.Item(ISO42001, id); err != nil {
				return nil, fmt.Errorf("applicability rule %s: %s: %w", rule.ID, id, err)
			}
		}
		w := rule.When
		for _, s := range w.Sourcing {
			if !s.Valid() {
				return nil, fmt.Errorf("applicability rule %s: unknown sourcing %q", rule.ID, s)
			}
		}
		for _, x := range w.ActRoles {
			if !x.Valid() {
				return nil, fmt.Errorf("applicability rule %s: unknown role %q", rule.ID, x)
			}
		}
		for _, x := range w.AffectedGroups {
			if !x.Valid() {
				return nil, fmt.Errorf("applicability rule %s: unknown group %q", rule.ID, x)
			}
		}
		for _, x := range w.Automation {
			if !x.Valid() {
				return nil, fmt.Errorf("applicability rule %s: unknown automation %q", rule.ID, x)
			}
		}
		for _, x := range w.Tiers {
			if !x.Valid() {
				return nil, fmt.Errorf("applicability rule %s: unknown tier %q", rule.ID, x)
			}
		}
	}
	return &r, nil
}

var defaultRules = sync.OnceValues(func() (*Rules, error) {
	lib, err := catalog.LoadEmbedded()
	if err != nil {
		return nil, err
	}
	data, err := catalogs.FS.ReadFile("inventory/applicability.json")
	if err != nil {
		return nil, err
	}
	return LoadRules(data, lib)
})

// DefaultRules returns the embedded applicability rules, checked against the embedded catalogs.
func DefaultRules() (*Rules, error) { return defaultRules() }

// Requirement is a clause or control a system calls for, and why.
type Requirement struct {
	Catalog string `json:"catalog"`
	ID      string `json:"id"`
	Title   string `json:"title"`
	// Rules are the ids of the matched rules that call for it (see Applicability.Because).
	Rules   []string `json:"rules"`
	Reasons []string `json:"reasons"`
	// Via names EU AI Act obligations that point to this requirement through the indicative
	// crosswalk, which confers no presumption of conformity.
	Via []string `json:"via,omitempty"`
}

// Applicability is everything that applies to one system: its EU AI Act obligations and the
// ISO/IEC 42001 clauses and Annex A controls it calls for.
type Applicability struct {
	SystemID    string             `json:"system_id"`
	Tier        aiact.Tier         `json:"tier"`
	Obligations []aiact.Obligation `json:"obligations"`
	Clauses     []Requirement      `json:"clauses"`
	Controls    []Requirement      `json:"controls"`
	// NIST are the NIST AI RMF subcategories that NIST's crosswalk pairs with the clauses and
	// controls above; Via names those ISO/IEC 42001 items.
	NIST []Requirement `json:"nist_ai_rmf"`
	// Because lists each rule that matched the system, once, with its reason.
	Because    []Rule   `json:"because"`
	OpenPoints []string `json:"open_points"`
	Unknown    []string `json:"unknown"`
	Disclaimer string   `json:"disclaimer"`
	RulesAsOf  string   `json:"rules_as_of"`
}

// Applicable works out what applies to s: the rules' clauses and controls with their reasons,
// plus the ISO/IEC 42001 items the system's EU AI Act obligations map to.
func (r *Rules) Applicable(s System, lib *catalog.Library) Applicability {
	a := Applicability{SystemID: s.ID, Tier: s.Tier(), Obligations: []aiact.Obligation{}, OpenPoints: s.OpenPoints, Unknown: s.Unknown,
		RulesAsOf: r.AsOf, Clauses: []Requirement{}, Controls: []Requirement{}, Because: []Rule{}, NIST: []Requirement{}}
	if s.Classification != nil {
		a.Obligations = s.Classification.Obligations
	}
	reqs := map[string]*Requirement{}
	add := func(id, rule, reason, via string) {
		req, ok := reqs[id]
		if !ok {
			it, err := lib.Item(ISO42001, id)
			if err != nil {
				return
			}
			req = &Requirement{Catalog: ISO42001, ID: id, Title: it.Title}
			reqs[id] = req
		}
		if reason != "" && !slices.Contains(req.Reasons, reason) {
			req.Reasons = append(req.Reasons, reason)
		}
		if rule != "" && !slices.Contains(req.Rules, rule) {
			req.Rules = append(req.Rules, rule)
		}
		if via != "" && !slices.Contains(req.Via, via) {
			req.Via = append(req.Via, via)
		}
	}
	for _, rule := range r.Rules {
		if !rule.When.holds(s) {
			continue
		}
		a.Because = append(a.Because, Rule{ID: rule.ID, Label: rule.Label, Reason: rule.Reason})
		for _, id := range rule.Clauses {
			add(id, rule.ID, rule.Reason, "")
		}
		for _, id := range rule.Controls {
			add(id, rule.ID, rule.Reason, "")
		}
	}
	if x, err := lib.Crosswalk("eu-ai-act-2024-1689", ISO42001); err == nil {
		a.Disclaimer = x.Disclaimer
		for _, ob := range a.Obligations {
			for _, m := range x.Mappings {
				if m.From == ob.Item && m.Relationship != catalog.NotRelated {
					add(m.To, "", "", fmt.Sprintf("%s (%s)", ob.Ref, ob.Role))
				}
			}
		}
		for _, req := range reqs {
			if req.Rules == nil {
				req.Rules = []string{}
			}
			if len(req.Reasons) == 0 {
				req.Reasons = append(req.Reasons, "An EU AI Act obligation of this system maps here in the indicative crosswalk.")
			}
		}
	}
	for _, req := range reqs {
		it, _ := lib.Item(ISO42001, req.ID)
		if it.Kind == "control" {
			a.Controls = append(a.Controls, *req)
		} else {
			a.Clauses = append(a.Clauses, *req)
		}
	}
	// The standard's own order: clause 6.1.2 before 8.2, A.2.2 before A.10.3.
	order := map[string]int{}
	if c, ok := lib.Catalog(ISO42001); ok {
		for i, it := range c.Items {
			order[it.ID] = i
		}
	}
	byID := func(rs []Requirement) {
		sort.Slice(rs, func(i, j int) bool { return order[rs[i].ID] < order[rs[j].ID] })
	}
	byID(a.Clauses)
	byID(a.Controls)
	a.NIST = nistFor(lib, append(slices.Clone(a.Clauses), a.Controls...))
	return a
}

// NISTAIRMF is the NIST AI RMF catalog, reached through NIST's own crosswalk to ISO/IEC 42001.
const NISTAIRMF = "nist-ai-rmf-1.0"

func nistFor(lib *catalog.Library, iso []Requirement) []Requirement {
	out := []Requirement{}
	x, err := lib.Crosswalk(ISO42001, NISTAIRMF)
	if err != nil {
		return out
	}
	wanted := map[string]bool{}
	for _, r := range iso {
		wanted[r.ID] = true
	}
	byID := map[string]*Requirement{}
	for _, m := range x.Mappings {
		if !wanted[m.From] || m.Relationship == catalog.NotRelated {
			continue
		}
		req, ok := byID[m.To]
		if !ok {
			it, err := lib.Item(NISTAIRMF, m.To)
			if err != nil {
				continue
			}
			req = &Requirement{Catalog: NISTAIRMF, ID: m.To, Title: it.Title, Rules: []string{},
				Reasons: []string{"Paired with ISO/IEC 42001 in NIST's AI RMF to ISO/IEC 42001 crosswalk."}}
			byID[m.To] = req
		}
		if !slices.Contains(req.Via, m.From) {
			req.Via = append(req.Via, m.From)
		}
	}
	order := map[string]int{}
	if c, ok := lib.Catalog(NISTAIRMF); ok {
		for i, it := range c.Items {
			order[it.ID] = i
		}
	}
	for _, r := range byID {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return order[out[i].ID] < order[out[j].ID] })
	return out
}
