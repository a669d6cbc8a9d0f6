package cdc

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// lateCopy gives a table that joined the publication after the initial
// snapshot (ALTER PUBLICATION … ADD TABLE, or FOR ALL TABLES and a table
// that existed unpublished), or whose exact copy a crash cut short, its
// own copy: on the first relation message of a table whose mirror is not
// complete (Sink implements TableChecker) and which holds rows, it copies
// the table exactly (see recopy). A table without rows needs no copy: the
// streamed changes create its mirror.
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
	var rows bool
	q := "SELECT EXISTS (SELECT 1 FROM " + pgx.Identifier{rel.Schema, rel.Name}.Sanitize() + ")"
	if err := l.conn.QueryRow(ctx, q).Scan(&rows); err != nil {
		return fmt.Errorf("late copy of %s.%s: %w", rel.Schema, rel.Name, err)
	}
	if !rows {
		return nil
	}
	if l.batch.Position.LSN > l.applied {
		if err := l.flush(ctx); err != nil {
			return err
		}
	}
	l.s.log.Info("copying a table that joined the publication", "table", rel.Schema+"."+rel.Name)
	return l.recopy(ctx, rel.Schema, rel.Name)
}
