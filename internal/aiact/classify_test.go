package aiact

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// testDate is the as-of date of the scenarios: the day the data was last checked.
var testDate = time.Date(2026, 11, 27, 15, 4, 5, 0, time.UTC)

type scenario struct {
	name  string
	facts string // JSON, as the API and CLI receive it
	asOf  time.Time

	tier         Tier
	basis        HighRiskBasis // "" for null
	derogation   bool
	transparency []string
	gpai         GPAIResult
	refs         []string // reason refs that must appear
	obligations  []string // "role item applies_from", e.g. "deployer Art.26 2027-12-02"
	absent       []string // "role item" that must not appear
}

const eu = `"eu_nexus": {"placed_on_market_or_put_into_service_in_eu": true}`

var scenarios = []scenario{
	{
		name:  "CV screening bought and used by an employer",
		facts: `{"name": "CV screening", "roles": ["deployer"], ` + eu + `, "annex_iii_use_cases": ["4a"], "profiling_of_natural_persons": true}`,
		tier:  TierHigh, basis: BasisAnnexIII,
		refs:        []string{"Art. 2(1)(a)", "Art. 6(2), Annex III 4(a)"},
		obligations: []string{"deployer Art.26 2027-12-02", "deployer Art.4 2025-02-02", "deployer Art.25 2027-12-02"},
		absent:      []string{"deployer Art.27", "provider Art.16", "deployer Art.9"},
	},
	{
		name:  "CV screening built and sold by its provider",
		facts: `{"roles": ["provider"], ` + eu + `, "annex_iii_use_cases": ["4a"]}`,
		tier:  TierHigh, basis: BasisAnnexIII,
		refs: []string{"Art. 6(2), Annex III 4(a)"},
		obligations: []string{"provider Art.9 2027-12-02", "provider Art.10 2027-12-02", "provider Art.14 2027-12-02",
			"provider Art.16 2027-12-02", "provider Art.17 2027-12-02", "provider Art.18 2027-12-02", "provider Art.19 2027-12-02",
			"provider Art.20 2027-12-02", "provider Art.43 2027-12-02", "provider Art.47 2027-12-02", "provider Art.48 2027-12-02",
			"provider Art.49(1) 2027-12-02", "provider Art.72 2027-12-02", "provider Art.73 2027-12-02", "provider Art.4 2025-02-02"},
		absent: []string{"provider Art.6(4)", "provider Art.49(2)", "provider Art.26"},
	},
	{
		name:  "credit scoring by a bank: FRIA although private",
		facts: `{"roles": ["deployer"], "eu_nexus": {"deployer_established_in_eu": true}, "annex_iii_use_cases": ["5b"], "profiling_of_natural_persons": true}`,
		tier:  TierHigh, basis: BasisAnnexIII,
		refs:        []string{"Art. 2(1)(b)", "Art. 6(2), Annex III 5(b)", "Art. 27(1)"},
		obligations: []string{"deployer Art.26 2027-12-02", "deployer Art.27 2027-12-02"},
	},
	{
		name:  "life insurance pricing: FRIA",
		facts: `{"roles": ["deployer"], ` + eu + `, "annex_iii_use_cases": ["5c"]}`,
		tier:  TierHigh, basis: BasisAnnexIII,
		refs:        []string{"Art. 6(2), Annex III 5(c)", "Art. 27(1)"},
		obligations: []string{"deployer Art.27 2027-12-02"},
	},
	{
		name:        "fraud detection carved out of credit scoring",
		facts:       `{"roles": ["deployer"], ` + eu + `, "annex_iii_use_cases": ["5b"], "annex_iii_carve_outs": ["financial_fraud_detection"]}`,
		tier:        TierMinimal,
		refs:        []string{"Annex III 5(b)", "Art. 95"},
		absent:      []string{"deployer Art.26", "deployer Art.27"},
		obligations: []string{"deployer Art.4 2025-02-02"},
	},
	{
		name:         "customer-service chatbot",
		facts:        `{"roles": ["provider", "deployer"], ` + eu + `, "transparency_indicators": ["interacts_directly_with_natural_persons"]}`,
		tier:         TierLimited,
		transparency: []string{"50(1)"},
		refs:         []string{"Art. 50(1)"},
		obligations:  []string{"provider Art.50(1) 2026-08-02", "provider Art.4 2025-02-02", "deployer Art.4 2025-02-02"},
		absent:       []string{"deployer Art.50(1)", "provider Art.50(2)", "deployer Art.26"},
	},
	{
		name:         "deepfake video generator",
		facts:        `{"roles": ["provider", "deployer"], "eu_nexus": {"output_used_in_eu": true}, "transparency_indicators": ["generates_synthetic_content", "deep_fake"]}`,
		tier:         TierLimited,
		transparency: []string{"50(2)", "50(4)"},
		refs:         []string{"Art. 2(1)(c)", "Art. 50(2)", "Art. 50(4)"},
		obligations:  []string{"provider Art.50(2) 2026-08-02", "deployer Art.50(4) 2026-08-02"},
		absent:       []string{"provider Art.50(4)", "deployer Art.50(2)", "provider Art.50(1)"},
	},
	{
		name:  "exam proctoring at a public university",
		facts: `{"roles": ["deployer"], ` + eu + `, "annex_iii_use_cases": ["3d"], "deployer_public_body_or_public_service": true}`,
		tier:  TierHigh, basis: BasisAnnexIII,
		refs:        []string{"Art. 6(2), Annex III 3(d)", "Art. 27(1)"},
		obligations: []string{"deployer Art.26 2027-12-02", "deployer Art.27 2027-12-02"},
	},
	{
		name:        "emotion recognition of employees: prohibited",
		facts:       `{"roles": ["deployer"], ` + eu + `, "prohibited_practice_indicators": ["emotion_recognition_workplace_education"], "transparency_indicators": ["emotion_recognition_or_biometric_categorisation"]}`,
		tier:        TierProhibited,
		refs:        []string{"Art. 5(1)(f)"},
		obligations: []string{"deployer Art.5(1)(f) 2025-02-02"},
		absent:      []string{"deployer Art.50(3)", "deployer Art.4", "deployer Art.26"},
	},
	{
		name:  "driver fatigue detection at work for safety: exception, then high-risk",
		facts: `{"roles": ["deployer"], ` + eu + `, "prohibited_practice_indicators": ["emotion_recognition_workplace_education"], "emotion_recognition_medical_or_safety": true}`,
		tier:  TierHigh, basis: BasisAnnexIII,
		transparency: []string{"50(3)"},
		refs:         []string{"Art. 5(1)(f)", "Art. 6(2), Annex III 1(c)", "Art. 50(3)"},
		obligations:  []string{"deployer Art.26 2027-12-02", "deployer Art.50(3) 2026-08-02"},
		absent:       []string{"deployer Art.5(1)(f)"},
	},
	{
		name:  "diagnostic AI in a medical device (Annex I)",
		facts: `{"roles": ["provider"], ` + eu + `, "annex_i_safety_component_third_party_assessed": true}`,
		tier:  TierHigh, basis: BasisAnnexI,
		refs:        []string{"Art. 6(1), Annex I", "Art. 2(2)"},
		obligations: []string{"provider Art.9 2028-08-02", "provider Art.16 2028-08-02", "provider Art.43 2028-08-02", "provider Art.72 2028-08-02"},
		absent:      []string{"provider Art.49(1)", "provider Art.27"},
	},
	{
		name:  "product manufacturer of a machine with an AI safety component",
		facts: `{"roles": ["product_manufacturer"], ` + eu + `, "annex_i_safety_component_third_party_assessed": true}`,
		tier:  TierHigh, basis: BasisAnnexI,
		refs:        []string{"Art. 25(3)"},
		obligations: []string{"product_manufacturer Art.16 2028-08-02", "product_manufacturer Art.9 2028-08-02"},
	},
	{
		name:  "product manufacturer's Annex III system: no provider duties by Art. 25(3)",
		facts: `{"roles": ["product_manufacturer"], ` + eu + `, "annex_iii_use_cases": ["4b"]}`,
		tier:  TierHigh, basis: BasisAnnexIII,
		absent: []string{"product_manufacturer Art.16", "product_manufacturer Art.9"},
	},
	{
		name:  "Annex I product also used for benefits eligibility: the earlier Annex III date applies",
		facts: `{"roles": ["provider"], ` + eu + `, "annex_i_safety_component_third_party_assessed": true, "annex_iii_use_cases": ["5a"]}`,
		tier:  TierHigh, basis: BasisAnnexI,
		refs:        []string{"Art. 6(1), Annex I", "Art. 6(2), Annex III 5(a)"},
		obligations: []string{"provider Art.9 2027-12-02", "provider Art.49(1) 2027-12-02"},
	},
	{
		name:  "general-purpose model above 10^25 FLOP",
		facts: `{"roles": ["provider"], ` + eu + `, "gpai": {"is_gpai_model": true, "training_compute_flops": 3.8e25}}`,
		tier:  TierMinimal, gpai: GPAIResult{Model: true, SystemicRisk: true},
		refs: []string{"Art. 3(63), Art. 53", "Art. 51(2)"},
		obligations: []string{"provider Art.53(1)(a) 2025-08-02", "provider Art.53(1)(b) 2025-08-02", "provider Art.53(1)(c) 2025-08-02",
			"provider Art.53(1)(d) 2025-08-02", "provider Art.52 2025-08-02", "provider Art.55 2025-08-02"},
	},
	{
		name:  "general-purpose model below 10^25 FLOP",
		facts: `{"roles": ["provider"], ` + eu + `, "gpai": {"is_gpai_model": true, "training_compute_flops": 5e24}}`,
		tier:  TierMinimal, gpai: GPAIResult{Model: true},
		refs:        []string{"Art. 51(2)"},
		obligations: []string{"provider Art.53(1)(a) 2025-08-02", "provider Art.53(1)(d) 2025-08-02"},
		absent:      []string{"provider Art.55", "provider Art.52"},
	},
	{
		name:  "exactly 10^25 FLOP is not above the threshold",
		facts: `{"roles": ["provider"], ` + eu + `, "gpai": {"is_gpai_model": true, "training_compute_flops": 1e25}}`,
		tier:  TierMinimal, gpai: GPAIResult{Model: true},
		absent: []string{"provider Art.55"},
	},
	{
		name:  "model designated systemic by the Commission",
		facts: `{"roles": ["provider"], ` + eu + `, "gpai": {"is_gpai_model": true, "training_compute_flops": 2e24, "designated_systemic_by_commission": true}}`,
		tier:  TierMinimal, gpai: GPAIResult{Model: true, SystemicRisk: true},
		refs:        []string{"Art. 51(1)(b), Art. 52(4)"},
		obligations: []string{"provider Art.55 2025-08-02"},
	},
	{
		name:  "open-source model below the threshold: documentation exemption",
		facts: `{"roles": ["provider", "authorised_representative"], ` + eu + `, "gpai": {"is_gpai_model": true, "training_compute_flops": 8e23, "free_open_source_licence": true}}`,
		tier:  TierMinimal, gpai: GPAIResult{Model: true},
		refs:        []string{"Art. 53(2)"},
		obligations: []string{"provider Art.53(1)(c) 2025-08-02", "provider Art.53(1)(d) 2025-08-02"},
		absent:      []string{"provider Art.53(1)(a)", "provider Art.53(1)(b)", "authorised_representative Art.54"},
	},
	{
		name:  "open-source model with systemic risk keeps every obligation",
		facts: `{"roles": ["provider", "authorised_representative"], ` + eu + `, "gpai": {"is_gpai_model": true, "training_compute_flops": 2e25, "free_open_source_licence": true}}`,
		tier:  TierMinimal, gpai: GPAIResult{Model: true, SystemicRisk: true},
		refs:        []string{"Art. 53(2)", "Art. 51(2)"},
		obligations: []string{"provider Art.53(1)(a) 2025-08-02", "provider Art.55 2025-08-02", "authorised_representative Art.54 2025-08-02"},
	},
	{
		name:  "military targeting system: outside the Act",
		facts: `{"roles": ["provider"], ` + eu + `, "excluded_purpose": "military_defence_national_security", "annex_iii_use_cases": ["6e"], "transparency_indicators": ["interacts_directly_with_natural_persons"]}`,
		tier:  TierOutOfScope,
		refs:  []string{"Art. 2(3)"},
	},
	{
		name:  "scientific research model: outside the Act",
		facts: `{"roles": ["provider"], ` + eu + `, "excluded_purpose": "scientific_research_and_development", "annex_iii_use_cases": ["1a"]}`,
		tier:  TierOutOfScope,
		refs:  []string{"Art. 2(6)"},
	},
	{
		name:  "prototype tested before market: outside the Act",
		facts: `{"roles": ["provider"], ` + eu + `, "excluded_purpose": "research_testing_before_market", "annex_iii_use_cases": ["4a"]}`,
		tier:  TierOutOfScope,
		refs:  []string{"Art. 2(8)"},
	},
	{
		name:  "no EU nexus",
		facts: `{"roles": ["provider", "deployer"], "eu_nexus": {}, "annex_iii_use_cases": ["4a"], "gpai": {"is_gpai_model": true, "training_compute_flops": 1e26}}`,
		tier:  TierOutOfScope, // and so no GPAI classification either
		refs:  []string{"Art. 2(1)"},
	},
	{
		name:  "personal use by a natural person: deployer out of scope",
		facts: `{"roles": ["deployer"], ` + eu + `, "excluded_purpose": "personal_non_professional", "transparency_indicators": ["deep_fake"]}`,
		tier:  TierOutOfScope,
		refs:  []string{"Art. 2(10)"},
	},
	{
		name:         "personal use excludes the deployer role only",
		facts:        `{"roles": ["provider", "deployer"], ` + eu + `, "excluded_purpose": "personal_non_professional", "transparency_indicators": ["generates_synthetic_content", "deep_fake"]}`,
		tier:         TierLimited,
		transparency: []string{"50(2)", "50(4)"},
		refs:         []string{"Art. 2(10)"},
		obligations:  []string{"provider Art.50(2) 2026-08-02"},
		absent:       []string{"deployer Art.50(4)", "deployer Art.4"},
	},
	{
		name:  "Art. 6(3) derogation accepted: duplicate-application detector in recruiting",
		facts: `{"roles": ["provider"], ` + eu + `, "annex_iii_use_cases": ["4a"], "art6_3_conditions": ["narrow_procedural_task"]}`,
		tier:  TierMinimal, derogation: true,
		refs:        []string{"Art. 6(2), Annex III 4(a)", "Art. 6(3)(a)"},
		obligations: []string{"provider Art.6(4) 2027-12-02", "provider Art.49(2) 2027-12-02", "provider Art.4 2025-02-02"},
		absent:      []string{"provider Art.16", "provider Art.49(1)", "provider Art.9"},
	},
	{
		name:  "Art. 6(3) derogation refused: the system profiles candidates",
		facts: `{"roles": ["provider"], ` + eu + `, "annex_iii_use_cases": ["4a"], "art6_3_conditions": ["preparatory_task", "narrow_procedural_task"], "profiling_of_natural_persons": true}`,
		tier:  TierHigh, basis: BasisAnnexIII,
		refs:        []string{"Art. 6(3), third subparagraph"},
		obligations: []string{"provider Art.16 2027-12-02"},
		absent:      []string{"provider Art.6(4)", "provider Art.49(2)"},
	},
	{
		name:  "Art. 6(3) does not lift Annex I",
		facts: `{"roles": ["provider"], ` + eu + `, "annex_i_safety_component_third_party_assessed": true, "annex_iii_use_cases": ["5d"], "art6_3_conditions": ["preparatory_task"]}`,
		tier:  TierHigh, basis: BasisAnnexI,
		refs:        []string{"Art. 6(3)(d)"},
		absent:      []string{"provider Art.6(4)", "provider Art.49(1)"},
		obligations: []string{"provider Art.9 2028-08-02"},
	},
	{
		name:  "benefits eligibility at a public agency: FRIA",
		facts: `{"roles": ["deployer"], ` + eu + `, "annex_iii_use_cases": ["5a"], "deployer_public_body_or_public_service": true}`,
		tier:  TierHigh, basis: BasisAnnexIII,
		refs:        []string{"Art. 27(1)"},
		obligations: []string{"deployer Art.27 2027-12-02", "deployer Art.26 2027-12-02"},
	},
	{
		name:  "public water utility's critical-infrastructure AI: no FRIA (Annex III point 2)",
		facts: `{"roles": ["deployer"], ` + eu + `, "annex_iii_use_cases": ["2"], "deployer_public_body_or_public_service": true}`,
		tier:  TierHigh, basis: BasisAnnexIII,
		refs:        []string{"Art. 6(2), Annex III 2", "Art. 27(1)"},
		obligations: []string{"deployer Art.26 2027-12-02"},
		absent:      []string{"deployer Art.27"},
	},
	{
		name:  "private recruiter: no FRIA",
		facts: `{"roles": ["deployer"], ` + eu + `, "annex_iii_use_cases": ["4a"]}`,
		tier:  TierHigh, basis: BasisAnnexIII,
		absent: []string{"deployer Art.27"},
	},
	{
		name:   "face unlock for staff: biometric verification carve-out",
		facts:  `{"roles": ["deployer"], ` + eu + `, "annex_iii_use_cases": ["1a"], "annex_iii_carve_outs": ["biometric_verification_only"]}`,
		tier:   TierMinimal,
		refs:   []string{"Annex III 1(a)"},
		absent: []string{"deployer Art.26"},
	},
	{
		name:  "carve-out for a point that is not listed changes nothing",
		facts: `{"roles": ["deployer"], ` + eu + `, "annex_iii_use_cases": ["5b"], "annex_iii_carve_outs": ["campaign_logistics_only"]}`,
		tier:  TierHigh, basis: BasisAnnexIII,
		obligations: []string{"deployer Art.27 2027-12-02"},
	},
	{
		name:        "social scoring of citizens",
		facts:       `{"roles": ["provider", "deployer"], ` + eu + `, "prohibited_practice_indicators": ["social_scoring"], "annex_iii_use_cases": ["5a"], "transparency_indicators": ["interacts_directly_with_natural_persons"]}`,
		tier:        TierProhibited,
		refs:        []string{"Art. 5(1)(c)"},
		obligations: []string{"provider Art.5(1)(c) 2025-02-02", "deployer Art.5(1)(c) 2025-02-02"},
		absent:      []string{"provider Art.16", "deployer Art.26", "provider Art.50(1)"},
	},
	{
		name:        "live facial recognition by police without authorisation",
		facts:       `{"roles": ["deployer"], ` + eu + `, "prohibited_practice_indicators": ["realtime_remote_biometric_identification_public_law_enforcement"]}`,
		tier:        TierProhibited,
		refs:        []string{"Art. 5(1)(h)"},
		obligations: []string{"deployer Art.5(1)(h) 2025-02-02"},
	},
	{
		name:  "live facial recognition under an authorised Art. 5(1)(h) exception",
		facts: `{"roles": ["deployer"], ` + eu + `, "prohibited_practice_indicators": ["realtime_remote_biometric_identification_public_law_enforcement"], "law_enforcement_exception_authorised": true, "deployer_public_body_or_public_service": true}`,
		tier:  TierHigh, basis: BasisAnnexIII,
		refs:        []string{"Art. 5(1)(h), Art. 5(3)", "Art. 6(2), Annex III 1(a)"},
		obligations: []string{"deployer Art.26 2027-12-02", "deployer Art.27 2027-12-02"},
		absent:      []string{"deployer Art.5(1)(h)"},
	},
	{
		name:        "nudification app: 2026 prohibition, not yet applicable on the as-of date",
		facts:       `{"roles": ["provider"], ` + eu + `, "prohibited_practice_indicators": ["non_consensual_intimate_imagery"], "transparency_indicators": ["generates_synthetic_content"]}`,
		tier:        TierProhibited,
		refs:        []string{"Art. 5(1)(ba)"},
		obligations: []string{"provider Art.5(1)(ba) 2026-12-02"},
		absent:      []string{"provider Art.50(2)"},
	},
	{
		name:         "nudification app before Regulation (EU) 2026/1744 was in force",
		facts:        `{"roles": ["provider"], ` + eu + `, "prohibited_practice_indicators": ["non_consensual_intimate_imagery"], "transparency_indicators": ["generates_synthetic_content"]}`,
		asOf:         time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC),
		tier:         TierLimited,
		transparency: []string{"50(2)"},
		refs:         []string{"Art. 5(1)(ba)", "Art. 50(2)"},
		obligations:  []string{"provider Art.50(2) 2026-08-02"},
		absent:       []string{"provider Art.5(1)(ba)"},
	},
	{
		name:  "CV screening classified before the 2026 amendment: original date",
		facts: `{"roles": ["deployer"], ` + eu + `, "annex_iii_use_cases": ["4a"]}`,
		asOf:  time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC),
		tier:  TierHigh, basis: BasisAnnexIII,
		obligations: []string{"deployer Art.26 2026-08-02"},
	},
	{
		name:  "importer and distributor of a high-risk system",
		facts: `{"roles": ["importer", "distributor"], ` + eu + `, "annex_iii_use_cases": ["3a"]}`,
		tier:  TierHigh, basis: BasisAnnexIII,
		obligations: []string{"importer Art.23 2027-12-02", "distributor Art.24 2027-12-02", "importer Art.25 2027-12-02"},
		absent:      []string{"importer Art.16", "distributor Art.26"},
	},
	{
		name:  "no role given: tier without obligations",
		facts: `{` + eu + `, "annex_iii_use_cases": ["8a"]}`,
		tier:  TierHigh, basis: BasisAnnexIII,
		refs: []string{"Art. 3(3)-(8)", "Art. 6(2), Annex III 8(a)"},
	},
	{
		name:  "empty facts: no EU nexus",
		facts: `{}`,
		tier:  TierOutOfScope,
		refs:  []string{"Art. 2(1)"},
	},
}

func TestClassifyScenarios(t *testing.T) {
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			if err := validateJSON(t, "ai-act-facts.schema.json", []byte(s.facts)); err != nil {
				t.Fatalf("facts not valid per the facts schema: %v", err)
			}
			f, err := DecodeFacts(strings.NewReader(s.facts))
			if err != nil {
				t.Fatal(err)
			}
			asOf := s.asOf
			if asOf.IsZero() {
				asOf = testDate
			}
			r, err := Classify(f, asOf)
			if err != nil {
				t.Fatal(err)
			}
			validateValue(t, "ai-act-result.schema.json", r)
			checkResult(t, s, r)
			if t.Failed() {
				out, _ := json.MarshalIndent(r, "", " ")
				t.Logf("result:\n%s", out)
			}
		})
	}
}

func checkResult(t *testing.T, s scenario, r Result) {
	t.Helper()
	if r.Tier != s.tier {
		t.Errorf("tier %s, want %s", r.Tier, s.tier)
	}
	switch {
	case s.basis == "" && r.HighRiskBasis != nil:
		t.Errorf("high_risk_basis %s, want null", *r.HighRiskBasis)
	case s.basis != "" && (r.HighRiskBasis == nil || *r.HighRiskBasis != s.basis):
		t.Errorf("high_risk_basis %v, want %s", r.HighRiskBasis, s.basis)
	}
	if r.DerogationApplied != s.derogation {
		t.Errorf("derogation_applied %v, want %v", r.DerogationApplied, s.derogation)
	}
	if !slices.Equal(r.TransparencyObligations, s.transparency) && !(len(r.TransparencyObligations) == 0 && len(s.transparency) == 0) {
		t.Errorf("transparency %v, want %v", r.TransparencyObligations, s.transparency)
	}
	if r.GPAI != s.gpai {
		t.Errorf("gpai %+v, want %+v", r.GPAI, s.gpai)
	}
	for _, ref := range s.refs {
		if !slices.ContainsFunc(r.Reasons, func(x Reason) bool { return x.Ref == ref }) {
			t.Errorf("no reason with ref %q", ref)
		}
	}
	for _, x := range r.Reasons {
		if x.Ref == "" || x.Text == "" {
			t.Errorf("reason without ref or text: %+v", x)
		}
	}
	got := make([]string, len(r.Obligations))
	for i, o := range r.Obligations {
		got[i] = fmt.Sprintf("%s %s %s", o.Role, o.Item, o.AppliesFrom)
		if o.Ref != refOf(o.Item) || o.Title == "" || o.Summary == "" || o.DateStatus == "" || o.InEffect == nil {
			t.Errorf("incomplete obligation %+v", o)
		}
	}
	for _, w := range s.obligations {
		if !slices.Contains(got, w) {
			t.Errorf("missing obligation %q", w)
		}
	}
	for _, a := range s.absent {
		if slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, a+" ") }) {
			t.Errorf("unexpected obligation %q", a)
		}
	}
	if (r.Tier == TierOutOfScope || r.Tier == TierProhibited) && len(r.TransparencyObligations) > 0 {
		t.Errorf("transparency obligations on a %s system", r.Tier)
	}
	if r.Tier == TierOutOfScope && len(r.Obligations) > 0 {
		t.Errorf("obligations on an out-of-scope system: %v", got)
	}
	if len(r.Obligations) > 0 && len(got) != len(slices.Compact(slices.Clone(got))) {
		t.Errorf("duplicate obligations: %v", got)
	}
}

func TestInEffectFollowsTheAsOfDate(t *testing.T) {
	f := Facts{Roles: []Role{RoleDeployer}, EUNexus: EUNexus{DeployerEstablishedInEU: true},
		AnnexIIIUseCases: []AnnexIIIPoint{"4a"}}
	for _, c := range []struct {
		asOf        time.Time
		art4, art26 bool
		art26From   string
		art26Status string
	}{
		{time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), false, false, "2026-08-02", "confirmed"},
		{time.Date(2025, 2, 2, 23, 0, 0, 0, time.UTC), true, false, "2026-08-02", "confirmed"},
		{time.Date(2026, 8, 2, 0, 0, 0, 0, time.UTC), true, false, "2027-12-02", "reported"},
		{time.Date(2027, 12, 2, 0, 0, 0, 0, time.FixedZone("CET", 3600)), true, true, "2027-12-02", "reported"},
	} {
		r, err := Classify(f, c.asOf)
		if err != nil {
			t.Fatal(err)
		}
		ob := map[string]Obligation{}
		for _, o := range r.Obligations {
			ob[o.Item] = o
		}
		if *ob["Art.4"].InEffect != c.art4 || *ob["Art.26"].InEffect != c.art26 ||
			ob["Art.26"].AppliesFrom != c.art26From || ob["Art.26"].DateStatus != c.art26Status {
			t.Errorf("as of %s: Art.4 %+v, Art.26 %+v", c.asOf, ob["Art.4"], ob["Art.26"])
		}
	}
}

func TestClassifyWithoutAsOfUsesLatestLaw(t *testing.T) {
	f := Facts{Roles: []Role{RoleProvider}, EUNexus: EUNexus{OutputUsedInEU: true},
		ProhibitedPracticeIndicators: []ProhibitedPractice{"child_sexual_abuse_material"}}
	r, err := Classify(f, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	validateValue(t, "ai-act-result.schema.json", r)
	if r.Tier != TierProhibited || r.AsOf != "" || len(r.Obligations) != 1 ||
		r.Obligations[0].AppliesFrom != "2026-12-02" || r.Obligations[0].InEffect != nil || r.Obligations[0].DateStatus != "reported" {
		t.Errorf("got %+v", r)
	}
}

func TestClassifyIsDeterministic(t *testing.T) {
	for _, s := range scenarios {
		f, err := DecodeFacts(strings.NewReader(s.facts))
		if err != nil {
			t.Fatal(err)
		}
		a, _ := Classify(f, testDate)
		// Same facts in another order of roles and use cases: same result.
		slices.Reverse(f.Roles)
		slices.Reverse(f.AnnexIIIUseCases)
		slices.Reverse(f.TransparencyIndicators)
		b, _ := Classify(f, testDate)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: result depends on the order of the facts", s.name)
		}
	}
}

func TestClassifyRejectsInvalidFacts(t *testing.T) {
	_, err := Classify(Facts{AnnexIIIUseCases: []AnnexIIIPoint{"9z"}}, testDate)
	if err == nil || !strings.Contains(err.Error(), "annex_iii_use_cases[0]") {
		t.Errorf("got %v", err)
	}
}

func TestRefOf(t *testing.T) {
	for id, want := range map[string]string{
		"Art.9": "Art. 9", "Art.5(1)(ba)": "Art. 5(1)(ba)", "AnnexIII.4(a)": "Annex III 4(a)",
		"AnnexIII.2": "Annex III 2", "AnnexI.B": "Annex I, Section B",
	} {
		if got := refOf(id); got != want {
			t.Errorf("refOf(%s) = %s, want %s", id, got, want)
		}
	}
}

func TestDerogationOnAnAnnexIProductSaysWhyItStaysHighRisk(t *testing.T) {
	f := Facts{Roles: []Role{RoleProvider}, EUNexus: EUNexus{PlacedOnMarketOrPutIntoServiceInEU: true},
		AnnexISafetyComponentThirdPartyAssessed: true, AnnexIIIUseCases: []AnnexIIIPoint{"5d"},
		Art63Conditions: []DerogationCondition{"preparatory_task"}}
	r, err := Classify(f, testDate)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(r.Reasons, func(x Reason) bool { return x.Ref == "Art. 6(3)(d)" })
	if i < 0 || !strings.Contains(r.Reasons[i].Text, "stays high-risk under Art. 6(1)") || r.DerogationApplied {
		t.Errorf("got %+v", r)
	}
}
