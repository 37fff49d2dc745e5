package api

import (
	"net/http"
	"slices"
	"time"

	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/org"
	"github.com/annexa-dev/annexa/internal/store"
)

// Me is the caller: who they are, where, and what their role lets them do.
type Me struct {
	User          MeUser            `json:"user"`
	Organisation  OrgRef            `json:"organisation"`
	Role          auth.Role         `json:"role"`
	Permissions   []auth.Permission `json:"permissions"`
	Organisations []Membership      `json:"organisations"`
	Via           string            `json:"via"`
}

// MeUser is the caller's account.
type MeUser struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

// OrgRef names an organisation.
type OrgRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Membership is one organisation the caller belongs to.
type Membership struct {
	Organisation OrgRef    `json:"organisation"`
	Role         auth.Role `json:"role"`
}

// NewToken is a token as created: the secret is shown in this response only.
type NewToken struct {
	Secret string `json:"token"`
	auth.Token
}

// MemberPage and the other page types name the generic pages for the document.
type (
	MemberPage   = store.Page[auth.Member]
	TokenPage    = store.Page[auth.Token]
	AuditLogPage = store.Page[auditlog.Entry]
)

var pageParams = []Param{
	{Name: "limit", In: "query", Type: "integer", Description: "rows per page, 1 to 1000 (default 50)"},
	{Name: "cursor", In: "query", Description: "the next_cursor of the previous page"},
}

func idParam(what string) Param {
	return Param{Name: "id", In: "path", Description: "the " + what + "'s id"}
}

func (s *Server) table() []Route {
	return append([]Route{
		{Method: "GET", Pattern: "/api/v1/me", Tag: "Identity", Summary: "Who the caller is, in which organisation, with which role and permissions",
			Response: Me{}, Handle: s.me},
		{Method: "GET", Pattern: "/api/v1/organisation", Tag: "Organisation", Summary: "The organisation profile: ISMS and AIMS scopes and AI roles",
			Permission: auth.ReadRecords, Response: org.Organisation{}, Conditional: true, Handle: s.getOrganisation},
		{Method: "PATCH", Pattern: "/api/v1/organisation", Tag: "Organisation", Summary: "Change the organisation profile; send If-Match to refuse a stale edit",
			Permission: auth.EditOrganisation, Request: org.Patch{}, Response: org.Organisation{}, Conditional: true, Handle: s.patchOrganisation},
		{Method: "GET", Pattern: "/api/v1/users", Tag: "People", Summary: "The organisation's people, by e-mail address",
			Permission: auth.ReadRecords, Params: pageParams, Response: MemberPage{}, Handle: s.listUsers},
		{Method: "POST", Pattern: "/api/v1/users", Tag: "People", Summary: "Add a person to the organisation with a role",
			Permission: auth.ManageUsers, Request: auth.NewUser{}, Response: auth.Member{}, Status: http.StatusCreated, Conditional: true, Handle: s.createUser},
		{Method: "GET", Pattern: "/api/v1/users/{id}", Tag: "People", Summary: "One person of the organisation",
			Permission: auth.ReadRecords, Params: []Param{idParam("user")}, Response: auth.Member{}, Conditional: true, Handle: s.getUser},
		{Method: "PATCH", Pattern: "/api/v1/users/{id}", Tag: "People", Summary: "Change a person's name, role, password or disabled state",
			Permission: auth.ManageUsers, Params: []Param{idParam("user")}, Request: auth.MemberPatch{}, Response: auth.Member{}, Conditional: true, Handle: s.patchUser},
		{Method: "GET", Pattern: "/api/v1/tokens", Tag: "Tokens", Summary: "API tokens: your own, or every token of the organisation for administrators",
			Permission: auth.UseTokens, Params: pageParams, Response: TokenPage{}, Handle: s.listTokens},
		{Method: "POST", Pattern: "/api/v1/tokens", Tag: "Tokens", Summary: "Create an API token for yourself; the token is shown once",
			Permission: auth.UseTokens, Request: auth.NewTokenRequest{}, Response: NewToken{}, Status: http.StatusCreated, Handle: s.createToken},
		{Method: "GET", Pattern: "/api/v1/tokens/{id}", Tag: "Tokens", Summary: "One API token (never its secret)",
			Permission: auth.UseTokens, Params: []Param{idParam("token")}, Response: auth.Token{}, Handle: s.getToken},
		{Method: "DELETE", Pattern: "/api/v1/tokens/{id}", Tag: "Tokens", Summary: "Revoke an API token at once",
			Permission: auth.UseTokens, Params: []Param{idParam("token")}, Response: auth.Token{}, Handle: s.revokeToken},
		{Method: "GET", Pattern: "/api/v1/audit-log", Tag: "Audit trail", Summary: "The audit trail, newest first, filtered by record, actor and time",
			Permission: auth.ReadAuditLog, Params: append([]Param{
				{Name: "record_type", In: "query", Description: "e.g. organisation, user, api_token"},
				{Name: "record_id", In: "query", Description: "the record's id"},
				{Name: "actor", In: "query", Description: "the acting user's id"},
				{Name: "since", In: "query", Format: "date-time", Description: "entries at or after this time (RFC 3339)"},
				{Name: "until", In: "query", Format: "date-time", Description: "entries before this time (RFC 3339)"},
			}, pageParams...), Response: AuditLogPage{}, Handle: s.auditLog},
		{Method: "GET", Pattern: "/api/v1/audit-log/verify", Tag: "Audit trail", Summary: "Re-compute the organisation's hash chain and name the first broken entry",
			Permission: auth.ReadAuditLog, Response: auditlog.Verification{}, Handle: s.verifyAuditLog},
	}, slices.Concat(s.catalogRoutes(), s.systemRoutes(), s.discoveryRoutes(), s.inventoryFileRoutes(), s.planRoutes(), s.impactRoutes(), s.controlRoutes(), s.riskRoutes(), s.readinessRoutes(), s.auditRoutes(), s.auditDocumentRoutes(), s.monitoringRoutes(), s.techdocRoutes(), s.partyRoutes())...)
}

func (s *Server) me(c *Call) (any, error) {
	p := c.Principal
	ms, err := s.db.Memberships(c.R.Context(), p.UserID)
	if err != nil {
		return nil, err
	}
	orgs := make([]Membership, 0, len(ms))
	for _, m := range ms {
		if m.DisabledAt != nil {
			continue
		}
		o, err := s.db.Organisation(c.R.Context(), m.OrgID)
		if err != nil {
			return nil, err
		}
		orgs = append(orgs, Membership{Organisation: OrgRef{ID: o.ID, Name: o.Name}, Role: m.Role})
	}
	via := "session"
	if p.TokenID != "" {
		via = "token"
	}
	return Me{User: MeUser{ID: p.UserID, Email: p.Email, Name: p.Name}, Organisation: OrgRef{ID: p.OrgID, Name: p.OrgName},
		Role: p.Role, Permissions: p.Role.Permissions(), Organisations: orgs, Via: via}, nil
}

func (s *Server) getOrganisation(c *Call) (any, error) {
	return s.db.Organisation(c.R.Context(), c.Principal.OrgID)
}

func (s *Server) patchOrganisation(c *Call) (any, error) {
	var p org.Patch
	if err := c.Decode(&p); err != nil {
		return nil, err
	}
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	return s.db.UpdateOrganisation(c.R.Context(), c.Principal.OrgID, p, ifv, c.Actor())
}

func (s *Server) listUsers(c *Call) (any, error) {
	page, err := c.Page()
	if err != nil {
		return nil, err
	}
	return s.db.Members(c.R.Context(), c.Principal.OrgID, page)
}

func (s *Server) createUser(c *Call) (any, error) {
	var n auth.NewUser
	if err := c.Decode(&n); err != nil {
		return nil, err
	}
	return s.db.AddMember(c.R.Context(), c.Principal.OrgID, n, c.Actor())
}

func (s *Server) getUser(c *Call) (any, error) {
	return s.db.Member(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
}

func (s *Server) patchUser(c *Call) (any, error) {
	var p auth.MemberPatch
	if err := c.Decode(&p); err != nil {
		return nil, err
	}
	ifv, err := c.IfMatch()
	if err != nil {
		return nil, err
	}
	return s.db.UpdateMember(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), p, ifv, c.Actor())
}

// tokenOwnerFilter limits people without ManageTokens to their own tokens.
func tokenOwnerFilter(p auth.Principal) string {
	if p.Can(auth.ManageTokens) {
		return ""
	}
	return p.UserID
}

func (s *Server) listTokens(c *Call) (any, error) {
	page, err := c.Page()
	if err != nil {
		return nil, err
	}
	return s.db.Tokens(c.R.Context(), c.Principal.OrgID, tokenOwnerFilter(c.Principal), page)
}

func (s *Server) createToken(c *Call) (any, error) {
	var req auth.NewTokenRequest
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	secret, tok, err := s.db.CreateToken(c.R.Context(), c.Principal.OrgID, c.Principal.UserID, req, c.Actor())
	if err != nil {
		return nil, err
	}
	return NewToken{Secret: secret, Token: tok}, nil
}

// visibleToken returns a token the caller may see; others' tokens are not found unless the
// caller manages tokens.
func (s *Server) visibleToken(c *Call) (auth.Token, error) {
	id := c.R.PathValue("id")
	t, err := s.db.Token(c.R.Context(), c.Principal.OrgID, id)
	if err != nil {
		return t, err
	}
	if owner := tokenOwnerFilter(c.Principal); owner != "" && t.UserID != owner {
		return t, fault.NotFoundf("token", id)
	}
	return t, nil
}

func (s *Server) getToken(c *Call) (any, error) { return s.visibleToken(c) }

func (s *Server) revokeToken(c *Call) (any, error) {
	t, err := s.visibleToken(c)
	if err != nil {
		return nil, err
	}
	return s.db.RevokeToken(c.R.Context(), c.Principal.OrgID, t.ID, c.Actor())
}

func (s *Server) auditLog(c *Call) (any, error) {
	page, err := c.Page()
	if err != nil {
		return nil, err
	}
	q := c.R.URL.Query()
	f := auditlog.Filter{RecordType: q.Get("record_type"), RecordID: q.Get("record_id"), ActorID: q.Get("actor")}
	var v fault.Validation
	f.Since = queryTime(&v, q.Get("since"), "since")
	f.Until = queryTime(&v, q.Get("until"), "until")
	if err := v.Err(); err != nil {
		return nil, err
	}
	return s.db.AuditLog(c.R.Context(), c.Principal.OrgID, f, page)
}

func queryTime(v *fault.Validation, s, field string) *time.Time {
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		v.Add(field, "must be an RFC 3339 time such as 2026-01-31T09:00:00Z")
		return nil
	}
	return &t
}

func (s *Server) verifyAuditLog(c *Call) (any, error) {
	return s.db.VerifyAuditLog(c.R.Context(), c.Principal.OrgID)
}
