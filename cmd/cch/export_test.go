package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
