package risk_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/risk"
)

func TestEmbeddedDataLoads(t *testing.T) {
	if err := risk.Load(); err != nil {
		t.Fatal(err)
	}
	cats := risk.BuiltinCategories()
	want := []string{"confidentiality", "integrity", "availability", "bias_fairness", "performance_drift", "transparency_explainability",
		"robustness_adversarial", "privacy", "safety", "ai_supply_chain", "misuse", "accountability", "environmental_societal"}
	if len(cats) != len(want) {
		t.Fatalf("%d categories", len(cats))
	}
	for i, c := range cats {
		if c.ID != want[i] {
			t.Errorf("category %d is %s, want %s", i, c.ID, want[i])
		}
	}
	nist := 0
	for _, tp := range risk.Templates() {
		for _, r := range tp.References {
			if strings.HasPrefix(r, "nist-ai-600-1:") && tp.When.Generative && strings.HasPrefix(tp.ID, "gai-") {
				nist++
			}
		}
	}
	if nist != 12 {
		t.Errorf("%d NIST AI 600-1 generative-AI templates, want 12", nist)
	}
}

func TestDefaultMethodIsValidAndScores(t *testing.T) {
	m := risk.DefaultMethod()
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		l, i  int
		level string
	}{{1, 1, "low"}, {2, 2, "low"}, {1, 5, "medium"}, {3, 3, "medium"}, {2, 5, "high"}, {4, 4, "high"}, {5, 4, "critical"}, {5, 5, "critical"}} {
		if got := m.Score(c.l, c.i).Level; got != c.level {
			t.Errorf("%d×%d is %s, want %s", c.l, c.i, got, c.level)
		}
	}
}

func TestMethodValidationNamesFields(t *testing.T) {
	for name, c := range map[string]struct {
		change func(*risk.Method)
		field  string
	}{
		"2×5":          {func(m *risk.Method) { m.Likelihood = m.Likelihood[:2] }, "likelihood"},
		"6 steps":      {func(m *risk.Method) { m.Impact = append(m.Impact, risk.ScalePoint{Name: "Extreme"}) }, "impact"},
		"gap at 1":     {func(m *risk.Method) { m.Levels[0].MinScore = 2 }, "levels[0].min_score"},
		"not rising":   {func(m *risk.Method) { m.Levels[2].MinScore = 5 }, "levels[2].min_score"},
		"beyond 25":    {func(m *risk.Method) { m.Levels[3].MinScore = 26 }, "levels[3].min_score"},
		"colour":       {func(m *risk.Method) { m.Levels[1].Colour = "amber" }, "levels[1].colour"},
		"role":         {func(m *risk.Method) { m.Levels[1].AcceptRoles = []auth.Role{"ceo"} }, "levels[1].accept_roles"},
		"review":       {func(m *risk.Method) { m.Levels[1].ReviewDays = 0 }, "levels[1].review_days"},
		"duplicate id": {func(m *risk.Method) { m.Levels[1].ID = "low" }, "levels[1].id"},
	} {
		m := risk.DefaultMethod()
		m.Levels = append([]risk.Level(nil), m.Levels...)
		c.change(&m)
		err := m.Validate()
		found := false
		for _, f := range fault.Fields(err) {
			found = found || f.Field == c.field
		}
		if !fault.Is(err, fault.Invalid) || !found {
			t.Errorf("%s: want %s named, got %v", name, c.field, err)
		}
	}
}

func TestRescaleKeepsEnds(t *testing.T) {
	for _, c := range []struct{ v, from, to, want int }{{1, 5, 3, 1}, {3, 5, 3, 2}, {5, 5, 3, 3}, {1, 3, 5, 1}, {2, 3, 5, 3}, {3, 3, 5, 5}, {0, 5, 3, 0}, {4, 4, 4, 4}} {
		if got := risk.Rescale(c.v, c.from, c.to); got != c.want {
			t.Errorf("Rescale(%d, %d, %d) = %d, want %d", c.v, c.from, c.to, got, c.want)
		}
	}
}

func TestGenerativeDetection(t *testing.T) {
	for name, c := range map[string]struct {
		sys  inventory.System
		want bool
	}{
		"llm type":    {inventory.System{Models: []inventory.Model{{Name: "support-bot", Type: "Large language model"}}}, true},
		"gpt name":    {inventory.System{Models: []inventory.Model{{Name: "gpt-4o"}}}, true},
		"gpai":        {inventory.System{Facts: aiact.Facts{GPAI: aiact.GPAIFacts{IsGPAIModel: true}}}, true},
		"synthetic":   {inventory.System{Facts: aiact.Facts{TransparencyIndicators: []aiact.TransparencyIndicator{"generates_synthetic_content"}}}, true},
		"trees":       {inventory.System{Models: []inventory.Model{{Name: "churn", Type: "gradient-boosted trees"}}}, false},
		"lookalike":   {inventory.System{Models: []inventory.Model{{Name: "fullmoon-llmx", Type: "regression"}}}, false},
		"no evidence": {inventory.System{}, false},
	} {
		if got, _ := risk.Generative(c.sys); got != c.want {
			t.Errorf("%s: generative %v, want %v", name, got, c.want)
		}
	}
}

func TestCSVRoundTripAndFormulaEscape(t *testing.T) {
	r := risk.Risk{ID: "r1", Title: "=HYPERLINK(\"x\")", Category: "privacy", Likelihood: 2, Impact: 3, Sources: []string{"C.3.4"},
		Actions: []risk.Action{{Title: "Mask data", Due: "2026-01-31"}}, Status: risk.Open}
	var b bytes.Buffer
	if err := risk.WriteCSV(&b, []risk.Risk{r}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `'=HYPERLINK`) {
		t.Fatalf("formula not made inert: %s", b.String())
	}
	rows, err := risk.ReadCSV(&b)
	if err != nil || len(rows) != 1 || len(rows[0].Problems) != 0 {
		t.Fatalf("read back: %+v %v", rows, err)
	}
	in := rows[0].Input
	if *in.Title != r.Title || *in.Likelihood != 2 || (*in.Actions)[0].Title != "Mask data" || (*in.Sources)[0] != "C.3.4" {
		t.Fatalf("round trip: %+v", in)
	}
	var x bytes.Buffer
	if err := risk.WriteXLSX(&x, []risk.Risk{r}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	rows, err = risk.ReadXLSX(&x)
	if err != nil || len(rows) != 1 || *rows[0].Input.Title != r.Title {
		t.Fatalf("xlsx round trip: %+v %v", rows, err)
	}
}

func TestCSVRowProblemsNameLineAndColumn(t *testing.T) {
	rows, err := risk.ReadCSV(strings.NewReader("title,category,likelihood,impact,treatment\nok,privacy,1,1,modify\n,privacy,x,1,ignore\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, p := range rows[1].Problems {
		got[p.Field] = true
	}
	for _, f := range []string{"rows[3].title", "rows[3].likelihood", "rows[3].treatment"} {
		if !got[f] {
			t.Errorf("problem %s not named: %+v", f, rows[1].Problems)
		}
	}
	if _, err := risk.ReadCSV(strings.NewReader("title,colour\nx,red\n")); !fault.Is(err, fault.Invalid) {
		t.Errorf("unknown column: %v", err)
	}
}
