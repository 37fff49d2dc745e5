package auth

import (
	"strings"
	"testing"
	"time"

	"github.com/annexa-dev/annexa/internal/fault"
)

func TestPasswordHashing(t *testing.T) {
	h, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash format %q", h)
	}
	h2, _ := HashPassword("correct horse battery staple")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	for _, c := range []struct {
		pw   string
		want bool
	}{{"correct horse battery staple", true}, {"correct horse battery stapl", false}, {"", false}} {
		got, err := CheckPassword(h, c.pw)
		if err != nil || got != c.want {
			t.Errorf("check %q: %v %v", c.pw, got, err)
		}
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=x$AAAA$AAAA", "$argon2id$v=19$m=1,t=1,p=1$!!$AAAA"} {
		if _, err := CheckPassword(bad, "x"); err == nil {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
}

func TestValidation(t *testing.T) {
	cases := []struct {
		name  string
		err   error
		field string
	}{
		{"short password", NewUser{Email: "a@b.org", Role: Viewer, Password: "short"}.Validate(true), "password"},
		{"missing password", NewUser{Email: "a@b.org", Role: Viewer}.Validate(true), "password"},
		{"bad email", NewUser{Email: "a@", Role: Viewer}.Validate(false), "email"},
		{"display-name email", NewUser{Email: "Ada <a@b.org>", Role: Viewer}.Validate(false), "email"},
		{"unknown role", NewUser{Email: "a@b.org", Role: "root"}.Validate(false), "role"},
		{"token without name", NewTokenRequest{}.Validate(time.Now()), "name"},
		{"role patch", MemberPatch{Role: ptr(Role("owner"))}.Validate(), "role"},
	}
	for _, c := range cases {
		fs := fault.Fields(c.err)
		if !fault.Is(c.err, fault.Invalid) || len(fs) == 0 || fs[0].Field != c.field {
			t.Errorf("%s: %v", c.name, c.err)
		}
	}
	if err := (NewUser{Email: " Ada@Example.ORG ", Role: Admin}).Validate(false); err != nil {
		t.Errorf("valid user refused: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestRolesAndTokens(t *testing.T) {
	for _, r := range Roles {
		if !r.Valid() || !r.Can(ReadRecords) || !r.Can(UseTokens) {
			t.Errorf("%s lacks the basics", r)
		}
	}
	if Viewer.Can(EditOrganisation) || Auditor.Can(EditOrganisation) || AISystemOwner.Can(ReadAuditLog) || ComplianceManager.Can(ManageUsers) {
		t.Error("a role holds more than it should")
	}
	tok := NewToken()
	if !LooksLikeToken(tok) || LooksLikeToken(tok[:len(tok)-1]) || HashSecret(tok) == HashSecret(NewToken()) {
		t.Errorf("token %q", tok)
	}
	if hint := TokenHint(tok); strings.Contains(hint, tok[len(TokenPrefix)+6:]) {
		t.Errorf("hint %q reveals the secret", hint)
	}
	exp := time.Now().Add(-time.Second)
	if (Token{ExpiresAt: &exp}).Active(time.Now()) {
		t.Error("an expired token is active")
	}
}
