// Package cli is the annexa command line: flags, subcommands and their output. It is kept out
// of package main so tests can run every command in-process.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/annexa-dev/annexa/internal/app"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/store"
)

// Version is set at build time with -ldflags "-X github.com/annexa-dev/annexa/internal/cli.Version=…".
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// env holds the global flags every command shares.
type env struct {
	dataDir string
	dbURL   string
	stdin   io.Reader
	stdout  io.Writer
	stderr  io.Writer
}

// Run executes the command line and returns the process exit code.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "annexa",
		Short:         "Annexa runs ISO/IEC 42001 and ISO/IEC 27001 as one management system",
		Long:          "Annexa runs an organisation's ISO/IEC 42001 AI management system and ISO/IEC 27001 ISMS as one system,\nmeets the EU AI Act and uses the NIST AI RMF. Start with: annexa serve",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVar(&e.dataDir, "data", envOr("ANNEXA_DATA", "annexa-data"), "data directory for the SQLite database and files (env ANNEXA_DATA)")
	root.PersistentFlags().StringVar(&e.dbURL, "db", "", "PostgreSQL URL postgres://…; empty for SQLite in the data directory (env ANNEXA_DB or ANNEXA_DB_FILE)")
	root.AddCommand(e.serveCmd(), e.migrateCmd(), e.userCmd(), e.tokenCmd(), e.orgCmd(), e.auditCmd(), e.backupCmd(), versionCmd(),
		e.catalogCmd(), e.crosswalkCmd(), e.classifyCmd())
	root.AddCommand(e.scanCmd(), e.discoverCmd())
	root.AddCommand(e.importCmd(), e.exportCmd(), e.demoCmd())
	err := root.Execute()
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "annexa: "+oneLine(err))
	return 1
}

func oneLine(err error) string {
	msg := err.Error()
	var fe *fault.Error
	if errors.As(err, &fe) && fe.Code != fault.Internal {
		msg = fe.Error()
	}
	return strings.ReplaceAll(strings.TrimSpace(msg), "\n", " ")
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// databaseURL resolves --db, then ANNEXA_DB, then the file named by ANNEXA_DB_FILE (so the
// password in a DSN can come from a secret mount rather than the environment).
func (e *env) databaseURL() (string, error) {
	if e.dbURL != "" {
		return e.dbURL, nil
	}
	if v := os.Getenv("ANNEXA_DB"); v != "" {
		return v, nil
	}
	if f := os.Getenv("ANNEXA_DB_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("read ANNEXA_DB_FILE: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return "", nil
}

func (e *env) config() (app.Config, error) {
	url, err := e.databaseURL()
	if err != nil {
		return app.Config{}, err
	}
	return app.Config{DataDir: e.dataDir, DatabaseURL: url}, nil
}

// openDB opens and migrates the database for an operator command.
func (e *env) openDB(ctx context.Context) (*store.DB, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, cfg.StoreConfig())
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// withDB runs fn with an open database and closes it afterwards.
func (e *env) withDB(cmd *cobra.Command, fn func(ctx context.Context, db *store.DB) error) error {
	ctx := cmd.Context()
	db, err := e.openDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(ctx, db)
}

func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), "annexa "+version())
			return nil
		},
	}
}
