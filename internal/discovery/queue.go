package discovery

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/fault"
)

// The review queue: candidates wait there until a person accepts one into the inventory,
// merges it into another candidate that is the same system, or dismisses it. Decisions are
// remembered by fingerprint, so a re-scan or re-import never brings a dismissed candidate back
// and never creates a second entry for the same system.

// Status is where a candidate stands in the review queue.
type Status string

// Review statuses.
const (
	StatusNew       Status = "new"       // waiting for review
	StatusAccepted  Status = "accepted"  // an inventory entry was created for it or linked to it
	StatusMerged    Status = "merged"    // folded into another candidate (MergedInto)
	StatusDismissed Status = "dismissed" // not an AI system in scope; remembered
)

// Statuses lists the statuses in review order.
var Statuses = []Status{StatusNew, StatusAccepted, StatusMerged, StatusDismissed}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Sources lists the discovery sources, for documents and forms.
var Sources = []Source{SourceCode, SourceSBOM, SourceSaaS, SourceEgress}

// Sourcings lists the sourcing values.
var Sourcings = []Sourcing{SourcingInternal, SourcingThirdParty, SourcingEmbeddedInProduct}

// Confidences lists the confidence levels, strongest first.
var Confidences = []Confidence{ConfidenceHigh, ConfidenceMedium, ConfidenceLow}

// Queued is a candidate in an organisation's review queue, with what the queue knows about it.
type Queued struct {
	ID    string `json:"id"`
	OrgID string `json:"org_id"`
	Candidate
	Status    Status    `json:"status"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	// TimesSeen counts the submissions and imports that reported this candidate.
	TimesSeen int64 `json:"times_seen"`
	// DecidedBy and DecidedAt say who accepted, merged or dismissed it, and when.
	DecidedBy string     `json:"decided_by"`
	DecidedAt *time.Time `json:"decided_at"`
	// SystemID is the inventory entry it created or was linked to, once accepted.
	SystemID string `json:"system_id"`
	// MergedInto is the candidate it was folded into, once merged.
	MergedInto      string `json:"merged_into"`
	DismissalReason string `json:"dismissal_reason"`
	Version         int64  `json:"version"`
}

// RecordVersion is the record's version, for ETags.
func (q Queued) RecordVersion() int64 { return q.Version }

// Filter narrows a list of the review queue.
type Filter struct {
	Status Status
	Source Source
	// Q holds words that must each occur in the name, location, vendor or technologies.
	Q string
}

// Validate names a bad status or source.
func (f Filter) Validate() error {
	var v fault.Validation
	v.Check(f.Status != "" && !f.Status.Valid(), "status", "must be one of %s", join(Statuses))
	v.Check(f.Source != "" && !f.Source.Valid(), "source", "must be one of %s", join(Sources))
	v.Check(len(f.Q) > 200, "q", "must be at most 200 characters")
	return v.Err()
}

func join[T ~string](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}

// Limits on what one submission may carry: a scan of a large monorepo has a few hundred
// candidates; more is a tool gone wrong, not a repository.
const (
	MaxSubmission     = 2000
	MaxEvidence       = 5000
	maxName           = 200
	maxFingerprint    = 128
	maxText           = 10000
	maxListItems      = 500
	maxDismissal      = 2000
	MaxImportBytes    = 64 << 20
	MaxSubmitBodySize = 32 << 20
)

// Submission is a batch of candidates from `annexa scan --submit` or any other tool. It takes
// the scanner's JSON as printed (systems and findings) or a plain list of candidates, as the
// SBOM, SaaS and log imports produce them; findings are accepted and ignored, since every
// candidate carries its own evidence.
type Submission struct {
	Candidates []Candidate `json:"candidates,omitempty"`
	Systems    []Candidate `json:"systems,omitempty"`
	Findings   []Finding   `json:"findings,omitempty"`
}

// All returns the submitted candidates, systems first.
func (s Submission) All() []Candidate {
	return append(slices.Clone(s.Systems), s.Candidates...)
}

// Validate checks every candidate, naming each bad field by its place in the body.
func (s Submission) Validate() error {
	var v fault.Validation
	all := len(s.Systems) + len(s.Candidates)
	v.Check(all == 0, "candidates", "must hold at least one candidate (or systems, as annexa scan prints them)")
	v.Check(all > MaxSubmission, "candidates", "must hold at most %d candidates; send several submissions", MaxSubmission)
	for i, c := range s.Systems {
		c.check(&v, fmt.Sprintf("systems[%d].", i))
	}
	for i, c := range s.Candidates {
		c.check(&v, fmt.Sprintf("candidates[%d].", i))
	}
	return v.Err()
}

// Validate checks one candidate as the queue stores it.
func (c Candidate) Validate() error {
	var v fault.Validation
	c.check(&v, "")
	return v.Err()
}

func (c Candidate) check(v *fault.Validation, at string) {
	fp := strings.TrimSpace(c.Fingerprint)
	v.Check(fp == "", at+"fingerprint", "must not be empty")
	v.Check(len(fp) > maxFingerprint, at+"fingerprint", "must be at most %d characters", maxFingerprint)
	name := strings.TrimSpace(c.Name)
	v.Check(name == "", at+"name", "must not be empty")
	v.Check(len(name) > maxName, at+"name", "must be at most %d characters", maxName)
	v.Check(!c.Source.Valid(), at+"source", "must be one of %s", join(Sources))
	v.Check(!c.Confidence.Valid(), at+"confidence", "must be one of %s", join(Confidences))
	v.Check(c.SuggestedSourcing != "" && !c.SuggestedSourcing.Valid(), at+"suggested_sourcing", "must be one of %s", join(Sourcings))
	for field, s := range map[string]string{"location": c.Location, "vendor": c.Vendor, "purpose": c.Purpose, "likely_role": c.LikelyRole} {
		v.Check(len(s) > maxText, at+field, "must be at most %d characters", maxText)
	}
	v.Check(len(c.Technologies) > maxListItems, at+"technologies", "must hold at most %d entries", maxListItems)
	v.Check(len(c.AnnexIII) > maxListItems, at+"annex_iii", "must hold at most %d entries", maxListItems)
	v.Check(len(c.Models) > maxListItems, at+"models", "must hold at most %d entries", maxListItems)
	v.Check(len(c.Evidence) > MaxEvidence, at+"evidence", "must hold at most %d findings", MaxEvidence)
	for i, f := range c.Evidence {
		v.Check(f.Kind != "" && !f.Kind.Valid(), fmt.Sprintf("%sevidence[%d].kind", at, i), "is not a known finding kind")
		v.Check(f.Line < 0, fmt.Sprintf("%sevidence[%d].line", at, i), "must not be negative")
	}
	for i, m := range c.Models {
		v.Check(strings.TrimSpace(m.Name) == "", fmt.Sprintf("%smodels[%d].name", at, i), "must not be empty")
	}
}

// Normalise trims what people and tools pad, and puts lists in a stable order, so that the
// same candidate submitted twice compares equal.
func (c *Candidate) Normalise() {
	c.Fingerprint = strings.ToLower(strings.TrimSpace(c.Fingerprint))
	c.Name = strings.TrimSpace(c.Name)
	c.Location = strings.TrimSpace(c.Location)
	c.Vendor = strings.TrimSpace(c.Vendor)
	c.Purpose = strings.TrimSpace(c.Purpose)
	c.LikelyRole = strings.TrimSpace(c.LikelyRole)
	c.Technologies = sortedSet(c.Technologies)
	c.AnnexIII = sortedSet(c.AnnexIII)
	if c.Evidence == nil {
		c.Evidence = []Finding{}
	}
	c.Evidence = dedupeFindings(c.Evidence)
}

func sortedSet(xs []string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Merge folds other into c: the union of their technologies, Annex III hints, models and
// evidence, the stronger confidence, the summed traffic. c keeps its identity (fingerprint,
// name, source, location); what c lacks (vendor, purpose, role, sourcing) comes from other.
func (c *Candidate) Merge(other Candidate) {
	c.Technologies = sortedSet(append(slices.Clone(c.Technologies), other.Technologies...))
	c.AnnexIII = sortedSet(append(slices.Clone(c.AnnexIII), other.AnnexIII...))
	if other.Confidence.rank() > c.Confidence.rank() {
		c.Confidence = other.Confidence
	}
	if c.Vendor == "" {
		c.Vendor = other.Vendor
	}
	if c.Purpose == "" {
		c.Purpose = other.Purpose
	}
	if c.LikelyRole == "" {
		c.LikelyRole = other.LikelyRole
	}
	if c.SuggestedSourcing == "" {
		c.SuggestedSourcing = other.SuggestedSourcing
	}
	for _, m := range other.Models {
		if !slices.ContainsFunc(c.Models, func(x Model) bool { return sameModel(x, m) }) {
			c.Models = append(c.Models, m)
		}
	}
	c.Evidence = dedupeFindings(append(slices.Clone(c.Evidence), other.Evidence...))
	c.Usage = mergeUsage(c.Usage, other.Usage)
}

func sameModel(a, b Model) bool {
	if a.PURL != "" || b.PURL != "" {
		return strings.EqualFold(a.PURL, b.PURL)
	}
	return strings.EqualFold(a.Name, b.Name) && a.Version == b.Version
}

func mergeUsage(a, b *Usage) *Usage {
	if a == nil && b == nil {
		return nil
	}
	out := &Usage{Hosts: []string{}, Clients: []ClientUsage{}}
	byClient := map[string]int{}
	for _, u := range []*Usage{a, b} {
		if u == nil {
			continue
		}
		out.Requests += u.Requests
		out.Bytes += u.Bytes
		out.Hosts = append(out.Hosts, u.Hosts...)
		for _, cu := range u.Clients {
			if i, ok := byClient[cu.Client]; ok {
				out.Clients[i].Requests += cu.Requests
				out.Clients[i].Bytes += cu.Bytes
				continue
			}
			byClient[cu.Client] = len(out.Clients)
			out.Clients = append(out.Clients, cu)
		}
	}
	out.Hosts = sortedSet(out.Hosts)
	slices.SortStableFunc(out.Clients, func(x, y ClientUsage) int {
		switch {
		case x.Requests != y.Requests:
			if x.Requests > y.Requests {
				return -1
			}
			return 1
		default:
			return strings.Compare(x.Client, y.Client)
		}
	})
	return out
}

// Outcome says what a submission did with one candidate.
type Outcome string

// Submission outcomes.
const (
	OutcomeCreated Outcome = "created" // new in the queue
	OutcomeUpdated Outcome = "updated" // seen before: last seen, evidence and technologies refreshed
	// OutcomeRemembered: seen before and already decided (accepted, merged or dismissed); its
	// evidence is refreshed but its status stays, so a dismissal is not undone by a re-scan.
	OutcomeRemembered Outcome = "remembered"
)

// SubmitItem is what happened to one submitted candidate.
type SubmitItem struct {
	ID          string  `json:"id"`
	Fingerprint string  `json:"fingerprint"`
	Name        string  `json:"name"`
	Status      Status  `json:"status"`
	Outcome     Outcome `json:"outcome"`
}

// SubmitResult sums up a submission or import.
type SubmitResult struct {
	Created    int          `json:"created"`
	Updated    int          `json:"updated"`
	Remembered int          `json:"remembered"`
	Items      []SubmitItem `json:"items"`
}

// Dismissal is the body of a dismissal: why this candidate is not an AI system in scope.
type Dismissal struct {
	Reason string `json:"reason"`
}

// Validate requires a reason: a remembered decision must say why it was taken.
func (d Dismissal) Validate() error {
	var v fault.Validation
	r := strings.TrimSpace(d.Reason)
	v.Check(r == "", "reason", "must not be empty: say why this is not an AI system to register")
	v.Check(len(r) > maxDismissal, "reason", "must be at most %d characters", maxDismissal)
	return v.Err()
}

// MergeRequest names the candidate to fold this one into.
type MergeRequest struct {
	Into string `json:"into"`
}

// Validate requires the target.
func (m MergeRequest) Validate() error {
	var v fault.Validation
	v.Check(strings.TrimSpace(m.Into) == "", "into", "must name the candidate to merge into")
	return v.Err()
}

// AcceptRequest accepts a candidate: with SystemID it links to that inventory entry, without
// it creates a new one from the candidate.
type AcceptRequest struct {
	SystemID string `json:"system_id,omitempty"`
}
