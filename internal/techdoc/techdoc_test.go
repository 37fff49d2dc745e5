package techdoc

import (
	"strings"
	"testing"
	"time"

	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/control"
	"github.com/annexa-dev/annexa/internal/evidence"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/monitor"
	"github.com/annexa-dev/annexa/internal/report"
	"github.com/annexa-dev/annexa/internal/risk"
)

func TestSectionsData(t *testing.T) {
	ss, err := Sections()
	if err != nil || len(ss) != 9 {
		t.Fatalf("Annex IV sections: %d %v", len(ss), err)
	}
	for _, s := range ss {
		if len(s.About) > 400 || len(s.Sources) == 0 {
			t.Errorf("point %s: summary of %d characters, %d sources", s.Point, len(s.About), len(s.Sources))
		}
	}
}

func parts(o Outline) map[string]Part {
	out := map[string]Part{}
	for _, p := range o.Parts {
		out[p.Point] = p
	}
	return out
}

func TestOutlineFromRecords(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	high := &aiact.Result{Tier: aiact.TierHigh}
	empty := inventory.System{ID: "s", Name: "Scoring", Classification: high, ActRoles: []aiact.Role{aiact.RoleProvider}}
	o, err := Build(Records{Organisation: "Acme", System: empty}, now)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Required || !strings.Contains(o.Why, "Art. 11(1)") || o.Counts[string(Missing)] != 9 {
		t.Fatalf("an empty record of a high-risk system its organisation provides: required %v, %v, %+v", o.Required, o.Why, o.Counts)
	}
	deployer := empty
	deployer.ActRoles = []aiact.Role{aiact.RoleDeployer}
	if o, _ := Build(Records{System: deployer}, now); o.Required || !strings.Contains(o.Why, "Art. 26(1)") {
		t.Fatalf("a deployer: required %v, %s", o.Required, o.Why)
	}
	limited := empty
	limited.Classification = &aiact.Result{Tier: aiact.TierLimited}
	if o, _ := Build(Records{System: limited}, now); o.Required || !strings.Contains(o.Why, "limited") {
		t.Fatalf("a limited-risk system: required %v, %s", o.Required, o.Why)
	}

	min := 0.8
	full := empty
	full.IntendedPurpose = "Scores trade credit applications"
	full.Models = []inventory.Model{{Name: "gbm-credit", Version: "4.0", Provider: "in-house"}}
	full.HumanOversight = "A credit officer reviews every decline"
	rec := Records{Organisation: "Acme", System: full,
		Risks: []risk.Risk{{Title: "Bias against sole traders", Category: "bias_fairness", EffectiveLevel: "medium", Treatment: risk.Modify}},
		Metrics: []monitor.Metric{{Name: "dir_age", Title: "Disparate impact ratio", Kind: monitor.Fairness, Measure: "disparate_impact_ratio", Min: &min,
			Last: &monitor.Observation{At: now.Add(-24 * time.Hour), Value: 0.84, Detail: map[string]float64{"rate:over_50": 0.42, "rate:under_50": 0.5}}}},
		Oversight: []monitor.OversightEntry{{Outcome: monitor.Confirmed}, {Outcome: monitor.Overridden}},
		Controls:  []control.Control{{Ref: "AI-05", Title: "Risk management for high-risk AI", Status: control.Implemented, Links: []control.RequirementRef{{Catalog: EUAIActCatalog, Item: "Art.9"}}}},
		Evidence:  []evidence.Evidence{{Title: "EU declaration of conformity, v4.0"}},
		History:   []inventory.ClassificationRecord{{ClassifiedAt: now.AddDate(0, -2, 0), Tier: aiact.TierHigh, Cause: "registered"}},
	}
	o, err = Build(rec, now)
	if err != nil {
		t.Fatal(err)
	}
	got := parts(o)
	for point, want := range map[string]Status{"1": Partial, "2": Partial, "3": Partial, "4": Partial, "5": FromRecords, "6": Partial, "7": Partial, "8": Partial, "9": Partial} {
		if got[point].Status != want {
			t.Errorf("point %s is %s, want %s (%+v)", point, got[point].Status, want, got[point].Facts)
		}
	}
	facts := func(point string) string {
		var b strings.Builder
		for _, f := range got[point].Facts {
			b.WriteString(f.Label + ": " + f.Value + "\n")
		}
		return b.String()
	}
	for point, want := range map[string]string{
		"1": "Model: gbm-credit 4.0 (in-house)",
		"3": "Group rate (dir_age): over_50 0.42",
		"4": "four-fifths rule",
		"5": "Risks registered: 1 (1 medium); 0 needing treatment without one",
		"7": "AI-05 Risk management for high-risk AI (implemented; Art.9)",
		"9": "2 decisions reviewed, 50% overridden or stopped",
	} {
		if !strings.Contains(facts(point), want) {
			t.Errorf("point %s lacks %q:\n%s", point, want, facts(point))
		}
	}
	if !strings.Contains(got["8"].ToWrite, "check it is the signed") {
		t.Errorf("point 8 with a declaration attached: %s", got["8"].ToWrite)
	}
	// An untreated risk makes point 5 only partly covered.
	rec.Risks[0].TreatmentRequired = true
	if o, _ := Build(rec, now); parts(o)["5"].Status != Partial {
		t.Error("an untreated risk still counts as the risk management system from the records")
	}
	if _, err := report.PDF(o.Document("Acme")); err != nil {
		t.Fatal(err)
	}
}
