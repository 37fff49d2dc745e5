package impact_test

import (
	"testing"

	"github.com/annexa-dev/annexa/internal/impact"
	"github.com/annexa-dev/annexa/internal/risk"
)

// TestRisksToRaise: ratings are carried onto a smaller matrix, the organisation's treatment
// line decides which effects are raised, and an effect keeps its key when ratings, wording
// or other parties change, while a second effect of the same kind gets its own.
func TestRisksToRaise(t *testing.T) {
	tpl, err := impact.DefaultTemplate()
	if err != nil {
		t.Fatal(err)
	}
	three := []risk.ScalePoint{{Name: "Low"}, {Name: "Medium"}, {Name: "High"}}
	m := risk.Method{Likelihood: three, Impact: three, Levels: []risk.Level{
		{ID: "low", Name: "Low", Colour: "#2e7d32", MinScore: 1},
		{ID: "high", Name: "High", Colour: "#c62828", MinScore: 5, NeedsTreatment: true}}}
	a := impact.Assessment{ID: "a1", SystemID: "s1", Number: 2, Status: impact.Approved, Content: impact.Content{AffectedParties: []impact.Party{
		{Kind: "groups", Name: "Job  Applicants", Effects: []impact.Effect{
			{Kind: "fairness", Description: "Age bias", Severity: 5, Likelihood: 3, Mitigations: "Disparity test"}, // 3 × 2 = 6: raised
			{Kind: "privacy", Description: "Gaps", Severity: 1, Likelihood: 3},                                     // 1 × 2 = 2: skipped
			{Kind: "fairness", Description: "Gender bias", Severity: 4, Likelihood: 5},                             // 3 × 3 = 9: raised
		}}}}}
	drafts, skipped, err := impact.RisksToRaise(a, "CV screening", tpl, m, risk.BuiltinCategories(), "owner-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(drafts) != 2 || len(skipped) != 1 || skipped[0].EffectIndex != 1 {
		t.Fatalf("drafts %d, skipped %+v", len(drafts), skipped)
	}
	d := drafts[0]
	if *d.Input.Likelihood != 2 || *d.Input.Impact != 3 || *d.Input.Category != "bias_fairness" || (*d.Input.AISystemIDs)[0] != "s1" ||
		*d.Input.OwnerID != "owner-1" || len(*d.Input.Actions) != 1 || *d.Input.Treatment != risk.Modify || len(*d.Input.Sources) == 0 {
		t.Fatalf("first draft: %+v", d.Input)
	}
	if d.Key != "job applicants|fairness|0" || drafts[1].Key != "job applicants|fairness|1" {
		t.Fatalf("keys %q %q", d.Key, drafts[1].Key)
	}
	// The same effect reworded and re-rated in a later version keeps its key.
	b := a
	b.AffectedParties = []impact.Party{{Kind: "groups", Name: "job applicants", Effects: []impact.Effect{{Kind: "fairness", Description: "Older applicants ranked lower", Severity: 3, Likelihood: 5}}}}
	if k := impact.EffectKey(b.Content, 0, 0); k != d.Key {
		t.Fatalf("key after rewording: %q", k)
	}
	a.Status = impact.InReview
	if _, _, err := impact.RisksToRaise(a, "CV screening", tpl, m, nil, ""); err == nil {
		t.Fatal("a version in review raised risks")
	}
}
