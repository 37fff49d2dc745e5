// Package fault is Annexa's one error type. Capability code returns a *fault.Error with a code
// and a human message naming the field at fault; the HTTP layers map the code to a status and
// the CLI prints the message. Anything else that reaches a boundary is an internal error.
package fault

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Code classifies an error by what the caller can do about it.
type Code string

const (
	Invalid         Code = "invalid"
	NotFound        Code = "not_found"
	Conflict        Code = "conflict"
	Unauthorized    Code = "unauthorized"
	Forbidden       Code = "forbidden"
	PreconditionErr Code = "precondition_failed"
	TooLarge        Code = "too_large"
	TooMany         Code = "too_many_requests"
	Internal        Code = "internal"
)

// FieldError names one bad field of a request, by its JSON name.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is an error a person can act on.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	Err     error // the cause, kept for logs and errors.Is
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	for i, f := range e.Fields {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(f.Field + " " + f.Message)
	}
	if e.Err != nil && e.Code == Internal {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// New builds an error with a formatted message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap makes an internal error that keeps its cause; the message shown to people stays generic.
func Wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	var fe *Error
	if errors.As(err, &fe) {
		return err
	}
	return &Error{Code: Internal, Message: fmt.Sprintf(format, args...), Err: err}
}

// NotFoundf reports a record that does not exist or is not visible to the caller; the two are
// deliberately indistinguishable so existence does not leak across organisations.
func NotFoundf(kind, id string) *Error {
	return &Error{Code: NotFound, Message: fmt.Sprintf("%s %q not found", kind, id)}
}

// CodeOf returns the code of err, Internal for foreign errors.
func CodeOf(err error) Code {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Code
	}
	return Internal
}

// Is reports whether err carries code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }

// Validation gathers field errors and reports them together, so a person fixes a form once.
type Validation struct{ fields []FieldError }

// Add records a problem with field.
func (v *Validation) Add(field, format string, args ...any) {
	v.fields = append(v.fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Check records the problem when bad is true.
func (v *Validation) Check(bad bool, field, format string, args ...any) {
	if bad {
		v.Add(field, format, args...)
	}
}

// Has reports whether field already has a problem.
func (v *Validation) Has(field string) bool {
	for _, f := range v.fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns nil when nothing was recorded, otherwise an Invalid error naming every field.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	fields := append([]FieldError(nil), v.fields...)
	sort.SliceStable(fields, func(i, j int) bool { return fields[i].Field < fields[j].Field })
	return &Error{Code: Invalid, Message: "the request has invalid fields", Fields: fields}
}

// Fields returns the field errors of err, if any.
func Fields(err error) []FieldError {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Fields
	}
	return nil
}

// Message returns the text a person should see for err: the message for known errors and a
// generic sentence for internal ones, whose details belong in the log only.
func Message(err error) string {
	var fe *Error
	if errors.As(err, &fe) && fe.Code != Internal {
		return fe.Message
	}
	return "an internal error occurred; it has been logged"
}

// CodeStatus maps an error to the HTTP status both the API and the pages answer with.
func CodeStatus(err error) int {
	switch CodeOf(err) {
	case Invalid:
		return 422
	case NotFound:
		return 404
	case Conflict:
		return 409
	case Unauthorized:
		return 401
	case Forbidden:
		return 403
	case PreconditionErr:
		return 412
	case TooLarge:
		return 413
	case TooMany:
		return 429
	}
	return 500
}
