package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/annexa-dev/annexa/internal/risk"
)

// The register's running counts (migration 00011) let the dashboard and readiness read a few
// dozen rows instead of counting every risk. They are kept here, in Go, inside each risk
// write's transaction rather than by triggers: deleting a risk cascades to its system links,
// and a trigger on those links could no longer look up the deleted risk's category.

// tallyGroup is one row of risk_tallies.
type tallyGroup struct {
	category, level string
	untreated       bool
}

// tallyCell is one heat map cell of risk_cell_tallies.
type tallyCell struct {
	residual           bool
	likelihood, impact int
}

// riskTallies holds counts, or changes to counts, for one organisation.
type riskTallies struct {
	groups  map[tallyGroup]int
	cells   map[tallyCell]int
	systems map[string]int
}

func newRiskTallies() riskTallies {
	return riskTallies{groups: map[tallyGroup]int{}, cells: map[tallyCell]int{}, systems: map[string]int{}}
}

// untreated says the risk has no treatment chosen and is neither accepted nor closed; whether
// its level needs treatment is the method's call, made when the counts are read.
func untreated(r risk.Risk) bool {
	return r.Treatment == "" && r.Status != risk.Accepted && r.Status != risk.Closed
}

// add counts r in (sign 1) or out of (sign -1) every figure it belongs to.
func (t riskTallies) add(r risk.Risk, sign int) {
	t.groups[tallyGroup{r.Category, r.EffectiveLevel, untreated(r)}] += sign
	t.cells[tallyCell{false, r.Likelihood, r.Impact}] += sign
	if r.ResidualLikelihood > 0 {
		t.cells[tallyCell{true, r.ResidualLikelihood, r.ResidualImpact}] += sign
	}
	if risk.AICategory(r.Category) {
		for _, id := range r.AISystemIDs {
			t.systems[id] += sign
		}
	}
}

// move records a risk's change from before to after.
func (t riskTallies) move(before, after risk.Risk) {
	t.add(before, -1)
	t.add(after, 1)
}

// sortedKeys orders a map's keys so concurrent writers on PostgreSQL take row locks in one order.
func sortedKeys[K comparable](m map[K]int, compare func(a, b K) int) []K {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, compare)
	return keys
}

// apply adds the changes to the stored counts. A system's count only falls through an UPDATE:
// a deleted system's row is gone with it, and a risk may still name the system it lost.
func (t riskTallies) apply(ctx context.Context, tx *sql.Tx, orgID string) error {
	for _, g := range sortedKeys(t.groups, func(a, b tallyGroup) int {
		return cmp.Or(cmp.Compare(a.category, b.category), cmp.Compare(a.level, b.level), cmp.Compare(flag(a.untreated), flag(b.untreated)))
	}) {
		if n := t.groups[g]; n != 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO risk_tallies (org_id, category, effective_level, untreated, risks) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (org_id, category, effective_level, untreated) DO UPDATE SET risks = risk_tallies.risks + excluded.risks`,
				orgID, g.category, g.level, flag(g.untreated), n); err != nil {
				return fmt.Errorf("count risks: %w", err)
			}
		}
	}
	for _, c := range sortedKeys(t.cells, func(a, b tallyCell) int {
		return cmp.Or(cmp.Compare(flag(a.residual), flag(b.residual)), cmp.Compare(a.likelihood, b.likelihood), cmp.Compare(a.impact, b.impact))
	}) {
		if n := t.cells[c]; n != 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO risk_cell_tallies (org_id, residual, likelihood, impact, risks) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (org_id, residual, likelihood, impact) DO UPDATE SET risks = risk_cell_tallies.risks + excluded.risks`,
				orgID, flag(c.residual), c.likelihood, c.impact, n); err != nil {
				return fmt.Errorf("count heat map cells: %w", err)
			}
		}
	}
	for _, id := range sortedKeys(t.systems, strings.Compare) {
		n := t.systems[id]
		var err error
		switch {
		case n > 0:
			_, err = tx.ExecContext(ctx, `INSERT INTO system_ai_risk_tallies (org_id, system_id, risks) VALUES ($1, $2, $3)
				ON CONFLICT (org_id, system_id) DO UPDATE SET risks = system_ai_risk_tallies.risks + excluded.risks`, orgID, id, n)
		case n < 0:
			_, err = tx.ExecContext(ctx, `UPDATE system_ai_risk_tallies SET risks = risks + $1 WHERE org_id = $2 AND system_id = $3`, n, orgID, id)
		}
		if err != nil {
			return fmt.Errorf("count AI risks of a system: %w", err)
		}
	}
	return nil
}

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

// withoutZeros drops the counts that reached zero, so stored and recounted figures compare.
func (t riskTallies) withoutZeros() riskTallies {
	maps.DeleteFunc(t.groups, func(_ tallyGroup, n int) bool { return n == 0 })
	maps.DeleteFunc(t.cells, func(_ tallyCell, n int) bool { return n == 0 })
	maps.DeleteFunc(t.systems, func(_ string, n int) bool { return n == 0 })
	return t
}

// storedRiskTallies reads all of the organisation's kept counts.
func storedRiskTallies(ctx context.Context, q querier, orgID string) (riskTallies, error) {
	t := newRiskTallies()
	var err error
	if t.groups, err = storedTallyGroups(ctx, q, orgID); err != nil {
		return t, err
	}
	if t.cells, err = storedTallyCells(ctx, q, orgID); err != nil {
		return t, err
	}
	err = scanEach(ctx, q, `SELECT system_id, risks FROM system_ai_risk_tallies WHERE org_id = $1`, []any{orgID}, func(rows *sql.Rows) error {
		var id string
		var n int
		err := rows.Scan(&id, &n)
		t.systems[id] = n
		return err
	})
	if err != nil {
		return t, fmt.Errorf("read risk counts: %w", err)
	}
	return t, nil
}

func storedTallyGroups(ctx context.Context, q querier, orgID string) (map[tallyGroup]int, error) {
	groups := map[tallyGroup]int{}
	err := scanEach(ctx, q, `SELECT category, effective_level, untreated, risks FROM risk_tallies WHERE org_id = $1`, []any{orgID}, func(rows *sql.Rows) error {
		var g tallyGroup
		var u, n int
		err := rows.Scan(&g.category, &g.level, &u, &n)
		g.untreated = u == 1
		groups[g] = n
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read risk counts: %w", err)
	}
	return groups, nil
}

func storedTallyCells(ctx context.Context, q querier, orgID string) (map[tallyCell]int, error) {
	cells := map[tallyCell]int{}
	err := scanEach(ctx, q, `SELECT residual, likelihood, impact, risks FROM risk_cell_tallies WHERE org_id = $1`, []any{orgID}, func(rows *sql.Rows) error {
		var c tallyCell
		var res, n int
		err := rows.Scan(&res, &c.likelihood, &c.impact, &n)
		c.residual = res == 1
		cells[c] = n
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read heat map counts: %w", err)
	}
	return cells, nil
}

// countedRiskTallies counts the organisation's risks afresh, the slow way the kept counts save.
func countedRiskTallies(ctx context.Context, q querier, orgID string) (riskTallies, error) {
	t := newRiskTallies()
	err := scanEach(ctx, q, `SELECT category, effective_level, CASE WHEN treatment = '' AND status NOT IN ('accepted', 'closed') THEN 1 ELSE 0 END, COUNT(*)
		FROM risks WHERE org_id = $1 GROUP BY category, effective_level, CASE WHEN treatment = '' AND status NOT IN ('accepted', 'closed') THEN 1 ELSE 0 END`,
		[]any{orgID}, func(rows *sql.Rows) error {
			var g tallyGroup
			var u, n int
			err := rows.Scan(&g.category, &g.level, &u, &n)
			g.untreated = u == 1
			t.groups[g] += n
			return err
		})
	for _, residual := range []bool{false, true} {
		if err != nil {
			break
		}
		l, i, extra := "likelihood", "impact", ""
		if residual {
			l, i, extra = "residual_likelihood", "residual_impact", " AND residual_likelihood > 0"
		}
		err = scanEach(ctx, q, `SELECT `+l+`, `+i+`, COUNT(*) FROM risks WHERE org_id = $1`+extra+` GROUP BY `+l+`, `+i, []any{orgID}, func(rows *sql.Rows) error {
			c := tallyCell{residual: residual}
			var n int
			err := rows.Scan(&c.likelihood, &c.impact, &n)
			t.cells[c] += n
			return err
		})
	}
	if err == nil {
		err = scanEach(ctx, q, `SELECT r.category, rs.system_id FROM risk_systems rs JOIN risks r ON r.id = rs.risk_id WHERE rs.org_id = $1`,
			[]any{orgID}, func(rows *sql.Rows) error {
				var cat, id string
				err := rows.Scan(&cat, &id)
				if risk.AICategory(cat) {
					t.systems[id]++
				}
				return err
			})
	}
	if err != nil {
		return t, fmt.Errorf("count risks: %w", err)
	}
	return t.withoutZeros(), nil
}

// rebuildRiskTallies replaces the organisation's kept counts by a fresh count.
func rebuildRiskTallies(ctx context.Context, tx *sql.Tx, orgID string) error {
	for _, table := range []string{"risk_tallies", "risk_cell_tallies", "system_ai_risk_tallies"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE org_id = $1`, orgID); err != nil {
			return fmt.Errorf("clear risk counts: %w", err)
		}
	}
	t, err := countedRiskTallies(ctx, tx, orgID)
	if err != nil {
		return err
	}
	if err := t.apply(ctx, tx, orgID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM risk_tallies_stale WHERE org_id = $1`, orgID); err != nil {
		return fmt.Errorf("clear risk counts: %w", err)
	}
	return nil
}

// rebuildStaleRiskTallies recounts every organisation a migration marked, one transaction each,
// so an interrupted start resumes where it stopped.
func (db *DB) rebuildStaleRiskTallies(ctx context.Context) error {
	var orgs []string
	err := scanEach(ctx, db.w, `SELECT org_id FROM risk_tallies_stale ORDER BY org_id`, nil, func(rows *sql.Rows) error {
		var id string
		err := rows.Scan(&id)
		orgs = append(orgs, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("find risk counts to rebuild: %w", err)
	}
	for _, id := range orgs {
		if err := db.write(ctx, func(tx *sql.Tx) error { return rebuildRiskTallies(ctx, tx, id) }); err != nil {
			return fmt.Errorf("organisation %s: %w", id, err)
		}
	}
	return nil
}

// scanEach runs a query and hands each row to fn.
func scanEach(ctx context.Context, q querier, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
