package warehouse

import (
	"database/sql/driver"
	"fmt"
	"strings"
	"time"

	"github.com/carcarehub/cch/cdc"
	"github.com/duckdb/duckdb-go/v2"
)

// stageAppender stages p's entries row by row with DuckDB's Appender
// (StageAppender): the same staging table as the Arrow path.
func (t *applyTx) stageAppender(p *pending) error {
	var cols []string
	for i, c := range p.m.Columns {
		cols = append(cols, fmt.Sprintf("c%d %s", i, appenderType(c.Type)))
	}
	for j, k := range p.keys {
		w := appenderType(p.m.Columns[k].Type)
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
			if err := app.AppendRow(p.appenderRow(e)...); err != nil {
				app.Close()
				return err
			}
		}
		return app.Close()
	})
}

// appenderType is the staging column type the Appender fills: the Arrow
// staging type's DuckDB equivalent.
func appenderType(duck string) string {
	switch duck {
	case "BOOLEAN", "SMALLINT", "INTEGER", "BIGINT", "REAL", "DOUBLE", "BLOB", "DATE", "TIMESTAMP", "TIMESTAMPTZ":
		return duck
	}
	if strings.HasPrefix(duck, "DECIMAL") {
		return duck
	}
	return "VARCHAR"
}

func (p *pending) appenderRow(e *entry) []driver.Value {
	n := len(p.m.Columns)
	vals := make([]driver.Value, 0, n+2*len(p.keys)+2)
	for i, c := range p.m.Columns {
		var v any
		if i < len(e.row) {
			v = e.row[i]
		}
		vals = append(vals, appenderValue(v, c.Type))
	}
	for j, k := range p.keys {
		typ := p.m.Columns[k].Type
		var mv any
		if j < len(e.match) {
			mv = e.match[j]
		}
		vals = append(vals, appenderValue(e.key[j], typ), appenderValue(mv, typ))
	}
	return append(vals, e.op, unchangedMask(e.row, n))
}

func appenderValue(v any, duck string) any {
	switch v := v.(type) {
	case nil, cdc.Unchanged, cdc.Infinity:
		return nil
	case time.Time, bool, int16, int32, int64, float32, []byte:
		return v
	case float64:
		return v
	case cdc.Numeric:
		if duck == "DOUBLE" {
			f, _ := floatValue(v)
			return f
		}
		pp, s, _ := decimalTypmod(duck)
		n, fits := parseDecimal(string(v), pp, s)
		if !fits {
			return nil
		}
		return duckdb.Decimal{Width: uint8(pp), Scale: uint8(s), Value: n.BigInt()}
	}
	s, _ := stringValue(v)
	return s
}
