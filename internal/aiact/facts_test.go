package aiact

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestDecodeFactsAcceptsAFullDocument(t *testing.T) {
	doc := `{
	 "name": "Candidate ranking",
	 "roles": ["deployer", "provider"],
	 "eu_nexus": {"placed_on_market_or_put_into_service_in_eu": true, "output_used_in_eu": true},
	 "excluded_purpose": "none",
	 "prohibited_practice_indicators": [],
	 "emotion_recognition_medical_or_safety": false,
	 "law_enforcement_exception_authorised": false,
	 "annex_i_safety_component_third_party_assessed": false,
	 "annex_iii_use_cases": ["4a"],
	 "annex_iii_carve_outs": ["financial_fraud_detection"],
	 "art6_3_conditions": ["preparatory_task"],
	 "profiling_of_natural_persons": true,
	 "deployer_public_body_or_public_service": false,
	 "transparency_indicators": ["interacts_directly_with_natural_persons"],
	 "gpai": {"is_gpai_model": false, "training_compute_flops": 0, "designated_systemic_by_commission": false, "free_open_source_licence": false}
	}`
	if err := validateJSON(t, "ai-act-facts.schema.json", []byte(doc)); err != nil {
		t.Fatalf("test document is not valid per the schema: %v", err)
	}
	f, err := DecodeFacts(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "Candidate ranking" || !slices.Equal(f.Roles, []Role{RoleDeployer, RoleProvider}) ||
		!f.EUNexus.PlacedOnMarketOrPutIntoServiceInEU || f.EUNexus.DeployerEstablishedInEU ||
		!slices.Equal(f.AnnexIIIUseCases, []AnnexIIIPoint{"4a"}) || !f.ProfilingOfNaturalPersons ||
		f.ExcludedPurpose != ExcludedNone || len(f.Art63Conditions) != 1 {
		t.Errorf("decoded %+v", f)
	}
	// What we encode back is valid per the schema too.
	validateValue(t, "ai-act-facts.schema.json", f)
}

func TestDecodeFactsNamesTheBadField(t *testing.T) {
	cases := []struct {
		name, doc, field, reason string
	}{
		{"unknown top-level field", `{"rolez": ["provider"]}`, "rolez", "unknown field"},
		{"unknown nested field", `{"gpai": {"is_gpai_model": true, "flops": 3}}`, "gpai.flops", "unknown field"},
		{"unknown eu_nexus field", `{"eu_nexus": {"in_eu": true}}`, "eu_nexus.in_eu", "unknown field"},
		{"field names are case-sensitive", `{"Roles": ["provider"]}`, "Roles", "unknown field"},
		{"null value", `{"profiling_of_natural_persons": null}`, "profiling_of_natural_persons", "null"},
		{"null in an array", `{"roles": [null]}`, "roles[0]", "null"},
		{"wrong type", `{"profiling_of_natural_persons": "yes"}`, "profiling_of_natural_persons", "boolean"},
		{"wrong nested type", `{"gpai": {"training_compute_flops": "1e25"}}`, "gpai.training_compute_flops", "number"},
		{"object for array", `{"roles": {"provider": true}}`, "roles", "array"},
		{"unknown role", `{"roles": ["provider", "user"]}`, "roles[1]", `"user"`},
		{"unknown Annex III point", `{"annex_iii_use_cases": ["4c"]}`, "annex_iii_use_cases[0]", `"4c"`},
		{"unknown excluded purpose", `{"excluded_purpose": "hobby"}`, "excluded_purpose", `"hobby"`},
		{"unknown carve-out", `{"annex_iii_carve_outs": ["x"]}`, "annex_iii_carve_outs[0]", "unknown value"},
		{"unknown condition", `{"art6_3_conditions": ["low_risk"]}`, "art6_3_conditions[0]", "unknown value"},
		{"unknown transparency indicator", `{"transparency_indicators": ["chatbot"]}`, "transparency_indicators[0]", "unknown value"},
		{"unknown prohibited practice", `{"prohibited_practice_indicators": ["spam"]}`, "prohibited_practice_indicators[0]", "unknown value"},
		{"negative compute", `{"gpai": {"training_compute_flops": -1}}`, "gpai.training_compute_flops", "below 0"},
		{"compute out of range", `{"gpai": {"training_compute_flops": 1e400}}`, "gpai.training_compute_flops", "out of range"},
		{"not an object", `["provider"]`, "", "object"},
		{"null document", `null`, "", "object"},
		{"empty input", ``, "", "empty"},
		{"malformed", `{"roles": ["provider",]}`, "", "malformed JSON"},
		{"trailing data", `{} {}`, "", "after the facts object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeFacts(strings.NewReader(c.doc))
			var fe *FactsError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FactsError", err)
			}
			if fe.Field != c.field || !strings.Contains(fe.Reason, c.reason) {
				t.Errorf("got field %q reason %q, want field %q reason containing %q", fe.Field, fe.Reason, c.field, c.reason)
			}
			if c.doc != "" && validateJSON(t, "ai-act-facts.schema.json", []byte(c.doc)) == nil && c.name != "compute out of range" {
				t.Errorf("the facts schema accepts what DecodeFacts rejects")
			}
		})
	}
}

func TestDecodeFactsRejectsOversizedInput(t *testing.T) {
	doc := `{"name": "` + strings.Repeat("x", maxFactsBytes) + `"}`
	if _, err := DecodeFacts(strings.NewReader(doc)); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("got %v", err)
	}
}

// The Go enumerations must list exactly the schema's values: a value added to the contract
// must reach the classifier (LoadData then insists on a rule for it).
func TestEnumerationsMatchTheFactsSchema(t *testing.T) {
	var schema struct {
		Properties map[string]struct {
			Enum  []string `json:"enum"`
			Items struct {
				Enum []string `json:"enum"`
			} `json:"items"`
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"properties"`
	}
	loadShared(t, "spec/ai-act-facts.schema.json", &schema)
	strs := func(v any) []string {
		var out []string
		data, _ := json.Marshal(v)
		_ = json.Unmarshal(data, &out)
		return out
	}
	for field, goValues := range map[string][]string{
		"roles":                          strs(Roles),
		"prohibited_practice_indicators": strs(ProhibitedPractices),
		"annex_iii_use_cases":            strs(AnnexIIIPoints),
		"annex_iii_carve_outs":           strs(CarveOuts),
		"art6_3_conditions":              strs(DerogationConditions),
		"transparency_indicators":        strs(TransparencyIndicators),
	} {
		if !slices.Equal(schema.Properties[field].Items.Enum, goValues) {
			t.Errorf("%s: schema %v, Go %v", field, schema.Properties[field].Items.Enum, goValues)
		}
	}
	if got := strs(ExcludedPurposes); !slices.Equal(schema.Properties["excluded_purpose"].Enum, got) {
		t.Errorf("excluded_purpose: schema %v, Go %v", schema.Properties["excluded_purpose"].Enum, got)
	}
	// Every property of the schema, nested ones included, is a field of Facts and back.
	fields := jsonFields(typeOfFacts)
	for name, p := range schema.Properties {
		if _, ok := fields[name]; !ok {
			t.Errorf("schema property %s has no Facts field", name)
		}
		if len(p.Properties) > 0 {
			nested := jsonFields(fields[name])
			for sub := range p.Properties {
				if _, ok := nested[sub]; !ok {
					t.Errorf("schema property %s.%s has no Facts field", name, sub)
				}
			}
			if len(nested) != len(p.Properties) {
				t.Errorf("%s: Go declares %d fields, the schema %d", name, len(nested), len(p.Properties))
			}
		}
	}
	if len(fields) != len(schema.Properties) {
		t.Errorf("Facts declares %d fields, the schema %d", len(fields), len(schema.Properties))
	}
}

// FuzzDecodeFacts checks DecodeFacts against the facts schema: whatever it accepts the schema
// accepts, re-encoded facts are schema-valid and decode to the same facts, and whatever the
// schema accepts DecodeFacts accepts (but for numbers a float64 cannot hold).
func FuzzDecodeFacts(f *testing.F) {
	for _, seed := range []string{
		`{}`,
		`{"roles": ["provider"], "eu_nexus": {"output_used_in_eu": true}, "annex_iii_use_cases": ["4a", "5b"]}`,
		`{"gpai": {"is_gpai_model": true, "training_compute_flops": 3e25, "free_open_source_licence": true}}`,
		`{"prohibited_practice_indicators": ["emotion_recognition_workplace_education"], "emotion_recognition_medical_or_safety": true}`,
		`{"excluded_purpose": "none", "transparency_indicators": ["deep_fake"], "art6_3_conditions": ["preparatory_task"]}`,
		`{"name": "x", "Name": "y"}`,
		`{"roles": null}`,
		`{"gpai": {"training_compute_flops": 1e400}}`,
		`{"eu_nexus": {"deployer_established_in_eu": 1}}`,
		`[]`, `null`, `{"a":1}`, `{} x`, "{\"name\": \"\xff\"}",
	} {
		f.Add([]byte(seed))
	}
	schema := specSchema(f, "ai-act-facts.schema.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		facts, err := DecodeFacts(strings.NewReader(string(data)))
		var fe *FactsError
		if err != nil && !errors.As(err, &fe) {
			t.Fatalf("error is not a *FactsError: %v", err)
		}
		schemaErr := validateJSON(t, "ai-act-facts.schema.json", data)
		if err == nil {
			if schemaErr != nil {
				t.Fatalf("DecodeFacts accepted what the schema rejects: %q\n%v", data, schemaErr)
			}
			again, err := json.Marshal(facts)
			if err != nil {
				t.Fatal(err)
			}
			inst, _ := unmarshalForSchema(again)
			if err := schema.Validate(inst); err != nil {
				t.Fatalf("re-encoded facts %s are not schema-valid: %v", again, err)
			}
			back, err := DecodeFacts(strings.NewReader(string(again)))
			if err != nil || !factsEqual(back, facts) {
				t.Fatalf("round trip changed the facts: %s → %+v (%v)", again, back, err)
			}
			if _, err := Classify(facts, testDate); err != nil {
				t.Fatalf("Classify refused decoded facts: %v", err)
			}
			return
		}
		if schemaErr == nil && !strings.Contains(fe.Reason, "out of range") {
			t.Fatalf("schema accepts %q but DecodeFacts says %v", data, err)
		}
	})
}

func factsEqual(a, b Facts) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
