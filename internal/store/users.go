package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/org"
)

const memberColumns = `u.id, u.email, u.name, u.password_hash, u.disabled_at, u.created_at, m.org_id, m.role, m.disabled_at, m.version, m.updated_at`

func scanMember(row interface{ Scan(...any) error }) (auth.Member, error) {
	var m auth.Member
	var userDisabled, memberDisabled sql.NullTime
	var role string
	if err := row.Scan(&m.ID, &m.Email, &m.Name, &m.PasswordHash, &userDisabled, &m.CreatedAt, &m.OrgID, &role, &memberDisabled, &m.Version, &m.UpdatedAt); err != nil {
		return m, err
	}
	m.Role = auth.Role(role)
	m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	// A person is disabled in an organisation when their account or their membership is.
	for _, d := range []sql.NullTime{userDisabled, memberDisabled} {
		if d.Valid && m.DisabledAt == nil {
			t := d.Time.UTC()
			m.DisabledAt = &t
		}
	}
	return m, nil
}

// UserCount tells whether anyone can sign in yet; zero means first-run setup is open.
func (db *DB) UserCount(ctx context.Context) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// Bootstrap creates the first organisation and its first admin in one transaction, and only
// while no user exists, so two setup attempts racing cannot both succeed.
func (db *DB) Bootstrap(ctx context.Context, orgName string, u auth.NewUser, actor auditlog.Actor) (org.Organisation, auth.Member, error) {
	u.Role = auth.Admin
	var v fault.Validation
	org.ValidateName(&v, "organisation", orgName)
	if err := u.Validate(true); err != nil {
		for _, f := range fault.Fields(err) {
			v.Add(f.Field, "%s", f.Message)
		}
	}
	if err := v.Err(); err != nil {
		return org.Organisation{}, auth.Member{}, err
	}
	hash, err := auth.HashPassword(u.Password)
	if err != nil {
		return org.Organisation{}, auth.Member{}, fault.Wrap(err, "hash password")
	}
	var o org.Organisation
	var m auth.Member
	err = db.write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
			return fmt.Errorf("count users: %w", err)
		}
		if n > 0 {
			return fault.New(fault.Conflict, "setup is already complete: sign in, or ask an administrator to add you")
		}
		if o, err = createOrganisation(ctx, tx, orgName, actor); err != nil {
			return err
		}
		m, err = addMember(ctx, tx, o.ID, u, hash, actor)
		return err
	})
	return o, m, err
}

// AddMember adds a person to an organisation, creating their account if the address is new.
// An existing account keeps its password; one already in the organisation is a conflict.
func (db *DB) AddMember(ctx context.Context, orgID string, u auth.NewUser, actor auditlog.Actor) (auth.Member, error) {
	if err := u.Validate(false); err != nil {
		return auth.Member{}, err
	}
	var hash string
	if u.Password != "" {
		var err error
		if hash, err = auth.HashPassword(u.Password); err != nil {
			return auth.Member{}, fault.Wrap(err, "hash password")
		}
	}
	var m auth.Member
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		m, err = addMember(ctx, tx, orgID, u, hash, actor)
		return err
	})
	return m, err
}

func addMember(ctx context.Context, tx *sql.Tx, orgID string, u auth.NewUser, hash string, actor auditlog.Actor) (auth.Member, error) {
	email := auth.NormaliseEmail(u.Email)
	t := now()
	var userID string
	err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE email = $1`, email).Scan(&userID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		userID = uuid.Must(uuid.NewV7()).String()
		if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
			userID, email, strings.TrimSpace(u.Name), hash, t); err != nil {
			return auth.Member{}, fmt.Errorf("insert user: %w", err)
		}
	case err != nil:
		return auth.Member{}, fmt.Errorf("find user: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO memberships (org_id, user_id, role, version, created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $4)`,
		orgID, userID, string(u.Role), t)
	if isUniqueViolation(err) {
		return auth.Member{}, fault.New(fault.Conflict, "%s is already a member of this organisation", email)
	}
	if err != nil {
		return auth.Member{}, fmt.Errorf("insert membership: %w", err)
	}
	m, err := scanMember(tx.QueryRowContext(ctx, `SELECT `+memberColumns+` FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 AND m.user_id = $2`, orgID, userID))
	if err != nil {
		return m, fmt.Errorf("read member: %w", err)
	}
	return m, appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Create, RecordType: "user", RecordID: userID, After: m})
}

// Member returns one person of an organisation; people of other organisations are not found.
func (db *DB) Member(ctx context.Context, orgID, userID string) (auth.Member, error) {
	return member(ctx, db.r, orgID, userID)
}

func member(ctx context.Context, q querier, orgID, userID string) (auth.Member, error) {
	m, err := scanMember(q.QueryRowContext(ctx, `SELECT `+memberColumns+` FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 AND m.user_id = $2`, orgID, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return m, fault.NotFoundf("user", userID)
	}
	if err != nil {
		return m, fmt.Errorf("read member: %w", err)
	}
	return m, nil
}

// Members lists an organisation's people by e-mail address.
func (db *DB) Members(ctx context.Context, orgID string, page PageRequest) (Page[auth.Member], error) {
	page = page.normalise()
	rows, err := db.r.QueryContext(ctx, `SELECT `+memberColumns+` FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = $1 AND u.email > $2 ORDER BY u.email LIMIT $3`, orgID, page.cursorKey(), page.Limit+1)
	if err != nil {
		return Page[auth.Member]{}, fmt.Errorf("list members: %w", err)
	}
	defer rows.Close()
	var items []auth.Member
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return Page[auth.Member]{}, fmt.Errorf("read member: %w", err)
		}
		items = append(items, m)
	}
	if err := rows.Err(); err != nil {
		return Page[auth.Member]{}, fmt.Errorf("list members: %w", err)
	}
	return finish(items, page.Limit, func(m auth.Member) string { return m.Email }), nil
}

// Memberships returns every organisation a person belongs to, as members, by organisation name.
func (db *DB) Memberships(ctx context.Context, userID string) ([]auth.Member, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+memberColumns+` FROM memberships m JOIN users u ON u.id = m.user_id
		JOIN organisations o ON o.id = m.org_id WHERE m.user_id = $1 ORDER BY o.name`, userID)
	if err != nil {
		return nil, fmt.Errorf("list memberships: %w", err)
	}
	defer rows.Close()
	var out []auth.Member
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, fmt.Errorf("read membership: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// UserByEmail returns an account with its password hash, for sign-in.
func (db *DB) UserByEmail(ctx context.Context, email string) (auth.User, error) {
	var u auth.User
	var disabled sql.NullTime
	err := db.r.QueryRowContext(ctx, `SELECT id, email, name, password_hash, disabled_at, created_at FROM users WHERE email = $1`,
		auth.NormaliseEmail(email)).Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &disabled, &u.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return u, fault.NotFoundf("user", email)
	}
	if err != nil {
		return u, fmt.Errorf("read user: %w", err)
	}
	if disabled.Valid {
		t := disabled.Time.UTC()
		u.DisabledAt = &t
	}
	return u, nil
}

// UpdateMember changes a person's name, role, password or disabled state in one organisation.
// The last active admin cannot be demoted or disabled, so an organisation is never orphaned.
func (db *DB) UpdateMember(ctx context.Context, orgID, userID string, p auth.MemberPatch, ifVersion *int64, actor auditlog.Actor) (auth.Member, error) {
	if err := p.Validate(); err != nil {
		return auth.Member{}, err
	}
	var hash string
	if p.Password != nil {
		var err error
		if hash, err = auth.HashPassword(*p.Password); err != nil {
			return auth.Member{}, fault.Wrap(err, "hash password")
		}
	}
	var out auth.Member
	err := db.write(ctx, func(tx *sql.Tx) error {
		before, err := member(ctx, tx, orgID, userID)
		if err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != before.Version {
			return staleVersion("user", before.Version)
		}
		losesAdmin := before.Role == auth.Admin && before.DisabledAt == nil &&
			((p.Role != nil && *p.Role != auth.Admin) || (p.Disabled != nil && *p.Disabled))
		if losesAdmin {
			var admins int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id
				WHERE m.org_id = $1 AND m.role = 'admin' AND m.disabled_at IS NULL AND u.disabled_at IS NULL`, orgID).Scan(&admins); err != nil {
				return fmt.Errorf("count admins: %w", err)
			}
			if admins <= 1 {
				return fault.New(fault.Conflict, "this is the organisation's last active administrator; make someone else an administrator first")
			}
		}
		t := now()
		if p.Name != nil || p.Password != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET name = COALESCE($1, name), password_hash = COALESCE($2, password_hash) WHERE id = $3`,
				nullString(p.Name), nullIfEmpty(hash), userID); err != nil {
				return fmt.Errorf("update user: %w", err)
			}
		}
		var disabledAt any = sql.NullTime{}
		if p.Disabled != nil && *p.Disabled {
			disabledAt = t
		}
		keepDisabled := p.Disabled == nil
		role := before.Role
		if p.Role != nil {
			role = *p.Role
		}
		if _, err := tx.ExecContext(ctx, `UPDATE memberships SET role = $1,
			disabled_at = CASE WHEN $2 THEN disabled_at ELSE $3 END, version = version + 1, updated_at = $4
			WHERE org_id = $5 AND user_id = $6`, string(role), keepDisabled, disabledAt, t, orgID, userID); err != nil {
			return fmt.Errorf("update membership: %w", err)
		}
		if p.Disabled != nil && *p.Disabled {
			// A disabled person's sessions and tokens in this organisation stop at once.
			if err := revokeAccess(ctx, tx, orgID, userID, t); err != nil {
				return err
			}
		}
		if out, err = member(ctx, tx, orgID, userID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Update, RecordType: "user", RecordID: userID, Before: before, After: out})
	})
	return out, err
}

// DisableUser disables an account everywhere (the operator's command), recording the change
// in every organisation the person belongs to.
func (db *DB) DisableUser(ctx context.Context, email string, actor auditlog.Actor) (auth.User, error) {
	u, err := db.UserByEmail(ctx, email)
	if err != nil {
		return u, err
	}
	err = db.write(ctx, func(tx *sql.Tx) error {
		t := now()
		rows, err := tx.QueryContext(ctx, `SELECT org_id FROM memberships WHERE user_id = $1`, u.ID)
		if err != nil {
			return fmt.Errorf("list memberships: %w", err)
		}
		var orgs []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("read membership: %w", err)
			}
			orgs = append(orgs, id)
		}
		rows.Close()
		befores := make([]auth.Member, len(orgs))
		for i, o := range orgs {
			if befores[i], err = member(ctx, tx, o, u.ID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET disabled_at = $1 WHERE id = $2`, t, u.ID); err != nil {
			return fmt.Errorf("disable user: %w", err)
		}
		for i, o := range orgs {
			if err := revokeAccess(ctx, tx, o, u.ID, t); err != nil {
				return err
			}
			after, err := member(ctx, tx, o, u.ID)
			if err != nil {
				return err
			}
			if err := appendAudit(ctx, tx, change{OrgID: o, Actor: actor, Action: auditlog.Update, RecordType: "user", RecordID: u.ID, Before: befores[i], After: after}); err != nil {
				return err
			}
		}
		u.DisabledAt = &t
		return nil
	})
	return u, err
}

// revokeAccess ends a person's sessions and tokens in one organisation.
func revokeAccess(ctx context.Context, tx *sql.Tx, orgID, userID string, at any) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE org_id = $1 AND user_id = $2`, orgID, userID); err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE org_id = $2 AND user_id = $3 AND revoked_at IS NULL`, at, orgID, userID); err != nil {
		return fmt.Errorf("revoke tokens: %w", err)
	}
	return nil
}

// AllMembers lists every membership of every organisation, for the operator's user list.
func (db *DB) AllMembers(ctx context.Context) ([]auth.Member, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+memberColumns+` FROM memberships m JOIN users u ON u.id = m.user_id
		JOIN organisations o ON o.id = m.org_id ORDER BY u.email, o.name`)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	defer rows.Close()
	var out []auth.Member
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, fmt.Errorf("read member: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func nullString(p *string) any {
	if p == nil {
		return nil
	}
	return strings.TrimSpace(*p)
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// MemberCount returns how many people belong to an organisation.
func (db *DB) MemberCount(ctx context.Context, orgID string) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM memberships WHERE org_id = $1`, orgID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count members: %w", err)
	}
	return n, nil
}

// RoleCounts counts an organisation's active people per role.
func (db *DB) RoleCounts(ctx context.Context, orgID string) (map[auth.Role]int, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT m.role, COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = $1 AND m.disabled_at IS NULL AND u.disabled_at IS NULL GROUP BY m.role`, orgID)
	if err != nil {
		return nil, fmt.Errorf("count roles: %w", err)
	}
	defer rows.Close()
	out := map[auth.Role]int{}
	for rows.Next() {
		var role string
		var n int
		if err := rows.Scan(&role, &n); err != nil {
			return nil, fmt.Errorf("count roles: %w", err)
		}
		out[auth.Role(role)] = n
	}
	return out, rows.Err()
}
