package app_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/annexa-dev/annexa/internal/api"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/monitor"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

type metricJSON struct {
	ID       string
	Name     string
	Kind     string
	Measure  string
	Min, Max *float64
	Last     *observationJSON
}

type observationJSON struct {
	ID     string
	Value  float64
	Source string
	Breach string
	Detail map[string]float64
}

type alertJSON struct {
	ID                 string
	MetricID           string `json:"metric_id"`
	Metric             string
	Status             string
	Breach             string
	Breaches           int
	CorrectiveActionID string `json:"corrective_action_id"`
	AcknowledgedBy     string `json:"acknowledged_by"`
	ResolvedBy         string `json:"resolved_by"`
	Resolution         string
}

type recordedJSON struct {
	Observations []observationJSON
	Alerts       []alertJSON
}

type oversightJSON struct {
	Items []struct {
		Case     string
		Outcome  string
		LoggedBy string `json:"logged_by"`
	}
	OverrideRate    *float64 `json:"override_rate"`
	OverrideEntries int      `json:"override_entries"`
}

// watchedSystem registers an AI system to watch, straight in the store: the monitoring
// API is under test here, not the register's.
func watchedSystem(t *testing.T, s *server, tn tenant, name string) string {
	t.Helper()
	created, err := s.main.DB.CreateSystem(bg, tn.org.ID, inventory.Input{Name: ptrTo(name), OwnerID: ptrTo(tn.users[auth.AISystemOwner].ID)}, sys)
	if err != nil {
		t.Fatal(err)
	}
	return created.ID
}

// watch creates a metric through the API and fails the test unless it is created.
func watchMetric(t *testing.T, s *server, token, systemID string, body map[string]any) metricJSON {
	t.Helper()
	r := s.do("POST", "/api/v1/ai-systems/"+systemID+"/metrics", token, body)
	if r.status != 201 || r.header.Get("ETag") != `"v1"` {
		t.Fatalf("metric %v: %d %s", body, r.status, r.body)
	}
	var m metricJSON
	r.json(t, &m)
	return m
}

// sample draws n values of a normal law, the same ones on every run.
func normalSample(seed uint64, n int, mean float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = rng.NormFloat64() + mean
	}
	return xs
}

// decisions are n decisions of a group, the first favourable ones favourable.
func decisionsOf(group string, n, favourable int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{"group": group, "favorable": i < favourable}
	}
	return out
}

// decisionsCSV is decisions as a case-management system exports them.
func decisionsCSV(groups map[string][2]int) string {
	var b strings.Builder
	b.WriteString("group,favorable,actual\n")
	for g, n := range groups {
		for i := 0; i < n[0]; i++ {
			fmt.Fprintf(&b, "%s,%v,\n", g, i < n[1])
		}
	}
	return b.String()
}

// form is a multipart form with one file part, as a browser uploads it.
func csvForm(field, name, content string) (string, []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile(field, name)
	fw.Write([]byte(content))
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

func rfc3339From(d time.Duration) string { return time.Now().UTC().Add(d).Format(time.RFC3339) }

// TestMonitoringPipelineJourney: a pipeline pushes what it measured with its own token, a
// value below the bound opens an alert that further breaches count on, and people act on it.
func TestMonitoringPipelineJourney(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		acme := s.bootstrap("Acme")
		cm, owner, viewer := acme.tokens[auth.ComplianceManager], acme.tokens[auth.AISystemOwner], acme.tokens[auth.Viewer]
		system := watchedSystem(t, s, acme, "CV screening")

		var measures struct {
			Items []struct {
				ID, Kind, Source string
				Min              *float64
			}
		}
		r := s.do("GET", "/api/v1/monitoring/measures", viewer, nil)
		r.json(t, &measures)
		found := false
		for _, m := range measures.Items {
			if m.ID == "disparate_impact_ratio" {
				found = m.Kind == "fairness" && m.Min != nil && *m.Min == 0.8 && strings.Contains(m.Source, "1607.4")
			}
		}
		if r.status != 200 || !found {
			t.Fatalf("measures lack the four-fifths rule: %d %s", r.status, r.body)
		}

		acc := watchMetric(t, s, cm, system, map[string]any{"name": "accuracy", "measure": "accuracy", "min": 0.9})
		if acc.Kind != "performance" || acc.Min == nil || *acc.Min != 0.9 {
			t.Fatalf("accuracy metric: %+v", acc)
		}

		// The pipeline's token is the AI system owner's, named for the pipeline.
		var tok struct{ Token string }
		r = s.do("POST", "/api/v1/tokens", owner, map[string]any{"name": "scoring pipeline"})
		if r.json(t, &tok); r.status != 201 || tok.Token == "" {
			t.Fatalf("pipeline token: %d %s", r.status, r.body)
		}
		pipeline := tok.Token
		push := func(readings ...map[string]any) recordedJSON {
			t.Helper()
			r := s.do("POST", "/api/v1/ai-systems/"+system+"/observations", pipeline, map[string]any{"readings": readings})
			if r.status != 200 {
				t.Fatalf("push %v: %d %s", readings, r.status, r.body)
			}
			var rec recordedJSON
			r.json(t, &rec)
			return rec
		}
		if rec := push(map[string]any{"metric": "accuracy", "value": 0.93, "at": rfc3339From(-time.Hour)}); len(rec.Observations) != 1 || rec.Observations[0].Source != "api" || len(rec.Alerts) != 0 {
			t.Fatalf("a reading within bounds: %+v", rec)
		}
		rec := push(map[string]any{"metric": "accuracy", "value": 0.81})
		if len(rec.Alerts) != 1 || rec.Alerts[0].Status != "open" || rec.Alerts[0].Breach != "below the minimum 0.9" || rec.Alerts[0].MetricID != acc.ID {
			t.Fatalf("a reading below the bound: %+v", rec)
		}
		alert := rec.Alerts[0]
		if rec := push(map[string]any{"metric": "accuracy", "value": 0.8}); len(rec.Alerts) != 1 || rec.Alerts[0].ID != alert.ID || rec.Alerts[0].Breaches != 2 {
			t.Fatalf("a second breach opened another alert: %+v", rec.Alerts)
		}

		var log struct {
			Items []struct {
				Actor struct {
					Kind    string
					TokenID string `json:"token_id"`
				}
			}
		}
		s.do("GET", "/api/v1/audit-log?record_type=monitor_alert&record_id="+alert.ID, acme.tokens[auth.Admin], nil).json(t, &log)
		if len(log.Items) == 0 {
			t.Fatal("the alert is not in the audit trail")
		}
		for _, it := range log.Items {
			if it.Actor.Kind != "token" || it.Actor.TokenID == "" {
				t.Fatalf("the audit trail of the alert does not name the pipeline's token: %+v", log.Items)
			}
		}

		var metrics struct {
			SystemID string `json:"system_id"`
			Items    []metricJSON
		}
		r = s.do("GET", "/api/v1/ai-systems/"+system+"/metrics", viewer, nil)
		if r.json(t, &metrics); r.status != 200 || metrics.SystemID != system || len(metrics.Items) != 1 || metrics.Items[0].Last == nil || metrics.Items[0].Last.Value != 0.8 {
			t.Fatalf("metrics of the system: %d %s", r.status, r.body)
		}
		var obs struct{ Items []observationJSON }
		r = s.do("GET", "/api/v1/metrics/"+acc.ID+"/observations?limit=2", viewer, nil)
		if r.json(t, &obs); r.status != 200 || len(obs.Items) != 2 || obs.Items[0].Value != 0.8 || obs.Items[1].Value != 0.81 || obs.Items[1].Breach == "" {
			t.Fatalf("observations, newest first: %d %s", r.status, r.body)
		}
		if s.do("GET", "/api/v1/metrics/"+acc.ID+"/observations", viewer, nil).json(t, &obs); len(obs.Items) != 3 {
			t.Fatalf("all observations: %+v", obs.Items)
		}

		var alerts struct{ Items []alertJSON }
		for q, want := range map[string]int{"": 1, "?unresolved=true": 1, "?unresolved=false": 1, "?status=open": 1, "?status=resolved": 0,
			"?system=" + system: 1, "?system=01900000-0000-7000-8000-000000000000": 0} {
			r := s.do("GET", "/api/v1/alerts"+q, viewer, nil)
			if r.json(t, &alerts); r.status != 200 || len(alerts.Items) != want {
				t.Errorf("alerts%s: %d, %d items, want %d", q, r.status, len(alerts.Items), want)
			}
		}
		var stats monitor.Stats
		r = s.do("GET", "/api/v1/monitoring/stats", viewer, nil)
		if r.json(t, &stats); r.status != 200 || stats != (monitor.Stats{SystemsMonitored: 1, Metrics: 1, OpenAlerts: 1}) {
			t.Fatalf("stats: %d %s", r.status, r.body)
		}

		// People act on it: with a fresh ETag, and resolving only with a reason.
		r = s.do("GET", "/api/v1/alerts/"+alert.ID, viewer, nil)
		if r.status != 200 || r.header.Get("ETag") != `"v2"` {
			t.Fatalf("alert: %d %q %s", r.status, r.header.Get("ETag"), r.body)
		}
		if r := s.do("POST", "/api/v1/alerts/"+alert.ID+"/act", cm, map[string]any{"status": "acknowledged"}, "If-Match", `"v1"`); r.status != 412 || r.problem(t).Status != 412 {
			t.Fatalf("acting on a stale alert: %d %s", r.status, r.body)
		}
		if r := s.do("POST", "/api/v1/alerts/"+alert.ID+"/act", cm, map[string]any{"status": "resolved"}); r.status != 422 || !r.problem(t).names("resolution") {
			t.Fatalf("resolving without a resolution: %d %s", r.status, r.body)
		}
		if r := s.do("POST", "/api/v1/alerts/"+alert.ID+"/act", cm, map[string]any{"status": "open"}); r.status != 422 || !r.problem(t).names("status") {
			t.Fatalf("reopening an alert: %d %s", r.status, r.body)
		}
		r = s.do("POST", "/api/v1/alerts/"+alert.ID+"/act", cm, map[string]any{"status": "acknowledged"}, "If-Match", `"v2"`)
		if r.json(t, &alert); r.status != 200 || alert.Status != "acknowledged" || alert.AcknowledgedBy != acme.users[auth.ComplianceManager].Email || r.header.Get("ETag") != `"v3"` {
			t.Fatalf("acknowledge: %d %s", r.status, r.body)
		}
		if s.do("GET", "/api/v1/monitoring/stats", viewer, nil).json(t, &stats); stats.OpenAlerts != 0 || stats.AcknowledgedAlerts != 1 {
			t.Fatalf("stats after acknowledging: %+v", stats)
		}
		r = s.do("POST", "/api/v1/alerts/"+alert.ID+"/act", owner, map[string]any{"status": "resolved", "resolution": "Retrained on the spring intake"})
		if r.json(t, &alert); r.status != 200 || alert.Status != "resolved" || alert.ResolvedBy != acme.users[auth.AISystemOwner].Email ||
			alert.AcknowledgedBy != acme.users[auth.ComplianceManager].Email {
			t.Fatalf("resolve: %d %s", r.status, r.body)
		}
		if r := s.do("POST", "/api/v1/alerts/"+alert.ID+"/act", cm, map[string]any{"status": "acknowledged"}); r.status != 409 {
			t.Fatalf("acting on a resolved alert: %d %s", r.status, r.body)
		}

		// Bounds change with If-Match; the metric goes with its history and alerts.
		r = s.do("PATCH", "/api/v1/metrics/"+acc.ID, cm, map[string]any{"min": 0.95}, "If-Match", `"v1"`)
		if r.json(t, &acc); r.status != 200 || acc.Min == nil || *acc.Min != 0.95 || r.header.Get("ETag") != `"v2"` {
			t.Fatalf("raise the bound: %d %s", r.status, r.body)
		}
		if r := s.do("PATCH", "/api/v1/metrics/"+acc.ID, cm, map[string]any{"max": 1}, "If-Match", `"v1"`); r.status != 412 {
			t.Fatalf("stale edit of a metric: %d %s", r.status, r.body)
		}
		r = s.do("PATCH", "/api/v1/metrics/"+acc.ID, cm, map[string]any{"clear": []string{"min"}})
		if r.json(t, &acc); r.status != 200 || acc.Min != nil {
			t.Fatalf("clear the bound: %d %s", r.status, r.body)
		}
		if r := s.do("DELETE", "/api/v1/metrics/"+acc.ID, cm, nil, "If-Match", `"v2"`); r.status != 412 {
			t.Fatalf("stale delete of a metric: %d %s", r.status, r.body)
		}
		if r := s.do("DELETE", "/api/v1/metrics/"+acc.ID, cm, nil, "If-Match", `"v3"`); r.status != 204 {
			t.Fatalf("delete the metric: %d %s", r.status, r.body)
		}
		for _, path := range []string{"/api/v1/metrics/" + acc.ID, "/api/v1/metrics/" + acc.ID + "/observations", "/api/v1/alerts/" + alert.ID} {
			if r := s.do("GET", path, viewer, nil); r.status != 404 {
				t.Errorf("GET %s after deleting the metric: %d %s", path, r.status, r.body)
			}
		}
	})
}

// TestMonitoringDriftAndFairness: Annexa computes drift from two samples and fairness from
// decisions sent as JSON or a CSV file, records the figures, and a value outside the bounds
// opens an alert that raises a corrective action when the metric says so.
func TestMonitoringDriftAndFairness(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		acme := s.bootstrap("Acme")
		cm, viewer := acme.tokens[auth.ComplianceManager], acme.tokens[auth.Viewer]
		system := watchedSystem(t, s, acme, "Credit scoring")

		psi := watchMetric(t, s, cm, system, map[string]any{"name": "psi_income", "measure": "psi"})
		if psi.Kind != "drift" || psi.Max == nil || *psi.Max != 0.25 {
			t.Fatalf("PSI metric without the suggested bound: %+v", psi)
		}
		reference := normalSample(1, 2000, 0)
		var drift struct {
			Method      string
			Value       float64
			PValue      *float64 `json:"p_value"`
			Observation observationJSON
			Alerts      []alertJSON
		}
		r := s.do("POST", "/api/v1/metrics/"+psi.ID+"/drift", cm, map[string]any{"method": "psi", "reference": reference, "current": normalSample(2, 2000, 0)})
		if r.json(t, &drift); r.status != 200 || drift.Value > 0.05 || len(drift.Alerts) != 0 || drift.PValue != nil {
			t.Fatalf("PSI of two samples of one law: %d %s", r.status, r.body)
		}
		// The method defaults to the metric's measure.
		r = s.do("POST", "/api/v1/metrics/"+psi.ID+"/drift", cm, map[string]any{"reference": reference, "current": normalSample(3, 2000, 1.5)})
		if r.json(t, &drift); r.status != 200 || drift.Method != "psi" || drift.Value < 0.25 || len(drift.Alerts) != 1 || drift.Alerts[0].Status != "open" ||
			drift.Observation.Source != "psi" || drift.Observation.Value != drift.Value || drift.Observation.Breach != "above the maximum 0.25" {
			t.Fatalf("PSI of a shifted sample: %d %s", r.status, r.body)
		}
		var m metricJSON
		if s.do("GET", "/api/v1/metrics/"+psi.ID, viewer, nil).json(t, &m); m.Last == nil || m.Last.Value != drift.Value || m.Last.Detail["current_size"] != 2000 {
			t.Fatalf("the drift is not the metric's last observation: %+v", m.Last)
		}
		if r := s.do("POST", "/api/v1/metrics/"+psi.ID+"/drift", cm, map[string]any{"method": "ks", "reference": reference, "current": reference}); r.status != 422 || !r.problem(t).names("method") {
			t.Fatalf("KS on a PSI metric: %d %s", r.status, r.body)
		}

		ks := watchMetric(t, s, cm, system, map[string]any{"name": "ks_age", "measure": "ks", "max": 0.2})
		r = s.do("POST", "/api/v1/metrics/"+ks.ID+"/drift", cm, map[string]any{"method": "ks", "reference": reference, "current": normalSample(4, 500, 1)})
		if r.json(t, &drift); r.status != 200 || drift.Value < 0.2 || drift.PValue == nil || *drift.PValue > 1e-6 ||
			drift.Observation.Detail["p_value"] != *drift.PValue || len(drift.Alerts) != 1 {
			t.Fatalf("KS of a shifted sample: %d %s", r.status, r.body)
		}

		// A sample as large as the computation takes fits in a body, which is well over the
		// 1 MiB of a record's; one value more is refused by name, and a larger body by size.
		big := normalSample(5, monitor.MaxSample, 0)
		if r := s.do("POST", "/api/v1/metrics/"+psi.ID+"/drift", cm, map[string]any{"reference": reference, "current": big}); r.status != 200 {
			t.Fatalf("PSI of %d values: %d %.300s", monitor.MaxSample, r.status, r.body)
		}
		if r := s.do("POST", "/api/v1/metrics/"+psi.ID+"/drift", cm, map[string]any{"reference": reference, "current": append(big, 0)}); r.status != 422 || !r.problem(t).names("current") {
			t.Fatalf("PSI of one value too many: %d %.300s", r.status, r.body)
		}
		huge := `{"reference": [` + strings.Repeat("0.5,", (api.MaxDataBodyBytes/4)+1) + `0]}`
		if r := s.do("POST", "/api/v1/metrics/"+psi.ID+"/drift", cm, huge); r.status != 413 || r.problem(t).Status != 413 {
			t.Fatalf("a body over %d bytes: %d %.300s", api.MaxDataBodyBytes, r.status, r.body)
		}

		// Fairness: the four-fifths rule, with a corrective action raised by the alert.
		dir := watchMetric(t, s, cm, system, map[string]any{"name": "dir_age", "measure": "disparate_impact_ratio", "raise_nonconformity": true})
		preds := append(append(decisionsOf("under_40", 20, 15), decisionsOf("over_40", 20, 6)...), decisionsOf("undisclosed", 3, 0)...)
		var fair struct {
			Measure string
			Value   float64
			Groups  []struct {
				Group string
				Count int
				Rate  float64
			}
			LeftOut     []string `json:"left_out"`
			Observation observationJSON
			Alerts      []alertJSON
		}
		r = s.do("POST", "/api/v1/metrics/"+dir.ID+"/fairness", cm, map[string]any{"predictions": preds})
		if r.json(t, &fair); r.status != 200 || fair.Measure != "disparate_impact_ratio" || math.Abs(fair.Value-0.4) > 1e-9 || len(fair.Groups) != 2 ||
			len(fair.LeftOut) != 1 || fair.LeftOut[0] != "undisclosed" {
			t.Fatalf("disparate impact ratio from JSON: %d %s", r.status, r.body)
		}
		if d := fair.Observation.Detail; d["rate:over_40"] != 0.3 || d["count:over_40"] != 20 || d["rate:under_40"] != 0.75 || fair.Observation.Source != "disparate_impact_ratio" {
			t.Fatalf("group rates are not kept with the value: %+v", fair.Observation)
		}
		if len(fair.Alerts) != 1 || fair.Alerts[0].CorrectiveActionID == "" || fair.Alerts[0].Breach != "below the minimum 0.8" {
			t.Fatalf("a ratio under 0.8 opened no alert with a corrective action: %+v", fair.Alerts)
		}
		var ca struct{ ID, Status, Nonconformity string }
		r = s.do("GET", "/api/v1/corrective-actions/"+fair.Alerts[0].CorrectiveActionID, viewer, nil)
		if r.json(t, &ca); r.status != 200 || ca.Status != "open" || !strings.Contains(ca.Nonconformity, "dir_age") {
			t.Fatalf("the alert's corrective action: %d %s", r.status, r.body)
		}
		firstAlert := fair.Alerts[0].ID

		csvBody := decisionsCSV(map[string][2]int{"under_40": {10, 9}, "over_40": {10, 3}})
		r = s.do("POST", "/api/v1/metrics/"+dir.ID+"/fairness", cm, csvBody, "Content-Type", "text/csv; charset=utf-8")
		if r.json(t, &fair); r.status != 200 || math.Abs(fair.Value-1.0/3) > 1e-9 || len(fair.Alerts) != 1 || fair.Alerts[0].ID != firstAlert || fair.Alerts[0].Breaches != 2 {
			t.Fatalf("disparate impact ratio from CSV: %d %s", r.status, r.body)
		}
		ct, body := csvForm("file", "decisions.csv", csvBody)
		if r := s.do("POST", "/api/v1/metrics/"+dir.ID+"/fairness", cm, body, "Content-Type", ct); r.status != 200 {
			t.Fatalf("disparate impact ratio from a form upload: %d %s", r.status, r.body)
		}
		var actions struct{ Items []struct{ ID string } }
		if s.do("GET", "/api/v1/corrective-actions", viewer, nil).json(t, &actions); len(actions.Items) != 1 {
			t.Fatalf("one alert, one corrective action: %+v", actions.Items)
		}

		// Each computation on the metric it fits, and decisions as the file says.
		own := watchMetric(t, s, cm, system, map[string]any{"name": "own_fairness", "kind": "fairness"})
		for _, c := range []struct {
			what, path, contentType string
			body                    any
			field                   string
		}{
			{"drift of a fairness metric", "/api/v1/metrics/" + dir.ID + "/drift", "", map[string]any{"method": "psi", "reference": reference, "current": reference}, "method"},
			{"fairness of a drift metric", "/api/v1/metrics/" + psi.ID + "/fairness", "", map[string]any{"predictions": preds}, "measure"},
			{"fairness of a metric without a measure", "/api/v1/metrics/" + own.ID + "/fairness", "", map[string]any{"predictions": preds}, "measure"},
			{"an empty reference", "/api/v1/metrics/" + psi.ID + "/drift", "", map[string]any{"reference": []float64{}, "current": reference}, "reference"},
			{"an unknown method", "/api/v1/metrics/" + ks.ID + "/drift", "", map[string]any{"method": "wasserstein", "reference": reference, "current": reference}, "method"},
			{"no method on a drift metric of no measure", "/api/v1/metrics/" + watchMetric(t, s, cm, system, map[string]any{"name": "own_drift", "kind": "drift"}).ID + "/drift", "",
				map[string]any{"reference": reference, "current": reference}, "method"},
			{"an unknown field", "/api/v1/metrics/" + psi.ID + "/drift", "", map[string]any{"baseline": reference}, "baseline"},
			{"no decisions", "/api/v1/metrics/" + dir.ID + "/fairness", "", map[string]any{"predictions": []any{}}, "predictions"},
			{"one group", "/api/v1/metrics/" + dir.ID + "/fairness", "", map[string]any{"predictions": decisionsOf("everyone", 40, 20)}, "predictions"},
			{"a CSV missing a column", "/api/v1/metrics/" + dir.ID + "/fairness", "text/csv", "group,outcome\nunder_40,true\n", "file"},
			{"an empty CSV", "/api/v1/metrics/" + dir.ID + "/fairness", "text/csv", "", "file"},
			{"a CSV with a bad cell", "/api/v1/metrics/" + dir.ID + "/fairness", "text/csv", "group,favorable\nunder_40,perhaps\n", "rows[2].favorable"},
			{"a body neither JSON nor CSV", "/api/v1/metrics/" + dir.ID + "/fairness", "application/xml", "<decisions/>", "body"},
		} {
			var headers []string
			if c.contentType != "" {
				headers = []string{"Content-Type", c.contentType}
			}
			r := s.do("POST", c.path, cm, c.body, headers...)
			if r.status != 422 || !r.problem(t).names(c.field) {
				t.Errorf("%s: %d %.400s", c.what, r.status, r.body)
			}
		}
		if r := s.do("POST", "/api/v1/metrics/"+dir.ID+"/drift", cm, map[string]any{"method": "psi", "reference": reference, "current": reference}); !strings.Contains(r.problem(t).Detail, "kind drift") {
			t.Errorf("drift refused on a fairness metric without saying why: %s", r.body)
		}
		if r := s.do("POST", "/api/v1/metrics/"+psi.ID+"/fairness", cm, map[string]any{"predictions": preds}); !strings.Contains(r.problem(t).Detail, "fairness measure") {
			t.Errorf("fairness refused on a drift metric without saying why: %s", r.body)
		}
		var obs struct{ Items []observationJSON }
		if s.do("GET", "/api/v1/metrics/"+dir.ID+"/observations", viewer, nil).json(t, &obs); len(obs.Items) != 3 {
			t.Fatalf("refused computations were recorded: %d observations", len(obs.Items))
		}
	})
}

// sessionCall calls the API as a signed-in browser, with the session's CSRF token.
func sessionCall(t *testing.T, c *http.Client, method, url, csrf, contentType, body string) response {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-CSRF-Token", csrf)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// TestMonitoringOversightLog: acts of human oversight logged as JSON by a system's token or as
// a CSV file by a person, read back newest first with the share of decisions set aside.
func TestMonitoringOversightLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		acme := s.bootstrap("Acme")
		cm, viewer := acme.tokens[auth.ComplianceManager], acme.tokens[auth.Viewer]
		system := watchedSystem(t, s, acme, "CV screening")
		quiet := watchedSystem(t, s, acme, "Chat assistant")
		watchMetric(t, s, cm, system, map[string]any{"name": "overrides", "measure": "override_rate", "max": 0.3})

		r := s.do("POST", "/api/v1/ai-systems/"+system+"/oversight", cm, map[string]any{"entries": []map[string]any{
			{"reviewer": "Recruiter 7", "case": "APP-1", "outcome": "confirmed", "at": rfc3339From(-48 * time.Hour)},
			{"reviewer": "Recruiter 7", "case": "APP-2", "outcome": "overridden", "note": "Relevant experience under another title", "at": rfc3339From(-10 * 24 * time.Hour)},
			{"reviewer": "Recruiter 9", "case": "APP-3", "outcome": "confirmed"},
			{"reviewer": "Recruiter 9", "case": "APP-0", "outcome": "stopped", "at": rfc3339From(-45 * 24 * time.Hour)},
		}})
		var logged struct {
			Entries []struct {
				Case     string
				LoggedBy string `json:"logged_by"`
			}
			Observations []observationJSON
			Alerts       []alertJSON
		}
		if r.json(t, &logged); r.status != 200 || len(logged.Entries) != 4 || logged.Entries[0].LoggedBy != "test compliance_manager" {
			t.Fatalf("log from JSON: %d %s", r.status, r.body)
		}
		// One of the three entries of the last 30 days was overridden: above the bound of 0.3.
		if len(logged.Observations) != 1 || math.Abs(logged.Observations[0].Value-1.0/3) > 1e-9 || logged.Observations[0].Source != "oversight_log" || len(logged.Alerts) != 1 {
			t.Fatalf("override rate from the log: %+v", logged)
		}

		// A person uploads the case system's export from a signed-in browser.
		session, csrf := signIn(t, s, acme.users[auth.ComplianceManager].Email, "a long enough password")
		yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
		r = sessionCall(t, session, "POST", s.url+"/api/v1/ai-systems/"+system+"/oversight", csrf, "text/csv",
			"reviewer,outcome,at,case,note\nRecruiter 9,escalated,"+yesterday+",APP-4,Unclear case\n")
		if r.json(t, &logged); r.status != 200 || len(logged.Entries) != 1 || logged.Entries[0].LoggedBy != acme.users[auth.ComplianceManager].Email ||
			len(logged.Observations) != 1 || logged.Observations[0].Value != 0.25 || logged.Observations[0].Breach != "" {
			t.Fatalf("log from CSV: %d %s", r.status, r.body)
		}

		for _, c := range []struct {
			query string
			cases []string
		}{
			{"?days=7", []string{"APP-3", "APP-4", "APP-1"}},
			{"", []string{"APP-3", "APP-4", "APP-1", "APP-2"}},
			{"?days=60", []string{"APP-3", "APP-4", "APP-1", "APP-2", "APP-0"}},
		} {
			var log oversightJSON
			r := s.do("GET", "/api/v1/ai-systems/"+system+"/oversight"+c.query, viewer, nil)
			r.json(t, &log)
			var got []string
			for _, it := range log.Items {
				got = append(got, it.Case)
			}
			// The rate covers the last 30 days whatever the period shown.
			if r.status != 200 || strings.Join(got, " ") != strings.Join(c.cases, " ") || log.OverrideRate == nil || *log.OverrideRate != 0.25 || log.OverrideEntries != 4 {
				t.Errorf("oversight%s: %d %s", c.query, r.status, r.body)
			}
		}
		var none oversightJSON
		r = s.do("GET", "/api/v1/ai-systems/"+quiet+"/oversight", viewer, nil)
		if r.json(t, &none); r.status != 200 || none.Items == nil || len(none.Items) != 0 || none.OverrideRate != nil || none.OverrideEntries != 0 {
			t.Fatalf("a system without oversight entries: %d %s", r.status, r.body)
		}

		for _, c := range []struct {
			what, contentType string
			body              any
			field             string
		}{
			{"no entries", "", map[string]any{"entries": []any{}}, "entries"},
			{"an unknown outcome", "", map[string]any{"entries": []map[string]any{{"reviewer": "R", "outcome": "shrugged"}}}, "entries[0].outcome"},
			{"no reviewer", "", map[string]any{"entries": []map[string]any{{"outcome": "confirmed"}}}, "entries[0].reviewer"},
			{"a time to come", "", map[string]any{"entries": []map[string]any{{"reviewer": "R", "outcome": "confirmed", "at": rfc3339From(24 * time.Hour)}}}, "entries[0].at"},
			{"a CSV missing a column", "text/csv", "reviewer,case\nR,APP-9\n", "file"},
			{"a CSV with a bad outcome", "text/csv", "reviewer,outcome\nR,shrugged\n", "rows[2].outcome"},
			{"a CSV with a bad date", "text/csv", "reviewer,outcome,at\nR,confirmed,last Tuesday\n", "rows[2].at"},
		} {
			var headers []string
			if c.contentType != "" {
				headers = []string{"Content-Type", c.contentType}
			}
			r := s.do("POST", "/api/v1/ai-systems/"+system+"/oversight", cm, c.body, headers...)
			if r.status != 422 || !r.problem(t).names(c.field) {
				t.Errorf("%s: %d %s", c.what, r.status, r.body)
			}
		}
		for _, q := range []string{"?days=0", "?days=367", "?days=week"} {
			if r := s.do("GET", "/api/v1/ai-systems/"+system+"/oversight"+q, viewer, nil); r.status != 422 || !r.problem(t).names("days") {
				t.Errorf("oversight%s: %d %s", q, r.status, r.body)
			}
		}
		var all oversightJSON
		if s.do("GET", "/api/v1/ai-systems/"+system+"/oversight?days=366", viewer, nil).json(t, &all); len(all.Items) != 5 {
			t.Fatalf("refused entries were logged: %d", len(all.Items))
		}
	})
}

// monitoringTags are the route tags of monitoring.
var monitoringTags = map[string]bool{"Monitoring": true, "Monitoring alerts": true, "Human oversight": true}

// TestMonitoringRoles: viewers and auditors read monitoring but change nothing; the AI system
// owner and the compliance manager define metrics and feed them.
func TestMonitoringRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		acme := s.bootstrap("Acme")
		system := watchedSystem(t, s, acme, "CV screening")

		// Every write, from the route table, so a route added later is covered.
		writes := 0
		for _, rt := range api.New(s.main.DB, slog.New(slog.NewTextHandler(io.Discard, nil)), nil).Routes() {
			if !monitoringTags[rt.Tag] || rt.Method == "GET" {
				continue
			}
			writes++
			path := strings.ReplaceAll(rt.Pattern, "{id}", system)
			for _, role := range []auth.Role{auth.Viewer, auth.Auditor} {
				if r := s.do(rt.Method, path, acme.tokens[role], map[string]any{}); r.status != 403 || r.problem(t).Status != 403 {
					t.Errorf("%s %s %s: %d %s", role, rt.Method, rt.Pattern, r.status, r.body)
				}
			}
		}
		if writes < 8 {
			t.Fatalf("found only %d write routes of monitoring", writes)
		}

		for i, role := range []auth.Role{auth.AISystemOwner, auth.ComplianceManager, auth.Admin} {
			m := watchMetric(t, s, acme.tokens[role], system, map[string]any{"name": fmt.Sprintf("latency_%d", i), "kind": "operational", "max": 2})
			r := s.do("POST", "/api/v1/ai-systems/"+system+"/observations", acme.tokens[role], map[string]any{"readings": []map[string]any{{"metric": m.Name, "value": 3}}})
			if r.status != 200 {
				t.Errorf("%s pushes: %d %s", role, r.status, r.body)
			}
		}
		// An AI system owner keeps to their own systems, as in the register.
		others, err := s.main.DB.CreateSystem(bg, acme.org.ID, inventory.Input{Name: ptrTo("Someone else's system"), OwnerID: ptrTo(acme.admin.ID)}, sys)
		if err != nil {
			t.Fatal(err)
		}
		theirs := watchMetric(t, s, acme.tokens[auth.Admin], others.ID, map[string]any{"name": "latency", "kind": "operational", "max": 2})
		for _, call := range []struct {
			method, path string
			body         map[string]any
		}{
			{"POST", "/api/v1/ai-systems/" + others.ID + "/metrics", map[string]any{"name": "mine", "kind": "operational"}},
			{"POST", "/api/v1/ai-systems/" + others.ID + "/observations", map[string]any{"readings": []map[string]any{{"metric": "latency", "value": 1}}}},
			{"PATCH", "/api/v1/metrics/" + theirs.ID, map[string]any{"max": 5}},
			{"POST", "/api/v1/ai-systems/" + others.ID + "/oversight", map[string]any{"entries": []map[string]any{{"reviewer": "x", "outcome": "confirmed"}}}},
		} {
			if r := s.do(call.method, call.path, acme.tokens[auth.AISystemOwner], call.body); r.status != 403 {
				t.Errorf("owner on another's system: %s %s: %d %s", call.method, call.path, r.status, r.body)
			}
		}
		var alerts struct{ Items []alertJSON }
		for _, role := range []auth.Role{auth.Viewer, auth.Auditor} {
			for _, path := range []string{"/api/v1/alerts", "/api/v1/ai-systems/" + system + "/metrics", "/api/v1/monitoring/stats", "/api/v1/ai-systems/" + system + "/oversight"} {
				if r := s.do("GET", path, acme.tokens[role], nil); r.status != 200 {
					t.Errorf("%s reads %s: %d %s", role, path, r.status, r.body)
				}
			}
		}
		if s.do("GET", "/api/v1/alerts", acme.tokens[auth.Viewer], nil).json(t, &alerts); len(alerts.Items) != 3 {
			t.Fatalf("alerts: %+v", alerts.Items)
		}
	})
}

// TestMonitoringBadInput: every refusal is a 4xx problem naming what is wrong, and a refused
// push records nothing.
func TestMonitoringBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		acme := s.bootstrap("Acme")
		cm := acme.tokens[auth.ComplianceManager]
		system := watchedSystem(t, s, acme, "CV screening")
		acc := watchMetric(t, s, cm, system, map[string]any{"name": "accuracy", "measure": "accuracy", "min": 0.9})

		for _, c := range []struct {
			body  any
			field string
		}{
			{map[string]any{"kind": "performance"}, "name"},
			{map[string]any{"name": "Accuracy Score", "kind": "performance"}, "name"},
			{map[string]any{"name": "latency"}, "kind"},
			{map[string]any{"name": "latency", "kind": "speed"}, "kind"},
			{map[string]any{"name": "latency", "measure": "vibes"}, "measure"},
			{map[string]any{"name": "latency", "kind": "operational", "min": 5, "max": 1}, "max"},
			{map[string]any{"name": "latency", "kind": "operational", "clear": []string{"avg"}}, "clear[0]"},
			{map[string]any{"name": "latency", "kind": "operational", "max": "high"}, "max"},
			{map[string]any{"name": "latency", "kind": "operational", "threshold": 1}, "threshold"},
		} {
			r := s.do("POST", "/api/v1/ai-systems/"+system+"/metrics", cm, c.body)
			if r.status != 422 || !r.problem(t).names(c.field) {
				t.Errorf("metric %v: %d %s", c.body, r.status, r.body)
			}
		}
		if r := s.do("POST", "/api/v1/ai-systems/"+system+"/metrics", cm, map[string]any{"name": "accuracy", "kind": "performance"}); r.status != 409 || !r.problem(t).names("name") {
			t.Fatalf("a second metric of one name: %d %s", r.status, r.body)
		}
		if r := s.do("PATCH", "/api/v1/metrics/"+acc.ID, cm, map[string]any{"max": 0.5}); r.status != 422 || !r.problem(t).names("max") {
			t.Fatalf("a maximum below the minimum: %d %s", r.status, r.body)
		}
		if r := s.do("PATCH", "/api/v1/metrics/"+acc.ID, cm, map[string]any{"title": "x"}, "If-Match", "yesterday's"); r.status != 422 || !r.problem(t).names("If-Match") {
			t.Fatalf("a malformed If-Match: %d %s", r.status, r.body)
		}

		push := "/api/v1/ai-systems/" + system + "/observations"
		many := make([]map[string]any, monitor.MaxReadings+1)
		for i := range many {
			many[i] = map[string]any{"metric": "accuracy", "value": 0.95}
		}
		for _, c := range []struct {
			body  any
			field string
		}{
			{map[string]any{"readings": []map[string]any{{"metric": "latency", "value": 1}}}, "readings[0].metric"},
			{map[string]any{"readings": []map[string]any{{"metric": "accuracy", "value": 0.95}, {"metric": "recall", "value": 0.5}}}, "readings[1].metric"},
			{map[string]any{"readings": []map[string]any{}}, "readings"},
			{map[string]any{}, "readings"},
			{map[string]any{"readings": many}, "readings"},
			{map[string]any{"readings": []map[string]any{{"metric": "accuracy", "value": 0.95, "at": rfc3339From(time.Hour)}}}, "readings[0].at"},
			{map[string]any{"readings": []map[string]any{{"metric": "accuracy", "value": "high"}}}, "readings.value"},
			{`{"readings": [{"metric": "accuracy", "value": 1e999}]}`, "readings.value"},
			{`{"readings": [{"metric": "accuracy", "value": 0.9, "at": "yesterday"}]}`, "body"},
			{`{"readings": [`, "body"},
		} {
			r := s.do("POST", push, cm, c.body)
			if r.status != 422 || !r.problem(t).names(c.field) {
				t.Errorf("push %.200v: %d %s", c.body, r.status, r.body)
			}
		}
		if r := s.do("POST", push, cm, `{"readings": [`+strings.Repeat(`{"metric": "accuracy", "value": 0.95},`, 30000)+`]}`); r.status != 413 {
			t.Fatalf("a push over 1 MiB: %d %.300s", r.status, r.body)
		}
		var obs struct{ Items []observationJSON }
		if s.do("GET", "/api/v1/metrics/"+acc.ID+"/observations", cm, nil).json(t, &obs); len(obs.Items) != 0 {
			t.Fatalf("a refused push recorded %d observations", len(obs.Items))
		}

		for _, c := range []struct {
			path, field string
		}{
			{"/api/v1/metrics/" + acc.ID + "/observations?limit=0", "limit"},
			{"/api/v1/metrics/" + acc.ID + "/observations?limit=1001", "limit"},
			{"/api/v1/metrics/" + acc.ID + "/observations?limit=all", "limit"},
			{"/api/v1/alerts?status=closed", "status"},
			{"/api/v1/alerts?unresolved=maybe", "unresolved"},
			{"/api/v1/alerts?limit=5000", "limit"},
			{"/api/v1/alerts?cursor=not-a-cursor", "cursor"},
		} {
			if r := s.do("GET", c.path, cm, nil); r.status != 422 || !r.problem(t).names(c.field) {
				t.Errorf("GET %s: %d %s", c.path, r.status, r.body)
			}
		}
		for _, path := range []string{"/api/v1/ai-systems/nope/metrics", "/api/v1/metrics/nope", "/api/v1/alerts/nope", "/api/v1/ai-systems/nope/oversight"} {
			if r := s.do("GET", path, cm, nil); r.status != 404 || r.problem(t).Status != 404 {
				t.Errorf("GET %s: %d %s", path, r.status, r.body)
			}
		}
	})
}

// TestMonitoringIsolation: another organisation's systems, metrics and alerts are not found,
// neither to read nor to feed nor to act on, and nothing of ours shows in their lists.
func TestMonitoringIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		acme := s.bootstrap("Acme")
		other := s.bootstrap("Globex")
		cm, theirs := acme.tokens[auth.ComplianceManager], other.tokens[auth.Admin]
		system := watchedSystem(t, s, acme, "CV screening")
		acc := watchMetric(t, s, cm, system, map[string]any{"name": "accuracy", "measure": "accuracy", "min": 0.9})
		psi := watchMetric(t, s, cm, system, map[string]any{"name": "psi_income", "measure": "psi"})
		dir := watchMetric(t, s, cm, system, map[string]any{"name": "dir_age", "measure": "disparate_impact_ratio"})
		var rec recordedJSON
		s.do("POST", "/api/v1/ai-systems/"+system+"/observations", cm, map[string]any{"readings": []map[string]any{{"metric": "accuracy", "value": 0.5}}}).json(t, &rec)
		if len(rec.Alerts) != 1 {
			t.Fatalf("set-up: %+v", rec)
		}
		alert := rec.Alerts[0].ID
		reference := normalSample(1, 100, 0)
		preds := append(decisionsOf("a", 10, 5), decisionsOf("b", 10, 5)...)

		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/v1/ai-systems/" + system + "/metrics", nil},
			{"POST", "/api/v1/ai-systems/" + system + "/metrics", map[string]any{"name": "theirs", "kind": "performance"}},
			{"POST", "/api/v1/ai-systems/" + system + "/observations", map[string]any{"readings": []map[string]any{{"metric": "accuracy", "value": 0.1}}}},
			{"GET", "/api/v1/ai-systems/" + system + "/oversight", nil},
			{"POST", "/api/v1/ai-systems/" + system + "/oversight", map[string]any{"entries": []map[string]any{{"reviewer": "R", "outcome": "confirmed"}}}},
			{"GET", "/api/v1/metrics/" + acc.ID, nil},
			{"PATCH", "/api/v1/metrics/" + acc.ID, map[string]any{"min": 0}},
			{"DELETE", "/api/v1/metrics/" + acc.ID, nil},
			{"GET", "/api/v1/metrics/" + acc.ID + "/observations", nil},
			{"POST", "/api/v1/metrics/" + psi.ID + "/drift", map[string]any{"method": "psi", "reference": reference, "current": reference}},
			{"POST", "/api/v1/metrics/" + dir.ID + "/fairness", map[string]any{"predictions": preds}},
			{"GET", "/api/v1/alerts/" + alert, nil},
			{"POST", "/api/v1/alerts/" + alert + "/act", map[string]any{"status": "resolved", "resolution": "Not ours"}},
		} {
			if r := s.do(c.method, c.path, theirs, c.body); r.status != 404 || r.problem(t).Status != 404 {
				t.Errorf("other organisation %s %s: %d %s", c.method, c.path, r.status, r.body)
			}
		}
		var alerts struct{ Items []alertJSON }
		for _, q := range []string{"", "?system=" + system} {
			if s.do("GET", "/api/v1/alerts"+q, theirs, nil).json(t, &alerts); len(alerts.Items) != 0 {
				t.Errorf("other organisation lists our alerts%s: %+v", q, alerts.Items)
			}
		}
		var stats monitor.Stats
		if s.do("GET", "/api/v1/monitoring/stats", theirs, nil).json(t, &stats); stats != (monitor.Stats{}) {
			t.Errorf("other organisation's stats count ours: %+v", stats)
		}
		// Nothing they tried changed our records.
		var a alertJSON
		if s.do("GET", "/api/v1/alerts/"+alert, cm, nil).json(t, &a); a.Status != "open" || a.Breaches != 1 {
			t.Fatalf("our alert after their attempts: %+v", a)
		}
		var m metricJSON
		if s.do("GET", "/api/v1/metrics/"+acc.ID, cm, nil).json(t, &m); m.Min == nil || *m.Min != 0.9 || m.Last == nil || m.Last.Value != 0.5 {
			t.Fatalf("our metric after their attempts: %+v", m)
		}
	})
}

// addMonitoringCalls prepares TestOpenAPIMatchesServer's calls of the monitoring operations.
func addMonitoringCalls(t *testing.T, s *server, tn tenant, bodies map[string]any, ids map[string]map[string]string) {
	t.Helper()
	admin := tn.tokens[auth.Admin]
	system := watchedSystem(t, s, tn, "Walk monitored system")
	// The technical documentation outline reads the same system's monitoring.
	ids["GET /api/v1/ai-systems/{id}/technical-documentation"] = map[string]string{"id": system}
	ids["GET /api/v1/ai-systems/{id}/technical-documentation/pdf"] = map[string]string{"id": system}
	acc := watchMetric(t, s, admin, system, map[string]any{"name": "accuracy", "measure": "accuracy", "min": 0.9})
	spare := watchMetric(t, s, admin, system, map[string]any{"name": "spare", "kind": "operational"})
	psi := watchMetric(t, s, admin, system, map[string]any{"name": "psi_score", "measure": "psi"})
	dir := watchMetric(t, s, admin, system, map[string]any{"name": "dir_gender", "measure": "disparate_impact_ratio"})
	var rec recordedJSON
	s.do("POST", "/api/v1/ai-systems/"+system+"/observations", admin, map[string]any{"readings": []map[string]any{{"metric": "accuracy", "value": 0.7}}}).json(t, &rec)
	if len(rec.Alerts) != 1 {
		t.Fatalf("walk alert: %+v", rec)
	}
	bySystem := map[string]string{"id": system}
	for _, k := range []string{"GET /api/v1/ai-systems/{id}/metrics", "POST /api/v1/ai-systems/{id}/metrics", "POST /api/v1/ai-systems/{id}/observations",
		"GET /api/v1/ai-systems/{id}/oversight", "POST /api/v1/ai-systems/{id}/oversight"} {
		ids[k] = bySystem
	}
	for _, k := range []string{"GET /api/v1/metrics/{id}", "PATCH /api/v1/metrics/{id}", "GET /api/v1/metrics/{id}/observations"} {
		ids[k] = map[string]string{"id": acc.ID}
	}
	ids["DELETE /api/v1/metrics/{id}"] = map[string]string{"id": spare.ID}
	ids["POST /api/v1/metrics/{id}/drift"] = map[string]string{"id": psi.ID}
	ids["POST /api/v1/metrics/{id}/fairness"] = map[string]string{"id": dir.ID}
	ids["GET /api/v1/alerts/{id}"] = map[string]string{"id": rec.Alerts[0].ID}
	ids["POST /api/v1/alerts/{id}/act"] = ids["GET /api/v1/alerts/{id}"]
	bodies["POST /api/v1/ai-systems/{id}/metrics"] = map[string]any{"name": "latency_p95", "kind": "operational", "unit": "s", "max": 2}
	bodies["PATCH /api/v1/metrics/{id}"] = map[string]any{"title": "Walk accuracy"}
	bodies["POST /api/v1/ai-systems/{id}/observations"] = map[string]any{"readings": []map[string]any{{"metric": "accuracy", "value": 0.5, "at": rfc3339From(-time.Minute)}}}
	bodies["POST /api/v1/metrics/{id}/drift"] = map[string]any{"method": "psi", "reference": normalSample(1, 200, 0), "current": normalSample(2, 200, 2)}
	bodies["POST /api/v1/metrics/{id}/fairness"] = map[string]any{"predictions": append(decisionsOf("women", 10, 2), decisionsOf("men", 10, 8)...)}
	bodies["POST /api/v1/alerts/{id}/act"] = map[string]any{"status": "acknowledged"}
	bodies["POST /api/v1/ai-systems/{id}/oversight"] = map[string]any{"entries": []map[string]any{{"reviewer": "Walk reviewer", "case": "W-1", "outcome": "overridden"}}}
}
