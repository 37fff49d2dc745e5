package api

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/monitor"
	"github.com/annexa-dev/annexa/internal/store"
)

// Monitoring of AI systems in operation (ISO/IEC 42001 9.1 and A.6.2.6, EU AI Act Art. 26(5)
// and 72): metrics with bounds, observations pushed by pipelines or computed from data,
// the alerts they open, and the log of human oversight (Art. 14).

// MaxDataBodyBytes bounds the bodies that carry data rather than a record: drift samples and
// decisions of up to monitor.MaxSample values each, and oversight entries with their notes.
// Two samples of 200,000 numbers at full precision come to about 10 MB of JSON.
const MaxDataBodyBytes = 16 << 20

// AlertPage is a page of monitoring alerts.
type AlertPage = store.Page[monitor.Alert]

// MeasureList lists the measures Annexa knows.
type MeasureList struct {
	Items []monitor.Measure `json:"items"`
}

// MetricList lists an AI system's metrics.
type MetricList struct {
	SystemID string           `json:"system_id"`
	Items    []monitor.Metric `json:"items"`
}

// ObservationList is a metric's newest observations, newest first.
type ObservationList struct {
	MetricID string                `json:"metric_id"`
	Items    []monitor.Observation `json:"items"`
}

// ReadingPush is what a pipeline sends: values it measured, by metric name.
type ReadingPush struct {
	Readings []monitor.Reading `json:"readings"`
}

// DriftRequest is two samples of one feature or score to compare.
type DriftRequest struct {
	// Method is psi or ks; when empty, the metric's own measure if it is one of them.
	Method    string    `json:"method"`
	Reference []float64 `json:"reference"`
	Current   []float64 `json:"current"`
}

// DriftResult is a drift computation and what recording it set in motion.
type DriftResult struct {
	Method string  `json:"method"`
	Value  float64 `json:"value"`
	// PValue is the two-sample test's p-value, for ks only.
	PValue        *float64            `json:"p_value,omitempty"`
	ReferenceSize int                 `json:"reference_size"`
	CurrentSize   int                 `json:"current_size"`
	Observation   monitor.Observation `json:"observation"`
	Alerts        []monitor.Alert     `json:"alerts"`
}

// FairnessRequest is decisions of an AI system to measure fairness over.
type FairnessRequest struct {
	Predictions []monitor.Prediction `json:"predictions"`
}

// FairnessResult is a fairness measure, the group rates behind it, and what recording it set
// in motion.
type FairnessResult struct {
	Measure string              `json:"measure"`
	Value   float64             `json:"value"`
	Groups  []monitor.GroupRate `json:"groups"`
	// LeftOut names the groups with too few decisions to compare, which the value ignores.
	LeftOut     []string            `json:"left_out"`
	Observation monitor.Observation `json:"observation"`
	Alerts      []monitor.Alert     `json:"alerts"`
}

// OversightRequest is entries of human oversight to log.
type OversightRequest struct {
	Entries []monitor.NewOversight `json:"entries"`
}

// OversightLogged is the entries logged and what the override rate recorded.
type OversightLogged struct {
	Entries []monitor.OversightEntry `json:"entries"`
	store.Recorded
}

// OversightLog is an AI system's oversight log over a period, with the override rate.
type OversightLog struct {
	SystemID string                   `json:"system_id"`
	Since    time.Time                `json:"since"`
	Items    []monitor.OversightEntry `json:"items"`
	// OverrideRate is the share of entries of the last 30 days in which a person overrode or
	// stopped the system; absent when there are none.
	OverrideRate *float64 `json:"override_rate,omitempty"`
	// OverrideEntries is how many entries the rate is computed over.
	OverrideEntries int `json:"override_entries"`
}

func (s *Server) monitoringRoutes() []Route {
	systemID := []Param{idParam("AI system")}
	metricID := []Param{idParam("metric")}
	alertID := []Param{idParam("alert")}
	limit := strconv.Itoa(MaxDataBodyBytes >> 20)
	return []Route{
		{Method: "GET", Pattern: "/api/v1/monitoring/measures", Tag: "Monitoring",
			Summary:    "The measures Annexa knows — PSI, Kolmogorov-Smirnov, fairness measures, accuracy, override rate — with the bounds a recognised convention suggests and its source",
			Permission: auth.ReadRecords, Response: MeasureList{}, Handle: s.monitoringMeasures},
		{Method: "GET", Pattern: "/api/v1/monitoring/stats", Tag: "Monitoring", Summary: "How many systems are monitored, with how many metrics, and the alerts open and acknowledged",
			Permission: auth.ReadRecords, Response: monitor.Stats{}, Handle: s.monitoringStats},
		{Method: "GET", Pattern: "/api/v1/ai-systems/{id}/metrics", Tag: "Monitoring", Summary: "What is watched on an AI system: its metrics by name, each with its newest observation",
			Permission: auth.ReadRecords, Params: systemID, Response: MetricList{}, Handle: s.listMetrics},
		{Method: "POST", Pattern: "/api/v1/ai-systems/{id}/metrics", Tag: "Monitoring",
			Summary:    "Watch something on an AI system: a name, and a kind or a known measure, whose suggested bounds apply unless min or max is given. flag_assessment sets the impact assessment due again on an alert; raise_nonconformity records a corrective action",
			Permission: auth.ManageMonitoring, Params: systemID, Request: monitor.MetricInput{}, Response: monitor.Metric{}, Status: http.StatusCreated, Conditional: true, Handle: s.createMetric},
		{Method: "POST", Pattern: "/api/v1/ai-systems/{id}/observations", Tag: "Monitoring",
			Summary:    "Push values measured by a pipeline, by metric name (at most 1000 at once); values outside a metric's bounds open an alert, or count on the one still unresolved",
			Permission: auth.ManageMonitoring, Params: systemID, Request: ReadingPush{}, Response: store.Recorded{}, Handle: s.pushReadings},
		{Method: "GET", Pattern: "/api/v1/metrics/{id}", Tag: "Monitoring", Summary: "One metric with its newest observation",
			Permission: auth.ReadRecords, Params: metricID, Response: monitor.Metric{}, Conditional: true, Handle: s.getMetric},
		{Method: "PATCH", Pattern: "/api/v1/metrics/{id}", Tag: "Monitoring",
			Summary:    "Change a metric's name, title, bounds or what its alerts do; clear: [\"min\"] removes a bound. Past observations keep the breach they were judged by",
			Permission: auth.ManageMonitoring, Params: metricID, Request: monitor.MetricInput{}, Response: monitor.Metric{}, Conditional: true, Handle: s.patchMetric},
		{Method: "DELETE", Pattern: "/api/v1/metrics/{id}", Tag: "Monitoring", Summary: "Stop watching: the metric goes with its observations and alerts; the audit trail keeps them",
			Permission: auth.ManageMonitoring, Params: metricID, Status: http.StatusNoContent, Handle: s.deleteMetric},
		{Method: "GET", Pattern: "/api/v1/metrics/{id}/observations", Tag: "Monitoring", Summary: "A metric's newest observations, newest first",
			Permission: auth.ReadRecords, Params: append(slices.Clone(metricID), Param{Name: "limit", In: "query", Type: "integer", Description: "how many, 1 to 1000 (default 100)"}),
			Response: ObservationList{}, Handle: s.listObservations},
		{Method: "POST", Pattern: "/api/v1/metrics/{id}/drift", Tag: "Monitoring",
			Summary: "Compute drift of a drift metric from two samples — psi (population stability index) or ks (Kolmogorov-Smirnov, its p-value kept as p_value) — of 10 to " +
				strconv.Itoa(monitor.MaxSample) + " values each, in a body of at most " + limit + " MiB, and record it; a value outside the bounds opens an alert",
			Permission: auth.ManageMonitoring, Params: metricID, Request: DriftRequest{}, Response: DriftResult{}, Handle: s.computeDrift},
		{Method: "POST", Pattern: "/api/v1/metrics/{id}/fairness", Tag: "Monitoring",
			Summary: "Compute the metric's fairness measure from up to " + strconv.Itoa(monitor.MaxSample) + " decisions — JSON predictions, or a CSV file with the columns group, favorable and optionally actual — in a body of at most " +
				limit + " MiB, and record it with each group's rate and count; a value outside the bounds opens an alert",
			Permission: auth.ManageMonitoring, Params: metricID, Request: FairnessRequest{}, Upload: "text/csv", Response: FairnessResult{}, Handle: s.computeFairness},

		{Method: "GET", Pattern: "/api/v1/alerts", Tag: "Monitoring alerts", Summary: "Monitoring alerts, newest first",
			Permission: auth.ReadRecords, Params: append([]Param{
				{Name: "status", In: "query", Description: "open, acknowledged or resolved"},
				{Name: "system", In: "query", Description: "only the alerts of this AI system"},
				{Name: "unresolved", In: "query", Type: "boolean", Description: "true: only open and acknowledged alerts"},
			}, pageParams...), Response: AlertPage{}, Handle: s.listAlerts},
		{Method: "GET", Pattern: "/api/v1/alerts/{id}", Tag: "Monitoring alerts", Summary: "One alert, with the assessment it flagged and the corrective action it raised",
			Permission: auth.ReadRecords, Params: alertID, Response: monitor.Alert{}, Conditional: true, Handle: s.getAlert},
		{Method: "POST", Pattern: "/api/v1/alerts/{id}/act", Tag: "Monitoring alerts",
			Summary:    "Acknowledge an alert, or resolve it with a resolution saying why it may close, as the caller; a resolved alert no longer changes",
			Permission: auth.ManageMonitoring, Params: alertID, Request: monitor.AlertAction{}, Response: monitor.Alert{}, Conditional: true, Handle: s.actOnAlert},

		{Method: "GET", Pattern: "/api/v1/ai-systems/{id}/oversight", Tag: "Human oversight",
			Summary:    "An AI system's human oversight log, newest first, with the share of the last 30 days' decisions that people overrode or stopped",
			Permission: auth.ReadRecords, Params: append(slices.Clone(systemID), Param{Name: "days", In: "query", Type: "integer", Description: "how far back, 1 to 366 days (default 30)"}),
			Response: OversightLog{}, Handle: s.oversightLog},
		{Method: "POST", Pattern: "/api/v1/ai-systems/{id}/oversight", Tag: "Human oversight",
			Summary: "Log acts of human oversight (at most " + strconv.Itoa(monitor.MaxOversightEntries) + ") — JSON entries, or a CSV file with the columns reviewer and outcome, and optionally at, case and note — in a body of at most " +
				limit + " MiB; a metric of the override_rate measure records the new rate",
			Permission: auth.ManageMonitoring, Params: systemID, Request: OversightRequest{}, Upload: "text/csv", Response: OversightLogged{}, Handle: s.logOversight},
	}
}

func (s *Server) monitoringMeasures(c *Call) (any, error) {
	ms, err := monitor.Measures()
	if err != nil {
		return nil, fault.Wrap(err, "monitoring measures")
	}
	return MeasureList{Items: ms}, nil
}

func (s *Server) monitoringStats(c *Call) (any, error) {
	return s.db.MonitoringStats(c.R.Context(), c.Principal.OrgID)
}

func (s *Server) listMetrics(c *Call) (any, error) {
	// The store lists by system id alone; reading the system first makes another
	// organisation's system a 404 rather than an empty list.
	sys, err := s.db.System(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
	if err != nil {
		return nil, err
	}
	ms, err := s.db.Metrics(c.R.Context(), c.Principal.OrgID, sys.ID)
	if err != nil {
		return nil, err
	}
	if ms == nil {
		ms = []monitor.Metric{}
	}
	return MetricList{SystemID: sys.ID, Items: ms}, nil
}

func (s *Server) createMetric(c *Call) (any, error) {
	var in monitor.MetricInput
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	if err := s.mayMonitor(c, c.R.PathValue("id")); err != nil {
		return nil, err
	}
	return s.db.CreateMetric(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), in, c.Actor())
}

// mayMonitor refuses an AI system owner the monitoring of a system someone else owns: as in
// the register, an owner keeps to their own systems.
func (s *Server) mayMonitor(c *Call, systemID string) error {
	if c.Principal.Role != auth.AISystemOwner {
		return nil
	}
	sys, err := s.db.System(c.R.Context(), c.Principal.OrgID, systemID)
	if err != nil {
		return err
	}
	return mayChange(c.Principal, sys)
}

// mayMonitorMetric is mayMonitor for the system a metric watches.
func (s *Server) mayMonitorMetric(c *Call, metricID string) error {
	if c.Principal.Role != auth.AISystemOwner {
		return nil
	}
	m, err := s.db.Metric(c.R.Context(), c.Principal.OrgID, metricID)
	if err != nil {
		return err
	}
	return s.mayMonitor(c, m.SystemID)
}

func (s *Server) getMetric(c *Call) (any, error) {
	return s.db.Metric(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
}

func (s *Server) patchMetric(c *Call) (any, error) {
	var in monitor.MetricInput
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	if err := s.mayMonitorMetric(c, c.R.PathValue("id")); err != nil {
		return nil, err
	}
	return s.db.UpdateMetric(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), in, ifv, c.Actor())
}

func (s *Server) deleteMetric(c *Call) (any, error) {
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	if err := s.mayMonitorMetric(c, c.R.PathValue("id")); err != nil {
		return nil, err
	}
	return nil, s.db.DeleteMetric(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), ifv, c.Actor())
}

func (s *Server) listObservations(c *Call) (any, error) {
	n := 100
	if v := c.R.URL.Query().Get("limit"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > 1000 {
			return nil, invalidField("limit", "must be a whole number from 1 to 1000")
		}
	}
	// Observations are read by metric id alone; the metric is read first so another
	// organisation's metric is a 404, not an empty history.
	m, err := s.db.Metric(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
	if err != nil {
		return nil, err
	}
	obs, err := s.db.Observations(c.R.Context(), c.Principal.OrgID, m.ID, n)
	if err != nil {
		return nil, err
	}
	return ObservationList{MetricID: m.ID, Items: obs}, nil
}

func (s *Server) pushReadings(c *Call) (any, error) {
	var push ReadingPush
	if err := c.Decode(&push); err != nil {
		return nil, err
	}
	if err := s.mayMonitor(c, c.R.PathValue("id")); err != nil {
		return nil, err
	}
	return s.db.PushReadings(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), push.Readings, c.Actor())
}

// driftMethods are the drift computations, which are also the ids of their measures.
var driftMethods = []string{"psi", "ks"}

func (s *Server) computeDrift(c *Call) (any, error) {
	// The metric first: a wrong or foreign metric is refused before a large body is read.
	m, err := s.db.Metric(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if err := s.mayMonitor(c, m.SystemID); err != nil {
		return nil, err
	}
	if m.Kind != monitor.Drift {
		return nil, &fault.Error{Code: fault.Invalid, Message: fmt.Sprintf("the metric %s is a %s metric: drift is computed only for a metric of kind drift", m.Name, m.Kind),
			Fields: []fault.FieldError{{Field: "method", Message: fmt.Sprintf("cannot apply to %s, whose kind is %s; compute drift on a drift metric", m.Name, m.Kind)}}}
	}
	var req DriftRequest
	if err := decodeLimit(c.W, c.R, &req, MaxDataBodyBytes); err != nil {
		return nil, err
	}
	method := strings.ToLower(strings.TrimSpace(req.Method))
	if method == "" && slices.Contains(driftMethods, m.Measure) {
		method = m.Measure
	}
	switch {
	case !slices.Contains(driftMethods, method):
		return nil, invalidField("method", "must be psi or ks")
	case slices.Contains(driftMethods, m.Measure) && method != m.Measure:
		// One series, one measure: a KS distance judged by a PSI bound would mean nothing.
		return nil, invalidField("method", fmt.Sprintf("the metric %s measures %s; send %s, or compute %s on a metric of its own", m.Name, m.Measure, m.Measure, method))
	}
	out := DriftResult{Method: method, ReferenceSize: len(req.Reference), CurrentSize: len(req.Current)}
	detail := map[string]float64{"reference_size": float64(len(req.Reference)), "current_size": float64(len(req.Current))}
	if method == "psi" {
		out.Value, err = monitor.PSI(req.Reference, req.Current)
	} else {
		var p float64
		out.Value, p, err = monitor.KS(req.Reference, req.Current)
		out.PValue, detail["p_value"] = &p, p
	}
	if err != nil {
		return nil, err
	}
	rec, err := s.db.RecordComputed(c.R.Context(), c.Principal.OrgID, m.ID, out.Value, method, detail, c.Actor())
	if err != nil {
		return nil, err
	}
	out.Observation, out.Alerts = rec.Observations[0], rec.Alerts
	return out, nil
}

func (s *Server) computeFairness(c *Call) (any, error) {
	m, err := s.db.Metric(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if err := s.mayMonitor(c, m.SystemID); err != nil {
		return nil, err
	}
	if !slices.Contains(monitor.FairnessMeasures, m.Measure) {
		what := "names no measure"
		if m.Measure != "" {
			what = "measures " + m.Measure
		}
		return nil, &fault.Error{Code: fault.Invalid, Message: fmt.Sprintf("the metric %s does not name a fairness measure, so there is nothing to compute", m.Name),
			Fields: []fault.FieldError{{Field: "measure", Message: fmt.Sprintf("the metric %s %s; fairness is computed for a metric whose measure is one of %s",
				m.Name, what, strings.Join(monitor.FairnessMeasures, ", "))}}}
	}
	var req FairnessRequest
	err = jsonOrCSV(c, &req, func(r io.Reader) (err error) {
		req.Predictions, err = monitor.ReadPredictionsCSV(r)
		return err
	})
	if err != nil {
		return nil, err
	}
	value, rates, err := monitor.MeasureFairness(m.Measure, req.Predictions)
	if err != nil {
		return nil, err
	}
	detail := map[string]float64{}
	compared := map[string]bool{}
	for _, g := range rates {
		detail["rate:"+g.Group], detail["count:"+g.Group] = g.Rate, float64(g.Count)
		compared[g.Group] = true
	}
	// A map, not a search of the list: a file may hold many thousands of small groups.
	leftOut := []string{}
	for _, p := range req.Predictions {
		if !compared[p.Group] {
			compared[p.Group] = true
			leftOut = append(leftOut, p.Group)
		}
	}
	slices.Sort(leftOut)
	rec, err := s.db.RecordComputed(c.R.Context(), c.Principal.OrgID, m.ID, value, m.Measure, detail, c.Actor())
	if err != nil {
		return nil, err
	}
	return FairnessResult{Measure: m.Measure, Value: value, Groups: rates, LeftOut: leftOut, Observation: rec.Observations[0], Alerts: rec.Alerts}, nil
}

// jsonOrCSV reads a body that is either JSON, decoded strictly into dst, or a CSV file — the
// raw body or the file part of a multipart form — handed to fromCSV. Pipelines send JSON;
// people export a CSV from a spreadsheet or a case-management system.
func jsonOrCSV(c *Call, dst any, fromCSV func(io.Reader) error) error {
	mt, _, _ := mime.ParseMediaType(c.R.Header.Get("Content-Type"))
	switch mt {
	case "", "application/json":
		return decodeLimit(c.W, c.R, dst, MaxDataBodyBytes)
	case "text/csv", "application/csv", "text/plain", "multipart/form-data":
		_, data, err := readUpload(c.W, c.R, MaxDataBodyBytes)
		if err != nil {
			return err
		}
		return fromCSV(bytes.NewReader(data))
	}
	return &fault.Error{Code: fault.Invalid, Message: "the body must be JSON or a CSV file",
		Fields: []fault.FieldError{{Field: "body", Message: "has content type " + mt + "; send application/json, text/csv or a multipart form with the file as file"}}}
}

func (s *Server) listAlerts(c *Call) (any, error) {
	page, err := c.Page()
	if err != nil {
		return nil, err
	}
	q := c.R.URL.Query()
	f := monitor.AlertFilter{SystemID: q.Get("system"), Status: monitor.AlertStatus(q.Get("status"))}
	if f.Unresolved, err = boolParam(q.Get("unresolved"), "unresolved"); err != nil {
		return nil, err
	}
	return s.db.Alerts(c.R.Context(), c.Principal.OrgID, f, page)
}

func (s *Server) getAlert(c *Call) (any, error) {
	return s.db.Alert(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
}

func (s *Server) actOnAlert(c *Call) (any, error) {
	var in monitor.AlertAction
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	if c.Principal.Role == auth.AISystemOwner {
		a, err := s.db.Alert(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
		if err != nil {
			return nil, err
		}
		if err := s.mayMonitor(c, a.SystemID); err != nil {
			return nil, err
		}
	}
	// Who acted is the caller, never a name in the body, as with an effectiveness check.
	return s.db.ActOnAlert(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), in, c.Principal.Email, ifv, c.Actor())
}

func (s *Server) oversightLog(c *Call) (any, error) {
	days := 30
	if v := c.R.URL.Query().Get("days"); v != "" {
		var err error
		if days, err = strconv.Atoi(v); err != nil || days < 1 || days > 366 {
			return nil, invalidField("days", "must be a whole number of days from 1 to 366")
		}
	}
	now := time.Now().UTC()
	since := now.AddDate(0, 0, -days)
	window := now.Add(-monitor.OverrideWindow)
	// One read covers both the period asked for and the override window.
	from := since
	if window.Before(from) {
		from = window
	}
	entries, err := s.db.Oversight(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), from)
	if err != nil {
		return nil, err
	}
	out := OversightLog{SystemID: c.R.PathValue("id"), Since: since, Items: []monitor.OversightEntry{}}
	var recent []monitor.OversightEntry
	for _, e := range entries {
		if !e.At.Before(since) {
			out.Items = append(out.Items, e)
		}
		if !e.At.Before(window) {
			recent = append(recent, e)
		}
	}
	if rate, ok := monitor.OverrideRate(recent); ok {
		out.OverrideRate, out.OverrideEntries = &rate, len(recent)
	}
	return out, nil
}

func (s *Server) logOversight(c *Call) (any, error) {
	var req OversightRequest
	err := jsonOrCSV(c, &req, func(r io.Reader) (err error) {
		req.Entries, err = monitor.ReadOversightCSV(r, time.Now())
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := s.mayMonitor(c, c.R.PathValue("id")); err != nil {
		return nil, err
	}
	loggedBy := c.Principal.Email
	if c.Principal.TokenID != "" {
		// A pipeline's token is named for the system that sends the entries, which is what a
		// reader of the log wants to see; the audit trail still names the token's person.
		t, err := s.db.Token(c.R.Context(), c.Principal.OrgID, c.Principal.TokenID)
		if err != nil {
			return nil, err
		}
		loggedBy = t.Name
	}
	logged, rec, err := s.db.LogOversight(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), req.Entries, loggedBy, c.Actor())
	if err != nil {
		return nil, err
	}
	// Without an override-rate metric nothing is recorded, and the store says so with nil.
	if rec.Observations == nil {
		rec.Observations = []monitor.Observation{}
	}
	if rec.Alerts == nil {
		rec.Alerts = []monitor.Alert{}
	}
	return OversightLogged{Entries: logged, Recorded: rec}, nil
}
