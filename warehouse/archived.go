package warehouse

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// WithArchive makes the Applier load the months `cch archive` moved out of
// PostgreSQL (Parquet files listed in dir/manifest.json) into their mirror
// tables in the transaction that completes a snapshot: a warehouse built
// from a new snapshot (a new file, or a rebuild after a lost slot) answers
// history-based analytics as the one that saw those months stream by. Rows
// the snapshot already holds (same id) are not loaded twice. A file whose
// SHA-256 differs from the manifest fails the snapshot.
func WithArchive(dir string) ApplierOption {
	return func(a *Applier) { a.archiveDir = dir }
}

// archivedPartition is the part of an archive manifest entry the
// warehouse reads.
type archivedPartition struct {
	Parent string `json:"parent"`
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
}

// loadArchived loads the archive when this batch completes the snapshot.
func (a *Applier) loadArchived(ctx context.Context, conn *sql.Conn, snapshotDone bool) error {
	if a.archiveDir == "" || !snapshotDone {
		return nil
	}
	var was bool
	if err := conn.QueryRowContext(ctx, "SELECT snapshot_done FROM _cch.position WHERE id = 1").Scan(&was); err != nil || was {
		return err
	}
	raw, err := os.ReadFile(filepath.Join(a.archiveDir, "manifest.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("archive manifest: %w", err)
	}
	var m struct {
		Partitions []archivedPartition `json:"partitions"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("archive manifest: %w", err)
	}
	for _, p := range m.Partitions {
		n, err := a.loadPartition(ctx, conn, p)
		if err != nil {
			return fmt.Errorf("load archived %s: %w", p.File, err)
		}
		a.log.Info("archived month loaded", "file", p.File, "rows", n)
	}
	return nil
}

// loadPartition inserts the file's rows the mirror lacks, in the mirror's
// columns.
func (a *Applier) loadPartition(ctx context.Context, conn *sql.Conn, p archivedPartition) (int64, error) {
	schema, table, ok := strings.Cut(p.Parent, ".")
	if !ok {
		return 0, fmt.Errorf("parent %q is not schema.table", p.Parent)
	}
	path := filepath.Join(a.archiveDir, p.File)
	if err := checkSHA256(path, p.SHA256); err != nil {
		return 0, err
	}
	mirrorCols, err := stringsOf(ctx, conn, "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? ORDER BY column_index", schema, table)
	if err != nil || len(mirrorCols) == 0 {
		return 0, err // no mirror: the table is not published
	}
	fileCols, err := stringsOf(ctx, conn, "SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet(?))", path)
	if err != nil {
		return 0, err
	}
	var cols []string
	for _, c := range mirrorCols {
		if slices.Contains(fileCols, c) {
			cols = append(cols, ident(c))
		}
	}
	list := strings.Join(cols, ", ")
	q := fmt.Sprintf("INSERT INTO %s.%s (%s) SELECT %s FROM read_parquet(?) p", ident(schema), ident(table), list, list)
	if slices.Contains(cols, ident("id")) {
		q += fmt.Sprintf(" WHERE NOT EXISTS (SELECT 1 FROM %s.%s m WHERE m.id = p.id)", ident(schema), ident(table))
	}
	res, err := conn.ExecContext(ctx, q, path)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func stringsOf(ctx context.Context, conn *sql.Conn, q string, args ...any) ([]string, error) {
	rows, err := conn.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func checkSHA256(path, want string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("sha256 %s, the manifest says %s: the file changed since it was archived", got, want)
	}
	return nil
}
