package store_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/readiness"
	"github.com/annexa-dev/annexa/internal/risk"
	"github.com/annexa-dev/annexa/internal/store"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

// TestRiskRegisterScale measures the register at 100,000 risks across 10,000 AI systems: the
// first page with filters, the heat map, one risk's page and creating a risk, p50 and p99, on
// each engine. It is slow, so it runs only with ANNEXA_BENCH_RISKS=1; docs/performance.md
// keeps the figures.
func TestRiskRegisterScale(t *testing.T) {
	if os.Getenv("ANNEXA_BENCH_RISKS") == "" {
		t.Skip("set ANNEXA_BENCH_RISKS=1 to run the 100,000-risk benchmark")
	}
	const systems, risks = 10_000, 100_000
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		ctx := context.Background()
		db := storetest.Open(t, e)
		o, err := db.CreateOrganisation(ctx, "Bench", auditlog.System("bench"))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		sysIDs, riskIDs := store.SeedRisks(t, db, o.ID, systems, risks)
		t.Logf("%s: seeded %d systems and %d risks in %s", e.Name, systems, risks, time.Since(start).Round(time.Millisecond))
		if err := db.Analyze(ctx); err != nil {
			t.Fatal(err)
		}
		yes := true
		cats := []string{"privacy", "bias_fairness", "availability", "robustness_adversarial"}
		measure := func(name string, n int, fn func(i int) error) {
			d := make([]time.Duration, n)
			for i := range n {
				s := time.Now()
				if err := fn(i); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				d[i] = time.Since(s)
			}
			slices.Sort(d)
			t.Logf("%-8s %-52s p50 %8s  p99 %8s", e.Name, name, d[n/2].Round(10*time.Microsecond), d[n*99/100].Round(10*time.Microsecond))
		}
		measure("register, first page (no filter, by title)", 200, func(i int) error {
			_, err := db.Risks(ctx, o.ID, risk.Filter{}, store.PageRequest{Limit: 50})
			return err
		})
		measure("register, first page (category + level, by score)", 200, func(i int) error {
			_, err := db.Risks(ctx, o.ID, risk.Filter{Category: cats[i%len(cats)], Level: "high", Sort: "score"}, store.PageRequest{Limit: 50})
			return err
		})
		measure("register, first page (owner + overdue, by due)", 200, func(i int) error {
			_, err := db.Risks(ctx, o.ID, risk.Filter{OwnerID: "owner-" + strconv.Itoa(i%20), Overdue: &yes, Sort: "due"}, store.PageRequest{Limit: 50})
			return err
		})
		measure("register, first page (one AI system)", 200, func(i int) error {
			_, err := db.Risks(ctx, o.ID, risk.Filter{AISystemID: sysIDs[(i*37)%len(sysIDs)]}, store.PageRequest{Limit: 50})
			return err
		})
		measure("heat map (inherent + residual)", 100, func(i int) error {
			_, err := db.RiskHeatMap(ctx, o.ID, risk.Filter{})
			return err
		})
		measure("one risk's page (risk, history, categories)", 200, func(i int) error {
			id := riskIDs[(i*7919)%len(riskIDs)]
			if _, err := db.Risk(ctx, o.ID, id); err != nil {
				return err
			}
			if _, err := db.RiskHistory(ctx, o.ID, id); err != nil {
				return err
			}
			_, err := db.RiskCategories(ctx, o.ID)
			return err
		})
		lib, err := catalog.LoadEmbedded()
		if err != nil {
			t.Fatal(err)
		}
		measure("dashboard (readiness of both standards, AI Act, risks, overdue)", 50, func(i int) error {
			_, err := readiness.BuildDashboard(ctx, db, o.ID, lib, time.Now())
			return err
		})
		measure("recount the kept risk figures (an upgrade's rebuild)", 5, func(int) error {
			return store.RebuildRiskTallies(db, o.ID)
		})
		actor := auditlog.System("bench")
		measure("create a risk (audited, linked to an AI system)", 200, func(i int) error {
			l, im := 1+i%5, 1+(i/5)%5
			_, err := db.CreateRisk(ctx, o.ID, risk.Input{Title: ptr(fmt.Sprintf("New risk %d", i)), Category: ptr("privacy"),
				Likelihood: &l, Impact: &im, AISystemIDs: &[]string{sysIDs[i%len(sysIDs)]}}, actor)
			return err
		})
	})
}
