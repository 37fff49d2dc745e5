package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/org"
	"github.com/annexa-dev/annexa/internal/store"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

var ctx = context.Background()

var cli = auditlog.System("test")

func ptr[T any](v T) *T { return &v }

func bootstrap(t *testing.T, db *store.DB) (org.Organisation, auth.Member) {
	t.Helper()
	o, m, err := db.Bootstrap(ctx, "Acme", auth.NewUser{Email: "Admin@Example.org", Name: "Ada", Password: "correct horse battery"}, cli)
	if err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	return o, m
}

func TestMigrateFromEmptyIsCurrentAndIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db, err := store.Open(ctx, e.Config(t))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Ready(ctx); err == nil {
			t.Fatal("an unmigrated database must not be ready")
		}
		applied, err := db.Migrate(ctx)
		if err != nil || len(applied) == 0 {
			t.Fatalf("first migrate applied %v, err %v", applied, err)
		}
		if err := db.Ready(ctx); err != nil {
			t.Fatalf("ready after migrate: %v", err)
		}
		again, err := db.Migrate(ctx)
		if err != nil || len(again) != 0 {
			t.Fatalf("second migrate applied %v, err %v", again, err)
		}
	})
}

func TestBootstrapOnlyOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, m := bootstrap(t, db)
		if m.Email != "admin@example.org" || m.Role != auth.Admin || m.OrgID != o.ID {
			t.Fatalf("first admin = %+v", m)
		}
		_, _, err := db.Bootstrap(ctx, "Other", auth.NewUser{Email: "b@example.org", Password: "another long password"}, cli)
		if !fault.Is(err, fault.Conflict) {
			t.Fatalf("second bootstrap: want conflict, got %v", err)
		}
		if n, _ := db.UserCount(ctx); n != 1 {
			t.Fatalf("user count = %d", n)
		}
	})
}

func TestBootstrapValidates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		_, _, err := db.Bootstrap(ctx, "", auth.NewUser{Email: "not-an-address", Password: "short"}, cli)
		fields := map[string]bool{}
		for _, f := range fault.Fields(err) {
			fields[f.Field] = true
		}
		for _, want := range []string{"organisation", "email", "password"} {
			if !fields[want] {
				t.Errorf("error %v does not name %s", err, want)
			}
		}
	})
}

func TestOrganisationUpdateWithVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, _ := bootstrap(t, db)
		got, err := db.UpdateOrganisation(ctx, o.ID, org.Patch{
			AIMSScope: ptr("All AI systems used in hiring"),
			AIRoles:   ptr([]org.AIRole{org.AICustomer, org.AIProvider, org.AIProvider}),
		}, ptr(o.Version), cli)
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != o.Version+1 || got.AIMSScope != "All AI systems used in hiring" {
			t.Fatalf("after update: %+v", got)
		}
		if fmt.Sprint(got.AIRoles) != "[ai_provider ai_customer]" {
			t.Fatalf("roles not canonical: %v", got.AIRoles)
		}
		_, err = db.UpdateOrganisation(ctx, o.ID, org.Patch{ISMSScope: ptr("x")}, ptr(o.Version), cli)
		if !fault.Is(err, fault.PreconditionErr) {
			t.Fatalf("stale version: want precondition_failed, got %v", err)
		}
		_, err = db.UpdateOrganisation(ctx, o.ID, org.Patch{AIRoles: ptr([]org.AIRole{"oracle"})}, nil, cli)
		if !fault.Is(err, fault.Invalid) || fault.Fields(err)[0].Field != "ai_roles" {
			t.Fatalf("unknown role: %v", err)
		}
		read, _ := db.Organisation(ctx, o.ID)
		if read.Version != got.Version || read.ISMSScope != "" {
			t.Fatalf("a refused update changed the record: %+v", read)
		}
		if _, err := db.Organisation(ctx, "nope"); !fault.Is(err, fault.NotFound) {
			t.Fatalf("missing organisation: %v", err)
		}
	})
}

func TestMembersAndLastAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, admin := bootstrap(t, db)
		v, err := db.AddMember(ctx, o.ID, auth.NewUser{Email: "viewer@example.org", Role: auth.Viewer}, cli)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddMember(ctx, o.ID, auth.NewUser{Email: "VIEWER@example.org", Role: auth.Auditor}, cli); !fault.Is(err, fault.Conflict) {
			t.Fatalf("duplicate member: %v", err)
		}
		other, err := db.CreateOrganisation(ctx, "Beta", cli)
		if err != nil {
			t.Fatal(err)
		}
		// The same person may belong to a second organisation with another role.
		if _, err := db.AddMember(ctx, other.ID, auth.NewUser{Email: "viewer@example.org", Role: auth.Admin}, cli); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Member(ctx, other.ID, admin.ID); !fault.Is(err, fault.NotFound) {
			t.Fatalf("admin of Acme visible in Beta: %v", err)
		}
		page, err := db.Members(ctx, o.ID, store.PageRequest{Limit: 1})
		if err != nil || len(page.Items) != 1 || page.NextCursor == "" {
			t.Fatalf("first page %+v err %v", page, err)
		}
		page2, err := db.Members(ctx, o.ID, store.PageRequest{Limit: 1, Cursor: page.NextCursor})
		if err != nil || len(page2.Items) != 1 || page2.Items[0].ID != v.ID || page2.NextCursor != "" {
			t.Fatalf("second page %+v err %v", page2, err)
		}
		if _, err := db.UpdateMember(ctx, o.ID, admin.ID, auth.MemberPatch{Role: ptr(auth.Viewer)}, nil, cli); !fault.Is(err, fault.Conflict) {
			t.Fatalf("demoting the last admin: %v", err)
		}
		up, err := db.UpdateMember(ctx, o.ID, v.ID, auth.MemberPatch{Role: ptr(auth.Admin), Name: ptr("Vic")}, ptr(v.Version), cli)
		if err != nil || up.Role != auth.Admin || up.Name != "Vic" || up.Version != v.Version+1 {
			t.Fatalf("promote: %+v %v", up, err)
		}
		if _, err := db.UpdateMember(ctx, o.ID, admin.ID, auth.MemberPatch{Disabled: ptr(true)}, nil, cli); err != nil {
			t.Fatalf("disabling one of two admins: %v", err)
		}
		m, _ := db.Member(ctx, o.ID, admin.ID)
		if m.DisabledAt == nil {
			t.Fatal("member not disabled")
		}
		m, err = db.UpdateMember(ctx, o.ID, admin.ID, auth.MemberPatch{Disabled: ptr(false)}, nil, cli)
		if err != nil || m.DisabledAt != nil {
			t.Fatalf("re-enable: %+v %v", m, err)
		}
	})
}

func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, admin := bootstrap(t, db)
		secret, s, err := db.CreateSession(ctx, admin.ID, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		p, got, err := db.SessionPrincipal(ctx, secret)
		if err != nil || p.UserID != admin.ID || p.OrgID != o.ID || p.Role != auth.Admin || got.CSRFToken != s.CSRFToken {
			t.Fatalf("session principal %+v %+v %v", p, got, err)
		}
		if _, _, err := db.SessionPrincipal(ctx, "forged"); !fault.Is(err, fault.Unauthorized) {
			t.Fatalf("forged session: %v", err)
		}
		if err := db.DeleteSession(ctx, secret); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.SessionPrincipal(ctx, secret); !fault.Is(err, fault.Unauthorized) {
			t.Fatalf("deleted session still valid: %v", err)
		}
	})
}

func TestTokensExpireAndRevoke(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, admin := bootstrap(t, db)
		secret, tok, err := db.CreateToken(ctx, o.ID, admin.ID, auth.NewTokenRequest{Name: "ci"}, cli)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, auth.TokenPrefix) || strings.Contains(tok.Hint, secret) {
			t.Fatalf("secret %q hint %q", secret, tok.Hint)
		}
		p, err := db.TokenPrincipal(ctx, secret)
		if err != nil || p.TokenID != tok.ID || p.OrgID != o.ID {
			t.Fatalf("token principal %+v %v", p, err)
		}
		used, _ := db.Token(ctx, o.ID, tok.ID)
		if used.LastUsedAt == nil {
			t.Fatal("last used time not recorded")
		}
		if _, err := db.RevokeToken(ctx, o.ID, tok.ID, cli); err != nil {
			t.Fatal(err)
		}
		if _, err := db.TokenPrincipal(ctx, secret); !fault.Is(err, fault.Unauthorized) {
			t.Fatalf("revoked token accepted: %v", err)
		}

		// Expiry: a token created to expire shortly stops working once the time has passed.
		soon := time.Now().Add(1500 * time.Millisecond)
		short, _, err := db.CreateToken(ctx, o.ID, admin.ID, auth.NewTokenRequest{Name: "short", ExpiresAt: &soon}, cli)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.TokenPrincipal(ctx, short); err != nil {
			t.Fatalf("fresh token refused: %v", err)
		}
		time.Sleep(time.Until(soon) + 50*time.Millisecond)
		if _, err := db.TokenPrincipal(ctx, short); !fault.Is(err, fault.Unauthorized) {
			t.Fatalf("expired token accepted: %v", err)
		}
		past := time.Now().Add(-time.Hour)
		if _, _, err := db.CreateToken(ctx, o.ID, admin.ID, auth.NewTokenRequest{Name: "old", ExpiresAt: &past}, cli); !fault.Is(err, fault.Invalid) {
			t.Fatalf("token expiring in the past: %v", err)
		}

		// Disabling the person revokes their tokens.
		live, _, _ := db.CreateToken(ctx, o.ID, admin.ID, auth.NewTokenRequest{Name: "live"}, cli)
		if _, err := db.DisableUser(ctx, admin.Email, cli); err != nil {
			t.Fatal(err)
		}
		if _, err := db.TokenPrincipal(ctx, live); !fault.Is(err, fault.Unauthorized) {
			t.Fatalf("disabled user's token accepted: %v", err)
		}
	})
}

func TestLoginThrottle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		key := "account:a@example.org"
		for i := 0; i < 3; i++ {
			if err := db.RecordLoginFailure(ctx, key); err != nil {
				t.Fatal(err)
			}
		}
		if until, _ := db.LoginBlockedUntil(ctx, key, 3); until.IsZero() {
			t.Fatal("three failures with a budget of three must block")
		}
		if until, _ := db.LoginBlockedUntil(ctx, key, 4); !until.IsZero() {
			t.Fatal("three failures with a budget of four must not block")
		}
		if err := db.ClearLoginFailures(ctx, key); err != nil {
			t.Fatal(err)
		}
		if until, _ := db.LoginBlockedUntil(ctx, key, 1); !until.IsZero() {
			t.Fatal("cleared failures still block")
		}
	})
}

func TestAuditTrailRecordsAndVerifies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, admin := bootstrap(t, db)
		actor := auditlog.Actor{Kind: auditlog.ByUser, UserID: admin.ID, Email: admin.Email}
		for i := 0; i < 5; i++ {
			if _, err := db.UpdateOrganisation(ctx, o.ID, org.Patch{ISMSScope: ptr(fmt.Sprintf("scope %d", i))}, nil, actor); err != nil {
				t.Fatal(err)
			}
		}
		page, err := db.AuditLog(ctx, o.ID, auditlog.Filter{RecordType: "organisation", ActorID: admin.ID}, store.PageRequest{Limit: 3})
		if err != nil || len(page.Items) != 3 || page.NextCursor == "" {
			t.Fatalf("audit page %d items, cursor %q, err %v", len(page.Items), page.NextCursor, err)
		}
		top := page.Items[0]
		if top.Action != auditlog.Update || !strings.Contains(string(top.Before), "scope 3") || !strings.Contains(string(top.After), "scope 4") {
			t.Fatalf("newest entry %+v", top)
		}
		res, err := db.VerifyAuditLog(ctx, o.ID)
		if err != nil || !res.OK || res.Entries != 7 { // organisation + admin + five updates
			t.Fatalf("verify: %+v %v", res, err)
		}
	})
}

// TestAuditTamperingIsDetected edits, then deletes, audit rows behind the application's back —
// as someone with database access would, after dropping the append-only triggers — and expects
// verification to name the broken entry.
func TestAuditTamperingIsDetected(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		cfg := e.Config(t)
		db, err := store.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		o, _ := bootstrap(t, db)
		for i := 0; i < 3; i++ {
			if _, err := db.UpdateOrganisation(ctx, o.ID, org.Patch{AIMSScope: ptr(fmt.Sprint("v", i))}, nil, cli); err != nil {
				t.Fatal(err)
			}
		}
		raw := rawDB(t, cfg)
		if _, err := raw.Exec(`UPDATE audit_log SET after_json = '{}' WHERE org_id = $1 AND seq = 3`, o.ID); err == nil {
			t.Fatal("the database accepted an update of an audit row")
		}
		dropTriggers(t, raw, e.Name)
		if _, err := raw.Exec(`UPDATE audit_log SET after_json = replace(after_json, 'v0', 'v9') WHERE org_id = $1 AND seq = 3`, o.ID); err != nil {
			t.Fatal(err)
		}
		res, err := db.VerifyAuditLog(ctx, o.ID)
		if err != nil || res.OK || res.Break == nil || res.Break.Seq != 3 {
			t.Fatalf("edited entry: %+v %v", res, err)
		}
		if _, err := raw.Exec(`UPDATE audit_log SET after_json = replace(after_json, 'v9', 'v0') WHERE org_id = $1 AND seq = 3`, o.ID); err != nil {
			t.Fatal(err)
		}
		if res, _ := db.VerifyAuditLog(ctx, o.ID); !res.OK {
			t.Fatalf("restored chain does not verify: %+v", res)
		}
		if _, err := raw.Exec(`DELETE FROM audit_log WHERE org_id = $1 AND seq = (SELECT MAX(seq) FROM audit_log WHERE org_id = $1)`, o.ID); err != nil {
			t.Fatal(err)
		}
		res, err = db.VerifyAuditLog(ctx, o.ID)
		if err != nil || res.OK || res.Break == nil {
			t.Fatalf("removed last entry: %+v %v", res, err)
		}
	})
}

func rawDB(t *testing.T, cfg store.Config) *sql.DB {
	t.Helper()
	var raw *sql.DB
	var err error
	if cfg.URL == "" {
		raw, err = sql.Open("sqlite", "file:"+cfg.DataDir+"/annexa.db?_pragma=busy_timeout(10000)")
	} else {
		raw, err = sql.Open("pgx", cfg.URL)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

func dropTriggers(t *testing.T, raw *sql.DB, engine string) {
	t.Helper()
	stmts := []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}
	if engine == "postgres" {
		stmts = []string{`DROP TRIGGER audit_log_no_change ON audit_log`}
	}
	for _, s := range stmts {
		if _, err := raw.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// TestConcurrentWritesKeepOneChain updates one organisation from many goroutines; the chain must
// come out unbroken with one entry per write, whichever engine serialises them.
func TestConcurrentWritesKeepOneChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := storetest.Open(t, e)
		o, _ := bootstrap(t, db)
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := db.UpdateOrganisation(ctx, o.ID, org.Patch{ISMSScope: ptr(fmt.Sprint("w", i))}, nil, cli)
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		res, err := db.VerifyAuditLog(ctx, o.ID)
		if err != nil || !res.OK || res.Entries != 42 {
			t.Fatalf("after concurrent writes: %+v %v", res, err)
		}
	})
}

// TestInstancesMigrateTogether starts several instances against one empty PostgreSQL at once, as
// a rolling deploy does; all must come up with the schema applied exactly once.
func TestInstancesMigrateTogether(t *testing.T) {
	dsn := os.Getenv(storetest.EnvPostgres)
	if dsn == "" {
		t.Skip(storetest.EnvPostgres + " not set")
	}
	url := storetest.FreshPostgres(t, dsn)
	const n = 4
	var wg sync.WaitGroup
	applied := make([][]int64, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := store.Open(ctx, store.Config{URL: url})
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			applied[i], errs[i] = db.Migrate(ctx)
			if errs[i] == nil {
				errs[i] = db.Ready(ctx)
			}
		}()
	}
	wg.Wait()
	total := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("instance %d: %v", i, errs[i])
		}
		total += len(applied[i])
	}
	db, err := store.Open(ctx, store.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if known := db.KnownMigrations(); total != known {
		t.Fatalf("migrations applied %d times in all, want each of %d once", total, known)
	}
}

func TestSnapshotSQLite(t *testing.T) {
	e := storetest.Engines()[0]
	db := storetest.Open(t, e)
	bootstrap(t, db)
	dest := t.TempDir() + "/copy.db"
	if err := db.SnapshotSQLite(ctx, dest); err != nil {
		t.Fatal(err)
	}
	copyDB, err := sql.Open("sqlite", "file:"+dest)
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	var n int
	if err := copyDB.QueryRow(`SELECT COUNT(*) FROM users`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("snapshot holds %d users, err %v", n, err)
	}
	if err := db.SnapshotSQLite(ctx, dest); err == nil {
		t.Fatal("snapshot overwrote an existing file")
	}
}
