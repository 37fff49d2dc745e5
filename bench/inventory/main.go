// Command inventory benchmarks the AI system register with 10,000 systems in one
// organisation against a real `annexa serve` process: importing 10,000 CSV rows through the
// API, then creating one system, listing a page of 50, a filtered search (q and tier) and
// listing 1,000 at once, each with p50/p99 latency, on SQLite and (with -db) PostgreSQL.
//
//	go run ./bench/inventory                  # SQLite
//	go run ./bench/inventory -db postgres://… # PostgreSQL (an empty database)
package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/annexa-dev/annexa/bench/harness"
)

func main() {
	dsn := flag.String("db", "", "PostgreSQL URL of an empty database; SQLite when empty")
	systems := flag.Int("systems", 10000, "AI systems to import before measuring")
	n := flag.Int("n", 500, "requests per operation")
	flag.Parse()
	if err := run(*dsn, *systems, *n); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// register writes n realistic rows: bought and built systems across vendors, business units,
// lifecycle stages and EU AI Act situations, so the tiers spread as in a real register.
func register(n int) []byte {
	vendors := []string{"Microsoft", "Salesforce", "Workday", "Zendesk", "Google", "Stripe", "Gong", "ServiceNow", "SAP", ""}
	units := []string{"Sales", "People", "Finance", "IT", "Customer Service", "Manufacturing", "Supply Chain", "Marketing"}
	stages := []string{"inception", "design_and_development", "verification_and_validation", "deployment", "operation_and_monitoring", "re_evaluation"}
	facts := []string{
		`{"eu_nexus": {"deployer_established_in_eu": true}}`,
		`{"eu_nexus": {"deployer_established_in_eu": true}, "annex_iii_use_cases": ["4a"], "profiling_of_natural_persons": true}`,
		`{"eu_nexus": {"deployer_established_in_eu": true}, "transparency_indicators": ["interacts_directly_with_natural_persons"]}`,
		`{"eu_nexus": {"deployer_established_in_eu": true}, "annex_iii_use_cases": ["5b"], "annex_iii_carve_outs": ["financial_fraud_detection"]}`,
		`{"eu_nexus": {"deployer_established_in_eu": true}, "annex_iii_use_cases": ["5b"]}`,
		`{}`,
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"name", "intended_purpose", "business_unit", "sourcing", "vendor", "eu_ai_act_roles", "lifecycle_stage", "affected_groups",
		"personal_data", "models", "automation", "criticality", "facts"})
	for i := 0; i < n; i++ {
		v := vendors[i%len(vendors)]
		sourcing := "third_party"
		if v == "" {
			sourcing = "internal"
		}
		w.Write([]string{fmt.Sprintf("%s assistant %05d", units[i%len(units)], i), fmt.Sprintf("Helps the %s team with task %d", units[i%len(units)], i),
			units[i%len(units)], sourcing, v, "deployer", stages[i%len(stages)], "employees;customers", "true",
			fmt.Sprintf("model-%d@%d.0 (%s)", i%37, i%5, v), "human_in_the_loop", "medium", facts[i%len(facts)]})
	}
	w.Flush()
	return b.Bytes()
}

func run(dsn string, systems, n int) error {
	srv, err := harness.StartServer(dsn)
	if err != nil {
		return err
	}
	defer srv.Stop()
	base, token, engine := srv.Base, srv.Token, srv.Engine
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	fmt.Printf("Annexa inventory benchmark — %s, %d AI systems, %d requests per row, %d CPUs\n\n", engine, systems, n, harness.NumCPU())

	file := register(systems)
	req, _ := http.NewRequest("POST", base+"/api/v1/ai-systems/import", bytes.NewReader(file))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "text/csv")
	t0 := time.Now()
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	took := time.Since(t0)
	var rep struct{ Created int }
	if res.StatusCode != 200 || json.Unmarshal(body, &rep) != nil || rep.Created != systems {
		return fmt.Errorf("import: %d %.300s", res.StatusCode, body)
	}
	fmt.Printf("import %d CSV rows (%.1f MB) in one request: %.2fs (%.0f rows/s)\n\n", systems, float64(len(file))/1e6, took.Seconds(), float64(systems)/took.Seconds())

	var seq atomic.Int64
	get := func(path string) func() (*http.Request, error) {
		return func() (*http.Request, error) { return http.NewRequest("GET", base+path, nil) }
	}
	ops := []struct {
		name string
		req  func() (*http.Request, error)
		want int
		n    int
	}{
		{"POST /api/v1/ai-systems (classified, audited)", func() (*http.Request, error) {
			body := fmt.Sprintf(`{"name": "Bench system %d", "sourcing": "third_party", "vendor": "Workday", "eu_ai_act_roles": ["deployer"],
				"models": [{"name": "m", "version": "1"}], "facts": {"eu_nexus": {"deployer_established_in_eu": true}, "annex_iii_use_cases": ["4a"]}}`, seq.Add(1))
			return http.NewRequest("POST", base+"/api/v1/ai-systems", strings.NewReader(body))
		}, 201, n},
		{"GET /api/v1/ai-systems (page of 50)", get("/api/v1/ai-systems?limit=50"), 200, n},
		{"GET /api/v1/ai-systems?q=people+assistant&tier=high", get("/api/v1/ai-systems?q=people+assistant&tier=high"), 200, n},
		{"GET /api/v1/ai-systems?limit=1000", get("/api/v1/ai-systems?limit=1000"), 200, n / 5},
		{"GET /api/v1/ai-systems/summary?limit=1000", get("/api/v1/ai-systems/summary?limit=1000"), 200, n / 5},
	}
	fmt.Printf("%-52s %6s %10s %10s %10s\n", "operation", "n", "p50", "p99", "req/s")
	for _, op := range ops {
		lat, elapsed, err := harness.Load(client, token, op.req, op.want, op.n, 1)
		if err != nil {
			return fmt.Errorf("%s: %w", op.name, err)
		}
		fmt.Printf("%-52s %6d %10s %10s %10.0f\n", op.name, op.n, harness.Percentile(lat, 50), harness.Percentile(lat, 99), float64(op.n)/elapsed.Seconds())
	}
	rss, err := srv.PeakRSS()
	if err != nil {
		return err
	}
	fmt.Printf("\nserver peak RSS: %.1f MB\n", float64(rss)/1024)
	return nil
}
