// Package evidence is the organisation's evidence store: files and links attached to
// controls, requirements, risks, impact assessments and (later) audits, with who uploaded
// them and when, a validity period and expiry warnings. File contents are stored
// content-addressed by SHA-256 behind a small BlobStore — on local disk by default, in the
// database on PostgreSQL so several instances share them — and every new upload is a new
// version: nothing is overwritten, and a download re-checks the hash.
package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/annexa-dev/annexa/internal/fault"
)

// Kind says whether evidence is an uploaded file or a link to where the record lives.
type Kind string

const (
	File Kind = "file"
	Link Kind = "link"
)

// Kinds lists both kinds.
var Kinds = []Kind{File, Link}

func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// RecordType is what evidence can be attached to.
type RecordType string

const (
	ToControl          RecordType = "control"
	ToRequirement      RecordType = "requirement" // record id: catalog:item, e.g. iso27001-2022:A.5.1
	ToRisk             RecordType = "risk"
	ToImpactAssessment RecordType = "impact_assessment"
	ToAISystem         RecordType = "ai_system"
	ToAudit            RecordType = "audit"
)

// RecordTypes lists every record type evidence attaches to.
var RecordTypes = []RecordType{ToControl, ToRequirement, ToRisk, ToImpactAssessment, ToAISystem, ToAudit}

func (t RecordType) Valid() bool { return slices.Contains(RecordTypes, t) }

// DefaultMaxBytes is the size limit of one file unless the server is configured otherwise.
const DefaultMaxBytes = 32 << 20

// Evidence is one piece of evidence: its description, validity and current version.
type Evidence struct {
	ID          string     `json:"id"`
	OrgID       string     `json:"org_id"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Kind        Kind       `json:"kind"`
	URL         string     `json:"url"`
	ValidFrom   *time.Time `json:"valid_from"`
	ValidUntil  *time.Time `json:"valid_until"`
	// CurrentVersion is the number of the newest file version; 0 for a link.
	CurrentVersion int64        `json:"current_version"`
	Current        *FileVersion `json:"current"`
	Links          []Attachment `json:"links"`
	CreatedBy      string       `json:"created_by"`
	Version        int64        `json:"version"`
	CreatedAt      time.Time    `json:"created_at"`
	UpdatedAt      time.Time    `json:"updated_at"`
}

// RecordVersion is the optimistic-concurrency version, for ETags.
func (e Evidence) RecordVersion() int64 { return e.Version }

// FileVersion is one uploaded file; versions are kept, never overwritten.
type FileVersion struct {
	Number        int64     `json:"number"`
	SHA256        string    `json:"sha256"`
	Size          int64     `json:"size"`
	ContentType   string    `json:"content_type"`
	FileName      string    `json:"file_name"`
	Note          string    `json:"note"`
	UploadedBy    string    `json:"uploaded_by"`
	UploaderEmail string    `json:"uploaded_by_email"`
	UploadedAt    time.Time `json:"uploaded_at"`
}

// Attachment is one record a piece of evidence is attached to.
type Attachment struct {
	RecordType RecordType `json:"record_type"`
	RecordID   string     `json:"record_id"`
	LinkedBy   string     `json:"linked_by"`
	LinkedAt   time.Time  `json:"linked_at"`
}

// Validity is where evidence stands on a day.
type Validity string

const (
	Valid       Validity = "valid"
	NotYetValid Validity = "not_yet_valid"
	Expiring    Validity = "expiring" // valid, but expires within the warning window
	Expired     Validity = "expired"
)

// ExpiryWarning is how long before its end evidence is shown as expiring.
const ExpiryWarning = 30 * 24 * time.Hour

// ValidityAt says whether the evidence counts at t: before ValidFrom it does not yet, after
// ValidUntil it no longer does, and within ExpiryWarning of the end it is expiring.
func (e Evidence) ValidityAt(t time.Time) Validity {
	switch {
	case e.ValidFrom != nil && t.Before(*e.ValidFrom):
		return NotYetValid
	case e.ValidUntil != nil && !t.Before(*e.ValidUntil):
		return Expired
	case e.ValidUntil != nil && e.ValidUntil.Sub(t) <= ExpiryWarning:
		return Expiring
	}
	return Valid
}

// Counts reports whether the evidence supports what it is attached to at t.
func (e Evidence) Counts(t time.Time) bool {
	v := e.ValidityAt(t)
	return v == Valid || v == Expiring
}

// Normalise fills empty lists.
func (e *Evidence) Normalise() {
	if e.Links == nil {
		e.Links = []Attachment{}
	}
}

const (
	maxTitle    = 300
	maxText     = 10000
	maxFileName = 255
	maxURL      = 2000
)

// Meta is what a person says about an upload or a link: the form fields of an upload, or
// the JSON of a link or an update. Dates are YYYY-MM-DD or RFC 3339.
type Meta struct {
	Title       *string `json:"title,omitempty"`
	Description *string `json:"description,omitempty"`
	URL         *string `json:"url,omitempty"`
	ValidFrom   *string `json:"valid_from,omitempty"`
	ValidUntil  *string `json:"valid_until,omitempty"`
	// Attach links the new evidence to a record right away (record_type and record_id).
	RecordType *RecordType `json:"record_type,omitempty"`
	RecordID   *string     `json:"record_id,omitempty"`
	// Note describes a new file version ("2026 recertification").
	Note *string `json:"note,omitempty"`
}

// Parsed is Meta checked and converted.
type Parsed struct {
	Title, Description, URL, Note string
	ValidFrom, ValidUntil         *time.Time
	SetFrom, SetUntil             bool
	Attach                        *Attachment
}

// ParseDate reads YYYY-MM-DD (midnight UTC) or an RFC 3339 time; empty is no date.
func ParseDate(s string) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return &t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, fmt.Errorf("must be a date such as 2026-12-31")
	}
	t = t.UTC()
	return &t, nil
}

// Parse checks the metadata. create asks for a title; kind says whether a URL is needed.
func (m Meta) Parse(create bool, kind Kind) (Parsed, error) {
	var v fault.Validation
	var p Parsed
	if m.Title != nil {
		p.Title = strings.TrimSpace(*m.Title)
	}
	if create || m.Title != nil {
		v.Check(p.Title == "", "title", "must not be empty")
	}
	v.Check(len(p.Title) > maxTitle, "title", "must be at most %d characters", maxTitle)
	v.Check(!utf8.ValidString(p.Title) || strings.ContainsFunc(p.Title, unicode.IsControl), "title", "must be one line of text")
	if m.Description != nil {
		p.Description = strings.TrimSpace(*m.Description)
		v.Check(len(p.Description) > maxText, "description", "must be at most %d characters", maxText)
		v.Check(!utf8.ValidString(p.Description), "description", "must be text")
	}
	if m.Note != nil {
		p.Note = strings.TrimSpace(*m.Note)
		v.Check(len(p.Note) > maxText, "note", "must be at most %d characters", maxText)
	}
	if m.URL != nil {
		p.URL = strings.TrimSpace(*m.URL)
	}
	if kind == Link && (create || m.URL != nil) {
		u, err := url.Parse(p.URL)
		switch {
		case p.URL == "":
			v.Add("url", "must not be empty for a link")
		case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
			v.Add("url", "must be an http or https address")
		case len(p.URL) > maxURL:
			v.Add("url", "must be at most %d characters", maxURL)
		}
	} else if kind == File && m.URL != nil && p.URL != "" {
		v.Add("url", "is for links; a file is uploaded")
	}
	if m.ValidFrom != nil {
		p.SetFrom = true
		t, err := ParseDate(*m.ValidFrom)
		if err != nil {
			v.Add("valid_from", "%s", err.Error())
		}
		p.ValidFrom = t
	}
	if m.ValidUntil != nil {
		p.SetUntil = true
		t, err := ParseDate(*m.ValidUntil)
		if err != nil {
			v.Add("valid_until", "%s", err.Error())
		}
		p.ValidUntil = t
	}
	if p.ValidFrom != nil && p.ValidUntil != nil && !p.ValidUntil.After(*p.ValidFrom) {
		v.Add("valid_until", "must be after valid_from")
	}
	if m.RecordType != nil || m.RecordID != nil {
		a, err := attachmentOf(m.RecordType, m.RecordID)
		if err != nil {
			return p, err
		}
		p.Attach = &a
	}
	return p, v.Err()
}

func attachmentOf(rt *RecordType, id *string) (Attachment, error) {
	var v fault.Validation
	var a Attachment
	switch {
	case rt == nil || *rt == "":
		v.Add("record_type", "must be one of %s", join(RecordTypes))
	case !rt.Valid():
		v.Add("record_type", "must be one of %s", join(RecordTypes))
	default:
		a.RecordType = *rt
	}
	if id != nil {
		a.RecordID = strings.TrimSpace(*id)
	}
	v.Check(a.RecordID == "", "record_id", "must name the record")
	v.Check(len(a.RecordID) > 300, "record_id", "is too long")
	return a, v.Err()
}

// LinkRequest attaches evidence to a record or detaches it.
type LinkRequest struct {
	RecordType RecordType `json:"record_type"`
	RecordID   string     `json:"record_id"`
}

// Validate checks the record is named.
func (l LinkRequest) Validate() error {
	_, err := attachmentOf(&l.RecordType, &l.RecordID)
	return err
}

// SafeFileName checks an uploaded file's name: a plain name, no directories, no control
// characters, no leading dot tricks, at most 255 bytes of UTF-8. A name that would be unsafe
// to hand back in a Content-Disposition or to write to disk is refused, not rewritten, so
// what is stored is what the person chose.
func SafeFileName(name string) error {
	bad := func(msg string) error {
		return &fault.Error{Code: fault.Invalid, Message: "the file name is not acceptable",
			Fields: []fault.FieldError{{Field: "file_name", Message: msg}}}
	}
	switch {
	case name == "":
		return bad("must not be empty")
	case !utf8.ValidString(name):
		return bad("must be UTF-8 text")
	case len(name) > maxFileName:
		return bad(fmt.Sprintf("must be at most %d bytes", maxFileName))
	case strings.ContainsAny(name, `/\`):
		return bad("must be a plain file name without a path")
	case strings.ContainsFunc(name, func(r rune) bool { return unicode.IsControl(r) || r == unicode.ReplacementChar }):
		return bad("must not contain control characters")
	case name == "." || name == ".." || strings.HasPrefix(name, ".."):
		return bad("must not be a relative directory")
	case strings.TrimSpace(name) != name:
		return bad("must not begin or end with spaces")
	case strings.ContainsAny(name, `"<>|*?:`):
		return bad(`must not contain any of " < > | * ? :`)
	}
	return nil
}

// Hash is the content address of data: lower-case hex SHA-256.
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// ValidHash reports whether s looks like a content address.
func ValidHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

// Filter selects evidence for the list.
type Filter struct {
	Query string
	Kind  Kind
	// Record limits the list to evidence attached to one record.
	RecordType RecordType
	RecordID   string
	// ExpiringWithin lists evidence whose validity ends within this many days from now,
	// including evidence already expired; 0 means no such filter.
	ExpiringWithin int
	// Now is "today" for ExpiringWithin; the store fills it when zero.
	Now time.Time
}

// Validate checks the enumerated filters.
func (f Filter) Validate() error {
	var v fault.Validation
	v.Check(f.Kind != "" && !f.Kind.Valid(), "kind", "must be file or link")
	v.Check(f.RecordType != "" && !f.RecordType.Valid(), "record_type", "must be one of %s", join(RecordTypes))
	v.Check(f.RecordType != "" && f.RecordID == "", "record_id", "must be given with record_type")
	v.Check(f.ExpiringWithin < 0 || f.ExpiringWithin > 3660, "expiring_within", "must be between 1 and 3660 days")
	return v.Err()
}

func join[T ~string](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}

// FormFields are the form fields an upload may carry beside its file.
var FormFields = []string{"title", "description", "valid_from", "valid_until", "record_type", "record_id", "note", "url"}

// MetaFromForm reads an upload's form fields (or a web form) into Meta; get reports whether
// a field was sent. A field not sent stays nil, so an update changes only what was sent.
func MetaFromForm(get func(name string) (string, bool)) Meta {
	var m Meta
	str := func(name string) *string {
		if v, ok := get(name); ok {
			return &v
		}
		return nil
	}
	m.Title, m.Description, m.URL, m.Note = str("title"), str("description"), str("url"), str("note")
	m.ValidFrom, m.ValidUntil = str("valid_from"), str("valid_until")
	if rt := str("record_type"); rt != nil && *rt != "" {
		t := RecordType(*rt)
		m.RecordType = &t
		m.RecordID = str("record_id")
	} else if id := str("record_id"); id != nil && *id != "" {
		m.RecordID = id
		empty := RecordType("")
		m.RecordType = &empty
	}
	return m
}

// ParseUpload checks everything about an upload before its content is stored: the file
// name, the size against max, and the metadata. A title defaults to the file name.
func ParseUpload(fileName string, size int64, max int64, m Meta, create bool) (Parsed, error) {
	if err := SafeFileName(fileName); err != nil {
		return Parsed{}, err
	}
	if size > max {
		return Parsed{}, fault.New(fault.TooLarge, "the file is larger than the limit of %d MiB", max>>20)
	}
	if size <= 0 {
		return Parsed{}, &fault.Error{Code: fault.Invalid, Message: "the upload is not acceptable",
			Fields: []fault.FieldError{{Field: "file", Message: "is empty"}}}
	}
	if create && (m.Title == nil || strings.TrimSpace(*m.Title) == "") {
		name := fileName
		m.Title = &name
	}
	return m.Parse(create, File)
}

// Stats count evidence by where it stands, for the dashboard.
type Stats struct {
	Total    int `json:"total"`
	Expired  int `json:"expired"`
	Expiring int `json:"expiring"`
}
