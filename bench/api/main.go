// Command api benchmarks the foundation's hot paths against a real `annexa serve` process:
// an authenticated GET /api/v1/me, an audited PATCH /api/v1/organisation and an audited
// POST /api/v1/users, at concurrency 1 and 8, on SQLite and (with -db) PostgreSQL. It prints
// p50/p99 latency, requests per second and the server's peak resident memory.
//
//	go run ./bench/api                 # SQLite
//	go run ./bench/api -db postgres://… # PostgreSQL (an empty database)
package main

import (
	"bytes"
	"context"
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
	fmt.Printf("Annexa API benchmark — %s, %d requests per row, %d CPUs\n\n", engine, n, numCPU())
	fmt.Printf("%-40s %5s %10s %10s %10s\n", "operation", "conc", "p50", "p99", "req/s")
	for _, op := range ops {
		for _, conc := range []int{1, 8} {
			lat, elapsed, err := load(client, token, op.req, op.want, n, conc)
			if err != nil {
				return fmt.Errorf("%s: %w", op.name, err)
			}
			fmt.Printf("%-40s %5d %10s %10s %10.0f\n", op.name, conc, pct(lat, 50), pct(lat, 99), float64(n)/elapsed.Seconds())
		}
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
					req.Header.Set("Content-Type", "application/json")
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
