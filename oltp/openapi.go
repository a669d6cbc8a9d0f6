package oltp

import (
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"
)

var ginParam = regexp.MustCompile(`:(\w+)`)

// OpenAPIPath turns a Gin path (/v1/bookings/:id) into an OpenAPI one
// (/v1/bookings/{id}).
func OpenAPIPath(p string) string { return ginParam.ReplaceAllString(p, "{$1}") }

// OpenAPI is the OpenAPI 3.1 document of every /v1 route, generated from
// the route table: the same declarations the API checks requests against.
func (a *API) OpenAPI() map[string]any {
	paths := map[string]map[string]any{}
	g := schemaGen{enums: enumFields(a.routes)}
	errs := map[int]bool{}
	tags := map[string]bool{}
	for _, r := range a.routes {
		p := OpenAPIPath(r.Path)
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		op := g.operation(r)
		for _, st := range errorStatuses(r) {
			errs[st] = true
		}
		tags[tagOf(r.Path)] = true
		paths[p][strings.ToLower(r.Method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Car Care Hub API", "version": "1",
			"description": "Workshop, inventory, finance and chauffeur operations. Errors are application/problem+json (RFC 9457).",
			"contact":     map[string]any{"name": "Car Care Hub"},
			"license":     map[string]any{"name": "Proprietary", "identifier": "LicenseRef-Proprietary"}},
		"servers": []any{map[string]any{"url": "/", "description": "the server that serves this document"}},
		"tags":    tagList(tags),
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer",
				"description": "a staff token (cch token)"}},
			"schemas":   map[string]any{"Problem": g.schemaOf(reflect.TypeOf(Problem{}))},
			"responses": problemResponses(errs),
			"headers":   headerComponents(),
		},
		"security": []any{map[string]any{"bearer": []any{}}},
	}
}

// tagOf groups operations by their collection: /v1/repair-orders/:id → repair-orders.
func tagOf(path string) string {
	seg, _, _ := strings.Cut(strings.TrimPrefix(path, "/v1/"), "/")
	return seg
}

func tagList(tags map[string]bool) []any {
	names := make([]string, 0, len(tags))
	for t := range tags {
		names = append(names, t)
	}
	sort.Strings(names)
	out := make([]any, len(names))
	for i, t := range names {
		out[i] = map[string]any{"name": t, "description": "Operations on /v1/" + t}
	}
	return out
}

func (g schemaGen) operation(r Route) map[string]any {
	op := map[string]any{
		"summary":     r.Summary,
		"operationId": strings.ToLower(r.Method) + strings.ReplaceAll(ginParam.ReplaceAllString(r.Path, "By_$1"), "/", "_"),
		"tags":        []any{tagOf(r.Path)},
		"responses":   g.responses(r),
		"description": "Any authenticated staff member.",
	}
	if len(r.Roles) > 0 {
		op["description"] = "Roles: " + strings.Join(r.Roles, ", ") + "."
	}
	if params := parameters(r); params != nil {
		op["parameters"] = params
	}
	if r.Request != nil {
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
			"application/json": map[string]any{"schema": g.schemaOf(reflect.TypeOf(r.Request))}}}
	}
	return op
}

// needsIfMatch reports whether a route writes a versioned resource it
// names by id: it answers 428 without If-Match and 412 with a stale one.
func needsIfMatch(r Route) bool {
	return r.Versioned && !r.NoIfMatch && r.Method != http.MethodGet && strings.Contains(r.Path, "/:id")
}

func parameters(r Route) []any {
	var params []any
	for _, m := range ginParam.FindAllStringSubmatch(r.Path, -1) {
		schema := map[string]any{"type": "string"}
		if m[1] == "id" || strings.HasSuffix(m[1], "_id") {
			schema = map[string]any{"type": "integer", "format": "int64", "minimum": 1}
		}
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": schema})
	}
	for _, q := range r.Query {
		params = append(params, q.openAPI())
	}
	str := map[string]any{"type": "string"}
	if needsIfMatch(r) {
		params = append(params, map[string]any{"name": "If-Match", "in": "header", "required": true, "schema": str,
			"description": "the ETag of the resource as you read it"})
	}
	if r.write {
		params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header", "description": "replays the first response to a retried request",
			"schema": map[string]any{"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"}})
	}
	if r.replica {
		params = append(params, map[string]any{"name": "X-CCH-LSN", "in": "header", "description": "same as min_lsn",
			"schema": map[string]any{"type": "string", "pattern": `^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$`}})
	}
	return params
}

var timeType = reflect.TypeOf(time.Time{})

// schemaGen is a small JSON Schema generator for the API's body types:
// structs (json tags), slices, maps, pointers (nullable) and scalars.
type schemaGen struct {
	// enums are the allowed values of string fields, by struct type and
	// JSON name (see enumFields).
	enums map[reflect.Type]map[string][]string
}

// enumFields takes the allowed values of the collections' enum filters
// (?status=, ?method=) as the enums of their items' field of that name:
// the filter and the field hold the same values.
func enumFields(routes []Route) map[reflect.Type]map[string][]string {
	out := map[reflect.Type]map[string][]string{}
	for _, r := range routes {
		if r.Response == nil {
			continue
		}
		items, ok := reflect.TypeOf(r.Response).FieldByName("Items")
		if !ok || items.Type.Kind() != reflect.Slice || items.Type.Elem().Kind() != reflect.Struct {
			continue
		}
		for _, q := range r.Query {
			if len(q.Enum) == 0 {
				continue
			}
			if out[items.Type.Elem()] == nil {
				out[items.Type.Elem()] = map[string][]string{}
			}
			out[items.Type.Elem()][q.Name] = q.Enum
		}
	}
	return out
}

func (g schemaGen) schemaOf(t reflect.Type) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t.Kind() == reflect.Pointer:
		s := g.schemaOf(t.Elem())
		if typ, ok := s["type"].(string); ok {
			s["type"] = []any{typ, "null"}
		}
		return s
	}
	switch t.Kind() {
	case reflect.Struct:
		return g.structSchema(t)
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": g.schemaOf(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schemaOf(t.Elem())}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	}
	return map[string]any{}
}

func (g schemaGen) structSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		s := g.schemaOf(f.Type)
		if e := g.enums[t][name]; e != nil && f.Type.Kind() == reflect.String {
			s["enum"] = e
		}
		if d := f.Tag.Get("doc"); d != "" {
			s["description"] = d
		}
		props[name] = s
		if !strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Pointer {
			required = append(required, name)
		}
	}
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if required != nil {
		s["required"] = required
	}
	return s
}
