package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/api"
	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/org"
	"github.com/annexa-dev/annexa/internal/readiness"
	"github.com/annexa-dev/annexa/internal/store"
)

type nextStep struct {
	Title, Why, Href string
	Done             bool
}

type homeData struct {
	Next     []nextStep
	AllDone  bool
	People   int
	Others   []api.Membership
	Dash     readiness.Dashboard
	Bars     template.HTML
	Heat     heatGrid
	HasRisks bool
	Tiers    []tierCount
	// Programme is where the audit programme stands for each standard.
	Programme []standingView
	// Monitoring counts the unresolved alerts and the AI systems they are on.
	Monitoring monitoringLine
}

type tierCount struct {
	Tier  aiact.Tier
	Count int
}

func (s *Server) home(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	ctx := r.Context()
	o, err := s.db.Organisation(ctx, p.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	people, err := s.db.MemberCount(ctx, p.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := homeData{People: people}
	d.Next = []nextStep{
		{Title: "Write the ISMS scope", Why: "ISO/IEC 27001 Clause 4.3: the boundaries of your information security management system.", Href: "/organisation", Done: o.ISMSScope != ""},
		{Title: "Write the AIMS scope", Why: "ISO/IEC 42001 Clause 4.3: which AI systems, activities and sites the AI management system covers.", Href: "/organisation", Done: o.AIMSScope != ""},
		{Title: "Determine your AI roles", Why: "ISO/IEC 42001 Clause 4.1: provider, producer, customer or partner of AI — and your EU AI Act roles — decide what applies.", Href: "/organisation", Done: len(o.AIRoles) > 0},
		{Title: "Bring in your team", Why: "Give compliance managers, AI system owners and auditors their own accounts and roles.", Href: "/people", Done: people > 1},
	}
	if !p.Can(auth.EditOrganisation) {
		for i := range d.Next {
			d.Next[i].Href = ""
		}
	}
	ms, err := s.db.Memberships(ctx, p.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, m := range ms {
		if m.OrgID == p.OrgID || m.DisabledAt != nil {
			continue
		}
		other, err := s.db.Organisation(ctx, m.OrgID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Others = append(d.Others, api.Membership{Organisation: api.OrgRef{ID: other.ID, Name: other.Name}, Role: m.Role})
	}
	if d.Dash, err = readiness.BuildDashboard(ctx, s.db, p.OrgID, s.opts.Catalogs.Builtin(), time.Now()); err != nil {
		s.fail(w, r, err)
		return
	}
	d.Next = append(d.Next,
		nextStep{Title: "Register your AI systems", Why: "ISO/IEC 42001 and the EU AI Act both start from knowing every AI system in scope, including AI inside bought tools.", Href: "/ai-systems", Done: d.Dash.Inventory.Total > 0},
		nextStep{Title: "Set your risk method", Why: "ISO/IEC 27001 and 42001 Clause 6.1.2: one method for security and AI risks.", Href: "/risk-method", Done: d.Dash.Risks.MethodSet})
	d.AllDone = true
	for _, n := range d.Next {
		d.AllDone = d.AllDone && n.Done
	}
	if d.Monitoring, err = s.monitoringSummary(ctx, p.OrgID); err != nil {
		s.fail(w, r, err)
		return
	}
	d.Bars = readinessBars(d.Dash.Readiness)
	d.Programme = s.standingViews(d.Dash.AuditProgramme, time.Now().UTC().Format(time.DateOnly))
	for _, t := range aiact.Tiers {
		d.Tiers = append(d.Tiers, tierCount{Tier: t, Count: d.Dash.AIAct.Tiers[t]})
	}
	if d.Dash.HeatMap.Total > 0 {
		m, err := s.db.RiskMethod(ctx, p.OrgID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.HasRisks = true
		d.Heat = grid("dash-inherent", "Inherent risk", m, d.Dash.HeatMap.Inherent, false)
	}
	s.render(w, r, http.StatusOK, "home", page{Title: "Home", Nav: "home", Principal: &p, CSRF: csrfFrom(r), Data: d})
}

type roleChoice struct {
	Value, Label string
	Checked      bool
}

type orgData struct {
	Org      org.Organisation
	AIRoles  []roleChoice
	ActRoles []roleChoice
}

func orgChoices(o org.Organisation) orgData {
	d := orgData{Org: o}
	for _, r := range org.AIRoles {
		d.AIRoles = append(d.AIRoles, roleChoice{Value: string(r), Label: r.Label(), Checked: contains(o.AIRoles, r)})
	}
	for _, r := range org.ActRoles {
		d.ActRoles = append(d.ActRoles, roleChoice{Value: string(r), Label: r.Label(), Checked: contains(o.EUAIActRoles, r)})
	}
	return d
}

func contains[T comparable](xs []T, x T) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func (s *Server) organisationPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	o, err := s.db.Organisation(r.Context(), p.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "organisation", page{Title: "Organisation", Nav: "organisation", Principal: &p, CSRF: csrfFrom(r), Data: orgChoices(o)})
}

func (s *Server) organisationSubmit(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !p.Can(auth.EditOrganisation) {
		s.fail(w, r, fault.New(fault.Forbidden, "your role (%s) may not change the organisation profile", p.Role.Label()))
		return
	}
	f := r.PostForm
	name, isms, aims := f.Get("name"), f.Get("isms_scope"), f.Get("aims_scope")
	ai := make([]org.AIRole, 0)
	for _, v := range f["ai_roles"] {
		ai = append(ai, org.AIRole(v))
	}
	act := make([]org.ActRole, 0)
	for _, v := range f["eu_ai_act_roles"] {
		act = append(act, org.ActRole(v))
	}
	patch := org.Patch{Name: &name, ISMSScope: &isms, AIMSScope: &aims, AIRoles: &ai, EUAIActRoles: &act}
	var ifVersion *int64
	if v, err := strconv.ParseInt(f.Get("version"), 10, 64); err == nil {
		ifVersion = &v
	}
	_, err := s.db.UpdateOrganisation(r.Context(), p.OrgID, patch, ifVersion, actorOf(p))
	if err != nil {
		if !fault.Is(err, fault.Invalid) && !fault.Is(err, fault.PreconditionErr) && !fault.Is(err, fault.Conflict) {
			s.fail(w, r, err)
			return
		}
		current, rerr := s.db.Organisation(r.Context(), p.OrgID)
		if rerr != nil {
			s.fail(w, r, rerr)
			return
		}
		fields, msg := fieldErrors(err)
		d := orgChoices(current)
		status := http.StatusConflict
		if fault.Is(err, fault.Invalid) {
			// Keep what the person typed so they fix only the bad field.
			status = http.StatusUnprocessableEntity
			d = orgChoices(patch.Apply(current))
			d.Org.Version = current.Version
		}
		if fault.Is(err, fault.PreconditionErr) {
			status = http.StatusPreconditionFailed
			msg = "Someone else changed the organisation while you were editing. This is the current version; make your change again."
		}
		s.render(w, r, status, "organisation", page{Title: "Organisation", Nav: "organisation", Principal: &p, CSRF: csrfFrom(r), Error: msg, Fields: fields, Data: d})
		return
	}
	s.setFlash(w, r, "Organisation saved.")
	http.Redirect(w, r, "/organisation", http.StatusSeeOther)
}

type peopleData struct {
	Members    []auth.Member
	NextCursor string
	Roles      []auth.Role
	New        auth.NewUser
}

func (s *Server) peopleData(r *http.Request, p auth.Principal) (peopleData, error) {
	pg, err := s.db.Members(r.Context(), p.OrgID, store.PageRequest{Limit: 200, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		return peopleData{}, err
	}
	return peopleData{Members: pg.Items, NextCursor: pg.NextCursor, Roles: auth.Roles, New: auth.NewUser{Role: auth.Viewer}}, nil
}

func (s *Server) peoplePage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if err := (store.PageRequest{Cursor: r.URL.Query().Get("cursor")}).Validate(); err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.peopleData(r, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "people", page{Title: "People", Nav: "people", Principal: &p, CSRF: csrfFrom(r), Data: d})
}

func (s *Server) peopleAdd(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !p.Can(auth.ManageUsers) {
		s.fail(w, r, fault.New(fault.Forbidden, "only administrators add people"))
		return
	}
	n := auth.NewUser{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Role: auth.Role(r.PostFormValue("role")), Password: r.PostFormValue("password")}
	m, err := s.db.AddMember(r.Context(), p.OrgID, n, actorOf(p))
	if err != nil {
		if !fault.Is(err, fault.Invalid) && !fault.Is(err, fault.Conflict) {
			s.fail(w, r, err)
			return
		}
		d, derr := s.peopleData(r, p)
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		n.Password = ""
		d.New = n
		fields, msg := fieldErrors(err)
		s.render(w, r, fault.CodeStatus(err), "people", page{Title: "People", Nav: "people", Principal: &p, CSRF: csrfFrom(r), Error: msg, Fields: fields, Data: d})
		return
	}
	s.setFlash(w, r, m.Email+" added as "+m.Role.Label()+".")
	http.Redirect(w, r, "/people", http.StatusSeeOther)
}

func (s *Server) peopleUpdate(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !p.Can(auth.ManageUsers) {
		s.fail(w, r, fault.New(fault.Forbidden, "only administrators change people's roles"))
		return
	}
	role := auth.Role(r.PostFormValue("role"))
	disabled := r.PostFormValue("disabled") == "true"
	var ifVersion *int64
	if v, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64); err == nil {
		ifVersion = &v
	}
	m, err := s.db.UpdateMember(r.Context(), p.OrgID, r.PathValue("id"), auth.MemberPatch{Role: &role, Disabled: &disabled}, ifVersion, actorOf(p))
	if err != nil {
		if fault.Is(err, fault.Internal) {
			s.fail(w, r, err)
			return
		}
		d, derr := s.peopleData(r, p)
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		_, msg := fieldErrors(err)
		s.render(w, r, fault.CodeStatus(err), "people", page{Title: "People", Nav: "people", Principal: &p, CSRF: csrfFrom(r), Error: msg, Data: d})
		return
	}
	s.setFlash(w, r, m.Email+" saved.")
	http.Redirect(w, r, "/people", http.StatusSeeOther)
}

type tokenRow struct {
	auth.Token
	Expired bool
}

type createdToken struct{ Name, Secret string }

type tokensData struct {
	Tokens     []tokenRow
	NextCursor string
	Created    *createdToken
}

func tokenOwner(p auth.Principal) string {
	if p.Can(auth.ManageTokens) {
		return ""
	}
	return p.UserID
}

func (s *Server) tokensData(r *http.Request, p auth.Principal) (tokensData, error) {
	pg, err := s.db.Tokens(r.Context(), p.OrgID, tokenOwner(p), store.PageRequest{Limit: 200, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		return tokensData{}, err
	}
	d := tokensData{NextCursor: pg.NextCursor}
	now := time.Now()
	for _, t := range pg.Items {
		d.Tokens = append(d.Tokens, tokenRow{Token: t, Expired: t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)})
	}
	return d, nil
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if err := (store.PageRequest{Cursor: r.URL.Query().Get("cursor")}).Validate(); err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.tokensData(r, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "tokens", page{Title: "API tokens", Nav: "tokens", Principal: &p, CSRF: csrfFrom(r), Data: d})
}

func (s *Server) tokensCreate(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	req := auth.NewTokenRequest{Name: r.PostFormValue("name")}
	days, err := strconv.Atoi(r.PostFormValue("expires_in"))
	if err != nil || days < 0 || days > 3650 {
		s.fail(w, r, &fault.Error{Code: fault.Invalid, Message: "choose when the token expires", Fields: []fault.FieldError{{Field: "expires_at", Message: "must be one of the offered periods"}}})
		return
	}
	if days > 0 {
		t := time.Now().Add(time.Duration(days) * 24 * time.Hour)
		req.ExpiresAt = &t
	}
	secret, tok, err := s.db.CreateToken(r.Context(), p.OrgID, p.UserID, req, actorOf(p))
	d, derr := s.tokensData(r, p)
	if derr != nil {
		s.fail(w, r, derr)
		return
	}
	if err != nil {
		if fault.Is(err, fault.Internal) {
			s.fail(w, r, err)
			return
		}
		fields, msg := fieldErrors(err)
		s.render(w, r, fault.CodeStatus(err), "tokens", page{Title: "API tokens", Nav: "tokens", Principal: &p, CSRF: csrfFrom(r), Error: msg, Fields: fields, Data: d})
		return
	}
	// The secret is rendered straight into this response, never stored or redirected with.
	d.Created = &createdToken{Name: tok.Name, Secret: secret}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusCreated, "tokens", page{Title: "API tokens", Nav: "tokens", Principal: &p, CSRF: csrfFrom(r), Data: d})
}

func (s *Server) tokensRevoke(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id := r.PathValue("id")
	t, err := s.db.Token(r.Context(), p.OrgID, id)
	if err == nil && tokenOwner(p) != "" && t.UserID != p.UserID {
		err = fault.NotFoundf("token", id)
	}
	if err == nil {
		_, err = s.db.RevokeToken(r.Context(), p.OrgID, id, actorOf(p))
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, r, "Token “"+t.Name+"” revoked.")
	http.Redirect(w, r, "/tokens", http.StatusSeeOther)
}

type auditData struct {
	Verification auditlog.Verification
	Filter       auditlog.Filter
	Since, Until string
	Entries      []auditlog.Entry
	NextCursor   string
	NextHref     string
	RecordTypes  []string
	People       []auth.Member
}

// RecordTypes lists the governed record types the audit log can be filtered by; capabilities
// add theirs as they arrive.
var RecordTypes = []string{"organisation", "user", "api_token", "ai_system", "catalog", "impact_assessment", "risk", "risk_method", "risk_category", "risk_suggestion", "control", "soa_entry", "soa_version", "soa_settings", "evidence", "audit", "corrective_action", "management_review", "monitor_metric", "monitor_alert"}

func (s *Server) auditLogPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !p.Can(auth.ReadAuditLog) {
		s.fail(w, r, fault.New(fault.Forbidden, "your role (%s) may not read the audit log", p.Role.Label()))
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	d := auditData{RecordTypes: RecordTypes, Since: q.Get("since"), Until: q.Get("until")}
	d.Filter = auditlog.Filter{RecordType: q.Get("record_type"), RecordID: strings.TrimSpace(q.Get("record_id")), ActorID: q.Get("actor")}
	fields := map[string]string{}
	if d.Since != "" {
		t, err := time.Parse(time.DateOnly, d.Since)
		if err != nil {
			fields["since"] = "Enter a date such as 2026-01-31."
		} else {
			d.Filter.Since = &t
		}
	}
	if d.Until != "" {
		t, err := time.Parse(time.DateOnly, d.Until)
		if err != nil {
			fields["until"] = "Enter a date such as 2026-01-31."
		} else {
			end := t.Add(24 * time.Hour) // inclusive of the whole day
			d.Filter.Until = &end
		}
	}
	pr := store.PageRequest{Limit: 100, Cursor: q.Get("cursor")}
	if err := pr.Validate(); err != nil {
		s.fail(w, r, err)
		return
	}
	var err error
	if d.Verification, err = s.db.VerifyAuditLog(ctx, p.OrgID); err != nil {
		s.fail(w, r, err)
		return
	}
	members, err := s.db.Members(ctx, p.OrgID, store.PageRequest{Limit: store.MaxLimit})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.People = members.Items
	status := http.StatusOK
	if len(fields) == 0 {
		pg, err := s.db.AuditLog(ctx, p.OrgID, d.Filter, pr)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Entries, d.NextCursor = pg.Items, pg.NextCursor
		if d.NextCursor != "" {
			nq := url.Values{}
			for k, v := range q {
				nq[k] = v
			}
			nq.Set("cursor", d.NextCursor)
			d.NextHref = "/audit-log?" + nq.Encode()
		}
	} else {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "auditlog", page{Title: "Audit log", Nav: "audit", Principal: &p, CSRF: csrfFrom(r), Fields: fields, Data: d})
}
