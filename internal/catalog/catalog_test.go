package catalog

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func library(t *testing.T) *Library {
	t.Helper()
	l, err := LoadEmbedded()
	if err != nil {
		t.Fatalf("load embedded catalogs: %v", err)
	}
	return l
}

func mustCatalog(t *testing.T, l *Library, id string) *Catalog {
	t.Helper()
	c, ok := l.Catalog(id)
	if !ok {
		t.Fatalf("catalog %s not loaded", id)
	}
	return c
}

// countWhere counts items of a catalog matching kind and (when set) group, including groups below it.
func countWhere(c *Catalog, kind, group string) int {
	n := 0
	for _, it := range c.Items {
		if it.Kind == kind && (group == "" || c.InGroup(it, group)) {
			n++
		}
	}
	return n
}

func TestCountsAgainstReference(t *testing.T) {
	l := library(t)
	var r27 refISO27001
	reference(t, "iso27001-2022.json", &r27)
	var r42 refISO42001
	reference(t, "iso42001-2023.json", &r42)
	var rn refNIST
	reference(t, "nist-ai-rmf-1.0.json", &rn)
	var c2, c3 []refNamed
	json.Unmarshal(r42.AnnexC["C.2_potential_organizational_objectives"], &c2)
	json.Unmarshal(r42.AnnexC["C.3_potential_risk_sources"], &c3)

	iso27 := mustCatalog(t, l, "iso27001-2022")
	iso42 := mustCatalog(t, l, "iso42001-2023")
	nist := mustCatalog(t, l, "nist-ai-rmf-1.0")
	gai := mustCatalog(t, l, "nist-ai-600-1")

	tests := []countCheck{
		{"27001 Annex A controls", iso27.CountKind("control"), r27.Counts.AnnexAControls},
		{"27001 organizational", countWhere(iso27, "control", "A.5"), r27.Counts.ByTheme["Organizational"]},
		{"27001 people", countWhere(iso27, "control", "A.6"), r27.Counts.ByTheme["People"]},
		{"27001 physical", countWhere(iso27, "control", "A.7"), r27.Counts.ByTheme["Physical"]},
		{"27001 technological", countWhere(iso27, "control", "A.8"), r27.Counts.ByTheme["Technological"]},
		{"27001 clauses and sub-clauses", iso27.CountKind("clause") + iso27.CountKind("subclause"), len(r27.Clauses)},
		{"27001 sub-clauses", iso27.CountKind("subclause"), r27.Counts.Subclauses4To10},
		{"42001 Annex A controls", iso42.CountKind("control"), r42.Counts.AnnexAControls},
		{"42001 clauses and sub-clauses", iso42.CountKind("clause") + iso42.CountKind("subclause"), len(r42.Clauses)},
		{"42001 Annex C objectives", iso42.CountKind("ai_objective"), r42.Counts.AnnexCObjectives},
		{"42001 Annex C risk sources", iso42.CountKind("risk_source"), r42.Counts.AnnexCRiskSources},
		{"42001 Annex C objectives listed", len(c2), r42.Counts.AnnexCObjectives},
		{"NIST functions", len(nist.Groups), rn.Counts.Functions},
		{"NIST categories", nist.CountKind("category"), rn.Counts.Categories},
		{"NIST subcategories", nist.CountKind("subcategory"), rn.Counts.Subcategories},
		{"GAI risks", gai.CountKind("risk"), rn.GenAI.RiskCount},
		// The brief's figures, so a reference that drifts is noticed too.
		{"27001 Annex A controls (93)", iso27.CountKind("control"), 93},
		{"42001 Annex A controls (38)", iso42.CountKind("control"), 38},
		{"NIST subcategories (72)", nist.CountKind("subcategory"), 72},
		{"NIST categories (19)", nist.CountKind("category"), 19},
		{"GAI risks (12)", gai.CountKind("risk"), 12},
	}
	for fn, want := range rn.Counts.PerFunction {
		tests = append(tests,
			countCheck{"NIST " + fn + " subcategories", countWhere(nist, "subcategory", fn), want.Subcategories},
			countCheck{"NIST " + fn + " categories", countWhere(nist, "category", fn), want.Categories})
	}
	tests = append(tests,
		countCheck{"42001 Annex A domains", groupsOfKind(iso42, "domain"), r42.Counts.AnnexADomains},
		countCheck{"42001 Annex A objectives", groupsOfKind(iso42, "objective"), r42.Counts.ObjectiveCount})
	for dom, want := range r42.Counts.ByDomain {
		tests = append(tests, countCheck{"42001 domain " + dom, countWhere(iso42, "control", dom), want})
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, tc.got, tc.want)
		}
	}
	if n := countWhere(nist, "subcategory", "GOVERN"); n != 19 {
		t.Errorf("GOVERN subcategories: %d, want 19", n)
	}
	for fn, want := range map[string]int{"MAP": 18, "MEASURE": 22, "MANAGE": 13} {
		if n := countWhere(nist, "subcategory", fn); n != want {
			t.Errorf("%s subcategories: %d, want %d", fn, n, want)
		}
	}
}

// structuralGroups are groups Annexa adds to hold the official items; they have no
// counterpart in the reference and are named here so that any other unknown id fails.
var structuralGroups = map[string]map[string]bool{
	"iso27001-2022":   {"clauses": true, "annex-a": true},
	"iso42001-2023":   {"clauses": true, "annex-a": true, "annex-c": true, "C.2": true, "C.3": true},
	"nist-ai-rmf-1.0": {},
	"nist-ai-600-1":   {"risks": true},
}

func TestIDsAndTitlesMatchReference(t *testing.T) {
	l := library(t)
	var r27 refISO27001
	reference(t, "iso27001-2022.json", &r27)
	var r42 refISO42001
	reference(t, "iso42001-2023.json", &r42)
	var rn refNIST
	reference(t, "nist-ai-rmf-1.0.json", &rn)

	items := map[string]map[string]string{"iso27001-2022": {}, "iso42001-2023": {}, "nist-ai-rmf-1.0": {}, "nist-ai-600-1": {}}
	groups := map[string]map[string]string{"iso27001-2022": {}, "iso42001-2023": {}, "nist-ai-rmf-1.0": {}, "nist-ai-600-1": {}}
	for _, c := range r27.Clauses {
		items["iso27001-2022"][c.ID] = c.Title
	}
	for _, c := range r27.Controls {
		items["iso27001-2022"][c.AnnexRef] = c.Title
	}
	for _, th := range r27.Themes {
		groups["iso27001-2022"][th.Group] = th.GroupTitle
	}
	for _, c := range r42.Clauses {
		items["iso42001-2023"][c.ID] = c.Title
	}
	for _, c := range r42.Controls {
		items["iso42001-2023"][c.ID] = c.Title
	}
	for _, d := range r42.Domains {
		groups["iso42001-2023"][d.ID] = d.Title
		if d.ControlObjective != nil {
			groups["iso42001-2023"][d.ControlObjective.IDImplied] = "" // the reference gives no title
		}
		for _, o := range d.ControlObjectives {
			groups["iso42001-2023"][o.ID] = o.Title
		}
	}
	for _, key := range []string{"C.2_potential_organizational_objectives", "C.3_potential_risk_sources"} {
		var list []refNamed
		if err := json.Unmarshal(r42.AnnexC[key], &list); err != nil {
			t.Fatal(err)
		}
		for _, x := range list {
			items["iso42001-2023"][x.ID] = x.Name
		}
	}
	for _, f := range rn.Functions {
		groups["nist-ai-rmf-1.0"][f.ID] = f.ID
		for _, c := range f.Categories {
			items["nist-ai-rmf-1.0"][c.ID] = c.Statement
			for _, s := range c.Subcategories {
				items["nist-ai-rmf-1.0"][s.ID] = s.Statement
			}
		}
	}
	for _, r := range rn.GenAI.Risks {
		items["nist-ai-600-1"][r.Section] = r.Name
	}

	for catID, want := range items {
		c := mustCatalog(t, l, catID)
		seen := map[string]bool{}
		for _, it := range c.Items {
			seen[it.ID] = true
			title, ok := want[it.ID]
			if !ok {
				t.Errorf("%s: item %s is not in the reference", catID, it.ID)
				continue
			}
			if it.Title != title {
				t.Errorf("%s: item %s title %q, reference %q", catID, it.ID, it.Title, title)
			}
		}
		for id := range want {
			if !seen[id] {
				t.Errorf("%s: reference item %s is missing from the catalog", catID, id)
			}
		}
		for _, g := range c.Groups {
			if structuralGroups[catID][g.ID] {
				continue
			}
			title, ok := groups[catID][g.ID]
			switch {
			case !ok:
				t.Errorf("%s: group %s is neither in the reference nor a known structural group", catID, g.ID)
			case title != "" && g.Title != title:
				t.Errorf("%s: group %s title %q, reference %q", catID, g.ID, g.Title, title)
			}
		}
	}
}

// TestSummariesAreOurOwnWords fails when a summary repeats any text from the reference
// files (which quote NIST statements and paraphrase ISO), or just repeats the title.
func TestSummariesAreOurOwnWords(t *testing.T) {
	l := library(t)
	norm := func(s string) string {
		s = strings.ToLower(strings.Join(strings.Fields(s), " "))
		return strings.TrimRight(s, ". ")
	}
	refTexts := map[string]string{}
	entries, err := os.ReadDir(filepath.Join(sharedDir(t), "reference"))
	if err != nil {
		t.Fatal(err)
	}
	var collect func(file string, v any)
	collect = func(file string, v any) {
		switch x := v.(type) {
		case string:
			if len(x) > 12 {
				refTexts[norm(x)] = file
			}
		case []any:
			for _, e := range x {
				collect(file, e)
			}
		case map[string]any:
			for _, e := range x {
				collect(file, e)
			}
		}
	}
	for _, e := range entries {
		var v any
		reference(t, e.Name(), &v)
		collect(e.Name(), v)
	}
	check := func(where, title, summary string) {
		if strings.TrimSpace(summary) == "" {
			t.Errorf("%s: summary is empty", where)
			return
		}
		if file, ok := refTexts[norm(summary)]; ok {
			t.Errorf("%s: summary copies text from reference %s: %q", where, file, summary)
		}
		if norm(summary) == norm(title) {
			t.Errorf("%s: summary only repeats the title", where)
		}
	}
	for _, c := range l.Catalogs() {
		for _, it := range c.Items {
			check(c.ID+" "+it.ID, it.Title, it.Summary)
		}
		for _, g := range c.Groups {
			check(c.ID+" group "+g.ID, g.Title, g.Summary)
		}
	}
	for _, x := range l.Crosswalks() {
		for _, m := range x.Mappings {
			if _, ok := refTexts[norm(m.Rationale)]; ok {
				t.Errorf("%s %s→%s: rationale copies reference text", x.ID, m.From, m.To)
			}
		}
	}
}

func TestNoDuplicateIDs(t *testing.T) {
	l := library(t)
	for _, c := range l.Catalogs() {
		seen := map[string]bool{}
		for _, g := range c.Groups {
			if seen[g.ID] {
				t.Errorf("%s: duplicate id %s", c.ID, g.ID)
			}
			seen[g.ID] = true
		}
		for _, it := range c.Items {
			if seen[it.ID] {
				t.Errorf("%s: duplicate id %s", c.ID, it.ID)
			}
			seen[it.ID] = true
		}
	}
}

// The EU AI Act catalog is written on another branch; until it is merged its crosswalk is
// pending. Once the catalog is present, every id the crosswalk names must exist in it.
const euID = "eu-ai-act-2024-1689"

func TestCrosswalkEndsExist(t *testing.T) {
	l := library(t)
	if len(l.Crosswalks()) < 3 {
		t.Fatalf("want at least 3 crosswalks, got %d", len(l.Crosswalks()))
	}
	for _, x := range l.Crosswalks() {
		from, okF := l.Catalog(x.From)
		to, okT := l.Catalog(x.To)
		if !okF || !okT {
			if x.From != euID && x.To != euID {
				t.Errorf("%s names a catalog that does not exist", x.ID)
			}
			t.Logf("%s: skipped until %s is loaded", x.ID, euID)
			continue
		}
		for _, m := range x.Mappings {
			if _, ok := from.Item(m.From); !ok {
				t.Errorf("%s: from %q does not exist in %s", x.ID, m.From, x.From)
			}
			if _, ok := to.Item(m.To); !ok {
				t.Errorf("%s: to %q does not exist in %s", x.ID, m.To, x.To)
			}
		}
		for _, n := range x.NoCounterpart {
			c := to
			if n.Side == "from" {
				c = from
			}
			if _, ok := c.Item(n.ID); !ok {
				t.Errorf("%s: no_counterpart %q does not exist in %s", x.ID, n.ID, c.ID)
			}
		}
	}
}

// TestEUCrosswalkIDsFollowContract checks the EU ids by their shape now, so a typo fails
// before the catalog arrives.
func TestEUCrosswalkIDsFollowContract(t *testing.T) {
	l := library(t)
	x, err := l.Crosswalk(euID, "iso42001-2023")
	if err != nil {
		t.Fatal(err)
	}
	shape := regexp.MustCompile(`^(Art\.\d+(\(\d+\)(\([a-z]+\))?)?|AnnexIII\.\d\([a-z]\)|AnnexI\.[AB])$`)
	for _, m := range x.Mappings {
		if !shape.MatchString(m.From) {
			t.Errorf("EU id %q does not follow the contract", m.From)
		}
	}
	if !strings.Contains(x.Disclaimer, "no presumption of conformity") {
		t.Errorf("EU crosswalk disclaimer must say it confers no presumption of conformity: %q", x.Disclaimer)
	}
}

// TestLoadRefusesCrosswalkWithMissingEnd proves the end check can fail: an EU catalog
// that lacks an id the crosswalk uses makes loading fail, naming file, pair and reason.
func TestLoadRefusesCrosswalkWithMissingEnd(t *testing.T) {
	fsys := fstest.MapFS{}
	for _, name := range []string{"frameworks/iso42001-2023.json", "crosswalks/eu-ai-act-2024-1689__iso42001-2023.json"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "catalogs", name))
		if err != nil {
			t.Fatal(err)
		}
		fsys[name] = &fstest.MapFile{Data: data}
	}
	eu := Catalog{ID: euID, Title: "EU AI Act", Version: "2024", Kind: KindRegulation,
		Groups: []Group{{ID: "chapter-iii", Kind: "chapter", Title: "High-risk AI systems"}},
		Items:  []Item{{ID: "Art.9", Kind: "article", Group: "chapter-iii", Title: "Risk management system", Summary: "x"}}}
	data, _ := json.Marshal(eu)
	fsys["frameworks/"+euID+".json"] = &fstest.MapFile{Data: data}
	_, err := Load(fsys)
	if err == nil {
		t.Fatal("load succeeded although the EU catalog lacks Art.10")
	}
	for _, want := range []string{"crosswalks/eu-ai-act-2024-1689__iso42001-2023.json", "Art.10", "does not exist in catalog " + euID} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	// Without the EU catalog the crosswalk is pending and not followed.
	delete(fsys, "frameworks/"+euID+".json")
	l, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if p := l.Pending(); len(p) != 1 || p[0].ID != euID+"__iso42001-2023" {
		t.Errorf("pending crosswalks: %v", p)
	}
}

func TestValidationErrorsNameFileItemAndReason(t *testing.T) {
	good := func() Catalog {
		return Catalog{ID: "demo", Title: "Demo", Version: "1", Kind: KindFramework,
			Groups: []Group{{ID: "g", Kind: "theme", Title: "G"}},
			Items: []Item{{ID: "1", Kind: "clause", Group: "g", Title: "One", Summary: "s"},
				{ID: "1.1", Kind: "subclause", Group: "g", Title: "One one", Summary: "s", Parent: "1"}}}
	}
	tests := []struct {
		name   string
		mutate func(*Catalog)
		raw    string // replaces the marshalled catalog when set
		item   string
		reason string
	}{
		{"bad id", func(c *Catalog) { c.ID = "Demo!" }, "", "", "catalog id"},
		{"bad kind", func(c *Catalog) { c.Kind = "law" }, "", "", "catalog kind"},
		{"duplicate item", func(c *Catalog) { c.Items[1].ID = "1" }, "", "1", "duplicate id"},
		{"item id used by group", func(c *Catalog) { c.Items[0].ID = "g"; c.Items[1].Parent = "g" }, "", "g", "duplicate id"},
		{"unknown group", func(c *Catalog) { c.Items[0].Group = "nope" }, "", "1", `group "nope" does not exist`},
		{"unknown parent", func(c *Catalog) { c.Items[1].Parent = "9" }, "", "1.1", `parent item "9" does not exist`},
		{"parent cycle", func(c *Catalog) { c.Items[0].Parent = "1.1" }, "", "1", "cycle"},
		{"no title", func(c *Catalog) { c.Items[0].Title = " " }, "", "1", "no title"},
		{"empty attr", func(c *Catalog) { c.Items[0].Attrs = map[string][]string{"theme": {}} }, "", "1", "no values"},
		{"unknown field", nil, `{"id":"demo","titel":"x"}`, "", "unknown field"},
		{"syntax error", nil, "{\n\"id\": \"demo\",,}", "", "line 2"},
		{"file name mismatch", func(c *Catalog) { c.ID = "other" }, "", "", "does not match file name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := good()
			var data []byte
			if tc.raw != "" {
				data = []byte(tc.raw)
			} else {
				tc.mutate(&c)
				data, _ = json.Marshal(c)
			}
			_, err := Load(fstest.MapFS{"frameworks/demo.json": {Data: data}})
			if err == nil {
				t.Fatal("load succeeded")
			}
			msg := err.Error()
			if !strings.Contains(msg, "frameworks/demo.json") {
				t.Errorf("error %q does not name the file", msg)
			}
			if tc.item != "" && !strings.Contains(msg, ": "+tc.item+": ") {
				t.Errorf("error %q does not name item %s", msg, tc.item)
			}
			if !strings.Contains(msg, tc.reason) {
				t.Errorf("error %q does not give reason %q", msg, tc.reason)
			}
		})
	}
}

func TestCrosswalkValidation(t *testing.T) {
	base := func() Crosswalk {
		return Crosswalk{ID: "a__b", From: "a", To: "b", Title: "t", Provenance: Source{Source: "s"},
			Mappings: []Mapping{{From: "1", To: "2", Relationship: Intersect, Rationale: "r", Provenance: AnnexaEditorial, Confidence: High}}}
	}
	tests := []struct {
		name   string
		mutate func(*Crosswalk)
		reason string
	}{
		{"bad relationship", func(x *Crosswalk) { x.Mappings[0].Relationship = "overlaps" }, "relationship"},
		{"editorial without confidence", func(x *Crosswalk) { x.Mappings[0].Confidence = "" }, "needs confidence"},
		{"bad provenance", func(x *Crosswalk) { x.Mappings[0].Provenance = "guess" }, "provenance"},
		{"id mismatch", func(x *Crosswalk) { x.ID = "b__a" }, "from__to"},
		{"duplicate pair", func(x *Crosswalk) { x.Mappings = append(x.Mappings, x.Mappings[0]) }, "duplicate pair"},
		{"no rationale", func(x *Crosswalk) { x.Mappings[0].Rationale = "" }, "rationale"},
		{"bad side", func(x *Crosswalk) { x.NoCounterpart = []NoCounterpart{{Side: "left", ID: "1", Reason: "r"}} }, "side"},
	}
	ok := base()
	if err := ok.Validate("x.json"); err != nil {
		t.Fatalf("valid crosswalk refused: %v", err)
	}
	for _, tc := range tests {
		x := base()
		tc.mutate(&x)
		err := x.Validate("x.json")
		if err == nil || !strings.Contains(err.Error(), tc.reason) || !strings.HasPrefix(err.Error(), "x.json: ") {
			t.Errorf("%s: got %v, want an error about %q naming x.json", tc.name, err, tc.reason)
		}
	}
}

func TestRelationship(t *testing.T) {
	for _, r := range []Relationship{Equal, Subset, Superset, Intersect, NotRelated} {
		if !r.Valid() {
			t.Errorf("%s not valid", r)
		}
	}
	if Relationship("same").Valid() {
		t.Error("unknown relationship valid")
	}
	tests := []struct{ a, b, want Relationship }{
		{Equal, Equal, Equal},
		{Equal, Subset, Subset},
		{Subset, Subset, Subset},
		{Subset, Superset, Intersect},
		{Superset, Equal, Superset},
		{Intersect, Equal, Intersect},
		{Subset, Intersect, Intersect},
		{Intersect, NotRelated, NotRelated},
	}
	for _, tc := range tests {
		if got := Weaker(tc.a, tc.b); got != tc.want {
			t.Errorf("Weaker(%s, %s) = %s, want %s", tc.a, tc.b, got, tc.want)
		}
	}
	if Subset.Inverse() != Superset || Intersect.Inverse() != Intersect {
		t.Error("inverse wrong")
	}
}

func TestLookupAndSearch(t *testing.T) {
	l := library(t)
	it, err := l.Item("iso42001-2023", "6.1.4")
	if err != nil || it.Title != "AI system impact assessment" {
		t.Fatalf("lookup 6.1.4: %v %+v", err, it)
	}
	if _, err := l.Item("iso42001-2023", "6.1.5"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing item: %v", err)
	}
	if _, err := l.Item("nope", "1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing catalog: %v", err)
	}
	has := func(hits []Hit, cat, id string) bool {
		for _, h := range hits {
			if h.Catalog == cat && h.Item.ID == id {
				return true
			}
		}
		return false
	}
	tests := []struct {
		name    string
		q       Query
		cat, id string
		absent  bool
	}{
		{"id exact and first", Query{Text: "a.8.15"}, "iso27001-2022", "A.8.15", false},
		{"title case-insensitive", Query{Text: "EVENT LOGS"}, "iso42001-2023", "A.6.2.8", false},
		{"summary", Query{Text: "anomalous"}, "iso27001-2022", "A.8.16", false},
		{"across catalogs", Query{Text: "supplier"}, "iso42001-2023", "A.10.3", false},
		{"across catalogs 2", Query{Text: "supplier"}, "iso27001-2022", "A.5.19", false},
		{"group filter includes sub-groups", Query{Text: "log", Group: "A.6"}, "iso42001-2023", "A.6.2.8", false},
		{"group filter excludes others", Query{Text: "log", Group: "A.7"}, "iso42001-2023", "A.6.2.8", true},
		{"catalog filter", Query{Text: "policy", Catalog: "nist-ai-rmf-1.0"}, "iso27001-2022", "A.5.1", true},
		{"all terms must match", Query{Text: "supplier zebra"}, "iso42001-2023", "A.10.3", true},
		{"kind filter", Query{Text: "govern", Kind: "category"}, "nist-ai-rmf-1.0", "GOVERN 1", false},
	}
	for _, tc := range tests {
		hits := l.Search(tc.q)
		if got := has(hits, tc.cat, tc.id); got == tc.absent {
			t.Errorf("%s: %s %s present=%v, want %v", tc.name, tc.cat, tc.id, got, !tc.absent)
		}
	}
	if hits := l.Search(Query{Text: "A.8.15"}); len(hits) == 0 || hits[0].Item.ID != "A.8.15" {
		t.Errorf("exact id not ranked first: %+v", hits)
	}
	if hits := l.Search(Query{Text: "control", Limit: 3}); len(hits) != 3 {
		t.Errorf("limit: %d hits", len(hits))
	}
}

func TestTree(t *testing.T) {
	l := library(t)
	roots, err := l.Tree("iso42001-2023")
	if err != nil {
		t.Fatal(err)
	}
	find := func(nodes []*Node, id string) *Node {
		var walk func([]*Node) *Node
		walk = func(ns []*Node) *Node {
			for _, n := range ns {
				if n.Group != nil && n.Group.ID == id || n.Item != nil && n.Item.ID == id {
					return n
				}
				if f := walk(n.Children); f != nil {
					return f
				}
			}
			return nil
		}
		return walk(nodes)
	}
	var rootIDs []string
	for _, r := range roots {
		rootIDs = append(rootIDs, r.Group.ID)
	}
	if strings.Join(rootIDs, ",") != "clauses,annex-a,annex-c" {
		t.Errorf("roots: %v", rootIDs)
	}
	a6 := find(roots, "A.6")
	if a6 == nil || len(a6.Children) != 2 || a6.Children[1].Group.ID != "A.6.2" || len(a6.Children[1].Children) != 7 {
		t.Errorf("A.6 subtree wrong: %+v", a6)
	}
	c61 := find(roots, "6.1")
	if c61 == nil || len(c61.Children) != 4 || c61.Children[3].Item.ID != "6.1.4" {
		t.Errorf("6.1 should hold 6.1.1-6.1.4: %+v", c61)
	}
	if _, err := l.Tree("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("tree of unknown catalog: %v", err)
	}
}

func TestRelatedFollowsPathsWithWeakestRelationship(t *testing.T) {
	l := library(t)
	links, err := l.Related("nist-ai-rmf-1.0", "GOVERN 1.2", 0)
	if err != nil {
		t.Fatal(err)
	}
	var direct, transitive *Link
	for i, k := range links {
		if k.Target.Catalog == "iso42001-2023" && k.Target.ID == "A.2.2" && k.Direct() {
			direct = &links[i]
		}
		if k.Target.Catalog == "iso27001-2022" && k.Target.ID == "A.5.1" {
			transitive = &links[i]
		}
		if k.Target.Catalog == "nist-ai-rmf-1.0" {
			t.Errorf("a path came back to its own catalog: %s", k.Path())
		}
	}
	if direct == nil || direct.Steps[0].Provenance != FromSource || direct.Steps[0].Rationale == "" {
		t.Fatalf("no direct link GOVERN 1.2 → A.2.2 with its why: %+v", direct)
	}
	if transitive == nil {
		t.Fatal("no transitive link to ISO 27001 A.5.1")
	}
	if got := transitive.Path(); got != "nist-ai-rmf-1.0 → iso42001-2023 → iso27001-2022" {
		t.Errorf("path %q", got)
	}
	if transitive.Relationship != Intersect || len(transitive.Steps) != 2 || transitive.Steps[1].Confidence == "" {
		t.Errorf("transitive link: %+v", transitive)
	}

	// Equal then intersect along a path gives intersect; read backwards subset becomes superset.
	ll := NewLibrary()
	for _, c := range []*Catalog{
		{ID: "a", Title: "A", Version: "1", Kind: KindFramework, Groups: []Group{{ID: "g", Kind: "g", Title: "G"}}, Items: []Item{{ID: "1", Kind: "k", Group: "g", Title: "A1"}}},
		{ID: "b", Title: "B", Version: "1", Kind: KindFramework, Groups: []Group{{ID: "g", Kind: "g", Title: "G"}}, Items: []Item{{ID: "1", Kind: "k", Group: "g", Title: "B1"}}},
		{ID: "c", Title: "C", Version: "1", Kind: KindFramework, Groups: []Group{{ID: "g", Kind: "g", Title: "G"}}, Items: []Item{{ID: "1", Kind: "k", Group: "g", Title: "C1"}}},
	} {
		if err := ll.Add(c, false); err != nil {
			t.Fatal(err)
		}
	}
	ll.crosswalks["a__b"] = &Crosswalk{ID: "a__b", From: "a", To: "b", Mappings: []Mapping{{From: "1", To: "1", Relationship: Subset, Rationale: "r", Provenance: FromSource}}}
	ll.crosswalks["c__b"] = &Crosswalk{ID: "c__b", From: "c", To: "b", Mappings: []Mapping{{From: "1", To: "1", Relationship: Subset, Rationale: "r", Provenance: FromSource}}}
	got, err := ll.Related("a", "1", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Relationship != Subset || got[1].Path() != "a → b → c" || got[1].Relationship != Intersect || got[1].Steps[1].Relationship != Superset {
		t.Errorf("related a/1: %+v", got)
	}
	if one, _ := ll.Related("a", "1", 1); len(one) != 1 {
		t.Errorf("maxHops 1 should stop after one pair: %+v", one)
	}
	if err := ll.Add(&Catalog{ID: "a", Title: "A2", Version: "2", Kind: KindFramework}, false); !errors.Is(err, ErrExists) {
		t.Errorf("adding an existing id without replace: %v", err)
	}
}

func TestGapsAndReverse(t *testing.T) {
	l := library(t)
	gaps := l.Gaps("iso42001-2023", "6.1.4")
	if len(gaps) != 1 || gaps[0].OtherCatalog != "iso27001-2022" {
		t.Errorf("gaps for 6.1.4: %+v", gaps)
	}
	x, err := l.Crosswalk("iso42001-2023", "iso27001-2022")
	if err != nil {
		t.Fatal(err)
	}
	if x.From != "iso42001-2023" || x.NoCounterpart[0].Side != "from" {
		t.Errorf("reversed crosswalk: %s %+v", x.From, x.NoCounterpart[0])
	}
	// Most ISO 42001 Annex A controls have no security counterpart, and the data says why.
	iso42 := mustCatalog(t, l, "iso42001-2023")
	mapped := map[string]bool{}
	for _, m := range x.Mappings {
		mapped[m.From] = true
	}
	gapIDs := map[string]bool{}
	for _, n := range x.NoCounterpart {
		gapIDs[n.ID] = true
	}
	for _, it := range iso42.Items {
		if it.Kind == "control" && !mapped[it.ID] && !gapIDs[it.ID] {
			t.Errorf("ISO 42001 %s neither mapped to ISO 27001 nor listed as having no counterpart", it.ID)
		}
	}
}

// countCheck compares a count taken from a loaded catalog with the reference figure.
type countCheck struct {
	name      string
	got, want int
}

func groupsOfKind(c *Catalog, kind string) int {
	n := 0
	for _, g := range c.Groups {
		if g.Kind == kind {
			n++
		}
	}
	return n
}
