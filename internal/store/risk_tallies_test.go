package store_test

import (
	"strings"
	"testing"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/risk"
	"github.com/annexa-dev/annexa/internal/store"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

// TestRiskCountsFollowEveryWrite drives the register through every kind of write and, after
// each, compares the kept counts behind the dashboard with a fresh count of the risks.
func TestRiskCountsFollowEveryWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, admin := bootstrap(t, db)
		agree := func(step string) {
			t.Helper()
			if drift := store.RiskTallyDrift(t, db, o.ID); len(drift) > 0 {
				t.Fatalf("after %s the kept counts drift:\n%s", step, strings.Join(drift, "\n"))
			}
		}
		a, err := db.CreateSystem(ctx, o.ID, cvScreening(admin.ID), cli)
		if err != nil {
			t.Fatal(err)
		}
		b, err := db.CreateSystem(ctx, o.ID, inventory.Input{Name: ptr("Support chatbot")}, cli)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateRiskCategory(ctx, o.ID, risk.NewCategory{ID: "reputation", Label: "Reputation"}, cli); err != nil {
			t.Fatal(err)
		}
		both := []string{a.ID, b.ID}
		bias, err := db.CreateRisk(ctx, o.ID, risk.Input{Title: ptr("Bias"), Category: ptr("bias_fairness"), Likelihood: ptr(4), Impact: ptr(4), AISystemIDs: &both}, cli)
		if err != nil {
			t.Fatal(err)
		}
		outage, err := db.CreateRisk(ctx, o.ID, risk.Input{Title: ptr("Outage"), Category: ptr("availability"), Likelihood: ptr(5), Impact: ptr(5), AISystemIDs: &[]string{a.ID}}, cli)
		if err != nil {
			t.Fatal(err)
		}
		press, err := db.CreateRisk(ctx, o.ID, risk.Input{Title: ptr("Press"), Category: ptr("reputation"), Likelihood: ptr(2), Impact: ptr(2)}, cli)
		if err != nil {
			t.Fatal(err)
		}
		agree("creating risks")
		st, err := db.RiskStats(ctx, o.ID, "2000-01-01")
		if err != nil || st.AI != 1 || st.Security != 2 || st.AIUntreated != 1 || st.SecurityUntreated != 1 || st.SystemsWithAIRisks != 2 {
			t.Fatalf("stats after creating: %+v %v", st, err)
		}

		// A treatment and a residual score, then a move from an AI to a security category.
		if _, err := db.UpdateRisk(ctx, o.ID, bias.ID, risk.Input{Treatment: ptr(risk.Modify), ResidualLikelihood: ptr(2), ResidualImpact: ptr(2)}, nil, cli); err != nil {
			t.Fatal(err)
		}
		agree("treating a risk")
		if _, err := db.UpdateRisk(ctx, o.ID, outage.ID, risk.Input{Category: ptr("robustness_adversarial"), AISystemIDs: &[]string{b.ID}}, nil, cli); err != nil {
			t.Fatal(err)
		}
		agree("moving a risk to an AI category and another system")
		if _, err := db.UpdateRisk(ctx, o.ID, bias.ID, risk.Input{Category: ptr("integrity")}, nil, cli); err != nil {
			t.Fatal(err)
		}
		agree("moving a risk out of the AI domain")
		asAdmin := auth.Principal{UserID: admin.ID, Email: admin.Email, OrgID: o.ID, Role: auth.Admin}
		if _, err := db.AcceptRisk(ctx, o.ID, outage.ID, asAdmin, "board decision", nil, cli); err != nil {
			t.Fatal(err)
		}
		agree("accepting a risk")
		if _, err := db.UpdateRisk(ctx, o.ID, press.ID, risk.Input{Status: ptr(risk.Closed)}, nil, cli); err != nil {
			t.Fatal(err)
		}
		agree("closing a risk")

		// A method on a smaller scale re-scores every risk at once.
		m := risk.DefaultMethod()
		m.Likelihood, m.Impact = m.Likelihood[:3], m.Impact[:3]
		m.Levels = []risk.Level{{ID: "low", Name: "Low", Colour: "#2e7d32", MinScore: 1, AcceptRoles: []auth.Role{auth.ComplianceManager}, ReviewDays: 365},
			{ID: "high", Name: "High", Colour: "#c62828", MinScore: 4, NeedsTreatment: true, AcceptRoles: []auth.Role{auth.Admin}, ReviewDays: 60}}
		if ch, err := db.SetRiskMethod(ctx, o.ID, m, nil, cli); err != nil || ch.Rescored == 0 {
			t.Fatalf("set method: %+v %v", ch, err)
		}
		agree("re-scoring on a new method")

		rows, err := risk.ReadCSV(strings.NewReader("title,category,likelihood,impact\nImported,privacy,3,3\nAlso imported,confidentiality,1,2\n"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ImportRisks(ctx, o.ID, rows, false, cli); err != nil {
			t.Fatal(err)
		}
		agree("importing risks")

		// Deleting a system takes it out of the risks that name them; deleting a risk leaves
		// the counts.
		if err := db.DeleteSystem(ctx, o.ID, b.ID, nil, cli); err != nil {
			t.Fatal(err)
		}
		agree("deleting an AI system")
		got, err := db.Risk(ctx, o.ID, outage.ID)
		if err != nil || len(got.AISystemIDs) != 0 {
			t.Fatalf("the deleted system stays on the risk: %+v %v", got.AISystemIDs, err)
		}
		if _, err := db.UpdateRisk(ctx, o.ID, outage.ID, risk.Input{Title: ptr("Adversarial inputs")}, nil, cli); err != nil {
			t.Fatalf("a risk that named a deleted system can no longer be edited: %v", err)
		}
		if err := db.DeleteRisk(ctx, o.ID, bias.ID, nil, cli); err != nil {
			t.Fatal(err)
		}
		agree("deleting a risk")
		st, err = db.RiskStats(ctx, o.ID, "2000-01-01")
		if err != nil || st.AI != 2 || st.Security != 2 || st.SystemsWithAIRisks != 0 {
			t.Fatalf("stats at the end: %+v %v", st, err)
		}
	})
}

// TestMigrateRebuildsMarkedRiskCounts checks the path an upgrade takes: counts marked stale are
// rebuilt from the risks when the store migrates.
func TestMigrateRebuildsMarkedRiskCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, admin := bootstrap(t, db)
		sys, err := db.CreateSystem(ctx, o.ID, cvScreening(admin.ID), cli)
		if err != nil {
			t.Fatal(err)
		}
		for _, cat := range []string{"bias_fairness", "availability", "privacy"} {
			if _, err := db.CreateRisk(ctx, o.ID, risk.Input{Title: ptr(cat), Category: ptr(cat), Likelihood: ptr(3), Impact: ptr(4), AISystemIDs: &[]string{sys.ID}}, cli); err != nil {
				t.Fatal(err)
			}
		}
		store.ForgetRiskTallies(t, db, o.ID)
		if drift := store.RiskTallyDrift(t, db, o.ID); len(drift) == 0 {
			t.Fatal("forgotten counts still agree with the risks")
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if drift := store.RiskTallyDrift(t, db, o.ID); len(drift) > 0 {
			t.Fatalf("migrating did not rebuild the counts:\n%s", strings.Join(drift, "\n"))
		}
		st, err := db.RiskStats(ctx, o.ID, "2000-01-01")
		if err != nil || st.AI != 2 || st.Security != 1 || st.SystemsWithAIRisks != 1 {
			t.Fatalf("stats after the rebuild: %+v %v", st, err)
		}
	})
}
