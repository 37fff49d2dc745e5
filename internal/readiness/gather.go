package readiness

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/annexa-dev/annexa/internal/audit"
	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/control"
	"github.com/annexa-dev/annexa/internal/evidence"
	"github.com/annexa-dev/annexa/internal/impact"
	"github.com/annexa-dev/annexa/internal/monitor"
	"github.com/annexa-dev/annexa/internal/org"
	"github.com/annexa-dev/annexa/internal/risk"
	"github.com/annexa-dev/annexa/internal/soa"
)

// Records is everything readiness reads beyond Source; the store implements it.
type Records interface {
	Source
	RiskStats(ctx context.Context, orgID, today string) (risk.Stats, error)
	AssessmentStats(ctx context.Context, orgID, today string) (impact.Stats, error)
	AllControls(ctx context.Context, orgID string) ([]control.Control, error)
	EvidenceFor(ctx context.Context, orgID string, records []evidence.Attachment) (map[string][]evidence.Evidence, error)
	SoAStatementWithoutProposals(ctx context.Context, orgID string, cat *catalog.Catalog) (soa.Statement, error)
	SoAVersions(ctx context.Context, orgID, catalogID string) ([]soa.Version, error)
	AuditProgramme(ctx context.Context, orgID string) (audit.Programme, error)
	MonitoringStats(ctx context.Context, orgID string) (monitor.Stats, error)
	Parties(ctx context.Context, orgID string) ([]org.Party, error)
}

// policyControl is the Annex A control each standard's policy clause (5.2) rests on.
var policyControl = map[string]string{"iso27001-2022": "A.5.1", "iso42001-2023": "A.2.2"}

// Gather reads one standard's records and works out the record checks.
func Gather(ctx context.Context, src Records, orgID string, cat *catalog.Catalog, lib *catalog.Library, now time.Time) (Inputs, error) {
	rules, err := DefaultRules()
	if err != nil {
		return Inputs{}, err
	}
	today := now.UTC().Format(time.DateOnly)
	in := Inputs{Catalog: cat, Rules: rules, Checks: map[string]Check{}, Clauses: map[string]ClauseEvidence{}}
	o, err := src.Organisation(ctx, orgID)
	if err != nil {
		return in, err
	}
	roles, err := src.RoleCounts(ctx, orgID)
	if err != nil {
		return in, err
	}
	inv, err := src.InventoryStats(ctx, orgID)
	if err != nil {
		return in, err
	}
	rs, err := src.RiskStats(ctx, orgID, today)
	if err != nil {
		return in, err
	}
	as, err := src.AssessmentStats(ctx, orgID, today)
	if err != nil {
		return in, err
	}
	if in.Statement, err = src.SoAStatementWithoutProposals(ctx, orgID, cat); err != nil {
		return in, err
	}
	versions, err := src.SoAVersions(ctx, orgID, cat.ID)
	if err != nil {
		return in, err
	}
	controls, err := src.AllControls(ctx, orgID)
	if err != nil {
		return in, err
	}
	set := func(id string, s Status, detail string) { in.Checks[id] = Check{Status: s, Detail: detail} }
	yesNo := func(id string, ok bool, yes, no string) {
		if ok {
			set(id, Met, yes)
		} else {
			set(id, Open, no)
		}
	}
	scope := o.ISMSScope
	if cat.ID == "iso42001-2023" {
		scope = o.AIMSScope
	}
	yesNo("scope", scope != "", "the scope statement is recorded", "no scope statement on the organisation profile")
	yesNo("ai_roles", len(o.AIRoles) > 0 || len(o.EUAIActRoles) > 0, "AI roles are recorded", "no AI roles on the organisation profile")
	team := 0
	for r, n := range roles {
		if r != "admin" {
			team += n
		}
	}
	yesNo("team", team > 0, fmt.Sprintf("%d people hold roles besides administrators", team), "only administrators have accounts")
	switch {
	case inv.Total == 0:
		set("inventory", Open, "no AI systems registered")
	case inv.UnknownOwner == 0 && inv.UnknownRole == 0:
		set("inventory", Met, fmt.Sprintf("%d AI systems, each with an owner and roles", inv.Total))
	default:
		set("inventory", Partial, fmt.Sprintf("%d AI systems; %d without an owner, %d without roles", inv.Total, inv.UnknownOwner, inv.UnknownRole))
	}
	yesNo("risk_method", rs.MethodSet, "the organisation's risk method is set", "the default risk method has not been set or confirmed")
	yesNo("risks_assessed", rs.Security > 0, fmt.Sprintf("%d information-security risks registered", rs.Security), "no information-security risks registered")
	treated := func(id string, total, untreated int, what string) {
		switch {
		case total == 0:
			set(id, Open, "no "+what+" registered")
		case untreated == 0:
			set(id, Met, fmt.Sprintf("every %s needing treatment has one or is accepted", what))
		default:
			set(id, Partial, fmt.Sprintf("%d of %d %ss still need a treatment or acceptance", untreated, total, what))
		}
	}
	treated("risks_treated", rs.Security, rs.SecurityUntreated, "information-security risk")
	treated("ai_risks_treated", rs.AI, rs.AIUntreated, "AI risk")
	share := func(id string, n, of int, what string) {
		switch {
		case of == 0:
			set(id, Open, "no AI systems registered")
		case n >= of:
			set(id, Met, fmt.Sprintf("all %d AI systems have %s", of, what))
		case n > 0:
			set(id, Partial, fmt.Sprintf("%d of %d AI systems have %s", n, of, what))
		default:
			set(id, Open, "no AI system has "+what+" yet")
		}
	}
	share("ai_risks_assessed", rs.SystemsWithAIRisks, inv.Total, "AI risks registered")
	share("assessments_approved", as.SystemsApproved, inv.Total, "an approved impact assessment")
	approved := false
	for _, v := range versions {
		approved = approved || v.Approved()
	}
	yesNo("soa_approved", approved, "an approved Statement of Applicability version exists", "no Statement of Applicability version is approved")
	ps, err := src.Parties(ctx, orgID)
	if err != nil {
		return in, err
	}
	var relevant, decided int
	for _, p := range ps {
		if slices.Contains(p.Standards, cat.ID) {
			relevant++
			if p.Decided() {
				decided++
			}
		}
	}
	switch {
	case relevant == 0:
		set("interested_parties", Open, "no interested party of this management system is recorded")
	case decided == relevant:
		set("interested_parties", Met, fmt.Sprintf("%d interested parties, each with its requirements and a decision on whether the management system addresses them", relevant))
	default:
		set("interested_parties", Partial, fmt.Sprintf("%d of %d interested parties have their requirements recorded and decided", decided, relevant))
	}
	mon, err := src.MonitoringStats(ctx, orgID)
	if err != nil {
		return in, err
	}
	switch {
	case mon.InOperation == 0:
		set("ai_monitoring", Open, "no AI system in operation is registered, so none is monitored")
	case mon.Watched == mon.InOperation:
		set("ai_monitoring", Met, fmt.Sprintf("all %d AI systems in operation have values recorded within 90 days", mon.InOperation))
	case mon.Watched > 0:
		set("ai_monitoring", Partial, fmt.Sprintf("%d of %d AI systems in operation have values recorded within 90 days", mon.Watched, mon.InOperation))
	default:
		set("ai_monitoring", Open, fmt.Sprintf("none of the %d AI systems in operation has monitoring values recorded", mon.InOperation))
	}
	prog, err := src.AuditProgramme(ctx, orgID)
	if err != nil {
		return in, err
	}
	standing := prog.Standing(cat.ID, today)
	for id, v := range map[string]audit.Verdict{"internal_audit": standing.InternalAudit(today),
		"management_review": standing.ManagementReview(today), "corrective_actions": standing.CorrectiveActions()} {
		set(id, Status(v.Status), v.Detail)
	}
	// The policy and the implemented-controls checks read the SoA rows.
	approvedNow := in.Checks["soa_approved"].Status == Met
	var applicable, metRows int
	for _, row := range in.Statement.Entries {
		it := controlItem(row, approvedNow)
		if row.ItemID == policyControl[cat.ID] {
			set("policy", it.Status, joinReasons(it.Reasons))
		}
		if it.Status == NotApplicable {
			continue
		}
		applicable++
		if it.Status == Met {
			metRows++
		}
	}
	switch {
	case applicable > 0 && metRows == applicable:
		set("controls_implemented", Met, "every applicable Annex A control is implemented with current evidence")
	case metRows > 0:
		set("controls_implemented", Partial, fmt.Sprintf("%d of %d applicable Annex A controls implemented with current evidence", metRows, applicable))
	default:
		set("controls_implemented", Open, "no Annex A control is implemented with current evidence yet")
	}
	// Clauses met through the organisation's controls: counting controls linked to a clause,
	// with evidence on the control or on the clause itself.
	var atts []evidence.Attachment
	linked := map[string][]control.Control{}
	for _, c := range controls {
		if !c.Counts() {
			continue
		}
		for _, l := range c.Links {
			if l.Catalog == cat.ID {
				linked[l.Item] = append(linked[l.Item], c)
			}
		}
		atts = append(atts, evidence.Attachment{RecordType: evidence.ToControl, RecordID: c.ID})
	}
	for item := range linked {
		atts = append(atts, evidence.Attachment{RecordType: evidence.ToRequirement, RecordID: cat.ID + ":" + item})
	}
	ev, err := src.EvidenceFor(ctx, orgID, atts)
	if err != nil {
		return in, err
	}
	counts := func(key string) bool {
		for _, e := range ev[key] {
			if e.Counts(now) {
				return true
			}
		}
		return false
	}
	for item, cs := range linked {
		ce := ClauseEvidence{}
		reqEvidence := counts(soa.EvidenceKey(evidence.ToRequirement, cat.ID+":"+item))
		for _, c := range cs {
			ce.Controls = append(ce.Controls, c.Title)
			if reqEvidence || counts(soa.EvidenceKey(evidence.ToControl, c.ID)) {
				ce.WithEvidence++
			}
		}
		in.Clauses[item] = ce
	}
	return in, nil
}

func joinReasons(rs []string) string {
	out := ""
	for i, r := range rs {
		if i > 0 {
			out += " "
		}
		out += r
	}
	return out
}
