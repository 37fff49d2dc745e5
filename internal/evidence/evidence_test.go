package evidence_test

import (
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/annexa-dev/annexa/internal/evidence"
	"github.com/annexa-dev/annexa/internal/fault"
)

func TestSafeFileName(t *testing.T) {
	for _, ok := range []string{"policy.pdf", "Risikobewertung 2026 (final).xlsx", "résumé.docx", "a.b.c", "報告.txt"} {
		if err := evidence.SafeFileName(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "../etc/passwd", "dir/file.pdf", `C:\evil.exe`, "..", ".", "a\x00b", "line\nbreak", "tab\tname",
		" lead", "trail ", "bell\x07", "\xff\xfe", strings.Repeat("x", 256), `quote".pdf`, "a:b"} {
		err := evidence.SafeFileName(bad)
		if !fault.Is(err, fault.Invalid) || fault.Fields(err)[0].Field != "file_name" {
			t.Errorf("%q accepted or wrongly refused: %v", bad, err)
		}
	}
}

func TestValidity(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	cases := []struct {
		from, until *time.Time
		want        evidence.Validity
	}{
		{nil, nil, evidence.Valid},
		{at(day), nil, evidence.NotYetValid},
		{nil, at(-day), evidence.Expired},
		{nil, at(0), evidence.Expired},
		{nil, at(10 * day), evidence.Expiring},
		{at(-day), at(90 * day), evidence.Valid},
	}
	for i, c := range cases {
		e := evidence.Evidence{ValidFrom: c.from, ValidUntil: c.until}
		if got := e.ValidityAt(now); got != c.want {
			t.Errorf("case %d: %s, want %s", i, got, c.want)
		}
	}
}

func TestParseUpload(t *testing.T) {
	form := func(kv ...string) func(string) (string, bool) {
		return func(k string) (string, bool) {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1], true
				}
			}
			return "", false
		}
	}
	p, err := evidence.ParseUpload("policy.pdf", 10, 100, evidence.MetaFromForm(form("valid_until", "2027-01-31", "record_type", "control", "record_id", "c1")), true)
	if err != nil || p.Title != "policy.pdf" || p.ValidUntil.Format("2006-01-02") != "2027-01-31" || p.Attach.RecordID != "c1" {
		t.Fatalf("parsed %+v %v", p, err)
	}
	if _, err := evidence.ParseUpload("policy.pdf", 101, 100, evidence.Meta{}, true); !fault.Is(err, fault.TooLarge) {
		t.Fatalf("over the limit: %v", err)
	}
	if _, err := evidence.ParseUpload("../policy.pdf", 1, 100, evidence.Meta{}, true); !fault.Is(err, fault.Invalid) {
		t.Fatalf("path in the name: %v", err)
	}
	_, err = evidence.ParseUpload("p.pdf", 1, 100, evidence.MetaFromForm(form("valid_from", "2027-01-01", "valid_until", "2026-01-01")), true)
	if fault.Fields(err)[0].Field != "valid_until" {
		t.Fatalf("until before from: %v", err)
	}
	_, err = evidence.ParseUpload("p.pdf", 1, 100, evidence.MetaFromForm(form("record_type", "spaceship", "record_id", "x")), true)
	if fault.Fields(err)[0].Field != "record_type" {
		t.Fatalf("bad record type: %v", err)
	}
	_, err = evidence.Meta{Title: ptr("Pen test"), URL: ptr("javascript:alert(1)")}.Parse(true, evidence.Link)
	if fault.Fields(err)[0].Field != "url" {
		t.Fatalf("script URL: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// FuzzUploadMeta feeds arbitrary names and form fields to the upload parser: it must never
// panic, and whatever it accepts must be safe to store and hand back.
func FuzzUploadMeta(f *testing.F) {
	f.Add("policy.pdf", "Policy", "desc", "2026-01-01", "2027-01-01", "control", "abc", int64(10))
	f.Add("../x", "", "", "bad", "", "", "", int64(0))
	f.Add("a\x00b", "t\nx", "", "2026-13-45", "2026-01-01T00:00:00Z", "requirement", "iso27001-2022:A.5.1", int64(1<<30))
	f.Fuzz(func(t *testing.T, name, title, desc, from, until, rt, rid string, size int64) {
		get := func(k string) (string, bool) {
			v := map[string]string{"title": title, "description": desc, "valid_from": from, "valid_until": until, "record_type": rt, "record_id": rid}[k]
			return v, v != ""
		}
		p, err := evidence.ParseUpload(name, size, 1<<20, evidence.MetaFromForm(get), true)
		if err != nil {
			if fault.CodeOf(err) == fault.Internal {
				t.Fatalf("internal error for bad input: %v", err)
			}
			return
		}
		if strings.ContainsAny(name, `/\`) || strings.ContainsFunc(name, unicode.IsControl) || name == ".." || size > 1<<20 || size <= 0 {
			t.Fatalf("accepted unsafe upload %q size %d", name, size)
		}
		if p.Title == "" || strings.ContainsFunc(p.Title, unicode.IsControl) {
			t.Fatalf("accepted title %q", p.Title)
		}
		if p.ValidFrom != nil && p.ValidUntil != nil && !p.ValidUntil.After(*p.ValidFrom) {
			t.Fatalf("accepted validity ending before it starts: %v %v", p.ValidFrom, p.ValidUntil)
		}
		if p.Attach != nil && (!p.Attach.RecordType.Valid() || p.Attach.RecordID == "") {
			t.Fatalf("accepted attachment %+v", p.Attach)
		}
	})
}
