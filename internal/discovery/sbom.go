package discovery

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	packageurl "github.com/package-url/packageurl-go"
)

// SBOMResult is what an SBOM import yields.
type SBOMResult struct {
	Format     string      `json:"format"` // "CycloneDX 1.6", "SPDX-2.3"
	Findings   []Finding   `json:"findings"`
	Candidates []Candidate `json:"candidates"`
	Warnings   []Warning   `json:"warnings"`
	Components int         `json:"components"`
}

// purl types → the ecosystems of the signatures' package tables.
var purlEcosystem = map[string]string{
	"pypi": "pypi", "npm": "npm", "golang": "go", "maven": "maven", "cargo": "cargo",
	"gem": "rubygems", "composer": "packagist", "nuget": "nuget",
}

// ParseSBOM reads a CycloneDX (JSON, spec 1.2–1.7, including ML-BOM model components and model
// cards) or SPDX 2.3 JSON document. name labels findings (usually the file name). Malformed JSON
// is an error naming the line and column; a document that is valid but partly unusable gives
// warnings.
func ParseSBOM(sigs *Signatures, name string, data []byte) (SBOMResult, error) {
	if sigs == nil {
		var err error
		if sigs, err = DefaultSignatures(); err != nil {
			return SBOMResult{}, err
		}
	}
	var probe struct {
		BOMFormat   string `json:"bomFormat"`
		SpecVersion string `json:"specVersion"`
		SPDXVersion string `json:"spdxVersion"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return SBOMResult{}, fmt.Errorf("%s: %w", name, jsonErrorDetail(data, err))
	}
	switch {
	case probe.BOMFormat == "CycloneDX":
		return parseCycloneDX(sigs, name, data)
	case strings.HasPrefix(probe.SPDXVersion, "SPDX-"):
		return parseSPDX(sigs, name, data)
	}
	return SBOMResult{}, fmt.Errorf("%s: neither CycloneDX (bomFormat) nor SPDX (spdxVersion) JSON", name)
}

func parseCycloneDX(sigs *Signatures, name string, data []byte) (SBOMResult, error) {
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		return SBOMResult{}, fmt.Errorf("%s: CycloneDX: %w", name, jsonErrorDetail(data, err))
	}
	res := SBOMResult{Format: "CycloneDX " + bom.SpecVersion.String()}
	var comps []cdx.Component
	var walk func(cs *[]cdx.Component)
	walk = func(cs *[]cdx.Component) {
		if cs == nil {
			return
		}
		for _, c := range *cs {
			comps = append(comps, c)
			walk(c.Components)
		}
	}
	walk(bom.Components)
	res.Components = len(comps)

	var app *cdx.Component
	supplied := false
	if bom.Metadata != nil {
		app = bom.Metadata.Component
		supplied = bom.Metadata.Supplier != nil || bom.Metadata.Manufacturer != nil
		if app != nil && (app.Supplier != nil || app.Manufacturer != nil) {
			supplied = true
		}
	}
	var models []Model
	var modelFindings []Finding
	for _, c := range comps {
		if c.Type == cdx.ComponentTypeMachineLearningModel {
			m := modelFromComponent(c)
			models = append(models, m)
			modelFindings = append(modelFindings, Finding{Path: name, Kind: KindMLModel, Technology: modelTechnology(sigs, c),
				Evidence: "machine-learning-model " + joinNonEmpty("@", m.Name, m.Version), Confidence: ConfidenceHigh})
			continue
		}
		if f, ok := sbomLibrary(sigs, name, c.PackageURL, c.Group, c.Name, c.Version); ok {
			res.Findings = append(res.Findings, f)
		}
	}
	res.Findings = append(res.Findings, modelFindings...)

	if app != nil && app.Name != "" {
		// One candidate for the described product: its AI libraries and models.
		if len(res.Findings) > 0 {
			c := sbomCandidate(sigs, name, componentKey(app.PackageURL, app.Group, app.Name), app.Name, res.Findings)
			c.Models = models
			c.SuggestedSourcing = SourcingInternal
			if supplied {
				c.SuggestedSourcing = SourcingEmbeddedInProduct
				c.Vendor = orgName(app.Supplier, app.Manufacturer)
			}
			c.Purpose = app.Description
			res.Candidates = append(res.Candidates, c)
		}
	} else {
		// No described product: each model is a candidate of its own, and the AI libraries
		// together one more.
		for i, m := range models {
			c := sbomCandidate(sigs, name, "model:"+componentKey(m.PURL, "", m.Name), m.Name, modelFindings[i:i+1])
			c.Models = []Model{m}
			c.Vendor = m.Publisher
			c.SuggestedSourcing = SourcingThirdParty
			c.Purpose = m.Description
			res.Candidates = append(res.Candidates, c)
		}
		libs := res.Findings[:len(res.Findings)-len(modelFindings)]
		if len(libs) > 0 {
			c := sbomCandidate(sigs, name, "libraries:"+name, name, libs)
			c.SuggestedSourcing = SourcingInternal
			res.Candidates = append(res.Candidates, c)
		}
	}
	return res, nil
}

func modelTechnology(sigs *Signatures, c cdx.Component) string {
	if c.Tags != nil {
		// Hugging Face model BOMs tag the library and weight formats; prefer the weights.
		for _, want := range []string{"gguf", "safetensors", "onnx", "pytorch", "tensorflow", "transformers"} {
			if slices.Contains(*c.Tags, want) {
				if want == "transformers" {
					return "huggingface-transformers"
				}
				if _, ok := sigs.Technology(want); ok {
					return want
				}
			}
		}
	}
	return "ml-model"
}

func modelFromComponent(c cdx.Component) Model {
	m := Model{Name: c.Name, Version: c.Version, Publisher: c.Publisher, PURL: c.PackageURL, Description: c.Description}
	if m.Publisher == "" {
		m.Publisher = orgName(c.Supplier, c.Manufacturer)
	}
	if c.Licenses != nil {
		for _, l := range *c.Licenses {
			switch {
			case l.Expression != "":
				m.Licenses = append(m.Licenses, l.Expression)
			case l.License != nil && l.License.ID != "":
				m.Licenses = append(m.Licenses, l.License.ID)
			case l.License != nil && l.License.Name != "":
				m.Licenses = append(m.Licenses, l.License.Name)
			}
		}
	}
	if c.Tags != nil {
		m.Tags = slices.Clone(*c.Tags)
	}
	mc := c.ModelCard
	if mc == nil {
		return m
	}
	if p := mc.ModelParameters; p != nil {
		if p.Approach != nil {
			m.Approach = string(p.Approach.Type)
		}
		m.Task, m.ArchitectureFamily, m.ModelArchitecture = p.Task, p.ArchitectureFamily, p.ModelArchitecture
		if p.Datasets != nil {
			for _, d := range *p.Datasets {
				switch {
				case d.Ref != "":
					m.Datasets = append(m.Datasets, d.Ref)
				case d.ComponentData != nil && d.ComponentData.Name != "":
					m.Datasets = append(m.Datasets, d.ComponentData.Name)
				}
			}
		}
		if p.Inputs != nil {
			for _, in := range *p.Inputs {
				m.Inputs = append(m.Inputs, in.Format)
			}
		}
		if p.Outputs != nil {
			for _, o := range *p.Outputs {
				m.Outputs = append(m.Outputs, o.Format)
			}
		}
	}
	if q := mc.QuantitativeAnalysis; q != nil && q.PerformanceMetrics != nil {
		for _, pm := range *q.PerformanceMetrics {
			m.Metrics = append(m.Metrics, strings.TrimSpace(joinNonEmpty(" ", pm.Type+"="+pm.Value, pm.Slice)))
		}
	}
	if cons := mc.Considerations; cons != nil {
		deref := func(p *[]string) []string {
			if p == nil {
				return nil
			}
			return slices.Clone(*p)
		}
		m.Users, m.UseCases, m.TechnicalLimitations = deref(cons.Users), deref(cons.UseCases), deref(cons.TechnicalLimitations)
		if cons.EthicalConsiderations != nil {
			for _, e := range *cons.EthicalConsiderations {
				m.EthicalConsiderations = append(m.EthicalConsiderations, joinNonEmpty(": ", e.Name, e.MitigationStrategy))
			}
		}
		if cons.FairnessAssessments != nil {
			for _, f := range *cons.FairnessAssessments {
				m.FairnessAssessments = append(m.FairnessAssessments, joinNonEmpty(": ", f.GroupAtRisk, f.Harms))
			}
		}
	}
	return m
}

func orgName(orgs ...*cdx.OrganizationalEntity) string {
	for _, o := range orgs {
		if o != nil && o.Name != "" {
			return o.Name
		}
	}
	return ""
}

func joinNonEmpty(sep string, parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, sep)
}

// sbomLibrary matches one SBOM component against the AI package tables by its purl.
func sbomLibrary(sigs *Signatures, file, purl, group, name, version string) (Finding, bool) {
	if purl == "" {
		return Finding{}, false
	}
	p, err := packageurl.FromString(purl)
	if err != nil {
		return Finding{}, false
	}
	eco, ok := purlEcosystem[p.Type]
	if !ok {
		return Finding{}, false
	}
	pkg := p.Name
	switch eco {
	case "maven":
		pkg = p.Namespace + ":" + p.Name
	case "npm", "packagist", "go":
		if p.Namespace != "" {
			pkg = p.Namespace + "/" + p.Name
		}
	}
	tech, ok := sigs.packageTechnology(eco, pkg)
	if !ok {
		return Finding{}, false
	}
	return Finding{Path: file, Kind: KindSBOMComponent, Technology: tech, Evidence: purl, Confidence: ConfidenceHigh}, true
}

// componentKey identifies a component across versions: its purl without version, else its name.
func componentKey(purl, group, name string) string {
	if p, err := packageurl.FromString(purl); err == nil && purl != "" {
		p.Version = ""
		p.Qualifiers = nil
		p.Subpath = ""
		return p.ToString()
	}
	return joinNonEmpty("/", group, name)
}

func sbomCandidate(sigs *Signatures, file, key, name string, findings []Finding) Candidate {
	techs := map[string]bool{}
	for _, f := range findings {
		techs[f.Technology] = true
	}
	c := Candidate{
		Fingerprint:  fingerprint(SourceSBOM, key),
		Name:         name,
		Source:       SourceSBOM,
		Location:     file,
		Technologies: sortedKeys(techs),
		Confidence:   ConfidenceHigh,
		Evidence:     slices.Clone(findings[:min(len(findings), maxEvidence)]),
	}
	return c
}

// spdxDocument is the subset of SPDX 2.3 JSON that discovery reads.
type spdxDocument struct {
	SPDXVersion       string   `json:"spdxVersion"`
	Name              string   `json:"name"`
	DocumentDescribes []string `json:"documentDescribes"`
	Packages          []struct {
		SPDXID                string `json:"SPDXID"`
		Name                  string `json:"name"`
		VersionInfo           string `json:"versionInfo"`
		Supplier              string `json:"supplier"`
		Originator            string `json:"originator"`
		Description           string `json:"description"`
		PrimaryPackagePurpose string `json:"primaryPackagePurpose"`
		ExternalRefs          []struct {
			ReferenceCategory string `json:"referenceCategory"`
			ReferenceType     string `json:"referenceType"`
			ReferenceLocator  string `json:"referenceLocator"`
		} `json:"externalRefs"`
	} `json:"packages"`
	Relationships []struct {
		SPDXElementID      string `json:"spdxElementId"`
		RelationshipType   string `json:"relationshipType"`
		RelatedSPDXElement string `json:"relatedSpdxElement"`
	} `json:"relationships"`
}

func parseSPDX(sigs *Signatures, name string, data []byte) (SBOMResult, error) {
	var doc spdxDocument
	if err := json.Unmarshal(data, &doc); err != nil {
		return SBOMResult{}, fmt.Errorf("%s: SPDX: %w", name, jsonErrorDetail(data, err))
	}
	if doc.SPDXVersion != "SPDX-2.3" && doc.SPDXVersion != "SPDX-2.2" {
		return SBOMResult{}, errors.New(name + ": SPDX version " + doc.SPDXVersion + " is not supported (2.2 and 2.3 JSON are)")
	}
	res := SBOMResult{Format: doc.SPDXVersion, Components: len(doc.Packages)}
	described := map[string]bool{}
	for _, id := range doc.DocumentDescribes {
		described[id] = true
	}
	for _, r := range doc.Relationships {
		if r.RelationshipType == "DESCRIBES" && r.SPDXElementID == "SPDXRef-DOCUMENT" {
			described[r.RelatedSPDXElement] = true
		}
	}
	rootName, rootKey, supplier, purpose := doc.Name, "spdx:"+doc.Name, "", ""
	for _, p := range doc.Packages {
		purl := ""
		for _, ref := range p.ExternalRefs {
			if ref.ReferenceType == "purl" {
				purl = ref.ReferenceLocator
			}
		}
		if described[p.SPDXID] {
			rootName, rootKey, purpose = p.Name, componentKey(purl, "", p.Name), p.Description
			if s := strings.TrimSpace(p.Supplier); s != "" && s != "NOASSERTION" {
				supplier = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(s, "Organization:"), "Person:"))
			}
			continue
		}
		if f, ok := sbomLibrary(sigs, name, purl, "", p.Name, p.VersionInfo); ok {
			res.Findings = append(res.Findings, f)
		}
	}
	if len(res.Findings) > 0 {
		c := sbomCandidate(sigs, name, rootKey, rootName, res.Findings)
		c.SuggestedSourcing = SourcingInternal
		c.Purpose = purpose
		if supplier != "" {
			c.SuggestedSourcing = SourcingEmbeddedInProduct
			c.Vendor = supplier
		}
		res.Candidates = append(res.Candidates, c)
	}
	return res, nil
}
