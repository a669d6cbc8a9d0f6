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

// registerSqlInfo fills in what GetSqlInfo answers.
func (s *Server) registerSqlInfo() {
	for id, v := range map[flightsql.SqlInfo]any{
		flightsql.SqlInfoFlightSqlServerName:        "Car Care Hub warehouse (DuckDB)",
		flightsql.SqlInfoFlightSqlServerVersion:     "1",
		flightsql.SqlInfoFlightSqlServerReadOnly:    true,
		flightsql.SqlInfoFlightSqlServerSql:         true,
		flightsql.SqlInfoFlightSqlServerSubstrait:   false,
		flightsql.SqlInfoFlightSqlServerTransaction: int32(0), // SQL_SUPPORTED_TRANSACTION_NONE
		flightsql.SqlInfoFlightSqlServerCancel:      false,
		flightsql.SqlInfoIdentifierQuoteChar:        `"`,
	} {
		_ = s.RegisterSqlInfo(id, v) // every value above has a type it accepts
	}
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
	// Each table's Arrow schema, as a query of it would return it.
	for i, r := range rows {
		res, err := s.query.QueryArrow(ctx, principal(ctx), "SELECT * FROM "+ident(r[1])+"."+ident(r[2])+" LIMIT 0")
		if err != nil {
			return nil, nil, grpcError(err)
		}
		rows[i] = append(r, string(aflight.SerializeSchema(res.Schema, memory.DefaultAllocator)))
		res.Release()
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

// stringRows runs a catalogue query (string columns) through the analyst
// path and returns its rows.
func (s *Server) stringRows(ctx context.Context, query string) ([][]string, error) {
	if err := authorise(ctx); err != nil {
		return nil, err
	}
	res, err := s.query.CatalogueArrow(ctx, principal(ctx), query)
	if err != nil {
		return nil, grpcError(err)
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
