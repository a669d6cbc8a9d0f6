package warehouse

import (
	"context"
	"fmt"

	"github.com/carcarehub/cch/cdc"
)

// HasTable reports whether schema.name has a complete mirror: one exists
// and no copy of it (cdc.TableCopy) is unfinished.
func (a *Applier) HasTable(ctx context.Context, schema, name string) (bool, error) {
	var has bool
	err := a.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM _cch.mirrors WHERE schema_name = ? AND table_name = ?)
		AND NOT EXISTS (SELECT 1 FROM _cch.copies WHERE schema_name = ? AND table_name = ? AND NOT done)`,
		schema, name, schema, name).Scan(&has)
	if err != nil {
		return false, fmt.Errorf("look up mirror %s.%s: %w", schema, name, err)
	}
	return has, nil
}

// loadCopies records b's table copy chunk and finds the tables whose
// changes this batch applies by key (dedupe): those copied at a WAL
// position the stored position has not passed (see cdc.TableCopy).
func (t *applyTx) loadCopies(b *cdc.Batch) error {
	var from uint64
	if err := t.conn.QueryRowContext(t.ctx, "SELECT lsn FROM _cch.position WHERE id = 1").Scan(&from); err != nil {
		return fmt.Errorf("read position: %w", err)
	}
	if c := b.Copy; c != nil {
		_, err := t.conn.ExecContext(t.ctx, "DELETE FROM _cch.copies WHERE schema_name = ? AND table_name = ?", c.Rel.Schema, c.Rel.Name)
		if err == nil {
			_, err = t.conn.ExecContext(t.ctx, "INSERT INTO _cch.copies (schema_name, table_name, until, done, exact) VALUES (?, ?, ?, ?, ?)",
				c.Rel.Schema, c.Rel.Name, uint64(c.Until), c.Last, c.Exact)
		}
		if err != nil {
			return fmt.Errorf("record copy of %s.%s: %w", c.Rel.Schema, c.Rel.Name, err)
		}
	}
	rows, err := t.conn.QueryContext(t.ctx, "SELECT schema_name || '.' || table_name FROM _cch.copies WHERE until > ? AND NOT coalesce(exact, false)", from)
	if err != nil {
		return fmt.Errorf("load copies: %w", err)
	}
	defer rows.Close()
	t.dedupe = map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return fmt.Errorf("load copies: %w", err)
		}
		t.dedupe[k] = true
	}
	return rows.Err()
}

// startCopy empties the mirror of a copy's first chunk: a copy cut short
// by a crash starts over. An exact copy replaces the mirror, shape
// included (or drops it, when the table is gone).
func (t *applyTx) startCopy(b *cdc.Batch) error {
	if b.Copy == nil || !b.Copy.First {
		return nil
	}
	if b.Copy.Exact {
		key := b.Copy.Rel.Schema + "." + b.Copy.Rel.Name
		if m := t.a.mirrors[key]; m != nil {
			if err := dropMirrorTable(t.ctx, t.conn, m); err != nil {
				return err
			}
		}
		delete(t.a.mirrors, key)
		delete(t.pending, key)
		if b.Copy.Gone {
			return nil
		}
	}
	p, err := t.table(b.Copy.Rel)
	if err != nil {
		return err
	}
	if _, err := t.conn.ExecContext(t.ctx, "DELETE FROM "+p.m.table()); err != nil {
		return fmt.Errorf("empty %s for its copy: %w", p.m.table(), err)
	}
	return nil
}

// ExactCopies returns the position of each exact copy (cdc.TableCopy)
// the stored position has not passed.
func (a *Applier) ExactCopies(ctx context.Context) (map[string]cdc.LSN, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT schema_name || '.' || table_name, until FROM _cch.copies
		WHERE coalesce(exact, false) AND until > (SELECT lsn FROM _cch.position WHERE id = 1)`)
	if err != nil {
		return nil, fmt.Errorf("load exact copies: %w", err)
	}
	defer rows.Close()
	out := map[string]cdc.LSN{}
	for rows.Next() {
		var k string
		var u uint64
		if err := rows.Scan(&k, &u); err != nil {
			return nil, fmt.Errorf("load exact copies: %w", err)
		}
		out[k] = cdc.LSN(u)
	}
	return out, rows.Err()
}
