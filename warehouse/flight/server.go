package flight

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	aflight "github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/duckdb/duckdb-go/v2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/warehouse/analyst"
)

// Querier runs one read-only analyst query into Arrow over the caller's
// views, admits and audits queries, and redacts problems
// (analyst.Handler): QueryArrow behind the analyst SQL gate,
// CatalogueArrow for the server's own catalogue queries.
type Querier interface {
	QueryArrow(ctx context.Context, p oltp.Principal, query string, args ...any) (*analyst.ArrowResult, error)
	CatalogueArrow(ctx context.Context, p oltp.Principal, query string) (*analyst.ArrowResult, error)
	Admit(c analyst.Caller, query string) (*analyst.Access, error)
	Redact(err error) error
	ParamTypes(ctx context.Context, p oltp.Principal, query string) ([]duckdb.Type, error)
	UnboundParams(ctx context.Context, p oltp.Principal, query string, err error) error
}

var _ Querier = (*analyst.Handler)(nil)

// Authenticator resolves a bearer token (oltp's (*API).PrincipalOf).
type Authenticator func(ctx context.Context, token string) (oltp.Principal, error)

// Server is the Flight SQL service. Create it with New and run it with Serve.
type Server struct {
	flightsql.BaseServer
	query Querier
	auth  Authenticator
	tls   *tls.Config
}

// Option configures a Server.
type Option func(*Server)

// WithTLS serves Flight SQL over TLS with cfg (clients connect with
// grpc+tls://).
func WithTLS(cfg *tls.Config) Option { return func(s *Server) { s.tls = cfg } }

// New returns a Flight SQL server answering with q, authenticating with auth.
func New(q Querier, auth Authenticator, opts ...Option) *Server {
	s := &Server{query: q, auth: auth}
	for _, o := range opts {
		o(s)
	}
	s.Alloc = nil // batches come from DuckDB (the catalogue calls use the default allocator)
	s.registerSqlInfo()
	return s
}

// Serve serves Flight SQL on ln until ctx ends, then stops gracefully.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	var gopts []grpc.ServerOption
	if s.tls != nil {
		gopts = append(gopts, grpc.Creds(credentials.NewTLS(s.tls)))
	}
	srv := aflight.NewServerWithMiddleware([]aflight.ServerMiddleware{
		aflight.CreateServerBasicAuthMiddleware(validator{s.auth}),
	}, gopts...)
	srv.RegisterFlightService(flightsql.NewFlightServer(s))
	srv.InitListener(ln)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve() }()
	select {
	case err := <-errc:
		return fmt.Errorf("flight sql: %w", err)
	case <-ctx.Done():
		srv.Shutdown()
		<-errc
		return nil
	}
}

// GetFlightInfoStatement answers with one endpoint whose ticket is the query.
func (s *Server) GetFlightInfoStatement(ctx context.Context, cmd flightsql.StatementQuery, desc *aflight.FlightDescriptor) (*aflight.FlightInfo, error) {
	if err := authorise(ctx); err != nil {
		return nil, err
	}
	tkt, err := flightsql.CreateStatementQueryTicket([]byte(cmd.GetQuery()))
	if err != nil {
		return nil, err
	}
	return &aflight.FlightInfo{Endpoint: []*aflight.FlightEndpoint{{Ticket: &aflight.Ticket{Ticket: tkt}}},
		FlightDescriptor: desc, TotalRecords: -1, TotalBytes: -1}, nil
}

// DoGetStatement runs the ticket's query and streams its batches.
func (s *Server) DoGetStatement(ctx context.Context, tkt flightsql.StatementQueryTicket) (*arrow.Schema, <-chan aflight.StreamChunk, error) {
	return s.run(ctx, string(tkt.GetStatementHandle()), nil)
}

// run runs query once per parameter row (once when argSets is nil) for
// an admitted caller, records it in the audit log, and streams the
// batches.
func (s *Server) run(ctx context.Context, query string, argSets [][]any) (*arrow.Schema, <-chan aflight.StreamChunk, error) {
	if err := authorise(ctx); err != nil {
		return nil, nil, err
	}
	acc, err := s.query.Admit(caller(ctx), query)
	if err != nil {
		return nil, nil, s.grpcError(err)
	}
	if argSets == nil {
		argSets = [][]any{nil}
	}
	var (
		schema  *arrow.Schema
		batches []arrow.RecordBatch
		rows    int64
	)
	for _, args := range argSets {
		res, err := s.query.QueryArrow(ctx, principal(ctx), query, args...)
		if err != nil && args == nil {
			err = s.query.UnboundParams(ctx, principal(ctx), query, err)
		}
		if err != nil {
			releaseAll(batches)
			acc.End(0, err)
			return nil, nil, s.grpcError(err)
		}
		schema, rows = res.Schema, rows+res.Rows
		batches = append(batches, res.Batches...) // the Flight writer releases each chunk it sends
		res.Batches = nil
	}
	acc.End(rows, nil)
	schema = withColumnMetadata(schema)
	ch := make(chan aflight.StreamChunk, len(batches))
	for _, b := range batches {
		// The same columns under the schema with metadata (the writer
		// wants every batch's schema equal to the stream's).
		ch <- aflight.StreamChunk{Data: array.NewRecordBatch(schema, b.Columns(), b.NumRows())}
		b.Release()
	}
	close(ch)
	return schema, ch, nil
}

func releaseAll(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}

// caller is the analyst.Caller of an authorised Flight SQL call; its
// request id is the client's x-request-id (when well-formed) or a new one,
// sent back in the response header.
func caller(ctx context.Context) analyst.Caller {
	p, _ := aflight.AuthFromContext(ctx).(oltp.Principal)
	id := ""
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get("x-request-id"); len(v) > 0 && analyst.ValidRequestID(v[0]) {
			id = v[0]
		}
	}
	if id == "" {
		id = analyst.NewRequestID()
	}
	_ = grpc.SetHeader(ctx, metadata.Pairs("x-request-id", id))
	return analyst.Caller{Principal: p, RequestID: id, Channel: "flight-sql"}
}

// principal is the authenticated caller (authorise checked it).
func principal(ctx context.Context) oltp.Principal {
	p, _ := aflight.AuthFromContext(ctx).(oltp.Principal)
	return p
}

// authorise admits the analyst SQL roles.
func authorise(ctx context.Context) error {
	p, ok := aflight.AuthFromContext(ctx).(oltp.Principal)
	if !ok {
		return status.Error(codes.Unauthenticated, "a valid bearer token is required")
	}
	if !slices.Contains(analyst.SQLRoles(), p.Role) {
		return status.Errorf(codes.PermissionDenied, "the %s role may not run analyst SQL", p.Role)
	}
	return nil
}

// grpcError maps an analyst problem to a gRPC status; resource bounds
// (answer size, concurrent queries) are ResourceExhausted. The warehouse's
// file paths are redacted.
func (s *Server) grpcError(err error) error {
	var e *oltp.Error
	if !errors.As(s.query.Redact(err), &e) {
		return status.Error(codes.Internal, "the query failed")
	}
	if analyst.IsResourceLimit(e) {
		return status.Error(codes.ResourceExhausted, e.Detail)
	}
	code := map[int]codes.Code{http.StatusBadRequest: codes.InvalidArgument, http.StatusForbidden: codes.PermissionDenied,
		http.StatusGatewayTimeout: codes.DeadlineExceeded, http.StatusServiceUnavailable: codes.Unavailable}[e.Status]
	if code == codes.OK {
		code = codes.Internal
	}
	return status.Error(code, e.Detail)
}

// validator checks cch bearer tokens for the Flight auth middleware.
type validator struct{ auth Authenticator }

// Validate accepts a Basic-auth handshake whose password is a cch token
// and hands the token back as the bearer token.
func (v validator) Validate(_, password string) (string, error) {
	if _, err := v.IsValid(password); err != nil {
		return "", err
	}
	return password, nil
}

// IsValid resolves a bearer token to its oltp.Principal.
func (v validator) IsValid(token string) (any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p, err := v.auth(ctx, token)
	if err != nil {
		return nil, status.Error(codes.Unauthenticated, "a valid bearer token is required")
	}
	return p, nil
}
