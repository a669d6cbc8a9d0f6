package cdc

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// lateCopy gives a table that joined the publication after the initial
// snapshot (ALTER PUBLICATION … ADD TABLE, or FOR ALL TABLES and a table
// that existed unpublished) its own copy: on the first relation message of
// a table whose mirror is not complete (Sink implements TableChecker) and
// which holds rows, it applies the open batch, then copies the table in a
// new REPEATABLE READ snapshot on the normal connection, in TableCopy
// batches that keep the applied position (see TableCopy for why this is
// consistent). Standby status updates go out between chunks, so the
// walsender does not time out during a long copy.
func (l *loop) lateCopy(ctx context.Context, rel *Relation) error {
	tc, ok := l.s.sink.(TableChecker)
	if !ok || l.checked[rel.ID] {
		return nil
	}
	has, err := tc.HasTable(ctx, rel.Schema, rel.Name)
	if err != nil {
		return err
	}
	l.checked[rel.ID] = true
	if has {
		return nil
	}
	tx, err := l.conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("late copy of %s.%s: %w", rel.Schema, rel.Name, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var until string
	var rows bool
	q := "SELECT pg_current_wal_lsn()::text, EXISTS (SELECT 1 FROM " + pgx.Identifier{rel.Schema, rel.Name}.Sanitize() + ")"
	if err := tx.QueryRow(ctx, q).Scan(&until, &rows); err != nil {
		return fmt.Errorf("late copy of %s.%s: %w", rel.Schema, rel.Name, err)
	}
	if !rows {
		return nil // streamed changes create the mirror
	}
	lsn, err := ParseLSN(until)
	if err != nil {
		return err
	}
	if l.batch.Position.LSN > l.applied {
		if err := l.flush(ctx); err != nil {
			return err
		}
	}
	l.s.log.Info("copying a table that joined the publication", "table", rel.Schema+"."+rel.Name, "until", until)
	base := Batch{Relations: []*Relation{rel}, Position: Position{LSN: l.applied, SnapshotDone: true},
		Copy: &TableCopy{Rel: rel, Until: lsn, First: true}}
	if err := l.s.copyTable(ctx, tx, rel, base, func() error { return l.sendStatus(ctx) }); err != nil {
		return fmt.Errorf("late copy of %s.%s: %w", rel.Schema, rel.Name, err)
	}
	return nil
}
