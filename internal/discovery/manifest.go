package discovery

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	"golang.org/x/mod/modfile"
)

type manifestFunc func(sigs *Signatures, rel string, data []byte) ([]Finding, []Warning)

// manifestParser returns the parser for a dependency manifest or lock file, or nil.
func manifestParser(rel string) manifestFunc {
	base := path.Base(rel)
	lower := strings.ToLower(base)
	switch lower {
	case "pyproject.toml":
		return parsePyproject
	case "pipfile":
		return tomlKeysParser("pypi", "packages", "dev-packages")
	case "pipfile.lock":
		return jsonKeysParser("pypi", "default", "develop")
	case "poetry.lock", "uv.lock", "pdm.lock":
		return tomlPackageListParser("pypi")
	case "setup.py", "setup.cfg":
		return parseRequirementStrings
	case "package.json":
		return jsonKeysParser("npm", "dependencies", "devDependencies", "peerDependencies", "optionalDependencies")
	case "package-lock.json", "npm-shrinkwrap.json":
		return parsePackageLock
	case "yarn.lock":
		return parseYarnLock
	case "go.mod":
		return parseGoMod
	case "pom.xml":
		return parsePom
	case "build.gradle", "build.gradle.kts":
		return parseGradle
	case "libs.versions.toml":
		return parseGradleCatalog
	case "cargo.toml":
		return parseCargo
	case "cargo.lock":
		return tomlPackageListParser("cargo")
	case "gemfile", "gems.rb":
		return parseGemfile
	case "gemfile.lock", "gems.locked":
		return parseGemfileLock
	case "composer.json":
		return jsonKeysParser("packagist", "require", "require-dev")
	case "composer.lock":
		return parseComposerLock
	case "packages.config", "directory.packages.props", "directory.build.props":
		return parseNuGetXML
	}
	switch ext := path.Ext(lower); ext {
	case ".csproj", ".fsproj", ".vbproj":
		return parseNuGetXML
	case ".gemspec":
		return parseGemfile
	case ".txt", ".in":
		if strings.Contains(lower, "requirements") || strings.HasPrefix(lower, "constraints") ||
			path.Base(path.Dir(rel)) == "requirements" {
			return parseRequirementsTxt
		}
	}
	return nil
}

func dependency(sigs *Signatures, eco, rel string, data []byte, name, version string, line int) (Finding, bool) {
	tech, ok := sigs.packageTechnology(eco, name)
	if !ok {
		return Finding{}, false
	}
	if line == 0 {
		line = lineOf(data, name)
		if line == 0 && eco == "maven" {
			_, a, _ := strings.Cut(name, ":")
			line = lineOf(data, a)
		}
	}
	ev := name
	if version = strings.TrimSpace(version); version != "" {
		ev += " " + version
	}
	return Finding{Path: rel, Line: line, Kind: KindDependency, Technology: tech, Evidence: clip(ev), Confidence: ConfidenceHigh}, true
}

// --- Python ---------------------------------------------------------------------------------

var reRequirement = regexp.MustCompile(`^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$`)

// requirementName reads the distribution name of a PEP 508 requirement ("torch>=2; python_version>'3.8'").
func requirementName(spec string) (name, version string, ok bool) {
	m := reRequirement.FindStringSubmatch(spec)
	if m == nil {
		return "", "", false
	}
	rest := strings.TrimSpace(m[3])
	if rest != "" && !strings.ContainsAny(rest[:1], "<>=!~;@(,") {
		return "", "", false
	}
	version, _, _ = strings.Cut(rest, ";")
	return m[1], strings.TrimSpace(version), true
}

// parseRequirementsTxt reads pip requirement files line by line (pip's format has no Go parser).
func parseRequirementsTxt(sigs *Signatures, rel string, data []byte) ([]Finding, []Warning) {
	var out []Finding
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "-") || strings.Contains(line, "://") {
			continue
		}
		if name, ver, ok := requirementName(line); ok {
			if f, ok := dependency(sigs, "pypi", rel, data, name, ver, n); ok {
				out = append(out, f)
			}
		}
	}
	return out, nil
}

var (
	reQuoted = regexp.MustCompile(`["']([^"'\n]+)["']`)
	reINIKey = regexp.MustCompile(`^[A-Za-z_][\w.-]*\s*$`)
)

// parseRequirementStrings reads setup.py and setup.cfg, which are code and INI rather than
// data: each quoted string (setup.py) or list line (setup.cfg) that reads as a requirement of
// a known AI package counts, on the lines that hold an AI name.
func parseRequirementStrings(sigs *Signatures, rel string, data []byte) ([]Finding, []Warning) {
	var out []Finding
	isCfg := strings.HasSuffix(rel, ".cfg")
	for _, sp := range sigs.prefilter.lines(data) {
		line := string(data[sp.start:sp.end])
		var specs []string
		if isCfg {
			t := strings.TrimSpace(line)
			// "install_requires = torch" holds a requirement after the key; "torch==2" is one.
			if k, v, ok := strings.Cut(t, "="); ok && reINIKey.MatchString(k) && !strings.HasPrefix(v, "=") {
				t = v
			}
			specs = append(specs, strings.TrimSpace(t))
		} else {
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			for _, m := range reQuoted.FindAllStringSubmatch(line, -1) {
				specs = append(specs, m[1])
			}
		}
		for _, spec := range specs {
			if name, ver, ok := requirementName(spec); ok {
				if f, ok := dependency(sigs, "pypi", rel, data, name, ver, sp.line); ok {
					out = append(out, f)
				}
			}
		}
	}
	return out, nil
}

func parsePyproject(sigs *Signatures, rel string, data []byte) ([]Finding, []Warning) {
	var doc struct {
		Project struct {
			Dependencies         []string            `toml:"dependencies"`
			OptionalDependencies map[string][]string `toml:"optional-dependencies"`
		} `toml:"project"`
		DependencyGroups map[string][]any `toml:"dependency-groups"`
		Tool             struct {
			Poetry struct {
				Dependencies    map[string]any `toml:"dependencies"`
				DevDependencies map[string]any `toml:"dev-dependencies"`
				Group           map[string]struct {
					Dependencies map[string]any `toml:"dependencies"`
				} `toml:"group"`
			} `toml:"poetry"`
		} `toml:"tool"`
	}
	if _, err := toml.Decode(string(data), &doc); err != nil {
		return nil, []Warning{tomlWarning(rel, err)}
	}
	var specs []string
	specs = append(specs, doc.Project.Dependencies...)
	for _, group := range sortedMapValues(doc.Project.OptionalDependencies) {
		specs = append(specs, group...)
	}
	for _, g := range sortedMapValues(doc.DependencyGroups) {
		for _, v := range g {
			if s, ok := v.(string); ok {
				specs = append(specs, s)
			}
		}
	}
	var out []Finding
	for _, spec := range specs {
		if name, ver, ok := requirementName(spec); ok {
			if f, ok := dependency(sigs, "pypi", rel, data, name, ver, 0); ok {
				out = append(out, f)
			}
		}
	}
	poetry := []map[string]any{doc.Tool.Poetry.Dependencies, doc.Tool.Poetry.DevDependencies}
	for _, g := range doc.Tool.Poetry.Group {
		poetry = append(poetry, g.Dependencies)
	}
	for _, m := range poetry {
		for _, name := range sortedKeysAny(m) {
			if f, ok := dependency(sigs, "pypi", rel, data, name, versionOf(m[name]), 0); ok {
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// tomlKeysParser reads manifests whose dependency tables are keyed by package name (Pipfile).
func tomlKeysParser(eco string, tables ...string) manifestFunc {
	return func(sigs *Signatures, rel string, data []byte) ([]Finding, []Warning) {
		var doc map[string]any
		if _, err := toml.Decode(string(data), &doc); err != nil {
			return nil, []Warning{tomlWarning(rel, err)}
		}
		var out []Finding
		for _, t := range tables {
			m, _ := doc[t].(map[string]any)
			for _, name := range sortedKeysAny(m) {
				if f, ok := dependency(sigs, eco, rel, data, name, versionOf(m[name]), 0); ok {
					out = append(out, f)
				}
			}
		}
		return out, nil
	}
}

// tomlPackageListParser reads lock files with [[package]] name/version entries (poetry.lock,
// uv.lock, Cargo.lock).
func tomlPackageListParser(eco string) manifestFunc {
	return func(sigs *Signatures, rel string, data []byte) ([]Finding, []Warning) {
		var doc struct {
			Package []struct {
				Name    string `toml:"name"`
				Version string `toml:"version"`
			} `toml:"package"`
		}
		if _, err := toml.Decode(string(data), &doc); err != nil {
			return nil, []Warning{tomlWarning(rel, err)}
		}
		var out []Finding
		for _, p := range doc.Package {
			if f, ok := dependency(sigs, eco, rel, data, p.Name, p.Version, 0); ok {
				out = append(out, f)
			}
		}
		return out, nil
	}
}

func versionOf(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		if s, ok := v["version"].(string); ok {
			return s
		}
	}
	return ""
}

// --- JavaScript -----------------------------------------------------------------------------

// jsonKeysParser reads JSON manifests whose dependency objects are keyed by package name
// (package.json, composer.json, Pipfile.lock).
func jsonKeysParser(eco string, fields ...string) manifestFunc {
	return func(sigs *Signatures, rel string, data []byte) ([]Finding, []Warning) {
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(data, &doc); err != nil {
			return nil, []Warning{jsonWarning(rel, data, err)}
		}
		var out []Finding
		for _, field := range fields {
			var deps map[string]json.RawMessage
			if raw, ok := doc[field]; !ok || json.Unmarshal(raw, &deps) != nil {
				continue
			}
			for _, name := range sortedKeysRaw(deps) {
				var version string
				if json.Unmarshal(deps[name], &version) != nil {
					var obj struct {
						Version string `json:"version"`
					}
					_ = json.Unmarshal(deps[name], &obj)
					version = obj.Version
				}
				if f, ok := dependency(sigs, eco, rel, data, name, version, 0); ok {
					out = append(out, f)
				}
			}
		}
		return out, nil
	}
}

func parsePackageLock(sigs *Signatures, rel string, data []byte) ([]Finding, []Warning) {
	var doc struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
		Dependencies map[string]struct {
			Version string `json:"version"`
		} `json:"dependencies"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, []Warning{jsonWarning(rel, data, err)}
	}
	seen := map[string]bool{}
	var out []Finding
	add := func(name, version string) {
		if seen[name] {
			return
		}
		seen[name] = true
		if f, ok := dependency(sigs, "npm", rel, data, name, version, 0); ok {
			out = append(out, f)
		}
	}
	keys := make([]string, 0, len(doc.Packages))
	for k := range doc.Packages {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if i := strings.LastIndex(k, "node_modules/"); i >= 0 {
			add(k[i+len("node_modules/"):], doc.Packages[k].Version)
		}
	}
	for _, name := range sortedKeysAny(anyMap(doc.Dependencies)) {
		add(name, doc.Dependencies[name].Version)
	}
	return out, nil
}

func anyMap[V any](m map[string]V) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// parseYarnLock reads yarn v1 lock entries ("openai@^4.0.0", "@scope/x@npm:1.0":), whose format
// has no Go parser; berry lock files use the same entry headers.
func parseYarnLock(sigs *Signatures, rel string, data []byte) ([]Finding, []Warning) {
	var out []Finding
	for _, sp := range sigs.prefilter.lines(data) {
		line := string(data[sp.start:sp.end])
		if line == "" || line[0] == ' ' || line[0] == '#' || !strings.HasSuffix(strings.TrimSpace(line), ":") {
			continue
		}
		seen := map[string]bool{}
		for _, entry := range strings.Split(strings.TrimSuffix(strings.TrimSpace(line), ":"), ",") {
			entry = strings.Trim(strings.TrimSpace(entry), `"`)
			at := strings.LastIndex(entry, "@")
			if at <= 0 {
				continue
			}
			name := entry[:at]
			if seen[name] {
				continue
			}
			seen[name] = true
			if f, ok := dependency(sigs, "npm", rel, data, name, entry[at+1:], sp.line); ok {
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// --- Go -------------------------------------------------------------------------------------

func parseGoMod(sigs *Signatures, rel string, data []byte) ([]Finding, []Warning) {
	f, err := modfile.ParseLax(rel, data, nil)
	if err != nil {
		w := Warning{Path: rel, Message: "go.mod not parsed: " + firstLine(err.Error())}
		var el modfile.ErrorList
		if errors.As(err, &el) && len(el) > 0 {
			w.Line = el[0].Pos.Line
		}
		return nil, []Warning{w}
	}
	var out []Finding
	for _, r := range f.Require {
		line := 0
		if r.Syntax != nil {
			line = r.Syntax.Start.Line
		}
		if fd, ok := dependency(sigs, "go", rel, data, r.Mod.Path, r.Mod.Version, line); ok {
			out = append(out, fd)
		}
	}
	return out, nil
}

// --- Java -----------------------------------------------------------------------------------

type pomDependency struct {
	GroupID    string `xml:"groupId"`
	ArtifactID string `xml:"artifactId"`
	Version    string `xml:"version"`
}

// parsePom streams pom.xml with encoding/xml so that each dependency keeps its line.
func parsePom(sigs *Signatures, rel string, data []byte) ([]Finding, []Warning) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	var out []Finding
	for {
		line, _ := dec.InputPos()
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return out, []Warning{xmlWarning(rel, err, line)}
		}
		se, ok := tok.(xml.StartElement)
		if !ok || (se.Name.Local != "dependency" && se.Name.Local != "plugin") {
			continue
		}
		var d pomDependency
		if err := dec.DecodeElement(&d, &se); err != nil {
			return out, []Warning{xmlWarning(rel, err, line)}
		}
		if d.GroupID == "" || d.ArtifactID == "" {
			continue
		}
		if f, ok := dependency(sigs, "maven", rel, data, d.GroupID+":"+d.ArtifactID, d.Version, line); ok {
			out = append(out, f)
		}
	}
	return out, nil
}

var (
	reGradleCoord = regexp.MustCompile(`["']([A-Za-z0-9_.-]+):([A-Za-z0-9_.-]+)(?::([^"'@:]+))?(?:@\w+)?["']`)
	reGradleMap   = regexp.MustCompile(`group\s*[:=]\s*["']([^"']+)["']\s*,\s*name\s*[:=]\s*["']([^"']+)["']`)
)

// parseGradle reads dependency coordinates from Gradle build scripts, which are Groovy or
// Kotlin programs: the coordinate strings ("group:artifact:version") on lines with an AI name.
func parseGradle(sigs *Signatures, rel string, data []byte) ([]Finding, []Warning) {
	var out []Finding
	for _, sp := range sigs.prefilter.lines(data) {
		line := string(data[sp.start:sp.end])
		if isLineComment(line, "//") {
			continue
		}
		for _, m := range reGradleCoord.FindAllStringSubmatch(line, -1) {
			if f, ok := dependency(sigs, "maven", rel, data, m[1]+":"+m[2], m[3], sp.line); ok {
				out = append(out, f)
			}
		}
		for _, m := range reGradleMap.FindAllStringSubmatch(line, -1) {
			if f, ok := dependency(sigs, "maven", rel, data, m[1]+":"+m[2], "", sp.line); ok {
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// parseGradleCatalog reads gradle/libs.versions.toml version catalogs.
func parseGradleCatalog(sigs *Signatures, rel string, data []byte) ([]Finding, []Warning) {
	var doc struct {
		Libraries map[string]any `toml:"libraries"`
	}
	if _, err := toml.Decode(string(data), &doc); err != nil {
		return nil, []Warning{tomlWarning(rel, err)}
	}
	var out []Finding
	for _, key := range sortedKeysAny(doc.Libraries) {
		var coord string
		switch v := doc.Libraries[key].(type) {
		case string:
			coord = v
		case map[string]any:
			if m, ok := v["module"].(string); ok {
				coord = m
			} else if g, ok := v["group"].(string); ok {
				n, _ := v["name"].(string)
				coord = g + ":" + n
			}
		}
		parts := strings.SplitN(coord, ":", 3)
		if len(parts) < 2 {
			continue
		}
		if f, ok := dependency(sigs, "maven", rel, data, parts[0]+":"+parts[1], "", 0); ok {
			out = append(out, f)
		}
	}
	return out, nil
}

// --- Rust -----------------------------------------------------------------------------------

func parseCargo(sigs *Signatures, rel string, data []byte) ([]Finding, []Warning) {
	var doc map[string]any
	if _, err := toml.Decode(string(data), &doc); err != nil {
		return nil, []Warning{tomlWarning(rel, err)}
	}
	tables := []map[string]any{}
	collect := func(m map[string]any) {
		for _, k := range []string{"dependencies", "dev-dependencies", "build-dependencies"} {
			if t, ok := m[k].(map[string]any); ok {
				tables = append(tables, t)
			}
		}
	}
	collect(doc)
	if ws, ok := doc["workspace"].(map[string]any); ok {
		collect(ws)
	}
	if targets, ok := doc["target"].(map[string]any); ok {
		for _, k := range sortedKeysAny(targets) {
			if t, ok := targets[k].(map[string]any); ok {
				collect(t)
			}
		}
	}
	var out []Finding
	for _, t := range tables {
		for _, key := range sortedKeysAny(t) {
			name := key
			if m, ok := t[key].(map[string]any); ok {
				if p, ok := m["package"].(string); ok {
					name = p // a renamed dependency: the real crate is "package"
				}
			}
			f, ok := dependency(sigs, "cargo", rel, data, name, versionOf(t[key]), lineOf(data, key))
			if ok {
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// --- Ruby -----------------------------------------------------------------------------------

var (
	reGem     = regexp.MustCompile(`^\s*(?:gem|spec\.add_(?:runtime_|development_)?dependency|s\.add_(?:runtime_|development_)?dependency|add_dependency)\s*\(?\s*["']([^"']+)["'](?:\s*,\s*["']([^"']+)["'])?`)
	reGemLock = regexp.MustCompile(`^ {4}([A-Za-z0-9_.-]+) \(([^)]+)\)$`)
)

// parseGemfile reads Gemfiles and gemspecs, which are Ruby programs: the gem declarations.
func parseGemfile(sigs *Signatures, rel string, data []byte) ([]Finding, []Warning) {
	var out []Finding
	for _, sp := range sigs.prefilter.lines(data) {
		if m := reGem.FindStringSubmatch(string(data[sp.start:sp.end])); m != nil {
			if f, ok := dependency(sigs, "rubygems", rel, data, m[1], m[2], sp.line); ok {
				out = append(out, f)
			}
		}
	}
	return out, nil
}

func parseGemfileLock(sigs *Signatures, rel string, data []byte) ([]Finding, []Warning) {
	var out []Finding
	for _, sp := range sigs.prefilter.lines(data) {
		if m := reGemLock.FindStringSubmatch(strings.TrimRight(string(data[sp.start:sp.end]), "\r")); m != nil {
			if f, ok := dependency(sigs, "rubygems", rel, data, m[1], m[2], sp.line); ok {
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// --- PHP ------------------------------------------------------------------------------------

func parseComposerLock(sigs *Signatures, rel string, data []byte) ([]Finding, []Warning) {
	var doc struct {
		Packages    []struct{ Name, Version string } `json:"packages"`
		PackagesDev []struct{ Name, Version string } `json:"packages-dev"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, []Warning{jsonWarning(rel, data, err)}
	}
	var out []Finding
	for _, p := range append(doc.Packages, doc.PackagesDev...) {
		if f, ok := dependency(sigs, "packagist", rel, data, p.Name, p.Version, 0); ok {
			out = append(out, f)
		}
	}
	return out, nil
}

// --- .NET -----------------------------------------------------------------------------------

// parseNuGetXML reads PackageReference and PackageVersion items of MSBuild project files and
// the package elements of packages.config.
func parseNuGetXML(sigs *Signatures, rel string, data []byte) ([]Finding, []Warning) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	var out []Finding
	for {
		line, _ := dec.InputPos()
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return out, []Warning{xmlWarning(rel, err, line)}
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		var id, version string
		switch se.Name.Local {
		case "PackageReference", "PackageVersion":
			id, version = attr(se, "Include"), attr(se, "Version")
		case "package":
			id, version = attr(se, "id"), attr(se, "version")
		default:
			continue
		}
		if id == "" {
			continue
		}
		if f, ok := dependency(sigs, "nuget", rel, data, id, version, line); ok {
			out = append(out, f)
		}
	}
	return out, nil
}

func attr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if strings.EqualFold(a.Name.Local, name) {
			return a.Value
		}
	}
	return ""
}

// --- shared ---------------------------------------------------------------------------------

func sortedKeysAny(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedKeysRaw(m map[string]json.RawMessage) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedMapValues[V any](m map[string]V) []V {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]V, 0, len(m))
	for _, k := range keys {
		out = append(out, m[k])
	}
	return out
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(data []byte, offset int64) (int, int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	if offset < 0 {
		offset = 0
	}
	before := data[:offset]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := int(offset) - (bytes.LastIndexByte(before, '\n') + 1)
	return line, col
}

// jsonErrorDetail makes a JSON error name its line and column.
func jsonErrorDetail(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		// The offset is just past the offending byte; the column names that byte.
		l, c := lineCol(data, se.Offset-1)
		return &PositionError{Line: l, Column: c + 1, Err: err}
	case errors.As(err, &te):
		l, c := lineCol(data, te.Offset)
		return &PositionError{Line: l, Column: c + 1, Err: err}
	}
	return err
}

// PositionError is a parse error at a line and column of the input.
type PositionError struct {
	Line, Column int
	Err          error
}

func (e *PositionError) Error() string {
	return fmt.Sprintf("line %d, column %d: %v", e.Line, e.Column, e.Err)
}

func (e *PositionError) Unwrap() error { return e.Err }

func jsonWarning(rel string, data []byte, err error) Warning {
	err = jsonErrorDetail(data, err)
	var pe *PositionError
	if errors.As(err, &pe) {
		return Warning{Path: rel, Line: pe.Line, Column: pe.Column, Message: "invalid JSON: " + pe.Err.Error()}
	}
	return Warning{Path: rel, Message: "invalid JSON: " + err.Error()}
}

func tomlWarning(rel string, err error) Warning {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return Warning{Path: rel, Line: pe.Position.Line, Column: pe.Position.Col, Message: "invalid TOML: " + pe.Message}
	}
	return Warning{Path: rel, Message: "invalid TOML: " + err.Error()}
}

func xmlWarning(rel string, err error, line int) Warning {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return Warning{Path: rel, Line: se.Line, Message: "invalid XML: " + se.Msg}
	}
	return Warning{Path: rel, Line: line, Message: "invalid XML: " + err.Error()}
}
