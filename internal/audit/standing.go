package audit

import (
	"fmt"
	"time"
)

// Programme is an organisation's whole audit programme, as readiness reads it.
type Programme struct {
	Audits  []Audit            `json:"audits"`
	Actions []CorrectiveAction `json:"corrective_actions"`
	Reviews []Review           `json:"management_reviews"`
}

// Cycle is how recent an audit or a management review must be to count: both standards ask
// for them at planned intervals, and certification bodies expect at least one full cycle a year.
const Cycle = 365 * 24 * time.Hour

// Standing is where the audit programme stands for one standard.
type Standing struct {
	Standard string `json:"standard"`
	// LastAudit is the latest completed audit covering the standard, nil when none.
	LastAudit *Audit `json:"last_audit"`
	// AuditsUnderway counts planned and in-progress audits covering the standard.
	AuditsUnderway int `json:"audits_underway"`
	// LastReview is the latest approved management review covering the standard.
	LastReview   *Review `json:"last_review"`
	DraftReviews int     `json:"draft_reviews"`
	// Nonconformities found by completed or running audits of the standard, and how many of
	// them no corrective action answers.
	Nonconformities int `json:"nonconformities"`
	Unanswered      int `json:"unanswered"`
	// Corrective actions concerning the standard: those of its audits' findings and those
	// raised outside audits, which concern the shared management system.
	ActionsOpen      int `json:"actions_open"`
	ActionsOverdue   int `json:"actions_overdue"`
	ActionsUnchecked int `json:"actions_unchecked"`
	ActionsEffective int `json:"actions_effective"`
}

// Standing works out the programme's standing for the standard as of today.
func (p Programme) Standing(standard string, today string) Standing {
	st := Standing{Standard: standard}
	covering := map[string]bool{}
	answered := map[string]bool{}
	for _, c := range p.Actions {
		answered[c.AuditID+"/"+c.FindingID] = true
	}
	for i, a := range p.Audits {
		if !a.Covers(standard) {
			continue
		}
		covering[a.ID] = true
		switch a.Status {
		case Planned, InProgress:
			st.AuditsUnderway++
		case Completed:
			if st.LastAudit == nil || a.CompletedOn > st.LastAudit.CompletedOn {
				st.LastAudit = &p.Audits[i]
			}
		}
		if a.Status == Cancelled {
			continue
		}
		for _, f := range a.Findings {
			if f.Kind.Nonconformity() {
				st.Nonconformities++
				if !answered[a.ID+"/"+f.ID] {
					st.Unanswered++
				}
			}
		}
	}
	for _, c := range p.Actions {
		if c.AuditID != "" && !covering[c.AuditID] {
			continue
		}
		switch c.Status {
		case ActionOpen:
			st.ActionsOpen++
			if c.DueOn != "" && c.DueOn < today {
				st.ActionsOverdue++
			}
		case ActionImplemented:
			st.ActionsUnchecked++
		case ActionEffective:
			st.ActionsEffective++
		}
	}
	for i, r := range p.Reviews {
		if !r.Covers(standard) {
			continue
		}
		if r.Status == ReviewDraft {
			st.DraftReviews++
		} else if st.LastReview == nil || r.HeldOn > st.LastReview.HeldOn {
			st.LastReview = &p.Reviews[i]
		}
	}
	return st
}

// Verdict is a readiness finding on one part of the programme: met, partial or open, and why.
type Verdict struct {
	Status string
	Detail string
}

const (
	met     = "met"
	partial = "partial"
	open    = "open"
)

func withinCycle(date, today string) bool {
	d, err := time.Parse(time.DateOnly, date)
	t, err2 := time.Parse(time.DateOnly, today)
	return err == nil && err2 == nil && t.Sub(d) <= Cycle
}

// InternalAudit judges clause 9.2: a completed audit of the standard within the cycle.
func (st Standing) InternalAudit(today string) Verdict {
	switch {
	case st.LastAudit != nil && withinCycle(st.LastAudit.CompletedOn, today):
		return Verdict{met, fmt.Sprintf("audit %q completed on %s", st.LastAudit.Title, st.LastAudit.CompletedOn)}
	case st.LastAudit != nil:
		return Verdict{partial, fmt.Sprintf("the latest audit was completed on %s, more than a year ago", st.LastAudit.CompletedOn)}
	case st.AuditsUnderway > 0:
		return Verdict{partial, fmt.Sprintf("%d audits planned or in progress, none completed yet", st.AuditsUnderway)}
	}
	return Verdict{open, "no internal audit of this standard is recorded"}
}

// ManagementReview judges clause 9.3: approved minutes of a review of the standard within the cycle.
func (st Standing) ManagementReview(today string) Verdict {
	switch {
	case st.LastReview != nil && withinCycle(st.LastReview.HeldOn, today):
		return Verdict{met, fmt.Sprintf("management review %q held on %s, minutes approved", st.LastReview.Title, st.LastReview.HeldOn)}
	case st.LastReview != nil:
		return Verdict{partial, fmt.Sprintf("the latest approved management review was held on %s, more than a year ago", st.LastReview.HeldOn)}
	case st.DraftReviews > 0:
		return Verdict{partial, "a management review is recorded but its minutes are not approved"}
	}
	return Verdict{open, "no management review of this standard is recorded"}
}

// CorrectiveActions judges clause 10.2: every nonconformity answered by a corrective action,
// none overdue. Until an audit has been completed there is no evidence the process works.
func (st Standing) CorrectiveActions() Verdict {
	switch {
	case st.Unanswered > 0 || st.ActionsOverdue > 0:
		return Verdict{partial, fmt.Sprintf("%d of %d nonconformities without a corrective action; %d corrective actions overdue",
			st.Unanswered, st.Nonconformities, st.ActionsOverdue)}
	case st.LastAudit == nil && st.ActionsOpen+st.ActionsUnchecked+st.ActionsEffective == 0:
		return Verdict{open, "no audit completed and no corrective action recorded yet"}
	}
	return Verdict{met, fmt.Sprintf("%d nonconformities, each with a corrective action; %d open, %d awaiting an effectiveness check, %d effective, none overdue",
		st.Nonconformities, st.ActionsOpen, st.ActionsUnchecked, st.ActionsEffective)}
}
