package flight

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
)

// Column metadata for drivers: the Flight SQL keys (ARROW:FLIGHT:SQL:*,
// which JDBC's ResultSetMetaData and ADBC read) on every answer's fields,
// and in GetTables' schemas also the XDBC_* keys ADBC's GetObjects turns
// into its xdbc_* columns.

// withColumnMetadata adds each field's SQL type name (and precision and
// scale for decimals) to schema.
func withColumnMetadata(schema *arrow.Schema) *arrow.Schema {
	if schema == nil {
		return nil
	}
	fields := schema.Fields()
	for i, f := range fields {
		b := flightsql.NewColumnMetadataBuilder().TypeName(sqlTypeName(f.Type)).IsReadOnly(true)
		if d, ok := f.Type.(arrow.DecimalType); ok {
			b.Precision(d.GetPrecision()).Scale(d.GetScale())
		}
		fields[i].Metadata = merge(f.Metadata, *b.Build().Data)
	}
	md := schema.Metadata()
	return arrow.NewSchema(fields, &md)
}

func merge(a, b arrow.Metadata) arrow.Metadata {
	keys, vals := append(a.Keys(), b.Keys()...), append(a.Values(), b.Values()...)
	return arrow.NewMetadata(keys, vals)
}

// sqlTypeName names t as DuckDB does.
func sqlTypeName(t arrow.DataType) string {
	switch t := t.(type) {
	case arrow.DecimalType:
		return fmt.Sprintf("DECIMAL(%d,%d)", t.GetPrecision(), t.GetScale())
	case *arrow.TimestampType:
		if t.TimeZone != "" {
			return "TIMESTAMP WITH TIME ZONE"
		}
		return "TIMESTAMP"
	case *arrow.ListType:
		return sqlTypeName(t.Elem()) + "[]"
	case *arrow.LargeListType:
		return sqlTypeName(t.Elem()) + "[]"
	case *arrow.FixedSizeListType:
		return fmt.Sprintf("%s[%d]", sqlTypeName(t.Elem()), t.Len())
	case *arrow.StructType:
		parts := make([]string, t.NumFields())
		for i, f := range t.Fields() {
			parts[i] = strconv.Quote(f.Name) + " " + sqlTypeName(f.Type)
		}
		return "STRUCT(" + strings.Join(parts, ", ") + ")"
	case *arrow.DictionaryType:
		return "ENUM"
	case *arrow.MapType:
		return "MAP(" + sqlTypeName(t.KeyType()) + ", " + sqlTypeName(t.ItemType()) + ")"
	}
	if n, ok := typeNames[t.ID()]; ok {
		return n
	}
	return strings.ToUpper(t.Name())
}

var typeNames = map[arrow.Type]string{
	arrow.BOOL: "BOOLEAN", arrow.INT8: "TINYINT", arrow.INT16: "SMALLINT", arrow.INT32: "INTEGER", arrow.INT64: "BIGINT",
	arrow.UINT8: "UTINYINT", arrow.UINT16: "USMALLINT", arrow.UINT32: "UINTEGER", arrow.UINT64: "UBIGINT",
	arrow.FLOAT32: "FLOAT", arrow.FLOAT64: "DOUBLE", arrow.STRING: "VARCHAR", arrow.LARGE_STRING: "VARCHAR",
	arrow.STRING_VIEW: "VARCHAR", arrow.BINARY: "BLOB", arrow.LARGE_BINARY: "BLOB", arrow.BINARY_VIEW: "BLOB",
	arrow.DATE32: "DATE", arrow.DATE64: "DATE", arrow.TIME32: "TIME", arrow.TIME64: "TIME",
	arrow.INTERVAL_MONTH_DAY_NANO: "INTERVAL", arrow.DURATION: "INTERVAL", arrow.NULL: "NULL",
	arrow.FIXED_SIZE_BINARY: "BLOB",
}

// JDBC type codes (java.sql.Types), the xdbc_data_type values.
const (
	xdbcBit, xdbcTinyInt, xdbcSmallInt, xdbcInteger, xdbcBigInt = -7, -6, 5, 4, -5
	xdbcReal, xdbcDouble, xdbcDecimal, xdbcVarchar, xdbcBinary  = 7, 8, 3, 12, -3
	xdbcDate, xdbcTime, xdbcTimestamp, xdbcTimestampTZ          = 91, 92, 93, 2014
	xdbcArray, xdbcStruct, xdbcOther, xdbcBoolean               = 2003, 2002, 1111, 16
)

// xdbcType is the JDBC type code of t.
func xdbcType(t arrow.DataType) int {
	switch t.ID() {
	case arrow.BOOL:
		return xdbcBoolean
	case arrow.INT8, arrow.UINT8:
		return xdbcTinyInt
	case arrow.INT16, arrow.UINT16:
		return xdbcSmallInt
	case arrow.INT32, arrow.UINT32:
		return xdbcInteger
	case arrow.INT64, arrow.UINT64:
		return xdbcBigInt
	case arrow.FLOAT32:
		return xdbcReal
	case arrow.FLOAT64:
		return xdbcDouble
	case arrow.DECIMAL128, arrow.DECIMAL256:
		return xdbcDecimal
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW, arrow.DICTIONARY:
		return xdbcVarchar
	case arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW, arrow.FIXED_SIZE_BINARY:
		return xdbcBinary
	case arrow.DATE32, arrow.DATE64:
		return xdbcDate
	case arrow.TIME32, arrow.TIME64:
		return xdbcTime
	case arrow.TIMESTAMP:
		if t.(*arrow.TimestampType).TimeZone != "" {
			return xdbcTimestampTZ
		}
		return xdbcTimestamp
	case arrow.LIST, arrow.LARGE_LIST, arrow.FIXED_SIZE_LIST:
		return xdbcArray
	case arrow.STRUCT:
		return xdbcStruct
	}
	return xdbcOther
}

// catalogColumn is one row of information_schema.columns.
type catalogColumn struct {
	catalog, schema, table, name        string
	position, dataType, nullable        string
	precision, radix, scale, charLength string // "" when NULL
	def, comment                        string // "" when NULL
}

// xdbcField describes f (a column of col's table) for drivers: Flight SQL
// column metadata and the XDBC_* keys.
func xdbcField(f arrow.Field, col catalogColumn) arrow.Field {
	code := xdbcType(f.Type)
	b := flightsql.NewColumnMetadataBuilder().TypeName(col.dataType).
		CatalogName(col.catalog).SchemaName(col.schema).TableName(col.table).
		IsAutoIncrement(false).IsReadOnly(true).IsSearchable(true).
		IsCaseSensitive(code == xdbcVarchar)
	md := *b.Build().Data
	nullable, isNullable := "0", "NO"
	if col.nullable == "YES" {
		nullable, isNullable = "1", "YES"
	}
	sqlType, sub := strconv.Itoa(code), ""
	switch code { // ODBC: datetime types are SQL_DATETIME (9) with a subcode
	case xdbcDate:
		sqlType, sub = "9", "1"
	case xdbcTime:
		sqlType, sub = "9", "2"
	case xdbcTimestamp, xdbcTimestampTZ:
		sqlType, sub = "9", "3"
	}
	kv := [][2]string{
		{"XDBC_TYPE_NAME", col.dataType}, {"XDBC_DATA_TYPE", strconv.Itoa(code)}, {"XDBC_SQL_DATA_TYPE", sqlType},
		{"XDBC_NULLABLE", nullable}, {"XDBC_IS_NULLABLE", isNullable}, {"ORDINAL_POSITION", col.position},
		{"XDBC_COLUMN_SIZE", columnSize(code, col)}, {"XDBC_DECIMAL_DIGITS", col.scale}, {"XDBC_NUM_PREC_RADIX", col.radix},
		{"XDBC_DATETIME_SUB", sub}, {"XDBC_CHAR_OCTET_LENGTH", col.charLength},
		{"XDBC_COLUMN_DEF", col.def}, {"REMARKS", col.comment},
	}
	keys, vals := md.Keys(), md.Values()
	for _, p := range kv {
		if p[1] != "" {
			keys, vals = append(keys, p[0]), append(vals, p[1])
		}
	}
	f.Metadata = merge(f.Metadata, arrow.NewMetadata(keys, vals))
	return f
}

// columnSize is JDBC's COLUMN_SIZE: the precision of numbers, the
// maximum length of strings, the characters of a date or time's text.
func columnSize(code int, col catalogColumn) string {
	switch code {
	case xdbcDate:
		return "10"
	case xdbcTime:
		return "15"
	case xdbcTimestamp:
		return "26"
	case xdbcTimestampTZ:
		return "32"
	case xdbcVarchar, xdbcBinary:
		return col.charLength
	}
	return col.precision
}
