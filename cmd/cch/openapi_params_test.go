package main

import (
	"encoding/json"
	"net/http/httptest"
	"slices"
	"testing"
)

// TestOpenAPIDocumentsParametersAndHeaders: the document a generated
// client is built from lists the query parameters of the reads (required,
// typed, enums shared with the items they filter), If-Match on actions,
// Idempotency-Key on writes, the response headers and servers and tags.
func TestOpenAPIDocumentsParametersAndHeaders(t *testing.T) {
	srv := openAPIServer(t)
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	type param struct {
		Name, In string
		Required bool
		Schema   struct {
			Type string
			Enum []string
		}
	}
	var doc struct {
		Servers []any
		Tags    []struct{ Name string }
		Paths   map[string]map[string]struct {
			Tags       []string
			Parameters []param
			Responses  map[string]struct {
				Ref     string `json:"$ref"`
				Headers map[string]any
				Content map[string]struct {
					Schema struct {
						Properties map[string]struct {
							Items struct {
								Properties map[string]struct{ Enum []string }
							}
						}
					}
				}
			}
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Servers) == 0 || len(doc.Tags) == 0 {
		t.Errorf("servers %v, tags %v", doc.Servers, doc.Tags)
	}
	find := func(path, method, name string) (param, bool) {
		for _, p := range doc.Paths[path][method].Parameters {
			if p.Name == name {
				return p, true
			}
		}
		return param{}, false
	}
	for _, c := range []struct {
		path, method, name, in, typ string
		required                    bool
	}{
		{"/v1/bookings", "get", "branch_id", "query", "integer", true},
		{"/v1/bookings", "get", "cursor", "query", "string", false},
		{"/v1/bookings", "get", "min_lsn", "query", "string", false},
		{"/v1/bookings", "get", "X-CCH-LSN", "header", "string", false},
		{"/v1/availability", "get", "date", "query", "string", true},
		{"/v1/availability", "get", "duration_minutes", "query", "integer", true},
		{"/v1/bookings/{id}/cancel", "post", "If-Match", "header", "string", true},
		{"/v1/bookings/{id}/cancel", "post", "Idempotency-Key", "header", "string", false},
		{"/v1/bookings/{id}", "patch", "If-Match", "header", "string", true},
		{"/v1/analytics/{name}", "get", "granularity", "query", "string", false},
	} {
		p, ok := find(c.path, c.method, c.name)
		if !ok || p.In != c.in || p.Schema.Type != c.typ || p.Required != c.required {
			t.Errorf("%s %s %s: %+v (found %v)", c.method, c.path, c.name, p, ok)
		}
	}
	if _, ok := find("/v1/repair-orders/{id}/jobs", "post", "If-Match"); ok {
		t.Error("recommending a job on a repair order needs no If-Match")
	}
	status, _ := find("/v1/invoices", "get", "status")
	items := doc.Paths["/v1/invoices"]["get"].Responses["200"].Content["application/json"].Schema.Properties["items"].Items.Properties
	if len(status.Schema.Enum) == 0 || !slices.Equal(status.Schema.Enum, items["status"].Enum) {
		t.Errorf("invoice status: filter enum %v, item enum %v", status.Schema.Enum, items["status"].Enum)
	}
	for _, c := range []struct{ path, method, status, header string }{
		{"/v1/bookings", "post", "201", "Location"}, {"/v1/bookings", "post", "201", "ETag"},
		{"/v1/bookings", "post", "201", "X-CCH-LSN"}, {"/v1/bookings/{id}", "get", "200", "ETag"},
		{"/v1/bookings", "get", "200", "X-CCH-Read-From"}, {"/v1/bookings", "get", "200", "X-CCH-Replica-Fallback"},
	} {
		if _, ok := doc.Paths[c.path][c.method].Responses[c.status].Headers[c.header]; !ok {
			t.Errorf("%s %s %s: no %s header", c.method, c.path, c.status, c.header)
		}
	}
	for _, c := range []struct{ path, method, status string }{
		{"/v1/bookings/{id}", "get", "404"}, {"/v1/bookings", "post", "413"}, {"/v1/bookings/{id}/cancel", "post", "428"},
		{"/v1/bookings/{id}/cancel", "post", "412"}, {"/v1/bookings", "get", "429"},
	} {
		if r, ok := doc.Paths[c.path][c.method].Responses[c.status]; !ok || r.Ref != "#/components/responses/Problem"+c.status {
			t.Errorf("%s %s: no %s problem response", c.method, c.path, c.status)
		}
	}
	if tags := doc.Paths["/v1/repair-orders/{id}"]["get"].Tags; !slices.Equal(tags, []string{"repair-orders"}) {
		t.Errorf("tags %v", tags)
	}
}
