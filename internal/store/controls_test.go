package store_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/control"
	"github.com/annexa-dev/annexa/internal/evidence"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/impact"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/risk"
	"github.com/annexa-dev/annexa/internal/soa"
	"github.com/annexa-dev/annexa/internal/store"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

func library(t *testing.T) *catalog.Library {
	t.Helper()
	lib, err := catalog.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

func TestControlsLifecycle(t *testing.T) {
	lib := library(t)
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, admin := bootstrap(t, db)
		links := []control.RequirementRef{{Catalog: "iso27001-2022", Item: "A.5.19"}, {Catalog: "iso42001-2023", Item: "A.10.3"}, {Catalog: "nist-ai-rmf-1.0", Item: "GOVERN 6.1"}}
		c, err := db.CreateControl(ctx, o.ID, control.Edit{Title: ptr("Supplier security and AI due diligence"), Ref: ptr("SUP-1"),
			OwnerID: ptr(admin.ID), Status: ptr(control.Partial), Frequency: ptr(control.Frequency("annually")), Links: &links}, lib, cli)
		if err != nil {
			t.Fatal(err)
		}
		if c.Generated || len(c.Links) != 3 || !c.Counts() || c.Version != 1 {
			t.Fatalf("created: %+v", c)
		}
		read, err := db.Control(ctx, o.ID, c.ID)
		if err != nil || len(read.Links) != 3 || read.Links[2].Item != "GOVERN 6.1" || read.Frequency != "annually" {
			t.Fatalf("read back: %+v %v", read, err)
		}

		// Linking to a requirement that does not exist names the link; nothing is stored.
		bad := []control.RequirementRef{{Catalog: "iso27001-2022", Item: "A.5.99"}}
		_, err = db.CreateControl(ctx, o.ID, control.Edit{Title: ptr("Bad"), Links: &bad}, lib, cli)
		if !fault.Is(err, fault.Invalid) || fault.Fields(err)[0].Field != "links[0]" {
			t.Fatalf("nonexistent requirement: %v", err)
		}
		if _, err := db.UpdateControl(ctx, o.ID, c.ID, control.Edit{Links: &bad}, lib, nil, cli); !fault.Is(err, fault.Invalid) {
			t.Fatalf("update to nonexistent requirement: %v", err)
		}
		if _, err := db.CreateControl(ctx, o.ID, control.Edit{Title: ptr("Dup"), Ref: ptr("SUP-1")}, lib, cli); !fault.Is(err, fault.Conflict) {
			t.Fatalf("duplicate ref: %v", err)
		}
		if _, err := db.UpdateControl(ctx, o.ID, c.ID, control.Edit{Status: ptr(control.Implemented)}, lib, ptr(int64(7)), cli); !fault.Is(err, fault.PreconditionErr) {
			t.Fatalf("stale update: %v", err)
		}
		up, err := db.UpdateControl(ctx, o.ID, c.ID, control.Edit{Status: ptr(control.Implemented)}, lib, ptr(c.Version), cli)
		if err != nil || up.Status != control.Implemented || up.Version != 2 || len(up.Links) != 3 {
			t.Fatalf("update: %+v %v", up, err)
		}

		// Starter controls: one per Annex A control, generated, skipped when already linked.
		cat, _ := lib.Catalog("iso27001-2022")
		gen, err := db.GenerateControls(ctx, o.ID, cat, cli)
		if err != nil {
			t.Fatal(err)
		}
		if len(gen.Created) != 92 || gen.Skipped != 1 || !gen.Created[0].Generated || gen.Created[0].Counts() {
			t.Fatalf("generated %d skipped %d", len(gen.Created), gen.Skipped)
		}
		again, err := db.GenerateControls(ctx, o.ID, cat, cli)
		if err != nil || len(again.Created) != 0 || again.Skipped != 93 {
			t.Fatalf("second generation: %d %d %v", len(again.Created), again.Skipped, err)
		}
		yes := true
		pg, err := db.Controls(ctx, o.ID, control.Filter{Generated: &yes}, store.PageRequest{Limit: 50})
		if err != nil || len(pg.Items) != 50 || pg.NextCursor == "" {
			t.Fatalf("generated page: %d %q %v", len(pg.Items), pg.NextCursor, err)
		}
		pg2, err := db.Controls(ctx, o.ID, control.Filter{Generated: &yes}, store.PageRequest{Limit: 50, Cursor: pg.NextCursor})
		if err != nil || len(pg2.Items) != 42 || pg2.NextCursor != "" {
			t.Fatalf("second page: %d %v", len(pg2.Items), err)
		}
		byReq, err := db.Controls(ctx, o.ID, control.Filter{Requirement: &control.RequirementRef{Catalog: "iso27001-2022", Item: "A.5.19"}}, store.PageRequest{})
		if err != nil || len(byReq.Items) != 1 || byReq.Items[0].ID != c.ID {
			t.Fatalf("by requirement: %+v %v", byReq.Items, err)
		}
		// Confirming a starter takes it on.
		starter := gen.Created[0]
		conf, err := db.UpdateControl(ctx, o.ID, starter.ID, control.Edit{Confirm: true}, lib, nil, cli)
		if err != nil || conf.Generated {
			t.Fatalf("confirm: %+v %v", conf, err)
		}

		// Merge: links joined, evidence moved, the merged control gone.
		ev, err := db.CreateEvidence(ctx, o.ID, evidence.Parsed{Title: "Supplier register", URL: "https://intranet.example/suppliers",
			Attach: &evidence.Attachment{RecordType: evidence.ToControl, RecordID: starter.ID}}, nil, cli)
		if err != nil {
			t.Fatal(err)
		}
		merged, err := db.MergeControls(ctx, o.ID, starter.ID, c.ID, cli)
		if err != nil {
			t.Fatal(err)
		}
		if len(merged.Links) != 4 || merged.Version != 3 {
			t.Fatalf("merged: %+v", merged)
		}
		if _, err := db.Control(ctx, o.ID, starter.ID); !fault.Is(err, fault.NotFound) {
			t.Fatalf("merged control still there: %v", err)
		}
		moved, err := db.Evidence(ctx, o.ID, ev.ID)
		if err != nil || len(moved.Links) != 1 || moved.Links[0].RecordID != c.ID {
			t.Fatalf("evidence not moved: %+v %v", moved.Links, err)
		}
		if _, err := db.MergeControls(ctx, o.ID, c.ID, c.ID, cli); !fault.Is(err, fault.Invalid) {
			t.Fatalf("merge into itself: %v", err)
		}

		// Another organisation sees none of it.
		other, err := db.CreateOrganisation(ctx, "Other", cli)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Control(ctx, other.ID, c.ID); !fault.Is(err, fault.NotFound) {
			t.Fatalf("cross-organisation read: %v", err)
		}
		if _, err := db.MergeControls(ctx, other.ID, c.ID, gen.Created[1].ID, cli); !fault.Is(err, fault.NotFound) {
			t.Fatalf("cross-organisation merge: %v", err)
		}
		if err := db.DeleteControl(ctx, o.ID, c.ID, nil, cli); err != nil {
			t.Fatal(err)
		}
		log, err := db.AuditLog(ctx, o.ID, auditlog.Filter{RecordType: "control", RecordID: c.ID}, store.PageRequest{})
		if err != nil || len(log.Items) != 4 { // create, update, merge, delete
			t.Fatalf("audit of control: %d %v", len(log.Items), err)
		}
		if v, err := db.VerifyAuditLog(ctx, o.ID); err != nil || !v.OK {
			t.Fatalf("audit chain: %+v %v", v, err)
		}
	})
}

func TestEvidenceStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, admin := bootstrap(t, db)
		actor := auditlog.Actor{Kind: auditlog.ByUser, UserID: admin.ID, Email: admin.Email}
		bs := db.EvidenceBlobs()
		data := []byte("%PDF-1.4 policy v1")
		sum, err := evidence.Store(ctx, bs, data)
		if err != nil {
			t.Fatal(err)
		}
		until := time.Now().UTC().Add(10 * 24 * time.Hour).Truncate(time.Second)
		ev, err := db.CreateEvidence(ctx, o.ID, evidence.Parsed{Title: "AI policy", ValidUntil: &until},
			&store.NewFile{FileName: "ai-policy.pdf", ContentType: "application/pdf", SHA256: sum, Size: int64(len(data))}, actor)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Kind != evidence.File || ev.Current == nil || ev.Current.Number != 1 || ev.ValidityAt(time.Now()) != evidence.Expiring {
			t.Fatalf("created: %+v", ev)
		}
		got, err := evidence.Load(ctx, bs, ev.Current.SHA256)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("load: %q %v", got, err)
		}
		// A new version keeps the old one.
		data2 := []byte("%PDF-1.4 policy v2")
		sum2, _ := evidence.Store(ctx, bs, data2)
		later := until.Add(365 * 24 * time.Hour)
		v2, err := db.AddEvidenceVersion(ctx, o.ID, ev.ID, evidence.Parsed{Note: "2027 review", ValidUntil: &later, SetUntil: true},
			store.NewFile{FileName: "ai-policy-2.pdf", ContentType: "application/pdf", SHA256: sum2, Size: int64(len(data2))}, actor)
		if err != nil || v2.CurrentVersion != 2 || v2.Current.SHA256 != sum2 || !v2.ValidUntil.Equal(later) {
			t.Fatalf("new version: %+v %v", v2, err)
		}
		versions, err := db.EvidenceVersions(ctx, o.ID, ev.ID)
		if err != nil || len(versions) != 2 || versions[1].SHA256 != sum || versions[0].Note != "2027 review" {
			t.Fatalf("versions: %+v %v", versions, err)
		}
		_, first, err := db.EvidenceVersion(ctx, o.ID, ev.ID, 1)
		if err != nil || first.FileName != "ai-policy.pdf" {
			t.Fatalf("version 1: %+v %v", first, err)
		}
		// Links, and the filters.
		expired := time.Now().UTC().Add(-24 * time.Hour)
		link, err := db.CreateEvidence(ctx, o.ID, evidence.Parsed{Title: "Pen test report", URL: "https://docs.example/pentest", ValidUntil: &expired,
			Attach: &evidence.Attachment{RecordType: evidence.ToRequirement, RecordID: "iso27001-2022:A.8.8"}}, nil, actor)
		if err != nil || link.Kind != evidence.Link || link.ValidityAt(time.Now()) != evidence.Expired {
			t.Fatalf("link: %+v %v", link, err)
		}
		if _, err := db.LinkEvidence(ctx, o.ID, ev.ID, evidence.Attachment{RecordType: evidence.ToRequirement, RecordID: "iso27001-2022:A.8.8"}, actor); err != nil {
			t.Fatal(err)
		}
		byRec, err := db.EvidenceList(ctx, o.ID, evidence.Filter{RecordType: evidence.ToRequirement, RecordID: "iso27001-2022:A.8.8"}, store.PageRequest{})
		if err != nil || len(byRec.Items) != 2 {
			t.Fatalf("by record: %d %v", len(byRec.Items), err)
		}
		expiring, err := db.EvidenceList(ctx, o.ID, evidence.Filter{ExpiringWithin: 30}, store.PageRequest{})
		if err != nil || len(expiring.Items) != 1 || expiring.Items[0].ID != link.ID {
			t.Fatalf("expiring within 30 days: %+v %v", expiring.Items, err)
		}
		expiring, err = db.EvidenceList(ctx, o.ID, evidence.Filter{ExpiringWithin: 400}, store.PageRequest{Limit: 1})
		if err != nil || len(expiring.Items) != 1 || expiring.Items[0].ID != link.ID || expiring.NextCursor == "" {
			t.Fatalf("expiring page 1: %+v %v", expiring, err)
		}
		expiring, err = db.EvidenceList(ctx, o.ID, evidence.Filter{ExpiringWithin: 400}, store.PageRequest{Limit: 1, Cursor: expiring.NextCursor})
		if err != nil || len(expiring.Items) != 1 || expiring.Items[0].ID != ev.ID {
			t.Fatalf("expiring page 2: %+v %v", expiring, err)
		}
		un, err := db.UnlinkEvidence(ctx, o.ID, ev.ID, evidence.Attachment{RecordType: evidence.ToRequirement, RecordID: "iso27001-2022:A.8.8"}, actor)
		if err != nil || len(un.Links) != 0 {
			t.Fatalf("unlink: %+v %v", un, err)
		}
		if _, err := db.UnlinkEvidence(ctx, o.ID, ev.ID, evidence.Attachment{RecordType: evidence.ToRequirement, RecordID: "iso27001-2022:A.8.8"}, actor); !fault.Is(err, fault.NotFound) {
			t.Fatalf("unlink twice: %v", err)
		}
		if _, err := db.AddEvidenceVersion(ctx, o.ID, link.ID, evidence.Parsed{}, store.NewFile{SHA256: sum}, actor); !fault.Is(err, fault.Invalid) {
			t.Fatalf("file version on a link: %v", err)
		}
		other, _ := db.CreateOrganisation(ctx, "Other", cli)
		if _, err := db.Evidence(ctx, other.ID, ev.ID); !fault.Is(err, fault.NotFound) {
			t.Fatalf("cross-organisation: %v", err)
		}
		// A corrupted blob is never served.
		if e.Name == "sqlite" {
			p := filepath.Join(db.EvidenceDir(), sum[:2], sum[2:4], sum)
			os.Chmod(p, 0o600)
			if err := os.WriteFile(p, []byte("tampered"), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := evidence.Load(ctx, bs, sum); !fault.Is(err, fault.Internal) || !strings.Contains(err.Error(), "hash") {
				t.Fatalf("corrupted blob: %v", err)
			}
		}
		if _, err := evidence.Load(ctx, bs, evidence.Hash([]byte("never stored"))); err == nil {
			t.Fatal("a missing blob loads")
		}
	})
}

func TestSoAStatementVersionsAndFourEyes(t *testing.T) {
	lib := library(t)
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, admin := bootstrap(t, db)
		mgr, err := db.AddMember(ctx, o.ID, auth.NewUser{Email: "cm@example.org", Role: auth.ComplianceManager, Password: "a long enough password"}, cli)
		if err != nil {
			t.Fatal(err)
		}
		ada := auditlog.Actor{Kind: auditlog.ByUser, UserID: admin.ID, Email: admin.Email}
		cm := auditlog.Actor{Kind: auditlog.ByUser, UserID: mgr.ID, Email: mgr.Email}
		cat, _ := lib.Catalog("iso42001-2023")

		// An empty organisation: nothing decided, nothing proposed.
		st, err := db.SoAStatement(ctx, o.ID, cat, lib)
		if err != nil || len(st.Entries) != 38 || st.Summary.Undecided != 38 {
			t.Fatalf("empty statement: %d %+v %v", len(st.Entries), st.Summary, err)
		}
		// A high-risk system makes the inventory propose controls, with the system named.
		if _, err := db.CreateSystem(ctx, o.ID, inventory.Input{Name: ptr("TalentRank CV screening"), Sourcing: ptr(inventory.ThirdParty),
			ActRoles: ptr([]aiact.Role{aiact.RoleDeployer}), AffectedGroups: ptr([]inventory.AffectedGroup{"job_applicants"}),
			Facts: &aiact.Facts{EUNexus: aiact.EUNexus{DeployerEstablishedInEU: true}, AnnexIIIUseCases: []aiact.AnnexIIIPoint{"4a"}}}, cli); err != nil {
			t.Fatal(err)
		}
		st, err = db.SoAStatement(ctx, o.ID, cat, lib)
		if err != nil || st.Summary.Proposed == 0 {
			t.Fatalf("proposals: %+v %v", st.Summary, err)
		}
		var proposed soa.Row
		for _, en := range st.Entries {
			if en.State == soa.Proposed {
				proposed = en
				break
			}
		}
		if !strings.Contains(proposed.Proposal.Justification, "TalentRank CV screening") || proposed.Applicable != nil {
			t.Fatalf("proposal: %+v", proposed.Proposal)
		}
		// Excluding without a justification is refused and changes nothing.
		no := false
		if _, err := db.DecideSoA(ctx, o.ID, cat, "A.2.2", soa.Decision{Applicable: &no}, nil, ada); !fault.Is(err, fault.Invalid) || fault.Fields(err)[0].Field != "justification" {
			t.Fatalf("exclusion without justification: %v", err)
		}
		if _, err := db.DecideSoA(ctx, o.ID, cat, "B.1", soa.Decision{Applicable: &no, Justification: "x"}, nil, ada); !fault.Is(err, fault.NotFound) {
			t.Fatalf("unknown control: %v", err)
		}
		n, err := db.AcceptProposals(ctx, o.ID, cat, mustProposals(t, db, o.ID, lib), ada)
		if err != nil || n != st.Summary.Proposed {
			t.Fatalf("accept proposals: %d of %d, %v", n, st.Summary.Proposed, err)
		}
		st, _ = db.SoAStatement(ctx, o.ID, cat, lib)
		for _, en := range st.Entries {
			if en.State != soa.Decided {
				if _, err := db.DecideSoA(ctx, o.ID, cat, en.ItemID, soa.Decision{Applicable: &no, Justification: "No AI system of ours needs it yet."}, ptr(int64(0)), ada); err != nil {
					t.Fatal(err)
				}
			}
		}
		st, _ = db.SoAStatement(ctx, o.ID, cat, lib)
		if ok, open := st.Complete(); !ok {
			t.Fatalf("still open: %v", open)
		}
		v1, err := db.CreateSoAVersion(ctx, o.ID, st, "first issue", ada)
		if err != nil || v1.Number != 1 {
			t.Fatalf("version 1: %+v %v", v1, err)
		}
		// Four eyes: the preparer may not approve; another person may.
		if _, err := db.UpdateSoASettings(ctx, o.ID, soa.SettingsPatch{FourEyes: ptr(true)}, nil, ada); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ApproveSoAVersion(ctx, o.ID, cat.ID, 1, ada); !fault.Is(err, fault.Forbidden) {
			t.Fatalf("approving one's own version with four eyes: %v", err)
		}
		if v, _ := db.SoAVersion(ctx, o.ID, cat.ID, 1); v.Approved() {
			t.Fatal("a refused approval changed the version")
		}
		ap, err := db.ApproveSoAVersion(ctx, o.ID, cat.ID, 1, cm)
		if err != nil || !ap.Approved() || ap.ApprovedByEmail != "cm@example.org" {
			t.Fatalf("approve: %+v %v", ap, err)
		}
		if _, err := db.ApproveSoAVersion(ctx, o.ID, cat.ID, 1, cm); !fault.Is(err, fault.Conflict) {
			t.Fatalf("approve twice: %v", err)
		}
		// A change and a second version: the diff names it.
		yes := true
		flip := ""
		for _, en := range st.Entries {
			if !*en.Applicable {
				flip = en.ItemID
				break
			}
		}
		if _, err := db.DecideSoA(ctx, o.ID, cat, flip, soa.Decision{Applicable: &yes, Justification: "The AI policy is now in scope."}, nil, cm); err != nil {
			t.Fatal(err)
		}
		st2, _ := db.SoAStatement(ctx, o.ID, cat, lib)
		v2, err := db.CreateSoAVersion(ctx, o.ID, st2, "", cm)
		if err != nil || v2.Number != 2 {
			t.Fatal(err)
		}
		if _, err := db.ApproveSoAVersion(ctx, o.ID, cat.ID, 1, ada); !fault.Is(err, fault.Conflict) {
			t.Fatalf("approving a superseded version: %v", err)
		}
		a, _ := db.SoAVersion(ctx, o.ID, cat.ID, 1)
		b, _ := db.SoAVersion(ctx, o.ID, cat.ID, 2)
		diff := soa.Diff(*a.Statement, *b.Statement)
		found := false
		for _, c := range diff {
			if c.ItemID == flip && c.Field == "applicable" && c.After == "applicable" {
				found = true
			}
		}
		if !found {
			t.Fatalf("diff lacks %s: %+v", flip, diff)
		}
		vs, err := db.SoAVersions(ctx, o.ID, cat.ID)
		if err != nil || len(vs) != 2 || vs[0].Number != 2 || vs[1].ApprovedAt == nil {
			t.Fatalf("versions: %+v %v", vs, err)
		}
		other, _ := db.CreateOrganisation(ctx, "Other", cli)
		if _, err := db.SoAVersion(ctx, other.ID, cat.ID, 1); !fault.Is(err, fault.NotFound) {
			t.Fatalf("cross-organisation version: %v", err)
		}
	})
}

func mustProposals(t *testing.T, db *store.DB, orgID string, lib *catalog.Library) map[string]soa.Proposal {
	t.Helper()
	p, err := db.SoAProposals(ctx, orgID, "iso42001-2023", lib)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRecordExistsRisksAndAssessments: evidence may attach to risks and impact assessment
// versions of the organisation only.
func TestRecordExistsRisksAndAssessments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, admin := bootstrap(t, db)
		actor := auditlog.Actor{Kind: auditlog.ByUser, UserID: admin.ID, Email: admin.Email}
		r, err := db.CreateRisk(ctx, o.ID, risk.Input{Title: ptr("Leaked CVs"), Category: ptr("confidentiality"), Likelihood: ptr(2), Impact: ptr(3)}, actor)
		if err != nil {
			t.Fatal(err)
		}
		system, err := db.CreateSystem(ctx, o.ID, inventory.Input{Name: ptr("CV screening")}, cli)
		if err != nil {
			t.Fatal(err)
		}
		a, err := db.CreateAssessment(ctx, o.ID, impact.NewAssessment{SystemID: system.ID}, actor)
		if err != nil {
			t.Fatal(err)
		}
		other, err := db.CreateOrganisation(ctx, "Globex", cli)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			rt   evidence.RecordType
			id   string
			org  string
			want bool
		}{
			{evidence.ToRisk, r.ID, o.ID, true},
			{evidence.ToImpactAssessment, a.ID, o.ID, true},
			{evidence.ToRisk, "missing", o.ID, false},
			{evidence.ToImpactAssessment, r.ID, o.ID, false}, // a risk's id is not an assessment's
			{evidence.ToRisk, r.ID, other.ID, false},
			{evidence.ToImpactAssessment, a.ID, other.ID, false},
		} {
			got, err := db.RecordExists(ctx, c.org, c.rt, c.id)
			if err != nil || got != c.want {
				t.Errorf("%s %s in %s: %v %v, want %v", c.rt, c.id, c.org, got, err, c.want)
			}
		}
	})
}
