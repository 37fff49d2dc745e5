// Package discovery finds AI systems nobody registered: AI libraries, model files, AI service
// hosts and credentials in source trees; AI components in SBOMs; SaaS products with AI features
// in application lists; and AI service traffic in egress logs. Each source yields Candidates with
// a stable Fingerprint, so that the inventory can de-duplicate them and remember dismissals.
//
// What counts as AI is data (catalogs/discovery/*.json), not code: this package holds only the
// parsing and the rules for how strong a piece of evidence is.
package discovery

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// Kind says what a finding is.
type Kind string

// Finding kinds.
const (
	KindDependency    Kind = "dependency"     // a package in a manifest or lock file
	KindImport        Kind = "import"         // an import or require in source or a notebook
	KindModelFile     Kind = "model-file"     // a model artefact recognised by extension and signature
	KindEnvVar        Kind = "env-var"        // a credential or configuration variable of an AI service
	KindAPIHost       Kind = "api-host"       // an AI service host or client identifier in code or config
	KindSBOMComponent Kind = "sbom-component" // an AI library listed in an SBOM
	KindMLModel       Kind = "ml-model"       // a machine-learning-model component of an ML-BOM
	KindSaaSApp       Kind = "saas-app"       // a SaaS product with AI features in an application list
	KindEgress        Kind = "egress"         // traffic to an AI service host in a proxy or egress log
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	switch k {
	case KindDependency, KindImport, KindModelFile, KindEnvVar, KindAPIHost, KindSBOMComponent,
		KindMLModel, KindSaaSApp, KindEgress:
		return true
	}
	return false
}

// Confidence says how strongly a finding shows that AI is actually used.
type Confidence string

// Confidence levels; see docs/discovery.md for how each finding kind is rated.
const (
	ConfidenceHigh   Confidence = "high"
	ConfidenceMedium Confidence = "medium"
	ConfidenceLow    Confidence = "low"
)

// Valid reports whether c is a known confidence level.
func (c Confidence) Valid() bool {
	return c == ConfidenceHigh || c == ConfidenceMedium || c == ConfidenceLow
}

func (c Confidence) rank() int {
	switch c {
	case ConfidenceHigh:
		return 3
	case ConfidenceMedium:
		return 2
	case ConfidenceLow:
		return 1
	}
	return 0
}

// Sourcing is how the organisation obtains an AI system, as in the inventory's registry.
type Sourcing string

// Sourcing values.
const (
	SourcingInternal          Sourcing = "internal"
	SourcingThirdParty        Sourcing = "third_party"
	SourcingEmbeddedInProduct Sourcing = "embedded_in_product"
)

// Valid reports whether s is a known sourcing.
func (s Sourcing) Valid() bool {
	return s == SourcingInternal || s == SourcingThirdParty || s == SourcingEmbeddedInProduct
}

// Source names the discovery source a candidate came from.
type Source string

// Discovery sources.
const (
	SourceCode   Source = "code"
	SourceSBOM   Source = "sbom"
	SourceSaaS   Source = "saas"
	SourceEgress Source = "egress"
)

// Valid reports whether s is a known source.
func (s Source) Valid() bool {
	return s == SourceCode || s == SourceSBOM || s == SourceSaaS || s == SourceEgress
}

// Finding is one piece of evidence of AI use. Path is relative to the scanned root (or the
// imported file's name) with forward slashes; Line is 1-based, 0 when it does not apply.
type Finding struct {
	Path       string     `json:"path"`
	Line       int        `json:"line"`
	Kind       Kind       `json:"kind"`
	Technology string     `json:"technology"`
	Evidence   string     `json:"evidence"`
	Confidence Confidence `json:"confidence"`
}

// Warning is input that could not be read or parsed; discovery goes on without it.
type Warning struct {
	Path    string `json:"path"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

func (w Warning) String() string {
	var b strings.Builder
	b.WriteString(w.Path)
	if w.Line > 0 {
		b.WriteString(":" + strconv.Itoa(w.Line))
		if w.Column > 0 {
			b.WriteString(":" + strconv.Itoa(w.Column))
		}
	}
	b.WriteString(": " + w.Message)
	return b.String()
}

// Model is an AI model named by the evidence, with the model-card facts the registry keeps
// (the subset of CycloneDX modelCard that the inventory shows).
type Model struct {
	Name                  string   `json:"name"`
	Version               string   `json:"version,omitempty"`
	Publisher             string   `json:"publisher,omitempty"`
	PURL                  string   `json:"purl,omitempty"`
	Description           string   `json:"description,omitempty"`
	Licenses              []string `json:"licenses,omitempty"`
	Approach              string   `json:"approach,omitempty"`
	Task                  string   `json:"task,omitempty"`
	ArchitectureFamily    string   `json:"architecture_family,omitempty"`
	ModelArchitecture     string   `json:"model_architecture,omitempty"`
	Datasets              []string `json:"datasets,omitempty"`
	Inputs                []string `json:"inputs,omitempty"`
	Outputs               []string `json:"outputs,omitempty"`
	Metrics               []string `json:"metrics,omitempty"`
	Users                 []string `json:"users,omitempty"`
	UseCases              []string `json:"use_cases,omitempty"`
	TechnicalLimitations  []string `json:"technical_limitations,omitempty"`
	EthicalConsiderations []string `json:"ethical_considerations,omitempty"`
	FairnessAssessments   []string `json:"fairness_assessments,omitempty"`
	Tags                  []string `json:"tags,omitempty"`
}

// Usage is observed traffic to AI services (egress logs).
type Usage struct {
	Requests int64         `json:"requests"`
	Bytes    int64         `json:"bytes"`
	Hosts    []string      `json:"hosts"`
	Clients  []ClientUsage `json:"clients"`
}

// ClientUsage is one client's share of the traffic to an AI service.
type ClientUsage struct {
	Client   string `json:"client"`
	Requests int64  `json:"requests"`
	Bytes    int64  `json:"bytes"`
}

// Candidate is a possible AI system for the review queue. Fingerprint identifies it across
// re-scans and re-imports, so an accepted or dismissed candidate is recognised when it comes back;
// it deliberately excludes what changes over the system's life (versions, technology list), which
// the reviewer sees instead as a material change on the accepted system.
type Candidate struct {
	Fingerprint       string     `json:"fingerprint"`
	Name              string     `json:"name"`
	Source            Source     `json:"source"`
	Location          string     `json:"location"`
	Technologies      []string   `json:"technologies"`
	Vendor            string     `json:"vendor,omitempty"`
	SuggestedSourcing Sourcing   `json:"suggested_sourcing"`
	Confidence        Confidence `json:"confidence"`
	Purpose           string     `json:"purpose,omitempty"`
	AnnexIII          []string   `json:"annex_iii,omitempty"`
	LikelyRole        string     `json:"likely_role,omitempty"`
	Models            []Model    `json:"models,omitempty"`
	Usage             *Usage     `json:"usage,omitempty"`
	Evidence          []Finding  `json:"evidence"`
}

// fingerprint hashes the identifying parts of a candidate, lower-cased and trimmed so that
// cosmetic differences (case, a trailing slash) do not create a second candidate.
func fingerprint(source Source, parts ...string) string {
	h := sha256.New()
	h.Write([]byte(source))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(strings.Trim(strings.ToLower(strings.TrimSpace(p)), "/")))
	}
	return hex.EncodeToString(h.Sum(nil))
}
