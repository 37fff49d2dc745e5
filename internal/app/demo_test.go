package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/annexa-dev/annexa/catalogs"
	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/app"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

func TestDemoCoversEveryTierAndLoadsOnce(t *testing.T) {
	d, err := app.LoadDemoData(catalogs.FS)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Systems) < 20 {
		t.Fatalf("the demo has %d systems", len(d.Systems))
	}
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		// A database in use already: the demo is an organisation beside the others.
		if _, _, err := db.Bootstrap(bg, "Acme", auth.NewUser{Email: "ada@acme.test", Password: "a long enough password"}, sys); err != nil {
			t.Fatal(err)
		}
		res, err := app.LoadDemo(bg, db, app.DemoOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Existed || res.Systems != len(d.Systems) || len(res.Password) < auth.MinPasswordLen {
			t.Fatalf("first load: %+v", res)
		}
		o, err := db.OrganisationByName(bg, d.Organisation)
		if err != nil {
			t.Fatal(err)
		}
		systems, err := db.AllSystems(bg, o.ID, inventory.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		tiers := map[aiact.Tier]int{}
		incomplete, owned, bought, built := 0, 0, 0, 0
		for _, s := range systems {
			tiers[s.Tier()]++
			if len(s.Unknown) > 0 {
				incomplete++
			}
			if s.OwnerID != "" {
				owned++
			}
			switch s.Sourcing {
			case inventory.Internal:
				built++
			case inventory.ThirdParty, inventory.EmbeddedInProduct:
				bought++
			}
		}
		for _, tier := range aiact.Tiers {
			if tiers[tier] == 0 {
				t.Errorf("no demo system is %s; tiers: %v", tier, tiers)
			}
		}
		if incomplete == 0 || incomplete == len(systems) || owned != len(systems) || built < 3 || bought < 10 {
			t.Errorf("demo shape: %d incomplete, %d owned, %d built, %d bought of %d", incomplete, owned, built, bought, len(systems))
		}
		for name, tier := range map[string]aiact.Tier{"MoodSense call-centre emotion analytics (pilot, suspended)": aiact.TierProhibited,
			"Stripe Radar fraud screening": aiact.TierMinimal, "Workday Recruiting candidate skills match": aiact.TierHigh,
			"Ask Northwind website assistant": aiact.TierLimited, "SafeLock overload detection in PX safety couplings": aiact.TierHigh} {
			for _, s := range systems {
				if s.Name == name && s.Tier() != tier {
					t.Errorf("%s is %s, want %s", name, s.Tier(), tier)
				}
			}
		}
		if _, err := db.UserByEmail(bg, res.AdminEmail); err != nil {
			t.Fatalf("demo admin: %v", err)
		}

		again, err := app.LoadDemo(bg, db, app.DemoOptions{})
		if err != nil || !again.Existed || again.Password != "" {
			t.Fatalf("second load: %+v %v", again, err)
		}
		if n, _ := db.SystemCount(bg, o.ID); n != len(d.Systems) {
			t.Fatalf("loading twice left %d systems", n)
		}
		if orgs, _ := db.Organisations(bg); len(orgs) != 2 {
			t.Fatalf("%d organisations after loading twice", len(orgs))
		}
	})
}

// TestServeDemo starts the server with --demo on an empty database and signs in with the
// password it printed.
func TestServeDemo(t *testing.T) {
	cfg := storetest.Engines()[0].Config(t)
	out := &bytes.Buffer{}
	m := &app.Main{Config: app.Config{DataDir: cfg.DataDir, Addr: "127.0.0.1:0", Demo: true,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Out: out, ShutdownTimeout: 5 * time.Second}}
	if err := m.Open(bg); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(bg)
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	defer func() { cancel(); <-done; m.Close() }()
	match := regexp.MustCompile(`as (\S+) with the password\s+(\S+)`).FindStringSubmatch(out.String())
	if match == nil || strings.Contains(out.String(), "/setup?token=") {
		t.Fatalf("serve --demo printed:\n%s", out)
	}
	c := browser(t)
	login := get(t, c, m.URL()+"/login")
	res := post(t, c, m.URL()+"/login", url.Values{"csrf_token": {csrfOf(t, login)}, "email": {match[1]}, "password": {match[2]}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("sign-in with the printed password: %d", res.status)
	}
}
