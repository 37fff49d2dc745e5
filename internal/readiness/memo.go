package readiness

import (
	"context"
	"sync"

	"github.com/annexa-dev/annexa/internal/audit"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/control"
	"github.com/annexa-dev/annexa/internal/impact"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/monitor"
	"github.com/annexa-dev/annexa/internal/org"
	"github.com/annexa-dev/annexa/internal/risk"
)

// memo remembers the organisation-wide figures for the length of one page, so the dashboard's
// two readiness reports and its own panels read each aggregate once.
type memo struct {
	DashboardSource
	mu    sync.Mutex
	org   *org.Organisation
	roles map[auth.Role]int
	inv   *inventory.Stats
	risks map[string]risk.Stats
	ass   map[string]impact.Stats
	ctrls []control.Control
	prog  *audit.Programme
	mon   *monitor.Stats
	ps    []org.Party
}

func remember(src DashboardSource) *memo {
	return &memo{DashboardSource: src, risks: map[string]risk.Stats{}, ass: map[string]impact.Stats{}}
}

func (m *memo) Organisation(ctx context.Context, id string) (org.Organisation, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.org == nil || m.org.ID != id {
		o, err := m.DashboardSource.Organisation(ctx, id)
		if err != nil {
			return o, err
		}
		m.org = &o
	}
	return *m.org, nil
}

func (m *memo) RoleCounts(ctx context.Context, orgID string) (map[auth.Role]int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.roles == nil {
		r, err := m.DashboardSource.RoleCounts(ctx, orgID)
		if err != nil {
			return nil, err
		}
		m.roles = r
	}
	return m.roles, nil
}

func (m *memo) InventoryStats(ctx context.Context, orgID string) (inventory.Stats, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.inv == nil {
		s, err := m.DashboardSource.InventoryStats(ctx, orgID)
		if err != nil {
			return s, err
		}
		m.inv = &s
	}
	return *m.inv, nil
}

func (m *memo) RiskStats(ctx context.Context, orgID, today string) (risk.Stats, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.risks[today]; ok {
		return s, nil
	}
	s, err := m.DashboardSource.RiskStats(ctx, orgID, today)
	if err == nil {
		m.risks[today] = s
	}
	return s, err
}

func (m *memo) AssessmentStats(ctx context.Context, orgID, today string) (impact.Stats, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.ass[today]; ok {
		return s, nil
	}
	s, err := m.DashboardSource.AssessmentStats(ctx, orgID, today)
	if err == nil {
		m.ass[today] = s
	}
	return s, err
}

func (m *memo) AllControls(ctx context.Context, orgID string) ([]control.Control, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ctrls == nil {
		c, err := m.DashboardSource.AllControls(ctx, orgID)
		if err != nil {
			return nil, err
		}
		m.ctrls = c
	}
	return m.ctrls, nil
}

func (m *memo) AuditProgramme(ctx context.Context, orgID string) (audit.Programme, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.prog == nil {
		p, err := m.DashboardSource.AuditProgramme(ctx, orgID)
		if err != nil {
			return p, err
		}
		m.prog = &p
	}
	return *m.prog, nil
}

func (m *memo) MonitoringStats(ctx context.Context, orgID string) (monitor.Stats, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mon == nil {
		st, err := m.DashboardSource.MonitoringStats(ctx, orgID)
		if err != nil {
			return st, err
		}
		m.mon = &st
	}
	return *m.mon, nil
}

func (m *memo) Parties(ctx context.Context, orgID string) ([]org.Party, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ps == nil {
		ps, err := m.DashboardSource.Parties(ctx, orgID)
		if err != nil {
			return nil, err
		}
		m.ps = ps
	}
	return m.ps, nil
}
