package warehouse_test

import (
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/warehouse"
)

// pipeline is a Service running in this process.
type pipeline struct {
	svc    *warehouse.Service
	cancel context.CancelFunc
}

// testConfig is a fast-ticking stream configuration; CCH_TEST_LOG=1 logs
// the stream to stderr.
func testConfig(url, name string) cdc.Config {
	cfg := cdc.Config{URL: url, Slot: name, Publication: name, CreatePublication: true,
		BatchRows: 20_000, BatchInterval: 50 * time.Millisecond,
		StatusInterval: 200 * time.Millisecond, HeartbeatInterval: 200 * time.Millisecond}
	if os.Getenv("CCH_TEST_LOG") != "" {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return cfg
}

func openDuck(t testing.TB, path string) *warehouse.DB {
	t.Helper()
	db, err := warehouse.Open(context.Background(), path, warehouse.Options{MemoryLimit: "1GB", Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func startPipeline(t testing.TB, db *warehouse.DB, cfg cdc.Config) *pipeline {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := warehouse.NewService(ctx, db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	go svc.Run(ctx)
	p := &pipeline{svc: svc, cancel: cancel}
	t.Cleanup(p.stop)
	select {
	case <-svc.Stream().Ready():
	case <-svc.Stream().Done():
		t.Fatalf("pipeline stopped: %v", svc.Stream().Err())
	case <-time.After(2 * time.Minute):
		t.Fatal("pipeline not ready")
	}
	return p
}

func (p *pipeline) stop() {
	p.cancel()
	<-p.svc.Done()
}

// dropSlot removes the test's slot once its stream has stopped.
func dropSlot(t testing.TB, url, slot string) {
	t.Helper()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Logf("drop slot: %v", err)
			return
		}
		defer conn.Close(ctx)
		for range 50 {
			_, err = conn.Exec(ctx, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1", slot)
			if err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("drop slot %s: %v", slot, err)
	})
}

func pgConnect(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func pgExec(t testing.TB, conn *pgx.Conn, sql string, args ...any) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// waitMarker bumps the marker row and waits until DuckDB has it: every
// transaction committed before is then applied.
func waitMarker(t testing.TB, conn *pgx.Conn, db *warehouse.DB, n int) {
	t.Helper()
	pgExec(t, conn, "INSERT INTO public.marker VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET v = excluded.v", n)
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		var v int
		err := db.QueryRow("SELECT coalesce(max(v), -1) FROM public.marker").Scan(&v)
		if err == nil && v >= n {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("marker %d never reached the warehouse", n)
}

// checksum is an order-independent digest of a table: row count and the
// wrapping sum of each row's md5 prefix.
type checksum struct {
	rows int64
	sum  uint64
}

func sumRows(ctx context.Context, next func() (string, bool, error)) (checksum, error) {
	var c checksum
	for {
		h, ok, err := next()
		if err != nil || !ok {
			return c, err
		}
		b, err := hex.DecodeString(h)
		if err != nil || len(b) < 8 {
			return c, errors.New("bad md5")
		}
		c.rows++
		c.sum += binary.BigEndian.Uint64(b)
	}
}

// colExpr is one column rendered identically by PostgreSQL and DuckDB.
type colExpr struct{ pg, duck string }

func rowSQL(table string, cols []colExpr, duck bool) string {
	var parts []string
	for _, c := range cols {
		e := c.pg
		if duck {
			e = c.duck
		}
		parts = append(parts, fmt.Sprintf("coalesce(CAST(%s AS %s), 'NULL')", e, map[bool]string{true: "VARCHAR", false: "text"}[duck]))
	}
	return fmt.Sprintf("SELECT md5(concat_ws('|', %s)) FROM %s", strings.Join(parts, ", "), table)
}

func assertEqual(t testing.TB, conn *pgx.Conn, db *warehouse.DB, table string, cols []colExpr) {
	t.Helper()
	ctx := context.Background()
	rows, err := conn.Query(ctx, rowSQL(table, cols, false))
	if err != nil {
		t.Fatal(err)
	}
	pgSum, err := sumRows(ctx, func() (string, bool, error) {
		if !rows.Next() {
			return "", false, rows.Err()
		}
		var s string
		return s, true, rows.Scan(&s)
	})
	if err != nil {
		t.Fatal(err)
	}
	drows, err := db.QueryContext(ctx, rowSQL(table, cols, true))
	if err != nil {
		t.Fatal(err)
	}
	defer drows.Close()
	duckSum, err := sumRows(ctx, func() (string, bool, error) {
		if !drows.Next() {
			return "", false, drows.Err()
		}
		var s string
		return s, true, drows.Scan(&s)
	})
	if err != nil {
		t.Fatal(err)
	}
	if pgSum != duckSum {
		t.Errorf("%s: postgres %d rows (sum %x), duckdb %d rows (sum %x)", table, pgSum.rows, pgSum.sum, duckSum.rows, duckSum.sum)
	} else {
		t.Logf("%s: %d rows equal", table, pgSum.rows)
	}
}

var _ = md5.Sum
var _ = filepath.Join
