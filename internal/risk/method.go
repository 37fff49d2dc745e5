// Package risk is the one risk register for information-security and AI risks (ISO/IEC 27001
// 6.1.2–6.1.3, ISO/IEC 42001 6.1.2–6.1.3, 8.2–8.3): the organisation's risk method (a
// likelihood × impact matrix, levels, acceptance criteria and review cadence), the risk
// categories, risks with inherent and residual scores, treatment and acceptance, and the risk
// suggestions drawn from an AI system's classification and facts. It knows nothing of HTTP or SQL.
package risk

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
)

// Limits of the matrix: ISO leaves the method to the organisation; 3×3 to 5×5 covers what
// people use and keeps the heat map readable.
const (
	MinScale = 3
	MaxScale = 5
)

// ScalePoint names one step of the likelihood or impact scale.
type ScalePoint struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// Level is a band of scores with its colour, acceptance criteria and review cadence.
type Level struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Colour string `json:"colour"`
	// MinScore is the lowest likelihood × impact product in this level; a level runs up to the
	// next level's MinScore.
	MinScore int `json:"min_score"`
	// NeedsTreatment says a risk at this level must have a treatment option and may not simply
	// be retained without an accepted decision.
	NeedsTreatment bool `json:"needs_treatment"`
	// AcceptRoles are the roles that may accept a risk at this level.
	AcceptRoles []auth.Role `json:"accept_roles"`
	// ReviewDays is how often a risk at this level is reviewed.
	ReviewDays int `json:"review_days"`
}

// Method is an organisation's risk method.
type Method struct {
	OrgID      string       `json:"org_id"`
	Likelihood []ScalePoint `json:"likelihood"`
	Impact     []ScalePoint `json:"impact"`
	// Levels are ordered from the lowest band to the highest.
	Levels    []Level   `json:"levels"`
	Version   int64     `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}

// RecordVersion is the optimistic-concurrency version, for ETags.
func (m Method) RecordVersion() int64 { return m.Version }

// DefaultMethod is the 5×5 method an organisation starts with.
func DefaultMethod() Method {
	return Method{
		Likelihood: []ScalePoint{
			{Name: "Rare", Description: "may happen only in exceptional circumstances; less than once in ten years"},
			{Name: "Unlikely", Description: "could happen at some time; once in three to ten years"},
			{Name: "Possible", Description: "might well happen; once in one to three years"},
			{Name: "Likely", Description: "will probably happen; several times a year"},
			{Name: "Almost certain", Description: "is expected to happen; monthly or more often"},
		},
		Impact: []ScalePoint{
			{Name: "Negligible", Description: "no lasting effect on people, operations or compliance"},
			{Name: "Minor", Description: "limited, quickly reversed harm; a complaint or small loss"},
			{Name: "Moderate", Description: "noticeable harm to some people or operations; a reportable incident"},
			{Name: "Major", Description: "serious harm to individuals or groups, regulatory action, significant loss"},
			{Name: "Severe", Description: "irreversible harm to people or fundamental rights, or a threat to the organisation"},
		},
		Levels: []Level{
			{ID: "low", Name: "Low", Colour: "#2e7d32", MinScore: 1, NeedsTreatment: false,
				AcceptRoles: []auth.Role{auth.Admin, auth.ComplianceManager, auth.AISystemOwner}, ReviewDays: 365},
			{ID: "medium", Name: "Medium", Colour: "#f9a825", MinScore: 5, NeedsTreatment: true,
				AcceptRoles: []auth.Role{auth.Admin, auth.ComplianceManager}, ReviewDays: 180},
			{ID: "high", Name: "High", Colour: "#ef6c00", MinScore: 10, NeedsTreatment: true,
				AcceptRoles: []auth.Role{auth.Admin, auth.ComplianceManager}, ReviewDays: 90},
			{ID: "critical", Name: "Critical", Colour: "#c62828", MinScore: 17, NeedsTreatment: true,
				AcceptRoles: []auth.Role{auth.Admin}, ReviewDays: 30},
		},
	}
}

var (
	idPattern     = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
	colourPattern = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
)

// Validate checks the method: scale sizes, level bands that cover 1 to the largest score
// without gaps, colours, roles and review cadence.
func (m Method) Validate() error {
	var v fault.Validation
	scale := func(field string, pts []ScalePoint) {
		if len(pts) < MinScale || len(pts) > MaxScale {
			v.Add(field, "must have %d to %d steps, has %d", MinScale, MaxScale, len(pts))
		}
		for i, p := range pts {
			v.Check(strings.TrimSpace(p.Name) == "", fmt.Sprintf("%s[%d].name", field, i), "must not be empty")
			v.Check(len(p.Name) > 60, fmt.Sprintf("%s[%d].name", field, i), "must be at most 60 characters")
			v.Check(len(p.Description) > 500, fmt.Sprintf("%s[%d].description", field, i), "must be at most 500 characters")
		}
	}
	scale("likelihood", m.Likelihood)
	scale("impact", m.Impact)
	if len(m.Levels) < 2 || len(m.Levels) > 6 {
		v.Add("levels", "must have 2 to 6 levels, has %d", len(m.Levels))
	}
	seen := map[string]bool{}
	maxScore := len(m.Likelihood) * len(m.Impact)
	for i, l := range m.Levels {
		f := func(name string) string { return fmt.Sprintf("levels[%d].%s", i, name) }
		v.Check(!idPattern.MatchString(l.ID), f("id"), "must be lowercase letters, digits and underscores, starting with a letter")
		v.Check(seen[l.ID], f("id"), "%q is used twice", l.ID)
		seen[l.ID] = true
		v.Check(strings.TrimSpace(l.Name) == "", f("name"), "must not be empty")
		v.Check(!colourPattern.MatchString(l.Colour), f("colour"), "must be a colour such as #c62828")
		if i == 0 {
			v.Check(l.MinScore != 1, f("min_score"), "of the lowest level must be 1")
		} else {
			v.Check(l.MinScore <= m.Levels[i-1].MinScore, f("min_score"), "must be above the previous level's (%d)", m.Levels[i-1].MinScore)
		}
		v.Check(maxScore > 0 && l.MinScore > maxScore, f("min_score"), "must be at most %d, the largest score of a %d×%d matrix", maxScore, len(m.Likelihood), len(m.Impact))
		for _, r := range l.AcceptRoles {
			v.Check(!r.Valid(), f("accept_roles"), "has unknown role %q", r)
		}
		v.Check(l.ReviewDays < 1 || l.ReviewDays > 1095, f("review_days"), "must be between 1 and 1095")
	}
	return v.Err()
}

// Normalise fills empty lists so JSON shows [] rather than null.
func (m *Method) Normalise() {
	for i := range m.Levels {
		if m.Levels[i].AcceptRoles == nil {
			m.Levels[i].AcceptRoles = []auth.Role{}
		}
	}
}

// MaxLikelihood and MaxImpact are the sizes of the matrix.
func (m Method) MaxLikelihood() int { return len(m.Likelihood) }
func (m Method) MaxImpact() int     { return len(m.Impact) }

// Score is a likelihood × impact pair with its product and level.
type Score struct {
	Likelihood int    `json:"likelihood"`
	Impact     int    `json:"impact"`
	Score      int    `json:"score"`
	Level      string `json:"level"`
}

// Score returns the scored pair; zero values stay unscored.
func (m Method) Score(likelihood, impact int) Score {
	if likelihood == 0 || impact == 0 {
		return Score{}
	}
	s := Score{Likelihood: likelihood, Impact: impact, Score: likelihood * impact}
	s.Level = m.LevelFor(s.Score).ID
	return s
}

// LevelFor returns the level of a score: the highest level whose MinScore it reaches.
func (m Method) LevelFor(score int) Level {
	var out Level
	for _, l := range m.Levels {
		if score >= l.MinScore {
			out = l
		}
	}
	return out
}

// Level returns the level with the given id.
func (m Method) Level(id string) (Level, bool) {
	i := slices.IndexFunc(m.Levels, func(l Level) bool { return l.ID == id })
	if i < 0 {
		return Level{}, false
	}
	return m.Levels[i], true
}

// Rescale maps a value of a scale of from steps onto a scale of to steps, keeping both ends
// where they were: on a change from 5 to 3 steps, 1→1, 3→2, 5→3.
func Rescale(v, from, to int) int {
	if v == 0 || from == to || from < 2 {
		return min(v, to)
	}
	x := 1 + float64(v-1)*float64(to-1)/float64(from-1)
	return max(1, min(to, int(math.Floor(x+0.5))))
}
