package catalog

import (
	"errors"
	"strings"
	"testing"

	"github.com/annexa-dev/annexa/internal/fault"
)

// With both catalog branches merged, every crosswalk resolves: none is pending, so each is
// followed, and the EU AI Act's articles reach ISO 27001 through ISO 42001.
func TestEveryCrosswalkResolves(t *testing.T) {
	l := library(t)
	if p := l.Pending(); len(p) != 0 {
		t.Fatalf("pending crosswalks: %v", p[0].ID)
	}
	links, err := l.Related("eu-ai-act-2024-1689", "Art.12", 2)
	if err != nil {
		t.Fatal(err)
	}
	var via bool
	for _, k := range links {
		if k.Target.Catalog == "iso27001-2022" && k.Path() == "eu-ai-act-2024-1689 → iso42001-2023 → iso27001-2022" {
			via = true
			if k.Steps[0].Disclaimer == "" {
				t.Error("the EU AI Act step lost its disclaimer")
			}
		}
	}
	if !via {
		t.Errorf("Art.12 does not reach ISO 27001 through ISO 42001: %+v", links)
	}
}

func TestWithAddsCatalogsWithoutChangingTheLibrary(t *testing.T) {
	l := library(t)
	extra := &Catalog{ID: "demo", Title: "Demo", Version: "1", Kind: KindFramework,
		Groups: []Group{{ID: "g", Kind: "group", Title: "G"}},
		Items:  []Item{{ID: "X 1", Kind: "control", Group: "g", Title: "One", Summary: "first"}}}
	v, err := l.With(extra)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Item("demo", "X 1"); err != nil {
		t.Fatal(err)
	}
	if _, ok := l.Catalog("demo"); ok {
		t.Fatal("With changed the original library")
	}
	if len(v.Search(Query{Text: "first", Catalog: "demo"})) != 1 {
		t.Fatal("search misses the added catalog")
	}
	links, err := v.Related("iso42001-2023", "6.1.2", 0)
	if err != nil || len(links) == 0 {
		t.Fatalf("related through the shared graph: %v %v", links, err)
	}
	if _, err := l.With(&Catalog{ID: "iso27001-2022"}); !errors.Is(err, ErrExists) {
		t.Fatalf("shadowing a built-in: %v", err)
	}
}

func TestImportFaultNamesFilePathAndReason(t *testing.T) {
	_, err := ImportOSCAL("bad.json", []byte(`{"catalog": {"uuid": "not-a-uuid"}}`), ImportOptions{})
	ferr := ImportFault(err)
	if !fault.Is(ferr, fault.Invalid) {
		t.Fatalf("code of %v", ferr)
	}
	fs := fault.Fields(ferr)
	if len(fs) == 0 || !strings.HasPrefix(fs[0].Field, "$") || fs[0].Message == "" || !strings.Contains(ferr.Error(), "bad.json") {
		t.Fatalf("fault %v fields %+v", ferr, fs)
	}
}
