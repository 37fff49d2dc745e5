package roadmap

import (
	"testing"
	"time"
)

func data(t *testing.T) *Data {
	t.Helper()
	d, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func level(a Advice, id string) Level {
	for _, r := range a.Recommendations {
		if r.ID == id {
			return r.Level
		}
	}
	return ""
}

func TestAdvise(t *testing.T) {
	d := data(t)
	cases := []struct {
		name    string
		answers Answers
		want    map[string]Level
	}{
		{"nothing", Answers{}, map[string]Level{"iso27001": NotIndicated, "iso42001": NotIndicated, "eu-ai-act": NotIndicated}},
		{"EU deployer of AI", Answers{"uses_ai": true, "eu_presence": true}, map[string]Level{"eu-ai-act": Required, "iso42001": Optional, "nist-ai-rmf": Recommended}},
		{"AI developer with data", Answers{"develops_ai": true, "sensitive_information": true}, map[string]Level{"iso42001": Recommended, "iso27001": Recommended, "eu-ai-act": NotIndicated}},
		{"user asked for AI governance", Answers{"uses_ai": true, "governance_demand": true}, map[string]Level{"iso42001": Recommended}},
		{"supplier to government", Answers{"regulated_customers": true}, map[string]Level{"iso27001": Recommended, "iso42001": NotIndicated}},
	}
	for _, c := range cases {
		a := d.Advise(c.answers)
		for id, want := range c.want {
			if got := level(a, id); got != want {
				t.Errorf("%s: %s is %s, want %s", c.name, id, got, want)
			}
		}
	}
	a := d.Advise(Answers{"sensitive_information": true, "holds_iso27001": true})
	for _, r := range a.Recommendations {
		if r.ID == "iso27001" && r.Already == "" {
			t.Error("holding ISO 27001 is not acknowledged")
		}
	}
}

func TestPlanShrinksWithProgress(t *testing.T) {
	d := data(t)
	start := time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)
	empty := d.Plan(Progress{}, start)
	if len(empty.Phases) != 5 || empty.Phases[0].ID != "scope-roles" || empty.Phases[4].ID != "audits" {
		t.Fatalf("phases %+v", empty.Phases)
	}
	for i, ph := range empty.Phases {
		if ph.Weeks != ph.BaseWeeks || ph.Done != 0 {
			t.Errorf("phase %s with no progress: %v of %v weeks", ph.ID, ph.Weeks, ph.BaseWeeks)
		}
		if i > 0 && !ph.Start.Equal(empty.Phases[i-1].End) {
			t.Errorf("phase %s does not follow the one before", ph.ID)
		}
	}
	some := d.Plan(Progress{"isms_scope": 1, "aims_scope": 1, "ai_roles": 1, "team": 1, "systems_registered": 1, "systems_complete": 0.5}, start)
	if some.Phases[0].Weeks != 0 || some.Phases[0].Done != 1 {
		t.Errorf("completed phase still takes %v weeks", some.Phases[0].Weeks)
	}
	if !(some.Phases[1].Weeks < empty.Phases[1].Weeks && some.Phases[1].Weeks > 0) {
		t.Errorf("half-done inventory takes %v weeks (empty %v)", some.Phases[1].Weeks, empty.Phases[1].Weeks)
	}
	if !some.End.Before(empty.End) {
		t.Error("progress does not bring the end date forward")
	}
	if rows := some.CSVRows(); len(rows) != 1+len(d.StepIDs()) || rows[0][0] != "phase" {
		t.Errorf("CSV rows %d", len(rows))
	}
}

func TestLoadRefusesBadData(t *testing.T) {
	good := `{"questions":[{"id":"q","text":"Q?"}],"recommendations":[{"id":"r","title":"R","why":"w","required_if":[["q"]]}]}`
	phases := `{"phases":[{"id":"p","title":"P","weeks":2,"steps":[{"id":"s","title":"S","weight":1}]}]}`
	if _, err := Load([]byte(good), []byte(phases)); err != nil {
		t.Fatalf("good data refused: %v", err)
	}
	for name, c := range map[string][2]string{
		"unknown question": {`{"questions":[{"id":"q","text":"Q?"}],"recommendations":[{"id":"r","title":"R","why":"w","required_if":[["nope"]]}]}`, phases},
		"no reason":        {`{"questions":[{"id":"q","text":"Q?"}],"recommendations":[{"id":"r","title":"R"}]}`, phases},
		"repeated step":    {good, `{"phases":[{"id":"p","title":"P","weeks":2,"steps":[{"id":"s","title":"S","weight":1},{"id":"s","title":"S","weight":1}]}]}`},
		"no duration":      {good, `{"phases":[{"id":"p","title":"P","weeks":0,"steps":[{"id":"s","title":"S","weight":1}]}]}`},
	} {
		if _, err := Load([]byte(c[0]), []byte(c[1])); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestFactsCoverEveryStep(t *testing.T) {
	d := data(t)
	p := Facts{}.Progress()
	for _, id := range d.StepIDs() {
		if _, ok := p[id]; !ok {
			t.Errorf("step %s is never measured", id)
		}
	}
	if len(p) != len(d.StepIDs()) {
		t.Errorf("progress measures %d steps, the roadmap has %d", len(p), len(d.StepIDs()))
	}
	empty := Facts{}.Progress()
	for id, v := range empty {
		if v != 0 {
			t.Errorf("an empty organisation has %s at %v", id, v)
		}
	}
	half := Facts{Systems: 4, SystemsComplete: 2}.Progress()
	if half["systems_complete"] != 0.5 || half["systems_registered"] != 1 {
		t.Errorf("half-complete register: %+v", half)
	}
}
