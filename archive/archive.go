// Package archive moves aged months of the time-series tables out of
// PostgreSQL: each monthly partition older than the retention is written to
// Parquet (with the warehouse's column types), read back and compared with
// the partition, recorded in a checksum manifest, and only then detached
// and dropped through cch_partition.archive_partition, which keeps the
// audit chain's anchors so `cch audit verify` still passes.
package archive

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// LockKey is the PostgreSQL advisory lock ("ccharch") a writer of the
// archive directory holds: Run for the whole run (released when its
// connection closes), `cch worker` while it erases.
const LockKey int64 = 0x6363686172636800

// Options configure Run.
type Options struct {
	// DatabaseURL is the owner's login (cch_owner).
	DatabaseURL string
	// Dir receives <schema>.<table>/<partition>.parquet and manifest.json.
	Dir string
	// Before: months ending on or before it are archived.
	Before time.Time
	// Log receives one line per archived partition. Default: discard.
	Log *slog.Logger
}

// Result sums up one run.
type Result struct {
	Partitions []Entry
	Rows       int64
	Bytes      int64
	Elapsed    time.Duration
}

// Partition is a monthly partition of a range-partitioned business table.
type Partition struct {
	Name       string // schema-qualified partition, e.g. audit.staff_audit_log_202401
	Parent     string // schema-qualified parent
	Key        string // partition key column
	MonthStart time.Time
}

// MonthEnd is the partition's exclusive upper bound.
func (p Partition) MonthEnd() time.Time { return p.MonthStart.AddDate(0, 1, 0) }

// Run archives every monthly partition whose month ends on or before
// opts.Before, oldest first, each in its own transaction. It stops at the
// first failure; what was archived before stays archived.
func Run(ctx context.Context, opts Options) (Result, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	t0 := time.Now()
	conn, err := pgx.Connect(ctx, opts.DatabaseURL)
	if err != nil {
		return Result{}, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	// One writer of the directory's manifest at a time: a worker bringing
	// an erasure to the archive holds the same lock (see LockKey).
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", LockKey); err != nil {
		return Result{}, fmt.Errorf("archive lock: %w", err)
	}
	parts, err := Candidates(ctx, conn, opts.Before)
	if err != nil {
		return Result{}, err
	}
	var res Result
	for _, p := range parts {
		e, err := archiveOne(ctx, conn, opts.Dir, p)
		if err != nil {
			return res, fmt.Errorf("archive %s: %w", p.Name, err)
		}
		opts.Log.Info("partition archived", "partition", p.Name, "rows", e.Rows, "bytes", e.Bytes, "file", e.File)
		res.Partitions = append(res.Partitions, e)
		res.Rows += e.Rows
		res.Bytes += e.Bytes
	}
	res.Elapsed = time.Since(t0)
	return res, nil
}

// candidatesSQL lists the monthly partitions (<parent>_YYYYMM) of the
// range-partitioned business tables.
const candidatesSQL = `
SELECT format('%I.%I', n.nspname, c.relname), pc.oid::regclass::text, a.attname, right(c.relname, 6)
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class pc ON pc.oid = i.inhparent
JOIN pg_partitioned_table pt ON pt.partrelid = pc.oid AND pt.partstrat = 'r'
JOIN pg_attribute a ON a.attrelid = pc.oid AND a.attnum = pt.partattrs[0]
WHERE n.nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit')
  AND NOT pc.relispartition
  AND left(c.relname, length(pc.relname) + 1) = pc.relname || '_'
  AND substr(c.relname, length(pc.relname) + 2) ~ '^[0-9]{6}$'
ORDER BY right(c.relname, 6), 1`

// Candidates returns the monthly partitions whose month ends on or before
// before, oldest first.
func Candidates(ctx context.Context, conn *pgx.Conn, before time.Time) ([]Partition, error) {
	rows, err := conn.Query(ctx, candidatesSQL)
	if err != nil {
		return nil, fmt.Errorf("list partitions: %w", err)
	}
	defer rows.Close()
	var parts []Partition
	for rows.Next() {
		var p Partition
		var month string
		if err := rows.Scan(&p.Name, &p.Parent, &p.Key, &month); err != nil {
			return nil, err
		}
		if p.MonthStart, err = time.Parse("200601", month); err != nil {
			return nil, fmt.Errorf("partition %s: %w", p.Name, err)
		}
		if !p.MonthEnd().After(before) {
			parts = append(parts, p)
		}
	}
	return parts, rows.Err()
}
