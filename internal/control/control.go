// Package control is the organisation's own control set: each control says how the
// organisation does something, who owns it, how far it is implemented and how often it
// operates, and links to the requirements it satisfies in any catalog — ISO/IEC 27001 and
// ISO/IEC 42001 Annex A, clauses, NIST AI RMF, EU AI Act articles, imported OSCAL catalogs.
// Implement once, comply many: one control and its evidence count wherever it is linked.
//
// Starter controls generated from a catalog are marked Generated until a person edits or
// confirms them, so that nothing counts a template as coverage.
package control

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/fault"
)

// Status is how far a control is implemented.
type Status string

const (
	NotStarted    Status = "not_started"
	Planned       Status = "planned"
	Partial       Status = "partial"
	Implemented   Status = "implemented"
	NotApplicable Status = "not_applicable"
)

// Statuses lists every status, from nothing done to done.
var Statuses = []Status{NotStarted, Planned, Partial, Implemented, NotApplicable}

func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Frequency is how often a control operates (a review, a scan, an access recertification).
type Frequency string

// Frequencies lists every frequency; empty means not recorded.
var Frequencies = []Frequency{"continuous", "daily", "weekly", "monthly", "quarterly", "semi_annually", "annually", "on_event"}

func (f Frequency) Valid() bool { return slices.Contains(Frequencies, f) }

// RequirementRef names one requirement in a catalog: ("iso27001-2022", "A.5.1"), ("nist-ai-rmf-1.0", "GOVERN 1.1").
type RequirementRef struct {
	Catalog string `json:"catalog"`
	Item    string `json:"item"`
}

// String is the link as catalog:item, the form evidence uses to name a requirement.
func (l RequirementRef) String() string { return l.Catalog + ":" + l.Item }

// ParseRequirement reads catalog:item; the item may itself contain colons.
func ParseRequirement(s string) (RequirementRef, bool) {
	c, it, ok := strings.Cut(s, ":")
	if !ok || c == "" || it == "" {
		return RequirementRef{}, false
	}
	return RequirementRef{Catalog: c, Item: it}, true
}

// Control is one of the organisation's controls.
type Control struct {
	ID    string `json:"id"`
	OrgID string `json:"org_id"`
	// Ref is the organisation's own short code (e.g. "SEC-012"), unique when set.
	Ref   string `json:"ref"`
	Title string `json:"title"`
	// Description says how the control is implemented here, in the organisation's words.
	Description string           `json:"description"`
	OwnerID     string           `json:"owner_id"`
	Status      Status           `json:"status"`
	Frequency   Frequency        `json:"frequency"`
	Links       []RequirementRef `json:"links"`
	// Generated marks a starter control made from a catalog that no person has edited or
	// confirmed yet; it never counts as coverage.
	Generated bool `json:"generated"`
	// GeneratedFrom is the catalog item a starter control was made from (catalog:item).
	GeneratedFrom string    `json:"generated_from"`
	Version       int64     `json:"version"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// RecordVersion is the optimistic-concurrency version, for ETags.
func (c Control) RecordVersion() int64 { return c.Version }

// Counts reports whether the control may count as coverage of its requirements: a person has
// owned it (not a generated template) and it is at least partly in place.
func (c Control) Counts() bool {
	return !c.Generated && (c.Status == Implemented || c.Status == Partial)
}

// LinksTo reports whether the control satisfies the requirement.
func (c Control) LinksTo(catalogID, itemID string) bool {
	return slices.Contains(c.Links, RequirementRef{Catalog: catalogID, Item: itemID})
}

const (
	maxTitle = 300
	maxText  = 20000
	maxRef   = 40
	maxLinks = 500
)

// Requirements resolves catalog items; a *catalog.View (the organisation's built-in and
// imported catalogs) satisfies it.
type Requirements interface {
	Item(catalogID, itemID string) (catalog.Item, error)
}

// Edit is a create or a partial update; nil fields stay as they are.
type Edit struct {
	Ref         *string           `json:"ref,omitempty"`
	Title       *string           `json:"title,omitempty"`
	Description *string           `json:"description,omitempty"`
	OwnerID     *string           `json:"owner_id,omitempty"`
	Status      *Status           `json:"status,omitempty"`
	Frequency   *Frequency        `json:"frequency,omitempty"`
	Links       *[]RequirementRef `json:"links,omitempty"`
	// Confirm takes a generated starter control on as the organisation's own without other
	// changes; any edit by a person does the same.
	Confirm bool `json:"confirm,omitempty"`
}

// Validate checks every field that is set; creating needs a title. Each link must name an
// existing item of a catalog the organisation sees; the field names the bad link.
func (in Edit) Validate(create bool, reqs Requirements) error {
	var v fault.Validation
	if create || in.Title != nil {
		title := ""
		if in.Title != nil {
			title = strings.TrimSpace(*in.Title)
		}
		v.Check(title == "", "title", "must not be empty")
		v.Check(len(title) > maxTitle, "title", "must be at most %d characters", maxTitle)
	}
	if in.Ref != nil {
		r := strings.TrimSpace(*in.Ref)
		v.Check(len(r) > maxRef, "ref", "must be at most %d characters", maxRef)
		v.Check(strings.ContainsAny(r, "\r\n\t"), "ref", "must be one line")
	}
	if in.Description != nil {
		v.Check(len(*in.Description) > maxText, "description", "must be at most %d characters", maxText)
	}
	if in.Status != nil && !in.Status.Valid() {
		v.Add("status", "must be one of %s", join(Statuses))
	}
	if in.Frequency != nil && *in.Frequency != "" && !in.Frequency.Valid() {
		v.Add("frequency", "must be one of %s (or empty)", join(Frequencies))
	}
	if in.Links != nil {
		v.Check(len(*in.Links) > maxLinks, "links", "may hold at most %d links", maxLinks)
		for i, l := range *in.Links {
			field := fmt.Sprintf("links[%d]", i)
			switch {
			case strings.TrimSpace(l.Catalog) == "":
				v.Add(field+".catalog", "must name a catalog")
			case strings.TrimSpace(l.Item) == "":
				v.Add(field+".item", "must name an item of %s", l.Catalog)
			case reqs == nil:
				v.Add(field, "cannot be checked")
			default:
				if _, err := reqs.Item(l.Catalog, l.Item); err != nil {
					v.Add(field, "names %s %q, which does not exist", l.Catalog, l.Item)
				}
			}
		}
	}
	return v.Err()
}

// Apply returns c with the input applied. A person's change takes a generated control on.
func (in Edit) Apply(c Control) Control {
	set := func(dst *string, p *string) {
		if p != nil {
			*dst = strings.TrimSpace(*p)
		}
	}
	set(&c.Ref, in.Ref)
	set(&c.Title, in.Title)
	if in.Description != nil {
		c.Description = strings.TrimSpace(*in.Description)
	}
	set(&c.OwnerID, in.OwnerID)
	if in.Status != nil {
		c.Status = *in.Status
	}
	if in.Frequency != nil {
		c.Frequency = *in.Frequency
	}
	if in.Links != nil {
		c.Links = Dedupe(*in.Links)
	}
	if c.Status == "" {
		c.Status = NotStarted
	}
	c.Generated = false
	c.Normalise()
	return c
}

// Dedupe keeps each link once, in the order given, trimmed.
func Dedupe(ls []RequirementRef) []RequirementRef {
	out := []RequirementRef{}
	for _, l := range ls {
		l = RequirementRef{Catalog: strings.TrimSpace(l.Catalog), Item: strings.TrimSpace(l.Item)}
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// Normalise fills empty lists so JSON shows [] rather than null.
func (c *Control) Normalise() {
	if c.Links == nil {
		c.Links = []RequirementRef{}
	}
}

func join[T ~string](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}

// Filter selects controls for the list.
type Filter struct {
	Query     string
	Status    Status
	OwnerID   string
	Generated *bool
	// Requirement limits the list to controls linked to one requirement.
	Requirement *RequirementRef
}

// Validate checks the enumerated filters.
func (f Filter) Validate() error {
	var v fault.Validation
	v.Check(f.Status != "" && !f.Status.Valid(), "status", "must be one of %s", join(Statuses))
	return v.Err()
}

// GenerateRequest asks for one starter control per control of a catalog (its Annex A).
type GenerateRequest struct {
	Catalog string `json:"catalog"`
}

// GenerateResult says what generating did.
type GenerateResult struct {
	Catalog string    `json:"catalog"`
	Created []Control `json:"created"`
	// Skipped counts catalog controls that already have a control generated from them or
	// linked to them, so generating twice creates nothing new.
	Skipped int `json:"skipped"`
}

// Starters makes one generated control per item of kind "control" in c, each linked to
// its item, titled after it, with no implementation described yet. covered says whether an
// item already has a control, so it is skipped.
func Starters(c *catalog.Catalog, covered func(itemID string) bool) ([]Control, int) {
	var out []Control
	skipped := 0
	for _, it := range c.Items {
		if it.Kind != "control" {
			continue
		}
		if covered(it.ID) {
			skipped++
			continue
		}
		out = append(out, Control{
			Title:         it.Title,
			Status:        NotStarted,
			Links:         []RequirementRef{{Catalog: c.ID, Item: it.ID}},
			Generated:     true,
			GeneratedFrom: RequirementRef{Catalog: c.ID, Item: it.ID}.String(),
		})
	}
	return out, skipped
}

// MergeInto folds the control named in the path into Into.
type MergeInto struct {
	Into string `json:"into"`
}

// Validate checks the merge names a control.
func (m MergeInto) Validate() error {
	var v fault.Validation
	v.Check(strings.TrimSpace(m.Into) == "", "into", "must name the control to merge into")
	return v.Err()
}

// Merge folds from into into: the links of both, the better-known fields of into kept, and
// from's description appended when into has a different one. The result is a person's
// decision, so it is no longer generated.
func Merge(into, from Control) Control {
	out := into
	out.Links = Dedupe(append(slices.Clone(into.Links), from.Links...))
	if out.Description == "" {
		out.Description = from.Description
	} else if from.Description != "" && from.Description != out.Description {
		out.Description += "\n\n" + from.Description
	}
	if out.OwnerID == "" {
		out.OwnerID = from.OwnerID
	}
	if out.Frequency == "" {
		out.Frequency = from.Frequency
	}
	out.Generated = false
	out.Normalise()
	return out
}
