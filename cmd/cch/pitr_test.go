package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/internal/pglocal"
	"github.com/carcarehub/cch/internal/pitr"
	"github.com/carcarehub/cch/migrations"
)

// The PITR drill: with `cch backup` running, write, note a point (an LSN and
// a time), write more; `cch restore --to` each point builds a new cluster
// that holds exactly the rows written before it, and `cch audit verify`
// passes on it.
func TestPITRDrillRestoresExactlyTheRowsBeforeThePoint(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir := serverTempDir(t)
	src := startCluster(ctx, t, filepath.Join(dir, "pg"))
	if err := src.CreateDatabase(ctx, "cch"); err != nil {
		t.Fatal(err)
	}
	adminURL := src.SuperuserURL("cch")
	if _, err := migrations.Apply(ctx, adminURL, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	admin := connect(ctx, t, adminURL)
	mustExec(ctx, t, admin, "ALTER ROLE cch_backup PASSWORD 'backup-drill'")
	backupDir := filepath.Join(dir, "backup")
	stopBackup := runBackup(ctx, t, src.URL("cch_backup", "backup-drill", "cch"), backupDir)
	defer stopBackup()

	before := writeCustomers(ctx, t, admin, "Before")
	var lsn string
	var at time.Time
	if err := admin.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text, clock_timestamp()").Scan(&lsn, &at); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	after := writeCustomers(ctx, t, admin, "After")
	waitArchived(ctx, t, admin)
	if len(before) == 0 || len(after) == 0 {
		t.Fatal("the drill wrote no rows")
	}

	for _, to := range []string{lsn, at.UTC().Format(time.RFC3339Nano)} {
		into := filepath.Join(dir, "restored-"+strings.NewReplacer("/", "_", ":", "_").Replace(to))
		t0 := time.Now()
		var out bytes.Buffer
		r := &restoreCmd{stdout: &out, stderr: &out}
		if err := r.Parse([]string{"--from", backupDir, "--to", to, "--into", into}); err != nil {
			t.Fatal(err)
		}
		if err := r.Run(ctx); err != nil {
			t.Fatalf("restore --to %s: %v\n%s", to, err, out.String())
		}
		t.Logf("PITR restore to %s took %s: %s", to, time.Since(t0).Round(time.Millisecond), strings.TrimSpace(out.String()))
		checkRestored(ctx, t, into, src.Password(), before)
	}
}

// checkRestored starts the restored cluster and compares its customers
// with want, then runs `cch audit verify` on it.
func checkRestored(ctx context.Context, t *testing.T, into, password string, want []string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(into, "superuser.password"), []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := startCluster(ctx, t, into)
	got := customerNames(ctx, t, connect(ctx, t, c.SuperuserURL("cch")))
	if !slices.Equal(got, want) {
		log, _ := os.ReadFile(filepath.Join(into, "postgres.log"))
		t.Errorf("restored customers = %v, want exactly those written before the point %v\n%s", got, want, log)
	}
	var out bytes.Buffer
	a := &auditCmd{stdout: &out, stderr: &out}
	if err := a.Parse([]string{"verify", "--database-url", c.SuperuserURL("cch")}); err != nil {
		t.Fatal(err)
	}
	err := a.Run(ctx)
	a.Close()
	if err != nil || !strings.HasPrefix(out.String(), "OK: audit chain intact") {
		t.Errorf("cch audit verify on the restored database: %v\n%s", err, out.String())
	}
}

// serverTempDir is a temporary directory the server's OS user can reach.
func serverTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "cch-drill-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func startCluster(ctx context.Context, t *testing.T, dir string) *pglocal.Cluster {
	t.Helper()
	c, err := pglocal.Start(ctx, pglocal.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = c.Stop(stop)
	})
	return c
}

func connect(ctx context.Context, t *testing.T, u string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func mustExec(ctx context.Context, t *testing.T, conn *pgx.Conn, sql string, args ...any) {
	t.Helper()
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// runBackup runs `cch backup` until the returned function is called, once
// its first base backup is complete.
func runBackup(ctx context.Context, t *testing.T, backupURL, dir string) func() {
	t.Helper()
	var out, receiver bytes.Buffer // written by Run and by pg_receivewal's copier: one each
	b := &backupCmd{stdout: &out, stderr: &receiver}
	if err := b.Parse([]string{"--database-url", backupURL, "--dir", dir, "--keep", "2"}); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- b.Run(runCtx) }()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		bases, err := pitr.ListBases(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(bases) > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("cch backup stopped before its first base backup: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no base backup within a minute")
		}
	}
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("cch backup: %v", err)
		}
	}
}

// writeCustomers adds an organisation with three customers (each write
// audited) and returns every customer's name so far.
func writeCustomers(ctx context.Context, t *testing.T, conn *pgx.Conn, tag string) []string {
	t.Helper()
	mustExec(ctx, t, conn, `WITH o AS (INSERT INTO core.organisation (name) VALUES ($1) RETURNING id)
		INSERT INTO core.customer (organisation_id, kind, given_name, family_name)
		SELECT o.id, 'person', $1 || g, 'Drill' FROM o, generate_series(1, 3) g`, tag)
	return customerNames(ctx, t, conn)
}

func customerNames(ctx context.Context, t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	rows, err := conn.Query(ctx, "SELECT given_name FROM core.customer ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// waitArchived waits until the WAL archive has flushed everything written.
func waitArchived(ctx context.Context, t *testing.T, conn *pgx.Conn) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var ok bool
		err := conn.QueryRow(ctx, `SELECT coalesce(bool_or(flush_lsn >= pg_current_wal_lsn()), false)
			FROM pg_stat_replication WHERE application_name = 'pg_receivewal'`).Scan(&ok)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			return
		}
	}
	t.Fatal("the WAL archive did not receive the writes within 30s")
}
