package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sort"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/carcarehub/cch/dashboards"
	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/warehouse"
	"github.com/carcarehub/cch/warehouse/analyst"
	"github.com/carcarehub/cch/warehouse/flight"
	"github.com/carcarehub/cch/warehouse/marts"
	"github.com/carcarehub/cch/warehouse/scope"
)

// The parts every process is made of. `cch api`, `cch warehouse` and
// `cch worker` each run some of them; `cch dev` runs all of them in one
// process, through the same functions.

// runAll runs the named parts side by side until ctx ends or one fails
// (which stops the others); every part has returned when runAll returns.
func runAll(ctx context.Context, parts map[string]func(context.Context) error) error {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	names := make([]string, 0, len(parts))
	for name := range parts {
		names = append(names, name)
	}
	sort.Strings(names)
	var wg sync.WaitGroup
	errs := make(chan error, len(parts))
	for _, name := range names {
		fn := parts[name]
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(runCtx); err != nil && runCtx.Err() == nil {
				errs <- fmt.Errorf("%s: %w", name, err)
				cancel()
			}
		}()
	}
	<-runCtx.Done()
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}

// apiPart is the REST API: its pool, the HTTP server and the /v1 routes.
type apiPart struct {
	pool *pgxpool.Pool
	srv  *oltp.Server
	api  *oltp.API
}

// openAPIPart opens the API's pool (pc) on url and mounts every /v1
// workflow on a new server; opts.Checks gain the Postgres ping.
func openAPIPart(ctx context.Context, url string, pc oltp.PoolConfig, opts oltp.Options) (*apiPart, error) {
	pool, err := oltp.OpenPool(ctx, url, pc)
	if err != nil {
		return nil, err
	}
	opts.Checks = append([]oltp.Check{pingCheck(pool)}, opts.Checks...)
	if opts.Registry != nil {
		opts.Registry.MustRegister(oltp.NewPoolCollector(pool, "api"))
	}
	srv, err := oltp.NewServer(opts)
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &apiPart{pool: pool, srv: srv, api: mountAPI(srv, pool, opts.Logger)}, nil
}

func (p *apiPart) Close() {
	if p != nil && p.pool != nil {
		p.pool.Close()
	}
}

// mountWarehouse serves the warehouse's readers on srv, authenticated by
// api's bearer tokens: GET /v1/analytics[/{name}], POST /v1/sql and the
// executive pages under /dashboards, with cfg's bounds and audit log. It
// returns the analyst handler the
// Flight SQL server answers with.
func mountWarehouse(srv *oltp.Server, api *oltp.API, w *warehouse.Service, views *scope.Manager, log *slog.Logger, cfg analyst.Config, b *boundsConfig) (*analyst.Handler, error) {
	cfg.DB, cfg.Authenticate, cfg.Applied, cfg.Ready, cfg.Scope, cfg.Logger = w.DB().DB, api.Authenticate, w.LSN, w.Marts().Ready(), views, log
	h, err := analyst.New(cfg)
	if err != nil {
		return nil, err
	}
	h.Mount(srv.Router(), api)
	dash, err := dashboards.New(dashboards.Config{Authenticate: api.Authenticate, Logger: log,
		Warehouse:  dashboards.NewMarts(w.DB().DB, w.LSN, w.Marts().Ready()),
		Access:     analyst.NewAnalyticAccess(w.DB().DB, views).Open,
		MaxStreams: b.MaxStreams, MaxStreamsPerToken: b.MaxStreamsPerToken})
	if err != nil {
		return nil, err
	}
	dash.Mount(srv.Router())
	return h, nil
}

// analystViews derives every business role's warehouse views from the
// grants and row-level security policies PostgreSQL (pg, the API's login)
// holds for the tables of publication (see scope). Run keeps them current.
func analystViews(w *warehouse.Service, pg scope.Querier, publication string, log *slog.Logger) (*scope.Manager, error) {
	derived, err := marts.Definitions()
	if err != nil {
		return nil, err
	}
	m, err := scope.NewManager(scope.Config{DB: w.DB().DB, PG: pg, Publication: publication,
		Roles: oltp.Roles, Derived: derived, Logger: log, Instance: w.DB().Instance})
	if err != nil {
		return nil, err
	}
	w.ServeRoleExports(m.Acquire)
	return m, nil
}

// flightPart is the Flight SQL server and its listener.
type flightPart struct {
	ln  net.Listener
	srv *flight.Server
}

// listenFlight prepares the Flight SQL server on addr for h, with api's
// bearer tokens.
func listenFlight(addr string, h flight.Querier, api *oltp.API, opts ...flight.Option) (*flightPart, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("flight sql listener %s: %w", addr, err)
	}
	return &flightPart{ln: ln, srv: flight.New(h, api.PrincipalOf, opts...)}, nil
}

func (f *flightPart) serve(ctx context.Context) error { return f.srv.Serve(ctx, f.ln) }
