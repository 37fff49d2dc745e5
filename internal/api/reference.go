package api

import (
	_ "embed"
	"encoding/json"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

//go:embed reference/reference.html
var referenceHTML string

var referenceTmpl = template.Must(template.New("reference").Parse(referenceHTML))

type refOperation struct {
	Method, Path, Summary, Permission, Holders string
	Public                                     bool
	Params                                     []Param
	Request, Response                          string
	Status                                     int
	Conditional                                bool
	Anchor                                     string
}

type refTag struct {
	Name       string
	Operations []refOperation
}

// reference renders a readable API reference from the same route table and schemas as the
// OpenAPI document, served by the binary itself.
func (s *Server) reference(w http.ResponseWriter, r *http.Request) {
	doc := s.OpenAPI()
	components := doc["components"].(schema)["schemas"].(map[string]schema)
	names := make([]string, 0, len(components))
	for n := range components {
		names = append(names, n)
	}
	sort.Strings(names)
	type refSchema struct{ Name, JSON string }
	var schemas []refSchema
	for _, n := range names {
		b, _ := json.MarshalIndent(components[n], "", "  ")
		schemas = append(schemas, refSchema{n, string(b)})
	}
	var tags []refTag
	index := map[string]int{}
	for _, rt := range s.routes {
		op := refOperation{Method: rt.Method, Path: rt.Pattern, Summary: rt.Summary, Public: rt.Public, Params: rt.Params,
			Conditional: rt.Conditional, Status: rt.Status, Anchor: operationID(rt)}
		if op.Status == 0 {
			op.Status = http.StatusOK
		}
		if rt.Permission != "" {
			op.Permission, op.Holders = string(rt.Permission), holders(rt.Permission)
		}
		// The names come from the document itself, where a second Go type of one name is
		// qualified by its package ("MonitorMetric"): rebuilding them alone would link the wrong one.
		opDoc, _ := doc["paths"].(schema)[rt.Pattern].(schema)[strings.ToLower(rt.Method)].(schema)
		if rt.Request != nil {
			body, _ := opDoc["requestBody"].(schema)
			op.Request = jsonComponent(body)
		}
		if rt.Response != nil {
			responses, _ := opDoc["responses"].(schema)
			ok, _ := responses[strconv.Itoa(op.Status)].(schema)
			op.Response = jsonComponent(ok)
		}
		i, ok := index[rt.Tag]
		if !ok {
			i = len(tags)
			index[rt.Tag] = i
			tags = append(tags, refTag{Name: rt.Tag})
		}
		tags[i].Operations = append(tags[i].Operations, op)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = referenceTmpl.Execute(w, map[string]any{"Tags": tags, "Schemas": schemas, "Version": Version})
}

// jsonComponent is the component a request body or response carries as JSON, "" when none.
func jsonComponent(part schema) string {
	content, _ := part["content"].(schema)
	media, _ := content["application/json"].(schema)
	sch, _ := media["schema"].(schema)
	ref, _ := sch["$ref"].(string)
	return strings.TrimPrefix(ref, "#/components/schemas/")
}
