// Package readiness measures where an organisation stands, from its own records only: the
// figures behind the roadmap, the dashboard and (with the control set and SoA) readiness per
// standard. Templates, generated starters, unapproved drafts and expired evidence never count.
package readiness

import (
	"context"
	"fmt"
	"time"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/catalog"
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
func RoadmapFacts(ctx context.Context, src Records, orgID string, lib *catalog.Library, now time.Time) (roadmap.Facts, error) {
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
	today := now.UTC().Format(time.DateOnly)
	rs, err := src.RiskStats(ctx, orgID, today)
	if err != nil {
		return f, err
	}
	f.RiskMethodSet, f.SystemsWithRisks, f.AIRisks, f.AIRisksTreated = rs.MethodSet, rs.SystemsWithAIRisks, rs.AI, rs.AI-rs.AIUntreated
	as, err := src.AssessmentStats(ctx, orgID, today)
	if err != nil {
		return f, err
	}
	f.AssessmentsApproved = as.SystemsApproved
	// Controls, SoA and evidence as ISO/IEC 42001 readiness sees them.
	if cat, ok := lib.Catalog("iso42001-2023"); ok {
		in, err := Gather(ctx, src, orgID, cat, lib, now)
		if err != nil {
			return f, err
		}
		rep := Compute(in)
		for _, sec := range rep.AnnexA {
			for _, it := range sec.Items {
				if it.Status == NotApplicable {
					continue
				}
				f.Controls++
				if it.Status == Met {
					f.ControlsImplemented++
				}
				if len(it.Controls) > 0 {
					f.EvidenceNeeded++
					if it.Evidence > 0 {
						f.EvidenceCurrent++
					}
				}
			}
		}
		f.SoA42001Approved = in.Checks["soa_approved"].Status == Met
	}
	return f, nil
}

// ForStandard gathers one standard's records and computes its readiness.
func ForStandard(ctx context.Context, src Records, orgID string, cat *catalog.Catalog, lib *catalog.Library, now time.Time) (Report, error) {
	in, err := Gather(ctx, src, orgID, cat, lib, now)
	if err != nil {
		return Report{}, err
	}
	return Compute(in), nil
}

// CarryOverFor computes both standards' readiness and the carry-over between them.
func CarryOverFor(ctx context.Context, src Records, orgID string, lib *catalog.Library, now time.Time) (CarryOver, error) {
	reports := map[string]Report{}
	for _, id := range []string{"iso27001-2022", "iso42001-2023"} {
		cat, ok := lib.Catalog(id)
		if !ok {
			return CarryOver{}, fmt.Errorf("catalog %s is not loaded", id)
		}
		rep, err := ForStandard(ctx, src, orgID, cat, lib, now)
		if err != nil {
			return CarryOver{}, err
		}
		reports[id] = rep
	}
	rules, err := DefaultCarryOverRules()
	if err != nil {
		return CarryOver{}, err
	}
	return ComputeCarryOver(reports["iso42001-2023"], reports["iso27001-2022"], lib, rules)
}

// Roadmap is the organisation's phased roadmap from today, shortened by its records.
func Roadmap(ctx context.Context, src Records, orgID string, lib *catalog.Library, now time.Time) (roadmap.Roadmap, error) {
	d, err := roadmap.Default()
	if err != nil {
		return roadmap.Roadmap{}, fmt.Errorf("load decision support: %w", err)
	}
	f, err := RoadmapFacts(ctx, src, orgID, lib, now)
	if err != nil {
		return roadmap.Roadmap{}, err
	}
	return d.Plan(f.Progress(), now.UTC().Truncate(24*time.Hour)), nil
}
