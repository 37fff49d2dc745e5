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
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
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
	work, err := os.MkdirTemp("", "annexa-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	bin := filepath.Join(work, "annexa")
	build := exec.Command("go", "build", "-o", bin, "./cmd/annexa")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	common := []string{"--data", filepath.Join(work, "data")}
	if dsn != "" {
		common = append(common, "--db", dsn)
	}
	annexa := func(stdin string, args ...string) (string, error) {
		cmd := exec.Command(bin, append(args, common...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.Output()
		return string(out), err
	}
	if _, err := annexa("benchmark password 123\n", "user", "add", "--email", "bench@example.org", "--role", "admin", "--password-stdin", "--org", "Bench"); err != nil {
		return fmt.Errorf("create admin: %w", err)
	}
	out, err := annexa("", "token", "create", "--email", "bench@example.org", "--name", "bench", "--expires", "1d")
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]

	port, err := freePort()
	if err != nil {
		return err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	srv := exec.Command(bin, append([]string{"serve", "--addr", addr, "--log-level", "error", "--no-setup-link"}, common...)...)
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() { _ = srv.Process.Signal(os.Interrupt); _ = srv.Wait() }()
	base := "http://" + addr
	if err := waitReady(base); err != nil {
		return err
	}
	engine := "SQLite"
	if dsn != "" {
		engine = "PostgreSQL"
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	fmt.Printf("Annexa inventory benchmark — %s, %d AI systems, %d requests per row, %d CPUs\n\n", engine, systems, n, numCPU())

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
		lat, elapsed, err := load(client, token, op.req, op.want, op.n, 1)
		if err != nil {
			return fmt.Errorf("%s: %w", op.name, err)
		}
		fmt.Printf("%-52s %6d %10s %10s %10.0f\n", op.name, op.n, pct(lat, 50), pct(lat, 99), float64(op.n)/elapsed.Seconds())
	}
	rss, err := peakRSS(srv.Process.Pid)
	if err != nil {
		return err
	}
	fmt.Printf("\nserver peak RSS: %.1f MB\n", float64(rss)/1024)
	return nil
}

func load(c *http.Client, token string, mk func() (*http.Request, error), want, n, conc int) ([]time.Duration, time.Duration, error) {
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				req, err := mk()
				if err == nil {
					req.Header.Set("Authorization", "Bearer "+token)
					if req.Header.Get("Content-Type") == "" {
						req.Header.Set("Content-Type", "application/json")
					}
					t0 := time.Now()
					var res *http.Response
					res, err = c.Do(req)
					if err == nil {
						_, _ = io.Copy(io.Discard, res.Body)
						res.Body.Close()
						lat[i] = time.Since(t0)
						if res.StatusCode != want {
							err = fmt.Errorf("status %d", res.StatusCode)
						}
					}
				}
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	return lat, time.Since(start), firstErr
}

func pct(lat []time.Duration, p int) string {
	s := append([]time.Duration(nil), lat...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	d := s[(len(s)-1)*p/100]
	return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000)
}

// peakRSS reads the process's high-water resident set size in KiB (Linux).
func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read peak RSS: %w", err)
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if bytes.HasPrefix(line, []byte("VmHWM:")) {
			var kb int64
			fmt.Sscanf(string(bytes.TrimPrefix(line, []byte("VmHWM:"))), "%d", &kb)
			return kb, nil
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func waitReady(base string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("server did not become ready")
}

func numCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return bytes.Count(b, []byte("processor\t:"))
}
