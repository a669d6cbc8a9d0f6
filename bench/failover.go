package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// FailoverFigures are what the failover drill (TestFailoverDrill in
// cmd/cch) measured; see its FailoverResult.
type FailoverFigures struct {
	RTOSeconds         float64 `json:"rto_seconds"`
	PromoteSeconds     float64 `json:"promote_seconds"`
	RPOWrites          int     `json:"rpo_writes"`
	RPOSeconds         float64 `json:"rpo_seconds"`
	Acknowledged       int     `json:"acknowledged"`
	AckedBefore        int     `json:"acked_before"`
	WriteRate          float64 `json:"write_rate"`
	WarehouseSeconds   float64 `json:"warehouse_seconds"`
	AnalystQueries     int     `json:"analyst_queries"`
	AnalystMinBookings int64   `json:"analyst_min_bookings"`
}

// Failover runs the failover drill (go test -run TestFailoverDrill
// ./cmd/cch, without -race: two PostgreSQL servers of its own, durable,
// the standby synchronous; the API and the warehouse as processes of
// the cch binary, reaching PostgreSQL by a multi-host URL) and reports
// RTO, RPO and the warehouse's rebuild time. dir receives the drill's
// report.
func Failover(ctx context.Context, dir string, log func(string, ...any)) ([]Figure, error) {
	const suite = "Failover drill"
	report := filepath.Join(dir, "failover.json")
	cmd := exec.CommandContext(ctx, "go", "test", "-tags", "duckdb_arrow", "-count=1", "-run", "^TestFailoverDrill$", "-v",
		"github.com/carcarehub/cch/cmd/cch")
	cmd.Env = append(os.Environ(), "CCH_FAILOVER_REPORT="+report)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("failover drill: %w\n%s", err, tailLines(out, 30))
	}
	b, err := os.ReadFile(report)
	if err != nil {
		return nil, fmt.Errorf("failover drill report: %w", err)
	}
	var f FailoverFigures
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("failover drill report: %w", err)
	}
	log("failover drill", "rto_s", f.RTOSeconds, "rpo_writes", f.RPOWrites, "warehouse_s", f.WarehouseSeconds)
	load := fmt.Sprintf("primary crashed (immediate shutdown) under %.0f acknowledged bookings/s (4 clients, ≥ 20 ms apart); synchronous standby promoted with pg_promote; API on a multi-host URL with target_session_attrs=read-write", f.WriteRate)
	return []Figure{
		{Suite: suite, Name: "RTO: crash to the first booking acknowledged by the new primary", Value: f.RTOSeconds, Unit: "s",
			Target: "≤ 10 s", Check: func(x Figure) bool { return x.Value <= 10 },
			Note: fmt.Sprintf("%s; pg_promote returned %.2f s after the crash", load, f.PromoteSeconds)},
		{Suite: suite, Name: "RPO: acknowledged bookings missing on the new primary", Value: float64(f.RPOWrites), Unit: "writes",
			Target: "0", Check: func(x Figure) bool { return x.Value == 0 },
			Note: fmt.Sprintf("%d bookings acknowledged over the drill, %d before the crash; lost span %.3f s", f.Acknowledged, f.AckedBefore, f.RPOSeconds)},
		{Suite: suite, Name: "Warehouse: crash to the rebuilt file serving the new primary's rows", Value: f.WarehouseSeconds, Unit: "s",
			Target: "old file serves meanwhile", Check: func(x Figure) bool { return f.AnalystQueries > 0 },
			Note: fmt.Sprintf("%d analyst queries answered during the rebuild, none saw fewer bookings than before the crash (min %d)", f.AnalystQueries, f.AnalystMinBookings)},
	}, nil
}

// tailLines is the last n lines of out.
func tailLines(out []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
