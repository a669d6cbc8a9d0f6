package datagen

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// DemoOptions is the dataset `cch dev` seeds on first start, anchored to
// the day it is loaded: 13 months of history ending the day before anchor
// (so year-on-year and trailing-12-month figures compare like with like),
// a 4-week forward book (rosters, bookings, rides), four branches, 2,000
// bookings a month, audit summary mode (see AuditSummary) so the load
// stays within a minute. The same anchor gives the same data.
func DemoOptions(anchor time.Time) Options {
	y, m, d := anchor.Date()
	return Options{Seed: 42, Months: 13, Branches: 4, BookingsPerMonth: 1000, FutureDays: 28,
		Anchor: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), Audit: AuditSummary}
}

// SeedDemo loads DemoOptions(anchor) into the migrated database at
// databaseURL (a superuser URL, see Seed) unless it already holds business
// data; seeded reports whether it loaded anything. Safe to call on every
// start.
func SeedDemo(ctx context.Context, databaseURL string, anchor time.Time, log *slog.Logger) (seeded bool, err error) {
	stats, err := Seed(ctx, databaseURL, DemoOptions(anchor), log)
	if errors.Is(err, ErrNotEmpty) {
		nopLogger(log).Info("demo data already present; not seeding")
		return false, nil
	}
	if err != nil {
		return false, err
	}
	nopLogger(log).Info("demo data seeded", "rows", stats.Total, "took", stats.Elapsed.Round(1e6), "anchor", anchor.Format(time.DateOnly))
	return true, nil
}

// AnchorOf is the demo anchor for the instant t: its date in the
// business's time zone (Europe/London).
func AnchorOf(t time.Time) time.Time {
	if loc, err := time.LoadLocation(timezone); err == nil {
		t = t.In(loc)
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
