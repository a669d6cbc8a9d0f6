package warehouse

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

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
	if m != nil && rel.Ambiguous {
		return nil, &cdc.CopyNeededError{Schema: rel.Schema, Name: rel.Name,
			Reason: "the catalogue cannot tell which attribute each announced column is"}
	}
	if m != nil && m.RelID != 0 && rel.ID != 0 && m.RelID != rel.ID {
		return nil, &cdc.CopyNeededError{Schema: rel.Schema, Name: rel.Name,
			Reason: "the table was dropped and created again"}
	}
	if m != nil && m.Filenode != 0 && rel.Filenode != 0 && m.Filenode != rel.Filenode {
		return nil, &cdc.CopyNeededError{Schema: rel.Schema, Name: rel.Name,
			Reason: "PostgreSQL rewrote the table (its rows were not sent)"}
	}
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
	m := &mirror{Schema: rel.Schema, Name: rel.Name, RelID: rel.ID, Filenode: rel.Filenode}
	for _, c := range rel.Columns {
		m.Columns = append(m.Columns, mirrorCol{Name: c.Name, Type: DuckType(c), Attnum: c.Attnum, OID: c.TypeOID, Mod: c.TypeMod})
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
	} else if slices.Equal(have.Columns, want.Columns) && have.RelID == want.RelID && have.Filenode == want.Filenode {
		return nil
	} else if !sameData(have, want) {
		var err error
		if stmts, err = alterStatements(have, want, rel); err != nil {
			return err
		}
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
		_, err = t.conn.ExecContext(t.ctx, `INSERT INTO _cch.mirrors (schema_name, table_name, columns, relid, filenode) VALUES (?, ?, ?, ?, ?)`,
			want.Schema, want.Name, string(cols), uint64(want.RelID), uint64(want.Filenode))
	}
	if err != nil {
		return fmt.Errorf("record mirror %s: %w", want.table(), err)
	}
	return nil
}
