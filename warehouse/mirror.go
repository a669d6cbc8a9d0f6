package warehouse

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/carcarehub/cch/cdc"
)

// applyTx is the state of one Apply: the DuckDB connection inside its
// transaction and the changes collapsed per table but not yet written.
type applyTx struct {
	ctx     context.Context
	conn    *sql.Conn
	a       *Applier
	pending map[string]*pending
	// dedupe: tables ("schema.name") whose changes apply by key in this
	// batch (see loadCopies).
	dedupe map[string]bool
}

func (t *applyTx) run(b *cdc.Batch) error {
	if err := t.startCopy(b); err != nil {
		return err
	}
	for _, rel := range b.Relations {
		if _, err := t.table(rel); err != nil {
			return err
		}
	}
	for i := range b.Changes {
		c := &b.Changes[i]
		p, err := t.table(c.Rel)
		if err != nil {
			return err
		}
		if c.Op == cdc.OpTruncate {
			// Changes before a TRUNCATE are moot; the ones after start fresh.
			p.reset()
			if _, err := t.conn.ExecContext(t.ctx, "DELETE FROM "+p.m.table()); err != nil {
				return fmt.Errorf("truncate %s: %w", p.m.table(), err)
			}
			continue
		}
		p.add(c)
	}
	for _, p := range t.pending {
		if err := t.flush(p); err != nil {
			return err
		}
	}
	return nil
}

// table returns the pending state of rel's mirror, creating or altering
// the mirror first when rel's shape differs from it. Pending changes of the
// table are written before its shape changes.
func (t *applyTx) table(rel *cdc.Relation) (*pending, error) {
	key := rel.Schema + "." + rel.Name
	p := t.pending[key]
	if p != nil && p.rel == rel {
		return p, nil
	}
	want := shapeOf(rel)
	m := t.a.mirrors[key]
	if p != nil && (!slices.Equal(m.Columns, want.Columns) || !slices.Equal(p.rel.KeyColumns(), rel.KeyColumns())) {
		if err := t.flush(p); err != nil {
			return nil, err
		}
	}
	if err := t.reshape(m, want, rel); err != nil {
		return nil, err
	}
	t.a.mirrors[key] = want
	if p == nil {
		p = &pending{}
		t.pending[key] = p
	}
	p.m, p.rel, p.keys = want, rel, rel.KeyColumns()
	p.dedupe = t.dedupe[key]
	return p, nil
}

func shapeOf(rel *cdc.Relation) *mirror {
	m := &mirror{Schema: rel.Schema, Name: rel.Name}
	for _, c := range rel.Columns {
		m.Columns = append(m.Columns, mirrorCol{Name: c.Name, Type: DuckType(c)})
	}
	return m
}

// stmt is a SQL statement with its bind arguments.
type stmt struct {
	sql  string
	args []any
}

// reshape creates the mirror when have is nil, or alters it to rel's
// shape want (in this transaction: the data of the batch and the DDL
// commit or roll back together).
func (t *applyTx) reshape(have, want *mirror, rel *cdc.Relation) error {
	var stmts []stmt
	if have == nil {
		var cols []string
		for _, c := range want.Columns {
			cols = append(cols, ident(c.Name)+" "+c.Type)
		}
		stmts = append(stmts, stmt{sql: "CREATE SCHEMA IF NOT EXISTS " + ident(want.Schema)},
			stmt{sql: "DROP TABLE IF EXISTS " + want.table()},
			stmt{sql: fmt.Sprintf("CREATE TABLE %s (%s)", want.table(), strings.Join(cols, ", "))})
	} else if !slices.Equal(have.Columns, want.Columns) {
		stmts = alterStatements(have, want, rel)
	} else {
		return nil
	}
	for _, s := range stmts {
		if _, err := t.conn.ExecContext(t.ctx, s.sql, s.args...); err != nil {
			return fmt.Errorf("mirror %s: %s: %w", want.table(), s.sql, err)
		}
	}
	cols, _ := json.Marshal(want.Columns)
	_, err := t.conn.ExecContext(t.ctx, `DELETE FROM _cch.mirrors WHERE schema_name = ? AND table_name = ?;`,
		want.Schema, want.Name)
	if err == nil {
		_, err = t.conn.ExecContext(t.ctx, `INSERT INTO _cch.mirrors VALUES (?, ?, ?)`, want.Schema, want.Name, string(cols))
	}
	if err != nil {
		return fmt.Errorf("record mirror %s: %w", want.table(), err)
	}
	return nil
}

// alterStatements turns have into want by rebuilding the table (CREATE
// TABLE AS, DROP, RENAME): DuckDB refuses to commit an ALTER TABLE ADD or
// DROP COLUMN on a table the same transaction deleted rows from, and a
// batch may hold DML, DDL and DML on one table. Relation messages carry no
// column numbers, so a rename is recognised when exactly one column
// disappeared and exactly one appeared; other columns match by name, and
// a changed type is converted with TRY_CAST. A new column takes its
// missing value (cdc.Column.Missing: what PostgreSQL returns for rows
// older than an ADD COLUMN … DEFAULT, which pgoutput never sends) in
// every row the mirror holds — all of them predate the column, since the
// table's pending changes were written before its shape changed — or
// NULL.
func alterStatements(have, want *mirror, rel *cdc.Relation) []stmt {
	haveType := map[string]string{}
	for _, c := range have.Columns {
		haveType[c.Name] = c.Type
	}
	wantType := map[string]string{}
	for _, c := range want.Columns {
		wantType[c.Name] = c.Type
	}
	var dropped, added []mirrorCol
	for _, c := range have.Columns {
		if _, ok := wantType[c.Name]; !ok {
			dropped = append(dropped, c)
		}
	}
	for _, c := range want.Columns {
		if _, ok := haveType[c.Name]; !ok {
			added = append(added, c)
		}
	}
	source := map[string]mirrorCol{} // want column → have column
	for _, c := range have.Columns {
		source[c.Name] = c
	}
	if len(dropped) == 1 && len(added) == 1 {
		source[added[0].Name] = dropped[0]
	}
	var exprs []string
	var args []any
	for i, c := range want.Columns {
		from, ok := source[c.Name]
		switch {
		case !ok && i < len(rel.Columns) && rel.Columns[i].HasMissing:
			exprs = append(exprs, fmt.Sprintf("TRY_CAST(? AS %s) AS %s", c.Type, ident(c.Name)))
			args = append(args, bindValue(rel.Columns[i].Missing, c.Type))
		case !ok:
			exprs = append(exprs, fmt.Sprintf("CAST(NULL AS %s) AS %s", c.Type, ident(c.Name)))
		case from.Type == "VARCHAR" && isList(c.Type): // an array mirrored as text before lists
			exprs = append(exprs, fmt.Sprintf("TRY_CAST(%s AS %s) AS %s", fromArrayText(ident(from.Name), "VARCHAR[]"), c.Type, ident(c.Name)))
		case from.Type != c.Type:
			exprs = append(exprs, fmt.Sprintf("TRY_CAST(%s AS %s) AS %s", ident(from.Name), c.Type, ident(c.Name)))
		default:
			exprs = append(exprs, fmt.Sprintf("%s AS %s", ident(from.Name), ident(c.Name)))
		}
	}
	tmp := ident(want.Name + "__cch_rebuild")
	return []stmt{
		{sql: fmt.Sprintf("CREATE TABLE %s.%s AS SELECT %s FROM %s", ident(want.Schema), tmp, strings.Join(exprs, ", "), want.table()), args: args},
		{sql: "DROP TABLE " + want.table()},
		{sql: fmt.Sprintf("ALTER TABLE %s.%s RENAME TO %s", ident(want.Schema), tmp, ident(want.Name))},
	}
}

// bindValue converts a decoded value to a bind argument that DuckDB
// casts to the mirror type duck.
func bindValue(v any, duck string) any {
	switch v := v.(type) {
	case nil, cdc.Unchanged, cdc.Infinity:
		return nil
	case bool, int16, int32, int64, float32, float64, []byte:
		return v
	case time.Time: // as text: a bound TIMESTAMP would meet DuckDB's TimeZone
		switch duck {
		case "DATE":
			return v.Format("2006-01-02")
		case "TIMESTAMPTZ":
			return v.Format("2006-01-02 15:04:05.999999-07:00")
		}
		return v.Format("2006-01-02 15:04:05.999999")
	}
	if duck == "DOUBLE" {
		if f, ok := floatValue(v); ok {
			return f
		}
	}
	s, _ := stringValue(v)
	return s
}
