package readiness

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/audit"
	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/risk"
)

// ReviewPack is what the records say on each management review input topic (clause 9.3.2),
// since the last approved review or over the last year, so the people preparing the minutes
// start from facts. The minutes stay theirs to write: a topic the records cannot speak to
// (feedback from interested parties) has no facts, and the pack never fills the minutes.
type ReviewPack struct {
	AsOf  time.Time `json:"as_of"`
	Since string    `json:"since"`
	// SinceReview is the title of the approved review the pack starts from, empty when none.
	SinceReview string `json:"since_review"`
	// Topics maps each topic id to its facts, one sentence each; every topic is present.
	Topics map[string][]string `json:"topics"`
}

// BuildReviewPack gathers the pack for the standards the review will cover. since, when set
// (YYYY-MM-DD), overrides the start.
func BuildReviewPack(ctx context.Context, src DashboardSource, orgID string, lib *catalog.Library, now time.Time, standards []string, since string) (ReviewPack, error) {
	for _, s := range standards {
		if s != audit.ISO27001 && s != audit.ISO42001 {
			return ReviewPack{}, &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields",
				Fields: []fault.FieldError{{Field: "standards", Message: fmt.Sprintf("%q is not %s or %s", s, audit.ISO27001, audit.ISO42001)}}}
		}
	}
	if since != "" && !risk.ValidDate(since) {
		return ReviewPack{}, &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields",
			Fields: []fault.FieldError{{Field: "since", Message: "must be a date written YYYY-MM-DD"}}}
	}
	topics, err := audit.Topics()
	if err != nil {
		return ReviewPack{}, err
	}
	mem := remember(src)
	d, err := BuildDashboard(ctx, mem, orgID, lib, now)
	if err != nil {
		return ReviewPack{}, err
	}
	prog, err := mem.AuditProgramme(ctx, orgID)
	if err != nil {
		return ReviewPack{}, err
	}
	today := now.UTC().Format(time.DateOnly)
	covers := func(ids []string) bool {
		for _, s := range standards {
			for _, id := range ids {
				if id == s {
					return true
				}
			}
		}
		return false
	}
	p := ReviewPack{AsOf: now.UTC(), Topics: map[string][]string{}}
	for _, t := range topics {
		p.Topics[t.ID] = []string{}
	}
	add := func(topic, format string, args ...any) {
		p.Topics[topic] = append(p.Topics[topic], fmt.Sprintf(format, args...))
	}

	var last *audit.Review
	for i, r := range prog.Reviews {
		if r.Status == audit.ReviewApproved && covers(r.Standards) && r.HeldOn <= today && (last == nil || r.HeldOn > last.HeldOn) {
			last = &prog.Reviews[i]
		}
	}
	switch {
	case since != "":
		p.Since = since
	case last != nil:
		p.Since, p.SinceReview = last.HeldOn, last.Title
	default:
		p.Since = now.UTC().AddDate(-1, 0, 0).Format(time.DateOnly)
	}

	if last != nil {
		done, late := 0, 0
		for _, x := range last.Decisions {
			switch {
			case x.DoneOn != "":
				done++
			case x.Due != "" && x.Due < today:
				late++
			}
		}
		add("previous_actions", "The review %q of %s decided %d actions: %d done, %d open past their due date.", last.Title, last.HeldOn, len(last.Decisions), done, late)
		for _, x := range last.Decisions {
			state := "open, due " + nonEmpty(x.Due, "without a date")
			if x.DoneOn != "" {
				state = "done on " + x.DoneOn
			}
			add("previous_actions", "Decided: %s (%s).", x.Text, state)
		}
	}

	ps, err := mem.Parties(ctx, orgID)
	if err != nil {
		return ReviewPack{}, err
	}
	var changed []string
	open := 0
	for _, party := range ps {
		if !covers(party.Standards) {
			continue
		}
		if !party.Decided() {
			open++
		}
		if party.UpdatedAt.UTC().Format(time.DateOnly) >= p.Since {
			changed = append(changed, party.Name)
		}
	}
	if len(changed) > 0 {
		add("interested_parties", "Interested parties added or changed since %s: %s.", p.Since, strings.Join(changed, "; "))
	}
	if open > 0 {
		add("interested_parties", "%d interested parties still lack their requirements or a decision on whether the management system addresses them.", open)
	}
	for _, dl := range d.AIAct.Upcoming {
		if dl.DaysLeft <= 365 {
			add("external_internal_issues", "EU AI Act: %s applies on %s, in %d days (%s); %d of the organisation's AI systems are concerned.",
				dl.Title, dl.Date.Format(time.DateOnly), dl.DaysLeft, dl.Status, dl.Systems)
		}
	}
	if d.Inventory.Total > 0 {
		add("external_internal_issues", "%d AI systems are registered; %d are due for review after a material change.", d.Inventory.Total, d.Inventory.ReviewDue)
	}

	var majors, minors int
	var results, improvements []string
	for _, a := range prog.Audits {
		// An audit's findings belong to the period it was completed in, or to now while it runs.
		recent := a.Status == audit.InProgress || (a.Status == audit.Completed && a.CompletedOn >= p.Since)
		if !covers(a.Standards) || !recent {
			continue
		}
		for _, f := range a.Findings {
			switch f.Kind {
			case audit.MajorNonconformity:
				majors++
			case audit.MinorNonconformity:
				minors++
			case audit.Opportunity:
				improvements = append(improvements, fmt.Sprintf("From %q: %s (%s).", a.Title, f.Statement, f.Requirement))
			}
		}
		if a.Status == audit.Completed {
			results = append(results, fmt.Sprintf("%s, completed %s: %s", a.Title, a.CompletedOn, nonEmpty(a.Conclusion, "no conclusion recorded")))
		}
	}
	add("nonconformities", "%d major and %d minor nonconformities found by audits completed since %s or under way.", majors, minors, p.Since)
	for _, s := range standards {
		st := prog.Standing(s, today)
		add("nonconformities", "%s: %d nonconformities without a corrective action; corrective actions %d open (%d overdue), %d awaiting an effectiveness check, %d effective.",
			s, st.Unanswered, st.ActionsOpen, st.ActionsOverdue, st.ActionsUnchecked, st.ActionsEffective)
	}
	for _, r := range results {
		add("audit_results", "%s", r)
	}
	if len(results) == 0 {
		add("audit_results", "No internal audit of these standards was completed since %s.", p.Since)
	}
	for _, s := range d.Readiness {
		if covers([]string{s.Catalog}) {
			add("objectives", "%s: %.0f%% ready for certification (%d items met, %d partly met, %d open).", s.Title, s.Percent, s.Met, s.Partial, s.Open)
		}
	}

	add("monitoring", "Evidence: %d items, %d expired, %d expiring within 30 days.", d.Evidence.Total, d.Evidence.Expired, d.Evidence.Expiring)
	add("monitoring", "Impact assessments: %d AI systems approved, %d assessments due for re-assessment, %d in review, %d drafts.",
		d.Assessments.SystemsApproved, d.Assessments.Due, d.Assessments.InReview, d.Assessments.Drafts)
	ms := d.Monitoring
	if ms.Metrics > 0 {
		add("monitoring", "AI systems in operation: %d metrics watched on %d AI systems; %d alerts open and %d acknowledged, not yet resolved.",
			ms.Metrics, ms.SystemsMonitored, ms.OpenAlerts, ms.AcknowledgedAlerts)
	} else {
		add("monitoring", "No AI system has monitoring metrics recorded in Annexa.")
	}

	rs := d.Risks
	add("risk", "%d information-security risks (%d needing treatment without one) and %d AI risks (%d needing treatment without one); %d risk reviews overdue.",
		rs.Security, rs.SecurityUntreated, rs.AI, rs.AIUntreated, rs.ReviewsOverdue)
	if len(d.TopRisks) > 0 {
		top := make([]string, len(d.TopRisks))
		for i, r := range d.TopRisks {
			top[i] = fmt.Sprintf("%s (%s, %d)", r.Title, r.EffectiveLevel, r.EffectiveScore())
		}
		add("risk", "Highest open risks: %s.", strings.Join(top, "; "))
	}
	for _, s := range improvements {
		add("improvement", "%s", s)
	}
	return p, nil
}

func nonEmpty(s, fallback string) string {
	if strings.TrimSpace(s) == "" {
		return fallback
	}
	return s
}
