package pglocal_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/internal/pglocal"
)

func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "cch-pglocal-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func query(t *testing.T, url, sql string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var s string
	if err := conn.QueryRow(ctx, sql).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStartStopRestart(t *testing.T) {
	dir := tempDir(t)
	ctx := context.Background()
	c, err := pglocal.Start(ctx, pglocal.Config{Dir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := query(t, c.SuperuserURL("postgres"), "SHOW wal_level"); got != "logical" {
		t.Errorf("wal_level = %q, want logical", got)
	}
	if got := query(t, c.SuperuserURL("postgres"), "SHOW listen_addresses"); got != "127.0.0.1" {
		t.Errorf("listen_addresses = %q", got)
	}
	if err := c.CreateDatabase(ctx, "keep"); err != nil {
		t.Fatal(err)
	}
	port := c.Port()
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	// Second start reuses the cluster (same password, same data, same port).
	c2, err := pglocal.Start(ctx, pglocal.Config{Dir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Stop(ctx)
	if c2.Port() != port {
		t.Errorf("port changed from %d to %d", port, c2.Port())
	}
	if got := query(t, c2.SuperuserURL("keep"), "SELECT current_database()"); got != "keep" {
		t.Errorf("database lost across restart: %q", got)
	}
}

func TestWrongPasswordRefused(t *testing.T) {
	c, err := pglocal.Start(context.Background(), pglocal.Config{Dir: tempDir(t), Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop(context.Background())
	conn, err := pgx.Connect(context.Background(), c.URL(pglocal.Superuser, "wrong", "postgres"))
	if err == nil {
		conn.Close(context.Background())
		t.Fatal("connected with a wrong password")
	}
}

// TestRecoverLeftoverServer simulates a killed parent: the server from an
// earlier run is still up when Start is called again.
func TestRecoverLeftoverServer(t *testing.T) {
	dir := tempDir(t)
	ctx := context.Background()
	c, err := pglocal.Start(ctx, pglocal.Config{Dir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(c.DataDir(), "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	oldPid, _ := strconv.Atoi(strings.SplitN(string(b), "\n", 2)[0])
	c2, err := pglocal.Start(ctx, pglocal.Config{Dir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Stop(ctx)
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("old server still running")
	}
	if syscall.Kill(oldPid, 0) == nil {
		t.Errorf("old postmaster %d survived", oldPid)
	}
	query(t, c2.SuperuserURL("postgres"), "SELECT 'ok'")
}

func TestStalePidFile(t *testing.T) {
	dir := tempDir(t)
	ctx := context.Background()
	c, err := pglocal.Start(ctx, pglocal.Config{Dir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	pidPath := filepath.Join(c.DataDir(), "postmaster.pid")
	b, _ := os.ReadFile(pidPath)
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	// A crash leaves the pid file behind, pointing at a process that is gone
	// (or at an unrelated one: pid 1).
	stale := strings.Replace(string(b), strings.SplitN(string(b), "\n", 2)[0], "1", 1)
	if err := os.WriteFile(pidPath, []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	c2, err := pglocal.Start(ctx, pglocal.Config{Dir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Stop(ctx)
	query(t, c2.SuperuserURL("postgres"), "SELECT 'ok'")
}

func TestMissingBinaries(t *testing.T) {
	_, err := pglocal.Start(context.Background(), pglocal.Config{Dir: tempDir(t), BinDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "apt-get install -y postgresql") {
		t.Fatalf("err = %v, want a message naming the package", err)
	}
}
