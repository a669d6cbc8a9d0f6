package warehouse_test

import (
	"path/filepath"
	"testing"

	"github.com/carcarehub/cch/internal/pglocal/pgtest"
	"github.com/carcarehub/cch/warehouse"
)

// mirrored reports whether the warehouse holds a mirror (recorded or as
// a table) named public.name.
func mirrored(t testing.TB, db *warehouse.DB, name string) bool {
	t.Helper()
	var n int
	err := db.QueryRow(`SELECT (SELECT count(*) FROM _cch.mirrors WHERE schema_name = 'public' AND table_name = ?)
		+ (SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name = ?)`, name, name).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// TestPartitionRootsOnly: with a publication that publishes partitions
// through their root, only the root is mirrored (pgoutput also announces
// each partition, but every change names the root), and a partition's
// stale copy left in a warehouse file by an older release is dropped
// when the warehouse starts.
func TestPartitionRootsOnly(t *testing.T) {
	url := pgtest.NewDatabase(t)
	conn := pgConnect(t, url)
	const name = "via_root"
	pgExec(t, conn, `CREATE TABLE public.marker (id int PRIMARY KEY, v int);
		CREATE TABLE public.meas (id int, at date, v numeric(8,2), note text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
		CREATE TABLE public.meas_2024 PARTITION OF public.meas FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
		CREATE TABLE public.meas_2025 PARTITION OF public.meas FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
		INSERT INTO public.meas SELECT g, date '2024-06-01' + (g % 400), g / 8.0, 'n' || g FROM generate_series(1, 2000) g;
		CREATE PUBLICATION `+name+` FOR ALL TABLES WITH (publish_via_partition_root = true)`)
	dropSlot(t, url, name)
	path := filepath.Join(t.TempDir(), "wh.duckdb")
	db := openDuck(t, path)
	p := startPipeline(t, db, testConfig(url, name))
	pgExec(t, conn, "UPDATE public.meas SET v = v + 1, note = 'u' WHERE id % 3 = 0")
	pgExec(t, conn, "UPDATE public.meas SET at = at + 300 WHERE id % 10 = 1 AND at < '2025-01-01'") // moves rows across partitions
	pgExec(t, conn, "DELETE FROM public.meas WHERE id % 11 = 0; INSERT INTO public.meas VALUES (5000, '2025-03-01', 1, 'new')")
	waitMarker(t, conn, db, 1)
	assertSame(t, conn, db, "public.meas")
	for _, child := range []string{"meas_2024", "meas_2025"} {
		if mirrored(t, db, child) {
			t.Errorf("partition %s is mirrored beside its root", child)
		}
		if at := copiedAt(t, db, "public", child); at != 0 {
			t.Errorf("partition %s was copied (at %X)", child, at)
		}
	}
	p.stop()

	// What an older release left: a partition copied once, never updated.
	for _, q := range []string{
		"CREATE TABLE public.meas_2024 AS SELECT * FROM public.meas WHERE \"at\" < DATE '2025-01-01'",
		"INSERT INTO _cch.mirrors (schema_name, table_name, columns) SELECT schema_name, 'meas_2024', columns FROM _cch.mirrors WHERE table_name = 'meas'",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	p = startPipeline(t, db, testConfig(url, name))
	defer p.stop()
	pgExec(t, conn, "UPDATE public.meas SET note = 'later' WHERE id % 4 = 0")
	waitMarker(t, conn, db, 2)
	if mirrored(t, db, "meas_2024") {
		t.Error("the stale partition copy was not dropped")
	}
	assertSame(t, conn, db, "public.meas")
}
