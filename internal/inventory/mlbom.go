package inventory

import (
	"fmt"
	"io"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// PropertyPrefix namespaces Annexa's CycloneDX properties.
const PropertyPrefix = "annexa:"

// MLBOMOptions describe the export: whose register it is, and when and by what it was made.
type MLBOMOptions struct {
	Organisation string
	Tool         string // e.g. "annexa 1.2.0"
	At           time.Time
	SerialNumber string // urn:uuid:…; empty for none
}

// MLBOM renders the register as a CycloneDX 1.6 ML-BOM: each system an application component
// with its vendor as supplier and its EU AI Act tier and roles as properties; each model a
// machine-learning-model component inside it, with its model card in CycloneDX's own terms.
func MLBOM(systems []System, ownerEmail func(string) string, o MLBOMOptions) *cdx.BOM {
	bom := cdx.NewBOM()
	bom.SpecVersion = cdx.SpecVersion1_6
	bom.SerialNumber = o.SerialNumber
	tool := o.Tool
	if tool == "" {
		tool = "annexa"
	}
	name, version, _ := strings.Cut(tool, " ")
	bom.Metadata = &cdx.Metadata{
		Timestamp: o.At.UTC().Format(time.RFC3339),
		Tools:     &cdx.ToolsChoice{Components: &[]cdx.Component{{Type: cdx.ComponentTypeApplication, Name: name, Version: version}}},
		Component: &cdx.Component{BOMRef: "organisation", Type: cdx.ComponentTypePlatform, Name: o.Organisation + " AI system register",
			Description: "The AI systems " + o.Organisation + " has in scope of its AI management system"},
	}
	comps := make([]cdx.Component, 0, len(systems))
	deps := []cdx.Dependency{}
	top := []string{}
	for _, s := range systems {
		ref := "ai-system:" + s.ID
		top = append(top, ref)
		c := cdx.Component{BOMRef: ref, Type: cdx.ComponentTypeApplication, Name: s.Name, Description: s.IntendedPurpose}
		if s.Vendor != "" {
			c.Supplier = &cdx.OrganizationalEntity{Name: s.Vendor}
		}
		props := []cdx.Property{}
		add := func(k, v string) {
			if v != "" {
				props = append(props, cdx.Property{Name: PropertyPrefix + k, Value: v})
			}
		}
		add("eu-ai-act:tier", string(s.Tier()))
		if r := s.Classification; r != nil {
			if r.HighRiskBasis != nil {
				add("eu-ai-act:high-risk-basis", string(*r.HighRiskBasis))
			}
			add("eu-ai-act:annex-iii-points", joinList(r.AnnexIIIPoints))
			add("eu-ai-act:transparency-obligations", strings.Join(r.TransparencyObligations, ";"))
			if r.GPAI.Model {
				add("eu-ai-act:gpai-model", "true")
			}
			if r.GPAI.SystemicRisk {
				add("eu-ai-act:gpai-systemic-risk", "true")
			}
		}
		add("eu-ai-act:roles", joinList(s.ActRoles))
		add("iso-22989:roles", joinList(s.AIRoles))
		add("sourcing", string(s.Sourcing))
		add("lifecycle-stage", string(s.LifecycleStage))
		add("business-unit", s.BusinessUnit)
		if ownerEmail != nil && s.OwnerID != "" {
			add("owner", ownerEmail(s.OwnerID))
		}
		add("affected-groups", joinList(s.AffectedGroups))
		add("personal-data", yesNo(s.PersonalData))
		add("special-category-data", yesNo(s.SpecialCategoryData))
		add("automation", string(s.Automation))
		add("criticality", string(s.Criticality))
		add("deployment-context", s.DeploymentContext)
		add("decisions-informed", s.DecisionsInformed)
		add("human-oversight", s.HumanOversight)
		if s.ReviewDue {
			add("review-due", "true")
		}
		if len(props) > 0 {
			c.Properties = &props
		}
		var models []cdx.Component
		var modelRefs []string
		for i, m := range s.Models {
			mref := fmt.Sprintf("%s/model:%d", ref, i)
			modelRefs = append(modelRefs, mref)
			models = append(models, modelComponent(mref, m))
		}
		if len(models) > 0 {
			c.Components = &models
			deps = append(deps, cdx.Dependency{Ref: ref, Dependencies: &modelRefs})
		}
		comps = append(comps, c)
	}
	bom.Components = &comps
	if len(top) > 0 {
		deps = append([]cdx.Dependency{{Ref: "organisation", Dependencies: &top}}, deps...)
		bom.Dependencies = &deps
	}
	return bom
}

func modelComponent(ref string, m Model) cdx.Component {
	c := cdx.Component{BOMRef: ref, Type: cdx.ComponentTypeMachineLearningModel, Name: m.Name, Version: m.Version}
	if m.Provider != "" {
		c.Supplier = &cdx.OrganizationalEntity{Name: m.Provider}
	}
	if m.Licence != "" {
		lic := cdx.Licenses{{License: &cdx.License{Name: m.Licence}}}
		if !strings.ContainsAny(m.Licence, " ,") {
			lic = cdx.Licenses{{License: &cdx.License{ID: m.Licence}}}
		}
		c.Licenses = &lic
	}
	if m.Type != "" {
		c.Properties = &[]cdx.Property{{Name: PropertyPrefix + "model-type", Value: m.Type}}
	}
	card := &cdx.MLModelCard{}
	if mc := m.ModelCard; mc != nil {
		if mc.Task != "" || mc.ArchitectureFamily != "" || mc.ModelArchitecture != "" || len(mc.Datasets) > 0 {
			p := &cdx.MLModelParameters{Task: mc.Task, ArchitectureFamily: mc.ArchitectureFamily, ModelArchitecture: mc.ModelArchitecture}
			if len(mc.Datasets) > 0 {
				ds := make([]cdx.MLDatasetChoice, len(mc.Datasets))
				for i, d := range mc.Datasets {
					ds[i] = cdx.MLDatasetChoice{ComponentData: &cdx.ComponentData{Type: cdx.ComponentDataTypeDataset, Name: d}}
				}
				p.Datasets = &ds
			}
			card.ModelParameters = p
		}
		if len(mc.PerformanceMetrics) > 0 {
			ms := make([]cdx.MLPerformanceMetric, len(mc.PerformanceMetrics))
			for i, x := range mc.PerformanceMetrics {
				ms[i] = cdx.MLPerformanceMetric{Type: x.Type, Value: x.Value, Slice: x.Slice}
			}
			card.QuantitativeAnalysis = &cdx.MLQuantitativeAnalysis{PerformanceMetrics: &ms}
		}
		cons := &cdx.MLModelCardConsiderations{Users: optional(mc.Users), UseCases: optional(mc.UseCases), TechnicalLimitations: optional(mc.TechnicalLimitations)}
		if len(mc.EthicalConsiderations) > 0 {
			ec := make([]cdx.MLModelCardEthicalConsideration, len(mc.EthicalConsiderations))
			for i, e := range mc.EthicalConsiderations {
				ec[i] = cdx.MLModelCardEthicalConsideration{Name: e}
			}
			cons.EthicalConsiderations = &ec
		}
		if len(mc.FairnessAssessments) > 0 {
			fa := make([]cdx.MLModelCardFairnessAssessment, len(mc.FairnessAssessments))
			for i, f := range mc.FairnessAssessments {
				fa[i] = cdx.MLModelCardFairnessAssessment{GroupAtRisk: f}
			}
			cons.FairnessAssessments = &fa
		}
		if cons.Users != nil || cons.UseCases != nil || cons.TechnicalLimitations != nil || cons.EthicalConsiderations != nil || cons.FairnessAssessments != nil {
			card.Considerations = cons
		}
	}
	if card.ModelParameters != nil || card.QuantitativeAnalysis != nil || card.Considerations != nil {
		c.ModelCard = card
	}
	return c
}

func optional(xs []string) *[]string {
	if len(xs) == 0 {
		return nil
	}
	return &xs
}

// WriteMLBOM writes the ML-BOM as CycloneDX 1.6 JSON.
func WriteMLBOM(w io.Writer, bom *cdx.BOM) error {
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true).SetEscapeHTML(false)
	return enc.EncodeVersion(bom, cdx.SpecVersion1_6)
}
