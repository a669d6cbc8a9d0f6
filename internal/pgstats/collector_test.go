package pgstats_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/carcarehub/cch/internal/pglocal/pgtest"
	"github.com/carcarehub/cch/internal/pgstats"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// scrape gathers c and returns each metric's value by name.
func scrape(t *testing.T, c prometheus.Collector) map[string]float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		m := mf.GetMetric()[0]
		switch {
		case m.GetGauge() != nil:
			out[mf.GetName()] = m.GetGauge().GetValue()
		case m.GetCounter() != nil:
			out[mf.GetName()] = m.GetCounter().GetValue()
		}
	}
	return out
}

func newPool(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func TestWithoutPgStatStatementsOnlyLocksAreExported(t *testing.T) {
	pool := newPool(t, pgtest.NewDatabase(t))
	got := scrape(t, &pgstats.Collector{Pool: pool})
	if v, ok := got["cch_pg_stat_statements_available"]; !ok || v != 0 {
		t.Errorf("available = %v (present %v), want 0", v, ok)
	}
	if _, ok := got["cch_pg_slow_statements"]; ok {
		t.Error("slow statements exported without pg_stat_statements")
	}
	if _, ok := got["cch_pg_lock_waits"]; !ok {
		t.Error("lock waits missing")
	}
}

func TestSlowStatementsAndLockWaits(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	pool := newPool(t, url)
	for _, q := range []string{"CREATE EXTENSION pg_stat_statements", "CREATE TABLE slot (id int)",
		"SELECT pg_sleep(0.12)", "SELECT pg_sleep(0.12)"} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	c := &pgstats.Collector{Pool: pool, SlowThreshold: 100 * time.Millisecond, MinCalls: 2}
	got := scrape(t, c)
	if got["cch_pg_stat_statements_available"] != 1 || got["cch_pg_slow_statements"] < 1 ||
		got["cch_pg_statement_mean_seconds_max"] < 0.1 || got["cch_pg_statements_calls_total"] < 2 {
		t.Errorf("statement metrics %v: want available, one slow statement of about 0.12 s", got)
	}

	holder, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close(ctx)
	tx, err := holder.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "LOCK TABLE slot IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	waiter := make(chan error, 1)
	go func() {
		_, err := pool.Exec(ctx, "SELECT count(*) FROM slot")
		waiter <- err
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got = scrape(t, c)
		if got["cch_pg_lock_waits"] >= 1 && got["cch_pg_lock_wait_oldest_seconds"] > 0.2 {
			break
		}
		if time.Now().After(deadline) {
			select {
			case err := <-waiter:
				t.Fatalf("lock wait not seen: %v; waiter ended: %v", got, err)
			default:
			}
			t.Fatalf("lock wait not seen: %v", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-waiter; err != nil {
		t.Fatal(err)
	}
	if got = scrape(t, c); got["cch_pg_lock_waits"] != 0 {
		t.Errorf("lock waits %v after the holder ended", got["cch_pg_lock_waits"])
	}
}
