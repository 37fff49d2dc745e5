// Package inventory is the AI system register: every AI system in scope, built or bought,
// with what ISO/IEC 42001 and the EU AI Act need to know about it — purpose, owner, sourcing,
// the organisation's roles, lifecycle stage, who is affected, data, models, automation and
// oversight — and its EU AI Act classification facts. A material change marks the system's
// classification (and later its impact assessment and risks) as due for review.
package inventory

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/org"
)

// Sourcing says how the organisation obtains the system.
type Sourcing string

const (
	Internal          Sourcing = "internal"            // built in-house
	ThirdParty        Sourcing = "third_party"         // bought or subscribed as an AI product or service
	EmbeddedInProduct Sourcing = "embedded_in_product" // AI inside a product bought for something else (a CRM's scoring, a mail filter)
)

// Sourcings lists every sourcing.
var Sourcings = []Sourcing{Internal, ThirdParty, EmbeddedInProduct}

func (s Sourcing) Valid() bool { return slices.Contains(Sourcings, s) }

// LifecycleStage follows the AI system life cycle of ISO/IEC 22989 §6.
type LifecycleStage string

// LifecycleStages lists the stages in order.
var LifecycleStages = []LifecycleStage{"inception", "design_and_development", "verification_and_validation", "deployment",
	"operation_and_monitoring", "re_evaluation", "retirement"}

func (s LifecycleStage) Valid() bool { return slices.Contains(LifecycleStages, s) }

// AffectedGroup is a group of people the system's outputs reach.
type AffectedGroup string

// AffectedGroups lists the groups, the more vulnerable last.
var AffectedGroups = []AffectedGroup{"employees", "job_applicants", "customers", "students", "patients", "the_public", "children", "vulnerable_groups"}

func (g AffectedGroup) Valid() bool { return slices.Contains(AffectedGroups, g) }

// Automation is how far the system decides on its own.
type Automation string

// Automations lists the levels from least to most autonomous.
var Automations = []Automation{"advisory", "human_in_the_loop", "human_on_the_loop", "fully_automated"}

func (a Automation) Valid() bool { return slices.Contains(Automations, a) }

// Criticality is the organisation's own rating of how much depends on the system.
type Criticality string

// Criticalities lists the ratings from low to critical.
var Criticalities = []Criticality{"low", "medium", "high", "critical"}

func (c Criticality) Valid() bool { return slices.Contains(Criticalities, c) }

// Model is a model the system uses, with model-card fields as CycloneDX names them.
type Model struct {
	Name      string     `json:"name"`
	Version   string     `json:"version,omitempty"`
	Provider  string     `json:"provider,omitempty"`
	Type      string     `json:"type,omitempty"` // e.g. large language model, gradient-boosted trees
	Licence   string     `json:"licence,omitempty"`
	ModelCard *ModelCard `json:"model_card,omitempty"`
}

// ModelCard holds the CycloneDX modelCard fields Annexa keeps.
type ModelCard struct {
	Task                  string   `json:"task,omitempty"`
	ArchitectureFamily    string   `json:"architecture_family,omitempty"`
	ModelArchitecture     string   `json:"model_architecture,omitempty"`
	Datasets              []string `json:"datasets,omitempty"`
	PerformanceMetrics    []Metric `json:"performance_metrics,omitempty"`
	Users                 []string `json:"users,omitempty"`
	UseCases              []string `json:"use_cases,omitempty"`
	TechnicalLimitations  []string `json:"technical_limitations,omitempty"`
	EthicalConsiderations []string `json:"ethical_considerations,omitempty"`
	FairnessAssessments   []string `json:"fairness_assessments,omitempty"`
}

// Metric is one measured performance figure.
type Metric struct {
	Type  string `json:"type"`
	Value string `json:"value"`
	Slice string `json:"slice,omitempty"`
}

// ReviewReason says why a part of the system's governance is due for review.
type ReviewReason struct {
	At     time.Time `json:"at"`
	Field  string    `json:"field"`
	Reason string    `json:"reason"`
}

// System is one AI system of the register.
type System struct {
	ID                  string          `json:"id"`
	OrgID               string          `json:"org_id"`
	Name                string          `json:"name"`
	IntendedPurpose     string          `json:"intended_purpose"`
	OwnerID             string          `json:"owner_id"`
	BusinessUnit        string          `json:"business_unit"`
	Sourcing            Sourcing        `json:"sourcing"`
	Vendor              string          `json:"vendor"`
	ActRoles            []aiact.Role    `json:"eu_ai_act_roles"`
	AIRoles             []org.AIRole    `json:"iso_roles"`
	LifecycleStage      LifecycleStage  `json:"lifecycle_stage"`
	DeploymentContext   string          `json:"deployment_context"`
	AffectedGroups      []AffectedGroup `json:"affected_groups"`
	PersonalData        *bool           `json:"personal_data"`
	SpecialCategoryData *bool           `json:"special_category_data"`
	Models              []Model         `json:"models"`
	DecisionsInformed   string          `json:"decisions_informed"`
	Automation          Automation      `json:"automation"`
	HumanOversight      string          `json:"human_oversight"`
	Criticality         Criticality     `json:"criticality"`
	// Facts are the EU AI Act classification facts; their roles and name always follow the
	// system's own fields, so there is one place to state them.
	Facts aiact.Facts `json:"facts"`
	// OpenPoints are questionnaire facts answered "not sure": still to be settled.
	OpenPoints     []string       `json:"open_points"`
	Classification *aiact.Result  `json:"classification"`
	ClassifiedAt   *time.Time     `json:"classified_at"`
	ReviewDue      bool           `json:"review_due"`
	ReviewReasons  []ReviewReason `json:"review_reasons"`
	Version        int64          `json:"version"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
	// Unknown names what has not been recorded yet; computed, never stored.
	Unknown []string `json:"unknown"`
}

// RecordVersion is the optimistic-concurrency version, for ETags.
func (s System) RecordVersion() int64 { return s.Version }

// Tier is the current EU AI Act tier, empty before the first classification.
func (s System) Tier() aiact.Tier {
	if s.Classification == nil {
		return ""
	}
	return s.Classification.Tier
}

// Limits on free text keep one record from swallowing a page.
const (
	maxName = 200
	maxText = 10000
	maxList = 100
)

// Input is a create or a partial update: nil fields stay as they are (or empty on create).
type Input struct {
	Name                *string          `json:"name,omitempty"`
	IntendedPurpose     *string          `json:"intended_purpose,omitempty"`
	OwnerID             *string          `json:"owner_id,omitempty"`
	BusinessUnit        *string          `json:"business_unit,omitempty"`
	Sourcing            *Sourcing        `json:"sourcing,omitempty"`
	Vendor              *string          `json:"vendor,omitempty"`
	ActRoles            *[]aiact.Role    `json:"eu_ai_act_roles,omitempty"`
	AIRoles             *[]org.AIRole    `json:"iso_roles,omitempty"`
	LifecycleStage      *LifecycleStage  `json:"lifecycle_stage,omitempty"`
	DeploymentContext   *string          `json:"deployment_context,omitempty"`
	AffectedGroups      *[]AffectedGroup `json:"affected_groups,omitempty"`
	PersonalData        *bool            `json:"personal_data,omitempty"`
	SpecialCategoryData *bool            `json:"special_category_data,omitempty"`
	Models              *[]Model         `json:"models,omitempty"`
	DecisionsInformed   *string          `json:"decisions_informed,omitempty"`
	Automation          *Automation      `json:"automation,omitempty"`
	HumanOversight      *string          `json:"human_oversight,omitempty"`
	Criticality         *Criticality     `json:"criticality,omitempty"`
	Facts               *aiact.Facts     `json:"facts,omitempty"`
	OpenPoints          *[]string        `json:"open_points,omitempty"`
	// MarkReviewed clears the review-due flag: a person has looked at the change.
	MarkReviewed bool `json:"mark_reviewed,omitempty"`
}

// Validate checks every field that is set; creating needs a name.
func (in Input) Validate(create bool) error {
	var v fault.Validation
	if create || in.Name != nil {
		name := ""
		if in.Name != nil {
			name = strings.TrimSpace(*in.Name)
		}
		v.Check(name == "", "name", "must not be empty")
		v.Check(len(name) > maxName, "name", "must be at most %d characters", maxName)
	}
	for field, s := range map[string]*string{"intended_purpose": in.IntendedPurpose, "business_unit": in.BusinessUnit, "vendor": in.Vendor,
		"deployment_context": in.DeploymentContext, "decisions_informed": in.DecisionsInformed, "human_oversight": in.HumanOversight} {
		if s != nil {
			v.Check(len(*s) > maxText, field, "must be at most %d characters", maxText)
		}
	}
	checkEnum(&v, "sourcing", in.Sourcing, Sourcings)
	checkEnum(&v, "lifecycle_stage", in.LifecycleStage, LifecycleStages)
	checkEnum(&v, "automation", in.Automation, Automations)
	checkEnum(&v, "criticality", in.Criticality, Criticalities)
	checkEnums(&v, "eu_ai_act_roles", in.ActRoles, aiact.Roles)
	checkEnums(&v, "iso_roles", in.AIRoles, org.AIRoles)
	checkEnums(&v, "affected_groups", in.AffectedGroups, AffectedGroups)
	if in.Models != nil {
		v.Check(len(*in.Models) > maxList, "models", "may hold at most %d models", maxList)
		for i, m := range *in.Models {
			v.Check(strings.TrimSpace(m.Name) == "", fmt.Sprintf("models[%d].name", i), "must not be empty")
		}
	}
	if in.Facts != nil {
		if err := in.Facts.Validate(); err != nil {
			if fe, ok := err.(*aiact.FactsError); ok {
				v.Add("facts."+fe.Field, "%s", fe.Reason)
			} else {
				v.Add("facts", "%s", err.Error())
			}
		}
	}
	if in.OpenPoints != nil {
		v.Check(len(*in.OpenPoints) > maxList, "open_points", "may hold at most %d points", maxList)
	}
	return v.Err()
}

func checkEnum[T ~string](v *fault.Validation, field string, p *T, allowed []T) {
	if p != nil && !slices.Contains(allowed, *p) {
		v.Add(field, "must be one of %s", join(allowed))
	}
}

func checkEnums[T ~string](v *fault.Validation, field string, p *[]T, allowed []T) {
	if p == nil {
		return
	}
	for _, x := range *p {
		if !slices.Contains(allowed, x) {
			v.Add(field, "has unknown value %q; known: %s", x, join(allowed))
			return
		}
	}
}

func join[T ~string](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}

// canonical keeps known values once, in the list's own order, so equal sets compare equal.
func canonical[T comparable](in, order []T) []T {
	out := []T{}
	for _, x := range order {
		if slices.Contains(in, x) {
			out = append(out, x)
		}
	}
	return out
}

// Apply returns s with the input applied; it does not classify.
func (in Input) Apply(s System) System {
	set := func(dst *string, p *string) {
		if p != nil {
			*dst = strings.TrimSpace(*p)
		}
	}
	set(&s.Name, in.Name)
	set(&s.IntendedPurpose, in.IntendedPurpose)
	set(&s.OwnerID, in.OwnerID)
	set(&s.BusinessUnit, in.BusinessUnit)
	set(&s.Vendor, in.Vendor)
	set(&s.DeploymentContext, in.DeploymentContext)
	set(&s.DecisionsInformed, in.DecisionsInformed)
	set(&s.HumanOversight, in.HumanOversight)
	if in.Sourcing != nil {
		s.Sourcing = *in.Sourcing
	}
	if in.LifecycleStage != nil {
		s.LifecycleStage = *in.LifecycleStage
	}
	if in.Automation != nil {
		s.Automation = *in.Automation
	}
	if in.Criticality != nil {
		s.Criticality = *in.Criticality
	}
	if in.ActRoles != nil {
		s.ActRoles = canonical(*in.ActRoles, aiact.Roles)
	}
	if in.AIRoles != nil {
		s.AIRoles = canonical(*in.AIRoles, org.AIRoles)
	}
	if in.AffectedGroups != nil {
		s.AffectedGroups = canonical(*in.AffectedGroups, AffectedGroups)
	}
	if in.PersonalData != nil {
		s.PersonalData = in.PersonalData
	}
	if in.SpecialCategoryData != nil {
		s.SpecialCategoryData = in.SpecialCategoryData
	}
	if in.Models != nil {
		s.Models = slices.Clone(*in.Models)
		for i := range s.Models {
			s.Models[i].Name = strings.TrimSpace(s.Models[i].Name)
		}
	}
	if in.Facts != nil {
		s.Facts = *in.Facts
	}
	if in.OpenPoints != nil {
		s.OpenPoints = slices.Clone(*in.OpenPoints)
	}
	s.Normalise()
	return s
}

// Normalise fills empty lists so JSON shows [] rather than null, and ties the facts' roles
// and name to the system's own fields.
func (s *System) Normalise() {
	if s.ActRoles == nil {
		s.ActRoles = []aiact.Role{}
	}
	if s.AIRoles == nil {
		s.AIRoles = []org.AIRole{}
	}
	if s.AffectedGroups == nil {
		s.AffectedGroups = []AffectedGroup{}
	}
	if s.Models == nil {
		s.Models = []Model{}
	}
	if s.OpenPoints == nil {
		s.OpenPoints = []string{}
	}
	if s.ReviewReasons == nil {
		s.ReviewReasons = []ReviewReason{}
	}
	s.Facts.Roles = slices.Clone(s.ActRoles)
	s.Facts.Name = s.Name
	s.Unknown = s.unknown()
}

// unknown lists the register fields still empty, so the record shows what is left to find out.
func (s System) unknown() []string {
	var u []string
	add := func(missing bool, field string) {
		if missing {
			u = append(u, field)
		}
	}
	add(s.IntendedPurpose == "", "intended_purpose")
	add(s.OwnerID == "", "owner_id")
	add(s.Sourcing == "", "sourcing")
	add(s.Sourcing != Internal && s.Sourcing != "" && s.Vendor == "", "vendor")
	add(len(s.ActRoles) == 0, "eu_ai_act_roles")
	add(s.LifecycleStage == "", "lifecycle_stage")
	add(len(s.AffectedGroups) == 0, "affected_groups")
	add(s.PersonalData == nil, "personal_data")
	add(s.PersonalData != nil && *s.PersonalData && s.SpecialCategoryData == nil, "special_category_data")
	add(len(s.Models) == 0, "models")
	add(s.Automation == "", "automation")
	add(s.HumanOversight == "", "human_oversight")
	add(s.Criticality == "", "criticality")
	add(!s.Facts.EUNexus.PlacedOnMarketOrPutIntoServiceInEU && !s.Facts.EUNexus.DeployerEstablishedInEU && !s.Facts.EUNexus.OutputUsedInEU, "facts.eu_nexus")
	if u == nil {
		u = []string{}
	}
	return u
}

// MaterialChanges compares two states of a system and names each change that should send
// its classification, impact assessment and risks back for review: a new model, model
// version or model provider, a new intended purpose, a newly affected group, or a change of
// the organisation's role (ISO/IEC 42001 Clause 6.1.4 and 8.4; EU AI Act Art. 25 role shifts).
func MaterialChanges(before, after System, at time.Time) []ReviewReason {
	var rs []ReviewReason
	add := func(field, reason string) { rs = append(rs, ReviewReason{At: at, Field: field, Reason: reason}) }
	if before.IntendedPurpose != "" && before.IntendedPurpose != after.IntendedPurpose {
		add("intended_purpose", "the intended purpose changed")
	}
	for _, g := range after.AffectedGroups {
		if !slices.Contains(before.AffectedGroups, g) && len(before.AffectedGroups) > 0 {
			add("affected_groups", fmt.Sprintf("a new group is affected: %s", strings.ReplaceAll(string(g), "_", " ")))
		}
	}
	if len(before.ActRoles) > 0 && !slices.Equal(before.ActRoles, after.ActRoles) {
		add("eu_ai_act_roles", fmt.Sprintf("the organisation's EU AI Act role changed from %s to %s", join(before.ActRoles), join(after.ActRoles)))
	}
	if len(before.AIRoles) > 0 && !slices.Equal(before.AIRoles, after.AIRoles) {
		add("iso_roles", "the organisation's AI role changed")
	}
	if len(before.Models) > 0 {
		old := map[string]Model{}
		for _, m := range before.Models {
			old[strings.ToLower(m.Name)] = m
		}
		for _, m := range after.Models {
			o, ok := old[strings.ToLower(m.Name)]
			switch {
			case !ok:
				add("models", fmt.Sprintf("a new model is used: %s", m.Name))
			case o.Version != m.Version:
				add("models", fmt.Sprintf("model %s changed version from %q to %q", m.Name, o.Version, m.Version))
			case o.Provider != m.Provider:
				add("models", fmt.Sprintf("model %s changed provider from %q to %q", m.Name, o.Provider, m.Provider))
			}
		}
	}
	return rs
}

// Classify recomputes the system's EU AI Act classification from its facts as of at.
func (s *System) Classify(at time.Time) error {
	s.Normalise()
	res, err := aiact.Classify(s.Facts, at)
	if err != nil {
		return fmt.Errorf("classify %s: %w", s.Name, err)
	}
	s.Classification = &res
	t := at
	s.ClassifiedAt = &t
	return nil
}

// SameClassification reports whether two results say the same thing, ignoring the dates they
// were computed on, so history only grows when the classification itself changes.
func SameClassification(a, b *aiact.Result) bool {
	if a == nil || b == nil {
		return a == b
	}
	x, y := *a, *b
	x.AsOf, y.AsOf = "", ""
	strip := func(os []aiact.Obligation) []aiact.Obligation {
		out := slices.Clone(os)
		for i := range out {
			out[i].InEffect = nil
		}
		return out
	}
	x.Obligations, y.Obligations = strip(x.Obligations), strip(y.Obligations)
	bx, _ := json.Marshal(x)
	by, _ := json.Marshal(y)
	return string(bx) == string(by)
}

// Filter selects systems for the register.
type Filter struct {
	Query          string
	Tier           aiact.Tier
	Role           aiact.Role
	LifecycleStage LifecycleStage
	OwnerID        string
	Vendor         string
	Sourcing       Sourcing
	ReviewDue      *bool
	// Unknown selects systems missing one thing: owner, role or classification (no EU link
	// recorded, or open points), the dashboard's completeness figures.
	Unknown string
}

// Unknowns are the values Filter.Unknown takes.
var Unknowns = []string{"owner", "role", "classification"}

// Validate checks the enumerated filters.
func (f Filter) Validate() error {
	var v fault.Validation
	v.Check(f.Tier != "" && !f.Tier.Valid(), "tier", "must be one of prohibited, high, limited, minimal, out_of_scope")
	v.Check(f.Role != "" && !f.Role.Valid(), "role", "must be one of %s", join(aiact.Roles))
	v.Check(f.LifecycleStage != "" && !f.LifecycleStage.Valid(), "lifecycle_stage", "must be one of %s", join(LifecycleStages))
	v.Check(f.Sourcing != "" && !f.Sourcing.Valid(), "sourcing", "must be one of %s", join(Sourcings))
	v.Check(f.Unknown != "" && !slices.Contains(Unknowns, f.Unknown), "unknown", "must be one of %s", strings.Join(Unknowns, ", "))
	return v.Err()
}

// ClassificationRecord is one entry of a system's classification history.
type ClassificationRecord struct {
	ID           string       `json:"id"`
	SystemID     string       `json:"system_id"`
	ClassifiedAt time.Time    `json:"classified_at"`
	Tier         aiact.Tier   `json:"tier"`
	Facts        aiact.Facts  `json:"facts"`
	Result       aiact.Result `json:"result"`
	Cause        string       `json:"cause"`
}

// Stats summarise the register for the dashboard and the roadmap.
type Stats struct {
	Total int                `json:"total"`
	Tiers map[aiact.Tier]int `json:"tiers"`
	// UnknownOwner, UnknownRole and Unclassified count systems whose owner, EU AI Act role or
	// classification is not settled: no EU link recorded, or open points left.
	UnknownOwner int `json:"unknown_owner"`
	UnknownRole  int `json:"unknown_role"`
	Unclassified int `json:"unclassified"`
	// Complete counts systems with purpose, owner, sourcing, roles, affected groups and models recorded.
	Complete  int `json:"complete"`
	ReviewDue int `json:"review_due"`
}

// SystemSummary is a register entry as long lists show it: no classification detail, facts or models.
type SystemSummary struct {
	ID              string         `json:"id"`
	Name            string         `json:"name"`
	IntendedPurpose string         `json:"intended_purpose"`
	OwnerID         string         `json:"owner_id"`
	BusinessUnit    string         `json:"business_unit"`
	Sourcing        Sourcing       `json:"sourcing"`
	Vendor          string         `json:"vendor"`
	LifecycleStage  LifecycleStage `json:"lifecycle_stage"`
	Tier            aiact.Tier     `json:"tier"`
	ReviewDue       bool           `json:"review_due"`
	Version         int64          `json:"version"`
	UpdatedAt       time.Time      `json:"updated_at"`
}
