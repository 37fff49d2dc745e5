package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
)

const tokenColumns = `t.id, t.org_id, t.user_id, u.email, t.name, t.hint, t.created_at, t.expires_at, t.last_used_at, t.revoked_at`

func scanToken(row interface{ Scan(...any) error }) (auth.Token, error) {
	var t auth.Token
	var expires, used, revoked sql.NullTime
	if err := row.Scan(&t.ID, &t.OrgID, &t.UserID, &t.UserEmail, &t.Name, &t.Hint, &t.CreatedAt, &expires, &used, &revoked); err != nil {
		return t, err
	}
	t.CreatedAt = t.CreatedAt.UTC()
	t.ExpiresAt, t.LastUsedAt, t.RevokedAt = timePtr(expires), timePtr(used), timePtr(revoked)
	return t, nil
}

func timePtr(n sql.NullTime) *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time.UTC()
	return &t
}

// CreateToken issues an API token for a member and returns the secret, which is never stored
// and cannot be shown again.
func (db *DB) CreateToken(ctx context.Context, orgID, userID string, req auth.NewTokenRequest, actor auditlog.Actor) (string, auth.Token, error) {
	if err := req.Validate(now()); err != nil {
		return "", auth.Token{}, err
	}
	secret := auth.NewToken()
	var tok auth.Token
	err := db.write(ctx, func(tx *sql.Tx) error {
		m, err := member(ctx, tx, orgID, userID)
		if err != nil {
			return err
		}
		if m.DisabledAt != nil {
			return fault.New(fault.Conflict, "%s is disabled and cannot be given a token", m.Email)
		}
		id := uuid.Must(uuid.NewV7()).String()
		var expires any
		if req.ExpiresAt != nil {
			expires = req.ExpiresAt.UTC().Truncate(time.Microsecond)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (id, org_id, user_id, name, hint, secret_hash, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			id, orgID, userID, strings.TrimSpace(req.Name), auth.TokenHint(secret), auth.HashSecret(secret), now(), expires); err != nil {
			return fmt.Errorf("insert token: %w", err)
		}
		if tok, err = token(ctx, tx, orgID, id); err != nil {
			return err
		}
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Create, RecordType: "api_token", RecordID: id, After: tok})
	})
	return secret, tok, err
}

func token(ctx context.Context, q querier, orgID, id string) (auth.Token, error) {
	t, err := scanToken(q.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.org_id = $1 AND t.id = $2`, orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fault.NotFoundf("token", id)
	}
	if err != nil {
		return t, fmt.Errorf("read token: %w", err)
	}
	return t, nil
}

// Token returns one of an organisation's tokens.
func (db *DB) Token(ctx context.Context, orgID, id string) (auth.Token, error) {
	return token(ctx, db.r, orgID, id)
}

// Tokens lists an organisation's tokens, newest first; with userID set, only that person's.
func (db *DB) Tokens(ctx context.Context, orgID, userID string, page PageRequest) (Page[auth.Token], error) {
	page = page.normalise()
	q := `SELECT ` + tokenColumns + ` FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.org_id = $1 AND ($2 = '' OR t.user_id = $2)`
	args := []any{orgID, userID}
	if k := page.cursorKey(); k != "" {
		q += ` AND t.id < $3`
		args = append(args, k)
	}
	args = append(args, page.Limit+1)
	q += fmt.Sprintf(` ORDER BY t.id DESC LIMIT $%d`, len(args))
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return Page[auth.Token]{}, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var items []auth.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return Page[auth.Token]{}, fmt.Errorf("read token: %w", err)
		}
		items = append(items, t)
	}
	if err := rows.Err(); err != nil {
		return Page[auth.Token]{}, fmt.Errorf("list tokens: %w", err)
	}
	return finish(items, page.Limit, func(t auth.Token) string { return t.ID }), nil
}

// RevokeToken ends a token at once. Revoking a revoked token changes nothing.
func (db *DB) RevokeToken(ctx context.Context, orgID, id string, actor auditlog.Actor) (auth.Token, error) {
	var out auth.Token
	err := db.write(ctx, func(tx *sql.Tx) error {
		before, err := token(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if before.RevokedAt != nil {
			out = before
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE org_id = $2 AND id = $3`, now(), orgID, id); err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		if out, err = token(ctx, tx, orgID, id); err != nil {
			return err
		}
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Update, RecordType: "api_token", RecordID: id, Before: before, After: out})
	})
	return out, err
}

// lastUsedGranularity bounds how often a token's last-used time is written: once a minute is
// precise enough for people and keeps authenticated reads from turning into writes.
const lastUsedGranularity = time.Minute

var errBadToken = fault.New(fault.Unauthorized, "the API token is invalid, expired or revoked")

// TokenPrincipal resolves a bearer token to the person it acts for, in its organisation.
func (db *DB) TokenPrincipal(ctx context.Context, secret string) (auth.Principal, error) {
	if !auth.LooksLikeToken(secret) {
		return auth.Principal{}, errBadToken
	}
	var tokenID string
	var expires, used, revoked sql.NullTime
	p, disabled, err := scanPrincipal(db.r.QueryRowContext(ctx, principalQuery("t.id, t.expires_at, t.last_used_at, t.revoked_at")+`
		JOIN api_tokens t ON t.user_id = u.id AND t.org_id = o.id WHERE t.secret_hash = $1`, auth.HashSecret(secret)),
		&tokenID, &expires, &used, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return p, errBadToken
	}
	if err != nil {
		return p, fmt.Errorf("read token: %w", err)
	}
	t := now()
	if disabled || revoked.Valid || (expires.Valid && !t.Before(expires.Time)) {
		return auth.Principal{}, errBadToken
	}
	p.TokenID = tokenID
	if !used.Valid || t.Sub(used.Time) >= lastUsedGranularity {
		if _, err := db.w.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, t, tokenID); err != nil {
			return p, fmt.Errorf("record token use: %w", err)
		}
	}
	return p, nil
}
