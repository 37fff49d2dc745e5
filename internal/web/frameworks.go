package web

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/api"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/fault"
)

// The catalog browser: every framework the organisation sees (built-in and imported), each
// as a tree, a search across all of them, and per item what it maps to elsewhere and why.

type fwCatalog struct {
	ID, Title, Version, Kind, Href string
	Groups, Items                  int
	Builtin                        bool
	ImportedAt                     time.Time
	ImportedBy                     string
	Source, Notice, AsOf           string
}

type fwHit struct {
	Catalog, CatalogTitle, ID, Title, Summary, Href string
}

type fwImportForm struct {
	ID       string
	Replace  bool
	Error    string
	Problems []fault.FieldError
}

type frameworksData struct {
	Catalogs  []fwCatalog
	Q         string
	Searched  bool
	Hits      []fwHit
	More      bool
	CanImport bool
	Import    fwImportForm
	MaxMiB    int
}

// maxSearchHits bounds one results page; people narrow a search rather than page through it.
const maxSearchHits = 200

func catalogHref(id string) string { return "/frameworks/" + url.PathEscape(id) }

func itemHref(catalogID, itemID string) string {
	return catalogHref(catalogID) + "/items/" + url.PathEscape(itemID)
}

func describe(v *catalog.View, c *catalog.Catalog) fwCatalog {
	out := fwCatalog{ID: c.ID, Title: c.Title, Version: c.Version, Kind: string(c.Kind), Href: catalogHref(c.ID),
		Groups: len(c.Groups), Items: len(c.Items), Builtin: true, Source: c.Source, Notice: c.Notice, AsOf: c.AsOf}
	if im, ok := v.Imported(c.ID); ok {
		out.Builtin, out.ImportedAt, out.ImportedBy = false, im.ImportedAt, im.ImportedBy
	}
	return out
}

func (s *Server) catalogView(r *http.Request, p auth.Principal) (*catalog.View, error) {
	if s.opts.Catalogs == nil {
		return nil, fault.New(fault.NotFound, "the framework catalogs are not available on this server")
	}
	if !p.Can(auth.ReadRecords) {
		return nil, fault.New(fault.Forbidden, "your role (%s) may not read the frameworks", p.Role.Label())
	}
	return s.opts.Catalogs.For(r.Context(), p.OrgID)
}

func (s *Server) frameworksData(v *catalog.View, p auth.Principal, q string) frameworksData {
	d := frameworksData{Q: q, CanImport: p.Can(auth.ManageCatalogs), MaxMiB: catalog.MaxImportBytes >> 20}
	titles := map[string]string{}
	for _, c := range v.Catalogs() {
		d.Catalogs = append(d.Catalogs, describe(v, c))
		titles[c.ID] = c.Title
	}
	if strings.TrimSpace(q) != "" {
		d.Searched = true
		hits := v.Search(catalog.Query{Text: q, Limit: maxSearchHits + 1})
		if len(hits) > maxSearchHits {
			hits, d.More = hits[:maxSearchHits], true
		}
		for _, h := range hits {
			d.Hits = append(d.Hits, fwHit{Catalog: h.Catalog, CatalogTitle: titles[h.Catalog], ID: h.Item.ID, Title: h.Item.Title,
				Summary: h.Item.Summary, Href: itemHref(h.Catalog, h.Item.ID)})
		}
	}
	return d
}

func (s *Server) frameworksPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	v, err := s.catalogView(r, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query().Get("q")
	title := "Frameworks"
	if q != "" {
		title = "Search: " + q
	}
	s.render(w, r, http.StatusOK, "frameworks", page{Title: title, Nav: "frameworks", Principal: &p, CSRF: csrfFrom(r), Data: s.frameworksData(v, p, q)})
}

type fwNode struct {
	Group                    bool
	ID, Title, Summary, Href string
	Kind                     string
	Count                    int
	Open                     bool // render the group expanded
	Children                 []fwNode
}

func toNodes(catalogID string, ns []*catalog.Node, open bool) []fwNode {
	out := make([]fwNode, 0, len(ns))
	for _, n := range ns {
		var f fwNode
		if n.Group != nil {
			f = fwNode{Group: true, ID: n.Group.ID, Title: n.Group.Title, Summary: n.Group.Summary, Kind: n.Group.Kind}
		} else {
			f = fwNode{ID: n.Item.ID, Title: n.Item.Title, Summary: n.Item.Summary, Kind: n.Item.Kind, Href: itemHref(catalogID, n.Item.ID)}
		}
		f.Open = open
		f.Children = toNodes(catalogID, n.Children, open)
		f.Count = len(f.Children)
		out = append(out, f)
	}
	return out
}

type frameworkData struct {
	Catalog    fwCatalog
	Tree       []fwNode
	Crosswalks []api.CrosswalkRef
	Open       bool
}

func (s *Server) frameworkPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	v, err := s.catalogView(r, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	c, ok := v.Catalog(id)
	if !ok {
		s.fail(w, r, fault.NotFoundf("framework", id))
		return
	}
	open := r.URL.Query().Get("open") == "all"
	d := frameworkData{Catalog: describe(v, c), Tree: toNodes(c.ID, c.Tree(), open), Open: open}
	for _, x := range v.Crosswalks() {
		if x.From == c.ID || x.To == c.ID {
			d.Crosswalks = append(d.Crosswalks, api.CrosswalkRef{ID: x.ID, From: x.From, To: x.To, Title: x.Title, Disclaimer: x.Disclaimer, Pairs: len(x.Mappings)})
		}
	}
	s.render(w, r, http.StatusOK, "framework", page{Title: c.Title, Nav: "frameworks", Principal: &p, CSRF: csrfFrom(r), Data: d})
}

type fwStep struct {
	catalog.Step
	FromHref, ToHref string
}

type fwLink struct {
	Target       catalog.ItemRef
	TargetHref   string
	Relationship string
	Direct       bool
	Path         string
	Steps        []fwStep
}

type fwTarget struct {
	Catalog, Title string
	Links          []fwLink
}

type fwGap struct {
	Catalog, Title, Reason string
}

type itemData struct {
	Catalog  fwCatalog
	Item     catalog.Item
	Group    catalog.Group
	Parent   *fwHit
	Children []fwHit
	Targets  []fwTarget
	Gaps     []fwGap
}

func (s *Server) frameworkItemPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	v, err := s.catalogView(r, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	c, ok := v.Catalog(id)
	if !ok {
		s.fail(w, r, fault.NotFoundf("framework", id))
		return
	}
	itemID := r.PathValue("item")
	it, ok := c.Item(itemID)
	if !ok {
		s.fail(w, r, fault.NotFoundf("item", itemID))
		return
	}
	g, _ := c.Group(it.Group)
	d := itemData{Catalog: describe(v, c), Item: it, Group: g}
	if par, ok := c.Item(it.Parent); ok && it.Parent != "" {
		d.Parent = &fwHit{ID: par.ID, Title: par.Title, Href: itemHref(c.ID, par.ID)}
	}
	for _, ch := range c.Items {
		if ch.Parent == it.ID {
			d.Children = append(d.Children, fwHit{ID: ch.ID, Title: ch.Title, Href: itemHref(c.ID, ch.ID)})
		}
	}
	links, err := v.Related(c.ID, it.ID, 2)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	title := func(id string) string {
		if o, ok := v.Catalog(id); ok {
			return o.Title
		}
		return id
	}
	byCatalog := map[string]int{}
	for _, k := range links {
		l := fwLink{Target: k.Target, TargetHref: itemHref(k.Target.Catalog, k.Target.ID), Relationship: string(k.Relationship), Direct: k.Direct(), Path: k.Path()}
		for _, st := range k.Steps {
			l.Steps = append(l.Steps, fwStep{Step: st, FromHref: itemHref(st.From.Catalog, st.From.ID), ToHref: itemHref(st.To.Catalog, st.To.ID)})
		}
		i, ok := byCatalog[k.Target.Catalog]
		if !ok {
			i = len(d.Targets)
			byCatalog[k.Target.Catalog] = i
			d.Targets = append(d.Targets, fwTarget{Catalog: k.Target.Catalog, Title: title(k.Target.Catalog)})
		}
		d.Targets[i].Links = append(d.Targets[i].Links, l)
	}
	for _, gp := range v.Gaps(c.ID, it.ID) {
		d.Gaps = append(d.Gaps, fwGap{Catalog: gp.OtherCatalog, Title: title(gp.OtherCatalog), Reason: gp.Reason})
	}
	s.render(w, r, http.StatusOK, "framework_item", page{Title: it.ID + " " + it.Title, Nav: "frameworks", Principal: &p, CSRF: csrfFrom(r), Data: d})
}

// maxUploadBytes bounds an import form: the document, a base catalog and the small fields.
const maxUploadBytes = 2*catalog.MaxImportBytes + 64<<10

// parseUpload reads a multipart import form before signedIn checks its CSRF token, with a
// limit sized for OSCAL documents (the ordinary form limit is far smaller). It only reads
// the body for a request that carries a valid session, so anonymous posts cost nothing.
func (s *Server) parseUpload(next http.HandlerFunc) http.HandlerFunc {
	return s.parseUploadLimit(maxUploadBytes, next)
}

// parseUploadLimit is parseUpload for forms with a limit of their own.
func (s *Server) parseUploadLimit(limit int64, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie(api.SessionCookie)
		if err == nil && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			if _, _, err := s.db.SessionPrincipal(r.Context(), ck.Value); err == nil {
				r.Body = http.MaxBytesReader(w, r.Body, limit)
				if err := r.ParseMultipartForm(8 << 20); err != nil {
					var tooBig *http.MaxBytesError
					if errors.As(err, &tooBig) {
						s.fail(w, r, fault.New(fault.TooLarge, "the upload is larger than %d MiB", limit>>20))
						return
					}
					s.fail(w, r, fault.New(fault.Invalid, "the upload could not be read"))
					return
				}
			}
		}
		next(w, r)
	}
}

func formFile(r *http.Request, name string) ([]byte, string, error) {
	if r.MultipartForm == nil {
		return nil, "", nil
	}
	fhs := r.MultipartForm.File[name]
	if len(fhs) == 0 || fhs[0].Size == 0 {
		return nil, "", nil
	}
	return readPart(fhs[0])
}

func readPart(fh *multipart.FileHeader) ([]byte, string, error) {
	if fh.Size > catalog.MaxImportBytes {
		return nil, fh.Filename, fault.New(fault.TooLarge, "%s is larger than %d MiB", fh.Filename, catalog.MaxImportBytes>>20)
	}
	f, err := fh.Open()
	if err != nil {
		return nil, fh.Filename, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, catalog.MaxImportBytes+1))
	return b, fh.Filename, err
}

func (s *Server) frameworkImport(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	v, err := s.catalogView(r, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !p.Can(auth.ManageCatalogs) {
		s.fail(w, r, fault.New(fault.Forbidden, "your role (%s) may not import catalogs", p.Role.Label()))
		return
	}
	form := fwImportForm{ID: strings.TrimSpace(r.PostFormValue("id")), Replace: r.PostFormValue("replace") == "on"}
	cat, err := s.importUpload(r, p, form)
	if err != nil {
		if !fault.Is(err, fault.Invalid) && !fault.Is(err, fault.Conflict) && !fault.Is(err, fault.TooLarge) {
			s.fail(w, r, err)
			return
		}
		form.Error, form.Problems = fault.Message(err), fault.Fields(err)
		d := s.frameworksData(v, p, "")
		d.Import = form
		s.render(w, r, fault.CodeStatus(err), "frameworks", page{Title: "Frameworks", Nav: "frameworks", Principal: &p, CSRF: csrfFrom(r), Data: d})
		return
	}
	s.setFlash(w, r, "Imported "+cat.Title+" as "+cat.ID+" ("+strconv.Itoa(len(cat.Items))+" items).")
	http.Redirect(w, r, catalogHref(cat.ID), http.StatusSeeOther)
}

func (s *Server) importUpload(r *http.Request, p auth.Principal, form fwImportForm) (*catalog.Catalog, error) {
	doc, name, err := formFile(r, "document")
	if err != nil {
		return nil, err
	}
	if doc == nil {
		return nil, &fault.Error{Code: fault.Invalid, Message: "choose an OSCAL catalog or profile file to import",
			Fields: []fault.FieldError{{Field: "document", Message: "is empty"}}}
	}
	opts := catalog.ImportOptions{ID: form.ID}
	if opts.Base, opts.BaseName, err = formFile(r, "base"); err != nil {
		return nil, err
	}
	cat, err := catalog.ImportOSCAL(name, doc, opts)
	if err != nil {
		return nil, catalog.ImportFault(err)
	}
	if _, err := s.opts.Catalogs.Import(r.Context(), p.OrgID, cat, form.Replace, actorOf(p)); err != nil {
		return nil, err
	}
	return cat, nil
}
