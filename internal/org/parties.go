package org

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/fault"
)

// The interested parties of the management systems (ISO/IEC 27001 and ISO/IEC 42001 clause
// 4.2): who they are, what they need and expect, and which of those requirements the
// management system addresses. For AI this includes the people an AI system affects.

// PartyKind groups interested parties.
type PartyKind string

// PartyKinds lists every kind in the order forms show them.
var PartyKinds = []PartyKind{"customers", "regulators", "employees", "affected_persons", "suppliers", "partners", "owners", "insurers", "public", "other"}

func (k PartyKind) Valid() bool { return slices.Contains(PartyKinds, k) }

// Party is one interested party.
type Party struct {
	ID    string    `json:"id"`
	OrgID string    `json:"org_id"`
	Name  string    `json:"name"`
	Kind  PartyKind `json:"kind"`
	// Standards are the management systems the party matters to.
	Standards []string `json:"standards"`
	// Needs are the party's relevant needs and expectations (4.2 b).
	Needs string `json:"needs"`
	// Addressed says whether the management system addresses these requirements (4.2 c);
	// nil until decided. How says how, or why not.
	Addressed *bool     `json:"addressed"`
	How       string    `json:"how"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// RecordVersion is the optimistic-concurrency version, for ETags.
func (p Party) RecordVersion() int64 { return p.Version }

// Decided reports whether the party's requirements are recorded and a decision taken on them.
func (p Party) Decided() bool { return p.Needs != "" && p.Addressed != nil }

// PartyInput is a create or a partial update; nil fields stay.
type PartyInput struct {
	Name      *string    `json:"name,omitempty"`
	Kind      *PartyKind `json:"kind,omitempty"`
	Standards *[]string  `json:"standards,omitempty"`
	Needs     *string    `json:"needs,omitempty"`
	Addressed *bool      `json:"addressed,omitempty"`
	// Undecided takes a decision on Addressed back.
	Undecided bool    `json:"undecided,omitempty"`
	How       *string `json:"how,omitempty"`
}

// PartyStandards are the management systems a party may matter to.
var PartyStandards = []string{"iso27001-2022", "iso42001-2023"}

// Validate checks each field that is set; creating needs a name, a kind and the standards.
func (in PartyInput) Validate(create bool) error {
	var v fault.Validation
	if create || in.Name != nil {
		name := ""
		if in.Name != nil {
			name = strings.TrimSpace(*in.Name)
		}
		v.Check(name == "" || len(name) > 200, "name", "must name the party in 1 to 200 characters")
	}
	if create {
		v.Check(in.Kind == nil, "kind", "must be one of %s", kindList())
		v.Check(in.Standards == nil || len(*in.Standards) == 0, "standards", "name the management systems the party matters to")
	}
	if in.Kind != nil {
		v.Check(!in.Kind.Valid(), "kind", "must be one of %s", kindList())
	}
	if in.Standards != nil {
		v.Check(len(*in.Standards) == 0, "standards", "name the management systems the party matters to")
		for i, s := range *in.Standards {
			v.Check(!slices.Contains(PartyStandards, s), fmt.Sprintf("standards[%d]", i), "must be %s", strings.Join(PartyStandards, " or "))
		}
	}
	for field, s := range map[string]*string{"needs": in.Needs, "how": in.How} {
		v.Check(s != nil && len(*s) > 10000, field, "must be at most 10000 characters")
	}
	v.Check(in.Undecided && in.Addressed != nil, "addressed", "either decide or take the decision back, not both")
	return v.Err()
}

func kindList() string {
	s := make([]string, len(PartyKinds))
	for i, k := range PartyKinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// Apply returns p with the input's fields set.
func (in PartyInput) Apply(p Party) Party {
	if in.Name != nil {
		p.Name = strings.TrimSpace(*in.Name)
	}
	if in.Kind != nil {
		p.Kind = *in.Kind
	}
	if in.Standards != nil {
		p.Standards = slices.Compact(slices.Sorted(slices.Values(*in.Standards)))
	}
	if in.Needs != nil {
		p.Needs = strings.TrimSpace(*in.Needs)
	}
	if in.How != nil {
		p.How = strings.TrimSpace(*in.How)
	}
	if in.Addressed != nil {
		b := *in.Addressed
		p.Addressed = &b
	}
	if in.Undecided {
		p.Addressed = nil
	}
	if p.Standards == nil {
		p.Standards = []string{}
	}
	return p
}

// Check validates the party as a whole: a decision rests on recorded needs, and a decision
// not to address them says why.
func (p Party) Check() error {
	var v fault.Validation
	v.Check(p.Addressed != nil && p.Needs == "", "needs", "record the party's needs and expectations before deciding whether the management system addresses them")
	v.Check(p.Addressed != nil && !*p.Addressed && p.How == "", "how", "say why the management system does not address these requirements")
	return v.Err()
}
