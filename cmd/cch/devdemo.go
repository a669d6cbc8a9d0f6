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
	"github.com/carcarehub/cch/oltp"
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

// seedDemo loads the demo dataset once and issues one demo token per
// business role (a staff member of the first organisation holding it),
// written to DATA_DIR/tokens.json (mode 0600). Tokens from the previous
// start are revoked: only their hashes were kept, so they cannot be shown
// again.
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
	if _, err := datagen.SeedDemo(ctx, superURL, d.log); err != nil {
		return fmt.Errorf("seed demo data: %w", err)
	}
	if err := setDemoState(ctx, conn, "seeded"); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `UPDATE core.api_token SET revoked_at = now() WHERE label = 'dev demo' AND revoked_at IS NULL`); err != nil {
		return fmt.Errorf("revoke old demo tokens: %w", err)
	}
	tokens := map[string]string{}
	for role := range oltp.Roles {
		var staff int64
		err := conn.QueryRow(ctx, `SELECT r.staff_id FROM core.staff_role r JOIN core.staff s ON s.id = r.staff_id AND s.active
			WHERE r.role = $1::core.business_role ORDER BY r.organisation_id, r.branch_id NULLS FIRST, r.staff_id LIMIT 1`, role).Scan(&staff)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		} else if err != nil {
			return fmt.Errorf("find a %s: %w", role, err)
		}
		if tokens[role], _, err = oltp.IssueToken(ctx, conn, staff, role, 30*24*time.Hour, "dev demo"); err != nil {
			return err
		}
	}
	path := filepath.Join(dataDir, "tokens.json")
	if err := writeJSON(path, tokens); err != nil {
		return err
	}
	d.log.Info("demo tokens written", "path", path, "roles", len(tokens))
	d.seeded.Store(true)
	return nil
}
