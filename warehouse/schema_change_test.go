package warehouse_test

import (
	"path/filepath"
	"testing"

	"github.com/carcarehub/cch/internal/pglocal/pgtest"
)

// TestAddColumnDefaultBackfill: rows that existed before an ADD COLUMN …
// DEFAULT are never sent by pgoutput, yet PostgreSQL returns the default
// for them; the mirror must hold it too.
func TestAddColumnDefaultBackfill(t *testing.T) {
	url := pgtest.NewDatabase(t)
	conn := pgConnect(t, url)
	pgExec(t, conn, `CREATE TABLE public.marker (id int PRIMARY KEY, v int);
		CREATE TABLE public.acd (id int PRIMARY KEY, a text);
		INSERT INTO public.acd SELECT g, 'r' || g FROM generate_series(1, 1000) g`)
	const name = "add_default"
	dropSlot(t, url, name)
	db := openDuck(t, filepath.Join(t.TempDir(), "wh.duckdb"))
	defer db.Close()
	p := startPipeline(t, db, testConfig(url, name))
	defer p.stop()
	pgExec(t, conn, "INSERT INTO public.acd SELECT g, 's' || g FROM generate_series(1001, 1500) g")
	pgExec(t, conn, `BEGIN;
		DELETE FROM public.acd WHERE id % 10 = 0;
		ALTER TABLE public.acd ADD COLUMN x int DEFAULT 7, ADD COLUMN y text DEFAULT 'it''s',
		  ADD COLUMN z timestamptz DEFAULT '2024-05-01 10:00:00.123456+02', ADD COLUMN n numeric(8,2) DEFAULT 1.5,
		  ADD COLUMN d date DEFAULT '2024-02-29', ADD COLUMN f float8 DEFAULT 0.1, ADD COLUMN u uuid DEFAULT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
		  ADD COLUMN j jsonb DEFAULT '{"k": [1]}', ADD COLUMN iv interval DEFAULT '1 day 02:00:00', ADD COLUMN bin bytea DEFAULT '\xbeef',
		  ADD COLUMN nodef int;
		INSERT INTO public.acd (id, a, x) VALUES (5000, 'new', 8);
		UPDATE public.acd SET a = 'upd' WHERE id = 3;
		COMMIT`)
	waitMarker(t, conn, db, 1)
	assertSame(t, conn, db, "public.acd")
	// cch_replicator is no superuser: attmissingval must be readable.
	pgExec(t, conn, "CREATE ROLE acd_reader; SET ROLE acd_reader")
	pgExec(t, conn, "SELECT attmissingval::text FROM pg_attribute WHERE atthasmissing LIMIT 1")
	pgExec(t, conn, "RESET ROLE; DROP ROLE acd_reader")
}

// TestLateTableCopy: a table with rows added to the publication while
// streaming gets its own copy, consistent with the changes streamed after
// it joined (some of which the copy already holds).
func TestLateTableCopy(t *testing.T) {
	url := pgtest.NewDatabase(t)
	conn := pgConnect(t, url)
	const name = "late_copy"
	pgExec(t, conn, `CREATE TABLE public.marker (id int PRIMARY KEY, v int);
		CREATE TABLE public.old (id int PRIMARY KEY, x text, n numeric(10,2));
		INSERT INTO public.old SELECT g, 'o' || g, g / 10.0 FROM generate_series(1, 30000) g;
		CREATE PUBLICATION `+name+` FOR TABLE public.marker`)
	dropSlot(t, url, name)
	db := openDuck(t, filepath.Join(t.TempDir(), "wh.duckdb"))
	defer db.Close()
	p := startPipeline(t, db, testConfig(url, name))
	defer p.stop()
	pgExec(t, conn, "UPDATE public.old SET x = 'unpublished' WHERE id % 7 = 0")
	pgExec(t, conn, "ALTER PUBLICATION "+name+" ADD TABLE public.old")
	pgExec(t, conn, "BEGIN; INSERT INTO public.old VALUES (40000, 'new', 1); UPDATE public.old SET n = n + 1 WHERE id % 5 = 0; DELETE FROM public.old WHERE id % 11 = 0; COMMIT")
	pgExec(t, conn, "UPDATE public.old SET x = 'later' WHERE id % 13 = 0; INSERT INTO public.old VALUES (40001, 'newer', 2)")
	waitMarker(t, conn, db, 1)
	assertSame(t, conn, db, "public.old")
}
