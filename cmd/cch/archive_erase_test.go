package main

import (
	"context"
	"database/sql"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/archive"
)

// TestArchiveEraseByTheWorker: a month holding two customers'
// notifications is archived; one customer is erased in PostgreSQL; a
// `cch worker --archive-dir` rewrites the archived file so no row holds
// that customer's PII, the other's stays, the checksums match, and
// `cch archive erase` run by hand afterwards finds everything in order.
func TestArchiveEraseByTheWorker(t *testing.T) {
	su := auditCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db, err := pgx.Connect(ctx, su)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	aged := time.Now().UTC().AddDate(0, -4, 0)
	if _, err := db.Exec(ctx, `ALTER ROLE cch_worker LOGIN PASSWORD 'worker';
		ALTER ROLE cch_owner LOGIN PASSWORD 'owner';
		SELECT count(*) FROM core.ensure_partitions(1, 6);
		INSERT INTO core.organisation (id, name) OVERRIDING SYSTEM VALUE VALUES (1, 'A');
		INSERT INTO core.customer (id, organisation_id, given_name, family_name) OVERRIDING SYSTEM VALUE
			VALUES (1, 1, 'Zebedee', 'Quux'), (2, 1, 'Ottoline', 'Vell')`); err != nil {
		t.Fatal(err)
	}
	for id, name := range map[int]string{1: "Zebedee Quux", 2: "Ottoline Vell"} {
		if _, err := db.Exec(ctx, `INSERT INTO core.notification (organisation_id, kind, channel, recipient_customer_id, subject, payload, created_at, due_at)
			VALUES (1, 'booking_reminder', 'email', $1, 'Dear ' || $2, jsonb_build_object('to', $2::text), $3, $3)`, id, name, aged); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	if code, out := runCch("archive", "--database-url", loginURL(su, "cch_owner", "owner"), "--dir", dir, "--older-than", "2mo"); code != 0 {
		t.Fatalf("archive: exit %d: %s", code, out)
	}
	if got := markerRows(ctx, t, dir); got["Zebedee Quux"] != 1 || got["Ottoline Vell"] != 1 {
		t.Fatalf("archived notifications before erasure: %v", got)
	}
	if _, err := db.Exec(ctx, `UPDATE core.customer SET given_name = NULL, family_name = NULL, pseudonymised_at = now() WHERE id = 1`); err != nil {
		t.Fatal(err)
	}

	wctx, stop := context.WithCancel(ctx)
	w := &workerCmd{stdout: &strings.Builder{}, stderr: &strings.Builder{}}
	if err := w.Parse([]string{"--database-url", loginURL(su, "cch_worker", "worker"), "--http", "127.0.0.1:0",
		"--archive-dir", dir, "--archive-erasure-interval", "50ms", "--log-level", "warn"}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { defer w.Close(); done <- w.Run(wctx) }()
	for !erasedIn(t, dir, 1) {
		select {
		case <-ctx.Done():
			t.Fatalf("the worker did not bring the erasure to the archive: %s", w.stdout)
		case <-time.After(50 * time.Millisecond):
		}
	}
	stop()
	<-done
	if got := markerRows(ctx, t, dir); got["Zebedee Quux"] != 0 || got["Ottoline Vell"] != 1 {
		t.Errorf("archived notifications after the worker's erasure: %v", got)
	}
	if n, err := archive.VerifyFiles(dir); err != nil || n == 0 {
		t.Errorf("VerifyFiles: %d, %v", n, err)
	}
	code, out := runCch("archive", "erase", "--dir", dir, "--customer", "1")
	if code != 0 || !strings.Contains(out, "OK: customer 1 erased from 1 archived file(s)") {
		t.Errorf("cch archive erase: exit %d: %s", code, out)
	}
}

func loginURL(su, user, password string) string {
	u, _ := url.Parse(su)
	u.User = url.UserPassword(user, password)
	return u.String()
}

func erasedIn(t *testing.T, dir string, customer int64) bool {
	t.Helper()
	m, err := archive.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(m.Unerased([]int64{customer})) == 0 && len(m.Erasures) > 0
}

// markerRows counts the archived rows whose text (every column) holds
// each customer's name.
func markerRows(ctx context.Context, t *testing.T, dir string) map[string]int64 {
	t.Helper()
	duck, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer duck.Close()
	out := map[string]int64{}
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.parquet"))
	for _, f := range files {
		for _, name := range []string{"Zebedee Quux", "Ottoline Vell"} {
			var n int64
			if err := duck.QueryRowContext(ctx, "SELECT count(*) FROM read_parquet(?) r WHERE CAST(r AS VARCHAR) LIKE '%' || ? || '%'", f, name).Scan(&n); err != nil {
				t.Fatal(err)
			}
			out[name] += n
		}
	}
	return out
}
