package aiact

import (
	"encoding/json"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/annexa-dev/annexa/catalogs"
)

func mustData(t *testing.T) *Data {
	t.Helper()
	d, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The catalog file follows docs/catalog-format.md.
func TestCatalogIsWellFormed(t *testing.T) {
	c := mustData(t).Catalog
	if !regexp.MustCompile(`^[a-z0-9-]+$`).MatchString(c.ID) || c.ID+".json" != strings.TrimPrefix(CatalogPath, "frameworks/") {
		t.Errorf("catalog id %q does not match its file %s", c.ID, CatalogPath)
	}
	if !c.Kind.Valid() {
		t.Errorf("catalog kind %q", c.Kind)
	}
	if c.Title == "" || c.Version == "" || c.DataVersion < 1 || c.Publisher == "" || c.Source == "" || c.Notice == "" {
		t.Errorf("catalog header incomplete: %+v", c)
	}
	if _, err := time.Parse(dateLayout, c.AsOf); err != nil {
		t.Errorf("as_of: %v", err)
	}
	ids := map[string]string{} // id → "group" or "item"
	groups := map[string]Group{}
	for _, g := range c.Groups {
		if ids[g.ID] != "" {
			t.Errorf("duplicate id %q", g.ID)
		}
		ids[g.ID], groups[g.ID] = "group", g
		if g.Title == "" || g.Kind == "" {
			t.Errorf("group %s without title or kind", g.ID)
		}
	}
	for _, g := range c.Groups {
		if g.Parent != "" && ids[g.Parent] != "group" {
			t.Errorf("group %s: parent %q is not a group", g.ID, g.Parent)
		}
	}
	// Official EU AI Act identifiers (docs/catalog-format.md).
	idPattern := regexp.MustCompile(`^(Art\.\d+(\(\d+\))?(\([a-z]{1,2}\))?|AnnexIII\.[1-8](\([a-e]\))?|AnnexI\.[AB])$`)
	items := map[string]Item{}
	for _, it := range c.Items {
		if ids[it.ID] != "" {
			t.Errorf("duplicate id %q", it.ID)
		}
		ids[it.ID], items[it.ID] = "item", it
		if !idPattern.MatchString(it.ID) {
			t.Errorf("item id %q is not an official identifier", it.ID)
		}
		if _, ok := groups[it.Group]; !ok {
			t.Errorf("item %s: group %q does not exist", it.ID, it.Group)
		}
		if it.Title == "" || it.Summary == "" || it.Kind == "" || it.Summary == it.Title {
			t.Errorf("item %s: kind, title and an own summary are required", it.ID)
		}
	}
	tl := mustData(t).entries
	for _, it := range c.Items {
		// parent names another item and never forms a cycle
		seen := map[string]bool{it.ID: true}
		for p := it.Parent; p != ""; p = items[p].Parent {
			if ids[p] != "item" {
				t.Errorf("item %s: parent %q is not an item", it.ID, p)
				break
			}
			if seen[p] {
				t.Errorf("item %s: parent cycle through %s", it.ID, p)
				break
			}
			seen[p] = true
		}
		for _, r := range it.Attrs["roles"] {
			if !Role(r).Valid() {
				t.Errorf("item %s: role %q", it.ID, r)
			}
		}
		for _, tier := range it.Attrs["tiers"] {
			if !slices.Contains(tierTags, tier) {
				t.Errorf("item %s: tier %q", it.ID, tier)
			}
		}
		for _, k := range it.Attrs["applies_from"] {
			if tl[k] == nil {
				t.Errorf("item %s: applies_from %q is not a timeline key", it.ID, k)
			} else if len(it.Attrs["roles"]) > 0 && !slices.Contains(tl[k].Covers, it.ID) {
				t.Errorf("item %s: timeline %s does not list it in covers", it.ID, k)
			}
		}
		for k, v := range it.Attrs {
			if len(v) == 0 {
				t.Errorf("item %s: empty attr %s", it.ID, k)
			}
		}
		switch it.Kind {
		case "obligation", "requirement", "prohibition":
			if len(it.Attrs["roles"]) == 0 || len(it.Attrs["tiers"]) == 0 || len(it.Attrs["applies_from"]) == 0 {
				t.Errorf("%s %s needs roles, tiers and applies_from", it.Kind, it.ID)
			}
		case "criterion", "article":
			if len(it.Attrs["roles"]) > 0 {
				t.Errorf("%s %s is not an obligation and takes no roles", it.Kind, it.ID)
			}
		default:
			t.Errorf("item %s: unknown kind %q", it.ID, it.Kind)
		}
	}
}

// The catalog's structure agrees with the shared reference compiled from the Official Journal.
func TestCatalogMatchesTheReference(t *testing.T) {
	var ref struct {
		Art5     []struct{ Point string } `json:"article_5_prohibited_practices"`
		Omnibus5 struct {
			Points []struct{ Point string } `json:"points"`
		} `json:"article_5_omnibus_additions"`
		Art6 struct {
			Route struct {
				AnnexI struct {
					A      []string `json:"section_A_NLF"`
					B      []string `json:"section_B_other"`
					Counts struct {
						A int `json:"section_A"`
						B int `json:"section_B"`
					} `json:"counts"`
				} `json:"annex_I"`
			} `json:"6(1)_product_safety_route"`
			Conditions []struct{ Point string } `json:"6(3)_derogation_conditions"`
		} `json:"article_6_classification"`
		AnnexIII []struct {
			Area   int
			Points []struct{ P string }
		} `json:"annex_III_high_risk_areas"`
		Counts struct {
			Areas     int `json:"areas"`
			SubPoints int `json:"sub_points"`
		} `json:"annex_III_counts"`
		Requirements []struct {
			Art   int
			Label string
		} `json:"high_risk_requirements_chapter_III_section_2"`
		Art16 []struct{ P, Label string } `json:"article_16_provider_obligations"`
		Art50 []struct{ Para string }     `json:"article_50_transparency"`
	}
	loadShared(t, "reference/eu-ai-act.json", &ref)
	d := mustData(t)
	has := func(id string) bool { return d.items[id] != nil }

	for _, p := range append(ref.Art5, ref.Omnibus5.Points...) {
		if !has("Art.5(1)(" + p.Point + ")") {
			t.Errorf("Art. 5(1)(%s) missing", p.Point)
		}
	}
	for _, c := range ref.Art6.Conditions {
		if !has("Art.6(3)(" + c.Point + ")") {
			t.Errorf("Art. 6(3)(%s) missing", c.Point)
		}
	}
	if got := d.items["AnnexI.A"].Attrs["legislation"]; len(got) != ref.Art6.Route.AnnexI.Counts.A || len(ref.Art6.Route.AnnexI.A) != len(got) {
		t.Errorf("Annex I Section A: %d acts, reference %d", len(got), ref.Art6.Route.AnnexI.Counts.A)
	}
	if got := d.items["AnnexI.B"].Attrs["legislation"]; len(got) != ref.Art6.Route.AnnexI.Counts.B || len(ref.Art6.Route.AnnexI.B) != len(got) {
		t.Errorf("Annex I Section B: %d acts, reference %d", len(got), ref.Art6.Route.AnnexI.Counts.B)
	}

	// Annex III: 8 areas, 25 points, each point of the reference present in its area's group.
	points, areas := 0, map[string]bool{}
	for _, it := range d.Catalog.Items {
		if strings.HasPrefix(it.ID, "AnnexIII.") {
			points++
			areas[it.Group] = true
		}
	}
	if points != ref.Counts.SubPoints || len(areas) != ref.Counts.Areas || len(ref.AnnexIII) != ref.Counts.Areas {
		t.Errorf("Annex III: %d points in %d areas, reference %d in %d", points, len(areas), ref.Counts.SubPoints, ref.Counts.Areas)
	}
	for _, a := range ref.AnnexIII {
		for _, p := range a.Points {
			id := "AnnexIII." + itoa(a.Area) + "(" + p.P + ")"
			if len(a.Points) == 1 {
				id = "AnnexIII." + itoa(a.Area) // the Annex numbers a lone point by its area only
			}
			it := d.items[id]
			if it == nil {
				t.Errorf("%s missing", id)
			} else if it.Group != "annex-iii-"+itoa(a.Area) {
				t.Errorf("%s in group %s", id, it.Group)
			}
		}
	}

	for _, r := range ref.Requirements {
		it := d.items["Art."+itoa(r.Art)]
		if it == nil || !strings.HasPrefix(r.Label, it.Title) {
			t.Errorf("Art. %d: catalog %+v, reference title %q", r.Art, it, r.Label)
		}
	}
	// Art. 16 points to these articles; each is an obligation of its own.
	for _, id := range []string{"Art.17", "Art.18", "Art.19", "Art.20", "Art.43", "Art.47", "Art.48", "Art.49(1)", "Art.72", "Art.73"} {
		it := d.items[id]
		if it == nil || !slices.Contains(it.Attrs["roles"], "provider") {
			t.Errorf("%s missing or not a provider obligation", id)
		}
	}
	for role, ids := range map[string][]string{
		"importer": {"Art.23"}, "distributor": {"Art.24"}, "deployer": {"Art.26", "Art.27", "Art.4", "Art.50(3)", "Art.50(4)"},
		"authorised_representative": {"Art.22", "Art.54"}, "provider": {"Art.16", "Art.4", "Art.50(1)", "Art.50(2)", "Art.53(1)(a)", "Art.55"},
	} {
		for _, id := range ids {
			if it := d.items[id]; it == nil || !slices.Contains(it.Attrs["roles"], role) {
				t.Errorf("%s missing or not tagged %s", id, role)
			}
		}
	}
	for _, p := range ref.Art50 {
		if n, _, ok := strings.Cut(p.Para, " "); ok || p.Para <= "50(4)" {
			if !has("Art."+n) && !has("Art."+p.Para) && p.Para <= "50(4)" {
				t.Errorf("Art. %s missing", p.Para)
			}
		}
	}
	if len(ref.Art16) != 12 {
		t.Errorf("reference lists %d Art. 16 points", len(ref.Art16))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// Every date of the timeline agrees with the shared reference, and what rests only on
// secondary sources is marked reported, never confirmed.
func TestTimelineMatchesTheReference(t *testing.T) {
	var ref struct {
		Original []struct{ Date, What string } `json:"application_dates_original"`
		Omnibus  struct {
			Steps []struct{ Date, Step string } `json:"legislative_steps"`
			Final []struct {
				What, Was string
				NewDate   string `json:"new_date"`
			} `json:"final_changes_reported"`
		} `json:"digital_omnibus"`
		GPAI struct {
			Legacy string `json:"legacy_models"`
		} `json:"gpai"`
	}
	loadShared(t, "reference/eu-ai-act.json", &ref)
	d := mustData(t)
	tl := d.entries

	original := func(prefix string) string {
		for _, o := range ref.Original {
			if strings.HasPrefix(o.What, prefix) {
				return o.Date
			}
		}
		t.Fatalf("reference has no original date for %q", prefix)
		return ""
	}
	final := func(prefix string) (string, string) {
		for _, f := range ref.Omnibus.Final {
			if strings.HasPrefix(f.What, prefix) {
				return f.NewDate, f.Was
			}
		}
		t.Fatalf("reference has no Omnibus change for %q", prefix)
		return "", ""
	}
	eq := func(what, got, want string) {
		if got != want {
			t.Errorf("%s: timeline %s, reference %s", what, got, want)
		}
	}
	eq("entry into force", tl["entry_into_force"].Date, original("Entry into force"))
	eq("prohibitions", tl["prohibitions"].Date, original("Chapters I and II"))
	eq("AI literacy", tl["ai_literacy"].Date, original("Chapters I and II"))
	eq("GPAI", tl["gpai"].Date, original("Chapter III Section 4"))
	eq("general application", tl["general_application"].Date, original("General date"))
	eq("transparency", tl["transparency"].Date, original("General date"))
	eq("Art. 101", tl["gpai_commission_fines"].Date, original("General date"))
	eq("Art. 111(2)", tl["public_authority_legacy_systems"].Date, original("High-risk systems used by public authorities"))
	eq("Art. 111(1)", tl["large_scale_it_systems"].Date, original("AI components of Annex X"))
	eq("Art. 111(3)", tl["gpai_legacy_models"].Date, original("Art 6(1)"))
	if !strings.Contains(ref.GPAI.Legacy, tl["gpai_legacy_models"].Date) {
		t.Errorf("legacy GPAI date %s not in reference %q", tl["gpai_legacy_models"].Date, ref.GPAI.Legacy)
	}

	newIII, wasIII := final("Annex III high-risk")
	eq("Annex III high-risk", tl["high_risk_annex_iii"].Date, newIII)
	eq("Annex III high-risk before 2026", tl["high_risk_annex_iii"].History[0].Date, wasIII)
	eq("Annex III original", wasIII, original("General date"))
	newI, wasI := final("Annex I / Art 6(1)")
	eq("Annex I high-risk", tl["high_risk_annex_i"].Date, newI)
	eq("Annex I high-risk before 2026", tl["high_risk_annex_i"].History[0].Date, wasI)
	eq("Annex I original", wasI, original("Art 6(1)"))
	p, _ := final("New Art 5 prohibitions")
	eq("new prohibitions", tl["prohibitions_2026_additions"].Date, p)
	m, _ := final("Art 50(2) machine-readable marking")
	eq("Art. 50(2) legacy systems", tl["transparency_marking_legacy_systems"].Date, m)
	s, sWas := final("National AI regulatory sandboxes")
	eq("sandboxes", tl["regulatory_sandboxes"].Date, s)
	eq("sandboxes before 2026", tl["regulatory_sandboxes"].History[0].Date, sWas)

	omnibus := d.acts["reg-2026-1744"]
	for _, st := range ref.Omnibus.Steps {
		if strings.HasPrefix(st.Step, "Entry into force") {
			eq("Regulation (EU) 2026/1744 in force", omnibus.InForceFrom, st.Date)
		}
		if strings.HasPrefix(st.Step, "Published") {
			eq("Regulation (EU) 2026/1744 published", omnibus.Published, st.Date)
		}
	}
	for _, e := range d.Timeline.Entries {
		for _, td := range append([]TimelineDate{e.TimelineDate}, e.History...) {
			if td.Act == "reg-2026-1744" && td.Status != "reported" {
				t.Errorf("%s rests on Regulation (EU) 2026/1744, whose text was not read, but is %q", e.Key, td.Status)
			}
			if td.Status == "superseded" && td.SupersededBy == "" {
				t.Errorf("%s: superseded date without superseded_by", e.Key)
			}
			if td.LegalSource == "" || td.Confidence == "" {
				t.Errorf("%s: date %s without legal source or confidence", e.Key, td.Date)
			}
		}
		if _, err := time.Parse(dateLayout, e.AsOf); err != nil {
			t.Errorf("%s: as_of: %v", e.Key, err)
		}
	}
}

// LoadData refuses data that disagrees with itself, so a broken edit fails here and not in
// front of a user.
func TestLoadDataRejectsInconsistentData(t *testing.T) {
	for _, c := range []struct {
		name, path string
		edit       func(map[string]any)
		want       string
	}{
		{"a facts value without a rule", RulesPath, func(m map[string]any) {
			ps := m["prohibitions"].([]any)
			m["prohibitions"] = ps[:len(ps)-1]
		}, "no prohibition rule"},
		{"a rule naming no catalog item", RulesPath, func(m map[string]any) {
			m["transparency"].([]any)[0].(map[string]any)["item"] = "Art.50(9)"
		}, "unknown catalog item"},
		{"an unknown applies_from key", CatalogPath, func(m map[string]any) {
			m["items"].([]any)[1].(map[string]any)["attrs"].(map[string]any)["applies_from"] = []any{"someday"}
		}, "not a timeline key"},
		{"an unknown tier", CatalogPath, func(m map[string]any) {
			m["items"].([]any)[1].(map[string]any)["attrs"].(map[string]any)["tiers"] = []any{"unacceptable"}
		}, "unknown tier"},
		{"a duplicate item", CatalogPath, func(m map[string]any) {
			items := m["items"].([]any)
			m["items"] = append(items, items[1])
		}, "duplicate item"},
		{"a misspelt key", TimelinePath, func(m map[string]any) { m["as of"] = "2026-01-01" }, "unknown field"},
		{"an unknown status", TimelinePath, func(m map[string]any) {
			m["entries"].([]any)[0].(map[string]any)["status"] = "rumoured"
		}, "unknown status"},
	} {
		t.Run(c.name, func(t *testing.T) {
			mfs := fstest.MapFS{}
			for _, p := range []string{CatalogPath, TimelinePath, RulesPath} {
				data, err := fs.ReadFile(catalogs.FS, p)
				if err != nil {
					t.Fatal(err)
				}
				if p == c.path {
					var m map[string]any
					if err := json.Unmarshal(data, &m); err != nil {
						t.Fatal(err)
					}
					c.edit(m)
					data, _ = json.Marshal(m)
				}
				mfs[p] = &fstest.MapFile{Data: data}
			}
			if _, err := LoadData(mfs); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func TestDeadlines(t *testing.T) {
	d := mustData(t)
	asOf := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	ds := d.Deadlines(asOf)
	if len(ds) == 0 {
		t.Fatal("no deadlines")
	}
	var annexIII *Deadline
	for i := range ds {
		if i > 0 && ds[i].Date.Before(ds[i-1].Date) {
			t.Fatal("deadlines are not in date order")
		}
		if strings.Contains(strings.ToLower(ds[i].Title), "annex iii") {
			annexIII = &ds[i]
		}
	}
	if annexIII == nil || annexIII.Date.Format(time.DateOnly) != "2027-12-02" || annexIII.Status != "reported" || annexIII.DaysLeft != 370 {
		t.Fatalf("Annex III deadline as of 2026-11-27: %+v", annexIII)
	}
	// Before the 2026 amendment entered into force, the original date applied.
	for _, dl := range d.Deadlines(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)) {
		if dl.Key == annexIII.Key && dl.Date.Format(time.DateOnly) != "2026-08-02" {
			t.Fatalf("Annex III deadline as of 2026-07-01: %s", dl.Date.Format(time.DateOnly))
		}
	}
}
