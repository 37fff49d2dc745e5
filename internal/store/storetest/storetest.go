// Package storetest opens real databases for tests: SQLite in a temporary directory always,
// and PostgreSQL when ANNEXA_TEST_POSTGRES holds a DSN, each test in a database of its own.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/annexa-dev/annexa/internal/store"
)

// EnvPostgres names the variable that holds the PostgreSQL DSN for tests.
const EnvPostgres = "ANNEXA_TEST_POSTGRES"

// Engine is a database the suite runs against.
type Engine struct {
	Name string
	// Config returns a fresh, empty database's configuration for one test.
	Config func(t testing.TB) store.Config
}

// Engines lists SQLite and, when configured, PostgreSQL.
func Engines() []Engine {
	es := []Engine{{Name: "sqlite", Config: func(t testing.TB) store.Config {
		return store.Config{DataDir: t.TempDir()}
	}}}
	if dsn := os.Getenv(EnvPostgres); dsn != "" {
		es = append(es, Engine{Name: "postgres", Config: func(t testing.TB) store.Config {
			return store.Config{URL: FreshPostgres(t, dsn)}
		}})
	}
	return es
}

// Each runs fn once per engine as a subtest.
func Each(t *testing.T, fn func(t *testing.T, e Engine)) {
	t.Helper()
	for _, e := range Engines() {
		t.Run(e.Name, func(t *testing.T) { fn(t, e) })
	}
}

// Open returns a migrated, empty database on engine e, closed when the test ends.
func Open(t testing.TB, e Engine) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, e.Config(t))
	if err != nil {
		t.Fatalf("open %s: %v", e.Name, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", e.Name, err)
	}
	return db
}

// FreshPostgres creates an empty database on the server behind dsn and returns its DSN; the
// database is dropped when the test ends.
func FreshPostgres(t testing.TB, dsn string) string {
	t.Helper()
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "annexa_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", dsn)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvPostgres, err)
	}
	u.Path = "/" + name
	return u.String()
}
