package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"

	"github.com/carcarehub/cch/cdc"
)

var _ cdc.Forgetter = (*Applier)(nil)

// Forget drops the mirrors of tables the publication no longer sends or
// the source no longer has (dropped, or renamed: the stream mirrors a
// renamed table under its new name) and the mirror columns its column
// lists leave out (a secret column, once published, is dropped when the
// warehouse next starts streaming), in one transaction, then checkpoints
// so the dropped values leave DuckDB's WAL. pgoutput announces no drop,
// so a table dropped while streaming keeps its mirror until then.
func (a *Applier) Forget(ctx context.Context, w cdc.Withheld) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	var dropped, tables []string
	err := a.inTx(ctx, func(conn *sql.Conn) error {
		ms, err := loadMirrors(ctx, conn)
		if err != nil {
			return err
		}
		keys := make([]string, 0, len(ms))
		for k := range ms {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		t := &applyTx{ctx: ctx, conn: conn, a: a, pending: map[string]*pending{}}
		for _, k := range keys {
			m := ms[k]
			if w.Tables[k] || (w.Existing != nil && !w.Existing[k]) {
				if err := dropMirror(ctx, conn, m); err != nil {
					return err
				}
				dropped, tables = append(dropped, k), append(tables, k)
				continue
			}
			if cols := presentColumns(m, w.Columns[k]); len(cols) > 0 {
				want := &mirror{Schema: m.Schema, Name: m.Name, RelID: m.RelID, Filenode: m.Filenode}
				for _, c := range m.Columns {
					if !slices.Contains(cols, c.Name) {
						want.Columns = append(want.Columns, c)
					}
				}
				if err := t.reshape(m, want, &cdc.Relation{}); err != nil {
					return err
				}
				for _, c := range cols {
					dropped = append(dropped, k+"."+c)
				}
				tables = append(tables, k)
			}
		}
		return nil
	})
	a.mirrors = nil
	if err != nil || len(dropped) == 0 {
		return err
	}
	a.log.Warn("dropped mirrored data the publication no longer sends", "dropped", dropped)
	if err := a.db.Scrub(ctx); err != nil {
		return fmt.Errorf("after dropping unpublished data: %w", err)
	}
	if a.committed != nil {
		a.committed(tables)
	}
	return nil
}

// dropMirror drops m's table and its bookkeeping.
func dropMirror(ctx context.Context, conn *sql.Conn, m *mirror) error {
	if err := dropMirrorTable(ctx, conn, m); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "DELETE FROM _cch.copies WHERE schema_name = ? AND table_name = ?", m.Schema, m.Name); err != nil {
		return fmt.Errorf("drop unpublished mirror %s: %w", m.table(), err)
	}
	return nil
}

// dropMirrorTable drops m's table and its recorded shape.
func dropMirrorTable(ctx context.Context, conn *sql.Conn, m *mirror) error {
	if _, err := conn.ExecContext(ctx, "DROP TABLE IF EXISTS "+m.table()); err != nil {
		return fmt.Errorf("drop mirror %s: %w", m.table(), err)
	}
	if _, err := conn.ExecContext(ctx, "DELETE FROM _cch.mirrors WHERE schema_name = ? AND table_name = ?", m.Schema, m.Name); err != nil {
		return fmt.Errorf("drop mirror %s: %w", m.table(), err)
	}
	return nil
}

// presentColumns returns those of cols that m holds.
func presentColumns(m *mirror, cols []string) []string {
	var out []string
	for _, c := range m.Columns {
		if slices.Contains(cols, c.Name) {
			out = append(out, c.Name)
		}
	}
	return out
}
