package bench

import (
	"context"
	"os"
	"path/filepath"

	"github.com/carcarehub/cch/warehouse"
)

// DuckDBVersion is the embedded DuckDB's version ("n/a" on failure).
func DuckDBVersion(ctx context.Context) string {
	dir, err := os.MkdirTemp("", "cch-duck-")
	if err != nil {
		return "n/a"
	}
	defer os.RemoveAll(dir)
	db, err := warehouse.Open(ctx, filepath.Join(dir, "v.duckdb"), warehouse.Options{MemoryLimit: "256MB", Threads: 1})
	if err != nil {
		return "n/a"
	}
	defer db.Close()
	var v string
	if err := db.QueryRowContext(ctx, "SELECT version()").Scan(&v); err != nil {
		return "n/a"
	}
	return v + " (duckdb-go v2.10505.0)"
}
