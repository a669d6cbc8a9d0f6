package export

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// SubjectFile is an exported file holding rows of a data subject.
type SubjectFile struct {
	Relation string `json:"relation"`
	Path     string `json:"path"` // relative to the export directory
	Rows     int64  `json:"rows"`
}

// FindSubject lists the files of the export in dir that hold rows naming
// customer id in one of their relation's subject columns (see
// Relation.SubjectColumns). db is any DuckDB connection; it reads the
// Parquet files.
func FindSubject(ctx context.Context, db *sql.DB, dir string, id int64) ([]SubjectFile, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	var out []SubjectFile
	for _, r := range m.Relations {
		if len(r.SubjectColumns) == 0 {
			continue
		}
		for _, f := range r.Files {
			q := fmt.Sprintf("SELECT count(*) FROM read_parquet(%s, hive_partitioning = false) WHERE %s",
				literal(filepath.Join(dir, filepath.FromSlash(f.Path))), subjectPredicate(r.SubjectColumns, id))
			var n int64
			if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
				return nil, fmt.Errorf("read %s: %w", f.Path, err)
			}
			if n > 0 {
				out = append(out, SubjectFile{Relation: r.Name, Path: f.Path, Rows: n})
			}
		}
	}
	return out, nil
}

// RewriteSubject rewrites every file of the export in dir that holds rows
// of customer id without those rows, and updates the manifest (row
// counts, sizes, checksums, and a Rewrites entry). It returns the files
// rewritten.
func RewriteSubject(ctx context.Context, db *sql.DB, dir string, id int64) ([]SubjectFile, error) {
	found, err := FindSubject(ctx, db, dir, id)
	if err != nil || len(found) == 0 {
		return found, err
	}
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	for _, sf := range found {
		r := relationOf(m, sf.Relation)
		path := filepath.Join(dir, filepath.FromSlash(sf.Path))
		tmp := path + ".rewrite"
		q := fmt.Sprintf("COPY (SELECT * FROM read_parquet(%s, hive_partitioning = false) WHERE NOT (%s)) TO %s (FORMAT parquet, COMPRESSION zstd)",
			literal(path), subjectPredicate(r.SubjectColumns, id), literal(tmp))
		if _, err := db.ExecContext(ctx, q); err != nil {
			os.Remove(tmp)
			return nil, fmt.Errorf("rewrite %s: %w", sf.Path, err)
		}
		if err := os.Rename(tmp, path); err != nil {
			return nil, fmt.Errorf("rewrite %s: %w", sf.Path, err)
		}
		r.Rows -= sf.Rows
		files, err := checksums(dir, path)
		if err != nil {
			return nil, err
		}
		for i := range r.Files {
			if r.Files[i].Path == sf.Path && len(files) == 1 {
				r.Files[i] = files[0]
			}
		}
	}
	m.Rewrites = append(m.Rewrites, Rewrite{CustomerID: id, At: time.Now().UTC(), Files: len(found)})
	return found, writeManifest(dir, m)
}

func relationOf(m *Manifest, name string) *Relation {
	for i := range m.Relations {
		if m.Relations[i].Name == name {
			return &m.Relations[i]
		}
	}
	return &Relation{}
}

// subjectPredicate is true for a row naming customer id in any of cols.
func subjectPredicate(cols []string, id int64) string {
	var parts []string
	for _, c := range cols {
		parts = append(parts, fmt.Sprintf("coalesce(%s = %d, false)", ident(c), id))
	}
	return strings.Join(parts, " OR ")
}
