package migrations_test

import (
	"testing"
)

// domainTables are the 47 tables of DOMAIN.md: the names are the contract.
var domainTables = []string{
	"core.organisation", "core.branch", "core.staff", "core.staff_role", "core.staff_shift", "core.time_clock_entry",
	"core.customer", "core.customer_consent", "core.vehicle", "core.vehicle_ownership", "core.odometer_reading",
	"core.customer_feedback", "core.notification", "core.api_token",
	"workshop.service_bay", "workshop.labour_operation", "workshop.booking", "workshop.bay_reservation",
	"workshop.technician_booking", "workshop.repair_order", "workshop.repair_job", "workshop.labour_line", "workshop.part_line",
	"inventory.part", "inventory.supplier", "inventory.supplier_part", "inventory.stock_level",
	"inventory.inventory_transaction", "inventory.purchase_order", "inventory.purchase_order_line",
	"finance.invoice", "finance.invoice_line", "finance.payment", "finance.payment_allocation", "finance.operating_expense",
	"chauffeur.fleet_vehicle", "chauffeur.chauffeur", "chauffeur.ride_booking", "chauffeur.ride_stop",
	"chauffeur.dispatch_assignment", "chauffeur.ride_status_event", "chauffeur.ride_charge", "chauffeur.chauffeur_pay_rule",
	"chauffeur.settlement", "chauffeur.settlement_line",
	"audit.staff_audit_log", "audit.booking_history",
}

const businessSchemas = `('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit')`

// TestCatalogue counts what the migrated catalogue holds: tables, purpose-
// built secondary indexes (each with a comment), exclusion constraints,
// forced RLS, partitioned tables and the publication.
func TestCatalogue(t *testing.T) {
	d := newSchemaDB(t)
	checks := []struct {
		name  string
		query string
		min   int64
	}{
		{"at least 45 tables", `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname IN ` + businessSchemas + ` AND c.relkind IN ('r', 'p') AND NOT c.relispartition`, 45},
		{"at least 18 commented secondary indexes", `SELECT count(*) FROM pg_index i
			JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class tc ON tc.oid = i.indrelid
			JOIN pg_namespace n ON n.oid = tc.relnamespace
			WHERE n.nspname IN ` + businessSchemas + ` AND NOT tc.relispartition AND NOT i.indisprimary
			  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
			  AND obj_description(ic.oid, 'pg_class') IS NOT NULL`, 18},
		{"at least 4 exclusion constraints", `SELECT count(*) FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace
			WHERE k.contype = 'x' AND n.nspname IN ` + businessSchemas, 4},
		{"a GIN jsonb_path_ops index on ride metadata", `SELECT count(*) FROM pg_index i JOIN pg_opclass o ON o.oid = i.indclass[0]
			WHERE i.indrelid = 'chauffeur.ride_booking'::regclass AND o.opcname = 'jsonb_path_ops'`, 1},
		{"BRIN indexes on time series", `SELECT count(*) FROM pg_class ic JOIN pg_am am ON am.oid = ic.relam
			JOIN pg_namespace n ON n.oid = ic.relnamespace
			WHERE am.amname = 'brin' AND n.nspname IN ` + businessSchemas + ` AND NOT ic.relispartition`, 3},
		{"four PART-M tables", `SELECT count(*) FROM pg_partitioned_table p WHERE p.partrelid IN
			('core.notification'::regclass, 'inventory.inventory_transaction'::regclass,
			 'chauffeur.ride_status_event'::regclass, 'audit.staff_audit_log'::regclass)`, 4},
		{"publication via partition root", `SELECT count(*) FROM pg_publication WHERE pubname = 'cch_pub' AND pubviaroot`, 1},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if n := queryInt(t, d.super, c.query); n < c.min {
				t.Fatalf("got %d; want at least %d", n, c.min)
			}
		})
	}
	t.Run("every DOMAIN table exists, owned by cch_owner, RLS forced", func(t *testing.T) {
		for _, name := range domainTables {
			n := queryInt(t, d.super, `SELECT count(*) FROM pg_class
				WHERE oid = to_regclass($1) AND relrowsecurity AND relforcerowsecurity AND relowner = 'cch_owner'::regrole`, name)
			if n != 1 {
				t.Errorf("%s: missing, not owned by cch_owner, or RLS not forced", name)
			}
		}
	})
	t.Run("no business table without forced RLS", func(t *testing.T) {
		n := queryInt(t, d.super, `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname IN `+businessSchemas+` AND c.relkind IN ('r', 'p') AND NOT c.relispartition
			  AND NOT (c.relrowsecurity AND c.relforcerowsecurity)`)
		if n != 0 {
			t.Fatalf("%d table(s) without FORCE ROW LEVEL SECURITY", n)
		}
	})
	t.Run("booking is not partitioned and says how it should be", func(t *testing.T) {
		n := queryInt(t, d.super, `SELECT count(*) FROM pg_class WHERE oid = 'workshop.booking'::regclass AND relkind = 'r'
			AND obj_description(oid, 'pg_class') ILIKE '%partition it by RANGE%'`)
		if n != 1 {
			t.Fatal("workshop.booking must be a plain table whose comment says when and how to partition it")
		}
	})
}
