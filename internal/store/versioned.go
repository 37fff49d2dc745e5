package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/fault"
)

// versionedTable describes a table of an organisation's versioned, audited records, so that
// the shapes every such record shares — read one, list, insert, edit at a version, delete —
// are written once. Capability rules come in as functions.
type versionedTable[T interface{ RecordVersion() int64 }] struct {
	table string
	// columns are every column in scan order; writeColumns those an insert or update sets
	// after id and org_id, in args order.
	columns, writeColumns string
	// kind names the record in messages ("corrective action"); recordType in the audit trail.
	kind, recordType string
	scan             func(row interface{ Scan(...any) error }) (T, error)
	id               func(T) string
	args             func(T) []any
	// stamp sets the record's version and time of change.
	stamp func(r *T, version int64, at time.Time)
}

func (v versionedTable[T]) read(ctx context.Context, q querier, orgID, id string) (T, error) {
	r, err := v.scan(q.QueryRowContext(ctx, `SELECT `+v.columns+` FROM `+v.table+` WHERE org_id = $1 AND id = $2`, orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fault.NotFoundf(v.kind, id)
	}
	if err != nil {
		return r, fmt.Errorf("read %s: %w", v.kind, err)
	}
	return r, nil
}

// query lists records matching where (with its "$n" arguments) in the order it gives.
func (v versionedTable[T]) query(ctx context.Context, q querier, where string, args ...any) ([]T, error) {
	var out []T
	err := scanEach(ctx, q, `SELECT `+v.columns+` FROM `+v.table+` WHERE `+where, args, func(rows *sql.Rows) error {
		r, err := v.scan(rows)
		out = append(out, r)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list %ss: %w", v.kind, err)
	}
	return out, nil
}

// page lists one page in the order of a text column and id: descending keys take the rows
// before the cursor's, ascending ones those after it.
func (v versionedTable[T]) page(ctx context.Context, q querier, c *conditions, col string, desc bool, page PageRequest, key func(T) string) (Page[T], error) {
	page = page.normalise()
	if k := page.cursorKey(); k != "" {
		val, id, ok := strings.Cut(k, "\x00")
		if !ok {
			return Page[T]{}, fault.New(fault.Invalid, "bad cursor")
		}
		op := ">"
		if desc {
			op = "<"
		}
		c.add("("+col+" "+op+" ? OR ("+col+" = ? AND id > ?))", val, val, id)
	}
	dir := ""
	if desc {
		dir = " DESC"
	}
	args := append(c.args, page.Limit+1)
	items, err := v.query(ctx, q, c.sql()+` ORDER BY `+col+dir+`, id LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return Page[T]{}, err
	}
	return finish(items, page.Limit, func(r T) string { return key(r) + "\x00" + v.id(r) }), nil
}

// insert stores a new record and audits its creation.
func (v versionedTable[T]) insert(ctx context.Context, tx *sql.Tx, orgID, id string, r T, actor auditlog.Actor) error {
	args := append([]any{id, orgID}, v.args(r)...)
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+v.table+` (id, org_id, `+v.writeColumns+`) VALUES (`+placeholders(1, len(args))+`)`, args...); err != nil {
		return fmt.Errorf("insert %s: %w", v.kind, err)
	}
	return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Create, RecordType: v.recordType, RecordID: id, After: r})
}

// edit reads a record in the write transaction, checks the caller's version, lets fn build
// the new record, stores it as the next version provided nobody changed it meanwhile, and
// audits the change.
func (v versionedTable[T]) edit(ctx context.Context, db *DB, orgID, id string, ifVersion *int64, actor auditlog.Actor, fn func(tx *sql.Tx, before T, at time.Time) (T, error)) (T, error) {
	var out T
	err := db.write(ctx, func(tx *sql.Tx) error {
		before, err := v.read(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != before.RecordVersion() {
			return staleVersion(v.kind, before.RecordVersion())
		}
		t := now()
		after, err := fn(tx, before, t)
		if err != nil {
			return err
		}
		v.stamp(&after, before.RecordVersion()+1, t)
		if err := updateVersioned(ctx, tx, v.table, v.writeColumns, v.args(after), orgID, id, before.RecordVersion(), v.kind); err != nil {
			return err
		}
		out = after
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Update, RecordType: v.recordType, RecordID: id, Before: before, After: after})
	})
	return out, err
}

// remove deletes a record at the caller's version when allowed says it may go, and audits it.
func (v versionedTable[T]) remove(ctx context.Context, db *DB, orgID, id string, ifVersion *int64, actor auditlog.Actor, allowed func(T) error) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		before, err := v.read(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != before.RecordVersion() {
			return staleVersion(v.kind, before.RecordVersion())
		}
		if err := allowed(before); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+v.table+` WHERE org_id = $1 AND id = $2`, orgID, id); err != nil {
			return fmt.Errorf("delete %s: %w", v.kind, err)
		}
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Delete, RecordType: v.recordType, RecordID: id, Before: before})
	})
}

// updateVersioned writes every column of a record, provided it is still at oldVersion.
func updateVersioned(ctx context.Context, tx *sql.Tx, table, columns string, args []any, orgID, id string, oldVersion int64, kind string) error {
	sets := strings.Split(strings.ReplaceAll(columns, "\n\t", " "), ",")
	for i := range sets {
		sets[i] = strings.TrimSpace(sets[i]) + " = $" + strconv.Itoa(i+1)
	}
	n := len(sets)
	res, err := tx.ExecContext(ctx, `UPDATE `+table+` SET `+strings.Join(sets, ", ")+
		fmt.Sprintf(` WHERE org_id = $%d AND id = $%d AND version = $%d`, n+1, n+2, n+3), append(args, orgID, id, oldVersion)...)
	if err != nil {
		return fmt.Errorf("update %s: %w", kind, err)
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return staleVersion(kind, oldVersion)
	}
	return nil
}
