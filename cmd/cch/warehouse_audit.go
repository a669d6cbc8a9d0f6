package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/carcarehub/cch/audit"
)

// warehouseCheckpoints signs, every Every, the audit chain heads the
// warehouse has mirrored and records them in its DuckDB file (see
// audit.CheckpointWarehouse): the warehouse's own copy of the checkpoints,
// independent of the file cch worker appends to.
type warehouseCheckpoints struct {
	DB      audit.SQLDB
	KeyFile string // created when missing, as cch worker does
	Every   time.Duration
	Log     *slog.Logger
}

// Run takes a checkpoint at once and then every Every until ctx ends. A
// round that fails (the mirror has no audit tables yet, say) is logged and
// retried at the next tick.
func (w *warehouseCheckpoints) Run(ctx context.Context) error {
	t := time.NewTicker(w.Every)
	defer t.Stop()
	for {
		if err := w.round(ctx); err != nil && ctx.Err() == nil {
			w.Log.Warn("warehouse audit checkpoint failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (w *warehouseCheckpoints) round(ctx context.Context) error {
	key, created, err := audit.LoadOrCreateKey(w.KeyFile)
	if err != nil {
		return err
	}
	if created {
		w.Log.Warn("created audit key: keep it outside the database and back it up", "file", w.KeyFile)
	}
	recorded, err := audit.CheckpointWarehouse(ctx, w.DB, key)
	for _, c := range recorded {
		w.Log.Info("audit checkpoint recorded in the warehouse", "organisation_id", c.OrganisationID, "entry_id", c.EntryID)
	}
	return err
}
