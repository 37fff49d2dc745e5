package store_test

import (
	"testing"

	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/org"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

func TestInterestedParties(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, _ := bootstrap(t, db)
		_, err := db.CreateParty(ctx, o.ID, org.PartyInput{Name: ptr(" "), Kind: ptr(org.PartyKind("aliens")), Standards: &[]string{"iso9001"}}, cli)
		wantFields(t, err, fault.Invalid, "name", "kind", "standards[0]")
		_, err = db.CreateParty(ctx, o.ID, org.PartyInput{Name: ptr("Job applicants"), Kind: ptr(org.PartyKind("affected_persons")),
			Standards: &[]string{"iso42001-2023"}, Addressed: ptr(true)}, cli)
		wantFields(t, err, fault.Invalid, "needs")
		applicants, err := db.CreateParty(ctx, o.ID, org.PartyInput{Name: ptr("Job applicants"), Kind: ptr(org.PartyKind("affected_persons")),
			Standards: &[]string{"iso42001-2023"}, Needs: ptr("Fair screening; an explanation and a human review on request")}, cli)
		if err != nil || applicants.Addressed != nil || applicants.Decided() {
			t.Fatalf("create: %+v %v", applicants, err)
		}
		customers, err := db.CreateParty(ctx, o.ID, org.PartyInput{Name: ptr("Automotive customers"), Kind: ptr(org.PartyKind("customers")),
			Standards: &[]string{"iso42001-2023", "iso27001-2022"}, Needs: ptr("TISAX label"), Addressed: ptr(false)}, cli)
		wantFields(t, err, fault.Invalid, "how")
		customers, err = db.CreateParty(ctx, o.ID, org.PartyInput{Name: ptr("Automotive customers"), Kind: ptr(org.PartyKind("customers")),
			Standards: &[]string{"iso42001-2023", "iso27001-2022"}, Needs: ptr("TISAX label"), Addressed: ptr(false), How: ptr("TISAX is run by a separate programme")}, cli)
		if err != nil || customers.Standards[0] != "iso27001-2022" || !customers.Decided() {
			t.Fatalf("create decided: %+v %v", customers, err)
		}
		applicants, err = db.UpdateParty(ctx, o.ID, applicants.ID, org.PartyInput{Addressed: ptr(true), How: ptr("Impact assessment and oversight of the screening tool")}, ptr(applicants.Version), cli)
		if err != nil || applicants.Addressed == nil || !*applicants.Addressed || applicants.Version != 2 {
			t.Fatalf("decide: %+v %v", applicants, err)
		}
		applicants, err = db.UpdateParty(ctx, o.ID, applicants.ID, org.PartyInput{Undecided: true}, nil, cli)
		if err != nil || applicants.Addressed != nil {
			t.Fatalf("undecide: %+v %v", applicants, err)
		}
		all, err := db.Parties(ctx, o.ID)
		if err != nil || len(all) != 2 || all[0].Name != "Automotive customers" {
			t.Fatalf("list by name: %+v %v", all, err)
		}
		other, _ := db.CreateOrganisation(ctx, "Other", cli)
		if _, err := db.Party(ctx, other.ID, applicants.ID); !fault.Is(err, fault.NotFound) {
			t.Fatalf("another organisation's party: %v", err)
		}
		if err := db.DeleteParty(ctx, o.ID, customers.ID, ptr(int64(1)), cli); err != nil {
			t.Fatalf("delete: %v", err)
		}
		if all, _ := db.Parties(ctx, o.ID); len(all) != 1 {
			t.Fatalf("after delete: %d", len(all))
		}
	})
}
