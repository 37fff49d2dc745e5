package api

import (
	"net/http"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/org"
)

// The interested parties register (clause 4.2 of both standards).

// PartyList lists the organisation's interested parties by name.
type PartyList struct {
	Items []org.Party `json:"items"`
}

func (s *Server) partyRoutes() []Route {
	id := []Param{idParam("interested party")}
	return []Route{
		{Method: "GET", Pattern: "/api/v1/interested-parties", Tag: "Organisation", Summary: "The interested parties of the management systems (4.2), by name",
			Permission: auth.ReadRecords, Response: PartyList{}, Handle: s.listParties},
		{Method: "POST", Pattern: "/api/v1/interested-parties", Tag: "Organisation",
			Summary:    "Record an interested party: who, which management systems it matters to, its needs and expectations, and whether the management system addresses them (a 'no' says why)",
			Permission: auth.EditOrganisation, Request: org.PartyInput{}, Response: org.Party{}, Status: http.StatusCreated, Conditional: true, Handle: s.createParty},
		{Method: "GET", Pattern: "/api/v1/interested-parties/{id}", Tag: "Organisation", Summary: "One interested party",
			Permission: auth.ReadRecords, Params: id, Response: org.Party{}, Conditional: true, Handle: s.getParty},
		{Method: "PATCH", Pattern: "/api/v1/interested-parties/{id}", Tag: "Organisation", Summary: "Change an interested party; undecided takes a decision back",
			Permission: auth.EditOrganisation, Params: id, Request: org.PartyInput{}, Response: org.Party{}, Conditional: true, Handle: s.patchParty},
		{Method: "DELETE", Pattern: "/api/v1/interested-parties/{id}", Tag: "Organisation", Summary: "Remove an interested party (its history stays in the audit trail)",
			Permission: auth.EditOrganisation, Params: id, Status: http.StatusNoContent, Handle: s.deleteParty},
	}
}

func (s *Server) listParties(c *Call) (any, error) {
	ps, err := s.db.Parties(c.R.Context(), c.Principal.OrgID)
	return PartyList{Items: ps}, err
}

func (s *Server) createParty(c *Call) (any, error) {
	var in org.PartyInput
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	return s.db.CreateParty(c.R.Context(), c.Principal.OrgID, in, c.Actor())
}

func (s *Server) getParty(c *Call) (any, error) {
	return s.db.Party(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
}

func (s *Server) patchParty(c *Call) (any, error) {
	var in org.PartyInput
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	return s.db.UpdateParty(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), in, ifv, c.Actor())
}

func (s *Server) deleteParty(c *Call) (any, error) {
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	return nil, s.db.DeleteParty(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), ifv, c.Actor())
}
