package audit_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/audit"
	"github.com/carcarehub/cch/internal/pglocal/pgtest"
	"github.com/carcarehub/cch/migrations"
)

// auditDB is a migrated database with two organisations whose audit chains
// hold entries (customer changes are audited).
func auditDB(t *testing.T) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	if _, err := migrations.Apply(ctx, url, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	exec(t, conn, `INSERT INTO core.organisation (id, name) OVERRIDING SYSTEM VALUE VALUES (1, 'A'), (2, 'B');
		INSERT INTO core.customer (organisation_id, family_name) SELECT 1 + g % 2, 'C' || g FROM generate_series(1, 6) g`)
	for i := range 3 {
		exec(t, conn, "UPDATE core.customer SET phone = $1", "07"+strings.Repeat("1", i+1))
	}
	return conn
}

func exec(t *testing.T, conn *pgx.Conn, sql string, args ...any) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// superTamper runs sql the way an attacker with superuser access would:
// with triggers off for the transaction.
func superTamper(t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	exec(t, conn, "BEGIN; SET LOCAL session_replication_role = replica; "+sql+"; COMMIT")
}

// shorten deletes organisation 1's newest n entries and moves its chain
// head back to the entry before them: the chain alone still verifies.
func shorten(t *testing.T, conn *pgx.Conn, n int) {
	t.Helper()
	superTamper(t, conn, `DELETE FROM audit.staff_audit_log WHERE id IN
		(SELECT id FROM audit.staff_audit_log WHERE organisation_id = 1 ORDER BY id DESC LIMIT `+strconv.Itoa(n)+`);
		UPDATE audit.chain_head h SET last_entry_id = l.id, last_hash = l.hash
		FROM (SELECT id, hash FROM audit.staff_audit_log WHERE organisation_id = 1 ORDER BY id DESC LIMIT 1) l
		WHERE h.organisation_id = 1`)
}

func verify(t *testing.T, conn *pgx.Conn, file string, key []byte) []audit.Problem {
	t.Helper()
	cps, err := audit.ReadLatest(file, key)
	if err != nil {
		t.Fatal(err)
	}
	problems, err := audit.Verify(context.Background(), conn, cps, 0)
	if err != nil {
		t.Fatal(err)
	}
	return problems
}

func checkpoint(t *testing.T, conn *pgx.Conn, file string, key []byte) []audit.Checkpoint {
	t.Helper()
	cps, err := audit.Take(context.Background(), conn, key, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.AppendFile(file, cps); err != nil {
		t.Fatal(err)
	}
	return cps
}

func chainIntact(t *testing.T, conn *pgx.Conn) bool {
	t.Helper()
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM audit.verify_chain()").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 0
}

// TestCheckpointDetectsShortenedLog: after a checkpoint, deleting the
// newest entries and rewinding the head passes the in-database chain check
// but not the checkpoint; entries written after the checkpoint keep it
// valid.
func TestCheckpointDetectsShortenedLog(t *testing.T) {
	dir := t.TempDir()
	key, created, err := audit.LoadOrCreateKey(filepath.Join(dir, "audit.key"))
	if err != nil || !created {
		t.Fatalf("create key: created %v, %v", created, err)
	}
	file := filepath.Join(dir, "checkpoints.jsonl")

	t.Run("later entries keep the checkpoint valid", func(t *testing.T) {
		conn := auditDB(t)
		cps := checkpoint(t, conn, file+"1", key)
		if len(cps) != 2 {
			t.Fatalf("%d checkpoints; want one per organisation (2)", len(cps))
		}
		exec(t, conn, "UPDATE core.customer SET phone = '0800'")
		if p := verify(t, conn, file+"1", key); len(p) != 0 {
			t.Fatalf("problems on an intact log: %v", p)
		}
	})
	t.Run("deleted newest entries and rewound head", func(t *testing.T) {
		conn := auditDB(t)
		cps := checkpoint(t, conn, file+"2", key)
		shorten(t, conn, 2)
		if !chainIntact(t, conn) {
			t.Fatal("setup: the shortened chain should verify on its own (that is the attack)")
		}
		p := verify(t, conn, file+"2", key)
		if len(p) != 1 || p[0].OrganisationID != 1 || p[0].EntryID != cps[0].EntryID || !strings.Contains(p[0].Detail, "audit entries were deleted") {
			t.Fatalf("problems = %v; want organisation 1's checkpointed entry %d reported missing", p, cps[0].EntryID)
		}
	})
	t.Run("head rewound without deleting", func(t *testing.T) {
		conn := auditDB(t)
		checkpoint(t, conn, file+"3", key)
		superTamper(t, conn, `UPDATE audit.chain_head SET last_entry_id = last_entry_id - 1 WHERE organisation_id = 2`)
		p := verify(t, conn, file+"3", key)
		if len(p) != 1 || p[0].OrganisationID != 2 || !strings.Contains(p[0].Detail, "head was moved back") {
			t.Fatalf("problems = %v; want organisation 2's head reported moved back", p)
		}
	})
	t.Run("checkpointed entry rewritten", func(t *testing.T) {
		conn := auditDB(t)
		cps := checkpoint(t, conn, file+"4", key)
		superTamper(t, conn, `UPDATE audit.staff_audit_log SET hash = sha256(hash) WHERE id = `+strconv.FormatInt(cps[1].EntryID, 10))
		p := verify(t, conn, file+"4", key)
		if len(p) != 1 || p[0].OrganisationID != 2 || !strings.Contains(p[0].Detail, "rewritten") {
			t.Fatalf("problems = %v; want organisation 2's entry reported rewritten", p)
		}
	})
	t.Run("newest checkpoint counts", func(t *testing.T) {
		conn := auditDB(t)
		checkpoint(t, conn, file+"5", key)
		exec(t, conn, "UPDATE core.customer SET phone = '0900'")
		second := checkpoint(t, conn, file+"5", key)
		shorten(t, conn, 1) // only entries after the first checkpoint
		p := verify(t, conn, file+"5", key)
		if len(p) != 1 || p[0].EntryID != second[0].EntryID {
			t.Fatalf("problems = %v; want the second checkpoint's entry %d reported", p, second[0].EntryID)
		}
	})
}

// TestCheckpointFileIsSigned: an edited line, or a file checked with
// another key, is refused with the line named.
func TestCheckpointFileIsSigned(t *testing.T) {
	conn := auditDB(t)
	dir := t.TempDir()
	key, _, err := audit.LoadOrCreateKey(filepath.Join(dir, "k"))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "cp")
	cps := checkpoint(t, conn, file, key)
	other, _, err := audit.LoadOrCreateKey(filepath.Join(dir, "other"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := audit.ReadLatest(file, other); err == nil || !strings.Contains(err.Error(), "line 1: signature does not verify") {
		t.Fatalf("read with another key: %v", err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(b), `"entry_id":`+strconv.FormatInt(cps[1].EntryID, 10), `"entry_id":`+strconv.FormatInt(cps[1].EntryID-1, 10), 1)
	if err := os.WriteFile(file, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.ReadLatest(file, key); err == nil || !strings.Contains(err.Error(), "line 2: signature does not verify") {
		t.Fatalf("read an edited file: %v", err)
	}
}
