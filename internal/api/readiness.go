package api

import (
	"time"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/readiness"
)

func (s *Server) readinessRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/api/v1/readiness/{catalog}", Tag: "Readiness", Summary: "Readiness for one standard per clause and Annex A control, explained item by item, from records only",
			Permission: auth.ReadRecords, Params: []Param{{Name: "catalog", In: "path", Description: "iso27001-2022 or iso42001-2023"}},
			Response: readiness.Report{}, Handle: s.readiness},
		{Method: "GET", Pattern: "/api/v1/readiness/carry-over", Tag: "Readiness", Summary: "How far ISO/IEC 27001 takes you: every ISO/IEC 42001 clause and control as carried over, needing an AI extension, or new work, with effort",
			Permission: auth.ReadRecords, Response: readiness.CarryOver{}, Handle: s.carryOver},
		{Method: "GET", Pattern: "/api/v1/dashboard", Tag: "Readiness", Summary: "The dashboard: readiness per standard, EU AI Act position and deadlines, risks, overdue work and inventory completeness",
			Permission: auth.ReadRecords, Response: readiness.Dashboard{}, Handle: s.dashboard},
	}
}

func (s *Server) readiness(c *Call) (any, error) {
	id := c.R.PathValue("catalog")
	lib := s.catalogs.Builtin()
	cat, ok := lib.Catalog(id)
	if !ok || (id != "iso27001-2022" && id != "iso42001-2023") {
		return nil, fault.NotFoundf("standard", id)
	}
	return readiness.ForStandard(c.R.Context(), s.db, c.Principal.OrgID, cat, lib, time.Now())
}

func (s *Server) carryOver(c *Call) (any, error) {
	return readiness.CarryOverFor(c.R.Context(), s.db, c.Principal.OrgID, s.catalogs.Builtin(), time.Now())
}

func (s *Server) dashboard(c *Call) (any, error) {
	return readiness.BuildDashboard(c.R.Context(), s.db, c.Principal.OrgID, s.catalogs.Builtin(), time.Now())
}
