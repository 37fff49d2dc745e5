package app_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/annexa-dev/annexa/internal/api"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

// TestTechnicalDocumentationOutline: the demo's trade credit scoring model — high-risk under
// Annex III 5(b), built by the organisation — needs its technical documentation, and the
// outline fills what the records hold: its risks, its drift monitoring, its history.
func TestTechnicalDocumentationOutline(t *testing.T) {
	db, o, _ := loadedDemo(t)
	systems, err := db.AllSystems(bg, o.ID, inventory.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var credit string
	for _, s := range systems {
		if strings.HasPrefix(s.Name, "Trade credit scoring") {
			credit = s.ID
		}
	}
	out, _, err := api.TechnicalDocumentation(bg, db, o.ID, credit, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !out.Required || len(out.Parts) != 9 || out.Counts["missing"]+out.Counts["partial"]+out.Counts["from_records"] != 9 {
		t.Fatalf("outline: required %v (%s), counts %v", out.Required, out.Why, out.Counts)
	}
	text := func(point int) string {
		var b strings.Builder
		for _, f := range out.Parts[point-1].Facts {
			b.WriteString(f.Label + ": " + f.Value + "\n")
		}
		return b.String()
	}
	for point, want := range map[int]string{
		4: "Credit-risk model monitoring convention",
		5: "Risks registered",
		9: "psi_score",
	} {
		if !strings.Contains(text(point), want) {
			t.Errorf("point %d lacks %q:\n%s", point, want, text(point))
		}
	}
}

func TestTechnicalDocumentationAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		acme := s.bootstrap("Acme")
		cm, viewer := acme.tokens[auth.ComplianceManager], acme.tokens[auth.Viewer]
		var sys struct{ ID string }
		r := s.do("POST", "/api/v1/ai-systems", cm, map[string]any{"name": "Credit scoring", "intended_purpose": "Scores loan applications",
			"sourcing": "internal", "eu_ai_act_roles": []string{"provider"}, "facts": map[string]any{
				"eu_nexus": map[string]any{"placed_on_market_or_put_into_service_in_eu": true}, "annex_iii_use_cases": []string{"5b"}}})
		if r.json(t, &sys); r.status != 201 {
			t.Fatalf("register: %d %s", r.status, r.body)
		}
		var outline struct {
			Required bool
			Parts    []struct {
				Point, Status string
			}
		}
		r = s.do("GET", "/api/v1/ai-systems/"+sys.ID+"/technical-documentation", viewer, nil)
		if r.json(t, &outline); r.status != 200 || !outline.Required || len(outline.Parts) != 9 || outline.Parts[0].Status != "partial" || outline.Parts[7].Status != "missing" {
			t.Fatalf("outline: %d %s", r.status, r.body)
		}
		pdf := s.do("GET", "/api/v1/ai-systems/"+sys.ID+"/technical-documentation/pdf", viewer, nil)
		if pdf.status != 200 || !bytes.HasPrefix(pdf.body, []byte("%PDF-")) || !strings.Contains(pdf.header.Get("Content-Disposition"), "technical-documentation-") {
			t.Fatalf("pdf: %d %q", pdf.status, pdf.header.Get("Content-Disposition"))
		}
		// The page shows the same outline, linked from the system's page.
		c, _ := signIn(t, s, acme.users[auth.Viewer].Email, "a long enough password")
		wants(t, "system page", get(t, c, s.url+"/ai-systems/"+sys.ID), `href="/ai-systems/`+sys.ID+`/technical-documentation"`)
		wants(t, "outline page", get(t, c, s.url+"/ai-systems/"+sys.ID+"/technical-documentation"), "Required (Art. 11)", "Annex IV point 9",
			"Still to write", "Scores loan applications")
		other := s.bootstrap("Other")
		if r := s.do("GET", "/api/v1/ai-systems/"+sys.ID+"/technical-documentation", other.tokens[auth.Admin], nil); r.status != 404 {
			t.Fatalf("another organisation's system: %d", r.status)
		}
	})
}
