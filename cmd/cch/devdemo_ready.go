package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/cdc"
)

// The demo is ready when the analytics show it, not merely when
// PostgreSQL holds it: the warehouse streams the seed's writes after they
// commit, and its lag (the age of the last applied commit) says nothing
// of the writes it has not received yet. So the seed's end position is
// recorded, and the demo counts as loaded once the warehouse's slot has
// confirmed it (every change before it is stored) and the marts reflect
// what was stored then.

// markDemoEnd records the WAL position after the demo seed.
func (d *devCmd) markDemoEnd(ctx context.Context, conn *pgx.Conn) error {
	var end string
	if err := conn.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&end); err != nil {
		return fmt.Errorf("demo end position: %w", err)
	}
	d.demoEnd.Store(&end)
	return nil
}

// demoReady is the demo_data readiness check: the demo data and tokens
// are in place and the warehouse's marts show the demo.
func (d *devCmd) demoReady(ctx context.Context) error {
	if !d.seeded.Load() {
		return errors.New("demo data is still loading")
	}
	end := d.demoEnd.Load()
	if end == nil || d.demoVisible.Load() {
		return nil
	}
	if d.demoApplied.Load() == 0 {
		conn, err := pgx.Connect(ctx, d.cluster.SuperuserURL(devDatabase))
		if err != nil {
			return err
		}
		defer conn.Close(context.WithoutCancel(ctx))
		var stored bool
		if err := conn.QueryRow(ctx, `SELECT coalesce(bool_or(confirmed_flush_lsn >= $1::pg_lsn), false)
			FROM pg_replication_slots WHERE database = current_database() AND slot_name LIKE 'cch_dev%'`, *end).Scan(&stored); err != nil {
			return fmt.Errorf("warehouse position: %w", err)
		}
		if !stored {
			return fmt.Errorf("the warehouse is still loading the demo data (up to %s)", *end)
		}
		d.demoApplied.Store(uint64(d.warehouse.Stream().Applied()))
	}
	if applied := cdc.LSN(d.demoApplied.Load()); d.warehouse.LSN() < applied {
		return fmt.Errorf("the marts are still catching up with the demo data (%s of %s)", d.warehouse.LSN(), applied)
	}
	d.demoVisible.Store(true)
	return nil
}
