package discovery

import (
	"context"
	"testing"

	"github.com/annexa-dev/annexa/internal/discovery/benchtree"
)

// BenchmarkScan scans a generated tree of 4,000 small files (go run ./bench/scan compares a
// 40,000-file tree with grep).
func BenchmarkScan(b *testing.B) {
	root := b.TempDir()
	size, err := benchtree.Write(root, 4000)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		rep, err := Scan(context.Background(), root, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Findings) == 0 {
			b.Fatal("no findings in the generated tree")
		}
	}
}

func TestBenchTreeFindsAI(t *testing.T) {
	root := t.TempDir()
	if _, err := benchtree.Write(root, 200); err != nil {
		t.Fatal(err)
	}
	rep, err := Scan(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// One file in fifty carries an AI line; all four of them must be found, and nothing else:
	// the plain lines include Django models and an OpenAPI mention.
	files := map[string]bool{}
	for _, f := range rep.Findings {
		files[f.Path] = true
	}
	if len(files) != 4 {
		t.Errorf("%d files with findings, want 4: %v", len(files), rep.Findings)
	}
}
