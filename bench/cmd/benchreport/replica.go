package main

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/carcarehub/cch/bench"
)

// replica compares report reads on a hot standby with the same reads on
// the primary under 1,000 bookings/s offered (its own primary and
// standby; 20 s a phase, 10 s quick).
func (d *driver) replica(ctx context.Context) ([]bench.Figure, error) {
	dir := filepath.Join(d.dir, "replica")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	cfg := bench.ReplicaConfig{Dir: dir, Rate: 1000, Seed: 10 * time.Second, Duration: 20 * time.Second, ReportRate: 20, Lanes: 16}
	if d.cfg.quick {
		cfg.Seed, cfg.Duration = 5*time.Second, 10*time.Second
	}
	figs, _, err := bench.ReplicaReports(ctx, cfg, d.log.Info)
	return figs, err
}
