// Package store is Annexa's SQL: one implementation of every capability's storage interface
// for both SQLite (embedded, the default) and PostgreSQL (several instances, one database).
// Queries use $n placeholders, which both drivers accept; the few dialect differences sit
// behind the Dialect value.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Dialect names the database engine behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

//go:embed migrations
var migrations embed.FS

// DB is Annexa's database: a writer and a reader pool. SQLite allows one writer at a time, so
// writes go through a single connection (no lock contention inside the process) while reads
// use a pool of read-only connections that WAL lets run beside the writer. On PostgreSQL both
// are the same pool.
type DB struct {
	Dialect Dialect
	w       *sql.DB
	r       *sql.DB
	path    string // SQLite file, for backups
	goose   *goose.Provider
}

// Config says which database to open.
type Config struct {
	// URL is a postgres:// or postgresql:// URL; empty means SQLite in DataDir.
	URL string
	// DataDir holds annexa.db when URL is empty.
	DataDir string
}

// Describe names the database without secrets, for logs.
func (c Config) Describe() string {
	if c.URL == "" {
		return "sqlite " + filepath.Join(c.DataDir, "annexa.db")
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		return "postgres"
	}
	return "postgres " + u.Redacted()
}

// Open connects to the database. It does not migrate; call Migrate.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	switch {
	case cfg.URL == "":
		return openSQLite(ctx, cfg.DataDir)
	case strings.HasPrefix(cfg.URL, "postgres://"), strings.HasPrefix(cfg.URL, "postgresql://"):
		return openPostgres(ctx, cfg.URL)
	default:
		return nil, fmt.Errorf("database URL must start with postgres:// or postgresql:// (or leave it empty for SQLite in the data directory)")
	}
}

func openSQLite(ctx context.Context, dir string) (*DB, error) {
	if dir == "" {
		dir = "annexa-data"
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, "annexa.db")
	// busy_timeout lets the CLI and the server share the file; foreign keys are off by default
	// in SQLite; NORMAL sync is durable under WAL except for the last commits on power loss.
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_time_format=sqlite"
	base := "file:" + filepath.ToSlash(path) + "?" + pragmas
	w, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0)*2)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	db := &DB{Dialect: SQLite, w: w, r: r, path: path}
	if err := db.initGoose(); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	p, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	p.SetMaxOpenConns(max(10, runtime.GOMAXPROCS(0)*4))
	p.SetMaxIdleConns(max(10, runtime.GOMAXPROCS(0)*4))
	p.SetConnMaxLifetime(30 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := p.PingContext(pingCtx); err != nil {
		p.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	db := &DB{Dialect: Postgres, w: p, r: p}
	if err := db.initGoose(); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) initGoose() error {
	sub, err := fs.Sub(migrations, "migrations/"+string(db.Dialect))
	if err != nil {
		return fmt.Errorf("migrations for %s: %w", db.Dialect, err)
	}
	dialect := goose.DialectSQLite3
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if db.Dialect == Postgres {
		dialect = goose.DialectPostgres
		// An advisory lock held for the whole run lets many instances start at once: one
		// migrates, the others wait and then find nothing to do.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(5, 120))
		if err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, db.w, sub, opts...)
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	db.goose = p
	return nil
}

// Migrate applies every pending migration and returns the versions it applied.
func (db *DB) Migrate(ctx context.Context) ([]int64, error) {
	res, err := db.goose.Up(ctx)
	applied := make([]int64, 0, len(res))
	for _, r := range res {
		if r.Source != nil {
			applied = append(applied, r.Source.Version)
		}
	}
	if err != nil {
		return applied, fmt.Errorf("migrate %s: %w", db.Dialect, err)
	}
	// Some migrations leave counts for Go to rebuild from data the SQL cannot see.
	if err := db.rebuildStaleRiskTallies(ctx); err != nil {
		return applied, fmt.Errorf("migrate %s: %w", db.Dialect, err)
	}
	return applied, nil
}

// SchemaVersion returns the database's migration version and the newest this binary knows.
func (db *DB) SchemaVersion(ctx context.Context) (current, latest int64, err error) {
	return db.goose.GetVersions(ctx)
}

// KnownMigrations is how many migrations this binary carries.
func (db *DB) KnownMigrations() int { return len(db.goose.ListSources()) }

// Ready reports whether the database answers and its schema is current.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.r.PingContext(ctx); err != nil {
		return fmt.Errorf("database unreachable: %w", err)
	}
	cur, latest, err := db.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if cur != latest {
		return fmt.Errorf("schema at version %d, this binary needs %d: run annexa migrate", cur, latest)
	}
	return nil
}

// Pool is one connection pool, named for metrics.
type Pool struct {
	Name string
	DB   *sql.DB
}

// Pools returns each distinct pool, for the metrics collector of database/sql statistics.
func (db *DB) Pools() []Pool {
	if db.w == db.r {
		return []Pool{{Name: "primary", DB: db.w}}
	}
	return []Pool{{Name: "writer", DB: db.w}, {Name: "reader", DB: db.r}}
}

// Close releases the database.
func (db *DB) Close() error {
	var errs []error
	if db.r != nil && db.r != db.w {
		errs = append(errs, db.r.Close())
	}
	if db.w != nil {
		errs = append(errs, db.w.Close())
	}
	return errors.Join(errs...)
}

// querier is what both *sql.DB and *sql.Tx offer, so reads run inside or outside a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// write runs fn in one transaction on the writer and commits when fn returns nil.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// now is the database's notion of the current time: UTC at the precision both engines keep.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
