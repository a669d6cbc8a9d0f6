package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carcarehub/cch/warehouse"
	"github.com/carcarehub/cch/warehouse/export"
)

// TestExportBesideRunningWarehouse: while `cch dev` runs its warehouse
// (holding DuckDB's lock on the file, which a second process cannot
// open), `cch export parquet` exports one organisation through the
// running warehouse.
func TestExportBesideRunningWarehouse(t *testing.T) {
	dataDir := tempDataDir(t)
	info, _, cancel, done := startDev(t, dataDir, false)
	defer func() { cancel(); <-done }()
	waitReady(t, info.HTTPURL, time.Minute)
	duck := filepath.Join(dataDir, "warehouse.duckdb")
	out := filepath.Join(t.TempDir(), "export")
	var stdout, stderr bytes.Buffer
	c := &exportCmd{stdout: &stdout, stderr: &stderr}
	if err := c.Parse([]string{"parquet", "--duckdb", duck, "--out", out, "--organisation", "1"}); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithTimeout(context.Background(), time.Minute)
	defer stop()
	err := c.Run(ctx)
	c.Close()
	if err != nil {
		t.Fatalf("export beside the running warehouse: %v (%s)", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "through the running warehouse") {
		t.Errorf("output: %s", stdout.String())
	}
	m, err := export.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	if m.Organisation != 1 || len(m.Relations) == 0 || m.AppliedLSN == "" {
		t.Errorf("manifest: organisation %d, %d relations, applied %q", m.Organisation, len(m.Relations), m.AppliedLSN)
	}
	testExportAsRole(t, ctx, duck)
}

// testExportAsRole: --role exports what the role sees through the running
// warehouse's views: a manager's export has the labour cost column, a
// technician's (which must name the technician) has not.
func testExportAsRole(t *testing.T, ctx context.Context, duck string) {
	const technician = 1 // any staff id: the dev database holds no business yet, the columns are what is checked
	mem, err := warehouse.Open(ctx, ":memory:", warehouse.Options{MemoryLimit: "256MB", Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	for _, tc := range []struct {
		args     []string
		wantErr  string
		wantCost bool
	}{
		{args: []string{"--role", "manager"}, wantCost: true},
		{args: []string{"--role", "technician"}, wantErr: "staff"},
		{args: []string{"--role", "technician", "--staff", strconv.Itoa(technician)}},
	} {
		out := filepath.Join(t.TempDir(), "export")
		var stdout, stderr bytes.Buffer
		c := &exportCmd{stdout: &stdout, stderr: &stderr}
		if err := c.Parse(append([]string{"parquet", "--duckdb", duck, "--out", out, "--organisation", "1"}, tc.args...)); err != nil {
			t.Fatal(err)
		}
		err := c.Run(ctx)
		c.Close()
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%v: %v, want an error about %s", tc.args, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%v: %v (%s)", tc.args, err, stderr.String())
		}
		m, err := export.ReadManifest(out)
		if err != nil || m.Role != tc.args[1] {
			t.Fatalf("%v: manifest %+v (%v)", tc.args, m, err)
		}
		var cost bool
		err = mem.QueryRow(`SELECT count(*) > 0 FROM (DESCRIBE SELECT * FROM read_parquet('` +
			filepath.Join(out, "workshop", "labour_line", "**", "*.parquet") + `', hive_partitioning = true)) WHERE column_name = 'cost_amount'`).Scan(&cost)
		if err != nil || cost != tc.wantCost {
			t.Errorf("%v: labour_line has cost_amount %v (%v), want %v", tc.args, cost, err, tc.wantCost)
		}
	}
}

// TestExportNeedsAnOrganisation: without --organisation or
// --all-organisations the command refuses to start.
func TestExportNeedsAnOrganisation(t *testing.T) {
	var stderr bytes.Buffer
	c := &exportCmd{stdout: &stderr, stderr: &stderr}
	err := c.Parse([]string{"parquet", "--out", t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "--all-organisations") {
		t.Fatalf("parse without an organisation: %v", err)
	}
}
