package audit

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/fault"
)

// The audit checklist and the programme's coverage. Clause 9.2.2 asks for a programme that
// covers the management system; certification bodies look for every requirement — each
// Clause 4–10 requirement and each applicable Annex A control — audited within the three-year
// certification cycle. An audit records what it examined; its findings count as examined too.

// CertificationCycle is the period within which the programme should have covered everything.
const CertificationCycle = 3 * 365 * 24 * time.Hour

// Requirements of a standard an audit can examine: the leaf requirements of Clauses 4–10
// (sub-clauses with no sub-clauses of their own) and the Annex A controls.
func leafClauses(cat *catalog.Catalog) []catalog.Item {
	parents := map[string]bool{}
	for _, it := range cat.Items {
		if it.Parent != "" {
			parents[it.Parent] = true
		}
	}
	var out []catalog.Item
	for _, it := range cat.Items {
		if (it.Kind == "clause" || it.Kind == "subclause") && !parents[it.ID] {
			out = append(out, it)
		}
	}
	return out
}

func controls(cat *catalog.Catalog) []catalog.Item {
	var out []catalog.Item
	for _, it := range cat.Items {
		if it.Kind == "control" {
			out = append(out, it)
		}
	}
	return out
}

// Catalogs finds a standard's catalog; a *catalog.Library satisfies it.
type Catalogs interface {
	Catalog(id string) (*catalog.Catalog, bool)
}

// ChecklistItem is one requirement in an audit's scope and what the audit has done with it.
type ChecklistItem struct {
	Requirement string `json:"requirement"`
	Title       string `json:"title"`
	Examined    bool   `json:"examined"`
	// Findings counts the audit's findings on the requirement.
	Findings int `json:"findings"`
}

// Checklist lists every requirement in the audit's scope, in catalog order: the leaf clauses
// of its standards for a management-system audit, the Annex A controls of its standard for an
// Annex A audit.
func (a Audit) Checklist(cats Catalogs) []ChecklistItem {
	findings := map[string]int{}
	for _, f := range a.Findings {
		findings[f.Requirement]++
	}
	examined := a.ExaminedSet()
	var out []ChecklistItem
	for _, std := range a.Standards {
		cat, ok := cats.Catalog(std)
		if !ok {
			continue
		}
		items := leafClauses(cat)
		if a.Kind == AnnexA {
			items = controls(cat)
		}
		for _, it := range items {
			ref := std + ":" + it.ID
			out = append(out, ChecklistItem{Requirement: ref, Title: it.Title, Examined: covered(cat, examined, it), Findings: findings[ref]})
		}
	}
	return out
}

// covered says whether a requirement was examined: itself, or a clause it sits under (a
// finding may name 9.2 as a whole, which examines 9.2.1 and 9.2.2).
func covered(cat *catalog.Catalog, examined map[string]bool, it catalog.Item) bool {
	for seen := 0; seen < 10; seen++ {
		if examined[cat.ID+":"+it.ID] {
			return true
		}
		parent, ok := cat.Item(it.Parent)
		if it.Parent == "" || !ok {
			return false
		}
		it = parent
	}
	return false
}

// ExaminedSet is every requirement the audit examined: those marked and those with findings.
func (a Audit) ExaminedSet() map[string]bool {
	set := map[string]bool{}
	for _, r := range a.Examined {
		set[r] = true
	}
	for _, f := range a.Findings {
		set[f.Requirement] = true
	}
	return set
}

// Examination marks requirements of an audit in progress as examined, or takes the mark off.
// With Replace, the requirements named are exactly those marked: a checklist form sends them
// all at once, and none may be named to clear every mark.
type Examination struct {
	Requirements []string `json:"requirements"`
	Examined     bool     `json:"examined"`
	Replace      bool     `json:"replace,omitempty"`
}

// Apply records the examination on the audit; each requirement must be one its checklist holds.
func (e Examination) Apply(a Audit, cats Catalogs) (Audit, error) {
	if a.Status != InProgress {
		return a, &fault.Error{Code: fault.Conflict, Message: fmt.Sprintf("the checklist is kept while the audit is in progress; it is %s", a.Status)}
	}
	inScope := map[string]bool{}
	for _, it := range a.Checklist(cats) {
		inScope[it.Requirement] = true
	}
	var v fault.Validation
	v.Check(len(e.Requirements) == 0 && !e.Replace, "requirements", "name at least one requirement")
	v.Check(len(e.Requirements) > 500, "requirements", "at most 500 at once")
	v.Check(e.Replace && !e.Examined && len(e.Requirements) > 0, "examined", "replace marks the requirements named: examined must be true")
	for i, r := range e.Requirements {
		v.Check(!inScope[r], fmt.Sprintf("requirements[%d]", i), "%q is not on this audit's checklist (%s of %s)", r, scopeWords(a.Kind), strings.Join(a.Standards, ", "))
	}
	if err := v.Err(); err != nil {
		return a, err
	}
	set := map[string]bool{}
	if !e.Replace {
		for _, r := range a.Examined {
			set[r] = true
		}
	}
	for _, r := range e.Requirements {
		set[r] = e.Examined
	}
	a.Examined = []string{}
	for r, on := range set {
		if on {
			a.Examined = append(a.Examined, r)
		}
	}
	slices.Sort(a.Examined)
	return a, nil
}

func scopeWords(k Kind) string {
	if k == AnnexA {
		return "the Annex A controls"
	}
	return "the requirements of Clauses 4 to 10"
}

// Coverage is how much of a standard the programme's completed audits examined within the
// certification cycle.
type Coverage struct {
	Standard        string `json:"standard"`
	Since           string `json:"since"`
	Clauses         int    `json:"clauses"`
	ClausesCovered  int    `json:"clauses_covered"`
	Controls        int    `json:"controls"`
	ControlsCovered int    `json:"controls_covered"`
	// Uncovered lists the requirements no completed audit of the cycle examined, clauses first.
	Uncovered []string `json:"uncovered"`
}

// Coverage works out the programme's coverage of a standard as of today. Controls the
// Statement of Applicability excludes (by item id) are not expected to be audited.
func (p Programme) Coverage(cat *catalog.Catalog, excluded map[string]bool, today time.Time) Coverage {
	since := today.UTC().Add(-CertificationCycle).Format(time.DateOnly)
	cov := Coverage{Standard: cat.ID, Since: since, Uncovered: []string{}}
	examined := map[string]bool{}
	for _, a := range p.Audits {
		if a.Status == Completed && a.CompletedOn >= since && a.Covers(cat.ID) {
			for r := range a.ExaminedSet() {
				examined[r] = true
			}
		}
	}
	count := func(items []catalog.Item, total, done *int) {
		for _, it := range items {
			if excluded[it.ID] {
				continue
			}
			*total++
			if covered(cat, examined, it) {
				*done++
			} else {
				cov.Uncovered = append(cov.Uncovered, cat.ID+":"+it.ID)
			}
		}
	}
	count(leafClauses(cat), &cov.Clauses, &cov.ClausesCovered)
	count(controls(cat), &cov.Controls, &cov.ControlsCovered)
	return cov
}
