package export_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/carcarehub/cch/warehouse"
	"github.com/carcarehub/cch/warehouse/export"
)

// twoOrganisations is a warehouse file with two organisations' customers
// and bookings, a relation without organisation_id, and a mart.
func twoOrganisations(t *testing.T) *warehouse.DB {
	t.Helper()
	db, err := warehouse.Open(context.Background(), filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{MemoryLimit: "512MB", Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, s := range []string{
		"CREATE SCHEMA core; CREATE SCHEMA workshop; CREATE SCHEMA mart; CREATE SCHEMA _cch",
		"CREATE TABLE _cch.position (id INTEGER, lsn UBIGINT, snapshot_done BOOLEAN); INSERT INTO _cch.position VALUES (1, 10, true)",
		"CREATE TABLE core.organisation (id BIGINT, name VARCHAR); INSERT INTO core.organisation VALUES (1, 'A'), (2, 'B')",
		"CREATE TABLE core.customer (id BIGINT, organisation_id BIGINT, email VARCHAR, parent_customer_id BIGINT)",
		"INSERT INTO core.customer SELECT i, 1 + i % 2, 'c' || i || '@example.org', NULL FROM range(20) t(i)",
		"CREATE TABLE workshop.booking (id BIGINT, organisation_id BIGINT, customer_id BIGINT)",
		"INSERT INTO workshop.booking SELECT 100 + i, 1 + i % 2, i % 20 FROM range(60) t(i)",
		"CREATE TABLE core.unscoped (id BIGINT)",
		"INSERT INTO core.unscoped VALUES (1)",
		"CREATE TABLE mart.customer_visits (organisation_id BIGINT, customer_id BIGINT, visits BIGINT)",
		"INSERT INTO mart.customer_visits SELECT organisation_id, customer_id, count(*) FROM workshop.booking GROUP BY ALL",
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return db
}

// TestParquetOneOrganisation: an export for organisation 2 holds its
// organisation row and only its rows of every relation; a relation that
// cannot be scoped is left out; files are owner-only; an export without
// an organisation is refused.
func TestParquetOneOrganisation(t *testing.T) {
	ctx := context.Background()
	db := twoOrganisations(t)
	out := filepath.Join(t.TempDir(), "org2")
	m, err := export.Parquet(ctx, db.DB, "test", out, export.Options{Organisation: 2})
	if err != nil {
		t.Fatal(err)
	}
	if m.Organisation != 2 || m.AllOrganisations {
		t.Errorf("manifest scope: %+v", m)
	}
	rows := map[string]int64{}
	for _, r := range m.Relations {
		rows[r.Name] = r.Rows
	}
	want := map[string]int64{"core.organisation": 1, "core.customer": 10, "workshop.booking": 30, "mart.customer_visits": 10}
	for name, n := range want {
		if rows[name] != n {
			t.Errorf("%s: %d rows, want %d", name, rows[name], n)
		}
	}
	if _, ok := rows["core.unscoped"]; ok || len(rows) != len(want) {
		t.Errorf("relations %v, want exactly %v", rows, want)
	}
	for _, q := range []string{
		"SELECT count(*) FROM read_parquet('" + out + "/*/*/*/*.parquet', hive_partitioning = true, union_by_name = true) WHERE organisation_id <> 2",
		"SELECT count(*) FROM read_parquet('" + out + "/core/organisation/*.parquet') WHERE id <> 2",
	} {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d rows of another organisation, %v", q, n, err)
		}
	}
	// The export directory is the owner's only (so is every file in it),
	// and so is the manifest.
	for _, p := range []string{out, filepath.Join(out, "manifest.json"), filepath.Join(out, "core")} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is %v: readable by others", p, fi.Mode().Perm())
		}
	}
	if _, err := export.Parquet(ctx, db.DB, "test", filepath.Join(t.TempDir(), "none"), export.Options{}); err == nil {
		t.Error("an export without an organisation was not refused")
	}
}

// TestSubjectInPastExport: FindSubject lists the files of a past export
// that hold a customer (their row, their bookings, their mart rows), and
// RewriteSubject removes exactly those rows and keeps the manifest's
// checksums true.
func TestSubjectInPastExport(t *testing.T) {
	ctx := context.Background()
	db := twoOrganisations(t)
	out := filepath.Join(t.TempDir(), "all")
	if _, err := export.Parquet(ctx, db.DB, "test", out, export.Options{AllOrganisations: true}); err != nil {
		t.Fatal(err)
	}
	const subject = 7 // organisation 2
	found, err := export.FindSubject(ctx, db.DB, out, subject)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, f := range found {
		got[f.Relation] += f.Rows
	}
	if len(got) != 3 || got["core.customer"] != 1 || got["workshop.booking"] != 3 || got["mart.customer_visits"] != 1 {
		t.Fatalf("found %v", got)
	}
	if _, err := export.RewriteSubject(ctx, db.DB, out, subject); err != nil {
		t.Fatal(err)
	}
	if again, err := export.FindSubject(ctx, db.DB, out, subject); err != nil || len(again) != 0 {
		t.Fatalf("after the rewrite: %v, %v", again, err)
	}
	var n int
	q := "SELECT count(*) FROM read_parquet('" + out + "/core/customer/*/*.parquet')"
	if err := db.QueryRow(q).Scan(&n); err != nil || n != 19 {
		t.Errorf("customers left: %d, %v (want 19: only the subject removed)", n, err)
	}
	m, err := export.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Rewrites) != 1 || m.Rewrites[0].CustomerID != subject {
		t.Errorf("rewrites: %+v", m.Rewrites)
	}
	checkFiles(t, out, m)
	b, _ := os.ReadFile(filepath.Join(out, "manifest.json"))
	if len(b) == 0 {
		t.Fatal("empty manifest")
	}
}

// TestSocketPath: the socket sits beside the file when the name fits a
// Unix socket, else in the temporary directory; relative and absolute
// names of one file agree.
func TestSocketPath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if got, want := export.SocketPath("w.duckdb"), export.SocketPath(filepath.Join(dir, "w.duckdb")); got != want {
		t.Errorf("relative %s, absolute %s", got, want)
	}
	long := filepath.Join(dir, strings.Repeat("x", 120), "w.duckdb")
	if p := export.SocketPath(long); len(p) > 100 || !strings.HasPrefix(p, os.TempDir()) {
		t.Errorf("long file name: socket %s", p)
	}
}
