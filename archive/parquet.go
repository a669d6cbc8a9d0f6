package archive

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2" // the duckdb database/sql driver
)

// writeParquet converts the CSV copy of a partition into a Parquet file
// with the warehouse's column types (an in-memory DuckDB).
func writeParquet(ctx context.Context, csvPath, out string, cols []column) error {
	db, err := openDuck(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	spec := make([]string, len(cols))
	sel := make([]string, len(cols))
	for i, c := range cols {
		spec[i] = fmt.Sprintf("%s: 'VARCHAR'", literal(c.Name))
		sel[i] = castFromText(ident(c.Name), c.Duck) + " AS " + ident(c.Name)
	}
	q := fmt.Sprintf(`COPY (SELECT %s FROM read_csv(%s, header = false, auto_detect = false, quote = '"', escape = '"',
		allow_quoted_nulls = false, columns = {%s})) TO %s (FORMAT parquet, COMPRESSION zstd)`,
		strings.Join(sel, ", "), literal(csvPath), strings.Join(spec, ", "), literal(out))
	if _, err := db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("write parquet: %w", err)
	}
	return nil
}

// castFromText turns PostgreSQL's text form of a value into its DuckDB type.
func castFromText(col, duck string) string {
	switch duck {
	case "VARCHAR":
		return col
	case "BLOB":
		return "from_hex(substr(" + col + ", 3))" // bytea's \x… hex form
	}
	return "CAST(" + col + " AS " + duck + ")"
}

// parquetFingerprint reads the file back and computes its fingerprint.
func parquetFingerprint(ctx context.Context, path, key string, audit bool) (fingerprint, error) {
	db, err := openDuck(ctx)
	if err != nil {
		return fingerprint{}, err
	}
	defer db.Close()
	hashes := "''"
	if audit {
		hashes = "coalesce(md5(string_agg(lower(hex(hash)), ',' ORDER BY id)), '')"
	}
	var f fingerprint
	err = db.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*), coalesce(md5(string_agg(CAST(id AS VARCHAR), ',' ORDER BY id)), ''),
		coalesce(epoch_us(min(%[1]s)), 0), coalesce(epoch_us(max(%[1]s)), 0), %[2]s FROM read_parquet(%[3]s)`,
		ident(key), hashes, literal(path))).Scan(&f.Rows, &f.IDs, &f.MinKeyUS, &f.MaxKeyUS, &f.Hashes)
	return f, err
}

func openDuck(ctx context.Context) (*sql.DB, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, "SET TimeZone = 'UTC'"); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func sha256File(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func ident(s string) string   { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
func literal(s string) string { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` }
