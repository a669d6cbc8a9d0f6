package warehouse

import (
	"fmt"
	"strings"

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
//	arrays of bool, integers, floats, text, date, timestamps, uuid → lists
//	of those (text[] → VARCHAR[]; see arraytypes.go);
//	everything else — enums, ranges (tstzrange, daterange, …), other
//	arrays, inet, money, domains over those — → VARCHAR holding
//	PostgreSQL's text form (e.g. '["2024-01-01 10:00:00+00","2024-01-01 11:00:00+00")').
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
	if l := listType(c.TypeOID); l != "" {
		return l
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

// ident quotes a SQL identifier for DuckDB.
func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
