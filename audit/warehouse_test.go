package audit_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/carcarehub/cch/audit"
	"github.com/carcarehub/cch/warehouse"
)

// TestWarehouseCheckpoints: the warehouse signs the chain heads of its
// mirror and records each new head once; ReadWarehouse returns the newest
// per organisation, and refuses a recorded checkpoint that was edited.
func TestWarehouseCheckpoints(t *testing.T) {
	ctx := context.Background()
	db, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{MemoryLimit: "256MB"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(sql string) {
		t.Helper()
		if _, err := db.ExecContext(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	// The mirror of the two audit tables, as CDC leaves it.
	exec(`CREATE SCHEMA audit;
		CREATE TABLE audit.staff_audit_log (id BIGINT, organisation_id BIGINT, hash BLOB);
		CREATE TABLE audit.chain_head (organisation_id BIGINT, last_entry_id BIGINT, last_hash BLOB);
		INSERT INTO audit.staff_audit_log VALUES (1, 1, '\xAA'::BLOB), (2, 1, '\xBB'::BLOB), (3, 2, '\xCC'::BLOB);
		INSERT INTO audit.chain_head VALUES (1, 2, '\xBB'::BLOB), (2, 3, '\xCC'::BLOB)`)
	key := make([]byte, audit.KeySize)
	got, err := audit.CheckpointWarehouse(ctx, db, key)
	if err != nil || len(got) != 2 || got[0].EntryID != 2 || got[0].Hash != "bb" || got[1].EntryID != 3 {
		t.Fatalf("first round: %+v, %v", got, err)
	}
	if again, err := audit.CheckpointWarehouse(ctx, db, key); err != nil || len(again) != 0 {
		t.Fatalf("a round on unchanged heads recorded %+v, %v; want none", again, err)
	}
	exec(`INSERT INTO audit.staff_audit_log VALUES (4, 1, '\xDD'::BLOB); UPDATE audit.chain_head SET last_entry_id = 4, last_hash = '\xDD'::BLOB WHERE organisation_id = 1`)
	if next, err := audit.CheckpointWarehouse(ctx, db, key); err != nil || len(next) != 1 || next[0].EntryID != 4 {
		t.Fatalf("round after a new entry: %+v, %v", next, err)
	}
	latest, err := audit.ReadWarehouse(ctx, db, key)
	if err != nil || latest[1].EntryID != 4 || latest[2].EntryID != 3 || !latest[1].Valid(key) {
		t.Fatalf("newest checkpoints: %+v, %v", latest, err)
	}
	// A mirror whose head names a missing entry is not vouched for.
	exec(`UPDATE audit.chain_head SET last_entry_id = 9 WHERE organisation_id = 2`)
	if _, err := audit.CheckpointWarehouse(ctx, db, key); err == nil {
		t.Fatal("a head without its entry was signed")
	}
	// Edited in the file: the signature no longer verifies.
	exec(`UPDATE _cch.audit_checkpoint SET checkpoint = replace(checkpoint, '"entry_id":4', '"entry_id":40') WHERE entry_id = 4`)
	if _, err := audit.ReadWarehouse(ctx, db, key); !errors.Is(err, audit.ErrSignature) {
		t.Fatalf("edited checkpoint: %v; want ErrSignature", err)
	}
}
