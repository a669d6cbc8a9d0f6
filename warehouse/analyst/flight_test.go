package analyst_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	aflight "github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/carcarehub/cch/warehouse/flight"
)

// testFlightSQL: the arrow-go Flight SQL client gets the same rows as
// POST /v1/sql, through a statement and a prepared statement; roles and
// refusals hold.
func testFlightSQL(t *testing.T, s *stack) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- flight.New(s.h, s.env.API.PrincipalOf).Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()
	cl, err := flightsql.NewClient(ln.Addr().String(), nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	query := "SELECT id, name, organisation_id FROM core.branch ORDER BY id"
	want := fmt.Sprint(decode(t, s.do(t, "manager", "POST", "/v1/sql", map[string]string{"query": query}, "")).Rows)
	actx, err := cl.Client.AuthenticateBasicToken(context.Background(), "analyst", s.env.Tokens["manager"])
	if err != nil {
		t.Fatal(err)
	}
	info, err := cl.Execute(actx, query)
	if err != nil {
		t.Fatal(err)
	}
	if got := fetch(t, actx, cl, info); got != want {
		t.Errorf("flight rows %s, /v1/sql rows %s", got, want)
	}
	prep, err := cl.Prepare(actx, query)
	if err != nil {
		t.Fatal(err)
	}
	defer prep.Close(actx)
	if info, err = prep.Execute(actx); err != nil {
		t.Fatal(err)
	}
	if got := fetch(t, actx, cl, info); got != want {
		t.Errorf("prepared: flight rows %s, want %s", got, want)
	}
	expectCode(t, actx, cl, "DELETE FROM core.branch", codes.PermissionDenied)
	expectCode(t, actx, cl, "SELECT * FROM read_text('/etc/passwd')", codes.PermissionDenied)
	if _, err := cl.Client.AuthenticateBasicToken(context.Background(), "x", "cch_1_wrong"); status.Code(err) != codes.Unauthenticated {
		t.Errorf("bad token: %v", err)
	}
	tctx, err := cl.Client.AuthenticateBasicToken(context.Background(), "x", s.env.Tokens["technician"])
	if err != nil {
		t.Fatal(err)
	}
	expectCode(t, tctx, cl, "SELECT * FROM finance.invoice", codes.PermissionDenied)

	// The catalogue calls BI tools make first.
	schemaPattern, tablePattern := "co%", "bran%"
	info, err = cl.GetTables(actx, &flightsql.GetTablesOpts{DbSchemaFilterPattern: &schemaPattern, TableNameFilterPattern: &tablePattern, IncludeSchema: true})
	if err != nil {
		t.Fatal(err)
	}
	rdr, err := cl.DoGet(actx, info.Endpoint[0].Ticket)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rdr.Next() {
		rec := rdr.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			tables = append(tables, rec.Column(1).ValueStr(i)+"."+rec.Column(2).ValueStr(i)+" "+rec.Column(3).ValueStr(i))
			ipc := rec.Column(4).(*array.Binary).Value(i)
			sch, err := aflight.DeserializeSchema(ipc, memory.DefaultAllocator)
			if err != nil || sch.NumFields() == 0 || sch.Field(0).Name != "id" {
				t.Errorf("core.branch's schema in GetTables: %v (%v)", sch, err)
			}
		}
	}
	if err := rdr.Err(); err != nil {
		t.Fatal(err)
	}
	rdr.Release()
	if fmt.Sprint(tables) != "[core.branch BASE TABLE]" {
		t.Errorf("GetTables(co%%, bran%%) = %v", tables)
	}
	info, err = cl.GetDBSchemas(actx, &flightsql.GetDBSchemasOpts{})
	if err != nil {
		t.Fatal(err)
	}
	got := fetch(t, actx, cl, info)
	for _, want := range []string{"core", "workshop", "finance"} {
		if !strings.Contains(got, " "+want+"]") {
			t.Errorf("GetDBSchemas lacks %s: %s", want, got)
		}
	}
	if strings.Contains(got, "_cch") {
		t.Errorf("GetDBSchemas offers the internal schema: %s", got)
	}
	if info, err = cl.GetTableTypes(actx); err != nil || !strings.Contains(fetch(t, actx, cl, info), "BASE TABLE") {
		t.Errorf("GetTableTypes: %v", err)
	}
	if info, err = cl.GetSqlInfo(actx, []flightsql.SqlInfo{flightsql.SqlInfoFlightSqlServerName, flightsql.SqlInfoFlightSqlServerReadOnly}); err != nil ||
		!strings.Contains(fetch(t, actx, cl, info), "Car Care Hub") {
		t.Errorf("GetSqlInfo: %v", err)
	}
	// A technician's catalogue lists its own views only: no finance table.
	if info, err = cl.GetTables(tctx, &flightsql.GetTablesOpts{}); err != nil {
		t.Fatalf("technician GetTables: %v", err)
	}
	if got := fetch(t, tctx, cl, info); !strings.Contains(got, "repair_order") || strings.Contains(got, "finance") {
		t.Errorf("technician GetTables: %s", got)
	}
}

func expectCode(t *testing.T, ctx context.Context, cl *flightsql.Client, query string, want codes.Code) {
	t.Helper()
	info, err := cl.Execute(ctx, query)
	if err == nil {
		var rdr interface{ Release() }
		rdr, err = cl.DoGet(ctx, info.Endpoint[0].Ticket)
		if err == nil {
			rdr.Release()
		}
	}
	if status.Code(err) != want {
		t.Errorf("%s: %v, want %s", query, err, want)
	}
}

// fetch reads every endpoint of info and renders the rows like the JSON ones.
func fetch(t *testing.T, ctx context.Context, cl *flightsql.Client, info *aflight.FlightInfo) string {
	t.Helper()
	var rows [][]any
	for _, ep := range info.Endpoint {
		rdr, err := cl.DoGet(ctx, ep.Ticket)
		if err != nil {
			t.Fatal(err)
		}
		for rdr.Next() {
			rows = append(rows, rowsOf(rdr.RecordBatch())...)
		}
		if err := rdr.Err(); err != nil {
			t.Fatal(err)
		}
		rdr.Release()
	}
	return fmt.Sprint(rows)
}

func rowsOf(rec arrow.RecordBatch) [][]any {
	out := make([][]any, rec.NumRows())
	for i := range out {
		for _, col := range rec.Columns() {
			out[i] = append(out[i], col.GetOneForMarshal(i))
		}
	}
	return out
}
