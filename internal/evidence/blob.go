package evidence

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/annexa-dev/annexa/internal/fault"
)

// BlobStore keeps file contents by their SHA-256. Put is idempotent: the same content is
// stored once however often it is uploaded. Two implementations: Disk (the default) and the
// database's table on PostgreSQL (package store), so several instances share the contents.
type BlobStore interface {
	// Put stores data under sum, which the caller computed with Hash.
	Put(ctx context.Context, sum string, data []byte) error
	// Get returns the content stored under sum, or ErrBlobMissing.
	Get(ctx context.Context, sum string) ([]byte, error)
}

// ErrBlobMissing is a content address with nothing stored under it.
var ErrBlobMissing = errors.New("evidence content is missing from the blob store")

// Store puts data into bs and returns its content address.
func Store(ctx context.Context, bs BlobStore, data []byte) (string, error) {
	sum := Hash(data)
	if err := bs.Put(ctx, sum, data); err != nil {
		return "", fault.Wrap(err, "store evidence content")
	}
	return sum, nil
}

// Load reads the content under sum and re-checks its hash: a corrupted or substituted
// blob is an internal error and is never served.
func Load(ctx context.Context, bs BlobStore, sum string) ([]byte, error) {
	if !ValidHash(sum) {
		return nil, fault.Wrap(fmt.Errorf("bad content address %q", sum), "read evidence content")
	}
	data, err := bs.Get(ctx, sum)
	if err != nil {
		return nil, fault.Wrap(err, "read evidence content")
	}
	if got := Hash(data); got != sum {
		return nil, fault.Wrap(fmt.Errorf("evidence content %s fails its hash check (reads as %s)", sum, got), "read evidence content")
	}
	return data, nil
}

// Disk keeps contents as files under Dir, in two levels of directories by the hash's first
// two byte pairs (ab/cd/abcd…), written to a temporary file and renamed into place so a
// crash never leaves half a file under a valid name.
type Disk struct{ Dir string }

func (d Disk) path(sum string) string {
	return filepath.Join(d.Dir, sum[:2], sum[2:4], sum)
}

// Put writes data unless it is already there.
func (d Disk) Put(_ context.Context, sum string, data []byte) error {
	if !ValidHash(sum) {
		return fmt.Errorf("bad content address %q", sum)
	}
	p := d.path(sum)
	if st, err := os.Stat(p); err == nil && st.Size() == int64(len(data)) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return fmt.Errorf("evidence directory: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".upload-*")
	if err != nil {
		return fmt.Errorf("evidence file: %w", err)
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(tmp)
		return fmt.Errorf("write evidence file: %w", werr)
	}
	if err := os.Chmod(tmp, 0o440); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write evidence file: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write evidence file: %w", err)
	}
	return nil
}

// Get reads the file under sum.
func (d Disk) Get(_ context.Context, sum string) ([]byte, error) {
	if !ValidHash(sum) {
		return nil, fmt.Errorf("bad content address %q", sum)
	}
	data, err := os.ReadFile(d.path(sum))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrBlobMissing
	}
	return data, err
}
