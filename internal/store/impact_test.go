package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/impact"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/store"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

func as(m auth.Member) auditlog.Actor {
	return auditlog.Actor{Kind: auditlog.ByUser, UserID: m.ID, Email: m.Email}
}

// completeInput fills every field a submission needs, Art. 27 elements included.
func completeInput() impact.Input {
	return impact.Input{
		IntendedPurpose:   ptr("Ranks job applications for recruiters"),
		ForeseeableMisuse: ptr("Used to reject applicants without a recruiter reading the application"),
		AffectedParties: &[]impact.Party{{Kind: "groups", Name: "Job applicants", Effects: []impact.Effect{
			{Kind: "fairness", Description: "Lower ranks for older applicants", Severity: 4, Likelihood: 3, Mitigations: "Quarterly disparity test"},
			{Kind: "privacy", Description: "Inference of health from gaps", Severity: 3, Likelihood: 2, Mitigations: "Gap features removed"},
		}}},
		DataUsed:       ptr("CVs and recruiter decisions from 2019 to 2025"),
		DataProvenance: ptr("Our applicant tracking system; consent at application"),
		FRIA: &impact.FRIAInput{DeployerProcess: ptr("Pre-screening in recruitment"), PeriodAndFrequency: ptr("Daily, from 2027"),
			CategoriesOfPersons: ptr("Applicants"), SpecificRisks: ptr("Age and disability discrimination"),
			HumanOversight: ptr("A recruiter reviews every rejection"), MeasuresIfRisksMaterialise: ptr("Stop ranking; complaints desk")},
		ResidualImpact: ptr("Low after mitigation"),
		ResidualLevel:  ptr(impact.ResidualLevel("low")),
		Conclusion:     ptr("May be used with a recruiter reviewing every rejection"),
		NextReview:     ptr("2099-01-31"),
	}
}

type impactFixture struct {
	db              *store.DB
	orgID           string
	admin, reviewer auth.Member
	system          inventory.System
}

func newImpactFixture(t *testing.T, e storetest.Engine) impactFixture {
	t.Helper()
	db := storetest.Open(t, e)
	o, admin := bootstrap(t, db)
	reviewer, err := db.AddMember(ctx, o.ID, auth.NewUser{Email: "cm@example.org", Role: auth.ComplianceManager, Password: "correct horse battery"}, cli)
	if err != nil {
		t.Fatal(err)
	}
	in := cvScreening(admin.ID)
	in.Facts.DeployerPublicBodyOrPublicService = true
	sys, err := db.CreateSystem(ctx, o.ID, in, cli)
	if err != nil {
		t.Fatal(err)
	}
	return impactFixture{db: db, orgID: o.ID, admin: admin, reviewer: reviewer, system: sys}
}

func TestImpactAssessmentWorkflow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		f := newImpactFixture(t, e)
		db, author, reviewer := f.db, as(f.admin), as(f.reviewer)
		a, err := db.CreateAssessment(ctx, f.orgID, impact.NewAssessment{SystemID: f.system.ID}, author)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != impact.Draft || a.Number != 1 || !a.FRIARequired || a.IntendedPurpose != f.system.IntendedPurpose ||
			len(a.AffectedParties) != 1 || a.AffectedParties[0].Name != "Job applicants" {
			t.Fatalf("new assessment: %+v", a)
		}
		if _, err := db.CreateAssessment(ctx, f.orgID, impact.NewAssessment{SystemID: f.system.ID}, author); !fault.Is(err, fault.Conflict) {
			t.Fatalf("second series for one system: %v", err)
		}
		if _, err := db.CreateAssessment(ctx, f.orgID, impact.NewAssessment{SystemID: "nope"}, author); !hasField(err, "ai_system_id") {
			t.Fatalf("unknown system: %v", err)
		}

		// An empty draft cannot be submitted; the error names each missing field, the Art. 27 elements included.
		_, err = db.SubmitAssessment(ctx, f.orgID, a.ID, nil, author)
		for _, field := range []string{"foreseeable_misuse", "data_used", "conclusion", "affected_parties[0].effects", "fria.deployer_process", "fria.measures_if_risks_materialise"} {
			if !hasField(err, field) {
				t.Errorf("submitting an empty draft does not name %s: %v", field, err)
			}
		}
		if got, _ := db.Assessment(ctx, f.orgID, a.ID); got.Status != impact.Draft || got.Version != a.Version {
			t.Fatalf("a refused submission changed the record: %+v", got)
		}

		in := completeInput()
		in.FRIA.SpecificRisks = ptr("")
		a, err = db.UpdateAssessment(ctx, f.orgID, a.ID, in, ptr(a.Version), author)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpdateAssessment(ctx, f.orgID, a.ID, impact.Input{Conclusion: ptr("x")}, ptr(a.Version-1), author); !fault.Is(err, fault.PreconditionErr) {
			t.Fatalf("stale update: %v", err)
		}
		if _, err = db.SubmitAssessment(ctx, f.orgID, a.ID, nil, author); !hasField(err, "fria.specific_risks") || hasField(err, "fria.deployer_process") {
			t.Fatalf("one Art. 27 element missing: %v", err)
		}
		a, err = db.UpdateAssessment(ctx, f.orgID, a.ID, impact.Input{FRIA: &impact.FRIAInput{SpecificRisks: ptr("Age discrimination")}}, nil, author)
		if err != nil || a.FRIA.DeployerProcess == "" {
			t.Fatalf("partial FRIA update: %v %+v", err, a.FRIA)
		}
		a, err = db.SubmitAssessment(ctx, f.orgID, a.ID, nil, author)
		if err != nil || a.Status != impact.InReview || a.SubmittedBy != f.admin.ID {
			t.Fatalf("submit: %v %+v", err, a)
		}
		if _, err := db.UpdateAssessment(ctx, f.orgID, a.ID, impact.Input{Conclusion: ptr("x")}, nil, author); !fault.Is(err, fault.Conflict) {
			t.Fatalf("editing in review: %v", err)
		}
		// Four eyes: the submitter may not approve.
		if _, err := db.ApproveAssessment(ctx, f.orgID, a.ID, impact.Decision{}, nil, author); !fault.Is(err, fault.Forbidden) {
			t.Fatalf("self-approval: %v", err)
		}
		// Returning needs a comment, and puts the version back to draft.
		if _, err := db.ReturnAssessment(ctx, f.orgID, a.ID, impact.Decision{}, nil, reviewer); !hasField(err, "comment") {
			t.Fatalf("return without comment: %v", err)
		}
		a, err = db.ReturnAssessment(ctx, f.orgID, a.ID, impact.Decision{Comment: "Name the disparity metric"}, nil, reviewer)
		if err != nil || a.Status != impact.Draft || a.ReturnComment != "Name the disparity metric" || a.ReturnedBy != f.reviewer.ID {
			t.Fatalf("return: %v %+v", err, a)
		}
		a, _ = db.SubmitAssessment(ctx, f.orgID, a.ID, nil, author)
		a, err = db.ApproveAssessment(ctx, f.orgID, a.ID, impact.Decision{Comment: "Agreed"}, nil, reviewer)
		if err != nil || a.Status != impact.Approved || a.ApprovedBy != f.reviewer.ID || a.ApprovedAt == nil || a.Due {
			t.Fatalf("approve: %v %+v", err, a)
		}
		// Approved is frozen.
		if _, err := db.UpdateAssessment(ctx, f.orgID, a.ID, impact.Input{Conclusion: ptr("changed")}, nil, author); !fault.Is(err, fault.Conflict) {
			t.Fatalf("editing an approved version: %v", err)
		}
		if _, err := db.ApproveAssessment(ctx, f.orgID, a.ID, impact.Decision{}, nil, reviewer); !fault.Is(err, fault.Conflict) {
			t.Fatalf("approving twice: %v", err)
		}

		// A new version is a draft copy; the approved one stays in force until the new one is approved.
		v2, err := db.NewAssessmentVersion(ctx, f.orgID, a.ID, reviewer)
		if err != nil || v2.Number != 2 || v2.Status != impact.Draft || v2.Conclusion != a.Conclusion || v2.ID == a.ID {
			t.Fatalf("new version: %v %+v", err, v2)
		}
		if _, err := db.NewAssessmentVersion(ctx, f.orgID, a.ID, reviewer); !fault.Is(err, fault.Conflict) {
			t.Fatalf("two open versions: %v", err)
		}
		parties := *completeInput().AffectedParties
		parties[0].Effects[0].Severity = 5
		v2, err = db.UpdateAssessment(ctx, f.orgID, v2.ID, impact.Input{AffectedParties: &parties, Conclusion: ptr("Use only with two reviewers")}, nil, reviewer)
		if err != nil {
			t.Fatal(err)
		}
		if first, _ := db.Assessment(ctx, f.orgID, a.ID); first.Conclusion != a.Conclusion || first.AffectedParties[0].Effects[0].Severity != 4 {
			t.Fatalf("editing the copy changed the approved version: %+v", first)
		}
		v2, _ = db.SubmitAssessment(ctx, f.orgID, v2.ID, nil, reviewer)
		if _, err := db.ApproveAssessment(ctx, f.orgID, v2.ID, impact.Decision{}, nil, reviewer); !fault.Is(err, fault.Forbidden) {
			t.Fatalf("the compliance manager approving their own submission: %v", err)
		}
		v2, err = db.ApproveAssessment(ctx, f.orgID, v2.ID, impact.Decision{}, nil, author)
		if err != nil || v2.Status != impact.Approved {
			t.Fatalf("approve v2: %v", err)
		}
		if first, _ := db.Assessment(ctx, f.orgID, a.ID); first.Status != impact.Superseded || first.SupersededAt == nil {
			t.Fatalf("v1 after v2 approved: %+v", first)
		}

		vs, err := db.AssessmentVersions(ctx, f.orgID, a.ID)
		if err != nil || len(vs) != 2 || vs[0].Number != 1 || vs[1].Number != 2 {
			t.Fatalf("versions: %v %d", err, len(vs))
		}
		cmp, err := db.CompareAssessments(ctx, f.orgID, v2.ID, 0, 0)
		if err != nil || cmp.From != 1 || cmp.To != 2 || cmp.Changed != 2 {
			t.Fatalf("compare: %v %+v", err, cmp)
		}
		changed := map[string]impact.FieldDiff{}
		for _, d := range cmp.Fields {
			if d.Changed {
				changed[d.Field] = d
			}
		}
		if d := changed["affected_parties[0].effects[0].severity"]; d.From != "4" || d.To != "5" {
			t.Errorf("severity change: %+v", changed)
		}
		if _, ok := changed["conclusion"]; !ok {
			t.Errorf("conclusion change missing: %+v", changed)
		}
		if _, err := db.CompareAssessments(ctx, f.orgID, v2.ID, 1, 7); !hasField(err, "to") {
			t.Fatalf("compare with a missing version: %v", err)
		}

		// Every change is in the audit trail.
		log, err := db.AuditLog(ctx, f.orgID, auditlog.Filter{RecordType: "impact_assessment"}, store.PageRequest{Limit: 100})
		if err != nil || len(log.Items) < 12 {
			t.Fatalf("audit entries for impact assessments: %d %v", len(log.Items), err)
		}
		if v, err := db.VerifyAuditLog(ctx, f.orgID); err != nil || !v.OK {
			t.Fatalf("audit chain: %+v %v", v, err)
		}
	})
}

func TestImpactAssessmentDue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		f := newImpactFixture(t, e)
		db := f.db
		approve := func(sysID string, next string) impact.Assessment {
			t.Helper()
			a, err := db.CreateAssessment(ctx, f.orgID, impact.NewAssessment{SystemID: sysID}, as(f.admin))
			if err != nil {
				t.Fatal(err)
			}
			in := completeInput()
			in.NextReview = &next
			if a, err = db.UpdateAssessment(ctx, f.orgID, a.ID, in, nil, as(f.admin)); err != nil {
				t.Fatal(err)
			}
			if a, err = db.SubmitAssessment(ctx, f.orgID, a.ID, nil, as(f.admin)); err != nil {
				t.Fatal(err)
			}
			if a, err = db.ApproveAssessment(ctx, f.orgID, a.ID, impact.Decision{}, nil, as(f.reviewer)); err != nil {
				t.Fatal(err)
			}
			return a
		}
		a := approve(f.system.ID, "2099-01-31")
		due := func(want bool) []impact.Assessment {
			t.Helper()
			pg, err := db.Assessments(ctx, f.orgID, impact.Filter{Due: &want}, store.PageRequest{})
			if err != nil {
				t.Fatal(err)
			}
			return pg.Items
		}
		if len(due(true)) != 0 || len(due(false)) != 1 {
			t.Fatalf("fresh approval is due")
		}
		// A change that is not material leaves it alone; a new model version makes it due.
		if _, err := db.UpdateSystem(ctx, f.orgID, f.system.ID, inventory.Input{BusinessUnit: ptr("HR")}, nil, cli); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.Assessment(ctx, f.orgID, a.ID); got.Due {
			t.Fatalf("due after an immaterial change: %+v", got.DueReasons)
		}
		if _, err := db.UpdateSystem(ctx, f.orgID, f.system.ID, inventory.Input{
			Models: ptr([]inventory.Model{{Name: "rank-v2", Version: "3.0", Provider: "TalentRank"}})}, nil, cli); err != nil {
			t.Fatal(err)
		}
		got, _ := db.Assessment(ctx, f.orgID, a.ID)
		if !got.Due || len(got.DueReasons) != 1 || got.DueReasons[0].Source != impact.DueMaterialChange || !strings.Contains(got.DueReasons[0].Reason, "3.0") {
			t.Fatalf("after a material change: %+v", got.DueReasons)
		}
		if got.Conclusion != a.Conclusion || got.Status != impact.Approved {
			t.Fatal("marking due changed the frozen content")
		}
		// Marking the system reviewed in the register does not clear the assessment's due state.
		if _, err := db.UpdateSystem(ctx, f.orgID, f.system.ID, inventory.Input{MarkReviewed: true}, nil, cli); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.Assessment(ctx, f.orgID, a.ID); !got.Due {
			t.Fatal("the register's review cleared the assessment's re-assessment")
		}
		if items := due(true); len(items) != 1 || items[0].ID != a.ID {
			t.Fatalf("due filter: %d", len(items))
		}
		// A new approved version clears it.
		v2, err := db.NewAssessmentVersion(ctx, f.orgID, a.ID, as(f.admin))
		if err != nil {
			t.Fatal(err)
		}
		v2, _ = db.SubmitAssessment(ctx, f.orgID, v2.ID, nil, as(f.admin))
		if v2, err = db.ApproveAssessment(ctx, f.orgID, v2.ID, impact.Decision{}, nil, as(f.reviewer)); err != nil || v2.Due {
			t.Fatalf("re-approved: %v due %v", err, v2.Due)
		}
		if len(due(true)) != 0 {
			t.Fatal("a superseded version is still due")
		}

		// The hook for other capabilities: a linked risk asks for a re-assessment, once.
		r := impact.DueReason{Source: impact.DueRisk, Reason: "risk 'Age bias' rose to high", Ref: "risk-1"}
		for range 2 {
			if ok, err := db.MarkAssessmentDue(ctx, f.orgID, f.system.ID, r, cli); err != nil || !ok {
				t.Fatalf("mark due: %v %v", ok, err)
			}
		}
		if got, _ := db.Assessment(ctx, f.orgID, v2.ID); len(got.DueReasons) != 1 || got.DueReasons[0].Ref != "risk-1" {
			t.Fatalf("after the risk hook: %+v", got.DueReasons)
		}
		if _, err := db.MarkAssessmentDue(ctx, f.orgID, f.system.ID, impact.DueReason{Source: "whim"}, cli); !hasField(err, "source") || !hasField(err, "reason") {
			t.Fatalf("bad due reason: %v", err)
		}
		// A system without an approved assessment has nothing to mark.
		other, _ := db.CreateSystem(ctx, f.orgID, inventory.Input{Name: ptr("Spam filter")}, cli)
		if ok, err := db.MarkAssessmentDue(ctx, f.orgID, other.ID, r, cli); err != nil || ok {
			t.Fatalf("mark due without an approved assessment: %v %v", ok, err)
		}

		// A next-review date that has come makes it due, and says so.
		past := approve(other.ID, time.Now().AddDate(0, 0, -1).Format(time.DateOnly))
		if !past.Due || past.DueReasons[0].Source != impact.DueOnDate {
			t.Fatalf("past review date: %+v", past)
		}
		if items := due(true); len(items) != 2 {
			t.Fatalf("due filter with a passed date: %d", len(items))
		}
	})
}

func TestImpactAssessmentIsolationAndFRIA(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		f := newImpactFixture(t, e)
		db := f.db
		a, err := db.CreateAssessment(ctx, f.orgID, impact.NewAssessment{SystemID: f.system.ID}, as(f.admin))
		if err != nil {
			t.Fatal(err)
		}
		other, err := db.CreateOrganisation(ctx, "Globex", cli)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Assessment(ctx, other.ID, a.ID); !fault.Is(err, fault.NotFound) {
			t.Fatalf("read across organisations: %v", err)
		}
		if _, err := db.UpdateAssessment(ctx, other.ID, a.ID, impact.Input{Conclusion: ptr("x")}, nil, cli); !fault.Is(err, fault.NotFound) {
			t.Fatalf("update across organisations: %v", err)
		}
		if _, err := db.CreateAssessment(ctx, other.ID, impact.NewAssessment{SystemID: f.system.ID}, cli); !hasField(err, "ai_system_id") {
			t.Fatalf("assess another organisation's system: %v", err)
		}
		if pg, _ := db.Assessments(ctx, other.ID, impact.Filter{}, store.PageRequest{}); len(pg.Items) != 0 {
			t.Fatalf("list across organisations: %d", len(pg.Items))
		}
		if _, err := db.Assessments(ctx, f.orgID, impact.Filter{Status: "done"}, store.PageRequest{}); !hasField(err, "status") {
			t.Fatalf("bad status filter: %v", err)
		}

		// No FRIA for a system whose classification does not ask for one; the elements are then optional.
		plain, _ := db.CreateSystem(ctx, f.orgID, inventory.Input{Name: ptr("Demand forecast"), ActRoles: ptr([]aiact.Role{aiact.RoleDeployer}),
			Facts: &aiact.Facts{EUNexus: aiact.EUNexus{DeployerEstablishedInEU: true}}}, cli)
		b, err := db.CreateAssessment(ctx, f.orgID, impact.NewAssessment{SystemID: plain.ID}, as(f.admin))
		if err != nil || b.FRIARequired {
			t.Fatalf("minimal-risk system owes a FRIA: %v %v", err, b.FRIARequired)
		}
		in := completeInput()
		in.FRIA = nil
		b, _ = db.UpdateAssessment(ctx, f.orgID, b.ID, in, nil, as(f.admin))
		if _, err := db.SubmitAssessment(ctx, f.orgID, b.ID, nil, as(f.admin)); err != nil {
			t.Fatalf("submit without FRIA where none is owed: %v", err)
		}
		pg, err := db.Assessments(ctx, f.orgID, impact.Filter{SystemID: plain.ID, Status: impact.InReview}, store.PageRequest{Limit: 1})
		if err != nil || len(pg.Items) != 1 || pg.Items[0].ID != b.ID {
			t.Fatalf("filter by system and status: %v %+v", err, pg)
		}
		// Paging walks every record once.
		pg, err = db.Assessments(ctx, f.orgID, impact.Filter{}, store.PageRequest{Limit: 1})
		if err != nil || len(pg.Items) != 1 || pg.NextCursor == "" {
			t.Fatalf("first page: %v %+v", err, pg)
		}
		next, err := db.Assessments(ctx, f.orgID, impact.Filter{}, store.PageRequest{Limit: 1, Cursor: pg.NextCursor})
		if err != nil || len(next.Items) != 1 || next.Items[0].ID == pg.Items[0].ID || next.NextCursor != "" {
			t.Fatalf("second page: %v %+v", err, next)
		}
		// Bad input names the field and changes nothing.
		bad := []impact.Party{{Kind: "aliens", Effects: []impact.Effect{{Kind: "fairness", Severity: 9}}}}
		_, err = db.UpdateAssessment(ctx, f.orgID, a.ID, impact.Input{AffectedParties: &bad, NextReview: ptr("soon")}, nil, as(f.admin))
		for _, field := range []string{"affected_parties[0].kind", "affected_parties[0].effects[0].severity", "next_review"} {
			if !hasField(err, field) {
				t.Errorf("bad input does not name %s: %v", field, err)
			}
		}
	})
}

func hasField(err error, field string) bool {
	for _, f := range fault.Fields(err) {
		if f.Field == field {
			return true
		}
	}
	return false
}
