package warehouse

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/carcarehub/cch/cdc"
)

// recordRows bounds the rows of one Arrow record batch, so DuckDB's scan
// can pipeline and no single buffer grows with the batch.
const recordRows = 64 * 1024

// arrowType is the Arrow type a mirror column of DuckDB type duck is
// staged as. DuckDB reads these natively (DECIMAL from decimal128,
// TIMESTAMPTZ from a timestamp with a time zone). Types DuckDB has no
// lossless Arrow equivalent for — UUID, JSON, INTERVAL, TIME, TIMETZ, and
// the VARCHAR-mirrored enums, ranges and arrays — are staged as strings
// and converted by castExpr.
func arrowType(duck string) arrow.DataType {
	switch duck {
	case "BOOLEAN":
		return arrow.FixedWidthTypes.Boolean
	case "SMALLINT":
		return arrow.PrimitiveTypes.Int16
	case "INTEGER":
		return arrow.PrimitiveTypes.Int32
	case "BIGINT":
		return arrow.PrimitiveTypes.Int64
	case "REAL":
		return arrow.PrimitiveTypes.Float32
	case "DOUBLE":
		return arrow.PrimitiveTypes.Float64
	case "BLOB":
		return arrow.BinaryTypes.Binary
	case "DATE":
		return arrow.FixedWidthTypes.Date32
	case "TIMESTAMP":
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	case "TIMESTAMPTZ":
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	}
	if p, s, ok := decimalTypmod(duck); ok {
		return &arrow.Decimal128Type{Precision: p, Scale: s}
	}
	return arrow.BinaryTypes.String
}

// decimalTypmod parses "DECIMAL(p,s)".
func decimalTypmod(duck string) (p, s int32, ok bool) {
	in, found := strings.CutPrefix(duck, "DECIMAL(")
	if !found {
		return 0, 0, false
	}
	ps, s2, _ := strings.Cut(strings.TrimSuffix(in, ")"), ",")
	pi, err1 := strconv.Atoi(ps)
	si, err2 := strconv.Atoi(s2)
	return int32(pi), int32(si), err1 == nil && err2 == nil
}

// castExpr converts a staged column expression to the mirror type.
func castExpr(expr, duck string) string {
	if isList(duck) {
		return fromArrayText(expr, duck)
	}
	if arrowType(duck) == arrow.BinaryTypes.String && duck != "VARCHAR" {
		return "CAST(" + expr + " AS " + duck + ")"
	}
	return expr
}

// stageSchema is the Arrow schema of p's staged entries: columns c0…cN
// (the row), and with full also k0…kK (key), m0…mK (match key), _op and
// _u (one '0'/'1' per column: unchanged TOAST).
func stageSchema(p *pending, full bool) *arrow.Schema {
	var fs []arrow.Field
	for i, c := range p.m.Columns {
		fs = append(fs, arrow.Field{Name: fmt.Sprintf("c%d", i), Type: arrowType(c.Type), Nullable: true})
	}
	if full {
		for j, k := range p.keys {
			t := arrowType(p.m.Columns[k].Type)
			fs = append(fs, arrow.Field{Name: fmt.Sprintf("k%d", j), Type: t, Nullable: true},
				arrow.Field{Name: fmt.Sprintf("m%d", j), Type: t, Nullable: true})
		}
		fs = append(fs, arrow.Field{Name: "_op", Type: arrow.PrimitiveTypes.Uint8},
			arrow.Field{Name: "_u", Type: arrow.BinaryTypes.String})
	}
	return arrow.NewSchema(fs, nil)
}

// records builds p's entries as Arrow record batches of at most
// recordRows rows. The caller owns the records and must Release each.
func (p *pending) records(mem memory.Allocator, full bool) (*arrow.Schema, []arrow.RecordBatch, error) {
	schema := stageSchema(p, full)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	var recs []arrow.RecordBatch
	release := func() {
		for _, r := range recs {
			r.Release()
		}
	}
	for start := 0; start < len(p.order); start += recordRows {
		chunk := p.order[start:min(start+recordRows, len(p.order))]
		if err := p.build(b, chunk, full); err != nil {
			release()
			return nil, nil, err
		}
		recs = append(recs, b.NewRecordBatch())
	}
	return schema, recs, nil
}

// build appends entries to b column by column.
func (p *pending) build(b *array.RecordBuilder, entries []*entry, full bool) error {
	for i, c := range p.m.Columns {
		f := b.Field(i)
		for _, e := range entries {
			var v any
			if i < len(e.row) {
				v = e.row[i]
			}
			if err := appendValue(f, v); err != nil {
				return fmt.Errorf("column %s: %w", c.Name, err)
			}
		}
	}
	if !full {
		return nil
	}
	n := len(p.m.Columns)
	for j, k := range p.keys {
		kf, mf := b.Field(n+2*j), b.Field(n+2*j+1)
		for _, e := range entries {
			var mv any
			if j < len(e.match) {
				mv = e.match[j]
			}
			if err := errors.Join(appendValue(kf, e.key[j]), appendValue(mf, mv)); err != nil {
				return fmt.Errorf("key column %s: %w", p.m.Columns[k].Name, err)
			}
		}
	}
	ops := b.Field(n + 2*len(p.keys)).(*array.Uint8Builder)
	us := b.Field(n + 2*len(p.keys) + 1).(*array.StringBuilder)
	for _, e := range entries {
		ops.Append(e.op)
		us.Append(unchangedMask(e.row, n))
	}
	return nil
}

func unchangedMask(row []any, n int) string {
	u := make([]byte, n)
	for i := range u {
		u[i] = '0'
		if i < len(row) {
			if _, ok := row[i].(cdc.Unchanged); ok {
				u[i] = '1'
			}
		}
	}
	return string(u)
}

// appendValue appends a decoded value (see cdc.DecodeText) to a builder
// of the column's staging type. nil, Unchanged and ±Infinity become NULL.
func appendValue(b array.Builder, v any) error {
	switch v.(type) {
	case nil, cdc.Unchanged, cdc.Infinity:
		b.AppendNull()
		return nil
	}
	var ok bool
	switch b := b.(type) {
	case *array.StringBuilder:
		var s string
		if s, ok = stringValue(v); ok {
			b.Append(s)
		}
	case *array.Int64Builder:
		var n int64
		if n, ok = intValue(v); ok {
			b.Append(n)
		}
	case *array.Int32Builder:
		var n int64
		if n, ok = intValue(v); ok && n == int64(int32(n)) {
			b.Append(int32(n))
		}
	case *array.Int16Builder:
		var n int64
		if n, ok = intValue(v); ok && n == int64(int16(n)) {
			b.Append(int16(n))
		}
	default:
		return appendOther(b, v)
	}
	if !ok {
		return fmt.Errorf("cannot stage %T as %s", v, b.Type())
	}
	return nil
}

func appendOther(b array.Builder, v any) error {
	ok := true
	switch b := b.(type) {
	case *array.Decimal128Builder:
		t := b.Type().(*arrow.Decimal128Type)
		if n, isNum := v.(cdc.Numeric); isNum {
			if d, fits := parseDecimal(string(n), t.Precision, t.Scale); fits {
				b.Append(d)
			} else {
				b.AppendNull() // NaN, ±Infinity or out of range: NULL, as documented
			}
		} else {
			ok = false
		}
	case *array.Float64Builder:
		var f float64
		if f, ok = floatValue(v); ok {
			b.Append(f)
		}
	case *array.Float32Builder:
		var f32 float32
		if f32, ok = v.(float32); ok {
			b.Append(f32)
		}
	case *array.BooleanBuilder:
		var t bool
		if t, ok = v.(bool); ok {
			b.Append(t)
		}
	case *array.BinaryBuilder:
		var p []byte
		if p, ok = v.([]byte); ok {
			b.Append(p)
		}
	case *array.TimestampBuilder:
		var t time.Time
		if t, ok = v.(time.Time); ok {
			b.Append(arrow.Timestamp(t.UnixMicro()))
		}
	case *array.Date32Builder:
		var t time.Time
		if t, ok = v.(time.Time); ok {
			b.Append(arrow.Date32(floorDiv(t.Unix(), 86400)))
		}
	default:
		ok = false
	}
	if !ok {
		return fmt.Errorf("cannot stage %T as %s", v, b.Type())
	}
	return nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func stringValue(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case cdc.JSON:
		return string(v), true
	case cdc.Numeric:
		return string(v), true
	case cdc.UUID:
		return v.String(), true
	case cdc.Interval:
		return fmt.Sprintf("%d months %d days %d microseconds", v.Months, v.Days, v.Microseconds), true
	}
	return "", false
}

func intValue(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case int32:
		return int64(v), true
	case int16:
		return int64(v), true
	}
	return 0, false
}

// floatValue converts float8 values and unbounded numerics (DOUBLE
// mirrors): strconv rounds correctly, as DuckDB's own cast does.
func floatValue(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case float32:
		return float64(v), true
	case cdc.Numeric:
		switch v {
		case "NaN":
			return math.NaN(), true
		case "Infinity":
			return math.Inf(1), true
		case "-Infinity":
			return math.Inf(-1), true
		}
		f, err := strconv.ParseFloat(string(v), 64)
		return f, err == nil
	}
	return 0, false
}
