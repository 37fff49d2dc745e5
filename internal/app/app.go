// Package app wires Annexa together: configuration → database → API and pages → HTTP server,
// plus background jobs. Main is what the binary runs and what end-to-end tests start.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/annexa-dev/annexa/internal/api"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/middleware"
	"github.com/annexa-dev/annexa/internal/store"
	"github.com/annexa-dev/annexa/internal/web"
)

// Config is everything `annexa serve` can be told.
type Config struct {
	DataDir     string // SQLite database and files; ./annexa-data by default
	DatabaseURL string // postgres://… to use PostgreSQL instead of SQLite
	Addr        string // listen address; 127.0.0.1:8080 by default
	// BaseURL is how people reach this server, for the setup link; derived from Addr if empty.
	BaseURL string
	// SecureCookies forces Secure cookies even on plain HTTP (behind a TLS proxy that does
	// not send X-Forwarded-Proto).
	SecureCookies bool
	// NoSetupLink disables the first-run setup link (for automation that uses `annexa user add`).
	NoSetupLink bool
	// Demo loads the demo organisation at start-up unless it is there already.
	Demo bool
	// DemoPassword is the demo administrator's password; empty generates one, printed once.
	DemoPassword    string
	ShutdownTimeout time.Duration
	// EvidenceMaxBytes is the largest evidence file accepted; evidence.DefaultMaxBytes when 0.
	EvidenceMaxBytes int64
	Log              *slog.Logger
	// Out receives the messages meant for the person starting the server (the setup link).
	Out io.Writer
}

func (c *Config) defaults() {
	if c.DataDir == "" {
		c.DataDir = "annexa-data"
	}
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8080"
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 20 * time.Second
	}
	if c.Log == nil {
		c.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if c.Out == nil {
		c.Out = os.Stdout
	}
}

// StoreConfig is the database part of the configuration.
func (c Config) StoreConfig() store.Config {
	return store.Config{URL: c.DatabaseURL, DataDir: c.DataDir}
}

// Main is a running Annexa server.
type Main struct {
	Config Config
	DB     *store.DB
	// Catalogs is the built-in framework library, loaded once at Open.
	Catalogs *catalog.Library

	ln     net.Listener
	server *http.Server
	jobs   sync.WaitGroup
	stop   context.CancelFunc

	setupMu    sync.Mutex
	setupToken string
}

// Open connects to and migrates the database, builds the handlers and starts listening, so
// URL is known as soon as Open returns.
func (m *Main) Open(ctx context.Context) error {
	m.Config.defaults()
	cfg := m.Config
	db, err := store.Open(ctx, cfg.StoreConfig())
	if err != nil {
		return err
	}
	m.DB = db
	if m.Catalogs, err = catalog.LoadEmbedded(); err != nil {
		return fmt.Errorf("load catalogs: %w", err)
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) > 0 {
		cfg.Log.Info("database migrated", "database", cfg.StoreConfig().Describe(), "versions", applied)
	}
	handler, err := m.handler()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	m.ln = ln
	m.server = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(cfg.Log.Handler(), slog.LevelWarn),
	}
	if cfg.Demo {
		res, err := LoadDemo(ctx, db, DemoOptions{Password: cfg.DemoPassword})
		if err != nil {
			return fmt.Errorf("load the demo: %w", err)
		}
		PrintDemo(cfg.Out, m.URL(), res)
	}
	if err := m.openSetup(ctx); err != nil {
		return err
	}
	return nil
}

// openSetup prints the one-time setup link when nobody can sign in yet.
func (m *Main) openSetup(ctx context.Context) error {
	if m.Config.NoSetupLink {
		return nil
	}
	n, err := m.DB.UserCount(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	m.setupMu.Lock()
	m.setupToken = auth.NewSecret()
	m.setupMu.Unlock()
	fmt.Fprintf(m.Config.Out, "\nAnnexa has no users yet. Create the first administrator here (this link works once):\n\n    %s/setup?token=%s\n\n", m.URL(), m.setupToken)
	return nil
}

// SetupToken returns the current one-time setup secret, empty once setup is done.
func (m *Main) SetupToken() string {
	m.setupMu.Lock()
	defer m.setupMu.Unlock()
	return m.setupToken
}

func (m *Main) closeSetup() {
	m.setupMu.Lock()
	m.setupToken = ""
	m.setupMu.Unlock()
}

// URL is the base URL people use to reach this server.
func (m *Main) URL() string {
	if m.Config.BaseURL != "" {
		return m.Config.BaseURL
	}
	return "http://" + m.ln.Addr().String()
}

func (m *Main) handler() (http.Handler, error) {
	cfg := m.Config
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, p := range m.DB.Pools() {
		reg.MustRegister(collectors.NewDBStatsCollector(p.DB, p.Name))
	}
	metrics := middleware.NewMetrics(reg)

	views := catalog.NewViews(m.Catalogs, m.DB)
	apiServer := api.New(m.DB, cfg.Log, views)
	apiServer.SetEvidenceLimit(cfg.EvidenceMaxBytes)
	pages, err := web.New(m.DB, cfg.Log, web.Options{SetupToken: m.SetupToken, SetupDone: m.closeSetup, SecureCookies: cfg.SecureCookies, Catalogs: views,
		EvidenceMaxBytes: cfg.EvidenceMaxBytes})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		middleware.SetRoute(r, "GET /healthz")
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		middleware.SetRoute(r, "GET /readyz")
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := m.DB.Ready(ctx); err != nil {
			cfg.Log.Warn("not ready", "error", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "not ready: "+err.Error()+"\n")
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	})
	promHandler := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		middleware.SetRoute(r, "GET /metrics")
		promHandler.ServeHTTP(w, r)
	})
	mux.Handle("/api/", apiServer.Handler())
	mux.Handle("/", pages.Handler())
	return middleware.Wrap(middleware.HSTS(mux), cfg.Log, metrics), nil
}

// Run serves until ctx ends, then stops accepting connections and lets in-flight requests
// finish within the shutdown timeout.
func (m *Main) Run(ctx context.Context) error {
	jobCtx, stop := context.WithCancel(context.Background())
	m.stop = stop
	m.jobs.Add(1)
	go func() {
		defer m.jobs.Done()
		m.sweepSessions(jobCtx)
	}()
	errc := make(chan error, 1)
	go func() { errc <- m.server.Serve(m.ln) }()
	m.Config.Log.Info("annexa serving", "url", m.URL(), "database", m.Config.StoreConfig().Describe())
	select {
	case err := <-errc:
		stop()
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
	}
	m.Config.Log.Info("shutting down", "timeout", m.Config.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
	defer cancel()
	err := m.server.Shutdown(sctx)
	stop()
	m.jobs.Wait()
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// sweepSessions removes expired sessions every few minutes.
func (m *Main) sweepSessions(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := m.DB.DeleteExpiredSessions(ctx); err != nil && ctx.Err() == nil {
				m.Config.Log.Warn("sweep sessions", "error", err)
			} else if n > 0 {
				m.Config.Log.Info("expired sessions removed", "count", n)
			}
		}
	}
}

// Close releases everything Open acquired.
func (m *Main) Close() error {
	if m.stop != nil {
		m.stop()
	}
	var errs []error
	if m.ln != nil && m.server != nil {
		_ = m.server.Close()
	}
	if m.DB != nil {
		errs = append(errs, m.DB.Close())
	}
	return errors.Join(errs...)
}
