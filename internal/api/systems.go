package api

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/store"
)

// SystemPage is a page of the AI system register.
type SystemPage = store.Page[inventory.System]

// SummaryPage is a page of register summaries.
type SummaryPage = store.Page[inventory.SystemSummary]

// Classification is a system's EU AI Act position: the classification as of today (dates of
// obligations move with the law), when its facts were last classified, and every earlier
// classification.
type Classification struct {
	SystemID     string                           `json:"system_id"`
	Current      aiact.Result                     `json:"current"`
	ClassifiedAt *time.Time                       `json:"classified_at"`
	OpenPoints   []string                         `json:"open_points"`
	History      []inventory.ClassificationRecord `json:"history"`
}

func (s *Server) systemRoutes() []Route {
	id := []Param{idParam("AI system")}
	return []Route{
		{Method: "GET", Pattern: "/api/v1/ai-systems", Tag: "AI systems", Summary: "The AI system register, by name, filtered",
			Permission: auth.ReadRecords, Params: slices.Concat(filterParams, pageParams), Response: SystemPage{}, Handle: s.listSystems},
		{Method: "GET", Pattern: "/api/v1/ai-systems/summary", Tag: "AI systems", Summary: "The register as light summaries (no classification detail, facts or models), for long lists",
			Permission: auth.ReadRecords, Params: slices.Concat(filterParams, pageParams), Response: SummaryPage{}, Handle: s.listSummaries},
		{Method: "POST", Pattern: "/api/v1/ai-systems", Tag: "AI systems", Summary: "Register an AI system; only a name is required, the record shows what is still unknown",
			Permission: auth.ManageInventory, Request: inventory.Input{}, Response: inventory.System{}, Status: http.StatusCreated, Conditional: true, Handle: s.createSystem},
		{Method: "GET", Pattern: "/api/v1/ai-systems/{id}", Tag: "AI systems", Summary: "One AI system with its classification and review state",
			Permission: auth.ReadRecords, Params: id, Response: inventory.System{}, Conditional: true, Handle: s.getSystem},
		{Method: "PATCH", Pattern: "/api/v1/ai-systems/{id}", Tag: "AI systems", Summary: "Change an AI system; it is reclassified, and a material change marks it due for review",
			Permission: auth.ManageInventory, Params: id, Request: inventory.Input{}, Response: inventory.System{}, Conditional: true, Handle: s.patchSystem},
		{Method: "DELETE", Pattern: "/api/v1/ai-systems/{id}", Tag: "AI systems", Summary: "Remove an AI system from the register (its history stays in the audit trail)",
			Permission: auth.ManageInventory, Params: id, Status: http.StatusNoContent, Handle: s.deleteSystem},
		{Method: "GET", Pattern: "/api/v1/ai-systems/{id}/classification", Tag: "AI systems", Summary: "The system's EU AI Act classification as of today, with its history",
			Permission: auth.ReadRecords, Params: id, Response: Classification{}, Handle: s.systemClassification},
		{Method: "GET", Pattern: "/api/v1/ai-systems/{id}/applicable", Tag: "AI systems", Summary: "What applies to the system: EU AI Act obligations and the ISO/IEC 42001 clauses and controls it calls for, each with why",
			Permission: auth.ReadRecords, Params: id, Response: inventory.Applicability{}, Handle: s.systemApplicable},
	}
}

// filterParams are the register's filters, shared by the list, the summaries and the export.
var filterParams = []Param{
	{Name: "q", In: "query", Description: "words in the name, purpose, vendor, business unit or models"},
	{Name: "tier", In: "query", Description: "EU AI Act tier: prohibited, high, limited, minimal, out_of_scope"},
	{Name: "role", In: "query", Description: "the organisation's EU AI Act role: provider, deployer, importer, distributor, …"},
	{Name: "lifecycle_stage", In: "query", Description: "inception, design_and_development, …, retirement"},
	{Name: "owner", In: "query", Description: "the owning person's user id"},
	{Name: "vendor", In: "query", Description: "vendor name, any case"},
	{Name: "sourcing", In: "query", Description: "internal, third_party or embedded_in_product"},
	{Name: "review_due", In: "query", Type: "boolean", Description: "only systems whose review is (or is not) due"},
	{Name: "unknown", In: "query", Description: "only systems missing this: owner, role or classification"},
}

func systemFilter(q url.Values) (inventory.Filter, error) {
	f := inventory.Filter{Query: q.Get("q"), Tier: aiact.Tier(q.Get("tier")), Role: aiact.Role(q.Get("role")),
		LifecycleStage: inventory.LifecycleStage(q.Get("lifecycle_stage")), OwnerID: q.Get("owner"), Vendor: q.Get("vendor"),
		Sourcing: inventory.Sourcing(q.Get("sourcing")), Unknown: q.Get("unknown")}
	if v := q.Get("review_due"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields",
				Fields: []fault.FieldError{{Field: "review_due", Message: "must be true or false"}}}
		}
		f.ReviewDue = &b
	}
	return f, nil
}

func (s *Server) listSystems(c *Call) (any, error) {
	page, err := c.Page()
	if err != nil {
		return nil, err
	}
	f, err := systemFilter(c.R.URL.Query())
	if err != nil {
		return nil, err
	}
	return s.db.Systems(c.R.Context(), c.Principal.OrgID, f, page)
}

func (s *Server) listSummaries(c *Call) (any, error) {
	page, err := c.Page()
	if err != nil {
		return nil, err
	}
	f, err := systemFilter(c.R.URL.Query())
	if err != nil {
		return nil, err
	}
	return s.db.SystemSummaries(c.R.Context(), c.Principal.OrgID, f, page)
}

// mayChange refuses an AI system owner a system someone else owns.
func mayChange(p auth.Principal, sys inventory.System) error {
	if p.Role == auth.AISystemOwner && sys.OwnerID != p.UserID {
		return fault.New(fault.Forbidden, "as an AI system owner you may change only the systems you own")
	}
	return nil
}

func (s *Server) createSystem(c *Call) (any, error) {
	var in inventory.Input
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	if c.Principal.Role == auth.AISystemOwner {
		switch {
		case in.OwnerID == nil:
			self := c.Principal.UserID
			in.OwnerID = &self
		case *in.OwnerID != c.Principal.UserID:
			return nil, fault.New(fault.Forbidden, "as an AI system owner you may register systems only with yourself as owner")
		}
	}
	return s.db.CreateSystem(c.R.Context(), c.Principal.OrgID, in, c.Actor())
}

func (s *Server) getSystem(c *Call) (any, error) {
	return s.db.System(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
}

func (s *Server) patchSystem(c *Call) (any, error) {
	var in inventory.Input
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	sys, err := s.db.System(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if err := mayChange(c.Principal, sys); err != nil {
		return nil, err
	}
	return s.db.UpdateSystem(c.R.Context(), c.Principal.OrgID, sys.ID, in, ifv, c.Actor())
}

func (s *Server) deleteSystem(c *Call) (any, error) {
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	sys, err := s.db.System(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if err := mayChange(c.Principal, sys); err != nil {
		return nil, err
	}
	return nil, s.db.DeleteSystem(c.R.Context(), c.Principal.OrgID, sys.ID, ifv, c.Actor())
}

func (s *Server) systemClassification(c *Call) (any, error) {
	ctx := c.R.Context()
	sys, err := s.db.System(ctx, c.Principal.OrgID, c.R.PathValue("id"))
	if err != nil {
		return nil, err
	}
	current, err := aiact.Classify(sys.Facts, time.Now().UTC())
	if err != nil {
		return nil, err
	}
	hist, err := s.db.ClassificationHistory(ctx, c.Principal.OrgID, sys.ID)
	if err != nil {
		return nil, err
	}
	return Classification{SystemID: sys.ID, Current: current, ClassifiedAt: sys.ClassifiedAt, OpenPoints: sys.OpenPoints, History: hist}, nil
}

func (s *Server) systemApplicable(c *Call) (any, error) {
	sys, err := s.db.System(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
	if err != nil {
		return nil, err
	}
	rules, err := inventory.DefaultRules()
	if err != nil {
		return nil, fault.Wrap(err, "load applicability rules")
	}
	return rules.Applicable(sys, s.catalogs.Builtin()), nil
}
