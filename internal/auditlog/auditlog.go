// Package auditlog is the append-only, hash-chained trail of every change to a governed
// record. Each organisation has its own chain: every entry's hash covers the previous entry's
// hash and the entry itself, so editing, deleting or reordering a row behind the application's
// back breaks verification at that row.
package auditlog

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// ActorKind says how the actor reached Annexa.
type ActorKind string

const (
	ByUser   ActorKind = "user"   // a signed-in browser session
	ByToken  ActorKind = "token"  // an API bearer token
	BySystem ActorKind = "system" // the command line or the server itself
)

// Actor is who made a change.
type Actor struct {
	Kind    ActorKind `json:"kind"`
	UserID  string    `json:"user_id,omitempty"`
	Email   string    `json:"email,omitempty"`
	TokenID string    `json:"token_id,omitempty"`
}

// System is the actor for changes made by the command line and setup.
func System(what string) Actor { return Actor{Kind: BySystem, Email: what} }

// Action is what happened to a record.
type Action string

const (
	Create Action = "create"
	Update Action = "update"
	Delete Action = "delete"
)

// Entry is one audit row.
type Entry struct {
	ID         string          `json:"id"`
	OrgID      string          `json:"org_id"`
	Seq        int64           `json:"seq"`
	At         time.Time       `json:"at"`
	Actor      Actor           `json:"actor"`
	Action     Action          `json:"action"`
	RecordType string          `json:"record_type"`
	RecordID   string          `json:"record_id"`
	Before     json.RawMessage `json:"before"`
	After      json.RawMessage `json:"after"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

// GenesisHash is the previous hash of an organisation's first entry.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// Precision is what both databases keep of a timestamp; entries are truncated to it before
// hashing so a stored entry re-hashes to the same value.
const Precision = time.Microsecond

// ComputeHash is SHA-256 over the previous hash and every field of the entry, each field
// length-prefixed so that no two different entries share an input.
func ComputeHash(e Entry) string {
	h := sha256.New()
	field := func(s string) {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	field(e.PrevHash)
	field(e.ID)
	field(e.OrgID)
	field(strconv.FormatInt(e.Seq, 10))
	field(e.At.UTC().Truncate(Precision).Format(time.RFC3339Nano))
	field(string(e.Actor.Kind))
	field(e.Actor.UserID)
	field(e.Actor.Email)
	field(e.Actor.TokenID)
	field(string(e.Action))
	field(e.RecordType)
	field(e.RecordID)
	field(string(e.Before))
	field(string(e.After))
	return hex.EncodeToString(h.Sum(nil))
}

// Snapshot turns a record into the JSON kept as before or after; nil means no record.
func Snapshot(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("snapshot for audit: %w", err)
	}
	return b, nil
}

// Break names the first entry where the chain does not hold.
type Break struct {
	Seq     int64  `json:"seq"`
	EntryID string `json:"entry_id"`
	Reason  string `json:"reason"`
}

// Verification is the outcome of checking one organisation's chain.
type Verification struct {
	OK       bool   `json:"ok"`
	Entries  int64  `json:"entries"`
	LastHash string `json:"last_hash"`
	Break    *Break `json:"break,omitempty"`
}

// Verifier checks a chain entry by entry, in sequence order, without holding it in memory.
type Verifier struct {
	prev    string
	nextSeq int64
	result  Verification
}

// NewVerifier starts a check of a chain from its genesis.
func NewVerifier() *Verifier {
	return &Verifier{prev: GenesisHash, nextSeq: 1, result: Verification{OK: true, LastHash: GenesisHash}}
}

// Add checks the next entry. It returns false once the chain is broken.
func (v *Verifier) Add(e Entry) bool {
	if !v.result.OK {
		return false
	}
	fail := func(reason string) bool {
		v.result.OK = false
		v.result.Break = &Break{Seq: e.Seq, EntryID: e.ID, Reason: reason}
		return false
	}
	switch {
	case e.Seq != v.nextSeq:
		return fail(fmt.Sprintf("expected entry %d, found %d: an entry is missing or was reordered", v.nextSeq, e.Seq))
	case e.PrevHash != v.prev:
		return fail("its previous-hash does not match the hash of the entry before it")
	case ComputeHash(e) != e.Hash:
		return fail("its content does not match its hash: the entry was changed after it was written")
	}
	v.prev = e.Hash
	v.nextSeq++
	v.result.Entries++
	v.result.LastHash = e.Hash
	return true
}

// Result returns the verification so far; after the last entry it is the chain's verdict.
func (v *Verifier) Result() Verification { return v.result }

// Filter selects entries for the audit-log page and API.
type Filter struct {
	RecordType string
	RecordID   string
	ActorID    string
	Since      *time.Time
	Until      *time.Time
}
