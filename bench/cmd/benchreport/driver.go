package main

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carcarehub/cch/bench"
	"github.com/carcarehub/cch/internal/pglocal"
)

type config struct {
	quick                bool
	out, suites, command string
}

// driver owns the cluster and the figures of one run.
type driver struct {
	cfg     config
	log     *slog.Logger
	dir     string
	cluster *pglocal.Cluster
	machine bench.Machine
	figs    []bench.Figure
	seedURL string // the seeded database (seed suite), for indexes and dashboards
}

func newDriver(ctx context.Context, cfg config, log *slog.Logger) (*driver, error) {
	d := &driver{cfg: cfg, log: log}
	d.machine = bench.DescribeMachine(cfg.command, cfg.quick, bench.DuckDBVersion(ctx))
	dir, err := os.MkdirTemp("", "cch-bench-")
	if err != nil {
		return nil, err
	}
	// The server may run as another OS user (root → postgres): let it in.
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	d.dir = dir
	// A durable cluster (fsync and synchronous_commit on): benchmark
	// figures describe the production settings, not the test shortcut.
	d.cluster, err = pglocal.Start(ctx, pglocal.Config{Dir: filepath.Join(dir, "pg"), Logger: log})
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start cluster: %w", err)
	}
	return d, nil
}

type suite struct {
	name string
	run  func(ctx context.Context) ([]bench.Figure, error)
}

func (d *driver) runAll(ctx context.Context) {
	want := strings.Split(d.cfg.suites, ",")
	for _, s := range []suite{
		{"bookings", d.bookings},
		{"cdc", d.cdc},
		{"seed", d.seed},
		{"indexes", d.indexes},
		{"dashboards", d.dashboards},
		{"sse", d.sse},
		{"failover", d.failover},
		{"replica", d.replica},
		{"pitr", d.pitr},
	} {
		if !slices.Contains(want, s.name) {
			continue
		}
		d.log.Info("suite start", "suite", s.name)
		t0 := time.Now()
		figs, err := s.run(ctx)
		d.figs = append(d.figs, figs...)
		if err != nil {
			d.log.Error("suite failed", "suite", s.name, "err", err)
			d.figs = append(d.figs, bench.Figure{Suite: "Failures", Name: s.name, Value: float64(time.Since(t0).Seconds()), Unit: "s",
				Target: "runs", Check: func(bench.Figure) bool { return false }, Note: oneLine(err.Error())})
		}
		d.log.Info("suite done", "suite", s.name, "took", time.Since(t0).Round(time.Second))
	}
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "|", "/")
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func (d *driver) bookings(ctx context.Context) ([]bench.Figure, error) {
	cfg := bench.BookingConfig{Clients: []int{4, 8, 16}, Duration: 20 * time.Second, HalfPeak: 20 * time.Second}
	if d.cfg.quick {
		cfg = bench.BookingConfig{Clients: []int{8}, Duration: 10 * time.Second, HalfPeak: 10 * time.Second}
	}
	db, err := bench.NewDB(ctx, d.cluster, "bench_bookings")
	if err != nil {
		return nil, err
	}
	fix, err := bench.LoadFixture(ctx, db.AdminURL, slices.Max(cfg.Clients))
	if err != nil {
		return nil, err
	}
	api, err := bench.StartAPI(ctx, db.AppURL, slices.Max(cfg.Clients)+4)
	if err != nil {
		return nil, err
	}
	defer api.Close()
	figs, err := bench.Bookings(ctx, db, fix, api, cfg, d.log.Info)
	if err != nil {
		return figs, err
	}
	pooled, err := d.bookingsPooled(ctx, db, fix, api, cfg, figs)
	return append(figs, pooled...), err
}

// bookingsPooled runs the API behind PgBouncer (transaction mode) beside
// the direct API at the largest client count.
func (d *driver) bookingsPooled(ctx context.Context, db *bench.DB, fix bench.Fixture, direct *bench.API, cfg bench.BookingConfig, figs []bench.Figure) ([]bench.Figure, error) {
	n := slices.Max(cfg.Clients)
	bouncer, url, err := bench.StartBouncer(ctx, d.cluster, db, d.dir, n+4)
	if err != nil {
		return nil, err
	}
	defer bouncer.Stop(context.WithoutCancel(ctx))
	pooled, err := bench.StartAPI(ctx, url, n+4)
	if err != nil {
		return nil, err
	}
	defer pooled.Close()
	var pgbenchPeak float64
	for _, f := range figs {
		if f.Name == "peak throughput" {
			pgbenchPeak = f.Baseline
		}
	}
	return bench.BookingsThroughPooler(ctx, fix, direct, pooled, n, cfg.Duration, pgbenchPeak, d.log.Info)
}

func (d *driver) cdc(ctx context.Context) ([]bench.Figure, error) {
	cfg := bench.CDCConfig{Inserts: 1_000_000, Mixed: 500_000, LagRate: 1000, LagDuration: 20 * time.Second, LagExtraRates: []float64{250}}
	if d.cfg.quick {
		cfg.Inserts, cfg.Mixed = 200_000, 100_000
	}
	figs, err := bench.CDCThroughput(ctx, d.cluster, d.dir, cfg, d.log.Info)
	if err != nil {
		return figs, err
	}
	lag, err := bench.CDCLag(ctx, d.cluster, d.dir, cfg, d.log.Info)
	return append(figs, lag...), err
}

func (d *driver) seed(ctx context.Context) ([]bench.Figure, error) {
	figs, url, err := bench.Seed(ctx, d.cluster, d.cfg.quick, d.log.Info)
	d.seedURL = url
	return figs, err
}

func (d *driver) indexes(ctx context.Context) ([]bench.Figure, error) {
	if d.seedURL == "" {
		return nil, fmt.Errorf("needs the seed suite's dataset")
	}
	return bench.Indexes(ctx, d.seedURL, d.log.Info)
}

// dashboards runs the analytics engineer's hook (bench.Dashboards) when it
// is set.
func (d *driver) dashboards(ctx context.Context) ([]bench.Figure, error) {
	if bench.Dashboards == nil {
		return []bench.Figure{{Suite: "Dashboards: DuckDB vs PostgreSQL", Name: "dashboard queries",
			Value: math.NaN(), Unit: "", BaseName: "not implemented yet: bench.Dashboards hook is nil", Target: "≥ 20× (geomean), p95 ≤ 100 ms",
			Note: "owned by the analytics work; fill in bench/dashboards.go"}}, nil
	}
	return bench.Dashboards(ctx, d.seedURL, d.cfg.quick)
}

// pitr restores the seeded cluster to a point and archives its aged months
// on the restored copy.
func (d *driver) pitr(ctx context.Context) ([]bench.Figure, error) {
	return bench.PITR(ctx, d.cluster, d.dir, d.seedURL, d.log.Info)
}

func (d *driver) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := d.cluster.Stop(ctx)
	os.RemoveAll(d.dir)
	return err
}

func (d *driver) write() error {
	m := &d.machine
	m.Finished = time.Now().UTC()
	m.Notes = append(m.Notes, methodNotes...)
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		end := strings.Join(strings.Fields(string(b))[:3], " ")
		startLoad, _ := strconv.ParseFloat(strings.Fields(m.LoadAvg)[0], 64)
		m.ContentionNote = fmt.Sprintf("The machine (%d cores) was shared with other engineers' builds and tests during this run: "+
			"load average %s at the start (before any benchmark load), %s at the end. Absolute figures are depressed and noisy; "+
			"the ratios compare paths measured back to back in the same conditions.", m.Cores, m.LoadAvg, end)
		if startLoad < 0.3 {
			m.ContentionNote = ""
		}
	}
	f, err := os.Create(d.cfg.out)
	if err != nil {
		return err
	}
	defer f.Close()
	return bench.WriteMarkdown(f, *m, d.figs)
}

// methodNotes say how the figures were taken (printed under the header).
var methodNotes = []string{
	"Method. One throwaway PostgreSQL cluster with durable settings (fsync, synchronous_commit on), a fresh migrated database per suite. " +
		"API vs pgbench: the real Gin server on 127.0.0.1 with a Go HTTP client in the same process; each closed-loop client books its own bay and technician " +
		"at consecutive 15-minute slots (no conflicts); pgbench runs the same transaction (set_config role and request context, the one-statement CTE insert, COMMIT, " +
		"pg_current_wal_insert_lsn()) with -M prepared as cch_app, every bind parameter of the API's statement a pgbench variable, one statement per round trip; " +
		"the API sends the same statements in one round trip (BEGIN, the context, the insert, COMMIT and the position pipelined: the insert writes nothing unless its checks pass). Half-of-peak latency is open-model (requests at a fixed rate, latency from the scheduled start; pgbench -R likewise).",
	"CDC: two slots created at the same point; the workload is written first, then the decode-only consumer (pglogrepl + cdc.Decoder/Assembler, no sink) and the " +
		"warehouse pipeline (cdc.Stream + DuckDB Applier, production batch defaults) each read the same WAL; apply time counts from pipeline start (reconnect included). " +
		"Lag: booking transactions through oltp.InTx (the API's transaction without HTTP) while the pipeline mirrors the whole cch_pub schema.",
	"Indexes: EXPLAIN (ANALYZE, BUFFERS) on the seeded dataset, then the same after dropping the purpose-built indexes and exclusion constraints inside a transaction that is rolled back.",
}
