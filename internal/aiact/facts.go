package aiact

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
)

// Role is an organisation's role for an AI system or model (Art. 3(3)-(8)).
type Role string

const (
	RoleProvider                 Role = "provider"
	RoleDeployer                 Role = "deployer"
	RoleImporter                 Role = "importer"
	RoleDistributor              Role = "distributor"
	RoleAuthorisedRepresentative Role = "authorised_representative"
	RoleProductManufacturer      Role = "product_manufacturer"
)

// Roles lists every role in the order obligations are reported.
var Roles = []Role{RoleProvider, RoleDeployer, RoleImporter, RoleDistributor, RoleAuthorisedRepresentative, RoleProductManufacturer}

func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// ExcludedPurpose is an exclusion from the Act's scope (Art. 2(3), 2(6), 2(8), 2(10)).
type ExcludedPurpose string

const (
	ExcludedNone                    ExcludedPurpose = "none"
	ExcludedMilitary                ExcludedPurpose = "military_defence_national_security"
	ExcludedScientificResearch      ExcludedPurpose = "scientific_research_and_development"
	ExcludedPersonalNonProfessional ExcludedPurpose = "personal_non_professional"
	ExcludedResearchBeforeMarket    ExcludedPurpose = "research_testing_before_market"
)

var ExcludedPurposes = []ExcludedPurpose{ExcludedNone, ExcludedMilitary, ExcludedScientificResearch, ExcludedPersonalNonProfessional, ExcludedResearchBeforeMarket}

// Valid reports whether p is a known value; the empty value means "none".
func (p ExcludedPurpose) Valid() bool { return p == "" || slices.Contains(ExcludedPurposes, p) }

// ProhibitedPractice is an Art. 5(1) indicator.
type ProhibitedPractice string

var ProhibitedPractices = []ProhibitedPractice{
	"subliminal_manipulative_techniques",
	"exploits_vulnerabilities",
	"social_scoring",
	"criminal_offence_risk_profiling",
	"untargeted_facial_image_scraping",
	"emotion_recognition_workplace_education",
	"biometric_categorisation_sensitive_attributes",
	"realtime_remote_biometric_identification_public_law_enforcement",
	"non_consensual_intimate_imagery",
	"child_sexual_abuse_material",
}

func (p ProhibitedPractice) Valid() bool { return slices.Contains(ProhibitedPractices, p) }

// AnnexIIIPoint is an Annex III point as area number and point letter ("4a"; "2" has no letter).
type AnnexIIIPoint string

var AnnexIIIPoints = []AnnexIIIPoint{
	"1a", "1b", "1c", "2", "3a", "3b", "3c", "3d", "4a", "4b", "5a", "5b", "5c", "5d",
	"6a", "6b", "6c", "6d", "6e", "7a", "7b", "7c", "7d", "8a", "8b",
}

func (p AnnexIIIPoint) Valid() bool { return slices.Contains(AnnexIIIPoints, p) }

// CarveOut is an exclusion written into an Annex III point itself.
type CarveOut string

var CarveOuts = []CarveOut{"biometric_verification_only", "financial_fraud_detection", "campaign_logistics_only"}

func (c CarveOut) Valid() bool { return slices.Contains(CarveOuts, c) }

// DerogationCondition is one of the Art. 6(3)(a)-(d) conditions.
type DerogationCondition string

var DerogationConditions = []DerogationCondition{
	"narrow_procedural_task",
	"improves_completed_human_activity",
	"detects_decision_patterns_without_replacing_human_assessment",
	"preparatory_task",
}

func (c DerogationCondition) Valid() bool { return slices.Contains(DerogationConditions, c) }

// TransparencyIndicator is an Art. 50 trigger.
type TransparencyIndicator string

var TransparencyIndicators = []TransparencyIndicator{
	"interacts_directly_with_natural_persons",
	"generates_synthetic_content",
	"emotion_recognition_or_biometric_categorisation",
	"deep_fake",
	"public_interest_text_without_editorial_review",
}

func (t TransparencyIndicator) Valid() bool { return slices.Contains(TransparencyIndicators, t) }

// EUNexus holds the territorial-scope facts of Art. 2(1).
type EUNexus struct {
	PlacedOnMarketOrPutIntoServiceInEU bool `json:"placed_on_market_or_put_into_service_in_eu,omitempty"`
	DeployerEstablishedInEU            bool `json:"deployer_established_in_eu,omitempty"`
	OutputUsedInEU                     bool `json:"output_used_in_eu,omitempty"`
}

// GPAIFacts describes a general-purpose AI model (Arts. 51-55).
type GPAIFacts struct {
	IsGPAIModel                    bool    `json:"is_gpai_model,omitempty"`
	TrainingComputeFLOPs           float64 `json:"training_compute_flops,omitempty"`
	DesignatedSystemicByCommission bool    `json:"designated_systemic_by_commission,omitempty"`
	FreeOpenSourceLicence          bool    `json:"free_open_source_licence,omitempty"`
}

// Facts is the classification questionnaire in machine form, as in
// shared/spec/ai-act-facts.schema.json. An absent key means false, none or empty.
type Facts struct {
	Name                                    string                  `json:"name,omitempty"`
	Roles                                   []Role                  `json:"roles,omitempty"`
	EUNexus                                 EUNexus                 `json:"eu_nexus,omitzero"`
	ExcludedPurpose                         ExcludedPurpose         `json:"excluded_purpose,omitempty"`
	ProhibitedPracticeIndicators            []ProhibitedPractice    `json:"prohibited_practice_indicators,omitempty"`
	EmotionRecognitionMedicalOrSafety       bool                    `json:"emotion_recognition_medical_or_safety,omitempty"`
	LawEnforcementExceptionAuthorised       bool                    `json:"law_enforcement_exception_authorised,omitempty"`
	AnnexISafetyComponentThirdPartyAssessed bool                    `json:"annex_i_safety_component_third_party_assessed,omitempty"`
	AnnexIIIUseCases                        []AnnexIIIPoint         `json:"annex_iii_use_cases,omitempty"`
	AnnexIIICarveOuts                       []CarveOut              `json:"annex_iii_carve_outs,omitempty"`
	Art63Conditions                         []DerogationCondition   `json:"art6_3_conditions,omitempty"`
	ProfilingOfNaturalPersons               bool                    `json:"profiling_of_natural_persons,omitempty"`
	DeployerPublicBodyOrPublicService       bool                    `json:"deployer_public_body_or_public_service,omitempty"`
	TransparencyIndicators                  []TransparencyIndicator `json:"transparency_indicators,omitempty"`
	GPAI                                    GPAIFacts               `json:"gpai,omitzero"`
}

// FactsError is a rejected facts document. Field is the JSON path of the bad value
// ("gpai.training_compute_flops", "roles[1]"), empty when the document as a whole is bad.
type FactsError struct {
	Field  string
	Reason string
}

func (e *FactsError) Error() string {
	if e.Field == "" {
		return "invalid facts: " + e.Reason
	}
	return "invalid facts: " + e.Field + ": " + e.Reason
}

// maxFactsBytes bounds what DecodeFacts reads: a facts document is a few kilobytes at most,
// and the decoder sits behind the public API.
const maxFactsBytes = 1 << 20

// DecodeFacts reads one JSON facts document. It rejects unknown fields, nulls, wrong types,
// values outside the enumerations and anything after the document, naming the bad field
// in a *FactsError.
func DecodeFacts(r io.Reader) (Facts, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFactsBytes+1))
	if err != nil {
		return Facts{}, fmt.Errorf("read facts: %w", err)
	}
	if len(data) > maxFactsBytes {
		return Facts{}, &FactsError{Reason: fmt.Sprintf("document larger than %d bytes", maxFactsBytes)}
	}
	// First pass: the generic shape, so that unknown fields and nulls are reported with their
	// full path (encoding/json names only the last key and accepts null for any type).
	var generic any
	if err := decodeOne(data, &generic, false); err != nil {
		return Facts{}, err
	}
	if err := checkShape(generic, reflect.TypeFor[Facts](), ""); err != nil {
		return Facts{}, err
	}
	// The zero ExcludedPurpose means "none" for Go callers, but the contract has no empty value.
	if obj := generic.(map[string]any); obj["excluded_purpose"] == "" {
		return Facts{}, &FactsError{Field: "excluded_purpose", Reason: `unknown value ""`}
	}
	var f Facts
	if err := decodeOne(data, &f, true); err != nil {
		return Facts{}, err
	}
	if err := f.Validate(); err != nil {
		return Facts{}, err
	}
	return f, nil
}

func decodeOne(data []byte, v any, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if strict {
		dec.DisallowUnknownFields()
	} else {
		dec.UseNumber() // the shape pass must not fail on numbers a float64 cannot hold
	}
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &FactsError{Reason: "unexpected data after the facts object"}
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &FactsError{Reason: fmt.Sprintf("malformed JSON at byte %d: %v", syn.Offset, syn)}
	case errors.As(err, &typ):
		if typ.Field == "" {
			return &FactsError{Reason: "the facts must be a JSON object"}
		}
		if typ.Type.Kind() == reflect.Float64 && strings.HasPrefix(typ.Value, "number") {
			return &FactsError{Field: typ.Field, Reason: "number out of range"}
		}
		return &FactsError{Field: typ.Field, Reason: fmt.Sprintf("must be %s, not a JSON %s", jsonKind(typ.Type), typ.Value)}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &FactsError{Reason: "empty or truncated JSON document"}
	}
	return &FactsError{Reason: err.Error()}
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "a boolean"
	case reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "an array"
	case reflect.Struct:
		return "an object"
	}
	return t.String()
}

// checkShape walks a generically decoded document against the Go type, rejecting keys the
// type does not declare (matched exactly, unlike encoding/json) and null values.
func checkShape(v any, t reflect.Type, path string) error {
	if v == nil {
		if path == "" {
			return &FactsError{Reason: "the facts must be a JSON object, not null"}
		}
		return &FactsError{Field: path, Reason: "must not be null; leave the key out instead"}
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			if path == "" {
				return &FactsError{Reason: "the facts must be a JSON object"}
			}
			return &FactsError{Field: path, Reason: "must be an object"}
		}
		fields := jsonFields(t)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys) // report the same field for the same document every time
		for _, k := range keys {
			ft, known := fields[k]
			if !known {
				return &FactsError{Field: join(path, k), Reason: "unknown field"}
			}
			if err := checkShape(obj[k], ft, join(path, k)); err != nil {
				return err
			}
		}
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			return &FactsError{Field: path, Reason: "must be an array"}
		}
		for i, e := range arr {
			if err := checkShape(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	// Scalars: their types are checked by the typed decode that follows.
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func jsonFields(t reflect.Type) map[string]reflect.Type {
	m := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		m[name] = f.Type
	}
	return m
}

// Validate checks every enumerated value and number, naming the first bad field.
func (f Facts) Validate() error {
	if err := checkEach("roles", f.Roles, Role.Valid); err != nil {
		return err
	}
	if !f.ExcludedPurpose.Valid() {
		return &FactsError{Field: "excluded_purpose", Reason: fmt.Sprintf("unknown value %q", f.ExcludedPurpose)}
	}
	if err := checkEach("prohibited_practice_indicators", f.ProhibitedPracticeIndicators, ProhibitedPractice.Valid); err != nil {
		return err
	}
	if err := checkEach("annex_iii_use_cases", f.AnnexIIIUseCases, AnnexIIIPoint.Valid); err != nil {
		return err
	}
	if err := checkEach("annex_iii_carve_outs", f.AnnexIIICarveOuts, CarveOut.Valid); err != nil {
		return err
	}
	if err := checkEach("art6_3_conditions", f.Art63Conditions, DerogationCondition.Valid); err != nil {
		return err
	}
	if err := checkEach("transparency_indicators", f.TransparencyIndicators, TransparencyIndicator.Valid); err != nil {
		return err
	}
	if !(f.GPAI.TrainingComputeFLOPs >= 0) { // also catches NaN from Go callers
		return &FactsError{Field: "gpai.training_compute_flops", Reason: "must be a number not below 0"}
	}
	return nil
}

func checkEach[T ~string](field string, values []T, valid func(T) bool) error {
	for i, v := range values {
		if !valid(v) {
			return &FactsError{Field: fmt.Sprintf("%s[%d]", field, i), Reason: fmt.Sprintf("unknown value %q", v)}
		}
	}
	return nil
}
