package store_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/store"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

func cvScreening(owner string) inventory.Input {
	return inventory.Input{
		Name:            ptr("TalentRank CV screening"),
		IntendedPurpose: ptr("Ranks job applications for recruiters"),
		OwnerID:         ptr(owner),
		Sourcing:        ptr(inventory.ThirdParty),
		Vendor:          ptr("TalentRank Ltd"),
		ActRoles:        ptr([]aiact.Role{aiact.RoleDeployer}),
		AffectedGroups:  ptr([]inventory.AffectedGroup{"job_applicants"}),
		Models:          ptr([]inventory.Model{{Name: "rank-v2", Version: "2.1", Provider: "TalentRank"}}),
		Facts: &aiact.Facts{
			EUNexus:          aiact.EUNexus{DeployerEstablishedInEU: true},
			AnnexIIIUseCases: []aiact.AnnexIIIPoint{"4a"},
		},
	}
}

func TestSystemsLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, admin := bootstrap(t, db)
		minimal, err := db.CreateSystem(ctx, o.ID, inventory.Input{Name: ptr("Spam filter")}, cli)
		if err != nil {
			t.Fatal(err)
		}
		if minimal.Version != 1 || len(minimal.Unknown) < 5 || minimal.Classification == nil || minimal.Tier() != aiact.TierOutOfScope {
			t.Fatalf("minimal system: %+v", minimal)
		}
		s, err := db.CreateSystem(ctx, o.ID, cvScreening(admin.ID), cli)
		if err != nil {
			t.Fatal(err)
		}
		if s.Tier() != aiact.TierHigh || s.Facts.Roles[0] != aiact.RoleDeployer || s.Facts.Name != "TalentRank CV screening" {
			t.Fatalf("cv screening: tier %s facts %+v", s.Tier(), s.Facts)
		}
		read, err := db.System(ctx, o.ID, s.ID)
		if err != nil || read.Tier() != aiact.TierHigh || len(read.Models) != 1 || read.Models[0].Version != "2.1" {
			t.Fatalf("read back: %+v %v", read, err)
		}

		// A material change marks the system for review and says why.
		up, err := db.UpdateSystem(ctx, o.ID, s.ID, inventory.Input{
			Models:         ptr([]inventory.Model{{Name: "rank-v2", Version: "3.0", Provider: "TalentRank"}}),
			AffectedGroups: ptr([]inventory.AffectedGroup{"job_applicants", "employees"}),
		}, ptr(s.Version), cli)
		if err != nil {
			t.Fatal(err)
		}
		if !up.ReviewDue || len(up.ReviewReasons) != 2 || !strings.Contains(up.ReviewReasons[0].Reason+up.ReviewReasons[1].Reason, "version") {
			t.Fatalf("after material change: due %v reasons %+v", up.ReviewDue, up.ReviewReasons)
		}
		if _, err := db.UpdateSystem(ctx, o.ID, s.ID, inventory.Input{Name: ptr("x")}, ptr(s.Version), cli); !fault.Is(err, fault.PreconditionErr) {
			t.Fatalf("stale update: %v", err)
		}
		// A change of facts that changes the tier is kept in the history.
		up, err = db.UpdateSystem(ctx, o.ID, s.ID, inventory.Input{Facts: &aiact.Facts{EUNexus: aiact.EUNexus{DeployerEstablishedInEU: true}},
			MarkReviewed: true}, nil, cli)
		if err != nil || up.Tier() == aiact.TierHigh {
			t.Fatalf("reclassify: %s %v", up.Tier(), err)
		}
		if !up.ReviewDue || up.ReviewReasons[0].Field != "classification" {
			t.Fatalf("a tier change must be reviewed: %+v", up.ReviewReasons)
		}
		hist, err := db.ClassificationHistory(ctx, o.ID, s.ID)
		if err != nil || len(hist) != 2 || hist[0].Tier == aiact.TierHigh || hist[1].Tier != aiact.TierHigh {
			t.Fatalf("history: %+v %v", hist, err)
		}
		// Unchanged facts add no history.
		if _, err := db.UpdateSystem(ctx, o.ID, s.ID, inventory.Input{BusinessUnit: ptr("HR")}, nil, cli); err != nil {
			t.Fatal(err)
		}
		if hist, _ := db.ClassificationHistory(ctx, o.ID, s.ID); len(hist) != 2 {
			t.Fatalf("an unclassified change grew the history to %d", len(hist))
		}
		if err := db.DeleteSystem(ctx, o.ID, minimal.ID, nil, cli); err != nil {
			t.Fatal(err)
		}
		if _, err := db.System(ctx, o.ID, minimal.ID); !fault.Is(err, fault.NotFound) {
			t.Fatalf("deleted system: %v", err)
		}
		if v, _ := db.VerifyAuditLog(ctx, o.ID); !v.OK {
			t.Fatalf("audit chain: %+v", v)
		}
	})
}

func TestSystemsValidationAndIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, _ := bootstrap(t, db)
		other, _ := db.CreateOrganisation(ctx, "Other", cli)
		stranger, err := db.AddMember(ctx, other.ID, auth.NewUser{Email: "s@other.org", Role: auth.Viewer}, cli)
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			in    inventory.Input
			field string
		}{
			{inventory.Input{}, "name"},
			{inventory.Input{Name: ptr("x"), Sourcing: ptr(inventory.Sourcing("stolen"))}, "sourcing"},
			{inventory.Input{Name: ptr("x"), AffectedGroups: ptr([]inventory.AffectedGroup{"martians"})}, "affected_groups"},
			{inventory.Input{Name: ptr("x"), OwnerID: ptr(stranger.ID)}, "owner_id"},
			{inventory.Input{Name: ptr("x"), Facts: &aiact.Facts{AnnexIIIUseCases: []aiact.AnnexIIIPoint{"9z"}}}, "facts.annex_iii_use_cases[0]"},
			{inventory.Input{Name: ptr("x"), Models: ptr([]inventory.Model{{Name: " "}})}, "models[0].name"},
		}
		for _, c := range cases {
			_, err := db.CreateSystem(ctx, o.ID, c.in, cli)
			fs := fault.Fields(err)
			if !fault.Is(err, fault.Invalid) || len(fs) == 0 || fs[0].Field != c.field {
				t.Errorf("want invalid %s, got %v", c.field, err)
			}
		}
		s, err := db.CreateSystem(ctx, o.ID, inventory.Input{Name: ptr("Fraud scoring")}, cli)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.System(ctx, other.ID, s.ID); !fault.Is(err, fault.NotFound) {
			t.Fatalf("other organisation reads the system: %v", err)
		}
		if _, err := db.UpdateSystem(ctx, other.ID, s.ID, inventory.Input{Name: ptr("mine")}, nil, cli); !fault.Is(err, fault.NotFound) {
			t.Fatalf("other organisation updates the system: %v", err)
		}
		if err := db.DeleteSystem(ctx, other.ID, s.ID, nil, cli); !fault.Is(err, fault.NotFound) {
			t.Fatalf("other organisation deletes the system: %v", err)
		}
		if n, _ := db.SystemCount(ctx, o.ID); n != 1 {
			t.Fatalf("count %d", n)
		}
	})
}

func TestSystemsFiltersAndPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, admin := bootstrap(t, db)
		if _, err := db.CreateSystem(ctx, o.ID, cvScreening(admin.ID), cli); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 7; i++ {
			in := inventory.Input{Name: ptr(fmt.Sprintf("Copilot %d", i)), Sourcing: ptr(inventory.EmbeddedInProduct), Vendor: ptr("Microsoft"),
				ActRoles: ptr([]aiact.Role{aiact.RoleDeployer}), LifecycleStage: ptr(inventory.LifecycleStage("operation_and_monitoring"))}
			if _, err := db.CreateSystem(ctx, o.ID, in, cli); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.CreateSystem(ctx, o.ID, inventory.Input{Name: ptr("In-house 100%_model"), Sourcing: ptr(inventory.Internal),
			ActRoles: ptr([]aiact.Role{aiact.RoleProvider})}, cli); err != nil {
			t.Fatal(err)
		}
		count := func(f inventory.Filter) int {
			t.Helper()
			n, req := 0, store.PageRequest{Limit: 3}
			for {
				pg, err := db.Systems(ctx, o.ID, f, req)
				if err != nil {
					t.Fatal(err)
				}
				n += len(pg.Items)
				if pg.NextCursor == "" {
					return n
				}
				req.Cursor = pg.NextCursor
			}
		}
		for _, c := range []struct {
			name string
			f    inventory.Filter
			want int
		}{
			{"all", inventory.Filter{}, 9},
			{"tier", inventory.Filter{Tier: aiact.TierHigh}, 1},
			{"role", inventory.Filter{Role: aiact.RoleDeployer}, 8},
			{"provider", inventory.Filter{Role: aiact.RoleProvider}, 1},
			{"vendor, any case", inventory.Filter{Vendor: "microsoft"}, 7},
			{"sourcing", inventory.Filter{Sourcing: inventory.Internal}, 1},
			{"stage", inventory.Filter{LifecycleStage: "operation_and_monitoring"}, 7},
			{"owner", inventory.Filter{OwnerID: admin.ID}, 1},
			{"query on purpose", inventory.Filter{Query: "RECRUITERS"}, 1},
			{"query on model", inventory.Filter{Query: "rank-v2"}, 1},
			{"query with wildcard characters", inventory.Filter{Query: "100%_"}, 1},
			{"wildcards are literal", inventory.Filter{Query: "%"}, 1},
		} {
			if got := count(c.f); got != c.want {
				t.Errorf("%s: %d systems, want %d", c.name, got, c.want)
			}
		}
		if _, err := db.Systems(ctx, o.ID, inventory.Filter{Tier: "severe"}, store.PageRequest{}); !fault.Is(err, fault.Invalid) {
			t.Fatalf("unknown tier filter: %v", err)
		}
	})
}

func TestInventoryStats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, admin := bootstrap(t, db)
		if _, err := db.CreateSystem(ctx, o.ID, cvScreening(admin.ID), cli); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateSystem(ctx, o.ID, inventory.Input{Name: ptr("Spam filter")}, cli); err != nil {
			t.Fatal(err)
		}
		open := cvScreening(admin.ID)
		open.Name, open.OpenPoints = ptr("Half-classified"), ptr([]string{"annex_i"})
		if _, err := db.CreateSystem(ctx, o.ID, open, cli); err != nil {
			t.Fatal(err)
		}
		st, err := db.InventoryStats(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		// The register's "unknown" filter selects exactly the systems each figure counts.
		for unknown, want := range map[string]int{"owner": 1, "role": 1, "classification": 2} {
			pg, err := db.Systems(ctx, o.ID, inventory.Filter{Unknown: unknown}, store.PageRequest{})
			if err != nil || len(pg.Items) != want {
				t.Errorf("unknown=%s: %d systems, want %d (%v)", unknown, len(pg.Items), want, err)
			}
		}
		want := inventory.Stats{Total: 3, UnknownOwner: 1, UnknownRole: 1, Unclassified: 2, Complete: 2}
		if st.Total != want.Total || st.UnknownOwner != want.UnknownOwner || st.UnknownRole != want.UnknownRole ||
			st.Unclassified != want.Unclassified || st.Complete != want.Complete || st.Tiers[aiact.TierHigh] != 2 || st.Tiers[aiact.TierOutOfScope] != 1 {
			t.Fatalf("stats %+v", st)
		}
	})
}
