package web

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/annexa-dev/annexa/internal/api"
	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/store"
)

// maxFormBytes bounds a form post; the largest form holds two scope statements.
const maxFormBytes = 256 << 10

func limitForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fault.New(fault.TooLarge, "the form is larger than %d KiB", maxFormBytes>>10)
		}
		return fault.New(fault.Invalid, "the form could not be read")
	}
	return nil
}

type setupData struct{ Token, Organisation, Name, Email string }

func (s *Server) setupOpen(token string) bool {
	want := ""
	if s.opts.SetupToken != nil {
		want = s.opts.SetupToken()
	}
	return want != "" && subtle.ConstantTimeCompare([]byte(token), []byte(want)) == 1
}

func (s *Server) setupForm(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if !s.setupOpen(token) {
		s.fail(w, r, fault.New(fault.NotFound, "this setup link is not valid: setup may already be complete. Sign in instead, or use the link that annexa serve printed"))
		return
	}
	s.render(w, r, http.StatusOK, "setup", page{Title: "Set up Annexa", CSRF: s.anonCSRF(w, r), Data: setupData{Token: token, Organisation: "Default"}})
}

func (s *Server) setupSubmit(w http.ResponseWriter, r *http.Request) {
	if err := limitForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := checkAnonCSRF(r); err != nil {
		s.fail(w, r, err)
		return
	}
	d := setupData{Token: r.PostFormValue("token"), Organisation: r.PostFormValue("organisation"), Name: r.PostFormValue("name"), Email: r.PostFormValue("email")}
	if !s.setupOpen(d.Token) {
		s.fail(w, r, fault.New(fault.NotFound, "this setup link is not valid: setup may already be complete"))
		return
	}
	o, m, err := s.db.Bootstrap(r.Context(), d.Organisation, auth.NewUser{Email: d.Email, Name: d.Name, Password: r.PostFormValue("password")}, auditlog.System("setup"))
	if err != nil {
		if fault.Is(err, fault.Invalid) {
			fields, msg := fieldErrors(err)
			s.render(w, r, http.StatusUnprocessableEntity, "setup", page{Title: "Set up Annexa", CSRF: s.anonCSRF(w, r), Error: msg, Fields: fields, Data: d})
			return
		}
		s.fail(w, r, err)
		return
	}
	if s.opts.SetupDone != nil {
		s.opts.SetupDone()
	}
	s.log.Info("setup complete", "organisation", o.Name, "admin", m.Email)
	if err := s.startSession(w, r, m.ID, o.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, r, fmt.Sprintf("Welcome. %s is ready; start with its scopes and AI roles.", o.Name))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) startSession(w http.ResponseWriter, r *http.Request, userID, orgID string) error {
	secret, _, err := s.db.CreateSession(r.Context(), userID, orgID)
	if err != nil {
		return err
	}
	s.setCookie(w, r, api.SessionCookie, secret, auth.SessionLifetime)
	return nil
}

type loginData struct{ Email, Next string }

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	if n, err := s.db.UserCount(r.Context()); err == nil && n == 0 && s.opts.SetupToken != nil && s.opts.SetupToken() != "" {
		s.render(w, r, http.StatusOK, "error", page{Title: "Annexa is not set up yet",
			Error: "No one can sign in yet. Open the one-time setup link that annexa serve printed when it started, or run: annexa user add --email you@example.org --role admin --password-stdin"})
		return
	}
	s.render(w, r, http.StatusOK, "login", page{Title: "Sign in", CSRF: s.anonCSRF(w, r), Data: loginData{Next: safeNext(r.URL.Query().Get("next"))}})
}

// errSignIn is the one answer for a wrong address, a wrong password or a disabled account, so
// the page does not reveal which accounts exist.
var errSignIn = errors.New("the e-mail address or password is not right")

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	if err := limitForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := checkAnonCSRF(r); err != nil {
		s.fail(w, r, err)
		return
	}
	d := loginData{Email: auth.NormaliseEmail(r.PostFormValue("email")), Next: safeNext(r.PostFormValue("next"))}
	password := r.PostFormValue("password")
	ctx := r.Context()
	again := func(status int, msg string) {
		s.render(w, r, status, "login", page{Title: "Sign in", CSRF: s.anonCSRF(w, r), Error: msg, Data: d})
	}
	accountKey, addressKey := "account:"+d.Email, "address:"+clientAddress(r)
	for _, k := range []struct {
		key string
		max int
	}{{accountKey, store.MaxAccountFailures}, {addressKey, store.MaxAddressFailures}} {
		until, err := s.db.LoginBlockedUntil(ctx, k.key, k.max)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if !until.IsZero() {
			w.Header().Set("Retry-After", fmt.Sprint(int(time.Until(until).Seconds())+1))
			again(http.StatusTooManyRequests, fmt.Sprintf("Too many failed sign-ins. Try again after %s UTC.", until.Format("15:04")))
			return
		}
	}
	userID, orgID, err := s.checkCredentials(r, d.Email, password)
	if err != nil {
		if !errors.Is(err, errSignIn) {
			s.fail(w, r, err)
			return
		}
		for _, k := range []string{accountKey, addressKey} {
			if err := s.db.RecordLoginFailure(ctx, k); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		s.log.Info("sign-in failed", "address", clientAddress(r))
		again(http.StatusUnauthorized, "The e-mail address or password is not right.")
		return
	}
	_ = s.db.ClearLoginFailures(ctx, accountKey)
	if err := s.startSession(w, r, userID, orgID); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

// checkCredentials returns the person and the organisation to sign in to: their first active
// membership by organisation name.
func (s *Server) checkCredentials(r *http.Request, email, password string) (string, string, error) {
	u, err := s.db.UserByEmail(r.Context(), email)
	if fault.Is(err, fault.NotFound) || (err == nil && u.PasswordHash == "") {
		auth.BurnPasswordCheck(password)
		return "", "", errSignIn
	}
	if err != nil {
		return "", "", err
	}
	ok, err := auth.CheckPassword(u.PasswordHash, password)
	if err != nil || !ok || u.Disabled() {
		return "", "", errSignIn
	}
	ms, err := s.db.Memberships(r.Context(), u.ID)
	if err != nil {
		return "", "", err
	}
	for _, m := range ms {
		if m.DisabledAt == nil {
			return u.ID, m.OrgID, nil
		}
	}
	return "", "", errSignIn
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, _ auth.Principal) {
	if c, err := r.Cookie(api.SessionCookie); err == nil {
		if err := s.db.DeleteSession(r.Context(), c.Value); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.setCookie(w, r, api.SessionCookie, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// switchOrganisation moves the browser to another organisation the person belongs to, with a
// fresh session, so no state of the first carries over.
func (s *Server) switchOrganisation(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	target := r.PostFormValue("org_id")
	m, err := s.db.Member(r.Context(), target, p.UserID)
	if err != nil || m.DisabledAt != nil {
		s.fail(w, r, fault.NotFoundf("organisation", target))
		return
	}
	if c, err := r.Cookie(api.SessionCookie); err == nil {
		_ = s.db.DeleteSession(r.Context(), c.Value)
	}
	if err := s.startSession(w, r, p.UserID, target); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
