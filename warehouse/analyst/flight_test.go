package analyst_test

import (
	"context"
	"fmt"
	"net"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	aflight "github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
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
	want := fmt.Sprint(decode(t, s.do(t, "auditor", "POST", "/v1/sql", map[string]string{"query": query}, "")).Rows)
	actx, err := cl.Client.AuthenticateBasicToken(context.Background(), "analyst", s.env.Tokens["auditor"])
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
	if _, err := cl.Execute(tctx, query); status.Code(err) != codes.PermissionDenied {
		t.Errorf("technician: %v", err)
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
