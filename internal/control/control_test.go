package control_test

import (
	"testing"

	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/control"
	"github.com/annexa-dev/annexa/internal/fault"
)

func TestStartersAndMerge(t *testing.T) {
	lib, err := catalog.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	cat, _ := lib.Catalog("iso42001-2023")
	starters, skipped := control.Starters(cat, func(id string) bool { return id == "A.2.2" })
	if len(starters) != 37 || skipped != 1 || !starters[0].Generated || starters[0].Counts() || starters[0].GeneratedFrom != "iso42001-2023:A.2.3" {
		t.Fatalf("starters %d skipped %d first %+v", len(starters), skipped, starters[0])
	}
	a := control.Control{Title: "A", Status: control.Implemented, Links: []control.RequirementRef{{Catalog: "x", Item: "1"}}}
	b := control.Control{Title: "B", OwnerID: "u", Description: "how", Generated: true, Links: []control.RequirementRef{{Catalog: "x", Item: "1"}, {Catalog: "y", Item: "2"}}}
	m := control.Merge(a, b)
	if len(m.Links) != 2 || m.OwnerID != "u" || m.Description != "how" || m.Generated || !m.Counts() {
		t.Fatalf("merged %+v", m)
	}
	// A person's edit takes a starter on.
	if c := (control.Edit{Confirm: true}).Apply(starters[0]); c.Generated {
		t.Fatal("confirmed starter still generated")
	}
	links := []control.RequirementRef{{Catalog: "iso42001-2023", Item: "A.2.2"}, {Catalog: "nist-ai-rmf-1.0", Item: "GOVERN 9.9"}, {Catalog: "", Item: "x"}}
	err = control.Edit{Title: ptr("T"), Links: &links}.Validate(true, lib)
	fs := fault.Fields(err)
	if len(fs) != 2 || fs[0].Field != "links[1]" || fs[1].Field != "links[2].catalog" {
		t.Fatalf("link validation: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }
