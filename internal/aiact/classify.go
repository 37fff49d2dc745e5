package aiact

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/annexa-dev/annexa/catalogs"
)

// Tier is the EU AI Act risk tier of a system.
type Tier string

const (
	TierProhibited Tier = "prohibited"
	TierHigh       Tier = "high"
	TierLimited    Tier = "limited"
	TierMinimal    Tier = "minimal"
	TierOutOfScope Tier = "out_of_scope"
)

// Tiers lists the tiers from the most to the least regulated.
var Tiers = []Tier{TierProhibited, TierHigh, TierLimited, TierMinimal, TierOutOfScope}

func (t Tier) Valid() bool { return slices.Contains(Tiers, t) }

// HighRiskBasis says which route of Art. 6 made a system high-risk.
type HighRiskBasis string

const (
	BasisAnnexI   HighRiskBasis = "annex_i"
	BasisAnnexIII HighRiskBasis = "annex_iii"
)

// Reason is one step of the classification with the provision it rests on.
type Reason struct {
	Ref  string `json:"ref"`
	Text string `json:"text"`
}

// Obligation is a duty of the organisation in one role, from the eu-ai-act catalog.
type Obligation struct {
	Ref     string `json:"ref"`  // "Art. 26", "Art. 5(1)(c)"
	Role    Role   `json:"role"` // the organisation's role it falls on
	Title   string `json:"title"`
	Item    string `json:"item"` // catalog item id, "Art.26"
	Summary string `json:"summary"`
	// AppliesFrom is the application date (YYYY-MM-DD) under the law in force on the
	// classification's as-of date, with the quality of its source (DateStatus: confirmed,
	// reported) and the provision that sets it.
	AppliesFrom string `json:"applies_from,omitempty"`
	DateStatus  string `json:"date_status,omitempty"`
	DateSource  string `json:"date_source,omitempty"`
	// InEffect tells whether the obligation already applies on the as-of date; absent when
	// the classification was asked without one.
	InEffect *bool `json:"in_effect,omitempty"`
}

// GPAIResult is the general-purpose model part of a result.
type GPAIResult struct {
	Model        bool `json:"model"`
	SystemicRisk bool `json:"systemic_risk"`
}

// Result is the classification, as in shared/spec/ai-act-result.schema.json; fields after
// Obligations are additions the schema allows.
type Result struct {
	Tier                    Tier           `json:"tier"`
	HighRiskBasis           *HighRiskBasis `json:"high_risk_basis"`
	DerogationApplied       bool           `json:"derogation_applied"`
	TransparencyObligations []string       `json:"transparency_obligations"`
	GPAI                    GPAIResult     `json:"gpai"`
	Reasons                 []Reason       `json:"reasons"`
	Obligations             []Obligation   `json:"obligations"`
	// AnnexIIIPoints are the Annex III points that made the system high-risk (after carve-outs).
	AnnexIIIPoints []AnnexIIIPoint `json:"annex_iii_points,omitempty"`
	AsOf           string          `json:"as_of,omitempty"`
	// DataAsOf is the date the catalog, rules and timeline were last checked.
	DataAsOf string `json:"data_as_of"`
}

var defaultData = sync.OnceValues(func() (*Data, error) { return LoadData(catalogs.FS) })

// Default returns the data embedded in the binary, loaded once.
func Default() (*Data, error) { return defaultData() }

// Classify classifies facts with the embedded data. asOf picks the law in force on that day
// (dates amended later are not yet applied) and fills Obligation.InEffect; pass the zero time
// for the latest known law. The result depends only on facts, asOf and the embedded data.
func Classify(f Facts, asOf time.Time) (Result, error) {
	d, err := Default()
	if err != nil {
		return Result{}, err
	}
	return d.Classify(f, asOf)
}

// Conditions an item's "when" attr can require.
const (
	condMatched             = "matched" // the rules matched this very item (an Art. 5 point, an Art. 50 paragraph)
	condAnnexI              = "annex_i" // high-risk through Art. 6(1)
	condAnnexIII            = "annex_iii"
	condFRIA                = "fria"                   // Art. 27(1) scope holds
	condDerogation          = "derogation"             // Art. 6(3) took the system out of high risk
	condNotOpenSourceExempt = "not_open_source_exempt" // Art. 53(2) / 54(6) exemption does not apply
)

type classification struct {
	d       *Data
	f       Facts
	asOf    time.Time
	roles   []Role
	matched map[string]bool
	conds   map[string]bool
	res     Result
}

func (c *classification) reason(ref, text string) {
	c.res.Reasons = append(c.res.Reasons, Reason{Ref: ref, Text: text})
}

// Classify classifies facts with this data; see the package-level Classify.
func (d *Data) Classify(f Facts, asOf time.Time) (Result, error) {
	if err := f.Validate(); err != nil {
		return Result{}, err
	}
	if !asOf.IsZero() {
		// The calendar day where the caller is: legal dates are days, not instants.
		y, m, day := asOf.Date()
		asOf = time.Date(y, m, day, 0, 0, 0, 0, time.UTC)
	}
	c := &classification{
		d: d, f: f, asOf: asOf,
		matched: map[string]bool{},
		conds:   map[string]bool{},
		res: Result{
			Tier:                    TierMinimal,
			TransparencyObligations: []string{},
			Reasons:                 []Reason{},
			Obligations:             []Obligation{},
			DataAsOf:                d.Timeline.AsOf,
		},
	}
	if !asOf.IsZero() {
		c.res.AsOf = asOf.Format(dateLayout)
	}
	for _, r := range Roles { // canonical order, no duplicates
		if slices.Contains(f.Roles, r) {
			c.roles = append(c.roles, r)
		}
	}
	c.run()
	return c.res, nil
}

func (c *classification) run() {
	if !c.scope() {
		c.res.Tier = TierOutOfScope
		return
	}
	c.gpai()
	impliedPoints, impliedTransparency := c.prohibitions()
	if c.res.Tier != TierProhibited {
		c.highRisk(impliedPoints)
		c.transparency(impliedTransparency)
		if c.res.Tier == TierMinimal {
			c.reason(c.d.Rules.Minimal.Ref, c.d.Rules.Minimal.Text)
		}
	}
	if len(c.roles) == 0 {
		c.reason(c.d.Rules.NoRoles.Ref, c.d.Rules.NoRoles.Text)
	}
	c.obligations()
}

// scope applies Art. 2: the territorial link and the exclusions. It reports false when the
// Act does not apply at all.
func (c *classification) scope() bool {
	s := &c.d.Rules.Scope
	linked := false
	for _, n := range s.Nexus {
		if nexusFacts[n.Fact](c.f.EUNexus) {
			linked = true
			c.reason(n.Ref, n.Text)
		}
	}
	if !linked {
		c.res.Reasons = []Reason{{Ref: s.NoNexus.Ref, Text: s.NoNexus.Text}}
		return false
	}
	for _, e := range s.Exclusions {
		if e.Purpose != c.f.ExcludedPurpose {
			continue
		}
		if len(e.ExcludedRoles) == 0 {
			c.res.Reasons = []Reason{{Ref: e.Ref, Text: e.Text}}
			return false
		}
		// Only some roles are excluded (Art. 2(10) removes the personal-use deployer).
		c.roles = slices.DeleteFunc(c.roles, func(r Role) bool { return slices.Contains(e.ExcludedRoles, r) })
		if len(c.roles) == 0 {
			c.res.Reasons = []Reason{{Ref: e.Ref, Text: e.Text}}
			return false
		}
		c.reason(e.Ref, e.Text+" "+e.RemainingText)
	}
	return true
}

// gpai applies Arts. 51-53 to a general-purpose model.
func (c *classification) gpai() {
	g, r := c.f.GPAI, &c.d.Rules.GPAI
	if !g.IsGPAIModel && !g.DesignatedSystemicByCommission {
		return
	}
	c.res.GPAI.Model = true
	c.reason(r.ModelRef, r.ModelText)
	if g.TrainingComputeFLOPs > r.SystemicFLOPThreshold {
		c.res.GPAI.SystemicRisk = true
		c.reason(r.ThresholdRef, r.ThresholdText)
	}
	if g.DesignatedSystemicByCommission {
		c.res.GPAI.SystemicRisk = true
		c.reason(r.DesignationRef, r.DesignationText)
	}
	if !c.res.GPAI.SystemicRisk {
		c.reason(r.ThresholdRef, r.BelowThresholdText)
	}
	switch {
	case g.FreeOpenSourceLicence && c.res.GPAI.SystemicRisk:
		c.reason(r.OpenSourceRef, r.OpenSourceSystemic)
		c.conds[condNotOpenSourceExempt] = true
	case g.FreeOpenSourceLicence:
		c.reason(r.OpenSourceRef, r.OpenSourceText)
	default:
		c.conds[condNotOpenSourceExempt] = true
	}
}

// prohibitions applies Art. 5. A practice whose exception holds is not prohibited but may
// still be a high-risk or transparency case, which it returns.
func (c *classification) prohibitions() (points []AnnexIIIPoint, transparency []TransparencyIndicator) {
	for _, p := range c.d.Rules.Prohibitions {
		if !slices.Contains(c.f.ProhibitedPracticeIndicators, p.Indicator) {
			continue
		}
		if x := p.Exception; x != nil && exceptionFacts[x.Fact](c.f) {
			c.reason(x.Ref, x.Text)
			points = append(points, x.AnnexIII...)
			transparency = append(transparency, x.Transparency...)
			continue
		}
		it := c.d.items[p.Item]
		if _, ok := c.d.resolve(it.Attrs["applies_from"][0], c.asOf); !ok {
			c.reason(refOf(p.Item), fmt.Sprintf("%s This prohibition was not yet law on %s.", p.Text, c.res.AsOf))
			continue
		}
		c.matched[p.Item] = true
		c.res.Tier = TierProhibited
		c.reason(refOf(p.Item), p.Text)
	}
	return points, transparency
}

// highRisk applies Art. 6: Annex I, Annex III with its carve-outs, the Art. 6(3) derogation,
// and the Art. 27 scope that follows from the Annex III points.
func (c *classification) highRisk(implied []AnnexIIIPoint) {
	r := &c.d.Rules
	if c.f.AnnexISafetyComponentThirdPartyAssessed {
		c.conds[condAnnexI] = true
		c.reason(r.AnnexI.Ref, r.AnnexI.Text)
		c.reason(r.AnnexI.SectionBRef, r.AnnexI.SectionBText)
		if slices.Contains(c.roles, RoleProductManufacturer) {
			c.reason(r.ProductManufacturer.Ref, r.ProductManufacturer.Text)
		}
	}

	var points []AnnexIIIPoint
	for _, p := range AnnexIIIPoints {
		if slices.Contains(c.f.AnnexIIIUseCases, p) || slices.Contains(implied, p) {
			points = append(points, p)
		}
	}
	for _, co := range r.CarveOuts {
		if slices.Contains(c.f.AnnexIIICarveOuts, co.Indicator) && slices.Contains(points, co.Point) {
			points = slices.DeleteFunc(points, func(p AnnexIIIPoint) bool { return p == co.Point })
			c.reason(co.Ref, co.Text)
		}
	}
	for _, p := range points {
		it := c.d.items[c.annexIIIItem(p)]
		c.reason(r.AnnexIIIRefPrefix+", "+refOf(it.ID), "Intended purpose listed in "+refOf(it.ID)+": "+it.Title+".")
	}

	derogated := false
	switch {
	case len(c.f.Art63Conditions) > 0 && len(points) == 0:
		c.reason(r.Derogation.UnusedRef, r.Derogation.UnusedText)
	case len(c.f.Art63Conditions) > 0 && c.f.ProfilingOfNaturalPersons:
		c.reason(r.Derogation.RefusedRef, r.Derogation.RefusedText)
	case len(c.f.Art63Conditions) > 0:
		var refs []string
		for _, cond := range r.Derogation.Conditions {
			if slices.Contains(c.f.Art63Conditions, cond.Indicator) {
				refs = append(refs, refOf(cond.Item))
			}
		}
		derogated = true
		text := r.Derogation.Text
		if c.conds[condAnnexI] {
			text = r.Derogation.AnnexIText
		}
		c.reason(strings.Join(refs, ", "), text)
	}

	if len(points) > 0 && !derogated {
		c.conds[condAnnexIII] = true
		c.res.AnnexIIIPoints = points
		c.fria(points)
	}
	switch {
	case c.conds[condAnnexI]:
		c.res.Tier = TierHigh
		b := BasisAnnexI
		c.res.HighRiskBasis = &b
	case c.conds[condAnnexIII]:
		c.res.Tier = TierHigh
		b := BasisAnnexIII
		c.res.HighRiskBasis = &b
	case derogated:
		c.res.DerogationApplied = true
		c.conds[condDerogation] = true
	}
}

func (c *classification) annexIIIItem(p AnnexIIIPoint) string {
	for _, a := range c.d.Rules.AnnexIII {
		if a.Point == p {
			return a.Item
		}
	}
	panic("aiact: no Annex III rule for " + string(p)) // LoadData checks every point has one
}

// fria decides the scope of Art. 27(1) for an Annex III high-risk system.
func (c *classification) fria(points []AnnexIIIPoint) {
	r := &c.d.Rules.FRIA
	eligible := slices.DeleteFunc(slices.Clone(points), func(p AnnexIIIPoint) bool { return slices.Contains(r.ExcludedPoints, p) })
	deployer := slices.Contains(c.roles, RoleDeployer)
	switch {
	case len(eligible) > 0 && c.f.DeployerPublicBodyOrPublicService:
		c.conds[condFRIA] = true
		if deployer {
			c.reason(r.Ref, r.PublicBodyText)
		}
	case slices.ContainsFunc(eligible, func(p AnnexIIIPoint) bool { return slices.Contains(r.AlwaysPoints, p) }):
		c.conds[condFRIA] = true
		if deployer {
			c.reason(r.Ref, r.PointText)
		}
	case len(eligible) == 0 && c.f.DeployerPublicBodyOrPublicService && deployer:
		c.reason(r.Ref, r.ExcludedText)
	}
}

// transparency applies Art. 50.
func (c *classification) transparency(implied []TransparencyIndicator) {
	var paragraphs []string
	for _, t := range c.d.Rules.Transparency {
		if !slices.Contains(c.f.TransparencyIndicators, t.Indicator) && !slices.Contains(implied, t.Indicator) {
			continue
		}
		c.matched[t.Item] = true
		c.reason(refOf(t.Item), t.Text)
		if !slices.Contains(paragraphs, t.Paragraph) {
			paragraphs = append(paragraphs, t.Paragraph)
		}
	}
	slices.Sort(paragraphs)
	c.res.TransparencyObligations = append(c.res.TransparencyObligations, paragraphs...)
	if len(paragraphs) > 0 && c.res.Tier == TierMinimal {
		c.res.Tier = TierLimited
	}
}

// obligations lists, per role, the catalog items whose roles, tiers and when attrs match
// the classification, with their application dates.
func (c *classification) obligations() {
	tags := []string{string(c.res.Tier)}
	if c.res.GPAI.Model {
		tags = append(tags, "gpai")
	}
	if c.res.GPAI.SystemicRisk {
		tags = append(tags, "gpai_systemic")
	}
	var routeKeys []string
	for _, route := range []string{condAnnexI, condAnnexIII} {
		if c.conds[route] {
			routeKeys = append(routeKeys, c.d.Rules.HighRisk.Routes[route])
		}
	}
	for _, role := range c.roles {
		for i := range c.d.Catalog.Items {
			it := &c.d.Catalog.Items[i]
			if !slices.Contains(it.Attrs["roles"], string(role)) || !slices.ContainsFunc(it.Attrs["tiers"], func(t string) bool { return slices.Contains(tags, t) }) {
				continue
			}
			if !c.holds(it) {
				continue
			}
			// A product manufacturer carries provider duties for a high-risk system only as the
			// provider of an Annex I product's AI safety component (Art. 25(3)).
			if role == RoleProductManufacturer && slices.Contains(it.Attrs["tiers"], string(TierHigh)) && !c.conds[c.d.Rules.ProductManufacturer.Route] {
				continue
			}
			date, ok := c.appliesFrom(it, routeKeys)
			if !ok {
				continue
			}
			o := Obligation{
				Ref: refOf(it.ID), Role: role, Title: it.Title, Item: it.ID, Summary: it.Summary,
				AppliesFrom: date.date.Format(dateLayout), DateStatus: date.status, DateSource: date.source,
			}
			if !c.asOf.IsZero() {
				in := !date.date.After(c.asOf)
				o.InEffect = &in
			}
			c.res.Obligations = append(c.res.Obligations, o)
		}
	}
}

func (c *classification) holds(it *Item) bool {
	for _, w := range it.Attrs["when"] {
		if w == condMatched {
			if !c.matched[it.ID] {
				return false
			}
		} else if !c.conds[w] {
			return false
		}
	}
	return true
}

// appliesFrom resolves an item's application date. An item tagged with both high-risk keys
// takes the key of the route that made the system high-risk; where both routes hold, the
// earlier date applies.
func (c *classification) appliesFrom(it *Item, routeKeys []string) (resolvedDate, bool) {
	keys := it.Attrs["applies_from"]
	if onRoute := slices.DeleteFunc(slices.Clone(keys), func(k string) bool { return !slices.Contains(routeKeys, k) }); len(onRoute) > 0 {
		keys = onRoute
	}
	var best resolvedDate
	found := false
	for _, k := range keys {
		if rd, ok := c.d.resolve(k, c.asOf); ok && (!found || rd.date.Before(best.date)) {
			best, found = rd, true
		}
	}
	return best, found
}

// refOf turns a catalog id into the citation used in reasons and obligations:
// "Art.5(1)(a)" → "Art. 5(1)(a)", "AnnexIII.4(a)" → "Annex III 4(a)", "AnnexI.A" → "Annex I, Section A".
func refOf(id string) string {
	switch {
	case strings.HasPrefix(id, "Art."):
		return "Art. " + strings.TrimPrefix(id, "Art.")
	case strings.HasPrefix(id, "AnnexIII."):
		return "Annex III " + strings.TrimPrefix(id, "AnnexIII.")
	case strings.HasPrefix(id, "AnnexI."):
		return "Annex I, Section " + strings.TrimPrefix(id, "AnnexI.")
	}
	return id
}
