package main

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/archive"
)

// archiveErasures brings erasures to the archive directory: every
// customer the archive's files name who is pseudonymised in PostgreSQL
// and has a file no erasure rewrote yet gets archive.Erase, under an
// advisory lock so two workers sharing the directory take turns.
func (j *jobs) archiveErasures(ctx context.Context) error {
	return pgx.BeginFunc(ctx, j.Pool, func(tx pgx.Tx) error {
		var mine bool
		if err := tx.QueryRow(ctx, "SELECT pg_try_advisory_xact_lock($1)", archive.LockKey).Scan(&mine); err != nil || !mine {
			return err
		}
		m, err := archive.ReadManifest(j.ArchiveDir)
		if err != nil {
			return err
		}
		customers := m.Customers()
		if len(customers) == 0 {
			return nil
		}
		rows, err := tx.Query(ctx, "SELECT id FROM core.customer WHERE id = ANY($1) AND pseudonymised_at IS NOT NULL", customers)
		if err != nil {
			return fmt.Errorf("erased customers: %w", err)
		}
		erased, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return fmt.Errorf("erased customers: %w", err)
		}
		for _, id := range m.Unerased(erased) {
			files, err := archive.Erase(ctx, j.ArchiveDir, id)
			if err != nil {
				return err
			}
			j.Log.Info("erasure brought to the archive", "customer", id, "files", len(files), "dir", j.ArchiveDir)
		}
		return nil
	})
}
