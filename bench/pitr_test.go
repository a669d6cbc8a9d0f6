package bench

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/carcarehub/cch/internal/datagen"
	"github.com/carcarehub/cch/internal/pglocal"
)

// The PITR suite on a small dataset: it restores and archives, and reports
// both figures.
func TestPITRSuiteReportsRestoreAndArchive(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "cch-bench-pitr-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := pglocal.Start(ctx, pglocal.Config{Dir: filepath.Join(dir, "pg")})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop(context.Background())
	db, err := NewDB(ctx, c, "bench_seed")
	if err != nil {
		t.Fatal(err)
	}
	o := datagen.Options{Seed: 1, Months: 14, Branches: 1, BookingsPerMonth: 30, End: time.Now().UTC(), FutureDays: -1, Audit: datagen.AuditSummary}
	if _, err := datagen.Seed(ctx, db.AdminURL, o, nil); err != nil {
		t.Fatal(err)
	}
	figs, err := PITR(ctx, c, dir, db.AdminURL, func(msg string, kv ...any) { t.Log(append([]any{msg}, kv...)...) })
	if err != nil {
		t.Fatal(err)
	}
	if len(figs) != 2 || !(figs[0].Value > 0) || !(figs[1].Value > 0) || strings.HasPrefix(figs[1].Note, "0 partitions") {
		t.Fatalf("figures %+v", figs)
	}
	for _, f := range figs {
		t.Logf("%s: %.1f %s (%s)", f.Name, f.Value, f.Unit, f.Note)
	}
}
