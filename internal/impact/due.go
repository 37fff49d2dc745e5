package impact

import (
	"fmt"
	"time"

	"github.com/annexa-dev/annexa/internal/risk"
)

// DueReassessment is the due list's kind for an approved assessment to assess again.
const DueReassessment risk.DueKind = "impact_assessment_review"

// DueItem is the approved version a as an item of the risk register's due list, owned by the
// AI system's owner, as of today with the list's horizon (both YYYY-MM-DD). It is on the list
// when a reason is recorded — a material change, a risk or an alert: due now, and overdue,
// since the version in force no longer describes the system — or when its next-review date
// has passed or falls on or before horizon. ok is false when it is not on the list.
func DueItem(a Assessment, systemName, ownerID, today, horizon string) (risk.DueItem, bool) {
	if a.Status != Approved {
		return risk.DueItem{}, false
	}
	it := risk.DueItem{Kind: DueReassessment, RecordType: "impact_assessment", RecordID: a.ID, OwnerID: ownerID,
		Title: fmt.Sprintf("Impact assessment of %s, version %d", systemName, a.Number), Href: "/impact-assessments/" + a.ID}
	var recorded []DueReason
	for _, r := range a.DueReasons {
		if r.Source != DueOnDate {
			recorded = append(recorded, r)
		}
	}
	switch {
	case len(recorded) > 0:
		first := recorded[0]
		for _, r := range recorded[1:] {
			if r.At.Before(first.At) {
				first = r
			}
		}
		it.Due, it.Overdue = first.At.UTC().Format(time.DateOnly), true
		it.Detail = first.Reason
		if n := len(recorded) - 1; n > 0 {
			it.Detail += fmt.Sprintf(" (and %d more reason(s))", n)
		}
		if a.NextReview != "" && a.NextReview < it.Due {
			it.Due = a.NextReview
		}
	case a.NextReview != "" && a.NextReview <= horizon:
		it.Due, it.Overdue = a.NextReview, a.NextReview < today
		it.Detail = "next review date"
	default:
		return risk.DueItem{}, false
	}
	return it, true
}
