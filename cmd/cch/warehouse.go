package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/warehouse"
	"github.com/carcarehub/cch/warehouse/analyst"
	"github.com/carcarehub/cch/warehouse/flight"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func init() {
	register(command{name: "warehouse", summary: "stream PostgreSQL changes into the DuckDB warehouse (CDC)",
		new: func(stdout, stderr io.Writer) runner { return &warehouseCmd{stdout: stdout, stderr: stderr} }})
}

// warehouseConfig is the configuration of `cch warehouse`.
type warehouseConfig struct {
	DatabaseURL   string        // --database-url: a REPLICATION role (cch_replicator). Required.
	DuckDB        string        // --duckdb: warehouse file. Default .cch/warehouse.duckdb.
	Slot          string        // --slot: replication slot. Default cch_warehouse.
	Publication   string        // --publication: Default cch_pub.
	CreatePub     bool          // --create-publication: create it FOR ALL TABLES when missing. Default false.
	MemoryLimit   string        // --memory-limit: DuckDB memory_limit. Default 2GB.
	BatchRows     int           // --batch-rows: Default 50000.
	BatchBytes    int           // --batch-bytes: Default 64 MiB.
	BatchInterval time.Duration // --batch-interval: Default 50ms.
	MartsInterval time.Duration // --marts-interval: least time between two mart refreshes. Default 1s.
	MaxLag        time.Duration // --max-lag: /readyz fails beyond it. Default 30s.
	HTTP          string        // --http: metrics and health. Default 127.0.0.1:8081.
	// Analyst access (issue 6): both default "" (off).
	APIDatabaseURL string // --api-database-url: the API's login (cch_app) to check bearer tokens; serves /v1/analytics and /v1/sql on --http.
	FlightSQL      string // --flight-sql: Flight SQL listen address (needs --api-database-url).
}

func (c *warehouseConfig) validate() error {
	var errs []error
	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("--database-url is required"))
	}
	if c.DuckDB == "" {
		errs = append(errs, errors.New("--duckdb is required"))
	}
	if c.BatchRows < 1 || c.BatchBytes < 1 || c.BatchInterval <= 0 || c.MartsInterval <= 0 {
		errs = append(errs, errors.New("--batch-rows, --batch-bytes, --batch-interval and --marts-interval must be positive"))
	}
	if c.MaxLag < 0 {
		errs = append(errs, errors.New("--max-lag must not be negative"))
	}
	if _, _, err := net.SplitHostPort(c.HTTP); err != nil {
		errs = append(errs, fmt.Errorf("--http %q: %w", c.HTTP, err))
	}
	if c.FlightSQL != "" && c.APIDatabaseURL == "" {
		errs = append(errs, errors.New("--flight-sql needs --api-database-url (to check bearer tokens)"))
	}
	return errors.Join(errs...)
}

type warehouseCmd struct {
	stdout, stderr io.Writer
	cfg            warehouseConfig
	db             *warehouse.DB
	srv            *http.Server
	pool           *pgxpool.Pool // token lookup for analyst access
}

func (c *warehouseCmd) Parse(args []string) error {
	f := newFlags("warehouse", c.stderr)
	cfg := &c.cfg
	f.String(&cfg.DatabaseURL, "database-url", "", "PostgreSQL URL of a REPLICATION role (cch_replicator)")
	f.String(&cfg.DuckDB, "duckdb", ".cch/warehouse.duckdb", "DuckDB warehouse file")
	f.String(&cfg.Slot, "slot", "cch_warehouse", "logical replication slot")
	f.String(&cfg.Publication, "publication", "cch_pub", "publication to stream")
	f.Bool(&cfg.CreatePub, "create-publication", false, "create the publication FOR ALL TABLES when missing")
	f.String(&cfg.MemoryLimit, "memory-limit", "2GB", "DuckDB memory_limit")
	f.Int(&cfg.BatchRows, "batch-rows", 50_000, "close a batch after this many row changes")
	f.Int(&cfg.BatchBytes, "batch-bytes", 64<<20, "close a batch after this many bytes of changes")
	f.Duration(&cfg.BatchInterval, "batch-interval", 50*time.Millisecond, "close a batch after this long")
	f.Duration(&cfg.MartsInterval, "marts-interval", time.Second, "least time between two refreshes of the analytic marts (changes arriving meanwhile are refreshed together)")
	f.Duration(&cfg.MaxLag, "max-lag", 30*time.Second, "readiness fails when CDC lag exceeds this")
	f.String(&cfg.HTTP, "http", "127.0.0.1:8081", "metrics and health listen address")
	f.String(&cfg.APIDatabaseURL, "api-database-url", "", "PostgreSQL URL of the API login (cch_app) checking bearer tokens; enables /v1/analytics and /v1/sql")
	f.String(&cfg.FlightSQL, "flight-sql", "", "Flight SQL listen address (needs --api-database-url)")
	return f.Parse(args, cfg.validate)
}

func (c *warehouseCmd) Run(ctx context.Context) error {
	log := slog.New(slog.NewJSONHandler(c.stderr, nil)).With("cmd", "warehouse")
	db, err := warehouse.Open(ctx, c.cfg.DuckDB, warehouse.Options{MemoryLimit: c.cfg.MemoryLimit})
	if err != nil {
		return err
	}
	c.db = db
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	svc, err := warehouse.NewService(ctx, db, cdc.Config{
		URL: c.cfg.DatabaseURL, Slot: c.cfg.Slot, Publication: c.cfg.Publication, CreatePublication: c.cfg.CreatePub,
		BatchRows: c.cfg.BatchRows, BatchBytes: c.cfg.BatchBytes, BatchInterval: c.cfg.BatchInterval,
		Logger: log, Registerer: reg,
	}, warehouse.ServiceOptions{MartsInterval: c.cfg.MartsInterval})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.cfg.HTTP)
	if err != nil {
		return fmt.Errorf("listen %s: %w", c.cfg.HTTP, err)
	}
	handler := svc.Handler(c.cfg.MaxLag, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	if c.cfg.APIDatabaseURL != "" {
		if handler, err = c.analystAccess(ctx, svc, handler, log); err != nil {
			return err
		}
	}
	c.srv = oltp.NewHTTPServer(handler, log, oltp.Timeouts{})
	go c.srv.Serve(ln)
	fmt.Fprintf(c.stdout, "warehouse: metrics and health on http://%s\n", ln.Addr())
	return svc.Run(ctx)
}

func (c *warehouseCmd) Close() error {
	var errs []error
	if c.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		errs = append(errs, c.srv.Shutdown(ctx))
	}
	if c.db != nil {
		errs = append(errs, c.db.Close())
	}
	if c.pool != nil {
		c.pool.Close()
	}
	return errors.Join(errs...)
}

// --- analyst access (issue 6) ---

// analystAccess serves /v1/analytics and /v1/sql beside health (the rest
// of next) and, with --flight-sql, Flight SQL until ctx ends.
func (c *warehouseCmd) analystAccess(ctx context.Context, svc *warehouse.Service, next http.Handler, log *slog.Logger) (http.Handler, error) {
	var err error
	if c.pool, err = oltp.OpenPool(ctx, c.cfg.APIDatabaseURL, oltp.PoolConfig{ApplicationName: "cch-warehouse", MaxConns: 4}); err != nil {
		return nil, err
	}
	srv, err := oltp.NewServer(oltp.Options{Logger: log, Registry: prometheus.NewRegistry()})
	if err != nil {
		return nil, err
	}
	api := oltp.NewAPI(srv, c.pool, log)
	h, err := analyst.New(analyst.Config{DB: svc.DB().DB, Authenticate: api.Authenticate,
		Applied: svc.Marts().LSN, Ready: svc.Marts().Ready(), Logger: log})
	if err != nil {
		return nil, err
	}
	h.Mount(srv.Router(), api)
	if c.cfg.FlightSQL != "" {
		ln, err := net.Listen("tcp", c.cfg.FlightSQL)
		if err != nil {
			return nil, fmt.Errorf("listen %s: %w", c.cfg.FlightSQL, err)
		}
		go func() { // ends with ctx, like svc.Run
			if err := flight.New(h, api.PrincipalOf).Serve(ctx, ln); err != nil {
				log.Error("flight sql stopped", "err", err)
			}
		}()
		fmt.Fprintf(c.stdout, "warehouse: Flight SQL on %s\n", ln.Addr())
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/", srv.Handler())
	mux.Handle("/", next)
	return mux, nil
}
