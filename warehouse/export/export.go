package export

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Manifest is DIR/manifest.json.
type Manifest struct {
	CreatedAt  time.Time  `json:"created_at"`
	Source     string     `json:"source"`
	AppliedLSN string     `json:"applied_lsn,omitempty"`
	Relations  []Relation `json:"relations"`
}

// Relation is one exported table or view.
type Relation struct {
	Name        string `json:"name"` // schema.name
	Kind        string `json:"kind"` // table | view
	Rows        int64  `json:"rows"`
	PartitionBy string `json:"partition_by,omitempty"`
	Files       []File `json:"files"`
}

// File is one Parquet file, its path relative to the output directory.
type File struct {
	Path   string `json:"path"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// relationsSQL lists what is exported: tables outside the internal
// schemas (the CDC mirrors) and the mart views.
const relationsSQL = `
SELECT schema_name, table_name, 'table' FROM duckdb_tables()
WHERE NOT internal AND NOT temporary AND schema_name NOT IN ('_cch', 'main') AND table_name NOT LIKE '\_cch%' ESCAPE '\'
UNION ALL
SELECT schema_name, view_name, 'view' FROM duckdb_views() WHERE NOT internal AND NOT temporary AND schema_name = 'mart'
ORDER BY 1, 2`

// Parquet exports every relation of db into dir (created; must be empty
// or missing) and writes the manifest. source names db in the manifest.
func Parquet(ctx context.Context, db *sql.DB, source, dir string) (*Manifest, error) {
	if err := emptyDir(dir); err != nil {
		return nil, err
	}
	m := &Manifest{CreatedAt: time.Now().UTC(), Source: source, Relations: []Relation{}}
	var lsn sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT lsn FROM _cch.position WHERE id = 1").Scan(&lsn); err == nil && lsn.Valid {
		m.AppliedLSN = fmt.Sprintf("%X/%X", uint32(uint64(lsn.Int64)>>32), uint32(lsn.Int64))
	}
	rels, err := relations(ctx, db)
	if err != nil {
		return nil, err
	}
	for _, r := range rels {
		if err := exportRelation(ctx, db, dir, &r); err != nil {
			return nil, err
		}
		m.Relations = append(m.Relations, r)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), append(b, '\n'), 0o600); err != nil {
		return nil, fmt.Errorf("write manifest: %w", err)
	}
	return m, nil
}

func emptyDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("output directory: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("output directory: %w", err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("output directory %s is not empty", dir)
	}
	return nil
}

func relations(ctx context.Context, db *sql.DB) ([]Relation, error) {
	rows, err := db.QueryContext(ctx, relationsSQL)
	if err != nil {
		return nil, fmt.Errorf("list relations: %w", err)
	}
	defer rows.Close()
	var out []Relation
	for rows.Next() {
		var schema, name, kind string
		if err := rows.Scan(&schema, &name, &kind); err != nil {
			return nil, fmt.Errorf("list relations: %w", err)
		}
		out = append(out, Relation{Name: schema + "." + name, Kind: kind})
	}
	return out, rows.Err()
}

// exportRelation copies one relation to dir/<schema>/<name>/, partitioned
// by organisation_id when it has that column, and records its files.
func exportRelation(ctx context.Context, db *sql.DB, dir string, r *Relation) error {
	schema, name, _ := strings.Cut(r.Name, ".")
	rel := ident(schema) + "." + ident(name)
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+rel).Scan(&r.Rows); err != nil {
		return fmt.Errorf("count %s: %w", r.Name, err)
	}
	var hasOrg bool
	err := db.QueryRowContext(ctx, `SELECT count(*) > 0 FROM duckdb_columns()
		WHERE schema_name = ? AND table_name = ? AND column_name = 'organisation_id'`, schema, name).Scan(&hasOrg)
	if err != nil {
		return fmt.Errorf("columns of %s: %w", r.Name, err)
	}
	target := filepath.Join(dir, schema, name)
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return fmt.Errorf("export %s: %w", r.Name, err)
	}
	opts := "FORMAT parquet, COMPRESSION zstd"
	if hasOrg && r.Rows > 0 {
		r.PartitionBy = "organisation_id"
		opts += ", PARTITION_BY (organisation_id)"
	} else {
		if err := os.MkdirAll(target, 0o700); err != nil {
			return fmt.Errorf("export %s: %w", r.Name, err)
		}
		target = filepath.Join(target, "data.parquet")
	}
	// COPY takes no bind parameter for its target; the path is the
	// operator's --out, quoted as a string literal.
	q := fmt.Sprintf("COPY (SELECT * FROM %s) TO %s (%s)", rel, literal(target), opts)
	if _, err := db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("export %s: %w", r.Name, err)
	}
	r.Files, err = checksums(dir, filepath.Join(dir, schema, name))
	return err
}

// checksums lists the Parquet files under root with sizes and SHA-256.
func checksums(dir, root string) ([]File, error) {
	var files []File
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		n, err := io.Copy(h, f)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files = append(files, File{Path: filepath.ToSlash(rel), Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("checksum %s: %w", root, err)
	}
	return files, nil
}

func ident(s string) string   { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
func literal(s string) string { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` }
