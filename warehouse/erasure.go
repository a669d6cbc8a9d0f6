package warehouse

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/carcarehub/cch/cdc"
)

// erasureTable is where a GDPR erasure shows: it pseudonymises the
// customer (PII columns cleared, pseudonymised_at set) and never deletes.
const (
	erasureTable  = "core.customer"
	erasureMarker = "pseudonymised_at"
)

// erases reports whether b holds an erasure: an update of core.customer
// that leaves pseudonymised_at set, or a deleted customer row. After such a
// batch commits, the applier scrubs the file (see DB.Scrub) so the erased
// values are gone from DuckDB's WAL and free blocks, not just from the
// mirror.
func erases(b *cdc.Batch) bool {
	for i := range b.Changes {
		c := &b.Changes[i]
		if c.Rel == nil || c.Rel.Schema+"."+c.Rel.Name != erasureTable {
			continue
		}
		if c.Op == cdc.OpDelete {
			return true
		}
		if c.Op != cdc.OpUpdate {
			continue
		}
		if k := columnIndex(c.Rel, erasureMarker); k >= 0 && k < len(c.New) && c.New[k] != nil {
			if _, unchanged := c.New[k].(cdc.Unchanged); !unchanged {
				return true
			}
		}
	}
	return false
}

func columnIndex(rel *cdc.Relation, name string) int {
	for i, c := range rel.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// scrubAfterErasure scrubs the file when b erased someone, or when an
// earlier scrub failed. It runs after the batch committed, before the next
// one starts; a failure is logged and retried after the next batch (the
// batch itself is committed and stays so).
func (a *Applier) scrubAfterErasure(ctx context.Context, b *cdc.Batch) {
	if !a.scrubPending && !erases(b) {
		return
	}
	if err := a.rewriteErasureTable(ctx); err != nil {
		a.scrubPending = true
		a.log.Warn("rewrite after an erasure failed; retried after the next batch", "err", err)
		return
	}
	if err := a.db.Scrub(ctx); err != nil {
		a.scrubPending = true
		a.log.Warn("scrub after an erasure failed; retried after the next batch", "err", err)
		return
	}
	a.scrubPending = false
	a.scrubs.Add(1)
	a.log.Info("scrubbed the warehouse file after an erasure", "lsn", b.Position.LSN)
}

// rewriteErasureTable rebuilds the mirror of core.customer as a new table:
// DuckDB keeps per-row-group min/max statistics (up to 8 bytes of a
// string) that an update never narrows, so an erased name could survive in
// them; a rebuilt table has statistics of what it holds now.
func (a *Applier) rewriteErasureTable(ctx context.Context) error {
	schema, name := "core", "customer"
	m := &mirror{Schema: schema, Name: name}
	tmp := ident(name + "__cch_rebuild")
	return a.inTx(ctx, func(conn *sql.Conn) error {
		var exists bool
		err := conn.QueryRowContext(ctx, "SELECT count(*) > 0 FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
			schema, name).Scan(&exists)
		if err != nil || !exists {
			return err
		}
		for _, q := range []string{
			fmt.Sprintf("CREATE TABLE %s.%s AS SELECT * FROM %s", ident(schema), tmp, m.table()),
			"DROP TABLE " + m.table(),
			fmt.Sprintf("ALTER TABLE %s.%s RENAME TO %s", ident(schema), tmp, ident(name)),
		} {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("rewrite %s: %w", m.table(), err)
			}
		}
		return nil
	})
}
