package warehouse_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/carcarehub/cch/warehouse"
)

// Spill goes to a directory beside the file, and past MaxTempSize a query
// fails instead of filling the disk.
func TestOpenBoundsTempSpill(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "wh.duckdb")
	db, err := warehouse.Open(ctx, path, warehouse.Options{MemoryLimit: "64MB", Threads: 1, MaxTempSize: "16MB"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var dir, max string
	if err := db.QueryRowContext(ctx, "SELECT current_setting('temp_directory'), current_setting('max_temp_directory_size')").Scan(&dir, &max); err != nil {
		t.Fatal(err)
	}
	if dir != path+".tmp" || !strings.HasPrefix(max, "15.2 MiB") && !strings.HasPrefix(max, "16.0 MB") {
		t.Errorf("temp_directory %q, max_temp_directory_size %q", dir, max)
	}
	// A sort of ~320 MB of strings cannot fit in 64 MB of memory plus 16 MB of spill.
	var n int64
	err = db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT * FROM (SELECT md5(range::VARCHAR) || md5((range * 7)::VARCHAR) AS s
		FROM range(5000000)) ORDER BY s OFFSET 1)`).Scan(&n)
	if err == nil || !strings.Contains(err.Error(), "15.2 MiB used") {
		t.Fatalf("a spill past the bound: %v, want the spill bound reached", err)
	}
}
