package store_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/store"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

// comparable strips what legitimately differs between two registers holding the same systems:
// ids, organisations, owners' ids, times and versions.
func comparable(t *testing.T, ss []inventory.System, emails map[string]string) []string {
	t.Helper()
	out := make([]string, len(ss))
	for i, s := range ss {
		s.ID, s.OrgID, s.Version = "", "", 0
		s.OwnerID = emails[s.OwnerID]
		s.CreatedAt, s.UpdatedAt, s.ClassifiedAt = time.Time{}, time.Time{}, nil
		if s.Classification != nil {
			c := *s.Classification
			c.AsOf = ""
			s.Classification = &c
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = string(b)
	}
	return out
}

func richSystems(owner string) []inventory.Input {
	cv := cvScreening(owner)
	cv.LifecycleStage = ptr(inventory.LifecycleStage("operation_and_monitoring"))
	cv.PersonalData, cv.SpecialCategoryData = ptr(true), ptr(false)
	cv.Automation, cv.Criticality = ptr(inventory.Automation("human_in_the_loop")), ptr(inventory.Criticality("high"))
	cv.HumanOversight = ptr("A recruiter reviews every ranking, line\nby line; \"quotes\" too")
	cv.Models = ptr([]inventory.Model{{Name: "rank-v2", Version: "2.1", Provider: "TalentRank", Type: "gradient-boosted trees",
		ModelCard: &inventory.ModelCard{Task: "ranking", Datasets: []string{"applications 2019-2024"},
			PerformanceMetrics: []inventory.Metric{{Type: "AUC", Value: "0.81", Slice: "all"}}, FairnessAssessments: []string{"women"}}}})
	chat := inventory.Input{Name: ptr("=HYPERLINK(\"x\") support bot"), Sourcing: ptr(inventory.Internal), IntendedPurpose: ptr("-answers customers' questions"),
		ActRoles: ptr([]aiact.Role{aiact.RoleProvider, aiact.RoleDeployer}),
		Models:   ptr([]inventory.Model{{Name: "meta-llama/Llama-3.1-8B", Version: "ft-2026-03", Provider: "Meta"}}),
		Facts: &aiact.Facts{EUNexus: aiact.EUNexus{PlacedOnMarketOrPutIntoServiceInEU: true},
			TransparencyIndicators: []aiact.TransparencyIndicator{"interacts_directly_with_natural_persons"}}}
	return []inventory.Input{cv, chat, {Name: ptr("Spam filter")}}
}

func TestImportExportRoundTrip(t *testing.T) {
	for _, format := range []inventory.Format{inventory.CSV, inventory.XLSX} {
		t.Run(string(format), func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, e storetest.Engine) {
				db := storetest.Open(t, e)
				o, admin := bootstrap(t, db)
				for _, in := range richSystems(admin.ID) {
					if _, err := db.CreateSystem(ctx, o.ID, in, cli); err != nil {
						t.Fatal(err)
					}
				}
				before, err := db.AllSystems(ctx, o.ID, inventory.Filter{})
				if err != nil {
					t.Fatal(err)
				}
				emails, err := db.MemberEmails(ctx, o.ID)
				if err != nil {
					t.Fatal(err)
				}
				var file bytes.Buffer
				write := inventory.WriteCSV
				if format == inventory.XLSX {
					write = inventory.WriteXLSX
				}
				if err := write(&file, before, func(id string) string { return emails[id] }); err != nil {
					t.Fatal(err)
				}

				// Into a fresh organisation: ids of another organisation are not found there,
				// so the round trip drops the id column, as a person moving a register would.
				other, err := db.CreateOrganisation(ctx, "Beta", cli)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := db.AddMember(ctx, other.ID, auth.NewUser{Email: admin.Email, Role: auth.Admin}, cli); err != nil {
					t.Fatal(err)
				}
				rows, err := inventory.Read(format, bytes.NewReader(file.Bytes()))
				if err != nil {
					t.Fatal(err)
				}
				for i := range rows {
					if rows[i].ID == "" || rows[i].Invalid() {
						t.Fatalf("row %+v", rows[i])
					}
				}
				// With the ids, the fresh organisation refuses every row and writes nothing.
				_, err = db.ImportSystems(ctx, other.ID, rows, inventory.ImportOptions{}, cli)
				if !fault.Is(err, fault.Invalid) || len(fault.Fields(err)) != len(before) || !strings.HasPrefix(fault.Fields(err)[0].Field, "rows[2].id") {
					t.Fatalf("foreign ids: %v", err)
				}
				if n, _ := db.SystemCount(ctx, other.ID); n != 0 {
					t.Fatalf("a refused import wrote %d systems", n)
				}
				rows, _ = inventory.Read(format, bytes.NewReader(file.Bytes()))
				for i := range rows {
					rows[i].ID = ""
				}
				rep, err := db.ImportSystems(ctx, other.ID, rows, inventory.ImportOptions{}, cli)
				if err != nil || rep.Created != len(before) || rep.Updated != 0 || rep.Skipped != 0 {
					t.Fatalf("import: %+v %v", rep, err)
				}
				after, err := db.AllSystems(ctx, other.ID, inventory.Filter{})
				if err != nil {
					t.Fatal(err)
				}
				otherEmails, _ := db.MemberEmails(ctx, other.ID)
				a, b := comparable(t, before, emails), comparable(t, after, otherEmails)
				if len(a) != len(b) {
					t.Fatalf("%d systems exported, %d imported", len(a), len(b))
				}
				for i := range a {
					if a[i] != b[i] {
						t.Errorf("system %d differs after the round trip:\nexported %s\nimported %s", i, a[i], b[i])
					}
				}

				// Importing the same file into the first organisation updates in place: no
				// material change, so nothing is due for review and the versions move by one.
				rows, _ = inventory.Read(format, bytes.NewReader(file.Bytes()))
				rep, err = db.ImportSystems(ctx, o.ID, rows, inventory.ImportOptions{}, cli)
				if err != nil || rep.Updated != len(before) || rep.Created != 0 {
					t.Fatalf("re-import: %+v %v", rep, err)
				}
				again, _ := db.AllSystems(ctx, o.ID, inventory.Filter{})
				for i := range again {
					if again[i].Version != before[i].Version+1 || again[i].ReviewDue {
						t.Errorf("re-imported %s: version %d, review due %v %+v", again[i].Name, again[i].Version, again[i].ReviewDue, again[i].ReviewReasons)
					}
				}
				log, _ := db.AuditLog(ctx, o.ID, auditlogFilter("ai_system"), store.PageRequest{Limit: 100})
				if len(log.Items) != 2*len(before) {
					t.Errorf("%d audit entries for %d creates and %d updates", len(log.Items), len(before), len(before))
				}
			})
		})
	}
}

const badFile = "name,sourcing,owner,personal_data,models,facts,eu_ai_act_roles\n" +
	"Good one,internal,,yes,gpt-4o@2024-08-06 (OpenAI),,deployer\n" +
	"Bad sourcing,bought,,,,,\n" +
	",internal,,,,,\n" +
	"Unknown owner,,nobody@example.org,maybe,,,\n" +
	"\"Bad facts\",,,,,\"{\"\"annex_iii_use_cases\"\": [\"\"9z\"\"]}\",\n" +
	"Bad role,,,,,,deployer;king\n" +
	"Good two,third_party,ADMIN@example.org,,\"[{\"\"name\"\": \"\"x\"\", \"\"model_card\"\": {\"\"task\"\": \"\"ranking\"\"}}]\",\"{\"\"annex_iii_use_cases\"\": [\"\"4a\"\"], \"\"eu_nexus\"\": {\"\"deployer_established_in_eu\"\": true}}\",deployer\n"

func TestImportReportsEveryBadRowAndChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, admin := bootstrap(t, db)
		rows, err := inventory.ReadCSV(strings.NewReader(badFile))
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.ImportSystems(ctx, o.ID, rows, inventory.ImportOptions{}, cli)
		want := []string{"rows[3].sourcing", "rows[4].name", "rows[5].owner", "rows[5].personal_data", "rows[6].facts.annex_iii_use_cases[0]", "rows[7].eu_ai_act_roles"}
		fields := fault.Fields(err)
		if !fault.Is(err, fault.Invalid) || len(fields) != len(want) {
			t.Fatalf("want %d problems, got %v", len(want), err)
		}
		for i, f := range fields {
			line := strings.TrimPrefix(strings.Split(want[i], "]")[0], "rows[")
			if f.Field != want[i] || !strings.HasPrefix(f.Message, "line "+line+": ") {
				t.Errorf("problem %d: %s %s; want %s on line %s", i, f.Field, f.Message, want[i], line)
			}
		}
		if n, _ := db.SystemCount(ctx, o.ID); n != 0 {
			t.Fatalf("a refused import wrote %d systems", n)
		}

		// A dry run with skip-invalid reports what would happen and writes nothing.
		rows, _ = inventory.ReadCSV(strings.NewReader(badFile))
		rep, err := db.ImportSystems(ctx, o.ID, rows, inventory.ImportOptions{SkipInvalid: true, DryRun: true}, cli)
		if err != nil || !rep.DryRun || rep.Created != 2 || rep.Skipped != 5 || len(rep.Errors) != len(want) {
			t.Fatalf("dry run: %+v %v", rep, err)
		}
		if n, _ := db.SystemCount(ctx, o.ID); n != 0 {
			t.Fatalf("a dry run wrote %d systems", n)
		}
		if log, _ := db.AuditLog(ctx, o.ID, auditlogFilter("ai_system"), store.PageRequest{}); len(log.Items) != 0 {
			t.Fatal("a dry run left audit entries")
		}

		// Skip-invalid imports the good rows, in one transaction, each audited.
		rows, _ = inventory.ReadCSV(strings.NewReader(badFile))
		rep, err = db.ImportSystems(ctx, o.ID, rows, inventory.ImportOptions{SkipInvalid: true}, cli)
		if err != nil || rep.Created != 2 || rep.Skipped != 5 || rep.Systems[0].Line != 2 || rep.Systems[1].Line != 8 {
			t.Fatalf("skip invalid: %+v %v", rep, err)
		}
		two, err := db.System(ctx, o.ID, rep.Systems[1].ID)
		if err != nil || two.OwnerID != admin.ID || two.Tier() != aiact.TierHigh || two.Models[0].ModelCard.Task != "ranking" {
			t.Fatalf("good two: %+v %v", two, err)
		}
		one, _ := db.System(ctx, o.ID, rep.Systems[0].ID)
		if one.Models[0].Provider != "OpenAI" || one.Models[0].Version != "2024-08-06" || one.PersonalData == nil || !*one.PersonalData {
			t.Fatalf("good one: %+v", one)
		}
		if log, _ := db.AuditLog(ctx, o.ID, auditlogFilter("ai_system"), store.PageRequest{}); len(log.Items) != 2 {
			t.Fatalf("%d audit entries for 2 systems", len(log.Items))
		}
		if v, err := db.VerifyAuditLog(ctx, o.ID); err != nil || !v.OK {
			t.Fatalf("audit chain after import: %+v %v", v, err)
		}
	})
}

func TestImportAsSystemOwner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, admin := bootstrap(t, db)
		owner, err := db.AddMember(ctx, o.ID, auth.NewUser{Email: "owner@example.org", Role: auth.AISystemOwner, Password: "a long enough password"}, cli)
		if err != nil {
			t.Fatal(err)
		}
		theirs, _ := db.CreateSystem(ctx, o.ID, inventory.Input{Name: ptr("Admin's")}, cli)
		file := "name,owner,id\nMine,,\nAlso mine,owner@example.org,\nNot mine,admin@example.org,\nTheirs,," + theirs.ID + "\n"
		rows, _ := inventory.ReadCSV(strings.NewReader(file))
		_, err = db.ImportSystems(ctx, o.ID, rows, inventory.ImportOptions{OnlyOwner: owner.ID}, cli)
		fields := fault.Fields(err)
		if len(fields) != 2 || fields[0].Field != "rows[4].owner" || fields[1].Field != "rows[5].id" {
			t.Fatalf("owner's import: %v", err)
		}
		rows, _ = inventory.ReadCSV(strings.NewReader(file))
		rep, err := db.ImportSystems(ctx, o.ID, rows, inventory.ImportOptions{OnlyOwner: owner.ID, SkipInvalid: true}, cli)
		if err != nil || rep.Created != 2 {
			t.Fatalf("owner's import: %+v %v", rep, err)
		}
		for _, r := range rep.Systems {
			if s, _ := db.System(ctx, o.ID, r.ID); s.OwnerID != owner.ID {
				t.Errorf("%s owned by %q", s.Name, s.OwnerID)
			}
		}
		_ = admin
	})
}

func auditlogFilter(recordType string) auditlog.Filter {
	return auditlog.Filter{RecordType: recordType}
}
