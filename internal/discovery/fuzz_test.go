package discovery

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// checkFindings holds for any input: known kinds, technologies and confidence, lines in range.
func checkFindings(t *testing.T, sigs *Signatures, data []byte, fs []Finding) {
	t.Helper()
	lines := bytes.Count(data, []byte{'\n'}) + 1
	for _, f := range fs {
		if !f.Kind.Valid() || !f.Confidence.Valid() || f.Line < 0 || f.Line > lines {
			t.Fatalf("bad finding %+v (input has %d lines)", f, lines)
		}
		if _, ok := sigs.Technology(f.Technology); !ok && !strings.HasPrefix(f.Technology, "saas:") {
			t.Fatalf("unknown technology in %+v", f)
		}
	}
}

// fuzzAnalyze fuzzes the parser that analyzeFile picks for a file called rel.
func fuzzAnalyze(f *testing.F, rel string, seeds ...string) {
	sigs, err := DefaultSignatures()
	if err != nil {
		f.Fatal(err)
	}
	if data, err := os.ReadFile("testdata/repo/" + rel); err == nil {
		f.Add(data)
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fs, ws := analyzeFile(sigs, rel, data)
		checkFindings(t, sigs, data, fs)
		for _, w := range ws {
			if w.Path != rel || w.Message == "" {
				t.Fatalf("bad warning %+v", w)
			}
		}
	})
}

func FuzzRequirementsTxt(f *testing.F) {
	fuzzAnalyze(f, "py-svc/requirements.txt", "openai[extra]==1 ; x\n-e .\ntorch @ https://x\n")
}
func FuzzPyproject(f *testing.F) {
	fuzzAnalyze(f, "py-svc/pyproject.toml", "[project]\ndependencies=[\"torch\"]\n[dependency-groups]\ndev=[\"openai\",{include-group=\"x\"}]\n")
}
func FuzzPipfile(f *testing.F) { fuzzAnalyze(f, "py-svc/Pipfile", "[packages]\nopenai={git=\"x\"}\n") }
func FuzzPipfileLock(f *testing.F) {
	fuzzAnalyze(f, "x/Pipfile.lock", `{"default":{"openai":{"version":"==1"}},"develop":[]}`)
}
func FuzzPoetryLock(f *testing.F) {
	fuzzAnalyze(f, "x/poetry.lock", "[[package]]\nname = \"torch\"\nversion = \"2\"\n")
}
func FuzzSetupPy(f *testing.F) {
	fuzzAnalyze(f, "py-svc/setup.py", "install_requires=['openai>=1',\"x\"]")
}
func FuzzSetupCfg(f *testing.F) { fuzzAnalyze(f, "py-svc/setup.cfg", "install_requires = openai==1\n") }
func FuzzPackageJSON(f *testing.F) {
	fuzzAnalyze(f, "js-svc/package.json", `{"dependencies":{"openai":{"version":1}},"devDependencies":[]}`)
}
func FuzzPackageLock(f *testing.F) {
	fuzzAnalyze(f, "x/package-lock.json", `{"packages":{"node_modules/a/node_modules/openai":{"version":"4"}},"dependencies":{"ollama":{"version":"1"}}}`)
}
func FuzzYarnLock(f *testing.F) {
	fuzzAnalyze(f, "x/yarn.lock", "\"@anthropic-ai/sdk@^0.30\", \"@anthropic-ai/sdk@0.30.1\":\n  version \"0.30.1\"\nopenai@4:\n")
}
func FuzzGoMod(f *testing.F) {
	fuzzAnalyze(f, "go-svc/go.mod", "module x\nrequire github.com/tmc/langchaingo v0.1.0\n")
}
func FuzzGoSource(f *testing.F) {
	fuzzAnalyze(f, "go-svc/main.go", "package x\nimport \"github.com/openai/openai-go\"\n")
}
func FuzzPom(f *testing.F) {
	fuzzAnalyze(f, "java-svc/pom.xml", "<project><dependency><groupId>ai.djl</groupId><artifactId>api</artifactId></dependency></project>")
}
func FuzzGradle(f *testing.F) {
	fuzzAnalyze(f, "java-gradle/build.gradle.kts", "implementation group: 'org.tensorflow', name: 'tensorflow-core-api'\n")
}
func FuzzGradleCatalog(f *testing.F) {
	fuzzAnalyze(f, "gradle/libs.versions.toml", "[libraries]\nlc = { module = \"dev.langchain4j:langchain4j\", version = \"1\" }\nx = \"org.pytorch:pytorch_android:1\"\n")
}
func FuzzCargoToml(f *testing.F) {
	fuzzAnalyze(f, "rust-svc/Cargo.toml", "[target.'cfg(unix)'.dependencies]\nmy-ort = { package = \"ort\", version = \"2\" }\n")
}
func FuzzCargoLock(f *testing.F) {
	fuzzAnalyze(f, "x/Cargo.lock", "[[package]]\nname = \"candle-core\"\nversion = \"0.8.0\"\n")
}
func FuzzGemfile(f *testing.F) {
	fuzzAnalyze(f, "ruby-svc/Gemfile", "gem \"langchainrb\", \"~> 0.1\"\n")
}
func FuzzGemfileLock(f *testing.F) {
	fuzzAnalyze(f, "x/Gemfile.lock", "GEM\n  specs:\n    ruby-openai (7.0.1)\n")
}
func FuzzComposerJSON(f *testing.F) {
	fuzzAnalyze(f, "php-svc/composer.json", `{"require":{"rubix/ml":"^2"}}`)
}
func FuzzComposerLock(f *testing.F) {
	fuzzAnalyze(f, "x/composer.lock", `{"packages":[{"name":"openai-php/client","version":"v0.10.0"}]}`)
}
func FuzzCsproj(f *testing.F) {
	fuzzAnalyze(f, "dotnet-svc/Svc.csproj", `<Project><ItemGroup><PackageReference Include="Microsoft.ML"/></ItemGroup></Project>`)
}
func FuzzPackagesConfig(f *testing.F) {
	fuzzAnalyze(f, "x/packages.config", `<packages><package id="TorchSharp" version="0.1"/></packages>`)
}
func FuzzNotebook(f *testing.F) {
	fuzzAnalyze(f, "notebooks/explore.ipynb", `{"cells":[{"cell_type":"code","source":"import torch\nimport openai"}],"metadata":{"language_info":{"name":"javascript"}}}`)
}
func FuzzPythonSource(f *testing.F) {
	fuzzAnalyze(f, "py-svc/app/main.py", "import a, openai as o, torch\nfrom . import openai\n")
}
func FuzzJSSource(f *testing.F) {
	fuzzAnalyze(f, "js-svc/src/chat.ts", "export * from '@langchain/core/prompts'; const x = await import('openai')\n")
}
func FuzzConfigFile(f *testing.F) {
	fuzzAnalyze(f, "cfg/.env", "AZURE_OPENAI_KEY=1\nurl=https://bedrock-runtime.us-east-1.amazonaws.com\n")
}

func FuzzModelHeader(f *testing.F) {
	sigs, err := DefaultSignatures()
	if err != nil {
		f.Fatal(err)
	}
	f.Add("x.pkl", []byte("\x80\x04csklearn.tree\n"))
	f.Add("x.safetensors", []byte("\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":1}"))
	f.Add("saved_model.pb", []byte{})
	f.Fuzz(func(t *testing.T, name string, head []byte) {
		if r := sigs.modelRule(strings.ToLower(name)); r != nil {
			checkFindings(t, sigs, nil, classifyModel(name, r, head))
		}
	})
}

func FuzzSBOM(f *testing.F) {
	for _, p := range []string{"testdata/cyclonedx/mlbom-model-card-with-dataset-1.7.json", "testdata/cyclonedx/mlbom-open-source-model-1.6-trailing-comma.json"} {
		if data, err := os.ReadFile(sharedDir(f) + "/" + p); err == nil {
			f.Add(data)
		}
	}
	if data, err := os.ReadFile("testdata/sbom/app-spdx-2.3.json"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"type":"library","purl":"pkg:npm/%40anthropic-ai/sdk@1"}]}`))
	sigs, _ := DefaultSignatures()
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := ParseSBOM(sigs, "f.json", data)
		if err != nil {
			return
		}
		checkFindings(t, sigs, data, res.Findings)
		for _, c := range res.Candidates {
			if len(c.Fingerprint) != 64 || !c.SuggestedSourcing.Valid() {
				t.Fatalf("bad candidate %+v", c)
			}
		}
	})
}

func FuzzSaaSList(f *testing.F) {
	for _, p := range []string{"testdata/saas/okta-apps.csv", "testdata/saas/expenses.csv"} {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("\ufeffName,Domain\n\"a\"\"b\",x\n"))
	cat, err := DefaultSaaSCatalog()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := ParseSaaSList(cat, "f.csv", bytes.NewReader(data))
		if err != nil {
			return
		}
		if res.Matched > res.Rows || len(res.Candidates) > res.Matched {
			t.Fatalf("matched %d of %d rows into %d candidates", res.Matched, res.Rows, len(res.Candidates))
		}
	})
}

func fuzzLog(f *testing.F, format, file string, seeds ...string) {
	if data, err := os.ReadFile(file); err == nil {
		f.Add(data)
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	sigs, _ := DefaultSignatures()
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := ParseEgressLog(sigs, "log", bytes.NewReader(data), format)
		if err != nil {
			return
		}
		var total int64
		for _, c := range res.Candidates {
			if c.Usage == nil || c.Usage.Requests <= 0 || c.Usage.Bytes < 0 {
				t.Fatalf("bad usage %+v", c)
			}
			total += c.Usage.Requests
		}
		if total != int64(res.Matched) || res.Matched > res.Lines {
			t.Fatalf("%d requests counted, %d matched of %d lines", total, res.Matched, res.Lines)
		}
	})
}

func FuzzSquidLog(f *testing.F) {
	fuzzLog(f, LogSquid, "testdata/egress/access.log", "1.0 1 ::1 TCP/200 1 CONNECT [::1]:443 - X -\n")
}
func FuzzCSVLog(f *testing.F) {
	fuzzLog(f, LogCSV, "testdata/egress/firewall.csv", "url,bytes\nhttps://api.openai.com/v1,-1\n")
}
func FuzzJSONLLog(f *testing.F) {
	fuzzLog(f, LogJSONL, "testdata/egress/proxy.jsonl", `{"host":{"name":"x"},"url":"api.x.ai:443","bytes":"12"}`)
}

// FuzzPrefilter checks the DFA against a plain case-insensitive search.
func FuzzPrefilter(f *testing.F) {
	f.Add("openai", "torch", "\njax=", []byte("import torch"))
	f.Add("aab", "ab", "b", []byte("aaab"))
	f.Fuzz(func(t *testing.T, p1, p2, p3 string, data []byte) {
		pats := []string{}
		for _, p := range []string{p1, p2, p3} {
			if p != "" && len(p) < 20 {
				pats = append(pats, p)
			}
		}
		if len(pats) == 0 {
			return
		}
		m := newMatcher(pats)
		asciiLower := func(b []byte) []byte {
			out := make([]byte, len(b))
			for i, c := range b {
				out[i] = fold(c)
			}
			return out
		}
		hay := append([]byte{'\n'}, asciiLower(data)...) // the matcher starts after a virtual newline
		want := false
		for _, p := range pats {
			lp := asciiLower([]byte(p))
			// A match must end on a real byte: the virtual newline alone matches nothing.
			for end := 2; end <= len(hay) && !want; end++ {
				want = end >= len(lp) && bytes.Equal(hay[end-len(lp):end], lp)
			}
		}
		if got := m.match(data); got != want {
			t.Fatalf("match(%q) with %q = %v, want %v", data, pats, got, want)
		}
		if got := len(m.lines(data)) > 0; got != want {
			t.Fatalf("lines(%q) with %q found %v, want %v", data, pats, got, want)
		}
	})
}
