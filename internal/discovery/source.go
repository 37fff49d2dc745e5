package discovery

import (
	"bytes"
	"errors"
	"go/parser"
	goscanner "go/scanner"
	"go/token"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// analyzeFile examines one text file that passed the prefilter. Manifests are parsed as
// manifests; source files give imports; every non-manifest file gives AI service hosts,
// client identifiers and AI credential variable names on the lines that hold an AI name.
func analyzeFile(sigs *Signatures, rel string, data []byte) ([]Finding, []Warning) {
	base := path.Base(rel)
	if p := manifestParser(rel); p != nil {
		return p(sigs, rel, data)
	}
	ext := strings.ToLower(path.Ext(base))
	if ext == ".ipynb" {
		return parseNotebook(sigs, rel, data)
	}
	lang := languageOf(ext)
	var out []Finding
	var warns []Warning
	if lang == "go" {
		fs, ws := goImports(sigs, rel, data)
		out, warns = append(out, fs...), append(warns, ws...)
	}
	for _, sp := range sigs.prefilter.lines(data) {
		line := string(data[sp.start:sp.end])
		if lang != "" && lang != "go" {
			out = append(out, lineImports(sigs, lang, rel, sp.line, line)...)
		}
		out = append(out, lineSignals(sigs, rel, sp.line, line)...)
	}
	return out, warns
}

func languageOf(ext string) string {
	switch ext {
	case ".py", ".pyi", ".pyw":
		return "python"
	case ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".mts", ".cts", ".vue", ".svelte":
		return "javascript"
	case ".go":
		return "go"
	case ".java", ".kt", ".scala", ".groovy":
		return "java"
	case ".rs":
		return "rust"
	case ".rb", ".rake":
		return "ruby"
	case ".php":
		return "php"
	case ".cs":
		return "csharp"
	}
	return ""
}

var (
	rePyFrom     = regexp.MustCompile(`^\s*from\s+([A-Za-z_][\w.]*)\s+import\b`)
	rePyImport   = regexp.MustCompile(`^\s*import\s+([A-Za-z_][\w.]*(?:\s+as\s+\w+)?(?:\s*,\s*[A-Za-z_][\w.]*(?:\s+as\s+\w+)?)*)\s*(?:#.*)?$`)
	reJSFrom     = regexp.MustCompile(`(?:^|[\s;}])(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]`)
	reJSBare     = regexp.MustCompile(`^\s*import\s*['"]([^'"]+)['"]`)
	reJSRequire  = regexp.MustCompile(`\b(?:require|import)\s*\(\s*['"]([^'"]+)['"]\s*\)`)
	reJavaImport = regexp.MustCompile(`^\s*import\s+(?:static\s+)?([A-Za-z_][\w.]*)`)
	reRustUse    = regexp.MustCompile(`^\s*(?:pub(?:\([^)]*\))?\s+)?(?:use\s+(?:::)?|extern\s+crate\s+)([A-Za-z_]\w*)`)
	reRubyReq    = regexp.MustCompile(`^\s*require\s*\(?\s*['"]([^'"]+)['"]`)
	rePHPUse     = regexp.MustCompile(`^\s*use\s+\\?([A-Za-z_][\w\\]*)`)
	reCSUsing    = regexp.MustCompile(`^\s*(?:global\s+)?using\s+(?:static\s+)?(?:\w+\s*=\s*)?([A-Za-z_][\w.]*)\s*;`)
)

// lineImports finds the imports of one source line. Only import statements count: a library's
// name in a comment, a string or an identifier ("transformers" in a docstring, Django's
// models.Model) is no evidence that the library is used.
func lineImports(sigs *Signatures, lang, rel string, lineNo int, line string) []Finding {
	var mods []string
	switch lang {
	case "python":
		if m := rePyFrom.FindStringSubmatch(line); m != nil {
			mods = append(mods, m[1])
		} else if m := rePyImport.FindStringSubmatch(line); m != nil {
			for _, part := range strings.Split(m[1], ",") {
				mod, _, _ := strings.Cut(strings.TrimSpace(part), " ")
				mods = append(mods, mod)
			}
		}
	case "javascript":
		if isLineComment(line, "//") {
			return nil
		}
		for _, re := range []*regexp.Regexp{reJSFrom, reJSBare, reJSRequire} {
			for _, m := range re.FindAllStringSubmatch(line, -1) {
				mods = append(mods, m[1])
			}
		}
	case "java":
		if m := reJavaImport.FindStringSubmatch(line); m != nil {
			mods = append(mods, m[1])
		}
	case "rust":
		if m := reRustUse.FindStringSubmatch(line); m != nil {
			mods = append(mods, m[1])
		}
	case "ruby":
		if m := reRubyReq.FindStringSubmatch(line); m != nil {
			mods = append(mods, m[1])
		}
	case "php":
		if m := rePHPUse.FindStringSubmatch(line); m != nil {
			mods = append(mods, m[1])
		}
	case "csharp":
		if m := reCSUsing.FindStringSubmatch(line); m != nil {
			mods = append(mods, m[1])
		}
	}
	var out []Finding
	for _, mod := range mods {
		if tech, ok := importTechnology(sigs, lang, mod); ok {
			out = append(out, Finding{Path: rel, Line: lineNo, Kind: KindImport, Technology: tech,
				Evidence: clip(strings.TrimSpace(line)), Confidence: ConfidenceHigh})
		}
	}
	return out
}

func isLineComment(line, marker string) bool {
	t := strings.TrimSpace(line)
	return strings.HasPrefix(t, marker) || strings.HasPrefix(t, "*") || strings.HasPrefix(t, "/*")
}

func importTechnology(sigs *Signatures, lang, mod string) (string, bool) {
	switch lang {
	case "python":
		return longestPathPrefix(sigs.imports["python"], mod, ".")
	case "javascript":
		if strings.HasPrefix(mod, ".") || strings.HasPrefix(mod, "/") {
			return "", false
		}
		mod = strings.TrimPrefix(mod, "npm:")
		parts := strings.SplitN(mod, "/", 3)
		name := parts[0]
		if strings.HasPrefix(name, "@") && len(parts) > 1 {
			name += "/" + parts[1]
		}
		return sigs.packageTechnology("npm", name)
	case "java":
		return longestPathPrefix(sigs.imports["java"], mod, ".")
	case "rust":
		t, ok := sigs.imports["rust"][mod]
		return t, ok
	case "ruby":
		if t, ok := sigs.imports["ruby"][mod]; ok {
			return t, true
		}
		first, _, _ := strings.Cut(mod, "/")
		t, ok := sigs.imports["ruby"][first]
		return t, ok
	case "php":
		return longestPathPrefix(sigs.imports["php"], mod, `\`)
	case "csharp":
		return longestPathPrefix(sigs.imports["csharp"], mod, ".")
	}
	return "", false
}

// goImports parses a Go file's import block with the standard Go parser.
func goImports(sigs *Signatures, rel string, data []byte) ([]Finding, []Warning) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, rel, data, parser.ImportsOnly)
	if f == nil {
		return nil, []Warning{{Path: rel, Message: "Go file not parsed: " + firstLine(err.Error())}}
	}
	var out []Finding
	for _, imp := range f.Imports {
		p, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			continue
		}
		if tech, ok := sigs.packageTechnology("go", p); ok {
			out = append(out, Finding{Path: rel, Line: fset.Position(imp.Pos()).Line, Kind: KindImport,
				Technology: tech, Evidence: "import " + strconv.Quote(p), Confidence: ConfidenceHigh})
		}
	}
	var warns []Warning
	if err != nil {
		line := 0
		var el goscanner.ErrorList
		if errors.As(err, &el) && len(el) > 0 {
			line = el[0].Pos.Line
		}
		warns = append(warns, Warning{Path: rel, Line: line, Message: "Go imports partly parsed: " + firstLine(err.Error())})
	}
	return out, warns
}

var (
	reHost  = regexp.MustCompile(`(?i)\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}\b`)
	reUpper = regexp.MustCompile(`\b[A-Z][A-Z0-9_]{2,}\b`)
)

// lineSignals finds AI service hosts, client identifiers and credential variable names on
// one line. The evidence names the host or variable only, never the line: a .env line holds
// the secret itself.
func lineSignals(sigs *Signatures, rel string, lineNo int, line string) []Finding {
	var out []Finding
	for _, h := range reHost.FindAllString(line, -1) {
		if tech, ok := sigs.hostTechnology(h); ok {
			out = append(out, Finding{Path: rel, Line: lineNo, Kind: KindAPIHost, Technology: tech,
				Evidence: strings.ToLower(h), Confidence: ConfidenceMedium})
		}
	}
	for _, v := range reUpper.FindAllString(line, -1) {
		if tech, ok := sigs.envTechnology(v); ok {
			out = append(out, Finding{Path: rel, Line: lineNo, Kind: KindEnvVar, Technology: tech,
				Evidence: v, Confidence: ConfidenceMedium})
		}
	}
	for _, l := range sigs.CodeLiterals {
		if strings.Contains(line, `"`+l.Literal+`"`) || strings.Contains(line, `'`+l.Literal+`'`) {
			out = append(out, Finding{Path: rel, Line: lineNo, Kind: KindAPIHost, Technology: l.Technology,
				Evidence: strconv.Quote(l.Literal), Confidence: ConfidenceMedium})
		}
	}
	return out
}

func clip(s string) string {
	const max = 160
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max], "") + "…"
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// lineOf returns the 1-based line of the first occurrence of name in data as a whole token
// (not inside a longer name), or 0. Structured parsers give names without positions; this puts
// the finding on the line a reader looks at.
func lineOf(data []byte, name string) int {
	if name == "" {
		return 0
	}
	lname := bytes.ToLower([]byte(name))
	ldata := bytes.ToLower(data)
	for off := 0; off < len(ldata); {
		i := bytes.Index(ldata[off:], lname)
		if i < 0 {
			return 0
		}
		i += off
		j := i + len(lname)
		if (i == 0 || !isNameByte(ldata[i-1])) && (j >= len(ldata) || !isNameByte(ldata[j])) {
			return bytes.Count(data[:i], []byte{'\n'}) + 1
		}
		off = i + 1
	}
	return 0
}

func isNameByte(b byte) bool {
	return b == '-' || b == '_' || b == '/' || b == '@' ||
		('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z') || ('0' <= b && b <= '9')
}
