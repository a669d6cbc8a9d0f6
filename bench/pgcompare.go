package bench

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/carcarehub/cch/warehouse/marts"
)

// answer is a query result with every value normalised so that DuckDB's and
// PostgreSQL's answers compare cell by cell: nil, bool, float64 (every
// number), string (text, and dates as YYYY-MM-DD) or time.Time (instants).
type answer struct {
	columns []string
	rows    [][]any
}

// duckAnswer normalises the table of a marts analytic.
func duckAnswer(t *marts.Table) (answer, error) {
	a := answer{columns: make([]string, len(t.Columns)), rows: make([][]any, len(t.Rows))}
	for i, c := range t.Columns {
		a.columns[i] = c.Name
	}
	for r, row := range t.Rows {
		out := make([]any, len(row))
		for i, v := range row {
			n, err := duckCell(v, t.Columns[i].Type)
			if err != nil {
				return answer{}, fmt.Errorf("row %d column %s: %w", r, t.Columns[i].Name, err)
			}
			out[i] = n
		}
		a.rows[r] = out
	}
	return a, nil
}

// duckCell normalises one value of marts.ReadTable (DATE already
// YYYY-MM-DD, timestamps RFC 3339, DECIMAL float64, HUGEINT int64 or text).
func duckCell(v any, typ string) (any, error) {
	switch v := v.(type) {
	case nil, bool, float64:
		return v, nil
	case float32:
		return float64(v), nil
	case int:
		return float64(v), nil
	case int8:
		return float64(v), nil
	case int16:
		return float64(v), nil
	case int32:
		return float64(v), nil
	case int64:
		return float64(v), nil
	case uint8:
		return float64(v), nil
	case uint16:
		return float64(v), nil
	case uint32:
		return float64(v), nil
	case uint64:
		return float64(v), nil
	case string:
		switch {
		case strings.Contains(typ, "TIMESTAMP"):
			return time.Parse(time.RFC3339Nano, v)
		case strings.Contains(typ, "INT") || strings.HasPrefix(typ, "DECIMAL"):
			return strconv.ParseFloat(v, 64)
		}
		return v, nil
	}
	return nil, fmt.Errorf("unexpected %T %v (%s)", v, v, typ)
}

// pgAnswer runs a question on PostgreSQL with $1 from, $2 to (dates) and
// $3 the organisation, and normalises its rows.
func pgAnswer(ctx context.Context, conn *pgx.Conn, query string, from, to time.Time, org int64) (answer, error) {
	rows, err := conn.Query(ctx, query, from.Format(time.DateOnly), to.Format(time.DateOnly), org)
	if err != nil {
		return answer{}, err
	}
	defer rows.Close()
	fields := rows.FieldDescriptions()
	a := answer{columns: make([]string, len(fields)), rows: [][]any{}}
	for i, f := range fields {
		a.columns[i] = f.Name
	}
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return answer{}, err
		}
		out := make([]any, len(vals))
		for i, v := range vals {
			if out[i], err = pgCell(v, fields[i].DataTypeOID); err != nil {
				return answer{}, fmt.Errorf("row %d column %s: %w", len(a.rows), fields[i].Name, err)
			}
		}
		a.rows = append(a.rows, out)
	}
	return a, rows.Err()
}

// pgCell normalises one value of pgx.Rows.Values.
func pgCell(v any, oid uint32) (any, error) {
	switch v := v.(type) {
	case nil, bool, string:
		return v, nil
	case []byte: // a type pgx does not know, e.g. an enum
		return string(v), nil
	case int16:
		return float64(v), nil
	case int32:
		return float64(v), nil
	case int64:
		return float64(v), nil
	case float32:
		return pgFloat(float64(v)), nil
	case float64:
		return pgFloat(v), nil
	case pgtype.Numeric:
		f, err := v.Float64Value()
		if err != nil || !f.Valid {
			return nil, err
		}
		return pgFloat(f.Float64), nil
	case time.Time:
		if oid == pgtype.DateOID {
			return v.Format(time.DateOnly), nil
		}
		return v, nil
	}
	return nil, fmt.Errorf("unexpected %T %v (oid %d)", v, v, oid)
}

// pgFloat maps NaN and infinities to NULL, as marts.JSONValue does.
func pgFloat(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return f
}

// relTolerance is how far two numbers may differ relative to the larger
// (DuckDB sums doubles where PostgreSQL sums numerics); absTolerance
// forgives rounding noise around zero.
const (
	relTolerance = 1e-6
	absTolerance = 1e-9
)

// sameCell reports whether two normalised values agree.
func sameCell(a, b any) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case float64:
		b, ok := b.(float64)
		if !ok {
			return false
		}
		d := math.Abs(a - b)
		return d <= absTolerance || d <= relTolerance*math.Max(math.Abs(a), math.Abs(b))
	case time.Time:
		b, ok := b.(time.Time)
		return ok && a.Equal(b)
	case bool:
		b, ok := b.(bool)
		return ok && a == b
	case string:
		b, ok := b.(string)
		return ok && a == b
	}
	return false
}

// compareCells orders normalised values: NULL, booleans, numbers,
// instants, text.
func compareCells(a, b any) int {
	rank := func(v any) int {
		switch v.(type) {
		case nil:
			return 0
		case bool:
			return 1
		case float64:
			return 2
		case time.Time:
			return 3
		}
		return 4
	}
	if c := cmp.Compare(rank(a), rank(b)); c != 0 {
		return c
	}
	switch a := a.(type) {
	case bool:
		switch b := b.(bool); {
		case a == b:
			return 0
		case a:
			return 1
		}
		return -1
	case float64:
		return cmp.Compare(a, b.(float64))
	case time.Time:
		return a.Compare(b.(time.Time))
	case string:
		return strings.Compare(a, b.(string))
	}
	return 0
}

func compareRows(a, b []any) int {
	for i := range min(len(a), len(b)) {
		if c := compareCells(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

// compareAnswers lists every difference between DuckDB's answer and
// PostgreSQL's: the column count, the row count (with the rows only one
// side has), or the cells that disagree, row by row. Rows are compared in
// the order given and, when that finds differences, again after sorting
// both sides by every column; the comparison with fewer differences wins
// (sorted reports that it was the sorted one: the orders differ).
func compareAnswers(duck, pg answer) (diffs []string, sorted bool) {
	if len(duck.columns) != len(pg.columns) {
		return []string{fmt.Sprintf("%d columns %v on DuckDB, %d columns %v on PostgreSQL",
			len(duck.columns), duck.columns, len(pg.columns), pg.columns)}, false
	}
	if len(duck.rows) != len(pg.rows) {
		diffs = append(diffs, fmt.Sprintf("%d rows on DuckDB, %d rows on PostgreSQL", len(duck.rows), len(pg.rows)))
		onlyDuck, onlyPG := unmatchedRows(duck.rows, pg.rows)
		for _, r := range onlyDuck {
			diffs = append(diffs, "only on DuckDB: "+formatRow(duck.columns, r))
		}
		for _, r := range onlyPG {
			diffs = append(diffs, "only on PostgreSQL: "+formatRow(duck.columns, r))
		}
		return diffs, false
	}
	if diffs = diffCells(duck.columns, duck.rows, pg.rows); len(diffs) == 0 {
		return nil, false
	}
	ds, ps := slices.Clone(duck.rows), slices.Clone(pg.rows)
	slices.SortStableFunc(ds, compareRows)
	slices.SortStableFunc(ps, compareRows)
	if sortedDiffs := diffCells(duck.columns, ds, ps); len(sortedDiffs) < len(diffs) {
		return sortedDiffs, true
	}
	return diffs, false
}

func diffCells(columns []string, duck, pg [][]any) []string {
	var diffs []string
	for r := range duck {
		for c := range duck[r] {
			if !sameCell(duck[r][c], pg[r][c]) {
				diffs = append(diffs, fmt.Sprintf("row %d, column %d (%s): DuckDB %s, PostgreSQL %s",
					r+1, c+1, columns[c], formatCell(duck[r][c]), formatCell(pg[r][c])))
			}
		}
	}
	return diffs
}

// unmatchedRows pairs equal rows of a and b and returns the rest of each.
func unmatchedRows(a, b [][]any) (onlyA, onlyB [][]any) {
	used := make([]bool, len(b))
	for _, ra := range a {
		i := slices.IndexFunc(b, func(rb []any) bool { return sameRow(ra, rb) })
		for i >= 0 && used[i] {
			j := slices.IndexFunc(b[i+1:], func(rb []any) bool { return sameRow(ra, rb) })
			if j < 0 {
				i = -1
				break
			}
			i += 1 + j
		}
		if i < 0 {
			onlyA = append(onlyA, ra)
			continue
		}
		used[i] = true
	}
	for i, rb := range b {
		if !used[i] {
			onlyB = append(onlyB, rb)
		}
	}
	return onlyA, onlyB
}

func sameRow(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameCell(a[i], b[i]) {
			return false
		}
	}
	return true
}

func formatRow(columns []string, row []any) string {
	parts := make([]string, len(row))
	for i, v := range row {
		name := strconv.Itoa(i + 1)
		if i < len(columns) {
			name = columns[i]
		}
		parts[i] = name + "=" + formatCell(v)
	}
	return strings.Join(parts, " ")
}

func formatCell(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	case string:
		return strconv.Quote(v)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}
