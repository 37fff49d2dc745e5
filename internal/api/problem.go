package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/middleware"
)

// Problem is an RFC 9457 problem document. Errors names each bad field by its JSON name and
// as a JSON pointer into the request body.
type Problem struct {
	Type      string        `json:"type"`
	Title     string        `json:"title"`
	Status    int           `json:"status"`
	Detail    string        `json:"detail"`
	Instance  string        `json:"instance,omitempty"`
	RequestID string        `json:"request_id,omitempty"`
	Errors    []FieldReport `json:"errors,omitempty"`
}

// FieldReport is one bad field of a request.
type FieldReport struct {
	Field   string `json:"field"`
	Pointer string `json:"pointer"`
	Message string `json:"message"`
}

// StatusOf maps an error to its HTTP status.
func StatusOf(err error) int { return fault.CodeStatus(err) }

// writeProblem answers with err as problem+json. Internal errors are logged with their cause;
// the client sees only a generic message and the request id to quote.
func writeProblem(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := fault.CodeOf(err)
	status := fault.CodeStatus(err)
	if code == fault.Internal {
		log.Error("request failed", "request_id", middleware.RequestID(r.Context()), "error", err)
	}
	p := Problem{
		Type:      "/problems/" + string(code),
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    fault.Message(err),
		Instance:  r.URL.Path,
		RequestID: middleware.RequestID(r.Context()),
	}
	for _, f := range fault.Fields(err) {
		p.Errors = append(p.Errors, FieldReport{Field: f.Field, Pointer: pointer(f.Field), Message: f.Message})
	}
	if code == fault.Unauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="annexa"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

func pointer(field string) string {
	if field == "" || field == "body" {
		return ""
	}
	if strings.HasPrefix(field, "$") { // a JSON path into an uploaded document: $.catalog.groups[0]
		field = strings.NewReplacer("[", ".", "]", "").Replace(strings.TrimPrefix(strings.TrimPrefix(field, "$"), "."))
		if field == "" {
			return ""
		}
	}
	// rows[3].sourcing and models[0].name point at /rows/3/sourcing and /models/0/name.
	return "/" + strings.ReplaceAll(strings.NewReplacer("[", ".", "]", "").Replace(field), ".", "/")
}

// MaxBodyBytes bounds a JSON request body; larger bodies are refused before they are parsed.
const MaxBodyBytes = 1 << 20

// decode reads a JSON body into dst strictly: one object, no unknown fields, within the size
// limit. Every failure is a 4xx naming what is wrong, never a 500.
func decode(w http.ResponseWriter, r *http.Request, dst any) error {
	return decodeLimit(w, r, dst, MaxBodyBytes)
}

// decodeLimit is decode for the few bodies that may be larger, such as a scan's candidates.
func decodeLimit(w http.ResponseWriter, r *http.Request, dst any, limit int64) error {
	ct := r.Header.Get("Content-Type")
	if ct != "" && !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "application/merge-patch+json") {
		return &fault.Error{Code: fault.Invalid, Message: "the body must be JSON", Fields: []fault.FieldError{{Field: "body", Message: "has content type " + ct + "; send application/json"}}}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if err == nil {
		if dec.More() {
			return bodyError("must hold exactly one JSON object")
		}
		if _, err := dec.Token(); err != io.EOF {
			return bodyError("must hold exactly one JSON object")
		}
		return nil
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return fault.New(fault.TooLarge, "the body is larger than %d bytes", limit)
	case errors.Is(err, io.EOF):
		return bodyError("must not be empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return bodyError("is cut short: the JSON is incomplete")
	case errors.As(err, &syntax):
		return bodyError(fmt.Sprintf("is not valid JSON at byte %d: %s", syntax.Offset, syntax.Error()))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return bodyError("must be a JSON object")
		}
		return &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields",
			Fields: []fault.FieldError{{Field: field, Message: "must be " + jsonKind(typ.Type.Kind().String()) + ", not " + typ.Value}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields",
			Fields: []fault.FieldError{{Field: name, Message: "is not a known field"}}}
	default:
		var fe *fault.Error
		if errors.As(err, &fe) {
			return fe
		}
		return bodyError(err.Error())
	}
}

func bodyError(msg string) error {
	return &fault.Error{Code: fault.Invalid, Message: "the request body is not acceptable", Fields: []fault.FieldError{{Field: "body", Message: msg}}}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "ptr":
		return "a value of the documented type"
	default:
		return "a number"
	}
}

// invalidField is the error for one bad field of a request.
func invalidField(field, msg string) error {
	return &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields", Fields: []fault.FieldError{{Field: field, Message: msg}}}
}
