package marts_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/internal/datagen"
	"github.com/carcarehub/cch/internal/pglocal/pgtest"
	"github.com/carcarehub/cch/migrations"
	"github.com/carcarehub/cch/warehouse"
	"github.com/carcarehub/cch/warehouse/marts"
	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var slotSeq atomic.Int64

// mirrored is a migrated PostgreSQL database (optionally seeded) whose
// tables the CDC pipeline has mirrored into a fresh DuckDB file with the
// marts installed. The pipeline is stopped unless keep is set.
type mirrored struct {
	pgURL string
	duck  *warehouse.DB
	svc   *warehouse.Service
}

func newMirrored(t testing.TB, seed *datagen.Options, keep bool) *mirrored {
	return newMirroredAt(t, seed, keep, filepath.Join(t.TempDir(), "w.duckdb"))
}

// newMirroredAt is newMirrored with the DuckDB file at path.
func newMirroredAt(t testing.TB, seed *datagen.Options, keep bool, path string) *mirrored {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	url := pgtest.NewDatabase(t)
	if _, err := migrations.Apply(ctx, url, log); err != nil {
		t.Fatal(err)
	}
	if seed != nil {
		if _, err := datagen.Seed(ctx, url, *seed, log); err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	duck, err := warehouse.Open(ctx, path, warehouse.Options{MemoryLimit: "1GB", Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { duck.Close() })
	slot := fmt.Sprintf("marts_%d_%d", os.Getpid(), slotSeq.Add(1))
	svc, err := warehouse.NewService(ctx, duck, cdc.Config{URL: url, Slot: slot, Publication: "cch_pub",
		BatchInterval: 50 * time.Millisecond, StatusInterval: 200 * time.Millisecond, HeartbeatInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	go svc.Run(runCtx)
	stop := func() { cancel(); <-svc.Done() }
	t.Cleanup(func() { stop(); dropSlot(url, slot) })
	select {
	case <-svc.Stream().Ready():
	case <-svc.Stream().Done():
		t.Fatalf("pipeline stopped: %v", svc.Stream().Err())
	case <-time.After(3 * time.Minute):
		t.Fatal("pipeline not ready")
	}
	if !keep {
		stop()
	}
	if err := marts.Install(ctx, duck.DB); err != nil {
		t.Fatal(err)
	}
	return &mirrored{pgURL: url, duck: duck, svc: svc}
}

func dropSlot(url, slot string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	for range 50 {
		if _, err = conn.Exec(ctx, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1", slot); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// exec runs DuckDB statements (fixture rows) and fails the test on error.
func exec(t *testing.T, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", strings.TrimSpace(s), err)
		}
	}
}

// run runs an analytic on db and returns its rows as column→value maps.
func run(t *testing.T, db *sql.DB, name string, p marts.Params) []map[string]any {
	t.Helper()
	return runOn(t, db, name, p)
}
