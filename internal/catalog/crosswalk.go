package catalog

import (
	"errors"
	"fmt"
	"strings"
)

// Relationship says how the requirement on the from side relates to the one on the to side,
// in NIST OLIR set-theory terms: "subset" means the from element is contained in the to
// element.
type Relationship string

const (
	Equal      Relationship = "equal"
	Subset     Relationship = "subset"
	Superset   Relationship = "superset"
	Intersect  Relationship = "intersect"
	NotRelated Relationship = "not_related"
)

// Valid reports whether r is one of the OLIR relationships.
func (r Relationship) Valid() bool {
	switch r {
	case Equal, Subset, Superset, Intersect, NotRelated:
		return true
	}
	return false
}

// Inverse is the relationship read from the to side back to the from side.
func (r Relationship) Inverse() Relationship {
	switch r {
	case Subset:
		return Superset
	case Superset:
		return Subset
	}
	return r
}

// strength orders relationships from strongest (equal) to weakest (not_related).
func (r Relationship) strength() int {
	switch r {
	case Equal:
		return 4
	case Subset, Superset:
		return 3
	case Intersect:
		return 2
	}
	return 1
}

// Weaker combines two relationships met one after the other along a path: the result is
// the weaker of the two, and a subset followed by a superset (or the reverse) is only an
// intersection.
func Weaker(a, b Relationship) Relationship {
	if a.strength() != b.strength() {
		if a.strength() < b.strength() {
			return a
		}
		return b
	}
	if a != b { // subset and superset
		return Intersect
	}
	return a
}

// MappingProvenance says where a single pair comes from.
type MappingProvenance string

const (
	FromSource      MappingProvenance = "source"
	AnnexaEditorial MappingProvenance = "annexa-editorial"
)

// Valid reports whether p is a known provenance.
func (p MappingProvenance) Valid() bool { return p == FromSource || p == AnnexaEditorial }

// Confidence is how sure we are of an editorial pair.
type Confidence string

const (
	High   Confidence = "high"
	Medium Confidence = "medium"
	Low    Confidence = "low"
)

// Valid reports whether c is a known confidence level.
func (c Confidence) Valid() bool { return c == High || c == Medium || c == Low }

// Crosswalk maps the items of one catalog onto another.
type Crosswalk struct {
	ID            string          `json:"id"`
	From          string          `json:"from"`
	To            string          `json:"to"`
	Title         string          `json:"title"`
	Provenance    Source          `json:"provenance"`
	Disclaimer    string          `json:"disclaimer,omitempty"`
	AsOf          string          `json:"as_of,omitempty"`
	Mappings      []Mapping       `json:"mappings"`
	NoCounterpart []NoCounterpart `json:"no_counterpart"`

	file string // where it was loaded from, for error messages
}

// Source is the document a crosswalk was taken from, or "Annexa editorial".
type Source struct {
	Source string `json:"source"`
	URL    string `json:"url,omitempty"`
}

// Mapping is one pair with its relationship and why it holds.
type Mapping struct {
	From         string            `json:"from"`
	To           string            `json:"to"`
	Relationship Relationship      `json:"relationship"`
	Rationale    string            `json:"rationale"`
	Provenance   MappingProvenance `json:"provenance"`
	Confidence   Confidence        `json:"confidence,omitempty"`
}

// NoCounterpart records an item that deliberately maps to nothing on the other side.
type NoCounterpart struct {
	Side   string `json:"side"` // "from" or "to"
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// Validate checks the crosswalk's own shape. Both ends are checked against their catalogs
// by CheckEnds.
func (x *Crosswalk) Validate(file string) error {
	var errs []error
	bad := func(item, format string, args ...any) {
		errs = append(errs, &ValidationError{File: file, Item: item, Reason: fmt.Sprintf(format, args...)})
	}
	if want := x.From + "__" + x.To; x.ID != want {
		bad("", "crosswalk id %q must be %q (from__to)", x.ID, want)
	}
	if !catalogIDPattern.MatchString(x.From) || !catalogIDPattern.MatchString(x.To) {
		bad("", "from %q and to %q must be catalog ids", x.From, x.To)
	}
	if strings.TrimSpace(x.Provenance.Source) == "" {
		bad("", "crosswalk provenance has no source")
	}
	seen := map[[2]string]bool{}
	for i, m := range x.Mappings {
		where := fmt.Sprintf("mapping %d (%s → %s)", i, m.From, m.To)
		if m.From == "" || m.To == "" {
			bad(where, "both ends are required")
		}
		if seen[[2]string{m.From, m.To}] {
			bad(where, "duplicate pair")
		}
		seen[[2]string{m.From, m.To}] = true
		if !m.Relationship.Valid() {
			bad(where, "relationship %q is not one of equal, subset, superset, intersect, not_related", m.Relationship)
		}
		if strings.TrimSpace(m.Rationale) == "" {
			bad(where, "rationale is empty")
		}
		if !m.Provenance.Valid() {
			bad(where, "provenance %q is not source or annexa-editorial", m.Provenance)
		}
		if m.Provenance == AnnexaEditorial && !m.Confidence.Valid() {
			bad(where, "editorial pair needs confidence high, medium or low, not %q", m.Confidence)
		}
		if m.Confidence != "" && !m.Confidence.Valid() {
			bad(where, "confidence %q is not high, medium or low", m.Confidence)
		}
	}
	for i, n := range x.NoCounterpart {
		where := fmt.Sprintf("no_counterpart %d (%s)", i, n.ID)
		if n.Side != "from" && n.Side != "to" {
			bad(where, "side %q must be from or to", n.Side)
		}
		if strings.TrimSpace(n.Reason) == "" {
			bad(where, "reason is empty")
		}
	}
	return errors.Join(errs...)
}

// CheckEnds verifies that every id the crosswalk names exists in its catalog.
func (x *Crosswalk) CheckEnds(file string, from, to *Catalog) error {
	var errs []error
	missing := func(where, side string, c *Catalog, id string) {
		if _, ok := c.Item(id); !ok {
			errs = append(errs, &ValidationError{File: file, Item: where,
				Reason: fmt.Sprintf("%s id %q does not exist in catalog %s", side, id, c.ID)})
		}
	}
	for i, m := range x.Mappings {
		where := fmt.Sprintf("mapping %d (%s → %s)", i, m.From, m.To)
		missing(where, "from", from, m.From)
		missing(where, "to", to, m.To)
	}
	for i, n := range x.NoCounterpart {
		where := fmt.Sprintf("no_counterpart %d (%s)", i, n.ID)
		if n.Side == "from" {
			missing(where, "from", from, n.ID)
		} else {
			missing(where, "to", to, n.ID)
		}
	}
	return errors.Join(errs...)
}
