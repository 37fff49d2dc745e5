package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/audit"
	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/impact"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/monitor"
	"github.com/annexa-dev/annexa/internal/org"
)

// Version is the API's version in the OpenAPI document; set by the binary at start-up.
var Version = "dev"

// enumValues lists the allowed values of typed-string enums, taken from the capability
// packages' own lists so the document follows the code.
var enumValues = map[reflect.Type][]string{
	reflect.TypeFor[auth.Role]():                   strs(auth.Roles),
	reflect.TypeFor[auth.Permission]():             strs(auth.Permissions),
	reflect.TypeFor[org.AIRole]():                  strs(org.AIRoles),
	reflect.TypeFor[org.ActRole]():                 strs(org.ActRoles),
	reflect.TypeFor[org.PartyKind]():               strs(org.PartyKinds),
	reflect.TypeFor[auditlog.Action]():             {string(auditlog.Create), string(auditlog.Update), string(auditlog.Delete)},
	reflect.TypeFor[auditlog.ActorKind]():          {string(auditlog.ByUser), string(auditlog.ByToken), string(auditlog.BySystem)},
	reflect.TypeFor[inventory.Sourcing]():          strs(inventory.Sourcings),
	reflect.TypeFor[inventory.LifecycleStage]():    strs(inventory.LifecycleStages),
	reflect.TypeFor[inventory.AffectedGroup]():     strs(inventory.AffectedGroups),
	reflect.TypeFor[inventory.Automation]():        strs(inventory.Automations),
	reflect.TypeFor[inventory.Criticality]():       strs(inventory.Criticalities),
	reflect.TypeFor[aiact.Role]():                  strs(aiact.Roles),
	reflect.TypeFor[aiact.Tier]():                  strs(aiact.Tiers),
	reflect.TypeFor[aiact.ExcludedPurpose]():       strs(aiact.ExcludedPurposes),
	reflect.TypeFor[aiact.ProhibitedPractice]():    strs(aiact.ProhibitedPractices),
	reflect.TypeFor[aiact.AnnexIIIPoint]():         strs(aiact.AnnexIIIPoints),
	reflect.TypeFor[aiact.CarveOut]():              strs(aiact.CarveOuts),
	reflect.TypeFor[aiact.DerogationCondition]():   strs(aiact.DerogationConditions),
	reflect.TypeFor[aiact.TransparencyIndicator](): strs(aiact.TransparencyIndicators),
	reflect.TypeFor[impact.Status]():               strs(impact.Statuses),
	reflect.TypeFor[impact.PartyKind]():            strs(impact.PartyKinds),
	reflect.TypeFor[impact.EffectKind]():           strs(impact.EffectKinds),
	reflect.TypeFor[impact.ResidualLevel]():        strs(impact.ResidualLevels),
	reflect.TypeFor[impact.DueSource]():            strs(impact.DueSources),
	reflect.TypeFor[audit.Kind]():                  strs(audit.Kinds),
	reflect.TypeFor[audit.Status]():                strs(audit.Statuses),
	reflect.TypeFor[audit.FindingKind]():           strs(audit.FindingKinds),
	reflect.TypeFor[audit.ActionStatus]():          strs(audit.ActionStatuses),
	reflect.TypeFor[audit.ReviewStatus]():          strs(audit.ReviewStatuses),
	reflect.TypeFor[monitor.Kind]():                strs(monitor.Kinds),
	reflect.TypeFor[monitor.AlertStatus]():         strs(monitor.AlertStatuses),
	reflect.TypeFor[monitor.Outcome]():             strs(monitor.Outcomes),
}

// unknownAllowed are the enums whose empty value means "not recorded yet" in a response.
var unknownAllowed = map[reflect.Type]bool{
	reflect.TypeFor[inventory.Sourcing]():       true,
	reflect.TypeFor[inventory.LifecycleStage](): true,
	reflect.TypeFor[inventory.Automation]():     true,
	reflect.TypeFor[inventory.Criticality]():    true,
	reflect.TypeFor[aiact.Tier]():               true,
	// A draft may leave these unset until it is submitted.
	reflect.TypeFor[impact.PartyKind]():     true,
	reflect.TypeFor[impact.EffectKind]():    true,
	reflect.TypeFor[impact.ResidualLevel](): true,
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

type schema = map[string]any

// schemaBuilder turns Go types into JSON Schema 2020-12 (the dialect of OpenAPI 3.1), one
// named component per named struct type.
type schemaBuilder struct {
	components map[string]schema
	types      map[string]reflect.Type // which Go type owns each component name
	strict     map[string]bool         // request bodies: unknown fields are refused
}

var (
	timeType = reflect.TypeFor[time.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

var genericName = regexp.MustCompile(`^(\w+)\[(?:.*/)?[\w]+\.(\w+)\]$`)

// packageTitle is a type's package name with a capital, for qualifying component names.
func packageTitle(t reflect.Type) string {
	p := t.PkgPath()
	if i := strings.LastIndex(p, "/"); i >= 0 {
		p = p[i+1:]
	}
	if p == "" {
		return ""
	}
	return strings.ToUpper(p[:1]) + p[1:]
}

func componentName(t reflect.Type) string {
	n := t.Name()
	if m := genericName.FindStringSubmatch(n); m != nil {
		return m[2] + m[1] // Page[...auth.Member] → MemberPage
	}
	return n
}

func (b *schemaBuilder) of(t reflect.Type, request bool) schema {
	switch {
	case t == timeType:
		return schema{"type": "string", "format": "date-time"}
	case t == rawType:
		return schema{"description": "a JSON value"}
	}
	if vals, ok := enumValues[t]; ok {
		if !request && unknownAllowed[t] {
			return schema{"type": "string", "enum": append(slices.Clone(vals), ""), "description": "empty when not recorded yet"}
		}
		return schema{"type": "string", "enum": vals}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return b.of(t.Elem(), request)
	case reflect.String:
		return schema{"type": "string"}
	case reflect.Bool:
		return schema{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return schema{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return schema{"type": "number"}
	case reflect.Slice, reflect.Array:
		return schema{"type": "array", "items": b.of(t.Elem(), request)}
	case reflect.Map:
		return schema{"type": "object", "additionalProperties": b.of(t.Elem(), request)}
	case reflect.Struct:
		name := componentName(t)
		if name == "" {
			return b.object(t, request)
		}
		if b.types == nil {
			b.types = map[string]reflect.Type{}
		}
		if owner, ok := b.types[name]; ok && owner != t {
			// Two Go types of the same name would share one component, and one would silently
			// describe the other: the later one is qualified by its package ("DiscoveryModel").
			name = packageTitle(t) + name
			if owner, ok := b.types[name]; ok && owner != t {
				panic("api: OpenAPI component " + name + " is both " + owner.String() + " and " + t.String())
			}
		}
		b.types[name] = t
		if _, seen := b.components[name]; !seen {
			b.components[name] = schema{} // reserve first: types may refer to themselves
			b.components[name] = b.object(t, request)
		}
		return schema{"$ref": "#/components/schemas/" + name}
	case reflect.Interface:
		return schema{}
	}
	panic("api: no schema for " + t.String())
}

func (b *schemaBuilder) object(t reflect.Type, request bool) schema {
	props := schema{}
	var required []string
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" || (!f.IsExported() && !f.Anonymous) {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				walk(ft)
				continue
			}
			if name == "" {
				name = f.Name
			}
			s := b.of(f.Type, request)
			omitempty := strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")
			if f.Type.Kind() == reflect.Pointer && !omitempty {
				s = schema{"oneOf": []any{s, schema{"type": "null"}}}
			}
			props[name] = s
			if !omitempty && !request {
				required = append(required, name)
			}
		}
	}
	walk(t)
	out := schema{"type": "object", "properties": props}
	if len(required) > 0 {
		out["required"] = required
	}
	if request {
		out["additionalProperties"] = false
	}
	return out
}

// OpenAPI builds the OpenAPI 3.1 document from the route table.
func (s *Server) OpenAPI() schema {
	b := &schemaBuilder{components: map[string]schema{}}
	paths := schema{}
	problem := schema{"$ref": "#/components/schemas/Problem"}
	b.of(reflect.TypeFor[Problem](), false)
	for _, rt := range s.routes {
		item, _ := paths[rt.Pattern].(schema)
		if item == nil {
			item = schema{}
			paths[rt.Pattern] = item
		}
		op := schema{
			"operationId": operationID(rt),
			"summary":     rt.Summary,
			"tags":        []string{rt.Tag},
		}
		if rt.Permission != "" {
			op["description"] = "Requires the permission `" + string(rt.Permission) + "`, held by: " + holders(rt.Permission) + "."
			op["x-permission"] = string(rt.Permission)
		}
		if rt.Public {
			op["security"] = []any{}
		}
		var params []any
		for _, p := range rt.Params {
			ps := schema{"type": "string"}
			if p.Type != "" {
				ps["type"] = p.Type
			}
			if p.Format != "" {
				ps["format"] = p.Format
			}
			params = append(params, schema{"name": p.Name, "in": p.In, "required": p.In == "path", "description": p.Description, "schema": ps})
		}
		if rt.Conditional && rt.Method != http.MethodGet && rt.Method != http.MethodPost {
			params = append(params, schema{"name": "If-Match", "in": "header", "required": false,
				"description": "the ETag of your last read; a stale one answers 412", "schema": schema{"type": "string"}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		// A route may take JSON, a file, or either: a pipeline sends JSON where a person uploads
		// the same data as a CSV export.
		body := schema{}
		if rt.Request != nil {
			body["application/json"] = schema{"schema": b.of(reflect.TypeOf(rt.Request), true)}
		}
		if rt.Upload != "" {
			file := schema{"type": "string", "contentMediaType": rt.Upload}
			body[rt.Upload] = schema{"schema": file}
			body["multipart/form-data"] = schema{"schema": schema{"type": "object", "required": []string{"file"}, "properties": schema{"file": file}}}
		}
		if len(body) > 0 {
			op["requestBody"] = schema{"required": true, "content": body}
		}
		status := rt.Status
		if status == 0 {
			status = http.StatusOK
		}
		responses := schema{}
		ok := schema{"description": http.StatusText(status)}
		if rt.Response != nil {
			ok["content"] = schema{"application/json": schema{"schema": b.of(reflect.TypeOf(rt.Response), false)}}
		}
		if len(rt.Produces) > 0 {
			content := schema{}
			for _, mt := range rt.Produces {
				content[mt] = schema{"schema": schema{"type": "string", "format": "binary"}}
			}
			ok["content"] = content
			ok["headers"] = schema{"Content-Disposition": schema{"description": "attachment; filename=…", "schema": schema{"type": "string"}}}
		}
		if rt.Conditional {
			ok["headers"] = schema{"ETag": schema{"description": "the record's version, for If-Match", "schema": schema{"type": "string"}}}
		}
		responses[strconv.Itoa(status)] = ok
		errs := []int{}
		if !rt.Public {
			errs = append(errs, 401)
			if rt.Permission != "" {
				errs = append(errs, 403)
			}
		}
		if rt.Request != nil || len(rt.Params) > 0 {
			errs = append(errs, 422)
		}
		if rt.Request != nil {
			errs = append(errs, 409, 413)
		} else if rt.Upload != "" {
			errs = append(errs, 413)
		}
		if strings.Contains(rt.Pattern, "{") {
			errs = append(errs, 404)
		}
		if rt.Conditional && rt.Method == http.MethodPatch {
			errs = append(errs, 412)
		}
		for _, code := range errs {
			responses[strconv.Itoa(code)] = schema{"description": http.StatusText(code),
				"content": schema{"application/problem+json": schema{"schema": problem}}}
		}
		op["responses"] = responses
		item[strings.ToLower(rt.Method)] = op
	}
	return schema{
		"openapi": "3.1.0",
		"info": schema{
			"title":       "Annexa API",
			"version":     Version,
			"description": "The JSON API of Annexa: ISO/IEC 42001 and ISO/IEC 27001 run as one management system. Lists are paged with limit and cursor; reads of versioned records carry an ETag to send back as If-Match; errors are RFC 9457 problem documents naming each bad field.",
		},
		"servers":  []any{schema{"url": "/"}},
		"security": []any{schema{"bearerAuth": []any{}}, schema{"sessionCookie": []any{}}},
		"paths":    paths,
		"components": schema{
			"schemas": b.components,
			"securitySchemes": schema{
				"bearerAuth":    schema{"type": "http", "scheme": "bearer", "description": "an API token from `annexa token create` or POST /api/v1/tokens"},
				"sessionCookie": schema{"type": "apiKey", "in": "cookie", "name": SessionCookie, "description": "a signed-in browser; unsafe methods also need the X-CSRF-Token header"},
			},
		},
	}
}

func operationID(rt Route) string {
	parts := []string{strings.ToLower(rt.Method)}
	for _, seg := range strings.Split(strings.TrimPrefix(rt.Pattern, "/api/v1/"), "/") {
		if strings.HasPrefix(seg, "{") {
			parts = append(parts, "by", strings.Trim(seg, "{}"))
			continue
		}
		parts = append(parts, strings.ReplaceAll(seg, "-", "_"))
	}
	return strings.Join(parts, "_")
}

func holders(p auth.Permission) string {
	var hs []string
	for _, r := range auth.Roles {
		if r.Can(p) {
			hs = append(hs, string(r))
		}
	}
	return strings.Join(hs, ", ")
}

func reflectType(v any) reflect.Type { return reflect.TypeOf(v) }
