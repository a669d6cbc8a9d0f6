package main

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/carcarehub/cch/bench"
)

// sse holds /v1 p99 with 400 dashboard streams open (100 quick) against
// its p99 without them, on one `cch dev` built from this tree.
func (d *driver) sse(ctx context.Context) ([]bench.Figure, error) {
	dir := filepath.Join(d.dir, "sse")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	bin, err := bench.BuildCch(ctx, dir)
	if err != nil {
		return nil, err
	}
	cfg := bench.SSEConfig{Bin: bin, Dir: dir, Streams: 400, Clients: 4, Duration: 30 * time.Second}
	if d.cfg.quick {
		cfg.Streams, cfg.Duration = 100, 10*time.Second
	}
	figs, _, err := bench.SSELoad(ctx, cfg, d.log.Info)
	return figs, err
}

// failover runs the failover drill (its own primary and synchronous
// standby) and reports RTO, RPO and the warehouse's rebuild.
func (d *driver) failover(ctx context.Context) ([]bench.Figure, error) {
	dir := filepath.Join(d.dir, "failover")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return bench.Failover(ctx, dir, d.log.Info)
}
