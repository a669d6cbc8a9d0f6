package flight

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
)

// Column metadata for drivers: the Flight SQL keys (ARROW:FLIGHT:SQL:*,
// which JDBC's ResultSetMetaData and ADBC read) on every answer's fields
// (type name, precision, scale) and, from the catalogue, on GetTables'
// table schemas (which ADBC's GetObjects turns into xdbc_* columns).

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

// catalogColumn is one row of information_schema.columns.
type catalogColumn struct {
	catalog, schema, table, name string
	dataType, nullable           string
	precision, scale, charLength string // "" when NULL
	comment                      string // "" when NULL
}

// describeColumn describes f, a column of col's table, for drivers in
// Flight SQL's column metadata (ADBC's GetObjects reads the type name,
// the scope catalog, schema and table and auto-increment from it, and the
// xdbc data types from the Arrow type; JDBC's DatabaseMetaData and
// ResultSetMetaData read the rest) and in the field's nullability.
func describeColumn(f arrow.Field, col catalogColumn) arrow.Field {
	b := flightsql.NewColumnMetadataBuilder().TypeName(col.dataType).
		CatalogName(col.catalog).SchemaName(col.schema).TableName(col.table).
		IsAutoIncrement(false).IsReadOnly(true).IsSearchable(true).
		IsCaseSensitive(col.dataType == "VARCHAR")
	if p, err := strconv.Atoi(col.precision); err == nil {
		b.Precision(int32(p))
	} else if n, err := strconv.Atoi(col.charLength); err == nil {
		b.Precision(int32(n))
	}
	if sc, err := strconv.Atoi(col.scale); err == nil {
		b.Scale(int32(sc))
	}
	if col.comment != "" {
		b.Remarks(col.comment)
	}
	f.Metadata = merge(f.Metadata, *b.Build().Data)
	f.Nullable = col.nullable == "YES"
	return f
}
