package app_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/impact"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

// completeAssessment is a PATCH body that fills every field a submission needs.
var completeAssessment = map[string]any{
	"foreseeable_misuse": "Rejecting applicants without a recruiter reading the application",
	"affected_parties": []map[string]any{{"kind": "groups", "name": "Job applicants", "effects": []map[string]any{
		{"kind": "fairness", "description": "Lower ranks for older applicants", "severity": 4, "likelihood": 3, "mitigations": "Quarterly disparity test"},
		{"kind": "privacy", "description": "Health inferred from CV gaps", "severity": 3, "likelihood": 2, "mitigations": "Gap features removed"},
	}}},
	"data_used":       "CVs and recruiter decisions 2019-2025",
	"data_provenance": "Our applicant tracking system",
	"fria": map[string]any{"deployer_process": "Pre-screening", "period_and_frequency": "Daily", "categories_of_persons": "Applicants",
		"specific_risks": "Age discrimination", "human_oversight": "Recruiter reviews rejections", "measures_if_risks_materialise": "Stop ranking"},
	"residual_impact": "Low",
	"residual_level":  "low",
	"conclusion":      "May be used with recruiter review",
	"next_review":     "2099-01-31",
}

type assessmentJSON struct {
	ID           string
	Number       int
	Status       string
	Version      int
	FRIARequired bool   `json:"fria_required"`
	SystemID     string `json:"ai_system_id"`
	Due          bool
	DueReasons   []struct{ Source, Reason string } `json:"due_reasons"`
}

// publicCVScreening is the register's CV screening system run by a public body: Art. 27 applies.
func publicCVScreening(owner string) map[string]any {
	body := map[string]any{}
	for k, v := range cvScreening {
		body[k] = v
	}
	body["facts"] = map[string]any{"eu_nexus": map[string]any{"deployer_established_in_eu": true}, "annex_iii_use_cases": []string{"4a"},
		"deployer_public_body_or_public_service": true}
	if owner != "" {
		body["owner_id"] = owner
	}
	return body
}

func TestImpactAssessmentsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		tn := s.bootstrap("Acme")
		cm, admin, owner, viewer := tn.tokens[auth.ComplianceManager], tn.tokens[auth.Admin], tn.tokens[auth.AISystemOwner], tn.tokens[auth.Viewer]
		var sys systemJSON
		s.do("POST", "/api/v1/ai-systems", cm, publicCVScreening(tn.users[auth.AISystemOwner].ID)).json(t, &sys)
		var others systemJSON
		s.do("POST", "/api/v1/ai-systems", cm, map[string]any{"name": "Spam filter"}).json(t, &others)

		// Roles: a viewer may not start one; an AI system owner may only for their own systems.
		if r := s.do("POST", "/api/v1/impact-assessments", viewer, map[string]any{"ai_system_id": sys.ID}); r.status != 403 {
			t.Fatalf("viewer creates: %d", r.status)
		}
		if r := s.do("POST", "/api/v1/impact-assessments", owner, map[string]any{"ai_system_id": others.ID}); r.status != 403 {
			t.Fatalf("owner assesses someone else's system: %d", r.status)
		}
		if r := s.do("POST", "/api/v1/impact-assessments", cm, map[string]any{"ai_system_id": "missing"}); r.status != 422 || !r.problem(t).names("ai_system_id") {
			t.Fatalf("unknown system: %d %s", r.status, r.body)
		}
		r := s.do("POST", "/api/v1/impact-assessments", owner, map[string]any{"ai_system_id": sys.ID})
		var a assessmentJSON
		r.json(t, &a)
		if r.status != 201 || a.Status != "draft" || !a.FRIARequired || r.header.Get("ETag") != `"v1"` {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		path := "/api/v1/impact-assessments/" + a.ID

		// Submitting an incomplete draft names every missing field, the Art. 27 elements included.
		r = s.do("POST", path+"/submit", owner, nil)
		p := r.problem(t)
		if r.status != 422 || !p.names("conclusion") || !p.names("fria.human_oversight") || !p.names("affected_parties[0].effects") {
			t.Fatalf("incomplete submit: %d %s", r.status, r.body)
		}
		if r := s.do("PATCH", path, owner, map[string]any{"residual_level": "catastrophic"}); r.status != 422 || !r.problem(t).names("residual_level") {
			t.Fatalf("bad enum: %d %s", r.status, r.body)
		}
		if r := s.do("PATCH", path, owner, completeAssessment, "If-Match", `"v9"`); r.status != 412 {
			t.Fatalf("stale If-Match: %d", r.status)
		}
		if r := s.do("PATCH", path, owner, completeAssessment, "If-Match", `"v1"`); r.status != 200 || r.header.Get("ETag") != `"v2"` {
			t.Fatalf("patch: %d %s", r.status, r.body)
		}
		r = s.do("POST", path+"/submit", owner, nil)
		if r.json(t, &a); r.status != 200 || a.Status != "in_review" {
			t.Fatalf("submit: %d %s", r.status, r.body)
		}
		// The owner cannot approve (no permission); the compliance manager can, the owner submitted.
		if r := s.do("POST", path+"/approve", owner, map[string]any{}); r.status != 403 {
			t.Fatalf("owner approves: %d", r.status)
		}
		if r := s.do("POST", path+"/return", cm, map[string]any{}); r.status != 422 || !r.problem(t).names("comment") {
			t.Fatalf("return without comment: %d %s", r.status, r.body)
		}
		r = s.do("POST", path+"/approve", cm, map[string]any{"comment": "Agreed"})
		if r.json(t, &a); r.status != 200 || a.Status != "approved" {
			t.Fatalf("approve: %d %s", r.status, r.body)
		}
		// Frozen.
		if r := s.do("PATCH", path, admin, map[string]any{"conclusion": "changed"}); r.status != 409 || !strings.Contains(r.problem(t).Detail, "frozen") {
			t.Fatalf("patch approved: %d %s", r.status, r.body)
		}

		// Re-assessment: a material change of the system makes the approved version due.
		if r := s.do("PATCH", "/api/v1/ai-systems/"+sys.ID, cm, map[string]any{"models": []map[string]any{{"name": "rank", "version": "3.0", "provider": "TalentRank"}}}); r.status != 200 {
			t.Fatalf("material change: %d", r.status)
		}
		var due struct{ Items []assessmentJSON }
		s.do("GET", "/api/v1/impact-assessments?due=true", viewer, nil).json(t, &due)
		if len(due.Items) != 1 || due.Items[0].ID != a.ID || due.Items[0].DueReasons[0].Source != "material_change" {
			t.Fatalf("due list: %+v", due)
		}
		if r := s.do("GET", "/api/v1/impact-assessments?due=maybe", viewer, nil); r.status != 422 || !r.problem(t).names("due") {
			t.Fatalf("bad due filter: %d", r.status)
		}

		// A new version is a draft copy; approving it by the person who submitted it is refused.
		r = s.do("POST", path+"/new-version", cm, nil)
		var v2 assessmentJSON
		if r.json(t, &v2); r.status != 201 || v2.Number != 2 || v2.Status != "draft" {
			t.Fatalf("new version: %d %s", r.status, r.body)
		}
		p2 := "/api/v1/impact-assessments/" + v2.ID
		s.do("PATCH", p2, cm, map[string]any{"conclusion": "May be used with two reviewers"})
		s.do("POST", p2+"/submit", cm, nil)
		if r := s.do("POST", p2+"/approve", cm, map[string]any{}); r.status != 403 || !strings.Contains(r.problem(t).Detail, "four eyes") {
			t.Fatalf("self-approval: %d %s", r.status, r.body)
		}
		if r := s.do("POST", p2+"/approve", admin, map[string]any{}); r.status != 200 {
			t.Fatalf("approve v2: %d %s", r.status, r.body)
		}
		var vs struct {
			Items []assessmentJSON
		}
		s.do("GET", path+"/versions", viewer, nil).json(t, &vs)
		if len(vs.Items) != 2 || vs.Items[0].Status != "superseded" || vs.Items[1].Status != "approved" {
			t.Fatalf("versions: %+v", vs)
		}
		var diff struct {
			From, To, Changed int
			Fields            []struct {
				Field, From, To string
				Changed         bool
			}
		}
		r = s.do("GET", p2+"/diff?from=1&to=2", viewer, nil)
		if r.json(t, &diff); r.status != 200 || diff.Changed != 1 {
			t.Fatalf("diff: %d %s", r.status, r.body)
		}
		for _, f := range diff.Fields {
			if f.Changed && (f.Field != "conclusion" || f.To != "May be used with two reviewers") {
				t.Errorf("unexpected change %+v", f)
			}
		}
		if r := s.do("GET", p2+"/diff?from=1&to=9", viewer, nil); r.status != 422 || !r.problem(t).names("to") {
			t.Fatalf("diff to a missing version: %d %s", r.status, r.body)
		}
		if r := s.do("GET", p2+"/diff?from=x", viewer, nil); r.status != 422 || !r.problem(t).names("from") {
			t.Fatalf("diff from garbage: %d %s", r.status, r.body)
		}

		// Another organisation sees none of it.
		other := s.bootstrap("Globex")
		for _, u := range []string{path, path + "/versions", p2 + "/diff"} {
			if r := s.do("GET", u, other.tokens[auth.Admin], nil); r.status != 404 {
				t.Errorf("GET %s from another organisation: %d", u, r.status)
			}
		}
		if r := s.do("POST", path+"/new-version", other.tokens[auth.Admin], nil); r.status != 404 {
			t.Errorf("new version from another organisation: %d", r.status)
		}
		var list struct{ Items []assessmentJSON }
		s.do("GET", "/api/v1/impact-assessments", other.tokens[auth.Admin], nil).json(t, &list)
		if len(list.Items) != 0 {
			t.Fatalf("other organisation lists %d", len(list.Items))
		}
		// Every change is in the audit log.
		var log struct{ Items []struct{ Action string } }
		s.do("GET", "/api/v1/audit-log?record_type=impact_assessment&record_id="+a.ID, cm, nil).json(t, &log)
		if len(log.Items) < 6 {
			t.Fatalf("audit entries for version 1: %d", len(log.Items))
		}
	})
}

// addImpactCalls prepares one assessment per state the OpenAPI walk needs: a draft to read and
// change, a complete draft to submit, versions in review to approve and return (submitted by
// someone other than the admin who walks), and an approved one for new-version and the diff.
func addImpactCalls(t *testing.T, s *server, tn tenant, bodies map[string]any, ids map[string]map[string]string, query map[string]string) {
	t.Helper()
	db := s.main.DB
	cm := auditlog.Actor{Kind: auditlog.ByUser, UserID: tn.users[auth.ComplianceManager].ID, Email: tn.users[auth.ComplianceManager].Email}
	complete := func() impact.Input {
		text := func(s string) *string { return &s }
		return impact.Input{IntendedPurpose: text("Ranks applications"), ForeseeableMisuse: text("Automatic rejection"),
			AffectedParties: &[]impact.Party{{Kind: "groups", Name: "Applicants", Effects: []impact.Effect{{Kind: "fairness", Severity: 4, Likelihood: 3, Mitigations: "Disparity tests"}}}},
			DataUsed:        text("CVs"), DataProvenance: text("Tracking system"), ResidualImpact: text("Low"), ResidualLevel: ptrTo(impact.ResidualLevel("low")),
			Conclusion: text("Use with review"), NextReview: text("2099-01-31")}
	}
	assessment := func(name string, steps ...string) string {
		t.Helper()
		system, err := db.CreateSystem(bg, tn.org.ID, inventory.Input{Name: ptrTo(name)}, sys)
		if err != nil {
			t.Fatal(err)
		}
		a, err := db.CreateAssessment(bg, tn.org.ID, impact.NewAssessment{SystemID: system.ID}, cm)
		for _, step := range steps {
			if err != nil {
				break
			}
			switch step {
			case "fill":
				a, err = db.UpdateAssessment(bg, tn.org.ID, a.ID, complete(), nil, cm)
			case "submit":
				a, err = db.SubmitAssessment(bg, tn.org.ID, a.ID, nil, cm)
			case "approve":
				a, err = db.ApproveAssessment(bg, tn.org.ID, a.ID, impact.Decision{}, nil, sys)
			}
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return a.ID
	}
	free, err := db.CreateSystem(bg, tn.org.ID, inventory.Input{Name: ptrTo("Not yet assessed")}, sys)
	if err != nil {
		t.Fatal(err)
	}
	draft := assessment("Draft system")
	approved := assessment("Approved system", "fill", "submit", "approve")
	bodies["POST /api/v1/impact-assessments"] = map[string]any{"ai_system_id": free.ID}
	bodies["PATCH /api/v1/impact-assessments/{id}"] = map[string]any{"conclusion": "Drift test", "fria": map[string]any{"human_oversight": "Reviewed"}}
	bodies["POST /api/v1/impact-assessments/{id}/approve"] = map[string]any{"comment": "Agreed"}
	bodies["POST /api/v1/impact-assessments/{id}/return"] = map[string]any{"comment": "Name the metric"}
	ids["GET /api/v1/impact-assessments/{id}"] = map[string]string{"id": draft}
	ids["PATCH /api/v1/impact-assessments/{id}"] = map[string]string{"id": draft}
	ids["POST /api/v1/impact-assessments/{id}/submit"] = map[string]string{"id": assessment("Complete draft", "fill")}
	ids["POST /api/v1/impact-assessments/{id}/approve"] = map[string]string{"id": assessment("In review A", "fill", "submit")}
	ids["POST /api/v1/impact-assessments/{id}/return"] = map[string]string{"id": assessment("In review B", "fill", "submit")}
	ids["POST /api/v1/impact-assessments/{id}/new-version"] = map[string]string{"id": approved}
	ids["GET /api/v1/impact-assessments/{id}/versions"] = map[string]string{"id": approved}
	ids["GET /api/v1/impact-assessments/{id}/diff"] = map[string]string{"id": approved}
	ids["POST /api/v1/impact-assessments/{id}/raise-risks"] = map[string]string{"id": approved}
	query["GET /api/v1/impact-assessments/{id}/diff"] = "?from=1&to=2"
	query["GET /api/v1/impact-assessments"] = "?status=draft"
}

type raisedJSON struct {
	Created []struct {
		PartyIndex  int    `json:"party_index"`
		EffectIndex int    `json:"effect_index"`
		EffectKind  string `json:"effect_kind"`
		RiskID      string `json:"risk_id"`
		Level       string
	} `json:"created"`
	Already []struct {
		RiskID       string `json:"risk_id"`
		AssessmentID string `json:"assessment_id"`
	} `json:"already_raised"`
	Skipped []struct {
		EffectKind string `json:"effect_kind"`
		Reason     string
	}
}

func TestRaiseRisksFromAssessmentAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		tn := s.bootstrap("Acme")
		cm, admin, owner, viewer, auditor := tn.tokens[auth.ComplianceManager], tn.tokens[auth.Admin], tn.tokens[auth.AISystemOwner], tn.tokens[auth.Viewer], tn.tokens[auth.Auditor]
		ownerID := tn.users[auth.AISystemOwner].ID
		var sys systemJSON
		s.do("POST", "/api/v1/ai-systems", cm, publicCVScreening(ownerID)).json(t, &sys)
		var a assessmentJSON
		s.do("POST", "/api/v1/impact-assessments", cm, map[string]any{"ai_system_id": sys.ID}).json(t, &a)
		path := "/api/v1/impact-assessments/" + a.ID
		body := map[string]any{}
		for k, v := range completeAssessment {
			body[k] = v
		}
		// Two effects that need treatment on the default method (4×3 = 12 high, 3×2 = 6 medium)
		// and one that does not (1×2 = 2 low).
		body["affected_parties"] = []map[string]any{{"kind": "groups", "name": "Job applicants", "effects": []map[string]any{
			{"kind": "fairness", "description": "Lower ranks for older applicants\nSeen in the 2025 pilot", "severity": 4, "likelihood": 3, "mitigations": "Quarterly disparity test\n- Recruiter reads every rejection"},
			{"kind": "privacy", "description": "Health inferred from CV gaps", "severity": 3, "likelihood": 2, "mitigations": "Gap features removed"},
			{"kind": "transparency", "description": "Applicants not told a model ranks them", "severity": 1, "likelihood": 2, "mitigations": "Notice on the careers page"},
		}}}
		s.do("PATCH", path, cm, body)

		// Not approved yet: a draft, then a version in review, raise nothing.
		if r := s.do("POST", path+"/raise-risks", cm, nil); r.status != 409 {
			t.Fatalf("raise from a draft: %d %s", r.status, r.body)
		}
		s.do("POST", path+"/submit", cm, nil)
		if r := s.do("POST", path+"/raise-risks", cm, nil); r.status != 409 {
			t.Fatalf("raise from a version in review: %d %s", r.status, r.body)
		}
		if r := s.do("POST", path+"/approve", admin, map[string]any{}); r.status != 200 {
			t.Fatalf("approve: %d %s", r.status, r.body)
		}

		// Roles: reading is not enough; an AI system owner only for systems they own.
		for name, tok := range map[string]string{"viewer": viewer, "auditor": auditor} {
			if r := s.do("POST", path+"/raise-risks", tok, nil); r.status != 403 {
				t.Fatalf("%s raises: %d", name, r.status)
			}
		}
		s.do("PATCH", "/api/v1/ai-systems/"+sys.ID, cm, map[string]any{"owner_id": tn.users[auth.ComplianceManager].ID})
		if r := s.do("POST", path+"/raise-risks", owner, nil); r.status != 403 {
			t.Fatalf("AI system owner raises for a system someone else owns: %d %s", r.status, r.body)
		}
		s.do("PATCH", "/api/v1/ai-systems/"+sys.ID, cm, map[string]any{"owner_id": ownerID})

		// Another organisation sees neither the assessment nor the risks.
		other := s.bootstrap("Globex")
		if r := s.do("POST", path+"/raise-risks", other.tokens[auth.Admin], nil); r.status != 404 {
			t.Fatalf("raise from another organisation: %d", r.status)
		}

		var res raisedJSON
		r := s.do("POST", path+"/raise-risks", owner, nil)
		if r.json(t, &res); r.status != 200 || len(res.Created) != 2 || len(res.Already) != 0 || len(res.Skipped) != 1 || res.Skipped[0].EffectKind != "transparency" {
			t.Fatalf("raise: %d %s", r.status, r.body)
		}
		var fairness struct {
			Title, Category, Description, Treatment, Status string
			OwnerID                                         string `json:"owner_id"`
			Likelihood, Impact                              int
			AISystemIDs                                     []string `json:"ai_system_ids"`
			Sources, Controls                               []string
			Actions                                         []struct{ Title, OwnerID string }
		}
		s.do("GET", "/api/v1/risks/"+res.Created[0].RiskID, viewer, nil).json(t, &fairness)
		if fairness.Category != "bias_fairness" || fairness.Likelihood != 3 || fairness.Impact != 4 || fairness.OwnerID != ownerID ||
			len(fairness.AISystemIDs) != 1 || fairness.AISystemIDs[0] != sys.ID || fairness.Treatment != "modify" || len(fairness.Actions) != 2 ||
			fairness.Actions[1].Title != "Recruiter reads every rejection" || len(fairness.Sources) == 0 ||
			!strings.Contains(fairness.Title, "Job applicants") || !strings.Contains(fairness.Title, "Lower ranks for older applicants") ||
			strings.Contains(fairness.Title, "pilot") || !strings.Contains(fairness.Description, "version 1") {
			t.Fatalf("raised risk: %+v", fairness)
		}
		var history struct{ Scores []struct{ Cause string } }
		s.do("GET", "/api/v1/risks/"+res.Created[0].RiskID+"/history", viewer, nil).json(t, &history)
		if len(history.Scores) != 1 || !strings.Contains(history.Scores[0].Cause, "raised by impact assessment "+a.ID) {
			t.Fatalf("history: %+v", history)
		}

		// Idempotent: the same call creates nothing and names the risks raised before.
		var again raisedJSON
		r = s.do("POST", path+"/raise-risks", cm, nil)
		if r.json(t, &again); r.status != 200 || len(again.Created) != 0 || len(again.Already) != 2 || again.Already[0].RiskID != res.Created[0].RiskID {
			t.Fatalf("raise again: %d %s", r.status, r.body)
		}
		var list struct{ Items []struct{ ID string } }
		s.do("GET", "/api/v1/risks?ai_system="+sys.ID, viewer, nil).json(t, &list)
		if len(list.Items) != 2 {
			t.Fatalf("risks of the system: %d", len(list.Items))
		}
		s.do("GET", "/api/v1/risks", other.tokens[auth.Admin], nil).json(t, &list)
		if len(list.Items) != 0 {
			t.Fatalf("another organisation sees %d risks", len(list.Items))
		}

		// A later version carries its effects over: approving it and raising again adds only
		// the new effect; a deleted risk is not brought back.
		if r := s.do("DELETE", "/api/v1/risks/"+res.Created[1].RiskID, cm, nil); r.status != 204 {
			t.Fatalf("delete raised risk: %d %s", r.status, r.body)
		}
		var v2 assessmentJSON
		s.do("POST", path+"/new-version", cm, nil).json(t, &v2)
		p2 := "/api/v1/impact-assessments/" + v2.ID
		parties := body["affected_parties"].([]map[string]any)
		parties[0]["effects"] = append(parties[0]["effects"].([]map[string]any),
			map[string]any{"kind": "autonomy", "description": "Rejections without review", "severity": 5, "likelihood": 2, "mitigations": "Rejections need a recruiter"})
		if r := s.do("PATCH", p2, cm, map[string]any{"affected_parties": parties}); r.status != 200 {
			t.Fatalf("patch v2: %d %s", r.status, r.body)
		}
		if r := s.do("POST", p2+"/submit", cm, nil); r.status != 200 {
			t.Fatalf("submit v2: %d %s", r.status, r.body)
		}
		if r := s.do("POST", p2+"/approve", admin, map[string]any{}); r.status != 200 {
			t.Fatalf("approve v2: %d %s", r.status, r.body)
		}
		if r := s.do("POST", path+"/raise-risks", cm, nil); r.status != 409 {
			t.Fatalf("raise from a superseded version: %d %s", r.status, r.body)
		}
		var third raisedJSON
		r = s.do("POST", p2+"/raise-risks", cm, nil)
		if r.json(t, &third); r.status != 200 || len(third.Created) != 1 || third.Created[0].EffectKind != "autonomy" || len(third.Already) != 2 {
			t.Fatalf("raise from version 2: %d %s", r.status, r.body)
		}
		for _, x := range third.Already {
			if x.AssessmentID != a.ID {
				t.Errorf("carried-over effect names %s, not version 1", x.AssessmentID)
			}
		}
		if third.Already[0].RiskID == "" && third.Already[1].RiskID == "" || third.Already[0].RiskID != "" && third.Already[1].RiskID != "" {
			t.Errorf("exactly one carried-over risk was deleted: %+v", third.Already)
		}

		// The assessment's audit trail records what it raised.
		var log struct {
			Items []struct {
				Action string
				After  json.RawMessage
			}
		}
		s.do("GET", "/api/v1/audit-log?record_type=impact_assessment&record_id="+a.ID, cm, nil).json(t, &log)
		found := false
		for _, it := range log.Items {
			found = found || strings.Contains(string(it.After), "raised_risks")
		}
		if !found {
			t.Fatalf("no audit entry for raised risks: %+v", log.Items)
		}
	})
}

// TestDueListIncludesAssessments: approved assessments to assess again join the risk
// register's due list, by the AI system's owner, overdue when a reason is recorded or the
// review date has passed; one reviewed far ahead stays off it.
func TestDueListIncludesAssessments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		tn := s.bootstrap("Acme")
		db := s.main.DB
		cmActor := auditlog.Actor{Kind: auditlog.ByUser, UserID: tn.users[auth.ComplianceManager].ID, Email: tn.users[auth.ComplianceManager].Email}
		ownerID := tn.users[auth.AISystemOwner].ID
		today := time.Now().UTC()
		approved := func(name, nextReview string) string {
			t.Helper()
			system, err := db.CreateSystem(bg, tn.org.ID, inventory.Input{Name: ptrTo(name), OwnerID: ptrTo(ownerID)}, sys)
			if err != nil {
				t.Fatal(err)
			}
			a, err := db.CreateAssessment(bg, tn.org.ID, impact.NewAssessment{SystemID: system.ID}, cmActor)
			if err == nil {
				text := func(s string) *string { return &s }
				a, err = db.UpdateAssessment(bg, tn.org.ID, a.ID, impact.Input{IntendedPurpose: text("Ranks"), ForeseeableMisuse: text("None"),
					AffectedParties: &[]impact.Party{{Kind: "groups", Name: "Staff", Effects: []impact.Effect{{Kind: "privacy", Severity: 2, Likelihood: 2, Mitigations: "Minimised"}}}},
					DataUsed:        text("Logs"), DataProvenance: text("Own"), ResidualImpact: text("Low"), ResidualLevel: ptrTo(impact.ResidualLevel("low")),
					Conclusion: text("Use"), NextReview: text(nextReview)}, nil, cmActor)
			}
			if err == nil {
				a, err = db.SubmitAssessment(bg, tn.org.ID, a.ID, nil, cmActor)
			}
			if err == nil {
				a, err = db.ApproveAssessment(bg, tn.org.ID, a.ID, impact.Decision{}, nil, sys)
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return a.ID
		}
		soon := approved("Reviewed soon", today.AddDate(0, 0, 10).Format(time.DateOnly))
		passed := approved("Review passed", today.AddDate(0, 0, -3).Format(time.DateOnly))
		changed := approved("Changed", "2099-01-31")
		far := approved("Reviewed far ahead", "2099-01-31")
		var changedSystem string
		if a, err := db.Assessment(bg, tn.org.ID, changed); err == nil {
			changedSystem = a.SystemID
		}
		if ok, err := db.MarkAssessmentDue(bg, tn.org.ID, changedSystem, impact.DueReason{Source: impact.DueRisk, Reason: "a linked risk rose to critical", Ref: "r1"}, sys); !ok || err != nil {
			t.Fatalf("mark due: %v %v", ok, err)
		}

		var list struct {
			Items []struct {
				Kind, Detail, Due, Href string
				RecordID                string `json:"record_id"`
				OwnerID                 string `json:"owner_id"`
				Overdue                 bool
			}
		}
		r := s.do("GET", "/api/v1/risks/due?owner="+ownerID, tn.tokens[auth.Viewer], nil)
		if r.json(t, &list); r.status != 200 {
			t.Fatalf("due: %d %s", r.status, r.body)
		}
		got := map[string]bool{}
		for _, it := range list.Items {
			if it.Kind != "impact_assessment_review" || it.OwnerID != ownerID {
				t.Errorf("unexpected item %+v", it)
			}
			got[it.RecordID] = it.Overdue
			if it.RecordID == changed && !strings.Contains(it.Detail, "a linked risk rose to critical") {
				t.Errorf("changed: %+v", it)
			}
		}
		if len(list.Items) != 3 || got[soon] || !got[passed] || !got[changed] {
			t.Fatalf("due items (overdue by id): %v; soon %s passed %s changed %s", got, soon, passed, changed)
		}
		if _, ok := got[far]; ok {
			t.Fatal("an assessment reviewed in 2099 is on the due list")
		}
		// Someone else's filter, and another organisation, see none of them.
		s.do("GET", "/api/v1/risks/due?owner="+tn.users[auth.Viewer].ID, tn.tokens[auth.Viewer], nil).json(t, &list)
		if len(list.Items) != 0 {
			t.Fatalf("the viewer's items: %+v", list.Items)
		}
		other := s.bootstrap("Globex")
		s.do("GET", "/api/v1/risks/due", other.tokens[auth.Admin], nil).json(t, &list)
		if len(list.Items) != 0 {
			t.Fatalf("another organisation's due list: %+v", list.Items)
		}
		// The page lists them under the owner, overdue ones highlighted.
		c, _ := signIn(t, s, tn.users[auth.AISystemOwner].Email, "a long enough password")
		page := get(t, c, s.url+"/risks/due?mine=true")
		if !strings.Contains(page.body, "Impact assessment of Review passed, version 1") || !strings.Contains(page.body, "Impact assessment review: next review date") ||
			!strings.Contains(page.body, `href="/impact-assessments/`+passed+`"`) || strings.Count(page.body, `class="overdue"`) != 2 {
			t.Fatalf("due page: %.3000s", page.body)
		}
	})
}
