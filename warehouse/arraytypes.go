package warehouse

import "strings"

// PostgreSQL one-dimensional arrays of the scalar types DuckDB holds
// natively are mirrored as DuckDB lists (text[] → VARCHAR[], int4[] →
// INTEGER[], …), so they reach analysts as typed lists, not as
// PostgreSQL's text form. Arrays of other types (enums, ranges, …) stay
// VARCHAR holding the text form.

// arrayElems maps an array type's OID to its element's DuckDB type.
var arrayElems = map[uint32]string{
	1000: "BOOLEAN", 1005: "SMALLINT", 1007: "INTEGER", 1016: "BIGINT", 1021: "REAL", 1022: "DOUBLE",
	1009: "VARCHAR", 1015: "VARCHAR", 1014: "VARCHAR", 1003: "VARCHAR", // text, varchar, bpchar, name
	1182: "DATE", 1115: "TIMESTAMP", 1185: "TIMESTAMPTZ", 2951: "UUID",
}

// listType is the DuckDB list type of array type oid, or "".
func listType(oid uint32) string {
	if e, ok := arrayElems[oid]; ok {
		return e + "[]"
	}
	return ""
}

// isList reports whether duck is a list mirror type.
func isList(duck string) bool { return strings.HasSuffix(duck, "[]") }

// fromArrayText converts expr, an array in PostgreSQL's text form
// ('{a,"b c",NULL}'), to the list type duck. DuckDB's list cast reads
// PostgreSQL's element quoting (double quotes, backslash escapes, NULL)
// once the braces become brackets; a single quote, which PostgreSQL
// leaves bare but DuckDB would take as quoting, is escaped first. NULL
// stays NULL. (Multi-dimensional arrays, which the schema does not use,
// do not convert: TRY_CAST makes them NULL on a rebuild.)
func fromArrayText(expr, duck string) string {
	return "CAST('[' || replace((" + expr + ")[2:-2], '''', '\\''') || ']' AS " + duck + ")"
}
