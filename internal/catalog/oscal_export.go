package catalog

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

var oscalTokenPattern = regexp.MustCompile(`^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$`)

// OSCALID turns an official identifier into an OSCAL token (XML NCName) deterministically:
// ids that already are tokens stay as they are (A.5.1, GOVERN), spaces become "_",
// "(" becomes "." and ")" is dropped (Art.5(1)(a) → Art.5.1.a), other characters become
// "-", and a leading digit gets "_" in front (6.1.4 → _6.1.4). The official identifier
// itself is kept in the control's label prop.
func OSCALID(id string) string {
	if oscalTokenPattern.MatchString(id) {
		return id
	}
	var b strings.Builder
	for _, r := range id {
		switch {
		case r == ' ':
			b.WriteRune('_')
		case r == '(':
			b.WriteRune('.')
		case r == ')':
		case r == '.' || r == '-' || r == '_' || (r < 128 && (r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')):
			b.WriteRune(r)
		default:
			if oscalTokenPattern.MatchString("_" + string(r)) {
				b.WriteRune(r)
			} else {
				b.WriteRune('-')
			}
		}
	}
	s := b.String()
	if s == "" || !oscalTokenPattern.MatchString(s) {
		s = "_" + s
	}
	return s
}

// lastModified gives OSCAL's required timestamp from the catalog's as-of date, so that
// exports are reproducible.
func lastModified(asOf string) string {
	if t, err := time.Parse("2006-01-02", asOf); err == nil {
		return t.UTC().Format(time.RFC3339)
	}
	if t, err := time.Parse(time.RFC3339, asOf); err == nil {
		return t.UTC().Format(time.RFC3339)
	}
	return "2000-01-01T00:00:00Z"
}

// ExportOSCALCatalog writes the catalog as an OSCAL 1.2 catalog: groups for clauses,
// themes, domains, functions; items as controls (sub-items nested); every group and control
// carries a label prop with its official identifier, summaries go in an overview part and
// attrs in props under Annexa's namespace. UUIDs are version 5, derived from the ids.
func ExportOSCALCatalog(c *Catalog) ([]byte, error) {
	used := map[string]string{}
	tok := func(id string) (string, error) {
		t := OSCALID(id)
		if prev, ok := used[t]; ok && prev != id {
			return "", fmt.Errorf("catalog %s: ids %q and %q both become OSCAL id %q", c.ID, prev, id, t)
		}
		used[t] = id
		return t, nil
	}
	childItems := map[string][]Item{}
	groupItems := map[string][]Item{}
	for _, it := range c.Items {
		if it.Parent != "" {
			childItems[it.Parent] = append(childItems[it.Parent], it)
		} else {
			groupItems[it.Group] = append(groupItems[it.Group], it)
		}
	}
	childGroups := map[string][]Group{}
	var roots []Group
	for _, g := range c.Groups {
		if g.Parent == "" {
			roots = append(roots, g)
		} else {
			childGroups[g.Parent] = append(childGroups[g.Parent], g)
		}
	}
	var control func(it Item) (oscalControl, error)
	control = func(it Item) (oscalControl, error) {
		id, err := tok(it.ID)
		if err != nil {
			return oscalControl{}, err
		}
		oc := oscalControl{ID: id, Class: tokenOr(it.Kind, "item"), Title: it.Title,
			Props: []oscalProp{{Name: "label", Value: it.ID}}}
		keys := make([]string, 0, len(it.Attrs))
		for k := range it.Attrs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, v := range it.Attrs[k] {
				oc.Props = append(oc.Props, oscalProp{Name: tokenOr(k, "attr"), NS: annexaNS, Value: v})
			}
		}
		if it.Summary != "" {
			oc.Parts = []oscalPart{{ID: id + "_ovw", Name: "overview", Prose: it.Summary}}
		}
		for _, ch := range childItems[it.ID] {
			cc, err := control(ch)
			if err != nil {
				return oscalControl{}, err
			}
			oc.Controls = append(oc.Controls, cc)
		}
		return oc, nil
	}
	var group func(g Group) (oscalGroup, error)
	group = func(g Group) (oscalGroup, error) {
		id, err := tok(g.ID)
		if err != nil {
			return oscalGroup{}, err
		}
		og := oscalGroup{ID: id, Class: tokenOr(g.Kind, "group"), Title: g.Title,
			Props: []oscalProp{{Name: "label", Value: g.ID}}}
		if g.Summary != "" {
			og.Parts = []oscalPart{{ID: id + "_ovw", Name: "overview", Prose: g.Summary}}
		}
		for _, cg := range childGroups[g.ID] {
			sub, err := group(cg)
			if err != nil {
				return oscalGroup{}, err
			}
			og.Groups = append(og.Groups, sub)
		}
		var controls []oscalControl
		for _, it := range groupItems[g.ID] {
			oc, err := control(it)
			if err != nil {
				return oscalGroup{}, err
			}
			controls = append(controls, oc)
		}
		// The OSCAL JSON schema lets a group hold groups or controls, not both; items
		// placed directly in a group that also has sub-groups go into one more group.
		if len(og.Groups) > 0 && len(controls) > 0 {
			og.Groups = append(og.Groups, oscalGroup{ID: id + "_items", Class: "items", Title: g.Title, Controls: controls})
		} else {
			og.Controls = controls
		}
		return og, nil
	}
	doc := oscalCatalog{
		UUID: stableUUID("catalog", c.ID, c.Version, fmt.Sprint(c.DataVersion)),
		Metadata: oscalMetadata{
			Title:        c.Title,
			LastModified: lastModified(c.AsOf),
			Version:      versionOr(c),
			OSCALVersion: OSCALVersion,
			Props: []oscalProp{
				{Name: "catalog-id", NS: annexaNS, Value: c.ID},
				{Name: "kind", NS: annexaNS, Value: string(c.Kind)},
			},
			Remarks: strings.TrimSpace(c.Notice + "\n\nSource: " + c.Source),
		},
	}
	if c.Publisher != "" {
		doc.Metadata.Props = append(doc.Metadata.Props, oscalProp{Name: "publisher", NS: annexaNS, Value: c.Publisher})
	}
	for _, g := range roots {
		og, err := group(g)
		if err != nil {
			return nil, err
		}
		doc.Groups = append(doc.Groups, og)
	}
	return json.MarshalIndent(oscalDocument{Catalog: &doc}, "", "  ")
}

func versionOr(c *Catalog) string {
	if c.DataVersion > 0 {
		return fmt.Sprintf("%s+annexa.%d", c.Version, c.DataVersion)
	}
	return c.Version
}

func tokenOr(s, fallback string) string {
	if oscalTokenPattern.MatchString(s) {
		return s
	}
	return fallback
}

// oscalRelationship gives the OSCAL 1.2 / NIST IR 8477 token for an OLIR relationship.
func oscalRelationship(r Relationship) string {
	switch r {
	case Equal:
		return "equal-to"
	case Subset:
		return "subset-of"
	case Superset:
		return "superset-of"
	case Intersect:
		return "intersects-with"
	}
	return "no-relationship"
}

// ExportOSCALMapping writes a crosswalk as an OSCAL 1.2 mapping collection. Control ids are
// the OSCALID of each identifier, as in ExportOSCALCatalog; the two catalogs are described
// in back-matter. Items recorded as having no counterpart go into the gap summaries.
func ExportOSCALMapping(x *Crosswalk) ([]byte, error) {
	srcRes := stableUUID("catalog-resource", x.From)
	tgtRes := stableUUID("catalog-resource", x.To)
	desc := x.Title + ". Provenance: " + x.Provenance.Source
	if x.Provenance.URL != "" {
		desc += " (" + x.Provenance.URL + ")"
	}
	if x.Disclaimer != "" {
		desc += ". " + x.Disclaimer
	}
	m := oscalMapping{
		UUID:           stableUUID("mapping", x.ID),
		SourceResource: oscalResourceRef{Type: "catalog", Href: "#" + srcRes},
		TargetResource: oscalResourceRef{Type: "catalog", Href: "#" + tgtRes},
	}
	for _, p := range x.Mappings {
		om := oscalMap{
			UUID:         stableUUID("map", x.ID, p.From, p.To),
			Relationship: oscalRelationship(p.Relationship),
			Sources:      []oscalMapItem{{Type: "control", IDRef: OSCALID(p.From)}},
			Targets:      []oscalMapItem{{Type: "control", IDRef: OSCALID(p.To)}},
			Props:        []oscalProp{{Name: "provenance", NS: annexaNS, Value: string(p.Provenance)}},
			Remarks:      p.Rationale,
		}
		if p.Confidence != "" {
			om.ConfidenceScore = &oscalConfidence{Category: string(p.Confidence)}
		}
		m.Maps = append(m.Maps, om)
	}
	if len(m.Maps) == 0 {
		return nil, fmt.Errorf("crosswalk %s has no mappings to export", x.ID)
	}
	var fromGaps, toGaps []string
	for _, n := range x.NoCounterpart {
		if n.Side == "from" {
			fromGaps = append(fromGaps, OSCALID(n.ID))
		} else {
			toGaps = append(toGaps, OSCALID(n.ID))
		}
	}
	if len(fromGaps) > 0 {
		m.SourceGapSummary = &oscalGapSummary{UUID: stableUUID("gap", x.ID, "from"), UnmappedControls: []oscalSelectControl{{WithIDs: fromGaps}}}
	}
	if len(toGaps) > 0 {
		m.TargetGapSummary = &oscalGapSummary{UUID: stableUUID("gap", x.ID, "to"), UnmappedControls: []oscalSelectControl{{WithIDs: toGaps}}}
	}
	method := "human"
	doc := oscalMappingCollection{
		UUID: stableUUID("mapping-collection", x.ID),
		Metadata: oscalMetadata{
			Title:        x.Title,
			LastModified: lastModified(x.AsOf),
			Version:      versionOfCrosswalk(x),
			OSCALVersion: OSCALVersion,
			Props:        []oscalProp{{Name: "crosswalk-id", NS: annexaNS, Value: x.ID}},
		},
		Provenance: oscalMappingProv{Method: method, MatchingRationale: "semantic", Status: "complete", MappingDescription: desc},
		Mappings:   []oscalMapping{m},
		BackMatter: &oscalBackMatter{Resources: []oscalResource{
			{UUID: srcRes, Title: x.From, Props: []oscalProp{{Name: "catalog-id", NS: annexaNS, Value: x.From}}},
			{UUID: tgtRes, Title: x.To, Props: []oscalProp{{Name: "catalog-id", NS: annexaNS, Value: x.To}}},
		}},
	}
	return json.MarshalIndent(oscalDocument{MappingCollection: &doc}, "", "  ")
}

func versionOfCrosswalk(x *Crosswalk) string {
	if x.AsOf != "" {
		return x.AsOf
	}
	return "1"
}
