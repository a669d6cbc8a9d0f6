package warehouse_test

import (
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/carcarehub/cch/internal/pglocal"
	"github.com/carcarehub/cch/internal/pglocal/pgtest"
)

// TestCrashSafety SIGKILLs a warehouse process 10 times at random moments
// — during the initial snapshot and while streaming under a concurrent
// workload — and checks that the restarted pipeline's mirror equals
// PostgreSQL: nothing lost, nothing applied twice.
func TestCrashSafety(t *testing.T) {
	url := pgtest.NewDatabase(t)
	conn := pgConnect(t, url)
	pgExec(t, conn, schemaSQL)
	pgExec(t, conn, "INSERT INTO public.kinds (id, i4, t) SELECT g, g, 'seed' FROM generate_series(1, 60000) g")
	const name = "crash"
	dropSlot(t, url, name)
	path := filepath.Join(t.TempDir(), "wh.duckdb")

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the workload, on its own connection
		defer wg.Done()
		wconn := pgConnect(t, url)
		r := rand.New(rand.NewPCG(3, 4))
		nextID := int64(60000)
		for {
			select {
			case <-stop:
				return
			default:
			}
			workload(t, wconn, r, 5, &nextID)
			time.Sleep(20 * time.Millisecond)
		}
	}()
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 10 {
		child := startChild(t, url, path, name)
		wait := time.Duration(200+r.IntN(1800)) * time.Millisecond
		if i < 3 { // early kills land in the initial snapshot (60,000 rows)
			wait = time.Duration(100+r.IntN(500)) * time.Millisecond
		}
		time.Sleep(wait)
		if err := child.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		child.Wait()
		t.Logf("kill %d done", i+1)
	}
	close(stop)
	wg.Wait()

	db := openDuck(t, path)
	defer db.Close()
	p := startPipeline(t, db, testConfig(url, name))
	defer p.stop()
	waitMarker(t, conn, db, 1)
	assertSame(t, conn, db, "public.kinds")
	assertSame(t, conn, db, "public.trunc")
}

func startChild(t testing.TB, url, path, name string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"=1", "CCH_CHILD_URL="+url, "CCH_CHILD_DUCKDB="+path, "CCH_CHILD_NAME="+name)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// TestPostgresRestart stops and starts a private cluster while streaming:
// the pipeline reconnects with backoff and the mirror stays equal.
func TestPostgresRestart(t *testing.T) {
	dir, err := os.MkdirTemp("", "cch-restart-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cluster, err := pglocal.Start(ctx, pglocal.Config{Dir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cluster.Stop(context.Background()) })
	url := cluster.SuperuserURL("postgres")
	conn := pgConnect(t, url)
	pgExec(t, conn, schemaSQL)
	db := openDuck(t, filepath.Join(t.TempDir(), "wh.duckdb"))
	defer db.Close()
	p := startPipeline(t, db, testConfig(url, "restart"))
	r := rand.New(rand.NewPCG(7, 8))
	var nextID int64
	workload(t, conn, r, 50, &nextID)
	conn.Close(ctx)

	if err := cluster.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // the pipeline notices and backs off
	cluster, err = pglocal.Start(ctx, pglocal.Config{Dir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	url = cluster.SuperuserURL("postgres")
	conn = pgConnect(t, url)
	workload(t, conn, r, 50, &nextID)
	waitMarker(t, conn, db, 1)
	assertSame(t, conn, db, "public.kinds")
	p.stop()
	// The walsender may outlive the closed connection for a moment.
	var err2 error
	for range 50 {
		if _, err2 = conn.Exec(ctx, "SELECT pg_drop_replication_slot('restart')"); err2 == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("drop slot restart: %v", err2)
}

// TestHeartbeatAdvancesIdleSlot: with no source writes, heartbeats and
// keepalive acknowledgements move the slot's confirmed_flush_lsn forward.
func TestHeartbeatAdvancesIdleSlot(t *testing.T) {
	url := pgtest.NewDatabase(t)
	conn := pgConnect(t, url)
	pgExec(t, conn, "CREATE TABLE public.marker (id int PRIMARY KEY, v int)")
	const name = "heartbeat"
	dropSlot(t, url, name)
	db := openDuck(t, filepath.Join(t.TempDir(), "wh.duckdb"))
	defer db.Close()
	p := startPipeline(t, db, testConfig(url, name))
	defer p.stop()
	var start string
	if err := conn.QueryRow(context.Background(), "SELECT pg_current_wal_lsn()::text").Scan(&start); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var advanced bool
		err := conn.QueryRow(context.Background(),
			"SELECT confirmed_flush_lsn > $1::pg_lsn FROM pg_replication_slots WHERE slot_name = $2", start, name).Scan(&advanced)
		if err != nil {
			t.Fatal(err)
		}
		if advanced {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("confirmed_flush_lsn never passed %s", start)
}
