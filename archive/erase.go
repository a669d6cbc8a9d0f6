package archive

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Erase brings a customer's GDPR erasure to the archive in dir: every
// archived file holding rows of the customer (per the manifest's
// subjects) is rewritten with those rows' PII columns cleared (see
// subjectRules), read back (same rows, ids, key bounds; no PII left in
// the customer's rows; other rows unchanged), and renamed over the old
// file, so no copy of the old content stays in the directory. The
// manifest gets the new sizes and checksums and an Erasures record. It
// returns the files rewritten; running it again rewrites them again
// (harmless).
func Erase(ctx context.Context, dir string, customerID int64) ([]string, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	db, err := openDuck(ctx)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var files []string
	for i := range m.Partitions {
		e := &m.Partitions[i]
		keys := subjectKeys(e.Subjects, customerID)
		if len(keys) == 0 {
			continue
		}
		if err := eraseFile(ctx, db, dir, e, keys); err != nil {
			return files, fmt.Errorf("erase customer %d from %s: %w", customerID, e.File, err)
		}
		files = append(files, e.File)
		// Each rewritten file is recorded at once: the manifest never
		// names a checksum that is not on disk.
		if err := writeManifest(dir, m); err != nil {
			return files, err
		}
	}
	m.Erasures = append(m.Erasures, Erasure{CustomerID: customerID, At: time.Now().UTC(), Files: append([]string{}, files...)})
	return files, writeManifest(dir, m)
}

func subjectKeys(subjects []Subject, customerID int64) []int64 {
	for _, s := range subjects {
		if s.CustomerID == customerID {
			return s.Keys
		}
	}
	return nil
}

// eraseFile rewrites one file and updates e.
func eraseFile(ctx context.Context, db *sql.DB, dir string, e *Entry, keys []int64) error {
	rule, ok := subjectRules[e.Parent]
	if !ok || e.SubjectColumn != rule.Column {
		return fmt.Errorf("no erasure rule for %s by %q", e.Parent, e.SubjectColumn)
	}
	path := filepath.Join(dir, e.File)
	if sum, size, err := sha256File(path); err != nil {
		return err
	} else if sum != e.SHA256 || size != e.Bytes {
		return fmt.Errorf("sha256 %s (%d bytes), manifest %s (%d bytes): refusing to rewrite a file that is not the archived one", sum, size, e.SHA256, e.Bytes)
	}
	pred := subjectIn(rule.Column, keys)
	tmp := path + ".erase.tmp"
	defer os.Remove(tmp)
	q := fmt.Sprintf("COPY (SELECT %s FROM read_parquet(%s) ORDER BY id) TO %s (FORMAT parquet, COMPRESSION zstd)",
		strings.Join(scrubbedColumns(e.Columns, rule, pred), ", "), literal(path), literal(tmp))
	if _, err := db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("rewrite: %w", err)
	}
	if err := checkRewrite(ctx, db, path, tmp, e, rule, pred); err != nil {
		return err
	}
	if err := syncFile(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	sum, size, err := sha256File(path)
	if err != nil {
		return err
	}
	if e.ArchivedSHA256 == "" {
		e.ArchivedSHA256 = e.SHA256
	}
	e.SHA256, e.Bytes = sum, size
	return nil
}

// scrubbedColumns selects every column of the file, the rule's PII
// columns replaced in the subject's rows.
func scrubbedColumns(cols []column, rule subjectRule, pred string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = ident(c.Name)
		if repl, ok := rule.Scrub[c.Name]; ok {
			v := "NULL"
			if repl != "" {
				v = literal(repl)
			}
			out[i] = fmt.Sprintf("CASE WHEN %s THEN CAST(%s AS %s) ELSE %s END AS %s", pred, v, c.Duck, ident(c.Name), ident(c.Name))
		}
	}
	return out
}

// checkRewrite reads the new file back: the same fingerprint as archived
// (rows, ids, key bounds), the other rows identical, and the subject's
// rows hold only the replacements in the scrubbed columns.
func checkRewrite(ctx context.Context, db *sql.DB, oldPath, newPath string, e *Entry, rule subjectRule, pred string) error {
	got, err := parquetFingerprint(ctx, newPath, rule.Key, e.Fingerprint.Hashes != "")
	if err != nil {
		return fmt.Errorf("read back: %w", err)
	}
	if got != e.Fingerprint {
		return fmt.Errorf("read back: the rewritten file holds %+v, the archive %+v", got, e.Fingerprint)
	}
	var changedOthers, leftover int64
	q := fmt.Sprintf(`SELECT count(*) FROM (SELECT * FROM read_parquet(%[1]s) WHERE NOT coalesce(%[3]s, false)
		EXCEPT ALL SELECT * FROM read_parquet(%[2]s) WHERE NOT coalesce(%[3]s, false))`, literal(oldPath), literal(newPath), pred)
	if err := db.QueryRowContext(ctx, q).Scan(&changedOthers); err != nil {
		return fmt.Errorf("read back: %w", err)
	}
	var conds []string
	for col, repl := range rule.Scrub {
		if repl == "" {
			conds = append(conds, ident(col)+" IS NOT NULL")
		} else {
			conds = append(conds, fmt.Sprintf("CAST(%s AS VARCHAR) IS DISTINCT FROM %s", ident(col), literal(repl)))
		}
	}
	sort.Strings(conds)
	q = fmt.Sprintf("SELECT count(*) FROM read_parquet(%s) WHERE %s AND (%s)", literal(newPath), pred, strings.Join(conds, " OR "))
	if err := db.QueryRowContext(ctx, q).Scan(&leftover); err != nil {
		return fmt.Errorf("read back: %w", err)
	}
	if changedOthers != 0 || leftover != 0 {
		return fmt.Errorf("read back: %d other rows changed, %d of the subject's rows still hold PII", changedOthers, leftover)
	}
	return nil
}

func subjectIn(col string, keys []int64) string {
	s := make([]string, len(keys))
	for i, k := range keys {
		s[i] = strconv.FormatInt(k, 10)
	}
	return fmt.Sprintf("%s IN (%s)", ident(col), strings.Join(s, ", "))
}
