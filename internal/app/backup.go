package app

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/store"
)

// Backup writes a consistent online snapshot of a SQLite installation to out as a gzipped tar
// whose layout is the data directory's, so restoring is: stop the server, then
// `tar -xzf FILE -C DATA_DIR`. The database is copied with VACUUM INTO while the server runs.
func Backup(ctx context.Context, db *store.DB, out string) (err error) {
	if db.Dialect != store.SQLite {
		return fmt.Errorf("annexa backup covers SQLite installations; back up PostgreSQL with pg_dump (see docs/operations.md)")
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("%s already exists; choose a new file name", out)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(db.SQLitePath()), ".backup-")
	if err != nil {
		return fmt.Errorf("backup work directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	snap := filepath.Join(tmp, "annexa.db")
	if err := db.SnapshotSQLite(ctx, snap); err != nil {
		return err
	}
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", out, err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("write %s: %w", out, cerr)
		}
		if err != nil {
			os.Remove(out)
		}
	}()
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	if err := addFile(tw, snap, "annexa.db"); err != nil {
		return err
	}
	if err := addEvidence(tw, db.EvidenceDir()); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := gz.Close(); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	return f.Sync()
}

// addEvidence adds the evidence files under evidence/ in the archive. They are written once
// under their SHA-256 and never changed, so copying them while the server runs is safe; a
// file whose upload is still being renamed into place is skipped (its name starts with a dot).
func addEvidence(tw *tar.Writer, dir string) error {
	if dir == "" {
		return nil
	}
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return nil
	}
	return filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("read evidence: %w", err)
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		rel, err := filepath.Rel(filepath.Dir(dir), path)
		if err != nil {
			return err
		}
		return addFile(tw, path, filepath.ToSlash(rel))
	})
}

func addFile(tw *tar.Writer, path, name string) error {
	src, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	hdr := &tar.Header{Name: name, Mode: 0o600, Size: st.Size(), ModTime: time.Now().UTC(), Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("write backup: %w", err)
	}
	if _, err := io.Copy(tw, src); err != nil {
		return fmt.Errorf("write backup: %w", err)
	}
	return nil
}
