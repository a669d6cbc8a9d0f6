package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/dashboards"
	"github.com/carcarehub/cch/internal/pglocal"
	"github.com/carcarehub/cch/migrations"
	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/chauffeur"
	"github.com/carcarehub/cch/oltp/notify"
	"github.com/carcarehub/cch/warehouse"
	"github.com/carcarehub/cch/warehouse/analyst"
	"github.com/carcarehub/cch/warehouse/flight"
	"github.com/carcarehub/cch/warehouse/marts"
	"github.com/carcarehub/cch/warehouse/scope"
)

func init() {
	register(command{name: "dev", summary: "run the whole platform on a managed local Postgres (make run)",
		new: func(stdout, stderr io.Writer) runner { return &devCmd{stdout: stdout, stderr: stderr} }})
}

// devDatabase is the database `cch dev` creates in its local cluster.
const devDatabase = "cch"

// devConfig is the configuration of `cch dev`.
type devConfig struct {
	DataDir  string // --data-dir: cluster, DuckDB file, dev.json, tokens.json. Default ./.cch.
	HTTP     string // --http: listen address. Default 127.0.0.1:8080.
	PGPort   int    // --pg-port: local Postgres port; 0 = the previous one if free, else any free. Default 0.
	PGBin    string // --pg-bin: directory of initdb/postgres; empty searches PATH, pg_config, /usr/lib/postgresql. Default "".
	LogLevel string // --log-level: debug|info|warn|error. Default info.
	Seed     bool   // --demo: load the ~3-month demo dataset into an empty database and write demo tokens. Default true.
	Webhook  string // --webhook-url: where the notification outbox POSTs; empty = queue only. Default "".
	Secret   string // --webhook-secret: HMAC key for X-CCH-Signature. Default "dev-secret".
}

func (c *devConfig) validate() error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("--data-dir must not be empty"))
	}
	if _, _, err := net.SplitHostPort(c.HTTP); err != nil {
		errs = append(errs, fmt.Errorf("--http %q: %w", c.HTTP, err))
	}
	if c.PGPort < 0 || c.PGPort > 65535 {
		errs = append(errs, fmt.Errorf("--pg-port %d: must be 0..65535", c.PGPort))
	}
	if !validLevel(c.LogLevel) {
		errs = append(errs, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(errs...)
}

type devCmd struct {
	stdout, stderr io.Writer
	cfg            devConfig
	devJSON        string // removed on a clean stop
	log            *slog.Logger
	cluster        *pglocal.Cluster
	pool           *pgxpool.Pool // the API's (cch_app)
	admin          *pgxpool.Pool // local superuser: workers across organisations
	duck           *warehouse.DB
	warehouse      *warehouse.Service
	seeded         atomic.Bool // demo data and tokens are in place
	flight         *flightPart // Flight SQL beside the HTTP port (issue 6)
}

// devMaxLag is how far the dev warehouse may trail Postgres and still be ready.
const devMaxLag = 30 * time.Second

func (d *devCmd) Parse(args []string) error {
	f := newFlags("dev", d.stderr)
	f.String(&d.cfg.DataDir, "data-dir", ".cch", "directory for the local cluster, DuckDB file and dev.json")
	f.String(&d.cfg.HTTP, "http", "127.0.0.1:8080", "HTTP listen address")
	f.Int(&d.cfg.PGPort, "pg-port", 0, "local Postgres port (0: previous if free, else any free)")
	f.String(&d.cfg.PGBin, "pg-bin", "", "directory holding initdb and postgres (default: search PATH, pg_config, /usr/lib/postgresql)")
	f.String(&d.cfg.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	f.Bool(&d.cfg.Seed, "demo", true, "seed demo data into an empty database and write demo tokens to tokens.json")
	f.String(&d.cfg.Webhook, "webhook-url", "", "webhook receiving notifications (booking reminders, inventory alerts); empty: queue only")
	f.String(&d.cfg.Secret, "webhook-secret", "dev-secret", "HMAC-SHA256 key signing webhook deliveries")
	return f.Parse(args, d.cfg.validate)
}

// devInfo is DATA_DIR/dev.json, the contract with tools and tests.
type devInfo struct {
	HTTPURL        string `json:"http_url"`
	DatabaseURL    string `json:"database_url"`
	AppDatabaseURL string `json:"app_database_url"`
	FlightSQLAddr  string `json:"flight_sql_addr"`
	PID            int    `json:"pid"`
}

func (d *devCmd) Run(ctx context.Context) error {
	d.log = newLogger(d.stdout, d.cfg.LogLevel)
	// Take the port first: a busy port fails fast, before Postgres starts.
	ln, err := net.Listen("tcp", d.cfg.HTTP)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", d.cfg.HTTP, errors.Unwrap(err))
	}
	defer ln.Close()
	dataDir, err := filepath.Abs(d.cfg.DataDir)
	if err != nil {
		return err
	}
	d.cluster, err = pglocal.Start(ctx, pglocal.Config{Dir: filepath.Join(dataDir, "pg"), Port: d.cfg.PGPort, BinDir: d.cfg.PGBin, Logger: d.log})
	if err != nil {
		return err
	}
	info, err := d.prepareDatabase(ctx, dataDir)
	if err != nil {
		return err
	}
	reg := newRegistry()
	if err := d.openWarehouse(ctx, dataDir, reg); err != nil {
		return err
	}
	srv, err := d.server(ctx, info, reg)
	if err != nil {
		return err
	}
	info.HTTPURL = "http://" + ln.Addr().String()
	info.PID = os.Getpid()
	info.FlightSQLAddr = d.flight.ln.Addr().String()
	d.devJSON = filepath.Join(dataDir, "dev.json")
	if err := writeJSON(d.devJSON, info); err != nil {
		return err
	}
	d.log.Info("car care hub is running", "url", info.HTTPURL, "dev_json", d.devJSON)
	fmt.Fprintf(d.stderr, "\nCar Care Hub is running at %s  (Ctrl-C stops it)\n\n", info.HTTPURL)
	return d.runParts(ctx, dataDir, srv, ln)
}

// runParts runs the long-lived parts side by side until ctx ends or one
// fails: HTTP, the CDC pipeline, the one-off demo seeding, and a watch on
// the local Postgres. Every goroutine ends before runParts returns.
func (d *devCmd) runParts(ctx context.Context, dataDir string, srv *oltp.Server, ln net.Listener) error {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	start := func(name string, fn func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(runCtx); err != nil && runCtx.Err() == nil {
				errs <- fmt.Errorf("%s: %w", name, err)
				cancel()
			}
		}()
	}
	start("http", func(ctx context.Context) error { return srv.Serve(ctx, ln) })
	start("warehouse", d.warehouse.Run)
	start("postgres", func(ctx context.Context) error {
		select {
		case <-d.cluster.Done():
			return errors.New("local postgres exited unexpectedly; see " + filepath.Join(dataDir, "pg", "postgres.log"))
		case <-ctx.Done():
			return nil
		}
	})
	if d.cfg.Seed {
		start("demo data", func(ctx context.Context) error {
			if err := d.seedDemo(ctx, dataDir); err != nil {
				return err
			}
			return d.autoDispatch(ctx)
		})
	} else {
		d.seeded.Store(true)
	}
	start("notifications", d.notifier().Run)
	start("flight sql", d.flight.serve)
	<-runCtx.Done()
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}

// prepareDatabase creates the dev database, applies the migrations and
// gives the login roles passwords kept in DATA_DIR/secrets.json.
func (d *devCmd) prepareDatabase(ctx context.Context, dataDir string) (devInfo, error) {
	if err := d.resetInterruptedDemo(ctx, dataDir); err != nil {
		return devInfo{}, err
	}
	if err := d.cluster.CreateDatabase(ctx, devDatabase); err != nil {
		return devInfo{}, err
	}
	superURL := d.cluster.SuperuserURL(devDatabase)
	applied, err := migrations.Apply(ctx, superURL, d.log)
	if err != nil {
		return devInfo{}, fmt.Errorf("apply migrations: %w", err)
	}
	d.log.Info("migrations current", "applied_now", len(applied))
	secrets, err := loadSecrets(filepath.Join(dataDir, "secrets.json"))
	if err != nil {
		return devInfo{}, err
	}
	info := devInfo{DatabaseURL: superURL, AppDatabaseURL: superURL}
	conn, err := pgx.Connect(ctx, superURL)
	if err != nil {
		return devInfo{}, fmt.Errorf("connect to local cluster: %w", err)
	}
	defer conn.Close(ctx)
	for _, role := range []string{"cch_owner", "cch_app", "cch_replicator"} {
		var exists bool
		if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", role).Scan(&exists); err != nil {
			return devInfo{}, fmt.Errorf("look up role %s: %w", role, err)
		}
		if !exists {
			continue // the schema that creates it has not landed yet
		}
		// ALTER ROLE takes no bind parameters; the password is hex we generated.
		if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER ROLE %s LOGIN PASSWORD '%s'", pgx.Identifier{role}.Sanitize(), secrets[role])); err != nil {
			return devInfo{}, fmt.Errorf("set password of %s: %w", role, err)
		}
		switch role {
		case "cch_owner":
			info.DatabaseURL = d.cluster.URL(role, secrets[role], devDatabase)
		case "cch_app":
			info.AppDatabaseURL = d.cluster.URL(role, secrets[role], devDatabase)
		}
	}
	return info, nil
}

// openWarehouse opens the DuckDB file beside the cluster and the CDC
// pipeline that feeds it (as cch_replicator, slot cch_dev).
func (d *devCmd) openWarehouse(ctx context.Context, dataDir string, reg *prometheus.Registry) error {
	secrets, err := loadSecrets(filepath.Join(dataDir, "secrets.json"))
	if err != nil {
		return err
	}
	d.duck, err = warehouse.Open(ctx, filepath.Join(dataDir, "warehouse.duckdb"), warehouse.Options{})
	if err != nil {
		return err
	}
	d.warehouse, err = warehouse.NewService(ctx, d.duck, cdc.Config{
		URL:  d.cluster.URL("cch_replicator", secrets["cch_replicator"], devDatabase),
		Slot: "cch_dev", Publication: "cch_pub", Logger: d.log, Registerer: reg,
	})
	return err
}

func (d *devCmd) server(ctx context.Context, info devInfo, reg *prometheus.Registry) (*oltp.Server, error) {
	var err error
	d.pool, err = oltp.OpenPool(ctx, info.AppDatabaseURL, oltp.PoolConfig{ApplicationName: "cch-dev"})
	if err != nil {
		return nil, err
	}
	superURL := d.cluster.SuperuserURL(devDatabase)
	if d.admin, err = oltp.OpenPool(ctx, superURL, oltp.PoolConfig{ApplicationName: "cch-dev-workers", MaxConns: 4}); err != nil {
		return nil, err
	}
	checks := []oltp.Check{pingCheck(d.pool), {Name: "migrations", Fn: func(ctx context.Context) error {
		st, err := migrations.StatusOf(ctx, superURL)
		if err != nil {
			return err
		}
		if len(st.Pending) > 0 {
			return fmt.Errorf("%d pending migrations", len(st.Pending))
		}
		return nil
	}}}
	checks = append(checks,
		oltp.Check{Name: "warehouse", Fn: func(context.Context) error { return d.warehouse.Check(devMaxLag) }},
		oltp.Check{Name: "demo_data", Fn: func(context.Context) error {
			if !d.seeded.Load() {
				return errors.New("demo data is still loading")
			}
			return nil
		}})
	srv, err := oltp.NewServer(oltp.Options{Logger: d.log, Registry: reg, Checks: checks, ShutdownTimeout: 3 * time.Second})
	if err != nil {
		return nil, err
	}
	api := mountAPI(srv, d.pool, d.log)
	if d.flight, err = mountAnalyst(srv, api, d.pool, d.warehouse, d.cfg.HTTP, d.log); err != nil {
		return nil, err
	}
	// Executive pages (issue 7) at /dashboards, over the same warehouse and tokens.
	dash, err := dashboards.New(dashboards.Config{Authenticate: api.Authenticate, Logger: d.log,
		Warehouse: dashboards.NewMarts(d.warehouse.DB().DB, d.warehouse.Marts().LSN, d.warehouse.Marts().Ready())})
	if err != nil {
		return nil, err
	}
	dash.Mount(srv.Router())
	return srv, nil
}

// --- warehouse analytics (issue 6) ---

// mountAnalyst serves GET /v1/analytics[/{name}] and POST /v1/sql from the
// warehouse w, authenticated by api's bearer tokens, and prepares the
// Flight SQL server on a free port of httpAddr's host.
func mountAnalyst(srv *oltp.Server, api *oltp.API, pg scope.Querier, w *warehouse.Service, httpAddr string, log *slog.Logger) (*flightPart, error) {
	derived, err := marts.Definitions()
	if err != nil {
		return nil, err
	}
	views, err := scope.NewManager(scope.Config{DB: w.DB().DB, PG: pg, Roles: oltp.Roles, Derived: derived, Logger: log})
	if err != nil {
		return nil, err
	}
	h, err := analyst.New(analyst.Config{DB: w.DB().DB, Authenticate: api.Authenticate,
		Applied: w.Marts().LSN, Ready: w.Marts().Ready(), Scope: views, Logger: log})
	if err != nil {
		return nil, err
	}
	h.Mount(srv.Router(), api)
	host, _, _ := net.SplitHostPort(httpAddr)
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil, fmt.Errorf("flight sql listener: %w", err)
	}
	return &flightPart{ln: ln, srv: flight.New(h, api.PrincipalOf), views: views}, nil
}

// flightPart is the Flight SQL server and its listener, and the analysts'
// views it keeps current while it serves.
type flightPart struct {
	ln    net.Listener
	srv   *flight.Server
	views *scope.Manager
}

func (f *flightPart) serve(ctx context.Context) error {
	go func() { _ = f.views.Run(ctx, scope.RefreshInterval) }() // ends with ctx
	return f.srv.Serve(ctx, f.ln)
}

// notifier is the outbox worker; it works across organisations, so it uses
// the local superuser (which bypasses row-level security).
func (d *devCmd) notifier() *notify.Worker {
	return &notify.Worker{Pool: d.admin, URL: d.cfg.Webhook, Secret: []byte(d.cfg.Secret), Log: d.log}
}

// autoDispatch runs the chauffeur auto-dispatch worker for the first
// organisation, acting as its first dispatcher.
func (d *devCmd) autoDispatch(ctx context.Context) error {
	var p oltp.Principal
	err := d.admin.QueryRow(ctx, `SELECT r.staff_id, r.organisation_id,
		  (SELECT array_agg(b.id ORDER BY b.id) FROM core.branch b WHERE b.organisation_id = r.organisation_id)
		FROM core.staff_role r WHERE r.role = 'dispatcher' ORDER BY r.organisation_id, r.staff_id LIMIT 1`).Scan(&p.StaffID, &p.OrganisationID, &p.BranchIDs)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	} else if err != nil {
		return fmt.Errorf("find a dispatcher: %w", err)
	}
	p.Role = "dispatcher"
	return (&chauffeur.Worker{Pool: d.pool, Principal: p, Log: d.log}).Run(ctx)
}

// Close stops what Run started: the pool, then Postgres (within 8 s, so the
// whole stop stays under 10 s).
func (d *devCmd) Close() error {
	if d.pool != nil {
		d.pool.Close()
	}
	if d.admin != nil {
		d.admin.Close()
	}
	var duckErr error
	if d.duck != nil {
		duckErr = d.duck.Close()
	}
	if d.devJSON != "" {
		os.Remove(d.devJSON) // it names a running process; this one is ending
	}
	if d.cluster == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
	defer cancel()
	err := d.cluster.Stop(ctx)
	if err == nil && d.log != nil {
		d.log.Info("local postgres stopped")
	}
	return errors.Join(duckErr, err)
}

// loadSecrets returns the dev login passwords, generating and saving them
// (mode 0600) on first use so they survive restarts.
func loadSecrets(path string) (map[string]string, error) {
	secrets := map[string]string{}
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &secrets); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	case !errors.Is(err, os.ErrNotExist):
		return nil, err
	}
	changed := false
	for _, role := range []string{"cch_owner", "cch_app", "cch_replicator"} {
		if secrets[role] == "" {
			buf := make([]byte, 18)
			_, _ = rand.Read(buf)
			secrets[role] = hex.EncodeToString(buf)
			changed = true
		}
	}
	if changed {
		return secrets, writeJSON(path, secrets)
	}
	return secrets, nil
}

// writeJSON writes v atomically (temp file + rename), mode 0600.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}
