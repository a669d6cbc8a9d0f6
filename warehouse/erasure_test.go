package warehouse_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/carcarehub/cch/internal/pglocal/pgtest"
)

// TestErasureScrubsWarehouseFile: once an update pseudonymising a
// customer is applied, the erased e-mail is in neither the DuckDB file
// nor its WAL (it was in the WAL before), and the files are private.
func TestErasureScrubsWarehouseFile(t *testing.T) {
	url := pgtest.NewDatabase(t)
	conn := pgConnect(t, url)
	pgExec(t, conn, `CREATE TABLE public.marker (id int PRIMARY KEY, v int);
		CREATE SCHEMA core;
		CREATE TABLE core.customer (id int PRIMARY KEY, family_name text, email text, pseudonymised_at timestamptz);
		INSERT INTO core.customer SELECT g, 'family' || g, 'someone' || g || '@example.org', NULL FROM generate_series(1, 300) g`)
	const name = "erasure_scrub"
	dropSlot(t, url, name)
	path := filepath.Join(t.TempDir(), "wh", "wh.duckdb")
	db := openDuck(t, path)
	defer db.Close()
	p := startPipeline(t, db, testConfig(url, name))
	defer p.stop()
	const erased = "erase-me-7f3a9c@example.org"
	pgExec(t, conn, "INSERT INTO core.customer VALUES (1000, 'Zyxwvut', $1, NULL)", erased)
	waitMarker(t, conn, db, 1)
	if !fileHolds(t, path+".wal", [][]byte{[]byte(erased)}) && !fileHolds(t, path, [][]byte{[]byte(erased)}) {
		t.Fatal("the e-mail is in neither file before the erasure: the check below would prove nothing")
	}
	pgExec(t, conn, "UPDATE core.customer SET family_name = NULL, email = NULL, pseudonymised_at = now() WHERE id = 1000")
	waitMarker(t, conn, db, 2)
	var n int
	if err := db.QueryRow("SELECT count(*) FROM core.customer WHERE email = ? OR family_name = 'Zyxwvut'", erased).Scan(&n); err != nil || n != 0 {
		t.Fatalf("mirror still holds the erased customer: %d, %v", n, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for fileHolds(t, path, [][]byte{[]byte(erased), []byte("Zyxwvut")}) || fileHolds(t, path+".wal", [][]byte{[]byte(erased), []byte("Zyxwvut")}) {
		if time.Now().After(deadline) {
			t.Logf("file: email %v name %v; wal: email %v name %v", fileHolds(t, path, [][]byte{[]byte(erased)}), fileHolds(t, path, [][]byte{[]byte("Zyxwvut")}),
				fileHolds(t, path+".wal", [][]byte{[]byte(erased)}), fileHolds(t, path+".wal", [][]byte{[]byte("Zyxwvut")}))
			t.Fatal("the erased values linger in the DuckDB file or its WAL")
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, f := range []string{path, path + ".wal", filepath.Dir(path)} {
		fi, err := os.Stat(f)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is %v: readable by others", f, fi.Mode().Perm())
		}
	}
}

// TestScrubWaitsForOpenTransactions: a scrub while an analyst's read
// transaction is open (DuckDB refuses a plain CHECKPOINT then) waits for
// it and succeeds.
func TestScrubWaitsForOpenTransactions(t *testing.T) {
	ctx := context.Background()
	db := openDuck(t, filepath.Join(t.TempDir(), "w.duckdb"))
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE t AS SELECT range AS i, 'v' || range AS s FROM range(10000)"); err != nil {
		t.Fatal(err)
	}
	reader, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	var n int
	if _, err := reader.ExecContext(ctx, "BEGIN TRANSACTION READ ONLY"); err != nil {
		t.Fatal(err)
	}
	if err := reader.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("UPDATE t SET s = NULL WHERE i < 100"); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		reader.ExecContext(ctx, "COMMIT")
	}()
	if err := db.Scrub(ctx); err != nil {
		t.Fatalf("scrub beside an open read transaction: %v", err)
	}
}
