package main

import (
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/warehouse"
	"github.com/carcarehub/cch/warehouse/analyst"
	"github.com/carcarehub/cch/warehouse/scope"
)

// openAPIServer mounts every /v1 route (the API's and the warehouse's)
// on a server that never dials a database.
func openAPIServer(t *testing.T) *oltp.Server {
	t.Helper()
	srv, err := oltp.NewServer(oltp.Options{Logger: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	api := mountAPI(srv, nil, slog.New(slog.DiscardHandler))
	// The warehouse's analyst routes are served on the same router in cch dev.
	duck, err := warehouse.Open(t.Context(), filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer duck.Close()
	// The views are never built here (no request runs): the catalogue's
	// pool is never dialled.
	pg, err := pgxpool.New(t.Context(), "postgres://cch_app@127.0.0.1:1/cch")
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	views, err := scope.NewManager(scope.Config{DB: duck.DB, PG: pg, Roles: oltp.Roles})
	if err != nil {
		t.Fatal(err)
	}
	h, err := analyst.New(analyst.Config{DB: duck.DB, Authenticate: api.Authenticate,
		Applied: func() cdc.LSN { return 0 }, Ready: make(chan struct{}), Scope: views})
	if err != nil {
		t.Fatal(err)
	}
	h.Mount(srv.Router(), api)
	return srv
}

// TestOpenAPIMatchesRoutes: every /v1 route served is documented in
// /openapi.json, and every documented operation is served.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	srv := openAPIServer(t)
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
