package api

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/annexa-dev/annexa/internal/audit"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/store"
)

// The audit programme: internal audits and their findings (9.2), corrective actions (10.2)
// and management reviews (9.3).

// Page types of these routes, named for the document.
type (
	AuditPage            = store.Page[audit.Audit]
	CorrectiveActionPage = store.Page[audit.CorrectiveAction]
	ReviewPage           = store.Page[audit.Review]
)

// ReviewTopicList lists the inputs a management review considers, in the order of clause 9.3.2.
type ReviewTopicList struct {
	Items []audit.Topic `json:"items"`
}

func (s *Server) auditRoutes() []Route {
	auditID := []Param{idParam("audit")}
	actionID := []Param{idParam("corrective action")}
	reviewID := []Param{idParam("management review")}
	return []Route{
		{Method: "GET", Pattern: "/api/v1/audits", Tag: "Audits", Summary: "The internal audit programme, latest planned start first",
			Permission: auth.ReadRecords, Params: append([]Param{
				{Name: "status", In: "query", Description: "planned, in_progress, completed or cancelled; underway for planned and in progress"},
				{Name: "standard", In: "query", Description: "only audits covering iso27001-2022 or iso42001-2023"},
			}, pageParams...), Response: AuditPage{}, Handle: s.listAudits},
		{Method: "POST", Pattern: "/api/v1/audits", Tag: "Audits",
			Summary:    "Plan an internal audit: a management-system audit of Clauses 4–10 of one or both standards, or an Annex A audit of one standard's controls",
			Permission: auth.ManageAudits, Request: audit.Input{}, Response: audit.Audit{}, Status: http.StatusCreated, Conditional: true, Handle: s.createAudit},
		{Method: "GET", Pattern: "/api/v1/audits/{id}", Tag: "Audits", Summary: "One audit with its findings",
			Permission: auth.ReadRecords, Params: auditID, Response: audit.Audit{}, Conditional: true, Handle: s.getAudit},
		{Method: "PATCH", Pattern: "/api/v1/audits/{id}", Tag: "Audits",
			Summary:    "Change an audit or move it on (planned → in_progress → completed, or cancelled); completing needs a conclusion and completed_on, and a completed or cancelled audit no longer changes",
			Permission: auth.ManageAudits, Params: auditID, Request: audit.Input{}, Response: audit.Audit{}, Conditional: true, Handle: s.patchAudit},
		{Method: "DELETE", Pattern: "/api/v1/audits/{id}", Tag: "Audits", Summary: "Remove a planned or cancelled audit; a started audit is a record and stays",
			Permission: auth.ManageAudits, Params: auditID, Status: http.StatusNoContent, Handle: s.deleteAudit},
		{Method: "POST", Pattern: "/api/v1/audits/{id}/findings", Tag: "Audits",
			Summary:    "Record a finding while the audit is in progress; it names a clause (management-system audit) or an Annex A control (Annex A audit) of a standard the audit covers. Answers the whole audit",
			Permission: auth.ManageAudits, Params: auditID, Request: audit.NewFinding{}, Response: audit.Audit{}, Status: http.StatusCreated, Conditional: true, Handle: s.addFinding},
		{Method: "DELETE", Pattern: "/api/v1/audits/{id}/findings/{finding}", Tag: "Audits",
			Summary:    "Withdraw a finding recorded in error, while the audit is in progress and no corrective action answers it. Answers the whole audit",
			Permission: auth.ManageAudits, Params: append(slices.Clone(auditID), Param{Name: "finding", In: "path", Description: "the finding's id"}),
			Response: audit.Audit{}, Conditional: true, Handle: s.deleteFinding},

		{Method: "GET", Pattern: "/api/v1/corrective-actions", Tag: "Corrective actions", Summary: "Corrective actions, soonest due first",
			Permission: auth.ReadRecords, Params: append([]Param{
				{Name: "status", In: "query", Description: "open, implemented or effective"},
				{Name: "audit_id", In: "query", Description: "only the actions answering findings of this audit"},
				{Name: "standard", In: "query", Description: "iso27001-2022 or iso42001-2023: the actions of its audits' findings and those raised outside audits"},
				{Name: "overdue", In: "query", Type: "boolean", Description: "true: only open actions past their due date; false or absent: all"},
			}, pageParams...), Response: CorrectiveActionPage{}, Handle: s.listCorrectiveActions},
		{Method: "POST", Pattern: "/api/v1/corrective-actions", Tag: "Corrective actions",
			Summary:    "Record a nonconformity and what will be done about it; one found by an audit names the audit and its finding, which must be a nonconformity, not an observation",
			Permission: auth.ManageCorrectiveActions, Request: audit.ActionInput{}, Response: audit.CorrectiveAction{}, Status: http.StatusCreated, Conditional: true, Handle: s.createCorrectiveAction},
		{Method: "GET", Pattern: "/api/v1/corrective-actions/{id}", Tag: "Corrective actions", Summary: "One corrective action with its effectiveness checks",
			Permission: auth.ReadRecords, Params: actionID, Response: audit.CorrectiveAction{}, Conditional: true, Handle: s.getCorrectiveAction},
		{Method: "PATCH", Pattern: "/api/v1/corrective-actions/{id}", Tag: "Corrective actions",
			Summary:    "Change a corrective action; it counts as implemented only with its root cause found and every action done, and one checked effective no longer changes",
			Permission: auth.ManageCorrectiveActions, Params: actionID, Request: audit.ActionInput{}, Response: audit.CorrectiveAction{}, Conditional: true, Handle: s.patchCorrectiveAction},
		{Method: "DELETE", Pattern: "/api/v1/corrective-actions/{id}", Tag: "Corrective actions", Summary: "Remove an open corrective action never checked; one implemented or checked is a record and stays",
			Permission: auth.ManageCorrectiveActions, Params: actionID, Status: http.StatusNoContent, Handle: s.deleteCorrectiveAction},
		{Method: "POST", Pattern: "/api/v1/corrective-actions/{id}/verify", Tag: "Corrective actions",
			Summary:    "Check an implemented corrective action's effectiveness as the caller, who must not be its owner: effective closes it, not effective (with a note saying why) reopens it",
			Permission: auth.ManageAudits, Params: actionID, Request: audit.Check{}, Response: audit.CorrectiveAction{}, Conditional: true, Handle: s.verifyCorrectiveAction},

		{Method: "GET", Pattern: "/api/v1/management-reviews", Tag: "Management reviews", Summary: "Management reviews, latest held first",
			Permission: auth.ReadRecords, Params: pageParams, Response: ReviewPage{}, Handle: s.listManagementReviews},
		{Method: "POST", Pattern: "/api/v1/management-reviews", Tag: "Management reviews", Summary: "Start the minutes of a management review, as a draft",
			Permission: auth.ManageReviews, Request: audit.ReviewInput{}, Response: audit.Review{}, Status: http.StatusCreated, Conditional: true, Handle: s.createManagementReview},
		{Method: "GET", Pattern: "/api/v1/management-reviews/topics", Tag: "Management reviews", Summary: "The input topics a review considers (clause 9.3.2): the keys of a review's inputs",
			Permission: auth.ReadRecords, Response: ReviewTopicList{}, Handle: s.reviewTopics},
		{Method: "GET", Pattern: "/api/v1/management-reviews/{id}", Tag: "Management reviews", Summary: "One management review's minutes",
			Permission: auth.ReadRecords, Params: reviewID, Response: audit.Review{}, Conditional: true, Handle: s.getManagementReview},
		{Method: "PATCH", Pattern: "/api/v1/management-reviews/{id}", Tag: "Management reviews", Summary: "Change draft minutes; approved minutes no longer change",
			Permission: auth.ManageReviews, Params: reviewID, Request: audit.ReviewInput{}, Response: audit.Review{}, Conditional: true, Handle: s.patchManagementReview},
		{Method: "DELETE", Pattern: "/api/v1/management-reviews/{id}", Tag: "Management reviews", Summary: "Remove draft minutes; approved ones are a record and stay",
			Permission: auth.ManageReviews, Params: reviewID, Status: http.StatusNoContent, Handle: s.deleteManagementReview},
		{Method: "POST", Pattern: "/api/v1/management-reviews/{id}/decisions/{decision}", Tag: "Management reviews",
			Summary:    "Follow up a decision of approved minutes: the date it was carried out, or empty for not yet; the minutes themselves do not change",
			Permission: auth.ManageReviews, Params: append(slices.Clone(reviewID), Param{Name: "decision", In: "path", Description: "the decision's id"}),
			Request: audit.DecisionProgress{}, Response: audit.Review{}, Conditional: true, Handle: s.followUpDecision},
		{Method: "POST", Pattern: "/api/v1/management-reviews/{id}/approve", Tag: "Management reviews",
			Summary:    "Approve the minutes as the caller (top management), once complete: held, attended, every input topic considered and at least one decision",
			Permission: auth.ApproveReviews, Params: reviewID, Response: audit.Review{}, Conditional: true, Handle: s.approveManagementReview},

		{Method: "GET", Pattern: "/api/v1/audit-programme/{catalog}", Tag: "Audits",
			Summary:    "Where the audit programme stands for one standard: the last completed audit and approved review, audits underway, nonconformities without a corrective action, and corrective actions by status",
			Permission: auth.ReadRecords, Params: []Param{{Name: "catalog", In: "path", Description: "iso27001-2022 or iso42001-2023"}},
			Response: audit.Standing{}, Handle: s.auditStanding},
	}
}

func (s *Server) listAudits(c *Call) (any, error) {
	page, err := c.Page()
	if err != nil {
		return nil, err
	}
	q := c.R.URL.Query()
	f := audit.ParseStatusFilter(q.Get("status"))
	f.Standard = q.Get("standard")
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return s.db.Audits(c.R.Context(), c.Principal.OrgID, f, page)
}

func (s *Server) createAudit(c *Call) (any, error) {
	var in audit.Input
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	return s.db.CreateAudit(c.R.Context(), c.Principal.OrgID, in, c.Actor())
}

func (s *Server) getAudit(c *Call) (any, error) {
	return s.db.Audit(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
}

func (s *Server) patchAudit(c *Call) (any, error) {
	var in audit.Input
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	return s.db.UpdateAudit(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), in, ifv, c.Actor())
}

func (s *Server) deleteAudit(c *Call) (any, error) {
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	return nil, s.db.DeleteAudit(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), ifv, c.Actor())
}

func (s *Server) addFinding(c *Call) (any, error) {
	var nf audit.NewFinding
	if err := c.Decode(&nf); err != nil {
		return nil, err
	}
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	// The organisation's view, not the built-in library: a finding's requirement is checked
	// against the catalogs this organisation sees, as control links are.
	v, err := s.view(c)
	if err != nil {
		return nil, err
	}
	a, _, err := s.db.AddFinding(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), nf, v, ifv, c.Actor())
	if err != nil {
		return nil, err
	}
	return a, nil
}

func (s *Server) deleteFinding(c *Call) (any, error) {
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	return s.db.DeleteFinding(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), c.R.PathValue("finding"), ifv, c.Actor())
}

func (s *Server) listCorrectiveActions(c *Call) (any, error) {
	page, err := c.Page()
	if err != nil {
		return nil, err
	}
	q := c.R.URL.Query()
	f := audit.ActionFilter{Status: audit.ActionStatus(q.Get("status")), AuditID: q.Get("audit_id"), Standard: q.Get("standard")}
	if v := q.Get("overdue"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, invalidField("overdue", "must be true or false")
		}
		f.Overdue = b
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return s.db.CorrectiveActions(c.R.Context(), c.Principal.OrgID, f, page)
}

func (s *Server) createCorrectiveAction(c *Call) (any, error) {
	var in audit.ActionInput
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	return s.db.CreateCorrectiveAction(c.R.Context(), c.Principal.OrgID, in, c.Actor())
}

func (s *Server) getCorrectiveAction(c *Call) (any, error) {
	return s.db.CorrectiveAction(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
}

func (s *Server) patchCorrectiveAction(c *Call) (any, error) {
	var in audit.ActionInput
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	return s.db.UpdateCorrectiveAction(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), in, ifv, c.Actor())
}

func (s *Server) deleteCorrectiveAction(c *Call) (any, error) {
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	return nil, s.db.DeleteCorrectiveAction(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), ifv, c.Actor())
}

func (s *Server) verifyCorrectiveAction(c *Call) (any, error) {
	var chk audit.Check
	if err := c.Decode(&chk); err != nil {
		return nil, err
	}
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	// The verifier is whoever calls, never a name in the body: the four-eyes rule (not the
	// owner) is only worth something if the record says who really checked.
	return s.db.VerifyCorrectiveAction(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), chk, c.Principal, ifv, c.Actor())
}

func (s *Server) listManagementReviews(c *Call) (any, error) {
	page, err := c.Page()
	if err != nil {
		return nil, err
	}
	return s.db.ManagementReviews(c.R.Context(), c.Principal.OrgID, page)
}

func (s *Server) createManagementReview(c *Call) (any, error) {
	var in audit.ReviewInput
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	return s.db.CreateManagementReview(c.R.Context(), c.Principal.OrgID, in, c.Actor())
}

func (s *Server) reviewTopics(c *Call) (any, error) {
	ts, err := audit.Topics()
	if err != nil {
		return nil, fault.Wrap(err, "review input topics")
	}
	return ReviewTopicList{Items: ts}, nil
}

func (s *Server) getManagementReview(c *Call) (any, error) {
	return s.db.ManagementReview(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
}

func (s *Server) patchManagementReview(c *Call) (any, error) {
	var in audit.ReviewInput
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	return s.db.UpdateManagementReview(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), in, ifv, c.Actor())
}

func (s *Server) deleteManagementReview(c *Call) (any, error) {
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	return nil, s.db.DeleteManagementReview(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), ifv, c.Actor())
}

func (s *Server) approveManagementReview(c *Call) (any, error) {
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	return s.db.ApproveManagementReview(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), c.Principal, ifv, c.Actor())
}

func (s *Server) followUpDecision(c *Call) (any, error) {
	var p audit.DecisionProgress
	if err := c.Decode(&p); err != nil {
		return nil, err
	}
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	return s.db.FollowUpDecision(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), c.R.PathValue("decision"), p, ifv, c.Actor())
}

func (s *Server) auditStanding(c *Call) (any, error) {
	id := c.R.PathValue("catalog")
	if !slices.Contains(audit.Standards, id) {
		return nil, fault.NotFoundf("standard", id)
	}
	p, err := s.db.AuditProgramme(c.R.Context(), c.Principal.OrgID)
	if err != nil {
		return nil, err
	}
	return p.Standing(id, time.Now().UTC().Format(time.DateOnly)), nil
}
