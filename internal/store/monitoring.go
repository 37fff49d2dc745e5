package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"

	"github.com/annexa-dev/annexa/internal/audit"
	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/impact"
	"github.com/annexa-dev/annexa/internal/monitor"
)

// Monitoring of AI systems in operation: metrics, observations, alerts and the oversight log.

const metricColumns = `id, org_id, system_id, name, title, kind, measure, unit, min_value, max_value, flag_assessment, raise_nonconformity,
	version, created_at, updated_at`

const metricWriteColumns = `system_id, name, title, kind, measure, unit, min_value, max_value, flag_assessment, raise_nonconformity,
	version, created_at, updated_at`

func scanMetric(row interface{ Scan(...any) error }) (monitor.Metric, error) {
	var m monitor.Metric
	var lo, hi sql.NullFloat64
	if err := row.Scan(&m.ID, &m.OrgID, &m.SystemID, &m.Name, &m.Title, &m.Kind, &m.Measure, &m.Unit, &lo, &hi, &m.FlagAssessment,
		&m.RaiseNonconformity, &m.Version, &m.CreatedAt, &m.UpdatedAt); err != nil {
		return m, err
	}
	if lo.Valid {
		m.Min = &lo.Float64
	}
	if hi.Valid {
		m.Max = &hi.Float64
	}
	m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	return m, nil
}

func nullable(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

var metrics = versionedTable[monitor.Metric]{table: "monitor_metrics", columns: metricColumns, writeColumns: metricWriteColumns,
	kind: "metric", recordType: "monitor_metric", scan: scanMetric,
	id: func(m monitor.Metric) string { return m.ID },
	args: func(m monitor.Metric) []any {
		return []any{m.SystemID, m.Name, m.Title, string(m.Kind), m.Measure, m.Unit, nullable(m.Min), nullable(m.Max), m.FlagAssessment,
			m.RaiseNonconformity, m.Version, m.CreatedAt, m.UpdatedAt}
	},
	stamp: func(m *monitor.Metric, v int64, at time.Time) { m.Version, m.UpdatedAt = v, at }}

// withLast fills each metric's newest observation.
func (db *DB) withLast(ctx context.Context, ms []monitor.Metric) ([]monitor.Metric, error) {
	for i := range ms {
		obs, err := db.Observations(ctx, ms[i].OrgID, ms[i].ID, 1)
		if err != nil {
			return nil, err
		}
		if len(obs) > 0 {
			ms[i].Last = &obs[0]
		}
	}
	return ms, nil
}

// Metrics lists an AI system's metrics by name, each with its newest observation.
func (db *DB) Metrics(ctx context.Context, orgID, systemID string) ([]monitor.Metric, error) {
	ms, err := metrics.query(ctx, db.r, `org_id = $1 AND system_id = $2 ORDER BY name`, orgID, systemID)
	if err != nil {
		return nil, err
	}
	return db.withLast(ctx, ms)
}

// Metric returns one metric with its newest observation.
func (db *DB) Metric(ctx context.Context, orgID, id string) (monitor.Metric, error) {
	m, err := metrics.read(ctx, db.r, orgID, id)
	if err != nil {
		return m, err
	}
	ms, err := db.withLast(ctx, []monitor.Metric{m})
	if err != nil {
		return m, err
	}
	return ms[0], nil
}

func nameTaken(err error, name string) error {
	if isUniqueViolation(err) {
		return &fault.Error{Code: fault.Conflict, Message: "the AI system has a metric of that name",
			Fields: []fault.FieldError{{Field: "name", Message: fmt.Sprintf("%q is already a metric of this AI system", name)}}}
	}
	return err
}

// CreateMetric starts watching something on an AI system.
func (db *DB) CreateMetric(ctx context.Context, orgID, systemID string, in monitor.MetricInput, actor auditlog.Actor) (monitor.Metric, error) {
	if err := in.Validate(true); err != nil {
		return monitor.Metric{}, err
	}
	t := now()
	m := in.Apply(monitor.Metric{ID: uuid.Must(uuid.NewV7()).String(), OrgID: orgID, SystemID: systemID, Version: 1, CreatedAt: t, UpdatedAt: t}, true)
	if err := m.Check(); err != nil {
		return m, err
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		if _, err := system(ctx, tx, orgID, systemID); err != nil {
			return err
		}
		return nameTaken(metrics.insert(ctx, tx, orgID, m.ID, m, actor), m.Name)
	})
	return m, err
}

// UpdateMetric changes a metric's name, title or bounds; past observations keep the breach
// they were judged by.
func (db *DB) UpdateMetric(ctx context.Context, orgID, id string, in monitor.MetricInput, ifVersion *int64, actor auditlog.Actor) (monitor.Metric, error) {
	if err := in.Validate(false); err != nil {
		return monitor.Metric{}, err
	}
	m, err := metrics.edit(ctx, db, orgID, id, ifVersion, actor, func(_ *sql.Tx, before monitor.Metric, _ time.Time) (monitor.Metric, error) {
		after := in.Apply(before, false)
		return after, after.Check()
	})
	return m, nameTaken(err, ptrOr(in.Name))
}

func ptrOr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// DeleteMetric stops watching: the metric, its observations and its alerts go; the audit trail keeps them.
func (db *DB) DeleteMetric(ctx context.Context, orgID, id string, ifVersion *int64, actor auditlog.Actor) error {
	return metrics.remove(ctx, db, orgID, id, ifVersion, actor, func(monitor.Metric) error { return nil })
}

// Observations returns a metric's newest observations, newest first, at most limit.
func (db *DB) Observations(ctx context.Context, orgID, metricID string, limit int) ([]monitor.Observation, error) {
	out := []monitor.Observation{}
	err := scanEach(ctx, db.r, `SELECT id, metric_id, at, value, source, detail, breach FROM monitor_observations
		WHERE org_id = $1 AND metric_id = $2 ORDER BY at DESC, id DESC LIMIT $3`, []any{orgID, metricID, limit}, func(rows *sql.Rows) error {
		var o monitor.Observation
		var detail string
		if err := rows.Scan(&o.ID, &o.MetricID, &o.At, &o.Value, &o.Source, &detail, &o.Breach); err != nil {
			return err
		}
		o.At = o.At.UTC()
		if err := json.Unmarshal([]byte(detail), &o.Detail); err != nil {
			return fmt.Errorf("observation %s: %w", o.ID, err)
		}
		out = append(out, o)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read observations: %w", err)
	}
	return out, nil
}

// Recorded is what a push or a computation stored and set in motion.
type Recorded struct {
	Observations []monitor.Observation `json:"observations"`
	// Alerts are the alerts opened, or counted on, by values outside bounds.
	Alerts []monitor.Alert `json:"alerts"`
}

type pendingObservation struct {
	metric monitor.Metric
	monitor.Observation
}

// PushReadings records values the organisation measured, by metric name.
func (db *DB) PushReadings(ctx context.Context, orgID, systemID string, rs []monitor.Reading, actor auditlog.Actor) (Recorded, error) {
	ms, err := metrics.query(ctx, db.r, `org_id = $1 AND system_id = $2`, orgID, systemID)
	if err != nil {
		return Recorded{}, err
	}
	if len(ms) == 0 {
		if _, err := system(ctx, db.r, orgID, systemID); err != nil {
			return Recorded{}, err
		}
	}
	byName := map[string]monitor.Metric{}
	for _, m := range ms {
		byName[m.Name] = m
	}
	t := now()
	if err := monitor.CheckReadings(rs, func(n string) bool { _, ok := byName[n]; return ok }, t); err != nil {
		return Recorded{}, err
	}
	pending := make([]pendingObservation, len(rs))
	for i, r := range rs {
		at := t
		if r.At != nil {
			at = r.At.UTC().Truncate(time.Microsecond)
		}
		pending[i] = pendingObservation{metric: byName[r.Metric], Observation: monitor.Observation{At: at, Value: r.Value, Source: "api"}}
	}
	var out Recorded
	err = db.write(ctx, func(tx *sql.Tx) (err error) {
		out, err = record(ctx, tx, orgID, systemID, pending, actor)
		return err
	})
	return out, err
}

// RecordComputed records a value Annexa computed for a metric (drift, fairness), with what
// the computation found beside it.
func (db *DB) RecordComputed(ctx context.Context, orgID, metricID string, value float64, source string, detail map[string]float64, actor auditlog.Actor) (Recorded, error) {
	if math.IsNaN(value) || math.IsInf(value, 0) {
		return Recorded{}, fault.New(fault.Invalid, "the computation gave no finite value")
	}
	var out Recorded
	err := db.write(ctx, func(tx *sql.Tx) error {
		m, err := metrics.read(ctx, tx, orgID, metricID)
		if err != nil {
			return err
		}
		out, err = record(ctx, tx, orgID, m.SystemID, []pendingObservation{{metric: m, Observation: monitor.Observation{At: now(), Value: value, Source: source, Detail: detail}}}, actor)
		return err
	})
	return out, err
}

// record stores observations in a write transaction and handles breaches: a metric's first
// breach opens an alert — setting the impact assessment due and raising a corrective action
// when the metric says so — and later ones count on the alert still unresolved.
func record(ctx context.Context, tx *sql.Tx, orgID, systemID string, pending []pendingObservation, actor auditlog.Actor) (Recorded, error) {
	out := Recorded{Observations: []monitor.Observation{}, Alerts: []monitor.Alert{}}
	touched := map[string]int{} // metric id → index in out.Alerts
	for _, p := range pending {
		o := p.Observation
		o.ID, o.MetricID = uuid.Must(uuid.NewV7()).String(), p.metric.ID
		o.Breach, _ = p.metric.Breach(o.Value)
		if o.Detail == nil {
			o.Detail = map[string]float64{}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO monitor_observations (id, org_id, metric_id, at, value, source, detail, breach)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, o.ID, orgID, o.MetricID, o.At, o.Value, o.Source, mustJSON(o.Detail), o.Breach); err != nil {
			return out, fmt.Errorf("record observation: %w", err)
		}
		out.Observations = append(out.Observations, o)
		if o.Breach == "" {
			continue
		}
		a, err := alertOn(ctx, tx, orgID, systemID, p.metric, o, actor)
		if err != nil {
			return out, err
		}
		if i, ok := touched[a.MetricID]; ok {
			out.Alerts[i] = a
		} else {
			touched[a.MetricID] = len(out.Alerts)
			out.Alerts = append(out.Alerts, a)
		}
	}
	return out, nil
}

const alertColumns = `id, org_id, system_id, metric_id, metric, value, breach, breaches, opened_at, status, assessment_flagged,
	corrective_action_id, acknowledged_by, resolved_by, resolution, version, updated_at`

const alertWriteColumns = `system_id, metric_id, metric, value, breach, breaches, opened_at, status, assessment_flagged,
	corrective_action_id, acknowledged_by, resolved_by, resolution, version, updated_at`

func scanAlert(row interface{ Scan(...any) error }) (monitor.Alert, error) {
	var a monitor.Alert
	err := row.Scan(&a.ID, &a.OrgID, &a.SystemID, &a.MetricID, &a.Metric, &a.Value, &a.Breach, &a.Breaches, &a.OpenedAt, &a.Status,
		&a.AssessmentFlagged, &a.CorrectiveActionID, &a.AcknowledgedBy, &a.ResolvedBy, &a.Resolution, &a.Version, &a.UpdatedAt)
	a.OpenedAt, a.UpdatedAt = a.OpenedAt.UTC(), a.UpdatedAt.UTC()
	return a, err
}

var alerts = versionedTable[monitor.Alert]{table: "monitor_alerts", columns: alertColumns, writeColumns: alertWriteColumns,
	kind: "alert", recordType: "monitor_alert", scan: scanAlert,
	id: func(a monitor.Alert) string { return a.ID },
	args: func(a monitor.Alert) []any {
		return []any{a.SystemID, a.MetricID, a.Metric, a.Value, a.Breach, a.Breaches, a.OpenedAt, string(a.Status), a.AssessmentFlagged,
			a.CorrectiveActionID, a.AcknowledgedBy, a.ResolvedBy, a.Resolution, a.Version, a.UpdatedAt}
	},
	stamp: func(a *monitor.Alert, v int64, at time.Time) { a.Version, a.UpdatedAt = v, at }}

// CorrectiveDays is how long a corrective action raised by an alert has, by default.
const CorrectiveDays = 30

// alertOn counts a breach on the metric's unresolved alert, or opens one. Concurrent pushes
// must all count: the count is an atomic increment, and opening races on the index that keeps
// one unresolved alert per metric — the loser counts on the winner's alert.
func alertOn(ctx context.Context, tx *sql.Tx, orgID, systemID string, m monitor.Metric, o monitor.Observation, actor auditlog.Actor) (monitor.Alert, error) {
	if a, ok, err := countBreach(ctx, tx, orgID, m.ID, actor); ok || err != nil {
		return a, err
	}
	t := now()
	a := monitor.Alert{ID: uuid.Must(uuid.NewV7()).String(), OrgID: orgID, SystemID: systemID, MetricID: m.ID, Metric: m.Name, Value: o.Value,
		Breach: o.Breach, Breaches: 1, OpenedAt: t, Status: monitor.AlertOpen, Version: 1, UpdatedAt: t}
	args := append([]any{a.ID, orgID}, alerts.args(a)...)
	res, err := tx.ExecContext(ctx, `INSERT INTO monitor_alerts (id, org_id, `+alerts.writeColumns+`) VALUES (`+placeholders(1, len(args))+`)
		ON CONFLICT (metric_id) WHERE status <> 'resolved' DO NOTHING`, args...)
	if err != nil {
		return a, fmt.Errorf("open alert: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// Another push opened it between our count and our insert, and has committed.
		a, ok, err := countBreach(ctx, tx, orgID, m.ID, actor)
		if err == nil && !ok {
			err = fmt.Errorf("open alert: neither opened nor found for metric %s", m.ID)
		}
		return a, err
	}
	sys, err := system(ctx, tx, orgID, systemID)
	if err != nil {
		return a, err
	}
	what := a.Describe(sys.Name)
	if m.FlagAssessment {
		reason := impact.DueReason{At: t, Source: impact.DueMonitoring, Reason: what, Ref: a.ID}
		if a.AssessmentFlagged, err = markAssessmentsDue(ctx, tx, orgID, systemID, []impact.DueReason{reason}, actor); err != nil {
			return a, err
		}
	}
	if m.RaiseNonconformity {
		due := t.AddDate(0, 0, CorrectiveDays).Format(time.DateOnly)
		title := fmt.Sprintf("Investigate %s on %s", m.Title, sys.Name)
		if len(title) > 300 {
			title = title[:300]
		}
		// The system's owner answers for it, unless they have left the organisation.
		owner := sys.OwnerID
		if _, err := member(ctx, tx, orgID, owner); owner != "" && err != nil {
			if !fault.Is(err, fault.NotFound) {
				return a, err
			}
			owner = ""
		}
		c, err := createCorrective(ctx, tx, orgID, audit.ActionInput{Title: &title, Source: ptrTo("monitoring alert " + a.ID),
			Nonconformity: &what, OwnerID: &owner, DueOn: &due}, actor)
		if err != nil {
			return a, err
		}
		a.CorrectiveActionID = c.ID
	}
	if a.AssessmentFlagged || a.CorrectiveActionID != "" {
		// The row is ours until commit: what the alert set in motion is part of it as opened.
		if _, err := tx.ExecContext(ctx, `UPDATE monitor_alerts SET assessment_flagged = $1, corrective_action_id = $2 WHERE id = $3`,
			a.AssessmentFlagged, a.CorrectiveActionID, a.ID); err != nil {
			return a, fmt.Errorf("open alert: %w", err)
		}
	}
	return a, appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Create, RecordType: alerts.recordType, RecordID: a.ID, After: a})
}

// countBreach adds a breach to the metric's unresolved alert, if it has one, in one atomic
// statement; the audit entry records the count before and after.
func countBreach(ctx context.Context, tx *sql.Tx, orgID, metricID string, actor auditlog.Actor) (monitor.Alert, bool, error) {
	a, err := scanAlert(tx.QueryRowContext(ctx, `UPDATE monitor_alerts SET breaches = breaches + 1, version = version + 1, updated_at = $1
		WHERE org_id = $2 AND metric_id = $3 AND status <> 'resolved' RETURNING `+alertColumns, now(), orgID, metricID))
	if errors.Is(err, sql.ErrNoRows) {
		return a, false, nil
	}
	if err != nil {
		return a, false, fmt.Errorf("count breach: %w", err)
	}
	return a, true, appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Update, RecordType: alerts.recordType, RecordID: a.ID,
		Before: map[string]any{"breaches": a.Breaches - 1, "version": a.Version - 1}, After: map[string]any{"breaches": a.Breaches, "version": a.Version}})
}

func ptrTo[T any](v T) *T { return &v }

// Alerts lists alerts, newest first.
func (db *DB) Alerts(ctx context.Context, orgID string, f monitor.AlertFilter, page PageRequest) (Page[monitor.Alert], error) {
	if err := f.Validate(); err != nil {
		return Page[monitor.Alert]{}, err
	}
	c := newConditions("org_id = $1", orgID)
	if f.SystemID != "" {
		c.add("system_id = ?", f.SystemID)
	}
	if f.Status != "" {
		c.add("status = ?", string(f.Status))
	}
	if f.Unresolved {
		c.add("status <> 'resolved'")
	}
	// Ids are UUIDv7, so their order is the order alerts opened in.
	page = page.normalise()
	if k := page.cursorKey(); k != "" {
		c.add("id < ?", k)
	}
	args := append(c.args, page.Limit+1)
	items, err := alerts.query(ctx, db.r, c.sql()+fmt.Sprintf(` ORDER BY id DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return Page[monitor.Alert]{}, err
	}
	return finish(items, page.Limit, func(a monitor.Alert) string { return a.ID }), nil
}

// Alert returns one alert.
func (db *DB) Alert(ctx context.Context, orgID, id string) (monitor.Alert, error) {
	return alerts.read(ctx, db.r, orgID, id)
}

// ActOnAlert acknowledges or resolves an alert as the person named.
func (db *DB) ActOnAlert(ctx context.Context, orgID, id string, in monitor.AlertAction, email string, ifVersion *int64, actor auditlog.Actor) (monitor.Alert, error) {
	return alerts.edit(ctx, db, orgID, id, ifVersion, actor, func(_ *sql.Tx, before monitor.Alert, _ time.Time) (monitor.Alert, error) {
		return in.Act(before, email)
	})
}

// LogOversight records acts of human oversight of an AI system. When the system has a metric
// of the override-rate measure, its value over the last 30 days is recorded in the same
// transaction, so a rise in overrides can open an alert.
func (db *DB) LogOversight(ctx context.Context, orgID, systemID string, entries []monitor.NewOversight, loggedBy string, actor auditlog.Actor) ([]monitor.OversightEntry, Recorded, error) {
	t := now()
	var v fault.Validation
	v.Check(len(entries) == 0, "entries", "send at least one entry")
	v.Check(len(entries) > monitor.MaxOversightEntries, "entries", "send at most %d entries at once", monitor.MaxOversightEntries)
	for i, e := range entries {
		e.Check(&v, fmt.Sprintf("entries[%d].", i), t)
	}
	if err := v.Err(); err != nil {
		return nil, Recorded{}, err
	}
	var logged []monitor.OversightEntry
	rec := Recorded{Observations: []monitor.Observation{}, Alerts: []monitor.Alert{}}
	err := db.write(ctx, func(tx *sql.Tx) error {
		if _, err := system(ctx, tx, orgID, systemID); err != nil {
			return err
		}
		for _, n := range entries {
			e := monitor.OversightEntry{ID: uuid.Must(uuid.NewV7()).String(), OrgID: orgID, SystemID: systemID, At: t, Reviewer: n.Reviewer,
				Case: n.Case, Outcome: n.Outcome, Note: n.Note, Logged: t, LoggedBy: loggedBy}
			if n.At != nil {
				e.At = n.At.UTC().Truncate(time.Microsecond)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO oversight_log (id, org_id, system_id, at, reviewer, case_ref, outcome, note, logged, logged_by)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, e.ID, orgID, systemID, e.At, e.Reviewer, e.Case, string(e.Outcome), e.Note, e.Logged, e.LoggedBy); err != nil {
				return fmt.Errorf("log oversight: %w", err)
			}
			logged = append(logged, e)
		}
		ms, err := metrics.query(ctx, tx, `org_id = $1 AND system_id = $2 AND measure = 'override_rate'`, orgID, systemID)
		if err != nil || len(ms) == 0 {
			return err
		}
		recent, err := oversight(ctx, tx, orgID, systemID, t.Add(-monitor.OverrideWindow))
		if err != nil {
			return err
		}
		rate, ok := monitor.OverrideRate(recent)
		if !ok {
			return nil
		}
		var pending []pendingObservation
		for _, m := range ms {
			pending = append(pending, pendingObservation{metric: m, Observation: monitor.Observation{At: t, Value: rate, Source: "oversight_log",
				Detail: map[string]float64{"entries": float64(len(recent))}}})
		}
		rec, err = record(ctx, tx, orgID, systemID, pending, actor)
		return err
	})
	return logged, rec, err
}

func oversight(ctx context.Context, q querier, orgID, systemID string, since time.Time) ([]monitor.OversightEntry, error) {
	var out []monitor.OversightEntry
	err := scanEach(ctx, q, `SELECT id, org_id, system_id, at, reviewer, case_ref, outcome, note, logged, logged_by FROM oversight_log
		WHERE org_id = $1 AND system_id = $2 AND at >= $3 ORDER BY at DESC, id DESC`, []any{orgID, systemID, since}, func(rows *sql.Rows) error {
		var e monitor.OversightEntry
		err := rows.Scan(&e.ID, &e.OrgID, &e.SystemID, &e.At, &e.Reviewer, &e.Case, &e.Outcome, &e.Note, &e.Logged, &e.LoggedBy)
		e.At, e.Logged = e.At.UTC(), e.Logged.UTC()
		out = append(out, e)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read oversight log: %w", err)
	}
	return out, nil
}

// Oversight returns an AI system's oversight log since a time, newest first.
func (db *DB) Oversight(ctx context.Context, orgID, systemID string, since time.Time) ([]monitor.OversightEntry, error) {
	if _, err := system(ctx, db.r, orgID, systemID); err != nil {
		return nil, err
	}
	out, err := oversight(ctx, db.r, orgID, systemID, since)
	if out == nil {
		out = []monitor.OversightEntry{}
	}
	return out, err
}

// MonitoringStats counts what the dashboard shows of monitoring.
func (db *DB) MonitoringStats(ctx context.Context, orgID string) (monitor.Stats, error) {
	var st monitor.Stats
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT system_id) FROM monitor_metrics WHERE org_id = $1`, orgID).Scan(&st.Metrics, &st.SystemsMonitored); err != nil {
		return st, fmt.Errorf("monitoring stats: %w", err)
	}
	if err := db.r.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'acknowledged' THEN 1 ELSE 0 END), 0) FROM monitor_alerts WHERE org_id = $1 AND status <> 'resolved'`,
		orgID).Scan(&st.OpenAlerts, &st.AcknowledgedAlerts); err != nil {
		return st, fmt.Errorf("monitoring stats: %w", err)
	}
	stages := make([]any, len(monitor.OperatingStages))
	for i, st := range monitor.OperatingStages {
		stages[i] = st
	}
	args := append([]any{orgID, now().Add(-monitor.FreshWithin)}, stages...)
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM monitor_metrics m
		JOIN monitor_observations o ON o.metric_id = m.id WHERE m.org_id = s.org_id AND m.system_id = s.id AND o.at >= $2) THEN 1 ELSE 0 END), 0)
		FROM ai_systems s WHERE s.org_id = $1 AND s.lifecycle_stage IN (`+placeholders(3, len(stages))+`)`, args...).Scan(&st.InOperation, &st.Watched); err != nil {
		return st, fmt.Errorf("monitoring stats: %w", err)
	}
	return st, nil
}
