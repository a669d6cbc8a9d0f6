package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/internal/pglocal"
	"github.com/carcarehub/cch/warehouse"
)

// CDCConfig sizes the CDC suite.
type CDCConfig struct {
	Inserts     int           // rows inserted, in transactions of TxRows
	Mixed       int           // row changes of the mixed phase: 80% updates, 20% deletes, random keys
	TxRows      int           // rows per source transaction. Default 1,000.
	LagRate     float64       // API writes/s for the lag run
	LagDuration time.Duration // length of each lag run
	// LagExtraRates are further lag runs below saturation (no target).
	LagExtraRates []float64
}

const cdcSuite = "CDC: apply into DuckDB vs decode-only"

// cdcTable is the workload table: the column mix of a business table
// (bigint key, ints, numeric money, text status and note, timestamptz).
const cdcTable = `CREATE SCHEMA bench;
CREATE TABLE bench.cdc_rows (id bigint PRIMARY KEY, branch_id int NOT NULL, customer_id bigint NOT NULL,
  amount numeric(12,2) NOT NULL, status text NOT NULL, note text, created_at timestamptz NOT NULL DEFAULT now());
CREATE PUBLICATION bench_pub FOR TABLE bench.cdc_rows;`

// CDCThroughput measures the warehouse pipeline (cdc.Stream + the DuckDB
// Applier, production batch defaults) against the decode-only baseline on
// the same WAL: both read their own slot, created at the same point,
// after the workload has been written.
func CDCThroughput(ctx context.Context, c *pglocal.Cluster, dir string, cfg CDCConfig, log func(string, ...any)) ([]Figure, error) {
	if cfg.TxRows == 0 {
		cfg.TxRows = 1000
	}
	if err := c.CreateDatabase(ctx, "bench_cdc"); err != nil {
		return nil, err
	}
	url := c.SuperuserURL("bench_cdc")
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, cdcTable); err != nil {
		return nil, fmt.Errorf("cdc table: %w", err)
	}
	duck, err := warehouse.Open(ctx, filepath.Join(dir, "cdc.duckdb"), warehouse.Options{MemoryLimit: "2GB"})
	if err != nil {
		return nil, err
	}
	defer duck.Close()
	wcfg := cdc.Config{URL: url, Slot: "bench_apply", Publication: "bench_pub"}
	// The first start takes the (empty) snapshot; the decode slot is then
	// created at the same point, before any workload.
	if _, err := runPipelineUntil(ctx, duck, wcfg, 0); err != nil {
		return nil, err
	}
	var from cdc.LSN
	var lsn string
	if err := conn.QueryRow(ctx, "SELECT lsn::text FROM pg_create_logical_replication_slot('bench_decode', 'pgoutput')").Scan(&lsn); err != nil {
		return nil, fmt.Errorf("decode slot: %w", err)
	}
	if from, err = cdc.ParseLSN(lsn); err != nil {
		return nil, err
	}
	var figs []Figure
	phases := []struct {
		name, target string
		ratio        float64
		rows         int
		write        func() error
	}{
		{"inserts", "≥ 0.6×", 0.6, cfg.Inserts, func() error { return writeInserts(ctx, conn, cfg.Inserts, cfg.TxRows) }},
		{"mixed updates/deletes (80/20, random keys)", "≥ 0.3×", 0.3, cfg.Mixed, func() error { return writeMixed(ctx, conn, cfg.Inserts, cfg.Mixed, cfg.TxRows) }},
	}
	for _, ph := range phases {
		if err := ph.write(); err != nil {
			return figs, fmt.Errorf("%s workload: %w", ph.name, err)
		}
		dr, err := decodeOnly(ctx, url, "bench_decode", "bench_pub", from, ph.rows)
		if err != nil {
			return figs, err
		}
		from = dr.end
		resetPeakRSS()
		ar, err := runPipelineUntil(ctx, duck, wcfg, dr.end)
		if err != nil {
			return figs, err
		}
		peak := peakRSSMiB()
		decRate, appRate := float64(dr.rows)/dr.elapsed.Seconds(), float64(dr.rows)/ar.Seconds()
		log("cdc", "phase", ph.name, "rows", dr.rows, "decode_rows_s", decRate, "apply_rows_s", appRate, "peak_rss_mib", peak)
		figs = append(figs, Figure{Suite: cdcSuite, Name: fmt.Sprintf("%s: %d row changes in %d-row transactions", ph.name, dr.rows, cfg.TxRows),
			Value: appRate, Unit: "rows/s", Baseline: decRate, BaseName: "decode-only pglogrepl consumer, same WAL",
			Target: ph.target, Check: AtLeastRatio(ph.ratio),
			Note: fmt.Sprintf("apply %.2fs, decode %.2fs; peak RSS of the process during apply %.0f MiB", ar.Seconds(), dr.elapsed.Seconds(), peak)})
	}
	return figs, nil
}

// runPipelineUntil runs the warehouse pipeline until it has applied
// `until` (0: until the initial snapshot is done) and returns how long
// that took from Run.
func runPipelineUntil(ctx context.Context, duck *warehouse.DB, cfg cdc.Config, until cdc.LSN) (time.Duration, error) {
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	svc, err := warehouse.NewService(rctx, duck, cfg)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	go svc.Run(rctx)
	st := svc.Stream()
	defer func() { cancel(); <-st.Done() }()
	deadline := time.After(10 * time.Minute)
	for {
		select {
		case <-st.Ready():
			if st.Applied() >= until {
				return time.Since(start), nil
			}
		case <-st.Done():
			return 0, fmt.Errorf("pipeline stopped: %w", st.Err())
		case <-deadline:
			return 0, fmt.Errorf("pipeline did not reach %s in 10 minutes (applied %s)", until, st.Applied())
		default:
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func writeInserts(ctx context.Context, conn *pgx.Conn, n, txRows int) error {
	for lo := 1; lo <= n; lo += txRows {
		hi := min(lo+txRows-1, n)
		_, err := conn.Exec(ctx, `INSERT INTO bench.cdc_rows (id, branch_id, customer_id, amount, status, note)
			SELECT g, g % 4 + 1, g * 7 % 100003, (g % 50000) / 100.0, 'booked', 'row ' || g FROM generate_series($1::bigint, $2::bigint) g`, lo, hi)
		if err != nil {
			return err
		}
	}
	return nil
}

// writeMixed changes `changes` distinct random keys of 1..n: 80% updates,
// 20% deletes, txRows changes per transaction.
func writeMixed(ctx context.Context, conn *pgx.Conn, n, changes, txRows int) error {
	r := rand.New(rand.NewPCG(5, 6))
	keys := r.Perm(n)[:min(changes, n)]
	for lo := 0; lo < len(keys); lo += txRows {
		chunk := keys[lo:min(lo+txRows, len(keys))]
		var upd, del []int64
		for i, k := range chunk {
			if i%5 == 4 {
				del = append(del, int64(k+1))
			} else {
				upd = append(upd, int64(k+1))
			}
		}
		b := &pgx.Batch{}
		b.Queue("BEGIN")
		b.Queue("UPDATE bench.cdc_rows SET amount = amount + 1, status = 'invoiced' WHERE id = ANY($1)", upd)
		b.Queue("DELETE FROM bench.cdc_rows WHERE id = ANY($1)", del)
		b.Queue("COMMIT")
		if err := conn.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
	}
	return nil
}

// resetPeakRSS resets the kernel's peak-RSS mark (VmHWM) of this process.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSSMiB is VmHWM of this process in MiB.
func peakRSSMiB() float64 {
	return float64(procStatus("VmHWM")) / 1024
}
