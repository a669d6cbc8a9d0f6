package analyst_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/carcarehub/cch/warehouse/analyst"
	"github.com/carcarehub/cch/warehouse/flight"
)

// testAnswerBytes: answers past the byte bound are refused whole, in every
// format, both when the values alone exceed it and when only their JSON
// encoding does; Flight SQL says RESOURCE_EXHAUSTED; the server serves on.
func testAnswerBytes(t *testing.T, s *stack) {
	big := "SELECT repeat(chr(34), 300000) AS q FROM range(20)"    // 6 MB of values
	escaped := "SELECT repeat(chr(34), 400000) AS q FROM range(2)" // 0.8 MB of values, 1.6 MB of JSON
	for _, c := range []struct{ name, query, accept string }{
		{"json", big, "application/json"}, {"csv", big, "text/csv"}, {"arrow", big, analyst.MIMEArrowStream},
		{"json encoding", escaped, "application/json"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := s.do(t, "manager", "POST", "/v1/sql", map[string]string{"query": c.query}, c.accept)
			var p struct{ Type, Detail string }
			if err := json.Unmarshal(r.body, &p); err != nil || r.status != http.StatusUnprocessableEntity ||
				!strings.HasSuffix(p.Type, "/answer-too-large") || r.header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("status %d %q: %.300s", r.status, r.header.Get("Content-Type"), r.body)
			}
			if len(r.body) > 4096 {
				t.Errorf("the refusal carries %d bytes", len(r.body))
			}
		})
	}
	// Just under the bound in CSV (quotes doubled: 0.8 MB) is answered whole.
	r := s.do(t, "manager", "POST", "/v1/sql", map[string]string{"query": "SELECT repeat(chr(34), 200000) AS q FROM range(2)"}, "text/csv")
	if r.status != http.StatusOK || r.header.Get("Content-Length") == "" || len(r.body) < 800_000 {
		t.Errorf("under the bound: status %d, %d bytes, Content-Length %q", r.status, len(r.body), r.header.Get("Content-Length"))
	}
	cl, actx, stop := flightClient(t, s, "manager")
	defer stop()
	expectCode(t, actx, cl, big, codes.ResourceExhausted)
	// A parameter without a value is the client's mistake, not the server's.
	expectCode(t, actx, cl, "SELECT id FROM core.branch WHERE id = ?", codes.InvalidArgument)
	if r := s.do(t, "manager", "POST", "/v1/sql", map[string]string{"query": "SELECT $1 AS x"}, ""); r.status != http.StatusBadRequest {
		t.Errorf("unbound parameter: %d %s", r.status, r.body)
	}
	decode(t, s.do(t, "manager", "POST", "/v1/sql", map[string]string{"query": "SELECT 1 AS still_serving"}, ""))
}

// testConcurrency: with one query per caller, a second query of the same
// staff member while the first runs is refused (429, RESOURCE_EXHAUSTED);
// another caller is not affected. The probes race the slow query for the
// caller's one slot: a round whose slow query lost the race is tried again.
func testConcurrency(t *testing.T, s *stack) {
	cl, actx, stop := flightClient(t, s, "finance")
	defer stop()
	var sawHTTP, sawFlight, otherOK bool
	for round := 0; round < 5 && !(sawHTTP && sawFlight && otherOK); round++ {
		if refused := concurrencyRound(t, s, cl, actx, &sawHTTP, &sawFlight, &otherOK); refused {
			t.Logf("round %d: the probe took the slot before the slow query; again", round)
		}
	}
	if !sawHTTP || !sawFlight || !otherOK {
		t.Errorf("while a query ran: second HTTP query refused %v, Flight SQL refused %v, other caller served %v", sawHTTP, sawFlight, otherOK)
	}
	decode(t, s.do(t, "finance", "POST", "/v1/sql", map[string]string{"query": "SELECT 1 AS one"}, ""))
}

// concurrencyRound runs one slow finance query (until the stack's timeout
// cancels it) and probes beside it; it reports whether the slow query
// itself was refused.
func concurrencyRound(t *testing.T, s *stack, cl *flightsql.Client, actx context.Context, sawHTTP, sawFlight, otherOK *bool) (slowRefused bool) {
	slow := map[string]string{"query": "SELECT count(*) FROM range(200000000) a, range(1000) b WHERE (a.range * b.range) % 7 = 3"}
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		slowRefused = s.do(t, "finance", "POST", "/v1/sql", slow, "").status == http.StatusTooManyRequests
	}()
	for running := true; running && !(*sawHTTP && *sawFlight && *otherOK); {
		select {
		case <-finished:
			running = false
		default:
		}
		r := s.do(t, "finance", "POST", "/v1/sql", map[string]string{"query": "SELECT 1 AS one"}, "")
		if r.status != http.StatusTooManyRequests || !strings.Contains(string(r.body), "too-many-queries") {
			continue
		}
		*sawHTTP = true
		*otherOK = *otherOK || s.do(t, "auditor", "POST", "/v1/sql", map[string]string{"query": "SELECT 1 AS one"}, "").status == http.StatusOK
		info, err := cl.Execute(actx, "SELECT 1 AS one")
		if err == nil {
			rdr, derr := cl.DoGet(actx, info.Endpoint[0].Ticket)
			if err = derr; err == nil {
				rdr.Release()
				continue
			}
		}
		*sawFlight = *sawFlight || status.Code(err) == codes.ResourceExhausted
	}
	<-finished
	return slowRefused
}

// flightClient starts a Flight SQL server on the stack and returns an
// arrow-go client authenticated as role.
func flightClient(t *testing.T, s *stack, role string) (*flightsql.Client, context.Context, func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- flight.New(s.h, s.env.API.PrincipalOf).Serve(ctx, ln) }()
	cl, err := flightsql.NewClient(ln.Addr().String(), nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	actx, err := cl.Client.AuthenticateBasicToken(context.Background(), "analyst", s.env.Tokens[role])
	if err != nil {
		t.Fatal(err)
	}
	return cl, actx, func() { cl.Close(); cancel(); <-done }
}

// testNoPathLeak: neither the server information nor the catalogue calls
// nor an error message names the warehouse file or its directory.
func testNoPathLeak(t *testing.T, s *stack) {
	path := s.svc.DB().Path()
	dir := filepath.Dir(path)
	cl, actx, stop := flightClient(t, s, "auditor")
	defer stop()
	var seen []string
	info, err := cl.GetSqlInfo(actx, nil)
	if err != nil {
		t.Fatal(err)
	}
	seen = append(seen, fetch(t, actx, cl, info))
	if info, err = cl.GetCatalogs(actx); err != nil {
		t.Fatal(err)
	}
	seen = append(seen, fetch(t, actx, cl, info))
	if info, err = cl.GetDBSchemas(actx, &flightsql.GetDBSchemasOpts{}); err != nil {
		t.Fatal(err)
	}
	seen = append(seen, fetch(t, actx, cl, info))
	// An error that would echo the path (here because the query names it).
	leaky := `SELECT "` + path + `" FROM range(1)`
	if info, err = cl.Execute(actx, leaky); err == nil {
		_, err = cl.DoGet(actx, info.Endpoint[0].Ticket)
	}
	seen = append(seen, fmt.Sprint(err))
	seen = append(seen, string(s.do(t, "auditor", "POST", "/v1/sql", map[string]string{"query": leaky}, "").body))
	for _, text := range seen {
		if strings.Contains(text, dir) {
			t.Errorf("the warehouse's directory %s is disclosed: %.300s", dir, text)
		}
	}
	if !strings.Contains(seen[len(seen)-2], "<warehouse>") || !strings.Contains(seen[len(seen)-1], `\u003cwarehouse\u003e`) {
		t.Errorf("the errors were not redacted: %s; %s", seen[len(seen)-2], seen[len(seen)-1])
	}
}
