// Command scan compares the discovery scanner with grep over the same generated tree:
//
//	go run ./bench/scan [-files 40000]
//
// It writes a tree of small source files to a temporary directory, scans it with
// discovery.Scan, runs `grep -rElIi -f names` with the same AI names, and prints both times
// and their ratio. The scanner is meant to be no slower than grep.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/discovery"
	"github.com/annexa-dev/annexa/internal/discovery/benchtree"
)

func main() {
	files := flag.Int("files", 40000, "files in the generated tree")
	runs := flag.Int("runs", 3, "timed runs of each (the best is reported)")
	flag.Parse()
	tmp, err := os.MkdirTemp("", "annexa-bench-scan-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	root := filepath.Join(tmp, "tree")
	size, err := benchtree.Write(root, *files)
	if err != nil {
		log.Fatal(err)
	}
	sigs, err := discovery.DefaultSignatures()
	if err != nil {
		log.Fatal(err)
	}
	// grep reads one pattern per line; names the prefilter pins to a line start become ^name.
	var pats []string
	for _, l := range sigs.Literals() {
		if rest, ok := strings.CutPrefix(l, "\n"); ok {
			pats = append(pats, "^"+regexp.QuoteMeta(strings.TrimSuffix(rest, "\n")))
			continue
		}
		pats = append(pats, regexp.QuoteMeta(l))
	}
	patFile := filepath.Join(tmp, "names.txt")
	if err := os.WriteFile(patFile, []byte(strings.Join(pats, "\n")+"\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("tree: %d files, %.1f MB, %d AI names\n", *files, float64(size)/1e6, len(pats))

	var scanBest, grepBest time.Duration
	var rep discovery.Report
	var grepHits int
	for i := 0; i < *runs; i++ {
		start := time.Now()
		rep, err = discovery.Scan(context.Background(), root, discovery.Options{})
		if err != nil {
			log.Fatal(err)
		}
		if d := time.Since(start); scanBest == 0 || d < scanBest {
			scanBest = d
		}
		start = time.Now()
		out, err := exec.Command("grep", "-rElIi", "-f", patFile, root).Output()
		if err != nil {
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
				log.Fatal("grep: ", err)
			}
		}
		if d := time.Since(start); grepBest == 0 || d < grepBest {
			grepBest = d
		}
		grepHits = strings.Count(string(out), "\n")
	}
	fmt.Printf("discovery.Scan: %v (best of %d; %d files with an AI name, %d findings)\n", scanBest.Round(time.Millisecond), *runs, rep.Stats.Prefiltered, len(rep.Findings))
	fmt.Printf("grep -rElIi:    %v (best of %d; %d files)\n", grepBest.Round(time.Millisecond), *runs, grepHits)
	fmt.Printf("ratio scan/grep: %.2f\n", float64(scanBest)/float64(grepBest))
}
