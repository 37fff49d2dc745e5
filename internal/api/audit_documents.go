package api

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/audit"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/readiness"
	"github.com/annexa-dev/annexa/internal/report"
	"github.com/annexa-dev/annexa/internal/store"
)

// The audit programme's documents: the internal audit report and the management review
// minutes as PDF, and the pack of facts for the next review.

func (s *Server) auditDocumentRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/api/v1/audits/{id}/report", Tag: "Audits",
			Summary:    "The internal audit report as PDF: plan, scope, lead auditor, conclusion, every finding with the requirement's title, and the corrective action answering each nonconformity; marked a draft until the audit is completed",
			Permission: auth.ReadRecords, Params: []Param{idParam("audit")}, Produces: []string{"application/pdf"}, Handle: s.auditReport},
		{Method: "GET", Pattern: "/api/v1/management-reviews/{id}/minutes", Tag: "Management reviews",
			Summary:    "The minutes as PDF: attendees, what was considered on every input topic, decisions with owners and dates, and the approval (or that they are a draft)",
			Permission: auth.ReadRecords, Params: []Param{idParam("management review")}, Produces: []string{"application/pdf"}, Handle: s.reviewMinutes},
		{Method: "GET", Pattern: "/api/v1/audits/{id}/checklist", Tag: "Audits",
			Summary:    "Every requirement in the audit's scope (the leaf clauses of Clauses 4–10, or the Annex A controls), whether it was examined and how many findings name it",
			Permission: auth.ReadRecords, Params: []Param{idParam("audit")}, Response: AuditChecklist{}, Handle: s.auditChecklist},
		{Method: "POST", Pattern: "/api/v1/audits/{id}/examined", Tag: "Audits",
			Summary:    "Mark requirements on the checklist of an audit in progress as examined (or take the mark off); each must be in the audit's scope",
			Permission: auth.ManageAudits, Params: []Param{idParam("audit")}, Request: audit.Examination{}, Response: audit.Audit{}, Conditional: true, Handle: s.examineRequirements},
		{Method: "GET", Pattern: "/api/v1/audit-programme/{catalog}/coverage", Tag: "Audits",
			Summary:    "How much of the standard the completed audits of the three-year certification cycle examined: clauses and Annex A controls (less those the SoA excludes), and what no audit has examined yet",
			Permission: auth.ReadRecords, Params: []Param{{Name: "catalog", In: "path", Description: "iso27001-2022 or iso42001-2023"}}, Response: audit.Coverage{}, Handle: s.auditCoverage},
		{Method: "GET", Pattern: "/api/v1/management-reviews/pack", Tag: "Management reviews",
			Summary:    "What the records say on each input topic since the last approved review (or over a year): previous decisions, EU AI Act dates ahead, nonconformities and corrective actions, audit results, readiness, evidence, assessments, risks, improvement opportunities",
			Permission: auth.ReadRecords, Params: []Param{
				{Name: "standards", In: "query", Description: "comma-separated: iso27001-2022, iso42001-2023 (both when absent)"},
				{Name: "since", In: "query", Description: "YYYY-MM-DD; the last approved review's date when absent, or a year ago without one"},
			}, Response: readiness.ReviewPack{}, Handle: s.reviewPack},
	}
}

// AuditChecklist is an audit's checklist.
type AuditChecklist struct {
	AuditID string                `json:"audit_id"`
	Items   []audit.ChecklistItem `json:"items"`
}

func (s *Server) auditChecklist(c *Call) (any, error) {
	a, err := s.db.Audit(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
	if err != nil {
		return nil, err
	}
	items := a.Checklist(s.catalogs.Builtin())
	if items == nil {
		items = []audit.ChecklistItem{}
	}
	return AuditChecklist{AuditID: a.ID, Items: items}, nil
}

func (s *Server) examineRequirements(c *Call) (any, error) {
	var e audit.Examination
	if err := c.Decode(&e); err != nil {
		return nil, err
	}
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	return s.db.ExamineRequirements(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), e, s.catalogs.Builtin(), ifv, c.Actor())
}

// AuditCoverage works out the programme's coverage of a standard, leaving out the Annex A
// controls the organisation's Statement of Applicability excludes.
func AuditCoverage(ctx context.Context, db *store.DB, lib *catalog.Library, orgID, standard string) (audit.Coverage, error) {
	cat, ok := lib.Catalog(standard)
	if !ok || !slices.Contains(audit.Standards, standard) {
		return audit.Coverage{}, fault.NotFoundf("standard", standard)
	}
	p, err := db.AuditProgramme(ctx, orgID)
	if err != nil {
		return audit.Coverage{}, err
	}
	decisions, err := db.SoADecisions(ctx, orgID, standard)
	if err != nil {
		return audit.Coverage{}, err
	}
	excluded := map[string]bool{}
	for id, d := range decisions {
		excluded[id] = !d.Applicable
	}
	return p.Coverage(cat, excluded, time.Now()), nil
}

func (s *Server) auditCoverage(c *Call) (any, error) {
	return AuditCoverage(c.R.Context(), s.db, s.catalogs.Builtin(), c.Principal.OrgID, c.R.PathValue("catalog"))
}

// PeopleNames prints the organisation's people by user id: their name, or their address when
// no name is recorded; someone no longer in the organisation prints as such, not as an id.
func PeopleNames(ctx context.Context, db *store.DB, orgID string) (audit.Names, error) {
	byID := map[string]string{}
	page := store.PageRequest{Limit: store.MaxLimit}
	for {
		pg, err := db.Members(ctx, orgID, page)
		if err != nil {
			return nil, err
		}
		for _, m := range pg.Items {
			byID[m.ID] = m.Email
			if m.Name != "" {
				byID[m.ID] = m.Name
			}
		}
		if pg.NextCursor == "" {
			break
		}
		page.Cursor = pg.NextCursor
	}
	return func(id string) string {
		if id == "" {
			return ""
		}
		if n, ok := byID[id]; ok {
			return n
		}
		return "a former member"
	}, nil
}

// documentParties reads whom every document names: the organisation and its people.
func documentParties(ctx context.Context, db *store.DB, orgID string) (string, audit.Names, error) {
	o, err := db.Organisation(ctx, orgID)
	if err != nil {
		return "", nil, err
	}
	names, err := PeopleNames(ctx, db, orgID)
	return o.Name, names, err
}

// AuditReport renders an audit's report.
func AuditReport(ctx context.Context, db *store.DB, lib *catalog.Library, orgID, id string) (*Download, error) {
	a, err := db.Audit(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	actions, err := db.CorrectiveActions(ctx, orgID, audit.ActionFilter{AuditID: id}, store.PageRequest{Limit: store.MaxLimit})
	if err != nil {
		return nil, err
	}
	organisation, names, err := documentParties(ctx, db, orgID)
	if err != nil {
		return nil, err
	}
	data, err := report.PDF(audit.ReportDocument(a, actions.Items, organisation, lib, names, a.UpdatedAt))
	if err != nil {
		return nil, err
	}
	return &Download{Name: fileName("audit-report", a.Title, a.PlannedStart), ContentType: "application/pdf", Data: data, ETag: fmt.Sprintf(`"a%d"`, a.Version)}, nil
}

// ReviewMinutes renders a management review's minutes.
func ReviewMinutes(ctx context.Context, db *store.DB, orgID, id string) (*Download, error) {
	r, err := db.ManagementReview(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	organisation, names, err := documentParties(ctx, db, orgID)
	if err != nil {
		return nil, err
	}
	d, err := audit.MinutesDocument(r, organisation, names, r.UpdatedAt)
	if err != nil {
		return nil, err
	}
	data, err := report.PDF(d)
	if err != nil {
		return nil, err
	}
	return &Download{Name: fileName("management-review", r.Title, r.HeldOn), ContentType: "application/pdf", Data: data, ETag: fmt.Sprintf(`"r%d"`, r.Version)}, nil
}

// fileName makes a safe download name from a record's title: lowercase letters, digits and dashes.
func fileName(kind, title, date string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	slug := strings.Trim(b.String(), "-")
	if len(slug) > 60 {
		slug = strings.Trim(slug[:60], "-")
	}
	return strings.Trim(kind+"-"+date+"-"+slug, "-") + ".pdf"
}

func (s *Server) auditReport(c *Call) (any, error) {
	return AuditReport(c.R.Context(), s.db, s.catalogs.Builtin(), c.Principal.OrgID, c.R.PathValue("id"))
}

func (s *Server) reviewMinutes(c *Call) (any, error) {
	return ReviewMinutes(c.R.Context(), s.db, c.Principal.OrgID, c.R.PathValue("id"))
}

func (s *Server) reviewPack(c *Call) (any, error) {
	q := c.R.URL.Query()
	standards := audit.Standards
	if v := strings.TrimSpace(q.Get("standards")); v != "" {
		standards = strings.Split(v, ",")
	}
	return readiness.BuildReviewPack(c.R.Context(), s.db, c.Principal.OrgID, s.catalogs.Builtin(), time.Now(), standards, q.Get("since"))
}
