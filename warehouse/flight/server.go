package flight

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	aflight "github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/warehouse/analyst"
)

// Querier runs one read-only analyst query into Arrow over the caller's
// views (analyst.Handler): QueryArrow behind the analyst SQL gate,
// CatalogueArrow for the server's own catalogue queries.
type Querier interface {
	QueryArrow(ctx context.Context, p oltp.Principal, query string) (*analyst.ArrowResult, error)
	CatalogueArrow(ctx context.Context, p oltp.Principal, query string) (*analyst.ArrowResult, error)
}

var _ Querier = (*analyst.Handler)(nil)

// Authenticator resolves a bearer token (oltp's (*API).PrincipalOf).
type Authenticator func(ctx context.Context, token string) (oltp.Principal, error)

// Server is the Flight SQL service. Create it with New and run it with Serve.
type Server struct {
	flightsql.BaseServer
	query Querier
	auth  Authenticator
}

// New returns a Flight SQL server answering with q, authenticating with auth.
func New(q Querier, auth Authenticator) *Server {
	s := &Server{query: q, auth: auth}
	s.Alloc = nil // batches come from DuckDB (the catalogue calls use the default allocator)
	s.registerSqlInfo()
	return s
}

// Serve serves Flight SQL on ln until ctx ends, then stops gracefully.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := aflight.NewServerWithMiddleware([]aflight.ServerMiddleware{
		aflight.CreateServerBasicAuthMiddleware(validator{s.auth}),
	})
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
	return s.run(ctx, string(tkt.GetStatementHandle()))
}

// CreatePreparedStatement returns the query itself as the handle.
func (s *Server) CreatePreparedStatement(ctx context.Context, req flightsql.ActionCreatePreparedStatementRequest) (flightsql.ActionCreatePreparedStatementResult, error) {
	if err := authorise(ctx); err != nil {
		return flightsql.ActionCreatePreparedStatementResult{}, err
	}
	return flightsql.ActionCreatePreparedStatementResult{Handle: []byte(req.GetQuery())}, nil
}

// ClosePreparedStatement has nothing to free.
func (s *Server) ClosePreparedStatement(context.Context, flightsql.ActionClosePreparedStatementRequest) error {
	return nil
}

// GetFlightInfoPreparedStatement answers with the command as the ticket.
func (s *Server) GetFlightInfoPreparedStatement(ctx context.Context, _ flightsql.PreparedStatementQuery, desc *aflight.FlightDescriptor) (*aflight.FlightInfo, error) {
	if err := authorise(ctx); err != nil {
		return nil, err
	}
	return &aflight.FlightInfo{Endpoint: []*aflight.FlightEndpoint{{Ticket: &aflight.Ticket{Ticket: desc.Cmd}}},
		FlightDescriptor: desc, TotalRecords: -1, TotalBytes: -1}, nil
}

// DoGetPreparedStatement runs the prepared query.
func (s *Server) DoGetPreparedStatement(ctx context.Context, cmd flightsql.PreparedStatementQuery) (*arrow.Schema, <-chan aflight.StreamChunk, error) {
	return s.run(ctx, string(cmd.GetPreparedStatementHandle()))
}

func (s *Server) run(ctx context.Context, query string) (*arrow.Schema, <-chan aflight.StreamChunk, error) {
	if err := authorise(ctx); err != nil {
		return nil, nil, err
	}
	res, err := s.query.QueryArrow(ctx, principal(ctx), query)
	if err != nil {
		return nil, nil, grpcError(err)
	}
	ch := make(chan aflight.StreamChunk, len(res.Batches))
	for _, b := range res.Batches {
		b.Retain() // the Flight writer releases each chunk it sends
		ch <- aflight.StreamChunk{Data: b}
	}
	close(ch)
	res.Release()
	return res.Schema, ch, nil
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

// grpcError maps an analyst problem to a gRPC status.
func grpcError(err error) error {
	var e *oltp.Error
	if !errors.As(err, &e) {
		return status.Error(codes.Internal, "the query failed")
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
