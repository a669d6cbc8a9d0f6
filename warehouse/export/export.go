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
	"slices"
	"strings"
	"time"
)

// Manifest is DIR/manifest.json.
type Manifest struct {
	CreatedAt  time.Time `json:"created_at"`
	Source     string    `json:"source"`
	AppliedLSN string    `json:"applied_lsn,omitempty"`
	// Organisation is the one organisation exported; 0 with
	// AllOrganisations.
	Organisation     int64 `json:"organisation_id,omitempty"`
	AllOrganisations bool  `json:"all_organisations,omitempty"`
	// Role (and StaffID) name the business role whose view of the
	// organisation was exported; empty: every row and column.
	Role      string     `json:"role,omitempty"`
	StaffID   int64      `json:"staff_id,omitempty"`
	Relations []Relation `json:"relations"`
	// Rewrites records the erasures applied to this export afterwards
	// (see RewriteSubject), by customer id.
	Rewrites []Rewrite `json:"rewrites,omitempty"`
}

// Rewrite is one data subject's rows removed from an export's files.
type Rewrite struct {
	CustomerID int64     `json:"customer_id"`
	At         time.Time `json:"at"`
	Files      int       `json:"files"`
}

// Relation is one exported table or view.
type Relation struct {
	Name        string `json:"name"` // schema.name
	Kind        string `json:"kind"` // table | view
	Rows        int64  `json:"rows"`
	PartitionBy string `json:"partition_by,omitempty"`
	// SubjectColumns are the columns naming a customer (core.customer.id,
	// customer_id, *_customer_id): where a data subject's rows are found
	// when an erasure must reach this export.
	SubjectColumns []string `json:"subject_columns,omitempty"`
	Files          []File   `json:"files"`
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

// Parquet exports the relations of db that opts select into dir (created;
// must be empty or missing) and writes the manifest. source names db in the
// manifest. Everything is read in one DuckDB transaction, so the export is
// consistent at one applied position even beside a running pipeline.
func Parquet(ctx context.Context, db *sql.DB, source, dir string, opts Options) (*Manifest, error) {
	sel, err := opts.selector()
	if err != nil {
		return nil, err
	}
	if err := emptyDir(dir); err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION READ ONLY"); err != nil {
		return nil, fmt.Errorf("export transaction: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	m := &Manifest{CreatedAt: time.Now().UTC(), Source: source, Relations: []Relation{},
		Organisation: opts.Organisation, AllOrganisations: opts.AllOrganisations, Role: opts.Role, StaffID: opts.StaffID}
	var lsn sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT lsn FROM _cch.position WHERE id = 1").Scan(&lsn); err == nil && lsn.Valid {
		m.AppliedLSN = fmt.Sprintf("%X/%X", uint32(uint64(lsn.Int64)>>32), uint32(lsn.Int64))
	}
	rels, err := relations(ctx, conn)
	if err != nil {
		return nil, err
	}
	leave, err := opts.enter(ctx, conn)
	if err != nil {
		return nil, err
	}
	defer leave()
	for _, r := range rels {
		ok, err := exportRelation(ctx, conn, dir, &r, sel)
		if err != nil {
			return nil, err
		}
		if ok {
			m.Relations = append(m.Relations, r)
		}
	}
	return m, writeManifest(dir, m)
}

// writeManifest writes DIR/manifest.json (owner-only).
func writeManifest(dir string, m *Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	return nil
}

// ReadManifest reads DIR/manifest.json.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", dir, err)
	}
	return &m, nil
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

func relations(ctx context.Context, db *sql.Conn) ([]Relation, error) {
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

// exportRelation copies what sel selects of one relation to
// dir/<schema>/<name>/, partitioned by organisation_id when it has that
// column, and records its files. It reports false when sel leaves the
// relation out.
func exportRelation(ctx context.Context, db *sql.Conn, dir string, r *Relation, sel Selector) (bool, error) {
	schema, name, _ := strings.Cut(r.Name, ".")
	cols, err := columns(ctx, db, schema, name)
	if err != nil {
		return false, err
	}
	query, ok := sel(r.Name, cols)
	if !ok {
		return false, nil
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM ("+query+")").Scan(&r.Rows); err != nil {
		return false, fmt.Errorf("count %s: %w", r.Name, err)
	}
	hasOrg := slices.Contains(cols, "organisation_id")
	r.SubjectColumns = subjectColumns(r.Name, cols)
	target := filepath.Join(dir, schema, name)
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return false, fmt.Errorf("export %s: %w", r.Name, err)
	}
	opts := "FORMAT parquet, COMPRESSION zstd"
	if hasOrg && r.Rows > 0 {
		r.PartitionBy = "organisation_id"
		opts += ", PARTITION_BY (organisation_id)"
	} else {
		if err := os.MkdirAll(target, 0o700); err != nil {
			return false, fmt.Errorf("export %s: %w", r.Name, err)
		}
		target = filepath.Join(target, "data.parquet")
	}
	// COPY takes no bind parameter for its target; the path is the
	// operator's --out, quoted as a string literal.
	q := fmt.Sprintf("COPY (%s) TO %s (%s)", query, literal(target), opts)
	if _, err := db.ExecContext(ctx, q); err != nil {
		return false, fmt.Errorf("export %s: %w", r.Name, err)
	}
	r.Files, err = checksums(dir, filepath.Join(dir, schema, name))
	return true, err
}

// columns lists a relation's columns in order.
func columns(ctx context.Context, db *sql.Conn, schema, name string) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT column_name FROM duckdb_columns()
		WHERE schema_name = ? AND table_name = ? ORDER BY column_index`, schema, name)
	if err != nil {
		return nil, fmt.Errorf("columns of %s.%s: %w", schema, name, err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("columns of %s.%s: %w", schema, name, err)
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
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
