package flight

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	aflight "github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/duckdb/duckdb-go/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Prepared statements keep no server state: the handle carries the query
// and, once the client has bound parameters (DoPut), the parameter rows as
// an Arrow IPC stream; binding returns the new handle to execute. The
// query runs once per parameter row and the answers are concatenated.

// maxParamBytes bounds the parameter rows bound to one statement.
const maxParamBytes = 1 << 20

// handle is a prepared statement's handle, JSON-encoded.
type handle struct {
	Query  string `json:"q"`
	Params []byte `json:"p,omitempty"` // Arrow IPC stream of the parameter rows
}

func decodeHandle(b []byte) (handle, error) {
	var h handle
	if err := json.Unmarshal(b, &h); err != nil || h.Query == "" {
		return h, status.Error(codes.InvalidArgument, "unknown prepared statement handle")
	}
	return h, nil
}

func (h handle) encode() []byte {
	b, _ := json.Marshal(h) // a string and a byte slice always marshal
	return b
}

// CreatePreparedStatement checks the query and returns a handle holding
// it, with the schema of its parameters.
func (s *Server) CreatePreparedStatement(ctx context.Context, req flightsql.ActionCreatePreparedStatementRequest) (flightsql.ActionCreatePreparedStatementResult, error) {
	if err := authorise(ctx); err != nil {
		return flightsql.ActionCreatePreparedStatementResult{}, err
	}
	types, err := s.query.ParamTypes(ctx, principal(ctx), req.GetQuery())
	if err != nil {
		return flightsql.ActionCreatePreparedStatementResult{}, s.grpcError(err)
	}
	fields := make([]arrow.Field, len(types))
	for i, t := range types {
		fields[i] = arrow.Field{Name: fmt.Sprintf("$%d", i+1), Type: paramArrowType(t), Nullable: true}
	}
	return flightsql.ActionCreatePreparedStatementResult{Handle: handle{Query: req.GetQuery()}.encode(),
		ParameterSchema: arrow.NewSchema(fields, nil)}, nil
}

// paramArrowType is the Arrow type a client binds for a DuckDB parameter
// type; text for the rest (DuckDB casts it to the parameter's type).
func paramArrowType(t duckdb.Type) arrow.DataType {
	switch t {
	case duckdb.TYPE_BOOLEAN:
		return arrow.FixedWidthTypes.Boolean
	case duckdb.TYPE_TINYINT, duckdb.TYPE_SMALLINT, duckdb.TYPE_INTEGER:
		return arrow.PrimitiveTypes.Int32
	case duckdb.TYPE_BIGINT:
		return arrow.PrimitiveTypes.Int64
	case duckdb.TYPE_FLOAT, duckdb.TYPE_DOUBLE:
		return arrow.PrimitiveTypes.Float64
	case duckdb.TYPE_DATE:
		return arrow.FixedWidthTypes.Date32
	case duckdb.TYPE_TIMESTAMP, duckdb.TYPE_TIMESTAMP_TZ:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case duckdb.TYPE_BLOB:
		return arrow.BinaryTypes.Binary
	}
	return arrow.BinaryTypes.String
}

// ClosePreparedStatement has nothing to free.
func (s *Server) ClosePreparedStatement(context.Context, flightsql.ActionClosePreparedStatementRequest) error {
	return nil
}

// DoPutPreparedStatementQuery binds parameter rows: it returns a handle
// holding the query and the rows.
func (s *Server) DoPutPreparedStatementQuery(ctx context.Context, cmd flightsql.PreparedStatementQuery, rdr aflight.MessageReader, _ aflight.MetadataWriter) ([]byte, error) {
	if err := authorise(ctx); err != nil {
		return nil, err
	}
	h, err := decodeHandle(cmd.GetPreparedStatementHandle())
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(rdr.Schema()))
	for rdr.Next() {
		if err := w.Write(rdr.RecordBatch()); err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "parameters: %v", err)
		}
		if buf.Len() > maxParamBytes {
			return nil, status.Errorf(codes.ResourceExhausted, "bound parameters exceed %d bytes", maxParamBytes)
		}
	}
	if err := errors.Join(rdr.Err(), w.Close()); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "parameters: %v", err)
	}
	h.Params = buf.Bytes()
	return h.encode(), nil
}

// GetFlightInfoPreparedStatement answers with the command as the ticket.
func (s *Server) GetFlightInfoPreparedStatement(ctx context.Context, _ flightsql.PreparedStatementQuery, desc *aflight.FlightDescriptor) (*aflight.FlightInfo, error) {
	if err := authorise(ctx); err != nil {
		return nil, err
	}
	return &aflight.FlightInfo{Endpoint: []*aflight.FlightEndpoint{{Ticket: &aflight.Ticket{Ticket: desc.Cmd}}},
		FlightDescriptor: desc, TotalRecords: -1, TotalBytes: -1}, nil
}

// DoGetPreparedStatement runs the prepared query with its bound rows.
func (s *Server) DoGetPreparedStatement(ctx context.Context, cmd flightsql.PreparedStatementQuery) (*arrow.Schema, <-chan aflight.StreamChunk, error) {
	if err := authorise(ctx); err != nil {
		return nil, nil, err
	}
	h, err := decodeHandle(cmd.GetPreparedStatementHandle())
	if err != nil {
		return nil, nil, err
	}
	argSets, err := paramRows(h.Params)
	if err != nil {
		return nil, nil, status.Errorf(codes.InvalidArgument, "parameters: %v", err)
	}
	types, err := s.query.ParamTypes(ctx, principal(ctx), h.Query)
	if err != nil {
		return nil, nil, s.grpcError(err)
	}
	if len(types) > 0 && len(argSets) == 0 {
		return nil, nil, status.Errorf(codes.InvalidArgument, "the statement has %d parameters: bind them before executing it", len(types))
	}
	for _, args := range argSets {
		if len(args) != len(types) {
			return nil, nil, status.Errorf(codes.InvalidArgument, "the statement has %d parameters, %d were bound", len(types), len(args))
		}
	}
	return s.run(ctx, h.Query, argSets)
}

// paramRows decodes the bound rows into one argument list per row (nil
// when none were bound).
func paramRows(params []byte) ([][]any, error) {
	if len(params) == 0 {
		return nil, nil
	}
	rdr, err := ipc.NewReader(bytes.NewReader(params))
	if err != nil {
		return nil, err
	}
	defer rdr.Release()
	var rows [][]any
	for rdr.Next() {
		rec := rdr.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			args := make([]any, rec.NumCols())
			for c, col := range rec.Columns() {
				if args[c], err = goValue(col, i); err != nil {
					return nil, fmt.Errorf("column %s: %w", rec.ColumnName(c), err)
				}
			}
			rows = append(rows, args)
		}
	}
	return rows, rdr.Err()
}

// goValue is row i of col as a value the DuckDB driver binds.
func goValue(col arrow.Array, i int) (any, error) {
	if col.IsNull(i) {
		return nil, nil
	}
	switch a := col.(type) {
	case *array.Boolean:
		return a.Value(i), nil
	case *array.Int8:
		return int64(a.Value(i)), nil
	case *array.Int16:
		return int64(a.Value(i)), nil
	case *array.Int32:
		return int64(a.Value(i)), nil
	case *array.Int64:
		return a.Value(i), nil
	case *array.Uint8:
		return uint64(a.Value(i)), nil
	case *array.Uint16:
		return uint64(a.Value(i)), nil
	case *array.Uint32:
		return uint64(a.Value(i)), nil
	case *array.Uint64:
		return a.Value(i), nil
	case *array.Float32:
		return float64(a.Value(i)), nil
	case *array.Float64:
		return a.Value(i), nil
	case *array.String:
		return a.Value(i), nil
	case *array.LargeString:
		return a.Value(i), nil
	case *array.Binary:
		return bytes.Clone(a.Value(i)), nil
	case *array.Date32:
		return a.Value(i).ToTime(), nil
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit).UTC(), nil
	case *array.Decimal128, *array.Decimal256:
		return col.ValueStr(i), nil // DuckDB casts the text to the parameter's type
	}
	return nil, fmt.Errorf("parameter type %s is not supported", col.DataType())
}
