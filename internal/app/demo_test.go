package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/annexa-dev/annexa/catalogs"
	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/api"
	"github.com/annexa-dev/annexa/internal/app"
	"github.com/annexa-dev/annexa/internal/audit"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/control"
	"github.com/annexa-dev/annexa/internal/evidence"
	"github.com/annexa-dev/annexa/internal/impact"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/monitor"
	"github.com/annexa-dev/annexa/internal/org"
	"github.com/annexa-dev/annexa/internal/readiness"
	"github.com/annexa-dev/annexa/internal/risk"
	"github.com/annexa-dev/annexa/internal/soa"
	"github.com/annexa-dev/annexa/internal/store"
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

		checkDemoProgramme(t, db, o.ID)
		cs, _ := db.AllControls(bg, o.ID)
		controlsBefore := len(cs)

		again, err := app.LoadDemo(bg, db, app.DemoOptions{})
		if err != nil || !again.Existed || again.Password != "" {
			t.Fatalf("second load: %+v %v", again, err)
		}
		if n, _ := db.SystemCount(bg, o.ID); n != len(d.Systems) {
			t.Fatalf("loading twice left %d systems", n)
		}
		if cs, _ := db.AllControls(bg, o.ID); len(cs) != controlsBefore {
			t.Fatalf("loading twice left %d controls, first load %d", len(cs), controlsBefore)
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

// checkDemoProgramme asserts the facts readiness and carry-over read from the demo: scopes
// and roles, controls that count with current evidence (and expired and expiring evidence),
// a decided and approved ISO/IEC 27001 SoA prepared and approved by different people, an
// ISO/IEC 42001 SoA draft, risks of both kinds (one accepted, one overdue) and assessments in
// every state, one of them due.
func checkDemoProgramme(t *testing.T, db *store.DB, orgID string) {
	t.Helper()
	now := time.Now().UTC()
	o, err := db.Organisation(bg, orgID)
	if err != nil || o.ISMSScope == "" || o.AIMSScope == "" || len(o.AIRoles) == 0 {
		t.Fatalf("profile: %+v %v", o, err)
	}
	controls, err := db.AllControls(bg, orgID)
	if err != nil {
		t.Fatal(err)
	}
	statuses, generated, counting := map[control.Status]int{}, 0, 0
	var ids []evidence.Attachment
	for _, c := range controls {
		statuses[c.Status]++
		if c.Generated {
			generated++
		}
		if c.Counts() {
			counting++
		}
		ids = append(ids, evidence.Attachment{RecordType: evidence.ToControl, RecordID: c.ID})
	}
	own := len(controls) - generated
	if own < 25 || own > 40 || generated == 0 || generated > 6 || statuses[control.Implemented] == 0 || statuses[control.Partial] == 0 || statuses[control.Planned] == 0 {
		t.Errorf("controls: %d own, %d generated, statuses %v", own, generated, statuses)
	}
	for _, want := range []struct{ cat, item string }{{"iso27001-2022", "7.5.3"}, {"iso27001-2022", "9.2.2"}, {"iso27001-2022", "10.2"},
		{"iso27001-2022", "5.2"}, {"iso27001-2022", "A.5.1"}, {"iso42001-2023", "A.2.2"}} {
		if !slices.ContainsFunc(controls, func(c control.Control) bool { return c.Counts() && c.LinksTo(want.cat, want.item) }) {
			t.Errorf("no counting control implements %s %s", want.cat, want.item)
		}
	}
	byControl, err := db.EvidenceFor(bg, orgID, ids)
	if err != nil {
		t.Fatal(err)
	}
	validity := map[evidence.Validity]int{}
	currentOnImplemented := 0
	for _, c := range controls {
		for _, ev := range byControl[soa.EvidenceKey(evidence.ToControl, c.ID)] {
			validity[ev.ValidityAt(now)]++
			if c.Status == control.Implemented && ev.Counts(now) {
				currentOnImplemented++
			}
		}
	}
	if validity[evidence.Expired] != 1 || validity[evidence.Expiring] != 1 || validity[evidence.Valid] < 5 || currentOnImplemented < 5 {
		t.Errorf("evidence validity %v, current evidence on implemented controls %d", validity, currentOnImplemented)
	}

	lib, err := catalog.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	iso27001, _ := lib.Catalog("iso27001-2022")
	st, err := db.SoAStatement(bg, orgID, iso27001, lib)
	if err != nil {
		t.Fatal(err)
	}
	excluded := 0
	for _, r := range st.Entries {
		if r.Justification == "" {
			t.Errorf("ISO/IEC 27001 %s has no justification", r.ItemID)
		}
		if r.Applicable != nil && !*r.Applicable {
			excluded++
		}
	}
	if done, open := st.Complete(); !done || len(st.Entries) != 93 || excluded < 2 {
		t.Errorf("ISO/IEC 27001 SoA: %d rows, %d excluded, open %v", len(st.Entries), excluded, open)
	}
	vs, err := db.SoAVersions(bg, orgID, "iso27001-2022")
	if err != nil || len(vs) != 1 || !vs[0].Approved() || vs[0].ApprovedBy == vs[0].PreparedBy || vs[0].ApprovedBy == "" {
		t.Errorf("ISO/IEC 27001 SoA versions: %+v %v", vs, err)
	}
	vs, err = db.SoAVersions(bg, orgID, "iso42001-2023")
	if err != nil || len(vs) != 1 || vs[0].Approved() {
		t.Errorf("ISO/IEC 42001 SoA versions: %+v %v", vs, err)
	}
	iso42001, _ := lib.Catalog("iso42001-2023")
	st42, err := db.SoAStatement(bg, orgID, iso42001, lib)
	if err != nil {
		t.Fatal(err)
	}
	decided := 0
	for _, r := range st42.Entries {
		if r.State == soa.Decided {
			decided++
		}
	}
	if decided == 0 || decided == len(st42.Entries) {
		t.Errorf("ISO/IEC 42001 SoA: %d of %d rows decided, want some", decided, len(st42.Entries))
	}

	risks, err := db.AllRisks(bg, orgID, risk.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	domain := map[string]string{}
	for _, c := range risk.BuiltinCategories() {
		domain[c.ID] = c.Domain
	}
	byDomain, accepted, overdue, treated := map[string]int{}, 0, 0, 0
	today := risk.Today(now)
	for _, r := range risks {
		byDomain[domain[r.Category]]++
		if r.Status == risk.Accepted {
			accepted++
		}
		if r.NextReview != "" && r.NextReview < today {
			overdue++
		}
		if r.Treatment != "" {
			treated++
		}
	}
	if len(risks) < 10 || len(risks) > 20 || byDomain["information_security"] < 3 || byDomain["ai"] < 3 || accepted != 1 || overdue != 1 || treated < len(risks)-1 {
		t.Errorf("risks: %d, by domain %v, %d accepted, %d overdue reviews, %d treated", len(risks), byDomain, accepted, overdue, treated)
	}

	page, err := db.Assessments(bg, orgID, impact.Filter{}, store.PageRequest{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	states, due := map[impact.Status]int{}, 0
	for _, a := range page.Items {
		states[a.Status]++
		if a.Due {
			due++
			if !slices.ContainsFunc(a.DueReasons, func(r impact.DueReason) bool { return r.Source == impact.DueMaterialChange }) {
				t.Errorf("due assessment without a material change: %+v", a.DueReasons)
			}
		}
	}
	if states[impact.Approved] < 2 || states[impact.InReview] != 1 || states[impact.Draft] != 1 || due != 1 {
		t.Errorf("assessments by status %v, %d due", states, due)
	}
}

// loadedDemo loads the demo into a fresh SQLite store and returns it, the demo organisation
// and the built-in catalogs.
func loadedDemo(t *testing.T) (*store.DB, org.Organisation, *catalog.Library) {
	t.Helper()
	db := storetest.Open(t, storetest.Engines()[0])
	if _, err := app.LoadDemo(bg, db, app.DemoOptions{}); err != nil {
		t.Fatal(err)
	}
	o, err := db.OrganisationByName(bg, "Demo: Northwind Components")
	if err != nil {
		t.Fatal(err)
	}
	lib, err := catalog.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	return db, o, lib
}

// TestDemoCarryOver: the demo organisation runs ISO/IEC 27001 and is starting ISO/IEC 42001,
// so the carry-over must show its document control, internal audit and corrective action
// carrying over, its supplier security needing an AI extension, and the AI-only work as new.
func TestDemoCarryOver(t *testing.T) {
	db, o, lib := loadedDemo(t)
	co, err := readiness.CarryOverFor(bg, db, o.ID, lib, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]readiness.Category{}
	for _, it := range co.Items {
		got[it.ID] = it.Category
	}
	for id, want := range map[string]readiness.Category{
		"7.5.3": readiness.CarriedOver, "9.2.2": readiness.CarriedOver, "10.2": readiness.CarriedOver,
		"A.10.3": readiness.AIExtension, "6.1.2": readiness.AIExtension,
		"6.1.4": readiness.NewWork, "A.5.2": readiness.NewWork,
	} {
		if got[id] != want {
			t.Errorf("%s is %s, want %s", id, got[id], want)
		}
	}
	for _, c := range readiness.Categories {
		if co.Counts[string(c)] == 0 {
			t.Errorf("no item is %s", c)
		}
	}
	iso27, _ := lib.Catalog("iso27001-2022")
	rep, err := readiness.ForStandard(bg, db, o.ID, iso27, lib, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Percent < 40 || rep.Percent >= 100 || rep.NotApplicable != 2 {
		t.Errorf("demo ISO 27001 readiness %.1f%%, %d excluded", rep.Percent, rep.NotApplicable)
	}
	// The ISO 27001 programme has audited, reviewed and corrected within the year; ISO 42001
	// has only its first combined audit planned, and the corrective action the credit scoring
	// drift alert raised (shared by both management systems) shows its corrective action at work.
	checks := map[string]map[string]readiness.Status{
		"iso27001-2022": {"internal_audit": readiness.Met, "management_review": readiness.Met, "corrective_actions": readiness.Met,
			"interested_parties": readiness.Met},
		"iso42001-2023": {"internal_audit": readiness.Partial, "management_review": readiness.Open, "corrective_actions": readiness.Met,
			"ai_monitoring": readiness.Partial, "interested_parties": readiness.Partial},
	}
	for cat, want := range checks {
		c, _ := lib.Catalog(cat)
		in, err := readiness.Gather(bg, db, o.ID, c, lib, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		for id, status := range want {
			if got := in.Checks[id]; got.Status != status {
				t.Errorf("%s %s is %s (%s), want %s", cat, id, got.Status, got.Detail, status)
			}
		}
	}
	prog, err := db.AuditProgramme(bg, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	st := prog.Standing("iso27001-2022", time.Now().UTC().Format(time.DateOnly))
	if st.Nonconformities != 3 || st.Unanswered != 0 || st.ActionsEffective != 1 || st.ActionsUnchecked != 1 || st.ActionsOpen != 2 || st.AuditsUnderway != 1 {
		t.Errorf("demo ISO 27001 audit programme: %+v", st)
	}
	// Coverage of the cycle: the clause audit examined all but 6.3, the Annex A audit the
	// technological controls but for the two the SoA excludes.
	cov, err := api.AuditCoverage(bg, db, lib, o.ID, "iso27001-2022")
	if err != nil || cov.ClausesCovered != cov.Clauses-1 || cov.Uncovered[0] != "iso27001-2022:6.3" || cov.Controls != 91 || cov.ControlsCovered != 32 {
		t.Errorf("demo ISO 27001 coverage: %d of %d clauses, %d of %d controls, first uncovered %v; %v", cov.ClausesCovered, cov.Clauses, cov.ControlsCovered, cov.Controls, cov.Uncovered[:1], err)
	}
	if len(prog.Reviews) != 1 || prog.Reviews[0].Status != audit.ReviewApproved {
		t.Errorf("demo management reviews: %+v", prog.Reviews)
	}
	// Monitoring: the credit scoring drift crossed its bound last, so one alert is open, it set
	// the (already due) assessment due and raised a corrective action; the recruiting system's
	// oversight log gives an override rate of 2 in 9 within the 30 days.
	ms, err := db.MonitoringStats(bg, o.ID)
	if err != nil || ms.OpenAlerts != 1 || ms.Metrics != 4 || ms.SystemsMonitored != 2 || ms.Watched != 2 || ms.InOperation < 10 {
		t.Errorf("demo monitoring: %+v %v", ms, err)
	}
	alerts, err := db.Alerts(bg, o.ID, monitor.AlertFilter{Unresolved: true}, store.PageRequest{})
	if err != nil || len(alerts.Items) != 1 || alerts.Items[0].Metric != "psi_score" || alerts.Items[0].CorrectiveActionID == "" || !alerts.Items[0].AssessmentFlagged {
		t.Errorf("demo alerts: %+v %v", alerts.Items, err)
	}
}

// TestDemoReviewPack: the pack for the next ISO 27001 review starts from the last approved one
// and, asked for the whole year, finds both audits and their three nonconformities.
func TestDemoReviewPack(t *testing.T) {
	db, o, lib := loadedDemo(t)
	now := time.Now()
	p, err := readiness.BuildReviewPack(bg, db, o.ID, lib, now, []string{"iso27001-2022"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if p.SinceReview != "ISMS management review 2026" || p.Since != now.AddDate(0, 0, -30).UTC().Format(time.DateOnly) {
		t.Fatalf("pack starts %s from %q", p.Since, p.SinceReview)
	}
	if len(p.Topics["previous_actions"]) != 3 || !strings.Contains(p.Topics["audit_results"][0], "No internal audit") {
		t.Fatalf("pack since the last review: %q / %q", p.Topics["previous_actions"], p.Topics["audit_results"])
	}
	year, err := readiness.BuildReviewPack(bg, db, o.ID, lib, now, []string{"iso27001-2022"}, now.AddDate(-1, 0, 0).Format(time.DateOnly))
	if err != nil {
		t.Fatal(err)
	}
	if len(year.Topics["audit_results"]) != 2 || !strings.HasPrefix(year.Topics["nonconformities"][0], "0 major and 3 minor") ||
		len(year.Topics["improvement"]) != 1 || len(year.Topics["interested_parties"]) != 1 || len(year.Topics["risk"]) != 2 {
		t.Fatalf("pack over the year: %q", year.Topics)
	}
	if _, err := readiness.BuildReviewPack(bg, db, o.ID, lib, now, []string{"iso9001"}, "yesterday"); err == nil {
		t.Fatal("a pack for an unknown standard and a bad date")
	}
}
