package cdc

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// publishedSQL lists the tables the publication sends, as pgoutput names
// them (a partitioned table published through its root by the root).
const publishedSQL = `SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1, 2`

// mirrorPublished gives every published table without a complete mirror
// (Sink implements TableChecker) an exact copy (see recopy): a table that
// joined the publication after the initial snapshot — a migration's new
// table, published while the warehouse streamed or was stopped — has a
// mirror with its columns, and its rows, before any of its changes
// arrives; pgoutput announces a table only with its first change. A
// session calls it when it starts streaming and every
// PublishedCheckInterval; tables found mirrored are not looked at again
// in the session.
func (l *loop) mirrorPublished(ctx context.Context) error {
	tc, ok := l.s.sink.(TableChecker)
	if !ok {
		return nil
	}
	rows, err := l.conn.Query(ctx, publishedSQL, l.s.cfg.Publication)
	if err != nil {
		return fmt.Errorf("list published tables: %w", err)
	}
	tables, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]string, error) {
		var t [2]string
		return t, r.Scan(&t[0], &t[1])
	})
	if err != nil {
		return fmt.Errorf("list published tables: %w", err)
	}
	for _, t := range tables {
		key := t[0] + "." + t[1]
		if l.mirrored[key] {
			continue
		}
		has, err := tc.HasTable(ctx, t[0], t[1])
		if err != nil {
			return err
		}
		if !has {
			if err := l.copyUnmirrored(ctx, t[0], t[1]); err != nil {
				return err
			}
		}
		l.mirrored[key] = true
	}
	return nil
}

// copyUnmirrored applies the open batch, then copies schema.name exactly.
func (l *loop) copyUnmirrored(ctx context.Context, schema, name string) error {
	if l.batch.Position.LSN > l.applied {
		if err := l.flush(ctx); err != nil {
			return err
		}
	}
	l.s.log.Info("copying a published table without a mirror", "table", schema+"."+name)
	return l.recopy(ctx, schema, name)
}

// checkPublished runs mirrorPublished when it is due.
func (l *loop) checkPublished(ctx context.Context, now time.Time) error {
	if now.Before(l.nextPublished) {
		return nil
	}
	if err := l.mirrorPublished(ctx); err != nil {
		return err
	}
	l.nextPublished = time.Now().Add(l.s.cfg.PublishedCheckInterval)
	return nil
}
