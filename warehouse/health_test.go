package warehouse_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/internal/pglocal"
	"github.com/carcarehub/cch/internal/pglocal/pgtest"
	"github.com/carcarehub/cch/migrations"
	"github.com/carcarehub/cch/warehouse"
)

// replicationRole creates a login role for the pipeline that the test can
// lock out (NOLOGIN) and cut off (pg_terminate_backend), and returns the
// pipeline's URL for database db on cluster c.
func replicationRole(t testing.TB, c *pglocal.Cluster, admin *pgx.Conn, db string) (role, url string) {
	t.Helper()
	role = fmt.Sprintf("cdc_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
	pgExec(t, admin, fmt.Sprintf("CREATE ROLE %s SUPERUSER LOGIN PASSWORD 'cdc'", role))
	t.Cleanup(func() {
		ctx := context.Background()
		if conn, err := pgx.Connect(ctx, c.SuperuserURL("postgres")); err == nil {
			_, _ = conn.Exec(ctx, "DROP ROLE IF EXISTS "+role)
			conn.Close(ctx)
		}
	})
	return role, c.URL(role, "cdc", db)
}

// cutReplication keeps role from logging in and terminates its sessions:
// the pipeline's replication connection drops and cannot come back.
func cutReplication(t testing.TB, admin *pgx.Conn, role string) {
	t.Helper()
	pgExec(t, admin, "ALTER ROLE "+role+" NOLOGIN")
	pgExec(t, admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", role)
}

func readyz(t testing.TB, h http.Handler) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	b, _ := io.ReadAll(rec.Body)
	return rec.Code, strings.TrimSpace(string(b))
}

// waitReadyz polls /readyz until it answers want and returns its body.
func waitReadyz(t testing.TB, h http.Handler, want int, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		code, body := readyz(t, h)
		if code == want {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still %d (%s) after %s, want %d", code, body, within, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// migratedDatabase applies the project's migrations to a new database of
// the shared test cluster and returns its name and superuser connection.
func migratedDatabase(t testing.TB) (string, *pgx.Conn) {
	t.Helper()
	url := pgtest.NewDatabase(t)
	if _, err := migrations.Apply(context.Background(), url, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	conn := pgConnect(t, url)
	var db string
	if err := conn.QueryRow(context.Background(), "SELECT current_database()").Scan(&db); err != nil {
		t.Fatal(err)
	}
	return db, conn
}

func orgCount(t testing.TB, db *warehouse.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM core.organisation").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// waitOrgs waits until the warehouse mirrors n organisations.
func waitOrgs(t testing.TB, db *warehouse.DB, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for orgCount(t, db) != n {
		if time.Now().After(deadline) {
			t.Fatalf("warehouse has %d organisations after %s, want %d", orgCount(t, db), within, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestReadinessFailsWhileReplicationIsDown(t *testing.T) {
	dbName, admin := migratedDatabase(t)
	c := pgtest.Cluster(t)
	role, url := replicationRole(t, c, admin, dbName)
	cfg := testConfig(url, "ready_"+role)
	cfg.Publication = "cch_pub"
	cfg.CreatePublication = false
	dropSlot(t, c.SuperuserURL(dbName), cfg.Slot)
	duck := openDuck(t, filepath.Join(t.TempDir(), "w.duckdb"))
	t.Cleanup(func() { duck.Close() })
	p := startPipeline(t, duck, cfg)
	const maxLag = 2 * time.Second
	h := p.svc.Handler(maxLag, nil)
	waitReadyz(t, h, http.StatusOK, time.Minute)

	pgExec(t, admin, "INSERT INTO core.organisation (name) VALUES ('before the outage')")
	waitOrgs(t, duck, 1, time.Minute)
	cut := time.Now()
	cutReplication(t, admin, role)
	body := waitReadyz(t, h, http.StatusServiceUnavailable, 30*time.Second)
	if waited := time.Since(cut); waited < maxLag {
		t.Errorf("/readyz failed %s after the cut, before max-lag %s", waited, maxLag)
	}
	if !strings.Contains(body, "disconnected") {
		t.Errorf("/readyz body %q does not say replication is disconnected", body)
	}
	if p.svc.Stream().Down() < maxLag {
		t.Errorf("Down() = %s, want more than %s", p.svc.Stream().Down(), maxLag)
	}

	// Writes made during the outage arrive once replication is back, and
	// readiness recovers once they are applied.
	pgExec(t, admin, "INSERT INTO core.organisation (name) VALUES ('during the outage')")
	pgExec(t, admin, "ALTER ROLE "+role+" LOGIN")
	// The backlog is applied first; readiness recovers within a bound after
	// that (the stream marks itself caught up just after DuckDB commits the
	// batch, so a single read right after the apply can still see the lag).
	waitOrgs(t, duck, 2, time.Minute)
	waitReadyz(t, h, http.StatusOK, 30*time.Second)
}

// lostSlotCluster is a cluster of the test's own: invalidating slots
// needs a tiny max_slot_wal_keep_size, which would endanger the shared
// cluster's other pipelines.
func lostSlotCluster(t testing.TB) *pglocal.Cluster {
	t.Helper()
	dir, err := os.MkdirTemp("", "cch-lostslot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil { // the server runs as postgres
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := pglocal.Start(ctx, pglocal.Config{Dir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = c.Stop(ctx)
	})
	return c
}

// invalidateSlot makes PostgreSQL drop the WAL slot needs: the pipeline
// is locked out, max_slot_wal_keep_size shrinks to 1MB, a few WAL
// segments are written and a checkpoint removes them.
func invalidateSlot(t testing.TB, admin *pgx.Conn, role, slot string) {
	t.Helper()
	cutReplication(t, admin, role)
	pgExec(t, admin, "ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'")
	pgExec(t, admin, "SELECT pg_reload_conf()")
	deadline := time.Now().Add(time.Minute)
	for {
		var status string
		if err := admin.QueryRow(context.Background(),
			"SELECT coalesce(wal_status, '') FROM pg_replication_slots WHERE slot_name = $1", slot).Scan(&status); err != nil {
			t.Fatal(err)
		}
		if status == "lost" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot %s still %q", slot, status)
		}
		for range 4 {
			pgExec(t, admin, "SELECT pg_logical_emit_message(false, 'filler', repeat('x', 1000))")
			pgExec(t, admin, "SELECT pg_switch_wal()")
		}
		pgExec(t, admin, "CHECKPOINT")
	}
}

func TestLostSlotRebuildsIntoANewFileWhileTheOldServes(t *testing.T) {
	c := lostSlotCluster(t)
	ctx := context.Background()
	if err := c.CreateDatabase(ctx, "lost"); err != nil {
		t.Fatal(err)
	}
	if _, err := migrations.Apply(ctx, c.SuperuserURL("lost"), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	admin := pgConnect(t, c.SuperuserURL("lost"))
	role, url := replicationRole(t, c, admin, "lost")
	cfg := testConfig(url, "lost_slot")
	cfg.Publication, cfg.CreatePublication = "cch_pub", false
	path := filepath.Join(t.TempDir(), "w.duckdb")
	duck := openDuck(t, path)
	t.Cleanup(func() { duck.Close() })
	pgExec(t, admin, "INSERT INTO core.organisation (name) VALUES ('old')")
	p := startPipeline(t, duck, cfg)
	h := p.svc.Handler(time.Second, nil)
	waitReadyz(t, h, http.StatusOK, time.Minute)
	waitOrgs(t, duck, 1, time.Minute)

	invalidateSlot(t, admin, role, cfg.Slot)
	pgExec(t, admin, "INSERT INTO core.organisation (name) VALUES ('new')")
	// Hold the rebuild's snapshot back (the slot is created once this
	// transaction ends) to look at the warehouse in the middle of it.
	hold, err := admin.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hold.Exec(ctx, "LOCK TABLE core.organisation IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	other := pgConnect(t, c.SuperuserURL("lost"))
	pgExec(t, other, "ALTER ROLE "+role+" LOGIN")
	body := waitReadyz(t, h, http.StatusServiceUnavailable, time.Minute)
	old := p.svc.Stream()
	waitFor(t, time.Minute, "the rebuild to start", func() bool {
		m, _ := filepath.Glob(path + ".1*")
		return len(m) > 0
	})
	if err := old.Err(); !errors.Is(err, cdc.ErrSlotLost) {
		t.Fatalf("old stream ended with %v, want ErrSlotLost", err)
	}
	body = waitReadyz(t, h, http.StatusServiceUnavailable, time.Second)
	if !strings.Contains(body, "slot lost") {
		t.Errorf("/readyz during the rebuild: %q", body)
	}
	time.Sleep(500 * time.Millisecond) // the rebuild is stuck behind the lock
	if n := orgCount(t, duck); n != 1 {
		t.Errorf("during the rebuild the warehouse serves %d organisations, want the old file's 1", n)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("old file gone during the rebuild: %v", err)
	}
	if err := hold.Rollback(ctx); err != nil {
		t.Fatal(err)
	}

	waitReadyz(t, h, http.StatusOK, 2*time.Minute)
	waitOrgs(t, duck, 2, time.Minute)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("old file still present after the swap: %v", err)
	}
	if duck.Path() == path {
		t.Errorf("readers still on %s", path)
	}
	pgExec(t, admin, "INSERT INTO core.organisation (name) VALUES ('streamed after the rebuild')")
	waitOrgs(t, duck, 3, time.Minute)

	// A restart opens the rebuilt file.
	p.stop()
	rebuilt := duck.Path()
	if err := duck.Close(); err != nil {
		t.Fatal(err)
	}
	again := openDuck(t, path)
	defer again.Close()
	if again.Path() != rebuilt || orgCount(t, again) != 3 {
		t.Errorf("reopened %s with %d organisations, want %s with 3", again.Path(), orgCount(t, again), rebuilt)
	}
}

func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
