package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/chauffeur"
	"github.com/carcarehub/cch/oltp/customers"
	"github.com/carcarehub/cch/oltp/finance"
	"github.com/carcarehub/cch/oltp/inventory"
	"github.com/carcarehub/cch/oltp/rosters"
	"github.com/carcarehub/cch/oltp/workshop"
)

func init() {
	register(command{name: "api", summary: "serve the stateless OLTP REST API",
		new: func(stdout, stderr io.Writer) runner { return &apiCmd{stdout: stdout, stderr: stderr} }})
}

// apiConfig is the configuration of `cch api`.
type apiConfig struct {
	DatabaseURL string // --database-url: the API's login (cch_app). Required.
	HTTP        string // --http: listen address. Default 127.0.0.1:8080.
	MaxConns    int    // --max-conns: pool size. Default 20.
	Pooler      string // --pooler: auto|none|transaction (what sits in front of Postgres). Default auto.
	LogLevel    string // --log-level: debug|info|warn|error. Default info.
	// TrustedProxies (--trusted-proxies): comma-separated addresses or
	// CIDRs of the load balancers whose X-Forwarded-For names the client.
	// Default none.
	TrustedProxies string
	Replica        replicaConfig
}

// proxies splits --trusted-proxies.
func (c *apiConfig) proxies() []string {
	var out []string
	for _, p := range strings.Split(c.TrustedProxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (c *apiConfig) validate() error {
	var errs []error
	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("--database-url (CCH_DATABASE_URL) is required"))
	}
	if _, _, err := net.SplitHostPort(c.HTTP); err != nil {
		errs = append(errs, fmt.Errorf("--http %q: %w", c.HTTP, err))
	}
	if c.MaxConns < 1 || c.MaxConns > 1000 {
		errs = append(errs, fmt.Errorf("--max-conns %d: must be 1..1000", c.MaxConns))
	}
	if !validLevel(c.LogLevel) {
		errs = append(errs, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel))
	}
	if !oltp.ValidPooler(c.Pooler) {
		errs = append(errs, fmt.Errorf("--pooler %q: want auto, none or transaction", c.Pooler))
	}
	for _, p := range c.proxies() {
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			errs = append(errs, fmt.Errorf("--trusted-proxies: %q is not an address or CIDR", p))
		}
	}
	if err := c.Replica.validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

type apiCmd struct {
	stdout, stderr io.Writer
	cfg            apiConfig
	part           *apiPart
	replica        *replicaPart
}

func (a *apiCmd) Parse(args []string) error {
	f := newFlags("api", a.stderr)
	f.String(&a.cfg.DatabaseURL, "database-url", "", "PostgreSQL URL of the API's login role (cch_app)")
	f.String(&a.cfg.HTTP, "http", "127.0.0.1:8080", "HTTP listen address")
	f.Int(&a.cfg.MaxConns, "max-conns", 20, "maximum Postgres connections in the pool")
	f.String(&a.cfg.Pooler, "pooler", "auto", "what sits in front of Postgres: none, transaction (PgBouncer transaction mode: no named prepared statements) or auto (transaction when the server's port is not the one dialled); none behind PgBouncer >= 1.21 with max_prepared_statements")
	f.String(&a.cfg.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	f.String(&a.cfg.TrustedProxies, "trusted-proxies", "", "comma-separated addresses or CIDRs of load balancers whose X-Forwarded-For names the client")
	a.cfg.Replica.register(f)
	return f.Parse(args, a.cfg.validate)
}

func (a *apiCmd) Run(ctx context.Context) error {
	log := newLogger(a.stdout, a.cfg.LogLevel)
	ln, err := net.Listen("tcp", a.cfg.HTTP)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.cfg.HTTP, errors.Unwrap(err))
	}
	defer ln.Close()
	pc := oltp.PoolConfig{ApplicationName: "cch-api", MaxConns: int32(a.cfg.MaxConns), Pooler: a.cfg.Pooler}
	reg := newRegistry()
	var checks []oltp.Check
	if a.replica, checks, err = openReplica(ctx, a.cfg.Replica, pc, reg); err != nil {
		return err
	}
	a.part, err = openAPIPart(ctx, a.cfg.DatabaseURL, pc,
		oltp.Options{Logger: log, Registry: reg, TrustedProxies: a.cfg.proxies(), Checks: checks})
	if err != nil {
		return err
	}
	a.replica.attach(a.part.api)
	log.Info("api listening", "url", "http://"+ln.Addr().String(), "replica", a.cfg.Replica.URL != "")
	return runAll(ctx, map[string]func(context.Context) error{
		"http":        func(ctx context.Context) error { return a.part.srv.Serve(ctx, ln) },
		"replica lag": a.replica.run,
	})
}

func (a *apiCmd) Close() error {
	a.part.Close()
	a.replica.Close()
	return nil
}

// newRegistry is a fresh Prometheus registry with the Go and process
// collectors and cch_build_info; every part registers its metrics on it.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), buildInfoGauge())
	return reg
}

// mountAPI mounts every /v1 workflow on srv.
func mountAPI(srv *oltp.Server, pool *pgxpool.Pool, log *slog.Logger) *oltp.API {
	api := oltp.NewAPI(srv, pool, log)
	customers.Register(api)
	workshop.Register(api)
	inventory.Register(api)
	finance.Register(api)
	chauffeur.Register(api)
	rosters.Register(api)
	return api
}

func pingCheck(pool *pgxpool.Pool) oltp.Check {
	return oltp.Check{Name: "postgres", Fn: func(ctx context.Context) error { return pool.Ping(ctx) }}
}
