package migrations_test

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/internal/datagen"
	"github.com/carcarehub/cch/internal/pglocal/pgtest"
	"github.com/carcarehub/cch/migrations"
)

// TestTenantKeys: a row can never reference another organisation's row,
// whoever writes it (a superuser bypasses row-level security; foreign-key
// checks bypass it for everyone): the composite keys refuse with 23503.
func TestTenantKeys(t *testing.T) {
	d := newSchemaDB(t)
	managerA := actor{role: "cch_manager", appRole: "manager", org: orgA, staff: staffManager, branches: "10,11"}
	const period = `'[2026-12-04 09:00Z,2026-12-04 10:00Z)'`
	// Organisation 2's technician (staff 200) and bay are busy at that time:
	// organisation 1 must learn nothing of it (23503, not 23P01 slot-taken).
	mustExec(t, d.super, `INSERT INTO workshop.service_bay (id, organisation_id, branch_id, code, name) OVERRIDING SYSTEM VALUE VALUES (310, 2, 20, 'B1', 'Bay');
		INSERT INTO workshop.booking (id, organisation_id, branch_id, customer_id, vehicle_id, period) OVERRIDING SYSTEM VALUE
		VALUES (410, 2, 20, 2000, 6000, `+period+`);
		INSERT INTO workshop.technician_booking (organisation_id, branch_id, booking_id, technician_id, period) VALUES (2, 20, 410, 200, `+period+`);
		INSERT INTO workshop.bay_reservation (organisation_id, branch_id, booking_id, bay_id, period) VALUES (2, 20, 410, 310, `+period+`)`)
	// managerState is what the manager gets where it differs from 23503: a
	// branch outside the manager's scope is refused by the branch-scope
	// policy (42501) before the key is checked.
	cases := []struct{ name, sql, managerState string }{
		{"booking of another organisation's customer",
			`INSERT INTO workshop.booking (organisation_id, branch_id, customer_id, vehicle_id, period) VALUES (1, 10, 2000, 5000, ` + period + `)`, ""},
		{"booking of another organisation's vehicle",
			`INSERT INTO workshop.booking (organisation_id, branch_id, customer_id, vehicle_id, period) VALUES (1, 10, 1000, 6000, ` + period + `)`, ""},
		{"booking at another organisation's branch",
			`INSERT INTO workshop.booking (organisation_id, branch_id, customer_id, vehicle_id, period) VALUES (1, 20, 1000, 5000, ` + period + `)`, "42501"},
		{"another organisation's busy bay",
			`INSERT INTO workshop.bay_reservation (organisation_id, branch_id, booking_id, bay_id, period) VALUES (1, 10, 400, 310, ` + period + `)`, ""},
		{"another organisation's busy technician",
			`INSERT INTO workshop.technician_booking (organisation_id, branch_id, booking_id, technician_id, period) VALUES (1, 10, 400, 200, ` + period + `)`, ""},
		{"moving a booking to another organisation's customer",
			`UPDATE workshop.booking SET customer_id = 2000 WHERE id = 400`, ""},
		{"repair job assigned to another organisation's staff",
			`UPDATE workshop.repair_job SET assigned_technician_id = 200 WHERE id = 600`, ""},
		{"invoice for another organisation's customer",
			`INSERT INTO finance.invoice (organisation_id, branch_id, customer_id) VALUES (1, 10, 2000)`, ""},
	}
	for _, c := range cases {
		t.Run("superuser/"+c.name, func(t *testing.T) {
			_, err := d.super.Exec(context.Background(), "BEGIN; "+c.sql+"; ROLLBACK")
			d.super.Exec(context.Background(), "ROLLBACK")
			if got := sqlState(err); got != "23503" {
				t.Fatalf("error = %v (SQLSTATE %q); want 23503", err, got)
			}
		})
		t.Run("manager/"+c.name, func(t *testing.T) {
			want := "23503"
			if c.managerState != "" {
				want = c.managerState
			}
			_, err := rowsAs(t, d.login, managerA, c.sql)
			if got := sqlState(err); got != want {
				t.Fatalf("error = %v (SQLSTATE %q); want %s", err, got, want)
			}
		})
	}
	t.Run("own organisation's rows are still accepted", func(t *testing.T) {
		n, err := rowsAs(t, d.login, managerA, `INSERT INTO workshop.booking (organisation_id, branch_id, customer_id, vehicle_id, period)
			VALUES (1, 11, 1001, 5000, `+period+`)`)
		if err != nil || n != 1 {
			t.Fatalf("rows = %d, err = %v; want 1 row", n, err)
		}
	})
	t.Run("SET NULL clears only the reference", func(t *testing.T) {
		mustExec(t, d.super, `BEGIN; DELETE FROM core.staff WHERE id = 100`)
		defer mustExec(t, d.super, "ROLLBACK")
		if n := queryInt(t, d.super, `SELECT count(*) FROM workshop.repair_job j JOIN workshop.labour_line l ON l.repair_job_id = j.id
			WHERE j.id = 600 AND j.assigned_technician_id IS NULL AND l.technician_id IS NULL AND j.organisation_id = 1 AND l.organisation_id = 1`); n != 1 {
			t.Fatalf("job and labour line after their technician was deleted: %d with cleared technicians; want 1", n)
		}
	})
	t.Run("every reference between tenant tables carries organisation_id", func(t *testing.T) {
		n := queryInt(t, d.super, `SELECT count(*) FROM pg_constraint c
			JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace s ON s.oid = r.relnamespace
			WHERE c.contype = 'f' AND s.nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit')
			  AND c.confrelid <> 'core.organisation'::regclass
			  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.confrelid AND a.attname = 'organisation_id')
			  AND NOT (SELECT array_agg(a.attname) FROM pg_attribute a WHERE a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)) @> ARRAY['organisation_id'::name]`)
		if n != 0 {
			t.Fatalf("%d foreign keys between tenant tables without organisation_id", n)
		}
	})
}

// TestTenantKeysMigrationRefusesCrossTenantData: the migration that adds the
// composite keys stops, naming the offending reference, when existing data
// points into another organisation.
func TestTenantKeysMigrationRefusesCrossTenantData(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	before := map[string]string{}
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if name >= "20261203150000" {
			continue
		}
		b, err := fs.ReadFile(migrations.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		before[name] = string(b)
	}
	if _, err := migrations.ApplyDir(ctx, url, openDir(t, writeDir(t, before)), testLogger(t)); err != nil {
		t.Fatalf("apply migrations before the tenant keys: %v", err)
	}
	super := connect(t, url)
	mustExec(t, super, fixtureSQL)
	mustExec(t, super, `UPDATE workshop.booking SET customer_id = 2000 WHERE id = 400`)

	_, err = migrations.Apply(ctx, url, testLogger(t))
	if err == nil {
		t.Fatal("tenant keys applied over a cross-tenant booking")
	}
	for _, want := range []string{"cross-tenant references found", "workshop.booking.customer_id -> core.customer: 1 row(s)", "customer_id 2000"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if n := queryInt(t, super, `SELECT count(*) FROM pg_constraint WHERE conname = 'booking_organisation_id_id_key'`); n != 0 {
		t.Error("the failed migration left its unique key behind")
	}
}

// TestEveryTenantKeyRefusesOtherOrganisation walks every foreign key
// between tenant tables on a seeded database (two organisations): pointing
// one of organisation 1's rows at a row of organisation 2 fails with 23503.
func TestEveryTenantKeyRefusesOtherOrganisation(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	if _, err := migrations.Apply(ctx, url, testLogger(t)); err != nil {
		t.Fatal(err)
	}
	o := datagen.Options{Seed: 3, Months: 1, Branches: 1, BookingsPerMonth: 60, FutureDays: 3, Audit: datagen.AuditSummary}
	if _, err := datagen.Seed(ctx, url, o, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	super := connect(t, url)
	keys := tenantKeys(t, super)
	checked := 0
	for _, k := range keys {
		t.Run(k.name, func(t *testing.T) {
			tx, err := super.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx)
			var have bool
			if err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT EXISTS (SELECT 1 FROM %s WHERE organisation_id = 1)
				AND EXISTS (SELECT 1 FROM %s WHERE organisation_id = 2)`, k.table, k.ref)).Scan(&have); err != nil {
				t.Fatal(err)
			}
			if !have {
				t.Skipf("no organisation 1 row in %s or no organisation 2 row in %s", k.table, k.ref)
			}
			checked++
			// Only the tenant key may refuse: other rules that would fire
			// first (triggers such as APPEND or issued-invoice guards,
			// unique keys checked on index insertion) are lifted inside this
			// rolled-back transaction. Foreign keys are system triggers and
			// stay on.
			if _, err := tx.Exec(ctx, fmt.Sprintf("ALTER TABLE %s DISABLE TRIGGER USER", k.table)); err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec(ctx, fmt.Sprintf(dropUniqueKeys, k.table)); err != nil {
				t.Fatal(err)
			}
			// Primary keys stay (replica identity): organisation 2's own rows
			// of the table go where nothing references them (counters).
			if k.table != k.ref {
				tx.Exec(ctx, "SAVEPOINT s")
				if _, err := tx.Exec(ctx, fmt.Sprintf("DELETE FROM %s WHERE organisation_id = 2", k.table)); err != nil {
					tx.Exec(ctx, "ROLLBACK TO SAVEPOINT s")
				}
			}
			sql := fmt.Sprintf(`UPDATE %[1]s SET %[2]s = (SELECT id FROM %[3]s WHERE organisation_id = 2 ORDER BY id LIMIT 1)
				WHERE ctid = (SELECT ctid FROM %[1]s WHERE organisation_id = 1 ORDER BY %[2]s IS NULL LIMIT 1)`, k.table, k.column, k.ref)
			_, err = tx.Exec(ctx, sql)
			if got := sqlState(err); got != "23503" {
				t.Fatalf("%s: error %v (SQLSTATE %q); want 23503", firstLine(sql), err, got)
			}
		})
	}
	if checked < len(keys)*3/4 {
		t.Fatalf("checked %d of %d tenant keys; the seed should exercise at least three quarters", checked, len(keys))
	}
	t.Logf("checked %d of %d tenant keys", checked, len(keys))
}

// dropUniqueKeys drops the unique keys of a table (%s) that no foreign key
// references.
const dropUniqueKeys = `DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT i.indexrelid::regclass AS idx, c.conname FROM pg_index i
    LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u')
    WHERE i.indrelid = '%[1]s'::regclass AND i.indisunique AND NOT i.indisprimary
      AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
  LOOP
    IF r.conname IS NOT NULL THEN
      EXECUTE format('ALTER TABLE %[1]s DROP CONSTRAINT %%I', r.conname);
    ELSE
      EXECUTE format('DROP INDEX %%s', r.idx);
    END IF;
  END LOOP;
END
$$`

type tenantKey struct{ table, name, column, ref string }

// tenantKeys lists the composite (organisation_id, x_id) foreign keys.
func tenantKeys(t *testing.T, conn *pgx.Conn) []tenantKey {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT c.conrelid::regclass::text, c.conname,
			(SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.conrelid AND a.attnum = c.conkey[2])::text,
			c.confrelid::regclass::text
		FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace s ON s.oid = r.relnamespace
		WHERE c.contype = 'f' AND cardinality(c.conkey) = 2 AND NOT r.relispartition
		  AND s.nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit')
		ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var keys []tenantKey
	for rows.Next() {
		var k tenantKey
		if err := rows.Scan(&k.table, &k.name, &k.column, &k.ref); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return keys
}
