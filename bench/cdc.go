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

// cdcVariant is one publication the suite measures. The production
// publication streams in text mode (its enums and ranges have no binary
// decoder); a publication of binary-decodable types only streams binary.
// Each variant's decode-only baseline decodes the format its pipeline
// session chose, so the ratio is like for like.
type cdcVariant struct {
	label, table, pub, slot string
	ddl, insert, update     string
	binary                  bool // the format the pipeline must choose
}

// cdcVariants: the workload table has the column mix of a business table
// (bigint key, ints, numeric money, text status and note, timestamptz);
// the text variant's status is an enum and it carries a tstzrange slot,
// as the production tables do.
var cdcVariants = []cdcVariant{
	{label: "text (production publication: enum, tstzrange)", table: "bench.cdc_text", pub: "bench_text_pub", slot: "bench_text",
		ddl: `CREATE TYPE bench.cdc_status AS ENUM ('booked', 'invoiced');
CREATE TABLE bench.cdc_text (id bigint PRIMARY KEY, branch_id int NOT NULL, customer_id bigint NOT NULL,
  amount numeric(12,2) NOT NULL, status bench.cdc_status NOT NULL, note text, slot tstzrange,
  created_at timestamptz NOT NULL DEFAULT now());
CREATE PUBLICATION bench_text_pub FOR TABLE bench.cdc_text;`,
		insert: `INSERT INTO bench.cdc_text (id, branch_id, customer_id, amount, status, note, slot)
			SELECT g, g % 4 + 1, g * 7 % 100003, (g % 50000) / 100.0, 'booked', 'row ' || g,
			  tstzrange(timestamptz '2026-01-01 08:00:00+00' + g * interval '1 minute', timestamptz '2026-01-01 09:00:00+00' + g * interval '1 minute')
			FROM generate_series($1::bigint, $2::bigint) g`,
		update: "UPDATE bench.cdc_text SET amount = amount + 1, status = 'invoiced' WHERE id = ANY($1)"},
	{label: "binary (binary-capable publication)", table: "bench.cdc_rows", pub: "bench_pub", slot: "bench", binary: true,
		ddl: `CREATE TABLE bench.cdc_rows (id bigint PRIMARY KEY, branch_id int NOT NULL, customer_id bigint NOT NULL,
  amount numeric(12,2) NOT NULL, status text NOT NULL, note text, created_at timestamptz NOT NULL DEFAULT now());
CREATE PUBLICATION bench_pub FOR TABLE bench.cdc_rows;`,
		insert: `INSERT INTO bench.cdc_rows (id, branch_id, customer_id, amount, status, note)
			SELECT g, g % 4 + 1, g * 7 % 100003, (g % 50000) / 100.0, 'booked', 'row ' || g FROM generate_series($1::bigint, $2::bigint) g`,
		update: "UPDATE bench.cdc_rows SET amount = amount + 1, status = 'invoiced' WHERE id = ANY($1)"},
}

// CDCThroughput measures the warehouse pipeline (cdc.Stream + the DuckDB
// Applier, production batch defaults) against the decode-only baseline on
// the same WAL, for each publication variant (text and binary): both read
// their own slot, created at the same point, after the workload has been
// written.
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
	if _, err := conn.Exec(ctx, "CREATE SCHEMA bench"); err != nil {
		return nil, fmt.Errorf("cdc schema: %w", err)
	}
	var figs []Figure
	for _, v := range cdcVariants {
		f, err := cdcVariantRun(ctx, conn, url, dir, v, cfg, log)
		figs = append(figs, f...)
		if err != nil {
			return figs, fmt.Errorf("%s: %w", v.label, err)
		}
	}
	return figs, nil
}

func cdcVariantRun(ctx context.Context, conn *pgx.Conn, url, dir string, v cdcVariant, cfg CDCConfig, log func(string, ...any)) ([]Figure, error) {
	if _, err := conn.Exec(ctx, v.ddl); err != nil {
		return nil, fmt.Errorf("cdc table: %w", err)
	}
	duck, err := warehouse.Open(ctx, filepath.Join(dir, "cdc_"+v.slot+".duckdb"), warehouse.Options{MemoryLimit: "2GB"})
	if err != nil {
		return nil, err
	}
	defer duck.Close()
	wcfg := cdc.Config{URL: url, Slot: v.slot + "_apply", Publication: v.pub}
	// The first start takes the (empty) snapshot and chooses the format;
	// the decode slot is then created at the same point, before any
	// workload.
	if _, binary, err := runPipelineUntil(ctx, duck, wcfg, 0); err != nil {
		return nil, err
	} else if binary != v.binary {
		return nil, fmt.Errorf("the pipeline chose binary=%v, want %v", binary, v.binary)
	}
	var from cdc.LSN
	var lsn string
	if err := conn.QueryRow(ctx, "SELECT lsn::text FROM pg_create_logical_replication_slot($1, 'pgoutput')", v.slot+"_decode").Scan(&lsn); err != nil {
		return nil, fmt.Errorf("decode slot: %w", err)
	}
	if from, err = cdc.ParseLSN(lsn); err != nil {
		return nil, err
	}
	format := map[bool]string{false: "text", true: "binary"}[v.binary]
	var figs []Figure
	phases := []struct {
		name, target string
		ratio        float64
		rows         int
		write        func() error
	}{
		{"inserts", "≥ 0.8×", 0.8, cfg.Inserts, func() error { return writeInserts(ctx, conn, v.insert, cfg.Inserts, cfg.TxRows) }},
		{"mixed updates/deletes (80/20, random keys)", "≥ 0.5×", 0.5, cfg.Mixed, func() error {
			return writeMixed(ctx, conn, v.table, v.update, cfg.Inserts, cfg.Mixed, cfg.TxRows)
		}},
	}
	for _, ph := range phases {
		if err := ph.write(); err != nil {
			return figs, fmt.Errorf("%s workload: %w", ph.name, err)
		}
		dr, err := decodeOnly(ctx, url, v.slot+"_decode", v.pub, v.binary, from, ph.rows)
		if err != nil {
			return figs, err
		}
		from = dr.end
		resetPeakRSS()
		ar, _, err := runPipelineUntil(ctx, duck, wcfg, dr.end)
		if err != nil {
			return figs, err
		}
		peak := peakRSSMiB()
		decRate, appRate := float64(dr.rows)/dr.elapsed.Seconds(), float64(dr.rows)/ar.Seconds()
		log("cdc", "variant", v.label, "phase", ph.name, "rows", dr.rows, "decode_rows_s", decRate, "apply_rows_s", appRate, "peak_rss_mib", peak)
		figs = append(figs, Figure{Suite: cdcSuite, Name: fmt.Sprintf("%s, %s: %d row changes in %d-row transactions", v.label, ph.name, dr.rows, cfg.TxRows),
			Value: appRate, Unit: "rows/s", Baseline: decRate, BaseName: "decode-only pglogrepl consumer, same WAL, " + format + " format",
			Target: ph.target, Check: AtLeastRatio(ph.ratio),
			Note: fmt.Sprintf("apply %.2fs, decode %.2fs; peak RSS of the process during apply %.0f MiB", ar.Seconds(), dr.elapsed.Seconds(), peak)})
	}
	return figs, nil
}

// runPipelineUntil runs the warehouse pipeline until it has applied
// `until` (0: until the initial snapshot is done) and returns how long
// that took from Run and whether the session streamed binary.
func runPipelineUntil(ctx context.Context, duck *warehouse.DB, cfg cdc.Config, until cdc.LSN) (time.Duration, bool, error) {
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	svc, err := warehouse.NewService(rctx, duck, cfg)
	if err != nil {
		return 0, false, err
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
				return time.Since(start), st.Binary(), nil
			}
		case <-st.Done():
			return 0, false, fmt.Errorf("pipeline stopped: %w", st.Err())
		case <-deadline:
			return 0, false, fmt.Errorf("pipeline did not reach %s in 10 minutes (applied %s)", until, st.Applied())
		default:
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// writeInserts inserts rows 1..n with insert (rows $1..$2), txRows per
// transaction.
func writeInserts(ctx context.Context, conn *pgx.Conn, insert string, n, txRows int) error {
	for lo := 1; lo <= n; lo += txRows {
		hi := min(lo+txRows-1, n)
		if _, err := conn.Exec(ctx, insert, lo, hi); err != nil {
			return err
		}
	}
	return nil
}

// writeMixed changes `changes` distinct random keys of 1..n: 80% updates,
// 20% deletes, txRows changes per transaction.
func writeMixed(ctx context.Context, conn *pgx.Conn, table, update string, n, changes, txRows int) error {
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
		b.Queue(update, upd)
		b.Queue("DELETE FROM "+table+" WHERE id = ANY($1)", del)
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
