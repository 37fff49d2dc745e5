// Package api is Annexa's JSON REST API under /api/v1 and its OpenAPI 3.1 document. Routes are
// declared once, in a table: the same declaration registers the handler, checks permissions
// and produces the OpenAPI document, so the document cannot drift from the server.
package api

import (
	"crypto/subtle"
	"encoding/json"
	"log/slog"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/middleware"
	"github.com/annexa-dev/annexa/internal/store"
)

// SessionCookie is the name of the browser session cookie, shared with the web pages so a
// signed-in browser may call the API too.
const SessionCookie = "annexa_session"

// CSRFHeader carries a session's CSRF token when a browser calls the API with its cookie.
const CSRFHeader = "X-CSRF-Token"

// Server serves the API.
type Server struct {
	db       *store.DB
	log      *slog.Logger
	catalogs *catalog.Views
	routes   []Route
	mux      *http.ServeMux
	doc      []byte
	// evidenceMax is the largest evidence file accepted; evidence.DefaultMaxBytes when 0.
	evidenceMax int64
}

// Param documents a query or path parameter.
type Param struct {
	Name        string
	In          string // "query" or "path"
	Description string
	Type        string // "string", "integer", "boolean"; "string" when empty
	Format      string // e.g. "date-time"
}

// Route is one operation: its method and pattern, what it needs, what it takes and returns.
type Route struct {
	Method  string
	Pattern string
	Summary string
	Tag     string
	// Permission the caller's role must hold; empty means any signed-in caller.
	Permission auth.Permission
	// Public routes need no credentials.
	Public   bool
	Params   []Param
	Request  any // zero value of the body type, nil for none
	Response any // zero value of the success body type, nil for none
	Status   int // success status, 200 when zero
	// Conditional routes answer with an ETag and honour If-Match.
	Conditional bool
	Handle      func(c *Call) (any, error)

	// Upload is the media type of a file sent as the raw body (or as the "file" part of a
	// multipart form); with a Request as well, the route takes either and documents both.
	Upload string
	// Produces lists the media types of a success body that is a file: the handler returns a
	// *Download.
	Produces []string
}

// Download is a file answered as it is, not as JSON: an export or an evidence file.
type Download struct {
	Name        string
	ContentType string
	Data        []byte
	// ETag, when set, lets a client skip downloading unchanged content.
	ETag string
}

// Call is one request as a handler sees it.
type Call struct {
	W         http.ResponseWriter
	R         *http.Request
	Principal auth.Principal
	srv       *Server
}

// Actor is who the audit trail records for this call.
func (c *Call) Actor() auditlog.Actor {
	kind := auditlog.ByUser
	if c.Principal.TokenID != "" {
		kind = auditlog.ByToken
	}
	return auditlog.Actor{Kind: kind, UserID: c.Principal.UserID, Email: c.Principal.Email, TokenID: c.Principal.TokenID}
}

// Decode reads the JSON body strictly into dst.
func (c *Call) Decode(dst any) error { return decode(c.W, c.R, dst) }

// IfMatch returns the version named by an If-Match header, nil when the header is absent.
func (c *Call) IfMatch() (*int64, error) {
	h := strings.TrimSpace(c.R.Header.Get("If-Match"))
	if h == "" || h == "*" {
		return nil, nil
	}
	v, ok := parseETag(h)
	if !ok {
		return nil, &fault.Error{Code: fault.Invalid, Message: "the If-Match header is not an ETag this server issued",
			Fields: []fault.FieldError{{Field: "If-Match", Message: `must be an ETag such as "v3" from a previous read`}}}
	}
	return &v, nil
}

// Page reads limit and cursor.
func (c *Call) Page() (store.PageRequest, error) {
	q := c.R.URL.Query()
	var p store.PageRequest
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return p, &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields",
				Fields: []fault.FieldError{{Field: "limit", Message: "must be a whole number"}}}
		}
		p.Limit = n
	}
	p.Cursor = q.Get("cursor")
	return p, p.Validate()
}

// Versioned records carry a version for ETag and If-Match.
type Versioned interface{ RecordVersion() int64 }

func etag(v int64) string { return `"v` + strconv.FormatInt(v, 10) + `"` }

func parseETag(h string) (int64, bool) {
	h = strings.TrimPrefix(h, "W/")
	if len(h) < 4 || !strings.HasPrefix(h, `"v`) || !strings.HasSuffix(h, `"`) {
		return 0, false
	}
	v, err := strconv.ParseInt(h[2:len(h)-1], 10, 64)
	return v, err == nil
}

// New builds the API server over db; catalogs serves each organisation's frameworks.
func New(db *store.DB, log *slog.Logger, catalogs *catalog.Views) *Server {
	s := &Server{db: db, log: log, catalogs: catalogs, mux: http.NewServeMux()}
	s.routes = s.table()
	for _, rt := range s.routes {
		rt := rt
		s.mux.HandleFunc(rt.Method+" "+rt.Pattern, func(w http.ResponseWriter, r *http.Request) {
			middleware.SetRoute(r, rt.Method+" "+rt.Pattern)
			s.serve(w, r, rt)
		})
	}
	doc, err := json.MarshalIndent(s.OpenAPI(), "", "  ")
	if err != nil {
		panic("api: OpenAPI document: " + err.Error())
	}
	s.doc = doc
	s.mux.HandleFunc("GET /api/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		middleware.SetRoute(r, "GET /api/openapi.json")
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(s.doc)
	})
	s.mux.HandleFunc("GET /api/docs", func(w http.ResponseWriter, r *http.Request) {
		middleware.SetRoute(r, "GET /api/docs")
		s.reference(w, r)
	})
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		middleware.SetRoute(r, "/api/")
		writeProblem(w, r, s.log, fault.New(fault.NotFound, "no API operation %s %s; see /api/docs", r.Method, r.URL.Path))
	})
	return s
}

// Routes returns the operation table, for the OpenAPI document and tests.
func (s *Server) Routes() []Route { return s.routes }

// Handler serves /api/.
func (s *Server) Handler() http.Handler { return s.mux }

func (s *Server) serve(w http.ResponseWriter, r *http.Request, rt Route) {
	c := &Call{W: w, R: r, srv: s}
	if !rt.Public {
		p, err := s.authenticate(r)
		if err != nil {
			writeProblem(w, r, s.log, err)
			return
		}
		if rt.Permission != "" && !p.Can(rt.Permission) {
			writeProblem(w, r, s.log, fault.New(fault.Forbidden, "your role (%s) may not do this; it needs %s", p.Role, rt.Permission))
			return
		}
		c.Principal = p
	}
	out, err := rt.Handle(c)
	if err != nil {
		writeProblem(w, r, s.log, err)
		return
	}
	status := rt.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.Header().Set("Cache-Control", "no-store")
	if d, ok := out.(*Download); ok {
		writeDownload(w, r, status, d)
		return
	}
	if v, ok := out.(Versioned); ok && rt.Conditional {
		tag := etag(v.RecordVersion())
		w.Header().Set("ETag", tag)
		if r.Method == http.MethodGet && r.Header.Get("If-None-Match") == tag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	if out == nil || status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(out); err != nil {
		s.log.Warn("write response", "request_id", middleware.RequestID(r.Context()), "error", err)
	}
}

// authenticate resolves the caller: a bearer token, or the browser's session cookie. With the
// cookie, unsafe methods must also carry the session's CSRF token in a header, since a cookie
// alone is sent by any site's forms.
func (s *Server) authenticate(r *http.Request) (auth.Principal, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return auth.Principal{}, fault.New(fault.Unauthorized, "use an Authorization header of the form: Bearer <token>")
		}
		return s.db.TokenPrincipal(ctx, strings.TrimSpace(token))
	}
	ck, err := r.Cookie(SessionCookie)
	if err != nil {
		return auth.Principal{}, fault.New(fault.Unauthorized, "send an API token as Authorization: Bearer <token>")
	}
	p, sess, err := s.db.SessionPrincipal(ctx, ck.Value)
	if err != nil {
		return p, err
	}
	if !safeMethod(r.Method) && subtle.ConstantTimeCompare([]byte(r.Header.Get(CSRFHeader)), []byte(sess.CSRFToken)) != 1 {
		return auth.Principal{}, fault.New(fault.Forbidden, "a browser session must send its CSRF token in the %s header", CSRFHeader)
	}
	return p, nil
}

// writeDownload sends a file as an attachment under its own name, never to be rendered
// inline or sniffed into something else by the browser.
func writeDownload(w http.ResponseWriter, r *http.Request, status int, d *Download) {
	disp := mime.FormatMediaType("attachment", map[string]string{"filename": d.Name})
	if disp == "" {
		disp = "attachment"
	}
	w.Header().Set("Content-Disposition", disp)
	w.Header().Set("Content-Type", d.ContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Header().Set("Content-Length", strconv.Itoa(len(d.Data)))
	if d.ETag != "" {
		w.Header().Set("ETag", d.ETag)
		if r.Header.Get("If-None-Match") == d.ETag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(d.Data)
	}
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// typeName is how a Go type appears in the OpenAPI document.
func typeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}
