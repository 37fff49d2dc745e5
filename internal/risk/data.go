package risk

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/annexa-dev/annexa/catalogs"
	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/fault"
)

// Category is a kind of risk: built in (catalogs/risk/categories.json) or the organisation's own.
type Category struct {
	ID          string   `json:"id"`
	Label       string   `json:"label"`
	Domain      string   `json:"domain"` // information_security, ai or organisation
	Description string   `json:"description"`
	AnnexC      []string `json:"annex_c"`
	Builtin     bool     `json:"builtin"`
}

// NewCategory is an organisation's own category.
type NewCategory struct {
	ID          string   `json:"id"`
	Label       string   `json:"label"`
	Description string   `json:"description,omitempty"`
	AnnexC      []string `json:"annex_c,omitempty"`
}

// Validate checks the id, the label and the Annex C identifiers.
func (n NewCategory) Validate() error {
	var v fault.Validation
	v.Check(!idPattern.MatchString(n.ID), "id", "must be lowercase snake_case: letters, digits and underscores, starting with a letter, at most 40 characters")
	v.Check(strings.TrimSpace(n.Label) == "", "label", "must not be empty")
	v.Check(len(n.Label) > 100, "label", "must be at most 100 characters")
	v.Check(len(n.Description) > 2000, "description", "must be at most 2000 characters")
	for i, s := range n.AnnexC {
		v.Check(!AnnexCSource(s), fmt.Sprintf("annex_c[%d]", i), "%q is not an ISO/IEC 42001 Annex C identifier", s)
	}
	for _, c := range BuiltinCategories() {
		v.Check(c.ID == n.ID, "id", "%q is a built-in category", n.ID)
	}
	return v.Err()
}

// Template is a suggested risk and the condition under which it is suggested.
type Template struct {
	ID          string            `json:"id"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Category    string            `json:"category"`
	Sources     []string          `json:"sources"`
	Likelihood  int               `json:"likelihood"` // on the default 5×5 scale
	Impact      int               `json:"impact"`
	Controls    []string          `json:"controls"`
	References  []string          `json:"references,omitempty"`
	When        TemplateCondition `json:"when"`
}

// TemplateCondition says when a template applies to an AI system; every set field must hold.
type TemplateCondition struct {
	AnnexIII            []string `json:"annex_iii,omitempty"`
	Tiers               []string `json:"tiers,omitempty"`
	Sourcing            []string `json:"sourcing,omitempty"`
	Automation          []string `json:"automation,omitempty"`
	AffectedGroups      []string `json:"affected_groups,omitempty"`
	Generative          bool     `json:"generative,omitempty"`
	InteractsWithPeople bool     `json:"interacts_with_people,omitempty"`
	PersonalData        bool     `json:"personal_data,omitempty"`
	SpecialCategoryData bool     `json:"special_category_data,omitempty"`
	Transparency        bool     `json:"transparency,omitempty"`
}

type categoryFile struct {
	Source     string     `json:"source"`
	AsOf       string     `json:"as_of"`
	Categories []Category `json:"categories"`
}

type templateFile struct {
	Source                  string     `json:"source"`
	AsOf                    string     `json:"as_of"`
	GenerativeModelKeywords []string   `json:"generative_model_keywords"`
	Templates               []Template `json:"templates"`
}

type data struct {
	categories []Category
	templates  templateFile
	library    *catalog.Library
}

var loaded = sync.OnceValues(func() (*data, error) { return load(catalogs.FS) })

func load(fsys fs.FS) (*data, error) {
	d := &data{}
	var cf categoryFile
	if err := readJSON(fsys, "risk/categories.json", &cf); err != nil {
		return nil, err
	}
	if err := readJSON(fsys, "risk/templates.json", &d.templates); err != nil {
		return nil, err
	}
	lib, err := catalog.Load(fsys)
	if err != nil {
		return nil, fmt.Errorf("risk: load catalogs: %w", err)
	}
	d.library = lib
	for i := range cf.Categories {
		cf.Categories[i].Builtin = true
	}
	d.categories = cf.Categories
	return d, d.check()
}

func readJSON(fsys fs.FS, name string, v any) error {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("risk: read %s: %w", name, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("risk: %s: %w", name, err)
	}
	return nil
}

// check makes the data refer only to what exists, so a typo fails tests and start-up.
func (d *data) check() error {
	ids := map[string]bool{}
	for _, c := range d.categories {
		if !idPattern.MatchString(c.ID) || ids[c.ID] || c.Label == "" || c.Description == "" {
			return fmt.Errorf("risk/categories.json: category %q: bad or duplicate id, or empty label or description", c.ID)
		}
		ids[c.ID] = true
		for _, s := range c.AnnexC {
			if !d.annexC(s) {
				return fmt.Errorf("risk/categories.json: category %s: %q is not an Annex C item", c.ID, s)
			}
		}
	}
	seen := map[string]bool{}
	for _, t := range d.templates.Templates {
		where := "risk/templates.json: template " + t.ID
		if t.ID == "" || seen[t.ID] || t.Title == "" || t.Description == "" {
			return fmt.Errorf("%s: bad or duplicate id, or empty title or description", where)
		}
		seen[t.ID] = true
		if !ids[t.Category] {
			return fmt.Errorf("%s: unknown category %q", where, t.Category)
		}
		if t.Likelihood < 1 || t.Likelihood > 5 || t.Impact < 1 || t.Impact > 5 {
			return fmt.Errorf("%s: likelihood and impact must be 1 to 5", where)
		}
		for _, s := range t.Sources {
			if !d.annexC(s) {
				return fmt.Errorf("%s: %q is not an Annex C item", where, s)
			}
		}
		for _, c := range append(slices.Clone(t.Controls), t.References...) {
			if !d.control(c) {
				return fmt.Errorf("%s: %q is not a catalog item", where, c)
			}
		}
	}
	return nil
}

func (d *data) annexC(id string) bool {
	c, ok := d.library.Catalog(ISO42001)
	if !ok {
		return false
	}
	it, ok := c.Item(id)
	return ok && (it.Kind == "risk_source" || it.Kind == "ai_objective")
}

func (d *data) control(ref string) bool {
	cat, item, ok := strings.Cut(ref, ":")
	if !ok {
		return false
	}
	c, ok := d.library.Catalog(cat)
	if !ok {
		return false
	}
	_, ok = c.Item(item)
	return ok
}

// ISO42001 is the catalog whose Annex C names the AI risk sources.
const ISO42001 = "iso42001-2023"

func mustData() *data {
	d, err := loaded()
	if err != nil {
		panic(err) // the embedded data is checked by tests; a broken build must not start
	}
	return d
}

// Load reads and checks the embedded categories and templates; start-up calls it so broken data
// fails there rather than on a request.
func Load() error {
	_, err := loaded()
	return err
}

// BuiltinCategories returns the built-in categories in their file order.
func BuiltinCategories() []Category { return slices.Clone(mustData().categories) }

// AICategory reports whether id is a built-in category of the AI domain. An organisation's own
// categories are never AI ones: their ids may not reuse a built-in id.
func AICategory(id string) bool {
	for _, c := range mustData().categories {
		if c.ID == id {
			return c.Domain == "ai"
		}
	}
	return false
}

// Templates returns every risk template.
func Templates() []Template { return slices.Clone(mustData().templates.Templates) }

// AnnexCSource reports whether id is an ISO/IEC 42001 Annex C risk source or AI objective.
func AnnexCSource(id string) bool { return mustData().annexC(id) }

// CatalogItem reports whether "catalog:item" names an item of a built-in catalog.
func CatalogItem(ref string) bool { return mustData().control(ref) }

// Today is the date of t in UTC, as the register writes dates.
func Today(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// AnnexC lists the ISO/IEC 42001 Annex C risk sources, for forms.
func AnnexC() []catalog.Item {
	d := mustData()
	c, ok := d.library.Catalog(ISO42001)
	if !ok {
		return nil
	}
	var out []catalog.Item
	for _, it := range c.Items {
		if it.Kind == "risk_source" {
			out = append(out, it)
		}
	}
	return out
}
