package discovery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Progress receives the scanner's progress. Scanned is called from several goroutines at once,
// once per file examined, so an implementation must be safe for concurrent use (the progress
// bars of github.com/schollz/progressbar/v3 are).
type Progress interface {
	Scanned(files int, bytes int64)
}

// Options tune a scan; the zero value scans with the embedded signatures.
type Options struct {
	// Workers is the number of goroutines that walk and read; 0 means GOMAXPROCS.
	Workers int
	// MaxFileSize skips text files larger than this (data dumps, minified bundles); model
	// files are recognised from their first bytes whatever their size. 0 means 8 MiB.
	MaxFileSize int64
	// Name is the repository's name in candidate names and fingerprints; "" means the base
	// name of the root. Give a stable name (e.g. the repository URL) when scanning checkouts
	// in changing places, so that fingerprints stay the same.
	Name string
	// Progress, when set, is told about every file examined.
	Progress Progress
	// Signatures, when nil, are the embedded catalogs/discovery data.
	Signatures *Signatures
}

// Stats counts what a scan looked at.
type Stats struct {
	Files       int64         `json:"files"`
	Bytes       int64         `json:"bytes"`
	Dirs        int64         `json:"dirs"`
	Binary      int64         `json:"binary_skipped"`
	TooLarge    int64         `json:"too_large_skipped"`
	Prefiltered int64         `json:"prefilter_hits"`
	Duration    time.Duration `json:"duration_ns"`
}

// Report is the result of a repository scan.
type Report struct {
	Root     string      `json:"root"`
	Findings []Finding   `json:"findings"`
	Systems  []Candidate `json:"systems"`
	Warnings []Warning   `json:"warnings"`
	Stats    Stats       `json:"stats"`
}

const defaultMaxFileSize = 8 << 20

// Scan walks the tree at root and reports AI use. Findings are sorted by path and line, and
// grouped into candidate systems by service directory (the nearest directory holding a
// manifest such as go.mod or package.json). Unreadable files, malformed manifests and symlink
// loops become warnings; Scan fails only when root itself cannot be read or ctx is done.
func Scan(ctx context.Context, root string, opts Options) (Report, error) {
	start := time.Now()
	sigs := opts.Signatures
	if sigs == nil {
		var err error
		if sigs, err = DefaultSignatures(); err != nil {
			return Report{}, err
		}
	}
	info, err := os.Stat(root)
	if err != nil {
		return Report{}, fmt.Errorf("discovery: scan root: %w", err)
	}
	if !info.IsDir() {
		return Report{}, fmt.Errorf("discovery: scan root %s is not a directory", root)
	}
	s := &scanner{
		ctx:     ctx,
		root:    root,
		sigs:    sigs,
		opts:    opts,
		markers: map[string]bool{".": true},
	}
	if s.opts.MaxFileSize <= 0 {
		s.opts.MaxFileSize = defaultMaxFileSize
	}
	if real, err := filepath.EvalSymlinks(root); err == nil {
		s.realRoot = real
	} else {
		s.realRoot = root
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	s.queue.cond = sync.NewCond(&s.queue.mu)
	s.queue.push(job{dir: "."})
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.work()
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return Report{}, err
	}

	rep := Report{Root: root, Findings: dedupeFindings(s.findings), Warnings: s.warnings}
	slices.SortFunc(rep.Warnings, func(a, b Warning) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return a.Line - b.Line
	})
	name := opts.Name
	if name == "" {
		name = filepath.Base(s.realRoot)
	}
	rep.Systems = groupSystems(sigs, name, rep.Findings, s.markers)
	rep.Stats = Stats{
		Files: s.files.Load(), Bytes: s.bytes.Load(), Dirs: s.dirs.Load(), Binary: s.binary.Load(),
		TooLarge: s.tooLarge.Load(), Prefiltered: s.hits.Load(), Duration: time.Since(start),
	}
	if rep.Findings == nil {
		rep.Findings = []Finding{}
	}
	if rep.Systems == nil {
		rep.Systems = []Candidate{}
	}
	if rep.Warnings == nil {
		rep.Warnings = []Warning{}
	}
	return rep, nil
}

type job struct {
	dir  string // relative directory to list, or
	file string // relative file to examine
	size int64
}

// workQueue is a LIFO of jobs shared by the workers: listing a directory pushes its children,
// so the walk itself is parallel, and depth-first order keeps the queue short.
type workQueue struct {
	mu      sync.Mutex
	cond    *sync.Cond
	jobs    []job
	pending int // jobs pushed and not yet finished
}

func (q *workQueue) push(j job) {
	q.mu.Lock()
	q.jobs = append(q.jobs, j)
	q.pending++
	q.mu.Unlock()
	q.cond.Signal()
}

func (q *workQueue) pop() (job, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.jobs) == 0 && q.pending > 0 {
		q.cond.Wait()
	}
	if len(q.jobs) == 0 {
		return job{}, false
	}
	j := q.jobs[len(q.jobs)-1]
	q.jobs = q.jobs[:len(q.jobs)-1]
	return j, true
}

func (q *workQueue) done() {
	q.mu.Lock()
	q.pending--
	last := q.pending == 0
	q.mu.Unlock()
	if last {
		q.cond.Broadcast()
	}
}

type scanner struct {
	ctx      context.Context
	root     string
	realRoot string
	sigs     *Signatures
	opts     Options
	queue    workQueue

	mu       sync.Mutex
	findings []Finding
	warnings []Warning
	markers  map[string]bool // service directories (relative, "." for the root)

	files, bytes, dirs, binary, tooLarge, hits atomic.Int64
}

func (s *scanner) work() {
	buf := make([]byte, 0, 64<<10)
	for {
		j, ok := s.queue.pop()
		if !ok {
			return
		}
		if s.ctx.Err() == nil {
			if j.file != "" {
				buf = s.scanFile(j.file, j.size, buf)
			} else {
				s.listDir(j.dir)
			}
		}
		s.queue.done()
	}
}

func (s *scanner) warn(rel string, line int, format string, args ...any) {
	s.mu.Lock()
	s.warnings = append(s.warnings, Warning{Path: rel, Line: line, Message: fmt.Sprintf(format, args...)})
	s.mu.Unlock()
}

func (s *scanner) add(fs []Finding, ws []Warning) {
	if len(fs) == 0 && len(ws) == 0 {
		return
	}
	s.mu.Lock()
	s.findings = append(s.findings, fs...)
	s.warnings = append(s.warnings, ws...)
	s.mu.Unlock()
}

func (s *scanner) abs(rel string) string { return filepath.Join(s.root, filepath.FromSlash(rel)) }

func (s *scanner) listDir(rel string) {
	s.dirs.Add(1)
	entries, err := os.ReadDir(s.abs(rel))
	if err != nil {
		s.warn(rel, 0, "directory skipped: %v", unwrapPathError(err))
		return
	}
	for _, e := range entries {
		name := e.Name()
		child := path.Join(rel, name)
		switch t := e.Type(); {
		case t&fs.ModeSymlink != 0:
			s.checkSymlink(child)
		case t.IsDir():
			if s.sigs.skipDirs[name] {
				continue
			}
			if tech, ok := s.modelDir(name); ok {
				s.add([]Finding{{Path: child, Kind: KindModelFile, Technology: tech, Evidence: "model package directory " + name, Confidence: ConfidenceMedium}}, nil)
				continue
			}
			s.queue.push(job{dir: child})
		case t.IsRegular():
			if s.sigs.markers[name] {
				s.mu.Lock()
				s.markers[rel] = true
				s.mu.Unlock()
			}
			info, err := e.Info()
			if err != nil {
				s.warn(child, 0, "file skipped: %v", unwrapPathError(err))
				continue
			}
			s.queue.push(job{file: child, size: info.Size()})
		}
	}
}

func (s *scanner) modelDir(name string) (string, bool) {
	for _, d := range s.sigs.ModelDirs {
		if strings.HasSuffix(strings.ToLower(name), d.Suffix) {
			return d.Technology, true
		}
	}
	return "", false
}

// checkSymlink reports symlink loops. Symlinks are not followed: what they point to inside the
// tree is scanned at its real path, and what lies outside is outside the scan.
func (s *scanner) checkSymlink(rel string) {
	abs := s.abs(rel)
	target, err := filepath.EvalSymlinks(abs)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) || strings.Contains(err.Error(), "too many links") {
			s.warn(rel, 0, "symlink loop skipped")
		}
		return
	}
	parent, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		return
	}
	if target == parent || strings.HasPrefix(parent+string(filepath.Separator), target+string(filepath.Separator)) {
		s.warn(rel, 0, "symlink loop skipped: points to its own ancestor %s", target)
	}
}

func (s *scanner) scanFile(rel string, size int64, buf []byte) []byte {
	s.files.Add(1)
	if s.opts.Progress != nil {
		defer s.opts.Progress.Scanned(1, size)
	}
	base := path.Base(rel)
	lower := strings.ToLower(base)
	if r := s.sigs.modelRule(lower); r != nil {
		s.bytes.Add(min(size, modelHeaderSize))
		fs, ws := s.modelFile(rel, r)
		s.add(fs, ws)
		return buf
	}
	if size > s.opts.MaxFileSize {
		s.tooLarge.Add(1)
		return buf
	}
	f, err := os.Open(s.abs(rel))
	if err != nil {
		s.warn(rel, 0, "file skipped: %v", unwrapPathError(err))
		return buf
	}
	defer f.Close()
	if int64(cap(buf)) < size+1 {
		buf = make([]byte, 0, size+1)
	}
	n, err := io.ReadFull(f, buf[:size+1])
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		s.warn(rel, 0, "file skipped: %v", unwrapPathError(err))
		return buf
	}
	data := buf[:n]
	s.bytes.Add(int64(n))
	// Binary files (a NUL in the first 8 KB, as grep -I decides) hold no manifests or source.
	if bytes.IndexByte(data[:min(len(data), 8000)], 0) >= 0 {
		s.binary.Add(1)
		return buf
	}
	if !s.sigs.prefilter.match(data) {
		return buf
	}
	s.hits.Add(1)
	fs, ws := analyzeFile(s.sigs, rel, data)
	s.add(fs, ws)
	return buf
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func dedupeFindings(in []Finding) []Finding {
	slices.SortFunc(in, compareFindings)
	return slices.CompactFunc(in, func(a, b Finding) bool {
		return a.Path == b.Path && a.Line == b.Line && a.Kind == b.Kind && a.Technology == b.Technology
	})
}

func compareFindings(a, b Finding) int {
	if c := strings.Compare(a.Path, b.Path); c != 0 {
		return c
	}
	if a.Line != b.Line {
		return a.Line - b.Line
	}
	if c := strings.Compare(a.Technology, b.Technology); c != 0 {
		return c
	}
	return strings.Compare(string(a.Kind), string(b.Kind))
}

// maxEvidence bounds the findings a candidate carries; the report keeps all of them.
const maxEvidence = 20

// groupSystems makes one candidate per service directory that has findings.
func groupSystems(sigs *Signatures, repo string, findings []Finding, markers map[string]bool) []Candidate {
	byDir := map[string][]Finding{}
	for _, f := range findings {
		dir := path.Dir(f.Path)
		for dir != "." && !markers[dir] {
			dir = path.Dir(dir)
		}
		byDir[dir] = append(byDir[dir], f)
	}
	out := make([]Candidate, 0, len(byDir))
	for dir, fs := range byDir {
		c := Candidate{
			Source:            SourceCode,
			Location:          dir,
			SuggestedSourcing: SourcingInternal,
			Name:              repo,
		}
		if dir != "." {
			c.Name = repo + "/" + dir
		}
		c.Fingerprint = fingerprint(SourceCode, repo, dir)
		techs := map[string]bool{}
		vendors := map[string]bool{}
		best := ConfidenceLow
		for _, f := range fs {
			techs[f.Technology] = true
			if t, ok := sigs.Technology(f.Technology); ok && t.Vendor != "" {
				vendors[t.Vendor] = true
			}
			if f.Confidence.rank() > best.rank() {
				best = f.Confidence
			}
		}
		c.Technologies = sortedKeys(techs)
		c.Confidence = best
		if v := sortedKeys(vendors); len(v) == 1 {
			c.Vendor = v[0]
		}
		// The strongest evidence first, so a reviewer sees why at a glance.
		ev := slices.Clone(fs)
		slices.SortStableFunc(ev, func(a, b Finding) int { return b.Confidence.rank() - a.Confidence.rank() })
		c.Evidence = ev[:min(len(ev), maxEvidence)]
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Candidate) int { return strings.Compare(a.Location, b.Location) })
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
