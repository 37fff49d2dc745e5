package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/annexa-dev/annexa/internal/api"
	"github.com/annexa-dev/annexa/internal/app"
	"github.com/annexa-dev/annexa/internal/store"
)

func (e *env) serveCmd() *cobra.Command {
	var addr, baseURL, logFormat, logLevel string
	var secureCookies, noSetup, demo, demoPasswordStdin bool
	var evidenceMB int64
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the web app, the API and background jobs",
		Long: "Run Annexa's web app and API. With an empty database it prints a one-time link that creates the first\n" +
			"administrator. Stops gracefully on SIGTERM or Ctrl-C, finishing requests in flight.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := e.config()
			if err != nil {
				return err
			}
			log, err := newLogger(e.stderr, logFormat, logLevel)
			if err != nil {
				return err
			}
			cfg.Addr, cfg.BaseURL, cfg.SecureCookies, cfg.NoSetupLink = addr, baseURL, secureCookies, noSetup
			if cfg.Demo = demo; demo && demoPasswordStdin {
				if cfg.DemoPassword, err = readPassword(e.stdin); err != nil {
					return err
				}
			}
			cfg.Log, cfg.Out = log, e.stdout
			if evidenceMB < 0 {
				return fmt.Errorf("--evidence-max-mb must not be negative")
			}
			cfg.EvidenceMaxBytes = evidenceMB << 20
			api.Version = version()
			ctx, stop := signalContext()
			defer stop()
			m := &app.Main{Config: cfg}
			defer m.Close()
			if err := m.Open(ctx); err != nil {
				return err
			}
			return m.Run(ctx)
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", envOr("ANNEXA_ADDR", "127.0.0.1:8080"), "address to listen on (env ANNEXA_ADDR)")
	f.StringVar(&baseURL, "base-url", os.Getenv("ANNEXA_BASE_URL"), "public URL of this server, e.g. https://annexa.example.org (env ANNEXA_BASE_URL)")
	f.BoolVar(&secureCookies, "secure-cookies", os.Getenv("ANNEXA_SECURE_COOKIES") == "true", "always mark cookies Secure, e.g. behind a TLS proxy that sends no X-Forwarded-Proto (env ANNEXA_SECURE_COOKIES)")
	f.Int64Var(&evidenceMB, "evidence-max-mb", envInt("ANNEXA_EVIDENCE_MAX_MB", 0), "largest evidence file accepted, in MiB; 0 for the default 32 (env ANNEXA_EVIDENCE_MAX_MB)")
	f.BoolVar(&noSetup, "no-setup-link", false, "do not print a first-run setup link (create the first admin with annexa user add)")
	f.BoolVar(&demo, "demo", false, "load the demo organisation with about 25 AI systems at start-up unless it is there already; prints how to sign in")
	f.BoolVar(&demoPasswordStdin, "password-stdin", false, "with --demo: read the demo administrator's password from standard input")
	f.StringVar(&logFormat, "log-format", envOr("ANNEXA_LOG_FORMAT", "text"), "log format: text or json (env ANNEXA_LOG_FORMAT)")
	f.StringVar(&logLevel, "log-level", envOr("ANNEXA_LOG_LEVEL", "info"), "log level: debug, info, warn or error (env ANNEXA_LOG_LEVEL)")
	return cmd
}

func newLogger(w interface{ Write([]byte) (int, error) }, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level must be debug, info, warn or error")
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json")
}

func (e *env) migrateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations and report the schema version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := e.config()
			if err != nil {
				return err
			}
			return e.withDB(cmd, func(ctx context.Context, db *store.DB) error {
				cur, _, err := db.SchemaVersion(ctx)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s at schema version %d\n", cfg.StoreConfig().Describe(), cur)
				return nil
			})
		},
	}
}

// envInt reads a whole number from the environment, def when unset or not a number.
func envInt(key string, def int64) int64 {
	v, err := strconv.ParseInt(os.Getenv(key), 10, 64)
	if err != nil {
		return def
	}
	return v
}
