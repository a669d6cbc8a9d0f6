package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/carcarehub/cch/internal/datagen"
	"github.com/carcarehub/cch/internal/pglocal"
)

const seedSuite = "Seed time"

// Seed loads the benchmark dataset and the demo dataset, each into a fresh
// migrated database with every constraint on, and returns the URL of the
// benchmark dataset for the suites that query it. The 24-month figure is
// measured twice: with per-row audit entries (every trigger on; one month,
// extrapolated) and with datagen's audit summary mode (the audit trigger
// off inside each load transaction, one BULK_LOAD entry per chunk; quick:
// one month extrapolated, full: the real 24 months, which the other suites
// then query).
func Seed(ctx context.Context, c *pglocal.Cluster, quick bool, log func(string, ...any)) ([]Figure, string, error) {
	rows, _, err := seedOnce(ctx, c, "bench_seed_rows", 1, datagen.AuditRows, log)
	if err != nil {
		return nil, "", err
	}
	months := 24
	if quick {
		months = 1
	}
	summary, url, err := seedOnce(ctx, c, "bench_seed", months, datagen.AuditSummary, log)
	if err != nil {
		return []Figure{rows}, "", err
	}
	figs := []Figure{rows, summary}
	for _, months := range []int{3, 13} {
		f, err := seedDemo(ctx, c, months, log)
		if err != nil {
			return figs, url, err
		}
		figs = append(figs, f)
	}
	return figs, url, nil
}

// DemoAnchor is the fixed day the benchmarks load the demo dataset on, so
// every run loads the same rows.
var DemoAnchor = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// seedDemo times datagen.DemoOptions(DemoAnchor) with months of history
// (13 is what cch dev loads; 3 the earlier demo size, for comparison).
func seedDemo(ctx context.Context, c *pglocal.Cluster, months int, log func(string, ...any)) (Figure, error) {
	demo, err := NewDB(ctx, c, fmt.Sprintf("bench_demo_%d", months))
	if err != nil {
		return Figure{}, err
	}
	do := datagen.DemoOptions(DemoAnchor)
	do.Months = months
	ds, err := datagen.Seed(ctx, demo.AdminURL, do, nil)
	if err != nil {
		return Figure{}, fmt.Errorf("seed demo: %w", err)
	}
	log("seed demo", "months", months, "rows", ds.Total, "took", ds.Elapsed)
	return Figure{Suite: seedSuite, Name: fmt.Sprintf("demo dataset (datagen.DemoOptions: %d months × %s bookings, %d-day forward book, audit %s)",
		months, commas(int64(do.BookingsPerMonth)), do.FutureDays, do.Audit), Unit: "s",
		Value: ds.Elapsed.Seconds(), Target: "≤ 60 s", Check: AtMost(60), Note: fmt.Sprintf("%s rows", commas(ds.Total))}, nil
}

// seedOnce loads months × 10,000 bookings/month over 4 branches with the
// given audit mode and reports the time scaled to 24 months.
func seedOnce(ctx context.Context, c *pglocal.Cluster, name string, months int, audit datagen.AuditMode, log func(string, ...any)) (Figure, string, error) {
	db, err := NewDB(ctx, c, name)
	if err != nil {
		return Figure{}, "", err
	}
	o := datagen.Options{Seed: 1, Months: months, Branches: 4, BookingsPerMonth: 10_000, Audit: audit}
	st, err := datagen.Seed(ctx, db.AdminURL, o, nil)
	if err != nil {
		return Figure{}, "", fmt.Errorf("seed %d months (audit %s): %w", months, audit, err)
	}
	log("seed", "months", months, "audit", audit, "rows", st.Total, "took", st.Elapsed)
	secs := st.Elapsed.Seconds()
	f := Figure{Suite: seedSuite, Name: fmt.Sprintf("24 months × 10,000 bookings/month, 4 branches, audit %s", audit), Unit: "s", Value: secs,
		Target: "≤ 600 s", Check: AtMost(600),
		Note: fmt.Sprintf("measured: %d month(s), %s rows in %.1f s (%.0f rows/s)", months, commas(st.Total), secs, float64(st.Total)/secs)}
	if months != 24 {
		f.Value = secs * 24 / float64(months)
		f.BaseName = fmt.Sprintf("extrapolated ×%d from the %d-month load (linear)", 24/months, months)
	}
	return f, db.AdminURL, nil
}
