package warehouse_test

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/carcarehub/cch/internal/pglocal/pgtest"
)

func TestMirrorEqualityAfterRandomWorkload(t *testing.T) {
	url := pgtest.NewDatabase(t)
	conn := pgConnect(t, url)
	pgExec(t, conn, schemaSQL)
	r := rand.New(rand.NewPCG(1, 2))
	var nextID int64
	workload(t, conn, r, 50, &nextID) // before the snapshot
	const name = "mirror_eq"
	dropSlot(t, url, name)
	db := openDuck(t, filepath.Join(t.TempDir(), "wh.duckdb"))
	defer db.Close()
	p := startPipeline(t, db, testConfig(url, name))
	defer p.stop()

	workload(t, conn, r, 200, &nextID)
	// One 200,000-row transaction (TestStreamedTransactions makes the server
	// stream such transactions before they commit).
	pgExec(t, conn, `INSERT INTO public.kinds (id, i4, t, n) SELECT 1000000 + g, g, 'bulk', g / 100.0 FROM generate_series(1, 200000) g`)
	pgExec(t, conn, "INSERT INTO public.trunc SELECT g, 'pre' FROM generate_series(2000, 2100) g")
	pgExec(t, conn, "BEGIN; INSERT INTO public.trunc VALUES (5000, 'gone'); TRUNCATE public.trunc; INSERT INTO public.trunc VALUES (1, 'after'); COMMIT")
	pgExec(t, conn, "BEGIN; DELETE FROM public.kinds WHERE id % 13 = 0; ALTER TABLE public.kinds ADD COLUMN extra int; UPDATE public.kinds SET extra = 7 WHERE id % 5 = 0; COMMIT")
	pgExec(t, conn, "CREATE TABLE public.late (id int PRIMARY KEY, x text); INSERT INTO public.late SELECT g, 'l' || g FROM generate_series(1, 500) g")
	workload(t, conn, r, 100, &nextID)
	waitMarker(t, conn, db, 1)

	assertSame(t, conn, db, "public.kinds")
	assertSame(t, conn, db, "public.trunc")
	assertSame(t, conn, db, "public.late")
}
