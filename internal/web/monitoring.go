package web

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/audit"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/monitor"
	"github.com/annexa-dev/annexa/internal/store"
)

// Monitoring of AI systems in operation (ISO/IEC 42001 9.1 and A.6.2.6; EU AI Act Art. 26(5)
// for deployers, Art. 72 for providers, Art. 14 for human oversight). Pipelines push values
// through the API; these pages are for people: choosing what to watch and its bounds,
// recording a value by hand, logging oversight and acting on alerts. The store applies every
// rule; a write it refuses brings the page back saying why.

// sparkPoints is how many of a metric's newest values its sparkline draws.
const sparkPoints = 30

// historyRows is how many values a metric's page lists.
const historyRows = 200

// oversightRows is how many oversight entries a system's page lists; the rate counts them all.
const oversightRows = 100

// oversightUploadBytes bounds an oversight CSV: a thousand rows with long notes, and the form.
const oversightUploadBytes = 6 << 20

// num shows a value: six significant digits keep a value just past a bound distinguishable
// from the bound, without the float noise of computed ratios.
func num(f float64) string { return strconv.FormatFloat(f, 'g', 6, 64) }

// exact shows a bound as it was set.
func exact(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// boundsText says in words when a metric's alert opens.
func boundsText(lo, hi *float64) string {
	switch {
	case lo != nil && hi != nil:
		return "between " + exact(*lo) + " and " + exact(*hi)
	case lo != nil:
		return "at least " + exact(*lo)
	case hi != nil:
		return "at most " + exact(*hi)
	}
	return ""
}

func optional(f *float64) string {
	if f == nil {
		return ""
	}
	return exact(*f)
}

// sparkline is a metric's recent values drawn as a small inline SVG, with its bounds as
// dashed lines and the values outside them as red dots.
type sparkline struct {
	W, H   int
	Points string
	Bounds []sparkMark
	Dots   []sparkDot
	Label  string
}

type sparkMark struct{ Y string }

type sparkDot struct {
	X, Y   string
	Breach bool
}

// sparkOf draws observations (newest first, as the store returns them) oldest to newest.
func sparkOf(obs []monitor.Observation, m monitor.Metric, w, h int) sparkline {
	sp := sparkline{W: w, H: h}
	if len(obs) == 0 {
		return sp
	}
	const pad = 4.0
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, o := range obs {
		lo, hi = math.Min(lo, o.Value), math.Max(hi, o.Value)
	}
	// The bounds join the scale so a reader sees how near the values run to them.
	for _, b := range []*float64{m.Min, m.Max} {
		if b != nil {
			lo, hi = math.Min(lo, *b), math.Max(hi, *b)
		}
	}
	if hi == lo {
		d := math.Max(math.Abs(hi)*0.1, 1)
		lo, hi = lo-d, hi+d
	}
	y := func(v float64) string {
		return strconv.FormatFloat(pad+(hi-v)/(hi-lo)*(float64(h)-2*pad), 'f', 1, 64)
	}
	n := len(obs)
	points := make([]string, n)
	breaches := 0
	for i := range obs {
		o := obs[n-1-i]
		x := float64(w) / 2
		if n > 1 {
			x = pad + float64(i)*(float64(w)-2*pad)/float64(n-1)
		}
		xs := strconv.FormatFloat(x, 'f', 1, 64)
		points[i] = xs + "," + y(o.Value)
		if o.Breach != "" {
			breaches++
			sp.Dots = append(sp.Dots, sparkDot{X: xs, Y: y(o.Value), Breach: true})
		} else if i == n-1 {
			sp.Dots = append(sp.Dots, sparkDot{X: xs, Y: y(o.Value)})
		}
	}
	sp.Points = strings.Join(points, " ")
	for _, b := range []*float64{m.Min, m.Max} {
		if b != nil {
			sp.Bounds = append(sp.Bounds, sparkMark{Y: y(*b)})
		}
	}
	sp.Label = fmt.Sprintf("The last %d value(s), oldest first, from %s to %s", n, num(obs[n-1].Value), num(obs[0].Value))
	if bt := boundsText(m.Min, m.Max); bt != "" {
		sp.Label += fmt.Sprintf("; %d outside the bounds (%s, dashed)", breaches, bt)
	}
	return sp
}

// metricView is a metric as the pages show it.
type metricView struct {
	monitor.Metric
	Bounds       string
	MeasureLabel string
	LastValue    string
	Spark        sparkline
}

func (s *Server) metricView(ctx context.Context, orgID string, m monitor.Metric, w, h int) (metricView, error) {
	v := metricView{Metric: m, Bounds: boundsText(m.Min, m.Max)}
	if ms, ok := monitor.MeasureByID(m.Measure); ok {
		v.MeasureLabel = ms.Label
	}
	if m.Last != nil {
		v.LastValue = num(m.Last.Value)
	}
	obs, err := s.db.Observations(ctx, orgID, m.ID, sparkPoints)
	if err != nil {
		return v, err
	}
	v.Spark = sparkOf(obs, m, w, h)
	return v, nil
}

// alertRow is an alert in a list, with the name of its AI system.
type alertRow struct {
	monitor.Alert
	System, Value string
}

func alertRows(as []monitor.Alert, systems map[string]inventory.System) []alertRow {
	out := make([]alertRow, len(as))
	for i, a := range as {
		out[i] = alertRow{Alert: a, System: systems[a.SystemID].Name, Value: num(a.Value)}
	}
	return out
}

// Field names of the monitoring forms as a person reads them. Two forms on one page ask
// "when", so theirs carry the form's name.
var monitoringLabels = map[string]string{
	"name": "Name", "title": "Title", "measure": "Measure", "kind": "Kind", "unit": "Unit", "min": "Minimum", "max": "Maximum",
	"metric": "Metric", "value": "Value", "reading_at": "When", "reviewer": "Reviewer", "outcome": "Outcome", "case": "Case",
	"note": "Note", "oversight_at": "When", "file": "File", "resolution": "Resolution", "status": "Status",
}

// csvRow is a cell of an uploaded file as the domain names it, rows numbered as a
// spreadsheet shows them (the header is row 1).
var csvRow = regexp.MustCompile(`^rows\[(\d+)\](?:\.(\w+))?$`)

func monitoringLabel(field string) string {
	if m := csvRow.FindStringSubmatch(field); m != nil {
		if m[2] == "" {
			return "Row " + m[1]
		}
		return "Row " + m[1] + ", " + m[2]
	}
	if l, ok := monitoringLabels[field]; ok {
		return l
	}
	return humanise(field)
}

// monitoringErrors turns a refused write into per-field messages, with the fields renamed from
// the store's names (readings[0].value) to the form's (value).
func monitoringErrors(err error, rename func(string) string) (map[string]string, string) {
	fields := map[string]string{}
	for _, f := range fault.Fields(err) {
		key := f.Field
		if rename != nil {
			key = rename(key)
		}
		if _, seen := fields[key]; !seen {
			fields[key] = monitoringLabel(key) + ": " + f.Message + "."
		}
	}
	_, msg := programmeErrors(err)
	return fields, capitalise(msg)
}

// One form's view of the store's field names: the single reading or entry a form sends is
// item 0 of the request.
func renameReading(f string) string {
	switch f {
	case "readings", "readings[0].metric":
		return "metric"
	case "readings[0].value":
		return "value"
	case "readings[0].at":
		return "reading_at"
	}
	return f
}

func renameEntry(f string) string {
	if f == "entries" {
		return "reviewer"
	}
	if rest, ok := strings.CutPrefix(f, "entries[0]."); ok {
		if rest == "at" {
			return "oversight_at"
		}
		return rest
	}
	return f
}

var entryField = regexp.MustCompile(`^entries\[(\d+)\](.*)$`)

// renameRow names a file's entry by its row: entry 0 is row 2, under the header.
func renameRow(f string) string {
	if m := entryField.FindStringSubmatch(f); m != nil {
		i, _ := strconv.Atoi(m[1])
		return fmt.Sprintf("rows[%d]%s", i+2, m[2])
	}
	if f == "entries" {
		return "file"
	}
	return f
}

// parseWhen reads a time typed into a form (a datetime-local field, or a date), in UTC;
// empty means now.
func parseWhen(s string) (*time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, true
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			return &t, true
		}
	}
	return nil, false
}

func parseNumber(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
}

// The organisation's overview.

type monitoredSystem struct {
	System                       inventory.System
	Metrics, Outside, Unresolved int
}

type monitoringData struct {
	Stats       monitor.Stats
	Unresolved  []alertRow
	MoreHref    string
	Monitored   []monitoredSystem
	Unmonitored []inventory.System
}

func (s *Server) monitoringPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ReadRecords) {
		return
	}
	ctx := r.Context()
	st, err := s.db.MonitoringStats(ctx, p.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// A metric has at most one unresolved alert, so this page holds every one in practice.
	open, err := s.db.Alerts(ctx, p.OrgID, monitor.AlertFilter{Unresolved: true}, store.PageRequest{Limit: store.MaxLimit})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	systems, byID, err := s.systemNames(r, p.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := monitoringData{Stats: st, Unresolved: alertRows(open.Items, byID)}
	if open.NextCursor != "" {
		d.MoreHref = "/alerts?unresolved=true"
	}
	unresolved := map[string]int{}
	for _, a := range open.Items {
		unresolved[a.SystemID]++
	}
	for _, sys := range systems {
		var ms []monitor.Metric
		if st.Metrics > 0 {
			if ms, err = s.db.Metrics(ctx, p.OrgID, sys.ID); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if len(ms) == 0 {
			d.Unmonitored = append(d.Unmonitored, sys)
			continue
		}
		row := monitoredSystem{System: sys, Metrics: len(ms), Unresolved: unresolved[sys.ID]}
		for _, m := range ms {
			if m.Last != nil && m.Last.Breach != "" {
				row.Outside++
			}
		}
		d.Monitored = append(d.Monitored, row)
	}
	s.render(w, r, http.StatusOK, "monitoring", page{Title: "Monitoring", Nav: "monitoring", Principal: &p, CSRF: csrfFrom(r), Data: d})
}

// monitoringLine is the home page's line on monitoring.
type monitoringLine struct {
	// Unresolved alerts, on how many AI systems, of how many monitored.
	Unresolved, Systems, Monitored int
}

func (s *Server) monitoringSummary(ctx context.Context, orgID string) (monitoringLine, error) {
	st, err := s.db.MonitoringStats(ctx, orgID)
	if err != nil {
		return monitoringLine{}, err
	}
	l := monitoringLine{Unresolved: st.OpenAlerts + st.AcknowledgedAlerts, Monitored: st.SystemsMonitored}
	if l.Unresolved == 0 {
		return l, nil
	}
	// The figures count alerts, not the systems they are on.
	open, err := s.db.Alerts(ctx, orgID, monitor.AlertFilter{Unresolved: true}, store.PageRequest{Limit: store.MaxLimit})
	if err != nil {
		return l, err
	}
	seen := map[string]bool{}
	for _, a := range open.Items {
		seen[a.SystemID] = true
	}
	l.Systems = len(seen)
	return l, nil
}

// One AI system's monitoring.

type metricForm struct {
	Version, Name, Title, Measure, Kind, Unit, Min, Max string
	FlagAssessment, RaiseNonconformity                  bool
}

type readingForm struct{ Metric, Value, At string }

type oversightForm struct{ Reviewer, Outcome, Case, Note, At string }

// systemForms are what the person typed into the system's monitoring forms, kept when a
// write is refused.
type systemForms struct {
	Metric    metricForm
	Reading   readingForm
	Oversight oversightForm
}

func metricFormOf(v url.Values) metricForm {
	get := v.Get
	return metricForm{Name: strings.TrimSpace(get("name")), Title: get("title"), Measure: get("measure"), Kind: get("kind"), Unit: get("unit"),
		Min: strings.TrimSpace(get("min")), Max: strings.TrimSpace(get("max")),
		FlagAssessment: get("flag_assessment") == "yes", RaiseNonconformity: get("raise_nonconformity") == "yes"}
}

func editFormOfMetric(m monitor.Metric) metricForm {
	return metricForm{Version: strconv.FormatInt(m.Version, 10), Name: m.Name, Title: m.Title, Measure: m.Measure, Kind: string(m.Kind), Unit: m.Unit,
		Min: optional(m.Min), Max: optional(m.Max), FlagAssessment: m.FlagAssessment, RaiseNonconformity: m.RaiseNonconformity}
}

// input reads the form into a metric input. The edit form shows a metric whole, so an empty
// bound there clears it; when adding, an empty bound leaves the measure's suggestion, if any.
func (f metricForm) input(create bool) (monitor.MetricInput, error) {
	in := monitor.MetricInput{Name: &f.Name, Title: &f.Title, Unit: &f.Unit, FlagAssessment: &f.FlagAssessment, RaiseNonconformity: &f.RaiseNonconformity}
	if create {
		in.Measure = &f.Measure
		if f.Kind != "" {
			k := monitor.Kind(f.Kind)
			in.Kind = &k
		}
	}
	var v fault.Validation
	for _, b := range []struct {
		field, text string
		dst         **float64
	}{{"min", f.Min, &in.Min}, {"max", f.Max, &in.Max}} {
		if b.text == "" {
			if !create {
				in.Clear = append(in.Clear, b.field)
			}
			continue
		}
		x, ok := parseNumber(b.text)
		v.Check(!ok, b.field, "must be a number, such as 0.8")
		if ok {
			*b.dst = &x
		}
	}
	if err := v.Err(); err != nil {
		// Name the form's other problems too, so it is put right in one go.
		fields := append(fault.Fields(err), fault.Fields(in.Validate(create))...)
		return in, &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields", Fields: fields}
	}
	return in, nil
}

type measureView struct {
	monitor.Measure
	Suggested string
}

type systemMonitoringData struct {
	System    inventory.System
	Metrics   []metricView
	Alerts    []alertRow
	Forms     systemForms
	Measures  []measureView
	Kinds     []choice
	Choices   []choice // the system's metrics, for recording a value
	Outcomes  []choice
	Oversight []monitor.OversightEntry
	// Entries counts the oversight entries of the window, of which Oversight shows the newest.
	Entries, Intervened int
	Rate                string
	Since               string
	CanManage           bool
}

var outcomeLabels = map[monitor.Outcome]string{
	monitor.Confirmed:  "Confirmed: the output was used as it was",
	monitor.Overridden: "Overridden: the person decided otherwise (Art. 14(4)(d))",
	monitor.Escalated:  "Escalated: referred to someone with more authority or information",
	monitor.Stopped:    "Stopped: the system was halted (Art. 14(4)(e))",
}

func outcomeLabel(o monitor.Outcome) string { return outcomeLabels[o] }

func (s *Server) systemMonitoringPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ReadRecords) {
		return
	}
	s.renderSystemMonitoring(w, r, p, http.StatusOK, systemForms{}, nil, nil)
}

func (s *Server) renderSystemMonitoring(w http.ResponseWriter, r *http.Request, p auth.Principal, status int, forms systemForms, ferr error, rename func(string) string) {
	ctx := r.Context()
	sys, err := s.db.System(ctx, p.OrgID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ms, err := s.db.Metrics(ctx, p.OrgID, sys.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := systemMonitoringData{System: sys, Forms: forms, CanManage: canMonitor(p, sys)}
	for _, m := range ms {
		v, err := s.metricView(ctx, p.OrgID, m, 160, 40)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Metrics = append(d.Metrics, v)
		d.Choices = append(d.Choices, choice{Value: m.Name, Label: m.Name + " — " + m.Title, Checked: m.Name == forms.Reading.Metric})
	}
	open, err := s.db.Alerts(ctx, p.OrgID, monitor.AlertFilter{SystemID: sys.ID, Unresolved: true}, store.PageRequest{Limit: store.MaxLimit})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Alerts = alertRows(open.Items, map[string]inventory.System{sys.ID: sys})
	since := time.Now().Add(-monitor.OverrideWindow)
	entries, err := s.db.Oversight(ctx, p.OrgID, sys.ID, since)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Since, d.Entries = since.UTC().Format(time.DateOnly), len(entries)
	if rate, ok := monitor.OverrideRate(entries); ok {
		d.Rate = strconv.FormatFloat(rate*100, 'f', 1, 64) + "%"
	}
	for _, e := range entries {
		if e.Outcome.Intervened() {
			d.Intervened++
		}
	}
	d.Oversight = entries[:min(len(entries), oversightRows)]
	measures, err := monitor.Measures()
	if err != nil {
		s.fail(w, r, fault.Wrap(err, "load the monitoring measures"))
		return
	}
	for _, m := range measures {
		d.Measures = append(d.Measures, measureView{Measure: m, Suggested: boundsText(m.Min, m.Max)})
	}
	d.Kinds = choices(monitor.Kinds, humanise, func(k monitor.Kind) bool { return string(k) == forms.Metric.Kind })
	d.Outcomes = choices(monitor.Outcomes, outcomeLabel, func(o monitor.Outcome) bool { return string(o) == forms.Oversight.Outcome })
	pg := page{Title: "Monitoring " + sys.Name, Nav: "monitoring", Principal: &p, CSRF: csrfFrom(r), Data: d}
	if ferr != nil {
		pg.Fields, pg.Error = monitoringErrors(ferr, rename)
	}
	s.render(w, r, status, "monitoring_system", pg)
}

// redisplaySystemMonitoring answers a write on a system's monitoring page: a refusal shows the
// page again, anything else (not found, forbidden, internal) the error page.
func (s *Server) redisplaySystemMonitoring(w http.ResponseWriter, r *http.Request, p auth.Principal, forms systemForms, err error, rename func(string) string) {
	if !refused(err) {
		s.fail(w, r, err)
		return
	}
	s.renderSystemMonitoring(w, r, p, fault.CodeStatus(err), forms, err, rename)
}

func systemMonitoringHref(systemID, anchor string) string {
	return "/ai-systems/" + systemID + "/monitoring#" + anchor
}

func (s *Server) metricCreate(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.denyMonitoring(w, r, p, r.PathValue("id")) {
		return
	}
	form := metricFormOf(r.PostForm)
	in, err := form.input(true)
	var m monitor.Metric
	if err == nil {
		m, err = s.db.CreateMetric(r.Context(), p.OrgID, r.PathValue("id"), in, actorOf(p))
	}
	if err != nil {
		s.redisplaySystemMonitoring(w, r, p, systemForms{Metric: form}, err, nil)
		return
	}
	msg := fmt.Sprintf("Metric %s added (%s). ", m.Name, m.Title)
	if b := boundsText(m.Min, m.Max); b != "" {
		msg += "An alert opens when a value is not " + b + ". "
	} else {
		msg += "It has no bounds, so no alert opens: set them on its page. "
	}
	msg += "Push values to it by its name, or record one here."
	s.setFlash(w, r, msg)
	http.Redirect(w, r, systemMonitoringHref(m.SystemID, "metrics-h"), http.StatusSeeOther)
}

// recordedMessage says what a value set in motion.
func recordedMessage(metric string, rec store.Recorded) string {
	if len(rec.Observations) == 0 {
		return "Nothing was recorded."
	}
	o := rec.Observations[len(rec.Observations)-1]
	msg := fmt.Sprintf("Recorded %s for %s: ", num(o.Value), metric)
	if o.Breach == "" {
		return msg + "within its bounds."
	}
	msg += o.Breach + "."
	for _, a := range rec.Alerts {
		if a.Breaches > 1 {
			msg += fmt.Sprintf(" It counts on the alert already open (%d breaches).", a.Breaches)
			continue
		}
		msg += " An alert is open."
		if a.AssessmentFlagged {
			msg += " The impact assessment is due again."
		}
		if a.CorrectiveActionID != "" {
			msg += " A corrective action was raised."
		}
	}
	return msg
}

func (s *Server) readingRecord(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.denyMonitoring(w, r, p, r.PathValue("id")) {
		return
	}
	form := readingForm{Metric: r.PostFormValue("metric"), Value: strings.TrimSpace(r.PostFormValue("value")), At: r.PostFormValue("reading_at")}
	var v fault.Validation
	v.Check(form.Metric == "", "metric", "choose the metric the value is for")
	x, ok := parseNumber(form.Value)
	v.Check(!ok, "value", "must be a number, such as 0.75")
	at, ok := parseWhen(form.At)
	v.Check(!ok, "reading_at", "must be a date and time, such as 2026-03-01T09:30")
	err := v.Err()
	var rec store.Recorded
	if err == nil {
		rec, err = s.db.PushReadings(r.Context(), p.OrgID, r.PathValue("id"), []monitor.Reading{{Metric: form.Metric, Value: x, At: at}}, actorOf(p))
	}
	if err != nil {
		s.redisplaySystemMonitoring(w, r, p, systemForms{Reading: form}, err, renameReading)
		return
	}
	s.setFlash(w, r, recordedMessage(form.Metric, rec))
	http.Redirect(w, r, systemMonitoringHref(r.PathValue("id"), "metrics-h"), http.StatusSeeOther)
}

// oversightMessage says what was logged and, when the system watches its override rate, what
// the rate is now.
func oversightMessage(n int, rec store.Recorded) string {
	msg := fmt.Sprintf("%d oversight entr%s logged.", n, map[bool]string{true: "y", false: "ies"}[n == 1])
	for _, o := range rec.Observations {
		msg += fmt.Sprintf(" The override rate over 30 days is now %s", num(o.Value))
		if o.Breach != "" {
			msg += ", " + o.Breach + ": an alert is open"
		}
		msg += "."
	}
	return msg
}

func (s *Server) oversightLog(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.denyMonitoring(w, r, p, r.PathValue("id")) {
		return
	}
	v := r.PostForm
	form := oversightForm{Reviewer: v.Get("reviewer"), Outcome: v.Get("outcome"), Case: v.Get("case"), Note: v.Get("note"), At: v.Get("oversight_at")}
	at, ok := parseWhen(form.At)
	var err error
	if !ok {
		err = &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields",
			Fields: []fault.FieldError{{Field: "oversight_at", Message: "must be a date and time, such as 2026-03-01T09:30"}}}
	}
	var rec store.Recorded
	if err == nil {
		n := monitor.NewOversight{At: at, Reviewer: strings.TrimSpace(form.Reviewer), Case: strings.TrimSpace(form.Case), Outcome: monitor.Outcome(form.Outcome), Note: strings.TrimSpace(form.Note)}
		_, rec, err = s.db.LogOversight(r.Context(), p.OrgID, r.PathValue("id"), []monitor.NewOversight{n}, p.Email, actorOf(p))
	}
	if err != nil {
		s.redisplaySystemMonitoring(w, r, p, systemForms{Oversight: form}, err, renameEntry)
		return
	}
	s.setFlash(w, r, oversightMessage(1, rec))
	http.Redirect(w, r, systemMonitoringHref(r.PathValue("id"), "oversight-h"), http.StatusSeeOther)
}

func (s *Server) oversightImport(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.denyMonitoring(w, r, p, r.PathValue("id")) {
		return
	}
	name, data, err := uploadedFile(r)
	var entries []monitor.NewOversight
	if err == nil {
		entries, err = monitor.ReadOversightCSV(bytes.NewReader(data), time.Now())
	}
	var rec store.Recorded
	if err == nil {
		_, rec, err = s.db.LogOversight(r.Context(), p.OrgID, r.PathValue("id"), entries, p.Email, actorOf(p))
	}
	if err != nil {
		if fault.Is(err, fault.Invalid) {
			// The person fixes the file, not a form: say so, and nothing was logged from it.
			err = &fault.Error{Code: fault.Invalid, Message: "Nothing was logged from the file: what to fix is listed here, by row.", Fields: fault.Fields(err)}
		}
		s.redisplaySystemMonitoring(w, r, p, systemForms{}, err, renameRow)
		return
	}
	s.setFlash(w, r, strings.TrimSuffix(oversightMessage(len(entries), rec), ".")+" from "+name+".")
	http.Redirect(w, r, systemMonitoringHref(r.PathValue("id"), "oversight-h"), http.StatusSeeOther)
}

// One metric.

type observationRow struct {
	monitor.Observation
	Value, Detail string
}

type metricData struct {
	Metric    metricView
	System    inventory.System
	Measure   *monitor.Measure
	History   []observationRow
	More      bool
	Alerts    []alertRow
	Form      metricForm
	CanManage bool
}

func (s *Server) metricPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ReadRecords) {
		return
	}
	s.renderMetric(w, r, p, http.StatusOK, nil, nil)
}

// renderMetric shows the metric as it is now; form, when not nil, is what the person typed
// into the edit form before it was refused.
func (s *Server) renderMetric(w http.ResponseWriter, r *http.Request, p auth.Principal, status int, form *metricForm, ferr error) {
	ctx := r.Context()
	m, err := s.db.Metric(ctx, p.OrgID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sys, err := s.db.System(ctx, p.OrgID, m.SystemID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	view, err := s.metricView(ctx, p.OrgID, m, 480, 96)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := metricData{Metric: view, System: sys, Form: editFormOfMetric(m), CanManage: canMonitor(p, sys)}
	if form != nil && !fault.Is(ferr, fault.PreconditionErr) {
		form.Version = d.Form.Version
		d.Form = *form
	}
	if ms, ok := monitor.MeasureByID(m.Measure); ok {
		d.Measure = &ms
	}
	obs, err := s.db.Observations(ctx, p.OrgID, m.ID, historyRows+1)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.More = len(obs) > historyRows
	for _, o := range obs[:min(len(obs), historyRows)] {
		row := observationRow{Observation: o, Value: num(o.Value)}
		keys := make([]string, 0, len(o.Detail))
		for k := range o.Detail {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				row.Detail += ", "
			}
			row.Detail += k + " " + num(o.Detail[k])
		}
		d.History = append(d.History, row)
	}
	// Alerts do not filter by metric; a system has few, so its list is read and narrowed.
	as, err := s.db.Alerts(ctx, p.OrgID, monitor.AlertFilter{SystemID: sys.ID}, store.PageRequest{Limit: store.MaxLimit})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, a := range alertRows(as.Items, map[string]inventory.System{sys.ID: sys}) {
		if a.MetricID == m.ID {
			d.Alerts = append(d.Alerts, a)
		}
	}
	pg := page{Title: m.Name + " · " + sys.Name, Nav: "monitoring", Principal: &p, CSRF: csrfFrom(r), Data: d}
	if ferr != nil {
		pg.Fields, pg.Error = monitoringErrors(ferr, nil)
		if fault.Is(ferr, fault.PreconditionErr) {
			pg.Error = "Someone else changed this metric while you were working on it. This is the current version; make your change again."
		}
	}
	s.render(w, r, status, "metric", pg)
}

func (s *Server) metricUpdate(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.denyMonitoringMetric(w, r, p, r.PathValue("id")) {
		return
	}
	form := metricFormOf(r.PostForm)
	in, err := form.input(false)
	var m monitor.Metric
	if err == nil {
		m, err = s.db.UpdateMetric(r.Context(), p.OrgID, r.PathValue("id"), in, formVersion(r), actorOf(p))
	}
	if err != nil {
		if !refused(err) {
			s.fail(w, r, err)
			return
		}
		s.renderMetric(w, r, p, fault.CodeStatus(err), &form, err)
		return
	}
	s.setFlash(w, r, m.Name+" saved. Values already recorded keep the judgement they were given; new values meet the new bounds.")
	http.Redirect(w, r, "/metrics/"+m.ID, http.StatusSeeOther)
}

func (s *Server) metricDelete(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.denyMonitoringMetric(w, r, p, r.PathValue("id")) {
		return
	}
	m, err := s.db.Metric(r.Context(), p.OrgID, r.PathValue("id"))
	if err == nil {
		err = s.db.DeleteMetric(r.Context(), p.OrgID, m.ID, formVersion(r), actorOf(p))
	}
	if err != nil {
		if !refused(err) {
			s.fail(w, r, err)
			return
		}
		s.renderMetric(w, r, p, fault.CodeStatus(err), nil, err)
		return
	}
	s.setFlash(w, r, "Metric "+m.Name+" removed with its values and alerts. The audit log keeps its history.")
	http.Redirect(w, r, systemMonitoringHref(m.SystemID, "metrics-h"), http.StatusSeeOther)
}

// Alerts.

type alertsData struct {
	Rows       []alertRow
	NextHref   string
	Status     string
	Unresolved bool
	SystemID   string
	Filtered   bool
	Statuses   []choice
	Systems    []choice
}

func (s *Server) alertsPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ReadRecords) {
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	d := alertsData{Status: q.Get("status"), Unresolved: q.Get("unresolved") == "true", SystemID: q.Get("ai_system")}
	d.Filtered = d.Status != "" || d.Unresolved || d.SystemID != ""
	pr := store.PageRequest{Limit: 100, Cursor: q.Get("cursor")}
	if err := pr.Validate(); err != nil {
		s.fail(w, r, err)
		return
	}
	pg, err := s.db.Alerts(ctx, p.OrgID, monitor.AlertFilter{SystemID: d.SystemID, Unresolved: d.Unresolved, Status: monitor.AlertStatus(d.Status)}, pr)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	systems, byID, err := s.systemNames(r, p.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Rows = alertRows(pg.Items, byID)
	if pg.NextCursor != "" {
		d.NextHref = nextHref("/alerts", q, pg.NextCursor)
	}
	d.Statuses = choices(monitor.AlertStatuses, humanise, func(x monitor.AlertStatus) bool { return string(x) == d.Status })
	for _, sys := range systems {
		d.Systems = append(d.Systems, choice{Value: sys.ID, Label: sys.Name, Checked: sys.ID == d.SystemID})
	}
	s.render(w, r, http.StatusOK, "alerts", page{Title: "Alerts", Nav: "alerts", Principal: &p, CSRF: csrfFrom(r), Data: d})
}

type alertData struct {
	Alert      monitor.Alert
	Value      string
	System     inventory.System
	Metric     *metricView
	Action     *audit.CorrectiveAction
	Resolution string
	CanManage  bool
}

func (s *Server) alertPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ReadRecords) {
		return
	}
	s.renderAlert(w, r, p, http.StatusOK, "", nil)
}

// renderAlert shows the alert as it is now, with the resolution the person typed if their
// action was refused.
func (s *Server) renderAlert(w http.ResponseWriter, r *http.Request, p auth.Principal, status int, resolution string, ferr error) {
	ctx := r.Context()
	a, err := s.db.Alert(ctx, p.OrgID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sys, err := s.db.System(ctx, p.OrgID, a.SystemID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := alertData{Alert: a, Value: num(a.Value), System: sys, Resolution: resolution, CanManage: canMonitor(p, sys) && a.Status != monitor.AlertResolved}
	if m, err := s.db.Metric(ctx, p.OrgID, a.MetricID); err == nil {
		v, err := s.metricView(ctx, p.OrgID, m, 240, 48)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Metric = &v
	} else if !fault.Is(err, fault.NotFound) {
		s.fail(w, r, err)
		return
	}
	if a.CorrectiveActionID != "" {
		if c, err := s.db.CorrectiveAction(ctx, p.OrgID, a.CorrectiveActionID); err == nil {
			d.Action = &c
		} else if !fault.Is(err, fault.NotFound) {
			s.fail(w, r, err)
			return
		}
	}
	pg := page{Title: "Alert on " + a.Metric + " · " + sys.Name, Nav: "alerts", Principal: &p, CSRF: csrfFrom(r), Data: d}
	if ferr != nil {
		pg.Fields, pg.Error = monitoringErrors(ferr, nil)
		if fault.Is(ferr, fault.PreconditionErr) {
			pg.Error = "Someone else acted on this alert while you were looking at it. This is where it stands now."
		}
	}
	s.render(w, r, status, "alert", pg)
}

// alertAct acknowledges an alert (someone is looking into it) or resolves it with why it may
// close.
func (s *Server) alertAct(to monitor.AlertStatus) func(http.ResponseWriter, *http.Request, auth.Principal) {
	return func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		if s.denyMonitoringAlert(w, r, p, r.PathValue("id")) {
			return
		}
		res := r.PostFormValue("resolution")
		a, err := s.db.ActOnAlert(r.Context(), p.OrgID, r.PathValue("id"), monitor.AlertAction{Status: to, Resolution: res}, p.Email, formVersion(r), actorOf(p))
		if err != nil {
			if !refused(err) {
				s.fail(w, r, err)
				return
			}
			s.renderAlert(w, r, p, fault.CodeStatus(err), res, err)
			return
		}
		msg := "Alert acknowledged: you are looking into it. Resolve it once the cause is found and dealt with."
		if a.Status == monitor.AlertResolved {
			msg = "Alert resolved. The next value outside the bounds opens a new alert."
		}
		s.setFlash(w, r, msg)
		http.Redirect(w, r, "/alerts/"+a.ID, http.StatusSeeOther)
	}
}

// canMonitor says whether p may change the monitoring of sys: the permission, and for an AI
// system owner only the systems they own, as in the register.
func canMonitor(p auth.Principal, sys inventory.System) bool {
	return p.Can(auth.ManageMonitoring) && (p.Role != auth.AISystemOwner || sys.OwnerID == p.UserID)
}

// denyMonitoring refuses a change to the monitoring of a system the person may not change.
func (s *Server) denyMonitoring(w http.ResponseWriter, r *http.Request, p auth.Principal, systemID string) bool {
	if s.deny(w, r, p, auth.ManageMonitoring) {
		return true
	}
	if p.Role != auth.AISystemOwner {
		return false
	}
	sys, err := s.db.System(r.Context(), p.OrgID, systemID)
	if err == nil && !canMonitor(p, sys) {
		err = fault.New(fault.Forbidden, "as an AI system owner you may change the monitoring only of the systems you own")
	}
	if err != nil {
		s.fail(w, r, err)
		return true
	}
	return false
}

// denyMonitoringMetric is denyMonitoring for the system a metric watches.
func (s *Server) denyMonitoringMetric(w http.ResponseWriter, r *http.Request, p auth.Principal, metricID string) bool {
	if p.Role != auth.AISystemOwner {
		return s.deny(w, r, p, auth.ManageMonitoring)
	}
	m, err := s.db.Metric(r.Context(), p.OrgID, metricID)
	if err != nil {
		s.fail(w, r, err)
		return true
	}
	return s.denyMonitoring(w, r, p, m.SystemID)
}

// denyMonitoringAlert is denyMonitoring for the system an alert is about.
func (s *Server) denyMonitoringAlert(w http.ResponseWriter, r *http.Request, p auth.Principal, alertID string) bool {
	if p.Role != auth.AISystemOwner {
		return s.deny(w, r, p, auth.ManageMonitoring)
	}
	a, err := s.db.Alert(r.Context(), p.OrgID, alertID)
	if err != nil {
		s.fail(w, r, err)
		return true
	}
	return s.denyMonitoring(w, r, p, a.SystemID)
}
