package marts_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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
//	CCH_BENCH_SCOPED    set: instead, the branch-scoped ÷ organisation-wide
//	                    cost of every analytic (see branchScopedCost)
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
	if os.Getenv("CCH_BENCH_SCOPED") != "" {
		branchScopedCost(b, &mirrored{duck: db}, p)
		return
	}
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

// branchScopedCost times every analytic organisation-wide and as a
// branch-scoped caller naming every branch of the organisation sees it,
// on a running Refresher's database (resident visit histories), as the
// dashboards benchmark does on 24 months; it logs each ratio of medians
// and reports their geometric mean.
//
//	CCH_BENCH_SCOPED=1 CCH_BENCH_MONTHS=6 CCH_BENCH_BOOKINGS=4000 CCH_BENCH_DUCKDB=/tmp/w6.duckdb \
//	  go test -tags duckdb_arrow -run '^$' -bench Analytics -benchtime 1x ./warehouse/marts/
func branchScopedCost(b *testing.B, m *mirrored, p marts.Params) {
	defer startRefresher(b, m)()
	ctx := context.Background()
	var branches []int64
	rows, err := m.duck.DB.Query("SELECT id FROM core.branch WHERE organisation_id = $1 ORDER BY id", p.OrganisationID)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		branches = append(branches, id)
	}
	rows.Close()
	scoped := p
	scoped.BranchIDs = branches
	// The two scopes alternate, each first half the time, so that a busy
	// moment of the machine (or the collector) slows both alike.
	medians := func(a marts.Analytic) (wide, narrow time.Duration) {
		var ws, ns []time.Duration
		for i := range 16 {
			order := []marts.Params{p, scoped}
			if i%2 == 1 { // each goes first half the time
				order[0], order[1] = scoped, p
			}
			for _, q := range order {
				t0 := time.Now()
				if _, err := marts.Run(ctx, m.duck.DB, a, q, 0); err != nil {
					b.Fatal(a.Name, err)
				}
				switch {
				case i == 0: // warm-up
				case len(q.BranchIDs) == 0:
					ws = append(ws, time.Since(t0))
				default:
					ns = append(ns, time.Since(t0))
				}
			}
		}
		slices.Sort(ws)
		slices.Sort(ns)
		return ws[len(ws)/2], ns[len(ns)/2]
	}
	logSum := 0.0
	var report strings.Builder
	for b.Loop() {
		logSum = 0
		report.Reset()
		for _, a := range marts.Catalog() {
			wide, narrow := medians(a)
			r := float64(narrow) / float64(wide)
			logSum += math.Log(r)
			fmt.Fprintf(&report, "%-28s organisation %8.2f ms  branches %v %8.2f ms  %.2f×\n", a.Name,
				float64(wide.Microseconds())/1000, branches, float64(narrow.Microseconds())/1000, r)
		}
	}
	fmt.Print(report.String())
	b.ReportMetric(math.Exp(logSum/float64(len(marts.Catalog()))), "scoped/org")
}
