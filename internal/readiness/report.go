package readiness

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/annexa-dev/annexa/catalogs"
	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/control"
	"github.com/annexa-dev/annexa/internal/evidence"
	"github.com/annexa-dev/annexa/internal/soa"
)

// Status is where one clause or control stands.
type Status string

const (
	Met           Status = "met"
	Partial       Status = "partial"
	Open          Status = "open"
	NotApplicable Status = "not_applicable"
)

func (s Status) score() float64 {
	switch s {
	case Met:
		return 1
	case Partial:
		return 0.5
	}
	return 0
}

// ClauseRule says which checks show a clause met.
type ClauseRule struct {
	Clause string   `json:"clause"`
	Needs  []string `json:"needs"`
	Why    string   `json:"why"`
}

// Rules is the readiness data: the checks and each standard's clause rules.
type Rules struct {
	ID         string                  `json:"id"`
	AsOf       string                  `json:"as_of"`
	Provenance string                  `json:"provenance"`
	Checks     map[string]string       `json:"checks"`
	Standards  map[string][]ClauseRule `json:"standards"`
}

// LoadRules reads the rules and checks them against the catalogs: every clause must exist and
// every check must be described.
func LoadRules(data []byte, lib *catalog.Library) (*Rules, error) {
	var r Rules
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("readiness rules: %w", err)
	}
	for std, rules := range r.Standards {
		seen := map[string]bool{}
		for _, cr := range rules {
			if _, err := lib.Item(std, cr.Clause); err != nil {
				return nil, fmt.Errorf("readiness rules: %s %s: %w", std, cr.Clause, err)
			}
			if seen[cr.Clause] || len(cr.Needs) == 0 || cr.Why == "" {
				return nil, fmt.Errorf("readiness rules: %s %s is repeated, or has no needs or reason", std, cr.Clause)
			}
			seen[cr.Clause] = true
			for _, n := range cr.Needs {
				if r.Checks[n] == "" {
					return nil, fmt.Errorf("readiness rules: %s %s needs undescribed check %q", std, cr.Clause, n)
				}
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
	data, err := catalogs.FS.ReadFile("readiness/clauses.json")
	if err != nil {
		return nil, err
	}
	return LoadRules(data, lib)
})

// DefaultRules returns the embedded readiness rules.
func DefaultRules() (*Rules, error) { return defaultRules() }

// Check is one recorded fact a clause needs, and whether the records show it.
type Check struct {
	ID     string `json:"id"`
	Status Status `json:"status"`
	About  string `json:"about"`
	Detail string `json:"detail"`
}

// Item is one clause or Annex A control with its status and why.
type Item struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Kind    string   `json:"kind"` // clause or control
	Status  Status   `json:"status"`
	Reasons []string `json:"reasons"`
	Checks  []Check  `json:"checks,omitempty"`
	// Controls are the organisation's controls that count for it; Evidence the current
	// evidence behind them.
	Controls []string `json:"controls,omitempty"`
	Evidence int      `json:"evidence"`
}

// Section is a clause (4–10) or an Annex A theme or domain.
type Section struct {
	ID      string  `json:"id"`
	Title   string  `json:"title"`
	Percent float64 `json:"percent"`
	Items   []Item  `json:"items"`
}

// Report is one standard's readiness, explained down to the item.
type Report struct {
	Catalog       string    `json:"catalog"`
	Title         string    `json:"title"`
	Percent       float64   `json:"percent"`
	Met           int       `json:"met"`
	Partial       int       `json:"partial"`
	Open          int       `json:"open"`
	NotApplicable int       `json:"not_applicable"`
	Clauses       []Section `json:"clauses"`
	AnnexA        []Section `json:"annex_a"`
	Method        string    `json:"method"`
}

// ClauseEvidence is what the organisation's controls show for one clause: the controls that
// count (not generated starters; partial or implemented) and how many of them have current
// evidence.
type ClauseEvidence struct {
	Controls     []string
	WithEvidence int
}

// Inputs are the records one standard's readiness is computed from.
type Inputs struct {
	Catalog *catalog.Catalog
	Rules   *Rules
	// Checks are the outcomes of the record checks (scope, risk method, …) for this standard.
	Checks map[string]Check
	// Clauses holds, per clause id, the controls that link to it and their evidence.
	Clauses map[string]ClauseEvidence
	// Statement is the standard's Statement of Applicability as it stands.
	Statement soa.Statement
}

// Compute works out the report. Only records count: generated starter controls, undecided
// SoA rows and expired evidence never make anything met, so an empty organisation scores 0%.
func Compute(in Inputs) Report {
	c := in.Catalog
	rep := Report{Catalog: c.ID, Title: c.Title, Method: "met = 1, partly met = ½, open = 0, over every clause and applicable Annex A control; excluded controls with an approved justification are left out"}
	rules := map[string]ClauseRule{}
	for _, r := range in.Rules.Standards[c.ID] {
		rules[r.Clause] = r
	}
	var total, score float64
	tally := func(it Item) {
		switch it.Status {
		case Met:
			rep.Met++
		case Partial:
			rep.Partial++
		case Open:
			rep.Open++
		case NotApplicable:
			rep.NotApplicable++
			return
		}
		total++
		score += it.Status.score()
	}
	sections := map[string]*Section{}
	var order []string
	section := func(list *[]Section, id, title string) *Section {
		if s, ok := sections[id]; ok {
			return s
		}
		*list = append(*list, Section{ID: id, Title: title})
		order = append(order, id)
		s := &(*list)[len(*list)-1]
		sections[id] = s
		return s
	}
	// Clauses: every clause with a rule, grouped under its top-level clause.
	for _, it := range c.Items {
		rule, ok := rules[it.ID]
		if !ok || it.Kind == "control" {
			continue
		}
		top := topClause(c, it)
		sec := section(&rep.Clauses, top.ID, top.Title)
		item := clauseItem(it, rule, in)
		sec.Items = append(sec.Items, item)
		tally(item)
	}
	// Annex A: one item per SoA row.
	for _, row := range in.Statement.Entries {
		it, ok := c.Item(row.ItemID)
		if !ok {
			continue
		}
		g := it.Group
		title := row.Group
		sec := section(&rep.AnnexA, g, title)
		item := controlItem(row, in.Checks["soa_approved"].Status == Met)
		sec.Items = append(sec.Items, item)
		tally(item)
	}
	for _, list := range []*[]Section{&rep.Clauses, &rep.AnnexA} {
		for i := range *list {
			(*list)[i].Percent = percent((*list)[i].Items)
		}
	}
	if total > 0 {
		rep.Percent = round1(100 * score / total)
	}
	return rep
}

func percent(items []Item) float64 {
	var total, score float64
	for _, it := range items {
		if it.Status == NotApplicable {
			continue
		}
		total++
		score += it.Status.score()
	}
	if total == 0 {
		return 0
	}
	return round1(100 * score / total)
}

func round1(f float64) float64 { return float64(int(f*10+0.5)) / 10 }

func topClause(c *catalog.Catalog, it catalog.Item) catalog.Item {
	for it.Parent != "" {
		p, ok := c.Item(it.Parent)
		if !ok {
			break
		}
		it = p
	}
	return it
}

func clauseItem(it catalog.Item, rule ClauseRule, in Inputs) Item {
	// The controls linked to a clause are shown whatever its checks are, so a process that is
	// in place (a procedure with evidence) is visible even where a record, such as an audit
	// held, is still missing.
	item := Item{ID: it.ID, Title: it.Title, Kind: "clause", Reasons: []string{rule.Why},
		Controls: in.Clauses[it.ID].Controls, Evidence: in.Clauses[it.ID].WithEvidence}
	var met, some int
	for _, need := range rule.Needs {
		var ch Check
		if need == "controls" {
			ch = controlsCheck(in.Clauses[it.ID])
		} else {
			ch = in.Checks[need]
			if ch.Status == "" {
				ch.Status = Open
			}
		}
		ch.ID, ch.About = need, in.Rules.Checks[need]
		item.Checks = append(item.Checks, ch)
		switch ch.Status {
		case Met:
			met++
			some++
		case Partial:
			some++
		}
	}
	switch {
	case met == len(rule.Needs):
		item.Status = Met
	case some > 0:
		item.Status = Partial
	default:
		item.Status = Open
	}
	return item
}

func controlsCheck(ce ClauseEvidence) Check {
	switch {
	case len(ce.Controls) == 0:
		return Check{Status: Open, Detail: "no implemented control links to this clause yet"}
	case ce.WithEvidence == 0:
		return Check{Status: Partial, Detail: fmt.Sprintf("%d control(s) link here but none has current evidence", len(ce.Controls))}
	}
	return Check{Status: Met, Detail: fmt.Sprintf("%d control(s), %d with current evidence", len(ce.Controls), ce.WithEvidence)}
}

// controlItem judges one Annex A control from its SoA row: an approved exclusion is not
// applicable; otherwise it is met when a counting control implements it with current evidence.
func controlItem(row soa.Row, soaApproved bool) Item {
	item := Item{ID: row.ItemID, Title: row.Title, Kind: "control"}
	if row.State == soa.Decided && row.Applicable != nil && !*row.Applicable {
		if soaApproved {
			item.Status = NotApplicable
			item.Reasons = []string{"Excluded in the approved Statement of Applicability: " + row.Justification}
		} else {
			// An unapproved exclusion is a draft: it does not count until the SoA is approved.
			item.Status = Partial
			item.Reasons = []string{"Excluded in the Statement of Applicability, which is not approved yet: " + row.Justification}
		}
		return item
	}
	var implemented, partial int
	for _, c := range row.Controls {
		if c.Generated {
			continue
		}
		switch c.Status {
		case control.Implemented:
			implemented++
			item.Controls = append(item.Controls, c.Title)
		case control.Partial:
			partial++
			item.Controls = append(item.Controls, c.Title)
		}
	}
	for _, e := range row.Evidence {
		if e.Validity == evidence.Valid || e.Validity == evidence.Expiring {
			item.Evidence++
		}
	}
	if row.State != soa.Decided {
		item.Reasons = append(item.Reasons, "Applicability is not decided in the Statement of Applicability yet; counted as applicable.")
	}
	switch {
	case implemented > 0 && item.Evidence > 0:
		item.Status = Met
		item.Reasons = append(item.Reasons, fmt.Sprintf("Implemented by %s, with %d piece(s) of current evidence.", joinNames(item.Controls), item.Evidence))
	case implemented > 0 || partial > 0:
		item.Status = Partial
		if item.Evidence == 0 {
			item.Reasons = append(item.Reasons, fmt.Sprintf("Implemented by %s, but without current evidence.", joinNames(item.Controls)))
		} else {
			item.Reasons = append(item.Reasons, fmt.Sprintf("%s is only partly implemented.", joinNames(item.Controls)))
		}
	default:
		item.Status = Open
		if slices.ContainsFunc(row.Controls, func(c soa.ControlRef) bool { return c.Generated }) {
			item.Reasons = append(item.Reasons, "Only a generated starter control links here; it counts once a person confirms or edits it.")
		} else {
			item.Reasons = append(item.Reasons, "No implemented control of the organisation implements it yet.")
		}
	}
	return item
}

func joinNames(ns []string) string {
	switch len(ns) {
	case 0:
		return "no control"
	case 1:
		return "“" + ns[0] + "”"
	}
	return fmt.Sprintf("“%s” and %d more", ns[0], len(ns)-1)
}
