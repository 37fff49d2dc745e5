package readiness

import (
	"testing"

	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/control"
	"github.com/annexa-dev/annexa/internal/evidence"
	"github.com/annexa-dev/annexa/internal/soa"
)

func fixtures(t *testing.T) (*catalog.Catalog, *Rules) {
	t.Helper()
	lib, err := catalog.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	c, ok := lib.Catalog("iso42001-2023")
	if !ok {
		t.Fatal("no iso42001-2023")
	}
	r, err := DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	return c, r
}

// statement builds an undecided SoA row per control, as an empty organisation has.
func statement(c *catalog.Catalog) soa.Statement {
	st := soa.Statement{Catalog: c.ID}
	for _, it := range c.Items {
		if it.Kind == "control" {
			st.Entries = append(st.Entries, soa.Row{ItemID: it.ID, Title: it.Title, State: soa.Undecided})
		}
	}
	return st
}

func TestEmptyOrganisationScoresZero(t *testing.T) {
	c, r := fixtures(t)
	rep := Compute(Inputs{Catalog: c, Rules: r, Statement: statement(c)})
	if rep.Percent != 0 || rep.Met != 0 || rep.Partial != 0 {
		t.Fatalf("empty organisation: %.1f%%, %d met, %d partial", rep.Percent, rep.Met, rep.Partial)
	}
	if rep.Open != 38+len(r.Standards["iso42001-2023"]) {
		t.Fatalf("open items %d", rep.Open)
	}
	if len(rep.Clauses) != 7 || rep.Clauses[0].ID != "4" {
		t.Fatalf("clause sections %+v", rep.Clauses)
	}
}

func TestStartersDraftsAndExpiredEvidenceNeverCount(t *testing.T) {
	c, r := fixtures(t)
	yes, no := true, false
	st := statement(c)
	set := func(id string, row soa.Row) {
		for i := range st.Entries {
			if st.Entries[i].ItemID == id {
				row.ItemID, row.Title = id, st.Entries[i].Title
				st.Entries[i] = row
			}
		}
	}
	valid, expired := evidence.Valid, evidence.Expired
	set("A.2.2", soa.Row{State: soa.Decided, Applicable: &yes, Controls: []soa.ControlRef{{Title: "AI policy", Status: control.Implemented}},
		Evidence: []soa.EvidenceRef{{Validity: valid}}})
	set("A.2.3", soa.Row{State: soa.Decided, Applicable: &yes, Controls: []soa.ControlRef{{Title: "Starter", Status: control.Implemented, Generated: true}},
		Evidence: []soa.EvidenceRef{{Validity: valid}}})
	set("A.2.4", soa.Row{State: soa.Decided, Applicable: &yes, Controls: []soa.ControlRef{{Title: "Review", Status: control.Implemented}},
		Evidence: []soa.EvidenceRef{{Validity: expired}}})
	set("A.3.3", soa.Row{State: soa.Decided, Applicable: &no, Justification: "No staff reporting channel needed"})
	in := Inputs{Catalog: c, Rules: r, Statement: st, Checks: map[string]Check{"scope": {Status: Met}, "inventory": {Status: Partial}}}
	rep := Compute(in)
	status := map[string]Status{}
	for _, sec := range append(rep.Clauses, rep.AnnexA...) {
		for _, it := range sec.Items {
			status[it.ID] = it.Status
		}
	}
	want := map[string]Status{"A.2.2": Met, "A.2.3": Open, "A.2.4": Partial, "A.3.3": Partial, "4.3": Partial}
	for id, w := range want {
		if status[id] != w {
			t.Errorf("%s is %s, want %s", id, status[id], w)
		}
	}
	// Once the SoA is approved, the justified exclusion leaves the count.
	in.Checks["soa_approved"] = Check{Status: Met}
	in.Checks["inventory"] = Check{Status: Met}
	rep2 := Compute(in)
	if rep2.NotApplicable != 1 {
		t.Fatalf("approved exclusion: %d not applicable", rep2.NotApplicable)
	}
	if !(rep2.Percent > rep.Percent) || rep2.Percent <= 0 || rep2.Percent >= 100 {
		t.Fatalf("percent %.1f then %.1f", rep.Percent, rep2.Percent)
	}
}

func TestClauseNeedsControlsWithEvidence(t *testing.T) {
	c, r := fixtures(t)
	base := Inputs{Catalog: c, Rules: r, Statement: statement(c)}
	find := func(rep Report, id string) Item {
		for _, sec := range rep.Clauses {
			for _, it := range sec.Items {
				if it.ID == id {
					return it
				}
			}
		}
		t.Fatalf("no clause %s", id)
		return Item{}
	}
	if it := find(Compute(base), "7.2"); it.Status != Open {
		t.Fatalf("7.2 with nothing: %s", it.Status)
	}
	base.Clauses = map[string]ClauseEvidence{"7.2": {Controls: []string{"Competence matrix"}}}
	if it := find(Compute(base), "7.2"); it.Status != Partial {
		t.Fatalf("7.2 without evidence: %s", it.Status)
	}
	base.Clauses["7.2"] = ClauseEvidence{Controls: []string{"Competence matrix"}, WithEvidence: 1}
	if it := find(Compute(base), "7.2"); it.Status != Met || len(it.Checks) != 1 || it.Checks[0].About == "" {
		t.Fatalf("7.2 with evidence: %+v", it)
	}
}

func TestCarryOver(t *testing.T) {
	lib, err := catalog.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	r, _ := DefaultRules()
	co, err := DefaultCarryOverRules()
	if err != nil {
		t.Fatal(err)
	}
	c27, _ := lib.Catalog("iso27001-2022")
	c42, _ := lib.Catalog("iso42001-2023")
	// An organisation with ISO 27001 document control (7.5.3), competence (7.2, partly) and
	// supplier security (A.5.19) in place, and nothing yet for ISO 42001.
	st27 := statement(c27)
	for i := range st27.Entries {
		if st27.Entries[i].ItemID == "A.5.19" {
			st27.Entries[i].Controls = []soa.ControlRef{{Title: "Supplier security", Status: control.Implemented}}
			st27.Entries[i].Evidence = []soa.EvidenceRef{{Validity: evidence.Valid}}
		}
	}
	iso27 := Compute(Inputs{Catalog: c27, Rules: r, Statement: st27, Clauses: map[string]ClauseEvidence{
		"7.5.3": {Controls: []string{"Document control"}, WithEvidence: 1},
		"7.2":   {Controls: []string{"Competence"}},
		"9.2.2": {Controls: []string{"Internal audit procedure"}, WithEvidence: 1},
	}})
	iso42 := Compute(Inputs{Catalog: c42, Rules: r, Statement: statement(c42)})
	rep, err := ComputeCarryOver(iso42, iso27, lib, co)
	if err != nil {
		t.Fatal(err)
	}
	cat := map[string]Category{}
	for _, it := range rep.Items {
		cat[it.ID] = it.Category
		if it.Why == "" || (it.Status != Met && it.EffortDays <= 0) {
			t.Errorf("%s: why %q, effort %v", it.ID, it.Why, it.EffortDays)
		}
	}
	want := map[string]Category{
		"7.5.3":  CarriedOver, // equal counterpart, met
		"7.2":    AIExtension, // equal counterpart, only partly in place
		"9.3.1":  NewWork,     // equal counterpart, not in place
		"6.1.4":  NewWork,     // no counterpart at all
		"A.10.3": AIExtension, // supplier security in place, intersecting
		"A.5.2":  NewWork,
	}
	for id, w := range want {
		if cat[id] != w {
			t.Errorf("%s is %s, want %s", id, cat[id], w)
		}
	}
	if len(rep.Items) != 38+len(r.Standards["iso42001-2023"]) || rep.TotalDays <= 0 || rep.Counts[string(NewWork)] == 0 {
		t.Fatalf("report: %d items, %.1f days, counts %v", len(rep.Items), rep.TotalDays, rep.Counts)
	}
}
