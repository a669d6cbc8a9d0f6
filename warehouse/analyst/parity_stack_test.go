package analyst_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"

	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/internal/datagen"
	"github.com/carcarehub/cch/internal/pglocal/pgtest"
	"github.com/carcarehub/cch/migrations"
	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/warehouse"
	"github.com/carcarehub/cch/warehouse/analyst"
	"github.com/carcarehub/cch/warehouse/flight"
	"github.com/carcarehub/cch/warehouse/marts"
	"github.com/carcarehub/cch/warehouse/scope"
)

// seeded is a generated business (two organisations with two branches
// each, a month of workshop and chauffeur activity) behind the API's
// PostgreSQL roles, mirrored into DuckDB and served by the analyst
// endpoints over HTTP and Flight SQL.
type seeded struct {
	admin  *pgx.Conn
	pool   *pgxpool.Pool // cch_app, the API's login
	api    *oltp.API
	svc    *warehouse.Service
	views  *scope.Manager
	url    string
	flight *flightsql.Client
	// callers are the principals the parity test runs as, by name.
	callers map[string]oltp.Principal
	tokens  map[string]string
	markers int
}

func newSeeded(t *testing.T) *seeded {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	dbURL := pgtest.NewDatabase(t)
	if _, err := migrations.Apply(ctx, dbURL, log); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	data := datagen.Options{Seed: 7, Months: 1, Branches: 2, BookingsPerMonth: 120, End: time.Now().UTC(), Audit: datagen.AuditSummary}
	if _, err := datagen.Seed(ctx, dbURL, data, log); err != nil {
		t.Fatalf("seed: %v", err)
	}
	s := &seeded{callers: map[string]oltp.Principal{}, tokens: map[string]string{}}
	var err error
	if s.admin, err = pgx.Connect(ctx, dbURL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.admin.Close(context.Background()) })
	s.secondBranch(t)
	s.refundSome(t)
	s.openAPI(t, dbURL, log)
	s.issueTokens(t)
	s.startWarehouse(t, dbURL)
	s.serve(t)
	return s
}

// secondBranch gives the small tenant a second branch with a customer
// homed there, so both organisations have two branches.
func (s *seeded) secondBranch(t *testing.T) {
	t.Helper()
	_, err := s.admin.Exec(context.Background(), `
		WITH o AS (SELECT max(id) AS id FROM core.organisation),
		b AS (INSERT INTO core.branch (organisation_id, code, name, timezone, opening_hours)
		      SELECT id, 'TN2', 'Tiny North', 'UTC', '{}'::jsonb FROM o RETURNING id, organisation_id)
		INSERT INTO core.customer (organisation_id, home_branch_id, kind, given_name, family_name, email)
		SELECT organisation_id, id, 'person', 'North', 'Homed', 'north@example.test' FROM b`)
	if err != nil {
		t.Fatalf("second branch: %v", err)
	}
	if _, err := s.admin.Exec(context.Background(), "CREATE TABLE core.parity_marker (n int PRIMARY KEY); CALL core.publish_tables()"); err != nil {
		t.Fatal(err)
	}
}

// refundSome refunds a fifth of every fifth issued invoice by a credit
// note, so the refunds are compared row for row like every other table.
func (s *seeded) refundSome(t *testing.T) {
	t.Helper()
	tag, err := s.admin.Exec(context.Background(), `
		INSERT INTO finance.credit_note (organisation_id, branch_id, invoice_id, net_amount, tax_amount, gross_amount, reason, issued_at)
		SELECT organisation_id, branch_id, id, round(net_total / 5, 2), round(tax_total / 5, 2),
		       round(net_total / 5, 2) + round(tax_total / 5, 2), 'Goodwill refund', issued_at + interval '1 day'
		FROM finance.invoice WHERE status = 'issued' AND net_total >= 5 AND id % 5 = 0`)
	if err != nil {
		t.Fatalf("refunds: %v", err)
	}
	if tag.RowsAffected() == 0 {
		t.Fatal("no invoice to refund")
	}
}

func (s *seeded) openAPI(t *testing.T, dbURL string, log *slog.Logger) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.admin.Exec(ctx, "ALTER ROLE cch_app LOGIN PASSWORD 'cch-app-parity'"); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(dbURL)
	u.User = url.UserPassword("cch_app", "cch-app-parity")
	var err error
	if s.pool, err = oltp.OpenPool(ctx, u.String(), oltp.PoolConfig{MaxConns: 8}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.pool.Close)
	srv, err := oltp.NewServer(oltp.Options{Logger: log, Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	s.api = oltp.NewAPI(srv, s.pool, log)
}

// callerSQL picks, per organisation and role, a branch-scoped staff member
// when there is one, the busiest technician or chauffeur first, so that
// the branch, assigned-job and assigned-ride policies all have rows to
// admit and rows to hide.
const callerSQL = `
SELECT r.staff_id FROM core.staff_role r JOIN core.staff st ON st.id = r.staff_id AND st.active
WHERE r.organisation_id = $1 AND r.role = $2::core.business_role
ORDER BY (r.branch_id IS NULL),
  (SELECT count(*) FROM workshop.repair_job j WHERE j.assigned_technician_id = r.staff_id)
  + (SELECT count(*) FROM chauffeur.dispatch_assignment d WHERE d.chauffeur_id = r.staff_id) DESC, r.staff_id
LIMIT 1`

func (s *seeded) issueTokens(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	var main, tiny int64
	if err := s.admin.QueryRow(ctx, `SELECT min(id), max(id) FROM core.organisation`).Scan(&main, &tiny); err != nil {
		t.Fatal(err)
	}
	add := func(name, role string, org int64) {
		var staff int64
		err := s.admin.QueryRow(ctx, callerSQL, org, role).Scan(&staff)
		if errors.Is(err, pgx.ErrNoRows) {
			t.Fatalf("the generated business has no %s in organisation %d", role, org)
		} else if err != nil {
			t.Fatal(err)
		}
		tok, _, err := oltp.IssueToken(ctx, s.admin, staff, role, time.Hour, "parity test")
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.api.PrincipalOf(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		s.callers[name], s.tokens[name] = p, tok
	}
	for role := range oltp.Roles {
		add(role, role, main)
	}
	add("manager of the other organisation", "manager", tiny)
}

func (s *seeded) startWarehouse(t *testing.T, dbURL string) {
	t.Helper()
	ctx := context.Background()
	duck, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{MemoryLimit: "1GB", Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	slot := fmt.Sprintf("parity_%d", os.Getpid())
	s.svc, err = warehouse.NewService(ctx, duck, cdc.Config{URL: dbURL, Slot: slot, Publication: "cch_pub",
		BatchInterval: 20 * time.Millisecond, StatusInterval: 200 * time.Millisecond, HeartbeatInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	go s.svc.Run(runCtx)
	t.Cleanup(func() {
		cancel()
		<-s.svc.Done()
		duck.Close()
		_, _ = s.admin.Exec(context.Background(), "SELECT pg_drop_replication_slot($1)", slot)
	})
	select {
	case <-s.svc.Marts().Ready():
	case <-s.svc.Done():
		t.Fatalf("pipeline stopped: %v", s.svc.Stream().Err())
	case <-time.After(3 * time.Minute):
		t.Fatal("warehouse not ready")
	}
}

// serve mounts the analyst endpoints and a Flight SQL server.
func (s *seeded) serve(t *testing.T) {
	t.Helper()
	var err error
	derived, err := marts.Definitions()
	if err != nil {
		t.Fatal(err)
	}
	if s.views, err = scope.NewManager(scope.Config{DB: s.svc.DB().DB, PG: s.pool, Roles: oltp.Roles, Derived: derived}); err != nil {
		t.Fatal(err)
	}
	h, err := analyst.New(analyst.Config{DB: s.svc.DB().DB, Authenticate: s.api.Authenticate, Applied: s.svc.Marts().LSN,
		Ready: s.svc.Marts().Ready(), Scope: s.views, Timeout: 20 * time.Second, RowLimit: 1_000_000})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	h.Mount(r, s.api)
	hs := httptest.NewServer(r)
	t.Cleanup(hs.Close)
	s.url = hs.URL
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- flight.New(h, s.api.PrincipalOf).Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	if s.flight, err = flightsql.NewClient(ln.Addr().String(), nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials())); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.flight.Close() })
}

// catchUp waits until the warehouse has applied everything PostgreSQL
// has committed so far: it commits one more row to a marker table (granted
// to nobody, so itself invisible to every role) and waits for the mirror
// to hold it; transactions are applied in commit order.
func (s *seeded) catchUp(t *testing.T) {
	t.Helper()
	s.markers++
	if _, err := s.admin.Exec(context.Background(), "INSERT INTO core.parity_marker VALUES ($1)", s.markers); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		var n int
		err := s.svc.DB().QueryRow("SELECT count(*) FROM core.parity_marker").Scan(&n)
		if err == nil && n == s.markers {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("warehouse has %d of %d markers (%v)", n, s.markers, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
