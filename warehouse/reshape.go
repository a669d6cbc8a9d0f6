package warehouse

import (
	"fmt"
	"strings"
	"time"

	"github.com/carcarehub/cch/cdc"
)

// identified reports whether every column of m carries its attnum.
func identified(m *mirror) bool {
	for _, c := range m.Columns {
		if c.Attnum == 0 {
			return false
		}
	}
	return len(m.Columns) > 0
}

// sources maps each column of want to the column of have holding the same
// source attribute: by attnum when both shapes carry attnums, else (a file
// written before attnums were recorded, or a shape built here) by name —
// a column that changed name is then a new column, never a guessed rename.
func sources(have, want *mirror) map[int]mirrorCol {
	byAttnum := identified(have) && identified(want)
	out := map[int]mirrorCol{}
	for i, w := range want.Columns {
		for _, h := range have.Columns {
			if (byAttnum && h.Attnum == w.Attnum) || (!byAttnum && h.Name == w.Name) {
				out[i] = h
			}
		}
	}
	return out
}

// sameData reports whether have and want hold the same columns in the
// same order, differing only in recorded identity (an older file's
// mirror gaining its attnums): the data stays as it is.
func sameData(have, want *mirror) bool {
	if len(have.Columns) != len(want.Columns) || identified(have) {
		return false
	}
	for i, h := range have.Columns {
		w := want.Columns[i]
		if h.Name != w.Name || h.Type != w.Type || (h.OID != 0 && (h.OID != w.OID || h.Mod != w.Mod)) {
			return false
		}
	}
	return true
}

// sameValues reports whether a column whose source type went from h to w
// keeps its values as they are: same type (a varchar's length limit may
// change: PostgreSQL refuses values that do not fit, it never cuts them).
func sameValues(h, w mirrorCol) bool {
	if h.Type != w.Type {
		return false
	}
	if h.OID == 0 {
		return true // recorded before source types were: DuckDB type only
	}
	return h.OID == w.OID && (h.Mod == w.Mod || w.OID == cdc.OIDVarchar)
}

// alterStatements turns have into want by rebuilding the table (CREATE
// TABLE AS, DROP, RENAME): DuckDB refuses to commit an ALTER TABLE ADD or
// DROP COLUMN on a table the same transaction deleted rows from, and a
// batch may hold DML, DDL and DML on one table. Columns are matched by the
// source attribute they hold (see sources): a renamed column keeps its
// values, a dropped one goes, an added one — even under a dropped one's
// name — takes its missing value (cdc.Column.Missing: what PostgreSQL
// returns for rows older than an ADD COLUMN … DEFAULT, which pgoutput
// never sends) in every row the mirror holds, all of which predate it, or
// NULL. An added column PostgreSQL may have filled by rewriting the table
// (cdc.Column.Rewritten) and a column whose type changed return a cdc.CopyNeededError:
// PostgreSQL wrote their values (with a volatile default, its own cast or
// a USING expression) and sent none of them, so only a copy knows them.
func alterStatements(have, want *mirror, rel *cdc.Relation) ([]stmt, error) {
	src := sources(have, want)
	var exprs []string
	var args []any
	for i, c := range want.Columns {
		from, ok := src[i]
		switch {
		case !ok && i < len(rel.Columns) && rel.Columns[i].Rewritten:
			return nil, &cdc.CopyNeededError{Schema: want.Schema, Name: want.Name,
				Reason: fmt.Sprintf("added column %s may have been filled by a table rewrite", c.Name)}
		case !ok && i < len(rel.Columns) && rel.Columns[i].HasMissing:
			exprs = append(exprs, fmt.Sprintf("CAST(? AS %s) AS %s", c.Type, ident(c.Name)))
			args = append(args, bindValue(rel.Columns[i].Missing, c.Type))
		case !ok:
			exprs = append(exprs, fmt.Sprintf("CAST(NULL AS %s) AS %s", c.Type, ident(c.Name)))
		case from.Type == "VARCHAR" && isList(c.Type) && (from.OID == 0 || from.OID == c.OID):
			// an array mirrored as its text form by an older release
			exprs = append(exprs, fmt.Sprintf("CAST(%s AS %s) AS %s", fromArrayText(ident(from.Name), "VARCHAR[]"), c.Type, ident(c.Name)))
		case !sameValues(from, c):
			return nil, &cdc.CopyNeededError{Schema: want.Schema, Name: want.Name,
				Reason: fmt.Sprintf("column %s changed type (%s to %s)", c.Name, from.Type, c.Type)}
		default:
			exprs = append(exprs, fmt.Sprintf("%s AS %s", ident(from.Name), ident(c.Name)))
		}
	}
	tmp := ident(want.Name + "__cch_rebuild")
	return []stmt{
		{sql: fmt.Sprintf("CREATE TABLE %s.%s AS SELECT %s FROM %s", ident(want.Schema), tmp, strings.Join(exprs, ", "), want.table()), args: args},
		{sql: "DROP TABLE " + want.table()},
		{sql: fmt.Sprintf("ALTER TABLE %s.%s RENAME TO %s", ident(want.Schema), tmp, ident(want.Name))},
	}, nil
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
