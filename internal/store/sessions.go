package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
)

// principalQuery resolves who acts: the person, their role in the organisation, and whether
// either the account or the membership has been disabled.
func principalQuery(extraColumns string) string {
	return `SELECT u.id, u.email, u.name, o.id, o.name, m.role, u.disabled_at, m.disabled_at, ` + extraColumns + `
	FROM users u JOIN memberships m ON m.user_id = u.id JOIN organisations o ON o.id = m.org_id`
}

func scanPrincipal(row interface{ Scan(...any) error }, extra ...any) (auth.Principal, bool, error) {
	var p auth.Principal
	var role string
	var userDisabled, memberDisabled sql.NullTime
	dest := append([]any{&p.UserID, &p.Email, &p.Name, &p.OrgID, &p.OrgName, &role, &userDisabled, &memberDisabled}, extra...)
	if err := row.Scan(dest...); err != nil {
		return p, false, err
	}
	p.Role = auth.Role(role)
	return p, userDisabled.Valid || memberDisabled.Valid, nil
}

var errNoSession = fault.New(fault.Unauthorized, "sign in to continue")

// CreateSession signs a person in to one organisation and returns the cookie secret.
func (db *DB) CreateSession(ctx context.Context, userID, orgID string) (string, auth.Session, error) {
	secret := auth.NewSecret()
	t := now()
	s := auth.Session{IDHash: auth.HashSecret(secret), UserID: userID, OrgID: orgID, CSRFToken: auth.NewSecret(),
		CreatedAt: t, ExpiresAt: t.Add(auth.SessionLifetime)}
	_, err := db.w.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, org_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		s.IDHash, s.UserID, s.OrgID, s.CSRFToken, s.CreatedAt, s.ExpiresAt)
	if err != nil {
		return "", s, fmt.Errorf("create session: %w", err)
	}
	return secret, s, nil
}

// SessionPrincipal resolves a session cookie to the person it signs in.
func (db *DB) SessionPrincipal(ctx context.Context, secret string) (auth.Principal, auth.Session, error) {
	var s auth.Session
	hash := auth.HashSecret(secret)
	p, disabled, err := scanPrincipal(db.r.QueryRowContext(ctx, principalQuery("s.csrf_token, s.created_at, s.expires_at")+`
		JOIN sessions s ON s.user_id = u.id AND s.org_id = o.id WHERE s.id_hash = $1`, hash),
		&s.CSRFToken, &s.CreatedAt, &s.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return p, s, errNoSession
	}
	if err != nil {
		return p, s, fmt.Errorf("read session: %w", err)
	}
	if disabled || !now().Before(s.ExpiresAt) {
		return p, s, errNoSession
	}
	s.IDHash, s.UserID, s.OrgID = hash, p.UserID, p.OrgID
	p.SessionID = hash
	return p, s, nil
}

// DeleteSession signs a browser out.
func (db *DB) DeleteSession(ctx context.Context, secret string) error {
	if _, err := db.w.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = $1`, auth.HashSecret(secret)); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions past their expiry and returns how many went.
func (db *DB) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	res, err := db.w.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, now())
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return res.RowsAffected()
}

// Login throttling: a person's account and the address they come from each have a budget of
// failed sign-ins per window; once spent, sign-in is refused until the window ends, even with
// the right password, so guessing stays slow across every instance sharing the database.
const (
	ThrottleWindow     = 15 * time.Minute
	MaxAccountFailures = 5
	MaxAddressFailures = 30
)

// LoginBlockedUntil returns when sign-in under key may be tried again, or zero if it may now.
func (db *DB) LoginBlockedUntil(ctx context.Context, key string, maxFailures int) (time.Time, error) {
	var failures int
	var start time.Time
	err := db.r.QueryRowContext(ctx, `SELECT failures, window_start FROM login_throttle WHERE key = $1`, key).Scan(&failures, &start)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read login throttle: %w", err)
	}
	end := start.UTC().Add(ThrottleWindow)
	if failures >= maxFailures && now().Before(end) {
		return end, nil
	}
	return time.Time{}, nil
}

// RecordLoginFailure counts a failed sign-in under key, starting a new window when the last
// one has ended.
func (db *DB) RecordLoginFailure(ctx context.Context, key string) error {
	t := now()
	_, err := db.w.ExecContext(ctx, `INSERT INTO login_throttle (key, failures, window_start) VALUES ($1, 1, $2)
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN login_throttle.window_start <= $3 THEN 1 ELSE login_throttle.failures + 1 END,
			window_start = CASE WHEN login_throttle.window_start <= $3 THEN $2 ELSE login_throttle.window_start END`,
		key, t, t.Add(-ThrottleWindow))
	if err != nil {
		return fmt.Errorf("record login failure: %w", err)
	}
	return nil
}

// ClearLoginFailures forgets failures under key after a successful sign-in.
func (db *DB) ClearLoginFailures(ctx context.Context, key string) error {
	if _, err := db.w.ExecContext(ctx, `DELETE FROM login_throttle WHERE key = $1`, key); err != nil {
		return fmt.Errorf("clear login failures: %w", err)
	}
	return nil
}
