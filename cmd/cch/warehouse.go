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
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/warehouse"
	"github.com/carcarehub/cch/warehouse/analyst"
	"github.com/carcarehub/cch/warehouse/flight"
	"github.com/carcarehub/cch/warehouse/scope"
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
	ArchiveDir    string        // --archive-dir: `cch archive`'s directory; a new snapshot loads the archived months. Default "" (none).
	MaxLag        time.Duration // --max-lag: /readyz fails beyond it. Default 30s.
	HTTP          string        // --http: metrics and health. Default 127.0.0.1:8081.
	// Analyst access: both default "" (off).
	APIDatabaseURL string // --api-database-url: the API's login (cch_app) to check bearer tokens; serves /v1/analytics, /v1/sql and /dashboards on --http.
	FlightSQL      string // --flight-sql: Flight SQL listen address (needs --api-database-url).
	FlightTLSCert  string // --flight-tls-cert: PEM certificate; with --flight-tls-key Flight SQL serves TLS. Default "".
	FlightTLSKey   string // --flight-tls-key: PEM private key. Default "".
	// Audit checkpoints kept in the warehouse file: default "" (off).
	AuditKey   string        // --audit-key: HMAC key file (the one cch worker signs with; created if missing).
	AuditEvery time.Duration // --audit-interval: how often the mirrored chain heads are signed and recorded. Default 1m.
	Bounds     boundsConfig
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
	if c.AuditEvery <= 0 {
		errs = append(errs, errors.New("--audit-interval must be positive"))
	}
	if _, _, err := net.SplitHostPort(c.HTTP); err != nil {
		errs = append(errs, fmt.Errorf("--http %q: %w", c.HTTP, err))
	}
	if c.FlightSQL != "" && c.APIDatabaseURL == "" {
		errs = append(errs, errors.New("--flight-sql needs --api-database-url (to check bearer tokens)"))
	}
	if (c.FlightTLSCert == "") != (c.FlightTLSKey == "") || c.FlightTLSCert != "" && c.FlightSQL == "" {
		errs = append(errs, errors.New("--flight-tls-cert and --flight-tls-key go together, with --flight-sql"))
	}
	if err := c.Bounds.validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

type warehouseCmd struct {
	stdout, stderr io.Writer
	cfg            warehouseConfig
	db             *warehouse.DB
	srv            *http.Server
	pool           *pgxpool.Pool      // token lookup for analyst access
	auditStop      context.CancelFunc // ends the analyst audit log's writer
	auditDone      chan struct{}      // closed once it has written its last entries
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
	f.String(&cfg.ArchiveDir, "archive-dir", "", "cch archive's directory: every new snapshot loads the archived months (checksums verified) so history-based analytics keep them")
	f.Duration(&cfg.MaxLag, "max-lag", 30*time.Second, "readiness fails when CDC lag exceeds this")
	f.String(&cfg.HTTP, "http", "127.0.0.1:8081", "metrics and health listen address")
	f.String(&cfg.APIDatabaseURL, "api-database-url", "", "PostgreSQL URL of the API login (cch_app) checking bearer tokens; enables /v1/analytics, /v1/sql and /dashboards")
	f.String(&cfg.FlightSQL, "flight-sql", "", "Flight SQL listen address (needs --api-database-url)")
	f.String(&cfg.FlightTLSCert, "flight-tls-cert", "", "PEM certificate: Flight SQL serves TLS (with --flight-tls-key)")
	f.String(&cfg.FlightTLSKey, "flight-tls-key", "", "PEM private key of --flight-tls-cert")
	f.String(&cfg.AuditKey, "audit-key", "", "HMAC key file signing the audit chain heads this warehouse mirrors, kept in its DuckDB file for cch audit verify --warehouse (created if missing); empty: none")
	f.Duration(&cfg.AuditEvery, "audit-interval", time.Minute, "how often the mirrored audit chain heads are signed and recorded")
	cfg.Bounds.register(f)
	return f.Parse(args, cfg.validate)
}

func (c *warehouseCmd) Run(ctx context.Context) error {
	log := slog.New(slog.NewJSONHandler(c.stderr, nil)).With("cmd", "warehouse")
	db, err := warehouse.Open(ctx, c.cfg.DuckDB, c.cfg.Bounds.options(warehouse.Options{MemoryLimit: c.cfg.MemoryLimit}))
	if err != nil {
		return err
	}
	c.db = db
	reg := newRegistry()
	svc, err := warehouse.NewService(ctx, db, cdc.Config{
		URL: c.cfg.DatabaseURL, Slot: c.cfg.Slot, Publication: c.cfg.Publication, CreatePublication: c.cfg.CreatePub,
		BatchRows: c.cfg.BatchRows, BatchBytes: c.cfg.BatchBytes, BatchInterval: c.cfg.BatchInterval,
		Logger: log, Registerer: reg,
	}, warehouse.ServiceOptions{MartsInterval: c.cfg.MartsInterval, ArchiveDir: c.cfg.ArchiveDir})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.cfg.HTTP)
	if err != nil {
		return fmt.Errorf("listen %s: %w", c.cfg.HTTP, err)
	}
	handler := svc.Handler(c.cfg.MaxLag, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	if c.cfg.APIDatabaseURL != "" {
		if handler, err = c.analystAccess(ctx, svc, handler, reg, log); err != nil {
			return err
		}
	}
	if c.cfg.AuditKey != "" {
		cps := &warehouseCheckpoints{DB: svc.DB(), KeyFile: c.cfg.AuditKey, Every: c.cfg.AuditEvery, Log: log}
		go func() { _ = cps.Run(ctx) }() // ends with ctx, like svc.Run
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
	if c.auditDone != nil {
		c.auditStop()
		<-c.auditDone // the final write is bounded
	}
	if c.db != nil {
		errs = append(errs, c.db.Close())
	}
	if c.pool != nil {
		c.pool.Close()
	}
	return errors.Join(errs...)
}

// --- analyst access ---

// analystAccess serves /v1/analytics, /v1/sql and the dashboards beside
// health (the rest of next) and, with --flight-sql, Flight SQL until ctx
// ends.
func (c *warehouseCmd) analystAccess(ctx context.Context, svc *warehouse.Service, next http.Handler, reg *prometheus.Registry, log *slog.Logger) (http.Handler, error) {
	var err error
	if c.pool, err = oltp.OpenPool(ctx, c.cfg.APIDatabaseURL, oltp.PoolConfig{ApplicationName: "cch-warehouse", MaxConns: 4}); err != nil {
		return nil, err
	}
	reg.MustRegister(oltp.NewPoolCollector(c.pool, "warehouse"))
	qm, err := analyst.NewMetrics(reg)
	if err != nil {
		return nil, err
	}
	srv, err := oltp.NewServer(oltp.Options{Logger: log, Registry: prometheus.NewRegistry()})
	if err != nil {
		return nil, err
	}
	api := oltp.NewAPI(srv, c.pool, log)
	audit, err := openAuditLog(ctx, c.cfg.APIDatabaseURL, c.cfg.DuckDB, log)
	if err != nil {
		return nil, err
	}
	actx, stop := context.WithCancel(ctx)
	c.auditStop, c.auditDone = stop, make(chan struct{})
	go func() { // ends with ctx or Close, after a last write
		defer close(c.auditDone)
		_ = audit.Run(actx)
	}()
	views, err := analystViews(svc, c.pool, c.cfg.Publication, log)
	if err != nil {
		return nil, err
	}
	go func() { _ = views.Run(ctx, scope.RefreshInterval) }() // ends with ctx, like svc.Run
	h, err := mountWarehouse(srv, api, svc, views, log, c.cfg.Bounds.analystConfig(analyst.Config{Metrics: qm}, svc.DB(), audit), &c.cfg.Bounds)
	if err != nil {
		return nil, err
	}
	if c.cfg.FlightSQL != "" {
		tlsCfg, err := flightTLS(c.cfg.FlightTLSCert, c.cfg.FlightTLSKey)
		if err != nil {
			return nil, err
		}
		var opts []flight.Option
		if tlsCfg != nil {
			opts = append(opts, flight.WithTLS(tlsCfg))
		}
		fp, err := listenFlight(c.cfg.FlightSQL, analyst.Measured{Handler: h, M: qm}, api, opts...)
		if err != nil {
			return nil, err
		}
		go func() { // ends with ctx, like svc.Run
			if err := fp.serve(ctx); err != nil {
				log.Error("flight sql stopped", "err", err)
			}
		}()
		fmt.Fprintf(c.stdout, "warehouse: Flight SQL on %s\n", fp.ln.Addr())
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/", srv.Handler())
	mux.Handle("/dashboards", srv.Handler())
	mux.Handle("/dashboards/", srv.Handler())
	mux.Handle("/", next)
	return mux, nil
}
