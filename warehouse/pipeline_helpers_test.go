package warehouse_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/warehouse"
)

// pipeline is a Service running in this process.
type pipeline struct {
	svc    *warehouse.Service
	cancel context.CancelFunc
}

// testConfig is a fast-ticking stream configuration; CCH_TEST_LOG=1 logs
// the stream to stderr.
func testConfig(url, name string) cdc.Config {
	cfg := cdc.Config{URL: url, Slot: name, Publication: name, CreatePublication: true,
		BatchRows: 20_000, BatchInterval: 50 * time.Millisecond,
		StatusInterval: 200 * time.Millisecond, HeartbeatInterval: 200 * time.Millisecond}
	if os.Getenv("CCH_TEST_LOG") != "" {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return cfg
}

func openDuck(t testing.TB, path string) *warehouse.DB {
	t.Helper()
	db, err := warehouse.Open(context.Background(), path, warehouse.Options{MemoryLimit: "1GB", Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func startPipeline(t testing.TB, db *warehouse.DB, cfg cdc.Config) *pipeline {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := warehouse.NewService(ctx, db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	go svc.Run(ctx)
	p := &pipeline{svc: svc, cancel: cancel}
	t.Cleanup(p.stop)
	select {
	case <-svc.Stream().Ready():
	case <-svc.Stream().Done():
		t.Fatalf("pipeline stopped: %v", svc.Stream().Err())
	case <-time.After(2 * time.Minute):
		t.Fatal("pipeline not ready")
	}
	return p
}

func (p *pipeline) stop() {
	p.cancel()
	<-p.svc.Done()
}

// dropSlot removes the test's slot once its stream has stopped.
func dropSlot(t testing.TB, url, slot string) {
	t.Helper()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Logf("drop slot: %v", err)
			return
		}
		defer conn.Close(ctx)
		for range 50 {
			_, err = conn.Exec(ctx, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1", slot)
			if err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("drop slot %s: %v", slot, err)
	})
}

func pgConnect(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func pgExec(t testing.TB, conn *pgx.Conn, sql string, args ...any) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// waitMarker bumps the marker row and waits until DuckDB has it: every
// transaction committed before is then applied.
func waitMarker(t testing.TB, conn *pgx.Conn, db *warehouse.DB, n int) {
	t.Helper()
	pgExec(t, conn, "INSERT INTO public.marker VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET v = excluded.v", n)
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		var v int
		err := db.QueryRow("SELECT coalesce(max(v), -1) FROM public.marker").Scan(&v)
		if err == nil && v >= n {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("marker %d never reached the warehouse", n)
}
