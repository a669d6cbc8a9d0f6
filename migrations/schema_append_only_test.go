package migrations_test

import (
	"context"
	"fmt"
	"testing"
)

// TestAppendOnlyHasNoSessionBypass: no session setting lets the owner
// delete audit entries; only cch_partition.split_default_partition (running as the
// memberless cch_partition_mover) moves rows, and only out of a DEFAULT
// partition into that month's new partition.
func TestAppendOnlyHasNoSessionBypass(t *testing.T) {
	d := newSchemaDB(t)
	ctx := context.Background()
	mustExec(t, d.super, "UPDATE core.customer SET phone = '0799' WHERE id = 1000") // an audit entry
	// A row for a month without a partition waits in DEFAULT.
	mustExec(t, d.super, `INSERT INTO chauffeur.ride_status_event (organisation_id, ride_booking_id, to_status, occurred_at)
		VALUES (1, 800, 'confirmed', '2045-06-15Z')`)
	newest := queryInt(t, d.super, "SELECT max(id) FROM audit.staff_audit_log")
	asOwner := func(sql string) error {
		tx, err := d.super.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, `SET LOCAL ROLE cch_owner`); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, `SELECT set_config('cch.partition_maintenance', 'on', true)`); err != nil {
			t.Fatal(err)
		}
		_, err = tx.Exec(ctx, sql)
		return err
	}
	cases := []struct{ name, sql, code string }{
		{"owner deletes the newest entry", fmt.Sprintf("DELETE FROM audit.staff_audit_log WHERE id = %d", newest), "42501"},
		{"owner deletes from the month's partition", fmt.Sprintf("DELETE FROM audit.staff_audit_log_%s WHERE id = %d",
			queryString(t, d.url, "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYYMM')"), newest), "42501"},
		{"owner deletes from a DEFAULT partition", "DELETE FROM chauffeur.ride_status_event_default", "42501"},
		{"owner updates an entry", fmt.Sprintf("UPDATE audit.staff_audit_log SET action = 'x' WHERE id = %d", newest), "42501"},
		{"owner truncates", "TRUNCATE audit.staff_audit_log", "42501"},
		{"split refuses a table that is not partitioned", "SELECT cch_partition.split_default_partition('core.customer', 'customer_202601', '2026-01-01Z', '2026-02-01Z')", "22023"},
		{"split refuses a name that is not the month", "SELECT cch_partition.split_default_partition('audit.staff_audit_log', 'staff_audit_log_x', '2040-01-01Z', '2040-02-01Z')", "22023"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := sqlState(asOwner(c.sql)); got != c.code {
				t.Fatalf("SQLSTATE %q; want %s", got, c.code)
			}
		})
	}
	t.Run("no login can act as the partition mover", func(t *testing.T) {
		_, err := d.login.Exec(ctx, "BEGIN; SET LOCAL ROLE cch_partition_mover; COMMIT")
		d.login.Exec(ctx, "ROLLBACK")
		if sqlState(err) != "42501" {
			t.Fatal("the login switched to cch_partition_mover")
		}
		if n := queryInt(t, d.super, "SELECT count(*) FROM pg_auth_members WHERE roleid = 'cch_partition_mover'::regrole"); n != 0 {
			t.Fatalf("cch_partition_mover has %d members; want none", n)
		}
	})
	t.Run("the rows are still there", func(t *testing.T) {
		if n := queryInt(t, d.super, "SELECT count(*) FROM audit.staff_audit_log WHERE id = $1", newest); n != 1 {
			t.Fatal("newest audit entry deleted")
		}
		if n := queryInt(t, d.super, "SELECT count(*) FROM chauffeur.ride_status_event_default"); n != 1 {
			t.Fatal("row deleted from the DEFAULT partition")
		}
		assertChainIntact(t, d)
	})
}
