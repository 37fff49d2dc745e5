package web

import (
	"strings"
	"testing"
)

// TestStylesheetBraces: one unbalanced brace swallows every rule after it, silently; the
// stylesheet is appended to by many features, so check its blocks close.
func TestStylesheetBraces(t *testing.T) {
	css, err := staticFS.ReadFile("static/app.css")
	if err != nil {
		t.Fatal(err)
	}
	depth := 0
	for n, line := range strings.Split(string(css), "\n") {
		depth += strings.Count(line, "{") - strings.Count(line, "}")
		if depth < 0 {
			t.Fatalf("line %d closes a block that was never opened", n+1)
		}
		if depth > 1 && strings.HasPrefix(strings.TrimSpace(line), "@media") {
			t.Fatalf("line %d opens @media inside another block: an earlier block is not closed", n+1)
		}
	}
	if depth != 0 {
		t.Fatalf("%d block(s) left open at the end", depth)
	}
}
