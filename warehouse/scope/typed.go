package scope

import (
	"context"
	"fmt"
	"strings"
)

// ColumnType is the DuckDB type a view gives a column the mirror keeps as
// PostgreSQL's text form: an enum becomes a DuckDB ENUM of the type's
// labels (in PostgreSQL's sort order), a range a STRUCT(lower, upper,
// bounds) of its subtype. Arrow clients see a dictionary and a struct.
type ColumnType struct {
	// Labels of an enum, in enumsortorder.
	Labels []string
	// RangeOf is the DuckDB type of a range's bounds ("" for an enum).
	RangeOf string
}

// rangeSubtypes maps a PostgreSQL range's subtype to its DuckDB type;
// ranges of other subtypes stay text.
var rangeSubtypes = map[string]string{
	"timestamp with time zone": "TIMESTAMPTZ", "timestamp without time zone": "TIMESTAMP",
	"date": "DATE", "integer": "INTEGER", "bigint": "BIGINT", "numeric": "DOUBLE",
}

// Expr is the DuckDB expression typing ref, the mirror column's text.
//
// A range reads {lower, upper, bounds}: bounds is PostgreSQL's pair of
// brackets ("[)", "[]", "(]", "()"), or "empty" for the empty range; an
// unbounded side is NULL. An enum label the view does not know yet (one
// added in PostgreSQL since the views were built) fails the query with a
// conversion error until the views are rebuilt, never reads as NULL.
func (c ColumnType) Expr(ref string) string {
	if c.RangeOf == "" {
		labels := make([]string, len(c.Labels))
		for i, l := range c.Labels {
			labels[i] = literal(l)
		}
		return fmt.Sprintf("CAST(%s AS ENUM(%s))", ref, strings.Join(labels, ", "))
	}
	inner := fmt.Sprintf("string_split(%s[2:-2], ',')", ref)
	bound := func(i int) string {
		return fmt.Sprintf("CASE WHEN %s = 'empty' THEN NULL ELSE CAST(nullif(trim(%s[%d], '\"'), '') AS %s) END",
			ref, inner, i, c.RangeOf)
	}
	return fmt.Sprintf("CASE WHEN %s IS NULL THEN NULL ELSE struct_pack(lower := %s, upper := %s, bounds := "+
		"CASE WHEN %s = 'empty' THEN 'empty' ELSE %s[1] || %s[-1] END) END", ref, bound(1), bound(2), ref, ref, ref)
}

// typedSQL lists the published columns of an enum or a range type (or a
// domain over one), with the enum's labels or the range's subtype.
const typedSQL = `
SELECT pt.schemaname::text, pt.tablename::text, a.attname::text,
       coalesce((SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), '{}'),
       coalesce((SELECT format_type(r.rngsubtype, NULL) FROM pg_range r WHERE r.rngtypid = t.oid), '')
FROM pg_publication_tables pt
JOIN pg_namespace n ON n.nspname = pt.schemaname
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = pt.tablename
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type d ON d.oid = a.atttypid
JOIN pg_type t ON t.oid = CASE WHEN d.typtype = 'd' THEN d.typbasetype ELSE d.oid END
WHERE pt.pubname = $1 AND t.typtype IN ('e', 'r')
ORDER BY 1, 2, 3`

// loadTypes reads the typed columns of the publication's tables, by
// "schema.table" and column.
func loadTypes(ctx context.Context, q Querier, pub string) (map[string]map[string]ColumnType, error) {
	rows, err := q.Query(ctx, typedSQL, pub)
	if err != nil {
		return nil, fmt.Errorf("enum and range columns: %w", err)
	}
	defer rows.Close()
	out := map[string]map[string]ColumnType{}
	for rows.Next() {
		var schema, table, col, subtype string
		var ct ColumnType
		if err := rows.Scan(&schema, &table, &col, &ct.Labels, &subtype); err != nil {
			return nil, err
		}
		if subtype != "" {
			if ct.RangeOf = rangeSubtypes[subtype]; ct.RangeOf == "" {
				continue // a range DuckDB has no bound type for: text
			}
			ct.Labels = nil
		} else if len(ct.Labels) == 0 {
			continue // an enum without labels holds nothing
		}
		key := strings.ToLower(schema + "." + table)
		if out[key] == nil {
			out[key] = map[string]ColumnType{}
		}
		out[key][col] = ct
	}
	return out, rows.Err()
}

// literal is a DuckDB string literal.
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
