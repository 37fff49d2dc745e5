package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/inventory"
)

const systemColumns = `id, org_id, name, intended_purpose, owner_id, business_unit, sourcing, vendor, eu_ai_act_roles, iso_roles,
	lifecycle_stage, deployment_context, affected_groups, personal_data, special_category_data, models, decisions_informed,
	automation, human_oversight, criticality, facts, open_points, classification, classified_at, review_due, review_reasons,
	version, created_at, updated_at`

func scanSystem(row interface{ Scan(...any) error }) (inventory.System, error) {
	var s inventory.System
	var sourcing, stage, automation, criticality string
	var actRoles, isoRoles, groups, models, facts, open, reasons string
	var personal, special sql.NullBool
	var classification sql.NullString
	var classifiedAt sql.NullTime
	if err := row.Scan(&s.ID, &s.OrgID, &s.Name, &s.IntendedPurpose, &s.OwnerID, &s.BusinessUnit, &sourcing, &s.Vendor, &actRoles, &isoRoles,
		&stage, &s.DeploymentContext, &groups, &personal, &special, &models, &s.DecisionsInformed,
		&automation, &s.HumanOversight, &criticality, &facts, &open, &classification, &classifiedAt, &s.ReviewDue, &reasons,
		&s.Version, &s.CreatedAt, &s.UpdatedAt); err != nil {
		return s, err
	}
	s.Sourcing, s.LifecycleStage = inventory.Sourcing(sourcing), inventory.LifecycleStage(stage)
	s.Automation, s.Criticality = inventory.Automation(automation), inventory.Criticality(criticality)
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	if personal.Valid {
		s.PersonalData = &personal.Bool
	}
	if special.Valid {
		s.SpecialCategoryData = &special.Bool
	}
	s.ClassifiedAt = timePtr(classifiedAt)
	for _, f := range []struct {
		src string
		dst any
	}{{actRoles, &s.ActRoles}, {isoRoles, &s.AIRoles}, {groups, &s.AffectedGroups}, {models, &s.Models}, {facts, &s.Facts},
		{open, &s.OpenPoints}, {reasons, &s.ReviewReasons}} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return s, fmt.Errorf("ai system %s: %w", s.ID, err)
		}
	}
	if classification.Valid {
		r, err := decodeClassification(classification.String)
		if err != nil {
			return s, fmt.Errorf("ai system %s classification: %w", s.ID, err)
		}
		s.Classification = r
	}
	s.Normalise()
	return s, nil
}

// systemArgs are the column values of s in systemColumns order, after id and org_id.
func systemArgs(s inventory.System) []any {
	var classification any
	if s.Classification != nil {
		classification = mustJSON(s.Classification)
	}
	var classifiedAt any
	if s.ClassifiedAt != nil {
		classifiedAt = *s.ClassifiedAt
	}
	return []any{s.Name, strings.ToLower(s.Name), s.IntendedPurpose, s.OwnerID, s.BusinessUnit, string(s.Sourcing), s.Vendor, strings.ToLower(s.Vendor),
		mustJSON(s.ActRoles), mustJSON(s.AIRoles), string(s.LifecycleStage), s.DeploymentContext, mustJSON(s.AffectedGroups),
		nullBool(s.PersonalData), nullBool(s.SpecialCategoryData), mustJSON(s.Models), s.DecisionsInformed, string(s.Automation),
		s.HumanOversight, string(s.Criticality), mustJSON(s.Facts), mustJSON(s.OpenPoints), classification, string(s.Tier()), classifiedAt,
		s.ReviewDue, mustJSON(s.ReviewReasons), searchText(s), s.Version, s.CreatedAt, s.UpdatedAt}
}

// searchText is what the register's free-text filter matches: the names people search by.
func searchText(s inventory.System) string {
	parts := []string{s.Name, s.IntendedPurpose, s.Vendor, s.BusinessUnit}
	for _, m := range s.Models {
		parts = append(parts, m.Name, m.Provider)
	}
	return strings.ToLower(strings.Join(parts, "\n"))
}

func nullBool(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

const systemWriteColumns = `name, name_key, intended_purpose, owner_id, business_unit, sourcing, vendor, vendor_key, eu_ai_act_roles, iso_roles,
	lifecycle_stage, deployment_context, affected_groups, personal_data, special_category_data, models, decisions_informed,
	automation, human_oversight, criticality, facts, open_points, classification, tier, classified_at, review_due, review_reasons,
	search, version, created_at, updated_at`

func placeholders(from, n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = "$" + strconv.Itoa(from+i)
	}
	return strings.Join(ps, ", ")
}

// checkOwner makes sure a system's owner is a person of its organisation.
func checkOwner(ctx context.Context, q querier, orgID, ownerID string) error {
	if ownerID == "" {
		return nil
	}
	if _, err := member(ctx, q, orgID, ownerID); err != nil {
		if fault.Is(err, fault.NotFound) {
			return &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields",
				Fields: []fault.FieldError{{Field: "owner_id", Message: "is not a person of this organisation"}}}
		}
		return err
	}
	return nil
}

// CreateSystem registers an AI system and classifies it.
func (db *DB) CreateSystem(ctx context.Context, orgID string, in inventory.Input, actor auditlog.Actor) (inventory.System, error) {
	if err := in.Validate(true); err != nil {
		return inventory.System{}, err
	}
	var s inventory.System
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		s, err = createSystem(ctx, tx, orgID, in, actor, now())
		return err
	})
	return s, err
}

func createSystem(ctx context.Context, tx *sql.Tx, orgID string, in inventory.Input, actor auditlog.Actor, t time.Time) (inventory.System, error) {
	s := in.Apply(inventory.System{ID: uuid.Must(uuid.NewV7()).String(), OrgID: orgID, Version: 1, CreatedAt: t, UpdatedAt: t})
	if err := checkOwner(ctx, tx, orgID, s.OwnerID); err != nil {
		return s, err
	}
	return insertSystem(ctx, tx, s, actor, t)
}

// insertSystem classifies a new system and writes it, its first classification and its audit
// entry; the owner has been checked.
func insertSystem(ctx context.Context, tx *sql.Tx, s inventory.System, actor auditlog.Actor, t time.Time) (inventory.System, error) {
	orgID := s.OrgID
	if err := s.Classify(t); err != nil {
		return s, err
	}
	args := append([]any{s.ID, s.OrgID}, systemArgs(s)...)
	if _, err := tx.ExecContext(ctx, `INSERT INTO ai_systems (id, org_id, `+systemWriteColumns+`) VALUES (`+placeholders(1, len(args))+`)`, args...); err != nil {
		return s, fmt.Errorf("insert ai system: %w", err)
	}
	if err := recordClassification(ctx, tx, s, "registered"); err != nil {
		return s, err
	}
	return s, appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Create, RecordType: "ai_system", RecordID: s.ID, After: s})
}

func recordClassification(ctx context.Context, tx *sql.Tx, s inventory.System, cause string) error {
	if s.Classification == nil || s.ClassifiedAt == nil {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO ai_system_classifications (id, org_id, system_id, classified_at, tier, facts, result, cause)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, uuid.Must(uuid.NewV7()).String(), s.OrgID, s.ID, *s.ClassifiedAt,
		string(s.Tier()), mustJSON(s.Facts), mustJSON(s.Classification), cause)
	if err != nil {
		return fmt.Errorf("record classification: %w", err)
	}
	return nil
}

// System returns one of an organisation's AI systems.
func (db *DB) System(ctx context.Context, orgID, id string) (inventory.System, error) {
	return system(ctx, db.r, orgID, id)
}

func system(ctx context.Context, q querier, orgID, id string) (inventory.System, error) {
	s, err := scanSystem(q.QueryRowContext(ctx, `SELECT `+systemColumns+` FROM ai_systems WHERE org_id = $1 AND id = $2`, orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, fault.NotFoundf("AI system", id)
	}
	if err != nil {
		return s, fmt.Errorf("read ai system: %w", err)
	}
	return s, nil
}

// likePattern escapes a search term for LIKE with ESCAPE '\'.
func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(strings.TrimSpace(q))) + "%"
}

// Systems lists an organisation's AI systems by name, filtered.
func (db *DB) Systems(ctx context.Context, orgID string, f inventory.Filter, page PageRequest) (Page[inventory.System], error) {
	return listSystems(ctx, db, orgID, f, page, systemColumns, scanSystem,
		func(s inventory.System) string { return strings.ToLower(s.Name) + "\x00" + s.ID })
}

const summaryColumns = `id, name, intended_purpose, owner_id, business_unit, sourcing, vendor, lifecycle_stage, tier, review_due, version, updated_at`

func scanSummary(row interface{ Scan(...any) error }) (inventory.SystemSummary, error) {
	var s inventory.SystemSummary
	var sourcing, stage, tier string
	err := row.Scan(&s.ID, &s.Name, &s.IntendedPurpose, &s.OwnerID, &s.BusinessUnit, &sourcing, &s.Vendor, &stage, &tier, &s.ReviewDue, &s.Version, &s.UpdatedAt)
	s.Sourcing, s.LifecycleStage, s.Tier, s.UpdatedAt = inventory.Sourcing(sourcing), inventory.LifecycleStage(stage), aiact.Tier(tier), s.UpdatedAt.UTC()
	return s, err
}

// SystemSummaries lists the register like Systems, but only the columns a long list needs: no
// classification, facts or models are read or decoded, so a page of 1,000 stays cheap.
func (db *DB) SystemSummaries(ctx context.Context, orgID string, f inventory.Filter, page PageRequest) (Page[inventory.SystemSummary], error) {
	return listSystems(ctx, db, orgID, f, page, summaryColumns, scanSummary,
		func(s inventory.SystemSummary) string { return strings.ToLower(s.Name) + "\x00" + s.ID })
}

// listSystems runs the register's filtered, keyset-paged query with the given columns.
func listSystems[T any](ctx context.Context, db *DB, orgID string, f inventory.Filter, page PageRequest, columns string,
	scan func(interface{ Scan(...any) error }) (T, error), key func(T) string) (Page[T], error) {
	if err := f.Validate(); err != nil {
		return Page[T]{}, err
	}
	page = page.normalise()
	w := newConditions("org_id = $1", orgID)
	if f.Query != "" {
		w.add(`search LIKE ? ESCAPE '\'`, likePattern(f.Query))
	}
	if f.Tier != "" {
		w.add("tier = ?", string(f.Tier))
	}
	if f.Role != "" {
		w.add("eu_ai_act_roles LIKE ?", `%"`+string(f.Role)+`"%`)
	}
	if f.LifecycleStage != "" {
		w.add("lifecycle_stage = ?", string(f.LifecycleStage))
	}
	if f.OwnerID != "" {
		w.add("owner_id = ?", f.OwnerID)
	}
	if f.Vendor != "" {
		w.add("vendor_key = ?", strings.ToLower(strings.TrimSpace(f.Vendor)))
	}
	if f.Sourcing != "" {
		w.add("sourcing = ?", string(f.Sourcing))
	}
	if f.ReviewDue != nil {
		w.add("review_due = ?", *f.ReviewDue)
	}
	switch f.Unknown { // the same conditions InventoryStats counts
	case "owner":
		w.add("owner_id = ''")
	case "role":
		w.add("eu_ai_act_roles = '[]'")
	case "classification":
		w.add(`(open_points <> '[]' OR facts NOT LIKE '%"eu_nexus"%')`)
	}
	if k := page.cursorKey(); k != "" {
		name, id, ok := strings.Cut(k, "\x00")
		if !ok {
			return Page[T]{}, fault.New(fault.Invalid, "bad cursor")
		}
		w.add("(name_key > ? OR (name_key = ? AND id > ?))", name, name, id)
	}
	w.args = append(w.args, page.Limit+1)
	q := `SELECT ` + columns + ` FROM ai_systems WHERE ` + strings.Join(w.where, " AND ") +
		` ORDER BY name_key, id LIMIT $` + strconv.Itoa(len(w.args))
	rows, err := db.r.QueryContext(ctx, q, w.args...)
	if err != nil {
		return Page[T]{}, fmt.Errorf("list ai systems: %w", err)
	}
	defer rows.Close()
	var items []T
	for rows.Next() {
		s, err := scan(rows)
		if err != nil {
			return Page[T]{}, fmt.Errorf("read ai system: %w", err)
		}
		items = append(items, s)
	}
	if err := rows.Err(); err != nil {
		return Page[T]{}, fmt.Errorf("list ai systems: %w", err)
	}
	return finish(items, page.Limit, key), nil
}

// UpdateSystem applies a partial update, records material changes as review reasons, and
// reclassifies; a changed classification is added to the history.
func (db *DB) UpdateSystem(ctx context.Context, orgID, id string, in inventory.Input, ifVersion *int64, actor auditlog.Actor) (inventory.System, error) {
	if err := in.Validate(false); err != nil {
		return inventory.System{}, err
	}
	var out inventory.System
	err := db.write(ctx, func(tx *sql.Tx) error {
		before, err := system(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != before.Version {
			return staleVersion("AI system", before.Version)
		}
		out, err = updateSystem(ctx, tx, before, in, actor, now())
		return err
	})
	return out, err
}

// updateSystem applies in to the system as read in this transaction.
func updateSystem(ctx context.Context, tx *sql.Tx, before inventory.System, in inventory.Input, actor auditlog.Actor, t time.Time) (inventory.System, error) {
	orgID, id := before.OrgID, before.ID
	var out inventory.System
	err := func() error {
		after := in.Apply(before)
		if in.OwnerID != nil && after.OwnerID != before.OwnerID {
			if err := checkOwner(ctx, tx, orgID, after.OwnerID); err != nil {
				return err
			}
		}
		if in.MarkReviewed {
			after.ReviewDue, after.ReviewReasons = false, []inventory.ReviewReason{}
		}
		reasons := inventory.MaterialChanges(before, after, t)
		if len(reasons) > 0 {
			after.ReviewDue = true
			after.ReviewReasons = append(after.ReviewReasons, reasons...)
		}
		if err := after.Classify(t); err != nil {
			return err
		}
		changed := !inventory.SameClassification(before.Classification, after.Classification)
		if !changed {
			// Keep the date of the classification that still stands.
			after.Classification, after.ClassifiedAt = before.Classification, before.ClassifiedAt
		} else if before.Classification != nil && before.Tier() != after.Tier() {
			tierChange := inventory.ReviewReason{At: t, Field: "classification",
				Reason: fmt.Sprintf("the EU AI Act tier changed from %s to %s", before.Tier(), after.Tier())}
			after.ReviewDue = true
			after.ReviewReasons = append(after.ReviewReasons, tierChange)
			reasons = append(reasons, tierChange)
		}
		after.Version = before.Version + 1
		after.UpdatedAt = t
		after.Normalise()
		args := append(systemArgs(after), orgID, id, before.Version)
		sets := strings.Split(strings.ReplaceAll(systemWriteColumns, "\n\t", " "), ",")
		for i := range sets {
			sets[i] = strings.TrimSpace(sets[i]) + " = $" + strconv.Itoa(i+1)
		}
		n := len(sets)
		res, err := tx.ExecContext(ctx, `UPDATE ai_systems SET `+strings.Join(sets, ", ")+
			fmt.Sprintf(` WHERE org_id = $%d AND id = $%d AND version = $%d`, n+1, n+2, n+3), args...)
		if err != nil {
			return fmt.Errorf("update ai system: %w", err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return staleVersion("AI system", before.Version)
		}
		if changed {
			if err := recordClassification(ctx, tx, after, "updated"); err != nil {
				return err
			}
		}
		// The approved impact assessment no longer describes the system as it is (ISO/IEC 42001 8.4).
		if len(reasons) > 0 {
			if _, err := markAssessmentsDue(ctx, tx, orgID, id, materialChangeReasons(reasons), actor); err != nil {
				return err
			}
		}
		out = after
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Update, RecordType: "ai_system", RecordID: id, Before: before, After: after})
	}()
	return out, err
}

// DeleteSystem removes an AI system; its history stays in the audit trail.
func (db *DB) DeleteSystem(ctx context.Context, orgID, id string, ifVersion *int64, actor auditlog.Actor) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		before, err := system(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != before.Version {
			return staleVersion("AI system", before.Version)
		}
		if err := forgetRiskSystem(ctx, tx, orgID, id, actor); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM ai_systems WHERE org_id = $1 AND id = $2`, orgID, id); err != nil {
			return fmt.Errorf("delete ai system: %w", err)
		}
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Delete, RecordType: "ai_system", RecordID: id, Before: before})
	})
}

// ClassificationHistory lists a system's classifications, newest first.
func (db *DB) ClassificationHistory(ctx context.Context, orgID, systemID string) ([]inventory.ClassificationRecord, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, system_id, classified_at, tier, facts, result, cause FROM ai_system_classifications
		WHERE org_id = $1 AND system_id = $2 ORDER BY classified_at DESC, id DESC`, orgID, systemID)
	if err != nil {
		return nil, fmt.Errorf("read classification history: %w", err)
	}
	defer rows.Close()
	out := []inventory.ClassificationRecord{}
	for rows.Next() {
		var r inventory.ClassificationRecord
		var tier, facts, result string
		if err := rows.Scan(&r.ID, &r.SystemID, &r.ClassifiedAt, &tier, &facts, &result, &r.Cause); err != nil {
			return nil, fmt.Errorf("read classification history: %w", err)
		}
		r.ClassifiedAt, r.Tier = r.ClassifiedAt.UTC(), aiact.Tier(tier)
		if err := json.Unmarshal([]byte(facts), &r.Facts); err != nil {
			return nil, fmt.Errorf("classification facts: %w", err)
		}
		if err := json.Unmarshal([]byte(result), &r.Result); err != nil {
			return nil, fmt.Errorf("classification result: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SystemCount returns how many AI systems an organisation has registered.
func (db *DB) SystemCount(ctx context.Context, orgID string) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM ai_systems WHERE org_id = $1`, orgID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count ai systems: %w", err)
	}
	return n, nil
}

// InventoryStats counts the register by tier and completeness in one pass of SQL, so the
// dashboard stays fast however many systems there are.
func (db *DB) InventoryStats(ctx context.Context, orgID string) (inventory.Stats, error) {
	st := inventory.Stats{Tiers: map[aiact.Tier]int{}}
	rows, err := db.r.QueryContext(ctx, `SELECT tier, COUNT(*),
		SUM(CASE WHEN owner_id = '' THEN 1 ELSE 0 END),
		SUM(CASE WHEN eu_ai_act_roles = '[]' THEN 1 ELSE 0 END),
		SUM(CASE WHEN open_points <> '[]' OR facts NOT LIKE '%"eu_nexus"%' THEN 1 ELSE 0 END),
		SUM(CASE WHEN owner_id <> '' AND intended_purpose <> '' AND sourcing <> '' AND eu_ai_act_roles <> '[]'
			AND affected_groups <> '[]' AND models <> '[]' THEN 1 ELSE 0 END),
		SUM(CASE WHEN review_due THEN 1 ELSE 0 END)
		FROM ai_systems WHERE org_id = $1 GROUP BY tier`, orgID)
	if err != nil {
		return st, fmt.Errorf("inventory stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var tier string
		var n, owner, role, uncl, complete, due int
		if err := rows.Scan(&tier, &n, &owner, &role, &uncl, &complete, &due); err != nil {
			return st, fmt.Errorf("inventory stats: %w", err)
		}
		st.Tiers[aiact.Tier(tier)] = n
		st.Total += n
		st.UnknownOwner += owner
		st.UnknownRole += role
		st.Unclassified += uncl
		st.Complete += complete
		st.ReviewDue += due
	}
	return st, rows.Err()
}

// ObligationSystems counts, per application date (YYYY-MM-DD), the AI systems with at least one
// EU AI Act obligation applying from it. Classifications are grouped by their stored text
// first, so each distinct classification is decoded once however many systems share it.
func (db *DB) ObligationSystems(ctx context.Context, orgID string) (map[string]int, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT classification, COUNT(*) FROM ai_systems
		WHERE org_id = $1 AND classification IS NOT NULL AND tier <> 'out_of_scope' GROUP BY classification`, orgID)
	if err != nil {
		return nil, fmt.Errorf("obligation dates: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var raw string
		var n int
		if err := rows.Scan(&raw, &n); err != nil {
			return nil, fmt.Errorf("obligation dates: %w", err)
		}
		r, err := decodeClassification(raw)
		if err != nil {
			return nil, fmt.Errorf("obligation dates: %w", err)
		}
		seen := map[string]bool{}
		for _, o := range r.Obligations {
			if o.AppliesFrom != "" && !seen[o.AppliesFrom] {
				seen[o.AppliesFrom] = true
				out[o.AppliesFrom] += n
			}
		}
	}
	return out, rows.Err()
}
