package inventory_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/xuri/excelize/v2"

	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/sharedtest"
)

func ptr[T any](v T) *T { return &v }

func sample(t testing.TB) []inventory.System {
	t.Helper()
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	ins := []inventory.Input{
		{Name: ptr("TalentRank CV screening"), IntendedPurpose: ptr("Ranks job applications"), Vendor: ptr("TalentRank Ltd"),
			Sourcing: ptr(inventory.ThirdParty), ActRoles: ptr([]aiact.Role{aiact.RoleDeployer}), PersonalData: ptr(true),
			Models: ptr([]inventory.Model{{Name: "rank-v2", Version: "2.1", Provider: "TalentRank", Type: "gradient-boosted trees", Licence: "proprietary licence",
				ModelCard: &inventory.ModelCard{Task: "ranking", ArchitectureFamily: "trees", ModelArchitecture: "XGBoost", Datasets: []string{"applications 2019-2024"},
					PerformanceMetrics: []inventory.Metric{{Type: "AUC", Value: "0.81", Slice: "women"}}, Users: []string{"recruiters"},
					UseCases: []string{"shortlisting"}, TechnicalLimitations: []string{"English CVs only"}, EthicalConsiderations: []string{"indirect discrimination"},
					FairnessAssessments: []string{"applicants over 50"}}}}),
			Facts: &aiact.Facts{EUNexus: aiact.EUNexus{DeployerEstablishedInEU: true}, AnnexIIIUseCases: []aiact.AnnexIIIPoint{"4a"}}},
		{Name: ptr("=cmd|' /C calc'!A0"), IntendedPurpose: ptr("+formula-looking purpose"), BusinessUnit: ptr("'quoted"),
			Models: ptr([]inventory.Model{{Name: "meta-llama/Llama-3.1-8B", Version: "ft-3", Provider: "Meta", Licence: "Apache-2.0"}})},
		{Name: ptr("Spam filter")},
	}
	out := make([]inventory.System, len(ins))
	for i, in := range ins {
		s := in.Apply(inventory.System{ID: "sys-" + string(rune('a'+i)), OrgID: "org"})
		if err := s.Classify(at); err != nil {
			t.Fatal(err)
		}
		out[i] = s
	}
	return out
}

func TestCSVKeepsFormulasInert(t *testing.T) {
	var b bytes.Buffer
	if err := inventory.WriteCSV(&b, sample(t), nil); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(b.String(), "\n") {
		for _, cell := range strings.Split(line, ",") {
			if c := strings.TrimPrefix(cell, `"`); c != "" && strings.ContainsRune("=+@", rune(c[0])) {
				t.Errorf("cell %q would run as a formula", cell)
			}
		}
	}
	rows, err := inventory.ReadCSV(&b)
	if err != nil {
		t.Fatal(err)
	}
	if *rows[1].Input.Name != "=cmd|' /C calc'!A0" || *rows[1].Input.IntendedPurpose != "+formula-looking purpose" || *rows[1].Input.BusinessUnit != "'quoted" {
		t.Fatalf("escaped cells did not come back as written: %q %q %q", *rows[1].Input.Name, *rows[1].Input.IntendedPurpose, *rows[1].Input.BusinessUnit)
	}
}

func TestModelsCell(t *testing.T) {
	for _, tc := range []struct {
		cell string
		want []inventory.Model
		bad  bool
	}{
		{cell: "", want: []inventory.Model{}},
		{cell: "gpt-4o@2024-08-06 (OpenAI); claude-sonnet-4", want: []inventory.Model{{Name: "gpt-4o", Version: "2024-08-06", Provider: "OpenAI"}, {Name: "claude-sonnet-4"}}},
		{cell: "meta-llama/Llama-3.1-8B@ft-3 (Meta)", want: []inventory.Model{{Name: "meta-llama/Llama-3.1-8B", Version: "ft-3", Provider: "Meta"}}},
		{cell: `[{"name": "x", "type": "LLM"}]`, want: []inventory.Model{{Name: "x", Type: "LLM"}}},
		{cell: "@1 (Nobody)", bad: true},
		{cell: `[{"name": "x", "colour": "red"}]`, bad: true},
	} {
		got, err := inventory.ParseModels(tc.cell)
		if (err != nil) != tc.bad {
			t.Errorf("%q: error %v", tc.cell, err)
			continue
		}
		if tc.bad {
			continue
		}
		if inventory.FormatModels(got) != inventory.FormatModels(tc.want) || len(got) != len(tc.want) {
			t.Errorf("%q: got %+v, want %+v", tc.cell, got, tc.want)
		}
		back, err := inventory.ParseModels(inventory.FormatModels(got))
		if err != nil || inventory.FormatModels(back) != inventory.FormatModels(got) {
			t.Errorf("%q does not survive formatting: %v", tc.cell, err)
		}
	}
}

func TestXLSXWithBlankRowsAndMissingCells(t *testing.T) {
	f := excelize.NewFile()
	sheet := f.GetSheetName(0)
	f.SetSheetRow(sheet, "A1", &[]any{"name", "sourcing", "personal_data"})
	f.SetSheetRow(sheet, "A2", &[]any{"First", "internal"})
	f.SetSheetRow(sheet, "A4", &[]any{"Third", "nope", true})
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	rows, err := inventory.ReadXLSX(&b)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Line != 2 || rows[1].Line != 4 || rows[0].Invalid() || !rows[1].Invalid() ||
		rows[1].Errors[0].Field != "rows[4].sourcing" || rows[1].Input.PersonalData == nil || !*rows[1].Input.PersonalData {
		t.Fatalf("rows: %+v", rows)
	}
}

// TestMLBOMIsValidCycloneDX16 validates the export against the published CycloneDX 1.6 schema.
func TestMLBOMIsValidCycloneDX16(t *testing.T) {
	sch := sharedtest.CycloneDXSchema(t, "1.6")
	check := func(what string, body []byte) error {
		t.Helper()
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return sch.Validate(v)
	}
	systems := sample(t)
	var b bytes.Buffer
	bom := inventory.MLBOM(systems, func(string) string { return "owner@example.org" }, inventory.MLBOMOptions{Organisation: "Acme", Tool: "annexa test",
		At: time.Now(), SerialNumber: "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"})
	if err := inventory.WriteMLBOM(&b, bom); err != nil {
		t.Fatal(err)
	}
	if err := check("ML-BOM", b.Bytes()); err != nil {
		t.Fatalf("the ML-BOM is not valid CycloneDX 1.6: %v\n%s", err, b.String())
	}
	for _, want := range []string{`"type": "machine-learning-model"`, `"modelCard"`, `"task": "ranking"`, `"groupAtRisk": "applicants over 50"`,
		`"name": "annexa:eu-ai-act:tier"`, `"value": "high"`, `"supplier"`, `"specVersion": "1.6"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the ML-BOM lacks %s", want)
		}
	}
	// The check can fail: a component without its required type is refused.
	broken := strings.Replace(b.String(), `"type": "machine-learning-model",`, ``, 1)
	if check("broken", []byte(broken)) == nil {
		t.Fatal("the schema accepted a component without a type")
	}
	// An empty register is a valid BOM too.
	b.Reset()
	if err := inventory.WriteMLBOM(&b, inventory.MLBOM(nil, nil, inventory.MLBOMOptions{Organisation: "Empty", At: time.Now()})); err != nil {
		t.Fatal(err)
	}
	if err := check("empty", b.Bytes()); err != nil {
		t.Fatalf("empty ML-BOM: %v", err)
	}
}
