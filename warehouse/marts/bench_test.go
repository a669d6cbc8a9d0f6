package marts_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/carcarehub/cch/internal/datagen"
	"github.com/carcarehub/cch/warehouse"
	"github.com/carcarehub/cch/warehouse/marts"
)

// BenchmarkAnalytics times every analytic of the catalogue on generated
// data. The dataset size comes from the environment:
//
//	CCH_BENCH_MONTHS    months of history (default 2)
//	CCH_BENCH_BOOKINGS  bookings per month (default 2000; datagen's full size is 10000)
//	CCH_BENCH_DUCKDB    a DuckDB file: reused when it exists (no PostgreSQL,
//	                    the marts are reinstalled), else mirrored into and kept
//
// The query window is the last 12 months of the data (monthly grain).
//
//	CCH_BENCH_MONTHS=24 CCH_BENCH_BOOKINGS=10000 CCH_BENCH_DUCKDB=/tmp/w24.duckdb \
//	  go test -tags duckdb_arrow -run '^$' -bench Analytics -benchtime 5x ./warehouse/marts/
func BenchmarkAnalytics(b *testing.B) {
	months := envInt("CCH_BENCH_MONTHS", 2)
	bookings := envInt("CCH_BENCH_BOOKINGS", 2000)
	end := time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)
	ctx := context.Background()
	var db *warehouse.DB
	path := os.Getenv("CCH_BENCH_DUCKDB")
	if _, err := os.Stat(path); path != "" && err == nil {
		d, err := warehouse.Open(ctx, path, warehouse.Options{MemoryLimit: "1GB", Threads: 2})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { d.Close() })
		if err := marts.Install(ctx, d.DB); err != nil {
			b.Fatal(err)
		}
		db = d
	} else {
		if path == "" {
			path = filepath.Join(b.TempDir(), "w.duckdb")
		}
		seed := datagen.Options{Seed: 7, Months: months, Branches: 4, BookingsPerMonth: bookings, End: end,
			Audit: datagen.AuditSummary}
		db = newMirroredAt(b, &seed, false, path).duck
	}
	to := end.AddDate(0, 0, 1)
	p := marts.Params{OrganisationID: 1, From: to.AddDate(-1, 0, 0), To: to, Granularity: "month"}
	for _, a := range marts.Catalog() {
		b.Run(a.Name, func(b *testing.B) {
			for b.Loop() {
				if _, err := marts.Run(ctx, db.DB, a, p, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
