package risk

import (
	"sort"
	"time"
)

// DueKind says what sort of work a due item is. Other capabilities add their own kinds (an
// impact assessment's re-assessment, for one) and merge their items into the same list.
type DueKind string

const (
	DueRiskReview      DueKind = "risk_review"
	DueTreatmentAction DueKind = "treatment_action"
)

// DueItem is one dated piece of work for the "due for review" list.
type DueItem struct {
	Kind       DueKind `json:"kind"`
	RecordType string  `json:"record_type"` // e.g. risk
	RecordID   string  `json:"record_id"`
	Title      string  `json:"title"`  // the record's title
	Detail     string  `json:"detail"` // what is due: "review", or the action's title
	OwnerID    string  `json:"owner_id"`
	Due        string  `json:"due"` // YYYY-MM-DD
	Overdue    bool    `json:"overdue"`
	Href       string  `json:"href"` // the page to act on it
}

// DueWindow is how far ahead the due list looks.
const DueWindow = 30 * 24 * time.Hour

// DueItems lists the reviews and open treatment actions of risks that are past or fall on or
// before horizon, as of today (both YYYY-MM-DD). An action without an owner falls to the
// risk's owner.
func DueItems(risks []Risk, today, horizon string) []DueItem {
	var out []DueItem
	for _, r := range risks {
		if r.Status == Closed {
			continue
		}
		if r.NextReview != "" && r.NextReview <= horizon {
			out = append(out, DueItem{Kind: DueRiskReview, RecordType: "risk", RecordID: r.ID, Title: r.Title, Detail: "review",
				OwnerID: r.OwnerID, Due: r.NextReview, Overdue: r.NextReview < today, Href: "/risks/" + r.ID})
		}
		for _, a := range r.Actions {
			if a.Done || a.Due == "" || a.Due > horizon {
				continue
			}
			owner := a.OwnerID
			if owner == "" {
				owner = r.OwnerID
			}
			out = append(out, DueItem{Kind: DueTreatmentAction, RecordType: "risk", RecordID: r.ID, Title: r.Title, Detail: a.Title,
				OwnerID: owner, Due: a.Due, Overdue: a.Due < today, Href: "/risks/" + r.ID})
		}
	}
	SortDue(out)
	return out
}

// SortDue orders items by owner, then date, then title, so lists from several capabilities
// merge into one order.
func SortDue(items []DueItem) {
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if a.OwnerID != b.OwnerID {
			return a.OwnerID < b.OwnerID
		}
		if a.Due != b.Due {
			return a.Due < b.Due
		}
		return a.Title < b.Title
	})
}

// HeatCell is one cell of the heat map: how many risks sit at this likelihood and impact.
type HeatCell struct {
	Likelihood int    `json:"likelihood"`
	Impact     int    `json:"impact"`
	Score      int    `json:"score"`
	Level      string `json:"level"`
	Colour     string `json:"colour"`
	Count      int    `json:"count"`
}

// HeatMap is the inherent and residual picture of the register on the organisation's matrix.
type HeatMap struct {
	Likelihood []ScalePoint `json:"likelihood"`
	Impact     []ScalePoint `json:"impact"`
	Levels     []Level      `json:"levels"`
	Inherent   []HeatCell   `json:"inherent"`
	Residual   []HeatCell   `json:"residual"`
	// NotAssessed counts risks whose residual score is not yet assessed.
	NotAssessed int `json:"not_assessed"`
	Total       int `json:"total"`
}

// Counts maps a likelihood and impact to a number of risks.
type Counts map[[2]int]int

// NewHeatMap lays counts onto every cell of the matrix, highest likelihood first.
func NewHeatMap(m Method, inherent, residual Counts) HeatMap {
	h := HeatMap{Likelihood: m.Likelihood, Impact: m.Impact, Levels: m.Levels}
	cells := func(c Counts) []HeatCell {
		var out []HeatCell
		for l := m.MaxLikelihood(); l >= 1; l-- {
			for i := 1; i <= m.MaxImpact(); i++ {
				lvl := m.LevelFor(l * i)
				out = append(out, HeatCell{Likelihood: l, Impact: i, Score: l * i, Level: lvl.ID, Colour: lvl.Colour, Count: c[[2]int{l, i}]})
			}
		}
		return out
	}
	h.Inherent, h.Residual = cells(inherent), cells(residual)
	for _, n := range inherent {
		h.Total += n
	}
	assessed := 0
	for _, n := range residual {
		assessed += n
	}
	h.NotAssessed = h.Total - assessed
	return h
}
