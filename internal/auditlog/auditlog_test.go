package auditlog

import (
	"encoding/json"
	"testing"
	"time"
)

func chain(n int) []Entry {
	prev := GenesisHash
	var out []Entry
	for i := 1; i <= n; i++ {
		e := Entry{ID: string(rune('a' + i)), OrgID: "o", Seq: int64(i), At: time.Date(2026, 1, 1, 0, 0, i, 1500, time.UTC),
			Actor: Actor{Kind: ByUser, UserID: "u", Email: "u@x.org"}, Action: Update, RecordType: "organisation", RecordID: "o",
			Before: json.RawMessage(`{"a":1}`), After: json.RawMessage(`{"a":2}`), PrevHash: prev}
		e.Hash = ComputeHash(e)
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func verify(es []Entry) Verification {
	v := NewVerifier()
	for _, e := range es {
		if !v.Add(e) {
			break
		}
	}
	return v.Result()
}

func TestVerifier(t *testing.T) {
	if r := verify(chain(5)); !r.OK || r.Entries != 5 {
		t.Fatalf("intact chain: %+v", r)
	}
	cases := []struct {
		name   string
		mutate func([]Entry) []Entry
		seq    int64
	}{
		{"edited after", func(es []Entry) []Entry { es[2].After = json.RawMessage(`{"a":3}`); return es }, 3},
		{"edited actor", func(es []Entry) []Entry { es[0].Actor.Email = "mallory@x.org"; return es }, 1},
		{"edited time", func(es []Entry) []Entry { es[1].At = es[1].At.Add(time.Second); return es }, 2},
		{"removed middle", func(es []Entry) []Entry { return append(es[:2], es[3:]...) }, 4},
		{"reordered", func(es []Entry) []Entry { es[1], es[2] = es[2], es[1]; return es }, 3},
		{"rehashed without relinking", func(es []Entry) []Entry { es[2].After = nil; es[2].Hash = ComputeHash(es[2]); return es }, 4},
	}
	for _, c := range cases {
		r := verify(c.mutate(chain(5)))
		if r.OK || r.Break == nil || r.Break.Seq != c.seq {
			t.Errorf("%s: %+v", c.name, r)
		}
	}
}

func TestHashIsUnambiguous(t *testing.T) {
	a := chain(1)[0]
	b := a
	// Moving a character from one field to the next must change the hash.
	b.RecordType, b.RecordID = "organisatio", "no"
	a.RecordID = "o"
	if ComputeHash(a) == ComputeHash(b) {
		t.Fatal("field boundaries are not part of the hash")
	}
}
