package dashboards_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/dashboards"
	"github.com/carcarehub/cch/internal/datagen"
	"github.com/carcarehub/cch/internal/pglocal/pgtest"
	"github.com/carcarehub/cch/migrations"
	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/workshop"
	"github.com/carcarehub/cch/warehouse"
	"github.com/carcarehub/cch/warehouse/analyst"
	"github.com/carcarehub/cch/warehouse/marts"
	"github.com/carcarehub/cch/warehouse/scope"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// appPassword is the password the test gives the cch_app login role.
const appPassword = "cch-app-dashboards"

// stack is a generated business in Postgres, the API, the CDC pipeline
// into DuckDB and the dashboards, all on one test server.
type stack struct {
	url    string // server base URL
	admin  *pgx.Conn
	tokens map[string]string // role → bearer token of the main organisation
	org    int64
	// access is what the dashboards are told each role may read.
	access *analyst.AnalyticAccess
}

var slotSeq atomic.Int64

// smallData is a few months of two branches ending today, so every page
// has figures; it loads in seconds.
func smallData() datagen.Options {
	return datagen.Options{Seed: 11, Months: 3, Branches: 2, BookingsPerMonth: 300, End: time.Now().UTC(), Audit: datagen.AuditSummary}
}

func newStack(tb testing.TB, data datagen.Options, opts ...func(*dashboards.Config)) *stack {
	tb.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	dbURL := pgtest.NewDatabase(tb)
	if _, err := migrations.Apply(ctx, dbURL, log); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	if _, err := datagen.Seed(ctx, dbURL, data, log); err != nil {
		tb.Fatalf("seed: %v", err)
	}
	admin, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { admin.Close(context.Background()) })
	s := &stack{admin: admin, tokens: map[string]string{}}
	s.issueTokens(tb)
	api, srv := s.startAPI(tb, dbURL, log)
	svc := startWarehouse(tb, dbURL, s.admin)
	s.access = analyticAccess(tb, svc, dbURL)
	cfg := dashboards.Config{
		Warehouse:    dashboards.NewMarts(svc.DB().DB, svc.Marts().LSN, svc.Marts().Ready()),
		Authenticate: api.Authenticate, Logger: log, Access: s.access.Open}
	for _, o := range opts {
		o(&cfg)
	}
	h, err := dashboards.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	h.Mount(srv.Router())
	hs := httptest.NewServer(srv.Handler())
	tb.Cleanup(hs.Close)
	s.url = hs.URL
	return s
}

// issueTokens gives every business role of the first organisation a token
// (its organisation-wide holder when there is one).
func (s *stack) issueTokens(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	if err := s.admin.QueryRow(ctx, `SELECT min(id) FROM core.organisation`).Scan(&s.org); err != nil {
		tb.Fatal(err)
	}
	for role := range oltp.Roles {
		var staff int64
		err := s.admin.QueryRow(ctx, `SELECT r.staff_id FROM core.staff_role r JOIN core.staff st ON st.id = r.staff_id AND st.active
			WHERE r.organisation_id = $1 AND r.role = $2::core.business_role ORDER BY r.branch_id NULLS FIRST, r.staff_id LIMIT 1`, s.org, role).Scan(&staff)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		} else if err != nil {
			tb.Fatalf("find a %s: %v", role, err)
		}
		if s.tokens[role], _, err = oltp.IssueToken(ctx, s.admin, staff, role, time.Hour, "dashboards test"); err != nil {
			tb.Fatal(err)
		}
	}
}

func (s *stack) startAPI(tb testing.TB, dbURL string, log *slog.Logger) (*oltp.API, *oltp.Server) {
	tb.Helper()
	ctx := context.Background()
	if _, err := s.admin.Exec(ctx, "ALTER ROLE cch_app LOGIN PASSWORD '"+appPassword+"'"); err != nil {
		tb.Fatal(err)
	}
	u, _ := url.Parse(dbURL)
	u.User = url.UserPassword("cch_app", appPassword)
	pool, err := oltp.OpenPool(ctx, u.String(), oltp.PoolConfig{MaxConns: 10})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(pool.Close)
	srv, err := oltp.NewServer(oltp.Options{Logger: log, Registry: prometheus.NewRegistry()})
	if err != nil {
		tb.Fatal(err)
	}
	api := oltp.NewAPI(srv, pool, log)
	workshop.Register(api)
	return api, srv
}

// startWarehouse runs the CDC pipeline into a fresh DuckDB file until the
// test ends and waits for its initial snapshot.
func startWarehouse(tb testing.TB, dbURL string, admin *pgx.Conn) *warehouse.Service {
	tb.Helper()
	ctx := context.Background()
	duck, err := warehouse.Open(ctx, filepath.Join(tb.TempDir(), "w.duckdb"), warehouse.Options{MemoryLimit: "1GB", Threads: 2})
	if err != nil {
		tb.Fatal(err)
	}
	slot := fmt.Sprintf("dashboards_%d_%d", os.Getpid(), slotSeq.Add(1))
	svc, err := warehouse.NewService(ctx, duck, cdc.Config{URL: dbURL, Slot: slot, Publication: "cch_pub",
		BatchInterval: 20 * time.Millisecond, StatusInterval: 200 * time.Millisecond, HeartbeatInterval: 200 * time.Millisecond})
	if err != nil {
		tb.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	go svc.Run(runCtx)
	tb.Cleanup(func() {
		cancel()
		<-svc.Done()
		duck.Close()
		_, _ = admin.Exec(context.Background(), "SELECT pg_drop_replication_slot($1)", slot)
	})
	select {
	case <-svc.Stream().Ready():
	case <-svc.Stream().Done():
		tb.Fatalf("pipeline stopped: %v", svc.Stream().Err())
	case <-time.After(3 * time.Minute):
		tb.Fatal("pipeline not ready")
	}
	select { // the analytics read the marts, built once the snapshot is in
	case <-svc.Marts().Ready():
	case <-svc.Done():
		tb.Fatalf("pipeline stopped: %v", svc.Stream().Err())
	case <-time.After(3 * time.Minute):
		tb.Fatal("marts not built")
	}
	return svc
}

// analyticAccess derives each role's analytics from its warehouse views,
// built from the database's grants as the servers build them.
func analyticAccess(tb testing.TB, svc *warehouse.Service, dbURL string) *analyst.AnalyticAccess {
	tb.Helper()
	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(pool.Close)
	derived, err := marts.Definitions()
	if err != nil {
		tb.Fatal(err)
	}
	views, err := scope.NewManager(scope.Config{DB: svc.DB().DB, PG: pool, Roles: oltp.Roles, Derived: derived})
	if err != nil {
		tb.Fatal(err)
	}
	return analyst.NewAnalyticAccess(svc.DB().DB, views)
}

type response struct {
	status int
	header http.Header
	body   string
}

// get fetches path with a bearer token of role ("" = none), not
// following redirects.
func (s *stack) get(tb testing.TB, role, path string) response {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, s.url+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+s.tokens[role])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(b)}
}

// slugs are every dashboard page.
// slugs are the pages with charts: the eight dashboards and one analytic
// of the catalogue (the analytics index only links; see testCatalog).
var slugs = []string{"overview", "branches", "technicians", "services", "inventory", "customers", "bookings", "chauffeur",
	"analytics/technician_efficiency"}

func contains(s string, subs ...string) []string {
	var found []string
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			found = append(found, sub)
		}
	}
	return found
}

// book makes a booking through the API in the next fortnight (a slot
// GET /v1/availability offers) and returns when the write was answered.
func (s *stack) book(t *testing.T) time.Time {
	t.Helper()
	ctx := context.Background()
	var branch, customer, vehicle int64
	var code string
	err := s.admin.QueryRow(ctx, `SELECT b.id, vo.customer_id, vo.vehicle_id, lo.code
		FROM core.branch b
		JOIN core.vehicle_ownership vo ON vo.organisation_id = b.organisation_id AND upper_inf(vo.period)
		JOIN workshop.labour_operation lo ON lo.organisation_id = b.organisation_id
		WHERE b.organisation_id = $1 ORDER BY b.id, vo.id, lo.code LIMIT 1`, s.org).Scan(&branch, &customer, &vehicle, &code)
	if err != nil {
		t.Fatalf("booking fixture: %v", err)
	}
	for day := 1; day <= 13; day++ {
		date := time.Now().UTC().AddDate(0, 0, day).Format(time.DateOnly)
		var av workshop.Availability
		r := s.call(t, "manager", http.MethodGet, fmt.Sprintf("/v1/availability?branch_id=%d&date=%s&duration_minutes=60", branch, date), nil, &av)
		if r.status != http.StatusOK || len(av.Slots) == 0 {
			continue
		}
		sl := av.Slots[0]
		r = s.call(t, "manager", http.MethodPost, "/v1/bookings", workshop.BookingRequest{BranchID: branch, CustomerID: customer,
			VehicleID: vehicle, StartsAt: sl.StartsAt, DurationMinutes: 60, BayID: sl.BayID, TechnicianID: sl.TechnicianID,
			LabourOperationCodes: []string{code}, Notes: "dashboards live test"}, nil)
		if r.status != http.StatusCreated {
			t.Fatalf("booking: %d %s", r.status, r.body)
		}
		return time.Now()
	}
	t.Fatal("no free slot in the next fortnight")
	return time.Time{}
}

// call sends a JSON request to the API as role and decodes the answer
// into out (when not nil).
func (s *stack) call(t *testing.T, role, method, path string, body, out any) response {
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
	req.Header.Set("Authorization", "Bearer "+s.tokens[role])
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("decode %s: %v", b, err)
		}
	}
	return response{resp.StatusCode, resp.Header, string(b)}
}
