package discovery

import "bytes"

// The prefilter decides in one pass over a file's bytes whether any AI name occurs in it, so
// that only those files are parsed. It is an Aho-Corasick automaton compiled to a dense DFA over
// byte classes, matching ASCII case-insensitively (OPENAI_API_KEY and openai are one name).
//
// Why not a library: github.com/coregx/ahocorasick v0.3.1 was measured first; its start-byte
// skip re-scans the rest of the input once per distinct first byte each time the automaton
// returns to its start state, which with hundreds of names ran at 7.7 MB/s on Go sources.
// This DFA needs one table lookup per byte.

type matcher struct {
	classes  [256]uint8 // byte → class; ASCII letters fold to one class per letter
	nclasses int
	trans    []uint32 // state*nclasses + class → next state (premultiplied) | matchBit
}

const matchBit = 1 << 31

func fold(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + ('a' - 'A')
	}
	return b
}

func newMatcher(patterns []string) *matcher {
	m := &matcher{}
	// Byte classes: every byte that occurs in a pattern (folded) gets its own class, all
	// others share class 0. This keeps the table small enough to stay in cache.
	var used [256]bool
	for _, p := range patterns {
		for i := 0; i < len(p); i++ {
			used[fold(p[i])] = true
		}
	}
	next := uint8(1)
	var classOf [256]uint8
	for b := 0; b < 256; b++ {
		if used[b] {
			classOf[b] = next
			next++
		}
	}
	for b := 0; b < 256; b++ {
		m.classes[b] = classOf[fold(byte(b))]
	}
	m.nclasses = int(next)

	// Trie.
	type node struct {
		next  map[uint8]int
		fail  int
		match bool
	}
	nodes := []node{{next: map[uint8]int{}}}
	for _, p := range patterns {
		s := 0
		for i := 0; i < len(p); i++ {
			c := m.classes[p[i]]
			n, ok := nodes[s].next[c]
			if !ok {
				nodes = append(nodes, node{next: map[uint8]int{}})
				n = len(nodes) - 1
				nodes[s].next[c] = n
			}
			s = n
		}
		if len(p) > 0 {
			nodes[s].match = true
		}
	}
	// Breadth-first failure links, resolved into full DFA transitions.
	nc := m.nclasses
	m.trans = make([]uint32, len(nodes)*nc)
	delta := func(s, c int) int { return int(m.trans[s*nc+c]&^matchBit) / nc }
	queue := []int{}
	for c := 0; c < nc; c++ {
		if n, ok := nodes[0].next[uint8(c)]; ok {
			nodes[n].fail = 0
			queue = append(queue, n)
			m.trans[c] = uint32(n * nc)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if nodes[nodes[s].fail].match {
			nodes[s].match = true
		}
		for c := 0; c < nc; c++ {
			if n, ok := nodes[s].next[uint8(c)]; ok {
				nodes[n].fail = delta(nodes[s].fail, c)
				queue = append(queue, n)
				m.trans[s*nc+c] = uint32(n * nc)
			} else {
				m.trans[s*nc+c] = m.trans[nodes[s].fail*nc+c]
			}
		}
	}
	// Mark transitions into matching states so the scan loop tests one bit.
	for i, t := range m.trans {
		if nodes[int(t)/nc].match {
			m.trans[i] = t | matchBit
		}
	}
	return m
}

// lineStart is the state after a virtual newline, so that the patterns that pin a short name
// to the start of a line ("\njax==") also match on a file's first line.
func (m *matcher) lineStart() uint32 {
	return m.trans[m.classes['\n']] &^ matchBit
}

// match reports whether any pattern occurs in data.
func (m *matcher) match(data []byte) bool {
	trans, classes := m.trans, &m.classes
	s := m.lineStart()
	for _, b := range data {
		s = trans[s+uint32(classes[b])]
		if s&matchBit != 0 {
			return true
		}
	}
	return false
}

// lines returns the 1-based numbers of the lines of data that contain a pattern, with each
// line's start and end offsets. Only these lines need the language rules.
func (m *matcher) lines(data []byte) []lineSpan {
	var out []lineSpan
	trans, classes := m.trans, &m.classes
	s := m.lineStart()
	line, start := 1, 0
	for i := 0; i < len(data); i++ {
		b := data[i]
		s = trans[s+uint32(classes[b])]
		if s&matchBit == 0 {
			if b == '\n' {
				line++
				start = i + 1
			}
			continue
		}
		end := i
		if b != '\n' {
			end = indexByteFrom(data, i, '\n')
		}
		out = append(out, lineSpan{line: line, start: start, end: end})
		// One hit per line is enough: go on after the line's end.
		if end >= len(data) {
			break
		}
		i = end
		line++
		start = end + 1
		s = m.lineStart()
	}
	return out
}

type lineSpan struct{ line, start, end int }

func indexByteFrom(data []byte, from int, c byte) int {
	if j := bytes.IndexByte(data[from:], c); j >= 0 {
		return from + j
	}
	return len(data)
}
