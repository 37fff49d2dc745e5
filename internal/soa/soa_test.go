package soa_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/control"
	"github.com/annexa-dev/annexa/internal/evidence"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/soa"
)

func TestDecisionNeedsJustificationBothWays(t *testing.T) {
	yes, no := true, false
	for _, d := range []soa.Decision{{Applicable: &no}, {Applicable: &yes, Justification: " "}, {Justification: "why"}} {
		if err := d.Validate(); !fault.Is(err, fault.Invalid) {
			t.Errorf("%+v accepted", d)
		}
	}
	if err := (soa.Decision{Applicable: &no, Justification: "No premises."}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestBuildCountsOnlyPeoplesControlsAndValidEvidence(t *testing.T) {
	lib, err := catalog.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	cat, _ := lib.Catalog("iso27001-2022")
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	past := now.Add(-time.Hour)
	link := []control.RequirementRef{{Catalog: "iso27001-2022", Item: "A.5.1"}}
	controls := []control.Control{
		{ID: "gen", Title: "Starter", Status: control.Implemented, Generated: true, Links: link},
		{ID: "own", Title: "Policy set", Status: control.Partial, Links: link},
	}
	ev := map[string][]evidence.Evidence{
		soa.EvidenceKey(evidence.ToControl, "own"):                     {{ID: "e1", Title: "Old policy", ValidUntil: &past}},
		soa.EvidenceKey(evidence.ToRequirement, "iso27001-2022:A.5.1"): {{ID: "e2", Title: "Board minutes"}},
	}
	st := soa.Build(soa.Inputs{Catalog: cat, Decisions: map[string]soa.Stored{"A.5.1": {ItemID: "A.5.1", Applicable: true, Justification: "Required.", Version: 1}},
		Controls: controls, Evidence: ev, Now: now})
	if len(st.Entries) != 93 || st.Summary.Applicable != 1 || st.Summary.Undecided != 92 {
		t.Fatalf("summary %+v", st.Summary)
	}
	row, _ := st.Row("A.5.1")
	// The generated starter says "implemented" but does not count; the person's partial does.
	if row.ImplementationStatus != control.Partial || len(row.Controls) != 2 || len(row.Evidence) != 2 {
		t.Fatalf("row %+v", row)
	}
	if row.Evidence[0].Validity != evidence.Valid || row.Evidence[1].Validity != evidence.Expired || st.Summary.WithEvidence != 1 {
		t.Fatalf("evidence %+v, with evidence %d", row.Evidence, st.Summary.WithEvidence)
	}
	if ok, open := st.Complete(); ok || len(open) != 92 {
		t.Fatalf("complete %v %d", ok, len(open))
	}
	// Approval: undecided rows and one's own version under four eyes are refused.
	v := soa.Version{Number: 1, PreparedBy: "u1", Statement: &st}
	if err := soa.CheckApproval(v, "u2", false); !fault.Is(err, fault.Invalid) {
		t.Fatalf("incomplete approved: %v", err)
	}
	if err := soa.CheckApproval(v, "u1", true); !fault.Is(err, fault.Forbidden) {
		t.Fatalf("own version approved with four eyes: %v", err)
	}
	// Diff names the change.
	st2 := soa.Build(soa.Inputs{Catalog: cat, Decisions: map[string]soa.Stored{"A.5.1": {ItemID: "A.5.1", Applicable: false, Justification: "Out of scope.", Version: 2}},
		Controls: controls, Evidence: ev, Now: now})
	changes := soa.Diff(st, st2)
	if len(changes) != 2 || changes[0].Field != "applicable" || changes[0].Before != "applicable" || changes[0].After != "excluded" {
		t.Fatalf("diff %+v", changes)
	}
}

// TestProposalJustificationGroupsReasons: a reason every system shares is written once, so the
// justification an auditor reads stays short however many systems the register holds.
func TestProposalJustificationGroupsReasons(t *testing.T) {
	lib, err := catalog.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	rules, err := inventory.DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	var systems []inventory.System
	for i := range 12 {
		s := inventory.System{ID: fmt.Sprint(i), Name: fmt.Sprintf("System %02d", i), Sourcing: inventory.ThirdParty}
		s.Normalise()
		systems = append(systems, s)
	}
	p := soa.Propose(systems, rules, lib)["A.10.3"]
	if !p.Applicable || len(p.Systems) != 12 {
		t.Fatalf("A.10.3 proposal: %+v", p)
	}
	if strings.Count(p.Justification, "Bought or embedded") != 1 || !strings.Contains(p.Justification, "(all 12)") {
		t.Fatalf("justification repeats its reason or misses the count: %s", p.Justification)
	}
}
