package api

import (
	"context"
	"slices"
	"time"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/control"
	"github.com/annexa-dev/annexa/internal/evidence"
	"github.com/annexa-dev/annexa/internal/impact"
	"github.com/annexa-dev/annexa/internal/monitor"
	"github.com/annexa-dev/annexa/internal/report"
	"github.com/annexa-dev/annexa/internal/risk"
	"github.com/annexa-dev/annexa/internal/soa"
	"github.com/annexa-dev/annexa/internal/store"
	"github.com/annexa-dev/annexa/internal/techdoc"
)

// The technical documentation outline of an AI system (EU AI Act Art. 11, Annex IV).

func (s *Server) techdocRoutes() []Route {
	id := []Param{idParam("AI system")}
	return []Route{
		{Method: "GET", Pattern: "/api/v1/ai-systems/{id}/technical-documentation", Tag: "AI systems",
			Summary:    "The outline of the system's technical documentation under Art. 11 and Annex IV: for each of the nine points, what the records already say (the system, models, risks, impact assessment, monitoring, oversight, controls, evidence), whether that covers it in part or not at all, and what is still to write; and whether Art. 11 requires it of this organisation",
			Permission: auth.ReadRecords, Params: id, Response: techdoc.Outline{}, Handle: s.technicalDocumentation},
		{Method: "GET", Pattern: "/api/v1/ai-systems/{id}/technical-documentation/pdf", Tag: "AI systems",
			Summary:    "The same outline as a PDF document for the documentation file",
			Permission: auth.ReadRecords, Params: id, Produces: []string{"application/pdf"}, Handle: s.technicalDocumentationPDF},
	}
}

// TechnicalDocumentation gathers the system's records and outlines its documentation.
func TechnicalDocumentation(ctx context.Context, db *store.DB, orgID, systemID string, now time.Time) (techdoc.Outline, string, error) {
	sys, err := db.System(ctx, orgID, systemID)
	if err != nil {
		return techdoc.Outline{}, "", err
	}
	o, err := db.Organisation(ctx, orgID)
	if err != nil {
		return techdoc.Outline{}, "", err
	}
	rec := techdoc.Records{Organisation: o.Name, System: sys}
	approved, err := db.Assessments(ctx, orgID, impact.Filter{SystemID: sys.ID, Status: impact.Approved}, store.PageRequest{Limit: 1})
	if err != nil {
		return techdoc.Outline{}, "", err
	}
	if len(approved.Items) > 0 {
		rec.Assessment = &approved.Items[0]
	}
	if rec.Risks, err = db.AllRisks(ctx, orgID, risk.Filter{AISystemID: sys.ID}); err != nil {
		return techdoc.Outline{}, "", err
	}
	if rec.Metrics, err = db.Metrics(ctx, orgID, sys.ID); err != nil {
		return techdoc.Outline{}, "", err
	}
	alerts, err := db.Alerts(ctx, orgID, monitor.AlertFilter{SystemID: sys.ID}, store.PageRequest{Limit: store.MaxLimit})
	if err != nil {
		return techdoc.Outline{}, "", err
	}
	rec.Alerts = alerts.Items
	if rec.Oversight, err = db.Oversight(ctx, orgID, sys.ID, now.Add(-90*24*time.Hour)); err != nil {
		return techdoc.Outline{}, "", err
	}
	if rec.History, err = db.ClassificationHistory(ctx, orgID, sys.ID); err != nil {
		return techdoc.Outline{}, "", err
	}
	controls, err := db.AllControls(ctx, orgID)
	if err != nil {
		return techdoc.Outline{}, "", err
	}
	for _, c := range controls {
		if c.Counts() && slices.ContainsFunc(c.Links, func(l control.RequirementRef) bool { return l.Catalog == techdoc.EUAIActCatalog }) {
			rec.Controls = append(rec.Controls, c)
		}
	}
	attached, err := db.EvidenceFor(ctx, orgID, []evidence.Attachment{{RecordType: evidence.ToAISystem, RecordID: sys.ID}})
	if err != nil {
		return techdoc.Outline{}, "", err
	}
	rec.Evidence = attached[soa.EvidenceKey(evidence.ToAISystem, sys.ID)]
	out, err := techdoc.Build(rec, now)
	return out, o.Name, err
}

func (s *Server) technicalDocumentation(c *Call) (any, error) {
	o, _, err := TechnicalDocumentation(c.R.Context(), s.db, c.Principal.OrgID, c.R.PathValue("id"), time.Now())
	return o, err
}

func (s *Server) technicalDocumentationPDF(c *Call) (any, error) {
	o, org, err := TechnicalDocumentation(c.R.Context(), s.db, c.Principal.OrgID, c.R.PathValue("id"), time.Now())
	if err != nil {
		return nil, err
	}
	data, err := report.PDF(o.Document(org))
	if err != nil {
		return nil, err
	}
	return &Download{Name: fileName("technical-documentation", o.SystemName, o.AsOf.Format(time.DateOnly)), ContentType: "application/pdf", Data: data}, nil
}
