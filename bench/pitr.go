package bench

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/archive"
	"github.com/carcarehub/cch/internal/pglocal"
	"github.com/carcarehub/cch/internal/pitr"
)

const pitrSuite = "Backup, point-in-time recovery and archiving"

// PITR measures, on the cluster holding the seeded dataset (seedURL): a
// base backup with the WAL archive running, then the restore of the whole
// cluster to an LSN noted after a write (copy + WAL replay + promotion),
// then, on the restored copy (the benchmark's own database is left as it
// was), `cch archive` of every month older than 12 months: rows/s and
// MB/s of Parquet written, read back and dropped.
func PITR(ctx context.Context, c *pglocal.Cluster, dir, seedURL string, log func(string, ...any)) ([]Figure, error) {
	if seedURL == "" {
		return nil, fmt.Errorf("needs the seed suite's dataset")
	}
	bin, err := pglocal.FindBinDir("")
	if err != nil {
		return nil, err
	}
	admin, err := pgx.Connect(ctx, seedURL)
	if err != nil {
		return nil, err
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "ALTER ROLE cch_backup PASSWORD 'bench-backup'"); err != nil {
		return nil, err
	}
	u, _ := url.Parse(seedURL)
	u.User = url.UserPassword("cch_backup", "bench-backup")
	backupDir := filepath.Join(dir, "pitr-backup")
	tools := pitr.Tools{BinDir: bin}
	if err := tools.CreateSlot(ctx, u.String(), pitr.DefaultSlot); err != nil {
		return nil, err
	}
	defer admin.Exec(context.WithoutCancel(ctx), "SELECT pg_drop_replication_slot($1)", pitr.DefaultSlot)
	recv, err := tools.StartReceiver(u.String(), backupDir, pitr.DefaultSlot, os.Stderr)
	if err != nil {
		return nil, err
	}
	base, err := tools.TakeBase(ctx, u.String(), backupDir)
	if err != nil {
		recv.Stop()
		return nil, err
	}
	target, err := writeAndNote(ctx, admin)
	if err != nil {
		recv.Stop()
		return nil, err
	}
	recv.Stop()
	log("pitr: base backup", "bytes", base.Bytes, "took", base.FinishedAt.Sub(base.StartedAt))
	into := filepath.Join(dir, "pitr-restored")
	res, err := pitr.Restore(ctx, bin, backupDir, into, target)
	if err != nil {
		return nil, err
	}
	log("pitr: restore", "took", res.Elapsed)
	gib := float64(base.Bytes) / (1 << 30)
	figs := []Figure{
		{Suite: pitrSuite, Name: fmt.Sprintf("PITR restore of the seeded cluster (%.2f GiB) to an LSN", gib), Unit: "s",
			Value: res.Elapsed.Seconds(), Baseline: base.FinishedAt.Sub(base.StartedAt).Seconds(), BaseName: "base backup (pg_basebackup, WAL streamed)",
			Target: "≤ 600 s", Check: AtMost(600), Note: fmt.Sprintf("copy + replay of %d WAL file(s) + promotion, as the postgres user", res.Segments)},
	}
	os.RemoveAll(backupDir)
	arch, err := archiveRestored(ctx, into, c.Password(), u.Path, filepath.Join(dir, "pitr-archive"), log)
	return append(figs, arch...), err
}

// writeAndNote writes one row and returns the LSN after it, once the
// archive has it.
func writeAndNote(ctx context.Context, conn *pgx.Conn) (pitr.Target, error) {
	var lsn string
	if err := conn.QueryRow(ctx, "WITH o AS (INSERT INTO core.organisation (name) VALUES ('pitr point') RETURNING 1) SELECT pg_current_wal_lsn()::text FROM o").Scan(&lsn); err != nil {
		return pitr.Target{}, err
	}
	target, err := pitr.ParseTarget(lsn)
	if err != nil {
		return target, err
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var ok bool
		if err := conn.QueryRow(ctx, `SELECT coalesce(bool_or(flush_lsn >= $1::pg_lsn), false) FROM pg_stat_replication
			WHERE application_name = 'pg_receivewal'`, lsn).Scan(&ok); err != nil {
			return target, err
		}
		if ok {
			return target, nil
		}
	}
	return target, fmt.Errorf("the WAL archive did not reach %s within a minute", lsn)
}

// archiveRestored starts the restored cluster and archives every month of
// database db older than 12 months (partitions split out of DEFAULT first,
// untimed).
func archiveRestored(ctx context.Context, clusterDir, password, dbPath, archiveDir string, log func(string, ...any)) ([]Figure, error) {
	if err := os.WriteFile(filepath.Join(clusterDir, "superuser.password"), []byte(password+"\n"), 0o600); err != nil {
		return nil, err
	}
	c, err := pglocal.Start(ctx, pglocal.Config{Dir: clusterDir})
	if err != nil {
		return nil, err
	}
	defer c.Stop(context.WithoutCancel(ctx))
	db := dbPath[1:]
	conn, err := pgx.Connect(ctx, c.SuperuserURL(db))
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	for _, q := range []string{"ALTER ROLE cch_owner LOGIN PASSWORD 'bench-owner'", "SELECT count(*) FROM core.ensure_partitions(3, 36)"} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return nil, fmt.Errorf("%s: %w", q, err)
		}
	}
	res, err := archive.Run(ctx, archive.Options{DatabaseURL: c.URL("cch_owner", "bench-owner", db), Dir: archiveDir,
		Before: time.Now().UTC().AddDate(-1, 0, 0)})
	if err != nil {
		return nil, err
	}
	log("archive", "partitions", len(res.Partitions), "rows", res.Rows, "bytes", res.Bytes, "took", res.Elapsed)
	secs := res.Elapsed.Seconds()
	note := fmt.Sprintf("%d partitions, %s rows, %.1f MiB of Parquet in %.1f s (%.1f MiB/s)", len(res.Partitions),
		commas(res.Rows), float64(res.Bytes)/(1<<20), secs, float64(res.Bytes)/(1<<20)/secs)
	return []Figure{{Suite: pitrSuite, Name: "cch archive --older-than 12mo on the restored seeded dataset", Unit: "rows/s",
		Value: float64(res.Rows) / secs, Target: "≥ 50,000 rows/s", Check: func(f Figure) bool { return f.Value >= 50_000 }, Note: note}}, nil
}
