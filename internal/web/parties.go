package web

import (
	"net/http"
	"net/url"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/org"
)

// The interested parties register (clause 4.2 of both standards).

type partyForm struct {
	Name, Kind, Needs, Addressed, How string
	Standards                         []string
	Version                           int64
}

type partiesData struct {
	Parties   []org.Party
	Form      partyForm
	Kinds     []choice
	Standards []choice
	StdNames  map[string]string
	CanManage bool
}

type partyData struct {
	Party     org.Party
	Form      partyForm
	Kinds     []choice
	Standards []choice
	StdNames  map[string]string
	CanManage bool
}

func partyFormOf(v url.Values) partyForm {
	return partyForm{Name: v.Get("name"), Kind: v.Get("kind"), Needs: v.Get("needs"), Addressed: v.Get("addressed"), How: v.Get("how"),
		Standards: append([]string{}, v["standards"]...)}
}

func partyFormFrom(p org.Party) partyForm {
	f := partyForm{Name: p.Name, Kind: string(p.Kind), Needs: p.Needs, How: p.How, Standards: p.Standards, Version: p.Version}
	if p.Addressed != nil {
		f.Addressed = map[bool]string{true: "yes", false: "no"}[*p.Addressed]
	}
	return f
}

// input reads the form as a full statement of the party: an empty decision takes it back.
func (f partyForm) input() org.PartyInput {
	kind := org.PartyKind(f.Kind)
	in := org.PartyInput{Name: &f.Name, Kind: &kind, Standards: &f.Standards, Needs: &f.Needs, How: &f.How}
	switch f.Addressed {
	case "yes", "no":
		b := f.Addressed == "yes"
		in.Addressed = &b
	default:
		in.Undecided = true
	}
	return in
}

func (s *Server) partyChoices(f partyForm) ([]choice, []choice) {
	kinds := choices(org.PartyKinds, humanise, func(k org.PartyKind) bool { return string(k) == f.Kind })
	return kinds, s.standardChoices(f.Standards)
}

func (s *Server) partiesPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ReadRecords) {
		return
	}
	s.renderParties(w, r, p, http.StatusOK, partyForm{}, nil)
}

func (s *Server) renderParties(w http.ResponseWriter, r *http.Request, p auth.Principal, status int, form partyForm, ferr error) {
	ps, err := s.db.Parties(r.Context(), p.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := partiesData{Parties: ps, Form: form, StdNames: s.standardNames(), CanManage: p.Can(auth.EditOrganisation)}
	d.Kinds, d.Standards = s.partyChoices(form)
	pg := page{Title: "Interested parties", Nav: "organisation", Principal: &p, CSRF: csrfFrom(r), Data: d}
	if ferr != nil {
		pg.Fields, pg.Error = programmeErrors(ferr)
	}
	s.render(w, r, status, "parties", pg)
}

func (s *Server) partyCreate(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.EditOrganisation) {
		return
	}
	form := partyFormOf(r.PostForm)
	if _, err := s.db.CreateParty(r.Context(), p.OrgID, form.input(), actorOf(p)); err != nil {
		if !refused(err) {
			s.fail(w, r, err)
			return
		}
		s.renderParties(w, r, p, fault.CodeStatus(err), form, err)
		return
	}
	s.setFlash(w, r, form.Name+" recorded as an interested party.")
	http.Redirect(w, r, "/interested-parties", http.StatusSeeOther)
}

func (s *Server) partyPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ReadRecords) {
		return
	}
	s.renderParty(w, r, p, http.StatusOK, nil, nil)
}

func (s *Server) renderParty(w http.ResponseWriter, r *http.Request, p auth.Principal, status int, form *partyForm, ferr error) {
	party, err := s.db.Party(r.Context(), p.OrgID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := partyData{Party: party, Form: partyFormFrom(party), StdNames: s.standardNames(), CanManage: p.Can(auth.EditOrganisation)}
	if form != nil {
		form.Version = party.Version
		d.Form = *form
	}
	d.Kinds, d.Standards = s.partyChoices(d.Form)
	pg := page{Title: party.Name, Nav: "organisation", Principal: &p, CSRF: csrfFrom(r), Data: d}
	if ferr != nil {
		pg.Fields, pg.Error = programmeErrors(ferr)
	}
	s.render(w, r, status, "party", pg)
}

func (s *Server) partySave(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.EditOrganisation) {
		return
	}
	form := partyFormOf(r.PostForm)
	party, err := s.db.UpdateParty(r.Context(), p.OrgID, r.PathValue("id"), form.input(), formVersion(r), actorOf(p))
	if err != nil {
		if !refused(err) {
			s.fail(w, r, err)
			return
		}
		s.renderParty(w, r, p, fault.CodeStatus(err), &form, err)
		return
	}
	s.setFlash(w, r, party.Name+" saved.")
	http.Redirect(w, r, "/interested-parties/"+party.ID, http.StatusSeeOther)
}

func (s *Server) partyDelete(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.EditOrganisation) {
		return
	}
	if err := s.db.DeleteParty(r.Context(), p.OrgID, r.PathValue("id"), formVersion(r), actorOf(p)); err != nil {
		if !refused(err) {
			s.fail(w, r, err)
			return
		}
		s.renderParty(w, r, p, fault.CodeStatus(err), nil, err)
		return
	}
	s.setFlash(w, r, "Interested party removed. Its history stays in the audit log.")
	http.Redirect(w, r, "/interested-parties", http.StatusSeeOther)
}
