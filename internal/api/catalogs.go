package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/store"
)

// CatalogSummary describes one framework the caller's organisation sees.
type CatalogSummary struct {
	ID         string              `json:"id"`
	Title      string              `json:"title"`
	Version    string              `json:"version"`
	Kind       catalog.CatalogKind `json:"kind"`
	Publisher  string              `json:"publisher"`
	Source     string              `json:"source"`
	Notice     string              `json:"notice"`
	AsOf       string              `json:"as_of"`
	Groups     int                 `json:"groups"`
	Items      int                 `json:"items"`
	Builtin    bool                `json:"builtin"`
	ImportedAt *time.Time          `json:"imported_at,omitempty"`
	ImportedBy string              `json:"imported_by,omitempty"`
}

// CrosswalkRef names a crosswalk from one catalog to another.
type CrosswalkRef struct {
	ID         string `json:"id"`
	From       string `json:"from"`
	To         string `json:"to"`
	Title      string `json:"title"`
	Disclaimer string `json:"disclaimer,omitempty"`
	Pairs      int    `json:"pairs"`
}

// CatalogDetail is one framework with its groups and the crosswalks that reach it.
type CatalogDetail struct {
	CatalogSummary
	GroupList  []catalog.Group `json:"group_list"`
	Crosswalks []CrosswalkRef  `json:"crosswalks"`
}

// MappingView is something an item maps to in another framework: directly or along a path
// of crosswalks, each step with its relationship, rationale, provenance and confidence.
type MappingView struct {
	Target       catalog.ItemRef      `json:"target"`
	Relationship catalog.Relationship `json:"relationship"`
	Direct       bool                 `json:"direct"`
	Path         string               `json:"path"`
	Steps        []catalog.Step       `json:"steps"`
}

// ItemDetail is one item with what it maps to in every other framework and the frameworks
// that record it has no counterpart.
type ItemDetail struct {
	Catalog       string         `json:"catalog"`
	Item          catalog.Item   `json:"item"`
	Group         catalog.Group  `json:"group"`
	Mappings      []MappingView  `json:"mappings"`
	NoCounterpart []catalog.Gap  `json:"no_counterpart"`
	Children      []catalog.Item `json:"children"`
}

// CatalogImport is the body of an import: an OSCAL catalog or profile document itself, or
// this wrapper when a profile must be resolved against its catalog.
type CatalogImport struct {
	Document json.RawMessage `json:"document"`
	Base     json.RawMessage `json:"base,omitempty"`
}

// ImportResult says what an import stored.
type ImportResult struct {
	Catalog  CatalogSummary `json:"catalog"`
	Replaced bool           `json:"replaced"`
}

// Page types of the catalog routes, named for the document.
type (
	CatalogPage   = store.Page[CatalogSummary]
	ItemPage      = store.Page[catalog.Item]
	CrosswalkPage = store.Page[catalog.Crosswalk]
)

func (s *Server) catalogRoutes() []Route {
	idP := Param{Name: "id", In: "path", Description: "the catalog id, e.g. iso42001-2023"}
	itemP := Param{Name: "item", In: "path", Description: "the item's official identifier, URL-encoded (GOVERN%201.1, Art.5(1)(a))"}
	return []Route{
		{Method: "GET", Pattern: "/api/v1/catalogs", Tag: "Catalogs", Summary: "The frameworks the organisation sees: the built-in catalogs and its own imports",
			Permission: auth.ReadRecords, Response: CatalogPage{}, Handle: s.listCatalogs},
		{Method: "GET", Pattern: "/api/v1/catalogs/{id}", Tag: "Catalogs", Summary: "One framework with its groups and crosswalks",
			Permission: auth.ReadRecords, Params: []Param{idP}, Response: CatalogDetail{}, Handle: s.getCatalog},
		{Method: "GET", Pattern: "/api/v1/catalogs/{id}/items", Tag: "Catalogs", Summary: "A framework's items in file order, or the best matches first when searching",
			Permission: auth.ReadRecords, Params: append([]Param{idP,
				{Name: "q", In: "query", Description: "words that must all occur in the id, title or summary"},
				{Name: "group", In: "query", Description: "only items in this group or below it"},
				{Name: "kind", In: "query", Description: "only items of this kind, e.g. control"},
			}, pageParams...), Response: ItemPage{}, Handle: s.listCatalogItems},
		{Method: "GET", Pattern: "/api/v1/catalogs/{id}/items/{item}", Tag: "Catalogs", Summary: "One item and what it maps to in every other framework, and why",
			Permission: auth.ReadRecords, Params: []Param{idP, itemP}, Response: ItemDetail{}, Handle: s.getCatalogItem},
		{Method: "GET", Pattern: "/api/v1/crosswalks", Tag: "Catalogs", Summary: "Crosswalks between frameworks, read in the direction asked",
			Permission: auth.ReadRecords, Params: []Param{
				{Name: "from", In: "query", Description: "catalog id the mappings start from"},
				{Name: "to", In: "query", Description: "catalog id the mappings lead to"},
			}, Response: CrosswalkPage{}, Handle: s.listCrosswalks},
		{Method: "POST", Pattern: "/api/v1/catalogs/import", Tag: "Catalogs", Summary: "Import an OSCAL 1.x catalog or profile as one of the organisation's catalogs",
			Permission: auth.ManageCatalogs, Params: []Param{
				{Name: "replace", In: "query", Type: "boolean", Description: "replace an earlier import with the same id (built-in catalogs are never replaced)"},
				{Name: "id", In: "query", Description: "catalog id to give the import; derived from the title when empty"},
			}, Request: CatalogImport{}, Response: ImportResult{}, Status: http.StatusCreated, Handle: s.importCatalog},
		{Method: "DELETE", Pattern: "/api/v1/catalogs/{id}", Tag: "Catalogs", Summary: "Remove one of the organisation's imported catalogs",
			Permission: auth.ManageCatalogs, Params: []Param{idP}, Handle: s.deleteCatalog, Status: http.StatusNoContent},
		{Method: "POST", Pattern: "/api/v1/classify", Tag: "EU AI Act", Summary: "Classify an AI system under the EU AI Act from its facts, with the articles behind each step",
			Permission: auth.ReadRecords, Request: aiact.Facts{}, Response: aiact.Result{}, Handle: s.classify},
	}
}

func (s *Server) view(c *Call) (*catalog.View, error) {
	return s.catalogs.For(c.R.Context(), c.Principal.OrgID)
}

func summaryOf(v *catalog.View, cat *catalog.Catalog) CatalogSummary {
	if im, ok := v.Imported(cat.ID); ok {
		return summarise(cat, &im)
	}
	return summarise(cat, nil)
}

// summarise describes a catalog; im is its import record, nil for a built-in one.
func summarise(cat *catalog.Catalog, im *catalog.Imported) CatalogSummary {
	sum := CatalogSummary{ID: cat.ID, Title: cat.Title, Version: cat.Version, Kind: cat.Kind, Publisher: cat.Publisher,
		Source: cat.Source, Notice: cat.Notice, AsOf: cat.AsOf, Groups: len(cat.Groups), Items: len(cat.Items), Builtin: im == nil}
	if im != nil {
		at := im.ImportedAt
		sum.ImportedAt, sum.ImportedBy = &at, im.ImportedBy
	}
	return sum
}

func (s *Server) listCatalogs(c *Call) (any, error) {
	v, err := s.view(c)
	if err != nil {
		return nil, err
	}
	out := CatalogPage{Items: []CatalogSummary{}}
	for _, cat := range v.Catalogs() {
		out.Items = append(out.Items, summaryOf(v, cat))
	}
	return out, nil
}

func (s *Server) catalogOf(c *Call) (*catalog.View, *catalog.Catalog, error) {
	v, err := s.view(c)
	if err != nil {
		return nil, nil, err
	}
	id := c.R.PathValue("id")
	cat, ok := v.Catalog(id)
	if !ok {
		return nil, nil, fault.NotFoundf("catalog", id)
	}
	return v, cat, nil
}

func (s *Server) getCatalog(c *Call) (any, error) {
	v, cat, err := s.catalogOf(c)
	if err != nil {
		return nil, err
	}
	d := CatalogDetail{CatalogSummary: summaryOf(v, cat), GroupList: cat.Groups, Crosswalks: []CrosswalkRef{}}
	if d.GroupList == nil {
		d.GroupList = []catalog.Group{}
	}
	for _, x := range v.Crosswalks() {
		if x.From == cat.ID || x.To == cat.ID {
			d.Crosswalks = append(d.Crosswalks, CrosswalkRef{ID: x.ID, From: x.From, To: x.To, Title: x.Title, Disclaimer: x.Disclaimer, Pairs: len(x.Mappings)})
		}
	}
	return d, nil
}

// Item lists are computed, not stored, so the cursor is the offset into the list, in the
// same opaque form as the store's cursors.
func offsetCursor(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("k:" + strconv.Itoa(n)))
}

func cursorOffset(cursor string) (int, error) {
	if cursor == "" {
		return 0, nil
	}
	b, _ := base64.RawURLEncoding.DecodeString(cursor)
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "k:"))
	if err != nil || n < 0 {
		return 0, &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields",
			Fields: []fault.FieldError{{Field: "cursor", Message: "is not a cursor this list issued"}}}
	}
	return n, nil
}

func (s *Server) listCatalogItems(c *Call) (any, error) {
	page, err := c.Page()
	if err != nil {
		return nil, err
	}
	limit := page.Limit
	if limit <= 0 {
		limit = store.DefaultLimit
	}
	offset, err := cursorOffset(page.Cursor)
	if err != nil {
		return nil, err
	}
	v, cat, err := s.catalogOf(c)
	if err != nil {
		return nil, err
	}
	q := c.R.URL.Query()
	group := q.Get("group")
	if group != "" {
		if _, ok := cat.Group(group); !ok {
			return nil, &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields",
				Fields: []fault.FieldError{{Field: "group", Message: "is not a group of catalog " + cat.ID}}}
		}
	}
	hits := v.Search(catalog.Query{Text: q.Get("q"), Catalog: cat.ID, Group: group, Kind: q.Get("kind")})
	out := ItemPage{Items: []catalog.Item{}}
	for i := offset; i < len(hits) && len(out.Items) < limit; i++ {
		out.Items = append(out.Items, hits[i].Item)
	}
	if next := offset + len(out.Items); next < len(hits) {
		out.NextCursor = offsetCursor(next)
	}
	return out, nil
}

func (s *Server) getCatalogItem(c *Call) (any, error) {
	v, cat, err := s.catalogOf(c)
	if err != nil {
		return nil, err
	}
	return itemDetail(v, cat, c.R.PathValue("item"))
}

// itemDetail gathers an item's mappings and recorded gaps.
func itemDetail(v *catalog.View, cat *catalog.Catalog, itemID string) (ItemDetail, error) {
	it, ok := cat.Item(itemID)
	if !ok {
		return ItemDetail{}, fault.NotFoundf("item", itemID)
	}
	g, _ := cat.Group(it.Group)
	links, err := v.Related(cat.ID, it.ID, 2)
	if err != nil {
		return ItemDetail{}, err
	}
	d := ItemDetail{Catalog: cat.ID, Item: it, Group: g, Mappings: []MappingView{}, NoCounterpart: v.Gaps(cat.ID, it.ID), Children: []catalog.Item{}}
	if d.NoCounterpart == nil {
		d.NoCounterpart = []catalog.Gap{}
	}
	for _, k := range links {
		d.Mappings = append(d.Mappings, MappingView{Target: k.Target, Relationship: k.Relationship, Direct: k.Direct(), Path: k.Path(), Steps: k.Steps})
	}
	for _, child := range cat.Items {
		if child.Parent == it.ID {
			d.Children = append(d.Children, child)
		}
	}
	return d, nil
}

func (s *Server) listCrosswalks(c *Call) (any, error) {
	v, err := s.view(c)
	if err != nil {
		return nil, err
	}
	q := c.R.URL.Query()
	from, to := q.Get("from"), q.Get("to")
	var val fault.Validation
	for _, p := range []struct{ name, id string }{{"from", from}, {"to", to}} {
		if p.id != "" {
			if _, ok := v.Catalog(p.id); !ok {
				val.Add(p.name, "is not a catalog: %q", p.id)
			}
		}
	}
	if err := val.Err(); err != nil {
		return nil, err
	}
	out := CrosswalkPage{Items: []catalog.Crosswalk{}}
	if from != "" && to != "" {
		x, err := v.Crosswalk(from, to)
		if errors.Is(err, catalog.ErrNotFound) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out.Items = append(out.Items, *x)
		return out, nil
	}
	for _, x := range v.Crosswalks() {
		switch {
		case from != "" && x.From != from && x.To == from, to != "" && x.To != to && x.From == to:
			x = x.Reverse()
		}
		if (from != "" && x.From != from) || (to != "" && x.To != to) {
			continue
		}
		out.Items = append(out.Items, *x)
	}
	return out, nil
}

func (s *Server) importCatalog(c *Call) (any, error) {
	q := c.R.URL.Query()
	replace, err := boolParam(q.Get("replace"), "replace")
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.W, c.R.Body, catalog.MaxImportBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, fault.New(fault.TooLarge, "the OSCAL document is larger than %d MiB", catalog.MaxImportBytes>>20)
	}
	if err != nil {
		return nil, bodyError("could not be read")
	}
	doc, opts := body, catalog.ImportOptions{ID: q.Get("id")}
	var wrap CatalogImport
	if dec := json.NewDecoder(bytes.NewReader(body)); dec.Decode(&wrap) == nil && len(wrap.Document) > 0 {
		doc, opts.Base, opts.BaseName = wrap.Document, wrap.Base, "base"
	}
	cat, err := catalog.ImportOSCAL("document", doc, opts)
	if err != nil {
		return nil, catalog.ImportFault(err)
	}
	v, err := s.view(c)
	if err != nil {
		return nil, err
	}
	_, existed := v.Imported(cat.ID)
	im, err := s.catalogs.Import(c.R.Context(), c.Principal.OrgID, cat, replace, c.Actor())
	if err != nil {
		return nil, err
	}
	return ImportResult{Catalog: summarise(cat, &im), Replaced: existed}, nil
}

func (s *Server) deleteCatalog(c *Call) (any, error) {
	id := c.R.PathValue("id")
	if _, ok := s.catalogs.Builtin().Catalog(id); ok {
		return nil, fault.New(fault.Conflict, "catalog %q is built into Annexa and cannot be removed", id)
	}
	return nil, s.db.DeleteImportedCatalog(c.R.Context(), c.Principal.OrgID, id, c.Actor())
}

func (s *Server) classify(c *Call) (any, error) {
	facts, err := aiact.DecodeFacts(http.MaxBytesReader(c.W, c.R.Body, MaxBodyBytes))
	var fe *aiact.FactsError
	if errors.As(err, &fe) {
		field := fe.Field
		if field == "" {
			field = "body"
		}
		return nil, &fault.Error{Code: fault.Invalid, Message: "the facts are not acceptable",
			Fields: []fault.FieldError{{Field: field, Message: fe.Reason}}}
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, fault.New(fault.TooLarge, "the body is larger than %d bytes", MaxBodyBytes)
	}
	if err != nil {
		return nil, bodyError("could not be read")
	}
	return aiact.Classify(facts, time.Now())
}

func boolParam(v, name string) (bool, error) {
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields",
			Fields: []fault.FieldError{{Field: name, Message: "must be true or false"}}}
	}
	return b, nil
}
