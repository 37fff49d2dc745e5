package catalog

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"strings"
	"unicode/utf8"
)

// ImportOptions steers ImportOSCAL.
type ImportOptions struct {
	// ID is the catalog id to give the result; when empty it is derived from the title.
	ID string
	// Base is the OSCAL catalog a profile is resolved against (required for profiles);
	// BaseName names it in error messages.
	Base     []byte
	BaseName string
}

// ImportOSCAL reads an OSCAL 1.x catalog, or a profile resolved against opts.Base, into a
// Catalog. The document is first checked against the OSCAL 1.2.2 schema; a malformed or
// invalid document returns an *ImportError with the file, JSON path and reason. Groups
// become groups (nested), controls become items with kind "control", nested controls
// (e.g. AC-2(1)) become child items of their control. An item's id is its label prop (the
// official identifier, e.g. AC-2) when the label is unique, otherwise the OSCAL id; the
// OSCAL id is kept in attrs["oscal_id"]. The summary is the start of the statement or
// overview prose.
//
// Profile resolution covers imports with include-all or include-controls (with-ids,
// matching, with-child-controls) and exclude-controls; every import is resolved against
// the single given base catalog. merge and modify directives are not applied: the result
// keeps the base catalog's structure and text.
func ImportOSCAL(name string, data []byte, opts ImportOptions) (*Catalog, error) {
	if _, err := decodeOSCAL(name, data); err != nil {
		return nil, err
	}
	var doc oscalDocument
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, &ImportError{File: name, Path: "$", Reason: err.Error()}
	}
	switch {
	case doc.Catalog != nil:
		c := fromOSCALCatalog(doc.Catalog, nil)
		finishImport(c, doc.Catalog.Metadata, KindFramework, name, opts.ID)
		if err := c.Validate(name); err != nil {
			return nil, err
		}
		return c, nil
	case doc.Profile != nil:
		if len(opts.Base) == 0 {
			return nil, &ImportError{File: name, Path: "$.profile.imports", Reason: "a profile needs the catalog it imports; none was given"}
		}
		baseName := opts.BaseName
		if baseName == "" {
			baseName = "base catalog"
		}
		if _, err := decodeOSCAL(baseName, opts.Base); err != nil {
			return nil, err
		}
		var base oscalDocument
		if err := json.Unmarshal(opts.Base, &base); err != nil {
			return nil, &ImportError{File: baseName, Path: "$", Reason: err.Error()}
		}
		if base.Catalog == nil {
			return nil, &ImportError{File: baseName, Path: "$", Reason: "profiles are resolved against a catalog; this document is not one"}
		}
		selected, err := resolveProfile(name, doc.Profile, base.Catalog)
		if err != nil {
			return nil, err
		}
		c := fromOSCALCatalog(base.Catalog, selected)
		finishImport(c, doc.Profile.Metadata, KindProfile, name, opts.ID)
		c.Source += " resolved against " + base.Catalog.Metadata.Title
		if err := c.Validate(name); err != nil {
			return nil, err
		}
		return c, nil
	}
	return nil, &ImportError{File: name, Path: "$", Reason: "only OSCAL catalogs and profiles can be imported as catalogs"}
}

func finishImport(c *Catalog, md oscalMetadata, kind CatalogKind, name, id string) {
	c.ID = id
	if c.ID == "" {
		c.ID = slug(md.Title)
	}
	c.Title = md.Title
	c.Version = md.Version
	c.DataVersion = 1
	c.Kind = kind
	c.Source = fmt.Sprintf("Imported from OSCAL %s document %s", md.OSCALVersion, path.Base(name))
	c.Notice = "Imported content; titles and text as published in the OSCAL document."
	if len(md.LastModified) >= 10 {
		c.AsOf = md.LastModified[:10]
	}
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

func slug(title string) string {
	s := strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(title), "-"), "-")
	if len(s) > 64 {
		s = s[:64]
		if i := strings.LastIndexByte(s, '-'); i > 0 {
			s = s[:i] // cut at a word boundary
		}
	}
	if s == "" {
		return "imported"
	}
	return s
}

// resolveProfile returns the set of OSCAL control ids the profile selects from base.
func resolveProfile(name string, p *oscalProfile, base *oscalCatalog) (map[string]bool, error) {
	children := map[string][]string{}
	var all []string
	var walk func(parent string, cs []oscalControl)
	walk = func(parent string, cs []oscalControl) {
		for _, c := range cs {
			all = append(all, c.ID)
			if parent != "" {
				children[parent] = append(children[parent], c.ID)
			}
			walk(c.ID, c.Controls)
		}
	}
	var walkGroups func(gs []oscalGroup)
	walkGroups = func(gs []oscalGroup) {
		for _, g := range gs {
			walk("", g.Controls)
			walkGroups(g.Groups)
		}
	}
	walk("", base.Controls)
	walkGroups(base.Groups)
	known := map[string]bool{}
	for _, id := range all {
		known[id] = true
	}
	var addTree func(set map[string]bool, id string)
	addTree = func(set map[string]bool, id string) {
		set[id] = true
		for _, ch := range children[id] {
			addTree(set, ch)
		}
	}
	pick := func(where string, sels []oscalSelectControl) (map[string]bool, error) {
		set := map[string]bool{}
		for i, s := range sels {
			add := func(id string) {
				if s.WithChildControls == "yes" {
					addTree(set, id)
				} else {
					set[id] = true
				}
			}
			for j, id := range s.WithIDs {
				if !known[id] {
					return nil, &ImportError{File: name, Path: fmt.Sprintf("%s[%d].with-ids[%d]", where, i, j),
						Reason: fmt.Sprintf("control %q is not in %s", id, base.Metadata.Title)}
				}
				add(id)
			}
			for _, m := range s.Matching {
				for _, id := range all {
					if ok, err := path.Match(m.Pattern, id); err == nil && ok {
						add(id)
					}
				}
			}
		}
		return set, nil
	}
	selected := map[string]bool{}
	for i, imp := range p.Imports {
		where := fmt.Sprintf("$.profile.imports[%d]", i)
		var inc map[string]bool
		if imp.IncludeAll != nil {
			inc = known
		} else {
			var err error
			if inc, err = pick(where+".include-controls", imp.IncludeControls); err != nil {
				return nil, err
			}
		}
		exc, err := pick(where+".exclude-controls", imp.ExcludeControls)
		if err != nil {
			return nil, err
		}
		for id := range inc {
			if !exc[id] {
				selected[id] = true
			}
		}
	}
	return selected, nil
}

// fromOSCALCatalog converts an OSCAL catalog; when selected is not nil only those controls
// are kept (a control whose parent was dropped moves up to the nearest kept ancestor or
// its group) and groups left empty are dropped.
func fromOSCALCatalog(oc *oscalCatalog, selected map[string]bool) *Catalog {
	keep := func(id string) bool { return selected == nil || selected[id] }
	c := &Catalog{}
	// First pass: count labels so a duplicated label falls back to the OSCAL id.
	labels := map[string]int{}
	var count func(cs []oscalControl)
	count = func(cs []oscalControl) {
		for _, x := range cs {
			if keep(x.ID) {
				labels[label(x.Props)]++
			}
			count(x.Controls)
		}
	}
	var countGroups func(gs []oscalGroup)
	countGroups = func(gs []oscalGroup) {
		for _, g := range gs {
			count(g.Controls)
			countGroups(g.Groups)
		}
	}
	count(oc.Controls)
	countGroups(oc.Groups)
	itemID := func(x oscalControl) string {
		if l := label(x.Props); l != "" && labels[l] == 1 {
			return l
		}
		return x.ID
	}
	var items []Item
	var addControls func(group, parent string, cs []oscalControl)
	addControls = func(group, parent string, cs []oscalControl) {
		for _, x := range cs {
			p := parent
			if keep(x.ID) {
				it := Item{ID: itemID(x), Kind: "control", Group: group, Title: strings.TrimSpace(x.Title),
					Summary: summarise(x.Parts, x.Params), Parent: parent, Attrs: map[string][]string{"oscal_id": {x.ID}}}
				if x.Class != "" {
					it.Attrs["class"] = []string{x.Class}
				}
				items = append(items, it)
				p = it.ID
			}
			addControls(group, p, x.Controls)
		}
	}
	var groups []Group
	n := 0
	var addGroups func(parent string, gs []oscalGroup)
	addGroups = func(parent string, gs []oscalGroup) {
		for _, g := range gs {
			n++
			id := g.ID
			if id == "" {
				id = fmt.Sprintf("group-%d", n)
			}
			groups = append(groups, Group{ID: id, Kind: tokenOr(g.Class, "group"), Title: strings.TrimSpace(g.Title),
				Summary: summarise(g.Parts, g.Params), Parent: parent})
			addControls(id, "", g.Controls)
			addGroups(id, g.Groups)
		}
	}
	if len(oc.Controls) > 0 {
		groups = append(groups, Group{ID: "controls", Kind: "group", Title: "Controls"})
		addControls("controls", "", oc.Controls)
	}
	addGroups("", oc.Groups)
	// Group ids and item ids share one namespace in Annexa; rename clashing groups.
	itemIDs := map[string]bool{}
	for _, it := range items {
		itemIDs[it.ID] = true
	}
	rename := map[string]string{}
	for i, g := range groups {
		if itemIDs[g.ID] {
			rename[g.ID] = "group-" + g.ID
			groups[i].ID = rename[g.ID]
		}
	}
	for i := range groups {
		if r, ok := rename[groups[i].Parent]; ok {
			groups[i].Parent = r
		}
	}
	for i := range items {
		if r, ok := rename[items[i].Group]; ok {
			items[i].Group = r
		}
	}
	// Drop groups with nothing kept below them.
	used := map[string]bool{}
	parentOf := map[string]string{}
	for _, g := range groups {
		parentOf[g.ID] = g.Parent
	}
	for _, it := range items {
		for g, hops := it.Group, 0; g != "" && !used[g] && hops <= len(groups); g, hops = parentOf[g], hops+1 {
			used[g] = true
		}
	}
	for _, g := range groups {
		if used[g.ID] {
			c.Groups = append(c.Groups, g)
		}
	}
	c.Items = items
	return c
}

func label(props []oscalProp) string {
	first := ""
	for _, p := range props {
		if p.Name != "label" || p.NS != "" && p.NS != "http://csrc.nist.gov/ns/oscal" {
			continue
		}
		if p.Class == "" {
			return strings.TrimSpace(p.Value)
		}
		if first == "" {
			first = strings.TrimSpace(p.Value)
		}
	}
	return first
}

var insertParam = regexp.MustCompile(`\{\{\s*insert:\s*param,\s*([^}\s]+)\s*\}\}`)

// summarise takes the statement (or overview, or first) part's prose, parameters shown as
// [their label], whitespace collapsed, cut at about 300 characters.
func summarise(parts []oscalPart, params []oscalParam) string {
	var chosen *oscalPart
	for _, want := range []string{"statement", "overview"} {
		for i := range parts {
			if parts[i].Name == want {
				chosen = &parts[i]
				break
			}
		}
		if chosen != nil {
			break
		}
	}
	if chosen == nil && len(parts) > 0 {
		chosen = &parts[0]
	}
	if chosen == nil {
		return ""
	}
	labels := map[string]string{}
	for _, p := range params {
		labels[p.ID] = p.Label
	}
	var b strings.Builder
	var collect func(p oscalPart)
	collect = func(p oscalPart) {
		if l := label(p.Props); l != "" {
			b.WriteString(l + " ")
		}
		b.WriteString(p.Prose + " ")
		for _, ch := range p.Parts {
			collect(ch)
		}
	}
	collect(*chosen)
	s := insertParam.ReplaceAllStringFunc(b.String(), func(m string) string {
		id := insertParam.FindStringSubmatch(m)[1]
		if l := labels[id]; l != "" {
			return "[" + l + "]"
		}
		return "[" + id + "]"
	})
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > 300 {
		r := []rune(s)[:300]
		s = strings.TrimSpace(string(r)) + "…"
	}
	return s
}
