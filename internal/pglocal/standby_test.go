package pglocal_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/internal/pglocal"
)

// TestStandbyStreamsAndPromotes: a standby copied from a TLS primary
// streams its writes (in sync mode when asked), refuses writes while in
// recovery, and after promotion accepts them.
func TestStandbyStreamsAndPromotes(t *testing.T) {
	dir := tempDir(t)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	primary, err := pglocal.Start(ctx, pglocal.Config{Dir: filepath.Join(dir, "primary"), TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { primary.Stop(context.Background()) })
	if err := primary.CreateDatabase(ctx, "app"); err != nil {
		t.Fatal(err)
	}
	exec(t, primary.SuperuserURL("app"), "CREATE TABLE t (id int PRIMARY KEY)", "INSERT INTO t VALUES (1)")
	standby, err := pglocal.StartStandby(ctx, primary, pglocal.Config{Dir: filepath.Join(dir, "standby"), TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { standby.Stop(context.Background()) })
	if standby.Port() == primary.Port() {
		t.Fatal("standby listens on the primary's port")
	}
	if got := query(t, standby.SuperuserURL("app"), "SELECT pg_is_in_recovery()::text"); got != "true" {
		t.Fatalf("standby in recovery: %s", got)
	}
	if err := primary.RequireSyncStandby(ctx, true); err != nil {
		t.Fatal(err)
	}
	if err := primary.WaitStreaming(ctx, true); err != nil {
		b, _ := os.ReadFile(filepath.Join(dir, "standby", "postgres.log"))
		t.Fatalf("%v\n%s", err, b)
	}
	// A synchronous commit returns once the standby has the write; with
	// remote_apply it is visible there at once.
	exec(t, primary.SuperuserURL("app"), "SET synchronous_commit = remote_apply", "INSERT INTO t VALUES (2)")
	if got := query(t, standby.SuperuserURL("app"), "SELECT count(*)::text FROM t"); got != "2" {
		t.Fatalf("standby has %s rows, want 2", got)
	}
	conn, err := pgx.Connect(ctx, standby.SuperuserURL("app"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "INSERT INTO t VALUES (3)"); err == nil {
		t.Fatal("a standby in recovery accepted a write")
	}
	conn.Close(ctx)
	primary.Crash()
	if err := standby.Promote(ctx); err != nil {
		t.Fatal(err)
	}
	exec(t, standby.SuperuserURL("app"), "INSERT INTO t VALUES (3)")
	if got := query(t, standby.SuperuserURL("app"), "SELECT string_agg(id::text, ',' ORDER BY id) FROM t"); got != "1,2,3" {
		t.Fatalf("promoted standby rows %s, want 1,2,3", got)
	}
}

func exec(t *testing.T, url string, sqls ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, sql := range sqls {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
}
