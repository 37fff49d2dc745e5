// Package auth is who may do what: people and their roles per organisation, passwords,
// sessions, API tokens and the principal a request acts as.
package auth

import (
	"net/mail"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/fault"
)

// User is a person who can sign in. A person may belong to several organisations, with one
// role in each.
type User struct {
	ID           string     `json:"id"`
	Email        string     `json:"email"`
	Name         string     `json:"name"`
	PasswordHash string     `json:"-"`
	DisabledAt   *time.Time `json:"disabled_at"`
	CreatedAt    time.Time  `json:"created_at"`
}

// Member is a user as seen from one organisation.
type Member struct {
	User
	OrgID     string    `json:"org_id"`
	Role      Role      `json:"role"`
	Version   int64     `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Disabled reports whether the account may no longer sign in or use its tokens.
func (u User) Disabled() bool { return u.DisabledAt != nil }

// Principal is who a request acts as: a person in one organisation, by session or token.
type Principal struct {
	UserID    string `json:"user_id"`
	Email     string `json:"email"`
	Name      string `json:"name"`
	OrgID     string `json:"org_id"`
	OrgName   string `json:"org_name"`
	Role      Role   `json:"role"`
	TokenID   string `json:"token_id,omitempty"`
	SessionID string `json:"-"`
}

// Can reports whether the principal's role holds p.
func (p Principal) Can(perm Permission) bool { return p.Role.Can(perm) }

// Session is a signed-in browser. The cookie holds a secret; the database holds its hash.
type Session struct {
	IDHash    string
	UserID    string
	OrgID     string
	CSRFToken string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// SessionLifetime bounds how long a browser stays signed in without signing in again.
const SessionLifetime = 12 * time.Hour

// Token is an API bearer token's record; the secret itself is never stored.
type Token struct {
	ID         string     `json:"id"`
	OrgID      string     `json:"org_id"`
	UserID     string     `json:"user_id"`
	UserEmail  string     `json:"user_email"`
	Name       string     `json:"name"`
	Hint       string     `json:"hint"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// Active reports whether the token may still authenticate at now.
func (t Token) Active(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt))
}

// NewUser is the request to add a person to an organisation.
type NewUser struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     Role   `json:"role"`
	Password string `json:"password,omitempty"`
}

// NormaliseEmail lowercases and trims an address so one person has one account.
func NormaliseEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidateEmail checks an e-mail address.
func ValidateEmail(v *fault.Validation, field, email string) {
	e := NormaliseEmail(email)
	if e == "" {
		v.Add(field, "must not be empty")
		return
	}
	a, err := mail.ParseAddress(e)
	v.Check(err != nil || a.Address != e || len(e) > 254, field, "must be a plain e-mail address such as name@example.org")
}

// Validate checks a new user; the password is required only when requirePassword is set
// (people added by an admin through the API may be given one later by an admin).
func (n NewUser) Validate(requirePassword bool) error {
	var v fault.Validation
	ValidateEmail(&v, "email", n.Email)
	v.Check(len(n.Name) > 200, "name", "must be at most 200 characters")
	v.Check(!n.Role.Valid(), "role", "must be one of %s", RoleNames())
	if requirePassword || n.Password != "" {
		ValidatePassword(&v, "password", n.Password)
	}
	return v.Err()
}

// MemberPatch changes a person's membership; nil fields stay.
type MemberPatch struct {
	Name     *string `json:"name,omitempty"`
	Role     *Role   `json:"role,omitempty"`
	Disabled *bool   `json:"disabled,omitempty"`
	Password *string `json:"password,omitempty"`
}

// Validate checks the fields that are set.
func (p MemberPatch) Validate() error {
	var v fault.Validation
	if p.Name != nil {
		v.Check(len(*p.Name) > 200, "name", "must be at most 200 characters")
	}
	if p.Role != nil {
		v.Check(!p.Role.Valid(), "role", "must be one of %s", RoleNames())
	}
	if p.Password != nil {
		ValidatePassword(&v, "password", *p.Password)
	}
	return v.Err()
}

// NewTokenRequest asks for an API token for the caller.
type NewTokenRequest struct {
	Name      string     `json:"name"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// Validate checks the token request at now.
func (r NewTokenRequest) Validate(now time.Time) error {
	var v fault.Validation
	n := strings.TrimSpace(r.Name)
	v.Check(n == "", "name", "must not be empty")
	v.Check(len(n) > 100, "name", "must be at most 100 characters")
	if r.ExpiresAt != nil {
		v.Check(!r.ExpiresAt.After(now), "expires_at", "must be in the future")
	}
	return v.Err()
}

// RecordVersion is the membership's optimistic-concurrency version, for ETags.
func (m Member) RecordVersion() int64 { return m.Version }
