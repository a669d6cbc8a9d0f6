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
	demo, err := NewDB(ctx, c, "bench_demo")
	if err != nil {
		return figs, url, err
	}
	t0 := time.Now()
	do := datagen.DemoOptions()
	ds, err := datagen.Seed(ctx, demo.AdminURL, do, nil)
	if err != nil {
		return figs, url, fmt.Errorf("seed demo: %w", err)
	}
	log("seed demo", "rows", ds.Total, "took", time.Since(t0))
	figs = append(figs, Figure{Suite: seedSuite, Name: fmt.Sprintf("demo dataset (datagen.DemoOptions: %d months × %s bookings)", do.Months, commas(int64(do.BookingsPerMonth))), Unit: "s",
		Value: ds.Elapsed.Seconds(), Target: "≤ 60 s", Check: AtMost(60), Note: fmt.Sprintf("%s rows", commas(ds.Total))})
	return figs, url, nil
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
