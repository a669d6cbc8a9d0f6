package datagen_test

import (
	"context"
	"log/slog"
	"os"
	"testing"

	"github.com/carcarehub/cch/internal/pglocal/pgtest"
	"github.com/carcarehub/cch/migrations"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// migratedDatabase returns the URL of a fresh database with the embedded
// migrations applied. CCH_DATAGEN_MIGRATIONS names another migration
// directory to apply instead (development against an unreleased schema).
func migratedDatabase(tb testing.TB) string {
	tb.Helper()
	url := pgtest.NewDatabase(tb)
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	if dir := os.Getenv("CCH_DATAGEN_MIGRATIONS"); dir != "" {
		d, err := migrations.OpenDir(dir)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := migrations.ApplyDir(ctx, url, d, log); err != nil {
			tb.Fatal(err)
		}
		return url
	}
	if _, err := migrations.Apply(ctx, url, log); err != nil {
		tb.Fatal(err)
	}
	return url
}
