package api

import (
	"net/http"
	"strconv"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/impact"
	"github.com/annexa-dev/annexa/internal/store"
)

// AssessmentPage is a page of impact assessment versions.
type AssessmentPage = store.Page[impact.Assessment]

// AssessmentVersions lists every version of one system's assessment, oldest first.
type AssessmentVersions struct {
	AISystemID string              `json:"ai_system_id"`
	Items      []impact.Assessment `json:"items"`
}

func (s *Server) impactRoutes() []Route {
	id := []Param{idParam("impact assessment version")}
	return []Route{
		{Method: "GET", Pattern: "/api/v1/impact-assessments", Tag: "Impact assessments", Summary: "AI system impact assessment versions, newest first, filtered",
			Permission: auth.ReadRecords, Params: append([]Param{
				{Name: "ai_system", In: "query", Description: "the assessed AI system's id"},
				{Name: "status", In: "query", Description: "draft, in_review, approved or superseded"},
				{Name: "due", In: "query", Type: "boolean", Description: "only approved versions whose re-assessment is (or is not) due"},
			}, pageParams...), Response: AssessmentPage{}, Handle: s.listAssessments},
		{Method: "POST", Pattern: "/api/v1/impact-assessments", Tag: "Impact assessments", Summary: "Start an AI system's impact assessment (version 1, a draft filled in from the register)",
			Permission: auth.ManageAssessments, Request: impact.NewAssessment{}, Response: impact.Assessment{}, Status: http.StatusCreated, Conditional: true, Handle: s.createAssessment},
		{Method: "GET", Pattern: "/api/v1/impact-assessments/{id}", Tag: "Impact assessments", Summary: "One version of an impact assessment",
			Permission: auth.ReadRecords, Params: id, Response: impact.Assessment{}, Conditional: true, Handle: s.getAssessment},
		{Method: "PATCH", Pattern: "/api/v1/impact-assessments/{id}", Tag: "Impact assessments", Summary: "Change a draft; versions in review, approved or superseded are refused (409)",
			Permission: auth.ManageAssessments, Params: id, Request: impact.Input{}, Response: impact.Assessment{}, Conditional: true, Handle: s.patchAssessment},
		{Method: "POST", Pattern: "/api/v1/impact-assessments/{id}/submit", Tag: "Impact assessments", Summary: "Submit a draft for review; 422 names every required field still empty",
			Permission: auth.ManageAssessments, Params: id, Response: impact.Assessment{}, Conditional: true, Handle: s.submitAssessment},
		{Method: "POST", Pattern: "/api/v1/impact-assessments/{id}/approve", Tag: "Impact assessments", Summary: "Approve a version in review; the approver must not be its submitter",
			Permission: auth.ApproveAssessments, Params: id, Request: impact.Decision{}, Response: impact.Assessment{}, Conditional: true, Handle: s.approveAssessment},
		{Method: "POST", Pattern: "/api/v1/impact-assessments/{id}/return", Tag: "Impact assessments", Summary: "Return a version in review to draft, with a comment saying what to change",
			Permission: auth.ApproveAssessments, Params: id, Request: impact.Decision{}, Response: impact.Assessment{}, Conditional: true, Handle: s.returnAssessment},
		{Method: "POST", Pattern: "/api/v1/impact-assessments/{id}/new-version", Tag: "Impact assessments", Summary: "Start the next version as a draft copy of the approved version",
			Permission: auth.ManageAssessments, Params: id, Response: impact.Assessment{}, Status: http.StatusCreated, Conditional: true, Handle: s.newAssessmentVersion},
		{Method: "GET", Pattern: "/api/v1/impact-assessments/{id}/versions", Tag: "Impact assessments", Summary: "Every version of the assessment, oldest first",
			Permission: auth.ReadRecords, Params: id, Response: AssessmentVersions{}, Handle: s.assessmentVersions},
		{Method: "GET", Pattern: "/api/v1/impact-assessments/{id}/diff", Tag: "Impact assessments", Summary: "Compare two versions field by field",
			Permission: auth.ReadRecords, Params: append(id,
				Param{Name: "from", In: "query", Type: "integer", Description: "the earlier version number (default: the one before to)"},
				Param{Name: "to", In: "query", Type: "integer", Description: "the later version number (default: this version's)"}),
			Response: impact.Comparison{}, Handle: s.diffAssessments},
		{Method: "POST", Pattern: "/api/v1/impact-assessments/{id}/raise-risks", Tag: "Impact assessments",
			Summary:    "Raise a risk in the register for each effect of the approved version that needs treatment; effects raised before are answered, not raised again (409 unless approved)",
			Permission: auth.ManageRisks, Params: id, Response: impact.RaiseResult{}, Handle: s.raiseAssessmentRisks},
	}
}

func (s *Server) listAssessments(c *Call) (any, error) {
	page, err := c.Page()
	if err != nil {
		return nil, err
	}
	q := c.R.URL.Query()
	f := impact.Filter{SystemID: q.Get("ai_system"), Status: impact.Status(q.Get("status"))}
	if v := q.Get("due"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields",
				Fields: []fault.FieldError{{Field: "due", Message: "must be true or false"}}}
		}
		f.Due = &b
	}
	return s.db.Assessments(c.R.Context(), c.Principal.OrgID, f, page)
}

// mayAssess refuses an AI system owner the assessment of a system someone else owns.
func (s *Server) mayAssess(c *Call, systemID string) error {
	if c.Principal.Role != auth.AISystemOwner {
		return nil
	}
	sys, err := s.db.System(c.R.Context(), c.Principal.OrgID, systemID)
	if err != nil {
		return err
	}
	if sys.OwnerID != c.Principal.UserID {
		return fault.New(fault.Forbidden, "as an AI system owner you may assess only the systems you own")
	}
	return nil
}

// ownAssessment reads the version named in the path and checks the caller may change it.
func (s *Server) ownAssessment(c *Call) (impact.Assessment, error) {
	a, err := s.db.Assessment(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
	if err != nil {
		return a, err
	}
	return a, s.mayAssess(c, a.SystemID)
}

func (s *Server) createAssessment(c *Call) (any, error) {
	var in impact.NewAssessment
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	if in.SystemID != "" {
		if err := s.mayAssess(c, in.SystemID); err != nil && !fault.Is(err, fault.NotFound) {
			return nil, err
		}
	}
	return s.db.CreateAssessment(c.R.Context(), c.Principal.OrgID, in, c.Actor())
}

func (s *Server) getAssessment(c *Call) (any, error) {
	return s.db.Assessment(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
}

func (s *Server) patchAssessment(c *Call) (any, error) {
	var in impact.Input
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	a, err := s.ownAssessment(c)
	if err != nil {
		return nil, err
	}
	return s.db.UpdateAssessment(c.R.Context(), c.Principal.OrgID, a.ID, in, ifv, c.Actor())
}

func (s *Server) submitAssessment(c *Call) (any, error) {
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	a, err := s.ownAssessment(c)
	if err != nil {
		return nil, err
	}
	return s.db.SubmitAssessment(c.R.Context(), c.Principal.OrgID, a.ID, ifv, c.Actor())
}

func (s *Server) decide(c *Call, fn func(id string, d impact.Decision, ifv *int64) (impact.Assessment, error)) (any, error) {
	var d impact.Decision
	if err := c.Decode(&d); err != nil {
		return nil, err
	}
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	return fn(c.R.PathValue("id"), d, ifv)
}

func (s *Server) approveAssessment(c *Call) (any, error) {
	return s.decide(c, func(id string, d impact.Decision, ifv *int64) (impact.Assessment, error) {
		return s.db.ApproveAssessment(c.R.Context(), c.Principal.OrgID, id, d, ifv, c.Actor())
	})
}

func (s *Server) returnAssessment(c *Call) (any, error) {
	return s.decide(c, func(id string, d impact.Decision, ifv *int64) (impact.Assessment, error) {
		return s.db.ReturnAssessment(c.R.Context(), c.Principal.OrgID, id, d, ifv, c.Actor())
	})
}

func (s *Server) newAssessmentVersion(c *Call) (any, error) {
	a, err := s.ownAssessment(c)
	if err != nil {
		return nil, err
	}
	return s.db.NewAssessmentVersion(c.R.Context(), c.Principal.OrgID, a.ID, c.Actor())
}

func (s *Server) assessmentVersions(c *Call) (any, error) {
	vs, err := s.db.AssessmentVersions(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return AssessmentVersions{AISystemID: vs[0].SystemID, Items: vs}, nil
}

func (s *Server) diffAssessments(c *Call) (any, error) {
	q := c.R.URL.Query()
	var v fault.Validation
	num := func(name string) int {
		raw := q.Get(name)
		if raw == "" {
			return 0
		}
		n, err := strconv.Atoi(raw)
		v.Check(err != nil || n < 1, name, "must be a version number (1, 2, …)")
		return n
	}
	from, to := num("from"), num("to")
	if err := v.Err(); err != nil {
		return nil, err
	}
	return s.db.CompareAssessments(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), from, to)
}

// raiseAssessmentRisks needs risks:write; an AI system owner raises only from assessments of
// systems they own, as with every risk they register.
func (s *Server) raiseAssessmentRisks(c *Call) (any, error) {
	a, err := s.ownAssessment(c)
	if err != nil {
		return nil, err
	}
	return s.db.RaiseAssessmentRisks(c.R.Context(), c.Principal.OrgID, a.ID, c.Actor())
}
