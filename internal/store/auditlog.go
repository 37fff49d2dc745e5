package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/fault"
)

// change describes one audited write, appended inside the write's own transaction so the
// record and its audit row commit or fail together.
type change struct {
	OrgID      string
	Actor      auditlog.Actor
	Action     auditlog.Action
	RecordType string
	RecordID   string
	Before     any
	After      any
}

// appendAudit adds the change to its organisation's chain. The no-op UPDATE of the chain head
// takes a row lock on PostgreSQL (SQLite already holds the database write lock), so concurrent
// writers in one organisation queue here and the chain never forks.
func appendAudit(ctx context.Context, tx *sql.Tx, c change) error {
	before, err := auditlog.Snapshot(c.Before)
	if err != nil {
		return err
	}
	after, err := auditlog.Snapshot(c.After)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO audit_heads (org_id, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (org_id) DO NOTHING`,
		c.OrgID, auditlog.GenesisHash); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	var seq int64
	var prev string
	if err := tx.QueryRowContext(ctx,
		`UPDATE audit_heads SET seq = seq WHERE org_id = $1 RETURNING seq, hash`, c.OrgID).Scan(&seq, &prev); err != nil {
		return fmt.Errorf("lock audit head: %w", err)
	}
	e := chainEntry(c, before, after, seq, prev)
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (`+auditColumns+`) VALUES (`+placeholders(1, auditColumnCount)+`)`, auditValues(e)...); err != nil {
		return fmt.Errorf("append audit entry: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_heads SET seq = $1, hash = $2 WHERE org_id = $3`, e.Seq, e.Hash, c.OrgID); err != nil {
		return fmt.Errorf("advance audit head: %w", err)
	}
	return nil
}

// chainEntry is the entry after (seq, prev) in the organisation's chain, hashed.
func chainEntry(c change, before, after json.RawMessage, seq int64, prev string) auditlog.Entry {
	e := auditlog.Entry{
		ID:         uuid.Must(uuid.NewV7()).String(),
		OrgID:      c.OrgID,
		Seq:        seq + 1,
		At:         now(),
		Actor:      c.Actor,
		Action:     c.Action,
		RecordType: c.RecordType,
		RecordID:   c.RecordID,
		Before:     before,
		After:      after,
		PrevHash:   prev,
	}
	e.Hash = auditlog.ComputeHash(e)
	return e
}

// auditColumnCount is the number of auditColumns, in auditValues' order.
const auditColumnCount = 15

func auditValues(e auditlog.Entry) []any {
	return []any{e.ID, e.OrgID, e.Seq, e.At, string(e.Actor.Kind), e.Actor.UserID, e.Actor.Email, e.Actor.TokenID,
		string(e.Action), e.RecordType, e.RecordID, nullJSON(e.Before), nullJSON(e.After), e.PrevHash, e.Hash}
}

func nullJSON(b json.RawMessage) any {
	if b == nil {
		return nil
	}
	return string(b)
}

const auditColumns = `id, org_id, seq, at, actor_kind, actor_user_id, actor_email, actor_token_id, action, record_type, record_id, before_json, after_json, prev_hash, hash`

func scanAudit(row interface{ Scan(...any) error }) (auditlog.Entry, error) {
	var e auditlog.Entry
	var kind, action string
	var before, after sql.NullString
	if err := row.Scan(&e.ID, &e.OrgID, &e.Seq, &e.At, &kind, &e.Actor.UserID, &e.Actor.Email, &e.Actor.TokenID,
		&action, &e.RecordType, &e.RecordID, &before, &after, &e.PrevHash, &e.Hash); err != nil {
		return e, err
	}
	e.At = e.At.UTC()
	e.Actor.Kind = auditlog.ActorKind(kind)
	e.Action = auditlog.Action(action)
	if before.Valid {
		e.Before = json.RawMessage(before.String)
	}
	if after.Valid {
		e.After = json.RawMessage(after.String)
	}
	return e, nil
}

// AuditLog lists an organisation's entries, newest first, filtered.
func (db *DB) AuditLog(ctx context.Context, orgID string, f auditlog.Filter, page PageRequest) (Page[auditlog.Entry], error) {
	page = page.normalise()
	where := []string{"org_id = $1"}
	args := []any{orgID}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.RecordType != "" {
		add("record_type = ?", f.RecordType)
	}
	if f.RecordID != "" {
		add("record_id = ?", f.RecordID)
	}
	if f.ActorID != "" {
		add("actor_user_id = ?", f.ActorID)
	}
	if f.Since != nil {
		add("at >= ?", f.Since.UTC())
	}
	if f.Until != nil {
		add("at < ?", f.Until.UTC())
	}
	if k := page.cursorKey(); k != "" {
		seq, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			return Page[auditlog.Entry]{}, fault.New(fault.Invalid, "bad cursor")
		}
		add("seq < ?", seq)
	}
	args = append(args, page.Limit+1)
	q := `SELECT ` + auditColumns + ` FROM audit_log WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY seq DESC LIMIT $` + strconv.Itoa(len(args))
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return Page[auditlog.Entry]{}, fmt.Errorf("list audit log: %w", err)
	}
	defer rows.Close()
	var items []auditlog.Entry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return Page[auditlog.Entry]{}, fmt.Errorf("read audit log: %w", err)
		}
		items = append(items, e)
	}
	if err := rows.Err(); err != nil {
		return Page[auditlog.Entry]{}, fmt.Errorf("read audit log: %w", err)
	}
	return finish(items, page.Limit, func(e auditlog.Entry) string { return strconv.FormatInt(e.Seq, 10) }), nil
}

// VerifyAuditLog re-computes an organisation's chain from its first entry and checks that it
// ends where the chain head says, so a removed last entry is caught as well as an edited one.
func (db *DB) VerifyAuditLog(ctx context.Context, orgID string) (auditlog.Verification, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE org_id = $1 ORDER BY seq`, orgID)
	if err != nil {
		return auditlog.Verification{}, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	v := auditlog.NewVerifier()
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return auditlog.Verification{}, fmt.Errorf("read audit log: %w", err)
		}
		if !v.Add(e) {
			break
		}
	}
	if err := rows.Err(); err != nil {
		return auditlog.Verification{}, fmt.Errorf("read audit log: %w", err)
	}
	res := v.Result()
	if !res.OK {
		return res, nil
	}
	var headSeq int64
	var headHash string
	err = db.r.QueryRowContext(ctx, `SELECT seq, hash FROM audit_heads WHERE org_id = $1`, orgID).Scan(&headSeq, &headHash)
	switch {
	case err == sql.ErrNoRows:
		headSeq, headHash = 0, auditlog.GenesisHash
	case err != nil:
		return res, fmt.Errorf("read audit head: %w", err)
	}
	if headSeq != res.Entries || headHash != res.LastHash {
		res.OK = false
		res.Break = &auditlog.Break{Seq: res.Entries + 1, Reason: fmt.Sprintf(
			"the chain ends at entry %d but its head records entry %d: entries were removed from the end or the head was altered", res.Entries, headSeq)}
	}
	return res, nil
}
