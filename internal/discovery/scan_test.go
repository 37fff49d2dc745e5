package discovery

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
)

func scanFixture(t *testing.T) Report {
	t.Helper()
	rep, err := Scan(context.Background(), "testdata/repo", Options{Name: "repo"})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func hasFinding(rep Report, path string, line int, kind Kind, tech string) bool {
	for _, f := range rep.Findings {
		if f.Path == path && f.Kind == kind && f.Technology == tech && (line < 0 || f.Line == line) {
			return true
		}
	}
	return false
}

// TestScanTruePositives checks each ecosystem's manifests, imports, hosts, variables and model
// files in the fixture tree.
func TestScanTruePositives(t *testing.T) {
	rep := scanFixture(t)
	tests := []struct {
		ecosystem, path string
		line            int
		kind            Kind
		tech            string
		confidence      Confidence
	}{
		{"pip", "py-svc/requirements.txt", 2, KindDependency, "openai", ConfidenceHigh},
		{"pip marker", "py-svc/requirements.txt", 3, KindDependency, "anthropic", ConfidenceHigh},
		{"pip normalised name", "py-svc/requirements.txt", 4, KindDependency, "scikit-learn", ConfidenceHigh},
		{"pyproject PEP 621", "py-svc/pyproject.toml", 3, KindDependency, "huggingface-transformers", ConfidenceHigh},
		{"pyproject optional", "py-svc/pyproject.toml", 5, KindDependency, "pytorch", ConfidenceHigh},
		{"pyproject poetry", "py-svc/pyproject.toml", 8, KindDependency, "langchain", ConfidenceHigh},
		{"Pipfile", "py-svc/Pipfile", 2, KindDependency, "xgboost", ConfidenceHigh},
		{"Pipfile dev", "py-svc/Pipfile", 5, KindDependency, "lightgbm", ConfidenceHigh},
		{"setup.cfg", "py-svc/setup.cfg", 3, KindDependency, "mistral", ConfidenceHigh},
		{"setup.py", "py-svc/setup.py", 2, KindDependency, "cohere", ConfidenceHigh},
		{"python from-import", "py-svc/app/main.py", 2, KindImport, "openai", ConfidenceHigh},
		{"python multi import", "py-svc/app/main.py", 3, KindImport, "pytorch", ConfidenceHigh},
		{"python dotted import", "py-svc/app/main.py", 5, KindImport, "google-gemini", ConfidenceHigh},
		{"env var in code", "py-svc/app/main.py", 8, KindEnvVar, "openai", ConfidenceMedium},
		{"azure host glob", "py-svc/app/main.py", 9, KindAPIHost, "azure-openai", ConfidenceMedium},
		{"client literal", "py-svc/app/main.py", 10, KindAPIHost, "aws-bedrock", ConfidenceMedium},
		{"package.json scoped", "js-svc/package.json", 4, KindDependency, "anthropic", ConfidenceHigh},
		{"package.json dev", "js-svc/package.json", 8, KindDependency, "langchain", ConfidenceHigh},
		{"ts import", "js-svc/src/chat.ts", 1, KindImport, "anthropic", ConfidenceHigh},
		{"js require", "js-svc/src/chat.ts", 3, KindImport, "ollama", ConfidenceHigh},
		{"go.mod", "go-svc/go.mod", 6, KindDependency, "openai", ConfidenceHigh},
		{"go import", "go-svc/main.go", 7, KindImport, "openai", ConfidenceHigh},
		{"pom.xml", "java-svc/pom.xml", 4, KindDependency, "langchain", ConfidenceHigh},
		{"java import", "java-svc/src/main/java/Bot.java", 2, KindImport, "langchain", ConfidenceHigh},
		{"gradle kts", "java-gradle/build.gradle.kts", 2, KindDependency, "spring-ai", ConfidenceHigh},
		{"Cargo.toml", "rust-svc/Cargo.toml", 5, KindDependency, "openai", ConfidenceHigh},
		{"Cargo.toml table", "rust-svc/Cargo.toml", 7, KindDependency, "candle", ConfidenceHigh},
		{"rust use", "rust-svc/src/main.rs", 1, KindImport, "openai", ConfidenceHigh},
		{"Gemfile", "ruby-svc/Gemfile", 2, KindDependency, "openai", ConfidenceHigh},
		{"ruby require", "ruby-svc/bot.rb", 1, KindImport, "openai", ConfidenceHigh},
		{"composer.json", "php-svc/composer.json", 1, KindDependency, "openai", ConfidenceHigh},
		{"php use", "php-svc/Bot.php", 2, KindImport, "openai", ConfidenceHigh},
		{"csproj", "dotnet-svc/Svc.csproj", 3, KindDependency, "azure-openai", ConfidenceHigh},
		{"c# using", "dotnet-svc/Program.cs", 2, KindImport, "azure-openai", ConfidenceHigh},
		{"notebook code cell", "notebooks/explore.ipynb", 18, KindImport, "huggingface-transformers", ConfidenceHigh},
		{".env variable", "cfg/.env", 1, KindEnvVar, "openai", ConfidenceMedium},
		{".env prefix variable", "cfg/.env", 2, KindEnvVar, "azure-openai", ConfidenceMedium},
		{"yaml host", "cfg/settings.yaml", 2, KindAPIHost, "mistral", ConfidenceMedium},
		{"gguf", "models/llama.gguf", 0, KindModelFile, "gguf", ConfidenceHigh},
		{"safetensors", "models/model.safetensors", 0, KindModelFile, "safetensors", ConfidenceHigh},
		{"sklearn pickle", "models/clf.pkl", 0, KindModelFile, "scikit-learn", ConfidenceHigh},
		{"onnx", "models/net.onnx", 0, KindModelFile, "onnx", ConfidenceHigh},
		{"keras hdf5", "models/weights.h5", 0, KindModelFile, "keras", ConfidenceHigh},
		{"pytorch zip", "models/model.pt", 0, KindModelFile, "pytorch", ConfidenceHigh},
		{"tflite", "models/detect.tflite", 0, KindModelFile, "tensorflow-lite", ConfidenceHigh},
	}
	for _, tt := range tests {
		t.Run(tt.ecosystem, func(t *testing.T) {
			for _, f := range rep.Findings {
				if f.Path == tt.path && f.Line == tt.line && f.Kind == tt.kind && f.Technology == tt.tech {
					if f.Confidence != tt.confidence {
						t.Errorf("confidence %s, want %s", f.Confidence, tt.confidence)
					}
					return
				}
			}
			t.Errorf("no %s %s finding at %s:%d; findings in that file: %v", tt.kind, tt.tech, tt.path, tt.line, findingsIn(rep, tt.path))
		})
	}
}

func findingsIn(rep Report, path string) []Finding {
	var out []Finding
	for _, f := range rep.Findings {
		if f.Path == path {
			out = append(out, f)
		}
	}
	return out
}

// TestScanLookalikes: names that look like AI but are not must give nothing.
func TestScanLookalikes(t *testing.T) {
	rep := scanFixture(t)
	for _, path := range []string{
		"lookalikes/src/api.py",       // openapi, OPENAPI_KEY, api.openapi.com, torchmetrics_fake, "coherent", a commented-out import
		"lookalikes/openapi.yaml",     // an OpenAPI spec
		"django-app/shop/models.py",   // Django models.Model is not an ML model
		"django-app/requirements.txt", // django
		"node_modules/openai/index.py",
		"vendor/x/a.py",
		"models/fake.safetensors", // extension without the signature
		"models/data.pkl",         // a pickle of a DataFrame, no ML library
		"models/table.h5",         // HDF5 data, not a Keras model
	} {
		if fs := findingsIn(rep, path); len(fs) > 0 {
			t.Errorf("%s: want no findings, got %v", path, fs)
		}
	}
	// Lookalike lines inside files that do have AI findings.
	for _, tt := range []struct {
		path string
		line int
	}{
		{"py-svc/requirements.txt", 5}, // openapi-core
		{"py-svc/app/main.py", 6},      // transformers in a comment
		{"py-svc/app/main.py", 7},      // transformers in a docstring
		{"js-svc/package.json", 5},     // openapi-types
		{"js-svc/src/chat.ts", 2},      // import from openapi-types
		{"js-svc/src/chat.ts", 4},      // commented-out import of openai
		{"go-svc/go.mod", 7},           // kin-openapi
		{"go-svc/main.go", 6},          // kin-openapi
		{"java-svc/pom.xml", 9},
		{"java-svc/src/main/java/Bot.java", 3},
		{"java-gradle/build.gradle.kts", 3}, // a commented-out dependency
		{"java-gradle/build.gradle.kts", 4},
		{"dotnet-svc/Svc.csproj", 4}, // Microsoft.OpenApi
		{"dotnet-svc/Program.cs", 3},
		{"notebooks/explore.ipynb", 7}, // markdown cell prose
		{"notebooks/explore.ipynb", 8},
	} {
		for _, f := range findingsIn(rep, tt.path) {
			if f.Line == tt.line {
				t.Errorf("%s:%d: lookalike reported: %+v", tt.path, tt.line, f)
			}
		}
	}
}

func TestLineImportLookalikes(t *testing.T) {
	sigs, err := DefaultSignatures()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang, line, want string // want "" means no finding
	}{
		{"python", "import openai", "openai"},
		{"python", "from openai.types import Model", "openai"},
		{"python", "import openapi", ""},
		{"python", "from django.db import models", ""},
		{"python", "class Doc(models.Model):", ""},
		{"python", "# import transformers", ""},
		{"python", "x = 'import transformers'", ""},
		{"python", "import transformers", "huggingface-transformers"},
		{"python", "import torchmetrics", ""},
		{"python", "from google.cloud import storage", ""},
		{"python", "from google.cloud.aiplatform import Endpoint", "google-vertex-ai"},
		{"javascript", `import OpenAI from "openai"`, "openai"},
		{"javascript", `import x from "openai-like"`, ""},
		{"javascript", `import x from "./openai"`, ""},
		{"javascript", `// import OpenAI from "openai"`, ""},
		{"java", "import com.openapi.Spec;", ""},
		{"java", "import com.openai.client.OpenAIClient;", "openai"},
		{"rust", "use ort::session::Session;", "onnx"},
		{"rust", "use report::x;", ""},
		{"csharp", "using OpenApi.Models;", ""},
		{"csharp", "using (var x = new OpenAI.Client()) {", ""},
		{"php", `use OpenApi\Spec;`, ""},
		{"ruby", "require 'openapi'", ""},
	}
	for _, tt := range tests {
		fs := lineImports(sigs, tt.lang, "f", 1, tt.line)
		got := ""
		if len(fs) > 0 {
			got = fs[0].Technology
		}
		if got != tt.want {
			t.Errorf("%s %q: got %q, want %q", tt.lang, tt.line, got, tt.want)
		}
	}
}

func TestLineSignalLookalikes(t *testing.T) {
	sigs, err := DefaultSignatures()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ line, want string }{
		{"OPENAI_API_KEY=x", "openai"},
		{"OPENAPI_KEY=x", ""},
		{"url: https://api.openai.com/v1", "openai"},
		{"url: https://api.openai.com.example.org/", ""},
		{"url: https://notopenai.com/", ""},
		{"https://bedrock-runtime.eu-west-1.amazonaws.com", "aws-bedrock"},
		{"https://s3.eu-west-1.amazonaws.com", ""},
		{"OPENAI_=x", ""}, // a bare prefix is not a variable of the service
		{"AZURE_OPENAI_API_KEY=x", "azure-openai"},
	}
	for _, tt := range tests {
		fs := lineSignals(sigs, "f", 1, tt.line)
		got := ""
		if len(fs) > 0 {
			got = fs[0].Technology
		}
		if got != tt.want {
			t.Errorf("%q: got %q (%v), want %q", tt.line, got, fs, tt.want)
		}
	}
}

func TestScanWarnings(t *testing.T) {
	rep := scanFixture(t)
	want := map[string][2]int{
		"broken/package.json":   {1, 34},
		"broken/pyproject.toml": {3, 0},
		"broken/pom.xml":        {4, 0},
	}
	for _, w := range rep.Warnings {
		if pos, ok := want[w.Path]; ok {
			if w.Line != pos[0] || (pos[1] != 0 && w.Column != pos[1]) {
				t.Errorf("%s: warning at %d:%d, want %d:%d", w.Path, w.Line, w.Column, pos[0], pos[1])
			}
			delete(want, w.Path)
		}
	}
	for p := range want {
		t.Errorf("no warning for %s; warnings: %v", p, rep.Warnings)
	}
}

func TestScanUnreadableAndSymlinkLoop(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "svc/requirements.txt"), "openai\n")
	if err := os.Symlink("..", filepath.Join(dir, "svc/up")); err != nil {
		t.Skip("symlinks not supported:", err)
	}
	if err := os.Symlink("self", filepath.Join(dir, "self")); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(dir, "svc/secret.py")
	write(t, secret, "import openai\n")
	if err := os.Chmod(secret, 0); err != nil {
		t.Fatal(err)
	}
	rep, err := Scan(context.Background(), dir, Options{Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	msgs := map[string]string{}
	for _, w := range rep.Warnings {
		msgs[w.Path] = w.Message
	}
	if !strings.Contains(msgs["svc/up"], "symlink loop") {
		t.Errorf("svc/up: want a symlink loop warning, got %q", msgs["svc/up"])
	}
	if !strings.Contains(msgs["self"], "symlink loop") {
		t.Errorf("self: want a symlink loop warning, got %q", msgs["self"])
	}
	if os.Geteuid() != 0 && !strings.Contains(msgs["svc/secret.py"], "skipped") {
		t.Errorf("unreadable file: want a warning, got %q", msgs["svc/secret.py"])
	}
	if !hasFinding(rep, "svc/requirements.txt", 1, KindDependency, "openai") {
		t.Errorf("scan did not go on after the warnings: %v", rep.Findings)
	}
}

func TestScanSystemsAndFingerprints(t *testing.T) {
	rep := scanFixture(t)
	byLoc := map[string]Candidate{}
	for _, s := range rep.Systems {
		byLoc[s.Location] = s
		if len(s.Fingerprint) != 64 || s.Source != SourceCode || !s.SuggestedSourcing.Valid() || !s.Confidence.Valid() || len(s.Evidence) == 0 {
			t.Errorf("system %s malformed: %+v", s.Location, s)
		}
	}
	py, ok := byLoc["py-svc"]
	if !ok {
		t.Fatalf("no system for py-svc: %v", rep.Systems)
	}
	for _, tech := range []string{"openai", "anthropic", "pytorch", "langchain"} {
		if !strings.Contains(strings.Join(py.Technologies, ","), tech) {
			t.Errorf("py-svc technologies %v lack %s", py.Technologies, tech)
		}
	}
	if byLoc["go-svc"].Vendor != "OpenAI" {
		t.Errorf("go-svc vendor = %q, want OpenAI", byLoc["go-svc"].Vendor)
	}
	// The fingerprint is stable across scans and independent of where the tree lies.
	again := scanFixture(t)
	if again.Systems[0].Fingerprint != rep.Systems[0].Fingerprint {
		t.Error("fingerprint changed between scans")
	}
	if fingerprint(SourceCode, "repo", "py-svc") != py.Fingerprint || fingerprint(SourceCode, "Repo", "py-svc/") != py.Fingerprint {
		t.Error("fingerprint does not normalise case and trailing slash")
	}
	// JSON output has the documented shape.
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var shape struct {
		Findings []map[string]any `json:"findings"`
		Systems  []map[string]any `json:"systems"`
	}
	if err := json.Unmarshal(b, &shape); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"path", "line", "kind", "technology", "evidence", "confidence"} {
		if _, ok := shape.Findings[0][k]; !ok {
			t.Errorf("finding JSON lacks %q", k)
		}
	}
}

type countingProgress struct{ files, bytes atomic.Int64 }

func (p *countingProgress) Scanned(files int, bytes int64) {
	p.files.Add(int64(files))
	p.bytes.Add(bytes)
}

func TestScanProgressAndCancel(t *testing.T) {
	var p countingProgress
	rep, err := Scan(context.Background(), "testdata/repo", Options{Progress: &p, Workers: runtime.GOMAXPROCS(0)})
	if err != nil {
		t.Fatal(err)
	}
	if p.files.Load() != rep.Stats.Files || p.files.Load() == 0 {
		t.Errorf("progress saw %d files, stats %d", p.files.Load(), rep.Stats.Files)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Scan(ctx, "testdata/repo", Options{}); err == nil {
		t.Error("cancelled scan returned no error")
	}
	if _, err := Scan(context.Background(), "testdata/does-not-exist", Options{}); err == nil {
		t.Error("missing root returned no error")
	}
}

func TestPrefilter(t *testing.T) {
	m := newMatcher([]string{"openai", "\njax=", "torch"})
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"import OpenAI", true},
		{"OPENAI_API_KEY", true},
		{"openapi", false},
		{"jax==0.4", true}, // first line counts as following a newline
		{"x\njax=1", true}, //
		{"ajax=1", false},  // not at a line start
		{"", false},
		{"tor\nch", false},
	} {
		if got := m.match([]byte(tt.in)); got != tt.want {
			t.Errorf("match(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	lines := m.lines([]byte("a\nimport torch\nb\nopenai openai\n"))
	if len(lines) != 2 || lines[0].line != 2 || lines[1].line != 4 {
		t.Errorf("lines = %+v", lines)
	}
}

func TestSignaturesData(t *testing.T) {
	sigs, err := DefaultSignatures()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"openai", "anthropic", "azure-openai", "aws-bedrock", "google-gemini", "mistral", "cohere", "langchain", "llamaindex",
		"huggingface-transformers", "pytorch", "tensorflow", "keras", "scikit-learn", "xgboost", "lightgbm", "onnx", "safetensors", "gguf", "ollama"} {
		if _, ok := sigs.Technology(id); !ok {
			t.Errorf("technology %q missing", id)
		}
	}
	for _, eco := range []string{"pypi", "npm", "go", "maven", "cargo", "rubygems", "packagist", "nuget"} {
		if len(sigs.packages[eco]) == 0 && eco != "maven" {
			t.Errorf("no packages for %s", eco)
		}
	}
	if _, err := ParseSignatures([]byte(`{"technologies":[{"id":"x"}],"packages":{"pypi":{"a":"nope"}}}`)); err == nil {
		t.Error("unknown technology accepted")
	}
	if _, err := ParseSignatures([]byte("{\n  \"technologies\": [,]\n}")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad JSON error does not name the line: %v", err)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
