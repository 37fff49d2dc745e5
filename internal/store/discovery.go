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
	"github.com/annexa-dev/annexa/internal/discovery"
	"github.com/annexa-dev/annexa/internal/fault"
)

const candidateColumns = `id, org_id, fingerprint, name, source, location, technologies, vendor, suggested_sourcing,
	confidence, purpose, annex_iii, likely_role, models, usage, evidence, first_seen, last_seen, times_seen, status,
	decided_by, decided_at, system_id, merged_into, dismissal_reason, version`

func scanCandidate(row interface{ Scan(...any) error }) (discovery.Queued, error) {
	var q discovery.Queued
	var techs, annex, models, evidence string
	var usage sql.NullString
	var decided sql.NullTime
	if err := row.Scan(&q.ID, &q.OrgID, &q.Fingerprint, &q.Name, &q.Source, &q.Location, &techs, &q.Vendor, &q.SuggestedSourcing,
		&q.Confidence, &q.Purpose, &annex, &q.LikelyRole, &models, &usage, &evidence, &q.FirstSeen, &q.LastSeen, &q.TimesSeen, &q.Status,
		&q.DecidedBy, &decided, &q.SystemID, &q.MergedInto, &q.DismissalReason, &q.Version); err != nil {
		return q, err
	}
	q.FirstSeen, q.LastSeen, q.DecidedAt = q.FirstSeen.UTC(), q.LastSeen.UTC(), timePtr(decided)
	for _, f := range []struct {
		raw string
		dst any
	}{{techs, &q.Technologies}, {annex, &q.AnnexIII}, {models, &q.Models}, {evidence, &q.Evidence}} {
		if err := json.Unmarshal([]byte(f.raw), f.dst); err != nil {
			return q, fmt.Errorf("decode candidate %s: %w", q.ID, err)
		}
	}
	if usage.Valid {
		q.Usage = &discovery.Usage{}
		if err := json.Unmarshal([]byte(usage.String), q.Usage); err != nil {
			return q, fmt.Errorf("decode candidate %s usage: %w", q.ID, err)
		}
	}
	if q.Technologies == nil {
		q.Technologies = []string{}
	}
	if q.Evidence == nil {
		q.Evidence = []discovery.Finding{}
	}
	return q, nil
}

// candidateAudit is what the audit trail keeps of a candidate: its identity and decision, and
// how much evidence it had — not the evidence itself, which a re-scan replaces wholesale and
// which may run to thousands of findings.
type candidateAudit struct {
	Fingerprint     string           `json:"fingerprint"`
	Name            string           `json:"name"`
	Source          discovery.Source `json:"source"`
	Location        string           `json:"location"`
	Technologies    []string         `json:"technologies"`
	Vendor          string           `json:"vendor"`
	Confidence      string           `json:"confidence"`
	Status          discovery.Status `json:"status"`
	Evidence        int              `json:"evidence"`
	TimesSeen       int64            `json:"times_seen"`
	SystemID        string           `json:"system_id,omitempty"`
	MergedInto      string           `json:"merged_into,omitempty"`
	DismissalReason string           `json:"dismissal_reason,omitempty"`
	Version         int64            `json:"version"`
}

func auditOfCandidate(q discovery.Queued) candidateAudit {
	return candidateAudit{Fingerprint: q.Fingerprint, Name: q.Name, Source: q.Source, Location: q.Location, Technologies: q.Technologies,
		Vendor: q.Vendor, Confidence: string(q.Confidence), Status: q.Status, Evidence: len(q.Evidence), TimesSeen: q.TimesSeen,
		SystemID: q.SystemID, MergedInto: q.MergedInto, DismissalReason: q.DismissalReason, Version: q.Version}
}

const candidateRecord = "discovery_candidate"

// candidateJSON encodes the candidate's list and object columns.
type candidateJSON struct{ techs, annex, models, evidence string }

func encodeCandidate(c discovery.Candidate) (candidateJSON, any, error) {
	var out candidateJSON
	for _, f := range []struct {
		dst *string
		v   any
	}{{&out.techs, nonNil(c.Technologies)}, {&out.annex, nonNil(c.AnnexIII)}, {&out.models, nonNilModels(c.Models)}, {&out.evidence, c.Evidence}} {
		b, err := json.Marshal(f.v)
		if err != nil {
			return out, nil, fmt.Errorf("encode candidate: %w", err)
		}
		*f.dst = string(b)
	}
	var usage any
	if c.Usage != nil {
		b, err := json.Marshal(c.Usage)
		if err != nil {
			return out, nil, fmt.Errorf("encode candidate usage: %w", err)
		}
		usage = string(b)
	}
	return out, usage, nil
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

func nonNilModels(xs []discovery.Model) []discovery.Model {
	if xs == nil {
		return []discovery.Model{}
	}
	return xs
}

func candidateByID(ctx context.Context, q querier, orgID, id string) (discovery.Queued, error) {
	c, err := scanCandidate(q.QueryRowContext(ctx, `SELECT `+candidateColumns+` FROM discovery_candidates WHERE org_id = $1 AND id = $2`, orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fault.NotFoundf("discovery candidate", id)
	}
	if err != nil {
		return c, fmt.Errorf("read discovery candidate: %w", err)
	}
	return c, nil
}

// DiscoveryCandidate returns one candidate of the organisation's review queue.
func (db *DB) DiscoveryCandidate(ctx context.Context, orgID, id string) (discovery.Queued, error) {
	return candidateByID(ctx, db.r, orgID, id)
}

// SubmitCandidates puts candidates into the review queue in one transaction. A fingerprint the
// queue already holds is the same system seen again: its last-seen time, count, evidence and
// technologies are refreshed and its status is kept — a dismissed candidate stays dismissed, an
// accepted one stays linked to its inventory entry — so re-scans never duplicate nor resurrect.
// Candidates repeated within one batch are folded together first.
func (db *DB) SubmitCandidates(ctx context.Context, orgID string, cands []discovery.Candidate, actor auditlog.Actor) (discovery.SubmitResult, error) {
	res := discovery.SubmitResult{Items: []discovery.SubmitItem{}}
	batch := make([]discovery.Candidate, 0, len(cands))
	seen := map[string]int{}
	for _, c := range cands {
		c.Normalise()
		if err := c.Validate(); err != nil {
			return res, err
		}
		if i, ok := seen[c.Fingerprint]; ok {
			batch[i].Merge(c)
			continue
		}
		seen[c.Fingerprint] = len(batch)
		batch = append(batch, c)
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		for _, c := range batch {
			item, err := submitOne(ctx, tx, orgID, c, actor)
			if err != nil {
				return err
			}
			switch item.Outcome {
			case discovery.OutcomeCreated:
				res.Created++
			case discovery.OutcomeUpdated:
				res.Updated++
			case discovery.OutcomeRemembered:
				res.Remembered++
			}
			res.Items = append(res.Items, item)
		}
		return nil
	})
	if err != nil {
		return discovery.SubmitResult{Items: []discovery.SubmitItem{}}, err
	}
	return res, nil
}

func submitOne(ctx context.Context, tx *sql.Tx, orgID string, c discovery.Candidate, actor auditlog.Actor) (discovery.SubmitItem, error) {
	enc, usage, err := encodeCandidate(c)
	if err != nil {
		return discovery.SubmitItem{}, err
	}
	t := now()
	var id string
	err = tx.QueryRowContext(ctx, `SELECT id FROM discovery_candidates WHERE org_id = $1 AND fingerprint = $2`, orgID, c.Fingerprint).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		id = uuid.Must(uuid.NewV7()).String()
		_, err := tx.ExecContext(ctx, `INSERT INTO discovery_candidates (id, org_id, fingerprint, name, source, location, technologies,
			vendor, suggested_sourcing, confidence, purpose, annex_iii, likely_role, models, usage, evidence, first_seen, last_seen)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)`,
			id, orgID, c.Fingerprint, c.Name, string(c.Source), c.Location, enc.techs, c.Vendor, string(c.SuggestedSourcing),
			string(c.Confidence), c.Purpose, enc.annex, c.LikelyRole, enc.models, usage, enc.evidence, t)
		if isForeignKeyViolation(err) {
			return discovery.SubmitItem{}, fault.NotFoundf("organisation", orgID)
		}
		if err != nil {
			return discovery.SubmitItem{}, fmt.Errorf("insert discovery candidate: %w", err)
		}
		after, err := candidateByID(ctx, tx, orgID, id)
		if err != nil {
			return discovery.SubmitItem{}, err
		}
		if err := appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Create, RecordType: candidateRecord, RecordID: id, After: auditOfCandidate(after)}); err != nil {
			return discovery.SubmitItem{}, err
		}
		return discovery.SubmitItem{ID: id, Fingerprint: c.Fingerprint, Name: after.Name, Status: after.Status, Outcome: discovery.OutcomeCreated}, nil
	case err != nil:
		return discovery.SubmitItem{}, fmt.Errorf("find discovery candidate: %w", err)
	}
	before, err := candidateByID(ctx, tx, orgID, id)
	if err != nil {
		return discovery.SubmitItem{}, err
	}
	// What the source observes now replaces what it observed before (a library removed from the
	// code leaves the evidence); the reviewer's decision and the first sighting stay.
	if _, err := tx.ExecContext(ctx, `UPDATE discovery_candidates SET name = $1, location = $2, technologies = $3, vendor = $4,
		suggested_sourcing = $5, confidence = $6, purpose = $7, annex_iii = $8, likely_role = $9, models = $10, usage = $11,
		evidence = $12, last_seen = $13, times_seen = times_seen + 1, version = version + 1 WHERE org_id = $14 AND id = $15`,
		c.Name, c.Location, enc.techs, c.Vendor, string(c.SuggestedSourcing), string(c.Confidence), c.Purpose, enc.annex,
		c.LikelyRole, enc.models, usage, enc.evidence, t, orgID, id); err != nil {
		return discovery.SubmitItem{}, fmt.Errorf("update discovery candidate: %w", err)
	}
	after, err := candidateByID(ctx, tx, orgID, id)
	if err != nil {
		return discovery.SubmitItem{}, err
	}
	if err := appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Update, RecordType: candidateRecord, RecordID: id,
		Before: auditOfCandidate(before), After: auditOfCandidate(after)}); err != nil {
		return discovery.SubmitItem{}, err
	}
	outcome := discovery.OutcomeUpdated
	if after.Status != discovery.StatusNew {
		outcome = discovery.OutcomeRemembered
	}
	return discovery.SubmitItem{ID: id, Fingerprint: c.Fingerprint, Name: after.Name, Status: after.Status, Outcome: outcome}, nil
}

// DiscoveryCandidates lists the review queue, newest first, filtered by status, source and words.
func (db *DB) DiscoveryCandidates(ctx context.Context, orgID string, f discovery.Filter, page PageRequest) (Page[discovery.Queued], error) {
	if err := f.Validate(); err != nil {
		return Page[discovery.Queued]{}, err
	}
	page = page.normalise()
	q := `SELECT ` + candidateColumns + ` FROM discovery_candidates WHERE org_id = $1 AND ($2 = '' OR status = $2) AND ($3 = '' OR source = $3)`
	args := []any{orgID, string(f.Status), string(f.Source)}
	for _, w := range strings.Fields(strings.ToLower(f.Q)) {
		args = append(args, "%"+likeEscaper.Replace(w)+"%")
		n := len(args)
		q += fmt.Sprintf(` AND (LOWER(name) LIKE $%[1]d ESCAPE '\' OR LOWER(location) LIKE $%[1]d ESCAPE '\' OR LOWER(vendor) LIKE $%[1]d ESCAPE '\' OR LOWER(technologies) LIKE $%[1]d ESCAPE '\')`, n)
	}
	if k := page.cursorKey(); k != "" {
		args = append(args, k)
		q += fmt.Sprintf(` AND id < $%d`, len(args))
	}
	args = append(args, page.Limit+1)
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT $%d`, len(args))
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return Page[discovery.Queued]{}, fmt.Errorf("list discovery candidates: %w", err)
	}
	defer rows.Close()
	var items []discovery.Queued
	for rows.Next() {
		c, err := scanCandidate(rows)
		if err != nil {
			return Page[discovery.Queued]{}, fmt.Errorf("read discovery candidate: %w", err)
		}
		items = append(items, c)
	}
	if err := rows.Err(); err != nil {
		return Page[discovery.Queued]{}, fmt.Errorf("list discovery candidates: %w", err)
	}
	return finish(items, page.Limit, func(c discovery.Queued) string { return c.ID }), nil
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// DiscoveryCounts counts the organisation's candidates per status.
func (db *DB) DiscoveryCounts(ctx context.Context, orgID string) (map[discovery.Status]int, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT status, COUNT(*) FROM discovery_candidates WHERE org_id = $1 GROUP BY status`, orgID)
	if err != nil {
		return nil, fmt.Errorf("count discovery candidates: %w", err)
	}
	defer rows.Close()
	out := map[discovery.Status]int{}
	for _, s := range discovery.Statuses {
		out[s] = 0
	}
	for rows.Next() {
		var s discovery.Status
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("count discovery candidates: %w", err)
		}
		out[s] = n
	}
	return out, rows.Err()
}

// decideCandidate changes a waiting candidate's status in tx, audited: set fills the decision's
// columns. Only a candidate still waiting for review can be decided; a decided one answers
// conflict naming its decision, so two reviewers cannot overwrite each other.
func decideCandidate(ctx context.Context, tx *sql.Tx, orgID, id string, actor auditlog.Actor, status discovery.Status,
	set string, args ...any) (discovery.Queued, error) {
	before, err := candidateByID(ctx, tx, orgID, id)
	if err != nil {
		return before, err
	}
	if before.Status != discovery.StatusNew {
		return before, fault.New(fault.Conflict, "candidate %q was already %s by %s; only new candidates can be decided", before.Name, before.Status, before.DecidedBy)
	}
	base := []any{string(status), importedBy(actor), now(), orgID, id}
	q := `UPDATE discovery_candidates SET status = $1, decided_by = $2, decided_at = $3, version = version + 1`
	if set != "" {
		q += ", " + set
	}
	q += ` WHERE org_id = $4 AND id = $5 AND status = 'new'`
	res, err := tx.ExecContext(ctx, q, append(base, args...)...)
	if err != nil {
		return before, fmt.Errorf("decide discovery candidate: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return before, fault.New(fault.Conflict, "candidate %q changed while you were deciding; reload it", before.Name)
	}
	after, err := candidateByID(ctx, tx, orgID, id)
	if err != nil {
		return after, err
	}
	return after, appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Update, RecordType: candidateRecord, RecordID: id,
		Before: auditOfCandidate(before), After: auditOfCandidate(after)})
}

// DismissCandidate records that a candidate is not an AI system to register, and why. The
// dismissal is remembered: the fingerprint stays in the queue, so a re-scan does not bring it back.
func (db *DB) DismissCandidate(ctx context.Context, orgID, id string, d discovery.Dismissal, actor auditlog.Actor) (discovery.Queued, error) {
	if err := d.Validate(); err != nil {
		return discovery.Queued{}, err
	}
	var out discovery.Queued
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = decideCandidate(ctx, tx, orgID, id, actor, discovery.StatusDismissed, `dismissal_reason = $6`, strings.TrimSpace(d.Reason))
		return err
	})
	return out, err
}

// MergeCandidate folds a candidate into another that is the same system (a service found in
// the code and again in an SBOM or in the proxy log): the target gains the evidence,
// technologies and models, the merged one is remembered as merged into it.
func (db *DB) MergeCandidate(ctx context.Context, orgID, id string, m discovery.MergeRequest, actor auditlog.Actor) (discovery.Queued, error) {
	if err := m.Validate(); err != nil {
		return discovery.Queued{}, err
	}
	into := strings.TrimSpace(m.Into)
	if into == id {
		return discovery.Queued{}, &fault.Error{Code: fault.Invalid, Message: "a candidate cannot be merged into itself",
			Fields: []fault.FieldError{{Field: "into", Message: "must name another candidate"}}}
	}
	var out discovery.Queued
	err := db.write(ctx, func(tx *sql.Tx) error {
		// The candidate itself first, so another organisation's id answers not found.
		if _, err := candidateByID(ctx, tx, orgID, id); err != nil {
			return err
		}
		target, err := candidateByID(ctx, tx, orgID, into)
		if fault.Is(err, fault.NotFound) {
			return &fault.Error{Code: fault.Invalid, Message: "the candidate to merge into does not exist",
				Fields: []fault.FieldError{{Field: "into", Message: "is not a candidate of this organisation"}}}
		}
		if err != nil {
			return err
		}
		if target.Status == discovery.StatusMerged || target.Status == discovery.StatusDismissed {
			return &fault.Error{Code: fault.Conflict, Message: fmt.Sprintf("candidate %q is %s; merge into a new or accepted candidate", target.Name, target.Status),
				Fields: []fault.FieldError{{Field: "into", Message: "is " + string(target.Status)}}}
		}
		merged, err := decideCandidate(ctx, tx, orgID, id, actor, discovery.StatusMerged, `merged_into = $6`, target.ID)
		if err != nil {
			return err
		}
		folded := target.Candidate
		folded.Merge(merged.Candidate)
		if len(folded.Evidence) > discovery.MaxEvidence {
			folded.Evidence = folded.Evidence[:discovery.MaxEvidence]
		}
		enc, usage, err := encodeCandidate(folded)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE discovery_candidates SET technologies = $1, annex_iii = $2, models = $3, usage = $4,
			evidence = $5, confidence = $6, vendor = $7, purpose = $8, likely_role = $9, suggested_sourcing = $10, version = version + 1
			WHERE org_id = $11 AND id = $12`,
			enc.techs, enc.annex, enc.models, usage, enc.evidence, string(folded.Confidence), folded.Vendor, folded.Purpose,
			folded.LikelyRole, string(folded.SuggestedSourcing), orgID, target.ID); err != nil {
			return fmt.Errorf("merge discovery candidate: %w", err)
		}
		if out, err = candidateByID(ctx, tx, orgID, target.ID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Update, RecordType: candidateRecord, RecordID: target.ID,
			Before: auditOfCandidate(target), After: auditOfCandidate(out)})
	})
	return out, err
}

// AcceptCandidate accepts a waiting candidate into the inventory in one transaction: with
// req.SystemID it is linked to that existing system; without, a system is registered from the
// candidate (discovery.Candidate.SystemInput) with ownerID as its owner ("" for none). The
// system, the candidate's decision and both audit entries commit together or not at all, so a
// candidate is never marked accepted without its system, nor a system created twice.
func (db *DB) AcceptCandidate(ctx context.Context, orgID, id string, req discovery.AcceptRequest, ownerID string, actor auditlog.Actor) (discovery.Accepted, error) {
	var out discovery.Accepted
	err := db.write(ctx, func(tx *sql.Tx) error {
		c, err := candidateByID(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if link := strings.TrimSpace(req.SystemID); link != "" {
			out.System, err = system(ctx, tx, orgID, link)
			if fault.Is(err, fault.NotFound) {
				return &fault.Error{Code: fault.Invalid, Message: "the AI system to link to does not exist",
					Fields: []fault.FieldError{{Field: "system_id", Message: "is not an AI system of this organisation"}}}
			}
			if err != nil {
				return err
			}
		} else {
			if c.Status != discovery.StatusNew {
				return fault.New(fault.Conflict, "candidate %q was already %s by %s; only new candidates can be accepted", c.Name, c.Status, c.DecidedBy)
			}
			in := c.SystemInput()
			if ownerID != "" {
				in.OwnerID = &ownerID
			}
			if err := in.Validate(true); err != nil {
				return err
			}
			if out.System, err = createSystem(ctx, tx, orgID, in, actor, now()); err != nil {
				return err
			}
			out.Created = true
		}
		out.Candidate, err = decideCandidate(ctx, tx, orgID, id, actor, discovery.StatusAccepted, `system_id = $6`, out.System.ID)
		return err
	})
	if err != nil {
		return discovery.Accepted{}, err
	}
	return out, nil
}
