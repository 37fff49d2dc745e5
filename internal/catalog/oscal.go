package catalog

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/google/uuid"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// OSCALVersion is the OSCAL release our exports are written against and validated with.
const OSCALVersion = "1.2.2"

// annexaNS qualifies the OSCAL props and parts Annexa defines itself.
const annexaNS = "https://annexa.dev/ns/oscal"

// uuidNamespace seeds the version-5 UUIDs of exported OSCAL documents, so the same catalog
// always exports with the same UUIDs.
var uuidNamespace = uuid.MustParse("6f3a2c1e-8d4b-5e7a-9c0f-1b2d3e4f5a6b")

func stableUUID(parts ...string) string {
	return uuid.NewSHA1(uuidNamespace, []byte(strings.Join(parts, "\x1f"))).String()
}

// The official NIST OSCAL 1.2.2 complete JSON schema (a US Government work), embedded so
// that imports are validated with the same schema everywhere.
//
//go:embed schema/oscal_complete_schema-1.2.2.json
var oscalSchemaJSON []byte

const oscalSchemaURL = "https://annexa.dev/schema/oscal_complete_schema-1.2.2.json"

var (
	oscalSchemaOnce sync.Once
	oscalSchema     *jsonschema.Schema
	oscalSchemaErr  error
)

// compiledOSCALSchema compiles the schema once. The schema's patterns are written for ECMA
// regexps; every one of them (\p{L}, \p{N}, \S, character classes, anchors, bounded
// repeats) is also valid RE2, so the library's default Go regexp engine is used. The only
// semantic difference is that RE2's \S and \s are ASCII-only where ECMA's are Unicode;
// it affects strings that begin or end with non-ASCII whitespace.
func compiledOSCALSchema() (*jsonschema.Schema, error) {
	oscalSchemaOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(oscalSchemaJSON))
		if err != nil {
			oscalSchemaErr = fmt.Errorf("oscal schema: %w", err)
			return
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource(oscalSchemaURL, doc); err != nil {
			oscalSchemaErr = fmt.Errorf("oscal schema: %w", err)
			return
		}
		oscalSchema, oscalSchemaErr = c.Compile(oscalSchemaURL)
	})
	return oscalSchema, oscalSchemaErr
}

// ImportError says why an OSCAL document was refused: the file, the JSON path of the
// offending value ($ for the whole document) and the reason.
type ImportError struct {
	File   string
	Path   string
	Reason string
}

func (e *ImportError) Error() string { return fmt.Sprintf("%s: %s: %s", e.File, e.Path, e.Reason) }

// ValidateOSCAL checks that data is well-formed JSON and valid against the OSCAL 1.2.2
// complete schema. It returns an *ImportError naming the file, the JSON path and reason.
func ValidateOSCAL(name string, data []byte) error {
	_, err := decodeOSCAL(name, data)
	return err
}

func decodeOSCAL(name string, data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, &ImportError{File: name, Path: "$", Reason: "malformed JSON: " + describeJSONError(data, err)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &ImportError{File: name, Path: "$", Reason: "malformed JSON: trailing data after the document"}
	}
	sch, err := compiledOSCALSchema()
	if err != nil {
		return nil, err
	}
	if err := sch.Validate(doc); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return nil, &ImportError{File: name, Path: "$", Reason: err.Error()}
		}
		path, reason := deepestSchemaError(ve)
		return nil, &ImportError{File: name, Path: path, Reason: "not valid OSCAL " + OSCALVersion + ": " + reason}
	}
	return doc, nil
}

// deepestSchemaError picks the error deepest in the document: the schema's top level is a
// oneOf over every OSCAL model, so the errors near the root only say "not a profile, not
// an SSP …", while the deepest one says what is actually wrong.
func deepestSchemaError(ve *jsonschema.ValidationError) (string, string) {
	var best *jsonschema.ValidationError
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			if best == nil || len(e.InstanceLocation) > len(best.InstanceLocation) {
				best = e
			}
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	if best == nil {
		return "$", ve.Error()
	}
	ptr := ""
	for _, tok := range best.InstanceLocation {
		ptr += "/" + strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
	}
	return pointerToPath(ptr), best.ErrorKind.LocalizedString(message.NewPrinter(language.English))
}

// pointerToPath turns a JSON pointer (/catalog/groups/0/title) into $.catalog.groups[0].title.
func pointerToPath(ptr string) string {
	var b strings.Builder
	b.WriteString("$")
	if ptr == "" {
		return b.String()
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		if _, err := strconv.Atoi(tok); err == nil {
			b.WriteString("[" + tok + "]")
		} else {
			b.WriteString("." + tok)
		}
	}
	return b.String()
}

// OSCAL document shapes: only the subset Annexa reads and writes.
type oscalDocument struct {
	Catalog           *oscalCatalog           `json:"catalog,omitempty"`
	Profile           *oscalProfile           `json:"profile,omitempty"`
	MappingCollection *oscalMappingCollection `json:"mapping-collection,omitempty"`
}

type oscalCatalog struct {
	UUID       string           `json:"uuid"`
	Metadata   oscalMetadata    `json:"metadata"`
	Groups     []oscalGroup     `json:"groups,omitempty"`
	Controls   []oscalControl   `json:"controls,omitempty"`
	BackMatter *oscalBackMatter `json:"back-matter,omitempty"`
}

type oscalMetadata struct {
	Title        string      `json:"title"`
	LastModified string      `json:"last-modified"`
	Version      string      `json:"version"`
	OSCALVersion string      `json:"oscal-version"`
	Props        []oscalProp `json:"props,omitempty"`
	Remarks      string      `json:"remarks,omitempty"`
}

type oscalGroup struct {
	ID       string         `json:"id,omitempty"`
	Class    string         `json:"class,omitempty"`
	Title    string         `json:"title"`
	Params   []oscalParam   `json:"params,omitempty"`
	Props    []oscalProp    `json:"props,omitempty"`
	Parts    []oscalPart    `json:"parts,omitempty"`
	Groups   []oscalGroup   `json:"groups,omitempty"`
	Controls []oscalControl `json:"controls,omitempty"`
}

type oscalControl struct {
	ID       string         `json:"id"`
	Class    string         `json:"class,omitempty"`
	Title    string         `json:"title"`
	Params   []oscalParam   `json:"params,omitempty"`
	Props    []oscalProp    `json:"props,omitempty"`
	Parts    []oscalPart    `json:"parts,omitempty"`
	Controls []oscalControl `json:"controls,omitempty"`
}

type oscalParam struct {
	ID    string `json:"id"`
	Label string `json:"label,omitempty"`
}

type oscalProp struct {
	Name  string `json:"name"`
	NS    string `json:"ns,omitempty"`
	Class string `json:"class,omitempty"`
	Value string `json:"value"`
}

type oscalPart struct {
	ID    string      `json:"id,omitempty"`
	Name  string      `json:"name"`
	NS    string      `json:"ns,omitempty"`
	Title string      `json:"title,omitempty"`
	Props []oscalProp `json:"props,omitempty"`
	Prose string      `json:"prose,omitempty"`
	Parts []oscalPart `json:"parts,omitempty"`
}

type oscalBackMatter struct {
	Resources []oscalResource `json:"resources,omitempty"`
}

type oscalResource struct {
	UUID  string      `json:"uuid"`
	Title string      `json:"title,omitempty"`
	Props []oscalProp `json:"props,omitempty"`
}

type oscalProfile struct {
	UUID     string        `json:"uuid"`
	Metadata oscalMetadata `json:"metadata"`
	Imports  []oscalImport `json:"imports"`
}

type oscalImport struct {
	Href            string               `json:"href"`
	IncludeAll      *struct{}            `json:"include-all,omitempty"`
	IncludeControls []oscalSelectControl `json:"include-controls,omitempty"`
	ExcludeControls []oscalSelectControl `json:"exclude-controls,omitempty"`
}

type oscalSelectControl struct {
	WithChildControls string   `json:"with-child-controls,omitempty"`
	WithIDs           []string `json:"with-ids,omitempty"`
	Matching          []struct {
		Pattern string `json:"pattern"`
	} `json:"matching,omitempty"`
}

type oscalMappingCollection struct {
	UUID       string           `json:"uuid"`
	Metadata   oscalMetadata    `json:"metadata"`
	Provenance oscalMappingProv `json:"provenance"`
	Mappings   []oscalMapping   `json:"mappings"`
	BackMatter *oscalBackMatter `json:"back-matter,omitempty"`
}

type oscalMappingProv struct {
	Method             string `json:"method"`
	MatchingRationale  string `json:"matching-rationale"`
	Status             string `json:"status"`
	MappingDescription string `json:"mapping-description"`
}

type oscalMapping struct {
	UUID             string           `json:"uuid"`
	SourceResource   oscalResourceRef `json:"source-resource"`
	TargetResource   oscalResourceRef `json:"target-resource"`
	Maps             []oscalMap       `json:"maps"`
	SourceGapSummary *oscalGapSummary `json:"source-gap-summary,omitempty"`
	TargetGapSummary *oscalGapSummary `json:"target-gap-summary,omitempty"`
}

type oscalResourceRef struct {
	Type string `json:"type"`
	Href string `json:"href"`
}

type oscalMap struct {
	UUID            string           `json:"uuid"`
	Relationship    string           `json:"relationship"`
	Sources         []oscalMapItem   `json:"sources"`
	Targets         []oscalMapItem   `json:"targets"`
	ConfidenceScore *oscalConfidence `json:"confidence-score,omitempty"`
	Props           []oscalProp      `json:"props,omitempty"`
	Remarks         string           `json:"remarks,omitempty"`
}

type oscalMapItem struct {
	Type  string `json:"type"`
	IDRef string `json:"id-ref"`
}

type oscalConfidence struct {
	Category string `json:"category"`
}

type oscalGapSummary struct {
	UUID             string               `json:"uuid"`
	UnmappedControls []oscalSelectControl `json:"unmapped-controls"`
}
