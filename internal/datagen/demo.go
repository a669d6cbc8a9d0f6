package datagen

import (
	"context"
	"errors"
	"log/slog"
)

// DemoOptions is the dataset `cch dev` seeds on first start: three months
// ending at the default end date, four branches, 2,000 bookings a month,
// every audit trigger on (about 25 s on an idle 2-core machine).
func DemoOptions() Options {
	return Options{Seed: 42, Months: 3, Branches: 4, BookingsPerMonth: 2000}
}

// SeedDemo loads DemoOptions into the migrated database at databaseURL
// (a superuser URL, see Seed) unless it already holds business data; seeded
// reports whether it loaded anything. Safe to call on every start.
func SeedDemo(ctx context.Context, databaseURL string, log *slog.Logger) (seeded bool, err error) {
	stats, err := Seed(ctx, databaseURL, DemoOptions(), log)
	if errors.Is(err, ErrNotEmpty) {
		nopLogger(log).Info("demo data already present; not seeding")
		return false, nil
	}
	if err != nil {
		return false, err
	}
	nopLogger(log).Info("demo data seeded", "rows", stats.Total, "took", stats.Elapsed.Round(1e6))
	return true, nil
}
