package flight

import (
	"context"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	aflight "github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql/schema_ref"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The catalogue calls BI tools make before any query (DBeaver, the ADBC
// and JDBC drivers): catalogs, schemas, tables (optionally with their
// Arrow schemas), table types and server information. They read DuckDB's
// information_schema inside the caller's own catalogue of views (what
// PostgreSQL lets its role read), so a caller lists exactly what it could
// query. The views stand for the source tables and are listed as such.

// visibleTables is the caller's views as information_schema rows.
const visibleTables = `(SELECT table_catalog, table_schema, table_name, 'BASE TABLE' AS table_type
	FROM information_schema.tables WHERE table_catalog = current_database()) AS t WHERE true`

// sqlInfo is what GetSqlInfo answers. It names no file or path.
var sqlInfo = map[flightsql.SqlInfo]any{
	flightsql.SqlInfoFlightSqlServerName:                "Car Care Hub warehouse (DuckDB)",
	flightsql.SqlInfoFlightSqlServerVersion:             "1",
	flightsql.SqlInfoFlightSqlServerArrowVersion:        "18.8.0",
	flightsql.SqlInfoFlightSqlServerReadOnly:            true,
	flightsql.SqlInfoFlightSqlServerSql:                 true,
	flightsql.SqlInfoFlightSqlServerSubstrait:           false,
	flightsql.SqlInfoFlightSqlServerSubstraitMinVersion: "",
	flightsql.SqlInfoFlightSqlServerSubstraitMaxVersion: "",
	flightsql.SqlInfoFlightSqlServerTransaction:         int32(0), // SQL_SUPPORTED_TRANSACTION_NONE
	flightsql.SqlInfoFlightSqlServerCancel:              false,
	flightsql.SqlInfoFlightSqlServerStatementTimeout:    int32(0),
	flightsql.SqlInfoFlightSqlServerTransactionTimeout:  int32(0),
	flightsql.SqlInfoIdentifierQuoteChar:                `"`,
	flightsql.SqlInfoDDLCatalog:                         false,
	flightsql.SqlInfoDDLSchema:                          false,
	flightsql.SqlInfoDDLTable:                           false,
}

// registerSqlInfo fills in what GetSqlInfo answers.
func (s *Server) registerSqlInfo() {
	for id, v := range sqlInfo {
		_ = s.RegisterSqlInfo(id, v) // every value above has a type it accepts
	}
}

// infoCodes are the requested codes this server knows: a code it does not
// know is left out of the answer, not an error (drivers ask for every code
// they understand).
type infoCodes []uint32

func (c infoCodes) GetInfo() []uint32 { return c }

// DoGetSqlInfo answers the known codes of cmd (all when it names none).
func (s *Server) DoGetSqlInfo(ctx context.Context, cmd flightsql.GetSqlInfo) (*arrow.Schema, <-chan aflight.StreamChunk, error) {
	if err := authorise(ctx); err != nil {
		return nil, nil, err
	}
	var known infoCodes
	for _, id := range cmd.GetInfo() {
		if _, ok := sqlInfo[flightsql.SqlInfo(id)]; ok {
			known = append(known, id)
		}
	}
	if len(cmd.GetInfo()) > 0 && len(known) == 0 { // nothing to answer (none would answer everything)
		return stream(schema_ref.SqlInfo, nil)
	}
	return s.BaseServer.DoGetSqlInfo(ctx, known)
}

// GetFlightInfoSqlInfo checks the caller, then answers from the registry.
func (s *Server) GetFlightInfoSqlInfo(ctx context.Context, cmd flightsql.GetSqlInfo, desc *aflight.FlightDescriptor) (*aflight.FlightInfo, error) {
	if err := authorise(ctx); err != nil {
		return nil, err
	}
	return s.BaseServer.GetFlightInfoSqlInfo(ctx, cmd, desc)
}

// info answers a catalogue command with one endpoint whose ticket is the
// command itself.
func info(ctx context.Context, desc *aflight.FlightDescriptor, schema *arrow.Schema) (*aflight.FlightInfo, error) {
	if err := authorise(ctx); err != nil {
		return nil, err
	}
	return &aflight.FlightInfo{Endpoint: []*aflight.FlightEndpoint{{Ticket: &aflight.Ticket{Ticket: desc.Cmd}}},
		FlightDescriptor: desc, TotalRecords: -1, TotalBytes: -1, Schema: aflight.SerializeSchema(schema, memory.DefaultAllocator)}, nil
}

func (s *Server) GetFlightInfoCatalogs(ctx context.Context, desc *aflight.FlightDescriptor) (*aflight.FlightInfo, error) {
	return info(ctx, desc, schema_ref.Catalogs)
}

func (s *Server) DoGetCatalogs(ctx context.Context) (*arrow.Schema, <-chan aflight.StreamChunk, error) {
	rows, err := s.stringRows(ctx, `SELECT DISTINCT table_catalog FROM `+visibleTables+` ORDER BY 1`)
	if err != nil {
		return nil, nil, err
	}
	return stream(schema_ref.Catalogs, rows)
}

func (s *Server) GetFlightInfoSchemas(ctx context.Context, _ flightsql.GetDBSchemas, desc *aflight.FlightDescriptor) (*aflight.FlightInfo, error) {
	return info(ctx, desc, schema_ref.DBSchemas)
}

func (s *Server) DoGetDBSchemas(ctx context.Context, cmd flightsql.GetDBSchemas) (*arrow.Schema, <-chan aflight.StreamChunk, error) {
	q := `SELECT DISTINCT table_catalog, table_schema FROM ` + visibleTables
	q += filter("table_catalog", "=", cmd.GetCatalog()) + filter("table_schema", "LIKE", cmd.GetDBSchemaFilterPattern())
	rows, err := s.stringRows(ctx, q+" ORDER BY 1, 2")
	if err != nil {
		return nil, nil, err
	}
	return stream(schema_ref.DBSchemas, rows)
}

func (s *Server) GetFlightInfoTables(ctx context.Context, cmd flightsql.GetTables, desc *aflight.FlightDescriptor) (*aflight.FlightInfo, error) {
	if cmd.GetIncludeSchema() {
		return info(ctx, desc, schema_ref.TablesWithIncludedSchema)
	}
	return info(ctx, desc, schema_ref.Tables)
}

func (s *Server) DoGetTables(ctx context.Context, cmd flightsql.GetTables) (*arrow.Schema, <-chan aflight.StreamChunk, error) {
	q := `SELECT table_catalog, table_schema, table_name, table_type FROM ` + visibleTables
	q += filter("table_catalog", "=", cmd.GetCatalog()) + filter("table_schema", "LIKE", cmd.GetDBSchemaFilterPattern()) +
		filter("table_name", "LIKE", cmd.GetTableNameFilterPattern())
	if types := cmd.GetTableTypes(); len(types) > 0 {
		quoted := make([]string, len(types))
		for i, t := range types {
			quoted[i] = literal(t)
		}
		q += " AND table_type IN (" + strings.Join(quoted, ", ") + ")"
	}
	rows, err := s.stringRows(ctx, q+" ORDER BY 1, 2, 3")
	if err != nil {
		return nil, nil, err
	}
	if !cmd.GetIncludeSchema() {
		return stream(schema_ref.Tables, rows)
	}
	// Each table's Arrow schema, as a query of it would return it, with
	// the catalogue's description of each column.
	cols, err := s.columns(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	for i, r := range rows {
		res, err := s.query.QueryArrow(ctx, principal(ctx), "SELECT * FROM "+ident(r[1])+"."+ident(r[2])+" LIMIT 0")
		if err != nil {
			return nil, nil, s.grpcError(err)
		}
		fields := res.Schema.Fields()
		for j, f := range fields {
			if c, ok := cols[r[1]+"."+r[2]+"."+f.Name]; ok {
				fields[j] = describeColumn(f, c)
			}
		}
		res.Release()
		rows[i] = append(r, string(aflight.SerializeSchema(arrow.NewSchema(fields, nil), memory.DefaultAllocator)))
	}
	return stream(schema_ref.TablesWithIncludedSchema, rows)
}

func (s *Server) GetFlightInfoTableTypes(ctx context.Context, desc *aflight.FlightDescriptor) (*aflight.FlightInfo, error) {
	return info(ctx, desc, schema_ref.TableTypes)
}

func (s *Server) DoGetTableTypes(ctx context.Context) (*arrow.Schema, <-chan aflight.StreamChunk, error) {
	rows, err := s.stringRows(ctx, `SELECT DISTINCT table_type FROM `+visibleTables+` ORDER BY 1`)
	if err != nil {
		return nil, nil, err
	}
	return stream(schema_ref.TableTypes, rows)
}

// columns reads information_schema.columns of the tables tablesQuery
// selects, keyed by schema.table.column.
func (s *Server) columns(ctx context.Context, tablesQuery string) (map[string]catalogColumn, error) {
	rows, err := s.stringRows(ctx, `SELECT c.table_catalog, c.table_schema, c.table_name, c.column_name,
		c.data_type, c.is_nullable, coalesce(c.numeric_precision::VARCHAR, ''), coalesce(c.numeric_scale::VARCHAR, ''),
		coalesce(c.character_maximum_length::VARCHAR, ''), coalesce(c.column_comment, '')
		FROM information_schema.columns c JOIN (`+tablesQuery+`) t USING (table_catalog, table_schema, table_name)`)
	if err != nil {
		return nil, err
	}
	out := make(map[string]catalogColumn, len(rows))
	for _, r := range rows {
		out[r[1]+"."+r[2]+"."+r[3]] = catalogColumn{catalog: r[0], schema: r[1], table: r[2], name: r[3],
			dataType: r[4], nullable: r[5], precision: r[6], scale: r[7], charLength: r[8], comment: r[9]}
	}
	return out, nil
}

// stringRows runs a catalogue query (string columns) through the analyst
// path and returns its rows.
func (s *Server) stringRows(ctx context.Context, query string) ([][]string, error) {
	if err := authorise(ctx); err != nil {
		return nil, err
	}
	res, err := s.query.CatalogueArrow(ctx, principal(ctx), query)
	if err != nil {
		return nil, s.grpcError(err)
	}
	defer res.Release()
	var rows [][]string
	for _, b := range res.Batches {
		for i := 0; i < int(b.NumRows()); i++ {
			row := make([]string, b.NumCols())
			for c := range row {
				// A copy: the value points into DuckDB's buffer, freed below.
				row[c] = strings.Clone(b.Column(c).ValueStr(i))
			}
			rows = append(rows, row)
		}
	}
	return rows, nil
}

// stream builds one batch of schema from rows (string columns; a binary
// column takes the string's bytes).
func stream(schema *arrow.Schema, rows [][]string) (*arrow.Schema, <-chan aflight.StreamChunk, error) {
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for _, r := range rows {
		for c, f := range b.Fields() {
			switch f := f.(type) {
			case *array.StringBuilder:
				f.Append(r[c])
			case *array.BinaryBuilder:
				f.Append([]byte(r[c]))
			}
		}
	}
	ch := make(chan aflight.StreamChunk, 1)
	ch <- aflight.StreamChunk{Data: b.NewRecordBatch()}
	close(ch)
	return schema, ch, nil
}

// filter is " AND column op 'value'" for a set value, "" otherwise.
func filter(column, op string, value *string) string {
	if value == nil {
		return ""
	}
	return " AND " + column + " " + op + " " + literal(*value)
}

func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
