package analyst_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/internal/pglocal/pgtest"
	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/oltptest"
	"github.com/carcarehub/cch/oltp/workshop"
	"github.com/carcarehub/cch/warehouse"
	"github.com/carcarehub/cch/warehouse/analyst"
	"github.com/carcarehub/cch/warehouse/marts"
	"github.com/carcarehub/cch/warehouse/scope"
)

func TestMain(m *testing.M) {
	if os.Getenv(auditChildEnv) != "" {
		os.Exit(auditChild())
	}
	os.Exit(pgtest.Main(m))
}

// stack is the API over a fixture business, the CDC pipeline into DuckDB
// and the analyst endpoints on their own test server.
type stack struct {
	env   *oltptest.Env
	svc   *warehouse.Service
	h     *analyst.Handler
	views *scope.Manager
	url   string // analyst server
	// requestID, when set, is sent as X-Request-ID.
	requestID string
}

func newStack(t *testing.T, timeout time.Duration) *stack {
	t.Helper()
	env := oltptest.New(t, workshop.Register)
	ctx := context.Background()
	duck, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{MemoryLimit: "1GB", Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { duck.Close() })
	slot := fmt.Sprintf("analyst_%d", os.Getpid())
	svc, err := warehouse.NewService(ctx, duck, cdc.Config{URL: env.AdminURL, Slot: slot, Publication: "cch_pub",
		BatchInterval: 20 * time.Millisecond, StatusInterval: 200 * time.Millisecond, HeartbeatInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	go svc.Run(runCtx)
	t.Cleanup(func() {
		cancel()
		<-svc.Done()
		_, _ = env.Admin.Exec(context.Background(), "SELECT pg_drop_replication_slot($1)", slot)
	})
	select {
	case <-svc.Stream().Ready():
	case <-svc.Stream().Done():
		t.Fatalf("pipeline stopped: %v", svc.Stream().Err())
	case <-time.After(2 * time.Minute):
		t.Fatal("pipeline not ready")
	}
	select { // the analytics read the marts, built once the snapshot is in
	case <-svc.Marts().Ready():
	case <-svc.Done():
		t.Fatalf("pipeline stopped: %v", svc.Stream().Err())
	case <-time.After(3 * time.Minute):
		t.Fatal("marts not built")
	}
	derived, err := marts.Definitions()
	if err != nil {
		t.Fatal(err)
	}
	views, err := scope.NewManager(scope.Config{DB: duck.DB, PG: env.Pool, Roles: oltp.Roles, Derived: derived})
	if err != nil {
		t.Fatal(err)
	}
	audit, err := analyst.OpenAuditLog(ctx, env.Pool.Config(), analyst.AuditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	auditCtx, stopAudit := context.WithCancel(ctx)
	auditDone := make(chan error, 1)
	go func() { auditDone <- audit.Run(auditCtx) }()
	t.Cleanup(func() {
		stopAudit()
		if err := <-auditDone; err != nil {
			t.Errorf("audit log: %v", err)
		}
	})
	h, err := analyst.New(analyst.Config{DB: duck.DB, Authenticate: env.API.Authenticate,
		Applied: svc.Marts().LSN, Ready: svc.Marts().Ready(), Scope: views, Timeout: timeout, RowLimit: 1000,
		MaxAnswerBytes: testMaxAnswerBytes, MaxQueriesPerCaller: 1, Audit: audit, Paths: []string{duck.Path()}})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	h.Mount(r, env.API)
	hs := httptest.NewServer(r)
	t.Cleanup(hs.Close)
	return &stack{env: env, svc: svc, h: h, views: views, url: hs.URL}
}

// testMaxAnswerBytes is the stack's answer bound.
const testMaxAnswerBytes = 1 << 20

type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request to the analyst server as role ("" = no token).
func (s *stack) do(t *testing.T, role, method, path string, body any, accept string) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+s.env.Tokens[role])
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if s.requestID != "" {
		req.Header.Set("X-Request-ID", s.requestID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, b}
}

type table struct {
	Columns []struct{ Name, Type string } `json:"columns"`
	Rows    [][]any                       `json:"rows"`
}

func decode(t *testing.T, r response) table {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var tab table
	if err := json.Unmarshal(r.body, &tab); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return tab
}

func count(t *testing.T, conn *pgx.Conn, q string) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
