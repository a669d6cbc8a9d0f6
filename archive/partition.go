package archive

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/warehouse"
)

// column is one column of a partition and its DuckDB (warehouse) type.
type column struct {
	Name string `json:"name"`
	Duck string `json:"type"`
}

// fingerprint is what the partition and its Parquet file must agree on.
type fingerprint struct {
	Rows     int64  `json:"rows"`
	IDs      string `json:"ids_md5"`    // md5 of the ids in order, comma-separated
	MinKeyUS int64  `json:"min_key_us"` // partition key bounds, µs since the epoch (0 when empty)
	MaxKeyUS int64  `json:"max_key_us"`
	Hashes   string `json:"hashes_md5,omitempty"` // audit log: md5 of the entry hashes (hex) in id order
}

// archiveOne exports p, verifies the file, records it in the manifest and
// drops the partition, all while holding a lock that keeps its rows still.
func archiveOne(ctx context.Context, conn *pgx.Conn, dir string, p Partition) (Entry, error) {
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	if err != nil {
		return Entry{}, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "SET LOCAL TimeZone = 'UTC'"); err != nil {
		return Entry{}, err
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE "+p.Name+" IN SHARE MODE"); err != nil {
		return Entry{}, fmt.Errorf("lock: %w", err)
	}
	cols, err := columns(ctx, tx, p.Name)
	if err != nil {
		return Entry{}, err
	}
	want, err := pgFingerprint(ctx, tx, p, hasColumn(cols, "hash"))
	if err != nil {
		return Entry{}, err
	}
	e, err := export(ctx, tx, dir, p, cols, want)
	if err != nil {
		return Entry{}, err
	}
	if e.Subjects, e.SubjectColumn, err = partitionSubjects(ctx, tx, p); err != nil {
		return Entry{}, err
	}
	if err := appendManifest(dir, e); err != nil {
		return Entry{}, err
	}
	var dropped int64
	if err := tx.QueryRow(ctx, "SELECT cch_partition.archive_partition($1::regclass, $2, $3)", p.Name, e.Rows, e.SHA256).Scan(&dropped); err != nil {
		return Entry{}, fmt.Errorf("detach and drop: %w", err)
	}
	return e, tx.Commit(ctx)
}

// export writes the partition to Parquet and reads it back.
func export(ctx context.Context, tx pgx.Tx, dir string, p Partition, cols []column, want fingerprint) (Entry, error) {
	rel, err := fileFor(ctx, tx, dir, p)
	if err != nil {
		return Entry{}, err
	}
	final := filepath.Join(dir, rel)
	csvPath := final + ".csv.tmp"
	defer os.Remove(csvPath)
	if err := copyOut(ctx, tx, p.Name, csvPath); err != nil {
		return Entry{}, err
	}
	tmp := final + ".tmp"
	defer os.Remove(tmp)
	if err := writeParquet(ctx, csvPath, tmp, cols); err != nil {
		return Entry{}, err
	}
	if err := syncFile(tmp); err != nil {
		return Entry{}, err
	}
	if err := os.Rename(tmp, final); err != nil {
		return Entry{}, err
	}
	sum, size, err := sha256File(final)
	if err != nil {
		return Entry{}, err
	}
	got, err := parquetFingerprint(ctx, final, p.Key, want.Hashes != "")
	if err != nil {
		return Entry{}, fmt.Errorf("read back %s: %w", final, err)
	}
	if got != want {
		return Entry{}, fmt.Errorf("read back %s: the file holds %+v, the partition %+v", final, got, want)
	}
	return Entry{Partition: p.Name, Parent: p.Parent, MonthStart: p.MonthStart, MonthEnd: p.MonthEnd(), File: rel,
		Rows: want.Rows, Bytes: size, SHA256: sum, Columns: cols, Fingerprint: want, ArchivedAt: time.Now().UTC()}, nil
}

// fileFor names the partition's file: <schema>.<table>/<partition>.parquet,
// or <partition>.N.parquet when the month was archived before (re-created
// later): a file of a completed archive is never overwritten, one left by a
// run that failed before the drop is.
func fileFor(ctx context.Context, tx pgx.Tx, dir string, p Partition) (string, error) {
	sub := strings.SplitN(p.Parent, ".", 2)[0] + "." + tableName(p.Parent)
	if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
		return "", err
	}
	for n := 1; ; n++ {
		name := tableName(p.Name) + ".parquet"
		if n > 1 {
			name = fmt.Sprintf("%s.%d.parquet", tableName(p.Name), n)
		}
		rel := filepath.Join(sub, name)
		sum, _, err := sha256File(filepath.Join(dir, rel))
		if errors.Is(err, os.ErrNotExist) {
			return rel, nil
		} else if err != nil {
			return "", err
		}
		sums, err := archivedSums(dir, rel, sum)
		if err != nil {
			return "", err
		}
		var archived bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM cch_partition.archived_partition WHERE partition = $1 AND sha256 = ANY ($2))",
			p.Name, sums).Scan(&archived); err != nil {
			return "", err
		}
		if !archived {
			return rel, nil
		}
	}
}

// copyOut writes the partition's rows as CSV (every non-null value quoted,
// so an empty string and NULL differ).
func copyOut(ctx context.Context, tx pgx.Tx, name, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = tx.Conn().PgConn().CopyTo(ctx, f, "COPY (SELECT * FROM "+name+" ORDER BY id) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *)")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("copy out: %w", err)
	}
	return nil
}

// columns reads the partition's columns with their warehouse types.
func columns(ctx context.Context, tx pgx.Tx, name string) ([]column, error) {
	rows, err := tx.Query(ctx, `SELECT attname, atttypid, atttypmod FROM pg_attribute
		WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []column
	for rows.Next() {
		var c cdc.Column
		if err := rows.Scan(&c.Name, &c.TypeOID, &c.TypeMod); err != nil {
			return nil, err
		}
		cols = append(cols, column{Name: c.Name, Duck: warehouse.DuckType(c)})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if !hasColumn(cols, "id") {
		return nil, fmt.Errorf("%s has no id column", name)
	}
	return cols, nil
}

// pgFingerprint computes the partition's fingerprint.
func pgFingerprint(ctx context.Context, tx pgx.Tx, p Partition, audit bool) (fingerprint, error) {
	key := pgx.Identifier{p.Key}.Sanitize()
	hashes := "''"
	if audit {
		hashes = "coalesce(md5(string_agg(encode(hash, 'hex'), ',' ORDER BY id)), '')"
	}
	var f fingerprint
	err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT count(*), coalesce(md5(string_agg(id::text, ',' ORDER BY id)), ''),
		coalesce((extract(epoch FROM min(%[1]s)) * 1000000)::bigint, 0), coalesce((extract(epoch FROM max(%[1]s)) * 1000000)::bigint, 0), %[2]s
		FROM %[3]s`, key, hashes, p.Name)).Scan(&f.Rows, &f.IDs, &f.MinKeyUS, &f.MaxKeyUS, &f.Hashes)
	return f, err
}

func hasColumn(cols []column, name string) bool {
	for _, c := range cols {
		if c.Name == name {
			return true
		}
	}
	return false
}

// tableName is the unqualified, unquoted name of schema.table.
func tableName(qualified string) string {
	parts := strings.SplitN(qualified, ".", 2)
	return strings.Trim(parts[len(parts)-1], `"`)
}
