package web

import (
	"context"
	"crypto/subtle"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/api"
	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/middleware"
)

const (
	// anonCSRFCookie carries the double-submit token for forms shown before sign-in (sign-in
	// and setup), so a foreign site cannot sign a victim in to an attacker's account.
	anonCSRFCookie = "annexa_csrf"
	flashCookie    = "annexa_flash"
)

type ctxKey int

const (
	principalKey ctxKey = iota
	csrfKey
)

func principalFrom(r *http.Request) (auth.Principal, bool) {
	p, ok := r.Context().Value(principalKey).(auth.Principal)
	return p, ok
}

func csrfFrom(r *http.Request) string {
	s, _ := r.Context().Value(csrfKey).(string)
	return s
}

func actorOf(p auth.Principal) auditlog.Actor {
	return auditlog.Actor{Kind: auditlog.ByUser, UserID: p.UserID, Email: p.Email}
}

func (s *Server) secure(r *http.Request) bool { return s.opts.SecureCookies || middleware.IsHTTPS(r) }

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode}
	if maxAge < 0 {
		c.MaxAge = -1
	} else if maxAge > 0 {
		c.MaxAge = int(maxAge.Seconds())
	}
	http.SetCookie(w, c)
}

// signedIn wraps a page that needs a person: without a valid session, GET requests go to the
// sign-in page and come back afterwards; other methods are refused. State-changing requests
// must carry the session's CSRF token.
func (s *Server) signedIn(h func(w http.ResponseWriter, r *http.Request, p auth.Principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var p auth.Principal
		var sess auth.Session
		ck, err := r.Cookie(api.SessionCookie)
		if err == nil {
			p, sess, err = s.db.SessionPrincipal(r.Context(), ck.Value)
		}
		if err != nil {
			if !fault.Is(err, fault.Unauthorized) && err != http.ErrNoCookie {
				s.fail(w, r, err)
				return
			}
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.fail(w, r, fault.New(fault.Unauthorized, "your session has ended; sign in again"))
			return
		}
		ctx := context.WithValue(r.Context(), principalKey, p)
		ctx = context.WithValue(ctx, csrfKey, sess.CSRFToken)
		r = r.WithContext(ctx)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := limitForm(w, r); err != nil {
				s.fail(w, r, err)
				return
			}
			if !sameToken(r.PostFormValue("csrf_token"), sess.CSRFToken) && !sameToken(r.Header.Get(api.CSRFHeader), sess.CSRFToken) {
				s.fail(w, r, fault.New(fault.Forbidden, "the form has expired or did not come from Annexa; reload the page and try again"))
				return
			}
		}
		h(w, r, p)
	}
}

func sameToken(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// anonCSRF returns the browser's pre-sign-in CSRF token, issuing one if it has none.
func (s *Server) anonCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(anonCSRFCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	tok := auth.NewSecret()
	s.setCookie(w, r, anonCSRFCookie, tok, 0)
	return tok
}

// checkAnonCSRF verifies a pre-sign-in form: the field must match the cookie.
func checkAnonCSRF(r *http.Request) error {
	c, err := r.Cookie(anonCSRFCookie)
	if err != nil || !sameToken(r.PostFormValue("csrf_token"), c.Value) {
		return fault.New(fault.Forbidden, "the form has expired or did not come from Annexa; reload the page and try again")
	}
	return nil
}

// setFlash leaves a one-line message for the next page, after a redirect.
func (s *Server) setFlash(w http.ResponseWriter, r *http.Request, msg string) {
	s.setCookie(w, r, flashCookie, url.QueryEscape(msg), time.Minute)
}

func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	s.setCookie(w, r, flashCookie, "", -1)
	msg, _ := url.QueryUnescape(c.Value)
	return msg
}

// clientAddress is the address sign-in throttling counts against.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// safeNext keeps post-sign-in redirects on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}
