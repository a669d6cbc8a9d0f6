package warehouse_test

import (
	"path/filepath"
	"testing"

	"github.com/carcarehub/cch/internal/pglocal/pgtest"
	"github.com/carcarehub/cch/warehouse"
)

// copiedAt is the WAL position of the table's last exact copy, 0 when
// it was never copied.
func copiedAt(t testing.TB, db *warehouse.DB, schema, name string) uint64 {
	t.Helper()
	var n uint64
	err := db.QueryRow("SELECT coalesce(max(until), 0) FROM _cch.copies WHERE exact AND schema_name = ? AND table_name = ?", schema, name).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestColumnIdentityFromCatalogue: columns are told apart by what
// PostgreSQL knows, not by their names. A dropped column and a column
// added under another name (or the same name) is not a rename: the new
// column holds NULL where PostgreSQL does; a real rename keeps the values.
func TestColumnIdentityFromCatalogue(t *testing.T) {
	url := pgtest.NewDatabase(t)
	conn := pgConnect(t, url)
	pgExec(t, conn, `CREATE TABLE public.marker (id int PRIMARY KEY, v int);
		CREATE TABLE public.ident (id int PRIMARY KEY, a text, keep text, same int, n numeric(10,2));
		INSERT INTO public.ident SELECT g, 'a' || g, 'k' || g, g, g / 4.0 FROM generate_series(1, 500) g`)
	const name = "col_identity"
	dropSlot(t, url, name)
	db := openDuck(t, filepath.Join(t.TempDir(), "wh.duckdb"))
	defer db.Close()
	p := startPipeline(t, db, testConfig(url, name))
	defer p.stop()

	pgExec(t, conn, "ALTER TABLE public.ident DROP COLUMN a; ALTER TABLE public.ident ADD COLUMN b text")
	pgExec(t, conn, "INSERT INTO public.ident (id, keep, b) VALUES (1000, 'new', 'b-new')")
	waitMarker(t, conn, db, 1)
	assertSame(t, conn, db, "public.ident")

	pgExec(t, conn, "ALTER TABLE public.ident DROP COLUMN same, ADD COLUMN same int")
	pgExec(t, conn, "UPDATE public.ident SET keep = keep || '!' WHERE id % 7 = 0")
	waitMarker(t, conn, db, 2)
	assertSame(t, conn, db, "public.ident")

	pgExec(t, conn, "ALTER TABLE public.ident RENAME COLUMN keep TO kept")
	pgExec(t, conn, "UPDATE public.ident SET b = 'x' WHERE id % 5 = 0")
	waitMarker(t, conn, db, 3)
	assertSame(t, conn, db, "public.ident")
	var nulls int
	if err := db.QueryRow("SELECT count(*) FROM public.ident WHERE kept IS NULL").Scan(&nulls); err != nil || nulls != 0 {
		t.Errorf("renamed column: %d NULLs (err %v), want its values kept", nulls, err)
	}
	if at := copiedAt(t, db, "public", "ident"); at != 0 {
		t.Errorf("a table whose changes the catalogue identified was copied at %X", at)
	}
}

// TestCatalogueAheadOfStream: when the catalogue has moved on past the
// changes being applied (the warehouse was down while a column was
// dropped and added again under its name), it cannot vouch for the
// columns of the old relation messages: the table is copied exactly.
func TestCatalogueAheadOfStream(t *testing.T) {
	url := pgtest.NewDatabase(t)
	conn := pgConnect(t, url)
	pgExec(t, conn, `CREATE TABLE public.marker (id int PRIMARY KEY, v int);
		CREATE TABLE public.ahead (id int PRIMARY KEY, a text, iv interval);
		INSERT INTO public.ahead SELECT g, 'a' || g, make_interval(months => g % 5, days => g % 3, secs => g / 8.0) FROM generate_series(1, 300) g`)
	const name = "catalogue_ahead"
	dropSlot(t, url, name)
	path := filepath.Join(t.TempDir(), "wh.duckdb")
	db := openDuck(t, path)
	p := startPipeline(t, db, testConfig(url, name))
	waitMarker(t, conn, db, 1)
	p.stop()

	pgExec(t, conn, "INSERT INTO public.ahead VALUES (1000, 'before', '1 day'); UPDATE public.ahead SET a = 'u' WHERE id < 10")
	pgExec(t, conn, "ALTER TABLE public.ahead DROP COLUMN a; ALTER TABLE public.ahead ADD COLUMN a text")
	pgExec(t, conn, "INSERT INTO public.ahead VALUES (1001, '-1 mon +2 days 00:00:01.5', 'after')")
	p = startPipeline(t, db, testConfig(url, name))
	defer p.stop()
	waitMarker(t, conn, db, 2)
	assertSame(t, conn, db, "public.ahead")
	if copiedAt(t, db, "public", "ahead") == 0 {
		t.Error("the table was not copied")
	}
}

// TestTypeChangeCopies: a column type change rewrites the column with
// PostgreSQL's cast or a USING expression and sends no row: the mirror is
// copied, never converted by DuckDB (where a value that does not convert
// would become NULL).
func TestTypeChangeCopies(t *testing.T) {
	url := pgtest.NewDatabase(t)
	conn := pgConnect(t, url)
	pgExec(t, conn, `CREATE TABLE public.marker (id int PRIMARY KEY, v int);
		CREATE TABLE public.retype (id int PRIMARY KEY, t text, n numeric(10,2), v varchar(5));
		INSERT INTO public.retype SELECT g, 'word' || g, g / 3.0, 'v' || (g % 100) FROM generate_series(1, 400) g`)
	const name = "retype"
	dropSlot(t, url, name)
	db := openDuck(t, filepath.Join(t.TempDir(), "wh.duckdb"))
	defer db.Close()
	p := startPipeline(t, db, testConfig(url, name))
	defer p.stop()
	pgExec(t, conn, "BEGIN; UPDATE public.retype SET t = 'pre' WHERE id % 9 = 0; ALTER TABLE public.retype ALTER t TYPE int USING length(t); INSERT INTO public.retype VALUES (1000, 7, 1.25, 'z'); COMMIT")
	waitMarker(t, conn, db, 1)
	assertSame(t, conn, db, "public.retype")
	first := copiedAt(t, db, "public", "retype")
	if first == 0 {
		t.Error("not copied after a type change")
	}
	pgExec(t, conn, "ALTER TABLE public.retype ALTER n TYPE numeric(10,1)")
	pgExec(t, conn, "UPDATE public.retype SET v = 'w' WHERE id = 3")
	waitMarker(t, conn, db, 2)
	assertSame(t, conn, db, "public.retype")
	second := copiedAt(t, db, "public", "retype")
	if second <= first {
		t.Error("not copied after a change of numeric scale")
	}
	// A longer varchar keeps every value: no copy.
	pgExec(t, conn, "ALTER TABLE public.retype ALTER v TYPE varchar(50)")
	pgExec(t, conn, "UPDATE public.retype SET v = 'longer value' WHERE id = 4")
	waitMarker(t, conn, db, 3)
	assertSame(t, conn, db, "public.retype")
	if copiedAt(t, db, "public", "retype") != second {
		t.Error("widening a varchar copied the table")
	}
}
