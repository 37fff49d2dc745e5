package store_test

import (
	"strings"
	"testing"

	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/store"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

func demoCatalog(id, version string) *catalog.Catalog {
	return &catalog.Catalog{ID: id, Title: "Demo " + version, Version: version, DataVersion: 1, Kind: catalog.KindFramework,
		Groups: []catalog.Group{{ID: "ac", Kind: "group", Title: "Access control"}},
		Items: []catalog.Item{
			{ID: "AC-1", Kind: "control", Group: "ac", Title: "Policy and procedures", Summary: "Write down how access is governed."},
			{ID: "AC-2(1)", Kind: "control", Group: "ac", Title: "Automated account management", Summary: "Manage accounts with tools.", Parent: "AC-1"},
		}}
}

func TestImportedCatalogsSaveReplaceDeleteAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, admin := bootstrap(t, db)
		actor := auditlog.Actor{Kind: auditlog.ByUser, UserID: admin.ID, Email: admin.Email}

		im, err := db.SaveImportedCatalog(ctx, o.ID, demoCatalog("demo", "1"), false, actor)
		if err != nil {
			t.Fatal(err)
		}
		if im.ImportedBy != admin.Email || im.ImportedAt.IsZero() {
			t.Fatalf("imported = %+v", im)
		}
		_, err = db.SaveImportedCatalog(ctx, o.ID, demoCatalog("demo", "2"), false, actor)
		if !fault.Is(err, fault.Conflict) || !strings.Contains(err.Error(), "version 1") {
			t.Fatalf("second import without replace: want conflict naming version 1, got %v", err)
		}
		if _, err := db.SaveImportedCatalog(ctx, o.ID, demoCatalog("demo", "2"), true, actor); err != nil {
			t.Fatalf("replace: %v", err)
		}
		list, err := db.ImportedCatalogs(ctx, o.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("list = %v, %v", list, err)
		}
		got := list[0]
		if got.Version != "2" || got.Catalog == nil || len(got.Catalog.Items) != 2 {
			t.Fatalf("stored = %+v", got)
		}
		if it, ok := got.Catalog.Item("AC-2(1)"); !ok || it.Parent != "AC-1" {
			t.Fatalf("item AC-2(1) = %+v, %v", it, ok)
		}
		brief, err := db.ImportedCatalogList(ctx, o.ID)
		if err != nil || len(brief) != 1 || brief[0].Catalog != nil || brief[0].Version != "2" {
			t.Fatalf("brief list = %+v, %v", brief, err)
		}

		page, err := db.AuditLog(ctx, o.ID, auditlog.Filter{RecordType: "catalog", RecordID: "demo"}, store.PageRequest{})
		if err != nil || len(page.Items) != 2 {
			t.Fatalf("audit = %+v, %v", page.Items, err)
		}
		upd := page.Items[0]
		if upd.Action != auditlog.Update || !strings.Contains(string(upd.Before), `"version":"1"`) || !strings.Contains(string(upd.After), `"version":"2"`) {
			t.Fatalf("replace audit = before %s after %s", upd.Before, upd.After)
		}
		if strings.Contains(string(upd.After), "Write down how access") {
			t.Fatal("the audit row carries the document instead of its digest")
		}

		if err := db.DeleteImportedCatalog(ctx, o.ID, "demo", actor); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteImportedCatalog(ctx, o.ID, "demo", actor); !fault.Is(err, fault.NotFound) {
			t.Fatalf("second delete: %v", err)
		}
		if res, err := db.VerifyAuditLog(ctx, o.ID); err != nil || !res.OK {
			t.Fatalf("verify: %+v %v", res, err)
		}
	})
}

func TestImportedCatalogsBelongToOneOrganisation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		a, _ := bootstrap(t, db)
		b, err := db.CreateOrganisation(ctx, "Beta", cli)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveImportedCatalog(ctx, a.ID, demoCatalog("demo", "1"), false, cli); err != nil {
			t.Fatal(err)
		}
		// The same id in another organisation is that organisation's own catalog.
		if _, err := db.SaveImportedCatalog(ctx, b.ID, demoCatalog("demo", "7"), false, cli); err != nil {
			t.Fatalf("same id in another organisation: %v", err)
		}
		if err := db.DeleteImportedCatalog(ctx, b.ID, "demo", cli); err != nil {
			t.Fatal(err)
		}
		list, err := db.ImportedCatalogs(ctx, a.ID)
		if err != nil || len(list) != 1 || list[0].Version != "1" {
			t.Fatalf("organisation A lost its import: %+v %v", list, err)
		}
		if _, err := db.SaveImportedCatalog(ctx, "no-such-org", demoCatalog("demo", "1"), false, cli); !fault.Is(err, fault.NotFound) {
			t.Fatalf("import into a missing organisation: %v", err)
		}

		lib, err := catalog.LoadEmbedded()
		if err != nil {
			t.Fatal(err)
		}
		views := catalog.NewViews(lib, db)
		va, err := views.For(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := va.Catalog("demo"); !ok {
			t.Fatal("organisation A's view lacks its import")
		}
		if _, ok := va.Catalog("iso42001-2023"); !ok {
			t.Fatal("organisation A's view lacks the built-in catalogs")
		}
		vb, err := views.For(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := vb.Catalog("demo"); ok {
			t.Fatal("organisation B sees A's import")
		}
		if _, ok := lib.Catalog("demo"); ok {
			t.Fatal("an import leaked into the built-in library")
		}

		// A built-in id is never replaced, even with replace set; nothing is stored.
		builtin := demoCatalog("iso27001-2022", "evil")
		if _, err := views.Import(ctx, a.ID, builtin, true, cli); !fault.Is(err, fault.Conflict) {
			t.Fatalf("replacing a built-in: %v", err)
		}
		// A replacement shows up in the next view even though the earlier one was cached.
		if _, err := views.Import(ctx, a.ID, demoCatalog("demo", "3"), true, cli); err != nil {
			t.Fatal(err)
		}
		va, err = views.For(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c, _ := va.Catalog("demo"); c == nil || c.Version != "3" {
			t.Fatalf("view after replace = %+v", c)
		}
		list, _ = db.ImportedCatalogs(ctx, a.ID)
		if len(list) != 1 {
			t.Fatalf("imports after refused built-in = %+v", list)
		}
	})
}
