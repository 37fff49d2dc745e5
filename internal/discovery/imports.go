package discovery

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/annexa-dev/annexa/internal/fault"
)

// ImportKind names an uploadable discovery source: what the review queue's import takes.
type ImportKind string

// Import kinds.
const (
	ImportSBOM   ImportKind = "sbom"   // CycloneDX or SPDX JSON
	ImportSaaS   ImportKind = "saas"   // CSV export of applications from an SSO or expense system
	ImportEgress ImportKind = "egress" // Squid access log, CSV or JSON lines with a host field
)

// ImportKinds lists the kinds, for documents and forms.
var ImportKinds = []ImportKind{ImportSBOM, ImportSaaS, ImportEgress}

// Valid reports whether k is a known import kind.
func (k ImportKind) Valid() bool { return slices.Contains(ImportKinds, k) }

// Imported is what one uploaded file yields for the review queue.
type Imported struct {
	Kind ImportKind `json:"kind"`
	File string     `json:"file"`
	// Format is what the file turned out to be: "CycloneDX 1.6", "SPDX-2.3", "squid" …
	Format string `json:"format,omitempty"`
	// Read counts the SBOM's components, the list's rows or the log's lines.
	Read       int         `json:"read"`
	Matched    int         `json:"matched"`
	Candidates []Candidate `json:"candidates"`
	Warnings   []Warning   `json:"warnings"`
}

// ParseImport parses an uploaded file of the given kind with the embedded signatures and SaaS
// catalogue. logFormat picks the egress log format ("" detects it). A file that cannot be
// read at all is an invalid error naming the file and, where the parser knows it, the line;
// lines or rows it can skip become warnings.
func ParseImport(kind ImportKind, name string, data []byte, logFormat string) (Imported, error) {
	out := Imported{Kind: kind, File: name, Candidates: []Candidate{}, Warnings: []Warning{}}
	if !kind.Valid() {
		return out, &fault.Error{Code: fault.Invalid, Message: "unknown kind of import",
			Fields: []fault.FieldError{{Field: "kind", Message: "must be one of " + join(ImportKinds)}}}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return out, &fault.Error{Code: fault.Invalid, Message: "the file is empty",
			Fields: []fault.FieldError{{Field: "file", Message: name + " is empty"}}}
	}
	var err error
	switch kind {
	case ImportSBOM:
		sigs, serr := DefaultSignatures()
		if serr != nil {
			return out, fault.Wrap(serr, "load discovery signatures")
		}
		var r SBOMResult
		r, err = ParseSBOM(sigs, name, data)
		out.Format, out.Read, out.Matched, out.Candidates, out.Warnings = r.Format, r.Components, len(r.Findings), r.Candidates, r.Warnings
	case ImportSaaS:
		cat, serr := DefaultSaaSCatalog()
		if serr != nil {
			return out, fault.Wrap(serr, "load SaaS catalogue")
		}
		var r SaaSResult
		r, err = ParseSaaSList(cat, name, bytes.NewReader(data))
		out.Format, out.Read, out.Matched, out.Candidates, out.Warnings = "csv", r.Rows, r.Matched, r.Candidates, r.Warnings
	case ImportEgress:
		sigs, serr := DefaultSignatures()
		if serr != nil {
			return out, fault.Wrap(serr, "load discovery signatures")
		}
		var r EgressResult
		r, err = ParseEgressLog(sigs, name, bytes.NewReader(data), logFormat)
		out.Format, out.Read, out.Matched, out.Candidates, out.Warnings = r.Format, r.Lines, r.Matched, r.Candidates, r.Warnings
	}
	if out.Candidates == nil {
		out.Candidates = []Candidate{}
	}
	if out.Warnings == nil {
		out.Warnings = []Warning{}
	}
	if err != nil {
		msg := err.Error()
		if !strings.HasPrefix(msg, name+":") {
			msg = name + ": " + msg
		}
		fe := &fault.Error{Code: fault.Invalid, Message: "the " + string(kind) + " file could not be read",
			Fields: []fault.FieldError{{Field: "file", Message: msg}}, Err: err}
		var pe *PositionError
		if errors.As(err, &pe) {
			fe.Message += " (line " + strconv.Itoa(pe.Line) + ")"
		}
		return out, fe
	}
	return out, nil
}
