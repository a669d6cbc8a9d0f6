package marts

import (
	"database/sql"
	"fmt"
	"math"
	"math/big"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// Column is a result column: its name and DuckDB type.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Table is a query result with JSON-ready values: numbers, strings,
// booleans, nil; DATE as "2006-01-02", timestamps as RFC 3339, DECIMAL as
// float64, UUID as text.
type Table struct {
	Columns   []Column `json:"columns"`
	Rows      [][]any  `json:"rows"`
	Truncated bool     `json:"truncated,omitempty"`
}

// ReadTable reads rows into a Table, stopping after limit rows (0: no
// limit) with Truncated set when more were available.
func ReadTable(rows *sql.Rows, limit int) (*Table, error) {
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, fmt.Errorf("column types: %w", err)
	}
	t := &Table{Columns: make([]Column, len(types)), Rows: [][]any{}}
	for i, ct := range types {
		t.Columns[i] = Column{Name: ct.Name(), Type: ct.DatabaseTypeName()}
	}
	for rows.Next() {
		if limit > 0 && len(t.Rows) == limit {
			t.Truncated = true
			break
		}
		vals := make([]any, len(types))
		ptrs := make([]any, len(types))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		for i, v := range vals {
			vals[i] = JSONValue(v, t.Columns[i].Type)
		}
		t.Rows = append(t.Rows, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return t, nil
}

// JSONValue converts a value scanned from DuckDB to one encoding/json
// writes faithfully. typ is the column's DuckDB type name.
func JSONValue(v any, typ string) any {
	switch v := v.(type) {
	case duckdb.Decimal:
		return v.Float64()
	case *big.Int: // HUGEINT, e.g. a sum of BIGINTs
		if v.IsInt64() {
			return v.Int64()
		}
		return v.String()
	case time.Time:
		if typ == "DATE" {
			return v.Format(time.DateOnly)
		}
		return v.Format(time.RFC3339Nano)
	case duckdb.UUID:
		return v.String()
	case []byte:
		return v
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return v
	case float32:
		return JSONValue(float64(v), typ)
	case duckdb.Interval:
		return fmt.Sprintf("%d months %d days %d microseconds", v.Months, v.Days, v.Micros)
	case []any:
		for i := range v {
			v[i] = JSONValue(v[i], "")
		}
		return v
	case map[string]any:
		for k := range v {
			v[k] = JSONValue(v[k], "")
		}
		return v
	}
	return v
}
