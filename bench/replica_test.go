package bench

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestReplicaReportsSuite: the suite runs small — a primary and its hot
// standby, a short write load with report readers — and every report read
// of the standby phase is served by the replica, every one of the
// baseline phase by the primary, and each figure is measured.
func TestReplicaReportsSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and a standby")
	}
	dir, err := os.MkdirTemp("", "cch-bench-replica-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755) // the servers run as the postgres user
	t.Cleanup(func() { os.RemoveAll(dir) })
	cfg := ReplicaConfig{Dir: dir, Rate: 50, Seed: time.Second, Duration: 2 * time.Second, ReportRate: 5, Lanes: 4}
	figs, res, err := ReplicaReports(context.Background(), cfg, func(msg string, kv ...any) { t.Log(append([]any{msg}, kv...)...) })
	if err != nil {
		t.Fatal(err)
	}
	if res.Seeded < 40 || res.Standby.ReadFrom["replica"] == 0 || res.Primary.ReadFrom[""] == 0 {
		t.Fatalf("result %+v", res)
	}
	for _, ph := range []replicaPhase{res.Standby, res.Primary} {
		if w := ph.Writes.Ops[0]; w.Status[201] < int(res.Rate) {
			t.Fatalf("writes %v", w.Status)
		}
	}
	if len(figs) != 5 {
		t.Fatalf("%d figures", len(figs))
	}
	for _, f := range figs[:4] {
		if f.Value <= 0 || f.Baseline <= 0 {
			t.Fatalf("figure %q: %v vs %v", f.Name, f.Value, f.Baseline)
		}
	}
}
