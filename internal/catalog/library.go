package catalog

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

var (
	// ErrNotFound is returned when a catalog, item or crosswalk does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists is returned when adding a catalog whose id is already present without replace.
	ErrExists = errors.New("already exists")
)

// Library is the registry of loaded catalogs and crosswalks. It is safe for concurrent use;
// catalogs and crosswalks it returns must be treated as read-only.
type Library struct {
	mu         sync.RWMutex
	catalogs   map[string]*Catalog
	crosswalks map[string]*Crosswalk
	graph      map[ref][]edge // built lazily, reset on change
}

// NewLibrary returns an empty library; Load and LoadEmbedded return a filled one.
func NewLibrary() *Library {
	return &Library{catalogs: map[string]*Catalog{}, crosswalks: map[string]*Crosswalk{}}
}

// Catalogs returns every catalog, ordered by id.
func (l *Library) Catalogs() []*Catalog {
	l.mu.RLock()
	defer l.mu.RUnlock()
	out := make([]*Catalog, 0, len(l.catalogs))
	for _, c := range l.catalogs {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Catalog returns the catalog with the given id.
func (l *Library) Catalog(id string) (*Catalog, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	c, ok := l.catalogs[id]
	return c, ok
}

// Item looks up one item by catalog id and item id.
func (l *Library) Item(catalogID, itemID string) (Item, error) {
	c, ok := l.Catalog(catalogID)
	if !ok {
		return Item{}, fmt.Errorf("catalog %q: %w", catalogID, ErrNotFound)
	}
	it, ok := c.Item(itemID)
	if !ok {
		return Item{}, fmt.Errorf("item %q in catalog %q: %w", itemID, catalogID, ErrNotFound)
	}
	return it, nil
}

// Add validates c and adds it (e.g. an imported OSCAL catalog). A catalog with the same id
// is refused with ErrExists unless replace is set. Crosswalks naming c are re-checked.
func (l *Library) Add(c *Catalog, replace bool) error {
	if err := c.Validate(c.ID); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.catalogs[c.ID]; ok && !replace {
		return fmt.Errorf("catalog %q: %w", c.ID, ErrExists)
	}
	for _, x := range l.crosswalks {
		from, to := l.catalogs[x.From], l.catalogs[x.To]
		if x.From == c.ID {
			from = c
		}
		if x.To == c.ID {
			to = c
		}
		if (x.From == c.ID || x.To == c.ID) && from != nil && to != nil {
			if err := x.CheckEnds(x.file, from, to); err != nil {
				return err
			}
		}
	}
	l.catalogs[c.ID] = c
	l.graph = nil
	return nil
}

// Crosswalks returns every crosswalk, ordered by id, including pending ones.
func (l *Library) Crosswalks() []*Crosswalk {
	l.mu.RLock()
	defer l.mu.RUnlock()
	out := make([]*Crosswalk, 0, len(l.crosswalks))
	for _, x := range l.crosswalks {
		out = append(out, x)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Pending lists crosswalks that name a catalog which is not loaded; they are not followed.
func (l *Library) Pending() []*Crosswalk {
	var out []*Crosswalk
	for _, x := range l.Crosswalks() {
		if !l.resolved(x) {
			out = append(out, x)
		}
	}
	return out
}

func (l *Library) resolved(x *Crosswalk) bool {
	_, f := l.Catalog(x.From)
	_, t := l.Catalog(x.To)
	return f && t
}

// Crosswalk returns the crosswalk from one catalog to another. If it is stored the other
// way round, a reversed copy is returned (relationships inverted, sides swapped).
func (l *Library) Crosswalk(from, to string) (*Crosswalk, error) {
	l.mu.RLock()
	x, ok := l.crosswalks[from+"__"+to]
	rev, okRev := l.crosswalks[to+"__"+from]
	l.mu.RUnlock()
	switch {
	case ok:
		return x, nil
	case okRev:
		return rev.Reverse(), nil
	}
	return nil, fmt.Errorf("crosswalk %s → %s: %w", from, to, ErrNotFound)
}

// Reverse returns the crosswalk read from its to side.
func (x *Crosswalk) Reverse() *Crosswalk {
	r := &Crosswalk{ID: x.To + "__" + x.From, From: x.To, To: x.From, Title: x.Title + " (reversed)",
		Provenance: x.Provenance, Disclaimer: x.Disclaimer, file: x.file}
	for _, m := range x.Mappings {
		r.Mappings = append(r.Mappings, Mapping{From: m.To, To: m.From, Relationship: m.Relationship.Inverse(),
			Rationale: m.Rationale, Provenance: m.Provenance, Confidence: m.Confidence})
	}
	for _, n := range x.NoCounterpart {
		side := "from"
		if n.Side == "from" {
			side = "to"
		}
		r.NoCounterpart = append(r.NoCounterpart, NoCounterpart{Side: side, ID: n.ID, Reason: n.Reason})
	}
	return r
}

// Query selects items for Search. Text is matched case-insensitively against id, title and
// summary; every whitespace-separated term must match. Empty fields do not filter.
type Query struct {
	Text    string
	Catalog string
	Group   string // includes items of every group below it
	Kind    string
	Limit   int // 0 means no limit
}

// Hit is one search result.
type Hit struct {
	Catalog string `json:"catalog"`
	Item    Item   `json:"item"`
	score   int
}

// Search finds items across all catalogs (or one), best matches first: exact id, id
// prefix, title, then summary.
func (l *Library) Search(q Query) []Hit {
	terms := strings.Fields(strings.ToLower(q.Text))
	whole := strings.ToLower(strings.TrimSpace(q.Text))
	var hits []Hit
	for _, c := range l.Catalogs() {
		if q.Catalog != "" && c.ID != q.Catalog {
			continue
		}
		for _, it := range c.Items {
			if q.Kind != "" && it.Kind != q.Kind {
				continue
			}
			if q.Group != "" && !c.InGroup(it, q.Group) {
				continue
			}
			id, title, summary := strings.ToLower(it.ID), strings.ToLower(it.Title), strings.ToLower(it.Summary)
			score, ok := 0, true
			for _, t := range terms {
				switch {
				case strings.Contains(id, t):
					score += 3
				case strings.Contains(title, t):
					score += 2
				case strings.Contains(summary, t):
					score++
				default:
					ok = false
				}
			}
			if !ok {
				continue
			}
			if whole != "" && id == whole {
				score += 100
			} else if whole != "" && strings.HasPrefix(id, whole) {
				score += 10
			}
			hits = append(hits, Hit{Catalog: c.ID, Item: it, score: score})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].score > hits[j].score })
	if q.Limit > 0 && len(hits) > q.Limit {
		hits = hits[:q.Limit]
	}
	return hits
}

// Node is one element of a catalog tree: a group or an item, with its children (child
// groups first, then items; sub-items under their parent item), in file order.
type Node struct {
	Group    *Group  `json:"group,omitempty"`
	Item     *Item   `json:"item,omitempty"`
	Children []*Node `json:"children,omitempty"`
}

// Tree returns the top-level groups of a catalog with everything below them.
func (l *Library) Tree(catalogID string) ([]*Node, error) {
	c, ok := l.Catalog(catalogID)
	if !ok {
		return nil, fmt.Errorf("catalog %q: %w", catalogID, ErrNotFound)
	}
	return c.Tree(), nil
}

// Tree returns the catalog's top-level groups with everything below them.
func (c *Catalog) Tree() []*Node {
	groupNodes := map[string]*Node{}
	for i := range c.Groups {
		groupNodes[c.Groups[i].ID] = &Node{Group: &c.Groups[i]}
	}
	itemNodes := map[string]*Node{}
	for i := range c.Items {
		itemNodes[c.Items[i].ID] = &Node{Item: &c.Items[i]}
	}
	var roots []*Node
	for _, g := range c.Groups {
		n := groupNodes[g.ID]
		if p, ok := groupNodes[g.Parent]; ok {
			p.Children = append(p.Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	for _, it := range c.Items {
		n := itemNodes[it.ID]
		if p, ok := itemNodes[it.Parent]; ok {
			p.Children = append(p.Children, n)
		} else if g, ok := groupNodes[it.Group]; ok {
			g.Children = append(g.Children, n)
		}
	}
	return roots
}

// ItemRef names an item in a catalog, with its title for display.
type ItemRef struct {
	Catalog string `json:"catalog"`
	ID      string `json:"id"`
	Title   string `json:"title"`
}

// Step is one crosswalk pair followed along a path, oriented in the direction of travel.
type Step struct {
	Crosswalk    string            `json:"crosswalk"`
	From         ItemRef           `json:"from"`
	To           ItemRef           `json:"to"`
	Relationship Relationship      `json:"relationship"`
	Rationale    string            `json:"rationale"`
	Provenance   MappingProvenance `json:"provenance"`
	Confidence   Confidence        `json:"confidence,omitempty"`
	Disclaimer   string            `json:"disclaimer,omitempty"`
}

// Link is something an item maps to in another framework, directly or through other
// frameworks, with the path taken and the weakest relationship along it.
type Link struct {
	Target       ItemRef      `json:"target"`
	Relationship Relationship `json:"relationship"`
	Steps        []Step       `json:"steps"`
}

// Path names the catalogs the link passes through, e.g.
// "nist-ai-rmf-1.0 → iso42001-2023 → iso27001-2022".
func (k Link) Path() string {
	if len(k.Steps) == 0 {
		return k.Target.Catalog
	}
	parts := []string{k.Steps[0].From.Catalog}
	for _, s := range k.Steps {
		parts = append(parts, s.To.Catalog)
	}
	return strings.Join(parts, " → ")
}

// Direct reports whether the link is a single crosswalk pair.
func (k Link) Direct() bool { return len(k.Steps) == 1 }

type ref struct{ catalog, id string }

type edge struct {
	to   ref
	step Step
}

// Related answers "what does this item map to in every other framework, and why": every
// item reachable through crosswalks in at most maxHops pairs (2 when maxHops <= 0), never
// passing through the same catalog twice. A not_related pair is reported when direct but
// never followed further. Results are ordered by number of hops, catalog and item.
func (l *Library) Related(catalogID, itemID string, maxHops int) ([]Link, error) {
	if _, err := l.Item(catalogID, itemID); err != nil {
		return nil, err
	}
	if maxHops <= 0 {
		maxHops = 2
	}
	g := l.edges()
	var out []Link
	var walk func(at ref, visited map[string]bool, steps []Step, rel Relationship)
	walk = func(at ref, visited map[string]bool, steps []Step, rel Relationship) {
		for _, e := range g[at] {
			if visited[e.to.catalog] {
				continue
			}
			r := e.step.Relationship
			if len(steps) > 0 {
				r = Weaker(rel, r)
			}
			path := append(append([]Step(nil), steps...), e.step)
			out = append(out, Link{Target: e.step.To, Relationship: r, Steps: path})
			if e.step.Relationship == NotRelated || len(path) >= maxHops {
				continue
			}
			visited[e.to.catalog] = true
			walk(e.to, visited, path, r)
			delete(visited, e.to.catalog)
		}
	}
	walk(ref{catalogID, itemID}, map[string]bool{catalogID: true}, nil, Equal)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if len(a.Steps) != len(b.Steps) {
			return len(a.Steps) < len(b.Steps)
		}
		if a.Target.Catalog != b.Target.Catalog {
			return a.Target.Catalog < b.Target.Catalog
		}
		return a.Target.ID < b.Target.ID
	})
	return out, nil
}

// Gap is a recorded absence of counterpart for an item in another framework.
type Gap struct {
	Crosswalk    string `json:"crosswalk"`
	OtherCatalog string `json:"other_catalog"`
	Reason       string `json:"reason"`
}

// Gaps lists the crosswalks that state the item has no counterpart on their other side.
func (l *Library) Gaps(catalogID, itemID string) []Gap {
	var out []Gap
	for _, x := range l.Crosswalks() {
		for _, n := range x.NoCounterpart {
			if n.ID != itemID {
				continue
			}
			if n.Side == "from" && x.From == catalogID {
				out = append(out, Gap{Crosswalk: x.ID, OtherCatalog: x.To, Reason: n.Reason})
			}
			if n.Side == "to" && x.To == catalogID {
				out = append(out, Gap{Crosswalk: x.ID, OtherCatalog: x.From, Reason: n.Reason})
			}
		}
	}
	return out
}

// edges indexes every resolved crosswalk pair in both directions.
func (l *Library) edges() map[ref][]edge {
	l.mu.RLock()
	g := l.graph
	l.mu.RUnlock()
	if g != nil {
		return g
	}
	g = map[ref][]edge{}
	for _, x := range l.Crosswalks() {
		from, okF := l.Catalog(x.From)
		to, okT := l.Catalog(x.To)
		if !okF || !okT {
			continue
		}
		for _, m := range x.Mappings {
			fi, _ := from.Item(m.From)
			ti, _ := to.Item(m.To)
			a := ItemRef{Catalog: x.From, ID: m.From, Title: fi.Title}
			b := ItemRef{Catalog: x.To, ID: m.To, Title: ti.Title}
			base := Step{Crosswalk: x.ID, Rationale: m.Rationale, Provenance: m.Provenance, Confidence: m.Confidence, Disclaimer: x.Disclaimer}
			fwd, back := base, base
			fwd.From, fwd.To, fwd.Relationship = a, b, m.Relationship
			back.From, back.To, back.Relationship = b, a, m.Relationship.Inverse()
			g[ref{x.From, m.From}] = append(g[ref{x.From, m.From}], edge{to: ref{x.To, m.To}, step: fwd})
			g[ref{x.To, m.To}] = append(g[ref{x.To, m.To}], edge{to: ref{x.From, m.From}, step: back})
		}
	}
	l.mu.Lock()
	l.graph = g
	l.mu.Unlock()
	return g
}
