package discovery

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/annexa-dev/annexa/internal/sharedtest"
)

func sharedDir(t testing.TB) string { return sharedtest.Dir(t) }

func readShared(t *testing.T, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(sharedDir(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestSBOMModelCard17(t *testing.T) {
	res, err := ParseSBOM(nil, "mlbom.json", readShared(t, "testdata/cyclonedx/mlbom-model-card-with-dataset-1.7.json"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != "CycloneDX 1.7" || len(res.Candidates) != 1 {
		t.Fatalf("format %q, %d candidates: %+v", res.Format, len(res.Candidates), res.Candidates)
	}
	c := res.Candidates[0]
	if c.Name != "support-triage-service" || c.Source != SourceSBOM || c.SuggestedSourcing != SourcingInternal || len(c.Models) != 1 {
		t.Fatalf("candidate: %+v", c)
	}
	m := c.Models[0]
	if m.Name != "support-ticket-classifier" || m.Task != "text-classification" || m.Approach != "supervised" ||
		m.ArchitectureFamily != "transformer" || len(m.Datasets) != 2 || len(m.Metrics) != 1 || !strings.Contains(m.Metrics[0], "macro-f1=0.91") ||
		len(m.UseCases) != 1 || len(m.EthicalConsiderations) != 1 || len(m.FairnessAssessments) != 1 || m.Publisher != "Example ML Team" {
		t.Errorf("model card not carried over: %+v", m)
	}
	if res.Findings[0].Kind != KindMLModel {
		t.Errorf("findings: %+v", res.Findings)
	}
}

func TestSBOMInvalidJSONNamesLine(t *testing.T) {
	_, err := ParseSBOM(nil, "bert.json", readShared(t, "testdata/cyclonedx/mlbom-open-source-model-1.6-trailing-comma.json"))
	if err == nil {
		t.Fatal("trailing comma accepted")
	}
	// The comma ends line 8; the parser stops at the '}' on line 9, column 5.
	if !strings.Contains(err.Error(), "line 9, column 5") || !strings.Contains(err.Error(), "bert.json") {
		t.Errorf("error does not name file, line and column: %v", err)
	}
	// The same document with the comma removed is the Hugging Face model it describes.
	fixed := bytes.Replace(readShared(t, "testdata/cyclonedx/mlbom-open-source-model-1.6-trailing-comma.json"), []byte(`"2024-11-24T13:10:49Z",`), []byte(`"2024-11-24T13:10:49Z"`), 1)
	res, err := ParseSBOM(nil, "bert.json", fixed)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Candidates) != 1 || res.Candidates[0].Name != "bert-base-cased" || res.Candidates[0].SuggestedSourcing != SourcingThirdParty ||
		res.Candidates[0].Technologies[0] != "safetensors" || res.Candidates[0].Vendor != "Hugging Face Inc" {
		t.Errorf("candidates: %+v", res.Candidates)
	}
}

func TestSBOMKeycloakHasNoAI(t *testing.T) {
	res, err := ParseSBOM(nil, "keycloak.json", readShared(t, "testdata/cyclonedx/sbom-keycloak-10.0.2.json"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Components < 100 {
		t.Errorf("read only %d components", res.Components)
	}
	if len(res.Candidates) != 0 || len(res.Findings) != 0 {
		t.Errorf("Keycloak has no AI, got %+v", res.Findings)
	}
}

func TestSBOMSPDX(t *testing.T) {
	data, err := os.ReadFile("testdata/sbom/app-spdx-2.3.json")
	if err != nil {
		t.Fatal(err)
	}
	res, err := ParseSBOM(nil, "app.spdx.json", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Candidates) != 1 {
		t.Fatalf("candidates: %+v", res.Candidates)
	}
	c := res.Candidates[0]
	if c.Name != "support-bot" || c.Vendor != "Acme Software" || c.SuggestedSourcing != SourcingEmbeddedInProduct ||
		strings.Join(c.Technologies, ",") != "langchain,openai" {
		t.Errorf("candidate: %+v", c)
	}
	if c.Fingerprint != fingerprint(SourceSBOM, "pkg:pypi/support-bot") {
		t.Error("SPDX fingerprint is not the versionless purl of the described package")
	}
	if _, err := ParseSBOM(nil, "x.json", []byte(`{"spdxVersion": "SPDX-3.0"}`)); err == nil {
		t.Error("SPDX 3.0 accepted")
	}
	if _, err := ParseSBOM(nil, "x.json", []byte(`{"hello": 1}`)); err == nil {
		t.Error("non-SBOM accepted")
	}
}

func TestSaaSCatalogue(t *testing.T) {
	cat, err := DefaultSaaSCatalog()
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Products) < 100 {
		t.Errorf("%d products, want at least 100", len(cat.Products))
	}
	cats := map[string]bool{}
	for _, p := range cat.Products {
		cats[p.Category] = true
	}
	for _, want := range []string{"office-copilot", "crm-support", "hr-recruiting", "writing-assistant", "meeting-transcription", "code-assistant",
		"chat-assistant", "advertising", "recommendation", "fraud-identity"} {
		if !cats[want] {
			t.Errorf("no product in category %s", want)
		}
	}
	if _, err := ParseSaaSCatalog([]byte(`{"products":[{"id":"a","name":"A","ai_features":"x","likely_role":"deployer","domains":["a.com"]},{"id":"b","name":"B","ai_features":"x","likely_role":"deployer","domains":["a.com"]}]}`)); err == nil {
		t.Error("duplicate domain accepted")
	}
}

func TestSaaSList(t *testing.T) {
	f, err := os.Open("testdata/saas/okta-apps.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := ParseSaaSList(nil, "okta-apps.csv", f)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Candidate{}
	for _, c := range res.Candidates {
		got[strings.TrimPrefix(c.Technologies[0], "saas:")] = c
	}
	if res.Rows != 7 || len(got) != 4 {
		t.Errorf("rows %d, candidates %v", res.Rows, res.Candidates)
	}
	zoom := got["zoom"]
	if len(zoom.Evidence) != 2 || zoom.Confidence != ConfidenceHigh || zoom.Evidence[0].Line != 2 || zoom.LikelyRole != "deployer" {
		t.Errorf("zoom (two rows, matched by domain): %+v", zoom)
	}
	hv := got["hirevue"]
	if hv.Confidence != ConfidenceMedium || len(hv.AnnexIII) == 0 || hv.AnnexIII[0] != "AnnexIII.4(a)" || hv.SuggestedSourcing != SourcingThirdParty {
		t.Errorf("hirevue (matched by name, HR screening): %+v", hv)
	}
	if _, ok := got["workday"]; !ok {
		t.Error("\"Workday (Production)\" not matched")
	}
	if _, ok := got["github-copilot"]; !ok {
		t.Error("github.com not matched")
	}

	res, err = ParseSaaSList(nil, "expenses.csv", mustOpen(t, "testdata/saas/expenses.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Candidates) != 2 {
		t.Errorf("expense export: %+v", res.Candidates)
	}
	if _, err := ParseSaaSList(nil, "x.csv", strings.NewReader("amount,currency\n1,EUR\n")); err == nil {
		t.Error("CSV without name or domain column accepted")
	}
	res, err = ParseSaaSList(nil, "q.csv", strings.NewReader("name,domain\n\"Zoom,zoom.us\nSlack,slack.com\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) == 0 && len(res.Candidates) == 0 {
		t.Error("malformed quoting neither warned nor matched")
	}
}

func mustOpen(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestEgressSquid(t *testing.T) {
	res, err := ParseEgressLog(nil, "access.log", mustOpen(t, "testdata/egress/access.log"), "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != LogSquid || res.Lines != 7 || res.Matched != 4 {
		t.Errorf("format %s lines %d matched %d", res.Format, res.Lines, res.Matched)
	}
	if len(res.Warnings) != 1 || res.Warnings[0].Line != 5 {
		t.Errorf("warnings: %+v", res.Warnings)
	}
	got := map[string]Candidate{}
	for _, c := range res.Candidates {
		got[c.Technologies[0]] = c
	}
	oa := got["openai"]
	if oa.Usage == nil || oa.Usage.Requests != 2 || oa.Usage.Bytes != 7168 || len(oa.Usage.Clients) != 1 || oa.Usage.Clients[0].Client != "10.0.0.5" || oa.Vendor != "OpenAI" {
		t.Errorf("openai usage: %+v", oa.Usage)
	}
	if c := got["claude"]; c.Usage == nil || c.Usage.Clients[0].Client != "alice (10.0.0.9)" {
		t.Errorf("claude.ai usage by user: %+v", c)
	}
	if _, ok := got["azure-openai"]; !ok {
		t.Error("Azure OpenAI host not matched")
	}
	if len(got) != 3 {
		t.Errorf("want openai, claude, azure-openai (not api.openapi.com), got %v", got)
	}
	if oa.Fingerprint != fingerprint(SourceEgress, "openai") {
		t.Error("egress fingerprint is not per service")
	}
}

func TestEgressCSVAndJSONL(t *testing.T) {
	res, err := ParseEgressLog(nil, "fw.csv", mustOpen(t, "testdata/egress/firewall.csv"), "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != LogCSV || len(res.Candidates) != 1 || res.Candidates[0].Usage.Requests != 2 || res.Candidates[0].Usage.Bytes != 300 {
		t.Errorf("csv: %+v", res)
	}
	if len(res.Warnings) != 1 || res.Warnings[0].Line != 4 {
		t.Errorf("csv warnings: %+v", res.Warnings)
	}
	res, err = ParseEgressLog(nil, "proxy.jsonl", mustOpen(t, "testdata/egress/proxy.jsonl"), "")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*Usage{}
	for _, c := range res.Candidates {
		got[c.Technologies[0]] = c.Usage
	}
	if res.Format != LogJSONL || got["google-gemini"] == nil || got["google-gemini"].Bytes != 1234 || got["chatgpt"] == nil ||
		got["chatgpt"].Clients[0].Client != "10.2.2.3" || got["chatgpt"].Bytes != 55 {
		t.Errorf("jsonl: %+v", res)
	}
	if len(res.Warnings) != 1 || res.Warnings[0].Line != 3 {
		t.Errorf("jsonl warnings: %+v", res.Warnings)
	}
	if _, err := ParseEgressLog(nil, "x", strings.NewReader("a,b\n1,2\n"), LogCSV); err == nil {
		t.Error("CSV without host column accepted")
	}
}
