package catalog

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/annexa-dev/annexa/internal/sharedtest"
)

func sharedDir(t *testing.T) string { return sharedtest.Dir(t) }

func readShared(t *testing.T, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(sharedDir(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func reference(t *testing.T, name string, v any) {
	t.Helper()
	if err := json.Unmarshal(readShared(t, filepath.Join("reference", name)), v); err != nil {
		t.Fatalf("reference %s: %v", name, err)
	}
}

type refClause struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Level  int    `json:"level"`
	Parent string `json:"parent"`
}

type refISO27001 struct {
	Counts struct {
		AnnexAControls  int            `json:"annex_a_controls"`
		ByTheme         map[string]int `json:"by_theme"`
		Subclauses4To10 int            `json:"subclauses_4_to_10"`
	} `json:"counts"`
	Clauses []refClause `json:"management_system_clauses"`
	Themes  []struct {
		Group      string `json:"group"`
		Theme      string `json:"theme"`
		GroupTitle string `json:"group_title"`
		Count      int    `json:"count"`
	} `json:"annex_a_themes"`
	Controls []struct {
		AnnexRef string `json:"annex_ref"`
		Title    string `json:"title"`
		Theme    string `json:"theme"`
	} `json:"annex_a_controls"`
}

type refISO42001 struct {
	Counts struct {
		AnnexAControls    int            `json:"annex_a_controls"`
		AnnexADomains     int            `json:"annex_a_domains"`
		ObjectiveCount    int            `json:"annex_a_objective_statements"`
		ByDomain          map[string]int `json:"by_domain"`
		AnnexCObjectives  int            `json:"annex_c_objectives"`
		AnnexCRiskSources int            `json:"annex_c_risk_sources"`
	} `json:"counts"`
	Clauses []refClause `json:"management_system_clauses"`
	Domains []struct {
		ID               string `json:"id"`
		Title            string `json:"title"`
		Controls         []string
		ControlObjective *struct {
			IDImplied string `json:"id_implied"`
		} `json:"control_objective"`
		ControlObjectives []struct {
			ID       string   `json:"id"`
			Title    string   `json:"title"`
			Controls []string `json:"controls"`
		} `json:"control_objectives"`
	} `json:"annex_a_domains"`
	Controls []struct {
		ID     string `json:"id"`
		Title  string `json:"title"`
		Domain string `json:"domain"`
	} `json:"annex_a_controls"`
	AnnexC map[string]json.RawMessage `json:"annex_c"`
}

type refNamed struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type refNIST struct {
	Counts struct {
		Functions     int `json:"functions"`
		Categories    int `json:"categories"`
		Subcategories int `json:"subcategories"`
		PerFunction   map[string]struct {
			Categories    int `json:"categories"`
			Subcategories int `json:"subcategories"`
		} `json:"per_function"`
	} `json:"counts"`
	Functions []struct {
		ID         string `json:"id"`
		Categories []struct {
			ID            string `json:"id"`
			Statement     string `json:"statement"`
			Subcategories []struct {
				ID        string `json:"id"`
				Statement string `json:"statement"`
			} `json:"subcategories"`
		} `json:"categories"`
	} `json:"functions"`
	GenAI struct {
		RiskCount int `json:"risk_count"`
		Risks     []struct {
			Section string `json:"section"`
			Name    string `json:"name"`
		} `json:"risks"`
	} `json:"genai_profile"`
}

type refCrosswalks struct {
	NIST struct {
		Counts struct {
			Pairs int `json:"pairs"`
		} `json:"counts"`
		Pairs []struct {
			NIST string `json:"nist"`
			ISO  string `json:"iso42001_ref"`
		} `json:"pairs"`
	} `json:"nist_ai_rmf_to_iso42001"`
}
