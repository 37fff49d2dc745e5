package api

import (
	"bytes"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/risk"
	"github.com/annexa-dev/annexa/internal/store"
)

// RiskPage is a page of the risk register.
type RiskPage = store.Page[risk.Risk]

// RiskHistory is a risk's scores over time.
type RiskHistory struct {
	RiskID string             `json:"risk_id"`
	Scores []risk.ScoreRecord `json:"scores"`
}

// AcceptRequest is a person's acceptance of a risk.
type AcceptRequest struct {
	Reason string `json:"reason"`
}

// RiskCategories lists the built-in and the organisation's own categories.
type RiskCategories struct {
	Items []risk.Category `json:"items"`
}

// RiskSuggestions lists the risks suggested for an AI system.
type RiskSuggestions struct {
	SystemID string            `json:"system_id"`
	Items    []risk.Suggestion `json:"items"`
}

// DueList is the work due in the next 30 days, or overdue.
type DueList struct {
	Today   string         `json:"today"`
	Horizon string         `json:"horizon"`
	Items   []risk.DueItem `json:"items"`
}

var riskFilterParams = []Param{
	{Name: "q", In: "query", Description: "words in the title"},
	{Name: "category", In: "query", Description: "a category id, e.g. bias_fairness; see /api/v1/risk-categories"},
	{Name: "level", In: "query", Description: "the effective level id (residual when assessed), e.g. high"},
	{Name: "owner", In: "query", Description: "the owning person's user id"},
	{Name: "ai_system", In: "query", Description: "an affected AI system's id"},
	{Name: "status", In: "query", Description: "open, in_treatment, accepted or closed"},
	{Name: "overdue", In: "query", Type: "boolean", Description: "only risks with a review or open action past its date (or none)"},
	{Name: "likelihood", In: "query", Type: "integer", Description: "with impact: one cell of the heat map"},
	{Name: "impact", In: "query", Type: "integer", Description: "with likelihood: one cell of the heat map"},
	{Name: "residual", In: "query", Type: "boolean", Description: "the cell is a residual one"},
}

func (s *Server) riskRoutes() []Route {
	id := []Param{idParam("risk")}
	sysTemplate := []Param{idParam("AI system"), {Name: "template", In: "path", Description: "the suggestion's template id"}}
	return []Route{
		{Method: "GET", Pattern: "/api/v1/risks", Tag: "Risks", Summary: "The risk register, filtered and sorted",
			Permission: auth.ReadRecords, Params: append(append(slices.Clone(riskFilterParams),
				Param{Name: "sort", In: "query", Description: "title (default), score (highest first), due (soonest first) or updated (newest first)"}),
				pageParams...), Response: RiskPage{}, Handle: s.listRisks},
		{Method: "POST", Pattern: "/api/v1/risks", Tag: "Risks", Summary: "Register a risk; the minimum is title, category, likelihood and impact",
			Permission: auth.ManageRisks, Request: risk.Input{}, Response: risk.Risk{}, Status: http.StatusCreated, Conditional: true, Handle: s.createRisk},
		{Method: "GET", Pattern: "/api/v1/risks/heatmap", Tag: "Risks", Summary: "Inherent and residual risk counts per likelihood × impact cell, with level and colour",
			Permission: auth.ReadRecords, Params: riskFilterParams, Response: risk.HeatMap{}, Handle: s.riskHeatMap},
		{Method: "GET", Pattern: "/api/v1/risks/due", Tag: "Risks", Summary: "Risk reviews, treatment actions and impact assessment re-assessments overdue or due in the next 30 days, by owner; kind says which",
			Permission: auth.ReadRecords, Params: []Param{{Name: "owner", In: "query", Description: "only this person's items"}}, Response: DueList{}, Handle: s.dueRisks},
		{Method: "GET", Pattern: "/api/v1/risks/export", Tag: "Risks", Summary: "Export the register (filtered like the list) as CSV or XLSX: a header row of field names, owners by e-mail",
			Permission: auth.ReadRecords, Params: append([]Param{{Name: "format", In: "query", Description: "csv (default) or xlsx"}}, riskFilterParams...),
			Produces: []string{"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}, Handle: s.exportRisks},
		{Method: "POST", Pattern: "/api/v1/risks/import", Tag: "Risks",
			Summary:    "Import risks from CSV or XLSX in one transaction: rows with an id update that risk, others create one; any bad row refuses the file with a 422 naming rows[<line>].<column>",
			Permission: auth.ConfigureRiskMethod, Params: []Param{
				{Name: "format", In: "query", Description: "csv or xlsx; by default from the content type or the file name"},
				{Name: "dry_run", In: "query", Type: "boolean", Description: "check and report; change nothing"},
			}, Upload: "text/csv", Response: risk.ImportSummary{}, Handle: s.importRisks},
		{Method: "GET", Pattern: "/api/v1/risks/{id}", Tag: "Risks", Summary: "One risk",
			Permission: auth.ReadRecords, Params: id, Response: risk.Risk{}, Conditional: true, Handle: s.getRisk},
		{Method: "PATCH", Pattern: "/api/v1/risks/{id}", Tag: "Risks", Summary: "Change a risk; send If-Match to refuse a stale edit. A change of level withdraws an acceptance",
			Permission: auth.ManageRisks, Params: id, Request: risk.Input{}, Response: risk.Risk{}, Conditional: true, Handle: s.patchRisk},
		{Method: "DELETE", Pattern: "/api/v1/risks/{id}", Tag: "Risks", Summary: "Remove a risk (its history stays in the audit trail)",
			Permission: auth.ManageRisks, Params: id, Status: http.StatusNoContent, Handle: s.deleteRisk},
		{Method: "GET", Pattern: "/api/v1/risks/{id}/history", Tag: "Risks", Summary: "The risk's inherent and residual scores over time",
			Permission: auth.ReadRecords, Params: id, Response: RiskHistory{}, Handle: s.riskHistory},
		{Method: "POST", Pattern: "/api/v1/risks/{id}/accept", Tag: "Risks", Summary: "Accept the risk at its level, if the acceptance criteria allow your role; 403 naming role otherwise",
			Permission: auth.ManageRisks, Params: id, Request: AcceptRequest{}, Response: risk.Risk{}, Conditional: true, Handle: s.acceptRisk},
		{Method: "GET", Pattern: "/api/v1/risk-method", Tag: "Risks", Summary: "The organisation's risk method: matrix, levels, acceptance criteria and review cadence",
			Permission: auth.ReadRecords, Response: risk.Method{}, Conditional: true, Handle: s.getRiskMethod},
		{Method: "PUT", Pattern: "/api/v1/risk-method", Tag: "Risks", Summary: "Replace the risk method; every risk is re-scored on it and the count is returned and audited",
			Permission: auth.ConfigureRiskMethod, Request: risk.Method{}, Response: store.MethodChange{}, Conditional: true, Handle: s.putRiskMethod},
		{Method: "GET", Pattern: "/api/v1/risk-categories", Tag: "Risks", Summary: "The risk categories: built in, and the organisation's own",
			Permission: auth.ReadRecords, Response: RiskCategories{}, Handle: s.riskCategories},
		{Method: "POST", Pattern: "/api/v1/risk-categories", Tag: "Risks", Summary: "Add an organisation's own risk category (lowercase snake_case id)",
			Permission: auth.ConfigureRiskMethod, Request: risk.NewCategory{}, Response: risk.Category{}, Status: http.StatusCreated, Handle: s.createRiskCategory},
		{Method: "GET", Pattern: "/api/v1/ai-systems/{id}/risk-suggestions", Tag: "Risks", Summary: "Risks suggested for the AI system from its classification and facts, and what became of each",
			Permission: auth.ReadRecords, Params: []Param{idParam("AI system")}, Response: RiskSuggestions{}, Handle: s.riskSuggestions},
		{Method: "POST", Pattern: "/api/v1/ai-systems/{id}/risk-suggestions/{template}/accept", Tag: "Risks",
			Summary:    "Create a risk from a suggestion; the body's fields replace the suggested ones ({} keeps them)",
			Permission: auth.ManageRisks, Params: sysTemplate, Request: risk.Input{}, Response: risk.Risk{}, Status: http.StatusCreated, Handle: s.acceptSuggestion},
		{Method: "POST", Pattern: "/api/v1/ai-systems/{id}/risk-suggestions/{template}/discard", Tag: "Risks",
			Summary:    "Discard a suggestion for this system (remembered); restore=true offers it again",
			Permission: auth.ManageRisks, Params: append(sysTemplate, Param{Name: "restore", In: "query", Type: "boolean", Description: "offer the suggestion again"}),
			Response: risk.Suggestion{}, Handle: s.discardSuggestion},
	}
}

func riskFilter(q url.Values) (risk.Filter, error) {
	f := risk.Filter{Query: q.Get("q"), Category: q.Get("category"), Level: q.Get("level"), OwnerID: q.Get("owner"),
		AISystemID: q.Get("ai_system"), Status: risk.Status(q.Get("status")), Sort: q.Get("sort")}
	for name, dst := range map[string]*int{"likelihood": &f.Likelihood, "impact": &f.Impact} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return f, invalidField(name, "must be a whole number")
			}
			*dst = n
		}
	}
	f.Residual = q.Get("residual") == "true"
	if v := q.Get("overdue"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, invalidField("overdue", "must be true or false")
		}
		f.Overdue = &b
	}
	return f, f.Validate()
}

func (s *Server) listRisks(c *Call) (any, error) {
	page, err := c.Page()
	if err != nil {
		return nil, err
	}
	f, err := riskFilter(c.R.URL.Query())
	if err != nil {
		return nil, err
	}
	return s.db.Risks(c.R.Context(), c.Principal.OrgID, f, page)
}

// ownsSystems refuses an AI system owner a risk unless it names AI systems and they own them all.
func (s *Server) ownsSystems(c *Call, ids []string) error {
	p := c.Principal
	if p.Role != auth.AISystemOwner {
		return nil
	}
	if len(ids) == 0 {
		return fault.New(fault.Forbidden, "as an AI system owner you may change only risks of AI systems you own; name them in ai_system_ids")
	}
	for _, id := range ids {
		sys, err := s.db.System(c.R.Context(), p.OrgID, id)
		if fault.Is(err, fault.NotFound) {
			return invalidField("ai_system_ids", "names an AI system that does not exist in this organisation: "+id)
		}
		if err != nil {
			return err
		}
		if sys.OwnerID != p.UserID {
			return fault.New(fault.Forbidden, "as an AI system owner you may change only risks of AI systems you own; you do not own %s", sys.Name)
		}
	}
	return nil
}

func (s *Server) createRisk(c *Call) (any, error) {
	var in risk.Input
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	var ids []string
	if in.AISystemIDs != nil {
		ids = *in.AISystemIDs
	}
	if err := s.ownsSystems(c, ids); err != nil {
		return nil, err
	}
	if in.OwnerID == nil {
		self := c.Principal.UserID
		in.OwnerID = &self
	}
	return s.db.CreateRisk(c.R.Context(), c.Principal.OrgID, in, c.Actor())
}

func (s *Server) getRisk(c *Call) (any, error) {
	return s.db.Risk(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
}

// changeableRisk reads the risk and refuses an AI system owner one whose systems they do not own.
func (s *Server) changeableRisk(c *Call) (risk.Risk, error) {
	r, err := s.db.Risk(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
	if err != nil {
		return r, err
	}
	return r, s.ownsSystems(c, r.AISystemIDs)
}

func (s *Server) patchRisk(c *Call) (any, error) {
	var in risk.Input
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	r, err := s.changeableRisk(c)
	if err != nil {
		return nil, err
	}
	if in.AISystemIDs != nil {
		if err := s.ownsSystems(c, *in.AISystemIDs); err != nil {
			return nil, err
		}
	}
	return s.db.UpdateRisk(c.R.Context(), c.Principal.OrgID, r.ID, in, ifv, c.Actor())
}

func (s *Server) deleteRisk(c *Call) (any, error) {
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	r, err := s.changeableRisk(c)
	if err != nil {
		return nil, err
	}
	return nil, s.db.DeleteRisk(c.R.Context(), c.Principal.OrgID, r.ID, ifv, c.Actor())
}

func (s *Server) riskHistory(c *Call) (any, error) {
	r, err := s.db.Risk(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
	if err != nil {
		return nil, err
	}
	h, err := s.db.RiskHistory(c.R.Context(), c.Principal.OrgID, r.ID)
	if err != nil {
		return nil, err
	}
	return RiskHistory{RiskID: r.ID, Scores: h}, nil
}

func (s *Server) acceptRisk(c *Call) (any, error) {
	var req AcceptRequest
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	r, err := s.changeableRisk(c)
	if err != nil {
		return nil, err
	}
	return s.db.AcceptRisk(c.R.Context(), c.Principal.OrgID, r.ID, c.Principal, req.Reason, ifv, c.Actor())
}

func (s *Server) riskHeatMap(c *Call) (any, error) {
	f, err := riskFilter(c.R.URL.Query())
	if err != nil {
		return nil, err
	}
	return s.db.RiskHeatMap(c.R.Context(), c.Principal.OrgID, f)
}

func (s *Server) dueRisks(c *Call) (any, error) {
	now := time.Now().UTC()
	today, horizon := risk.Today(now), risk.Today(now.Add(risk.DueWindow))
	rs, err := s.db.DueRisks(c.R.Context(), c.Principal.OrgID, horizon)
	if err != nil {
		return nil, err
	}
	reassess, err := s.db.AssessmentDueItems(c.R.Context(), c.Principal.OrgID, today, horizon)
	if err != nil {
		return nil, err
	}
	all := append(risk.DueItems(rs, today, horizon), reassess...)
	risk.SortDue(all)
	items := []risk.DueItem{}
	owner := c.R.URL.Query().Get("owner")
	for _, it := range all {
		if owner == "" || it.OwnerID == owner {
			items = append(items, it)
		}
	}
	return DueList{Today: today, Horizon: horizon, Items: items}, nil
}

func (s *Server) exportRisks(c *Call) (any, error) {
	q := c.R.URL.Query()
	format := risk.Format(strings.ToLower(q.Get("format")))
	if format == "" {
		format = risk.CSV
	}
	if format != risk.CSV && format != risk.XLSX {
		return nil, invalidField("format", "must be csv or xlsx")
	}
	f, err := riskFilter(q)
	if err != nil {
		return nil, err
	}
	ctx := c.R.Context()
	rs, err := s.db.AllRisks(ctx, c.Principal.OrgID, f)
	if err != nil {
		return nil, err
	}
	emails, err := s.db.OrgEmails(ctx, c.Principal.OrgID)
	if err != nil {
		return nil, err
	}
	email := func(id string) string { return emails[id] }
	var b bytes.Buffer
	if format == risk.XLSX {
		err = risk.WriteXLSX(&b, rs, email)
	} else {
		err = risk.WriteCSV(&b, rs, email)
	}
	if err != nil {
		return nil, fault.Wrap(err, "export the risk register")
	}
	return &Download{ContentType: format.MediaType(), Name: "risks-" + time.Now().UTC().Format("2006-01-02") + "." + string(format), Data: b.Bytes()}, nil
}

func (s *Server) importRisks(c *Call) (any, error) {
	q := c.R.URL.Query()
	dry := false
	if v := q.Get("dry_run"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, invalidField("dry_run", "must be true or false")
		}
		dry = b
	}
	name, data, err := readUpload(c.W, c.R, risk.MaxImportBytes)
	if err != nil {
		return nil, err
	}
	format := risk.Format(strings.ToLower(q.Get("format")))
	if format == "" {
		mt, _, _ := mime.ParseMediaType(c.R.Header.Get("Content-Type"))
		switch {
		case strings.HasSuffix(strings.ToLower(name), ".xlsx"), mt == risk.XLSX.MediaType(), bytes.HasPrefix(data, []byte("PK\x03\x04")):
			format = risk.XLSX
		default:
			format = risk.CSV
		}
	}
	var rows []risk.Row
	switch format {
	case risk.CSV:
		rows, err = risk.ReadCSV(bytes.NewReader(data))
	case risk.XLSX:
		rows, err = risk.ReadXLSX(bytes.NewReader(data))
	default:
		return nil, invalidField("format", "must be csv or xlsx")
	}
	if err != nil {
		return nil, err
	}
	return s.db.ImportRisks(c.R.Context(), c.Principal.OrgID, rows, dry, c.Actor())
}

func (s *Server) getRiskMethod(c *Call) (any, error) {
	return s.db.RiskMethod(c.R.Context(), c.Principal.OrgID)
}

func (s *Server) putRiskMethod(c *Call) (any, error) {
	var m risk.Method
	if err := c.Decode(&m); err != nil {
		return nil, err
	}
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	return s.db.SetRiskMethod(c.R.Context(), c.Principal.OrgID, m, ifv, c.Actor())
}

func (s *Server) riskCategories(c *Call) (any, error) {
	cs, err := s.db.RiskCategories(c.R.Context(), c.Principal.OrgID)
	if err != nil {
		return nil, err
	}
	return RiskCategories{Items: cs}, nil
}

func (s *Server) createRiskCategory(c *Call) (any, error) {
	var n risk.NewCategory
	if err := c.Decode(&n); err != nil {
		return nil, err
	}
	return s.db.CreateRiskCategory(c.R.Context(), c.Principal.OrgID, n, c.Actor())
}

func (s *Server) riskSuggestions(c *Call) (any, error) {
	id := c.R.PathValue("id")
	items, err := s.db.RiskSuggestions(c.R.Context(), c.Principal.OrgID, id)
	if err != nil {
		return nil, err
	}
	return RiskSuggestions{SystemID: id, Items: items}, nil
}

// ownSystem refuses an AI system owner a system they do not own; 404 for another organisation's.
func (s *Server) ownSystem(c *Call) (string, error) {
	sys, err := s.db.System(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
	if err != nil {
		return "", err
	}
	if c.Principal.Role == auth.AISystemOwner && sys.OwnerID != c.Principal.UserID {
		return "", fault.New(fault.Forbidden, "as an AI system owner you may act only on the suggestions of systems you own")
	}
	return sys.ID, nil
}

func (s *Server) acceptSuggestion(c *Call) (any, error) {
	var edits risk.Input
	if err := c.Decode(&edits); err != nil {
		return nil, err
	}
	id, err := s.ownSystem(c)
	if err != nil {
		return nil, err
	}
	if edits.AISystemIDs != nil {
		if err := s.ownsSystems(c, *edits.AISystemIDs); err != nil {
			return nil, err
		}
	}
	if edits.OwnerID == nil {
		self := c.Principal.UserID
		edits.OwnerID = &self
	}
	return s.db.AcceptSuggestion(c.R.Context(), c.Principal.OrgID, id, c.R.PathValue("template"), edits, c.Actor())
}

func (s *Server) discardSuggestion(c *Call) (any, error) {
	restore := false
	if v := c.R.URL.Query().Get("restore"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, invalidField("restore", "must be true or false")
		}
		restore = b
	}
	id, err := s.ownSystem(c)
	if err != nil {
		return nil, err
	}
	return s.db.DiscardSuggestion(c.R.Context(), c.Principal.OrgID, id, c.R.PathValue("template"), restore, c.Actor())
}
