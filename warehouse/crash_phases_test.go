package warehouse_test

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/internal/pglocal/pgtest"
)

// start starts a warehouse child process that is killed when the test
// ends, however it ends.
func start(t testing.TB, url, path, name string) *exec.Cmd {
	t.Helper()
	child := startChild(t, url, path, name)
	t.Cleanup(func() {
		if child.ProcessState == nil {
			_ = child.Process.Kill()
			_ = child.Wait()
		}
	})
	return child
}

// kill SIGKILLs a warehouse child process and reaps it.
func kill(t testing.TB, child *exec.Cmd) {
	t.Helper()
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
}

func queryBool(t testing.TB, conn *pgx.Conn, q string, args ...any) bool {
	t.Helper()
	var b bool
	if err := conn.QueryRow(context.Background(), q, args...).Scan(&b); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return b
}

// snapshotDone opens the warehouse file of a killed child and reads
// whether its initial snapshot had completed.
func snapshotDone(t testing.TB, path string) bool {
	t.Helper()
	db := openDuck(t, path)
	defer db.Close()
	var done bool
	if err := db.QueryRow("SELECT snapshot_done FROM _cch.position WHERE id = 1").Scan(&done); err != nil {
		t.Fatal(err)
	}
	return done
}

// confirmedBefore reports whether the slot's confirmed position is still
// before lsn: the changes up to lsn were not yet durably applied.
func confirmedBefore(t testing.TB, conn *pgx.Conn, slot, lsn string) bool {
	t.Helper()
	return queryBool(t, conn, "SELECT coalesce(confirmed_flush_lsn < $2::pg_lsn, true) FROM pg_replication_slots WHERE slot_name = $1", slot, lsn)
}

// TestCrashPhases SIGKILLs a warehouse process at three chosen moments,
// each asserted to have been hit: during the initial snapshot's copy (the
// copy is running in pg_stat_activity and the file's snapshot is not
// done), while the server streams it a large transaction that is still
// open (its streamed bytes grew), and right after a schema change with
// rows committed, before the warehouse confirmed it. The restarted
// pipeline's mirrors equal PostgreSQL exactly.
func TestCrashPhases(t *testing.T) {
	url := pgtest.NewDatabase(t)
	conn := pgConnect(t, url)
	pgExec(t, conn, schemaSQL)
	pgExec(t, conn, "CREATE TABLE public.shape (id int PRIMARY KEY, a text, n numeric(9,2))")
	pgExec(t, conn, kindsRows(1, 150000))
	pgExec(t, conn, "INSERT INTO public.shape SELECT g, 'a' || g, g / 4.0 FROM generate_series(1, 3000) g")
	tinyDecodingMemory(t, conn)
	const name = "crash_phases"
	dropSlot(t, url, name)
	path := filepath.Join(t.TempDir(), "wh.duckdb")

	// 1. During the initial snapshot.
	child := start(t, url, path, name)
	waitFor(t, 2*time.Minute, "the snapshot's copy", func() bool {
		return queryBool(t, conn, "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'cch-cdc' AND query LIKE 'COPY (SELECT %kinds%')")
	})
	kill(t, child)
	if snapshotDone(t, path) {
		t.Fatal("the kill did not land in the initial snapshot")
	}

	// 2. While a large transaction is streamed, still open.
	child = start(t, url, path, name)
	waitFor(t, 3*time.Minute, "the snapshot to complete", func() bool {
		return queryBool(t, conn, "SELECT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active AND confirmed_flush_lsn IS NOT NULL)", name) &&
			!queryBool(t, conn, "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'cch-cdc' AND query LIKE 'COPY%' AND state = 'active')")
	})
	time.Sleep(500 * time.Millisecond)
	streamed := func() int64 {
		var n int64
		err := conn.QueryRow(context.Background(), "SELECT coalesce((SELECT stream_bytes FROM pg_stat_replication_slots WHERE slot_name = $1), 0)", name).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := streamed()
	big := pgConnect(t, url)
	tx, err := big.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if _, err := tx.Exec(context.Background(), kindsRows(200001+i*2000, 200000+(i+1)*2000)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tx.Exec(context.Background(), "UPDATE public.kinds SET t = 'streamed' WHERE id % 101 = 0"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Minute, "the open transaction to be streamed", func() bool { return streamed() > before })
	kill(t, child)
	if err := tx.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}

	// 3. Right after a schema change with rows, before it was confirmed.
	child = start(t, url, path, name)
	landed := false
	for i := 0; i < 5 && !landed; i++ {
		waitFor(t, 2*time.Minute, "the warehouse to stream", func() bool {
			return queryBool(t, conn, "SELECT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active)", name)
		})
		pgExec(t, conn, fmt.Sprintf(`BEGIN; UPDATE public.shape SET a = 'pre%d' WHERE id %% 5 = %d;
			ALTER TABLE public.shape DROP COLUMN a, ADD COLUMN a text; ALTER TABLE public.shape ALTER n TYPE numeric(9,1);
			INSERT INTO public.shape (id, a, n) SELECT g, 'new', g FROM generate_series(%d, %d) g; COMMIT`, i, i, 10000+i*100, 10099+i*100))
		var lsn string
		if err := conn.QueryRow(context.Background(), "SELECT pg_current_wal_lsn()::text").Scan(&lsn); err != nil {
			t.Fatal(err)
		}
		kill(t, child)
		landed = confirmedBefore(t, conn, name, lsn)
		child = start(t, url, path, name)
	}
	kill(t, child)
	if !landed {
		t.Fatal("no kill landed before a schema change was confirmed")
	}

	db := openDuck(t, path)
	defer db.Close()
	p := startPipeline(t, db, testConfig(url, name))
	defer p.stop()
	waitMarker(t, conn, db, 1)
	assertSame(t, conn, db, "public.kinds")
	assertSame(t, conn, db, "public.shape")
}
