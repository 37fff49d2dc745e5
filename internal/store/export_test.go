package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/annexa-dev/annexa/internal/risk"
)

// Analyze refreshes the planner's statistics after a bulk load, for benchmarks.
func (db *DB) Analyze(ctx context.Context) error {
	q := `ANALYZE`
	if db.Dialect == Postgres {
		// A bulk load leaves no visibility map; autovacuum would build it, the benchmark does now
		// so index-only scans count cells as they would in service.
		q = `VACUUM ANALYZE`
	}
	_, err := db.w.ExecContext(ctx, q)
	return err
}

// SeedRisks writes systems and risks with multi-row INSERTs in one transaction. The seeded
// rows carry no audit entries: they stand for a register built up over years.
func SeedRisks(t testing.TB, db *DB, orgID string, systems, risks int) ([]string, []string) {
	t.Helper()
	ctx := context.Background()
	m := risk.DefaultMethod()
	cats := risk.BuiltinCategories()
	at := now()
	sysIDs := make([]string, systems)
	riskIDs := make([]string, risks)
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	batch := func(table, cols string, n int, row func(i int) []any) {
		per := len(row(0))
		chunk := max(1, 4000/per) // SQLite slows sharply on statements with tens of thousands of parameters
		for from := 0; from < n; from += chunk {
			to := min(n, from+chunk)
			var vals []string
			var args []any
			for i := from; i < to; i++ {
				vals = append(vals, "("+placeholders(len(args)+1, per)+")")
				args = append(args, row(i)...)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (`+cols+`) VALUES `+strings.Join(vals, ", "), args...); err != nil {
				t.Fatalf("seed %s: %v", table, err)
			}
		}
	}
	for i := range sysIDs {
		sysIDs[i] = uuid.Must(uuid.NewV7()).String()
	}
	batch("ai_systems", "id, org_id, name, name_key, created_at, updated_at", systems, func(i int) []any {
		name := fmt.Sprintf("System %05d", i)
		return []any{sysIDs[i], orgID, name, strings.ToLower(name), at, at}
	})
	rs := make([]risk.Risk, risks)
	for i := range rs {
		r := risk.Risk{ID: uuid.Must(uuid.NewV7()).String(), OrgID: orgID, Title: fmt.Sprintf("Risk %06d", i), Category: cats[i%len(cats)].ID,
			AISystemIDs: []string{sysIDs[i%systems]}, OwnerID: "owner-" + strconv.Itoa(i%20), Likelihood: 1 + i%5, Impact: 1 + (i/5)%5,
			Status: risk.Open, Version: 1, CreatedAt: at, UpdatedAt: at,
			NextReview: at.AddDate(0, 0, i%400-60).Format(time.DateOnly)}
		if i%3 == 0 {
			r.Treatment, r.ResidualLikelihood, r.ResidualImpact = risk.Modify, max(1, r.Likelihood-1), max(1, r.Impact-1)
			r.Actions = []risk.Action{{ID: uuid.Must(uuid.NewV7()).String(), Title: "Reduce it", Due: at.AddDate(0, 0, i%90-30).Format(time.DateOnly)}}
		}
		r.Derive(m)
		rs[i], riskIDs[i] = r, r.ID
	}
	batch("risks", "id, org_id, "+riskWriteColumns, risks, func(i int) []any { return append([]any{rs[i].ID, orgID}, riskArgs(rs[i])...) })
	batch("risk_systems", "org_id, risk_id, system_id", risks, func(i int) []any { return []any{orgID, rs[i].ID, rs[i].AISystemIDs[0]} })
	batch("risk_scores", "id, org_id, risk_id, at, likelihood, impact, score, level, residual_likelihood, residual_impact, residual_score, residual_level, cause, actor",
		risks, func(i int) []any {
			r := rs[i]
			return []any{uuid.Must(uuid.NewV7()).String(), orgID, r.ID, at, r.Likelihood, r.Impact, r.Score, r.Level, r.ResidualLikelihood,
				r.ResidualImpact, r.ResidualScore, r.ResidualLevel, "seeded", "bench"}
		})
	if err := rebuildRiskTallies(ctx, tx, orgID); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return sysIDs, riskIDs
}

// RiskTallyDrift compares the organisation's kept risk counts with a fresh count of its risks
// and describes every difference; empty means they agree.
func RiskTallyDrift(t testing.TB, db *DB, orgID string) []string {
	t.Helper()
	ctx := context.Background()
	stored, err := storedRiskTallies(ctx, db.r, orgID)
	if err != nil {
		t.Fatal(err)
	}
	counted, err := countedRiskTallies(ctx, db.r, orgID)
	if err != nil {
		t.Fatal(err)
	}
	stored = stored.withoutZeros()
	var drift []string
	diff := func(what string, a, b map[string]int) {
		for k := range maps.Keys(a) {
			if a[k] != b[k] {
				drift = append(drift, fmt.Sprintf("%s %s: kept %d, counted %d", what, k, a[k], b[k]))
			}
		}
		for k := range maps.Keys(b) {
			if _, ok := a[k]; !ok {
				drift = append(drift, fmt.Sprintf("%s %s: kept 0, counted %d", what, k, b[k]))
			}
		}
	}
	diff("group", byName(stored.groups), byName(counted.groups))
	diff("cell", byName(stored.cells), byName(counted.cells))
	diff("system", byName(stored.systems), byName(counted.systems))
	slices.Sort(drift)
	return drift
}

func byName[K comparable](m map[K]int) map[string]int {
	out := map[string]int{}
	for k, n := range m {
		out[fmt.Sprintf("%+v", k)] = n
	}
	return out
}

// ForgetRiskTallies throws the organisation's kept risk counts away and marks them for rebuilding,
// as migration 00011 does for every organisation.
func ForgetRiskTallies(t testing.TB, db *DB, orgID string) {
	t.Helper()
	ctx := context.Background()
	for _, q := range []string{`DELETE FROM risk_tallies WHERE org_id = $1`, `DELETE FROM risk_cell_tallies WHERE org_id = $1`,
		`DELETE FROM system_ai_risk_tallies WHERE org_id = $1`, `INSERT INTO risk_tallies_stale (org_id) VALUES ($1)`} {
		if _, err := db.w.ExecContext(ctx, q, orgID); err != nil {
			t.Fatal(err)
		}
	}
}

// RebuildRiskTallies recounts the organisation's kept risk counts, as an upgrade does.
func RebuildRiskTallies(db *DB, orgID string) error {
	ctx := context.Background()
	return db.write(ctx, func(tx *sql.Tx) error { return rebuildRiskTallies(ctx, tx, orgID) })
}
