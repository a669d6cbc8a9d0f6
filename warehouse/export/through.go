package export

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// ParquetThrough exports like Parquet from a warehouse whose DuckDB
// instance may not write files (the analyst paths lock its configuration
// with external access off): it reads the selected rows of every relation
// in one read-only transaction of db, copies them as Arrow into scratch (a
// separate, empty in-memory DuckDB instance), and writes the Parquet files
// and manifest from there.
func ParquetThrough(ctx context.Context, db, scratch *sql.DB, source, dir string, opts Options) (*Manifest, error) {
	sel, err := opts.selector()
	if err != nil {
		return nil, err
	}
	if err := emptyDir(dir); err != nil {
		return nil, err
	}
	src, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	dst, err := scratch.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer dst.Close()
	if _, err := src.ExecContext(ctx, "BEGIN TRANSACTION READ ONLY"); err != nil {
		return nil, fmt.Errorf("export transaction: %w", err)
	}
	defer src.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	var lsn sql.NullInt64
	_ = src.QueryRowContext(ctx, "SELECT lsn FROM _cch.position WHERE id = 1").Scan(&lsn)
	_, err = dst.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS _cch;
		CREATE TABLE _cch.position (id INTEGER, lsn UBIGINT, snapshot_done BOOLEAN);
		INSERT INTO _cch.position VALUES (1, ?, true)`, lsn.Int64)
	if err != nil {
		return nil, fmt.Errorf("stage position: %w", err)
	}
	rels, err := relations(ctx, src)
	if err != nil {
		return nil, err
	}
	leave, err := opts.enter(ctx, src)
	if err != nil {
		return nil, err
	}
	defer leave()
	for _, r := range rels {
		schema, name, _ := strings.Cut(r.Name, ".")
		cols, err := columns(ctx, src, schema, name)
		if err != nil {
			return nil, err
		}
		if query, ok := sel(r.Name, cols); ok {
			if err := stage(ctx, src, dst, r.Name, query); err != nil {
				return nil, err
			}
		}
	}
	m, err := Parquet(ctx, scratch, source, dir, Options{AllOrganisations: true})
	if err != nil {
		return nil, err
	}
	m.Organisation, m.AllOrganisations, m.Role, m.StaffID = opts.Organisation, opts.AllOrganisations, opts.Role, opts.StaffID
	return m, writeManifest(dir, m)
}

func schemaOf(relation string) string {
	schema, _, _ := strings.Cut(relation, ".")
	return schema
}
