package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/risk"
)

// RiskMethod returns the organisation's risk method: the default 5×5 method (version 0) until
// someone sets one.
func (db *DB) RiskMethod(ctx context.Context, orgID string) (risk.Method, error) {
	return riskMethod(ctx, db.r, orgID)
}

func riskMethod(ctx context.Context, q querier, orgID string) (risk.Method, error) {
	var raw string
	var version int64
	var at time.Time
	err := q.QueryRowContext(ctx, `SELECT method, version, updated_at FROM risk_methods WHERE org_id = $1`, orgID).Scan(&raw, &version, &at)
	if errors.Is(err, sql.ErrNoRows) {
		m := risk.DefaultMethod()
		m.OrgID = orgID
		m.Normalise()
		return m, nil
	}
	if err != nil {
		return risk.Method{}, fmt.Errorf("read risk method: %w", err)
	}
	var m risk.Method
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return m, fmt.Errorf("risk method: %w", err)
	}
	m.OrgID, m.Version, m.UpdatedAt = orgID, version, at.UTC()
	m.Normalise()
	return m, nil
}

// MethodChange is the result of setting a method: the method and how many risks it re-scored.
type MethodChange struct {
	Method   risk.Method `json:"method"`
	Rescored int         `json:"rescored"`
}

// SetRiskMethod replaces the organisation's risk method and re-scores every risk on it: values
// are carried onto a resized scale end to end, levels follow the new bands, and each risk whose
// scores changed gets a history point. One audit entry records the change and the count.
func (db *DB) SetRiskMethod(ctx context.Context, orgID string, m risk.Method, ifVersion *int64, actor auditlog.Actor) (MethodChange, error) {
	if err := m.Validate(); err != nil {
		return MethodChange{}, err
	}
	var out MethodChange
	err := db.write(ctx, func(tx *sql.Tx) error {
		before, err := riskMethod(ctx, tx, orgID)
		if err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != before.Version {
			return staleVersion("risk method", before.Version)
		}
		t := now()
		m.OrgID, m.Version, m.UpdatedAt = orgID, before.Version+1, t
		m.Normalise()
		stored := m
		stored.OrgID, stored.Version = "", 0
		if _, err := tx.ExecContext(ctx, `INSERT INTO risk_methods (org_id, method, version, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (org_id) DO UPDATE SET method = excluded.method, version = excluded.version, updated_at = excluded.updated_at`,
			orgID, mustJSON(stored), m.Version, t); err != nil {
			return fmt.Errorf("save risk method: %w", err)
		}
		n, err := rescoreRisks(ctx, tx, orgID, before, m, t, actor)
		if err != nil {
			return err
		}
		out = MethodChange{Method: m, Rescored: n}
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Update, RecordType: "risk_method", RecordID: orgID,
			Before: before, After: out})
	})
	return out, err
}

func rescoreRisks(ctx context.Context, tx *sql.Tx, orgID string, from, to risk.Method, t time.Time, actor auditlog.Actor) (int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+riskColumns+` FROM risks WHERE org_id = $1`, orgID)
	if err != nil {
		return 0, fmt.Errorf("read risks to re-score: %w", err)
	}
	var all []risk.Risk
	for rows.Next() {
		r, err := scanRisk(rows)
		if err != nil {
			rows.Close()
			return 0, err
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("read risks to re-score: %w", err)
	}
	cause := fmt.Sprintf("risk method changed to version %d", to.Version)
	n := 0
	counts := newRiskTallies()
	for _, before := range all {
		r := before
		r.Likelihood = risk.Rescale(r.Likelihood, from.MaxLikelihood(), to.MaxLikelihood())
		r.Impact = risk.Rescale(r.Impact, from.MaxImpact(), to.MaxImpact())
		r.ResidualLikelihood = risk.Rescale(r.ResidualLikelihood, from.MaxLikelihood(), to.MaxLikelihood())
		r.ResidualImpact = risk.Rescale(r.ResidualImpact, from.MaxImpact(), to.MaxImpact())
		r.Derive(to)
		if risk.SameScores(before, r) && before.EffectiveScore() == r.EffectiveScore() && before.TreatmentRequired == r.TreatmentRequired {
			continue
		}
		r.Version, r.UpdatedAt = before.Version+1, t
		if _, err := tx.ExecContext(ctx, `UPDATE risks SET likelihood = $1, impact = $2, score = $3, level = $4, residual_likelihood = $5,
			residual_impact = $6, residual_score = $7, residual_level = $8, effective_level = $9, effective_score = $10, version = $11, updated_at = $12
			WHERE org_id = $13 AND id = $14`, r.Likelihood, r.Impact, r.Score, r.Level, r.ResidualLikelihood, r.ResidualImpact, r.ResidualScore,
			r.ResidualLevel, r.EffectiveLevel, r.EffectiveScore(), r.Version, t, orgID, r.ID); err != nil {
			return n, fmt.Errorf("re-score risk: %w", err)
		}
		if err := recordScores(ctx, tx, r, t, cause, actor); err != nil {
			return n, err
		}
		counts.move(before, r)
		n++
	}
	return n, counts.apply(ctx, tx, orgID)
}

// RiskCategories lists the built-in categories and then the organisation's own, by label.
func (db *DB) RiskCategories(ctx context.Context, orgID string) ([]risk.Category, error) {
	return riskCategories(ctx, db.r, orgID)
}

func riskCategories(ctx context.Context, q querier, orgID string) ([]risk.Category, error) {
	out := risk.BuiltinCategories()
	rows, err := q.QueryContext(ctx, `SELECT id, label, description, annex_c FROM risk_categories WHERE org_id = $1 ORDER BY label, id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("read risk categories: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c := risk.Category{Domain: "organisation"}
		var annex string
		if err := rows.Scan(&c.ID, &c.Label, &c.Description, &annex); err != nil {
			return nil, fmt.Errorf("read risk categories: %w", err)
		}
		if err := json.Unmarshal([]byte(annex), &c.AnnexC); err != nil {
			return nil, fmt.Errorf("risk category %s: %w", c.ID, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CreateRiskCategory adds an organisation's own category.
func (db *DB) CreateRiskCategory(ctx context.Context, orgID string, n risk.NewCategory, actor auditlog.Actor) (risk.Category, error) {
	if err := n.Validate(); err != nil {
		return risk.Category{}, err
	}
	c := risk.Category{ID: n.ID, Label: strings.TrimSpace(n.Label), Domain: "organisation", Description: strings.TrimSpace(n.Description), AnnexC: n.AnnexC}
	if c.AnnexC == nil {
		c.AnnexC = []string{}
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO risk_categories (org_id, id, label, description, annex_c, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			orgID, c.ID, c.Label, c.Description, mustJSON(c.AnnexC), now()); err != nil {
			if isUniqueViolation(err) {
				return &fault.Error{Code: fault.Conflict, Message: "the category exists", Fields: []fault.FieldError{{Field: "id", Message: fmt.Sprintf("%q is already a category of this organisation", c.ID)}}}
			}
			return fmt.Errorf("insert risk category: %w", err)
		}
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Create, RecordType: "risk_category", RecordID: c.ID, After: c})
	})
	return c, err
}

const riskColumns = `id, org_id, title, description, category, sources, ai_system_ids, assets, owner_id, likelihood, impact,
	treatment, actions, controls, residual_likelihood, residual_impact, residual_reason, acceptance, next_review, status, suggested_by,
	score, level, residual_score, residual_level, version, created_at, updated_at`

func scanRisk(row interface{ Scan(...any) error }) (risk.Risk, error) {
	var r risk.Risk
	var sources, systems, assets, actions, controls, treatment, status string
	var acceptance sql.NullString
	if err := row.Scan(&r.ID, &r.OrgID, &r.Title, &r.Description, &r.Category, &sources, &systems, &assets, &r.OwnerID, &r.Likelihood, &r.Impact,
		&treatment, &actions, &controls, &r.ResidualLikelihood, &r.ResidualImpact, &r.ResidualReason, &acceptance, &r.NextReview, &status, &r.SuggestedBy,
		&r.Score, &r.Level, &r.ResidualScore, &r.ResidualLevel, &r.Version, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return r, err
	}
	r.Treatment, r.Status = risk.Treatment(treatment), risk.Status(status)
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	for _, f := range []struct {
		src string
		dst any
	}{{sources, &r.Sources}, {systems, &r.AISystemIDs}, {assets, &r.Assets}, {actions, &r.Actions}, {controls, &r.Controls}} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return r, fmt.Errorf("risk %s: %w", r.ID, err)
		}
	}
	if acceptance.Valid {
		var a risk.Acceptance
		if err := json.Unmarshal([]byte(acceptance.String), &a); err != nil {
			return r, fmt.Errorf("risk %s acceptance: %w", r.ID, err)
		}
		r.Acceptance = &a
	}
	r.EffectiveLevel = r.Level
	if r.ResidualLevel != "" {
		r.EffectiveLevel = r.ResidualLevel
	}
	return r, nil
}

// finishRisk fills what depends on the method (treatment required, due date) after a read.
func finishRisk(r *risk.Risk, m risk.Method) {
	stored := *r
	r.Derive(m)
	// Scores stay as stored: a method change re-scores in its own transaction.
	r.Score, r.Level, r.ResidualScore, r.ResidualLevel, r.EffectiveLevel = stored.Score, stored.Level, stored.ResidualScore, stored.ResidualLevel, stored.EffectiveLevel
}

const riskWriteColumns = `title, title_key, description, category, sources, ai_system_ids, assets, owner_id, likelihood, impact, score, level,
	treatment, actions, controls, residual_likelihood, residual_impact, residual_score, residual_level, residual_reason, acceptance, next_review,
	status, suggested_by, effective_level, effective_score, due_on, version, created_at, updated_at`

func riskArgs(r risk.Risk) []any {
	var acceptance any
	if r.Acceptance != nil {
		acceptance = mustJSON(r.Acceptance)
	}
	return []any{r.Title, strings.ToLower(r.Title), r.Description, r.Category, mustJSON(r.Sources), mustJSON(r.AISystemIDs), mustJSON(r.Assets),
		r.OwnerID, r.Likelihood, r.Impact, r.Score, r.Level, string(r.Treatment), mustJSON(r.Actions), mustJSON(r.Controls),
		r.ResidualLikelihood, r.ResidualImpact, r.ResidualScore, r.ResidualLevel, r.ResidualReason, acceptance, r.NextReview,
		string(r.Status), r.SuggestedBy, r.EffectiveLevel, r.EffectiveScore(), r.DueOn, r.Version, r.CreatedAt, r.UpdatedAt}
}

func recordScores(ctx context.Context, tx *sql.Tx, r risk.Risk, t time.Time, cause string, actor auditlog.Actor) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO risk_scores (id, org_id, risk_id, at, likelihood, impact, score, level, residual_likelihood,
		residual_impact, residual_score, residual_level, cause, actor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		uuid.Must(uuid.NewV7()).String(), r.OrgID, r.ID, t, r.Likelihood, r.Impact, r.Score, r.Level, r.ResidualLikelihood, r.ResidualImpact,
		r.ResidualScore, r.ResidualLevel, cause, actorName(actor))
	if err != nil {
		return fmt.Errorf("record risk scores: %w", err)
	}
	return nil
}

func actorName(a auditlog.Actor) string {
	if a.Email != "" {
		return a.Email
	}
	return a.UserID
}

// checkRiskRefs validates the risk against the method, the organisation's categories, its AI
// systems and its people, inside the write's transaction.
func checkRiskRefs(ctx context.Context, tx querier, r risk.Risk, m risk.Method) error {
	cats, err := riskCategories(ctx, tx, r.OrgID)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, c := range cats {
		known[c.ID] = true
	}
	err = risk.Check(r, m, risk.Refs{Category: func(id string) bool { return known[id] }, Source: risk.AnnexCSource, Control: risk.CatalogItem})
	var v fault.Validation
	for _, f := range fault.Fields(err) {
		v.Add(f.Field, "%s", f.Message)
	}
	if err != nil && len(fault.Fields(err)) == 0 {
		return err
	}
	if len(r.AISystemIDs) > 0 {
		found, err := existingSystems(ctx, tx, r.OrgID, r.AISystemIDs)
		if err != nil {
			return err
		}
		for i, id := range r.AISystemIDs {
			v.Check(!found[id], fmt.Sprintf("ai_system_ids[%d]", i), "%q is not an AI system of this organisation", id)
		}
	}
	people := map[string]string{"owner_id": r.OwnerID}
	for i, a := range r.Actions {
		people[fmt.Sprintf("actions[%d].owner_id", i)] = a.OwnerID
	}
	for field, id := range people {
		if id == "" {
			continue
		}
		if _, err := member(ctx, tx, r.OrgID, id); err != nil {
			if !fault.Is(err, fault.NotFound) {
				return err
			}
			v.Add(field, "is not a person of this organisation")
		}
	}
	return v.Err()
}

func existingSystems(ctx context.Context, q querier, orgID string, ids []string) (map[string]bool, error) {
	args := []any{orgID}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := q.QueryContext(ctx, `SELECT id FROM ai_systems WHERE org_id = $1 AND id IN (`+placeholders(2, len(ids))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("check ai systems: %w", err)
	}
	defer rows.Close()
	found := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		found[id] = true
	}
	return found, rows.Err()
}

// CreateRisk registers a risk, scored on the organisation's method. A risk without a review
// date gets one from its level's review cadence.
func (db *DB) CreateRisk(ctx context.Context, orgID string, in risk.Input, actor auditlog.Actor) (risk.Risk, error) {
	if err := in.Validate(true); err != nil {
		return risk.Risk{}, err
	}
	var r risk.Risk
	err := db.write(ctx, func(tx *sql.Tx) error {
		m, err := riskMethod(ctx, tx, orgID)
		if err != nil {
			return err
		}
		r, err = createRisk(ctx, tx, orgID, in, m, actor, now(), "registered")
		return err
	})
	return r, err
}

func createRisk(ctx context.Context, tx *sql.Tx, orgID string, in risk.Input, m risk.Method, actor auditlog.Actor, t time.Time, cause string) (risk.Risk, error) {
	r := in.Apply(risk.Risk{ID: uuid.Must(uuid.NewV7()).String(), OrgID: orgID, Version: 1, CreatedAt: t, UpdatedAt: t})
	for i := range r.Actions {
		if r.Actions[i].ID == "" {
			r.Actions[i].ID = uuid.Must(uuid.NewV7()).String()
		}
	}
	if err := checkRiskRefs(ctx, tx, r, m); err != nil {
		return r, err
	}
	r.Derive(m)
	if r.NextReview == "" {
		r.NextReview = risk.DefaultNextReview(r, m, t)
		r.Derive(m)
	}
	args := append([]any{r.ID, r.OrgID}, riskArgs(r)...)
	if _, err := tx.ExecContext(ctx, `INSERT INTO risks (id, org_id, `+riskWriteColumns+`) VALUES (`+placeholders(1, len(args))+`)`, args...); err != nil {
		return r, fmt.Errorf("insert risk: %w", err)
	}
	if err := linkSystems(ctx, tx, r); err != nil {
		return r, err
	}
	counts := newRiskTallies()
	counts.add(r, 1)
	if err := counts.apply(ctx, tx, orgID); err != nil {
		return r, err
	}
	if err := recordScores(ctx, tx, r, t, cause, actor); err != nil {
		return r, err
	}
	return r, appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Create, RecordType: "risk", RecordID: r.ID, After: r})
}

func linkSystems(ctx context.Context, tx *sql.Tx, r risk.Risk) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM risk_systems WHERE risk_id = $1`, r.ID); err != nil {
		return fmt.Errorf("unlink ai systems: %w", err)
	}
	for _, id := range r.AISystemIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO risk_systems (org_id, risk_id, system_id) VALUES ($1, $2, $3)`, r.OrgID, r.ID, id); err != nil {
			return fmt.Errorf("link ai system: %w", err)
		}
	}
	return nil
}

// Risk returns one of an organisation's risks.
func (db *DB) Risk(ctx context.Context, orgID, id string) (risk.Risk, error) {
	m, err := riskMethod(ctx, db.r, orgID)
	if err != nil {
		return risk.Risk{}, err
	}
	r, err := readRisk(ctx, db.r, orgID, id)
	if err != nil {
		return r, err
	}
	finishRisk(&r, m)
	return r, nil
}

func readRisk(ctx context.Context, q querier, orgID, id string) (risk.Risk, error) {
	r, err := scanRisk(q.QueryRowContext(ctx, `SELECT `+riskColumns+` FROM risks WHERE org_id = $1 AND id = $2`, orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fault.NotFoundf("risk", id)
	}
	if err != nil {
		return r, fmt.Errorf("read risk: %w", err)
	}
	return r, nil
}

// riskSort is one order of the register: the column, its direction and how a cursor holds it.
type riskSort struct {
	col     string
	desc    bool
	numeric bool
	key     func(risk.Risk) string
}

var riskSorts = map[string]riskSort{
	"title":   {col: "title_key", key: func(r risk.Risk) string { return strings.ToLower(r.Title) }},
	"score":   {col: "effective_score", desc: true, numeric: true, key: func(r risk.Risk) string { return strconv.Itoa(r.EffectiveScore()) }},
	"due":     {col: "due_on", key: func(r risk.Risk) string { return r.DueOn }},
	"updated": {col: "updated_at", desc: true, key: func(r risk.Risk) string { return r.UpdatedAt.Format(time.RFC3339Nano) }},
}

// riskWhere turns a filter into SQL conditions and arguments, starting at $1 = org id.
func riskWhere(orgID string, f risk.Filter) ([]string, []any, func(string, ...any)) {
	where := []string{"org_id = $1"}
	args := []any{orgID}
	add := func(cond string, vs ...any) {
		for _, v := range vs {
			args = append(args, v)
			cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1)
		}
		where = append(where, cond)
	}
	if f.Query != "" {
		add(`title_key LIKE ? ESCAPE '\'`, likePattern(f.Query))
	}
	if f.Category != "" {
		add("category = ?", f.Category)
	}
	if f.Level != "" {
		add("effective_level = ?", f.Level)
	}
	if f.OwnerID != "" {
		add("owner_id = ?", f.OwnerID)
	}
	if f.Status != "" {
		add("status = ?", string(f.Status))
	}
	if f.AISystemID != "" {
		add("id IN (SELECT risk_id FROM risk_systems WHERE org_id = ? AND system_id = ?)", orgID, f.AISystemID)
	}
	if f.Likelihood > 0 || f.Impact > 0 {
		l, i := "likelihood", "impact"
		if f.Residual {
			l, i = "residual_likelihood", "residual_impact"
		}
		add(l+" = ? AND "+i+" = ?", f.Likelihood, f.Impact)
	}
	if f.Overdue != nil {
		today := f.Today
		if today == "" {
			today = risk.Today(time.Now())
		}
		if *f.Overdue {
			add("due_on < ?", today)
		} else {
			add("due_on >= ?", today)
		}
	}
	return where, args, add
}

// Risks lists an organisation's risks, filtered and sorted, a page at a time.
func (db *DB) Risks(ctx context.Context, orgID string, f risk.Filter, page PageRequest) (Page[risk.Risk], error) {
	if err := f.Validate(); err != nil {
		return Page[risk.Risk]{}, err
	}
	page = page.normalise()
	srt := riskSorts[f.Sort]
	if f.Sort == "" {
		srt = riskSorts["title"]
	}
	where, args, add := riskWhere(orgID, f)
	if k := page.cursorKey(); k != "" {
		val, id, ok := strings.Cut(k, "\x00")
		if !ok {
			return Page[risk.Risk]{}, fault.New(fault.Invalid, "bad cursor")
		}
		var v any = val
		if srt.numeric {
			n, err := strconv.Atoi(val)
			if err != nil {
				return Page[risk.Risk]{}, fault.New(fault.Invalid, "bad cursor")
			}
			v = n
		} else if srt.col == "updated_at" {
			t, err := time.Parse(time.RFC3339Nano, val)
			if err != nil {
				return Page[risk.Risk]{}, fault.New(fault.Invalid, "bad cursor")
			}
			v = t
		}
		op := ">"
		if srt.desc {
			op = "<"
		}
		add("("+srt.col+" "+op+" ? OR ("+srt.col+" = ? AND id > ?))", v, v, id)
	}
	dir := "ASC"
	if srt.desc {
		dir = "DESC"
	}
	args = append(args, page.Limit+1)
	q := `SELECT ` + riskColumns + ` FROM risks WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY ` + srt.col + ` ` + dir + `, id LIMIT $` + strconv.Itoa(len(args))
	items, err := db.queryRisks(ctx, orgID, q, args...)
	if err != nil {
		return Page[risk.Risk]{}, err
	}
	return finish(items, page.Limit, func(r risk.Risk) string { return srt.key(r) + "\x00" + r.ID }), nil
}

func (db *DB) queryRisks(ctx context.Context, orgID, q string, args ...any) ([]risk.Risk, error) {
	m, err := riskMethod(ctx, db.r, orgID)
	if err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list risks: %w", err)
	}
	defer rows.Close()
	var items []risk.Risk
	for rows.Next() {
		r, err := scanRisk(rows)
		if err != nil {
			return nil, fmt.Errorf("read risk: %w", err)
		}
		finishRisk(&r, m)
		items = append(items, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list risks: %w", err)
	}
	return items, nil
}

// AllRisks returns every risk matching the filter, by title, for exports.
func (db *DB) AllRisks(ctx context.Context, orgID string, f risk.Filter) ([]risk.Risk, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	where, args, _ := riskWhere(orgID, f)
	items, err := db.queryRisks(ctx, orgID, `SELECT `+riskColumns+` FROM risks WHERE `+strings.Join(where, " AND ")+` ORDER BY title_key, id`, args...)
	if items == nil && err == nil {
		items = []risk.Risk{}
	}
	return items, err
}

// DueRisks returns the open risks with a review or an open action on or before horizon
// (YYYY-MM-DD), optionally of one owner, for the due list.
func (db *DB) DueRisks(ctx context.Context, orgID, horizon string) ([]risk.Risk, error) {
	return db.queryRisks(ctx, orgID, `SELECT `+riskColumns+` FROM risks WHERE org_id = $1 AND due_on <= $2 AND status <> 'closed' ORDER BY due_on, id LIMIT 5000`, orgID, horizon)
}

// RiskCount returns how many risks an organisation has.
func (db *DB) RiskCount(ctx context.Context, orgID string) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM risks WHERE org_id = $1`, orgID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count risks: %w", err)
	}
	return n, nil
}

// UpdateRisk applies a partial update. A change of scores adds a history point; a change of
// level withdraws an acceptance given at the old level.
func (db *DB) UpdateRisk(ctx context.Context, orgID, id string, in risk.Input, ifVersion *int64, actor auditlog.Actor) (risk.Risk, error) {
	if err := in.Validate(false); err != nil {
		return risk.Risk{}, err
	}
	var out risk.Risk
	err := db.write(ctx, func(tx *sql.Tx) error {
		m, err := riskMethod(ctx, tx, orgID)
		if err != nil {
			return err
		}
		out, err = updateRisk(ctx, tx, orgID, id, in, ifVersion, m, actor, "updated")
		return err
	})
	return out, err
}

func updateRisk(ctx context.Context, tx *sql.Tx, orgID, id string, in risk.Input, ifVersion *int64, m risk.Method, actor auditlog.Actor, cause string) (risk.Risk, error) {
	before, err := readRisk(ctx, tx, orgID, id)
	if err != nil {
		return before, err
	}
	finishRisk(&before, m)
	if ifVersion != nil && *ifVersion != before.Version {
		return before, staleVersion("risk", before.Version)
	}
	after := in.Apply(before)
	for i := range after.Actions {
		if after.Actions[i].ID == "" {
			after.Actions[i].ID = uuid.Must(uuid.NewV7()).String()
		}
	}
	if err := checkRiskRefs(ctx, tx, after, m); err != nil {
		return before, err
	}
	after.Derive(m)
	if after.Acceptance != nil && after.EffectiveLevel != after.Acceptance.Level {
		after.Acceptance = nil
		if after.Status == risk.Accepted {
			after.Status = risk.Open
		}
		after.Derive(m)
	}
	t := now()
	after.Version, after.UpdatedAt = before.Version+1, t
	if err := writeRisk(ctx, tx, before, after); err != nil {
		return before, err
	}
	if !slices.Equal(before.AISystemIDs, after.AISystemIDs) {
		if err := linkSystems(ctx, tx, after); err != nil {
			return before, err
		}
	}
	if !risk.SameScores(before, after) {
		if err := recordScores(ctx, tx, after, t, cause, actor); err != nil {
			return before, err
		}
	}
	return after, appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Update, RecordType: "risk", RecordID: id, Before: before, After: after})
}

// writeRisk stores after in place of before, provided before is still the stored version, and
// moves the risk in the register's counts.
func writeRisk(ctx context.Context, tx *sql.Tx, before, after risk.Risk) error {
	r, oldVersion := after, before.Version
	sets := strings.Split(strings.ReplaceAll(riskWriteColumns, "\n\t", " "), ",")
	for i := range sets {
		sets[i] = strings.TrimSpace(sets[i]) + " = $" + strconv.Itoa(i+1)
	}
	n := len(sets)
	args := append(riskArgs(r), r.OrgID, r.ID, oldVersion)
	res, err := tx.ExecContext(ctx, `UPDATE risks SET `+strings.Join(sets, ", ")+
		fmt.Sprintf(` WHERE org_id = $%d AND id = $%d AND version = $%d`, n+1, n+2, n+3), args...)
	if err != nil {
		return fmt.Errorf("update risk: %w", err)
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return staleVersion("risk", oldVersion)
	}
	counts := newRiskTallies()
	counts.move(before, after)
	return counts.apply(ctx, tx, r.OrgID)
}

// AcceptRisk records the acceptance of a risk by a person whose role the method's acceptance
// criteria allow at the risk's level.
func (db *DB) AcceptRisk(ctx context.Context, orgID, id string, by auth.Principal, reason string, ifVersion *int64, actor auditlog.Actor) (risk.Risk, error) {
	var out risk.Risk
	err := db.write(ctx, func(tx *sql.Tx) error {
		m, err := riskMethod(ctx, tx, orgID)
		if err != nil {
			return err
		}
		before, err := readRisk(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		finishRisk(&before, m)
		if ifVersion != nil && *ifVersion != before.Version {
			return staleVersion("risk", before.Version)
		}
		t := now()
		after, err := risk.Accept(before, m, by, reason, t)
		if err != nil {
			return err
		}
		after.Derive(m)
		after.Version, after.UpdatedAt = before.Version+1, t
		if err := writeRisk(ctx, tx, before, after); err != nil {
			return err
		}
		out = after
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Update, RecordType: "risk", RecordID: id, Before: before, After: after})
	})
	return out, err
}

// DeleteRisk removes a risk; its history stays in the audit trail.
func (db *DB) DeleteRisk(ctx context.Context, orgID, id string, ifVersion *int64, actor auditlog.Actor) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		before, err := readRisk(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != before.Version {
			return staleVersion("risk", before.Version)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM risks WHERE org_id = $1 AND id = $2`, orgID, id); err != nil {
			return fmt.Errorf("delete risk: %w", err)
		}
		counts := newRiskTallies()
		counts.add(before, -1)
		if err := counts.apply(ctx, tx, orgID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE risk_suggestions SET state = 'discarded', risk_id = '' WHERE org_id = $1 AND risk_id = $2`, orgID, id); err != nil {
			return fmt.Errorf("forget suggestion: %w", err)
		}
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Delete, RecordType: "risk", RecordID: id, Before: before})
	})
}

// forgetRiskSystem takes an AI system about to be deleted out of the risks that name it, so they
// stay valid and editable; each such risk gets a new version in the audit trail.
func forgetRiskSystem(ctx context.Context, tx *sql.Tx, orgID, systemID string, actor auditlog.Actor) error {
	var ids []string
	err := scanEach(ctx, tx, `SELECT risk_id FROM risk_systems WHERE org_id = $1 AND system_id = $2 ORDER BY risk_id`, []any{orgID, systemID}, func(rows *sql.Rows) error {
		var id string
		err := rows.Scan(&id)
		ids = append(ids, id)
		return err
	})
	if err != nil || len(ids) == 0 {
		return err
	}
	m, err := riskMethod(ctx, tx, orgID)
	if err != nil {
		return err
	}
	t := now()
	for _, id := range ids {
		before, err := readRisk(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		finishRisk(&before, m)
		after := before
		after.AISystemIDs = slices.DeleteFunc(slices.Clone(before.AISystemIDs), func(s string) bool { return s == systemID })
		after.Version, after.UpdatedAt = before.Version+1, t
		if err := writeRisk(ctx, tx, before, after); err != nil {
			return err
		}
		if err := linkSystems(ctx, tx, after); err != nil {
			return err
		}
		if err := appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Update, RecordType: "risk", RecordID: id, Before: before, After: after}); err != nil {
			return err
		}
	}
	return nil
}

// RiskHistory lists a risk's scores over time, oldest first.
func (db *DB) RiskHistory(ctx context.Context, orgID, id string) ([]risk.ScoreRecord, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT at, likelihood, impact, score, level, residual_likelihood, residual_impact, residual_score,
		residual_level, cause, actor FROM risk_scores WHERE org_id = $1 AND risk_id = $2 ORDER BY at, id`, orgID, id)
	if err != nil {
		return nil, fmt.Errorf("read risk history: %w", err)
	}
	defer rows.Close()
	out := []risk.ScoreRecord{}
	for rows.Next() {
		var s risk.ScoreRecord
		if err := rows.Scan(&s.At, &s.Likelihood, &s.Impact, &s.Score, &s.Level, &s.ResidualLikelihood, &s.ResidualImpact, &s.ResidualScore,
			&s.ResidualLevel, &s.Cause, &s.ActorEmail); err != nil {
			return nil, fmt.Errorf("read risk history: %w", err)
		}
		s.At = s.At.UTC()
		out = append(out, s)
	}
	return out, rows.Err()
}

// RiskHeatMap counts the organisation's risks (filtered) per cell of its matrix, inherent and
// residual.
func (db *DB) RiskHeatMap(ctx context.Context, orgID string, f risk.Filter) (risk.HeatMap, error) {
	if err := f.Validate(); err != nil {
		return risk.HeatMap{}, err
	}
	m, err := riskMethod(ctx, db.r, orgID)
	if err != nil {
		return risk.HeatMap{}, err
	}
	if !f.Narrows() {
		cells, err := storedTallyCells(ctx, db.r, orgID)
		if err != nil {
			return risk.HeatMap{}, err
		}
		in, res := risk.Counts{}, risk.Counts{}
		for c, n := range cells {
			if n == 0 {
				continue
			}
			if c.residual {
				res[[2]int{c.likelihood, c.impact}] = n
			} else {
				in[[2]int{c.likelihood, c.impact}] = n
			}
		}
		return risk.NewHeatMap(m, in, res), nil
	}
	where, args, _ := riskWhere(orgID, f)
	count := func(l, i string, extra string) (risk.Counts, error) {
		rows, err := db.r.QueryContext(ctx, `SELECT `+l+`, `+i+`, COUNT(*) FROM risks WHERE `+strings.Join(where, " AND ")+extra+` GROUP BY `+l+`, `+i, args...)
		if err != nil {
			return nil, fmt.Errorf("heat map: %w", err)
		}
		defer rows.Close()
		c := risk.Counts{}
		for rows.Next() {
			var a, b, n int
			if err := rows.Scan(&a, &b, &n); err != nil {
				return nil, fmt.Errorf("heat map: %w", err)
			}
			c[[2]int{a, b}] = n
		}
		return c, rows.Err()
	}
	in, err := count("likelihood", "impact", "")
	if err != nil {
		return risk.HeatMap{}, err
	}
	res, err := count("residual_likelihood", "residual_impact", " AND residual_likelihood > 0")
	if err != nil {
		return risk.HeatMap{}, err
	}
	return risk.NewHeatMap(m, in, res), nil
}

// RecordVersion is the method's version, for ETags.
func (c MethodChange) RecordVersion() int64 { return c.Method.Version }

// RiskStats reads the register's figures from its kept counts (see risk_tallies.go), so
// readiness and the dashboard stay fast with a hundred thousand risks.
func (db *DB) RiskStats(ctx context.Context, orgID, today string) (risk.Stats, error) {
	var st risk.Stats
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM risk_methods WHERE org_id = $1`, orgID).Scan(&n); err != nil {
		return st, fmt.Errorf("risk stats: %w", err)
	}
	st.MethodSet = n > 0
	m, err := db.RiskMethod(ctx, orgID)
	if err != nil {
		return st, err
	}
	groups, err := storedTallyGroups(ctx, db.r, orgID)
	if err != nil {
		return st, err
	}
	for g, n := range groups {
		level, _ := m.Level(g.level)
		open := 0
		if g.untreated && level.NeedsTreatment {
			open = n
		}
		if risk.AICategory(g.category) {
			st.AI, st.AIUntreated = st.AI+n, st.AIUntreated+open
		} else {
			st.Security, st.SecurityUntreated = st.Security+n, st.SecurityUntreated+open
		}
	}
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM system_ai_risk_tallies WHERE org_id = $1 AND risks > 0`, orgID).Scan(&st.SystemsWithAIRisks); err != nil {
		return st, fmt.Errorf("risk stats: %w", err)
	}
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM risks WHERE org_id = $1 AND status <> 'closed' AND next_review <> '' AND next_review < $2`,
		orgID, today).Scan(&st.ReviewsOverdue); err != nil {
		return st, fmt.Errorf("risk stats: %w", err)
	}
	return st, nil
}

// TopRisks returns the organisation's n highest-scoring open risks.
func (db *DB) TopRisks(ctx context.Context, orgID string, n int) ([]risk.Risk, error) {
	pg, err := db.Risks(ctx, orgID, risk.Filter{Sort: "score", Status: risk.Open}, PageRequest{Limit: n})
	if err != nil {
		return nil, err
	}
	return pg.Items, nil
}
