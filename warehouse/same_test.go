package warehouse_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/warehouse"
)

// render is one column rendered as text identically by PostgreSQL and
// DuckDB — exactly: epoch microseconds for timestamps, days for dates,
// (months, days, microseconds) for intervals, the decimal digits of exact
// numerics — and float says the text is a float to read back (both sides
// print the shortest round-tripping form, with different notation).
type render struct {
	name, pg, duck string
	float          int // 0, 32 or 64
}

// renderings lists every published column of table (live, not
// generated) from the PostgreSQL catalogue.
func renderings(t testing.TB, conn *pgx.Conn, table string) []render {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT a.attname, t.typname, t.typcategory, a.atttypmod
		FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
		WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
		ORDER BY a.attnum`, table)
	if err != nil {
		t.Fatal(err)
	}
	var out []render
	for rows.Next() {
		var name, typ, cat string
		var mod int32
		if err := rows.Scan(&name, &typ, &cat, &mod); err != nil {
			t.Fatal(err)
		}
		q := pgx.Identifier{name}.Sanitize()
		r := render{name: name, pg: q + "::text", duck: "CAST(" + q + " AS VARCHAR)"}
		switch {
		case typ == "float4":
			r.float = 32
		case typ == "float8" || (typ == "numeric" && mod < 0):
			r.float = 64 // unbounded numeric is mirrored as DOUBLE
		case typ == "date":
			r.pg = fmt.Sprintf("(%s - date '1970-01-01')::text", q)
			r.duck = fmt.Sprintf("CAST(datediff('day', DATE '1970-01-01', %s) AS VARCHAR)", q)
		case typ == "timestamp" || typ == "timestamptz":
			r.pg = fmt.Sprintf("(extract(epoch from %s) * 1000000)::bigint::text", q)
			r.duck = fmt.Sprintf("CAST(epoch_us(%s) AS VARCHAR)", q)
		case typ == "interval":
			r.pg = fmt.Sprintf(`(extract(year from %[1]s) * 12 + extract(month from %[1]s))::text || ':' || extract(day from %[1]s)::text
				|| ':' || ((extract(hour from %[1]s) * 3600 + extract(minute from %[1]s) * 60) * 1000000 + extract(microseconds from %[1]s))::bigint::text`, q)
			r.duck = fmt.Sprintf(`CAST(datepart('year', %[1]s) * 12 + datepart('month', %[1]s) AS VARCHAR) || ':' || CAST(datepart('day', %[1]s) AS VARCHAR)
				|| ':' || CAST((datepart('hour', %[1]s) * 3600 + datepart('minute', %[1]s) * 60) * 1000000 + datepart('microseconds', %[1]s) AS VARCHAR)`, q)
		case typ == "bytea":
			r.pg = fmt.Sprintf("encode(%s, 'hex')", q)
			r.duck = fmt.Sprintf("lower(hex(%s))", q)
		case cat == "A" && (typ == "_int4" || typ == "_int8" || typ == "_text" || typ == "_bool"):
			r.pg = fmt.Sprintf("to_json(%s)::text", q)
			r.duck = fmt.Sprintf("CAST(to_json(%s) AS VARCHAR)", q)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// canonical reads one side's rows (every field text or NULL) into sorted
// row strings.
func canonical(rs []render, next func(dest []any) (bool, error)) ([]string, error) {
	var out []string
	for {
		vals := make([]sql.NullString, len(rs))
		dest := make([]any, len(rs))
		for i := range vals {
			dest[i] = &vals[i]
		}
		ok, err := next(dest)
		if err != nil || !ok {
			slices.Sort(out)
			return out, err
		}
		fields := make([]string, len(rs))
		for i, v := range vals {
			switch {
			case !v.Valid:
				fields[i] = "NULL"
			case rs[i].float != 0:
				f, err := strconv.ParseFloat(v.String, rs[i].float)
				if err != nil {
					return nil, fmt.Errorf("column %s: %w", rs[i].name, err)
				}
				fields[i] = strconv.FormatFloat(f, 'g', -1, rs[i].float)
			default:
				fields[i] = v.String
			}
		}
		out = append(out, strings.Join(fields, "|"))
	}
}

// assertSame compares every row and every column of table in PostgreSQL
// and its mirror exactly, and reports the first differing rows.
func assertSame(t testing.TB, conn *pgx.Conn, db *warehouse.DB, table string) {
	t.Helper()
	if err := same(conn, db, table, renderings(t, conn, table)); err != nil {
		t.Error(err)
	}
}

func same(conn *pgx.Conn, db *warehouse.DB, table string, rs []render) error {
	ctx := context.Background()
	var pgCols, duckCols []string
	for _, r := range rs {
		pgCols, duckCols = append(pgCols, r.pg), append(duckCols, r.duck)
	}
	schema, name, _ := strings.Cut(table, ".")
	pgRows, err := conn.Query(ctx, fmt.Sprintf("SELECT %s FROM %s", strings.Join(pgCols, ", "), pgx.Identifier{schema, name}.Sanitize()),
		pgx.QueryResultFormats{pgx.TextFormatCode})
	if err != nil {
		return err
	}
	defer pgRows.Close()
	want, err := canonical(rs, func(dest []any) (bool, error) {
		if !pgRows.Next() {
			return false, pgRows.Err()
		}
		return true, pgRows.Scan(dest...)
	})
	if err != nil {
		return fmt.Errorf("%s in postgres: %w", table, err)
	}
	dRows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT %s FROM "%s"."%s"`, strings.Join(duckCols, ", "), schema, name))
	if err != nil {
		return fmt.Errorf("%s in duckdb: %w", table, err)
	}
	defer dRows.Close()
	got, err := canonical(rs, func(dest []any) (bool, error) {
		if !dRows.Next() {
			return false, dRows.Err()
		}
		return true, dRows.Scan(dest...)
	})
	if err != nil {
		return fmt.Errorf("%s in duckdb: %w", table, err)
	}
	if slices.Equal(want, got) {
		return nil
	}
	return fmt.Errorf("%s (%d columns): postgres %d rows, duckdb %d rows; only in postgres %v; only in duckdb %v",
		table, len(rs), len(want), len(got), firstMissing(want, got, 3), firstMissing(got, want, 3))
}

// firstMissing returns up to n rows of a (sorted) missing from b.
func firstMissing(a, b []string, n int) []string {
	var out []string
	for _, r := range a {
		if _, found := slices.BinarySearch(b, r); !found {
			out = append(out, r)
			if len(out) == n {
				break
			}
		}
	}
	return out
}
