package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/annexa-dev/annexa/internal/app"
	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/org"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

var bg = context.Background()

// server is a running Annexa on a loopback port with a clean database.
type server struct {
	t    *testing.T
	main *app.Main
	url  string
	out  *bytes.Buffer
}

func start(t *testing.T, e storetest.Engine) *server {
	t.Helper()
	cfg := e.Config(t)
	out := &bytes.Buffer{}
	m := &app.Main{Config: app.Config{DataDir: cfg.DataDir, DatabaseURL: cfg.URL, Addr: "127.0.0.1:0",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Out: out, ShutdownTimeout: 5 * time.Second,
		EvidenceMaxBytes: 1 << 20}} // small, so the size limit can be tested cheaply
	if err := m.Open(bg); err != nil {
		t.Fatalf("open: %v", err)
	}
	ctx, cancel := context.WithCancel(bg)
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		m.Close()
	})
	return &server{t: t, main: m, url: m.URL(), out: out}
}

// tenant is an organisation with an admin and a token for each role.
type tenant struct {
	org    org.Organisation
	admin  auth.Member
	tokens map[auth.Role]string
	users  map[auth.Role]auth.Member
}

var sys = auditlog.System("test")

func (s *server) bootstrap(name string) tenant {
	s.t.Helper()
	db := s.main.DB
	var o org.Organisation
	var admin auth.Member
	var err error
	if n, _ := db.UserCount(bg); n == 0 {
		o, admin, err = db.Bootstrap(bg, name, auth.NewUser{Email: "admin@" + strings.ToLower(name) + ".test", Name: "Admin", Password: "a long enough password"}, sys)
	} else {
		o, err = db.CreateOrganisation(bg, name, sys)
		if err == nil {
			admin, err = db.AddMember(bg, o.ID, auth.NewUser{Email: "admin@" + strings.ToLower(name) + ".test", Role: auth.Admin, Password: "a long enough password"}, sys)
		}
	}
	if err != nil {
		s.t.Fatalf("bootstrap %s: %v", name, err)
	}
	tn := tenant{org: o, admin: admin, tokens: map[auth.Role]string{}, users: map[auth.Role]auth.Member{auth.Admin: admin}}
	for _, r := range auth.Roles {
		m := admin
		if r != auth.Admin {
			m, err = db.AddMember(bg, o.ID, auth.NewUser{Email: string(r) + "@" + strings.ToLower(name) + ".test", Role: r, Password: "a long enough password"}, sys)
			if err != nil {
				s.t.Fatal(err)
			}
			tn.users[r] = m
		}
		secret, _, err := db.CreateToken(bg, o.ID, m.ID, auth.NewTokenRequest{Name: "test " + string(r)}, sys)
		if err != nil {
			s.t.Fatal(err)
		}
		tn.tokens[r] = secret
	}
	return tn
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// problem decodes an RFC 9457 problem document.
type problem struct {
	Type   string `json:"type"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

func (r response) problem(t *testing.T) problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, body %s", ct, r.body)
	}
	var p problem
	r.json(t, &p)
	if p.Status != r.status {
		t.Fatalf("problem status %d on a %d response", p.Status, r.status)
	}
	return p
}

func (p problem) names(field string) bool {
	for _, e := range p.Errors {
		if e.Field == field {
			return true
		}
	}
	return false
}

// do sends a request with an optional bearer token and extra headers.
func (s *server) do(method, path, token string, body any, headers ...string) response {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// browser is an HTTP client with cookies that does not follow redirects, to see them.
func browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
