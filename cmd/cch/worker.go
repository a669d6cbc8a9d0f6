package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/carcarehub/cch/internal/pgstats"
	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/notify"
)

func init() {
	register(command{name: "worker", summary: "run the periodic and queued jobs (outbox, reminders, auto-dispatch, partitions)",
		new: func(stdout, stderr io.Writer) runner { return &workerCmd{stdout: stdout, stderr: stderr} }})
}

// workerConfig is the configuration of `cch worker`.
type workerConfig struct {
	DatabaseURL     string        // --database-url: the worker's login (cch_worker). Required.
	HTTP            string        // --http: health and metrics. Default 127.0.0.1:8082.
	MaxConns        int           // --max-conns: pool size. Default 4.
	Webhook         string        // --webhook-url: where the outbox POSTs; empty = queue only. Default "".
	Secret          string        // --webhook-secret: HMAC-SHA256 key. Required with --webhook-url.
	NotifyEvery     time.Duration // --notify-interval: outbox poll. Default 2s.
	DispatchEvery   time.Duration // --dispatch-interval: auto-dispatch pass. Default 30s.
	PartitionsAhead int           // --partitions-ahead: months of partitions kept ahead. Default 3.
	PartitionsEvery time.Duration // --partitions-interval: partition maintenance. Default 1h.
	LogLevel        string        // --log-level: debug|info|warn|error. Default info.
	AuditKey        string        // --audit-key: HMAC key file signing audit checkpoints (created if missing). Default "" = no checkpoints.
	AuditFile       string        // --audit-checkpoints: append-only checkpoint file. Required with --audit-key.
	AuditEvery      time.Duration // --audit-interval: how often chain heads are signed. Default 5m.
	ArchiveDir      string        // --archive-dir: cch archive's directory; erased customers' archived rows are scrubbed. Default "" = none.
	ArchiveEvery    time.Duration // --archive-erasure-interval: how often erasures are checked against the archive. Default 5m.
}

func (c *workerConfig) validate() error {
	var errs []error
	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("--database-url (CCH_DATABASE_URL) is required"))
	}
	if _, _, err := net.SplitHostPort(c.HTTP); err != nil {
		errs = append(errs, fmt.Errorf("--http %q: %w", c.HTTP, err))
	}
	if c.MaxConns < 1 || c.MaxConns > 100 {
		errs = append(errs, fmt.Errorf("--max-conns %d: must be 1..100", c.MaxConns))
	}
	if c.Webhook != "" && c.Secret == "" {
		errs = append(errs, errors.New("--webhook-secret (CCH_WEBHOOK_SECRET) is required with --webhook-url"))
	}
	if c.NotifyEvery <= 0 || c.DispatchEvery <= 0 || c.PartitionsEvery <= 0 {
		errs = append(errs, errors.New("--notify-interval, --dispatch-interval and --partitions-interval must be positive"))
	}
	if c.PartitionsAhead < 1 || c.PartitionsAhead > 120 {
		errs = append(errs, fmt.Errorf("--partitions-ahead %d: must be 1..120", c.PartitionsAhead))
	}
	if (c.AuditKey == "") != (c.AuditFile == "") {
		errs = append(errs, errors.New("--audit-key (CCH_AUDIT_KEY) and --audit-checkpoints (CCH_AUDIT_CHECKPOINTS) go together"))
	}
	if c.AuditEvery <= 0 || c.ArchiveEvery <= 0 {
		errs = append(errs, errors.New("--audit-interval and --archive-erasure-interval must be positive"))
	}
	if !validLevel(c.LogLevel) {
		errs = append(errs, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(errs...)
}

type workerCmd struct {
	stdout, stderr io.Writer
	cfg            workerConfig
	pool           *pgxpool.Pool
}

func (w *workerCmd) Parse(args []string) error {
	f := newFlags("worker", w.stderr)
	c := &w.cfg
	f.String(&c.DatabaseURL, "database-url", "", "PostgreSQL URL of the worker's login role (cch_worker)")
	f.String(&c.HTTP, "http", "127.0.0.1:8082", "health and metrics listen address")
	f.Int(&c.MaxConns, "max-conns", 4, "maximum Postgres connections in the pool")
	f.String(&c.Webhook, "webhook-url", "", "webhook receiving notifications (booking reminders, inventory alerts); empty: queue only")
	f.String(&c.Secret, "webhook-secret", "", "HMAC-SHA256 key signing webhook deliveries")
	f.Duration(&c.NotifyEvery, "notify-interval", 2*time.Second, "how often the outbox is polled")
	f.Duration(&c.DispatchEvery, "dispatch-interval", 30*time.Second, "how often rides are auto-dispatched")
	f.Int(&c.PartitionsAhead, "partitions-ahead", 3, "months of partitions kept ahead of now")
	f.Duration(&c.PartitionsEvery, "partitions-interval", time.Hour, "how often partitions are checked")
	f.String(&c.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	f.String(&c.AuditKey, "audit-key", "", "HMAC key file signing audit checkpoints, outside the database (created if missing); empty: no checkpoints")
	f.String(&c.AuditFile, "audit-checkpoints", "", "append-only file the signed audit checkpoints are written to (with --audit-key)")
	f.Duration(&c.AuditEvery, "audit-interval", 5*time.Minute, "how often every organisation's audit chain head is signed")
	f.String(&c.ArchiveDir, "archive-dir", "", "cch archive's directory (writable): erased customers' archived rows are rewritten with their PII cleared; empty: none")
	f.Duration(&c.ArchiveEvery, "archive-erasure-interval", 5*time.Minute, "how often erasures are checked against the archive")
	return f.Parse(args, c.validate)
}

func (w *workerCmd) Run(ctx context.Context) error {
	log := newLogger(w.stdout, w.cfg.LogLevel).With("cmd", "worker")
	ln, err := net.Listen("tcp", w.cfg.HTTP)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", w.cfg.HTTP, errors.Unwrap(err))
	}
	defer ln.Close()
	w.pool, err = oltp.OpenPool(ctx, w.cfg.DatabaseURL, oltp.PoolConfig{ApplicationName: "cch-worker", MaxConns: int32(w.cfg.MaxConns)})
	if err != nil {
		return err
	}
	reg := newRegistry()
	// Outbox depth and age, statement and lock statistics, the pool: the
	// worker sees every organisation, so it exports what alerts watch.
	reg.MustRegister(&notify.OutboxCollector{Pool: w.pool}, &pgstats.Collector{Pool: w.pool}, oltp.NewPoolCollector(w.pool, "worker"))
	srv, err := oltp.NewServer(oltp.Options{Logger: log, Registry: reg, Checks: []oltp.Check{pingCheck(w.pool)}})
	if err != nil {
		return err
	}
	j := &jobs{Pool: w.pool, Webhook: w.cfg.Webhook, Secret: []byte(w.cfg.Secret), NotifyEvery: w.cfg.NotifyEvery,
		DispatchEvery: w.cfg.DispatchEvery, PartitionsAhead: w.cfg.PartitionsAhead, PartitionsEvery: w.cfg.PartitionsEvery, Log: log,
		AuditKey: w.cfg.AuditKey, AuditFile: w.cfg.AuditFile, AuditEvery: w.cfg.AuditEvery,
		ArchiveDir: w.cfg.ArchiveDir, ArchiveEvery: w.cfg.ArchiveEvery}
	log.Info("worker running", "health", "http://"+ln.Addr().String())
	return runAll(ctx, map[string]func(context.Context) error{
		"http": func(ctx context.Context) error { return srv.Serve(ctx, ln) },
		"jobs": j.Run,
	})
}

func (w *workerCmd) Close() error {
	if w.pool != nil {
		w.pool.Close()
	}
	return nil
}
