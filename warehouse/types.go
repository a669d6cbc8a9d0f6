package warehouse

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/carcarehub/cch/cdc"
)

// DuckType maps a PostgreSQL column to its DuckDB mirror type:
//
//	bool → BOOLEAN; int2/int4/int8 → SMALLINT/INTEGER/BIGINT; oid → BIGINT;
//	float4/float8 → REAL/DOUBLE;
//	numeric(p,s) with p ≤ 38 and 0 ≤ s ≤ p → DECIMAL(p,s) (exact; a NaN or
//	±Infinity stored in such a column becomes NULL: DECIMAL has neither);
//	unbounded numeric, or p > 38 → DOUBLE (approximate; declare the
//	precision in the source schema where exactness matters);
//	text/varchar/bpchar/name/char → VARCHAR; json/jsonb → JSON;
//	bytea → BLOB; uuid → UUID; date → DATE; timestamp → TIMESTAMP;
//	timestamptz → TIMESTAMPTZ (microseconds); interval → INTERVAL;
//	time → TIME; timetz → TIMETZ;
//	everything else — enums, ranges (tstzrange, daterange, …), arrays,
//	inet, money, domains over those — → VARCHAR holding PostgreSQL's text
//	form (e.g. '{1,2}', '["2024-01-01 10:00:00+00","2024-01-01 11:00:00+00")').
//
// ±infinity dates and timestamps become NULL.
func DuckType(c cdc.Column) string {
	switch c.TypeOID {
	case cdc.OIDBool:
		return "BOOLEAN"
	case cdc.OIDInt2:
		return "SMALLINT"
	case cdc.OIDInt4:
		return "INTEGER"
	case cdc.OIDInt8, cdc.OIDOID:
		return "BIGINT"
	case cdc.OIDFloat4:
		return "REAL"
	case cdc.OIDFloat8:
		return "DOUBLE"
	case cdc.OIDNumeric:
		if p, s, ok := numericTypmod(c.TypeMod); ok && p <= 38 && s >= 0 && s <= p {
			return fmt.Sprintf("DECIMAL(%d,%d)", p, s)
		}
		return "DOUBLE"
	case cdc.OIDJSON, cdc.OIDJSONB:
		return "JSON"
	case cdc.OIDBytea:
		return "BLOB"
	case cdc.OIDUUID:
		return "UUID"
	case cdc.OIDDate:
		return "DATE"
	case cdc.OIDTimestamp:
		return "TIMESTAMP"
	case cdc.OIDTimestamptz:
		return "TIMESTAMPTZ"
	case cdc.OIDInterval:
		return "INTERVAL"
	case cdc.OIDTime:
		return "TIME"
	case cdc.OIDTimetz:
		return "TIMETZ"
	}
	return "VARCHAR"
}

// numericTypmod decodes numeric's atttypmod: ((p << 16) | (s & 0x7ff)) + 4,
// the scale being an 11-bit signed number since PostgreSQL 15.
func numericTypmod(mod int32) (p, s int, ok bool) {
	if mod < 4 {
		return 0, 0, false
	}
	m := mod - 4
	p = int(m>>16) & 0xffff
	s = int(m & 0x7ff)
	if s >= 0x400 {
		s -= 0x800
	}
	return p, s, true
}

// wireType is the staging column type for a mirror type: DuckDB's
// Appender takes these natively; every other type is staged as VARCHAR and
// cast exactly by DuckDB.
func wireType(duck string) string {
	switch duck {
	case "BOOLEAN", "SMALLINT", "INTEGER", "BIGINT", "REAL", "BLOB", "DATE", "TIMESTAMP", "TIMESTAMPTZ":
		return duck
	}
	if duck == "DOUBLE" {
		return "VARCHAR" // unbounded numeric arrives as text, float8 as float64
	}
	return "VARCHAR"
}

// castExpr converts a staged column expression to the mirror type.
func castExpr(expr, duck string) string {
	switch {
	case wireType(duck) == duck:
		return expr
	case strings.HasPrefix(duck, "DECIMAL"):
		return "TRY_CAST(" + expr + " AS " + duck + ")"
	}
	return "CAST(" + expr + " AS " + duck + ")"
}

// wireValue converts a decoded value to what the Appender takes for the
// staging column of type duck.
func wireValue(v any, duck string) any {
	switch v := v.(type) {
	case nil, cdc.Unchanged:
		return nil
	case cdc.Infinity:
		return nil
	case time.Time:
		return v
	case cdc.Numeric:
		return string(v)
	case cdc.JSON:
		return string(v)
	case cdc.UUID:
		return v.String()
	case cdc.Interval:
		return fmt.Sprintf("%d months %d days %d microseconds", v.Months, v.Days, v.Microseconds)
	case float64:
		if wireType(duck) == "VARCHAR" {
			return formatFloat(v)
		}
	case float32:
		if wireType(duck) == "VARCHAR" {
			return formatFloat(float64(v))
		}
	}
	return v
}

func formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return fmt.Sprintf("%v", f)
}

// ident quotes a SQL identifier for DuckDB.
func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
