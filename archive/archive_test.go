package archive_test

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/carcarehub/cch/archive"
	"github.com/carcarehub/cch/audit"
	"github.com/carcarehub/cch/internal/datagen"
	"github.com/carcarehub/cch/internal/pglocal/pgtest"
	"github.com/carcarehub/cch/migrations"
)

// backdatedAuditSQL appends one audit entry per organisation and day of
// [$1, $2) exactly as audit.append_entry does, but dated that day: the
// chain then spans past months.
const backdatedAuditSQL = `
DO $$
DECLARE
  d timestamptz;
  o bigint;
  e audit.staff_audit_log;
BEGIN
  FOR d IN SELECT generate_series(%L::timestamptz, %L::timestamptz - interval '1 day', interval '1 day') LOOP
    FOR o IN SELECT id FROM core.organisation ORDER BY id LOOP
      INSERT INTO audit.chain_head (organisation_id, last_entry_id, last_hash) VALUES (o, 0, ''::bytea) ON CONFLICT DO NOTHING;
      SELECT CASE WHEN h.last_entry_id = 0 THEN NULL ELSE h.last_hash END INTO e.prev_hash FROM audit.chain_head h WHERE h.organisation_id = o;
      e.id := nextval(pg_get_serial_sequence('audit.staff_audit_log', 'id'));
      e.organisation_id := o; e.occurred_at := d; e.actor_role := 'test'; e.db_role := 'postgres';
      e.action := 'DRILL'; e.table_name := 'core.organisation'; e.row_key := jsonb_build_object('id', o);
      e.transaction_id := txid_current(); e.created_at := d;
      e.hash := sha256(coalesce(e.prev_hash, ''::bytea) || audit.entry_payload(e));
      INSERT INTO audit.staff_audit_log OVERRIDING SYSTEM VALUE SELECT (e).*;
      UPDATE audit.chain_head SET last_entry_id = e.id, last_hash = e.hash WHERE organisation_id = o;
    END LOOP;
  END LOOP;
END $$`

// Archiving every month before last month: the files hold exactly the rows
// that left, read back and checksummed; the audit chain still verifies
// across the archived months; a month dropped any other way is reported.
func TestArchiveMovesAgedMonthsAndTheChainStillVerifies(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	adminURL, month := agedDatabase(ctx, t)
	admin := connect(ctx, t, adminURL)
	verifyChain(ctx, t, admin, "before archiving")

	cps, err := audit.Take(ctx, admin, make([]byte, 32), 0)
	if err != nil || len(cps) == 0 {
		t.Fatalf("checkpoints before archiving: %d, %v", len(cps), err)
	}
	before := month.AddDate(0, -1, 0)
	total := tableRows(ctx, t, admin)
	aged := agedRows(ctx, t, admin, before)
	dir := t.TempDir()
	res, err := archive.Run(ctx, archive.Options{DatabaseURL: ownerURL(adminURL), Dir: dir, Before: before})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows == 0 || aged["audit.staff_audit_log"] == 0 || aged["inventory.inventory_transaction"] == 0 {
		t.Fatalf("nothing aged to archive (archived %d rows; aged %v)", res.Rows, aged)
	}
	after := tableRows(ctx, t, admin)
	for parent, n := range aged {
		if got := total[parent] - after[parent]; got != n {
			t.Errorf("%s: %d rows left the database, want the %d of months before %s", parent, got, n, before.Format("2006-01"))
		}
		if n := agedRows(ctx, t, admin, before)[parent]; n != 0 {
			t.Errorf("%s still holds %d rows before the cutoff", parent, n)
		}
	}
	checkFiles(ctx, t, dir, res, aged)
	verifyChain(ctx, t, admin, "after archiving")
	latest := map[int64]audit.Checkpoint{}
	for _, c := range cps {
		latest[c.OrganisationID] = c
	}
	if problems, err := audit.Verify(ctx, admin, latest, 0); err != nil || len(problems) > 0 {
		t.Errorf("checkpoints taken before archiving, after it: %v %v", problems, err)
	}

	// Months re-created empty and archived again get new files; the first
	// archive's files stay as they were.
	exec(ctx, t, admin, "SELECT count(*) FROM core.ensure_partitions(3, 6)")
	again, err := archive.Run(ctx, archive.Options{DatabaseURL: ownerURL(adminURL), Dir: dir, Before: before})
	if err != nil || len(again.Partitions) != len(res.Partitions) || again.Rows != 0 {
		t.Fatalf("archiving the re-created months: %d partitions, %d rows, %v", len(again.Partitions), again.Rows, err)
	}
	checkFiles(ctx, t, dir, archive.Result{Partitions: append(res.Partitions, again.Partitions...)}, aged)
	verifyChain(ctx, t, admin, "after archiving re-created months")

	// The function refuses a count that is not the partition's.
	next := "audit.staff_audit_log_" + before.Format("200601")
	_, err = admin.Exec(ctx, "SELECT cch_partition.archive_partition($1::regclass, 1, repeat('0', 64))", next)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "22000" {
		t.Errorf("archive_partition with a wrong row count: %v, want data_exception", err)
	}
	// A month dropped outside archive_partition leaves a gap the chain reports.
	owner := connect(ctx, t, ownerURL(adminURL))
	exec(ctx, t, owner, "DROP TABLE "+next)
	var problem string
	if err := admin.QueryRow(ctx, "SELECT problem FROM audit.verify_chain()").Scan(&problem); err != nil {
		t.Errorf("verify_chain after a month was dropped by hand: %v, want a broken link", err)
	}
}

// agedDatabase is a migrated database with three months of business
// (partitioned by month) and audit entries in each of the last four
// months; it returns its superuser URL (cch_owner logs in with
// "archive-test") and the first day of the current month.
func agedDatabase(ctx context.Context, t *testing.T) (string, time.Time) {
	t.Helper()
	adminURL := pgtest.NewDatabase(t)
	if _, err := migrations.Apply(ctx, adminURL, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	data := datagen.Options{Seed: 3, Months: 3, Branches: 1, BookingsPerMonth: 40, End: now, Audit: datagen.AuditSummary}
	if _, err := datagen.Seed(ctx, adminURL, data, nil); err != nil {
		t.Fatal(err)
	}
	admin := connect(ctx, t, adminURL)
	exec(ctx, t, admin, "SELECT count(*) FROM core.ensure_partitions(3, 6)")
	exec(ctx, t, admin, sprintf(backdatedAuditSQL, month.AddDate(0, -4, 0), month))
	exec(ctx, t, admin, "ALTER ROLE cch_owner LOGIN PASSWORD 'archive-test'")
	return adminURL, month
}

func checkFiles(ctx context.Context, t *testing.T, dir string, res archive.Result, aged map[string]int64) {
	t.Helper()
	n, err := archive.VerifyFiles(dir)
	if err != nil || n != len(res.Partitions) {
		t.Fatalf("VerifyFiles: %d files, %v (archived %d)", n, err, len(res.Partitions))
	}
	m, err := archive.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	duck, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer duck.Close()
	inFiles := map[string]int64{}
	for _, e := range m.Partitions {
		var rows int64
		if err := duck.QueryRowContext(ctx, "SELECT count(*) FROM read_parquet(?)", filepath.Join(dir, e.File)).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows != e.Rows {
			t.Errorf("%s holds %d rows, manifest %d", e.File, rows, e.Rows)
		}
		inFiles[e.Parent] += rows
	}
	for parent, n := range aged {
		if inFiles[parent] != n {
			t.Errorf("%s: the files hold %d rows, %d left the database", parent, inFiles[parent], n)
		}
	}
}

func verifyChain(ctx context.Context, t *testing.T, conn *pgx.Conn, when string) {
	t.Helper()
	var org, entry int64
	var problem string
	err := conn.QueryRow(ctx, "SELECT organisation_id, entry_id, problem FROM audit.verify_chain()").Scan(&org, &entry, &problem)
	if !errors.Is(err, pgx.ErrNoRows) {
		t.Fatalf("audit chain %s: organisation %d entry %d: %s (%v)", when, org, entry, problem, err)
	}
}

// tableRows counts the rows of every range-partitioned business table.
func tableRows(ctx context.Context, t *testing.T, conn *pgx.Conn) map[string]int64 {
	t.Helper()
	return countBy(ctx, t, conn, "true", time.Time{})
}

// agedRows counts their rows whose partition key is before cutoff.
func agedRows(ctx context.Context, t *testing.T, conn *pgx.Conn, cutoff time.Time) map[string]int64 {
	t.Helper()
	return countBy(ctx, t, conn, "%s < $1", cutoff)
}

func countBy(ctx context.Context, t *testing.T, conn *pgx.Conn, where string, cutoff time.Time) map[string]int64 {
	t.Helper()
	rows, err := conn.Query(ctx, `SELECT c.oid::regclass::text, a.attname FROM pg_partitioned_table pt
		JOIN pg_class c ON c.oid = pt.partrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = pt.partattrs[0]
		WHERE n.nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit') AND NOT c.relispartition`)
	if err != nil {
		t.Fatal(err)
	}
	type rel struct{ name, key string }
	rels, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (rel, error) {
		var x rel
		return x, r.Scan(&x.name, &x.key)
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, r := range rels {
		cond := where
		args := []any{}
		if where != "true" {
			cond = sprintf(where, r.key)
			args = append(args, cutoff)
		}
		var n int64
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+r.name+" WHERE "+cond, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[r.name] = n
	}
	return out
}

func ownerURL(adminURL string) string {
	u, _ := url.Parse(adminURL)
	u.User = url.UserPassword("cch_owner", "archive-test")
	return u.String()
}

func connect(ctx context.Context, t *testing.T, u string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func exec(ctx context.Context, t *testing.T, conn *pgx.Conn, q string) {
	t.Helper()
	if _, err := conn.Exec(ctx, q); err != nil {
		t.Fatalf("%.200s: %v", q, err)
	}
}

// The owner reads the archive's records and anchors and cannot change
// them; archive_partition refuses the current month and what is not a
// monthly partition.
func TestArchiveRecordsAreBeyondTheOwner(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	adminURL := pgtest.NewDatabase(t)
	if _, err := migrations.Apply(ctx, adminURL, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	admin := connect(ctx, t, adminURL)
	exec(ctx, t, admin, "ALTER ROLE cch_owner LOGIN PASSWORD 'archive-test'")
	exec(ctx, t, admin, "SELECT count(*) FROM core.ensure_partitions(1, 0)")
	current := "audit.staff_audit_log_" + time.Now().UTC().Format("200601")
	owner := connect(ctx, t, ownerURL(adminURL))
	exec(ctx, t, owner, "SELECT count(*) FROM cch_partition.chain_anchor")
	exec(ctx, t, owner, "SELECT count(*) FROM cch_partition.archived_partition")
	sum := "repeat('0', 64)"
	for _, c := range []struct{ name, sql, code string }{
		{"insert an anchor", "INSERT INTO cch_partition.chain_anchor VALUES (1, 1, '\\x00', 'x')", "42501"},
		{"delete anchors", "DELETE FROM cch_partition.chain_anchor", "42501"},
		{"delete archive records", "DELETE FROM cch_partition.archived_partition", "42501"},
		{"archive the current month", "SELECT cch_partition.archive_partition('" + current + "', 0, " + sum + ")", "22023"},
		{"archive a DEFAULT partition", "SELECT cch_partition.archive_partition('audit.staff_audit_log_default', 0, " + sum + ")", "22023"},
		{"archive a table", "SELECT cch_partition.archive_partition('core.customer', 0, " + sum + ")", "22023"},
	} {
		_, err := owner.Exec(ctx, c.sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != c.code {
			t.Errorf("%s as the owner: %v, want SQLSTATE %s", c.name, err, c.code)
		}
	}
}
