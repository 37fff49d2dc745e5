// Package catalog holds Annexa's framework catalogs (ISO/IEC 27001, ISO/IEC 42001, NIST AI
// RMF, the EU AI Act …) and the crosswalks between them: their types, loading and
// validation from the embedded data, lookup, search, the group tree, transitive mappings,
// OSCAL import/export and CSV/XLSX export. It knows nothing of HTTP or SQL.
package catalog

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// CatalogKind says what sort of document a catalog represents.
type CatalogKind string

const (
	KindStandard   CatalogKind = "standard"
	KindRegulation CatalogKind = "regulation"
	KindFramework  CatalogKind = "framework"
	KindProfile    CatalogKind = "profile"
)

// Valid reports whether k is one of the known catalog kinds.
func (k CatalogKind) Valid() bool {
	switch k {
	case KindStandard, KindRegulation, KindFramework, KindProfile:
		return true
	}
	return false
}

// Catalog is one framework, standard or regulation as data: its groups (clauses, themes,
// domains, functions …) and items (clauses, controls, subcategories, articles …).
type Catalog struct {
	ID          string      `json:"id"`
	Title       string      `json:"title"`
	Version     string      `json:"version"`
	DataVersion int         `json:"data_version"`
	Kind        CatalogKind `json:"kind"`
	Publisher   string      `json:"publisher"`
	Source      string      `json:"source"`
	Notice      string      `json:"notice"`
	AsOf        string      `json:"as_of"`
	Groups      []Group     `json:"groups"`
	Items       []Item      `json:"items"`

	groupIdx map[string]int
	itemIdx  map[string]int
}

// Group is a node of a catalog's structure that holds items or other groups.
type Group struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Title   string `json:"title"`
	Summary string `json:"summary,omitempty"`
	Parent  string `json:"parent,omitempty"`
}

// Item is one assessable element: a clause, sub-clause, control, subcategory, article …
type Item struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Group   string `json:"group"`
	Title   string `json:"title"`
	Summary string `json:"summary"`
	// Parent names another item of the same catalog (a sub-clause under its clause).
	Parent string              `json:"parent,omitempty"`
	Attrs  map[string][]string `json:"attrs,omitempty"`
}

// Item returns the item with the given id.
func (c *Catalog) Item(id string) (Item, bool) {
	c.index()
	i, ok := c.itemIdx[id]
	if !ok {
		return Item{}, false
	}
	return c.Items[i], true
}

// Group returns the group with the given id.
func (c *Catalog) Group(id string) (Group, bool) {
	c.index()
	i, ok := c.groupIdx[id]
	if !ok {
		return Group{}, false
	}
	return c.Groups[i], true
}

// CountKind counts the items of one kind ("control", "subcategory" …).
func (c *Catalog) CountKind(kind string) int {
	n := 0
	for _, it := range c.Items {
		if it.Kind == kind {
			n++
		}
	}
	return n
}

// InGroup reports whether the item sits in group g or in any group below g.
func (c *Catalog) InGroup(it Item, g string) bool {
	c.index()
	seen := map[string]bool{}
	for cur := it.Group; cur != "" && !seen[cur]; {
		if cur == g {
			return true
		}
		seen[cur] = true
		i, ok := c.groupIdx[cur]
		if !ok {
			return false
		}
		cur = c.Groups[i].Parent
	}
	return false
}

func (c *Catalog) index() {
	if c.itemIdx != nil && len(c.itemIdx) == len(c.Items) && len(c.groupIdx) == len(c.Groups) {
		return
	}
	c.groupIdx = make(map[string]int, len(c.Groups))
	for i, g := range c.Groups {
		if _, dup := c.groupIdx[g.ID]; !dup {
			c.groupIdx[g.ID] = i
		}
	}
	c.itemIdx = make(map[string]int, len(c.Items))
	for i, it := range c.Items {
		if _, dup := c.itemIdx[it.ID]; !dup {
			c.itemIdx[it.ID] = i
		}
	}
}

// ValidationError names the file, the element and the reason a catalog or crosswalk was
// refused, so a person can find and fix it.
type ValidationError struct {
	File   string
	Item   string
	Reason string
}

func (e *ValidationError) Error() string {
	if e.Item == "" {
		return fmt.Sprintf("%s: %s", e.File, e.Reason)
	}
	return fmt.Sprintf("%s: %s: %s", e.File, e.Item, e.Reason)
}

var catalogIDPattern = regexp.MustCompile(`^[a-z0-9]+([.-][a-z0-9]+)*$`)

// Validate checks a catalog against the data contract (docs/catalog-format.md). file names
// the source in error messages. It returns every problem found, joined.
func (c *Catalog) Validate(file string) error {
	var errs []error
	bad := func(item, format string, args ...any) {
		errs = append(errs, &ValidationError{File: file, Item: item, Reason: fmt.Sprintf(format, args...)})
	}
	if !catalogIDPattern.MatchString(c.ID) {
		bad("", "catalog id %q must be lowercase letters and digits separated by dashes or dots", c.ID)
	}
	if strings.TrimSpace(c.Title) == "" {
		bad("", "catalog title is empty")
	}
	if strings.TrimSpace(c.Version) == "" {
		bad("", "catalog version is empty")
	}
	if !c.Kind.Valid() {
		bad("", "catalog kind %q is not one of standard, regulation, framework, profile", c.Kind)
	}
	ids := map[string]string{}
	for _, g := range c.Groups {
		switch {
		case strings.TrimSpace(g.ID) == "":
			bad("group "+g.Title, "group has no id")
		case ids[g.ID] != "":
			bad("group "+g.ID, "duplicate id (already used by a %s)", ids[g.ID])
		}
		ids[g.ID] = "group"
		if strings.TrimSpace(g.Title) == "" {
			bad("group "+g.ID, "group has no title")
		}
	}
	for _, it := range c.Items {
		switch {
		case strings.TrimSpace(it.ID) == "":
			bad("item "+it.Title, "item has no id")
		case ids[it.ID] != "":
			bad(it.ID, "duplicate id (already used by a %s)", ids[it.ID])
		}
		ids[it.ID] = "item"
	}
	groups := map[string]Group{}
	for _, g := range c.Groups {
		groups[g.ID] = g
	}
	for _, g := range c.Groups {
		if g.Parent == "" {
			continue
		}
		if _, ok := groups[g.Parent]; !ok {
			bad("group "+g.ID, "parent group %q does not exist", g.Parent)
			continue
		}
		if cyclic(g.ID, func(id string) string { return groups[id].Parent }) {
			bad("group "+g.ID, "group parents form a cycle")
		}
	}
	items := map[string]Item{}
	for _, it := range c.Items {
		items[it.ID] = it
	}
	for _, it := range c.Items {
		if strings.TrimSpace(it.Title) == "" {
			bad(it.ID, "item has no title")
		}
		if strings.TrimSpace(it.Kind) == "" {
			bad(it.ID, "item has no kind")
		}
		if _, ok := groups[it.Group]; !ok {
			bad(it.ID, "group %q does not exist", it.Group)
		}
		if it.Parent != "" {
			if _, ok := items[it.Parent]; !ok {
				bad(it.ID, "parent item %q does not exist", it.Parent)
			} else if cyclic(it.ID, func(id string) string { return items[id].Parent }) {
				bad(it.ID, "item parents form a cycle")
			}
		}
		for k, vs := range it.Attrs {
			if len(vs) == 0 {
				bad(it.ID, "attribute %q has no values", k)
			}
		}
	}
	c.index()
	return errors.Join(errs...)
}

// cyclic walks parent links from start and reports whether it comes back to a node it saw.
func cyclic(start string, parent func(string) string) bool {
	seen := map[string]bool{}
	for cur := start; cur != ""; cur = parent(cur) {
		if seen[cur] {
			return true
		}
		seen[cur] = true
	}
	return false
}
