package discovery

import (
	"strings"
	"testing"
)

func TestAnnexIIIPointFromHint(t *testing.T) {
	for hint, want := range map[string]string{
		"AnnexIII.4(a)": "4a", "AnnexIII.5(b)": "5b", "AnnexIII.2": "2", " 3(d) ": "3d",
		"AnnexIII.9(a)": "", "AnnexIII.4(z)": "", "AnnexIII.2(a)": "", "Art.50": "", "": "",
	} {
		got, ok := annexIIIPoint(hint)
		if string(got) != want && !(want == "" && !ok) {
			t.Errorf("%q → %q (%v), want %q", hint, got, ok, want)
		}
		if ok != (want != "") {
			t.Errorf("%q: ok %v", hint, ok)
		}
	}
}

func TestSystemInputFromCandidate(t *testing.T) {
	c := Candidate{Name: " HireVue ", Vendor: "HireVue Inc", SuggestedSourcing: SourcingThirdParty, LikelyRole: "deployer",
		AnnexIII: []string{"AnnexIII.4(a)", "AnnexIII.4(a)", "nonsense"}, Purpose: "scores interviews",
		Models: []Model{{Name: "m", Publisher: "P", Licenses: []string{"MIT", "Apache-2.0"}}}}
	in := c.SystemInput()
	if *in.Name != "HireVue" || *in.Vendor != "HireVue Inc" || string(*in.Sourcing) != "third_party" || *in.IntendedPurpose != "scores interviews" {
		t.Fatalf("input: %+v", in)
	}
	if in.ActRoles == nil || len(*in.ActRoles) != 1 || (*in.ActRoles)[0] != "deployer" {
		t.Fatalf("roles: %v", in.ActRoles)
	}
	if in.Facts == nil || len(in.Facts.AnnexIIIUseCases) != 1 || in.OpenPoints == nil {
		t.Fatalf("facts: %+v open %v", in.Facts, in.OpenPoints)
	}
	if m := (*in.Models)[0]; m.Provider != "P" || m.Licence != "MIT, Apache-2.0" || m.ModelCard != nil {
		t.Fatalf("model: %+v", m)
	}
	if err := in.Validate(true); err != nil {
		t.Fatalf("the input does not validate: %v", err)
	}
	// A code candidate suggests no role and no Annex III area: nothing is invented.
	bare := Candidate{Name: "repo/svc", LikelyRole: "overlord"}.SystemInput()
	if bare.ActRoles != nil || bare.Facts != nil || bare.OpenPoints != nil || bare.Vendor != nil || bare.Sourcing != nil {
		t.Fatalf("bare input: %+v", bare)
	}
}

func TestSubmissionValidateNamesFields(t *testing.T) {
	err := Submission{Systems: []Candidate{{Fingerprint: "a", Name: "x", Source: SourceCode, Confidence: "certain",
		Evidence: []Finding{{Kind: "rumour"}}}}}.Validate()
	for _, f := range []string{"systems[0].confidence", "systems[0].evidence[0].kind"} {
		if err == nil || !strings.Contains(err.Error(), f) {
			t.Errorf("error %v does not name %s", err, f)
		}
	}
	if err := (Submission{}).Validate(); err == nil {
		t.Error("an empty submission is valid")
	}
}

func TestMergeFoldsUsage(t *testing.T) {
	a := Candidate{Confidence: ConfidenceMedium, Technologies: []string{"openai"},
		Usage: &Usage{Requests: 2, Bytes: 20, Hosts: []string{"api.openai.com"}, Clients: []ClientUsage{{Client: "a", Requests: 2, Bytes: 20}}}}
	a.Merge(Candidate{Confidence: ConfidenceHigh, Technologies: []string{"anthropic", "openai"}, Vendor: "V",
		Usage: &Usage{Requests: 5, Bytes: 50, Hosts: []string{"api.anthropic.com"}, Clients: []ClientUsage{{Client: "a", Requests: 1, Bytes: 10}, {Client: "b", Requests: 4, Bytes: 40}}}})
	if a.Confidence != ConfidenceHigh || strings.Join(a.Technologies, ",") != "anthropic,openai" || a.Vendor != "V" {
		t.Fatalf("merged: %+v", a)
	}
	if u := a.Usage; u.Requests != 7 || u.Bytes != 70 || len(u.Hosts) != 2 || len(u.Clients) != 2 || u.Clients[0].Client != "b" || u.Clients[1].Requests != 3 {
		t.Fatalf("usage: %+v", a.Usage)
	}
}
