package bench

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/carcarehub/cch/bench/loadgen"
	"github.com/carcarehub/cch/internal/pglocal"
)

// StartBouncer puts PgBouncer (transaction mode, poolSize server
// connections) in front of c for db's API login, with its files under
// dir, and returns it with the API login's URL through it.
func StartBouncer(ctx context.Context, c *pglocal.Cluster, db *DB, dir string, poolSize int) (*pglocal.Bouncer, string, error) {
	b, err := pglocal.StartBouncer(ctx, pglocal.BouncerConfig{Dir: filepath.Join(dir, "pgbouncer"), Server: c,
		Users: map[string]string{"cch_app": AppPassword}, PoolSize: poolSize})
	if err != nil {
		return nil, "", err
	}
	return b, b.URL("cch_app", AppPassword, db.Name), nil
}

// BookingsThroughPooler measures booking creation with n closed-loop
// clients through pooled (the API behind PgBouncer in transaction mode,
// which it detects: unnamed statements) right after the same run against
// direct (the API connected to PostgreSQL), so the two figures share the
// machine's state. pgbenchPeak, when known, is quoted beside them.
func BookingsThroughPooler(ctx context.Context, fix Fixture, direct, pooled *API, n int, d time.Duration, pgbenchPeak float64, log func(string, ...any)) ([]Figure, error) {
	const suite = "Booking creation: API vs pgbench"
	if n > len(fix.Bays) {
		return nil, fmt.Errorf("%d clients need %d lanes, the fixture has %d", n, n, len(fix.Bays))
	}
	var runs bookingRun
	runs.n = 20 // after the years Bookings uses
	run := func(api *API) (runStats, error) {
		c := &loadgen.Client{BaseURL: api.URL, Token: fix.Token, HTTP: &http.Client{Transport: loadgen.Transport(512)}}
		return apiClosedLoop(ctx, c, fix, n, d, runs.next())
	}
	dr, err := run(direct)
	if err != nil {
		return nil, err
	}
	pr, err := run(pooled)
	if err != nil {
		return nil, err
	}
	log("bookings through pgbouncer", "clients", n, "pooled_tps", pr.tps, "direct_tps", dr.tps, "pooled_errors", pr.errors)
	note := fmt.Sprintf("through PgBouncer p50 %.1f / p99 %.1f ms, direct p50 %.1f / p99 %.1f ms; errors through PgBouncer %d",
		Ms(Percentile(pr.lat, 50)), Ms(Percentile(pr.lat, 99)), Ms(Percentile(dr.lat, 50)), Ms(Percentile(dr.lat, 99)), pr.errors)
	if pgbenchPeak > 0 {
		note += fmt.Sprintf("; pgbench peak %.0f/s (%.2f×)", pgbenchPeak, pr.tps/pgbenchPeak)
	}
	return []Figure{{Suite: suite, Name: fmt.Sprintf("throughput through PgBouncer (transaction mode), %d clients (closed loop, %s)", n, d),
		Value: pr.tps, Unit: "bookings/s", Baseline: dr.tps, BaseName: "API direct to PostgreSQL, same run",
		Target: "≥ 0.8×", Check: AtLeastRatio(0.8), Note: note}}, nil
}
