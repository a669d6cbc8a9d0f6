package warehouse_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/carcarehub/cch/warehouse"
)

func TestOpenAppliesLimitsAndPersists(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "wh.duckdb")
	db, err := warehouse.Open(ctx, path, warehouse.Options{MemoryLimit: "512MB", Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	var threads int64
	if err := db.QueryRowContext(ctx, "SELECT current_setting('threads')").Scan(&threads); err != nil {
		t.Fatal(err)
	}
	if threads != 1 {
		t.Errorf("threads = %d, want 1", threads)
	}
	var mem string
	if err := db.QueryRowContext(ctx, "SELECT current_setting('memory_limit')").Scan(&mem); err != nil {
		t.Fatal(err)
	}
	if mem != "488.2 MiB" && mem != "512.0 MB" {
		t.Errorf("memory_limit = %q, want 512MB", mem)
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = warehouse.Open(ctx, path, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var x int
	if err := db.QueryRowContext(ctx, "SELECT x FROM t").Scan(&x); err != nil || x != 42 {
		t.Fatalf("reopened value = %d, %v; want 42", x, err)
	}
}

func TestOpenBadPath(t *testing.T) {
	if _, err := warehouse.Open(context.Background(), "", warehouse.Options{}); err == nil {
		t.Fatal("empty path accepted")
	}
}
