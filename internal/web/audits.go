package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/api"
	"github.com/annexa-dev/annexa/internal/audit"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/readiness"
	"github.com/annexa-dev/annexa/internal/risk"
	"github.com/annexa-dev/annexa/internal/store"
)

// The audit programme: internal audits and their findings (clause 9.2), corrective actions
// with effectiveness checks (10.2) and management reviews (9.3). The store applies every rule;
// these pages show its answer, and a write it refuses brings the page back saying why.

// standingView is where the programme stands for one standard, with the verdicts readiness
// draws from it.
type standingView struct {
	audit.Standing
	// Coverage is what the completed audits of the certification cycle examined.
	Coverage                     audit.Coverage
	Name                         string
	AuditVerdict, ReviewVerdict  audit.Verdict
	ActionsVerdict               audit.Verdict
	UnderwayHref, OpenHref       string
	OverdueHref, UncheckedHref   string
	EffectiveHref, CompletedHref string
}

func (s *Server) standingViews(sts []audit.Standing, today string) []standingView {
	out := make([]standingView, len(sts))
	for i, st := range sts {
		q := "standard=" + url.QueryEscape(st.Standard)
		out[i] = standingView{Standing: st, Name: s.standardName(st.Standard),
			AuditVerdict: st.InternalAudit(today), ReviewVerdict: st.ManagementReview(today), ActionsVerdict: st.CorrectiveActions(),
			UnderwayHref: "/audits?status=underway&" + q, CompletedHref: "/audits?status=completed&" + q,
			OpenHref: "/corrective-actions?status=open&" + q, OverdueHref: "/corrective-actions?overdue=true&" + q,
			UncheckedHref: "/corrective-actions?status=implemented&" + q, EffectiveHref: "/corrective-actions?status=effective&" + q}
	}
	return out
}

func (s *Server) standardName(id string) string {
	if c, ok := s.opts.Catalogs.Builtin().Catalog(id); ok {
		return c.Title
	}
	return id
}

// standardNames names every standard the programme covers, for templates that list them.
func (s *Server) standardNames() map[string]string {
	names := map[string]string{}
	for _, id := range audit.Standards {
		names[id] = s.standardName(id)
	}
	return names
}

func (s *Server) standardChoices(checked []string) []choice {
	return choices(audit.Standards, s.standardName, func(id string) bool { return slices.Contains(checked, id) })
}

// formVersion is the version the form was rendered from, so a write over someone else's
// change is refused rather than silently undoing it.
func formVersion(r *http.Request) *int64 {
	if n, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64); err == nil {
		return &n
	}
	return nil
}

// refused reports whether the store declined a write the person can put right — bad fields, a
// record whose state forbids the change, an edit made on a stale copy — which the page answers
// by showing itself again with why, rather than with an error page.
func refused(err error) bool {
	return fault.Is(err, fault.Invalid) || fault.Is(err, fault.Conflict) || fault.Is(err, fault.PreconditionErr)
}

var listItem = regexp.MustCompile(`^(\w+)\[(\d+)\](?:\.(\w+))?$`)

// fieldName says a field of these forms in words: "lead_auditor_id" → "Lead auditor",
// "decisions[1].text" → "Decision 2, text", "inputs.audit_results" → the topic's label.
func fieldName(field string, topics []audit.Topic) string {
	if id, ok := strings.CutPrefix(field, "inputs."); ok {
		for _, t := range topics {
			if t.ID == id {
				return t.Label + " (" + t.Clause + ")"
			}
		}
	}
	words := func(f string) string { return strings.ToLower(humanise(strings.TrimSuffix(f, "_id"))) }
	if m := listItem.FindStringSubmatch(field); m != nil {
		n, _ := strconv.Atoi(m[2])
		name := fmt.Sprintf("%s %d", humanise(strings.TrimSuffix(m[1], "s")), n+1)
		if m[3] != "" {
			name += ", " + words(m[3])
		}
		return name
	}
	return humanise(strings.TrimSuffix(field, "_id"))
}

// programmeErrors turns a refused write into the per-field messages and the summary the page
// shows; the forms show the messages of a list's items (actions[0].done) beside the list.
func programmeErrors(err error) (map[string]string, string) {
	topics, _ := audit.Topics()
	fields := map[string]string{}
	put := func(k, v string) {
		if _, seen := fields[k]; !seen {
			fields[k] = v
		}
	}
	for _, f := range fault.Fields(err) {
		// A message that names its subject (the owner refused as checker, a topic not
		// considered) reads alone; the others are about the field they are put beside.
		msg := capitalise(f.Message) + "."
		if name := fieldName(f.Field, topics); f.Field != "user" && !strings.Contains(strings.ToLower(f.Message), strings.ToLower(name)) {
			msg = name + ": " + f.Message + "."
		}
		put(f.Field, msg)
	}
	msg := fault.Message(err)
	// The validation's own summary is written for API clients; a person needs to know that
	// nothing happened and where to look.
	if fault.Is(err, fault.Invalid) && msg == "the request has invalid fields" {
		msg = "Nothing was saved: what to fix is listed here and marked below."
	}
	if fault.Is(err, fault.PreconditionErr) {
		msg = "Someone else changed this record while you were working on it. This is the current version; make your change again."
	}
	return fields, msg
}

// The programme: audits.

type auditRow struct {
	audit.Audit
	Lead string
}

type auditForm struct {
	Title, Kind, Scope, LeadAuditorID, PlannedStart, PlannedEnd string
	Standards                                                   []string
}

type auditsData struct {
	Standing  []standingView
	Rows      []auditRow
	NextHref  string
	Status    string
	Standard  string
	Filtered  bool
	Statuses  []choice
	Filters   []choice
	Form      auditForm
	Kinds     []choice
	Standards []choice
	StdNames  map[string]string
	People    []auth.Member
	CanManage bool
}

// underway is the filter the standing's "audits underway" links to: planned or in progress.
const underway = audit.UnderwayFilter

func kindLabel(k audit.Kind) string {
	if k == audit.AnnexA {
		return "Annex A audit (one standard's controls)"
	}
	return "Management-system audit (Clauses 4–10)"
}

func (s *Server) auditsPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ReadRecords) {
		return
	}
	s.renderAudits(w, r, p, http.StatusOK, auditForm{Kind: string(audit.ManagementSystem), Standards: audit.Standards}, nil)
}

func (s *Server) renderAudits(w http.ResponseWriter, r *http.Request, p auth.Principal, status int, form auditForm, ferr error) {
	ctx := r.Context()
	q := r.URL.Query()
	d := auditsData{Status: q.Get("status"), Standard: q.Get("standard"), Form: form, StdNames: s.standardNames(), CanManage: p.Can(auth.ManageAudits)}
	f := audit.ParseStatusFilter(d.Status)
	f.Standard = d.Standard
	d.Filtered = d.Status != "" || d.Standard != ""
	pr := store.PageRequest{Limit: 100, Cursor: q.Get("cursor")}
	if err := pr.Validate(); err != nil {
		s.fail(w, r, err)
		return
	}
	pg, err := s.db.Audits(ctx, p.OrgID, f, pr)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	people, names, err := s.people(r, p.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	prog, err := s.db.AuditProgramme(ctx, p.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	today := risk.Today(time.Now())
	var sts []audit.Standing
	for _, id := range audit.Standards {
		sts = append(sts, prog.Standing(id, today))
	}
	d.Standing, d.People = s.standingViews(sts, today), people
	for i := range d.Standing {
		if d.Standing[i].Coverage, err = api.AuditCoverage(ctx, s.db, s.opts.Catalogs.Builtin(), p.OrgID, d.Standing[i].Standard); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	for _, a := range pg.Items {
		d.Rows = append(d.Rows, auditRow{Audit: a, Lead: names[a.LeadAuditorID]})
	}
	if pg.NextCursor != "" {
		d.NextHref = nextHref("/audits", q, pg.NextCursor)
	}
	d.Statuses = append([]choice{{Value: underway, Label: "Underway (planned or in progress)", Checked: d.Status == underway}},
		choices(audit.Statuses, humanise, func(x audit.Status) bool { return string(x) == d.Status })...)
	d.Filters = s.standardChoices([]string{d.Standard})
	d.Kinds = choices(audit.Kinds, kindLabel, func(k audit.Kind) bool { return string(k) == form.Kind })
	d.Standards = s.standardChoices(form.Standards)
	pgd := page{Title: "Audit programme", Nav: "audits", Principal: &p, CSRF: csrfFrom(r), Data: d}
	if ferr != nil {
		pgd.Fields, pgd.Error = programmeErrors(ferr)
	}
	s.render(w, r, status, "audits", pgd)
}

func nextHref(path string, q url.Values, cursor string) string {
	nq := url.Values{}
	for k, v := range q {
		nq[k] = v
	}
	nq.Set("cursor", cursor)
	return path + "?" + nq.Encode()
}

func (s *Server) auditCreate(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ManageAudits) {
		return
	}
	v := r.PostForm
	form := auditForm{Title: v.Get("title"), Kind: v.Get("kind"), Scope: v.Get("scope"), LeadAuditorID: v.Get("lead_auditor_id"),
		PlannedStart: v.Get("planned_start"), PlannedEnd: v.Get("planned_end"), Standards: append([]string{}, v["standards"]...)}
	kind := audit.Kind(form.Kind)
	in := audit.Input{Title: &form.Title, Kind: &kind, Standards: &form.Standards, Scope: &form.Scope, LeadAuditorID: &form.LeadAuditorID,
		PlannedStart: &form.PlannedStart, PlannedEnd: &form.PlannedEnd}
	a, err := s.db.CreateAudit(r.Context(), p.OrgID, in, actorOf(p))
	if err != nil {
		if !refused(err) {
			s.fail(w, r, err)
			return
		}
		s.renderAudits(w, r, p, fault.CodeStatus(err), form, err)
		return
	}
	s.setFlash(w, r, fmt.Sprintf("Audit “%s” planned for %s to %s.", a.Title, a.PlannedStart, a.PlannedEnd))
	http.Redirect(w, r, "/audits/"+a.ID, http.StatusSeeOther)
}

// One audit and its findings.

type findingRow struct {
	audit.Finding
	Title  string // the requirement's title in the catalog
	Href   string
	Action *audit.CorrectiveAction // the corrective action answering it, if any
}

type findingForm struct{ Requirement, Kind, Statement, Evidence string }

type completeForm struct{ Conclusion, CompletedOn string }

type requirementOption struct{ Value, Label string }

type internalAuditData struct {
	Audit     audit.Audit
	Lead      string
	StdNames  map[string]string
	Findings  []findingRow
	Actions   []audit.CorrectiveAction
	Owners    map[string]string
	Finding   findingForm
	Kinds     []choice
	Complete  completeForm
	Options   []requirementOption
	Example   string
	CanManage bool
	CanRaise  bool
	CanDelete bool
	// Checklist is every requirement in the audit's scope; Examined counts those examined.
	Checklist []audit.ChecklistItem
	Examined  int
}

// auditForms are what the person typed into the audit page's forms, kept when a write is refused.
type auditForms struct {
	Finding  findingForm
	Complete completeForm
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ReadRecords) {
		return
	}
	s.renderAudit(w, r, p, http.StatusOK, auditForms{}, nil)
}

// renderAudit shows the audit as it is now; after a refused write, with the typed forms and why.
func (s *Server) renderAudit(w http.ResponseWriter, r *http.Request, p auth.Principal, status int, forms auditForms, ferr error) {
	ctx := r.Context()
	a, err := s.db.Audit(ctx, p.OrgID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_, names, err := s.people(r, p.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	acts, err := s.db.CorrectiveActions(ctx, p.OrgID, audit.ActionFilter{AuditID: a.ID}, store.PageRequest{Limit: store.MaxLimit})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	view, err := s.view(r, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := internalAuditData{Audit: a, Lead: names[a.LeadAuditorID], StdNames: s.standardNames(), Actions: acts.Items, Owners: names,
		Finding: forms.Finding, Complete: forms.Complete,
		CanManage: p.Can(auth.ManageAudits), CanRaise: p.Can(auth.ManageCorrectiveActions)}
	d.CanDelete = d.CanManage && (a.Status == audit.Planned || a.Status == audit.Cancelled)
	d.Checklist = a.Checklist(s.opts.Catalogs.Builtin())
	for _, it := range d.Checklist {
		if it.Examined {
			d.Examined++
		}
	}
	if d.Complete.CompletedOn == "" {
		d.Complete.CompletedOn = risk.Today(time.Now())
	}
	answered := map[string]*audit.CorrectiveAction{}
	for i, c := range acts.Items {
		answered[c.FindingID] = &acts.Items[i]
	}
	for _, f := range a.Findings {
		row := findingRow{Finding: f, Action: answered[f.ID]}
		if cat, item, ok := strings.Cut(f.Requirement, ":"); ok {
			row.Href = itemHref(cat, item)
			if it, err := view.Item(cat, item); err == nil {
				row.Title = it.Title
			}
		}
		d.Findings = append(d.Findings, row)
	}
	// The requirements a finding may name, offered as suggestions: the clauses of a
	// management-system audit, the Annex A controls of an Annex A audit.
	for _, std := range a.Standards {
		cat, ok := view.Catalog(std)
		if !ok {
			continue
		}
		for _, it := range cat.Items {
			clause := it.Kind == "clause" || it.Kind == "subclause"
			if (a.Kind == audit.AnnexA && it.Kind == "control") || (a.Kind == audit.ManagementSystem && clause) {
				d.Options = append(d.Options, requirementOption{Value: std + ":" + it.ID, Label: it.ID + " " + it.Title})
			}
		}
	}
	if len(d.Options) > 0 {
		d.Example = d.Options[0].Value
		for _, o := range d.Options {
			if strings.HasSuffix(o.Value, ":9.2") || strings.HasSuffix(o.Value, ":A.5.1") {
				d.Example = o.Value
				break
			}
		}
	}
	d.Kinds = choices(audit.FindingKinds, humanise, func(k audit.FindingKind) bool { return string(k) == forms.Finding.Kind })
	pg := page{Title: a.Title, Nav: "audits", Principal: &p, CSRF: csrfFrom(r), Data: d}
	if ferr != nil {
		pg.Fields, pg.Error = programmeErrors(ferr)
	}
	s.render(w, r, status, "audit", pg)
}

// redisplayAudit answers a write on the audit page: a refusal shows the page again, anything
// else (not found, forbidden, internal) the error page.
func (s *Server) redisplayAudit(w http.ResponseWriter, r *http.Request, p auth.Principal, forms auditForms, err error) {
	if !refused(err) {
		s.fail(w, r, err)
		return
	}
	s.renderAudit(w, r, p, fault.CodeStatus(err), forms, err)
}

// auditMove moves an audit through its lifecycle: start, complete (with its conclusion), cancel.
func (s *Server) auditMove(to audit.Status) func(http.ResponseWriter, *http.Request, auth.Principal) {
	return func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		if s.deny(w, r, p, auth.ManageAudits) {
			return
		}
		in := audit.Input{Status: &to}
		var forms auditForms
		if to == audit.Completed {
			forms.Complete = completeForm{Conclusion: r.PostFormValue("conclusion"), CompletedOn: r.PostFormValue("completed_on")}
			in.Conclusion, in.CompletedOn = &forms.Complete.Conclusion, &forms.Complete.CompletedOn
		}
		a, err := s.db.UpdateAudit(r.Context(), p.OrgID, r.PathValue("id"), in, formVersion(r), actorOf(p))
		if err != nil {
			s.redisplayAudit(w, r, p, forms, err)
			return
		}
		msg := map[audit.Status]string{audit.InProgress: "Audit started: record findings as you go.",
			audit.Completed: "Audit completed. Its record no longer changes.", audit.Cancelled: "Audit cancelled."}[to]
		if n := a.Nonconformities(); to == audit.Completed && n > 0 {
			msg += fmt.Sprintf(" It found %d nonconformities; each needs a corrective action.", n)
		}
		s.setFlash(w, r, msg)
		http.Redirect(w, r, "/audits/"+a.ID, http.StatusSeeOther)
	}
}

func (s *Server) auditDelete(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ManageAudits) {
		return
	}
	if err := s.db.DeleteAudit(r.Context(), p.OrgID, r.PathValue("id"), formVersion(r), actorOf(p)); err != nil {
		s.redisplayAudit(w, r, p, auditForms{}, err)
		return
	}
	s.setFlash(w, r, "Audit removed from the programme. Its history stays in the audit log.")
	http.Redirect(w, r, "/audits", http.StatusSeeOther)
}

func (s *Server) findingAdd(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ManageAudits) {
		return
	}
	v := r.PostForm
	form := findingForm{Requirement: strings.TrimSpace(v.Get("requirement")), Kind: v.Get("kind"), Statement: v.Get("statement"), Evidence: v.Get("evidence")}
	view, err := s.view(r, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	nf := audit.NewFinding{Requirement: form.Requirement, Kind: audit.FindingKind(form.Kind), Statement: form.Statement, Evidence: form.Evidence}
	// No version check: findings are appended, so two auditors recording at once do not
	// overwrite each other, and the store still refuses a finding once the audit is closed.
	a, f, err := s.db.AddFinding(r.Context(), p.OrgID, r.PathValue("id"), nf, view, nil, actorOf(p))
	if err != nil {
		s.redisplayAudit(w, r, p, auditForms{Finding: form}, err)
		return
	}
	msg := humanise(f.Kind) + " recorded against " + f.Requirement + "."
	if f.Kind.Nonconformity() {
		msg += " Raise a corrective action for it."
	}
	s.setFlash(w, r, msg)
	http.Redirect(w, r, "/audits/"+a.ID+"#findings-h", http.StatusSeeOther)
}

// decisionFollowUp records when a decision of approved minutes was carried out.
func (s *Server) decisionFollowUp(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ManageReviews) {
		return
	}
	done := r.PostFormValue("done_on")
	rv, err := s.db.FollowUpDecision(r.Context(), p.OrgID, r.PathValue("id"), r.PathValue("decision"), audit.DecisionProgress{DoneOn: done}, formVersion(r), actorOf(p))
	if err != nil {
		if !refused(err) {
			s.fail(w, r, err)
			return
		}
		s.renderReview(w, r, p, fault.CodeStatus(err), nil, err)
		return
	}
	msg := "Decision marked done on " + done + "."
	if done == "" {
		msg = "Decision marked not done yet."
	}
	s.setFlash(w, r, msg)
	http.Redirect(w, r, "/management-reviews/"+rv.ID+"#decisions-h", http.StatusSeeOther)
}

// auditExamined saves the checklist: the requirements ticked are those examined.
func (s *Server) auditExamined(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ManageAudits) {
		return
	}
	e := audit.Examination{Requirements: r.PostForm["examined"], Examined: true, Replace: true}
	a, err := s.db.ExamineRequirements(r.Context(), p.OrgID, r.PathValue("id"), e, s.opts.Catalogs.Builtin(), formVersion(r), actorOf(p))
	if err != nil {
		s.redisplayAudit(w, r, p, auditForms{}, err)
		return
	}
	s.setFlash(w, r, fmt.Sprintf("Checklist saved: %d requirements marked examined (findings count as examined too).", len(a.Examined)))
	http.Redirect(w, r, "/audits/"+a.ID+"#checklist-h", http.StatusSeeOther)
}

func (s *Server) findingDelete(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ManageAudits) {
		return
	}
	a, err := s.db.DeleteFinding(r.Context(), p.OrgID, r.PathValue("id"), r.PathValue("finding"), nil, actorOf(p))
	if err != nil {
		s.redisplayAudit(w, r, p, auditForms{}, err)
		return
	}
	s.setFlash(w, r, "Finding withdrawn. Its history stays in the audit log.")
	http.Redirect(w, r, "/audits/"+a.ID+"#findings-h", http.StatusSeeOther)
}

// Corrective actions.

type actionRow struct {
	audit.CorrectiveAction
	Owner, Audit string
}

type actionForm struct {
	Title, AuditID, FindingID, Source, Nonconformity, Correction, OwnerID, DueOn string
}

// raisedFrom is the audit finding a new corrective action answers.
type raisedFrom struct {
	Audit   audit.Audit
	Finding audit.Finding
	Grade   string // the finding's grade, in words that read mid-sentence
}

type actionsData struct {
	Rows      []actionRow
	NextHref  string
	Status    string
	Overdue   bool
	Standard  string
	Filtered  bool
	Statuses  []choice
	Filters   []choice
	Form      actionForm
	From      *raisedFrom
	People    []auth.Member
	CanManage bool
}

func (s *Server) actionsPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ReadRecords) {
		return
	}
	var form actionForm
	q := r.URL.Query()
	// Coming from a finding: the form answers it, and starts from what the auditor wrote.
	if aid, fid := q.Get("audit_id"), q.Get("finding_id"); aid != "" || fid != "" {
		a, err := s.db.Audit(r.Context(), p.OrgID, aid)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f, ok := a.Finding(fid)
		if !ok {
			s.fail(w, r, fault.NotFoundf("finding", fid))
			return
		}
		form = actionForm{Title: "Nonconformity on " + f.Requirement, AuditID: a.ID, FindingID: f.ID, Nonconformity: f.Statement}
	}
	s.renderActions(w, r, p, http.StatusOK, form, nil)
}

func (s *Server) renderActions(w http.ResponseWriter, r *http.Request, p auth.Principal, status int, form actionForm, ferr error) {
	ctx := r.Context()
	q := r.URL.Query()
	d := actionsData{Status: q.Get("status"), Overdue: q.Get("overdue") == "true", Standard: q.Get("standard"), Form: form, CanManage: p.Can(auth.ManageCorrectiveActions)}
	d.Filtered = d.Status != "" || d.Overdue || d.Standard != ""
	pr := store.PageRequest{Limit: 100, Cursor: q.Get("cursor")}
	if err := pr.Validate(); err != nil {
		s.fail(w, r, err)
		return
	}
	pg, err := s.db.CorrectiveActions(ctx, p.OrgID, audit.ActionFilter{Status: audit.ActionStatus(d.Status), Overdue: d.Overdue, Standard: d.Standard}, pr)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	audits, err := s.db.AllAudits(ctx, p.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	people, names, err := s.people(r, p.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	byID := map[string]audit.Audit{}
	for _, a := range audits {
		byID[a.ID] = a
	}
	for _, c := range pg.Items {
		d.Rows = append(d.Rows, actionRow{CorrectiveAction: c, Owner: names[c.OwnerID], Audit: byID[c.AuditID].Title})
	}
	if pg.NextCursor != "" {
		d.NextHref = nextHref("/corrective-actions", q, pg.NextCursor)
	}
	if a, ok := byID[form.AuditID]; ok {
		if f, ok := a.Finding(form.FindingID); ok {
			d.From = &raisedFrom{Audit: a, Finding: f, Grade: strings.ToLower(humanise(f.Kind))}
		}
	}
	d.People = people
	d.Statuses = choices(audit.ActionStatuses, humanise, func(x audit.ActionStatus) bool { return string(x) == d.Status })
	d.Filters = s.standardChoices([]string{d.Standard})
	pgd := page{Title: "Corrective actions", Nav: "corrective-actions", Principal: &p, CSRF: csrfFrom(r), Data: d}
	if ferr != nil {
		pgd.Fields, pgd.Error = programmeErrors(ferr)
	}
	s.render(w, r, status, "corrective_actions", pgd)
}

func (s *Server) actionCreate(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ManageCorrectiveActions) {
		return
	}
	v := r.PostForm
	form := actionForm{Title: v.Get("title"), AuditID: v.Get("audit_id"), FindingID: v.Get("finding_id"), Source: v.Get("source"),
		Nonconformity: v.Get("nonconformity"), Correction: v.Get("correction"), OwnerID: v.Get("owner_id"), DueOn: v.Get("due_on")}
	in := audit.ActionInput{Title: &form.Title, AuditID: &form.AuditID, FindingID: &form.FindingID, Source: &form.Source,
		Nonconformity: &form.Nonconformity, Correction: &form.Correction, OwnerID: &form.OwnerID, DueOn: &form.DueOn}
	c, err := s.db.CreateCorrectiveAction(r.Context(), p.OrgID, in, actorOf(p))
	if err != nil {
		if !refused(err) {
			s.fail(w, r, err)
			return
		}
		s.renderActions(w, r, p, fault.CodeStatus(err), form, err)
		return
	}
	s.setFlash(w, r, fmt.Sprintf("Corrective action “%s” recorded, due %s. Find its root cause and plan what will stop it recurring.", c.Title, c.DueOn))
	http.Redirect(w, r, "/corrective-actions/"+c.ID, http.StatusSeeOther)
}

type actionEditForm struct {
	Version, Title, Nonconformity, Correction, RootCause, OwnerID, DueOn, Status string
	Actions                                                                      []risk.Action
}

type checkForm struct{ Effective, Note string }

type actionData struct {
	Action    audit.CorrectiveAction
	Audit     *audit.Audit
	Finding   *audit.Finding
	Names     map[string]string
	People    []auth.Member
	Form      actionEditForm
	Statuses  []choice
	Check     checkForm
	CanEdit   bool
	CanCheck  bool
	OwnAction bool
	CanDelete bool
}

func editFormOf(c audit.CorrectiveAction) actionEditForm {
	return actionEditForm{Version: strconv.FormatInt(c.Version, 10), Title: c.Title, Nonconformity: c.Nonconformity, Correction: c.Correction,
		RootCause: c.RootCause, OwnerID: c.OwnerID, DueOn: c.DueOn, Status: string(c.Status), Actions: c.Actions}
}

func (s *Server) actionPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ReadRecords) {
		return
	}
	s.renderAction(w, r, p, http.StatusOK, nil, checkForm{}, nil)
}

// renderAction shows the corrective action as it is now; form, when not nil, is what the
// person typed into the edit form before it was refused.
func (s *Server) renderAction(w http.ResponseWriter, r *http.Request, p auth.Principal, status int, form *actionEditForm, chk checkForm, ferr error) {
	ctx := r.Context()
	c, err := s.db.CorrectiveAction(ctx, p.OrgID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	people, names, err := s.people(r, p.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := actionData{Action: c, Names: names, People: people, Form: editFormOf(c), Check: chk,
		CanEdit:   p.Can(auth.ManageCorrectiveActions) && c.Status != audit.ActionEffective,
		CanCheck:  p.Can(auth.ManageAudits) && c.Status == audit.ActionImplemented,
		OwnAction: c.OwnerID != "" && c.OwnerID == p.UserID,
		CanDelete: p.Can(auth.ManageCorrectiveActions) && c.Status == audit.ActionOpen && len(c.Verifications) == 0}
	if form != nil && !fault.Is(ferr, fault.PreconditionErr) {
		form.Version = d.Form.Version
		d.Form = *form
	}
	if c.AuditID != "" {
		if a, err := s.db.Audit(ctx, p.OrgID, c.AuditID); err == nil {
			d.Audit = &a
			if f, ok := a.Finding(c.FindingID); ok {
				d.Finding = &f
			}
		}
	}
	// The actions plus two empty rows, so an action can be added without JavaScript.
	d.Form.Actions = append(slices.Clone(d.Form.Actions), risk.Action{}, risk.Action{})
	d.Statuses = choices([]audit.ActionStatus{audit.ActionOpen, audit.ActionImplemented}, humanise,
		func(x audit.ActionStatus) bool { return string(x) == d.Form.Status })
	pg := page{Title: c.Title, Nav: "corrective-actions", Principal: &p, CSRF: csrfFrom(r), Data: d}
	if ferr != nil {
		pg.Fields, pg.Error = programmeErrors(ferr)
	}
	s.render(w, r, status, "corrective_action", pg)
}

// actionsFromForm reads the plan's rows; a row without a title is an unused empty row.
func actionsFromForm(v url.Values) []risk.Action {
	acts := []risk.Action{}
	ids, owners, dues, done := v["action_id"], v["action_owner"], v["action_due"], v["action_done"]
	for i, title := range v["action_title"] {
		if strings.TrimSpace(title) == "" {
			continue
		}
		acts = append(acts, risk.Action{ID: at(ids, i), Title: strings.TrimSpace(title), OwnerID: at(owners, i), Due: at(dues, i),
			Done: slices.Contains(done, strconv.Itoa(i))})
	}
	return acts
}

func (s *Server) actionUpdate(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ManageCorrectiveActions) {
		return
	}
	v := r.PostForm
	form := actionEditForm{Title: v.Get("title"), Nonconformity: v.Get("nonconformity"), Correction: v.Get("correction"), RootCause: v.Get("root_cause"),
		OwnerID: v.Get("owner_id"), DueOn: v.Get("due_on"), Status: v.Get("status"), Actions: actionsFromForm(v)}
	st := audit.ActionStatus(form.Status)
	in := audit.ActionInput{Title: &form.Title, Nonconformity: &form.Nonconformity, Correction: &form.Correction, RootCause: &form.RootCause,
		OwnerID: &form.OwnerID, DueOn: &form.DueOn, Status: &st, Actions: &form.Actions}
	c, err := s.db.UpdateCorrectiveAction(r.Context(), p.OrgID, r.PathValue("id"), in, formVersion(r), actorOf(p))
	if err != nil {
		if !refused(err) {
			s.fail(w, r, err)
			return
		}
		s.renderAction(w, r, p, fault.CodeStatus(err), &form, checkForm{}, err)
		return
	}
	msg := c.Title + " saved."
	if c.Status == audit.ActionImplemented {
		msg += " Someone other than its owner now checks whether it worked."
	}
	s.setFlash(w, r, msg)
	http.Redirect(w, r, "/corrective-actions/"+c.ID, http.StatusSeeOther)
}

func (s *Server) actionVerify(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ManageAudits) {
		return
	}
	chk := checkForm{Effective: r.PostFormValue("effective"), Note: r.PostFormValue("note")}
	var err error
	if chk.Effective != "yes" && chk.Effective != "no" {
		err = &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields",
			Fields: []fault.FieldError{{Field: "effective", Message: "say whether the action was effective"}}}
	}
	var c audit.CorrectiveAction
	if err == nil {
		c, err = s.db.VerifyCorrectiveAction(r.Context(), p.OrgID, r.PathValue("id"), audit.Check{Effective: chk.Effective == "yes", Note: chk.Note}, p, formVersion(r), actorOf(p))
	}
	if err != nil {
		if !refused(err) {
			s.fail(w, r, err)
			return
		}
		s.renderAction(w, r, p, fault.CodeStatus(err), nil, chk, err)
		return
	}
	msg := "Checked effective: the corrective action is closed."
	if c.Status == audit.ActionOpen {
		msg = "Checked not effective: the corrective action is open again."
	}
	s.setFlash(w, r, msg)
	http.Redirect(w, r, "/corrective-actions/"+c.ID, http.StatusSeeOther)
}

func (s *Server) actionDelete(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ManageCorrectiveActions) {
		return
	}
	if err := s.db.DeleteCorrectiveAction(r.Context(), p.OrgID, r.PathValue("id"), formVersion(r), actorOf(p)); err != nil {
		if !refused(err) {
			s.fail(w, r, err)
			return
		}
		s.renderAction(w, r, p, fault.CodeStatus(err), nil, checkForm{}, err)
		return
	}
	s.setFlash(w, r, "Corrective action removed. Its history stays in the audit log.")
	http.Redirect(w, r, "/corrective-actions", http.StatusSeeOther)
}

// Management reviews.

type reviewForm struct {
	Title, HeldOn, Attendees string
	Standards                []string
}

type reviewsData struct {
	Rows      []audit.Review
	NextHref  string
	Form      reviewForm
	Standards []choice
	StdNames  map[string]string
	CanManage bool
}

func (s *Server) reviewsPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ReadRecords) {
		return
	}
	s.renderReviews(w, r, p, http.StatusOK, reviewForm{HeldOn: risk.Today(time.Now()), Standards: audit.Standards}, nil)
}

func (s *Server) renderReviews(w http.ResponseWriter, r *http.Request, p auth.Principal, status int, form reviewForm, ferr error) {
	q := r.URL.Query()
	pr := store.PageRequest{Limit: 100, Cursor: q.Get("cursor")}
	if err := pr.Validate(); err != nil {
		s.fail(w, r, err)
		return
	}
	pg, err := s.db.ManagementReviews(r.Context(), p.OrgID, pr)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := reviewsData{Rows: pg.Items, Form: form, Standards: s.standardChoices(form.Standards), StdNames: s.standardNames(), CanManage: p.Can(auth.ManageReviews)}
	if pg.NextCursor != "" {
		d.NextHref = nextHref("/management-reviews", q, pg.NextCursor)
	}
	pgd := page{Title: "Management reviews", Nav: "reviews", Principal: &p, CSRF: csrfFrom(r), Data: d}
	if ferr != nil {
		pgd.Fields, pgd.Error = programmeErrors(ferr)
	}
	s.render(w, r, status, "reviews", pgd)
}

// attendeeLines reads attendees one per line; a name may hold a comma or a semicolon.
func attendeeLines(text string) []string {
	out := []string{}
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func (s *Server) reviewCreate(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ManageReviews) {
		return
	}
	v := r.PostForm
	form := reviewForm{Title: v.Get("title"), HeldOn: v.Get("held_on"), Attendees: v.Get("attendees"), Standards: append([]string{}, v["standards"]...)}
	attendees := attendeeLines(form.Attendees)
	in := audit.ReviewInput{Title: &form.Title, HeldOn: &form.HeldOn, Standards: &form.Standards, Attendees: &attendees}
	rv, err := s.db.CreateManagementReview(r.Context(), p.OrgID, in, actorOf(p))
	if err != nil {
		if !refused(err) {
			s.fail(w, r, err)
			return
		}
		s.renderReviews(w, r, p, fault.CodeStatus(err), form, err)
		return
	}
	s.setFlash(w, r, "Minutes of “"+rv.Title+"” started. Record what the review considered on each input and what it decided.")
	http.Redirect(w, r, "/management-reviews/"+rv.ID, http.StatusSeeOther)
}

type topicRow struct {
	audit.Topic
	Notes string
	// Facts are what the records say on the topic (the review pack), shown while drafting.
	Facts []string
}

type reviewData struct {
	Review audit.Review
	// PackSince and PackFrom say where the records' facts start: a date and the approved
	// review it follows, if any.
	PackSince, PackFrom string
	Form                reviewForm
	Version             string
	Topics              []topicRow
	Decisions           []audit.Decision
	Standards           []choice
	StdNames            map[string]string
	Names               map[string]string
	People              []auth.Member
	CanEdit             bool
	CanApprove          bool
	// CanFollowUp offers recording, on approved minutes, when each decision was carried out.
	CanFollowUp bool
}

// reviewTyped is what the person typed into the minutes, kept when a save is refused.
type reviewTyped struct {
	Form      reviewForm
	Inputs    map[string]string
	Decisions []audit.Decision
}

func (s *Server) reviewPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ReadRecords) {
		return
	}
	s.renderReview(w, r, p, http.StatusOK, nil, nil)
}

func (s *Server) renderReview(w http.ResponseWriter, r *http.Request, p auth.Principal, status int, typed *reviewTyped, ferr error) {
	rv, err := s.db.ManagementReview(r.Context(), p.OrgID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	topics, err := audit.Topics()
	if err != nil {
		s.fail(w, r, fault.Wrap(err, "load the management review topics"))
		return
	}
	people, names, err := s.people(r, p.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	draft := rv.Status == audit.ReviewDraft
	d := reviewData{Review: rv, Version: strconv.FormatInt(rv.Version, 10), StdNames: s.standardNames(), Names: names, People: people,
		CanEdit: draft && p.Can(auth.ManageReviews), CanApprove: draft && p.Can(auth.ApproveReviews), CanFollowUp: !draft && p.Can(auth.ManageReviews),
		Form:      reviewForm{Title: rv.Title, HeldOn: rv.HeldOn, Attendees: strings.Join(rv.Attendees, "\n"), Standards: rv.Standards},
		Decisions: rv.Decisions}
	inputs := rv.Inputs
	if typed != nil && !fault.Is(ferr, fault.PreconditionErr) {
		d.Form, inputs, d.Decisions = typed.Form, typed.Inputs, typed.Decisions
	}
	var pack readiness.ReviewPack
	if d.CanEdit {
		if pack, err = readiness.BuildReviewPack(r.Context(), s.db, p.OrgID, s.opts.Catalogs.Builtin(), time.Now(), rv.Standards, ""); err != nil {
			s.fail(w, r, err)
			return
		}
		d.PackSince, d.PackFrom = pack.Since, pack.SinceReview
	}
	for _, t := range topics {
		d.Topics = append(d.Topics, topicRow{Topic: t, Notes: inputs[t.ID], Facts: pack.Topics[t.ID]})
	}
	if d.CanEdit {
		// Two empty rows, so a decision can be added without JavaScript.
		d.Decisions = append(slices.Clone(d.Decisions), audit.Decision{}, audit.Decision{})
	}
	d.Standards = s.standardChoices(d.Form.Standards)
	pg := page{Title: rv.Title, Nav: "reviews", Principal: &p, CSRF: csrfFrom(r), Data: d}
	if ferr != nil {
		pg.Fields, pg.Error = programmeErrors(ferr)
	}
	s.render(w, r, status, "review", pg)
}

// reviewFromForm reads the minutes into a full update; an empty decision row is left out.
func reviewFromForm(v url.Values, topics []audit.Topic) (audit.ReviewInput, reviewTyped) {
	typed := reviewTyped{Form: reviewForm{Title: v.Get("title"), HeldOn: v.Get("held_on"), Attendees: v.Get("attendees"),
		Standards: append([]string{}, v["standards"]...)}, Inputs: map[string]string{}, Decisions: []audit.Decision{}}
	for _, t := range topics {
		typed.Inputs[t.ID] = v.Get("input." + t.ID)
	}
	ids, owners, dues := v["decision_id"], v["decision_owner"], v["decision_due"]
	for i, text := range v["decision_text"] {
		d := audit.Decision{ID: at(ids, i), Text: strings.TrimSpace(text), OwnerID: at(owners, i), Due: at(dues, i)}
		if d.Text == "" && d.OwnerID == "" && d.Due == "" {
			continue
		}
		typed.Decisions = append(typed.Decisions, d)
	}
	attendees := attendeeLines(typed.Form.Attendees)
	in := audit.ReviewInput{Title: &typed.Form.Title, HeldOn: &typed.Form.HeldOn, Standards: &typed.Form.Standards, Attendees: &attendees,
		Inputs: &typed.Inputs, Decisions: &typed.Decisions}
	return in, typed
}

// reviewSave saves the minutes and, when the person pressed "Save and approve", approves them.
func (s *Server) reviewSave(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ManageReviews) {
		return
	}
	approve := r.PostFormValue("action") == "approve"
	if approve && s.deny(w, r, p, auth.ApproveReviews) {
		return
	}
	topics, err := audit.Topics()
	if err != nil {
		s.fail(w, r, fault.Wrap(err, "load the management review topics"))
		return
	}
	in, typed := reviewFromForm(r.PostForm, topics)
	rv, err := s.db.UpdateManagementReview(r.Context(), p.OrgID, r.PathValue("id"), in, formVersion(r), actorOf(p))
	if err != nil {
		if !refused(err) {
			s.fail(w, r, err)
			return
		}
		s.renderReview(w, r, p, fault.CodeStatus(err), &typed, err)
		return
	}
	if approve {
		if _, err := s.db.ApproveManagementReview(r.Context(), p.OrgID, rv.ID, p, &rv.Version, actorOf(p)); err != nil {
			s.reviewRefused(w, r, p, err)
			return
		}
		s.setFlash(w, r, "Minutes saved and approved. They no longer change.")
	} else {
		s.setFlash(w, r, "Minutes saved.")
	}
	http.Redirect(w, r, "/management-reviews/"+rv.ID, http.StatusSeeOther)
}

// reviewRefused shows the saved minutes with why they could not be approved.
func (s *Server) reviewRefused(w http.ResponseWriter, r *http.Request, p auth.Principal, err error) {
	if !refused(err) {
		s.fail(w, r, err)
		return
	}
	if fault.Is(err, fault.Invalid) {
		err = &fault.Error{Code: fault.Invalid, Message: "The minutes are not complete enough to approve. What is missing is marked below.", Fields: fault.Fields(err)}
	}
	s.renderReview(w, r, p, fault.CodeStatus(err), nil, err)
}

func (s *Server) reviewApprove(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ApproveReviews) {
		return
	}
	rv, err := s.db.ApproveManagementReview(r.Context(), p.OrgID, r.PathValue("id"), p, formVersion(r), actorOf(p))
	if err != nil {
		s.reviewRefused(w, r, p, err)
		return
	}
	s.setFlash(w, r, "Minutes approved. They no longer change.")
	http.Redirect(w, r, "/management-reviews/"+rv.ID, http.StatusSeeOther)
}

func (s *Server) reviewDelete(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ManageReviews) {
		return
	}
	if err := s.db.DeleteManagementReview(r.Context(), p.OrgID, r.PathValue("id"), formVersion(r), actorOf(p)); err != nil {
		s.reviewRefused(w, r, p, err)
		return
	}
	s.setFlash(w, r, "Draft minutes removed. Their history stays in the audit log.")
	http.Redirect(w, r, "/management-reviews", http.StatusSeeOther)
}
