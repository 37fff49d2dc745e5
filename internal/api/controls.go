package api

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/control"
	"github.com/annexa-dev/annexa/internal/evidence"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/soa"
	"github.com/annexa-dev/annexa/internal/store"
)

// The control set, the Statements of Applicability and the evidence store.

// Page types of these routes, named for the document.
type (
	ControlPage  = store.Page[control.Control]
	EvidencePage = store.Page[evidence.Evidence]
)

// SoAView is a Statement of Applicability as it stands, with the organisation's rule on
// approval and the newest version.
type SoAView struct {
	soa.Statement
	FourEyes bool `json:"four_eyes"`
	// Latest is the newest version (without its table), nil before the first.
	Latest *soa.Version `json:"latest"`
	// LatestApproved is the newest approved version (without its table).
	LatestApproved *soa.Version `json:"latest_approved"`
}

// SoAVersionList lists a statement's versions.
type SoAVersionList struct {
	Items []soa.Version `json:"items"`
}

// SoADiff is what changed between two versions.
type SoADiff struct {
	Catalog string       `json:"catalog"`
	From    int64        `json:"from"`
	To      int64        `json:"to"`
	Changes []soa.Change `json:"changes"`
}

// ProposalsAccepted says how many proposals a person confirmed.
type ProposalsAccepted struct {
	Accepted int `json:"accepted"`
}

// EvidenceVersionList lists a piece of evidence's file versions, newest first.
type EvidenceVersionList struct {
	Items []evidence.FileVersion `json:"items"`
}

// SetEvidenceLimit sets the largest evidence file accepted (evidence.DefaultMaxBytes unless set).
func (s *Server) SetEvidenceLimit(n int64) { s.evidenceMax = n }

func (s *Server) evidenceLimit() int64 {
	if s.evidenceMax > 0 {
		return s.evidenceMax
	}
	return evidence.DefaultMaxBytes
}

func (s *Server) controlRoutes() []Route {
	id := []Param{idParam("control")}
	catP := Param{Name: "catalog", In: "path", Description: "the standard's catalog id: iso27001-2022 or iso42001-2023 (any catalog with controls)"}
	evID := []Param{idParam("evidence")}
	recordParams := []Param{
		{Name: "record_type", In: "query", Description: "control, requirement, risk, impact_assessment, ai_system or audit"},
		{Name: "record_id", In: "query", Description: "the record's id; for a requirement catalog:item, e.g. iso27001-2022:A.5.1"},
	}
	return []Route{
		{Method: "GET", Pattern: "/api/v1/controls", Tag: "Controls", Summary: "The organisation's control set, by title, filtered",
			Permission: auth.ReadRecords, Params: append([]Param{
				{Name: "q", In: "query", Description: "words in the title, reference or description"},
				{Name: "status", In: "query", Description: "not_started, planned, partial, implemented or not_applicable"},
				{Name: "owner", In: "query", Description: "the owning person's user id"},
				{Name: "generated", In: "query", Type: "boolean", Description: "only generated starter controls not yet taken on (or only the others)"},
				{Name: "catalog", In: "query", Description: "with item: only controls linked to this requirement"},
				{Name: "item", In: "query", Description: "with catalog: the requirement's id, e.g. A.5.19"},
			}, pageParams...), Response: ControlPage{}, Handle: s.listControls},
		{Method: "POST", Pattern: "/api/v1/controls", Tag: "Controls", Summary: "Add a control, linked to the requirements it satisfies in any catalog",
			Permission: auth.ManageControls, Request: control.Edit{}, Response: control.Control{}, Status: http.StatusCreated, Conditional: true, Handle: s.createControl},
		{Method: "POST", Pattern: "/api/v1/controls/generate", Tag: "Controls", Summary: "Generate one starter control per control of a catalog (its Annex A); starters count for nothing until a person takes them on",
			Permission: auth.ManageControls, Request: control.GenerateRequest{}, Response: control.GenerateResult{}, Handle: s.generateControls},
		{Method: "GET", Pattern: "/api/v1/controls/{id}", Tag: "Controls", Summary: "One control with its links",
			Permission: auth.ReadRecords, Params: id, Response: control.Control{}, Conditional: true, Handle: s.getControl},
		{Method: "PATCH", Pattern: "/api/v1/controls/{id}", Tag: "Controls", Summary: "Change a control; any change (or confirm) takes a generated starter on as the organisation's own",
			Permission: auth.ManageControls, Params: id, Request: control.Edit{}, Response: control.Control{}, Conditional: true, Handle: s.patchControl},
		{Method: "DELETE", Pattern: "/api/v1/controls/{id}", Tag: "Controls", Summary: "Remove a control (its history stays in the audit trail)",
			Permission: auth.ManageControls, Params: id, Status: http.StatusNoContent, Handle: s.deleteControl},
		{Method: "POST", Pattern: "/api/v1/controls/{id}/merge", Tag: "Controls", Summary: "Merge this control into another: links joined, evidence moved, this control removed",
			Permission: auth.ManageControls, Params: id, Request: control.MergeInto{}, Response: control.Control{}, Handle: s.mergeControl},

		{Method: "GET", Pattern: "/api/v1/soa/{catalog}", Tag: "Statement of Applicability", Summary: "The Statement of Applicability of a standard as it stands: every control with applicability, justification, implementing controls, status and evidence",
			Permission: auth.ReadRecords, Params: []Param{catP}, Response: SoAView{}, Handle: s.getSoA},
		{Method: "PUT", Pattern: "/api/v1/soa/{catalog}/entries/{item}", Tag: "Statement of Applicability", Summary: "Decide whether one control applies, with the justification (required for inclusion and exclusion)",
			Permission: auth.ManageControls, Params: []Param{catP, {Name: "item", In: "path", Description: "the control's id, e.g. A.5.1"}},
			Request: soa.Decision{}, Response: soa.Row{}, Conditional: true, Handle: s.decideSoA},
		{Method: "POST", Pattern: "/api/v1/soa/{catalog}/accept-proposals", Tag: "Statement of Applicability", Summary: "Confirm every proposal of the AI system register for controls nobody has decided yet",
			Permission: auth.ManageControls, Params: []Param{catP}, Response: ProposalsAccepted{}, Handle: s.acceptProposals},
		{Method: "GET", Pattern: "/api/v1/soa/{catalog}/versions", Tag: "Statement of Applicability", Summary: "The statement's versions, newest first",
			Permission: auth.ReadRecords, Params: []Param{catP}, Response: SoAVersionList{}, Handle: s.listSoAVersions},
		{Method: "POST", Pattern: "/api/v1/soa/{catalog}/versions", Tag: "Statement of Applicability", Summary: "Freeze the statement as it stands as the next version, for approval",
			Permission: auth.ManageControls, Params: []Param{catP}, Request: soa.NewVersion{}, Response: soa.Version{}, Status: http.StatusCreated, Handle: s.createSoAVersion},
		{Method: "GET", Pattern: "/api/v1/soa/{catalog}/versions/{n}", Tag: "Statement of Applicability", Summary: "One version with its frozen table",
			Permission: auth.ReadRecords, Params: []Param{catP, {Name: "n", In: "path", Type: "integer", Description: "the version number"}}, Response: soa.Version{}, Handle: s.getSoAVersion},
		{Method: "POST", Pattern: "/api/v1/soa/{catalog}/approve", Tag: "Statement of Applicability", Summary: "Approve the newest version; with four eyes, not one's own",
			Permission: auth.ApproveSoA, Params: []Param{catP}, Request: soa.Approval{}, Response: soa.Version{}, Handle: s.approveSoA},
		{Method: "GET", Pattern: "/api/v1/soa/{catalog}/diff", Tag: "Statement of Applicability", Summary: "What changed between two versions, row by row",
			Permission: auth.ReadRecords, Params: []Param{catP, {Name: "from", In: "query", Type: "integer", Description: "the earlier version"},
				{Name: "to", In: "query", Type: "integer", Description: "the later version"}}, Response: SoADiff{}, Handle: s.diffSoA},
		{Method: "GET", Pattern: "/api/v1/soa/{catalog}/export", Tag: "Statement of Applicability", Summary: "The statement as XLSX, CSV, PDF, an OSCAL profile or an OSCAL component definition",
			Permission: auth.ReadRecords, Params: []Param{catP, {Name: "format", In: "query", Description: "xlsx, csv, pdf, oscal-profile or oscal-component"},
				{Name: "version", In: "query", Type: "integer", Description: "a version number; the working draft when absent"}}, Produces: []string{"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/pdf", "application/json"}, Handle: s.exportSoA},
		{Method: "GET", Pattern: "/api/v1/soa-settings", Tag: "Statement of Applicability", Summary: "The organisation's rules for SoA approval",
			Permission: auth.ReadRecords, Response: soa.Settings{}, Conditional: true, Handle: s.getSoASettings},
		{Method: "PATCH", Pattern: "/api/v1/soa-settings", Tag: "Statement of Applicability", Summary: "Require four eyes for SoA approval (administrators only, so an approver cannot lift it for themselves)",
			Permission: auth.ManageUsers, Request: soa.SettingsPatch{}, Response: soa.Settings{}, Conditional: true, Handle: s.patchSoASettings},

		{Method: "GET", Pattern: "/api/v1/evidence", Tag: "Evidence", Summary: "The organisation's evidence, by title, or by end of validity with expiring_within",
			Permission: auth.ReadRecords, Params: append(append([]Param{
				{Name: "q", In: "query", Description: "words in the title or description"},
				{Name: "kind", In: "query", Description: "file or link"},
				{Name: "expiring_within", In: "query", Type: "integer", Description: "only evidence whose validity ends within this many days (or has ended), soonest first"},
			}, recordParams...), pageParams...), Response: EvidencePage{}, Handle: s.listEvidence},
		{Method: "POST", Pattern: "/api/v1/evidence", Tag: "Evidence", Summary: "Upload a file as evidence: multipart with the file and the fields title, description, valid_from, valid_until, note, record_type, record_id",
			Permission: auth.ManageEvidence, Upload: "application/octet-stream", Response: evidence.Evidence{}, Status: http.StatusCreated, Conditional: true, Handle: s.uploadEvidence},
		{Method: "POST", Pattern: "/api/v1/evidence/urls", Tag: "Evidence", Summary: "Record a link as evidence (where the record lives: a ticket, a wiki page, a dashboard)",
			Permission: auth.ManageEvidence, Request: evidence.Meta{}, Response: evidence.Evidence{}, Status: http.StatusCreated, Conditional: true, Handle: s.createLinkEvidence},
		{Method: "GET", Pattern: "/api/v1/evidence/{id}", Tag: "Evidence", Summary: "One piece of evidence: its current version, validity and the records it is attached to",
			Permission: auth.ReadRecords, Params: evID, Response: evidence.Evidence{}, Conditional: true, Handle: s.getEvidence},
		{Method: "PATCH", Pattern: "/api/v1/evidence/{id}", Tag: "Evidence", Summary: "Change the title, description, link address or validity",
			Permission: auth.ManageEvidence, Params: evID, Request: evidence.Meta{}, Response: evidence.Evidence{}, Conditional: true, Handle: s.patchEvidence},
		{Method: "GET", Pattern: "/api/v1/evidence/{id}/versions", Tag: "Evidence", Summary: "Every file version, newest first; none is ever overwritten",
			Permission: auth.ReadRecords, Params: evID, Response: EvidenceVersionList{}, Handle: s.listEvidenceVersions},
		{Method: "POST", Pattern: "/api/v1/evidence/{id}/versions", Tag: "Evidence", Summary: "Upload a new version of the file (fields note, valid_from, valid_until)",
			Permission: auth.ManageEvidence, Params: evID, Upload: "application/octet-stream", Response: evidence.Evidence{}, Status: http.StatusCreated, Handle: s.uploadEvidenceVersion},
		{Method: "GET", Pattern: "/api/v1/evidence/{id}/download", Tag: "Evidence", Summary: "Download the file (the current version, or ?version=n); its SHA-256 is checked first",
			Permission: auth.ReadRecords, Params: append(slices.Clone(evID), Param{Name: "version", In: "query", Type: "integer", Description: "a version number; the current one when absent"}),
			Produces: []string{"*/*"}, Handle: s.downloadEvidence},
		{Method: "POST", Pattern: "/api/v1/evidence/{id}/links", Tag: "Evidence", Summary: "Attach the evidence to a control, requirement, risk, impact assessment, AI system or audit",
			Permission: auth.ManageEvidence, Params: evID, Request: evidence.LinkRequest{}, Response: evidence.Evidence{}, Handle: s.linkEvidence},
		{Method: "DELETE", Pattern: "/api/v1/evidence/{id}/links", Tag: "Evidence", Summary: "Detach the evidence from a record",
			Permission: auth.ManageEvidence, Params: append(slices.Clone(evID), recordParams...), Response: evidence.Evidence{}, Handle: s.unlinkEvidence},
	}
}

func (s *Server) listControls(c *Call) (any, error) {
	page, err := c.Page()
	if err != nil {
		return nil, err
	}
	q := c.R.URL.Query()
	f := control.Filter{Query: q.Get("q"), Status: control.Status(q.Get("status")), OwnerID: q.Get("owner")}
	if v := q.Get("generated"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, invalidField("generated", "must be true or false")
		}
		f.Generated = &b
	}
	if cat, item := q.Get("catalog"), q.Get("item"); cat != "" || item != "" {
		if cat == "" || item == "" {
			return nil, invalidField("item", "catalog and item are given together")
		}
		f.Requirement = &control.RequirementRef{Catalog: cat, Item: item}
	}
	return s.db.Controls(c.R.Context(), c.Principal.OrgID, f, page)
}

func (s *Server) createControl(c *Call) (any, error) {
	var in control.Edit
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	v, err := s.view(c)
	if err != nil {
		return nil, err
	}
	return s.db.CreateControl(c.R.Context(), c.Principal.OrgID, in, v, c.Actor())
}

func (s *Server) getControl(c *Call) (any, error) {
	return s.db.Control(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
}

func (s *Server) patchControl(c *Call) (any, error) {
	var in control.Edit
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	v, err := s.view(c)
	if err != nil {
		return nil, err
	}
	return s.db.UpdateControl(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), in, v, ifv, c.Actor())
}

func (s *Server) deleteControl(c *Call) (any, error) {
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	return nil, s.db.DeleteControl(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), ifv, c.Actor())
}

func (s *Server) generateControls(c *Call) (any, error) {
	var req control.GenerateRequest
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	v, err := s.view(c)
	if err != nil {
		return nil, err
	}
	cat, ok := v.Catalog(req.Catalog)
	if !ok || cat.CountKind("control") == 0 {
		return nil, invalidField("catalog", "must name a catalog with controls, e.g. iso27001-2022 or iso42001-2023")
	}
	return s.db.GenerateControls(c.R.Context(), c.Principal.OrgID, cat, c.Actor())
}

func (s *Server) mergeControl(c *Call) (any, error) {
	var m control.MergeInto
	if err := c.Decode(&m); err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return s.db.MergeControls(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), m.Into, c.Actor())
}

// soaCatalog is the catalog named in the path, if it can have a Statement of Applicability.
func (s *Server) soaCatalog(c *Call) (*catalog.View, *catalog.Catalog, error) {
	v, err := s.view(c)
	if err != nil {
		return nil, nil, err
	}
	id := c.R.PathValue("catalog")
	cat, ok := v.Catalog(id)
	if !ok || !soa.Supports(cat) {
		return nil, nil, fault.New(fault.NotFound, "there is no Statement of Applicability for %q; use a catalog with controls, such as iso27001-2022 or iso42001-2023", id)
	}
	return v, cat, nil
}

func (s *Server) getSoA(c *Call) (any, error) {
	ctx := c.R.Context()
	_, cat, err := s.soaCatalog(c)
	if err != nil {
		return nil, err
	}
	st, err := s.db.SoAStatement(ctx, c.Principal.OrgID, cat, s.catalogs.Builtin())
	if err != nil {
		return nil, err
	}
	settings, err := s.db.SoASettings(ctx, c.Principal.OrgID)
	if err != nil {
		return nil, err
	}
	out := SoAView{Statement: st, FourEyes: settings.FourEyes}
	vs, err := s.db.SoAVersions(ctx, c.Principal.OrgID, cat.ID)
	if err != nil {
		return nil, err
	}
	for i := range vs {
		if out.Latest == nil {
			out.Latest = &vs[i]
		}
		if out.LatestApproved == nil && vs[i].Approved() {
			out.LatestApproved = &vs[i]
		}
	}
	return out, nil
}

func (s *Server) decideSoA(c *Call) (any, error) {
	ctx := c.R.Context()
	var d soa.Decision
	if err := c.Decode(&d); err != nil {
		return nil, err
	}
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	_, cat, err := s.soaCatalog(c)
	if err != nil {
		return nil, err
	}
	item := c.R.PathValue("item")
	if _, err := s.db.DecideSoA(ctx, c.Principal.OrgID, cat, item, d, ifv, c.Actor()); err != nil {
		return nil, err
	}
	st, err := s.db.SoAStatement(ctx, c.Principal.OrgID, cat, s.catalogs.Builtin())
	if err != nil {
		return nil, err
	}
	e, _ := st.Row(item)
	return e, nil
}

func (s *Server) acceptProposals(c *Call) (any, error) {
	ctx := c.R.Context()
	_, cat, err := s.soaCatalog(c)
	if err != nil {
		return nil, err
	}
	props, err := s.db.SoAProposals(ctx, c.Principal.OrgID, cat.ID, s.catalogs.Builtin())
	if err != nil {
		return nil, err
	}
	n, err := s.db.AcceptProposals(ctx, c.Principal.OrgID, cat, props, c.Actor())
	return ProposalsAccepted{Accepted: n}, err
}

func (s *Server) listSoAVersions(c *Call) (any, error) {
	_, cat, err := s.soaCatalog(c)
	if err != nil {
		return nil, err
	}
	vs, err := s.db.SoAVersions(c.R.Context(), c.Principal.OrgID, cat.ID)
	return SoAVersionList{Items: vs}, err
}

func (s *Server) createSoAVersion(c *Call) (any, error) {
	var n soa.NewVersion
	if c.R.ContentLength != 0 {
		if err := c.Decode(&n); err != nil {
			return nil, err
		}
	}
	_, cat, err := s.soaCatalog(c)
	if err != nil {
		return nil, err
	}
	st, err := s.db.SoAStatement(c.R.Context(), c.Principal.OrgID, cat, s.catalogs.Builtin())
	if err != nil {
		return nil, err
	}
	return s.db.CreateSoAVersion(c.R.Context(), c.Principal.OrgID, st, n.Note, c.Actor())
}

func versionNumber(s, field string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 {
		return 0, invalidField(field, "must be a version number (1, 2, …)")
	}
	return n, nil
}

func (s *Server) getSoAVersion(c *Call) (any, error) {
	_, cat, err := s.soaCatalog(c)
	if err != nil {
		return nil, err
	}
	n, err := versionNumber(c.R.PathValue("n"), "n")
	if err != nil {
		return nil, err
	}
	return s.db.SoAVersion(c.R.Context(), c.Principal.OrgID, cat.ID, n)
}

func (s *Server) approveSoA(c *Call) (any, error) {
	var a soa.Approval
	if err := c.Decode(&a); err != nil {
		return nil, err
	}
	if a.Version < 1 {
		return nil, invalidField("version", "must be the number of the version to approve")
	}
	_, cat, err := s.soaCatalog(c)
	if err != nil {
		return nil, err
	}
	return s.db.ApproveSoAVersion(c.R.Context(), c.Principal.OrgID, cat.ID, a.Version, c.Actor())
}

func (s *Server) diffSoA(c *Call) (any, error) {
	_, cat, err := s.soaCatalog(c)
	if err != nil {
		return nil, err
	}
	q := c.R.URL.Query()
	from, err := versionNumber(q.Get("from"), "from")
	if err != nil {
		return nil, err
	}
	to, err := versionNumber(q.Get("to"), "to")
	if err != nil {
		return nil, err
	}
	a, err := s.db.SoAVersion(c.R.Context(), c.Principal.OrgID, cat.ID, from)
	if err != nil {
		return nil, err
	}
	b, err := s.db.SoAVersion(c.R.Context(), c.Principal.OrgID, cat.ID, to)
	if err != nil {
		return nil, err
	}
	return SoADiff{Catalog: cat.ID, From: from, To: to, Changes: soa.Diff(*a.Statement, *b.Statement)}, nil
}

// SoADocument returns the statement of a version (n > 0) or as it stands (n = 0), for
// exports by the API and the pages.
func SoADocument(ctx context.Context, db *store.DB, lib *catalog.Library, orgID string, cat *catalog.Catalog, n int64) (soa.Document, error) {
	if n > 0 {
		v, err := db.SoAVersion(ctx, orgID, cat.ID, n)
		if err != nil {
			return soa.Document{}, err
		}
		st := *v.Statement
		v.Statement = nil
		return soa.Document{Statement: st, Version: &v}, nil
	}
	st, err := db.SoAStatement(ctx, orgID, cat, lib)
	return soa.Document{Statement: st}, err
}

// ExportSoA renders a document in one of soa.Formats.
func ExportSoA(ctx context.Context, db *store.DB, orgID string, d soa.Document, format string) (*Download, error) {
	var data []byte
	var err error
	switch format {
	case "xlsx":
		data, err = soa.XLSX(d)
	case "csv":
		data, err = soa.CSV(d)
	case "pdf":
		data, err = soa.PDF(d)
	case "oscal-profile":
		data, err = soa.OSCALProfile(d)
	case "oscal-component":
		var controls []control.Control
		if controls, err = db.AllControls(ctx, orgID); err == nil {
			data, err = soa.OSCALComponent(d, controls)
		}
	default:
		return nil, invalidField("format", "must be one of "+strings.Join(soa.Formats, ", "))
	}
	if err != nil {
		if strings.HasPrefix(format, "oscal") && strings.Contains(err.Error(), "applicable") {
			return nil, fault.New(fault.Conflict, "%s", err.Error())
		}
		return nil, fault.Wrap(err, "export SoA")
	}
	if strings.HasPrefix(format, "oscal") {
		// What leaves Annexa as OSCAL is valid OSCAL: checked against NIST's schema every time.
		if err := catalog.ValidateOSCAL(d.FileName(format), data); err != nil {
			return nil, fault.Wrap(err, "export SoA as OSCAL")
		}
	}
	return &Download{Name: d.FileName(format), ContentType: soa.ContentType(format), Data: data}, nil
}

func (s *Server) exportSoA(c *Call) (any, error) {
	_, cat, err := s.soaCatalog(c)
	if err != nil {
		return nil, err
	}
	q := c.R.URL.Query()
	var n int64
	if v := q.Get("version"); v != "" {
		if n, err = versionNumber(v, "version"); err != nil {
			return nil, err
		}
	}
	format := q.Get("format")
	if format == "" {
		return nil, invalidField("format", "must be one of "+strings.Join(soa.Formats, ", "))
	}
	d, err := SoADocument(c.R.Context(), s.db, s.catalogs.Builtin(), c.Principal.OrgID, cat, n)
	if err != nil {
		return nil, err
	}
	return ExportSoA(c.R.Context(), s.db, c.Principal.OrgID, d, format)
}

func (s *Server) getSoASettings(c *Call) (any, error) {
	return s.db.SoASettings(c.R.Context(), c.Principal.OrgID)
}

func (s *Server) patchSoASettings(c *Call) (any, error) {
	var p soa.SettingsPatch
	if err := c.Decode(&p); err != nil {
		return nil, err
	}
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	return s.db.UpdateSoASettings(c.R.Context(), c.Principal.OrgID, p, ifv, c.Actor())
}

// CheckEvidenceTarget makes sure a record evidence is attached to exists in the
// organisation: controls, AI systems, risks, impact assessments and audits in the database,
// requirements in the catalogs the organisation sees.
func CheckEvidenceTarget(ctx context.Context, db *store.DB, v *catalog.View, orgID string, a evidence.Attachment) error {
	switch a.RecordType {
	case evidence.ToRequirement:
		l, ok := control.ParseRequirement(a.RecordID)
		if !ok {
			return invalidField("record_id", "must name a requirement as catalog:item, e.g. iso27001-2022:A.5.1")
		}
		if _, err := v.Item(l.Catalog, l.Item); err != nil {
			return invalidField("record_id", "names "+l.Catalog+" "+strconv.Quote(l.Item)+", which does not exist")
		}
	case evidence.ToControl, evidence.ToAISystem, evidence.ToRisk, evidence.ToImpactAssessment, evidence.ToAudit:
		ok, err := db.RecordExists(ctx, orgID, a.RecordType, a.RecordID)
		if err != nil {
			return err
		}
		if !ok {
			return invalidField("record_id", "is not a "+strings.ReplaceAll(string(a.RecordType), "_", " ")+" of this organisation")
		}
	}
	return nil
}

func (s *Server) listEvidence(c *Call) (any, error) {
	page, err := c.Page()
	if err != nil {
		return nil, err
	}
	q := c.R.URL.Query()
	f := evidence.Filter{Query: q.Get("q"), Kind: evidence.Kind(q.Get("kind")), RecordType: evidence.RecordType(q.Get("record_type")), RecordID: q.Get("record_id")}
	if v := q.Get("expiring_within"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, invalidField("expiring_within", "must be a number of days, 1 or more")
		}
		f.ExpiringWithin = n
	}
	return s.db.EvidenceList(c.R.Context(), c.Principal.OrgID, f, page)
}

// upload is a multipart evidence upload: the file and the form fields beside it.
type upload struct {
	name   string
	data   []byte
	fields map[string]string
}

// readEvidenceUpload reads a multipart form: the "file" part up to limit (one byte more tells
// that it is too large) and small text fields. Anything else is refused, naming the part.
func readEvidenceUpload(w http.ResponseWriter, r *http.Request, limit int64) (upload, error) {
	u := upload{fields: map[string]string{}}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		return u, uploadError("must be sent as multipart/form-data with a part named file")
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return u, uploadError("is not a readable multipart form")
	}
	gotFile := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return u, tooLargeOr(err, limit, "is not a readable multipart form")
		}
		name := part.FormName()
		switch {
		case name == "file":
			if gotFile {
				return u, uploadError("holds more than one file; send one per request")
			}
			gotFile = true
			u.name = rawFileName(part)
			data, err := io.ReadAll(io.LimitReader(part, limit+1))
			if err != nil {
				return u, tooLargeOr(err, limit, "could not be read")
			}
			if int64(len(data)) > limit {
				return u, fault.New(fault.TooLarge, "the file is larger than the limit of %d MiB", limit>>20)
			}
			u.data = data
		case contains(evidence.FormFields, name):
			b, err := io.ReadAll(io.LimitReader(part, 64<<10+1))
			if err != nil {
				return u, tooLargeOr(err, limit, "could not be read")
			}
			if len(b) > 64<<10 {
				return u, invalidField(name, "is longer than 64 KiB")
			}
			u.fields[name] = string(b)
		default:
			return u, invalidField(name, "is not a field of an evidence upload; known: file, "+strings.Join(evidence.FormFields, ", "))
		}
	}
	if !gotFile {
		return u, uploadError("is missing: send the file in a part named file")
	}
	return u, nil
}

// rawFileName is the file name exactly as the client sent it. Part.FileName keeps only the
// last path element, which would silently accept "../../etc/passwd" as "passwd"; a name with
// a path is refused instead, so the client learns its name was not taken as given.
func rawFileName(p *multipart.Part) string {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return p.FileName()
	}
	return params["filename"]
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func (u upload) get(name string) (string, bool) {
	v, ok := u.fields[name]
	return v, ok
}

// storeUpload checks an upload completely, then stores its content: bad input never leaves
// a blob behind.
func (s *Server) storeUpload(c *Call, create bool) (evidence.Parsed, *store.NewFile, error) {
	u, err := readEvidenceUpload(c.W, c.R, s.evidenceLimit())
	if err != nil {
		return evidence.Parsed{}, nil, err
	}
	v, err := s.view(c)
	if err != nil {
		return evidence.Parsed{}, nil, err
	}
	return StoreEvidenceUpload(c.R.Context(), s.db, v, c.Principal.OrgID, u.name, u.data, evidence.MetaFromForm(u.get), create, s.evidenceLimit())
}

// StoreEvidenceUpload checks an uploaded file and its fields — name, size, metadata and the
// record it is to be attached to — and only then stores its content by hash and sniffs its
// type. create is false for a new version, which takes only the note and validity.
func StoreEvidenceUpload(ctx context.Context, db *store.DB, v *catalog.View, orgID, name string, data []byte, m evidence.Meta, create bool, limit int64) (evidence.Parsed, *store.NewFile, error) {
	if !create {
		m.Title, m.Description, m.RecordType, m.RecordID, m.URL = nil, nil, nil, nil, nil
	}
	p, err := evidence.ParseUpload(name, int64(len(data)), limit, m, create)
	if err != nil {
		return p, nil, err
	}
	if p.Attach != nil {
		if err := CheckEvidenceTarget(ctx, db, v, orgID, *p.Attach); err != nil {
			return p, nil, err
		}
	}
	sum, err := evidence.Store(ctx, db.EvidenceBlobs(), data)
	if err != nil {
		return p, nil, err
	}
	return p, &store.NewFile{FileName: name, ContentType: http.DetectContentType(data), SHA256: sum, Size: int64(len(data))}, nil
}

func (s *Server) uploadEvidence(c *Call) (any, error) {
	p, f, err := s.storeUpload(c, true)
	if err != nil {
		return nil, err
	}
	return s.db.CreateEvidence(c.R.Context(), c.Principal.OrgID, p, f, c.Actor())
}

func (s *Server) uploadEvidenceVersion(c *Call) (any, error) {
	if _, err := s.db.Evidence(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id")); err != nil {
		return nil, err
	}
	p, f, err := s.storeUpload(c, false)
	if err != nil {
		return nil, err
	}
	return s.db.AddEvidenceVersion(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), p, *f, c.Actor())
}

func (s *Server) createLinkEvidence(c *Call) (any, error) {
	var m evidence.Meta
	if err := c.Decode(&m); err != nil {
		return nil, err
	}
	p, err := m.Parse(true, evidence.Link)
	if err != nil {
		return nil, err
	}
	if p.Attach != nil {
		v, err := s.view(c)
		if err != nil {
			return nil, err
		}
		if err := CheckEvidenceTarget(c.R.Context(), s.db, v, c.Principal.OrgID, *p.Attach); err != nil {
			return nil, err
		}
	}
	return s.db.CreateEvidence(c.R.Context(), c.Principal.OrgID, p, nil, c.Actor())
}

func (s *Server) getEvidence(c *Call) (any, error) {
	return s.db.Evidence(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
}

func (s *Server) patchEvidence(c *Call) (any, error) {
	var m evidence.Meta
	if err := c.Decode(&m); err != nil {
		return nil, err
	}
	if m.RecordType != nil || m.RecordID != nil {
		return nil, invalidField("record_type", "attach evidence with POST /api/v1/evidence/{id}/links")
	}
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	return s.db.UpdateEvidence(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), m, ifv, c.Actor())
}

func (s *Server) listEvidenceVersions(c *Call) (any, error) {
	vs, err := s.db.EvidenceVersions(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
	return EvidenceVersionList{Items: vs}, err
}

// EvidenceFile reads one version of an evidence file with its hash checked.
func EvidenceFile(ctx context.Context, db *store.DB, orgID, id string, n int64) (*Download, error) {
	_, v, err := db.EvidenceVersion(ctx, orgID, id, n)
	if err != nil {
		return nil, err
	}
	data, err := evidence.Load(ctx, db.EvidenceBlobs(), v.SHA256)
	if err != nil {
		return nil, err
	}
	return &Download{Name: v.FileName, ContentType: v.ContentType, Data: data, ETag: `"` + v.SHA256 + `"`}, nil
}

func (s *Server) downloadEvidence(c *Call) (any, error) {
	var n int64
	if v := c.R.URL.Query().Get("version"); v != "" {
		var err error
		if n, err = versionNumber(v, "version"); err != nil {
			return nil, err
		}
	}
	return EvidenceFile(c.R.Context(), s.db, c.Principal.OrgID, c.R.PathValue("id"), n)
}

func (s *Server) linkEvidence(c *Call) (any, error) {
	var l evidence.LinkRequest
	if err := c.Decode(&l); err != nil {
		return nil, err
	}
	if err := l.Validate(); err != nil {
		return nil, err
	}
	a := evidence.Attachment{RecordType: l.RecordType, RecordID: strings.TrimSpace(l.RecordID)}
	if _, err := s.db.Evidence(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id")); err != nil {
		return nil, err
	}
	v, err := s.view(c)
	if err != nil {
		return nil, err
	}
	if err := CheckEvidenceTarget(c.R.Context(), s.db, v, c.Principal.OrgID, a); err != nil {
		return nil, err
	}
	return s.db.LinkEvidence(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), a, c.Actor())
}

func (s *Server) unlinkEvidence(c *Call) (any, error) {
	q := c.R.URL.Query()
	l := evidence.LinkRequest{RecordType: evidence.RecordType(q.Get("record_type")), RecordID: q.Get("record_id")}
	if err := l.Validate(); err != nil {
		return nil, err
	}
	return s.db.UnlinkEvidence(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), evidence.Attachment{RecordType: l.RecordType, RecordID: l.RecordID}, c.Actor())
}
