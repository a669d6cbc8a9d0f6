package e2e_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/carcarehub/cch/internal/pglocal"
	"github.com/carcarehub/cch/internal/pglocal/pgtest"
	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/customers"
	"github.com/carcarehub/cch/oltp/finance"
	"github.com/carcarehub/cch/oltp/inventory"
	"github.com/carcarehub/cch/oltp/oltptest"
	"github.com/carcarehub/cch/oltp/workshop"
)

// behindBouncer returns a copy of e whose API runs on a pool through a
// PgBouncer in transaction mode (pool size 4, so server connections are
// handed between clients all the time), opened with the given pooler
// setting.
func behindBouncer(t *testing.T, e *oltptest.Env, pooler string) (*oltptest.Env, pgx.QueryExecMode) {
	t.Helper()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "cch-bouncer-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755) // PgBouncer runs as the postgres user
	t.Cleanup(func() { os.RemoveAll(dir) })
	b, err := pglocal.StartBouncer(ctx, pglocal.BouncerConfig{Dir: dir, Server: pgtest.Cluster(t),
		Users: map[string]string{"cch_app": oltptest.AppPassword}, PoolSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Stop(context.Background()) })
	u, _ := url.Parse(e.AdminURL)
	pool, err := oltp.OpenPool(ctx, b.URL("cch_app", oltptest.AppPassword, strings.TrimPrefix(u.Path, "/")),
		oltp.PoolConfig{MaxConns: 16, Pooler: pooler})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	srv, err := oltp.NewServer(oltp.Options{Logger: log, Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	api := oltp.NewAPI(srv, pool, log)
	for _, r := range []func(*oltp.API){customers.Register, workshop.Register, inventory.Register, finance.Register} {
		r(api)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	through := *e
	through.URL, through.Pool, through.API = hs.URL, pool, api
	return &through, pool.Config().ConnConfig.DefaultQueryExecMode
}

// TestThroughTransactionPooler: behind PgBouncer in transaction mode
// (1.18: no prepared statements) the API detects the pooler, names no
// statement, and serves a workshop day and 160 concurrent bookings from
// 16 connections over 4 server connections without one failure.
func TestThroughTransactionPooler(t *testing.T) {
	e := oltptest.New(t, customers.Register, workshop.Register, inventory.Register, finance.Register)
	through, mode := behindBouncer(t, e, oltp.PoolerAuto)
	if mode != pgx.QueryExecModeCacheDescribe {
		t.Fatalf("exec mode behind the pooler = %v; want cache_describe (detected)", mode)
	}
	workshopDay(t, through)
	var wg sync.WaitGroup
	failures := make(chan string, 200)
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				slot := w*10 + i // 160 half-hour slots over 8 days, one bay and technician
				start := e.Fix.Day.AddDate(0, 0, 7*(1+slot/20)).Add(8*time.Hour + time.Duration(slot%20)*30*time.Minute)
				res := through.Do(t, "receptionist", "POST", "/v1/bookings", map[string]any{
					"branch_id": e.Fix.Branch, "customer_id": e.Fix.Customer, "vehicle_id": e.Fix.Vehicle,
					"starts_at": start.Format(time.RFC3339), "duration_minutes": 30,
					"bay_id": e.Fix.Bays[0], "technician_id": e.Fix.Technicians[0], "labour_operation_codes": []string{}, "notes": ""})
				if res.Status != 201 {
					failures <- string(res.Body)
				}
			}
		}()
	}
	wg.Wait()
	close(failures)
	for f := range failures {
		t.Error(f)
	}
	if n := e.Count(t, "workshop.booking"); n != 161 {
		t.Fatalf("%d bookings, want 161", n)
	}
}
