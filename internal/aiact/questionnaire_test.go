package aiact

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/annexa-dev/annexa/catalogs"
	"github.com/annexa-dev/annexa/internal/sharedtest"
)

func questionnaire(t *testing.T) *Questionnaire {
	t.Helper()
	qn, err := DefaultQuestionnaire()
	if err != nil {
		t.Fatal(err)
	}
	return qn
}

// schemaLeaf is one settable value of the facts schema: a path and, for enumerations, one
// of its values ("" for booleans, numbers and free strings).
type schemaLeaf struct{ path, kind, value string }

func schemaLeaves(t *testing.T) []schemaLeaf {
	t.Helper()
	var schema map[string]any
	if err := json.Unmarshal(sharedtest.Read(t, "spec", "ai-act-facts.schema.json"), &schema); err != nil {
		t.Fatal(err)
	}
	var out []schemaLeaf
	var walk func(prefix string, props map[string]any)
	walk = func(prefix string, props map[string]any) {
		for name, raw := range props {
			p := raw.(map[string]any)
			path := prefix + name
			enum, _ := p["enum"].([]any)
			if items, ok := p["items"].(map[string]any); ok {
				enum, _ = items["enum"].([]any)
			}
			switch {
			case p["type"] == "object":
				walk(path+".", p["properties"].(map[string]any))
			case len(enum) > 0:
				for _, v := range enum {
					out = append(out, schemaLeaf{path, "enum", v.(string)})
				}
			default:
				out = append(out, schemaLeaf{path, p["type"].(string), ""})
			}
		}
	}
	walk("", schema["properties"].(map[string]any))
	if len(out) < 50 {
		t.Fatalf("only %d leaves read from the facts schema", len(out))
	}
	return out
}

// Every fact of the contract, and every value of every enumeration, can be set by answering
// some question; a boolean must be settable to true.
func TestQuestionnaireReachesEveryFact(t *testing.T) {
	qn := questionnaire(t)
	for _, leaf := range schemaLeaves(t) {
		reached := false
		for _, q := range qn.Questions {
			if !slices.Contains(q.Facts, leaf.path) {
				continue
			}
			switch leaf.kind {
			case "string":
				reached = reached || q.Kind == KindText
			case "number":
				reached = reached || q.Kind == KindNumber
			default:
				want := `true`
				if leaf.kind == "enum" {
					want = fmt.Sprintf("%q", leaf.value)
				}
				for _, o := range q.Options {
					for _, s := range o.Sets {
						reached = reached || (s.Fact == leaf.path && string(s.Value) == want)
					}
				}
			}
		}
		if !reached {
			t.Errorf("no question sets %s %s", leaf.path, leaf.value)
		}
	}
}

// Every question cites a provision; every option sets valid facts (LoadQuestionnaire checks,
// and this re-checks through the facts decoder, so the two cannot drift apart).
func TestQuestionnaireOptionsDecodeAsFacts(t *testing.T) {
	qn := questionnaire(t)
	for _, q := range qn.Questions {
		if !strings.Contains(q.Ref, "Art.") && !strings.Contains(q.Ref, "Annex") {
			t.Errorf("question %s cites %q, not an article or annex", q.ID, q.Ref)
		}
		for _, o := range q.Options {
			var f Facts
			if err := q.apply(&f, Answer{Choices: []string{o.ID}}); err != nil {
				t.Errorf("%s.%s: %v", q.ID, o.ID, err)
				continue
			}
			doc, _ := json.Marshal(f)
			if _, err := DecodeFacts(strings.NewReader(string(doc))); err != nil {
				t.Errorf("%s.%s gives facts the decoder refuses: %s: %v", q.ID, o.ID, doc, err)
			}
			if err := validateJSON(t, "ai-act-facts.schema.json", doc); err != nil {
				t.Errorf("%s.%s gives facts outside the schema: %s: %v", q.ID, o.ID, doc, err)
			}
		}
	}
}

func TestLoadQuestionnaireRefusesBadData(t *testing.T) {
	orig, err := catalogs.FS.ReadFile(QuestionnairePath)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, old, new, want string
	}{
		{"unknown fact", `"facts": ["roles"]`, `"facts": ["rolez"]`, `unknown fact "rolez"`},
		{"enum value the facts refuse", `"value": "provider"`, `"value": "owner"`, `unknown value "owner"`},
		{"wrong JSON type", `{"fact": "gpai.is_gpai_model", "value": true}`, `{"fact": "gpai.is_gpai_model", "value": "yes"}`, "does not fit"},
		{"option sets an undeclared fact", `{"fact": "annex_i_safety_component_third_party_assessed", "value": true}`, `{"fact": "profiling_of_natural_persons", "value": true}`, "does not declare"},
		{"branch to a later question", `"ask_if": [["gpai_model.yes"]],
   "question": "How much compute`, `"ask_if": [["transparency.none"]],
   "question": "How much compute`, "earlier question"},
		{"branch to an unknown option", `"ask_if": [["annex_iii_areas.employment"]]`, `"ask_if": [["annex_iii_areas.hr"]]`, `no option "hr"`},
		{"duplicate question", `{"id": "public_body",`, `{"id": "profiling",`, "duplicate id"},
		{"missing article", `"ref": "Art. 27(1)",`, `"ref": "",`, "ref are required"},
		{"reserved option id", `{"id": "none", "label": "None of these, or no documented assessment"`, `{"id": "not_sure", "label": "None of these, or no documented assessment"`, "reserved"},
		{"unknown field", `"question": "Does the system profile people?"`, `"questoin": "Does the system profile people?"`, "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(string(orig), tt.old) {
				t.Fatalf("fixture text %q not in the questionnaire", tt.old)
			}
			bad := strings.Replace(string(orig), tt.old, tt.new, 1)
			_, err := LoadQuestionnaire(fstest.MapFS{QuestionnairePath: {Data: []byte(bad)}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// walk answers the questionnaire as a person would, one question at a time, and fails when
// asked a question the script has no answer for (so a branch that should be skipped is
// caught) or when a scripted answer is never asked for.
func walk(t *testing.T, qn *Questionnaire, script map[string]Answer) (Facts, []string) {
	t.Helper()
	a := Answers{}
	asked := map[string]bool{}
	for q := qn.Next(a, ""); q != nil; q = qn.Next(a, q.ID) {
		ans, ok := script[q.ID]
		if !ok {
			t.Fatalf("asked %q, which the script does not answer (asked so far: %v)", q.ID, asked)
		}
		if err := q.Check(ans); err != nil {
			t.Fatalf("answer to %s refused: %v", q.ID, err)
		}
		if asked[q.ID] {
			t.Fatalf("asked %q twice", q.ID)
		}
		asked[q.ID] = true
		a[q.ID] = ans
	}
	for id := range script {
		if !asked[id] {
			t.Errorf("never asked %q", id)
		}
	}
	f, open, err := qn.Outcome(a)
	if err != nil {
		t.Fatal(err)
	}
	return f, open
}

func pick(ids ...string) Answer { return Answer{Choices: ids} }

var notSure = Answer{NotSure: true}

func TestQuestionnaireScenarios(t *testing.T) {
	qn := questionnaire(t)
	asOf := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	cvScreening := map[string]Answer{
		"name": {Value: "CV screener"}, "roles": pick("deployer"), "eu_link": pick("deployer_in_eu"), "purpose": pick("none"),
		"gpai_model": pick("no"), "prohibited": pick("none"), "annex_i": pick("no"),
		"annex_iii_areas": pick("employment"), "annex_iii_employment": pick("4a"), "art6_3": pick("none"),
		"public_body": pick("no"), "transparency": pick("none"),
	}
	tests := []struct {
		name         string
		script       map[string]Answer
		tier         Tier
		points       []AnnexIIIPoint
		transparency []string
		open         []string
		refs         []string // reasons that must be present
	}{
		{"CV screening", cvScreening, TierHigh, []AnnexIIIPoint{"4a"}, []string{}, nil, []string{"Art. 6(2), Annex III 4(a)", "Art. 2(1)(b)"}},
		{"customer service chatbot", map[string]Answer{
			"name": {Value: "Support chat"}, "roles": pick("provider", "deployer"), "eu_link": pick("market", "deployer_in_eu"), "purpose": pick("none"),
			"gpai_model": pick("no"), "prohibited": pick("none"), "annex_i": pick("no"),
			"annex_iii_areas": pick("none"), "transparency": pick("interacts"),
		}, TierLimited, nil, []string{"50(1)"}, nil, []string{"Art. 50(1)"}},
		{"emotion recognition at work", map[string]Answer{
			"name": {Value: "Mood monitor"}, "roles": pick("deployer"), "eu_link": pick("deployer_in_eu"), "purpose": pick("none"),
			"gpai_model": pick("no"), "prohibited": pick("emotion_work_education"), "emotion_exception": pick("no"),
			"annex_i": pick("no"), "annex_iii_areas": pick("none"), "transparency": pick("none"),
		}, TierProhibited, nil, []string{}, nil, []string{"Art. 5(1)(f)"}},
		{"not sure which employment use", map[string]Answer{
			"name": {Value: "HR analytics"}, "roles": pick("deployer"), "eu_link": pick("deployer_in_eu"), "purpose": pick("none"),
			"gpai_model": pick("no"), "prohibited": pick("none"), "annex_i": pick("no"),
			"annex_iii_areas": pick("employment"), "annex_iii_employment": notSure, "transparency": pick("none"),
		}, TierMinimal, nil, []string{}, []string{"annex_iii_employment"}, []string{"Art. 95"}},
		{"not sure of the Annex III areas at all", map[string]Answer{
			"name": {Value: ""}, "roles": pick("provider"), "eu_link": pick("market"), "purpose": pick("none"),
			"gpai_model": pick("no"), "prohibited": pick("none"), "annex_i": notSure,
			"annex_iii_areas": notSure, "transparency": pick("synthetic"),
		}, TierLimited, nil, []string{"50(2)"}, []string{"annex_i", "annex_iii_areas"}, nil},
		{"derogation refused for profiling", map[string]Answer{
			"name": {Value: "Ranker"}, "roles": pick("provider"), "eu_link": pick("market"), "purpose": pick("none"),
			"gpai_model": pick("no"), "prohibited": pick("none"), "annex_i": pick("no"),
			"annex_iii_areas": pick("employment"), "annex_iii_employment": pick("4a"), "art6_3": pick("preparatory_task"),
			"profiling": pick("yes"), "transparency": pick("none"),
		}, TierHigh, []AnnexIIIPoint{"4a"}, []string{}, nil, []string{"Art. 6(3), third subparagraph"}},
		{"large general-purpose model", map[string]Answer{
			"name": {Value: "Frontier LM"}, "roles": pick("provider"), "eu_link": pick("market"), "purpose": pick("none"),
			"gpai_model": pick("yes"), "gpai_compute": {Value: "3e25"}, "gpai_designated": pick("no"), "gpai_open_source": pick("yes"),
			"prohibited": pick("none"), "annex_i": pick("no"), "annex_iii_areas": pick("none"), "transparency": pick("synthetic"),
		}, TierLimited, nil, []string{"50(2)"}, nil, []string{"Art. 51(2)", "Art. 53(2)"}},
		{"no link to the EU ends the questions", map[string]Answer{
			"name": {Value: "US-only tool"}, "roles": pick("provider"), "eu_link": pick("none"),
		}, TierOutOfScope, nil, []string{}, nil, []string{"Art. 2(1)"}},
		{"military use ends the questions", map[string]Answer{
			"name": {Value: "Targeting"}, "roles": pick("provider"), "eu_link": pick("market"), "purpose": pick("military"),
		}, TierOutOfScope, nil, []string{}, nil, []string{"Art. 2(3)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, open := walk(t, qn, tt.script)
			if !slices.Equal(open, tt.open) {
				t.Errorf("open points %v, want %v", open, tt.open)
			}
			res, err := Classify(f, asOf)
			if err != nil {
				t.Fatal(err)
			}
			if res.Tier != tt.tier || !slices.Equal(res.AnnexIIIPoints, tt.points) || !slices.Equal(res.TransparencyObligations, tt.transparency) {
				t.Fatalf("tier %s points %v transparency %v, want %s %v %v; facts %+v", res.Tier, res.AnnexIIIPoints, res.TransparencyObligations, tt.tier, tt.points, tt.transparency, f)
			}
			for _, ref := range tt.refs {
				if !slices.ContainsFunc(res.Reasons, func(r Reason) bool { return r.Ref == ref }) {
					t.Errorf("no reason citing %s in %+v", ref, res.Reasons)
				}
			}
		})
	}

	// "Not sure" leaves the Annex III point out of the facts, where "4a" puts it in.
	f, _ := walk(t, qn, cvScreening)
	if !slices.Equal(f.AnnexIIIUseCases, []AnnexIIIPoint{"4a"}) || !slices.Equal(f.Roles, []Role{RoleDeployer}) || f.Name != "CV screener" {
		t.Errorf("CV screening facts: %+v", f)
	}
	unsure := maps(cvScreening, "annex_iii_employment", notSure)
	delete(unsure, "art6_3")
	delete(unsure, "public_body")
	f, open := walk(t, qn, unsure)
	if len(f.AnnexIIIUseCases) != 0 || !slices.Equal(open, []string{"annex_iii_employment"}) {
		t.Errorf("not sure on Annex III: facts %+v open %v", f, open)
	}
}

func maps(m map[string]Answer, k string, v Answer) map[string]Answer {
	out := map[string]Answer{}
	for key, val := range m {
		out[key] = val
	}
	out[k] = v
	return out
}

func TestQuestionnaireCheck(t *testing.T) {
	qn := questionnaire(t)
	q := func(id string) *Question {
		t.Helper()
		x, ok := qn.Question(id)
		if !ok {
			t.Fatalf("no question %s", id)
		}
		return x
	}
	tests := []struct {
		q    string
		a    Answer
		want string // "" = accepted
	}{
		{"roles", pick("provider", "deployer"), ""},
		{"roles", pick(), "at least one"},
		{"roles", pick("owner"), "not one of the options"},
		{"roles", pick("provider", "provider"), "twice"},
		{"roles", Answer{Choices: []string{"provider"}, NotSure: true}, "not both"},
		{"roles", pick("provider", NotSure), "not both"},
		{"transparency", pick("none", "interacts"), "cannot be combined"},
		{"annex_i", pick("yes", "no"), "only one"},
		{"annex_i", pick(), "an option or"},
		{"annex_i", notSure, ""},
		{"gpai_compute", Answer{Value: "1e25"}, ""},
		{"gpai_compute", Answer{Value: "100,000"}, ""},
		{"gpai_compute", Answer{Value: "-1"}, "below 0"},
		{"gpai_compute", Answer{Value: "lots"}, "enter a number"},
		{"gpai_compute", Answer{Value: "1e400"}, "enter a number"},
		{"gpai_compute", Answer{}, "enter a number"},
		{"name", Answer{Value: strings.Repeat("x", 201)}, "under 200"},
		{"name", Answer{Value: ""}, ""},
	}
	for _, tt := range tests {
		err := q(tt.q).Check(tt.a)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s %+v refused: %v", tt.q, tt.a, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s %+v: error %v, want %q", tt.q, tt.a, err, tt.want)
		}
	}
}

func TestQuestionnaireBackAndChangedAnswers(t *testing.T) {
	qn := questionnaire(t)
	a := Answers{"name": {Value: "x"}, "roles": pick("provider"), "eu_link": pick("market"), "purpose": pick("none"), "gpai_model": pick("yes"), "gpai_compute": {Value: "1e26"}}
	if p := qn.Previous(a, "gpai_compute"); p == nil || p.ID != "gpai_model" {
		t.Fatalf("previous of gpai_compute: %+v", p)
	}
	if p := qn.Previous(a, "name"); p != nil {
		t.Fatalf("previous of the first question: %s", p.ID)
	}
	if n, total := qn.Progress(a, "gpai_compute"); n != 6 || total < 10 {
		t.Fatalf("progress %d of %d", n, total)
	}
	// Going back and saying it is not a GPAI model drops the compute question from the path,
	// and its stale answer from the facts.
	a["gpai_model"] = pick("no")
	if next := qn.Next(a, "gpai_model"); next.ID != "gpai_open_source" && next.ID != "prohibited" {
		t.Fatalf("after changing to no GPAI, next is %s", next.ID)
	}
	for _, q := range qn.Path(a) {
		if strings.HasPrefix(q.ID, "gpai_") && q.ID != "gpai_model" {
			t.Fatalf("%s still on the path", q.ID)
		}
	}
	a["prohibited"], a["annex_i"], a["annex_iii_areas"], a["transparency"] = pick("none"), pick("no"), pick("none"), pick("none")
	f, _, err := qn.Outcome(a)
	if err != nil {
		t.Fatal(err)
	}
	if f.GPAI != (GPAIFacts{}) {
		t.Fatalf("stale GPAI answers in the facts: %+v", f.GPAI)
	}
	// A tampered form that skips a question cannot complete.
	delete(a, "purpose")
	if _, _, err := qn.Outcome(a); err == nil || !strings.Contains(err.Error(), "purpose") {
		t.Fatalf("outcome with a question skipped: %v", err)
	}
	if m := qn.Missing(a); m == nil || m.ID != "purpose" {
		t.Fatalf("missing: %+v", m)
	}
	if next := qn.Next(a, "not-a-question"); next == nil || next.ID != "purpose" {
		t.Fatalf("next after an unknown id: %+v", next)
	}
}

// Prefilled answers from recorded facts reproduce those facts when confirmed as they stand.
func TestQuestionnairePrefillRoundTrip(t *testing.T) {
	qn := questionnaire(t)
	for _, f := range []Facts{
		{Name: "CV screener", Roles: []Role{RoleDeployer}, EUNexus: EUNexus{DeployerEstablishedInEU: true}, ExcludedPurpose: ExcludedNone, AnnexIIIUseCases: []AnnexIIIPoint{"4a"}},
		{Name: "Chat", Roles: []Role{RoleProvider}, EUNexus: EUNexus{PlacedOnMarketOrPutIntoServiceInEU: true}, TransparencyIndicators: []TransparencyIndicator{"interacts_directly_with_natural_persons", "generates_synthetic_content"}},
		{Roles: []Role{RoleProvider, RoleDeployer}, EUNexus: EUNexus{OutputUsedInEU: true}, GPAI: GPAIFacts{IsGPAIModel: true, TrainingComputeFLOPs: 2e25, FreeOpenSourceLicence: true},
			AnnexIIIUseCases: []AnnexIIIPoint{"1a", "5b"}, AnnexIIICarveOuts: []CarveOut{"financial_fraud_detection"}, Art63Conditions: []DerogationCondition{"preparatory_task"},
			ProfilingOfNaturalPersons: true, DeployerPublicBodyOrPublicService: true, ProhibitedPracticeIndicators: []ProhibitedPractice{"emotion_recognition_workplace_education"}, EmotionRecognitionMedicalOrSafety: true},
	} {
		pre := qn.Prefill(f)
		a := Answers{}
		for q := qn.Next(a, ""); q != nil; q = qn.Next(a, q.ID) {
			ans, ok := pre[q.ID]
			if !ok {
				t.Fatalf("%s: no prefilled answer for %s", f.Name, q.ID)
			}
			a[q.ID] = ans
		}
		got, open, err := qn.Outcome(a)
		if err != nil {
			t.Fatal(err)
		}
		if f.ExcludedPurpose == "" {
			f.ExcludedPurpose = ExcludedNone // the purpose question always records one
		}
		want, _ := json.Marshal(f)
		have, _ := json.Marshal(got)
		if string(want) != string(have) || len(open) != 0 {
			t.Errorf("prefill round trip:\n got %s\nwant %s (open %v)", have, want, open)
		}
	}
}
