package api

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/org"
)

// FuzzDecode: whatever a client sends, decoding either succeeds or fails with an error a
// client can act on (invalid or too large) — never a panic and never an internal error.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{`{}`, `{"name":"x"}`, `{"ai_roles":["ai_provider"]}`, `{"ai_roles":1}`, `{"name":`, `[]`, `null`, `{"x":1}`, `{} {}`, "\x00", `{"isms_scope":"\u0000"}`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("PATCH", "/api/v1/organisation", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var p org.Patch
		err := decode(httptest.NewRecorder(), r, &p)
		if err == nil {
			_ = p.Validate()
			return
		}
		if c := fault.CodeOf(err); c != fault.Invalid && c != fault.TooLarge {
			t.Fatalf("decode %q: code %s: %v", body, c, err)
		}
	})
}
