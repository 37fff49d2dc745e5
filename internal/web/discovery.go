package web

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/discovery"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/store"
)

// The discovery review queue: candidates grouped by status, each with its evidence, and the
// decisions a reviewer takes on them — accept into the inventory, merge, dismiss with a reason —
// plus an upload form for SBOMs, SaaS application lists and proxy logs. Every action is a plain
// POST form with the CSRF token, so the page works without JavaScript.

// maxEvidenceShown bounds the evidence listed per candidate; the API returns all of it.
const maxEvidenceShown = 12

// maxChoices bounds the systems and candidates offered in the accept and merge menus.
const maxChoices = 500

type statusTab struct {
	Status discovery.Status
	Label  string
	Count  int
	Href   string
	Active bool
}

// target is a candidate or system a decision can point at.
type target struct{ ID, Label string }

type discoveryCard struct {
	discovery.Queued
	AnnexIIIPoints []string
	Shown          []discovery.Finding
	MoreEvidence   int
	SystemHref     string
	MergedIntoName string
	Error          string
}

type importForm struct {
	Kind, LogFormat string
	Error           string
	Problems        []fault.FieldError
	Report          *discoveryImport
}

type discoveryImport struct {
	discovery.Imported
	Queue discovery.SubmitResult
}

type discoveryData struct {
	Tabs       []statusTab
	Status     discovery.Status
	Source     discovery.Source
	Q          string
	Sources    []discovery.Source
	Cards      []discoveryCard
	NextHref   string
	CanManage  bool
	Systems    []target
	Targets    []target
	Import     importForm
	Kinds      []discovery.ImportKind
	MaxMiB     int
	HasFilters bool
	// Back is this view's address, sent with every decision so the reviewer returns to it.
	Back  string
	Label string
	Count int
}

var statusLabels = map[discovery.Status]string{
	discovery.StatusNew: "To review", discovery.StatusAccepted: "Accepted", discovery.StatusMerged: "Merged", discovery.StatusDismissed: "Dismissed",
}

func discoveryHref(status discovery.Status, source discovery.Source, q, cursor string) string {
	v := url.Values{}
	if status != "" && status != discovery.StatusNew {
		v.Set("status", string(status))
	}
	if source != "" {
		v.Set("source", string(source))
	}
	if q != "" {
		v.Set("q", q)
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	if len(v) == 0 {
		return "/discovery"
	}
	return "/discovery?" + v.Encode()
}

// discoveryData gathers one page of the queue: the tab of one status, filtered.
func (s *Server) discoveryData(r *http.Request, p auth.Principal) (discoveryData, error) {
	ctx := r.Context()
	q := r.URL.Query()
	status := discovery.Status(q.Get("status"))
	if status == "" {
		status = discovery.StatusNew
	}
	f := discovery.Filter{Status: status, Source: discovery.Source(q.Get("source")), Q: strings.TrimSpace(q.Get("q"))}
	if err := f.Validate(); err != nil {
		return discoveryData{}, err
	}
	page, err := s.db.DiscoveryCandidates(ctx, p.OrgID, f, store.PageRequest{Limit: 50, Cursor: q.Get("cursor")})
	if err != nil {
		return discoveryData{}, err
	}
	counts, err := s.db.DiscoveryCounts(ctx, p.OrgID)
	if err != nil {
		return discoveryData{}, err
	}
	d := discoveryData{Status: status, Source: f.Source, Q: f.Q, Sources: discovery.Sources, CanManage: p.Can(auth.ManageInventory),
		Kinds: discovery.ImportKinds, MaxMiB: discovery.MaxImportBytes >> 20, HasFilters: f.Source != "" || f.Q != ""}
	for _, st := range discovery.Statuses {
		d.Tabs = append(d.Tabs, statusTab{Status: st, Label: statusLabels[st], Count: counts[st], Href: discoveryHref(st, f.Source, f.Q, ""), Active: st == status})
	}
	d.Back, d.Label, d.Count = discoveryHref(status, f.Source, f.Q, ""), statusLabels[status], counts[status]
	if page.NextCursor != "" {
		d.NextHref = discoveryHref(status, f.Source, f.Q, page.NextCursor)
	}
	names := map[string]string{}
	if d.CanManage || status == discovery.StatusMerged {
		// Candidates that can be merged into: waiting or accepted ones.
		for _, st := range []discovery.Status{discovery.StatusNew, discovery.StatusAccepted} {
			targets, err := s.db.DiscoveryCandidates(ctx, p.OrgID, discovery.Filter{Status: st}, store.PageRequest{Limit: maxChoices})
			if err != nil {
				return d, err
			}
			for _, t := range targets.Items {
				names[t.ID] = t.Name
				d.Targets = append(d.Targets, target{ID: t.ID, Label: t.Name + " (" + string(t.Source) + ", " + t.Location + ")"})
			}
		}
	}
	if d.CanManage && status == discovery.StatusNew {
		systems, err := s.db.Systems(ctx, p.OrgID, inventory.Filter{}, store.PageRequest{Limit: maxChoices})
		if err != nil {
			return d, err
		}
		for _, sys := range systems.Items {
			label := sys.Name
			if sys.Vendor != "" {
				label += " (" + sys.Vendor + ")"
			}
			d.Systems = append(d.Systems, target{ID: sys.ID, Label: label})
		}
	}
	for _, c := range page.Items {
		card := discoveryCard{Queued: c, MergedIntoName: names[c.MergedInto]}
		if c.SystemID != "" {
			card.SystemHref = "/ai-systems/" + url.PathEscape(c.SystemID)
		}
		for _, h := range c.AnnexIII {
			card.AnnexIIIPoints = append(card.AnnexIIIPoints, strings.TrimPrefix(h, "AnnexIII."))
		}
		card.Shown = c.Evidence
		if len(card.Shown) > maxEvidenceShown {
			card.Shown, card.MoreEvidence = card.Shown[:maxEvidenceShown], len(c.Evidence)-maxEvidenceShown
		}
		d.Cards = append(d.Cards, card)
	}
	return d, nil
}

func (s *Server) discoveryPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !p.Can(auth.ReadRecords) {
		s.fail(w, r, fault.New(fault.Forbidden, "your role (%s) may not read the discovery queue", p.Role.Label()))
		return
	}
	d, err := s.discoveryData(r, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderDiscovery(w, r, p, http.StatusOK, d, "")
}

func (s *Server) renderDiscovery(w http.ResponseWriter, r *http.Request, p auth.Principal, status int, d discoveryData, errMsg string) {
	s.render(w, r, status, "discovery", page{Title: "Discovery", Nav: "discovery", Principal: &p, CSRF: csrfFrom(r), Error: errMsg, Data: d})
}

// decide runs one review decision and returns to the queue; a refused decision re-renders the
// queue with the message beside the candidate it concerns.
func (s *Server) decide(w http.ResponseWriter, r *http.Request, p auth.Principal, act func(id string) (string, error)) {
	if !p.Can(auth.ManageInventory) {
		s.fail(w, r, fault.New(fault.Forbidden, "your role (%s) may not decide discovery candidates", p.Role.Label()))
		return
	}
	id := r.PathValue("id")
	msg, err := act(id)
	if err == nil {
		s.setFlash(w, r, msg)
		http.Redirect(w, r, backTo(r), http.StatusSeeOther)
		return
	}
	if !fault.Is(err, fault.Invalid) && !fault.Is(err, fault.Conflict) {
		s.fail(w, r, err)
		return
	}
	// Re-render the tab the form came from, with the problem next to its candidate.
	r.URL.RawQuery = strings.TrimPrefix(strings.TrimPrefix(backTo(r), "/discovery"), "?")
	d, derr := s.discoveryData(r, p)
	if derr != nil {
		s.fail(w, r, err)
		return
	}
	msg = fault.Message(err)
	if fs := fault.Fields(err); len(fs) > 0 {
		msg += ": " + fs[0].Field + " " + fs[0].Message
	}
	for i := range d.Cards {
		if d.Cards[i].ID == id {
			d.Cards[i].Error = msg
		}
	}
	s.renderDiscovery(w, r, p, fault.CodeStatus(err), d, msg)
}

// backTo is the queue view the form was posted from (its "back" field), kept on /discovery.
func backTo(r *http.Request) string {
	b := r.PostFormValue("back")
	if b == "/discovery" || strings.HasPrefix(b, "/discovery?") {
		return b
	}
	return "/discovery"
}

func (s *Server) discoveryAccept(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	s.decide(w, r, p, func(id string) (string, error) {
		owner := ""
		if p.Role == auth.AISystemOwner {
			owner = p.UserID
		}
		acc, err := s.db.AcceptCandidate(r.Context(), p.OrgID, id, discovery.AcceptRequest{SystemID: r.PostFormValue("system_id")}, owner, actorOf(p))
		if err != nil {
			return "", err
		}
		if acc.Created {
			return fmt.Sprintf("Accepted %s: registered as a new AI system.", acc.Candidate.Name), nil
		}
		return fmt.Sprintf("Accepted %s: linked to %s.", acc.Candidate.Name, acc.System.Name), nil
	})
}

func (s *Server) discoveryDismiss(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	s.decide(w, r, p, func(id string) (string, error) {
		c, err := s.db.DismissCandidate(r.Context(), p.OrgID, id, discovery.Dismissal{Reason: r.PostFormValue("reason")}, actorOf(p))
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("Dismissed %s. A later scan or import will not bring it back.", c.Name), nil
	})
}

func (s *Server) discoveryMerge(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	s.decide(w, r, p, func(id string) (string, error) {
		target, err := s.db.MergeCandidate(r.Context(), p.OrgID, id, discovery.MergeRequest{Into: r.PostFormValue("into")}, actorOf(p))
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("Merged into %s.", target.Name), nil
	})
}

func (s *Server) discoveryImport(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !p.Can(auth.ManageInventory) {
		s.fail(w, r, fault.New(fault.Forbidden, "your role (%s) may not import into the discovery queue", p.Role.Label()))
		return
	}
	form := importForm{Kind: r.PostFormValue("kind"), LogFormat: r.PostFormValue("log_format")}
	rep, err := s.importFile(r, p, form)
	status := http.StatusOK
	if err != nil {
		if !fault.Is(err, fault.Invalid) && !fault.Is(err, fault.TooLarge) {
			s.fail(w, r, err)
			return
		}
		status = fault.CodeStatus(err)
		form.Error, form.Problems = fault.Message(err), fault.Fields(err)
	}
	form.Report = rep
	r.URL.RawQuery = ""
	d, derr := s.discoveryData(r, p)
	if derr != nil {
		s.fail(w, r, derr)
		return
	}
	d.Import = form
	s.renderDiscovery(w, r, p, status, d, "")
}

func (s *Server) importFile(r *http.Request, p auth.Principal, form importForm) (*discoveryImport, error) {
	kind := discovery.ImportKind(form.Kind)
	if !kind.Valid() {
		return nil, &fault.Error{Code: fault.Invalid, Message: "choose what kind of file this is",
			Fields: []fault.FieldError{{Field: "kind", Message: "must be an SBOM, a SaaS application list or an egress log"}}}
	}
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 || r.MultipartForm.File["file"][0].Size == 0 {
		return nil, &fault.Error{Code: fault.Invalid, Message: "choose a file to import",
			Fields: []fault.FieldError{{Field: "file", Message: "is empty"}}}
	}
	fh := r.MultipartForm.File["file"][0]
	if fh.Size > discovery.MaxImportBytes {
		return nil, fault.New(fault.TooLarge, "%s is larger than %d MiB", fh.Filename, discovery.MaxImportBytes>>20)
	}
	f, err := fh.Open()
	if err != nil {
		return nil, fault.Wrap(err, "open upload")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, discovery.MaxImportBytes+1))
	if err != nil {
		return nil, fault.Wrap(err, "read upload")
	}
	im, err := discovery.ParseImport(kind, fh.Filename, data, form.LogFormat)
	if err != nil {
		return nil, err
	}
	out := &discoveryImport{Imported: im}
	if len(im.Candidates) > 0 {
		if out.Queue, err = s.db.SubmitCandidates(r.Context(), p.OrgID, im.Candidates, actorOf(p)); err != nil {
			return nil, err
		}
	}
	return out, nil
}
