package readiness

import (
	"context"
	"time"

	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/audit"
	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/evidence"
	"github.com/annexa-dev/annexa/internal/impact"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/monitor"
	"github.com/annexa-dev/annexa/internal/risk"
)

// DashboardSource is what the dashboard reads beyond readiness; the store implements it.
type DashboardSource interface {
	Records
	ObligationSystems(ctx context.Context, orgID string) (map[string]int, error)
	EvidenceStats(ctx context.Context, orgID string, at time.Time) (evidence.Stats, error)
	RiskHeatMap(ctx context.Context, orgID string, f risk.Filter) (risk.HeatMap, error)
	TopRisks(ctx context.Context, orgID string, n int) ([]risk.Risk, error)
}

// StandardSummary is one standard's readiness in a line.
type StandardSummary struct {
	Catalog       string  `json:"catalog"`
	Title         string  `json:"title"`
	Percent       float64 `json:"percent"`
	Met           int     `json:"met"`
	Partial       int     `json:"partial"`
	Open          int     `json:"open"`
	NotApplicable int     `json:"not_applicable"`
}

// Deadline is an EU AI Act application date with the systems it brings obligations to.
type Deadline struct {
	aiact.Deadline
	Systems int `json:"systems"`
}

// AIActPosition is the organisation's EU AI Act position.
type AIActPosition struct {
	Tiers map[aiact.Tier]int `json:"tiers"`
	// Upcoming are the application dates still ahead, soonest first.
	Upcoming []Deadline `json:"upcoming"`
	// Within90Days are the upcoming dates that fall in the next 90 days.
	Within90Days []Deadline `json:"within_90_days"`
}

// Dashboard is the home page of a signed-in person.
type Dashboard struct {
	AsOf        time.Time         `json:"as_of"`
	Readiness   []StandardSummary `json:"readiness"`
	AIAct       AIActPosition     `json:"ai_act"`
	Inventory   inventory.Stats   `json:"inventory"`
	Risks       risk.Stats        `json:"risks"`
	TopRisks    []risk.Risk       `json:"top_risks"`
	HeatMap     risk.HeatMap      `json:"heat_map"`
	Assessments impact.Stats      `json:"assessments"`
	Evidence    evidence.Stats    `json:"evidence"`
	// AuditProgramme is where internal audits, corrective actions and management reviews
	// stand, one entry per standard in Standards' order.
	AuditProgramme []audit.Standing `json:"audit_programme"`
	// Monitoring counts metrics watched and alerts not yet resolved.
	Monitoring monitor.Stats `json:"monitoring"`
}

// Standards are the standards the dashboard reports readiness for.
var Standards = []string{"iso27001-2022", "iso42001-2023"}

// BuildDashboard gathers everything the dashboard shows, each figure from records.
func BuildDashboard(ctx context.Context, store DashboardSource, orgID string, lib *catalog.Library, now time.Time) (Dashboard, error) {
	d := Dashboard{AsOf: now.UTC()}
	src := remember(store)
	today := now.UTC().Format(time.DateOnly)
	for _, id := range Standards {
		cat, ok := lib.Catalog(id)
		if !ok {
			continue
		}
		rep, err := ForStandard(ctx, src, orgID, cat, lib, now)
		if err != nil {
			return d, err
		}
		d.Readiness = append(d.Readiness, StandardSummary{Catalog: id, Title: rep.Title, Percent: rep.Percent, Met: rep.Met,
			Partial: rep.Partial, Open: rep.Open, NotApplicable: rep.NotApplicable})
	}
	var err error
	if d.Inventory, err = src.InventoryStats(ctx, orgID); err != nil {
		return d, err
	}
	data, err := aiact.Default()
	if err != nil {
		return d, err
	}
	counts, err := src.ObligationSystems(ctx, orgID)
	if err != nil {
		return d, err
	}
	d.AIAct.Tiers = d.Inventory.Tiers
	for _, dl := range data.Deadlines(now) {
		if dl.DaysLeft < 0 {
			continue
		}
		x := Deadline{Deadline: dl, Systems: counts[dl.Date.Format(time.DateOnly)]}
		d.AIAct.Upcoming = append(d.AIAct.Upcoming, x)
		if dl.DaysLeft <= 90 {
			d.AIAct.Within90Days = append(d.AIAct.Within90Days, x)
		}
	}
	if d.Risks, err = src.RiskStats(ctx, orgID, today); err != nil {
		return d, err
	}
	if d.TopRisks, err = src.TopRisks(ctx, orgID, 5); err != nil {
		return d, err
	}
	if d.HeatMap, err = src.RiskHeatMap(ctx, orgID, risk.Filter{}); err != nil {
		return d, err
	}
	if d.Assessments, err = src.AssessmentStats(ctx, orgID, today); err != nil {
		return d, err
	}
	if d.Evidence, err = src.EvidenceStats(ctx, orgID, now); err != nil {
		return d, err
	}
	prog, err := src.AuditProgramme(ctx, orgID)
	if err != nil {
		return d, err
	}
	for _, id := range Standards {
		d.AuditProgramme = append(d.AuditProgramme, prog.Standing(id, today))
	}
	if d.Monitoring, err = src.MonitoringStats(ctx, orgID); err != nil {
		return d, err
	}
	return d, nil
}
