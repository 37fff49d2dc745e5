// Package soa is the Statement of Applicability: for each control of a standard's Annex A
// (ISO/IEC 27001:2022, 93 controls; ISO/IEC 42001:2023, 38), whether it applies, why it is
// included or excluded, which of the organisation's controls implement it and how far, and
// the evidence. A statement is versioned: a version freezes the table, is approved by a
// person (optionally not its preparer — four eyes) and can be compared with another.
//
// For ISO/IEC 42001 the inventory's automatic mapping proposes applicability: a control any
// in-scope AI system calls for is proposed as applicable, with the systems and reasons as
// the justification; a person confirms.
package soa

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/control"
	"github.com/annexa-dev/annexa/internal/evidence"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/inventory"
)

// Kind of catalog item an SoA lists: the Annex A controls.
const ItemKind = "control"

// Decision is a person's applicability decision for one control.
type Decision struct {
	Applicable    *bool  `json:"applicable"`
	Justification string `json:"justification"`
}

const maxJustification = 5000

// Validate checks applicability is stated and justified: both an inclusion and an
// exclusion need a justification.
func (d Decision) Validate() error {
	var v fault.Validation
	v.Check(d.Applicable == nil, "applicable", "must be true or false")
	j := strings.TrimSpace(d.Justification)
	switch {
	case j == "" && d.Applicable != nil && !*d.Applicable:
		v.Add("justification", "must say why the control is excluded")
	case j == "":
		v.Add("justification", "must say why the control is included")
	}
	v.Check(len(j) > maxJustification, "justification", "must be at most %d characters", maxJustification)
	return v.Err()
}

// Stored is a decision as kept.
type Stored struct {
	ItemID        string
	Applicable    bool
	Justification string
	UpdatedBy     string
	UpdatedAt     time.Time
	Version       int64
}

// State says where one row stands.
type State string

const (
	Undecided State = "undecided" // nobody has decided, and nothing is proposed
	Proposed  State = "proposed"  // the inventory proposes it; a person has not confirmed
	Decided   State = "decided"   // a person decided and justified it
)

// ControlRef is an implementing control as a row shows it.
type ControlRef struct {
	ID        string         `json:"id"`
	Ref       string         `json:"ref"`
	Title     string         `json:"title"`
	Status    control.Status `json:"status"`
	Generated bool           `json:"generated"`
}

// EvidenceRef is evidence as a row shows it: attached to the requirement itself, or to one
// of its implementing controls (Via names the control).
type EvidenceRef struct {
	ID         string            `json:"id"`
	Title      string            `json:"title"`
	Kind       evidence.Kind     `json:"kind"`
	Validity   evidence.Validity `json:"validity"`
	ValidUntil *time.Time        `json:"valid_until"`
	Via        string            `json:"via"`
}

// SystemReason is one AI system that calls for a control, and why.
type SystemReason struct {
	SystemID   string   `json:"system_id"`
	SystemName string   `json:"system_name"`
	Reasons    []string `json:"reasons"`
}

// Proposal is what the inventory's mapping suggests for a control.
type Proposal struct {
	Applicable    bool           `json:"applicable"`
	Justification string         `json:"justification"`
	Systems       []SystemReason `json:"systems"`
}

// Row is one row of the statement.
type Row struct {
	ItemID string `json:"item_id"`
	Title  string `json:"title"`
	// Group is the theme or domain the control sits in.
	Group         string     `json:"group"`
	State         State      `json:"state"`
	Applicable    *bool      `json:"applicable"`
	Justification string     `json:"justification"`
	UpdatedBy     string     `json:"updated_by"`
	UpdatedAt     *time.Time `json:"updated_at"`
	Version       int64      `json:"version"`
	Proposal      *Proposal  `json:"proposal"`
	// ProposalDiffers flags a decision that excludes a control an AI system calls for.
	ProposalDiffers bool `json:"proposal_differs"`
	// ImplementationStatus summarises the implementing controls: the least advanced status
	// among the controls that count, "not_started" when none does.
	ImplementationStatus control.Status `json:"implementation_status"`
	Controls             []ControlRef   `json:"controls"`
	Evidence             []EvidenceRef  `json:"evidence"`
}

// RecordVersion lets a row carry an ETag.
func (e Row) RecordVersion() int64 { return e.Version }

// Summary counts the rows.
type Summary struct {
	Total       int `json:"total"`
	Applicable  int `json:"applicable"`
	Excluded    int `json:"excluded"`
	Undecided   int `json:"undecided"`
	Proposed    int `json:"proposed"`
	Implemented int `json:"implemented"`
	// WithEvidence counts applicable rows with at least one piece of evidence that is valid.
	WithEvidence int `json:"with_evidence"`
}

// Statement is the SoA of one standard as it stands.
type Statement struct {
	Catalog        string    `json:"catalog"`
	CatalogTitle   string    `json:"catalog_title"`
	CatalogVersion string    `json:"catalog_version"`
	Organisation   string    `json:"organisation"`
	Scope          string    `json:"scope"`
	AsOf           time.Time `json:"as_of"`
	Entries        []Row     `json:"entries"`
	Summary        Summary   `json:"summary"`
}

// Complete reports whether every row is decided, and names those that are not.
func (s Statement) Complete() (bool, []string) {
	var open []string
	for _, e := range s.Entries {
		if e.State != Decided {
			open = append(open, e.ItemID)
		}
	}
	return len(open) == 0, open
}

// Row returns the row of one control.
func (s Statement) Row(itemID string) (Row, bool) {
	for _, e := range s.Entries {
		if e.ItemID == itemID {
			return e, true
		}
	}
	return Row{}, false
}

// Supports reports whether a catalog can have an SoA: it has items of kind control.
func Supports(c *catalog.Catalog) bool { return c.CountKind(ItemKind) > 0 }

// Inputs are what a statement is built from.
type Inputs struct {
	Catalog      *catalog.Catalog
	Organisation string
	Scope        string
	Decisions    map[string]Stored
	Controls     []control.Control
	// Evidence by "record_type\x00record_id" (requirement catalog:item and control ids).
	Evidence  map[string][]evidence.Evidence
	Proposals map[string]Proposal
	Now       time.Time
}

// EvidenceKey is how Inputs.Evidence is keyed.
func EvidenceKey(rt evidence.RecordType, id string) string { return string(rt) + "\x00" + id }

// Build computes the statement: one row per control of the catalog, in the catalog's order.
func Build(in Inputs) Statement {
	c := in.Catalog
	st := Statement{Catalog: c.ID, CatalogTitle: c.Title, CatalogVersion: c.Version, Organisation: in.Organisation, Scope: in.Scope,
		AsOf: in.Now, Entries: []Row{}}
	for _, it := range c.Items {
		if it.Kind != ItemKind {
			continue
		}
		e := Row{ItemID: it.ID, Title: it.Title, State: Undecided, Controls: []ControlRef{}, Evidence: []EvidenceRef{}}
		if g, ok := c.Group(it.Group); ok {
			e.Group = g.Title
			if g.Parent != "" && (g.Title == "Objective" || strings.HasPrefix(g.Title, "Objective")) {
				if pg, ok := c.Group(g.Parent); ok {
					e.Group = pg.Title
				}
			}
		}
		if p, ok := in.Proposals[it.ID]; ok {
			p := p
			e.Proposal = &p
			e.State = Proposed
		}
		if d, ok := in.Decisions[it.ID]; ok {
			a := d.Applicable
			at := d.UpdatedAt
			e.Applicable, e.Justification, e.UpdatedBy, e.UpdatedAt, e.Version, e.State = &a, d.Justification, d.UpdatedBy, &at, d.Version, Decided
			e.ProposalDiffers = e.Proposal != nil && e.Proposal.Applicable != a
		}
		req := control.RequirementRef{Catalog: c.ID, Item: it.ID}
		seenEv := map[string]bool{}
		addEv := func(list []evidence.Evidence, via string) {
			for _, ev := range list {
				if seenEv[ev.ID] {
					continue
				}
				seenEv[ev.ID] = true
				e.Evidence = append(e.Evidence, EvidenceRef{ID: ev.ID, Title: ev.Title, Kind: ev.Kind, Validity: ev.ValidityAt(in.Now), ValidUntil: ev.ValidUntil, Via: via})
			}
		}
		addEv(in.Evidence[EvidenceKey(evidence.ToRequirement, req.String())], "")
		for _, ctl := range in.Controls {
			if !ctl.LinksTo(c.ID, it.ID) {
				continue
			}
			e.Controls = append(e.Controls, ControlRef{ID: ctl.ID, Ref: ctl.Ref, Title: ctl.Title, Status: ctl.Status, Generated: ctl.Generated})
			addEv(in.Evidence[EvidenceKey(evidence.ToControl, ctl.ID)], ctl.ID)
		}
		e.ImplementationStatus = implementation(e.Controls)
		st.Entries = append(st.Entries, e)
	}
	st.Summary = summarise(st.Entries)
	return st
}

// implementation is the best status among the implementing controls that count (a person's
// control, not a generated template): one implemented control implements the requirement.
func implementation(cs []ControlRef) control.Status {
	rank := map[control.Status]int{control.NotStarted: 0, control.Planned: 1, control.Partial: 2, control.Implemented: 3}
	best := control.NotStarted
	for _, c := range cs {
		if c.Generated || c.Status == control.NotApplicable {
			continue
		}
		if rank[c.Status] > rank[best] {
			best = c.Status
		}
	}
	return best
}

func summarise(es []Row) Summary {
	s := Summary{Total: len(es)}
	for _, e := range es {
		switch {
		case e.State == Proposed:
			s.Proposed++
		case e.State == Undecided:
			s.Undecided++
		case *e.Applicable:
			s.Applicable++
			if e.ImplementationStatus == control.Implemented {
				s.Implemented++
			}
			for _, ev := range e.Evidence {
				if ev.Validity == evidence.Valid || ev.Validity == evidence.Expiring {
					s.WithEvidence++
					break
				}
			}
		default:
			s.Excluded++
		}
	}
	return s
}

// InScope reports whether an AI system counts for proposals: every registered system
// except those retired.
func InScope(s inventory.System) bool { return s.LifecycleStage != "retirement" }

// Propose works out, for ISO/IEC 42001, which Annex A controls the in-scope AI systems call
// for through the inventory's applicability rules, with each system and its reasons.
func Propose(systems []inventory.System, rules *inventory.Rules, lib *catalog.Library) map[string]Proposal {
	out := map[string]Proposal{}
	for _, sys := range systems {
		if !InScope(sys) {
			continue
		}
		a := rules.Applicable(sys, lib)
		for _, req := range a.Controls {
			p := out[req.ID]
			p.Applicable = true
			reasons := slices.Clone(req.Reasons)
			for _, via := range req.Via {
				reasons = append(reasons, "EU AI Act "+via)
			}
			p.Systems = append(p.Systems, SystemReason{SystemID: sys.ID, SystemName: sys.Name, Reasons: reasons})
			out[req.ID] = p
		}
	}
	for id, p := range out {
		sort.Slice(p.Systems, func(i, j int) bool {
			return strings.ToLower(p.Systems[i].SystemName) < strings.ToLower(p.Systems[j].SystemName)
		})
		// One sentence per reason, naming the systems it holds for, so a reason that applies to
		// every system is written once rather than once per system.
		var reasons []string
		holders := map[string][]string{}
		for _, s := range p.Systems {
			for _, r := range s.Reasons {
				if _, ok := holders[r]; !ok {
					reasons = append(reasons, r)
				}
				holders[r] = append(holders[r], s.SystemName)
			}
		}
		var b strings.Builder
		fmt.Fprintf(&b, "Called for by %d in-scope AI system(s) in the register.", len(p.Systems))
		for _, r := range reasons {
			names := holders[r]
			switch {
			case len(names) == len(p.Systems) && len(names) > 1:
				fmt.Fprintf(&b, " %s (all %d)", strings.TrimSuffix(r, "."), len(names))
			case len(names) <= 3:
				fmt.Fprintf(&b, " %s (%s)", strings.TrimSuffix(r, "."), strings.Join(names, ", "))
			default:
				fmt.Fprintf(&b, " %s (%s and %d more)", strings.TrimSuffix(r, "."), strings.Join(names[:3], ", "), len(names)-3)
			}
			b.WriteString(".")
		}
		p.Justification = b.String()
		if len(p.Justification) > maxJustification {
			p.Justification = p.Justification[:maxJustification-1] + "…"
		}
		out[id] = p
	}
	return out
}

// Version is one frozen, numbered state of a statement, with its preparation and approval.
type Version struct {
	Catalog         string     `json:"catalog"`
	Number          int64      `json:"number"`
	Note            string     `json:"note"`
	PreparedBy      string     `json:"prepared_by"`
	PreparedByEmail string     `json:"prepared_by_email"`
	PreparedAt      time.Time  `json:"prepared_at"`
	ApprovedBy      string     `json:"approved_by"`
	ApprovedByEmail string     `json:"approved_by_email"`
	ApprovedAt      *time.Time `json:"approved_at"`
	Statement       *Statement `json:"statement,omitempty"`
}

// Approved reports whether a person approved the version.
func (v Version) Approved() bool { return v.ApprovedAt != nil }

// NewVersion asks to freeze the statement as it stands.
type NewVersion struct {
	Note string `json:"note"`
}

// Validate bounds the note.
func (n NewVersion) Validate() error {
	var v fault.Validation
	v.Check(len(n.Note) > maxJustification, "note", "must be at most %d characters", maxJustification)
	return v.Err()
}

// Approval approves one version.
type Approval struct {
	Version int64 `json:"version"`
}

// Settings are the organisation's SoA rules.
type Settings struct {
	// FourEyes refuses the approval of a version by the person who prepared it.
	FourEyes  bool      `json:"four_eyes"`
	Version   int64     `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}

// RecordVersion is the optimistic-concurrency version, for ETags.
func (s Settings) RecordVersion() int64 { return s.Version }

// SettingsPatch changes the settings.
type SettingsPatch struct {
	FourEyes *bool `json:"four_eyes,omitempty"`
}

// CheckApproval says whether approver may approve v of a statement that is st: it must not
// be approved already, every row must be decided, and with four eyes the approver must not
// be the preparer.
func CheckApproval(v Version, approverID string, fourEyes bool) error {
	if v.Approved() {
		return fault.New(fault.Conflict, "version %d was already approved on %s", v.Number, v.ApprovedAt.Format("2006-01-02"))
	}
	if fourEyes && v.PreparedBy != "" && v.PreparedBy == approverID {
		return fault.New(fault.Forbidden, "the organisation requires four eyes: version %d was prepared by you, so another person must approve it", v.Number)
	}
	if v.Statement != nil {
		if ok, open := v.Statement.Complete(); !ok {
			shown := open
			if len(shown) > 10 {
				shown = shown[:10]
			}
			return &fault.Error{Code: fault.Invalid, Message: fmt.Sprintf("version %d cannot be approved: %d control(s) have no decision", v.Number, len(open)),
				Fields: []fault.FieldError{{Field: "entries", Message: "undecided: " + strings.Join(shown, ", ")}}}
		}
	}
	return nil
}

// Change is one difference between two versions.
type Change struct {
	ItemID string `json:"item_id"`
	Title  string `json:"title"`
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// Diff lists what changed from a to b, row by row in catalog order.
func Diff(a, b Statement) []Change {
	out := []Change{}
	for _, eb := range b.Entries {
		ea, _ := a.Row(eb.ItemID)
		add := func(field, before, after string) {
			if before != after {
				out = append(out, Change{ItemID: eb.ItemID, Title: eb.Title, Field: field, Before: before, After: after})
			}
		}
		add("applicable", applicability(ea), applicability(eb))
		add("justification", ea.Justification, eb.Justification)
		add("implementation_status", string(ea.ImplementationStatus), string(eb.ImplementationStatus))
		add("controls", controlList(ea.Controls), controlList(eb.Controls))
		add("evidence", evidenceList(ea.Evidence), evidenceList(eb.Evidence))
	}
	return out
}

// Applicability is a row's decision in words.
func applicability(e Row) string {
	switch {
	case e.Applicable == nil:
		return ""
	case *e.Applicable:
		return "applicable"
	}
	return "excluded"
}

// ApplicabilityLabel is the decision as a table shows it.
func (e Row) ApplicabilityLabel() string {
	switch {
	case e.Applicable == nil && e.Proposal != nil:
		return "Proposed: applicable"
	case e.Applicable == nil:
		return "Not decided"
	case *e.Applicable:
		return "Yes"
	}
	return "No"
}

func controlList(cs []ControlRef) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Title + " (" + string(c.Status) + ")"
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

func evidenceList(es []EvidenceRef) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Title + " (" + string(e.Validity) + ")"
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// ControlsText lists the implementing controls with their status, for exports.
func (e Row) ControlsText() string {
	parts := make([]string, 0, len(e.Controls))
	for _, c := range e.Controls {
		name := c.Title
		if c.Ref != "" {
			name = c.Ref + " " + name
		}
		s := strings.ReplaceAll(string(c.Status), "_", " ")
		if c.Generated {
			s += ", generated starter not yet confirmed"
		}
		parts = append(parts, name+" ("+s+")")
	}
	return strings.Join(parts, "; ")
}

// EvidenceText lists the evidence with its validity, for exports.
func (e Row) EvidenceText() string {
	parts := make([]string, 0, len(e.Evidence))
	for _, ev := range e.Evidence {
		s := ev.Title + " (" + strings.ReplaceAll(string(ev.Validity), "_", " ")
		if ev.ValidUntil != nil {
			s += " until " + ev.ValidUntil.Format("2006-01-02")
		}
		parts = append(parts, s+")")
	}
	return strings.Join(parts, "; ")
}
