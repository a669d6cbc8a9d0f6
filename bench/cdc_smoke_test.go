package bench

import (
	"context"
	"strings"
	"testing"

	"github.com/carcarehub/cch/internal/pglocal/pgtest"
)

// BenchmarkCDCThroughputSmoke runs the CDC suite once at a tiny size
// (go test -tags duckdb_arrow -run NONE -bench CDCThroughputSmoke
// -benchtime 1x ./bench/) to show it works end to end: both publications
// (text and binary), each phase measured against a decode-only baseline
// of the format its pipeline chose. The measured sizes run through
// cmd/benchreport.
func BenchmarkCDCThroughputSmoke(b *testing.B) {
	for b.Loop() {
		figs, err := CDCThroughput(context.Background(), pgtest.Cluster(b), b.TempDir(),
			CDCConfig{Inserts: 3000, Mixed: 1000, TxRows: 500}, func(string, ...any) {})
		if err != nil {
			b.Fatal(err)
		}
		if len(figs) != 4 {
			b.Fatalf("%d figures, want 4 (2 publications × 2 phases)", len(figs))
		}
		for _, f := range figs {
			if f.Value <= 0 || f.Baseline <= 0 {
				b.Errorf("%s: %v rows/s against %v", f.Name, f.Value, f.Baseline)
			}
			if strings.HasPrefix(f.Name, "binary") != strings.HasSuffix(f.BaseName, "binary format") {
				b.Errorf("%s: baseline %q decodes another format", f.Name, f.BaseName)
			}
			b.Logf("%s: %.0f rows/s, decode-only %.0f rows/s (%s)", f.Name, f.Value, f.Baseline, f.BaseName)
		}
	}
}
