// Command api benchmarks the foundation's hot paths against a real `annexa serve` process:
// an authenticated GET /api/v1/me, an audited PATCH /api/v1/organisation and an audited
// POST /api/v1/users, at concurrency 1 and 8, on SQLite and (with -db) PostgreSQL. It prints
// p50/p99 latency, requests per second and the server's peak resident memory.
//
//	go run ./bench/api                 # SQLite
//	go run ./bench/api -db postgres://… # PostgreSQL (an empty database)
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/annexa-dev/annexa/bench/harness"
)

func main() {
	dsn := flag.String("db", "", "PostgreSQL URL of an empty database; SQLite when empty")
	n := flag.Int("n", 2000, "requests per operation and concurrency level")
	flag.Parse()
	if err := run(*dsn, *n); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(dsn string, n int) error {
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

	port, err := harness.FreePort()
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
	if err := harness.WaitReady(base); err != nil {
		return err
	}

	engine := "SQLite"
	if dsn != "" {
		engine = "PostgreSQL"
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var seq atomic.Int64
	ops := []struct {
		name string
		req  func() (*http.Request, error)
		want int
	}{
		{"GET /api/v1/me", func() (*http.Request, error) { return http.NewRequest("GET", base+"/api/v1/me", nil) }, 200},
		{"PATCH /api/v1/organisation (audited)", func() (*http.Request, error) {
			body := fmt.Sprintf(`{"aims_scope": "scope revision %d"}`, seq.Add(1))
			return http.NewRequest("PATCH", base+"/api/v1/organisation", strings.NewReader(body))
		}, 200},
		{"POST /api/v1/users (audited create)", func() (*http.Request, error) {
			body := fmt.Sprintf(`{"email": "person%d@example.org", "role": "viewer"}`, seq.Add(1))
			return http.NewRequest("POST", base+"/api/v1/users", strings.NewReader(body))
		}, 201},
	}
	fmt.Printf("Annexa API benchmark — %s, %d requests per row, %d CPUs\n\n", engine, n, harness.NumCPU())
	fmt.Printf("%-40s %5s %10s %10s %10s\n", "operation", "conc", "p50", "p99", "req/s")
	for _, op := range ops {
		for _, conc := range []int{1, 8} {
			lat, elapsed, err := harness.Load(client, token, op.req, op.want, n, conc)
			if err != nil {
				return fmt.Errorf("%s: %w", op.name, err)
			}
			fmt.Printf("%-40s %5d %10s %10s %10.0f\n", op.name, conc, harness.Percentile(lat, 50), harness.Percentile(lat, 99), float64(n)/elapsed.Seconds())
		}
	}
	rss, err := harness.PeakRSS(srv.Process.Pid)
	if err != nil {
		return err
	}
	fmt.Printf("\nserver peak RSS: %.1f MB\n", float64(rss)/1024)
	return nil
}
