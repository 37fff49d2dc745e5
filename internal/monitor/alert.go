package monitor

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/fault"
)

// AlertStatus is where an alert stands: open until someone acknowledges it, resolved when
// someone says why it may close. Values coming back within bounds do not close it: a person
// judges that.
type AlertStatus string

const (
	AlertOpen         AlertStatus = "open"
	AlertAcknowledged AlertStatus = "acknowledged"
	AlertResolved     AlertStatus = "resolved"
)

// AlertStatuses lists every status in lifecycle order.
var AlertStatuses = []AlertStatus{AlertOpen, AlertAcknowledged, AlertResolved}

func (s AlertStatus) Valid() bool { return slices.Contains(AlertStatuses, s) }

// Alert is a metric's value outside its bounds, and what was done about it. A metric has at
// most one alert not yet resolved: further breaches count on it.
type Alert struct {
	ID       string `json:"id"`
	OrgID    string `json:"org_id"`
	SystemID string `json:"system_id"`
	MetricID string `json:"metric_id"`
	Metric   string `json:"metric"`
	// Value and Breach are those of the observation that opened it; Breaches counts every
	// observation outside bounds while it was unresolved.
	Value    float64     `json:"value"`
	Breach   string      `json:"breach"`
	Breaches int         `json:"breaches"`
	OpenedAt time.Time   `json:"opened_at"`
	Status   AlertStatus `json:"status"`
	// AssessmentFlagged says the alert set the system's impact assessment due again;
	// CorrectiveActionID names the corrective action it raised.
	AssessmentFlagged  bool      `json:"assessment_flagged"`
	CorrectiveActionID string    `json:"corrective_action_id"`
	AcknowledgedBy     string    `json:"acknowledged_by"`
	ResolvedBy         string    `json:"resolved_by"`
	Resolution         string    `json:"resolution"`
	Version            int64     `json:"version"`
	UpdatedAt          time.Time `json:"updated_at"`
}

// RecordVersion is the optimistic-concurrency version, for ETags.
func (a Alert) RecordVersion() int64 { return a.Version }

// AlertAction is a person acknowledging or resolving an alert.
type AlertAction struct {
	Status AlertStatus `json:"status"`
	// Resolution says why the alert may close: the cause found, the fix made, the bound revised.
	Resolution string `json:"resolution"`
}

// Act applies a person's action to an alert.
func (in AlertAction) Act(a Alert, email string) (Alert, error) {
	if a.Status == AlertResolved {
		return a, &fault.Error{Code: fault.Conflict, Message: "the alert is resolved: its record no longer changes"}
	}
	var v fault.Validation
	v.Check(in.Status != AlertAcknowledged && in.Status != AlertResolved, "status", "must be acknowledged or resolved")
	v.Check(in.Status == AlertAcknowledged && a.Status == AlertAcknowledged, "status", "the alert is already acknowledged")
	res := strings.TrimSpace(in.Resolution)
	v.Check(in.Status == AlertResolved && res == "", "resolution", "say why the alert may close: the cause, the fix, or why the bound changed")
	v.Check(len(res) > 5000, "resolution", "must be at most 5000 characters")
	if err := v.Err(); err != nil {
		return a, err
	}
	if in.Status == AlertAcknowledged || a.AcknowledgedBy == "" {
		a.AcknowledgedBy = email
	}
	if in.Status == AlertResolved {
		a.ResolvedBy, a.Resolution = email, res
	}
	a.Status = in.Status
	return a, nil
}

// Outcome is what the person overseeing a decision did with it (EU AI Act Art. 14(4)).
type Outcome string

const (
	Confirmed  Outcome = "confirmed"  // the output was used as it was
	Overridden Outcome = "overridden" // the person decided otherwise, Art. 14(4)(d)
	Escalated  Outcome = "escalated"  // referred to someone with more authority or information
	Stopped    Outcome = "stopped"    // the system was halted, Art. 14(4)(e)
)

// Outcomes lists every outcome.
var Outcomes = []Outcome{Confirmed, Overridden, Escalated, Stopped}

func (o Outcome) Valid() bool { return slices.Contains(Outcomes, o) }

// Intervened reports whether a person set the system's output aside.
func (o Outcome) Intervened() bool { return o == Overridden || o == Stopped }

// OversightEntry is one recorded act of human oversight of an AI system.
type OversightEntry struct {
	ID       string    `json:"id"`
	OrgID    string    `json:"org_id"`
	SystemID string    `json:"system_id"`
	At       time.Time `json:"at"`
	// Reviewer is the person who oversaw it, as recorded by the system that logged it.
	Reviewer string `json:"reviewer"`
	// Case points at the decision in the organisation's own systems (a ticket, an
	// application number), never personal data itself.
	Case    string    `json:"case"`
	Outcome Outcome   `json:"outcome"`
	Note    string    `json:"note"`
	Logged  time.Time `json:"logged"`
	// LoggedBy is who sent the entry to Annexa.
	LoggedBy string `json:"logged_by"`
}

// NewOversight is an oversight entry as sent.
type NewOversight struct {
	At       *time.Time `json:"at,omitempty"`
	Reviewer string     `json:"reviewer"`
	Case     string     `json:"case"`
	Outcome  Outcome    `json:"outcome"`
	Note     string     `json:"note"`
}

// Check validates an entry; field names carry the prefix (e.g. "entries[3]").
func (n NewOversight) Check(v *fault.Validation, prefix string, now time.Time) {
	v.Check(strings.TrimSpace(n.Reviewer) == "" || len(n.Reviewer) > 200, prefix+"reviewer", "must name who oversaw the decision, in at most 200 characters")
	v.Check(len(n.Case) > 200, prefix+"case", "must be at most 200 characters")
	v.Check(!n.Outcome.Valid(), prefix+"outcome", "must be one of confirmed, overridden, escalated, stopped")
	v.Check(len(n.Note) > 5000, prefix+"note", "must be at most 5000 characters")
	v.Check(n.At != nil && n.At.After(now.Add(5*time.Minute)), prefix+"at", "must not be in the future")
}

// MaxOversightEntries is how many entries one request may log.
const MaxOversightEntries = 1000

// OverrideWindow is the period the override rate is computed over.
const OverrideWindow = 30 * 24 * time.Hour

// OverrideRate is the share of entries in which a person set the output aside.
func OverrideRate(entries []OversightEntry) (float64, bool) {
	if len(entries) == 0 {
		return 0, false
	}
	n := 0
	for _, e := range entries {
		if e.Outcome.Intervened() {
			n++
		}
	}
	return float64(n) / float64(len(entries)), true
}

// AlertFilter selects alerts.
type AlertFilter struct {
	SystemID string
	// Unresolved keeps open and acknowledged alerts.
	Unresolved bool
	Status     AlertStatus
}

// Validate checks the enumerated filters.
func (f AlertFilter) Validate() error {
	var v fault.Validation
	v.Check(f.Status != "" && !f.Status.Valid(), "status", "must be one of open, acknowledged, resolved")
	return v.Err()
}

// Describe says in a line what an alert is about, for corrective actions and the log.
func (a Alert) Describe(system string) string {
	return fmt.Sprintf("Monitoring alert on %s: %s was %g, %s", system, a.Metric, a.Value, a.Breach)
}

// Stats are the monitoring figures the dashboard and readiness show.
type Stats struct {
	SystemsMonitored   int `json:"systems_monitored"`
	Metrics            int `json:"metrics"`
	OpenAlerts         int `json:"open_alerts"`
	AcknowledgedAlerts int `json:"acknowledged_alerts"`
	// InOperation counts AI systems in operation (deployed, operating, being re-evaluated);
	// Watched those of them with a value recorded within FreshWithin.
	InOperation int `json:"in_operation"`
	Watched     int `json:"watched"`
}

// FreshWithin is how recent a system's last recorded value must be for it to count as
// watched: a quarter, the longest interval at which monitoring still notices drift in time.
const FreshWithin = 90 * 24 * time.Hour

// OperatingStages are the lifecycle stages (ISO/IEC 22989) in which a system is in use.
var OperatingStages = []string{"deployment", "operation_and_monitoring", "re_evaluation"}
