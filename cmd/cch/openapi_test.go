package main

import (
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/carcarehub/cch/oltp"
)

// TestOpenAPIMatchesRoutes: every /v1 route served is documented in
// /openapi.json, and every documented operation is served.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	srv, err := oltp.NewServer(oltp.Options{Logger: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	mountAPI(srv, nil, slog.New(slog.DiscardHandler))
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	served := map[string]bool{}
	for _, r := range srv.Router().Routes() {
		if strings.HasPrefix(r.Path, "/v1/") {
			served[r.Method+" "+oltp.OpenAPIPath(r.Path)] = true
		}
	}
	if len(served) < 10 {
		t.Fatalf("only %d routes served", len(served))
	}
	for op := range served {
		if !documented[op] {
			t.Errorf("served but not documented: %s", op)
		}
	}
	for op := range documented {
		if !served[op] {
			t.Errorf("documented but not served: %s", op)
		}
	}
}
