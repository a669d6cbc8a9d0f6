package main

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/carcarehub/cch/oltp"
)

// replicaConfig is how the API reads from a hot standby (--replica-*).
type replicaConfig struct {
	URL     string        // --replica-url: the API's login on the standby; empty = every read on the primary.
	MaxWait time.Duration // --replica-max-wait: how long a read with min_lsn waits for the standby. Default 2s.
	MaxLag  time.Duration // --replica-max-lag: readiness fails when the standby trails by more. Default 30s.
}

func (c *replicaConfig) register(f *flags) {
	f.String(&c.URL, "replica-url", "", "PostgreSQL URL of the API's login on a hot standby: list and report reads go there (min_lsn / X-CCH-LSN waits for replay, then falls back to the primary)")
	f.Duration(&c.MaxWait, "replica-max-wait", 2*time.Second, "how long a read carrying min_lsn waits for the standby before the primary serves it")
	f.Duration(&c.MaxLag, "replica-max-lag", 30*time.Second, "readiness fails while the standby trails the primary by more than this")
}

func (c *replicaConfig) validate() error {
	if c.MaxWait < 0 || c.MaxWait > time.Minute {
		return fmt.Errorf("--replica-max-wait %s: must be 0..1m", c.MaxWait)
	}
	if c.MaxLag <= 0 {
		return fmt.Errorf("--replica-max-lag %s: must be positive", c.MaxLag)
	}
	return nil
}

// replicaPart is the standby's pool serving the API's list and report
// reads, and its lag measurement.
type replicaPart struct {
	r *oltp.Replica
}

// openReplica opens the standby's pool when cfg names one (nil, nil when
// not) and returns the readiness check to add to the API's.
func openReplica(ctx context.Context, cfg replicaConfig, pc oltp.PoolConfig, reg prometheus.Registerer) (*replicaPart, []oltp.Check, error) {
	if cfg.URL == "" {
		return nil, nil, nil
	}
	pc.ApplicationName += "-replica"
	pool, err := oltp.OpenPool(ctx, cfg.URL, pc)
	if err != nil {
		return nil, nil, fmt.Errorf("replica: %w", err)
	}
	r := oltp.NewReplica(pool, reg)
	r.MaxWait = cfg.MaxWait
	return &replicaPart{r: r}, []oltp.Check{r.Check(cfg.MaxLag)}, nil
}

// attach sends api's list and report reads to the standby.
func (p *replicaPart) attach(api *oltp.API) {
	if p != nil {
		api.UseReplica(p.r)
	}
}

// run measures the standby's lag (the cch_replica_lag_* metrics) until
// ctx ends.
func (p *replicaPart) run(ctx context.Context) error {
	if p == nil {
		<-ctx.Done()
		return nil
	}
	return p.r.Run(ctx, time.Second)
}

func (p *replicaPart) Close() {
	if p != nil {
		p.r.Pool().Close()
	}
}
