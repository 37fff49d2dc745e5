package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/annexa-dev/annexa/internal/audit"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/impact"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/monitor"
	"github.com/annexa-dev/annexa/internal/store"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

func TestMonitoringAlertsRaiseAssessmentAndCorrectiveAction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		f := newImpactFixture(t, e)
		db := f.db
		// An approved impact assessment, for the alert to set due again.
		a, err := db.CreateAssessment(ctx, f.orgID, impact.NewAssessment{SystemID: f.system.ID}, as(f.admin))
		if err != nil {
			t.Fatal(err)
		}
		in := completeInput()
		if a, err = db.UpdateAssessment(ctx, f.orgID, a.ID, in, nil, as(f.admin)); err != nil {
			t.Fatal(err)
		}
		if a, err = db.SubmitAssessment(ctx, f.orgID, a.ID, nil, as(f.admin)); err != nil {
			t.Fatal(err)
		}
		if _, err = db.ApproveAssessment(ctx, f.orgID, a.ID, impact.Decision{}, nil, as(f.reviewer)); err != nil {
			t.Fatal(err)
		}

		fair, err := db.CreateMetric(ctx, f.orgID, f.system.ID, monitor.MetricInput{Name: ptr("dir_age"), Measure: ptr("disparate_impact_ratio"),
			FlagAssessment: ptr(true), RaiseNonconformity: ptr(true)}, cli)
		if err != nil || fair.Min == nil || *fair.Min != 0.8 || fair.Kind != monitor.Fairness {
			t.Fatalf("fairness metric: %+v %v", fair, err)
		}
		acc, err := db.CreateMetric(ctx, f.orgID, f.system.ID, monitor.MetricInput{Name: ptr("accuracy"), Measure: ptr("accuracy"), Min: ptr(0.9)}, cli)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateMetric(ctx, f.orgID, f.system.ID, monitor.MetricInput{Name: ptr("accuracy"), Kind: ptr(monitor.Performance)}, cli); !fault.Is(err, fault.Conflict) {
			t.Fatalf("a second metric of one name: %v", err)
		}
		if _, err := db.CreateMetric(ctx, f.orgID, "nope", monitor.MetricInput{Name: ptr("x"), Kind: ptr(monitor.Drift)}, cli); !fault.Is(err, fault.NotFound) {
			t.Fatalf("a metric of no system: %v", err)
		}

		// Within bounds: recorded, no alert.
		rec, err := db.PushReadings(ctx, f.orgID, f.system.ID, []monitor.Reading{{Metric: "accuracy", Value: 0.93}, {Metric: "dir_age", Value: 0.85}}, cli)
		if err != nil || len(rec.Observations) != 2 || len(rec.Alerts) != 0 {
			t.Fatalf("readings within bounds: %+v %v", rec, err)
		}
		_, err = db.PushReadings(ctx, f.orgID, f.system.ID, []monitor.Reading{{Metric: "latency", Value: 1}}, cli)
		wantFields(t, err, fault.Invalid, "readings[0].metric")

		// Out of bounds: one alert, which sets the assessment due and raises a corrective action.
		rec, err = db.RecordComputed(ctx, f.orgID, fair.ID, 0.62, "disparate_impact_ratio", map[string]float64{"rate:over_50": 0.31}, cli)
		if err != nil || len(rec.Alerts) != 1 {
			t.Fatalf("a breach: %+v %v", rec, err)
		}
		al := rec.Alerts[0]
		if al.Status != monitor.AlertOpen || !al.AssessmentFlagged || al.CorrectiveActionID == "" || al.Breach != "below the minimum 0.8" {
			t.Fatalf("alert: %+v", al)
		}
		ca, err := db.CorrectiveAction(ctx, f.orgID, al.CorrectiveActionID)
		if err != nil || ca.OwnerID != f.admin.ID || !strings.Contains(ca.Nonconformity, "dir_age was 0.62") || ca.Status != audit.ActionOpen {
			t.Fatalf("corrective action from the alert: %+v %v", ca, err)
		}
		got, err := db.Assessment(ctx, f.orgID, a.ID)
		if err != nil || !got.Due || len(got.DueReasons) == 0 || got.DueReasons[len(got.DueReasons)-1].Source != impact.DueMonitoring {
			t.Fatalf("assessment after the alert: due %v %+v %v", got.Due, got.DueReasons, err)
		}
		// A second breach counts on the open alert rather than opening another.
		rec, err = db.PushReadings(ctx, f.orgID, f.system.ID, []monitor.Reading{{Metric: "dir_age", Value: 0.7}, {Metric: "dir_age", Value: 0.71}}, cli)
		if err != nil || len(rec.Alerts) != 1 || rec.Alerts[0].ID != al.ID || rec.Alerts[0].Breaches != 3 {
			t.Fatalf("repeated breaches: %+v %v", rec.Alerts, err)
		}
		pg, err := db.CorrectiveActions(ctx, f.orgID, audit.ActionFilter{}, store.PageRequest{})
		if err != nil || len(pg.Items) != 1 {
			t.Fatalf("one corrective action for one alert: %d %v", len(pg.Items), err)
		}
		m, err := db.Metric(ctx, f.orgID, fair.ID)
		if err != nil || m.Last == nil || m.Last.Value != 0.71 || m.Last.Breach == "" {
			t.Fatalf("last observation: %+v %v", m.Last, err)
		}
		obs, err := db.Observations(ctx, f.orgID, fair.ID, 10)
		if err != nil || len(obs) != 4 || obs[len(obs)-1].Value != 0.85 || obs[2].Detail["rate:over_50"] != 0.31 {
			t.Fatalf("history: %+v %v", obs, err)
		}

		// People act on it; resolving needs a reason; a resolved alert lets the next breach open a new one.
		_, err = db.ActOnAlert(ctx, f.orgID, al.ID, monitor.AlertAction{Status: monitor.AlertResolved}, "ada@example.org", nil, cli)
		wantFields(t, err, fault.Invalid, "resolution")
		al, err = db.ActOnAlert(ctx, f.orgID, al.ID, monitor.AlertAction{Status: monitor.AlertResolved, Resolution: "Reweighted training data"}, "ada@example.org", nil, cli)
		if err != nil || al.Status != monitor.AlertResolved {
			t.Fatalf("resolve: %+v %v", al, err)
		}
		rec, err = db.PushReadings(ctx, f.orgID, f.system.ID, []monitor.Reading{{Metric: "dir_age", Value: 0.5}}, cli)
		if err != nil || len(rec.Alerts) != 1 || rec.Alerts[0].ID == al.ID {
			t.Fatalf("a breach after resolution: %+v %v", rec.Alerts, err)
		}
		open, err := db.Alerts(ctx, f.orgID, monitor.AlertFilter{Unresolved: true}, store.PageRequest{})
		if err != nil || len(open.Items) != 1 {
			t.Fatalf("unresolved alerts: %+v %v", open, err)
		}
		all, err := db.Alerts(ctx, f.orgID, monitor.AlertFilter{SystemID: f.system.ID}, store.PageRequest{Limit: 1})
		if err != nil || len(all.Items) != 1 || all.Items[0].ID != rec.Alerts[0].ID || all.NextCursor == "" {
			t.Fatalf("alerts, newest first: %+v %v", all, err)
		}
		st, err := db.MonitoringStats(ctx, f.orgID)
		// The fixture's system has no lifecycle stage recorded, so it is not counted as in operation.
		if err != nil || st.OpenAlerts != 1 || st.Metrics != 2 || st.SystemsMonitored != 1 || st.InOperation != 0 || st.Watched != 0 {
			t.Fatalf("stats: %+v %v", st, err)
		}

		// In operation and watched: a value within the last 90 days.
		stage := inventory.LifecycleStage("operation_and_monitoring")
		if _, err := db.UpdateSystem(ctx, f.orgID, f.system.ID, inventory.Input{LifecycleStage: &stage}, nil, cli); err != nil {
			t.Fatal(err)
		}
		if st, err := db.MonitoringStats(ctx, f.orgID); err != nil || st.InOperation != 1 || st.Watched != 1 {
			t.Fatalf("stats of a system in operation: %+v %v", st, err)
		}
		// Bounds change; a metric goes with its history.
		acc, err = db.UpdateMetric(ctx, f.orgID, acc.ID, monitor.MetricInput{Min: ptr(0.95), Max: ptr(0.9)}, nil, cli)
		wantFields(t, err, fault.Invalid, "max")
		if err := db.DeleteMetric(ctx, f.orgID, fair.ID, nil, cli); err != nil {
			t.Fatal(err)
		}
		if obs, _ := db.Observations(ctx, f.orgID, fair.ID, 10); len(obs) != 0 {
			t.Fatalf("observations outlive their metric: %d", len(obs))
		}
	})
}

func TestOversightLogFeedsOverrideRate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		f := newImpactFixture(t, e)
		db := f.db
		if _, err := db.CreateMetric(ctx, f.orgID, f.system.ID, monitor.MetricInput{Name: ptr("overrides"), Measure: ptr("override_rate"), Max: ptr(0.3)}, cli); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-45 * 24 * time.Hour)
		entries := []monitor.NewOversight{
			{Reviewer: "Recruiter 7", Case: "APP-1001", Outcome: monitor.Confirmed},
			{Reviewer: "Recruiter 7", Case: "APP-1002", Outcome: monitor.Overridden, Note: "Relevant experience under another title"},
			{Reviewer: "Recruiter 9", Case: "APP-1003", Outcome: monitor.Confirmed},
			{Reviewer: "Recruiter 9", Case: "APP-0900", Outcome: monitor.Stopped, At: &old}, // outside the 30-day window
		}
		logged, rec, err := db.LogOversight(ctx, f.orgID, f.system.ID, entries, "hr-system", cli)
		if err != nil || len(logged) != 4 || len(rec.Observations) != 1 || rec.Observations[0].Value != 1.0/3 || len(rec.Alerts) != 1 {
			t.Fatalf("oversight: %d logged, %+v %v", len(logged), rec, err)
		}
		_, _, err = db.LogOversight(ctx, f.orgID, f.system.ID, []monitor.NewOversight{{Outcome: "shrugged"}}, "x", cli)
		wantFields(t, err, fault.Invalid, "entries[0].reviewer", "entries[0].outcome")
		log, err := db.Oversight(ctx, f.orgID, f.system.ID, time.Now().Add(-90*24*time.Hour))
		if err != nil || len(log) != 4 || log[len(log)-1].Case != "APP-0900" {
			t.Fatalf("log: %+v %v", log, err)
		}
		if _, err := db.Oversight(ctx, "another-org", f.system.ID, time.Time{}); !fault.Is(err, fault.NotFound) {
			t.Fatalf("another organisation's log: %v", err)
		}
	})
}

// TestConcurrentBreachesOpenOneAlert: pipelines pushing at once, each value out of bounds, end
// with one alert counting every breach and no push refused.
func TestConcurrentBreachesOpenOneAlert(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		f := newImpactFixture(t, e)
		db := f.db
		if _, err := db.CreateMetric(ctx, f.orgID, f.system.ID, monitor.MetricInput{Name: ptr("latency"), Kind: ptr(monitor.Operational), Max: ptr(1.0)}, cli); err != nil {
			t.Fatal(err)
		}
		const pushes = 8
		errs := make(chan error, pushes)
		for range pushes {
			go func() {
				_, err := db.PushReadings(ctx, f.orgID, f.system.ID, []monitor.Reading{{Metric: "latency", Value: 5}}, cli)
				errs <- err
			}()
		}
		for range pushes {
			if err := <-errs; err != nil {
				t.Errorf("a concurrent push was refused: %v", err)
			}
		}
		open, err := db.Alerts(ctx, f.orgID, monitor.AlertFilter{Unresolved: true}, store.PageRequest{})
		if err != nil || len(open.Items) != 1 || open.Items[0].Breaches != pushes {
			t.Fatalf("alerts after concurrent breaches: %+v %v", open.Items, err)
		}
	})
}
