package migrations_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestOptimisticVersion: every UPDATE of an OPT table bumps version; a write
// that names a stale version changes nothing (the API answers 412).
func TestOptimisticVersion(t *testing.T) {
	d := newSchemaDB(t)
	reception := actor{role: "cch_receptionist", appRole: "receptionist", org: orgA, staff: staffReception, branches: "10"}
	tables := []struct {
		name, table string
		id          int64
		set         string
	}{
		{"customer", "core.customer", custAssigned, "phone = '0711'"},
		{"booking", "workshop.booking", booking1, "status = 'confirmed'"},
		{"repair order", "workshop.repair_order", ro1, "status = 'authorised'"},
	}
	for _, tc := range tables {
		t.Run(tc.name, func(t *testing.T) {
			update := fmt.Sprintf("UPDATE %s SET %s, version = 999 WHERE id = $1 AND version = $2 RETURNING version", tc.table, tc.set)
			var got int
			err := inTx(t, d.login, reception, true, func(tx pgx.Tx) error {
				return tx.QueryRow(context.Background(), update, tc.id, 1).Scan(&got)
			})
			if err != nil || got != 2 {
				t.Fatalf("first write: version = %d, err = %v; want 2 (client-sent version ignored)", got, err)
			}
			n, err := rowsAs(t, d.login, reception, update, tc.id, 1)
			if err != nil || n != 0 {
				t.Fatalf("stale write: rows = %d, err = %v; want 0", n, err)
			}
		})
	}
	t.Run("updated_at moves", func(t *testing.T) {
		n := queryInt(t, d.super, "SELECT count(*) FROM core.customer WHERE id = 1000 AND updated_at > created_at")
		if n != 1 {
			t.Fatal("updated_at not maintained")
		}
	})
}

// TestPartitionMaintenance: ensure_partitions creates the coming months; a
// row for a month without a partition lands in the DEFAULT partition (the
// documented behaviour) and moves to its month when that is created.
func TestPartitionMaintenance(t *testing.T) {
	d := newSchemaDB(t)
	ctx := context.Background()
	month := func(ahead int) string {
		now := time.Now().UTC()
		return time.Date(now.Year(), now.Month()+time.Month(ahead), 1, 0, 0, 0, 0, time.UTC).Format("200601")
	}
	t.Run("migration created the next months", func(t *testing.T) {
		for _, parent := range []string{"core.notification", "inventory.inventory_transaction", "chauffeur.ride_status_event", "audit.staff_audit_log"} {
			for ahead := 0; ahead <= 3; ahead++ {
				name := fmt.Sprintf("%s_%s", parent, month(ahead))
				if queryInt(t, d.super, "SELECT count(*) FROM pg_class WHERE oid = to_regclass($1)", name) != 1 {
					t.Errorf("%s missing", name)
				}
			}
		}
	})

	far := month(12)
	farTime := far[:4] + "-" + far[4:] + "-15T12:00:00Z"
	mustExec(t, d.super, `INSERT INTO chauffeur.ride_status_event (organisation_id, ride_booking_id, to_status, occurred_at)
		VALUES (1, 800, 'confirmed', $1)`, farTime)
	where := func() string {
		var rel string
		if err := d.super.QueryRow(ctx, `SELECT tableoid::regclass::text FROM chauffeur.ride_status_event WHERE occurred_at = $1`, farTime).Scan(&rel); err != nil {
			t.Fatal(err)
		}
		return rel
	}
	t.Run("row for a month without partition goes to DEFAULT", func(t *testing.T) {
		if got := where(); got != "chauffeur.ride_status_event_default" {
			t.Fatalf("row is in %s; want the DEFAULT partition", got)
		}
	})
	t.Run("ensure_partitions creates future months and moves stray rows", func(t *testing.T) {
		created := queryInt(t, d.super, "SELECT count(*) FROM core.ensure_partitions(12)")
		if created < 4*8 {
			t.Fatalf("created %d partitions; want at least %d", created, 4*8)
		}
		if got, want := where(), "chauffeur.ride_status_event_"+far; got != want {
			t.Fatalf("row is in %s; want %s", got, want)
		}
		if n := queryInt(t, d.super, "SELECT count(*) FROM core.ensure_partitions(12)"); n != 0 {
			t.Fatalf("second run created %d partitions; want 0", n)
		}
	})
	t.Run("moved rows stay append-only", func(t *testing.T) {
		_, err := d.super.Exec(ctx, "DELETE FROM chauffeur.ride_status_event")
		if sqlState(err) != "42501" {
			t.Fatalf("error = %v; want SQLSTATE 42501", err)
		}
	})
	t.Run("new partitions are owned by cch_owner", func(t *testing.T) {
		n := queryInt(t, d.super, "SELECT count(*) FROM pg_class WHERE oid = to_regclass($1) AND relowner = 'cch_owner'::regrole",
			"chauffeur.ride_status_event_"+far)
		if n != 1 {
			t.Fatal("partition not owned by cch_owner")
		}
	})
	t.Run("audit chain survives maintenance", func(t *testing.T) { assertChainIntact(t, d) })
}
