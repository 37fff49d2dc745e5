package store

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/annexa-dev/annexa/internal/fault"
)

// Page is one page of a list and the cursor of the next, empty on the last page.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// Limits of one page: a caller asks for up to MaxLimit rows and gets DefaultLimit by default.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// PageRequest asks for rows after Cursor.
type PageRequest struct {
	Limit  int
	Cursor string
}

// normalise fills the default limit; Validate has already refused bad values.
func (p PageRequest) normalise() PageRequest {
	if p.Limit <= 0 {
		p.Limit = DefaultLimit
	}
	return p
}

// Validate checks the limit and that the cursor is one this server made.
func (p PageRequest) Validate() error {
	var v fault.Validation
	v.Check(p.Limit < 0 || p.Limit > MaxLimit, "limit", "must be between 1 and %d", MaxLimit)
	if p.Cursor != "" {
		_, err := decodeCursor(p.Cursor)
		v.Check(err != nil, "cursor", "is not a cursor this server issued")
	}
	return v.Err()
}

// Cursors are opaque to clients: the sort key of the last row, base64url encoded.
func encodeCursor(key string) string { return base64.RawURLEncoding.EncodeToString([]byte("k:" + key)) }

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !strings.HasPrefix(string(b), "k:") {
		return "", fault.New(fault.Invalid, "bad cursor")
	}
	return string(b[2:]), nil
}

// cursorKey returns the decoded key or "" for the first page.
func (p PageRequest) cursorKey() string {
	if p.Cursor == "" {
		return ""
	}
	k, _ := decodeCursor(p.Cursor)
	return k
}

// finish trims the extra row fetched to learn whether another page exists.
func finish[T any](items []T, limit int, key func(T) string) Page[T] {
	if items == nil {
		items = []T{}
	}
	if len(items) > limit {
		items = items[:limit]
		return Page[T]{Items: items, NextCursor: encodeCursor(key(items[len(items)-1]))}
	}
	return Page[T]{Items: items}
}

// conditions builds a WHERE clause with numbered parameters, which both engines accept: each
// "?" in a condition becomes the next "$n".
type conditions struct {
	where []string
	args  []any
}

func newConditions(first string, args ...any) *conditions {
	return &conditions{where: []string{first}, args: args}
}

// add appends a condition, numbering its "?" placeholders in order.
func (c *conditions) add(cond string, vs ...any) {
	for _, v := range vs {
		c.args = append(c.args, v)
		cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(c.args)), 1)
	}
	c.where = append(c.where, cond)
}

// sql is the conditions joined with AND.
func (c *conditions) sql() string { return strings.Join(c.where, " AND ") }
