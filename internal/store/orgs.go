package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/org"
)

const orgColumns = `id, name, isms_scope, aims_scope, ai_roles, eu_ai_act_roles, version, created_at, updated_at`

func scanOrg(row interface{ Scan(...any) error }) (org.Organisation, error) {
	var o org.Organisation
	var aiRoles, actRoles string
	if err := row.Scan(&o.ID, &o.Name, &o.ISMSScope, &o.AIMSScope, &aiRoles, &actRoles, &o.Version, &o.CreatedAt, &o.UpdatedAt); err != nil {
		return o, err
	}
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(aiRoles), &o.AIRoles); err != nil {
		return o, fmt.Errorf("organisation %s ai_roles: %w", o.ID, err)
	}
	if err := json.Unmarshal([]byte(actRoles), &o.EUAIActRoles); err != nil {
		return o, fmt.Errorf("organisation %s eu_ai_act_roles: %w", o.ID, err)
	}
	return o, nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("store: marshal %T: %v", v, err))
	}
	return string(b)
}

// CreateOrganisation adds a tenant.
func (db *DB) CreateOrganisation(ctx context.Context, name string, actor auditlog.Actor) (org.Organisation, error) {
	var v fault.Validation
	org.ValidateName(&v, "name", name)
	if err := v.Err(); err != nil {
		return org.Organisation{}, err
	}
	var o org.Organisation
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		o, err = createOrganisation(ctx, tx, name, actor)
		return err
	})
	return o, err
}

func createOrganisation(ctx context.Context, tx *sql.Tx, name string, actor auditlog.Actor) (org.Organisation, error) {
	t := now()
	o := org.Organisation{
		ID: uuid.Must(uuid.NewV7()).String(), Name: strings.TrimSpace(name),
		AIRoles: []org.AIRole{}, EUAIActRoles: []org.ActRole{}, Version: 1, CreatedAt: t, UpdatedAt: t,
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO organisations (`+orgColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		o.ID, o.Name, o.ISMSScope, o.AIMSScope, mustJSON(o.AIRoles), mustJSON(o.EUAIActRoles), o.Version, o.CreatedAt, o.UpdatedAt)
	if isUniqueViolation(err) {
		return o, fault.New(fault.Conflict, "an organisation named %q already exists", o.Name)
	}
	if err != nil {
		return o, fmt.Errorf("insert organisation: %w", err)
	}
	return o, appendAudit(ctx, tx, change{OrgID: o.ID, Actor: actor, Action: auditlog.Create, RecordType: "organisation", RecordID: o.ID, After: o})
}

// Organisation returns one tenant.
func (db *DB) Organisation(ctx context.Context, id string) (org.Organisation, error) {
	o, err := scanOrg(db.r.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organisations WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return o, fault.NotFoundf("organisation", id)
	}
	if err != nil {
		return o, fmt.Errorf("read organisation: %w", err)
	}
	return o, nil
}

// OrganisationByName finds a tenant by its exact name.
func (db *DB) OrganisationByName(ctx context.Context, name string) (org.Organisation, error) {
	o, err := scanOrg(db.r.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organisations WHERE name = $1`, strings.TrimSpace(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return o, fault.NotFoundf("organisation", name)
	}
	if err != nil {
		return o, fmt.Errorf("read organisation: %w", err)
	}
	return o, nil
}

// Organisations lists every tenant, by name. It is for operators (the CLI), never for a
// request, which sees only its own organisation.
func (db *DB) Organisations(ctx context.Context) ([]org.Organisation, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+orgColumns+` FROM organisations ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	defer rows.Close()
	var out []org.Organisation
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, fmt.Errorf("read organisation: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// UpdateOrganisation applies a patch to the profile. With ifVersion set, the update happens
// only if the stored version still matches, so a stale edit fails instead of overwriting.
func (db *DB) UpdateOrganisation(ctx context.Context, id string, p org.Patch, ifVersion *int64, actor auditlog.Actor) (org.Organisation, error) {
	if err := p.Validate(); err != nil {
		return org.Organisation{}, err
	}
	var out org.Organisation
	err := db.write(ctx, func(tx *sql.Tx) error {
		before, err := scanOrg(tx.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organisations WHERE id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return fault.NotFoundf("organisation", id)
		}
		if err != nil {
			return fmt.Errorf("read organisation: %w", err)
		}
		if ifVersion != nil && *ifVersion != before.Version {
			return staleVersion("organisation", before.Version)
		}
		after := p.Apply(before)
		after.Version = before.Version + 1
		after.UpdatedAt = now()
		_, err = tx.ExecContext(ctx, `UPDATE organisations SET name = $1, isms_scope = $2, aims_scope = $3, ai_roles = $4,
			eu_ai_act_roles = $5, version = $6, updated_at = $7 WHERE id = $8 AND version = $9`,
			after.Name, after.ISMSScope, after.AIMSScope, mustJSON(after.AIRoles), mustJSON(after.EUAIActRoles),
			after.Version, after.UpdatedAt, id, before.Version)
		if isUniqueViolation(err) {
			return fault.New(fault.Conflict, "an organisation named %q already exists", after.Name)
		}
		if err != nil {
			return fmt.Errorf("update organisation: %w", err)
		}
		out = after
		return appendAudit(ctx, tx, change{OrgID: id, Actor: actor, Action: auditlog.Update, RecordType: "organisation", RecordID: id, Before: before, After: after})
	})
	return out, err
}

func staleVersion(kind string, current int64) error {
	return fault.New(fault.PreconditionErr, "the %s has changed since you read it (now at version %d); reload and try again", kind, current)
}
