package web

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/api"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/control"
	"github.com/annexa-dev/annexa/internal/evidence"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/soa"
	"github.com/annexa-dev/annexa/internal/store"
)

// The control set, the Statements of Applicability and the evidence store. Exports and
// evidence downloads are the API's own routes, which a signed-in browser may call.

// soaCatalogs are the standards offered on the SoA page.
var soaCatalogs = []string{"iso27001-2022", "iso42001-2023"}

func (s *Server) evidenceLimit() int64 {
	if s.opts.EvidenceMaxBytes > 0 {
		return s.opts.EvidenceMaxBytes
	}
	return evidence.DefaultMaxBytes
}

func (s *Server) deny(w http.ResponseWriter, r *http.Request, p auth.Principal, perm auth.Permission) bool {
	if !p.Can(perm) {
		s.fail(w, r, fault.New(fault.Forbidden, "your role (%s) may not do this; it needs %s", p.Role.Label(), perm))
		return true
	}
	return false
}

func (s *Server) view(r *http.Request, p auth.Principal) (*catalog.View, error) {
	return s.opts.Catalogs.For(r.Context(), p.OrgID)
}

// parseLinks reads requirements one per line as catalog:item (iso27001-2022:A.5.19).
func parseLinks(text string) ([]control.RequirementRef, error) {
	var out []control.RequirementRef
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		l, ok := control.ParseRequirement(line)
		if !ok {
			return nil, &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields",
				Fields: []fault.FieldError{{Field: "links", Message: fmt.Sprintf("line %d, %q, is not catalog:item (e.g. iso27001-2022:A.5.19)", i+1, line)}}}
		}
		out = append(out, l)
	}
	return out, nil
}

func linksText(ls []control.RequirementRef) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = l.String()
	}
	return strings.Join(parts, "\n")
}

type controlsData struct {
	Controls  []control.Control
	Owners    map[string]string
	People    []auth.Member
	Query     string
	Status    string
	Generated string
	Statuses  []choice
	Freqs     []choice
	NextHref  string
	Form      controlForm
	Catalogs  []string
	CanManage bool
}

type controlForm struct {
	ID, Version, Ref, Title, Description, OwnerID, Status, Frequency, Links string
}

func formOfControl(c control.Control) controlForm {
	return controlForm{ID: c.ID, Version: strconv.FormatInt(c.Version, 10), Ref: c.Ref, Title: c.Title, Description: c.Description,
		OwnerID: c.OwnerID, Status: string(c.Status), Frequency: string(c.Frequency), Links: linksText(c.Links)}
}

func (s *Server) controlsPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	s.renderControls(w, r, p, http.StatusOK, controlForm{Status: string(control.NotStarted)}, nil)
}

func (s *Server) renderControls(w http.ResponseWriter, r *http.Request, p auth.Principal, status int, form controlForm, ferr error) {
	q := r.URL.Query()
	d := controlsData{Query: q.Get("q"), Status: q.Get("status"), Generated: q.Get("generated"), Form: form, Catalogs: soaCatalogs, CanManage: p.Can(auth.ManageControls)}
	f := control.Filter{Query: d.Query, Status: control.Status(d.Status)}
	if d.Generated != "" {
		b := d.Generated == "true"
		f.Generated = &b
	}
	pr := store.PageRequest{Limit: 200, Cursor: q.Get("cursor")}
	if err := pr.Validate(); err != nil {
		s.fail(w, r, err)
		return
	}
	pg, err := s.db.Controls(r.Context(), p.OrgID, f, pr)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	people, names, err := s.people(r, p.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Controls, d.Owners, d.People = pg.Items, names, people
	if pg.NextCursor != "" {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("cursor", pg.NextCursor)
		d.NextHref = "/controls?" + nq.Encode()
	}
	d.Statuses = choices(control.Statuses, humanise, func(x control.Status) bool { return string(x) == form.Status })
	d.Freqs = choices(control.Frequencies, humanise, func(x control.Frequency) bool { return string(x) == form.Frequency })
	pg2 := page{Title: "Controls", Nav: "controls", Principal: &p, CSRF: csrfFrom(r), Data: d}
	if ferr != nil {
		pg2.Fields, pg2.Error = fieldErrors(ferr)
	}
	s.render(w, r, status, "controls", pg2)
}

// editFromForm reads the control form; every field it shows is set.
func editFromForm(r *http.Request) (control.Edit, controlForm, error) {
	v := r.PostForm
	form := controlForm{ID: r.PathValue("id"), Version: v.Get("version"), Ref: v.Get("ref"), Title: v.Get("title"), Description: v.Get("description"),
		OwnerID: v.Get("owner_id"), Status: v.Get("status"), Frequency: v.Get("frequency"), Links: v.Get("links")}
	links, err := parseLinks(form.Links)
	if err != nil {
		return control.Edit{}, form, err
	}
	st, fr := control.Status(form.Status), control.Frequency(form.Frequency)
	e := control.Edit{Ref: &form.Ref, Title: &form.Title, Description: &form.Description, OwnerID: &form.OwnerID, Status: &st, Frequency: &fr, Links: &links}
	return e, form, nil
}

func (s *Server) controlCreate(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ManageControls) {
		return
	}
	e, form, err := editFromForm(r)
	if err == nil {
		var v *catalog.View
		if v, err = s.view(r, p); err == nil {
			var c control.Control
			if c, err = s.db.CreateControl(r.Context(), p.OrgID, e, v, actorOf(p)); err == nil {
				s.setFlash(w, r, c.Title+" added to the control set.")
				http.Redirect(w, r, "/controls/"+c.ID, http.StatusSeeOther)
				return
			}
		}
	}
	if fault.Is(err, fault.Internal) {
		s.fail(w, r, err)
		return
	}
	s.renderControls(w, r, p, fault.CodeStatus(err), form, err)
}

func (s *Server) controlsGenerate(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ManageControls) {
		return
	}
	v, err := s.view(r, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cat, ok := v.Catalog(r.PostFormValue("catalog"))
	if !ok || cat.CountKind("control") == 0 {
		s.fail(w, r, fault.New(fault.Invalid, "choose a catalog with controls"))
		return
	}
	res, err := s.db.GenerateControls(r.Context(), p.OrgID, cat, actorOf(p))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, r, fmt.Sprintf("%d starter controls generated from %s (%d already covered). They count for nothing until you describe and confirm them.", len(res.Created), cat.Title, res.Skipped))
	http.Redirect(w, r, "/controls?generated=true", http.StatusSeeOther)
}

type controlData struct {
	Control   control.Control
	Owner     string
	Form      controlForm
	People    []auth.Member
	Statuses  []choice
	Freqs     []choice
	Titles    map[string]string
	Evidence  []evidenceRow
	Others    []control.Control
	CanManage bool
	CanAttach bool
}

type evidenceRow struct {
	evidence.Evidence
	Validity evidence.Validity
}

func rowsOf(es []evidence.Evidence) []evidenceRow {
	now := time.Now().UTC()
	out := make([]evidenceRow, len(es))
	for i, e := range es {
		out[i] = evidenceRow{Evidence: e, Validity: e.ValidityAt(now)}
	}
	return out
}

func (s *Server) controlPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	c, err := s.db.Control(r.Context(), p.OrgID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderControl(w, r, p, http.StatusOK, c, formOfControl(c), nil)
}

func (s *Server) renderControl(w http.ResponseWriter, r *http.Request, p auth.Principal, status int, c control.Control, form controlForm, ferr error) {
	ctx := r.Context()
	people, names, err := s.people(r, p.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := controlData{Control: c, Owner: names[c.OwnerID], Form: form, People: people, Titles: map[string]string{},
		CanManage: p.Can(auth.ManageControls), CanAttach: p.Can(auth.ManageEvidence)}
	d.Statuses = choices(control.Statuses, humanise, func(x control.Status) bool { return string(x) == form.Status })
	d.Freqs = choices(control.Frequencies, humanise, func(x control.Frequency) bool { return string(x) == form.Frequency })
	if v, err := s.view(r, p); err == nil {
		for _, l := range c.Links {
			if it, err := v.Item(l.Catalog, l.Item); err == nil {
				d.Titles[l.String()] = it.Title
			}
		}
	}
	ev, err := s.db.EvidenceFor(ctx, p.OrgID, []evidence.Attachment{{RecordType: evidence.ToControl, RecordID: c.ID}})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Evidence = rowsOf(ev[soa.EvidenceKey(evidence.ToControl, c.ID)])
	if d.CanManage {
		all, err := s.db.AllControls(ctx, p.OrgID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, o := range all {
			if o.ID != c.ID {
				d.Others = append(d.Others, o)
			}
		}
	}
	pg := page{Title: c.Title, Nav: "controls", Principal: &p, CSRF: csrfFrom(r), Data: d}
	if ferr != nil {
		pg.Fields, pg.Error = fieldErrors(ferr)
	}
	s.render(w, r, status, "control", pg)
}

func (s *Server) controlUpdate(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ManageControls) {
		return
	}
	c, err := s.db.Control(r.Context(), p.OrgID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	e, form, err := editFromForm(r)
	if err == nil {
		var ifv *int64
		if n, perr := strconv.ParseInt(form.Version, 10, 64); perr == nil {
			ifv = &n
		}
		var v *catalog.View
		if v, err = s.view(r, p); err == nil {
			var up control.Control
			if up, err = s.db.UpdateControl(r.Context(), p.OrgID, c.ID, e, v, ifv, actorOf(p)); err == nil {
				s.setFlash(w, r, up.Title+" saved.")
				http.Redirect(w, r, "/controls/"+c.ID, http.StatusSeeOther)
				return
			}
		}
	}
	if fault.Is(err, fault.Internal) {
		s.fail(w, r, err)
		return
	}
	if fault.Is(err, fault.PreconditionErr) {
		c, _ = s.db.Control(r.Context(), p.OrgID, c.ID)
		form = formOfControl(c)
		err = fault.New(fault.PreconditionErr, "someone else changed this control while you were editing; this is the current version, make your change again")
	}
	s.renderControl(w, r, p, fault.CodeStatus(err), c, form, err)
}

func (s *Server) controlConfirm(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ManageControls) {
		return
	}
	c, err := s.db.UpdateControl(r.Context(), p.OrgID, r.PathValue("id"), control.Edit{Confirm: true}, nil, nil, actorOf(p))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, r, c.Title+" is now one of your own controls.")
	http.Redirect(w, r, "/controls/"+c.ID, http.StatusSeeOther)
}

func (s *Server) controlMerge(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ManageControls) {
		return
	}
	c, err := s.db.MergeControls(r.Context(), p.OrgID, r.PathValue("id"), r.PostFormValue("into"), actorOf(p))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, r, "Merged into "+c.Title+": its links and evidence moved over.")
	http.Redirect(w, r, "/controls/"+c.ID, http.StatusSeeOther)
}

func (s *Server) controlDelete(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ManageControls) {
		return
	}
	if err := s.db.DeleteControl(r.Context(), p.OrgID, r.PathValue("id"), nil, actorOf(p)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, r, "Control removed. Its history stays in the audit log.")
	http.Redirect(w, r, "/controls", http.StatusSeeOther)
}

type soaData struct {
	Catalogs   []string
	Current    string
	Statement  soa.Statement
	Settings   soa.Settings
	Versions   []soa.Version
	Latest     *soa.Version
	Formats    []string
	CanManage  bool
	CanApprove bool
	Edit       string // the row whose form failed
	EditText   string
	Filter     string
}

func (s *Server) soaIndex(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	http.Redirect(w, r, "/soa/"+soaCatalogs[0], http.StatusSeeOther)
}

func (s *Server) soaCatalog(r *http.Request, p auth.Principal) (*catalog.Catalog, error) {
	v, err := s.view(r, p)
	if err != nil {
		return nil, err
	}
	id := r.PathValue("catalog")
	cat, ok := v.Catalog(id)
	if !ok || !soa.Supports(cat) {
		return nil, fault.New(fault.NotFound, "there is no Statement of Applicability for %q", id)
	}
	return cat, nil
}

func (s *Server) soaPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	s.renderSoA(w, r, p, http.StatusOK, "", "", nil)
}

func (s *Server) renderSoA(w http.ResponseWriter, r *http.Request, p auth.Principal, status int, editItem, editText string, ferr error) {
	ctx := r.Context()
	cat, err := s.soaCatalog(r, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := soaData{Catalogs: soaCatalogs, Current: cat.ID, Formats: soa.Formats, CanManage: p.Can(auth.ManageControls), CanApprove: p.Can(auth.ApproveSoA),
		Edit: editItem, EditText: editText, Filter: r.URL.Query().Get("show")}
	if d.Statement, err = s.db.SoAStatement(ctx, p.OrgID, cat, s.opts.Catalogs.Builtin()); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Filter != "" {
		var rows []soa.Row
		for _, e := range d.Statement.Entries {
			if string(e.State) == d.Filter {
				rows = append(rows, e)
			}
		}
		d.Statement.Entries = rows
	}
	if d.Settings, err = s.db.SoASettings(ctx, p.OrgID); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Versions, err = s.db.SoAVersions(ctx, p.OrgID, cat.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	if len(d.Versions) > 0 {
		d.Latest = &d.Versions[0]
	}
	pg := page{Title: "Statement of Applicability: " + cat.Title, Nav: "soa", Principal: &p, CSRF: csrfFrom(r), Data: d}
	if ferr != nil {
		pg.Fields, pg.Error = fieldErrors(ferr)
		if !fault.Is(ferr, fault.Invalid) {
			pg.Error = fault.Message(ferr)
		}
	}
	s.render(w, r, status, "soa", pg)
}

func (s *Server) soaDecide(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ManageControls) {
		return
	}
	cat, err := s.soaCatalog(r, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	item := r.PathValue("item")
	d := soa.Decision{Justification: r.PostFormValue("justification")}
	switch r.PostFormValue("applicable") {
	case "yes":
		b := true
		d.Applicable = &b
	case "no":
		b := false
		d.Applicable = &b
	}
	if _, err := s.db.DecideSoA(r.Context(), p.OrgID, cat, item, d, nil, actorOf(p)); err != nil {
		if fault.Is(err, fault.Internal) || fault.Is(err, fault.NotFound) {
			s.fail(w, r, err)
			return
		}
		s.renderSoA(w, r, p, fault.CodeStatus(err), item, d.Justification, err)
		return
	}
	s.setFlash(w, r, item+" saved.")
	http.Redirect(w, r, "/soa/"+cat.ID+"#row-"+item, http.StatusSeeOther)
}

func (s *Server) soaAcceptProposals(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ManageControls) {
		return
	}
	cat, err := s.soaCatalog(r, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	props, err := s.db.SoAProposals(r.Context(), p.OrgID, cat.ID, s.opts.Catalogs.Builtin())
	if err == nil {
		var n int
		if n, err = s.db.AcceptProposals(r.Context(), p.OrgID, cat, props, actorOf(p)); err == nil {
			s.setFlash(w, r, fmt.Sprintf("%d proposal(s) confirmed with the AI systems as justification.", n))
			http.Redirect(w, r, "/soa/"+cat.ID, http.StatusSeeOther)
			return
		}
	}
	s.fail(w, r, err)
}

func (s *Server) soaNewVersion(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ManageControls) {
		return
	}
	cat, err := s.soaCatalog(r, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.db.SoAStatement(r.Context(), p.OrgID, cat, s.opts.Catalogs.Builtin())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.db.CreateSoAVersion(r.Context(), p.OrgID, st, r.PostFormValue("note"), actorOf(p))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, r, fmt.Sprintf("Version %d prepared; it awaits approval.", v.Number))
	http.Redirect(w, r, "/soa/"+cat.ID+"#versions", http.StatusSeeOther)
}

func (s *Server) soaApprove(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ApproveSoA) {
		return
	}
	cat, err := s.soaCatalog(r, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if _, err := s.db.ApproveSoAVersion(r.Context(), p.OrgID, cat.ID, n, actorOf(p)); err != nil {
		s.renderSoA(w, r, p, fault.CodeStatus(err), "", "", err)
		return
	}
	s.setFlash(w, r, fmt.Sprintf("Version %d approved.", n))
	http.Redirect(w, r, "/soa/"+cat.ID+"#versions", http.StatusSeeOther)
}

type soaDiffData struct {
	Catalog  string
	From, To int64
	Changes  []soa.Change
}

func (s *Server) soaDiff(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	cat, err := s.soaCatalog(r, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	from, _ := strconv.ParseInt(r.URL.Query().Get("from"), 10, 64)
	to, _ := strconv.ParseInt(r.URL.Query().Get("to"), 10, 64)
	a, err := s.db.SoAVersion(r.Context(), p.OrgID, cat.ID, from)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b, err := s.db.SoAVersion(r.Context(), p.OrgID, cat.ID, to)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := soaDiffData{Catalog: cat.ID, From: from, To: to, Changes: soa.Diff(*a.Statement, *b.Statement)}
	s.render(w, r, http.StatusOK, "soadiff", page{Title: fmt.Sprintf("SoA %s: version %d → %d", cat.ID, from, to), Nav: "soa", Principal: &p, CSRF: csrfFrom(r), Data: d})
}

type evidenceData struct {
	Items       []evidenceRow
	NextHref    string
	Query       string
	Expiring    string
	RecordTypes []evidence.RecordType
	CanUpload   bool
	Limit       int64
}

func (s *Server) evidencePage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	s.renderEvidence(w, r, p, http.StatusOK, nil)
}

func (s *Server) renderEvidence(w http.ResponseWriter, r *http.Request, p auth.Principal, status int, ferr error) {
	q := r.URL.Query()
	d := evidenceData{Query: q.Get("q"), Expiring: q.Get("expiring_within"), RecordTypes: evidence.RecordTypes, CanUpload: p.Can(auth.ManageEvidence), Limit: s.evidenceLimit() >> 20}
	f := evidence.Filter{Query: d.Query}
	if n, err := strconv.Atoi(d.Expiring); err == nil && n > 0 {
		f.ExpiringWithin = n
	}
	pr := store.PageRequest{Limit: 200, Cursor: q.Get("cursor")}
	if err := pr.Validate(); err != nil {
		s.fail(w, r, err)
		return
	}
	pg, err := s.db.EvidenceList(r.Context(), p.OrgID, f, pr)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Items = rowsOf(pg.Items)
	if pg.NextCursor != "" {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("cursor", pg.NextCursor)
		d.NextHref = "/evidence?" + nq.Encode()
	}
	pgv := page{Title: "Evidence", Nav: "evidence", Principal: &p, CSRF: csrfFrom(r), Data: d}
	if ferr != nil {
		pgv.Fields, pgv.Error = fieldErrors(ferr)
	}
	s.render(w, r, status, "evidence", pgv)
}

// uploadedFile returns the form's file with the name exactly as the browser sent it.
func uploadedFile(r *http.Request) (string, []byte, error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 {
		return "", nil, &fault.Error{Code: fault.Invalid, Message: "the upload is not acceptable", Fields: []fault.FieldError{{Field: "file", Message: "is missing: choose a file"}}}
	}
	fh := r.MultipartForm.File["file"][0]
	name := fh.Filename
	if _, params, err := mime.ParseMediaType(fh.Header.Get("Content-Disposition")); err == nil && params["filename"] != "" {
		name = params["filename"]
	}
	f, err := fh.Open()
	if err != nil {
		return name, nil, fault.New(fault.Invalid, "the upload could not be read")
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return name, nil, fault.New(fault.Invalid, "the upload could not be read")
	}
	return name, data, nil
}

func formGet(r *http.Request) func(string) (string, bool) {
	return func(k string) (string, bool) {
		vs, ok := r.MultipartForm.Value[k]
		if !ok || len(vs) == 0 {
			return "", false
		}
		return vs[0], true
	}
}

func (s *Server) evidenceUpload(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ManageEvidence) {
		return
	}
	name, data, err := uploadedFile(r)
	if err == nil {
		var v *catalog.View
		if v, err = s.view(r, p); err == nil {
			var parsed evidence.Parsed
			var file *store.NewFile
			if parsed, file, err = api.StoreEvidenceUpload(r.Context(), s.db, v, p.OrgID, name, data, evidence.MetaFromForm(formGet(r)), true, s.evidenceLimit()); err == nil {
				var e evidence.Evidence
				if e, err = s.db.CreateEvidence(r.Context(), p.OrgID, parsed, file, actorOf(p)); err == nil {
					s.setFlash(w, r, e.Title+" uploaded.")
					http.Redirect(w, r, "/evidence/"+e.ID, http.StatusSeeOther)
					return
				}
			}
		}
	}
	if fault.Is(err, fault.Internal) {
		s.fail(w, r, err)
		return
	}
	s.renderEvidence(w, r, p, fault.CodeStatus(err), err)
}

type evidenceItemData struct {
	Evidence    evidenceRow
	Versions    []evidence.FileVersion
	RecordTypes []evidence.RecordType
	CanManage   bool
}

func (s *Server) evidenceItemPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	s.renderEvidenceItem(w, r, p, http.StatusOK, nil)
}

func (s *Server) renderEvidenceItem(w http.ResponseWriter, r *http.Request, p auth.Principal, status int, ferr error) {
	e, err := s.db.Evidence(r.Context(), p.OrgID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := evidenceItemData{Evidence: rowsOf([]evidence.Evidence{e})[0], RecordTypes: evidence.RecordTypes, CanManage: p.Can(auth.ManageEvidence)}
	if e.Kind == evidence.File {
		if d.Versions, err = s.db.EvidenceVersions(r.Context(), p.OrgID, e.ID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	pg := page{Title: e.Title, Nav: "evidence", Principal: &p, CSRF: csrfFrom(r), Data: d}
	if ferr != nil {
		pg.Fields, pg.Error = fieldErrors(ferr)
	}
	s.render(w, r, status, "evidenceitem", pg)
}

func (s *Server) evidenceNewVersion(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ManageEvidence) {
		return
	}
	id := r.PathValue("id")
	if _, err := s.db.Evidence(r.Context(), p.OrgID, id); err != nil {
		s.fail(w, r, err)
		return
	}
	name, data, err := uploadedFile(r)
	if err == nil {
		var v *catalog.View
		if v, err = s.view(r, p); err == nil {
			var parsed evidence.Parsed
			var file *store.NewFile
			if parsed, file, err = api.StoreEvidenceUpload(r.Context(), s.db, v, p.OrgID, name, data, evidence.MetaFromForm(formGet(r)), false, s.evidenceLimit()); err == nil {
				if _, err = s.db.AddEvidenceVersion(r.Context(), p.OrgID, id, parsed, *file, actorOf(p)); err == nil {
					s.setFlash(w, r, "New version uploaded; earlier versions are kept.")
					http.Redirect(w, r, "/evidence/"+id, http.StatusSeeOther)
					return
				}
			}
		}
	}
	if fault.Is(err, fault.Internal) {
		s.fail(w, r, err)
		return
	}
	s.renderEvidenceItem(w, r, p, fault.CodeStatus(err), err)
}

func (s *Server) evidenceRelink(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ManageEvidence) {
		return
	}
	id := r.PathValue("id")
	l := evidence.LinkRequest{RecordType: evidence.RecordType(r.PostFormValue("record_type")), RecordID: strings.TrimSpace(r.PostFormValue("record_id"))}
	err := l.Validate()
	a := evidence.Attachment{RecordType: l.RecordType, RecordID: l.RecordID}
	unlink := r.PostFormValue("action") == "unlink"
	if err == nil && !unlink {
		var v *catalog.View
		if v, err = s.view(r, p); err == nil {
			err = api.CheckEvidenceTarget(r.Context(), s.db, v, p.OrgID, a)
		}
	}
	if err == nil {
		if unlink {
			_, err = s.db.UnlinkEvidence(r.Context(), p.OrgID, id, a, actorOf(p))
		} else {
			_, err = s.db.LinkEvidence(r.Context(), p.OrgID, id, a, actorOf(p))
		}
	}
	if err != nil {
		if fault.Is(err, fault.Invalid) {
			s.renderEvidenceItem(w, r, p, fault.CodeStatus(err), err)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/evidence/"+id, http.StatusSeeOther)
}
