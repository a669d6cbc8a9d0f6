package export_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/carcarehub/cch/warehouse"
	"github.com/carcarehub/cch/warehouse/export"
)

func TestParquet(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	db, err := warehouse.Open(ctx, path, warehouse.Options{MemoryLimit: "512MB", Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"CREATE SCHEMA core; CREATE SCHEMA mart; CREATE SCHEMA _cch",
		"CREATE TABLE _cch.position (id INTEGER, lsn UBIGINT, snapshot_done BOOLEAN); INSERT INTO _cch.position VALUES (1, 4294967306, true)",
		"CREATE TABLE core.organisation (id BIGINT, name VARCHAR); INSERT INTO core.organisation VALUES (1, 'A'), (2, 'B')",
		"CREATE TABLE core.customer (id BIGINT, organisation_id BIGINT, name VARCHAR)",
		"INSERT INTO core.customer SELECT i, 1 + i % 2, 'c' || i FROM range(10) t(i)",
		"CREATE TABLE core.empty (id BIGINT, organisation_id BIGINT)",
		"CREATE VIEW mart.customers_per_org AS SELECT organisation_id, count(*) AS n FROM core.customer GROUP BY 1",
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	db.Close()
	ro, err := warehouse.Open(ctx, path, warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	out := filepath.Join(t.TempDir(), "out")
	m, err := export.Parquet(ctx, ro.DB, path, out, export.Options{AllOrganisations: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.AppliedLSN != "1/A" {
		t.Errorf("applied lsn %q", m.AppliedLSN)
	}
	got := map[string]export.Relation{}
	for _, r := range m.Relations {
		got[r.Name] = r
	}
	if len(got) != 4 || got["core.customer"].Rows != 10 || got["core.customer"].PartitionBy != "organisation_id" ||
		got["mart.customers_per_org"].Kind != "view" || got["core.organisation"].PartitionBy != "" {
		t.Fatalf("relations: %+v", m.Relations)
	}
	if fs := got["core.customer"].Files; len(fs) != 2 || !strings.HasPrefix(fs[0].Path, "core/customer/organisation_id=1/") {
		t.Errorf("customer files: %+v", fs)
	}
	checkFiles(t, out, m)
	// The files read back with their Hive partitions.
	var n, orgs int
	q := "SELECT count(*), count(DISTINCT organisation_id) FROM read_parquet('" + out + "/core/customer/*/*.parquet', hive_partitioning = true)"
	if err := ro.QueryRow(q).Scan(&n, &orgs); err != nil || n != 10 || orgs != 2 {
		t.Errorf("read back: %d rows, %d organisations, %v", n, orgs, err)
	}
	if _, err := export.Parquet(ctx, ro.DB, path, out, export.Options{AllOrganisations: true}); err == nil {
		t.Error("exported into a non-empty directory")
	}
}

// checkFiles verifies the manifest on disk matches and every checksum holds.
func checkFiles(t *testing.T, out string, m *export.Manifest) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var disk export.Manifest
	if err := json.Unmarshal(b, &disk); err != nil || len(disk.Relations) != len(m.Relations) {
		t.Fatalf("manifest on disk: %v", err)
	}
	for _, r := range disk.Relations {
		for _, f := range r.Files {
			data, err := os.ReadFile(filepath.Join(out, f.Path))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(data)
			if hex.EncodeToString(sum[:]) != f.SHA256 || int64(len(data)) != f.Bytes {
				t.Errorf("%s: checksum or size differs", f.Path)
			}
		}
	}
}
