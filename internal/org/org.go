// Package org holds the organisation: the tenant every governed record belongs to, and its
// profile — the ISMS and AIMS scope statements and the AI roles the organisation plays.
package org

import (
	"slices"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/fault"
)

// AIRole is a role an organisation plays towards AI systems in ISO/IEC 22989's words, which
// ISO/IEC 42001 Clause 4.1 asks an organisation to determine.
type AIRole string

const (
	AIProvider        AIRole = "ai_provider"
	AIProducer        AIRole = "ai_producer"
	AICustomer        AIRole = "ai_customer"
	AIPartner         AIRole = "ai_partner"
	AISubject         AIRole = "ai_subject"
	RelevantAuthority AIRole = "relevant_authority"
)

// AIRoles lists every ISO/IEC 22989 role in the order people expect to read them.
var AIRoles = []AIRole{AIProvider, AIProducer, AICustomer, AIPartner, AISubject, RelevantAuthority}

// Valid reports whether r is a known ISO/IEC 22989 role.
func (r AIRole) Valid() bool { return slices.Contains(AIRoles, r) }

// Label is the role's name as the standard writes it.
func (r AIRole) Label() string {
	switch r {
	case AIProvider:
		return "AI provider"
	case AIProducer:
		return "AI producer"
	case AICustomer:
		return "AI customer"
	case AIPartner:
		return "AI partner"
	case AISubject:
		return "AI subject"
	case RelevantAuthority:
		return "Relevant authority"
	}
	return string(r)
}

// ActRole is an operator role defined by the EU AI Act, Art. 3(3)–(7).
type ActRole string

const (
	Provider    ActRole = "provider"
	Deployer    ActRole = "deployer"
	Importer    ActRole = "importer"
	Distributor ActRole = "distributor"
)

// ActRoles lists the EU AI Act roles an organisation profile may hold.
var ActRoles = []ActRole{Provider, Deployer, Importer, Distributor}

// Valid reports whether r is a known EU AI Act role.
func (r ActRole) Valid() bool { return slices.Contains(ActRoles, r) }

// Label is the role's name with the article that defines it.
func (r ActRole) Label() string {
	switch r {
	case Provider:
		return "Provider (Art. 3(3))"
	case Deployer:
		return "Deployer (Art. 3(4))"
	case Importer:
		return "Importer (Art. 3(6))"
	case Distributor:
		return "Distributor (Art. 3(7))"
	}
	return string(r)
}

// Organisation is one tenant and its management-system profile.
type Organisation struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	ISMSScope    string    `json:"isms_scope"`
	AIMSScope    string    `json:"aims_scope"`
	AIRoles      []AIRole  `json:"ai_roles"`
	EUAIActRoles []ActRole `json:"eu_ai_act_roles"`
	Version      int64     `json:"version"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Limits keep one record from swallowing the database or a page.
const (
	MaxNameLen  = 200
	MaxScopeLen = 20000
)

// Patch is a partial update of the profile; nil fields stay as they are.
type Patch struct {
	Name         *string    `json:"name,omitempty"`
	ISMSScope    *string    `json:"isms_scope,omitempty"`
	AIMSScope    *string    `json:"aims_scope,omitempty"`
	AIRoles      *[]AIRole  `json:"ai_roles,omitempty"`
	EUAIActRoles *[]ActRole `json:"eu_ai_act_roles,omitempty"`
}

// ValidateName checks an organisation name on create and rename.
func ValidateName(v *fault.Validation, field, name string) {
	n := strings.TrimSpace(name)
	v.Check(n == "", field, "must not be empty")
	v.Check(len(n) > MaxNameLen, field, "must be at most %d characters", MaxNameLen)
}

// Validate checks every field that is set.
func (p Patch) Validate() error {
	var v fault.Validation
	if p.Name != nil {
		ValidateName(&v, "name", *p.Name)
	}
	if p.ISMSScope != nil {
		v.Check(len(*p.ISMSScope) > MaxScopeLen, "isms_scope", "must be at most %d characters", MaxScopeLen)
	}
	if p.AIMSScope != nil {
		v.Check(len(*p.AIMSScope) > MaxScopeLen, "aims_scope", "must be at most %d characters", MaxScopeLen)
	}
	if p.AIRoles != nil {
		for _, r := range *p.AIRoles {
			if !r.Valid() {
				v.Add("ai_roles", "has unknown role %q; known: %s", r, joinRoles(AIRoles))
				break
			}
		}
	}
	if p.EUAIActRoles != nil {
		for _, r := range *p.EUAIActRoles {
			if !r.Valid() {
				v.Add("eu_ai_act_roles", "has unknown role %q; known: %s", r, joinRoles(ActRoles))
				break
			}
		}
	}
	return v.Err()
}

// Apply returns o with the patch applied; roles are de-duplicated and kept in canonical order
// so that two equal profiles always compare and hash alike.
func (p Patch) Apply(o Organisation) Organisation {
	if p.Name != nil {
		o.Name = strings.TrimSpace(*p.Name)
	}
	if p.ISMSScope != nil {
		o.ISMSScope = strings.TrimSpace(*p.ISMSScope)
	}
	if p.AIMSScope != nil {
		o.AIMSScope = strings.TrimSpace(*p.AIMSScope)
	}
	if p.AIRoles != nil {
		o.AIRoles = canonical(*p.AIRoles, AIRoles)
	}
	if p.EUAIActRoles != nil {
		o.EUAIActRoles = canonical(*p.EUAIActRoles, ActRoles)
	}
	return o
}

func canonical[T comparable](in, order []T) []T {
	out := []T{}
	for _, r := range order {
		if slices.Contains(in, r) {
			out = append(out, r)
		}
	}
	return out
}

func joinRoles[T ~string](rs []T) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// RecordVersion is the optimistic-concurrency version, for ETags.
func (o Organisation) RecordVersion() int64 { return o.Version }
