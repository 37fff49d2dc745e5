package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/org"
)

// The organisation's interested parties (clause 4.2).

const partyColumns = `id, org_id, name, kind, standards, needs, addressed, how, version, created_at, updated_at`

const partyWriteColumns = `name, name_key, kind, standards, needs, addressed, how, version, created_at, updated_at`

func scanParty(row interface{ Scan(...any) error }) (org.Party, error) {
	var p org.Party
	var standards string
	var addressed sql.NullBool
	if err := row.Scan(&p.ID, &p.OrgID, &p.Name, &p.Kind, &standards, &p.Needs, &addressed, &p.How, &p.Version, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return p, err
	}
	if addressed.Valid {
		p.Addressed = &addressed.Bool
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, decodeJSONColumns(p.ID, standards, &p.Standards)
}

var parties = versionedTable[org.Party]{table: "interested_parties", columns: partyColumns, writeColumns: partyWriteColumns,
	kind: "interested party", recordType: "interested_party", scan: scanParty,
	id: func(p org.Party) string { return p.ID },
	args: func(p org.Party) []any {
		var addressed any
		if p.Addressed != nil {
			addressed = *p.Addressed
		}
		return []any{p.Name, strings.ToLower(p.Name), string(p.Kind), mustJSON(p.Standards), p.Needs, addressed, p.How, p.Version, p.CreatedAt, p.UpdatedAt}
	},
	stamp: func(p *org.Party, v int64, at time.Time) { p.Version, p.UpdatedAt = v, at }}

// Parties lists the organisation's interested parties by name.
func (db *DB) Parties(ctx context.Context, orgID string) ([]org.Party, error) {
	out, err := parties.query(ctx, db.r, `org_id = $1 ORDER BY name_key, id`, orgID)
	if out == nil {
		out = []org.Party{}
	}
	return out, err
}

// Party returns one interested party.
func (db *DB) Party(ctx context.Context, orgID, id string) (org.Party, error) {
	return parties.read(ctx, db.r, orgID, id)
}

// CreateParty records an interested party.
func (db *DB) CreateParty(ctx context.Context, orgID string, in org.PartyInput, actor auditlog.Actor) (org.Party, error) {
	if err := in.Validate(true); err != nil {
		return org.Party{}, err
	}
	t := now()
	p := in.Apply(org.Party{ID: uuid.Must(uuid.NewV7()).String(), OrgID: orgID, Version: 1, CreatedAt: t, UpdatedAt: t})
	if err := p.Check(); err != nil {
		return p, err
	}
	err := db.write(ctx, func(tx *sql.Tx) error { return parties.insert(ctx, tx, orgID, p.ID, p, actor) })
	return p, err
}

// UpdateParty changes an interested party.
func (db *DB) UpdateParty(ctx context.Context, orgID, id string, in org.PartyInput, ifVersion *int64, actor auditlog.Actor) (org.Party, error) {
	if err := in.Validate(false); err != nil {
		return org.Party{}, err
	}
	return parties.edit(ctx, db, orgID, id, ifVersion, actor, func(_ *sql.Tx, before org.Party, _ time.Time) (org.Party, error) {
		after := in.Apply(before)
		return after, after.Check()
	})
}

// DeleteParty removes an interested party; the audit trail keeps it.
func (db *DB) DeleteParty(ctx context.Context, orgID, id string, ifVersion *int64, actor auditlog.Actor) error {
	return parties.remove(ctx, db, orgID, id, ifVersion, actor, func(org.Party) error { return nil })
}
