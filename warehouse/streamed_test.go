package warehouse_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/internal/pglocal/pgtest"
)

// kindsRows is an INSERT of rows from..to into public.kinds with every
// column set (big, TOASTed, on every 50th row).
func kindsRows(from, to int) string {
	return fmt.Sprintf(`INSERT INTO public.kinds SELECT g, g %% 30000, g, (g * 1.37)::numeric(12,2), g / 7.0, g * 0.25, g %% 2 = 0,
	  'txt' || g, CASE WHEN g %% 50 = 0 THEN repeat(md5(g::text), 100) END, date '2020-01-01' + g %% 3000,
	  timestamp '2024-01-01' + g * interval '1.5 seconds', timestamptz '2024-01-01 00:00:00+00' + g * interval '0.25 seconds',
	  gen_random_uuid(), jsonb_build_object('k', g, 'a', jsonb_build_array(1, 'x')), decode(lpad(to_hex(g %% 65536), 4, '0'), 'hex'),
	  (ARRAY['ok', 'meh', 'bad'])[g %% 3 + 1]::mood, tstzrange(timestamptz '2024-01-01 00:00:00+00', timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute'),
	  ARRAY[g, g + 1], make_interval(months => g %% 13, days => g %% 5, secs => g / 3.0)
	FROM generate_series(%d, %d) g`, from, to)
}

// tinyDecodingMemory makes the server stream every transaction larger
// than 64kB to this database's walsenders (protocol v2 streaming).
func tinyDecodingMemory(t testing.TB, conn *pgx.Conn) {
	t.Helper()
	var db string
	if err := conn.QueryRow(context.Background(), "SELECT current_database()").Scan(&db); err != nil {
		t.Fatal(err)
	}
	pgExec(t, conn, "ALTER DATABASE "+pgx.Identifier{db}.Sanitize()+" SET logical_decoding_work_mem = '64kB'")
}

// streamedTxns waits until the slot's statistics show more than after
// streamed transactions and returns the count.
func streamedTxns(t testing.TB, conn *pgx.Conn, slot string, after int64) int64 {
	t.Helper()
	var n int64
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		err := conn.QueryRow(context.Background(), "SELECT coalesce((SELECT stream_txns FROM pg_stat_replication_slots WHERE slot_name = $1), 0)", slot).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > after {
			return n
		}
	}
	t.Fatalf("slot %s: stream_txns stayed at %d: the server streamed no transaction", slot, n)
	return n
}

// TestStreamedTransactions: with logical_decoding_work_mem at 64kB the
// server streams large transactions before they commit (checked in
// pg_stat_replication_slots); committed, aborted, partly rolled back
// (subtransactions) and interleaved streamed transactions, and one that
// changes a table's shape mid-stream, all leave the mirror exactly equal
// to PostgreSQL.
func TestStreamedTransactions(t *testing.T) {
	url := pgtest.NewDatabase(t)
	conn := pgConnect(t, url)
	pgExec(t, conn, schemaSQL)
	pgExec(t, conn, "CREATE TABLE public.sddl (id int PRIMARY KEY, a text, n numeric(9,3))")
	tinyDecodingMemory(t, conn)
	const name = "streamed"
	dropSlot(t, url, name)
	db := openDuck(t, filepath.Join(t.TempDir(), "wh.duckdb"))
	defer db.Close()
	p := startPipeline(t, db, testConfig(url, name))
	defer p.stop()
	check := func(step int, what string) {
		t.Helper()
		waitMarker(t, conn, db, step)
		if err := same(conn, db, "public.kinds", renderings(t, conn, "public.kinds")); err != nil {
			t.Errorf("after the %s transaction: %v", what, err)
		}
	}

	pgExec(t, conn, "BEGIN; "+kindsRows(1, 4000)+"; UPDATE public.kinds SET t = 'upd', iv = iv * 2 WHERE id % 7 = 0; DELETE FROM public.kinds WHERE id % 13 = 0; COMMIT")
	n := streamedTxns(t, conn, name, 0)
	check(1, "committed")

	pgExec(t, conn, "BEGIN; "+kindsRows(10001, 14000)+"; UPDATE public.kinds SET t = 'never' WHERE id < 2000; ROLLBACK")
	n = streamedTxns(t, conn, name, n)
	check(2, "aborted")

	pgExec(t, conn, "BEGIN; "+kindsRows(20001, 23000)+"; SAVEPOINT a; "+kindsRows(23001, 26000)+
		"; UPDATE public.kinds SET t = 'gone' WHERE id <= 3000; SAVEPOINT b; DELETE FROM public.kinds WHERE id % 2 = 0; ROLLBACK TO a; "+
		kindsRows(26001, 27000)+"; SAVEPOINT c; UPDATE public.kinds SET b = NOT b WHERE id % 5 = 0; RELEASE c; SAVEPOINT d; "+
		kindsRows(27001, 29000)+"; ROLLBACK TO d; COMMIT")
	n = streamedTxns(t, conn, name, n)
	check(3, "partly rolled back")

	interleaved(t, url)
	n = streamedTxns(t, conn, name, n)
	check(4, "interleaved")

	pgExec(t, conn, "INSERT INTO public.sddl SELECT g, 'a' || g, g / 8.0 FROM generate_series(1, 2000) g")
	pgExec(t, conn, `BEGIN; UPDATE public.sddl SET a = 'pre' WHERE id % 3 = 0; `+kindsRows(30001, 32000)+`;
		ALTER TABLE public.sddl DROP COLUMN a, ADD COLUMN a int DEFAULT 7; UPDATE public.sddl SET n = n * 2 WHERE id % 4 = 0;
		INSERT INTO public.sddl SELECT g, g, 1 FROM generate_series(3000, 5000) g; COMMIT`)
	streamedTxns(t, conn, name, n)
	check(5, "shape-changing")
	assertSame(t, conn, db, "public.sddl")
}

// interleaved runs three large transactions on three connections at once,
// their statements interleaved; two commit (in the opposite order of their
// start), one aborts.
func interleaved(t *testing.T, url string) {
	t.Helper()
	ctx := context.Background()
	var txs []pgx.Tx
	for range 3 {
		c := pgConnect(t, url)
		tx, err := c.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		txs = append(txs, tx)
	}
	for round := range 4 {
		for i, tx := range txs {
			from := 40001 + i*100000 + round*1000
			if _, err := tx.Exec(ctx, kindsRows(from, from+999)); err != nil {
				t.Fatal(err)
			}
			q := fmt.Sprintf("UPDATE public.kinds SET i4 = i4 + %d, t = 'il' WHERE id BETWEEN %d AND %d AND id %% 17 = %d", i+1, 40001+i*100000, from+999, round)
			if _, err := tx.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tx := range []pgx.Tx{txs[2], txs[0]} {
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := txs[1].Rollback(ctx); err != nil {
		t.Fatal(err)
	}
}
