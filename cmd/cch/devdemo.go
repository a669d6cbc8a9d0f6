package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/internal/datagen"
)

// The dev database records the demo seed's progress in
// public.cch_dev_state (outside the business schemas: not published, not
// part of schema.hcl). "started" without "seeded" means a seed was
// interrupted (Ctrl-C, kill -9): the next start rebuilds the database
// instead of serving half a business.
const demoStateDDL = `CREATE TABLE IF NOT EXISTS public.cch_dev_state (key text PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())`

func setDemoState(ctx context.Context, conn *pgx.Conn, key string) error {
	if _, err := conn.Exec(ctx, demoStateDDL); err != nil {
		return fmt.Errorf("demo state: %w", err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO public.cch_dev_state (key) VALUES ($1) ON CONFLICT (key) DO NOTHING`, key); err != nil {
		return fmt.Errorf("demo state: %w", err)
	}
	return nil
}

// resetInterruptedDemo drops the dev database (its replication slots and
// the warehouse file with it) when an earlier demo seed did not finish.
// A database whose data did not come from the demo seed is never touched.
func (d *devCmd) resetInterruptedDemo(ctx context.Context, dataDir string) error {
	conn, err := pgx.Connect(ctx, d.cluster.SuperuserURL(devDatabase))
	if err != nil {
		return nil // no dev database yet
	}
	var started, seeded bool
	err = conn.QueryRow(ctx, `SELECT coalesce(bool_or(key = 'started'), false), coalesce(bool_or(key = 'seeded'), false)
		FROM public.cch_dev_state`).Scan(&started, &seeded)
	conn.Close(ctx)
	if err != nil || !started || seeded {
		return nil // no state table (no demo ever started) or a finished seed
	}
	d.log.Warn("an earlier demo seed was interrupted; rebuilding the dev database")
	admin, err := pgx.Connect(ctx, d.cluster.SuperuserURL("postgres"))
	if err != nil {
		return fmt.Errorf("connect to local cluster: %w", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1`, devDatabase); err != nil {
		return fmt.Errorf("drop replication slots: %w", err)
	}
	if err := d.cluster.DropDatabase(ctx, devDatabase); err != nil {
		return err
	}
	for _, f := range []string{"warehouse.duckdb", "warehouse.duckdb.wal"} {
		if err := os.Remove(filepath.Join(dataDir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove the old warehouse: %w", err)
		}
	}
	return nil
}

// seedDemo loads the demo dataset once, anchored to today, and makes
// sure DATA_DIR/tokens.json holds a valid demo token per business role:
// tokens from an earlier start are kept while they are valid (see
// ensureDemoTokens), so a token a user saved keeps working.
func (d *devCmd) seedDemo(ctx context.Context, dataDir string) error {
	superURL := d.cluster.SuperuserURL(devDatabase)
	conn, err := pgx.Connect(ctx, superURL)
	if err != nil {
		return fmt.Errorf("connect to local cluster: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := setDemoState(ctx, conn, "started"); err != nil {
		return err
	}
	if _, err := datagen.SeedDemo(ctx, superURL, datagen.AnchorOf(time.Now()), d.log); err != nil {
		return fmt.Errorf("seed demo data: %w", err)
	}
	if err := setDemoState(ctx, conn, "seeded"); err != nil {
		return err
	}
	if err := d.markDemoEnd(ctx, conn); err != nil {
		return err
	}
	path := filepath.Join(dataDir, "tokens.json")
	tokens, err := ensureDemoTokens(ctx, conn, path, false)
	if err != nil {
		return err
	}
	d.log.Info("demo tokens written", "path", path, "roles", len(tokens))
	d.seeded.Store(true)
	return nil
}
