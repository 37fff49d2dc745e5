// Package readiness measures where an organisation stands, from its own records only: the
// figures behind the roadmap, the dashboard and (with the control set and SoA) readiness per
// standard. Templates, generated starters, unapproved drafts and expired evidence never count.
package readiness

import (
	"context"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/org"
	"github.com/annexa-dev/annexa/internal/roadmap"
)

// Source is what readiness reads; the store implements it.
type Source interface {
	Organisation(ctx context.Context, id string) (org.Organisation, error)
	RoleCounts(ctx context.Context, orgID string) (map[auth.Role]int, error)
	InventoryStats(ctx context.Context, orgID string) (inventory.Stats, error)
}

// RoadmapFacts gathers the roadmap's figures for one organisation.
func RoadmapFacts(ctx context.Context, src Source, orgID string) (roadmap.Facts, error) {
	var f roadmap.Facts
	o, err := src.Organisation(ctx, orgID)
	if err != nil {
		return f, err
	}
	f.ISMSScope, f.AIMSScope, f.AIRoles = o.ISMSScope != "", o.AIMSScope != "", len(o.AIRoles) > 0 || len(o.EUAIActRoles) > 0
	roles, err := src.RoleCounts(ctx, orgID)
	if err != nil {
		return f, err
	}
	for r, n := range roles {
		if r != auth.Admin {
			f.Team += n
		}
	}
	st, err := src.InventoryStats(ctx, orgID)
	if err != nil {
		return f, err
	}
	f.Systems, f.SystemsComplete, f.SystemsClassified = st.Total, st.Complete, st.Total-st.Unclassified
	return f, nil
}
