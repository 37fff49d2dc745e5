// Package impact is the AI system impact assessment of ISO/IEC 42001 (6.1.4, 8.4, Annex A.5)
// and, where a deployer owes one, the fundamental-rights impact assessment of EU AI Act
// Art. 27: a structured, versioned assessment per AI system that goes draft → in review →
// approved, with a second person approving, each approved version frozen, and a re-assessment
// due on a date, on a material change of the system or when another capability says so.
package impact

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/fault"
)

// Status is where an assessment version stands in its workflow.
type Status string

const (
	Draft      Status = "draft"
	InReview   Status = "in_review"
	Approved   Status = "approved"
	Superseded Status = "superseded" // approved, then replaced by a later approved version
)

// Statuses lists every status in workflow order.
var Statuses = []Status{Draft, InReview, Approved, Superseded}

func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Label is the status in words.
func (s Status) Label() string {
	switch s {
	case Draft:
		return "Draft"
	case InReview:
		return "In review"
	case Approved:
		return "Approved"
	case Superseded:
		return "Superseded"
	}
	return string(s)
}

// PartyKind is the kind of party an AI system's outputs reach (ISO/IEC 42001 A.5.4, A.5.5).
type PartyKind string

// PartyKinds lists the kinds, from one person to society.
var PartyKinds = []PartyKind{"individuals", "groups", "vulnerable_groups", "society"}

func (k PartyKind) Valid() bool { return slices.Contains(PartyKinds, k) }

// EffectKind is a kind of potential effect on an affected party.
type EffectKind string

// EffectKinds lists the kinds the assessment rates for each party.
var EffectKinds = []EffectKind{"fairness", "transparency", "autonomy", "privacy", "safety", "societal"}

func (k EffectKind) Valid() bool { return slices.Contains(EffectKinds, k) }

// ResidualLevel rates the impact left after mitigation.
type ResidualLevel string

// ResidualLevels lists the ratings from low to very high.
var ResidualLevels = []ResidualLevel{"low", "medium", "high", "very_high"}

func (l ResidualLevel) Valid() bool { return slices.Contains(ResidualLevels, l) }

// MaxRating is the top of the severity and likelihood scales (1 to 5); 0 means not rated yet.
const MaxRating = 5

// Effect is one potential effect on a party, rated and mitigated.
type Effect struct {
	Kind        EffectKind `json:"kind"`
	Description string     `json:"description"`
	Severity    int        `json:"severity"`
	Likelihood  int        `json:"likelihood"`
	Mitigations string     `json:"mitigations"`
}

// Party is one affected party and its potential effects.
type Party struct {
	Kind        PartyKind `json:"kind"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Effects     []Effect  `json:"effects"`
}

// FRIA holds the elements of EU AI Act Art. 27(1), points (a) to (f).
type FRIA struct {
	DeployerProcess            string `json:"deployer_process"`
	PeriodAndFrequency         string `json:"period_and_frequency"`
	CategoriesOfPersons        string `json:"categories_of_persons"`
	SpecificRisks              string `json:"specific_risks"`
	HumanOversight             string `json:"human_oversight"`
	MeasuresIfRisksMaterialise string `json:"measures_if_risks_materialise"`
}

// friaFields are the JSON names of FRIA's fields, in Art. 27(1) order.
var friaFields = []string{"deployer_process", "period_and_frequency", "categories_of_persons", "specific_risks", "human_oversight", "measures_if_risks_materialise"}

// Get returns an element by its JSON name.
func (f FRIA) Get(id string) string {
	switch id {
	case "deployer_process":
		return f.DeployerProcess
	case "period_and_frequency":
		return f.PeriodAndFrequency
	case "categories_of_persons":
		return f.CategoriesOfPersons
	case "specific_risks":
		return f.SpecificRisks
	case "human_oversight":
		return f.HumanOversight
	case "measures_if_risks_materialise":
		return f.MeasuresIfRisksMaterialise
	}
	return ""
}

// Content is what an assessor writes; it is frozen once a version is approved.
type Content struct {
	IntendedPurpose   string        `json:"intended_purpose"`
	ForeseeableMisuse string        `json:"foreseeable_misuse"`
	AffectedParties   []Party       `json:"affected_parties"`
	DataUsed          string        `json:"data_used"`
	DataProvenance    string        `json:"data_provenance"`
	FRIA              FRIA          `json:"fria"`
	ResidualImpact    string        `json:"residual_impact"`
	ResidualLevel     ResidualLevel `json:"residual_level"`
	Conclusion        string        `json:"conclusion"`
	// NextReview is the date (YYYY-MM-DD) by which the assessment must be looked at again.
	NextReview string `json:"next_review"`
}

// DueSource says what made a re-assessment due.
type DueSource string

const (
	DueOnDate         DueSource = "next_review"     // the next-review date has come
	DueMaterialChange DueSource = "material_change" // the AI system changed materially after approval
	DueRisk           DueSource = "risk"            // a linked risk asks for it
	DueMonitoring     DueSource = "monitoring"      // a monitoring alert asks for it
)

// DueSources lists every source.
var DueSources = []DueSource{DueOnDate, DueMaterialChange, DueRisk, DueMonitoring}

func (s DueSource) Valid() bool { return slices.Contains(DueSources, s) }

// DueReason is one reason an approved assessment must be assessed again.
type DueReason struct {
	At     time.Time `json:"at"`
	Source DueSource `json:"source"`
	Reason string    `json:"reason"`
	// Ref points at what raised it: the changed field of the system, a risk's id, an alert's id.
	Ref string `json:"ref,omitempty"`
}

// Assessment is one version of an AI system's impact assessment. Versions of one system are
// numbered 1, 2, …; Version is the record's optimistic-concurrency version, as elsewhere.
type Assessment struct {
	ID       string `json:"id"`
	OrgID    string `json:"org_id"`
	SystemID string `json:"ai_system_id"`
	Number   int    `json:"number"`
	Status   Status `json:"status"`
	// FRIARequired is set when the system's EU AI Act classification lists Art. 27 for the
	// organisation as deployer; the Art. 27(1) elements are then required to submit.
	FRIARequired bool `json:"fria_required"`
	Content
	CreatedBy       string     `json:"created_by"`
	SubmittedBy     string     `json:"submitted_by"`
	SubmittedAt     *time.Time `json:"submitted_at"`
	ApprovedBy      string     `json:"approved_by"`
	ApprovedAt      *time.Time `json:"approved_at"`
	ApprovalComment string     `json:"approval_comment"`
	ReturnedBy      string     `json:"returned_by"`
	ReturnedAt      *time.Time `json:"returned_at"`
	ReturnComment   string     `json:"return_comment"`
	SupersededAt    *time.Time `json:"superseded_at"`
	// DueReasons are the recorded reasons for a re-assessment; a passed next-review date is
	// added when the assessment is read, so Due and DueReasons always agree.
	DueReasons []DueReason `json:"due_reasons"`
	Due        bool        `json:"due"`
	Version    int64       `json:"version"`
	CreatedAt  time.Time   `json:"created_at"`
	UpdatedAt  time.Time   `json:"updated_at"`
}

// RecordVersion is the optimistic-concurrency version, for ETags.
func (a Assessment) RecordVersion() int64 { return a.Version }

// Normalise fills empty lists so JSON shows [] rather than null.
func (a *Assessment) Normalise() {
	if a.AffectedParties == nil {
		a.AffectedParties = []Party{}
	}
	for i := range a.AffectedParties {
		if a.AffectedParties[i].Effects == nil {
			a.AffectedParties[i].Effects = []Effect{}
		}
	}
	if a.DueReasons == nil {
		a.DueReasons = []DueReason{}
	}
}

// Refresh computes Due as of today: only the approved version in force can be due, because of
// a recorded reason or because its next-review date has come.
func (a *Assessment) Refresh(today time.Time) {
	a.Normalise()
	a.Due = false
	if a.Status != Approved {
		return
	}
	if a.NextReview != "" && a.NextReview <= today.UTC().Format(time.DateOnly) {
		hasDate := slices.ContainsFunc(a.DueReasons, func(r DueReason) bool { return r.Source == DueOnDate })
		if !hasDate {
			d, _ := time.Parse(time.DateOnly, a.NextReview)
			a.DueReasons = append(a.DueReasons, DueReason{At: d, Source: DueOnDate, Reason: "the next-review date " + a.NextReview + " has come"})
		}
	}
	a.Due = len(a.DueReasons) > 0
}

// FRIAOwed reports whether a classification makes the organisation, as deployer, owe a
// fundamental-rights impact assessment under Art. 27.
func FRIAOwed(res *aiact.Result) bool {
	if res == nil {
		return false
	}
	return slices.ContainsFunc(res.Obligations, func(o aiact.Obligation) bool {
		return o.Role == aiact.RoleDeployer && (o.Item == "Art.27" || o.Ref == "Art. 27")
	})
}

// Limits keep one assessment to a readable size.
const (
	maxText    = 20000
	maxParties = 50
	maxEffects = 30
)

// Input is a partial update of a draft; nil fields stay as they are. Lists replace the whole
// list. FRIA elements are set one by one.
type Input struct {
	IntendedPurpose   *string        `json:"intended_purpose,omitempty"`
	ForeseeableMisuse *string        `json:"foreseeable_misuse,omitempty"`
	AffectedParties   *[]Party       `json:"affected_parties,omitempty"`
	DataUsed          *string        `json:"data_used,omitempty"`
	DataProvenance    *string        `json:"data_provenance,omitempty"`
	FRIA              *FRIAInput     `json:"fria,omitempty"`
	ResidualImpact    *string        `json:"residual_impact,omitempty"`
	ResidualLevel     *ResidualLevel `json:"residual_level,omitempty"`
	Conclusion        *string        `json:"conclusion,omitempty"`
	NextReview        *string        `json:"next_review,omitempty"`
}

// FRIAInput sets some of the Art. 27(1) elements.
type FRIAInput struct {
	DeployerProcess            *string `json:"deployer_process,omitempty"`
	PeriodAndFrequency         *string `json:"period_and_frequency,omitempty"`
	CategoriesOfPersons        *string `json:"categories_of_persons,omitempty"`
	SpecificRisks              *string `json:"specific_risks,omitempty"`
	HumanOversight             *string `json:"human_oversight,omitempty"`
	MeasuresIfRisksMaterialise *string `json:"measures_if_risks_materialise,omitempty"`
}

// NewAssessment starts the first version of a system's assessment.
type NewAssessment struct {
	SystemID string `json:"ai_system_id"`
	Input
}

// Validate checks the form of every field that is set; completeness is checked on submission.
func (in Input) Validate() error {
	var v fault.Validation
	for field, s := range map[string]*string{"intended_purpose": in.IntendedPurpose, "foreseeable_misuse": in.ForeseeableMisuse,
		"data_used": in.DataUsed, "data_provenance": in.DataProvenance, "residual_impact": in.ResidualImpact, "conclusion": in.Conclusion} {
		if s != nil {
			v.Check(len(*s) > maxText, field, "must be at most %d characters", maxText)
		}
	}
	if in.FRIA != nil {
		for field, s := range in.FRIA.fields() {
			if s != nil {
				v.Check(len(*s) > maxText, "fria."+field, "must be at most %d characters", maxText)
			}
		}
	}
	if in.ResidualLevel != nil && *in.ResidualLevel != "" && !in.ResidualLevel.Valid() {
		v.Add("residual_level", "must be one of %s", strings.Join(strs(ResidualLevels), ", "))
	}
	if in.NextReview != nil && *in.NextReview != "" {
		_, err := time.Parse(time.DateOnly, strings.TrimSpace(*in.NextReview))
		v.Check(err != nil, "next_review", "must be a date such as 2027-06-30")
	}
	if in.AffectedParties != nil {
		ps := *in.AffectedParties
		v.Check(len(ps) > maxParties, "affected_parties", "may hold at most %d parties", maxParties)
		for i, p := range ps {
			at := fmt.Sprintf("affected_parties[%d]", i)
			v.Check(p.Kind != "" && !p.Kind.Valid(), at+".kind", "must be one of %s", strings.Join(strs(PartyKinds), ", "))
			v.Check(len(p.Name) > 200, at+".name", "must be at most 200 characters")
			v.Check(len(p.Description) > maxText, at+".description", "must be at most %d characters", maxText)
			v.Check(len(p.Effects) > maxEffects, at+".effects", "may hold at most %d effects", maxEffects)
			for j, e := range p.Effects {
				eat := fmt.Sprintf("%s.effects[%d]", at, j)
				v.Check(e.Kind != "" && !e.Kind.Valid(), eat+".kind", "must be one of %s", strings.Join(strs(EffectKinds), ", "))
				v.Check(e.Severity < 0 || e.Severity > MaxRating, eat+".severity", "must be between 1 and %d (0: not rated yet)", MaxRating)
				v.Check(e.Likelihood < 0 || e.Likelihood > MaxRating, eat+".likelihood", "must be between 1 and %d (0: not rated yet)", MaxRating)
				v.Check(len(e.Description)+len(e.Mitigations) > maxText, eat, "must be at most %d characters", maxText)
			}
		}
	}
	return v.Err()
}

func (f FRIAInput) fields() map[string]*string {
	return map[string]*string{"deployer_process": f.DeployerProcess, "period_and_frequency": f.PeriodAndFrequency,
		"categories_of_persons": f.CategoriesOfPersons, "specific_risks": f.SpecificRisks, "human_oversight": f.HumanOversight,
		"measures_if_risks_materialise": f.MeasuresIfRisksMaterialise}
}

// Apply returns c with the input applied.
func (in Input) Apply(c Content) Content {
	set := func(dst *string, p *string) {
		if p != nil {
			*dst = strings.TrimSpace(*p)
		}
	}
	set(&c.IntendedPurpose, in.IntendedPurpose)
	set(&c.ForeseeableMisuse, in.ForeseeableMisuse)
	set(&c.DataUsed, in.DataUsed)
	set(&c.DataProvenance, in.DataProvenance)
	set(&c.ResidualImpact, in.ResidualImpact)
	set(&c.Conclusion, in.Conclusion)
	set(&c.NextReview, in.NextReview)
	if in.ResidualLevel != nil {
		c.ResidualLevel = *in.ResidualLevel
	}
	if in.FRIA != nil {
		set(&c.FRIA.DeployerProcess, in.FRIA.DeployerProcess)
		set(&c.FRIA.PeriodAndFrequency, in.FRIA.PeriodAndFrequency)
		set(&c.FRIA.CategoriesOfPersons, in.FRIA.CategoriesOfPersons)
		set(&c.FRIA.SpecificRisks, in.FRIA.SpecificRisks)
		set(&c.FRIA.HumanOversight, in.FRIA.HumanOversight)
		set(&c.FRIA.MeasuresIfRisksMaterialise, in.FRIA.MeasuresIfRisksMaterialise)
	}
	if in.AffectedParties != nil {
		ps := make([]Party, 0, len(*in.AffectedParties))
		for _, p := range *in.AffectedParties {
			p.Name, p.Description = strings.TrimSpace(p.Name), strings.TrimSpace(p.Description)
			es := make([]Effect, 0, len(p.Effects))
			for _, e := range p.Effects {
				e.Description, e.Mitigations = strings.TrimSpace(e.Description), strings.TrimSpace(e.Mitigations)
				es = append(es, e)
			}
			p.Effects = es
			ps = append(ps, p)
		}
		c.AffectedParties = ps
	}
	return c
}

// Missing names every field a submission still needs, by its JSON path, using the template's
// required fields; the Art. 27(1) elements are required only when a FRIA is owed.
func (a Assessment) Missing(t *Template) []fault.FieldError {
	var out []fault.FieldError
	add := func(field, msg string) { out = append(out, fault.FieldError{Field: field, Message: msg}) }
	empty := map[string]bool{
		"intended_purpose": a.IntendedPurpose == "", "foreseeable_misuse": a.ForeseeableMisuse == "",
		"affected_parties": len(a.AffectedParties) == 0, "data_used": a.DataUsed == "", "data_provenance": a.DataProvenance == "",
		"residual_impact": a.ResidualImpact == "", "residual_level": a.ResidualLevel == "", "conclusion": a.Conclusion == "",
		"next_review": a.NextReview == "",
	}
	for _, f := range contentFields {
		if f == "fria" {
			continue
		}
		if t.Field(f).Required && empty[f] {
			add(f, "is required before the assessment can be submitted")
		}
	}
	for i, p := range a.AffectedParties {
		at := fmt.Sprintf("affected_parties[%d]", i)
		if p.Kind == "" {
			add(at+".kind", "is required")
		}
		if p.Name == "" {
			add(at+".name", "is required")
		}
		if len(p.Effects) == 0 {
			add(at+".effects", "needs at least one potential effect")
		}
		for j, e := range p.Effects {
			eat := fmt.Sprintf("%s.effects[%d]", at, j)
			if e.Kind == "" {
				add(eat+".kind", "is required")
			}
			if e.Severity == 0 {
				add(eat+".severity", "must be rated")
			}
			if e.Likelihood == 0 {
				add(eat+".likelihood", "must be rated")
			}
			if e.Mitigations == "" {
				add(eat+".mitigations", "must say how the effect is mitigated, or that it is accepted and why")
			}
		}
	}
	if a.FRIARequired && t.Field("fria").Required {
		for _, e := range t.FRIAElements {
			if a.FRIA.Get(e.ID) == "" {
				add("fria."+e.ID, fmt.Sprintf("is required: the EU AI Act classification makes this a fundamental-rights impact assessment (%s)", e.Ref))
			}
		}
	}
	return out
}

// Submit sends a draft for review; it needs every required field.
func (a Assessment) Submit(t *Template, by string, at time.Time) (Assessment, error) {
	if a.Status != Draft {
		return a, fault.New(fault.Conflict, "only a draft can be submitted; this version is %s", a.Status)
	}
	if missing := a.Missing(t); len(missing) > 0 {
		return a, &fault.Error{Code: fault.Invalid, Message: "the assessment is not complete enough to submit", Fields: missing}
	}
	a.Status, a.SubmittedBy, a.SubmittedAt = InReview, by, &at
	return a, nil
}

// Approve signs off an assessment in review. The approver must not be the person who
// submitted it: an impact assessment is approved by a second pair of eyes.
func (a Assessment) Approve(by string, at time.Time, comment string) (Assessment, error) {
	if a.Status != InReview {
		return a, fault.New(fault.Conflict, "only an assessment in review can be approved; this version is %s", a.Status)
	}
	if by == a.SubmittedBy {
		return a, fault.New(fault.Forbidden, "you submitted this assessment; another person must approve it (four eyes)")
	}
	if len(comment) > maxText {
		return a, &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields",
			Fields: []fault.FieldError{{Field: "comment", Message: fmt.Sprintf("must be at most %d characters", maxText)}}}
	}
	a.Status, a.ApprovedBy, a.ApprovedAt, a.ApprovalComment = Approved, by, &at, strings.TrimSpace(comment)
	a.DueReasons = []DueReason{}
	return a, nil
}

// Return sends an assessment in review back to draft with the reviewer's comment.
func (a Assessment) Return(by string, at time.Time, comment string) (Assessment, error) {
	if a.Status != InReview {
		return a, fault.New(fault.Conflict, "only an assessment in review can be returned; this version is %s", a.Status)
	}
	comment = strings.TrimSpace(comment)
	var v fault.Validation
	v.Check(comment == "", "comment", "must say what to change")
	v.Check(len(comment) > maxText, "comment", "must be at most %d characters", maxText)
	if err := v.Err(); err != nil {
		return a, err
	}
	a.Status, a.ReturnedBy, a.ReturnedAt, a.ReturnComment = Draft, by, &at, comment
	a.SubmittedBy, a.SubmittedAt = "", nil
	return a, nil
}

// CheckEditable refuses changes to anything but a draft: an approved version is frozen and a
// version in review is being looked at.
func (a Assessment) CheckEditable() error {
	switch a.Status {
	case Draft:
		return nil
	case InReview:
		return fault.New(fault.Conflict, "version %d is in review and cannot be changed; the reviewer can return it to draft", a.Number)
	}
	return fault.New(fault.Conflict, "version %d is %s and frozen; start a new version to change it", a.Number, a.Status)
}

// NextVersion starts a draft copy of an approved version.
func (a Assessment) NextVersion(id, by string, at time.Time) (Assessment, error) {
	if a.Status != Approved {
		return a, fault.New(fault.Conflict, "a new version starts from the approved version in force; this version is %s", a.Status)
	}
	n := Assessment{ID: id, OrgID: a.OrgID, SystemID: a.SystemID, Number: a.Number + 1, Status: Draft, FRIARequired: a.FRIARequired,
		Content: a.Content, CreatedBy: by, Version: 1, CreatedAt: at, UpdatedAt: at}
	n.AffectedParties = clonePartiesDeep(a.AffectedParties)
	n.Normalise()
	return n, nil
}

func clonePartiesDeep(ps []Party) []Party {
	out := make([]Party, len(ps))
	for i, p := range ps {
		p.Effects = slices.Clone(p.Effects)
		out[i] = p
	}
	return out
}

// Decision is a reviewer's approval or return, with a comment (required to return).
type Decision struct {
	Comment string `json:"comment"`
}

// Filter selects assessments for the list.
type Filter struct {
	SystemID string
	Status   Status
	Due      *bool
}

// Validate checks the enumerated filters.
func (f Filter) Validate() error {
	var v fault.Validation
	v.Check(f.Status != "" && !f.Status.Valid(), "status", "must be one of %s", strings.Join(strs(Statuses), ", "))
	return v.Err()
}

// Stats summarise the organisation's assessments for readiness and the dashboard.
type Stats struct {
	// SystemsApproved counts AI systems whose assessment in force is approved.
	SystemsApproved int `json:"systems_approved"`
	// Due counts approved assessments due for re-assessment (a date passed, a material change
	// or a linked risk or alert).
	Due      int `json:"due"`
	Drafts   int `json:"drafts"`
	InReview int `json:"in_review"`
}
