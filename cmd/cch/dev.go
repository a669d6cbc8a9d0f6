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
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/carcarehub/cch/internal/pglocal"
	"github.com/carcarehub/cch/migrations"
	"github.com/carcarehub/cch/oltp"
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
	pool           *pgxpool.Pool
}

func (d *devCmd) Parse(args []string) error {
	f := newFlags("dev", d.stderr)
	f.String(&d.cfg.DataDir, "data-dir", ".cch", "directory for the local cluster, DuckDB file and dev.json")
	f.String(&d.cfg.HTTP, "http", "127.0.0.1:8080", "HTTP listen address")
	f.Int(&d.cfg.PGPort, "pg-port", 0, "local Postgres port (0: previous if free, else any free)")
	f.String(&d.cfg.PGBin, "pg-bin", "", "directory holding initdb and postgres (default: search PATH, pg_config, /usr/lib/postgresql)")
	f.String(&d.cfg.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
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
	srv, err := d.server(ctx, info)
	if err != nil {
		return err
	}
	info.HTTPURL = "http://" + ln.Addr().String()
	info.PID = os.Getpid()
	d.devJSON = filepath.Join(dataDir, "dev.json")
	if err := writeJSON(d.devJSON, info); err != nil {
		return err
	}
	d.log.Info("car care hub is running", "url", info.HTTPURL, "dev_json", filepath.Join(dataDir, "dev.json"))
	fmt.Fprintf(d.stderr, "\nCar Care Hub is running at %s  (Ctrl-C stops it)\n\n", info.HTTPURL)
	serveCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-d.cluster.Done():
			d.log.Error("local postgres exited unexpectedly")
			cancel()
		case <-serveCtx.Done():
		}
	}()
	err = srv.Serve(serveCtx, ln)
	if ctx.Err() == nil && serveCtx.Err() != nil {
		return errors.Join(err, errors.New("local postgres exited unexpectedly; see "+filepath.Join(dataDir, "pg", "postgres.log")))
	}
	return err
}

// prepareDatabase creates the dev database, applies the migrations and
// gives the login roles passwords kept in DATA_DIR/secrets.json.
func (d *devCmd) prepareDatabase(ctx context.Context, dataDir string) (devInfo, error) {
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

func (d *devCmd) server(ctx context.Context, info devInfo) (*oltp.Server, error) {
	var err error
	d.pool, err = oltp.OpenPool(ctx, info.AppDatabaseURL, oltp.PoolConfig{ApplicationName: "cch-dev"})
	if err != nil {
		return nil, err
	}
	superURL := d.cluster.SuperuserURL(devDatabase)
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
	srv, err := oltp.NewServer(oltp.Options{Logger: d.log, Registry: newRegistry(), Checks: checks, ShutdownTimeout: 3 * time.Second})
	if err != nil {
		return nil, err
	}
	mountAPI(srv, d.pool, d.log)
	return srv, nil
}

// Close stops what Run started: the pool, then Postgres (within 8 s, so the
// whole stop stays under 10 s).
func (d *devCmd) Close() error {
	if d.pool != nil {
		d.pool.Close()
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
	return err
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
