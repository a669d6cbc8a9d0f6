package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/internal/pglocal"
)

// auditCluster starts a throwaway cluster for this test and returns the
// superuser URL of a database migrated with `cch migrate apply`.
func auditCluster(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "cch-audit-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755) // the server may run as the postgres user
	t.Cleanup(func() { os.RemoveAll(dir) })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := pglocal.Start(ctx, pglocal.Config{Dir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop(context.Background()) })
	if err := c.CreateDatabase(ctx, "audit"); err != nil {
		t.Fatal(err)
	}
	url := c.SuperuserURL("audit")
	if code, out := runCch("migrate", "apply", "--database-url", url); code != 0 {
		t.Fatalf("migrate apply: exit %d: %s", code, out)
	}
	return url
}

func runCch(args ...string) (int, string) {
	var out bytes.Buffer
	code := run(args, &out, &out)
	return code, out.String()
}

// TestAuditVerifyDetectsShortenedLog: a superuser deletes the newest audit
// entries and moves audit.chain_head back. The in-database chain check
// passes, but `cch audit verify` with the checkpoint file exits non-zero and
// names the missing checkpointed entry.
func TestAuditVerifyDetectsShortenedLog(t *testing.T) {
	url := auditCluster(t)
	ctx := context.Background()
	db, err := pgx.Connect(ctx, url)
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
	exec(`INSERT INTO core.organisation (id, name) OVERRIDING SYSTEM VALUE VALUES (1, 'A');
		INSERT INTO core.customer (organisation_id, family_name) SELECT 1, 'C' || g FROM generate_series(1, 3) g;
		UPDATE core.customer SET phone = '0700'`)
	dir := t.TempDir()
	flags := []string{"--database-url", url, "--audit-key", filepath.Join(dir, "audit.key"), "--checkpoints", filepath.Join(dir, "checkpoints.jsonl")}

	if code, out := runCch(append([]string{"audit", "checkpoint"}, flags...)...); code != 0 || !strings.Contains(out, "checkpoint: organisation 1 at entry") {
		t.Fatalf("checkpoint: exit %d: %s", code, out)
	}
	if code, out := runCch(append([]string{"audit", "verify"}, flags...)...); code != 0 || !strings.Contains(out, "OK: audit chain intact") {
		t.Fatalf("verify of an intact log: exit %d: %s", code, out)
	}
	var newest int64
	if err := db.QueryRow(ctx, "SELECT last_entry_id FROM audit.chain_head WHERE organisation_id = 1").Scan(&newest); err != nil {
		t.Fatal(err)
	}
	// The attack: drop the newest entries, point the head at what is left.
	exec(`BEGIN; SET LOCAL session_replication_role = replica;
		DELETE FROM audit.staff_audit_log WHERE id IN (SELECT id FROM audit.staff_audit_log ORDER BY id DESC LIMIT 2);
		UPDATE audit.chain_head h SET last_entry_id = l.id, last_hash = l.hash
		FROM (SELECT id, hash FROM audit.staff_audit_log ORDER BY id DESC LIMIT 1) l WHERE h.organisation_id = 1;
		COMMIT`)

	if code, out := runCch("audit", "verify", "--database-url", url); code != 0 {
		t.Fatalf("setup: without checkpoints the shortened chain should pass (that is the attack): exit %d: %s", code, out)
	}
	code, out := runCch(append([]string{"audit", "verify"}, flags...)...)
	want := "BROKEN: organisation 1, entry " + strconv.FormatInt(newest, 10) + ": entry checkpointed at"
	if code == 0 || !strings.Contains(out, want) || !strings.Contains(out, "audit entries were deleted") {
		t.Fatalf("verify after deletion and head rewind: exit %d, output %q; want non-zero and %q", code, out, want)
	}
}
