package bench

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/carcarehub/cch/internal/pglocal"
)

// TestBookingsThroughPooler: the suite piece books through PgBouncer in
// transaction mode without errors and reports the figure beside the
// direct API's from the same run.
func TestBookingsThroughPooler(t *testing.T) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "cch-bench-pooled-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755) // PostgreSQL and PgBouncer run as the postgres user
	t.Cleanup(func() { os.RemoveAll(dir) })
	// This package starts no cluster for tests (see TestMain): its own.
	c, err := pglocal.Start(ctx, pglocal.Config{Dir: filepath.Join(dir, "pg"), Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop(context.Background()) })
	db, err := NewDB(ctx, c, "bench_pooled")
	if err != nil {
		t.Fatal(err)
	}
	fix, err := LoadFixture(ctx, db.AdminURL, 2)
	if err != nil {
		t.Fatal(err)
	}
	b, url, err := StartBouncer(ctx, c, db, dir, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Stop(context.Background())
	direct, err := StartAPI(ctx, db.AppURL, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	pooled, err := StartAPI(ctx, url, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer pooled.Close()
	figs, err := BookingsThroughPooler(ctx, fix, direct, pooled, 2, time.Second, 0,
		func(msg string, kv ...any) { t.Log(append([]any{msg}, kv...)...) })
	if err != nil {
		t.Fatal(err)
	}
	if len(figs) != 1 || figs[0].Value <= 0 || figs[0].Baseline <= 0 || !strings.Contains(figs[0].Note, "errors through PgBouncer 0") {
		t.Fatalf("figures %+v", figs)
	}
}
