package catalog

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/fault"
)

// MaxImportBytes bounds an OSCAL document given to import. NIST's complete SP 800-53 rev5
// catalog is about 10 MiB pretty-printed; anything far larger is not a catalog people browse.
const MaxImportBytes = 16 << 20

// Imported describes a catalog an organisation imported. Catalog is nil in listings that
// only need to know what is there.
type Imported struct {
	CatalogID  string    `json:"catalog_id"`
	Version    string    `json:"version"`
	Title      string    `json:"title"`
	ImportedAt time.Time `json:"imported_at"`
	ImportedBy string    `json:"imported_by"`
	Catalog    *Catalog  `json:"-"`
}

// ImportStore keeps the catalogs each organisation imported; package store implements it.
// Every write is audited by the store in the same transaction.
type ImportStore interface {
	// ImportedCatalogList lists an organisation's imports without their documents, by id.
	ImportedCatalogList(ctx context.Context, orgID string) ([]Imported, error)
	// ImportedCatalogs returns an organisation's imports with their catalogs, by id.
	ImportedCatalogs(ctx context.Context, orgID string) ([]Imported, error)
	// SaveImportedCatalog stores c for the organisation. An import with the same id is
	// refused with a conflict unless replace is set.
	SaveImportedCatalog(ctx context.Context, orgID string, c *Catalog, replace bool, actor auditlog.Actor) (Imported, error)
}

// View is what one organisation sees: the built-in catalogs and crosswalks plus the
// catalogs it imported, never another organisation's.
type View struct {
	*Library
	imported map[string]Imported
}

// Imported reports whether id is one of the organisation's imports, and its record.
func (v *View) Imported(id string) (Imported, bool) {
	im, ok := v.imported[id]
	return im, ok
}

// Views builds organisations' views over one built-in library. A view is cached until the
// organisation's imports change; the check is one small query, so several instances sharing
// a database stay consistent.
type Views struct {
	base  *Library
	store ImportStore
	mu    sync.Mutex
	cache map[string]cachedView
}

type cachedView struct {
	stamp string
	view  *View
}

// NewViews serves views of base plus each organisation's imports kept in st.
func NewViews(base *Library, st ImportStore) *Views {
	return &Views{base: base, store: st, cache: map[string]cachedView{}}
}

// Builtin is the library shipped in the binary.
func (vs *Views) Builtin() *Library { return vs.base }

// For returns the organisation's view.
func (vs *Views) For(ctx context.Context, orgID string) (*View, error) {
	list, err := vs.store.ImportedCatalogList(ctx, orgID)
	if err != nil {
		return nil, err
	}
	stamp := stampOf(list)
	vs.mu.Lock()
	c, ok := vs.cache[orgID]
	vs.mu.Unlock()
	if ok && c.stamp == stamp {
		return c.view, nil
	}
	if len(list) == 0 {
		return &View{Library: vs.base}, nil
	}
	full, err := vs.store.ImportedCatalogs(ctx, orgID)
	if err != nil {
		return nil, err
	}
	v, err := vs.build(full)
	if err != nil {
		return nil, err
	}
	vs.mu.Lock()
	vs.cache[orgID] = cachedView{stamp: stampOf(full), view: v}
	vs.mu.Unlock()
	return v, nil
}

func (vs *Views) build(imports []Imported) (*View, error) {
	v := &View{imported: map[string]Imported{}}
	var cats []*Catalog
	for _, im := range imports {
		if im.Catalog == nil {
			return nil, fmt.Errorf("imported catalog %q has no document", im.CatalogID)
		}
		cats = append(cats, im.Catalog)
		v.imported[im.CatalogID] = im
	}
	l, err := vs.base.With(cats...)
	if err != nil {
		return nil, err
	}
	v.Library = l
	return v, nil
}

func stampOf(list []Imported) string {
	sort.Slice(list, func(i, j int) bool { return list[i].CatalogID < list[j].CatalogID })
	s := ""
	for _, im := range list {
		s += im.CatalogID + "\x00" + im.Version + "\x00" + im.ImportedAt.UTC().Format(time.RFC3339Nano) + "\x01"
	}
	return s
}

// Import stores c as one of the organisation's catalogs. A built-in id can never be
// replaced; an id the organisation already imported is refused unless replace is set.
func (vs *Views) Import(ctx context.Context, orgID string, c *Catalog, replace bool, actor auditlog.Actor) (Imported, error) {
	if old, ok := vs.base.Catalog(c.ID); ok {
		return Imported{}, &fault.Error{Code: fault.Conflict,
			Message: fmt.Sprintf("catalog %q (version %s) is built into Annexa and cannot be replaced; import it under another id", c.ID, old.Version),
			Fields:  []fault.FieldError{{Field: "id", Message: "is a built-in catalog"}}}
	}
	if err := c.Validate(c.ID); err != nil {
		return Imported{}, ImportFault(err)
	}
	return vs.store.SaveImportedCatalog(ctx, orgID, c, replace, actor)
}

// With returns a new library holding l's catalogs and crosswalks plus extra catalogs, which
// may not reuse a catalog id of l. l is not changed. Extra catalogs bring no crosswalks, so
// the mapping graph is shared.
func (l *Library) With(extra ...*Catalog) (*Library, error) {
	g := l.edges()
	n := NewLibrary()
	l.mu.RLock()
	for id, c := range l.catalogs {
		n.catalogs[id] = c
	}
	for id, x := range l.crosswalks {
		n.crosswalks[id] = x
	}
	l.mu.RUnlock()
	for _, c := range extra {
		if _, dup := n.catalogs[c.ID]; dup {
			return nil, fmt.Errorf("catalog %q: %w", c.ID, ErrExists)
		}
		c.index()
		n.catalogs[c.ID] = c
	}
	n.graph = g
	return n, nil
}

// ImportFault turns an import or validation failure into an invalid-request error that
// names the file, the JSON path and the reason; other errors pass through.
func ImportFault(err error) error {
	var ie *ImportError
	if errors.As(err, &ie) {
		return &fault.Error{Code: fault.Invalid, Message: "the OSCAL document was refused: " + ie.Error(),
			Fields: []fault.FieldError{{Field: ie.Path, Message: ie.Reason}}, Err: err}
	}
	var ve *ValidationError
	if errors.As(err, &ve) {
		fields := []fault.FieldError{}
		for _, e := range unjoin(err) {
			if errors.As(e, &ve) {
				fields = append(fields, fault.FieldError{Field: ve.Item, Message: ve.Reason})
			}
		}
		return &fault.Error{Code: fault.Invalid, Message: "the imported catalog breaks the catalog format: " + err.Error(), Fields: fields, Err: err}
	}
	return err
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, unjoin(e)...)
		}
		return out
	}
	return []error{err}
}
