package warehouse

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// Staging tables are temporary (connection-local, never written to the
// database file); they are recreated for every flush. arrowView is the
// temporary view an Arrow record reader is registered as.
const (
	stageTable = "_cch_stage"
	fillTable  = "_cch_fill"
	arrowView  = "_cch_arrow"
)

// flush writes p's collapsed changes set-wise. A batch of fresh rows only
// (inserts of keys the mirror does not hold) is one INSERT … SELECT from
// its Arrow record batches. Otherwise:
//  1. stage every entry (Arrow record batches, see arrowType);
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
	if p.insertOnly() {
		if err := t.insertFresh(p); err != nil {
			return fmt.Errorf("insert into %s: %w", p.m.table(), err)
		}
		return nil
	}
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

// insertFresh inserts p's rows straight from an Arrow view: no staging
// table, no delete (see entry.fresh).
func (t *applyTx) insertFresh(p *pending) error {
	rows := &pending{m: p.m, keys: p.keys}
	for _, e := range p.order {
		if e.op == opRow {
			rows.order = append(rows.order, e)
		}
	}
	if len(rows.order) == 0 {
		return nil
	}
	var names, exprs []string
	for i, c := range p.m.Columns {
		names = append(names, ident(c.Name))
		exprs = append(exprs, castExpr(fmt.Sprintf("c%d", i), c.Type))
	}
	q := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s", p.m.table(),
		strings.Join(names, ", "), strings.Join(exprs, ", "), arrowView)
	return t.withArrow(rows, false, q)
}

// stage (re)creates the staging table — see stageSchema — from p's
// entries.
func (t *applyTx) stage(p *pending) error {
	return t.withArrow(p, true, fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s AS SELECT * FROM %s", stageTable, arrowView))
}

// withArrow builds p's entries as Arrow record batches, registers them as
// the view arrowView on the transaction's connection, runs q (which scans
// the view once) and releases the view, the reader and the records.
func (t *applyTx) withArrow(p *pending, full bool, q string) error {
	schema, recs, err := p.records(t.a.mem, full)
	if err != nil {
		return err
	}
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	rr, err := array.NewRecordReader(schema, recs)
	if err != nil {
		return fmt.Errorf("record reader: %w", err)
	}
	defer rr.Release()
	release, err := t.registerArrow(rr)
	if err != nil {
		return fmt.Errorf("register arrow view: %w", err)
	}
	_, err = t.conn.ExecContext(t.ctx, q)
	release()
	if err != nil {
		return err
	}
	// The view would point at a released stream: drop it.
	if _, err := t.conn.ExecContext(t.ctx, "DROP VIEW IF EXISTS "+arrowView); err != nil {
		return fmt.Errorf("drop arrow view: %w", err)
	}
	return nil
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
