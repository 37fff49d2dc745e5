// Package web serves Annexa's HTML pages: server-rendered with html/template, progressively
// enhanced with vendored htmx, every asset embedded. Pages work without JavaScript.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/middleware"
	"github.com/annexa-dev/annexa/internal/risk"
	"github.com/annexa-dev/annexa/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configure the pages.
type Options struct {
	// SetupToken opens the first-run setup page; empty once setup is done or not wanted.
	SetupToken func() string
	// SetupDone is called after the first admin is created, to close the setup link.
	SetupDone func()
	// SecureCookies forces the Secure attribute; otherwise cookies are Secure whenever the
	// request arrived over HTTPS (directly or through a proxy that says so).
	SecureCookies bool
	// Catalogs serves each organisation's frameworks to the catalog browser.
	Catalogs *catalog.Views
	// EvidenceMaxBytes is the largest evidence file accepted; evidence.DefaultMaxBytes when 0.
	EvidenceMaxBytes int64
}

// Server serves the HTML pages.
type Server struct {
	db     *store.DB
	log    *slog.Logger
	opts   Options
	pages  map[string]*template.Template
	assets map[string]asset // by logical name
	byPath map[string]asset // by hashed file name
	mux    *http.ServeMux
	once   sync.Once
}

type asset struct {
	name, hashed, contentType string
	body                      []byte
}

// New parses every template and fingerprints every static file; a broken template fails here,
// at start-up, not on the first request that needs it.
func New(db *store.DB, log *slog.Logger, opts Options) (*Server, error) {
	s := &Server{db: db, log: log, opts: opts, pages: map[string]*template.Template{}, assets: map[string]asset{}, byPath: map[string]asset{}, mux: http.NewServeMux()}
	if err := s.loadAssets(); err != nil {
		return nil, err
	}
	if err := s.parseTemplates(); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

func (s *Server) loadAssets() error {
	return fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".md") {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(body)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:6]) + ext
		ct := map[string]string{".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}[ext]
		a := asset{name: name, hashed: hashed, contentType: ct, body: body}
		s.assets[name] = a
		s.byPath[hashed] = a
		return nil
	})
}

func (s *Server) parseTemplates() error {
	funcs := template.FuncMap{
		"asset": func(name string) (string, error) {
			a, ok := s.assets[name]
			if !ok {
				return "", fmt.Errorf("no static file %q", name)
			}
			return "/static/" + a.hashed, nil
		},
		"roleLabel": func(r auth.Role) string { return r.Label() },
		"when":      when,
		"short": func(s string) string {
			if len(s) > 12 {
				return s[:12] + "…"
			}
			return s
		},
		"field": func(name, label, typ string, value any, fields map[string]string, autocomplete string) inputField {
			return inputField{Name: name, Label: label, Type: typ, Value: fmt.Sprint(value), Error: fields[name], Autocomplete: autocomplete}
		},
		// dict passes several values to a shared template: (dict "Form" $f "Fields" .Fields).
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, fmt.Errorf("dict takes key and value pairs")
			}
			m := map[string]any{}
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict keys are strings")
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		"diff":      diffJSON,
		"tierLabel": tierLabel,
		"deref":     func(b *bool) bool { return b != nil && *b },
		"pct":       func(f float64) float64 { return f * 100 },
		"enumField": func(name, legend string, options []choice, fields map[string]string) enumField {
			f := enumField{Name: name, Legend: legend, Options: options, Error: fields[name]}
			for _, o := range options {
				f.Any = f.Any || o.Checked
			}
			return f
		},
		"reqList": func(items []inventory.Requirement, because []inventory.Rule) reqList {
			l := reqList{Items: items, Labels: map[string]string{}}
			for _, r := range because {
				l.Labels[r.ID] = r.Label
			}
			return l
		},
		"triField":  func(name, legend, value string) triField { return triField{name, legend, value} },
		"actRole":   actRoleLabel,
		"words":     func(v any) string { return humanise(fmt.Sprint(v)) },
		"inc":       func(i int) int { return i + 1 },
		"add":       func(a, b int) int { return a + b },
		"has":       hasValue,
		"hasPrefix": strings.HasPrefix,
		"scaleSelect": func(name string, pts []risk.ScalePoint, value int, optional bool) scaleSelect {
			return scaleSelect{name, pts, value, optional}
		},
		"yesno": func(b *bool) string {
			switch {
			case b == nil:
				return "unknown"
			case *b:
				return "yes"
			}
			return "no"
		},
	}
	// Partials (templates/partial_*.html) join the base so any page can include them.
	base, err := template.New("base").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/input.html", "templates/partial_*.html")
	if err != nil {
		return fmt.Errorf("parse layout: %w", err)
	}
	entries, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := strings.TrimSuffix(path.Base(e), ".html")
		if name == "layout" || name == "input" || strings.HasPrefix(name, "partial_") {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, e)
		if err != nil {
			return fmt.Errorf("parse template %s: %w", name, err)
		}
		s.pages[name] = t
	}
	return nil
}

type enumField struct {
	Name, Legend, Error string
	Options             []choice
	Any                 bool
}

type triField struct{ Name, Legend, Value string }

type reqList struct {
	Items  []inventory.Requirement
	Labels map[string]string
}

type inputField struct {
	Name, Label, Type, Value, Error, Autocomplete string
}

func when(v any) string {
	switch t := v.(type) {
	case time.Time:
		return t.UTC().Format("2006-01-02 15:04")
	case *time.Time:
		if t == nil {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04")
	}
	return fmt.Sprint(v)
}

type fieldChange struct{ Field, Before, After string }

// diffJSON lists the top-level fields that differ between two audit snapshots.
func diffJSON(before, after json.RawMessage) []fieldChange {
	var b, a map[string]any
	_ = json.Unmarshal(before, &b)
	_ = json.Unmarshal(after, &a)
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	var out []fieldChange
	for k := range keys {
		bv, av := render(b[k]), render(a[k])
		if bv != av && k != "version" && k != "updated_at" {
			out = append(out, fieldChange{Field: k, Before: bv, After: av})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

func render(v any) string {
	if v == nil {
		return "—"
	}
	if s, ok := v.(string); ok {
		if s == "" {
			return "—"
		}
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Handler serves every page and static file.
func (s *Server) Handler() http.Handler {
	// Refuse cross-origin form posts by the browser's own Fetch metadata before any handler
	// runs; the per-form tokens below are the second line.
	cop := http.NewCrossOriginProtection()
	return cop.Handler(s.mux)
}

// permissions the templates branch on.
type perms struct {
	EditOrganisation, ManageUsers, ReadAuditLog, ManageTokens, ManageInventory bool
}

// page is what every template receives.
type page struct {
	Title     string
	Nav       string
	Principal *auth.Principal
	CSRF      string
	Can       perms
	Flash     string
	Error     string
	Fields    map[string]string
	Data      any
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t, ok := s.pages[name]
	if !ok {
		panic("web: no template " + name)
	}
	if p.Fields == nil {
		p.Fields = map[string]string{}
	}
	if p.Principal != nil {
		p.Can = perms{
			EditOrganisation: p.Principal.Can(auth.EditOrganisation),
			ManageUsers:      p.Principal.Can(auth.ManageUsers),
			ReadAuditLog:     p.Principal.Can(auth.ReadAuditLog),
			ManageTokens:     p.Principal.Can(auth.ManageTokens),
			ManageInventory:  p.Principal.Can(auth.ManageInventory),
		}
	}
	if p.Flash == "" {
		p.Flash = s.takeFlash(w, r)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.log.Error("render page", "page", name, "request_id", middleware.RequestID(r.Context()), "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail shows an error: field errors go back into the form, others become an error page.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := fault.CodeOf(err)
	status := fault.CodeStatus(err)
	if code == fault.Internal {
		s.log.Error("page failed", "request_id", middleware.RequestID(r.Context()), "error", err)
	}
	p := page{Title: http.StatusText(status), Error: fault.Message(err)}
	if pr, ok := principalFrom(r); ok {
		p.Principal = &pr
		p.CSRF = csrfFrom(r)
	}
	s.render(w, r, status, "error", p)
}

// fieldErrors turns a validation error into the form's per-field messages and a summary.
func fieldErrors(err error) (map[string]string, string) {
	fields := map[string]string{}
	for _, f := range fault.Fields(err) {
		if _, seen := fields[f.Field]; !seen {
			fields[f.Field] = "This " + strings.ReplaceAll(f.Field, "_", " ") + " " + f.Message + "."
		}
	}
	return fields, fault.Message(err)
}

func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if a, ok := s.byPath[name]; ok {
		// Fingerprinted names never change content, so they may be cached for good.
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		w.Header().Set("Content-Type", a.contentType)
		_, _ = w.Write(a.body)
		return
	}
	if a, ok := s.assets[name]; ok {
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("Content-Type", a.contentType)
		_, _ = w.Write(a.body)
		return
	}
	http.NotFound(w, r)
}
