package store_test

import (
	"strings"
	"testing"

	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/risk"
	"github.com/annexa-dev/annexa/internal/store"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

func minimalRisk(title string, l, i int) risk.Input {
	return risk.Input{Title: ptr(title), Category: ptr("bias_fairness"), Likelihood: ptr(l), Impact: ptr(i)}
}

// wantFields fails unless err is of code and names exactly the fields given (in any order).
func wantFields(t *testing.T, err error, code fault.Code, fields ...string) {
	t.Helper()
	if !fault.Is(err, code) {
		t.Fatalf("want %s naming %v, got %v", code, fields, err)
	}
	got := map[string]bool{}
	for _, f := range fault.Fields(err) {
		got[f.Field] = true
	}
	for _, f := range fields {
		if !got[f] {
			t.Fatalf("want field %s named, got %v", f, err)
		}
	}
}

func TestRisksLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, admin := bootstrap(t, db)
		sys, err := db.CreateSystem(ctx, o.ID, cvScreening(admin.ID), cli)
		if err != nil {
			t.Fatal(err)
		}
		r, err := db.CreateRisk(ctx, o.ID, minimalRisk("Bias against older applicants", 4, 4), cli)
		if err != nil {
			t.Fatal(err)
		}
		if r.Score != 16 || r.Level != "high" || r.Status != risk.Open || r.NextReview == "" || !r.TreatmentRequired || r.Version != 1 {
			t.Fatalf("created: %+v", r)
		}
		up, err := db.UpdateRisk(ctx, o.ID, r.ID, risk.Input{Treatment: ptr(risk.Modify), AISystemIDs: ptr([]string{sys.ID}),
			Controls: ptr([]string{"iso42001-2023:A.7.4"}), Sources: ptr([]string{"C.3.4"}), OwnerID: ptr(admin.ID),
			ResidualLikelihood: ptr(2), ResidualImpact: ptr(3),
			Actions: ptr([]risk.Action{{Title: "Test on age-balanced data", OwnerID: admin.ID, Due: "2020-01-31"}})}, ptr(r.Version), cli)
		if err != nil {
			t.Fatal(err)
		}
		if up.ResidualLevel != "medium" || up.EffectiveLevel != "medium" || up.Actions[0].ID == "" || up.DueOn != "2020-01-31" || up.TreatmentRequired {
			t.Fatalf("updated: %+v", up)
		}
		if _, err := db.UpdateRisk(ctx, o.ID, r.ID, risk.Input{Title: ptr("x")}, ptr(r.Version), cli); !fault.Is(err, fault.PreconditionErr) {
			t.Fatalf("stale update: %v", err)
		}
		// Filters: by system, by level, overdue.
		yes := true
		for name, f := range map[string]risk.Filter{"system": {AISystemID: sys.ID}, "level": {Level: "medium"}, "overdue": {Overdue: &yes},
			"category": {Category: "bias_fairness"}, "owner": {OwnerID: admin.ID}, "score": {Sort: "score"}, "due": {Sort: "due"}} {
			pg, err := db.Risks(ctx, o.ID, f, store.PageRequest{})
			if err != nil || len(pg.Items) != 1 || pg.Items[0].ID != r.ID {
				t.Fatalf("filter %s: %+v %v", name, pg, err)
			}
		}
		if pg, _ := db.Risks(ctx, o.ID, risk.Filter{Level: "high"}, store.PageRequest{}); len(pg.Items) != 0 {
			t.Fatalf("level high should be empty: %+v", pg.Items)
		}
		hm, err := db.RiskHeatMap(ctx, o.ID, risk.Filter{})
		if err != nil || hm.Total != 1 || hm.NotAssessed != 0 || len(hm.Inherent) != 25 {
			t.Fatalf("heat map: %+v %v", hm, err)
		}
		for _, c := range hm.Inherent {
			if (c.Likelihood == 4 && c.Impact == 4) != (c.Count == 1) || c.Colour == "" {
				t.Fatalf("inherent cell %+v", c)
			}
		}
		due, err := db.DueRisks(ctx, o.ID, "2020-03-01")
		if err != nil || len(due) != 1 {
			t.Fatalf("due: %v %v", due, err)
		}
		items := risk.DueItems(due, "2020-02-15", "2020-03-01")
		if len(items) != 1 || items[0].Kind != risk.DueTreatmentAction || !items[0].Overdue {
			t.Fatalf("due items: %+v", items)
		}
		hist, err := db.RiskHistory(ctx, o.ID, r.ID)
		if err != nil || len(hist) != 2 || hist[0].Score != 16 || hist[1].ResidualScore != 6 {
			t.Fatalf("history: %+v %v", hist, err)
		}
		if err := db.DeleteRisk(ctx, o.ID, r.ID, nil, cli); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Risk(ctx, o.ID, r.ID); !fault.Is(err, fault.NotFound) {
			t.Fatalf("deleted risk: %v", err)
		}
	})
}

// The bad input of issue 5: each a 4xx naming the field, nothing changed.
func TestRiskBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, _ := bootstrap(t, db)
		other, err := db.CreateOrganisation(ctx, "Other", cli)
		if err != nil {
			t.Fatal(err)
		}
		foreign, err := db.CreateSystem(ctx, other.ID, inventory.Input{Name: ptr("Theirs")}, cli)
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.CreateRisk(ctx, o.ID, minimalRisk("Off the matrix", 6, 0), cli)
		wantFields(t, err, fault.Invalid, "likelihood", "impact")
		_, err = db.CreateRisk(ctx, o.ID, risk.Input{Title: ptr("x")}, cli)
		wantFields(t, err, fault.Invalid, "category", "likelihood", "impact")
		in := minimalRisk("Worse after treatment", 2, 2)
		in.ResidualLikelihood, in.ResidualImpact = ptr(3), ptr(3)
		_, err = db.CreateRisk(ctx, o.ID, in, cli)
		wantFields(t, err, fault.Invalid, "residual_reason")
		in.ResidualReason = ptr("the new supplier's model is less tested")
		if _, err := db.CreateRisk(ctx, o.ID, in, cli); err != nil {
			t.Fatalf("with a reason: %v", err)
		}
		bad := minimalRisk("Bad refs", 1, 1)
		bad.Category = ptr("astrology")
		bad.Sources = ptr([]string{"C.9.9"})
		bad.Controls = ptr([]string{"iso42001-2023:Z.1"})
		bad.AISystemIDs = ptr([]string{foreign.ID})
		bad.OwnerID = ptr("nobody")
		_, err = db.CreateRisk(ctx, o.ID, bad, cli)
		wantFields(t, err, fault.Invalid, "category", "sources[0]", "controls[0]", "ai_system_ids[0]", "owner_id")
		st := risk.Accepted
		_, err = db.CreateRisk(ctx, o.ID, risk.Input{Title: ptr("x"), Category: ptr("privacy"), Likelihood: ptr(1), Impact: ptr(1), Status: &st}, cli)
		wantFields(t, err, fault.Invalid, "status")
		if n, _ := db.RiskCount(ctx, o.ID); n != 1 {
			t.Fatalf("bad input changed the register: %d risks", n)
		}
	})
}

func TestRiskAcceptanceByRole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, admin := bootstrap(t, db)
		cm, err := db.AddMember(ctx, o.ID, auth.NewUser{Email: "cm@example.org", Role: auth.ComplianceManager}, cli)
		if err != nil {
			t.Fatal(err)
		}
		crit, err := db.CreateRisk(ctx, o.ID, minimalRisk("Critical", 5, 5), cli)
		if err != nil {
			t.Fatal(err)
		}
		asCM := auth.Principal{UserID: cm.ID, Email: "cm@example.org", OrgID: o.ID, Role: auth.ComplianceManager}
		_, err = db.AcceptRisk(ctx, o.ID, crit.ID, asCM, "we can live with it", nil, cli)
		wantFields(t, err, fault.Forbidden, "role")
		if r, _ := db.Risk(ctx, o.ID, crit.ID); r.Acceptance != nil || r.Version != 1 {
			t.Fatalf("refused acceptance changed the risk: %+v", r)
		}
		asAdmin := auth.Principal{UserID: admin.ID, Email: admin.Email, OrgID: o.ID, Role: auth.Admin}
		_, err = db.AcceptRisk(ctx, o.ID, crit.ID, asAdmin, " ", nil, cli)
		wantFields(t, err, fault.Invalid, "reason")
		acc, err := db.AcceptRisk(ctx, o.ID, crit.ID, asAdmin, "board decision 2026-04", nil, cli)
		if err != nil || acc.Status != risk.Accepted || acc.Acceptance.Role != auth.Admin || acc.Acceptance.Level != "critical" {
			t.Fatalf("accept: %+v %v", acc, err)
		}
		// A change of level withdraws the acceptance.
		up, err := db.UpdateRisk(ctx, o.ID, crit.ID, risk.Input{Likelihood: ptr(1)}, nil, cli)
		if err != nil || up.Acceptance != nil || up.Status != risk.Open {
			t.Fatalf("level change keeps acceptance: %+v %v", up, err)
		}
	})
}

func TestRiskMethodChangeRescoresAndAudits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, _ := bootstrap(t, db)
		r, err := db.CreateRisk(ctx, o.ID, minimalRisk("Drift", 4, 5), cli)
		if err != nil {
			t.Fatal(err)
		}
		m := risk.DefaultMethod()
		bad := m
		bad.Likelihood = m.Likelihood[:2]
		_, err = db.SetRiskMethod(ctx, o.ID, bad, nil, cli)
		wantFields(t, err, fault.Invalid, "likelihood")
		// A 3×3 method: 4→3 (of 5→3), 5→3.
		m.Likelihood, m.Impact = m.Likelihood[:3], m.Impact[:3]
		m.Levels = []risk.Level{{ID: "low", Name: "Low", Colour: "#2e7d32", MinScore: 1, AcceptRoles: []auth.Role{auth.ComplianceManager}, ReviewDays: 365},
			{ID: "high", Name: "High", Colour: "#c62828", MinScore: 6, NeedsTreatment: true, AcceptRoles: []auth.Role{auth.Admin}, ReviewDays: 60}}
		ch, err := db.SetRiskMethod(ctx, o.ID, m, ptr(int64(0)), cli)
		if err != nil || ch.Rescored != 1 || ch.Method.Version != 1 {
			t.Fatalf("set method: %+v %v", ch, err)
		}
		got, err := db.Risk(ctx, o.ID, r.ID)
		if err != nil || got.Likelihood != 3 || got.Impact != 3 || got.Score != 9 || got.Level != "high" {
			t.Fatalf("re-scored: %+v %v", got, err)
		}
		hist, _ := db.RiskHistory(ctx, o.ID, r.ID)
		if len(hist) != 2 || !strings.Contains(hist[1].Cause, "risk method") {
			t.Fatalf("history: %+v", hist)
		}
		log, err := db.AuditLog(ctx, o.ID, auditlog.Filter{RecordType: "risk_method"}, store.PageRequest{})
		if err != nil || len(log.Items) != 1 || !strings.Contains(string(log.Items[0].After), `"rescored":1`) {
			t.Fatalf("audit: %+v %v", log, err)
		}
		if _, err := db.SetRiskMethod(ctx, o.ID, m, ptr(int64(0)), cli); !fault.Is(err, fault.PreconditionErr) {
			t.Fatalf("stale method: %v", err)
		}
		// Scores outside the new matrix are refused.
		_, err = db.CreateRisk(ctx, o.ID, minimalRisk("Too big now", 4, 1), cli)
		wantFields(t, err, fault.Invalid, "likelihood")
	})
}

func TestRisksIsolatedByOrganisation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, _ := bootstrap(t, db)
		other, _ := db.CreateOrganisation(ctx, "Other", cli)
		r, err := db.CreateRisk(ctx, o.ID, minimalRisk("Ours", 2, 2), cli)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Risk(ctx, other.ID, r.ID); !fault.Is(err, fault.NotFound) {
			t.Fatalf("read across organisations: %v", err)
		}
		if _, err := db.UpdateRisk(ctx, other.ID, r.ID, risk.Input{Title: ptr("theirs")}, nil, cli); !fault.Is(err, fault.NotFound) {
			t.Fatalf("update across organisations: %v", err)
		}
		if err := db.DeleteRisk(ctx, other.ID, r.ID, nil, cli); !fault.Is(err, fault.NotFound) {
			t.Fatalf("delete across organisations: %v", err)
		}
		if pg, _ := db.Risks(ctx, other.ID, risk.Filter{}, store.PageRequest{}); len(pg.Items) != 0 {
			t.Fatalf("list across organisations: %+v", pg.Items)
		}
		if _, err := db.CreateRiskCategory(ctx, other.ID, risk.NewCategory{ID: "reputation", Label: "Reputation"}, cli); err != nil {
			t.Fatal(err)
		}
		in := minimalRisk("Needs their category", 1, 1)
		in.Category = ptr("reputation")
		_, err = db.CreateRisk(ctx, o.ID, in, cli)
		wantFields(t, err, fault.Invalid, "category")
		if _, err := db.CreateRisk(ctx, other.ID, in, cli); err != nil {
			t.Fatalf("their own category: %v", err)
		}
	})
}

func TestRiskSuggestionsAcceptAndDiscard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, admin := bootstrap(t, db)
		chat := inventory.Input{Name: ptr("Support chatbot"), Sourcing: ptr(inventory.ThirdParty), Vendor: ptr("OpenAI"),
			Models: ptr([]inventory.Model{{Name: "gpt-4o", Type: "large language model"}}),
			Facts:  &aiact.Facts{TransparencyIndicators: []aiact.TransparencyIndicator{"interacts_directly_with_natural_persons"}}}
		sys, err := db.CreateSystem(ctx, o.ID, chat, cli)
		if err != nil {
			t.Fatal(err)
		}
		sugg, err := db.RiskSuggestions(ctx, o.ID, sys.ID)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]bool{}
		for _, s := range sugg {
			ids[s.ID] = true
		}
		for _, want := range []string{"prompt-injection", "hallucinated-commitments", "supplier-model-change", "gai-confabulation", "gai-value-chain"} {
			if !ids[want] {
				t.Fatalf("missing suggestion %s in %v", want, ids)
			}
		}
		r, err := db.AcceptSuggestion(ctx, o.ID, sys.ID, "prompt-injection", risk.Input{Impact: ptr(5), OwnerID: ptr(admin.ID)}, cli)
		if err != nil || r.Impact != 5 || r.SuggestedBy != "prompt-injection" || len(r.AISystemIDs) != 1 || r.AISystemIDs[0] != sys.ID {
			t.Fatalf("accept suggestion: %+v %v", r, err)
		}
		if _, err := db.AcceptSuggestion(ctx, o.ID, sys.ID, "prompt-injection", risk.Input{}, cli); !fault.Is(err, fault.Conflict) {
			t.Fatalf("accept twice: %v", err)
		}
		if _, err := db.DiscardSuggestion(ctx, o.ID, sys.ID, "gai-cbrn", false, cli); err != nil {
			t.Fatal(err)
		}
		sugg, _ = db.RiskSuggestions(ctx, o.ID, sys.ID)
		for _, s := range sugg {
			switch s.ID {
			case "prompt-injection":
				if s.State != risk.SuggestionAccepted || s.RiskID != r.ID {
					t.Fatalf("accepted state: %+v", s)
				}
			case "gai-cbrn":
				if s.State != risk.SuggestionDiscarded {
					t.Fatalf("discarded state: %+v", s)
				}
			}
		}
		if _, err := db.AcceptSuggestion(ctx, o.ID, sys.ID, "employment-bias", risk.Input{}, cli); !fault.Is(err, fault.NotFound) {
			t.Fatalf("a template that does not apply: %v", err)
		}
	})
}

func TestRiskImportValidatesEveryRowFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, _ := bootstrap(t, db)
		csv := "title,category,likelihood,impact,owner\n" +
			"Good one,privacy,2,3,admin@example.org\n" +
			"Bad score,privacy,9,3,\n" +
			"Bad owner,privacy,1,1,nobody@example.org\n"
		rows, err := risk.ReadCSV(strings.NewReader(csv))
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.ImportRisks(ctx, o.ID, rows, false, cli)
		wantFields(t, err, fault.Invalid, "rows[3].likelihood", "rows[4].owner")
		if n, _ := db.RiskCount(ctx, o.ID); n != 0 {
			t.Fatalf("a refused import changed the register: %d", n)
		}
		rows, _ = risk.ReadCSV(strings.NewReader("title,category,likelihood,impact\nGood one,privacy,2,3\n"))
		rep, err := db.ImportRisks(ctx, o.ID, rows, true, cli)
		if err != nil || rep.Created != 1 || !rep.DryRun {
			t.Fatalf("dry run: %+v %v", rep, err)
		}
		if n, _ := db.RiskCount(ctx, o.ID); n != 0 {
			t.Fatalf("a dry run changed the register: %d", n)
		}
		if rep, err := db.ImportRisks(ctx, o.ID, rows, false, cli); err != nil || rep.Created != 1 {
			t.Fatalf("import: %+v %v", rep, err)
		}
	})
}
