// Package harness is what the benchmark commands share: driving a running server with a
// bounded number of requests, latency percentiles, and the server process's peak memory.
package harness

import (
	"bytes"
	"context"
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

// Load sends n requests made by mk from conc workers with the bearer token, and returns each
// request's latency and the wall time; the first failure (a transport error or another status
// than want) stops it.
func Load(c *http.Client, token string, mk func() (*http.Request, error), want, n, conc int) ([]time.Duration, time.Duration, error) {
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

// Percentile formats the p-th percentile of the latencies in milliseconds.
func Percentile(lat []time.Duration, p int) string {
	s := append([]time.Duration(nil), lat...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	d := s[(len(s)-1)*p/100]
	return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000)
}

// PeakRSS reads the process's high-water resident set size in KiB (Linux).
func PeakRSS(pid int) (int64, error) {
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

// FreePort asks the kernel for an unused loopback port.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// WaitReady polls the server's /readyz for up to 30 seconds.
func WaitReady(base string) error {
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

// NumCPU counts the machine's processors as Linux reports them.
func NumCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return bytes.Count(b, []byte("processor\t:"))
}

// Server is an `annexa serve` process started for a benchmark, with an admin's API token.
type Server struct {
	Base   string // http://127.0.0.1:port
	Token  string
	Engine string // SQLite or PostgreSQL
	proc   *exec.Cmd
	work   string
}

// StartServer builds the binary, creates an organisation, an admin and a token with the CLI,
// and starts the server as its own process (so its memory is its own) on a free loopback port.
// dsn selects PostgreSQL (an empty database); empty means SQLite in a temporary directory.
func StartServer(dsn string) (*Server, error) {
	work, err := os.MkdirTemp("", "annexa-bench-")
	if err != nil {
		return nil, err
	}
	s := &Server{work: work, Engine: "SQLite"}
	if dsn != "" {
		s.Engine = "PostgreSQL"
	}
	bin := filepath.Join(work, "annexa")
	build := exec.Command("go", "build", "-o", bin, "./cmd/annexa")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		s.Stop()
		return nil, fmt.Errorf("build: %w", err)
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
		s.Stop()
		return nil, fmt.Errorf("create admin: %w", err)
	}
	out, err := annexa("", "token", "create", "--email", "bench@example.org", "--name", "bench", "--expires", "1d")
	if err != nil {
		s.Stop()
		return nil, fmt.Errorf("create token: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	s.Token = lines[len(lines)-1]
	port, err := FreePort()
	if err != nil {
		s.Stop()
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	s.proc = exec.Command(bin, append([]string{"serve", "--addr", addr, "--log-level", "error", "--no-setup-link"}, common...)...)
	s.proc.Stderr = os.Stderr
	if err := s.proc.Start(); err != nil {
		s.Stop()
		return nil, err
	}
	s.Base = "http://" + addr
	if err := WaitReady(s.Base); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// PeakRSS is the server process's peak resident memory in KiB.
func (s *Server) PeakRSS() (int64, error) { return PeakRSS(s.proc.Process.Pid) }

// Stop ends the server and removes its files.
func (s *Server) Stop() {
	if s.proc != nil && s.proc.Process != nil {
		_ = s.proc.Process.Signal(os.Interrupt)
		_ = s.proc.Wait()
	}
	os.RemoveAll(s.work)
}
