package impact_test

import (
	"testing"
	"testing/fstest"
	"time"

	"github.com/annexa-dev/annexa/catalogs"
	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/impact"
)

func TestTemplateAgreesWithCode(t *testing.T) {
	tpl, err := impact.DefaultTemplate()
	if err != nil {
		t.Fatal(err)
	}
	if len(tpl.FRIAElements) != 6 || tpl.FRIAElements[0].Ref != "Art. 27(1)(a)" || tpl.FRIAElements[5].Ref != "Art. 27(1)(f)" {
		t.Fatalf("Art. 27(1) elements: %+v", tpl.FRIAElements)
	}
	for _, k := range impact.EffectKinds {
		if tpl.Effect(k).RiskCategory == "" {
			t.Errorf("effect %s raises risks in no category", k)
		}
	}
	// A template that drifts from the code is refused.
	raw, err := catalogs.FS.ReadFile("impact/template.json")
	if err != nil {
		t.Fatal(err)
	}
	for name, broken := range map[string]string{
		"unknown effect": string(raw[:len(raw)-2]) + `, "extra": 1}`,
		"missing party":  replace(string(raw), `{"id": "society", "label": "Society", "help": "Society at large, democratic processes, the environment."}`, `{"id": "nation", "label": "Nation"}`),
		"wrong article":  replace(string(raw), `"ref": "Art. 27(1)(f)"`, `"ref": "Art. 26(1)"`),
	} {
		if _, err := impact.LoadTemplate(fstest.MapFS{"impact/template.json": {Data: []byte(broken)}}); err == nil {
			t.Errorf("%s: template accepted", name)
		}
	}
}

func replace(s, old, new string) string {
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + new + s[i+len(old):]
		}
	}
	panic("not found: " + old)
}

func TestFRIAOwed(t *testing.T) {
	classify := func(f aiact.Facts) *aiact.Result {
		res, err := aiact.Classify(f, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		return &res
	}
	deployer := []aiact.Role{aiact.RoleDeployer}
	eu := aiact.EUNexus{DeployerEstablishedInEU: true}
	for name, c := range map[string]struct {
		facts aiact.Facts
		want  bool
	}{
		"credit scoring, any deployer":     {aiact.Facts{Roles: deployer, EUNexus: eu, AnnexIIIUseCases: []aiact.AnnexIIIPoint{"5b"}}, true},
		"CV screening by a public body":    {aiact.Facts{Roles: deployer, EUNexus: eu, AnnexIIIUseCases: []aiact.AnnexIIIPoint{"4a"}, DeployerPublicBodyOrPublicService: true}, true},
		"CV screening by a private firm":   {aiact.Facts{Roles: deployer, EUNexus: eu, AnnexIIIUseCases: []aiact.AnnexIIIPoint{"4a"}}, false},
		"credit scoring, as provider only": {aiact.Facts{Roles: []aiact.Role{aiact.RoleProvider}, EUNexus: eu, AnnexIIIUseCases: []aiact.AnnexIIIPoint{"5b"}}, false},
	} {
		if got := impact.FRIAOwed(classify(c.facts)); got != c.want {
			t.Errorf("%s: FRIA owed %v, want %v", name, got, c.want)
		}
	}
	if impact.FRIAOwed(nil) {
		t.Error("an unclassified system owes a FRIA")
	}
}
