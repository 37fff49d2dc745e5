package store

import (
	"context"
	"fmt"
	"os"
)

// SQLitePath returns the database file, empty on PostgreSQL.
func (db *DB) SQLitePath() string { return db.path }

// SnapshotSQLite writes a consistent copy of the live SQLite database to dest. VACUUM INTO
// reads one transaction's view, so writers carry on while it runs and the copy is compact.
func (db *DB) SnapshotSQLite(ctx context.Context, dest string) error {
	if db.Dialect != SQLite {
		return fmt.Errorf("snapshots are for SQLite; back up PostgreSQL with pg_dump")
	}
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("%s already exists", dest)
	}
	// VACUUM INTO is a write-class statement in SQLite's eyes, so it runs on the writer.
	if _, err := db.w.ExecContext(ctx, `VACUUM INTO $1`, dest); err != nil {
		return fmt.Errorf("snapshot database: %w", err)
	}
	return nil
}
