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
	srv, err := harness.StartServer(dsn)
	if err != nil {
		return err
	}
	defer srv.Stop()
	base, token, engine := srv.Base, srv.Token, srv.Engine
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
	rss, err := srv.PeakRSS()
	if err != nil {
		return err
	}
	fmt.Printf("\nserver peak RSS: %.1f MB\n", float64(rss)/1024)
	return nil
}
