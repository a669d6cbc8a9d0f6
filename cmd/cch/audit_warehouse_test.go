package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestAuditVerifyAgainstWarehouseDetectsShortenedLog: `cch warehouse
// --audit-key` signs the audit chain heads it mirrors through CDC and
// records them in its DuckDB file. The database owner then deletes the
// newest audit entries and moves audit.chain_head back (the shorter chain
// is consistent, so the in-database check passes), and `cch audit verify
// --warehouse` names the deleted, checkpointed entry and exits non-zero;
// on the intact log it said OK.
func TestAuditVerifyAgainstWarehouseDetectsShortenedLog(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and the warehouse")
	}
	c, _, replURL, _ := stackDatabase(t)
	su := c.SuperuserURL("cch")
	ctx := context.Background()
	db, err := pgx.Connect(ctx, su)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	exec := func(sql string) {
		t.Helper()
		if _, err := db.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	// Audited writes: customers are in the staff audit log.
	exec(`INSERT INTO core.customer (organisation_id, family_name) SELECT id, 'C' || g FROM core.organisation, generate_series(1, 3) g;
		UPDATE core.customer SET phone = '0700'`)
	var org, newest int64
	if err := db.QueryRow(ctx, "SELECT organisation_id, last_entry_id FROM audit.chain_head WHERE last_entry_id <> 0").Scan(&org, &newest); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	key, duck := filepath.Join(dir, "audit.key"), filepath.Join(dir, "w.duckdb")
	var out lockedBuffer
	w := &warehouseCmd{stdout: io.Discard, stderr: &out}
	if err := w.Parse([]string{"--database-url", replURL, "--duckdb", duck, "--http", "127.0.0.1:0", "--memory-limit", "512MB",
		"--audit-key", key, "--audit-interval", "100ms"}); err != nil {
		t.Fatal(err)
	}
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	waitMatch(t, &out, regexp.MustCompile(fmt.Sprintf(`audit checkpoint recorded in the warehouse"[^}]*"organisation_id":%d,"entry_id":(%d)`, org, newest)), done)
	stop()
	if err := <-done; err != nil && !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("warehouse: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	verify := []string{"audit", "verify", "--database-url", su, "--audit-key", key, "--warehouse", duck}
	if code, out := runCch(verify...); code != 0 || !strings.Contains(out, "OK: audit chain intact") || !strings.Contains(out, "in the warehouse") {
		t.Fatalf("verify of the intact log against the warehouse: exit %d: %s", code, out)
	}
	// The attack: drop the newest entries, point the head at what is left.
	exec(fmt.Sprintf(`BEGIN; SET LOCAL session_replication_role = replica;
		DELETE FROM audit.staff_audit_log WHERE id IN (SELECT id FROM audit.staff_audit_log WHERE organisation_id = %[1]d ORDER BY id DESC LIMIT 2);
		UPDATE audit.chain_head h SET last_entry_id = l.id, last_hash = l.hash
		FROM (SELECT id, hash FROM audit.staff_audit_log WHERE organisation_id = %[1]d ORDER BY id DESC LIMIT 1) l WHERE h.organisation_id = %[1]d;
		COMMIT`, org))
	if code, out := runCch("audit", "verify", "--database-url", su); code != 0 {
		t.Fatalf("setup: without checkpoints the shortened chain should pass (that is the attack): exit %d: %s", code, out)
	}
	code, got := runCch(verify...)
	want := "BROKEN: organisation " + strconv.FormatInt(org, 10) + ", entry " + strconv.FormatInt(newest, 10) + ": entry checkpointed at"
	if code == 0 || !strings.Contains(got, want) || !strings.Contains(got, "audit entries were deleted") || !strings.Contains(got, "(checkpoint of the warehouse)") {
		t.Fatalf("verify against the warehouse after deletion and head rewind: exit %d, output %q; want non-zero and %q", code, got, want)
	}
	// A forged warehouse key is refused, not trusted.
	if code, out := runCch("audit", "verify", "--database-url", su, "--audit-key", filepath.Join(dir, "other.key"), "--warehouse", duck); code == 0 {
		t.Fatalf("verify with a missing key: exit 0: %s", out)
	}
}
