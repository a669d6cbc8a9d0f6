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
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/internal/pglocal"
	"github.com/carcarehub/cch/internal/simulate"
	"github.com/carcarehub/cch/migrations"
	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/warehouse"
	"github.com/carcarehub/cch/warehouse/analyst"
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
	DataDir  string  // --data-dir: cluster, DuckDB file, dev.json, tokens.json. Default ./.cch.
	HTTP     string  // --http: listen address. Default 127.0.0.1:8080.
	PGPort   int     // --pg-port: local Postgres port; 0 = the previous one if free, else any free. Default 0.
	PGBin    string  // --pg-bin: directory of initdb/postgres; empty searches PATH, pg_config, /usr/lib/postgresql. Default "".
	LogLevel string  // --log-level: debug|info|warn|error. Default info.
	Seed     bool    // --demo: load the demo dataset (13 months up to today, a 4-week forward book) into an empty database and keep demo tokens. Default true.
	Webhook  string  // --webhook-url: where the notification outbox POSTs; empty = queue only. Default "".
	Secret   string  // --webhook-secret: HMAC key for X-CCH-Signature. Default "dev-secret".
	TLS      bool    // --tls: the local Postgres runs with TLS (own CA) and every connection verifies it. Default false.
	Standby  bool    // --standby: a hot standby streams from the local Postgres; the API's list and report reads go to it. Default false.
	Simulate float64 // --simulate: business simulator actions per second through the API; 0 stops it. Default 0.5.
	Bounds   boundsConfig
}

func (c *devConfig) validate() error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("--data-dir must not be empty"))
	}
	if _, _, err := net.SplitHostPort(c.HTTP); err != nil {
		errs = append(errs, fmt.Errorf("--http %q: %w", c.HTTP, err))
	}
	if c.Simulate < 0 || c.Simulate > 50 {
		errs = append(errs, fmt.Errorf("--simulate %g: want 0 (off) to 50 actions per second", c.Simulate))
	}
	if c.PGPort < 0 || c.PGPort > 65535 {
		errs = append(errs, fmt.Errorf("--pg-port %d: must be 0..65535", c.PGPort))
	}
	if !validLevel(c.LogLevel) {
		errs = append(errs, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel))
	}
	if err := c.Bounds.validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

type devCmd struct {
	stdout, stderr io.Writer
	cfg            devConfig
	devJSON        string // removed on a clean stop
	log            *slog.Logger
	cluster        *pglocal.Cluster
	standby        *pglocal.Cluster // --standby
	replica        *replicaPart
	api            *apiPart      // the REST API as cch_app, with the warehouse readers and dashboards mounted
	workerPool     *pgxpool.Pool // the jobs' (cch_worker)
	workerURL      string
	duck           *warehouse.DB
	warehouse      *warehouse.Service
	seeded         atomic.Bool            // demo data and tokens are in place
	demoEnd        atomic.Pointer[string] // WAL position after the demo seed (see demoReady)
	demoApplied    atomic.Uint64          // the warehouse's applied position once it held the demo
	demoVisible    atomic.Bool            // the marts show the demo
	flight         *flightPart            // Flight SQL beside the HTTP port
	audit          *analyst.AuditLog
	views          *scope.Manager // analysts' per-role views
	sim            atomic.Pointer[simulate.Simulator]
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
	f.Float64(&d.cfg.Simulate, "simulate", 0.5, "business simulator: actions per second the demo staff take through the API (bookings, arrivals, repair orders to payment, stock); 0 stops it")
	d.cfg.Bounds.register(f)
	f.Bool(&d.cfg.Standby, "standby", false, "also run a hot standby of the local Postgres (DATA_DIR/pg-standby, replica_url in dev.json); the API's list and report reads go to it")
	f.Bool(&d.cfg.TLS, "tls", false, "run the local Postgres with TLS only (a CA and server certificate under DATA_DIR/pg/tls) and verify it on every connection (sslmode=verify-full)")
	return f.Parse(args, d.cfg.validate)
}

// devInfo is DATA_DIR/dev.json, the contract with tools and tests.
type devInfo struct {
	HTTPURL        string `json:"http_url"`
	DatabaseURL    string `json:"database_url"`
	AppDatabaseURL string `json:"app_database_url"`
	ReplicaURL     string `json:"replica_url,omitempty"`
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
	d.cluster, err = pglocal.Start(ctx, pglocal.Config{Dir: filepath.Join(dataDir, "pg"), Port: d.cfg.PGPort, BinDir: d.cfg.PGBin, Logger: d.log, TLS: d.cfg.TLS})
	if err != nil {
		return err
	}
	info, err := d.prepareDatabase(ctx, dataDir)
	if err != nil {
		return err
	}
	if d.cfg.Standby {
		if info.ReplicaURL, err = d.startStandby(ctx, dataDir); err != nil {
			return err
		}
	}
	reg := newRegistry()
	if err := d.openWarehouse(ctx, dataDir, reg); err != nil {
		return err
	}
	if err := d.openParts(ctx, info, reg); err != nil {
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
	return d.runParts(ctx, dataDir, ln)
}

// runParts runs the parts of `cch api`, `cch warehouse` and `cch worker`
// side by side in this process, with the one-off demo seeding (the jobs
// start once it is in) and a watch on the local Postgres, until ctx ends
// or one fails.
func (d *devCmd) runParts(ctx context.Context, dataDir string, ln net.Listener) error {
	jobs := &jobs{Pool: d.workerPool, Webhook: d.cfg.Webhook, Secret: []byte(d.cfg.Secret), NotifyEvery: 2 * time.Second,
		DispatchEvery: 30 * time.Second, PartitionsAhead: 3, PartitionsEvery: time.Hour, Log: d.log,
		AuditKey: filepath.Join(dataDir, "audit.key"), AuditFile: filepath.Join(dataDir, "audit-checkpoints.jsonl"), AuditEvery: 5 * time.Minute}
	if !d.cfg.Seed {
		d.seeded.Store(true)
	}
	return runAll(ctx, map[string]func(context.Context) error{
		"http":              func(ctx context.Context) error { return d.api.srv.Serve(ctx, ln) },
		"simulator":         func(ctx context.Context) error { return d.simulateBusiness(ctx, dataDir, "http://"+ln.Addr().String()) },
		"warehouse":         d.warehouse.Run,
		"flight sql":        d.flight.serve,
		"analyst audit log": d.audit.Run,
		"warehouse audit checkpoints": (&warehouseCheckpoints{DB: d.duck, KeyFile: filepath.Join(dataDir, "audit.key"),
			Every: time.Minute, Log: d.log}).Run,
		"analyst views": func(ctx context.Context) error { return d.views.Run(ctx, scope.RefreshInterval) },
		"hot standby":   func(ctx context.Context) error { return d.watchStandby(ctx, dataDir) },
		"replica lag":   d.replica.run,
		"postgres": func(ctx context.Context) error {
			select {
			case <-d.cluster.Done():
				return errors.New("local postgres exited unexpectedly; see " + filepath.Join(dataDir, "pg", "postgres.log"))
			case <-ctx.Done():
				return nil
			}
		},
		"jobs": func(ctx context.Context) error {
			if d.cfg.Seed {
				if err := d.seedDemo(ctx, dataDir); err != nil {
					return fmt.Errorf("demo data: %w", err)
				}
			}
			return jobs.Run(ctx)
		},
	})
}

// prepareDatabase creates the dev database and migrates it as a
// deployment does: the superuser bootstrap (roles, passwords kept in
// DATA_DIR/secrets.json), then every other file applied as cch_owner.
func (d *devCmd) prepareDatabase(ctx context.Context, dataDir string) (devInfo, error) {
	if err := d.resetInterruptedDemo(ctx, dataDir); err != nil {
		return devInfo{}, err
	}
	if err := d.cluster.CreateDatabase(ctx, devDatabase); err != nil {
		return devInfo{}, err
	}
	secrets, err := loadSecrets(filepath.Join(dataDir, "secrets.json"))
	if err != nil {
		return devInfo{}, err
	}
	passwords := map[string]string{}
	for _, role := range migrations.LoginRoles {
		passwords[role] = secrets[role]
	}
	if _, err := migrations.Bootstrap(ctx, d.cluster.SuperuserURL(devDatabase), migrations.Embedded(),
		migrations.BootstrapOptions{Passwords: passwords, Log: d.log}); err != nil {
		return devInfo{}, fmt.Errorf("bootstrap: %w", err)
	}
	info := devInfo{DatabaseURL: d.url("cch_owner", secrets), AppDatabaseURL: d.url("cch_app", secrets)}
	applied, err := migrations.Apply(ctx, info.DatabaseURL, d.log)
	if err != nil {
		return devInfo{}, fmt.Errorf("apply migrations: %w", err)
	}
	d.log.Info("migrations current", "applied_now", len(applied))
	d.workerURL = d.url("cch_worker", secrets)
	return info, nil
}

// url is the dev database's URL for a login role.
func (d *devCmd) url(role string, secrets map[string]string) string {
	return d.cluster.URL(role, secrets[role], devDatabase)
}

// openWarehouse opens the DuckDB file beside the cluster and the CDC
// pipeline that feeds it (as cch_replicator, slot cch_dev).
func (d *devCmd) openWarehouse(ctx context.Context, dataDir string, reg *prometheus.Registry) error {
	secrets, err := loadSecrets(filepath.Join(dataDir, "secrets.json"))
	if err != nil {
		return err
	}
	d.duck, err = warehouse.Open(ctx, filepath.Join(dataDir, "warehouse.duckdb"), d.cfg.Bounds.options(warehouse.Options{}))
	if err != nil {
		return err
	}
	d.warehouse, err = warehouse.NewService(ctx, d.duck, cdc.Config{
		URL:  d.url("cch_replicator", secrets),
		Slot: "cch_dev", Publication: "cch_pub", Logger: d.log, Registerer: reg,
	})
	return err
}

// openParts opens the API (as cch_app) with the warehouse's readers and
// the dashboards on the same server, the Flight SQL listener, and the
// worker's pool (as cch_worker).
func (d *devCmd) openParts(ctx context.Context, info devInfo, reg *prometheus.Registry) error {
	checks := []oltp.Check{{Name: "migrations", Fn: func(ctx context.Context) error {
		st, err := migrations.StatusOf(ctx, info.DatabaseURL)
		if err != nil {
			return err
		}
		if len(st.Pending) > 0 {
			return fmt.Errorf("%d pending migrations", len(st.Pending))
		}
		return nil
	}}, {Name: "warehouse", Fn: func(context.Context) error { return d.warehouse.Check(devMaxLag) }},
		{Name: "demo_data", Fn: d.demoReady}}
	pc := oltp.PoolConfig{ApplicationName: "cch-dev"}
	replica, replicaChecks, err := openReplica(ctx, replicaConfig{URL: info.ReplicaURL, MaxWait: 2 * time.Second, MaxLag: devMaxLag}, pc, reg)
	if err != nil {
		return err
	}
	d.replica = replica
	d.api, err = openAPIPart(ctx, info.AppDatabaseURL, pc,
		oltp.Options{Logger: d.log, Registry: reg, Checks: append(checks, replicaChecks...), ShutdownTimeout: 3 * time.Second})
	if err != nil {
		return err
	}
	d.replica.attach(d.api.api)
	if d.audit, err = openAuditLog(ctx, info.AppDatabaseURL, filepath.Join(filepath.Dir(d.duck.Path()), "warehouse.duckdb"), d.log); err != nil {
		return err
	}
	if d.views, err = analystViews(d.warehouse, d.api.pool, "cch_pub", d.log); err != nil {
		return err
	}
	h, err := mountWarehouse(d.api.srv, d.api.api, d.warehouse, d.views, d.log, d.cfg.Bounds.analystConfig(analyst.Config{}, d.duck, d.audit), &d.cfg.Bounds)
	if err != nil {
		return err
	}
	host, _, _ := net.SplitHostPort(d.cfg.HTTP)
	if d.flight, err = listenFlight(net.JoinHostPort(host, "0"), h, d.api.api); err != nil {
		return err
	}
	d.workerPool, err = oltp.OpenPool(ctx, d.workerURL, oltp.PoolConfig{ApplicationName: "cch-dev-worker", MaxConns: 4})
	return err
}

// Close stops what Run started: the pool, then Postgres (within 8 s, so the
// whole stop stays under 10 s).
func (d *devCmd) Close() error {
	d.api.Close()
	d.replica.Close()
	if d.workerPool != nil {
		d.workerPool.Close()
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
	standbyErr := d.stopStandby(ctx)
	err := d.cluster.Stop(ctx)
	if err == nil && d.log != nil {
		d.log.Info("local postgres stopped")
	}
	return errors.Join(duckErr, standbyErr, err)
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
	for _, role := range migrations.LoginRoles {
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
