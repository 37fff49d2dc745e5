package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/evidence"
	"github.com/annexa-dev/annexa/internal/fault"
)

// EvidenceBlobs is where evidence contents live: on PostgreSQL in the database, so every
// instance sees every file; on SQLite in DATA/evidence beside the database file.
func (db *DB) EvidenceBlobs() evidence.BlobStore {
	if db.Dialect == Postgres {
		return dbBlobs{db}
	}
	return evidence.Disk{Dir: db.EvidenceDir()}
}

// EvidenceDir is the directory of evidence files on SQLite, empty on PostgreSQL.
func (db *DB) EvidenceDir() string {
	if db.path == "" {
		return ""
	}
	return filepath.Join(filepath.Dir(db.path), "evidence")
}

// dbBlobs keeps evidence contents in the evidence_blobs table.
type dbBlobs struct{ db *DB }

func (b dbBlobs) Put(ctx context.Context, sum string, data []byte) error {
	if _, err := b.db.w.ExecContext(ctx, `INSERT INTO evidence_blobs (sha256, size, data) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING`,
		sum, len(data), data); err != nil {
		return fmt.Errorf("store evidence content: %w", err)
	}
	return nil
}

func (b dbBlobs) Get(ctx context.Context, sum string) ([]byte, error) {
	var data []byte
	err := b.db.r.QueryRowContext(ctx, `SELECT data FROM evidence_blobs WHERE sha256 = $1`, sum).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, evidence.ErrBlobMissing
	}
	if err != nil {
		return nil, fmt.Errorf("read evidence content: %w", err)
	}
	return data, nil
}

const evidenceColumns = `id, org_id, title, description, kind, url, valid_from, valid_until, current_version, created_by, version, created_at, updated_at`

func scanEvidence(row interface{ Scan(...any) error }) (evidence.Evidence, error) {
	var e evidence.Evidence
	var kind string
	var from, until sql.NullTime
	if err := row.Scan(&e.ID, &e.OrgID, &e.Title, &e.Description, &kind, &e.URL, &from, &until, &e.CurrentVersion, &e.CreatedBy,
		&e.Version, &e.CreatedAt, &e.UpdatedAt); err != nil {
		return e, err
	}
	e.Kind = evidence.Kind(kind)
	e.ValidFrom, e.ValidUntil = timePtr(from), timePtr(until)
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	e.Normalise()
	return e, nil
}

const versionColumns = `number, sha256, size, content_type, file_name, note, uploaded_by, uploaded_by_email, uploaded_at`

func scanVersion(row interface{ Scan(...any) error }) (evidence.FileVersion, error) {
	var v evidence.FileVersion
	err := row.Scan(&v.Number, &v.SHA256, &v.Size, &v.ContentType, &v.FileName, &v.Note, &v.UploadedBy, &v.UploaderEmail, &v.UploadedAt)
	v.UploadedAt = v.UploadedAt.UTC()
	return v, err
}

func timeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

// NewFile is an uploaded file, already checked and stored in the blob store by its hash.
type NewFile struct {
	FileName    string
	ContentType string
	SHA256      string
	Size        int64
}

// CreateEvidence records new evidence: a file (file non-nil, its first version) or a link.
// When p.Attach is set, it is attached to that record in the same transaction.
func (db *DB) CreateEvidence(ctx context.Context, orgID string, p evidence.Parsed, file *NewFile, actor auditlog.Actor) (evidence.Evidence, error) {
	t := now()
	e := evidence.Evidence{ID: uuid.Must(uuid.NewV7()).String(), OrgID: orgID, Title: p.Title, Description: p.Description, Kind: evidence.Link,
		URL: p.URL, ValidFrom: p.ValidFrom, ValidUntil: p.ValidUntil, CreatedBy: actor.UserID, Version: 1, CreatedAt: t, UpdatedAt: t}
	if file != nil {
		e.Kind, e.URL, e.CurrentVersion = evidence.File, "", 1
	}
	e.Normalise()
	err := db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO evidence (`+evidenceColumns+`, title_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
			e.ID, e.OrgID, e.Title, e.Description, string(e.Kind), e.URL, timeArg(e.ValidFrom), timeArg(e.ValidUntil), e.CurrentVersion, e.CreatedBy,
			e.Version, e.CreatedAt, e.UpdatedAt, strings.ToLower(e.Title)); err != nil {
			return fmt.Errorf("insert evidence: %w", err)
		}
		if file != nil {
			v, err := insertVersion(ctx, tx, e, 1, *file, p.Note, actor, t)
			if err != nil {
				return err
			}
			e.Current = &v
		}
		if p.Attach != nil {
			if err := attach(ctx, tx, orgID, e.ID, *p.Attach, actor, t); err != nil {
				return err
			}
			a := *p.Attach
			a.LinkedBy, a.LinkedAt = actor.UserID, t
			e.Links = []evidence.Attachment{a}
		}
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Create, RecordType: "evidence", RecordID: e.ID, After: e})
	})
	return e, err
}

func insertVersion(ctx context.Context, tx *sql.Tx, e evidence.Evidence, n int64, f NewFile, note string, actor auditlog.Actor, t time.Time) (evidence.FileVersion, error) {
	v := evidence.FileVersion{Number: n, SHA256: f.SHA256, Size: f.Size, ContentType: f.ContentType, FileName: f.FileName, Note: note,
		UploadedBy: actor.UserID, UploaderEmail: actor.Email, UploadedAt: t}
	if _, err := tx.ExecContext(ctx, `INSERT INTO evidence_versions (id, org_id, evidence_id, `+versionColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		uuid.Must(uuid.NewV7()).String(), e.OrgID, e.ID, v.Number, v.SHA256, v.Size, v.ContentType, v.FileName, v.Note, v.UploadedBy, v.UploaderEmail, v.UploadedAt); err != nil {
		return v, fmt.Errorf("insert evidence version: %w", err)
	}
	return v, nil
}

func attach(ctx context.Context, tx *sql.Tx, orgID, evidenceID string, a evidence.Attachment, actor auditlog.Actor, t time.Time) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO evidence_links (org_id, evidence_id, record_type, record_id, linked_by, linked_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (evidence_id, record_type, record_id) DO NOTHING`, orgID, evidenceID, string(a.RecordType), a.RecordID, actor.UserID, t); err != nil {
		return fmt.Errorf("link evidence: %w", err)
	}
	return nil
}

// Evidence returns one piece of evidence with its current version and links.
func (db *DB) Evidence(ctx context.Context, orgID, id string) (evidence.Evidence, error) {
	return getEvidence(ctx, db.r, orgID, id)
}

func getEvidence(ctx context.Context, q querier, orgID, id string) (evidence.Evidence, error) {
	e, err := scanEvidence(q.QueryRowContext(ctx, `SELECT `+evidenceColumns+` FROM evidence WHERE org_id = $1 AND id = $2`, orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return e, fault.NotFoundf("evidence", id)
	}
	if err != nil {
		return e, fmt.Errorf("read evidence: %w", err)
	}
	es := []evidence.Evidence{e}
	if err := fillEvidence(ctx, q, orgID, es); err != nil {
		return e, err
	}
	return es[0], nil
}

// fillEvidence adds the current version and the links of each piece of evidence.
func fillEvidence(ctx context.Context, q querier, orgID string, es []evidence.Evidence) error {
	if len(es) == 0 {
		return nil
	}
	idx := map[string]int{}
	args := []any{orgID}
	for i := range es {
		idx[es[i].ID] = i
		es[i].Links = []evidence.Attachment{}
		args = append(args, es[i].ID)
	}
	in := placeholders(2, len(es))
	rows, err := q.QueryContext(ctx, `SELECT evidence_id, record_type, record_id, linked_by, linked_at FROM evidence_links
		WHERE org_id = $1 AND evidence_id IN (`+in+`) ORDER BY evidence_id, record_type, record_id`, args...)
	if err != nil {
		return fmt.Errorf("read evidence links: %w", err)
	}
	for rows.Next() {
		var id, rt string
		var a evidence.Attachment
		if err := rows.Scan(&id, &rt, &a.RecordID, &a.LinkedBy, &a.LinkedAt); err != nil {
			rows.Close()
			return fmt.Errorf("read evidence links: %w", err)
		}
		a.RecordType, a.LinkedAt = evidence.RecordType(rt), a.LinkedAt.UTC()
		es[idx[id]].Links = append(es[idx[id]].Links, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	vrows, err := q.QueryContext(ctx, `SELECT v.evidence_id, v.`+strings.ReplaceAll(versionColumns, ", ", ", v.")+` FROM evidence_versions v
		JOIN evidence e ON e.id = v.evidence_id AND e.current_version = v.number
		WHERE v.org_id = $1 AND v.evidence_id IN (`+in+`)`, args...)
	if err != nil {
		return fmt.Errorf("read evidence versions: %w", err)
	}
	defer vrows.Close()
	for vrows.Next() {
		var id string
		var v evidence.FileVersion
		if err := vrows.Scan(&id, &v.Number, &v.SHA256, &v.Size, &v.ContentType, &v.FileName, &v.Note, &v.UploadedBy, &v.UploaderEmail, &v.UploadedAt); err != nil {
			return fmt.Errorf("read evidence versions: %w", err)
		}
		v.UploadedAt = v.UploadedAt.UTC()
		es[idx[id]].Current = &v
	}
	return vrows.Err()
}

// EvidenceList lists the organisation's evidence by title, filtered; with ExpiringWithin,
// by end of validity, soonest (and already expired) first.
func (db *DB) EvidenceList(ctx context.Context, orgID string, f evidence.Filter, page PageRequest) (Page[evidence.Evidence], error) {
	if err := f.Validate(); err != nil {
		return Page[evidence.Evidence]{}, err
	}
	page = page.normalise()
	w := newConditions("e.org_id = $1", orgID)
	if f.Query != "" {
		w.add(`(e.title_key LIKE ? ESCAPE '\' OR LOWER(e.description) LIKE ? ESCAPE '\')`, likePattern(f.Query), likePattern(f.Query))
	}
	if f.Kind != "" {
		w.add("e.kind = ?", string(f.Kind))
	}
	if f.RecordType != "" {
		w.add("EXISTS (SELECT 1 FROM evidence_links l WHERE l.evidence_id = e.id AND l.org_id = e.org_id AND l.record_type = ? AND l.record_id = ?)",
			string(f.RecordType), f.RecordID)
	}
	byExpiry := f.ExpiringWithin > 0
	if byExpiry {
		t := f.Now
		if t.IsZero() {
			t = now()
		}
		w.add("e.valid_until IS NOT NULL AND e.valid_until <= ?", t.Add(time.Duration(f.ExpiringWithin)*24*time.Hour))
	}
	order := "e.title_key, e.id"
	if k := page.cursorKey(); k != "" {
		a, id, ok := strings.Cut(k, "\x00")
		if !ok {
			return Page[evidence.Evidence]{}, fault.New(fault.Invalid, "bad cursor")
		}
		if byExpiry {
			t, err := time.Parse(time.RFC3339Nano, a)
			if err != nil {
				return Page[evidence.Evidence]{}, fault.New(fault.Invalid, "bad cursor")
			}
			w.add("(e.valid_until > ? OR (e.valid_until = ? AND e.id > ?))", t, t, id)
		} else {
			w.add("(e.title_key > ? OR (e.title_key = ? AND e.id > ?))", a, a, id)
		}
	}
	if byExpiry {
		order = "e.valid_until, e.id"
	}
	w.args = append(w.args, page.Limit+1)
	cols := "e." + strings.ReplaceAll(evidenceColumns, ", ", ", e.")
	rows, err := db.r.QueryContext(ctx, `SELECT `+cols+` FROM evidence e WHERE `+strings.Join(w.where, " AND ")+
		` ORDER BY `+order+` LIMIT $`+strconv.Itoa(len(w.args)), w.args...)
	if err != nil {
		return Page[evidence.Evidence]{}, fmt.Errorf("list evidence: %w", err)
	}
	var items []evidence.Evidence
	for rows.Next() {
		e, err := scanEvidence(rows)
		if err != nil {
			rows.Close()
			return Page[evidence.Evidence]{}, fmt.Errorf("read evidence: %w", err)
		}
		items = append(items, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Page[evidence.Evidence]{}, fmt.Errorf("list evidence: %w", err)
	}
	out := finish(items, page.Limit, func(e evidence.Evidence) string {
		if byExpiry {
			return e.ValidUntil.UTC().Format(time.RFC3339Nano) + "\x00" + e.ID
		}
		return strings.ToLower(e.Title) + "\x00" + e.ID
	})
	return out, fillEvidence(ctx, db.r, orgID, out.Items)
}

// EvidenceFor returns every piece of evidence attached to any of the given records, keyed by
// "record_type\x00record_id": the SoA and readiness read evidence in bulk.
func (db *DB) EvidenceFor(ctx context.Context, orgID string, records []evidence.Attachment) (map[string][]evidence.Evidence, error) {
	out := map[string][]evidence.Evidence{}
	if len(records) == 0 {
		return out, nil
	}
	want := map[string]bool{}
	for _, r := range records {
		want[string(r.RecordType)+"\x00"+r.RecordID] = true
	}
	rows, err := db.r.QueryContext(ctx, `SELECT l.record_type, l.record_id, e.id FROM evidence_links l JOIN evidence e ON e.id = l.evidence_id
		WHERE l.org_id = $1 ORDER BY e.title_key, e.id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("read evidence links: %w", err)
	}
	keys := map[string][]string{}
	var ids []string
	seen := map[string]bool{}
	for rows.Next() {
		var rt, rid, id string
		if err := rows.Scan(&rt, &rid, &id); err != nil {
			rows.Close()
			return nil, err
		}
		k := rt + "\x00" + rid
		if !want[k] {
			continue
		}
		keys[id] = append(keys[id], k)
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		args := []any{orgID}
		for _, id := range chunk {
			args = append(args, id)
		}
		erows, err := db.r.QueryContext(ctx, `SELECT `+evidenceColumns+` FROM evidence WHERE org_id = $1 AND id IN (`+placeholders(2, len(chunk))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("read evidence: %w", err)
		}
		var es []evidence.Evidence
		for erows.Next() {
			e, err := scanEvidence(erows)
			if err != nil {
				erows.Close()
				return nil, err
			}
			es = append(es, e)
		}
		erows.Close()
		if err := fillEvidence(ctx, db.r, orgID, es); err != nil {
			return nil, err
		}
		for _, e := range es {
			for _, k := range keys[e.ID] {
				out[k] = append(out[k], e)
			}
		}
	}
	return out, nil
}

// UpdateEvidence changes the description, title, link address or validity.
func (db *DB) UpdateEvidence(ctx context.Context, orgID, id string, m evidence.Meta, ifVersion *int64, actor auditlog.Actor) (evidence.Evidence, error) {
	var out evidence.Evidence
	err := db.write(ctx, func(tx *sql.Tx) error {
		before, err := getEvidence(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		m.RecordType, m.RecordID = nil, nil
		p, err := m.Parse(false, before.Kind)
		if err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != before.Version {
			return staleVersion("evidence", before.Version)
		}
		after := before
		if m.Title != nil {
			after.Title = p.Title
		}
		if m.Description != nil {
			after.Description = p.Description
		}
		if m.URL != nil && before.Kind == evidence.Link {
			after.URL = p.URL
		}
		if p.SetFrom {
			after.ValidFrom = p.ValidFrom
		}
		if p.SetUntil {
			after.ValidUntil = p.ValidUntil
		}
		if after.ValidFrom != nil && after.ValidUntil != nil && !after.ValidUntil.After(*after.ValidFrom) {
			return &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields",
				Fields: []fault.FieldError{{Field: "valid_until", Message: "must be after valid_from"}}}
		}
		after.Version, after.UpdatedAt = before.Version+1, now()
		res, err := tx.ExecContext(ctx, `UPDATE evidence SET title = $1, title_key = $2, description = $3, url = $4, valid_from = $5, valid_until = $6,
			version = $7, updated_at = $8 WHERE org_id = $9 AND id = $10 AND version = $11`, after.Title, strings.ToLower(after.Title), after.Description,
			after.URL, timeArg(after.ValidFrom), timeArg(after.ValidUntil), after.Version, after.UpdatedAt, orgID, id, before.Version)
		if err != nil {
			return fmt.Errorf("update evidence: %w", err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return staleVersion("evidence", before.Version)
		}
		out = after
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Update, RecordType: "evidence", RecordID: id, Before: before, After: after})
	})
	return out, err
}

// AddEvidenceVersion records a new file version; earlier versions stay. A validity given
// with it replaces the evidence's validity (a renewed certificate has new dates).
func (db *DB) AddEvidenceVersion(ctx context.Context, orgID, id string, p evidence.Parsed, file NewFile, actor auditlog.Actor) (evidence.Evidence, error) {
	var out evidence.Evidence
	err := db.write(ctx, func(tx *sql.Tx) error {
		before, err := getEvidence(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if before.Kind != evidence.File {
			return &fault.Error{Code: fault.Invalid, Message: "a link has no file versions",
				Fields: []fault.FieldError{{Field: "file", Message: "cannot be added to a link; create file evidence instead"}}}
		}
		t := now()
		after := before
		after.CurrentVersion = before.CurrentVersion + 1
		if p.SetFrom {
			after.ValidFrom = p.ValidFrom
		}
		if p.SetUntil {
			after.ValidUntil = p.ValidUntil
		}
		after.Version, after.UpdatedAt = before.Version+1, t
		v, err := insertVersion(ctx, tx, after, after.CurrentVersion, file, p.Note, actor, t)
		if err != nil {
			return err
		}
		after.Current = &v
		if _, err := tx.ExecContext(ctx, `UPDATE evidence SET current_version = $1, valid_from = $2, valid_until = $3, version = $4, updated_at = $5
			WHERE org_id = $6 AND id = $7`, after.CurrentVersion, timeArg(after.ValidFrom), timeArg(after.ValidUntil), after.Version, t, orgID, id); err != nil {
			return fmt.Errorf("update evidence: %w", err)
		}
		out = after
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Update, RecordType: "evidence", RecordID: id, Before: before, After: after})
	})
	return out, err
}

// EvidenceVersions lists every file version of a piece of evidence, newest first.
func (db *DB) EvidenceVersions(ctx context.Context, orgID, id string) ([]evidence.FileVersion, error) {
	if _, err := getEvidence(ctx, db.r, orgID, id); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+versionColumns+` FROM evidence_versions WHERE org_id = $1 AND evidence_id = $2 ORDER BY number DESC`, orgID, id)
	if err != nil {
		return nil, fmt.Errorf("read evidence versions: %w", err)
	}
	defer rows.Close()
	out := []evidence.FileVersion{}
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, fmt.Errorf("read evidence versions: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// EvidenceVersion returns one file version; n = 0 is the current one.
func (db *DB) EvidenceVersion(ctx context.Context, orgID, id string, n int64) (evidence.Evidence, evidence.FileVersion, error) {
	e, err := getEvidence(ctx, db.r, orgID, id)
	if err != nil {
		return e, evidence.FileVersion{}, err
	}
	if e.Kind != evidence.File {
		return e, evidence.FileVersion{}, fault.New(fault.NotFound, "evidence %q is a link and has no file", id)
	}
	if n == 0 {
		n = e.CurrentVersion
	}
	v, err := scanVersion(db.r.QueryRowContext(ctx, `SELECT `+versionColumns+` FROM evidence_versions WHERE org_id = $1 AND evidence_id = $2 AND number = $3`, orgID, id, n))
	if errors.Is(err, sql.ErrNoRows) {
		return e, v, fault.NotFoundf("evidence version", strconv.FormatInt(n, 10))
	}
	if err != nil {
		return e, v, fmt.Errorf("read evidence version: %w", err)
	}
	return e, v, nil
}

// LinkEvidence attaches evidence to a record; attaching twice changes nothing.
func (db *DB) LinkEvidence(ctx context.Context, orgID, id string, a evidence.Attachment, actor auditlog.Actor) (evidence.Evidence, error) {
	return db.relink(ctx, orgID, id, a, true, actor)
}

// UnlinkEvidence detaches evidence from a record.
func (db *DB) UnlinkEvidence(ctx context.Context, orgID, id string, a evidence.Attachment, actor auditlog.Actor) (evidence.Evidence, error) {
	return db.relink(ctx, orgID, id, a, false, actor)
}

func (db *DB) relink(ctx context.Context, orgID, id string, a evidence.Attachment, link bool, actor auditlog.Actor) (evidence.Evidence, error) {
	var out evidence.Evidence
	err := db.write(ctx, func(tx *sql.Tx) error {
		before, err := getEvidence(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		t := now()
		if link {
			if err := attach(ctx, tx, orgID, id, a, actor, t); err != nil {
				return err
			}
		} else {
			res, err := tx.ExecContext(ctx, `DELETE FROM evidence_links WHERE org_id = $1 AND evidence_id = $2 AND record_type = $3 AND record_id = $4`,
				orgID, id, string(a.RecordType), a.RecordID)
			if err != nil {
				return fmt.Errorf("unlink evidence: %w", err)
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return fault.New(fault.NotFound, "evidence %q is not attached to %s %q", id, a.RecordType, a.RecordID)
			}
		}
		after, err := getEvidence(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		out = after
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Update, RecordType: "evidence", RecordID: id,
			Before: map[string]any{"links": before.Links}, After: map[string]any{"links": after.Links}})
	})
	return out, err
}

// RecordExists reports whether a record evidence may attach to exists in the organisation,
// for the record types this store holds (controls, AI systems, risks, impact assessment
// versions, audits). Requirements are checked against the catalogs by the caller.
func (db *DB) RecordExists(ctx context.Context, orgID string, rt evidence.RecordType, id string) (bool, error) {
	table := map[evidence.RecordType]string{evidence.ToControl: "controls", evidence.ToAISystem: "ai_systems",
		evidence.ToRisk: "risks", evidence.ToImpactAssessment: "impact_assessments", evidence.ToAudit: "audits"}[rt]
	if table == "" {
		return false, fmt.Errorf("no table for %s", rt)
	}
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE org_id = $1 AND id = $2`, orgID, id).Scan(&n); err != nil {
		return false, fmt.Errorf("check %s: %w", rt, err)
	}
	return n > 0, nil
}

// EvidenceStats counts an organisation's evidence that has expired or expires within
// ExpiryWarning of now.
func (db *DB) EvidenceStats(ctx context.Context, orgID string, at time.Time) (evidence.Stats, error) {
	var st evidence.Stats
	at = at.UTC().Truncate(time.Microsecond)
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN valid_until IS NOT NULL AND valid_until <= $2 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN valid_until IS NOT NULL AND valid_until > $2 AND valid_until <= $3 THEN 1 ELSE 0 END), 0)
		FROM evidence WHERE org_id = $1`, orgID, at, at.Add(evidence.ExpiryWarning)).Scan(&st.Total, &st.Expired, &st.Expiring)
	if err != nil {
		return st, fmt.Errorf("evidence stats: %w", err)
	}
	return st, nil
}
