package risk

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
)

// Treatment is the risk treatment option (ISO/IEC 27001 6.1.3, ISO/IEC 42001 6.1.3).
type Treatment string

const (
	Modify Treatment = "modify" // reduce likelihood or impact with controls
	Retain Treatment = "retain" // keep the risk as it is, by an informed decision
	Avoid  Treatment = "avoid"  // stop the activity that gives rise to the risk
	Share  Treatment = "share"  // transfer part of it: insurance, contracts, suppliers
)

// Treatments lists every treatment option.
var Treatments = []Treatment{Modify, Retain, Avoid, Share}

func (t Treatment) Valid() bool { return slices.Contains(Treatments, t) }

// Status is where a risk stands.
type Status string

const (
	Open        Status = "open"         // identified, not yet treated
	InTreatment Status = "in_treatment" // a treatment plan is under way
	Accepted    Status = "accepted"     // accepted by a role the criteria allow
	Closed      Status = "closed"       // no longer applies
)

// Statuses lists every status.
var Statuses = []Status{Open, InTreatment, Accepted, Closed}

func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Action is one step of a treatment plan.
type Action struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	OwnerID string `json:"owner_id"`
	Due     string `json:"due"` // YYYY-MM-DD, empty when not scheduled
	Done    bool   `json:"done"`
}

// Acceptance records who accepted a risk, when, why, and at which level.
type Acceptance struct {
	UserID string    `json:"user_id"`
	Email  string    `json:"email"`
	Role   auth.Role `json:"role"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
	Level  string    `json:"level"`
}

// Risk is one entry of the register. Scores are kept as likelihood and impact on the
// organisation's matrix; score and level are derived from the method in force.
type Risk struct {
	ID          string   `json:"id"`
	OrgID       string   `json:"org_id"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Category    string   `json:"category"`
	Sources     []string `json:"sources"`
	AISystemIDs []string `json:"ai_system_ids"`
	Assets      []string `json:"assets"`
	OwnerID     string   `json:"owner_id"`

	Likelihood int    `json:"likelihood"`
	Impact     int    `json:"impact"`
	Score      int    `json:"score"`
	Level      string `json:"level"`

	Treatment Treatment `json:"treatment"`
	Actions   []Action  `json:"actions"`
	Controls  []string  `json:"controls"`

	ResidualLikelihood int    `json:"residual_likelihood"`
	ResidualImpact     int    `json:"residual_impact"`
	ResidualScore      int    `json:"residual_score"`
	ResidualLevel      string `json:"residual_level"`
	// ResidualReason explains a residual score above the inherent one.
	ResidualReason string `json:"residual_reason"`

	Acceptance *Acceptance `json:"acceptance"`
	NextReview string      `json:"next_review"` // YYYY-MM-DD
	Status     Status      `json:"status"`
	// SuggestedBy names the template a risk was accepted from, empty for risks written by hand.
	SuggestedBy string `json:"suggested_by"`

	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	// Computed, never stored as such.
	EffectiveLevel    string `json:"effective_level"`    // residual level when assessed, otherwise inherent
	DueOn             string `json:"due_on"`             // the earliest open date: next review or an open action's due date
	TreatmentRequired bool   `json:"treatment_required"` // the level needs treatment and none is chosen or accepted
}

// RecordVersion is the optimistic-concurrency version, for ETags.
func (r Risk) RecordVersion() int64 { return r.Version }

// NoDue is the sort key of a risk with nothing scheduled: after every real date.
const NoDue = "9999-12-31"

// Derive computes score, level and the other derived fields from the method.
func (r *Risk) Derive(m Method) {
	in := m.Score(r.Likelihood, r.Impact)
	r.Score, r.Level = in.Score, in.Level
	res := m.Score(r.ResidualLikelihood, r.ResidualImpact)
	r.ResidualScore, r.ResidualLevel = res.Score, res.Level
	r.EffectiveLevel = r.Level
	if r.ResidualLevel != "" {
		r.EffectiveLevel = r.ResidualLevel
	}
	r.DueOn = r.dueOn()
	lvl, _ := m.Level(r.EffectiveLevel)
	r.TreatmentRequired = lvl.NeedsTreatment && r.Treatment == "" && r.Status != Accepted && r.Status != Closed
	r.Normalise()
}

// EffectiveScore is the residual score when assessed, otherwise the inherent one.
func (r Risk) EffectiveScore() int {
	if r.ResidualScore > 0 {
		return r.ResidualScore
	}
	return r.Score
}

func (r Risk) dueOn() string {
	if r.Status == Closed {
		return NoDue
	}
	d := NoDue
	if r.NextReview != "" && r.NextReview < d {
		d = r.NextReview
	}
	for _, a := range r.Actions {
		if !a.Done && a.Due != "" && a.Due < d {
			d = a.Due
		}
	}
	return d
}

// Normalise fills empty lists so JSON shows [] rather than null.
func (r *Risk) Normalise() {
	for _, p := range []*[]string{&r.Sources, &r.AISystemIDs, &r.Assets, &r.Controls} {
		if *p == nil {
			*p = []string{}
		}
	}
	if r.Actions == nil {
		r.Actions = []Action{}
	}
}

// Limits on free text keep one record from swallowing a page.
const (
	maxTitle = 300
	maxText  = 10000
	maxList  = 100
)

var (
	datePattern    = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	controlPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*:[A-Za-z0-9][A-Za-z0-9 .()_-]*$`)
)

// ValidDate reports whether s is a calendar date written YYYY-MM-DD.
func ValidDate(s string) bool {
	if !datePattern.MatchString(s) {
		return false
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// Input is a create or a partial update: nil fields stay as they are. Acceptance is not part
// of it: a risk is accepted through Accept, which checks the acceptance criteria.
type Input struct {
	Title              *string    `json:"title,omitempty"`
	Description        *string    `json:"description,omitempty"`
	Category           *string    `json:"category,omitempty"`
	Sources            *[]string  `json:"sources,omitempty"`
	AISystemIDs        *[]string  `json:"ai_system_ids,omitempty"`
	Assets             *[]string  `json:"assets,omitempty"`
	OwnerID            *string    `json:"owner_id,omitempty"`
	Likelihood         *int       `json:"likelihood,omitempty"`
	Impact             *int       `json:"impact,omitempty"`
	Treatment          *Treatment `json:"treatment,omitempty"`
	Actions            *[]Action  `json:"actions,omitempty"`
	Controls           *[]string  `json:"controls,omitempty"`
	ResidualLikelihood *int       `json:"residual_likelihood,omitempty"`
	ResidualImpact     *int       `json:"residual_impact,omitempty"`
	ResidualReason     *string    `json:"residual_reason,omitempty"`
	NextReview         *string    `json:"next_review,omitempty"`
	Status             *Status    `json:"status,omitempty"`
	// SuggestedBy is set when a person accepts a suggestion; it names the template.
	SuggestedBy *string `json:"suggested_by,omitempty"`
}

// Validate checks the shape of every field that is set; Check then checks the result against
// the organisation's method and references. Creating needs a title, a category, a likelihood
// and an impact.
func (in Input) Validate(create bool) error {
	var v fault.Validation
	if create || in.Title != nil {
		t := ""
		if in.Title != nil {
			t = strings.TrimSpace(*in.Title)
		}
		v.Check(t == "", "title", "must not be empty")
		v.Check(len(t) > maxTitle, "title", "must be at most %d characters", maxTitle)
	}
	if create {
		v.Check(in.Category == nil || strings.TrimSpace(*in.Category) == "", "category", "must not be empty")
		v.Check(in.Likelihood == nil, "likelihood", "is required")
		v.Check(in.Impact == nil, "impact", "is required")
	}
	for field, s := range map[string]*string{"description": in.Description, "residual_reason": in.ResidualReason} {
		if s != nil {
			v.Check(len(*s) > maxText, field, "must be at most %d characters", maxText)
		}
	}
	if in.Treatment != nil && *in.Treatment != "" && !in.Treatment.Valid() {
		v.Add("treatment", "must be one of modify, retain, avoid, share")
	}
	if in.Status != nil {
		switch {
		case !in.Status.Valid():
			v.Add("status", "must be one of open, in_treatment, accepted, closed")
		case *in.Status == Accepted:
			v.Add("status", "is set to accepted only by accepting the risk (POST /api/v1/risks/{id}/accept), which checks who may accept")
		}
	}
	if in.NextReview != nil && *in.NextReview != "" {
		v.Check(!ValidDate(*in.NextReview), "next_review", "must be a date written YYYY-MM-DD")
	}
	for field, l := range map[string]*[]string{"sources": in.Sources, "ai_system_ids": in.AISystemIDs, "assets": in.Assets, "controls": in.Controls} {
		if l != nil {
			v.Check(len(*l) > maxList, field, "may hold at most %d entries", maxList)
		}
	}
	if in.Controls != nil {
		for i, c := range *in.Controls {
			v.Check(!controlPattern.MatchString(c), fmt.Sprintf("controls[%d]", i), "must name a catalog and an item, such as iso42001-2023:A.6.2.4")
		}
	}
	if in.Actions != nil {
		v.Check(len(*in.Actions) > maxList, "actions", "may hold at most %d actions", maxList)
		for i, a := range *in.Actions {
			f := func(n string) string { return fmt.Sprintf("actions[%d].%s", i, n) }
			v.Check(strings.TrimSpace(a.Title) == "", f("title"), "must not be empty")
			v.Check(len(a.Title) > maxTitle, f("title"), "must be at most %d characters", maxTitle)
			v.Check(a.Due != "" && !ValidDate(a.Due), f("due"), "must be a date written YYYY-MM-DD")
		}
	}
	return v.Err()
}

// Apply returns r with the input applied; derived fields are computed by Derive.
func (in Input) Apply(r Risk) Risk {
	set := func(dst *string, p *string) {
		if p != nil {
			*dst = strings.TrimSpace(*p)
		}
	}
	set(&r.Title, in.Title)
	set(&r.Description, in.Description)
	set(&r.Category, in.Category)
	set(&r.OwnerID, in.OwnerID)
	set(&r.ResidualReason, in.ResidualReason)
	set(&r.NextReview, in.NextReview)
	set(&r.SuggestedBy, in.SuggestedBy)
	list := func(dst *[]string, p *[]string) {
		if p != nil {
			out := []string{}
			for _, x := range *p {
				if x = strings.TrimSpace(x); x != "" && !slices.Contains(out, x) {
					out = append(out, x)
				}
			}
			*dst = out
		}
	}
	list(&r.Sources, in.Sources)
	list(&r.AISystemIDs, in.AISystemIDs)
	list(&r.Assets, in.Assets)
	list(&r.Controls, in.Controls)
	num := func(dst *int, p *int) {
		if p != nil {
			*dst = *p
		}
	}
	num(&r.Likelihood, in.Likelihood)
	num(&r.Impact, in.Impact)
	num(&r.ResidualLikelihood, in.ResidualLikelihood)
	num(&r.ResidualImpact, in.ResidualImpact)
	if in.Treatment != nil {
		r.Treatment = *in.Treatment
	}
	if in.Status != nil {
		r.Status = *in.Status
	}
	if in.Actions != nil {
		r.Actions = slices.Clone(*in.Actions)
		for i := range r.Actions {
			r.Actions[i].Title = strings.TrimSpace(r.Actions[i].Title)
			r.Actions[i].OwnerID = strings.TrimSpace(r.Actions[i].OwnerID)
		}
	}
	if r.Status == "" {
		r.Status = Open
	}
	r.Normalise()
	return r
}

// Refs answers whether the identifiers a risk refers to exist.
type Refs struct {
	// Category reports whether a category id is known to the organisation.
	Category func(id string) bool
	// Source reports whether an ISO/IEC 42001 Annex C identifier exists.
	Source func(id string) bool
	// Control reports whether "catalog:item" names an item of a catalog.
	Control func(ref string) bool
}

// Check validates a risk as it would be stored: scores inside the matrix, residual no worse
// than inherent without a reason, and every reference known. Fields are named as in Input.
func Check(r Risk, m Method, refs Refs) error {
	var v fault.Validation
	nl, ni := m.MaxLikelihood(), m.MaxImpact()
	v.Check(r.Likelihood < 1 || r.Likelihood > nl, "likelihood", "must be between 1 and %d on this organisation's %d×%d matrix", nl, nl, ni)
	v.Check(r.Impact < 1 || r.Impact > ni, "impact", "must be between 1 and %d on this organisation's %d×%d matrix", ni, nl, ni)
	resSet := r.ResidualLikelihood != 0 || r.ResidualImpact != 0
	if resSet {
		v.Check(r.ResidualLikelihood < 1 || r.ResidualLikelihood > nl, "residual_likelihood", "must be between 1 and %d on this organisation's %d×%d matrix (or both residual values 0 for not assessed)", nl, nl, ni)
		v.Check(r.ResidualImpact < 1 || r.ResidualImpact > ni, "residual_impact", "must be between 1 and %d on this organisation's %d×%d matrix (or both residual values 0 for not assessed)", ni, nl, ni)
		if !v.Has("residual_likelihood") && !v.Has("residual_impact") && !v.Has("likelihood") && !v.Has("impact") &&
			r.ResidualLikelihood*r.ResidualImpact > r.Likelihood*r.Impact && strings.TrimSpace(r.ResidualReason) == "" {
			v.Add("residual_reason", "is required when the residual score (%d) is worse than the inherent score (%d): say why treatment makes the risk larger",
				r.ResidualLikelihood*r.ResidualImpact, r.Likelihood*r.Impact)
		}
	}
	if refs.Category != nil {
		v.Check(!refs.Category(r.Category), "category", "%q is not a risk category of this organisation; see GET /api/v1/risk-categories", r.Category)
	}
	if refs.Source != nil {
		for i, s := range r.Sources {
			v.Check(!refs.Source(s), fmt.Sprintf("sources[%d]", i), "%q is not an ISO/IEC 42001 Annex C identifier (C.3.1 … C.3.7, C.2.1 … C.2.11)", s)
		}
	}
	if refs.Control != nil {
		for i, c := range r.Controls {
			v.Check(!refs.Control(c), fmt.Sprintf("controls[%d]", i), "%q is not an item of a known catalog", c)
		}
	}
	return v.Err()
}

// Accept records a person's acceptance of the risk at its current level, if the method's
// acceptance criteria allow their role to accept at that level.
func Accept(r Risk, m Method, by auth.Principal, reason string, at time.Time) (Risk, error) {
	reason = strings.TrimSpace(reason)
	var v fault.Validation
	v.Check(reason == "", "reason", "must say why the risk is accepted")
	v.Check(len(reason) > maxText, "reason", "must be at most %d characters", maxText)
	if err := v.Err(); err != nil {
		return r, err
	}
	lvl, ok := m.Level(r.EffectiveLevel)
	if !ok {
		return r, fault.New(fault.Invalid, "the risk has no level to accept it at")
	}
	if !slices.Contains(lvl.AcceptRoles, by.Role) {
		allowed := make([]string, len(lvl.AcceptRoles))
		for i, x := range lvl.AcceptRoles {
			allowed[i] = string(x)
		}
		who := strings.Join(allowed, ", ")
		if who == "" {
			who = "no role"
		}
		return r, &fault.Error{Code: fault.Forbidden, Message: "the risk acceptance criteria do not allow your role to accept this risk",
			Fields: []fault.FieldError{{Field: "role", Message: fmt.Sprintf("%s may not accept a %s risk; the criteria allow: %s", by.Role, lvl.Name, who)}}}
	}
	r.Acceptance = &Acceptance{UserID: by.UserID, Email: by.Email, Role: by.Role, At: at, Reason: reason, Level: lvl.ID}
	r.Status = Accepted
	r.NextReview = at.AddDate(0, 0, lvl.ReviewDays).Format(time.DateOnly)
	return r, nil
}

// DefaultNextReview is the review date a new risk gets from its level's cadence.
func DefaultNextReview(r Risk, m Method, from time.Time) string {
	lvl, ok := m.Level(r.EffectiveLevel)
	if !ok || lvl.ReviewDays == 0 {
		return ""
	}
	return from.AddDate(0, 0, lvl.ReviewDays).Format(time.DateOnly)
}

// Filter selects risks for the register.
type Filter struct {
	Query      string
	Category   string
	Level      string // the effective level
	OwnerID    string
	AISystemID string
	Status     Status
	// Overdue keeps risks with a review or an open action whose date has passed (as of Today).
	Overdue *bool
	Today   string
	// Likelihood and Impact select one cell of the heat map: the inherent cell, or the residual
	// cell when Residual is set.
	Likelihood, Impact int
	Residual           bool
	// Sort is title (default), score, due or updated.
	Sort string
}

// Narrows reports whether the filter leaves out any risk; the order alone does not.
func (f Filter) Narrows() bool {
	return f.Query != "" || f.Category != "" || f.Level != "" || f.OwnerID != "" || f.AISystemID != "" || f.Status != "" ||
		f.Overdue != nil || f.Likelihood != 0 || f.Impact != 0
}

// Sorts lists the register's sort orders.
var Sorts = []string{"title", "score", "due", "updated"}

// Validate checks the enumerated filters.
func (f Filter) Validate() error {
	var v fault.Validation
	v.Check(f.Status != "" && !f.Status.Valid(), "status", "must be one of open, in_treatment, accepted, closed")
	v.Check(f.Sort != "" && !slices.Contains(Sorts, f.Sort), "sort", "must be one of %s", strings.Join(Sorts, ", "))
	v.Check(f.Today != "" && !ValidDate(f.Today), "today", "must be a date written YYYY-MM-DD")
	v.Check(f.Likelihood < 0 || f.Likelihood > MaxScale, "likelihood", "must be between 1 and %d", MaxScale)
	v.Check(f.Impact < 0 || f.Impact > MaxScale, "impact", "must be between 1 and %d", MaxScale)
	return v.Err()
}

// ScoreRecord is one point of a risk's score history.
type ScoreRecord struct {
	At                 time.Time `json:"at"`
	Likelihood         int       `json:"likelihood"`
	Impact             int       `json:"impact"`
	Score              int       `json:"score"`
	Level              string    `json:"level"`
	ResidualLikelihood int       `json:"residual_likelihood"`
	ResidualImpact     int       `json:"residual_impact"`
	ResidualScore      int       `json:"residual_score"`
	ResidualLevel      string    `json:"residual_level"`
	Cause              string    `json:"cause"`
	ActorEmail         string    `json:"actor"`
}

// SameScores reports whether two states of a risk score alike, so history grows only on change.
func SameScores(a, b Risk) bool {
	return a.Likelihood == b.Likelihood && a.Impact == b.Impact && a.Level == b.Level &&
		a.ResidualLikelihood == b.ResidualLikelihood && a.ResidualImpact == b.ResidualImpact && a.ResidualLevel == b.ResidualLevel
}

// RecordOf is the history point of a risk's current scores.
func RecordOf(r Risk, at time.Time, cause, actor string) ScoreRecord {
	return ScoreRecord{At: at, Likelihood: r.Likelihood, Impact: r.Impact, Score: r.Score, Level: r.Level,
		ResidualLikelihood: r.ResidualLikelihood, ResidualImpact: r.ResidualImpact, ResidualScore: r.ResidualScore,
		ResidualLevel: r.ResidualLevel, Cause: cause, ActorEmail: actor}
}

// Stats summarise the register for readiness and the dashboard.
type Stats struct {
	// MethodSet says the organisation has set (or confirmed) its own method, rather than
	// running on the default.
	MethodSet bool `json:"method_set"`
	// Security and AI count risks by their category's domain; the Untreated figures count
	// those whose level needs treatment with no treatment chosen and no acceptance.
	Security          int `json:"security"`
	SecurityUntreated int `json:"security_untreated"`
	AI                int `json:"ai"`
	AIUntreated       int `json:"ai_untreated"`
	// SystemsWithAIRisks counts AI systems with at least one AI risk registered.
	SystemsWithAIRisks int `json:"systems_with_ai_risks"`
	// ReviewsOverdue counts open risks whose next review date has passed.
	ReviewsOverdue int `json:"reviews_overdue"`
}
