package discovery

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/annexa-dev/annexa/catalogs"
)

// Technology is one AI technology with a stable lowercase id.
type Technology struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Vendor   string `json:"vendor"`
	Category string `json:"category"` // ai-service, ai-app, runtime, framework, library, model-format
}

type hostRule struct {
	Pattern    string `json:"pattern"`
	Technology string `json:"technology"`
}

type envRule struct {
	Name       string `json:"name"`
	Prefix     string `json:"prefix"`
	Technology string `json:"technology"`
}

type literalRule struct {
	Literal    string `json:"literal"`
	Technology string `json:"technology"`
}

type signature struct {
	Offset int    `json:"offset"`
	Hex    string `json:"hex"`
	bytes  []byte
}

type modelFileRule struct {
	Format        string        `json:"format"`
	Technology    string        `json:"technology"`
	Extensions    []string      `json:"extensions"`
	Filenames     []string      `json:"filenames"`
	Signatures    []signature   `json:"signatures"`
	Markers       []literalRule `json:"markers"`
	RequireMarker bool          `json:"require_marker"`
}

type modelDirRule struct {
	Suffix     string `json:"suffix"`
	Technology string `json:"technology"`
}

// Signatures is the data that says what counts as AI. Load it once with DefaultSignatures (the
// embedded catalogs) or ParseSignatures, and share it: it is read-only after loading.
type Signatures struct {
	ID             string                       `json:"id"`
	DataVersion    int                          `json:"data_version"`
	AsOf           string                       `json:"as_of"`
	Technologies   []Technology                 `json:"technologies"`
	Packages       map[string]map[string]string `json:"packages"`
	Imports        map[string]map[string]string `json:"imports"`
	Hosts          []hostRule                   `json:"hosts"`
	EnvVars        []envRule                    `json:"env_vars"`
	CodeLiterals   []literalRule                `json:"code_literals"`
	ModelFiles     []modelFileRule              `json:"model_files"`
	ModelDirs      []modelDirRule               `json:"model_dirs"`
	SkipDirs       []string                     `json:"skip_dirs"`
	ServiceMarkers []string                     `json:"service_markers"`

	tech       map[string]Technology
	packages   map[string]map[string]string // ecosystem → normalised name → technology
	mavenGroup map[string]string            // groupId → technology for "group:*" rules
	imports    map[string]map[string]string // language → module → technology
	exactHosts map[string]string
	globHosts  []hostRule
	envExact   map[string]string
	envPrefix  []envRule // longest prefix first
	byExt      map[string]*modelFileRule
	byName     map[string]*modelFileRule
	skipDirs   map[string]bool
	markers    map[string]bool
	prefilter  *matcher
	literals   []string
}

var (
	defaultOnce sync.Once
	defaultSigs *Signatures
	defaultErr  error
)

// DefaultSignatures returns the signatures embedded under catalogs/discovery/.
func DefaultSignatures() (*Signatures, error) {
	defaultOnce.Do(func() {
		data, err := fs.ReadFile(catalogs.FS, "discovery/signatures.json")
		if err != nil {
			defaultErr = fmt.Errorf("discovery: read signatures: %w", err)
			return
		}
		defaultSigs, defaultErr = ParseSignatures(data)
	})
	return defaultSigs, defaultErr
}

// ParseSignatures reads and validates a signatures document.
func ParseSignatures(data []byte) (*Signatures, error) {
	var s Signatures
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("discovery: signatures: %w", jsonErrorDetail(data, err))
	}
	if err := s.index(); err != nil {
		return nil, err
	}
	return &s, nil
}

// Technology returns the technology with the given id.
func (s *Signatures) Technology(id string) (Technology, bool) {
	t, ok := s.tech[id]
	return t, ok
}

// npm and the Python world differ in what they treat as the same name; each ecosystem's own
// normalisation keeps "Scikit_Learn" and "scikit-learn" one package.
func normalisePackage(ecosystem, name string) string {
	name = strings.TrimSpace(name)
	switch ecosystem {
	case "pypi":
		name = strings.ToLower(name)
		name = strings.NewReplacer("_", "-", ".", "-").Replace(name)
		for strings.Contains(name, "--") {
			name = strings.ReplaceAll(name, "--", "-")
		}
	case "cargo":
		name = strings.ReplaceAll(strings.ToLower(name), "_", "-")
	case "nuget", "npm", "rubygems", "packagist", "maven":
		name = strings.ToLower(name)
	}
	return name
}

func (s *Signatures) index() error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	s.tech = map[string]Technology{}
	for _, t := range s.Technologies {
		if t.ID == "" || t.ID != strings.ToLower(t.ID) || strings.ContainsAny(t.ID, " _") {
			bad("technology id %q must be lowercase with dashes", t.ID)
		}
		if _, dup := s.tech[t.ID]; dup {
			bad("technology %q listed twice", t.ID)
		}
		s.tech[t.ID] = t
	}
	known := func(where, id string) {
		if _, ok := s.tech[id]; !ok {
			bad("%s names unknown technology %q", where, id)
		}
	}
	lits := map[string]bool{}
	addLit := func(l string) {
		if l = strings.TrimSpace(l); l != "" {
			lits[l] = true
		}
	}
	s.packages = map[string]map[string]string{}
	s.mavenGroup = map[string]string{}
	for eco, m := range s.Packages {
		idx := map[string]string{}
		for name, tech := range m {
			known("packages."+eco+"."+name, tech)
			if eco == "maven" {
				g, a, ok := strings.Cut(name, ":")
				if !ok {
					bad("maven package %q must be group:artifact or group:*", name)
					continue
				}
				addLit(g)
				if a == "*" {
					s.mavenGroup[strings.ToLower(g)] = tech
					continue
				}
				addLit(a)
			} else {
				addLit(name)
			}
			idx[normalisePackage(eco, name)] = tech
		}
		s.packages[eco] = idx
	}
	s.imports = map[string]map[string]string{}
	for lang, m := range s.Imports {
		idx := map[string]string{}
		for mod, tech := range m {
			known("imports."+lang+"."+mod, tech)
			idx[mod] = tech
			addLit(mod)
		}
		s.imports[lang] = idx
	}
	s.exactHosts = map[string]string{}
	for _, h := range s.Hosts {
		known("host "+h.Pattern, h.Technology)
		p := strings.ToLower(h.Pattern)
		if strings.Contains(p, "*") {
			if _, err := path.Match(p, "x"); err != nil {
				bad("host pattern %q: %v", p, err)
			}
			s.globHosts = append(s.globHosts, hostRule{p, h.Technology})
			// The prefilter needs a literal every match contains: the longest fixed piece.
			longest := ""
			for _, piece := range strings.Split(p, "*") {
				if len(piece) > len(longest) {
					longest = piece
				}
			}
			addLit(longest)
			continue
		}
		s.exactHosts[p] = h.Technology
		addLit(p)
	}
	s.envExact = map[string]string{}
	for _, e := range s.EnvVars {
		known("env var "+e.Name+e.Prefix, e.Technology)
		switch {
		case e.Name != "" && e.Prefix == "":
			s.envExact[e.Name] = e.Technology
			addLit(e.Name)
		case e.Prefix != "" && e.Name == "":
			s.envPrefix = append(s.envPrefix, e)
			addLit(e.Prefix)
		default:
			bad("env var rule needs exactly one of name or prefix")
		}
	}
	sort.SliceStable(s.envPrefix, func(i, j int) bool { return len(s.envPrefix[i].Prefix) > len(s.envPrefix[j].Prefix) })
	for _, l := range s.CodeLiterals {
		known("code literal "+l.Literal, l.Technology)
		addLit(l.Literal)
	}
	s.byExt = map[string]*modelFileRule{}
	s.byName = map[string]*modelFileRule{}
	for i := range s.ModelFiles {
		r := &s.ModelFiles[i]
		if r.Technology != "" {
			known("model file "+r.Format, r.Technology)
		}
		for _, m := range r.Markers {
			known("model marker "+m.Literal, m.Technology)
		}
		if r.Technology == "" && !r.RequireMarker {
			bad("model file %s has no technology and requires no marker", r.Format)
		}
		for j := range r.Signatures {
			b, err := hex.DecodeString(r.Signatures[j].Hex)
			if err != nil || len(b) == 0 {
				bad("model file %s: bad signature hex %q", r.Format, r.Signatures[j].Hex)
			}
			r.Signatures[j].bytes = b
		}
		for _, e := range r.Extensions {
			s.byExt[strings.ToLower(e)] = r
		}
		for _, n := range r.Filenames {
			s.byName[strings.ToLower(n)] = r
		}
	}
	for _, d := range s.ModelDirs {
		known("model dir "+d.Suffix, d.Technology)
	}
	s.skipDirs = map[string]bool{}
	for _, d := range s.SkipDirs {
		s.skipDirs[d] = true
	}
	s.markers = map[string]bool{}
	for _, m := range s.ServiceMarkers {
		s.markers[m] = true
	}
	if len(errs) > 0 {
		return fmt.Errorf("discovery: invalid signatures: %s", strings.Join(errs, "; "))
	}
	s.literals = prefilterLiterals(lits)
	s.prefilter = newMatcher(s.literals)
	return nil
}

// prefilterLiterals turns the AI names into the literals the prefilter searches for. Names
// shorter than four bytes ("jax", "ort", "tch") would match inside ordinary words in nearly every
// file; for those only the contexts in which a manifest or import spells them are searched.
func prefilterLiterals(names map[string]bool) []string {
	out := map[string]bool{}
	for n := range names {
		if len(n) >= 4 {
			out[n] = true
			continue
		}
		for _, ctx := range []string{"import " + n, "from " + n, "use " + n, "require " + n,
			`"` + n + `"`, "'" + n + "'", "\n" + n + "=", "\n" + n + ">", "\n" + n + "\n", "\n" + n + " ", "\n" + n + "[", "\n" + n + "~", "\n" + n + "<"} {
			out[ctx] = true
		}
	}
	lits := make([]string, 0, len(out))
	for l := range out {
		lits = append(lits, l)
	}
	slices.Sort(lits)
	return lits
}

// Literals returns the literals that the prefilter searches for (lower-cased matching is
// case-insensitive), e.g. for comparing the scanner with grep over the same names.
func (s *Signatures) Literals() []string { return slices.Clone(s.literals) }

// hostTechnology returns the technology of an AI service host, matching exact hosts, their
// subdomains, and the data's wildcard patterns.
func (s *Signatures) hostTechnology(host string) (string, bool) {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for h := host; h != ""; {
		if t, ok := s.exactHosts[h]; ok {
			return t, true
		}
		_, rest, ok := strings.Cut(h, ".")
		if !ok || !strings.Contains(rest, ".") {
			break
		}
		h = rest
	}
	for _, g := range s.globHosts {
		if ok, _ := path.Match(g.Pattern, host); ok {
			return g.Technology, true
		}
	}
	return "", false
}

func (s *Signatures) envTechnology(name string) (string, bool) {
	if t, ok := s.envExact[name]; ok {
		return t, true
	}
	for _, p := range s.envPrefix {
		if strings.HasPrefix(name, p.Prefix) && len(name) > len(p.Prefix) {
			return p.Technology, true
		}
	}
	return "", false
}

// packageTechnology looks a package up in one ecosystem's table.
func (s *Signatures) packageTechnology(ecosystem, name string) (string, bool) {
	if ecosystem == "maven" {
		g, a, _ := strings.Cut(strings.ToLower(name), ":")
		if t, ok := s.packages["maven"][g+":"+a]; ok {
			return t, true
		}
		if t, ok := s.mavenGroup[g]; ok {
			return t, true
		}
		return "", false
	}
	if ecosystem == "go" {
		return longestPathPrefix(s.packages["go"], name, "/")
	}
	t, ok := s.packages[ecosystem][normalisePackage(ecosystem, name)]
	return t, ok
}

// longestPathPrefix finds the longest key of m that equals name or is a prefix of it ending at
// a separator: "github.com/tmc/langchaingo/llms" belongs to "github.com/tmc/langchaingo", but
// "github.com/tmc/langchaingox" does not.
func longestPathPrefix(m map[string]string, name, sep string) (string, bool) {
	for p := name; p != ""; {
		if t, ok := m[p]; ok {
			return t, true
		}
		i := strings.LastIndex(p, sep)
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return "", false
}
