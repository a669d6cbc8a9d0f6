package warehouse

import (
	"database/sql/driver"
	"fmt"
	"strings"

	"github.com/carcarehub/cch/cdc"
	"github.com/duckdb/duckdb-go/v2"
)

// Staging tables are temporary (connection-local, never written to the
// database file); they are recreated for every flush.
const (
	stageTable = "_cch_stage"
	fillTable  = "_cch_fill"
)

// flush writes p's collapsed changes set-wise:
//  1. stage every entry with the Appender (wire types, see wireType);
//  2. complete partial rows from the mirror rows they match (unchanged
//     TOAST values keep the mirror's value);
//  3. delete every staged key from the mirror;
//  4. insert the final rows.
//
// Reads happen before writes, so each step sees the mirror as it was
// before the batch.
func (t *applyTx) flush(p *pending) error {
	if len(p.order) == 0 {
		return nil
	}
	defer p.reset()
	if err := t.stage(p); err != nil {
		return fmt.Errorf("stage %s: %w", p.m.table(), err)
	}
	var partial bool
	for _, e := range p.order {
		partial = partial || e.op == opPartial
	}
	var stmts []string
	if partial {
		stmts = append(stmts, fillSQL(p))
	}
	if len(p.keys) > 0 {
		stmts = append(stmts, deleteSQL(p))
	}
	stmts = append(stmts, insertSQL(p, partial)...)
	for _, s := range stmts {
		if _, err := t.conn.ExecContext(t.ctx, s); err != nil {
			return fmt.Errorf("apply %s: %w", p.m.table(), err)
		}
	}
	return nil
}

// stage creates the staging table — columns c0…cN (row), k0…kK (key),
// m0…mK (match key), _op, _u (one '0'/'1' per column: unchanged TOAST) —
// and appends every entry to it.
func (t *applyTx) stage(p *pending) error {
	var cols []string
	for i, c := range p.m.Columns {
		cols = append(cols, fmt.Sprintf("c%d %s", i, wireType(c.Type)))
	}
	for j, k := range p.keys {
		w := wireType(p.m.Columns[k].Type)
		cols = append(cols, fmt.Sprintf("k%d %s", j, w), fmt.Sprintf("m%d %s", j, w))
	}
	cols = append(cols, "_op UTINYINT", "_u VARCHAR")
	ddl := fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s (%s)", stageTable, strings.Join(cols, ", "))
	if _, err := t.conn.ExecContext(t.ctx, ddl); err != nil {
		return err
	}
	return t.conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", stageTable)
		if err != nil {
			return err
		}
		for _, e := range p.order {
			if err := app.AppendRow(p.wireRow(e)...); err != nil {
				app.Close()
				return err
			}
		}
		return app.Close()
	})
}

func (p *pending) wireRow(e *entry) []driver.Value {
	n := len(p.m.Columns)
	vals := make([]driver.Value, 0, n+2*len(p.keys)+2)
	u := make([]byte, n)
	for i, c := range p.m.Columns {
		u[i] = '0'
		var v any
		if i < len(e.row) {
			v = e.row[i]
		}
		if _, ok := v.(cdc.Unchanged); ok {
			u[i] = '1'
		}
		vals = append(vals, wireValue(v, c.Type))
	}
	for j, k := range p.keys {
		typ := p.m.Columns[k].Type
		var mv any
		if j < len(e.match) {
			mv = e.match[j]
		}
		vals = append(vals, wireValue(e.key[j], typ), wireValue(mv, typ))
	}
	return append(vals, e.op, string(u))
}

// keyJoin matches mirror alias m to staged key columns prefix (k or m) of
// alias s. IS NOT DISTINCT FROM: REPLICA IDENTITY FULL keys may be NULL.
func keyJoin(p *pending, prefix string) string {
	var conds []string
	for j, k := range p.keys {
		c := p.m.Columns[k]
		conds = append(conds, fmt.Sprintf("m.%s IS NOT DISTINCT FROM %s",
			ident(c.Name), castExpr(fmt.Sprintf("s.%s%d", prefix, j), c.Type)))
	}
	return strings.Join(conds, " AND ")
}

func fillSQL(p *pending) string {
	var exprs []string
	for i, c := range p.m.Columns {
		exprs = append(exprs, fmt.Sprintf("CASE WHEN substr(s._u, %d, 1) = '1' THEN m.%s ELSE %s END AS %s",
			i+1, ident(c.Name), castExpr(fmt.Sprintf("s.c%d", i), c.Type), ident(c.Name)))
	}
	return fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s AS SELECT %s FROM %s s LEFT JOIN %s m ON %s WHERE s._op = %d",
		fillTable, strings.Join(exprs, ", "), stageTable, p.m.table(), keyJoin(p, "m"), opPartial)
}

func deleteSQL(p *pending) string {
	return fmt.Sprintf("DELETE FROM %s AS m USING %s s WHERE %s", p.m.table(), stageTable, keyJoin(p, "k"))
}

func insertSQL(p *pending, partial bool) []string {
	var names, exprs []string
	for i, c := range p.m.Columns {
		names = append(names, ident(c.Name))
		exprs = append(exprs, castExpr(fmt.Sprintf("c%d", i), c.Type))
	}
	list := strings.Join(names, ", ")
	stmts := []string{fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s WHERE _op = %d",
		p.m.table(), list, strings.Join(exprs, ", "), stageTable, opRow)}
	if partial {
		stmts = append(stmts, fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s", p.m.table(), list, list, fillTable))
	}
	return stmts
}
