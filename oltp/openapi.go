package oltp

import (
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var ginParam = regexp.MustCompile(`:(\w+)`)

// OpenAPIPath turns a Gin path (/v1/bookings/:id) into an OpenAPI one
// (/v1/bookings/{id}).
func OpenAPIPath(p string) string { return ginParam.ReplaceAllString(p, "{$1}") }

// OpenAPI is the OpenAPI 3.1 document of every /v1 route, generated from
// the route table.
func (a *API) OpenAPI() map[string]any {
	paths := map[string]map[string]any{}
	for _, r := range a.routes {
		p := OpenAPIPath(r.Path)
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		paths[p][strings.ToLower(r.Method)] = operation(r)
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Car Care Hub API", "version": "1",
			"description": "Workshop, inventory, finance and chauffeur operations. Errors are application/problem+json (RFC 9457)."},
		"paths": paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
			"schemas":         map[string]any{"Problem": schemaOf(reflect.TypeOf(Problem{}))},
		},
		"security": []any{map[string]any{"bearer": []any{}}},
	}
}

func operation(r Route) map[string]any {
	op := map[string]any{
		"summary":     r.Summary,
		"operationId": strings.ToLower(r.Method) + strings.ReplaceAll(ginParam.ReplaceAllString(r.Path, "By_$1"), "/", "_"),
		"responses":   responses(r),
	}
	if len(r.Roles) > 0 {
		op["description"] = "Roles: " + strings.Join(r.Roles, ", ")
	}
	var params []any
	for _, m := range ginParam.FindAllStringSubmatch(r.Path, -1) {
		schema := map[string]any{"type": "string"}
		if m[1] == "id" || strings.HasSuffix(m[1], "_id") {
			schema = map[string]any{"type": "integer", "minimum": 1}
		}
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": schema})
	}
	if r.Versioned && r.Method != http.MethodGet && r.Method != http.MethodPost {
		params = append(params, map[string]any{"name": "If-Match", "in": "header", "required": true, "schema": map[string]any{"type": "string"}})
	}
	if r.Method == http.MethodPost {
		params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header", "schema": map[string]any{"type": "string", "maxLength": 200}})
	}
	if params != nil {
		op["parameters"] = params
	}
	if r.Request != nil {
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
			"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(r.Request))}}}
	}
	return op
}

func responses(r Route) map[string]any {
	problem := map[string]any{"content": map[string]any{"application/problem+json": map[string]any{
		"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}}
	out := map[string]any{
		"400": withDesc(problem, "bad input"), "401": withDesc(problem, "unauthenticated"),
		"403": withDesc(problem, "forbidden for this role"),
	}
	ok := map[string]any{"description": http.StatusText(r.Status)}
	if r.Response != nil {
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(r.Response))}}
	}
	out[strconv.Itoa(r.Status)] = ok
	if r.Method != http.MethodGet {
		out["409"] = withDesc(problem, "conflicts with the current state")
		out["422"] = withDesc(problem, "breaks a rule")
	}
	if r.Versioned && r.Method != http.MethodGet && r.Method != http.MethodPost {
		out["412"] = withDesc(problem, "stale If-Match")
	}
	return out
}

func withDesc(m map[string]any, d string) map[string]any {
	c := map[string]any{"description": d}
	for k, v := range m {
		c[k] = v
	}
	return c
}

var timeType = reflect.TypeOf(time.Time{})

// schemaOf is a small JSON Schema generator for the API's body types:
// structs (json tags), slices, maps, pointers (nullable) and scalars.
func schemaOf(t reflect.Type) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t.Kind() == reflect.Pointer:
		s := schemaOf(t.Elem())
		if typ, ok := s["type"].(string); ok {
			s["type"] = []any{typ, "null"}
		}
		return s
	}
	switch t.Kind() {
	case reflect.Struct:
		return structSchema(t)
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem())}
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

func structSchema(t reflect.Type) map[string]any {
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
		s := schemaOf(f.Type)
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
