package discovery

import (
	"regexp"
	"slices"
	"strings"

	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/inventory"
)

// Accepted is the outcome of accepting a candidate: the candidate as decided and the inventory
// entry it created or was linked to.
type Accepted struct {
	Candidate Queued           `json:"candidate"`
	System    inventory.System `json:"system"`
	// Created is true when accepting registered a new system, false when it linked to one.
	Created bool `json:"created"`
}

// maxModels is the inventory's limit on models per system; an ML-BOM listing more keeps the
// full list on the candidate, linked to the system.
const maxModels = 100

// annexIIIRef reads the catalogue's Annex III references ("AnnexIII.4(a)", "AnnexIII.2").
var annexIIIRef = regexp.MustCompile(`^(?:AnnexIII\.)?(\d)(?:\(([a-e])\))?$`)

// annexIIIPoint turns a discovery hint into the classifier's point ("4a", "2"), false when the
// hint names no point the classifier knows.
func annexIIIPoint(hint string) (aiact.AnnexIIIPoint, bool) {
	m := annexIIIRef.FindStringSubmatch(strings.TrimSpace(hint))
	if m == nil {
		return "", false
	}
	p := aiact.AnnexIIIPoint(m[1] + m[2])
	return p, p.Valid()
}

// SystemInput is what registering the candidate as an AI system records: its name, purpose,
// vendor, suggested sourcing and likely EU AI Act role, its models, and its Annex III hints as
// classification facts. The hints are guesses from the catalogue (a recruiting tool is likely
// Annex III 4(a)), so they are also recorded as an open point: the system is classified as the
// hint suggests — the cautious reading — and shows that a person must confirm it.
func (c Candidate) SystemInput() inventory.Input {
	name := strings.TrimSpace(c.Name)
	in := inventory.Input{Name: &name}
	if p := strings.TrimSpace(c.Purpose); p != "" {
		in.IntendedPurpose = &p
	}
	if v := strings.TrimSpace(c.Vendor); v != "" {
		in.Vendor = &v
	}
	if s := inventory.Sourcing(c.SuggestedSourcing); s.Valid() {
		in.Sourcing = &s
	}
	if r := aiact.Role(strings.TrimSpace(c.LikelyRole)); slices.Contains(aiact.Roles, r) {
		in.ActRoles = &[]aiact.Role{r}
	}
	if len(c.Models) > 0 {
		models := make([]inventory.Model, 0, min(len(c.Models), maxModels))
		for _, m := range c.Models[:min(len(c.Models), maxModels)] {
			models = append(models, systemModel(m))
		}
		in.Models = &models
	}
	var points []aiact.AnnexIIIPoint
	for _, h := range c.AnnexIII {
		if p, ok := annexIIIPoint(h); ok && !slices.Contains(points, p) {
			points = append(points, p)
		}
	}
	if len(points) > 0 {
		in.Facts = &aiact.Facts{AnnexIIIUseCases: points}
		in.OpenPoints = &[]string{"annex_iii_use_cases"}
	}
	return in
}

// systemModel keeps the model-card fields the inventory records. Free-text metrics have no
// type and value to split into, so they stay on the candidate.
func systemModel(m Model) inventory.Model {
	out := inventory.Model{Name: strings.TrimSpace(m.Name), Version: m.Version, Provider: m.Publisher,
		Type: firstNonEmpty(m.Approach, m.ArchitectureFamily), Licence: strings.Join(m.Licenses, ", ")}
	card := inventory.ModelCard{Task: m.Task, ArchitectureFamily: m.ArchitectureFamily, ModelArchitecture: m.ModelArchitecture,
		Datasets: m.Datasets, Users: m.Users, UseCases: m.UseCases, TechnicalLimitations: m.TechnicalLimitations,
		EthicalConsiderations: m.EthicalConsiderations, FairnessAssessments: m.FairnessAssessments}
	if card.Task != "" || card.ArchitectureFamily != "" || card.ModelArchitecture != "" || len(card.Datasets) > 0 || len(card.Users) > 0 ||
		len(card.UseCases) > 0 || len(card.TechnicalLimitations) > 0 || len(card.EthicalConsiderations) > 0 || len(card.FairnessAssessments) > 0 {
		out.ModelCard = &card
	}
	return out
}

func firstNonEmpty(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}
