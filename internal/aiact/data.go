package aiact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/annexa-dev/annexa/internal/catalog"
	"io/fs"
	"slices"
	"sort"
	"time"
)

// Paths of the data files inside catalogs.FS.
const (
	CatalogPath  = "frameworks/eu-ai-act-2024-1689.json"
	TimelinePath = "aiact/timeline.json"
	RulesPath    = "aiact/rules.json"
)

// dateLayout is the layout of every date in the data files and the result.
const dateLayout = time.DateOnly

// The eu-ai-act catalog file is in the shared catalog format (docs/catalog-format.md) and read
// with the catalog package's own types. Attrs the classifier uses: roles, tiers, applies_from
// (timeline keys) and when (conditions the classifier must have established, see classify.go).
type (
	Catalog = catalog.Catalog
	Group   = catalog.Group
	Item    = catalog.Item
)

// Timeline is the EU AI Act application-date data (catalogs/aiact/timeline.json).
type Timeline struct {
	ID              string            `json:"id"`
	Regulation      string            `json:"regulation"`
	AsOf            string            `json:"as_of"`
	VerifiedAgainst string            `json:"verified_against"`
	Statuses        map[string]string `json:"statuses"`
	LegalActs       []LegalAct        `json:"legal_acts"`
	Entries         []TimelineEntry   `json:"entries"`
}

// LegalAct is a regulation that set dates in the timeline.
type LegalAct struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Published   string   `json:"published"`
	InForceFrom string   `json:"in_force_from"`
	URL         string   `json:"url,omitempty"`
	Procedure   string   `json:"procedure,omitempty"`
	Status      string   `json:"status"`
	Confidence  string   `json:"confidence"`
	Note        string   `json:"note,omitempty"`
	Sources     []string `json:"sources,omitempty"`
}

// TimelineDate is one application date with its legal source.
type TimelineDate struct {
	Date         string `json:"date"`
	LegalSource  string `json:"legal_source"`
	Act          string `json:"act"`
	Status       string `json:"status"`
	SupersededBy string `json:"superseded_by,omitempty"`
	Confidence   string `json:"confidence"`
}

// TimelineEntry is an obligation group's current application date and the dates it replaced.
type TimelineEntry struct {
	Key    string   `json:"key"`
	Title  string   `json:"title"`
	Covers []string `json:"covers"`
	TimelineDate
	AsOf    string         `json:"as_of"`
	Note    string         `json:"note,omitempty"`
	History []TimelineDate `json:"history,omitempty"`
}

// Rules is the classification rule data (catalogs/aiact/rules.json).
type Rules struct {
	ID       string `json:"id"`
	Catalog  string `json:"catalog"`
	Timeline string `json:"timeline"`
	AsOf     string `json:"as_of"`
	Notice   string `json:"notice"`
	Scope    struct {
		Nexus []struct {
			Fact string `json:"fact"`
			Ref  string `json:"ref"`
			Text string `json:"text"`
		} `json:"nexus"`
		NoNexus    Reason `json:"no_nexus"`
		Exclusions []struct {
			Purpose       ExcludedPurpose `json:"purpose"`
			Ref           string          `json:"ref"`
			Text          string          `json:"text"`
			ExcludedRoles []Role          `json:"excluded_roles"`
			RemainingText string          `json:"remaining_text"`
		} `json:"exclusions"`
	} `json:"scope"`
	Prohibitions []struct {
		Indicator ProhibitedPractice `json:"indicator"`
		Item      string             `json:"item"`
		Text      string             `json:"text"`
		Exception *struct {
			Fact         string                  `json:"fact"`
			Ref          string                  `json:"ref"`
			Text         string                  `json:"text"`
			AnnexIII     []AnnexIIIPoint         `json:"annex_iii"`
			Transparency []TransparencyIndicator `json:"transparency"`
		} `json:"exception"`
	} `json:"prohibitions"`
	AnnexI struct {
		Item         string `json:"item"`
		Ref          string `json:"ref"`
		Text         string `json:"text"`
		SectionBRef  string `json:"section_b_ref"`
		SectionBText string `json:"section_b_text"`
	} `json:"annex_i"`
	AnnexIII []struct {
		Point AnnexIIIPoint `json:"point"`
		Item  string        `json:"item"`
	} `json:"annex_iii"`
	AnnexIIIRefPrefix string `json:"annex_iii_ref_prefix"`
	CarveOuts         []struct {
		Indicator CarveOut      `json:"indicator"`
		Point     AnnexIIIPoint `json:"point"`
		Ref       string        `json:"ref"`
		Text      string        `json:"text"`
	} `json:"carve_outs"`
	Derogation struct {
		Item        string `json:"item"`
		Ref         string `json:"ref"`
		Text        string `json:"text"`
		RefusedRef  string `json:"refused_ref"`
		RefusedText string `json:"refused_text"`
		AnnexIText  string `json:"annex_i_text"`
		UnusedRef   string `json:"unused_ref"`
		UnusedText  string `json:"unused_text"`
		Conditions  []struct {
			Indicator DerogationCondition `json:"indicator"`
			Item      string              `json:"item"`
		} `json:"conditions"`
	} `json:"derogation"`
	Transparency []struct {
		Indicator TransparencyIndicator `json:"indicator"`
		Paragraph string                `json:"paragraph"`
		Item      string                `json:"item"`
		Text      string                `json:"text"`
	} `json:"transparency"`
	GPAI struct {
		ModelRef              string  `json:"model_ref"`
		ModelText             string  `json:"model_text"`
		SystemicFLOPThreshold float64 `json:"systemic_flop_threshold"`
		ThresholdRef          string  `json:"threshold_ref"`
		ThresholdText         string  `json:"threshold_text"`
		BelowThresholdText    string  `json:"below_threshold_text"`
		DesignationRef        string  `json:"designation_ref"`
		DesignationText       string  `json:"designation_text"`
		OpenSourceRef         string  `json:"open_source_ref"`
		OpenSourceText        string  `json:"open_source_text"`
		OpenSourceSystemic    string  `json:"open_source_systemic_text"`
	} `json:"gpai"`
	HighRisk struct {
		Routes map[string]string `json:"routes"` // route → timeline key
	} `json:"high_risk"`
	FRIA struct {
		Item           string          `json:"item"`
		Ref            string          `json:"ref"`
		ExcludedPoints []AnnexIIIPoint `json:"excluded_points"`
		AlwaysPoints   []AnnexIIIPoint `json:"always_points"`
		PublicBodyText string          `json:"public_body_text"`
		PointText      string          `json:"point_text"`
		ExcludedText   string          `json:"excluded_text"`
	} `json:"fria"`
	ProductManufacturer struct {
		Ref   string `json:"ref"`
		Route string `json:"route"`
		Text  string `json:"text"`
	} `json:"product_manufacturer"`
	NoRoles    Reason `json:"no_roles"`
	Minimal    Reason `json:"minimal"`
	LimitedRef string `json:"limited_ref"`
}

// Known values of the catalog attrs, checked when the data is loaded.
var (
	tierTags = []string{"prohibited", "high", "limited", "minimal", "gpai", "gpai_systemic"}
	// conditions an item's "when" attr may name; the classifier establishes them.
	conditionNames = []string{condMatched, condAnnexI, condAnnexIII, condFRIA, condDerogation, condNotOpenSourceExempt}
	// facts an Art. 5 exception may name.
	exceptionFacts = map[string]func(Facts) bool{
		"emotion_recognition_medical_or_safety": func(f Facts) bool { return f.EmotionRecognitionMedicalOrSafety },
		"law_enforcement_exception_authorised":  func(f Facts) bool { return f.LawEnforcementExceptionAuthorised },
	}
	nexusFacts = map[string]func(EUNexus) bool{
		"placed_on_market_or_put_into_service_in_eu": func(n EUNexus) bool { return n.PlacedOnMarketOrPutIntoServiceInEU },
		"deployer_established_in_eu":                 func(n EUNexus) bool { return n.DeployerEstablishedInEU },
		"output_used_in_eu":                          func(n EUNexus) bool { return n.OutputUsedInEU },
	}
)

// Data is everything the classifier reads, checked for consistency when loaded.
type Data struct {
	Catalog  Catalog
	Timeline Timeline
	Rules    Rules

	items   map[string]*Item
	entries map[string]*TimelineEntry
	acts    map[string]*LegalAct
}

// LoadData reads the catalog, timeline and rules from fsys (catalogs.FS in production) and
// checks that they agree with each other and with the facts enumerations.
func LoadData(fsys fs.FS) (*Data, error) {
	d := &Data{}
	for _, f := range []struct {
		path string
		v    any
	}{{CatalogPath, &d.Catalog}, {TimelinePath, &d.Timeline}, {RulesPath, &d.Rules}} {
		raw, err := fs.ReadFile(fsys, f.path)
		if err != nil {
			return nil, fmt.Errorf("aiact data: %w", err)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields() // a misspelt key in the data must fail tests, not be ignored
		if err := dec.Decode(f.v); err != nil {
			return nil, fmt.Errorf("aiact data %s: %w", f.path, err)
		}
	}
	if err := d.index(); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *Data) index() error {
	d.items = make(map[string]*Item, len(d.Catalog.Items))
	for i := range d.Catalog.Items {
		it := &d.Catalog.Items[i]
		if _, dup := d.items[it.ID]; dup {
			return fmt.Errorf("catalog: duplicate item id %q", it.ID)
		}
		d.items[it.ID] = it
	}
	d.acts = make(map[string]*LegalAct)
	for i := range d.Timeline.LegalActs {
		a := &d.Timeline.LegalActs[i]
		if _, err := time.Parse(dateLayout, a.InForceFrom); err != nil {
			return fmt.Errorf("timeline: legal act %s: in_force_from: %w", a.ID, err)
		}
		d.acts[a.ID] = a
	}
	d.entries = make(map[string]*TimelineEntry)
	for i := range d.Timeline.Entries {
		e := &d.Timeline.Entries[i]
		if _, dup := d.entries[e.Key]; dup {
			return fmt.Errorf("timeline: duplicate key %q", e.Key)
		}
		d.entries[e.Key] = e
		for _, td := range append([]TimelineDate{e.TimelineDate}, e.History...) {
			if _, err := time.Parse(dateLayout, td.Date); err != nil {
				return fmt.Errorf("timeline %s: date: %w", e.Key, err)
			}
			if d.acts[td.Act] == nil {
				return fmt.Errorf("timeline %s: unknown legal act %q", e.Key, td.Act)
			}
			if _, ok := d.Timeline.Statuses[td.Status]; !ok {
				return fmt.Errorf("timeline %s: unknown status %q", e.Key, td.Status)
			}
		}
	}
	for _, it := range d.Catalog.Items {
		for _, k := range it.Attrs["applies_from"] {
			if d.entries[k] == nil {
				return fmt.Errorf("catalog %s: applies_from %q is not a timeline key", it.ID, k)
			}
		}
		for _, r := range it.Attrs["roles"] {
			if !Role(r).Valid() {
				return fmt.Errorf("catalog %s: unknown role %q", it.ID, r)
			}
		}
		for _, t := range it.Attrs["tiers"] {
			if !slices.Contains(tierTags, t) {
				return fmt.Errorf("catalog %s: unknown tier %q", it.ID, t)
			}
		}
		for _, c := range it.Attrs["when"] {
			if !slices.Contains(conditionNames, c) {
				return fmt.Errorf("catalog %s: unknown when condition %q", it.ID, c)
			}
		}
	}
	return d.checkRules()
}

// checkRules makes sure every rule points at a catalog item and every facts value has a rule,
// so that a new enum value in the facts schema cannot be silently ignored by the classifier.
func (d *Data) checkRules() error {
	r := &d.Rules
	need := func(what, id string) error {
		if d.items[id] == nil {
			return fmt.Errorf("rules: %s names unknown catalog item %q", what, id)
		}
		return nil
	}
	for _, n := range r.Scope.Nexus {
		if nexusFacts[n.Fact] == nil {
			return fmt.Errorf("rules: unknown nexus fact %q", n.Fact)
		}
	}
	for _, e := range r.Scope.Exclusions {
		if !e.Purpose.Valid() || e.Purpose == ExcludedNone || e.Purpose == "" {
			return fmt.Errorf("rules: bad exclusion purpose %q", e.Purpose)
		}
	}
	excluded := map[ExcludedPurpose]bool{}
	for _, e := range r.Scope.Exclusions {
		excluded[e.Purpose] = true
	}
	for _, p := range ExcludedPurposes {
		if p != ExcludedNone && !excluded[p] {
			return fmt.Errorf("rules: no exclusion rule for %q", p)
		}
	}
	seen := map[string]bool{}
	for _, p := range r.Prohibitions {
		if err := need("prohibition "+string(p.Indicator), p.Item); err != nil {
			return err
		}
		seen[string(p.Indicator)] = true
		if p.Exception != nil && exceptionFacts[p.Exception.Fact] == nil {
			return fmt.Errorf("rules: prohibition %s: unknown exception fact %q", p.Indicator, p.Exception.Fact)
		}
	}
	for _, v := range ProhibitedPractices {
		if !seen[string(v)] {
			return fmt.Errorf("rules: no prohibition rule for %q", v)
		}
	}
	if err := need("annex_i", r.AnnexI.Item); err != nil {
		return err
	}
	for _, a := range r.AnnexIII {
		if err := need("annex_iii "+string(a.Point), a.Item); err != nil {
			return err
		}
		seen[string(a.Point)] = true
	}
	for _, v := range AnnexIIIPoints {
		if !seen[string(v)] {
			return fmt.Errorf("rules: no Annex III rule for %q", v)
		}
	}
	for _, c := range r.CarveOuts {
		if !c.Point.Valid() {
			return fmt.Errorf("rules: carve-out %s: unknown point %q", c.Indicator, c.Point)
		}
		seen[string(c.Indicator)] = true
	}
	for _, v := range CarveOuts {
		if !seen[string(v)] {
			return fmt.Errorf("rules: no carve-out rule for %q", v)
		}
	}
	if err := need("derogation", r.Derogation.Item); err != nil {
		return err
	}
	for _, c := range r.Derogation.Conditions {
		if err := need("derogation condition", c.Item); err != nil {
			return err
		}
		seen[string(c.Indicator)] = true
	}
	for _, v := range DerogationConditions {
		if !seen[string(v)] {
			return fmt.Errorf("rules: no Art. 6(3) rule for %q", v)
		}
	}
	for _, t := range r.Transparency {
		if err := need("transparency", t.Item); err != nil {
			return err
		}
		seen[string(t.Indicator)] = true
	}
	for _, v := range TransparencyIndicators {
		if !seen[string(v)] {
			return fmt.Errorf("rules: no transparency rule for %q", v)
		}
	}
	if r.GPAI.SystemicFLOPThreshold <= 0 {
		return fmt.Errorf("rules: gpai.systemic_flop_threshold must be positive")
	}
	for _, route := range []string{"annex_i", "annex_iii"} {
		if d.entries[r.HighRisk.Routes[route]] == nil {
			return fmt.Errorf("rules: high_risk route %s names no timeline key", route)
		}
	}
	if err := need("fria", r.FRIA.Item); err != nil {
		return err
	}
	return nil
}

// resolvedDate is an application date as the law stood on a given day.
type resolvedDate struct {
	date       time.Time
	status     string
	confidence string
	source     string
}

// resolve returns the application date of a timeline key under the law in force on asOf:
// the current date, or the date it replaced if the amending act was not yet in force. ok is
// false when no act in force on asOf sets the date (the provision did not exist yet). A zero
// asOf means the latest known law.
func (d *Data) resolve(key string, asOf time.Time) (resolvedDate, bool) {
	e := d.entries[key]
	if e == nil {
		return resolvedDate{}, false
	}
	var best *TimelineDate
	var bestFrom time.Time
	for _, td := range append([]TimelineDate{e.TimelineDate}, e.History...) {
		from, _ := time.Parse(dateLayout, d.acts[td.Act].InForceFrom)
		if !asOf.IsZero() && from.After(asOf) {
			continue
		}
		if best == nil || from.After(bestFrom) {
			best, bestFrom = &td, from
		}
	}
	if best == nil {
		return resolvedDate{}, false
	}
	date, _ := time.Parse(dateLayout, best.Date)
	status := best.Status
	if status == "superseded" && !asOf.IsZero() {
		// As of asOf this date was the law: report it by the quality of its source.
		status = d.acts[best.Act].Status
	}
	return resolvedDate{date: date, status: status, confidence: best.Confidence, source: best.LegalSource}, true
}

// Deadline is one obligation group's application date under the law in force on a day.
type Deadline struct {
	Key      string    `json:"key"`
	Title    string    `json:"title"`
	Date     time.Time `json:"date"`
	Status   string    `json:"status"`
	Source   string    `json:"source"`
	DaysLeft int       `json:"days_left"`
}

// Deadlines lists every obligation group's application date as of asOf, soonest first, with
// the days left (negative once the date has passed).
func (d *Data) Deadlines(asOf time.Time) []Deadline {
	day := asOf.UTC().Truncate(24 * time.Hour)
	var out []Deadline
	for _, e := range d.Timeline.Entries {
		r, ok := d.resolve(e.Key, asOf)
		if !ok {
			continue
		}
		out = append(out, Deadline{Key: e.Key, Title: e.Title, Date: r.date, Status: r.status, Source: r.source,
			DaysLeft: int(r.date.Sub(day).Hours() / 24)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out
}
