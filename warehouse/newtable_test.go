package warehouse_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/internal/pglocal/pgtest"
	"github.com/carcarehub/cch/warehouse"
	"github.com/carcarehub/cch/warehouse/scope"
)

// TestPublishedTableGetsMirror: a table a migration creates and publishes
// gets its mirror without waiting for its first row — within a bounded
// time while the warehouse streams (empty, with the table's columns, so
// views over it can be created), or when the warehouse starts again after
// it was published with rows meanwhile (exactly PG's rows) — and its
// later changes stream onto that mirror.
func TestPublishedTableGetsMirror(t *testing.T) {
	url := pgtest.NewDatabase(t)
	conn := pgConnect(t, url)
	const name = "new_table"
	pgExec(t, conn, `CREATE TABLE public.marker (id int PRIMARY KEY, v int);
		CREATE PUBLICATION `+name+` FOR TABLE public.marker`)
	dropSlot(t, url, name)
	db := openDuck(t, filepath.Join(t.TempDir(), "wh.duckdb"))
	defer db.Close()
	cfg := testConfig(url, name)
	cfg.PublishedCheckInterval = 200 * time.Millisecond
	p := startPipeline(t, db, cfg)

	pgExec(t, conn, `BEGIN;
		CREATE TABLE public.credit_note (id int PRIMARY KEY, amount numeric(10,2) NOT NULL, issued date, note text);
		ALTER PUBLICATION `+name+` ADD TABLE public.credit_note;
		COMMIT`)
	waitMirror(t, conn, db, "public", "credit_note", 30*time.Second)
	assertSame(t, conn, db, "public.credit_note")
	installView(t, db, "SELECT id, amount, issued, note FROM public.credit_note WHERE amount > 0")
	assertRoleView(t, conn, db, name, "public.credit_note")

	pgExec(t, conn, `INSERT INTO public.credit_note SELECT g, g / 4.0, date '2026-01-01' + g, 'n' || g FROM generate_series(1, 500) g;
		UPDATE public.credit_note SET note = 'upd' WHERE id % 3 = 0; DELETE FROM public.credit_note WHERE id % 7 = 0`)
	waitMarker(t, conn, db, 1)
	assertSame(t, conn, db, "public.credit_note")
	p.stop()

	// While stopped: a table published with rows and no change since
	// (nothing in the stream names it), an empty one, and one changed
	// after it joined (the copy holds those changes; the stream replays
	// them and they must not apply twice).
	pgExec(t, conn, `CREATE TABLE public.refund (id bigint PRIMARY KEY, credit_note_id int, at timestamptz, reason text);
		INSERT INTO public.refund SELECT g, g, timestamptz '2026-02-01 10:00+00' + g * interval '1 minute', 'r' || g FROM generate_series(1, 3000) g;
		UPDATE public.refund SET reason = 'before publish' WHERE id % 5 = 0;
		CREATE TABLE public.empty_pub (id int PRIMARY KEY, label text);
		CREATE TABLE public.adjustment (id int PRIMARY KEY, delta numeric(8,2));
		INSERT INTO public.adjustment SELECT g, g / 8.0 FROM generate_series(1, 2000) g;
		ALTER PUBLICATION `+name+` ADD TABLE public.refund, public.empty_pub, public.adjustment;
		UPDATE public.adjustment SET delta = delta + 1 WHERE id % 5 = 0;
		DELETE FROM public.adjustment WHERE id % 9 = 0;
		INSERT INTO public.adjustment VALUES (3000, 9.99);
		INSERT INTO public.credit_note VALUES (1000, 1.25, NULL, 'while stopped')`)
	startPipeline(t, db, cfg)
	waitMarker(t, conn, db, 2)
	for _, table := range []string{"public.refund", "public.empty_pub", "public.adjustment", "public.credit_note"} {
		assertSame(t, conn, db, table)
	}
	waitMirror(t, conn, db, "public", "empty_pub", time.Second)

	pgExec(t, conn, `INSERT INTO public.refund VALUES (5000, 1000, now(), 'streamed');
		UPDATE public.refund SET reason = 'streamed update' WHERE id % 11 = 0;
		INSERT INTO public.empty_pub VALUES (1, 'first');
		UPDATE public.adjustment SET delta = 0 WHERE id % 4 = 0`)
	waitMarker(t, conn, db, 3)
	for _, table := range []string{"public.refund", "public.empty_pub", "public.adjustment"} {
		assertSame(t, conn, db, table)
	}
}

// waitMirror waits until schema.name has a mirror whose columns are the
// source table's, in order.
func waitMirror(t testing.TB, conn *pgx.Conn, db *warehouse.DB, schema, name string, within time.Duration) {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT attname::text FROM pg_attribute
		WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, schema+"."+name)
	if err != nil {
		t.Fatal(err)
	}
	want, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for deadline := time.Now().Add(within); ; {
		got = mirrorColumns(t, db, schema, name)
		if slices.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("mirror of %s.%s has columns %v after %s, want %v", schema, name, got, within, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func mirrorColumns(t testing.TB, db *warehouse.DB, schema, name string) []string {
	t.Helper()
	rows, err := db.Query(`SELECT column_name FROM information_schema.columns
		WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position`, schema, name)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// installView creates a view over the mirror the way analyst views and
// marts are installed, and reads it.
func installView(t testing.TB, db *warehouse.DB, query string) {
	t.Helper()
	ctx := context.Background()
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "CREATE TEMP VIEW reads_new_table AS "+query); err != nil {
		t.Fatalf("view over the new mirror: %v", err)
	}
	var n int
	if err := c.QueryRowContext(ctx, "SELECT count(*) FROM reads_new_table").Scan(&n); err != nil {
		t.Fatalf("read view over the new mirror: %v", err)
	}
	if _, err := c.ExecContext(ctx, "DROP VIEW reads_new_table"); err != nil {
		t.Fatal(err)
	}
}

// assertRoleView checks that a role granted SELECT on table gets a view
// of it among the analysts' per-role views (scope), built on the mirror.
func assertRoleView(t testing.TB, conn *pgx.Conn, db *warehouse.DB, pub, table string) {
	t.Helper()
	ctx := context.Background()
	pgExec(t, conn, "CREATE ROLE new_table_reader; GRANT SELECT ON "+table+" TO new_table_reader")
	t.Cleanup(func() { _, _ = conn.Exec(ctx, "DROP OWNED BY new_table_reader; DROP ROLE new_table_reader") })
	m, err := scope.NewManager(scope.Config{DB: db.DB, PG: conn, Publication: pub,
		Roles: map[string]string{"reader": "new_table_reader"}})
	if err != nil {
		t.Fatal(err)
	}
	set, release, err := m.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	for _, v := range set.Views("reader") {
		if v.Key() == table {
			return
		}
	}
	t.Fatalf("role views %v lack %s", set.Views("reader"), table)
}
