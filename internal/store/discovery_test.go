package store_test

import (
	"strings"
	"testing"

	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/discovery"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/store"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

func candidate(fp, name string, src discovery.Source, techs ...string) discovery.Candidate {
	ev := []discovery.Finding{}
	for i, t := range techs {
		ev = append(ev, discovery.Finding{Path: name + "/requirements.txt", Line: i + 1, Kind: discovery.KindDependency, Technology: t, Evidence: t, Confidence: discovery.ConfidenceHigh})
	}
	return discovery.Candidate{Fingerprint: fp, Name: name, Source: src, Location: name, Technologies: techs,
		SuggestedSourcing: discovery.SourcingInternal, Confidence: discovery.ConfidenceHigh, Evidence: ev}
}

func submit(t *testing.T, db *store.DB, orgID string, cs ...discovery.Candidate) discovery.SubmitResult {
	t.Helper()
	res, err := db.SubmitCandidates(ctx, orgID, cs, cli)
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	return res
}

func TestDiscoveryQueueDeduplicatesAndRemembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, _ := bootstrap(t, db)

		res := submit(t, db, o.ID, candidate("FP-A", "billing", discovery.SourceCode, "openai"),
			candidate("fp-b", "search", discovery.SourceCode, "pytorch"),
			// The same fingerprint twice in one batch (case and padding aside) is one candidate.
			candidate(" fp-a ", "billing", discovery.SourceCode, "langchain"))
		if res.Created != 2 || res.Updated != 0 || len(res.Items) != 2 {
			t.Fatalf("first submission: %+v", res)
		}
		a, err := db.DiscoveryCandidate(ctx, o.ID, res.Items[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.Fingerprint != "fp-a" || strings.Join(a.Technologies, ",") != "langchain,openai" || a.Status != discovery.StatusNew || a.TimesSeen != 1 {
			t.Fatalf("folded candidate: %+v", a)
		}

		// A re-scan updates evidence and last seen, never duplicates.
		res = submit(t, db, o.ID, candidate("fp-a", "billing", discovery.SourceCode, "anthropic"))
		if res.Created != 0 || res.Updated != 1 || res.Items[0].ID != a.ID {
			t.Fatalf("re-submission: %+v", res)
		}
		a2, _ := db.DiscoveryCandidate(ctx, o.ID, a.ID)
		if a2.TimesSeen != 2 || strings.Join(a2.Technologies, ",") != "anthropic" || len(a2.Evidence) != 1 || a2.LastSeen.Before(a.LastSeen) || !a2.FirstSeen.Equal(a.FirstSeen) {
			t.Fatalf("after re-scan: %+v", a2)
		}

		// Dismissed stays dismissed on re-submit.
		if _, err := db.DismissCandidate(ctx, o.ID, a.ID, discovery.Dismissal{Reason: " "}, cli); !fault.Is(err, fault.Invalid) {
			t.Fatalf("dismiss without reason: %v", err)
		}
		d, err := db.DismissCandidate(ctx, o.ID, a.ID, discovery.Dismissal{Reason: "a test fixture, not a product"}, auditlog.Actor{Kind: auditlog.ByUser, UserID: "u1", Email: "ada@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != discovery.StatusDismissed || d.DismissalReason != "a test fixture, not a product" || d.DecidedBy != "ada@example.org" || d.DecidedAt == nil {
			t.Fatalf("dismissed: %+v", d)
		}
		if _, err := db.DismissCandidate(ctx, o.ID, a.ID, discovery.Dismissal{Reason: "again"}, cli); !fault.Is(err, fault.Conflict) {
			t.Fatalf("dismissing twice: %v", err)
		}
		res = submit(t, db, o.ID, candidate("fp-a", "billing", discovery.SourceCode, "openai", "mistral"))
		if res.Remembered != 1 || res.Items[0].Status != discovery.StatusDismissed || res.Items[0].Outcome != discovery.OutcomeRemembered {
			t.Fatalf("re-submitting a dismissed candidate: %+v", res)
		}
		a3, _ := db.DiscoveryCandidate(ctx, o.ID, a.ID)
		if a3.Status != discovery.StatusDismissed || a3.DismissalReason == "" || a3.TimesSeen != 3 || len(a3.Technologies) != 2 {
			t.Fatalf("dismissed candidate after re-scan: %+v", a3)
		}

		// Lists: by status, source and words; new first; one row per fingerprint.
		all, err := db.DiscoveryCandidates(ctx, o.ID, discovery.Filter{}, store.PageRequest{})
		if err != nil || len(all.Items) != 2 {
			t.Fatalf("list: %v %+v", err, all)
		}
		for _, tc := range []struct {
			f    discovery.Filter
			want int
		}{
			{discovery.Filter{Status: discovery.StatusNew}, 1},
			{discovery.Filter{Status: discovery.StatusDismissed}, 1},
			{discovery.Filter{Source: discovery.SourceSaaS}, 0},
			{discovery.Filter{Q: "PYTORCH"}, 1},
			{discovery.Filter{Q: "search pytorch"}, 1},
			{discovery.Filter{Q: "search openai"}, 0},
			{discovery.Filter{Q: "%"}, 0},
		} {
			p, err := db.DiscoveryCandidates(ctx, o.ID, tc.f, store.PageRequest{})
			if err != nil || len(p.Items) != tc.want {
				t.Errorf("filter %+v: %v, %d items, want %d", tc.f, err, len(p.Items), tc.want)
			}
		}
		if _, err := db.DiscoveryCandidates(ctx, o.ID, discovery.Filter{Status: "maybe"}, store.PageRequest{}); !fault.Is(err, fault.Invalid) {
			t.Fatalf("bad status filter: %v", err)
		}
		p1, _ := db.DiscoveryCandidates(ctx, o.ID, discovery.Filter{}, store.PageRequest{Limit: 1})
		p2, _ := db.DiscoveryCandidates(ctx, o.ID, discovery.Filter{}, store.PageRequest{Limit: 1, Cursor: p1.NextCursor})
		if len(p1.Items) != 1 || p1.NextCursor == "" || len(p2.Items) != 1 || p2.NextCursor != "" || p1.Items[0].ID == p2.Items[0].ID {
			t.Fatalf("pages: %+v / %+v", p1, p2)
		}
		counts, err := db.DiscoveryCounts(ctx, o.ID)
		if err != nil || counts[discovery.StatusNew] != 1 || counts[discovery.StatusDismissed] != 1 || counts[discovery.StatusAccepted] != 0 {
			t.Fatalf("counts: %v %v", counts, err)
		}

		// Every write is in the audit trail, and the chain holds.
		log, err := db.AuditLog(ctx, o.ID, auditlog.Filter{RecordType: "discovery_candidate", RecordID: a.ID}, store.PageRequest{})
		if err != nil || len(log.Items) != 4 { // created, re-scan, dismissed, re-scan
			t.Fatalf("audit of candidate: %v, %d entries", err, len(log.Items))
		}
		if v, err := db.VerifyAuditLog(ctx, o.ID); err != nil || !v.OK {
			t.Fatalf("audit chain: %+v %v", v, err)
		}

		// Invalid candidates are refused whole, naming the field.
		bad := candidate("fp-c", "x", "ftp")
		_, err = db.SubmitCandidates(ctx, o.ID, []discovery.Candidate{candidate("fp-d", "fine", discovery.SourceSaaS), bad}, cli)
		if !fault.Is(err, fault.Invalid) || !strings.Contains(err.Error(), "source") {
			t.Fatalf("invalid candidate: %v", err)
		}
		if p, _ := db.DiscoveryCandidates(ctx, o.ID, discovery.Filter{Source: discovery.SourceSaaS}, store.PageRequest{}); len(p.Items) != 0 {
			t.Fatal("a refused submission stored part of its batch")
		}
	})
}

func TestDiscoveryMergeAndIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, _ := bootstrap(t, db)
		other, err := db.CreateOrganisation(ctx, "Beta", cli)
		if err != nil {
			t.Fatal(err)
		}
		code := candidate("code-fp", "support-bot", discovery.SourceCode, "openai")
		egress := candidate("egress-fp", "OpenAI (shadow AI)", discovery.SourceEgress)
		egress.Technologies = []string{"openai"}
		egress.Confidence = discovery.ConfidenceHigh
		egress.Evidence = []discovery.Finding{{Path: "access.log", Line: 7, Kind: discovery.KindEgress, Technology: "openai", Evidence: "api.openai.com", Confidence: discovery.ConfidenceHigh}}
		egress.Usage = &discovery.Usage{Requests: 5, Bytes: 500, Hosts: []string{"api.openai.com"}, Clients: []discovery.ClientUsage{{Client: "10.0.0.7", Requests: 5, Bytes: 500}}}
		egress.Vendor = "OpenAI"
		res := submit(t, db, o.ID, code, egress)
		codeID, egressID := res.Items[0].ID, res.Items[1].ID
		theirs := submit(t, db, other.ID, candidate("code-fp", "support-bot", discovery.SourceCode, "openai"))

		// The same fingerprint in another organisation is another candidate.
		if theirs.Created != 1 || theirs.Items[0].ID == codeID {
			t.Fatalf("other organisation: %+v", theirs)
		}
		// Another organisation's candidate is not found, not forbidden.
		if _, err := db.DiscoveryCandidate(ctx, other.ID, codeID); !fault.Is(err, fault.NotFound) {
			t.Fatalf("cross-organisation read: %v", err)
		}
		if _, err := db.DismissCandidate(ctx, other.ID, codeID, discovery.Dismissal{Reason: "x"}, cli); !fault.Is(err, fault.NotFound) {
			t.Fatalf("cross-organisation dismiss: %v", err)
		}
		if _, err := db.MergeCandidate(ctx, o.ID, egressID, discovery.MergeRequest{Into: theirs.Items[0].ID}, cli); !fault.Is(err, fault.Invalid) {
			t.Fatalf("merge into another organisation's candidate: %v", err)
		}
		if _, err := db.MergeCandidate(ctx, o.ID, egressID, discovery.MergeRequest{Into: egressID}, cli); !fault.Is(err, fault.Invalid) {
			t.Fatalf("merge into itself: %v", err)
		}

		target, err := db.MergeCandidate(ctx, o.ID, egressID, discovery.MergeRequest{Into: codeID}, cli)
		if err != nil {
			t.Fatal(err)
		}
		if target.ID != codeID || len(target.Evidence) != 2 || target.Vendor != "OpenAI" || target.Usage == nil || target.Usage.Requests != 5 || target.Status != discovery.StatusNew {
			t.Fatalf("merge target: %+v", target)
		}
		merged, _ := db.DiscoveryCandidate(ctx, o.ID, egressID)
		if merged.Status != discovery.StatusMerged || merged.MergedInto != codeID {
			t.Fatalf("merged candidate: %+v", merged)
		}
		// A merged candidate is decided: it cannot be merged or dismissed again, nor be a target.
		if _, err := db.MergeCandidate(ctx, o.ID, egressID, discovery.MergeRequest{Into: codeID}, cli); !fault.Is(err, fault.Conflict) {
			t.Fatalf("merging twice: %v", err)
		}
		third := submit(t, db, o.ID, candidate("third", "other", discovery.SourceSBOM, "onnx"))
		if _, err := db.MergeCandidate(ctx, o.ID, third.Items[0].ID, discovery.MergeRequest{Into: egressID}, cli); !fault.Is(err, fault.Conflict) {
			t.Fatalf("merging into a merged candidate: %v", err)
		}
		// Re-submitting the merged one's fingerprint keeps it merged.
		again := submit(t, db, o.ID, egress)
		if again.Items[0].Status != discovery.StatusMerged || again.Remembered != 1 {
			t.Fatalf("re-submitted merged candidate: %+v", again)
		}
	})
}

func TestDiscoveryAcceptIntoInventory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, admin := bootstrap(t, db)
		hire := discovery.Candidate{Fingerprint: "saas-hirevue", Name: "HireVue", Source: discovery.SourceSaaS, Location: "okta.csv",
			Technologies: []string{"hirevue"}, Vendor: "HireVue Inc", SuggestedSourcing: discovery.SourcingThirdParty, Confidence: discovery.ConfidenceHigh,
			Purpose: "Video interviews scored by AI", AnnexIII: []string{"AnnexIII.4(a)"}, LikelyRole: "deployer",
			Evidence: []discovery.Finding{{Path: "okta.csv", Line: 3, Kind: discovery.KindSaaSApp, Technology: "hirevue", Evidence: "HireVue", Confidence: discovery.ConfidenceHigh}}}
		bert := candidate("sbom-bert", "bert-service", discovery.SourceSBOM, "huggingface-transformers")
		bert.Models = []discovery.Model{{Name: "bert-base-uncased", Version: "1.0", Publisher: "Google", Task: "fill-mask", Licenses: []string{"Apache-2.0"}}}
		res := submit(t, db, o.ID, hire, bert, candidate("code-x", "x", discovery.SourceCode, "openai"))
		hireID, bertID, xID := res.Items[0].ID, res.Items[1].ID, res.Items[2].ID

		// A failure inside the transaction leaves neither a system nor a decision behind.
		if _, err := db.AcceptCandidate(ctx, o.ID, hireID, discovery.AcceptRequest{}, "no-such-person", cli); err == nil {
			t.Fatal("accepted with an owner who does not exist")
		}
		if n, _ := db.SystemCount(ctx, o.ID); n != 0 {
			t.Fatalf("a failed accept left %d systems", n)
		}
		if c, _ := db.DiscoveryCandidate(ctx, o.ID, hireID); c.Status != discovery.StatusNew {
			t.Fatalf("a failed accept decided the candidate: %s", c.Status)
		}

		acc, err := db.AcceptCandidate(ctx, o.ID, hireID, discovery.AcceptRequest{}, admin.ID, cli)
		if err != nil {
			t.Fatal(err)
		}
		sys := acc.System
		if !acc.Created || sys.Name != "HireVue" || sys.Vendor != "HireVue Inc" || sys.IntendedPurpose != "Video interviews scored by AI" ||
			string(sys.Sourcing) != "third_party" || len(sys.ActRoles) != 1 || sys.ActRoles[0] != "deployer" || sys.OwnerID != admin.ID {
			t.Fatalf("system from candidate: %+v", sys)
		}
		if len(sys.Facts.AnnexIIIUseCases) != 1 || sys.Facts.AnnexIIIUseCases[0] != "4a" || len(sys.OpenPoints) != 1 || sys.Classification == nil {
			t.Fatalf("Annex III hint not carried into facts and open points: facts %+v, open %v", sys.Facts, sys.OpenPoints)
		}
		if acc.Candidate.Status != discovery.StatusAccepted || acc.Candidate.SystemID != sys.ID || acc.Candidate.DecidedAt == nil {
			t.Fatalf("accepted candidate: %+v", acc.Candidate)
		}
		if got, err := db.System(ctx, o.ID, sys.ID); err != nil || got.Name != "HireVue" {
			t.Fatalf("system not stored: %v", err)
		}
		// Accepting again creates nothing.
		if _, err := db.AcceptCandidate(ctx, o.ID, hireID, discovery.AcceptRequest{}, "", cli); !fault.Is(err, fault.Conflict) {
			t.Fatalf("accepting twice: %v", err)
		}
		// A re-import keeps it accepted and linked.
		again := submit(t, db, o.ID, hire)
		if again.Remembered != 1 || again.Items[0].Status != discovery.StatusAccepted {
			t.Fatalf("re-import of an accepted candidate: %+v", again)
		}

		// Models and their cards go with the system.
		acc, err = db.AcceptCandidate(ctx, o.ID, bertID, discovery.AcceptRequest{}, "", cli)
		if err != nil {
			t.Fatal(err)
		}
		if m := acc.System.Models; len(m) != 1 || m[0].Name != "bert-base-uncased" || m[0].Provider != "Google" || m[0].Licence != "Apache-2.0" || m[0].ModelCard == nil || m[0].ModelCard.Task != "fill-mask" {
			t.Fatalf("models: %+v", acc.System.Models)
		}

		// Linking to an existing system registers nothing new.
		if _, err := db.AcceptCandidate(ctx, o.ID, xID, discovery.AcceptRequest{SystemID: "nope"}, "", cli); !fault.Is(err, fault.Invalid) {
			t.Fatalf("link to a missing system: %v", err)
		}
		link, err := db.AcceptCandidate(ctx, o.ID, xID, discovery.AcceptRequest{SystemID: sys.ID}, "", cli)
		if err != nil {
			t.Fatal(err)
		}
		if link.Created || link.System.ID != sys.ID || link.Candidate.SystemID != sys.ID {
			t.Fatalf("link: %+v", link)
		}
		if n, _ := db.SystemCount(ctx, o.ID); n != 2 {
			t.Fatalf("%d systems after two accepts and a link", n)
		}
		// Another organisation cannot link to this one's system, nor accept its candidates.
		other, _ := db.CreateOrganisation(ctx, "Beta", cli)
		theirs := submit(t, db, other.ID, candidate("code-x", "x", discovery.SourceCode, "openai"))
		if _, err := db.AcceptCandidate(ctx, other.ID, theirs.Items[0].ID, discovery.AcceptRequest{SystemID: sys.ID}, "", cli); !fault.Is(err, fault.Invalid) {
			t.Fatalf("link across organisations: %v", err)
		}
		if _, err := db.AcceptCandidate(ctx, other.ID, bertID, discovery.AcceptRequest{}, "", cli); !fault.Is(err, fault.NotFound) {
			t.Fatalf("accept across organisations: %v", err)
		}
		if v, err := db.VerifyAuditLog(ctx, o.ID); err != nil || !v.OK {
			t.Fatalf("audit chain: %+v %v", v, err)
		}
	})
}
