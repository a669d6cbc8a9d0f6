package migrations_test

import (
	"testing"
)

// TestSecurityMatrix logs in (a NOINHERIT login that switches with SET
// LOCAL ROLE, like the API's cch_app) as every business role and checks
// allowed and forbidden reads and writes, tenant isolation, RLS on customer
// PII and masked financial columns. want is the number of rows returned or
// affected; code is the expected SQLSTATE (42501: permission denied or RLS
// WITH CHECK violation).
func TestSecurityMatrix(t *testing.T) {
	d := newSchemaDB(t)
	var (
		tech       = actor{role: "cch_technician", appRole: "technician", org: orgA, staff: staffTech, branches: "10"}
		tech2      = actor{role: "cch_technician", appRole: "technician", org: orgA, staff: staffTech2, branches: "10"}
		reception  = actor{role: "cch_receptionist", appRole: "receptionist", org: orgA, staff: staffReception, branches: "10"}
		finance    = actor{role: "cch_finance", appRole: "finance", org: orgA, staff: staffFinance, branches: "10,11"}
		manager    = actor{role: "cch_manager", appRole: "manager", org: orgA, staff: staffManager, branches: "10,11"}
		managerB   = actor{role: "cch_manager", appRole: "manager", org: orgB, staff: staffManagerB, branches: "20"}
		noTenant   = actor{role: "cch_manager", appRole: "manager", staff: staffManager}
		dispatcher = actor{role: "cch_dispatcher", appRole: "dispatcher", org: orgA, staff: staffDisp, branches: "10"}
		chauffeur  = actor{role: "cch_chauffeur", appRole: "chauffeur", org: orgA, staff: staffChauffeur, branches: "10"}
		chauffeur2 = actor{role: "cch_chauffeur", appRole: "chauffeur", org: orgA, staff: staffChauffeur2, branches: "10"}
		auditor    = actor{role: "cch_auditor", appRole: "auditor", org: orgA, staff: staffAuditor}
	)
	const denied = "42501"
	insertBooking := `INSERT INTO workshop.booking (organisation_id, branch_id, customer_id, vehicle_id, period)
		VALUES (1, 10, 1000, 5000, '[2026-12-03 09:00Z,2026-12-03 10:00Z)')`
	cases := []struct {
		name  string
		as    actor
		query string
		want  int
		code  string
	}{
		// technician: customer and vehicle per the seed, RLS by assigned jobs, no costs.
		{"technician/reads customers of assigned jobs only", tech, "SELECT id, family_name FROM core.customer", 1, ""},
		{"technician/without assigned jobs reads no customer", tech2, "SELECT id FROM core.customer", 0, ""},
		{"technician/reads vehicles", tech, "SELECT id, vin FROM core.vehicle", 3, ""},
		{"technician/reads labour hours", tech, "SELECT id, sold_hours, labour_rate FROM workshop.labour_line", 1, ""},
		{"technician/labour cost masked", tech, "SELECT cost_amount FROM workshop.labour_line", 0, denied},
		{"technician/staff pay masked", tech, "SELECT pay_rate FROM core.staff", 0, denied},
		{"technician/staff names readable", tech, "SELECT id, given_name FROM core.staff", 9, ""},
		{"technician/updates job status", tech, "UPDATE workshop.repair_job SET status = 'in_progress' WHERE id = 600", 1, ""},
		{"technician/cannot edit customers", tech, "UPDATE core.customer SET phone = '1' WHERE id = 1000", 0, denied},
		{"technician/cannot create bookings", tech, insertBooking, 0, denied},
		{"technician/no invoices", tech, "SELECT id FROM finance.invoice", 0, denied},

		// receptionist: bookings (select, insert, update), branch-scoped customers.
		{"receptionist/customers of own branch", reception, "SELECT id FROM core.customer", 2, ""},
		{"receptionist/creates bookings", reception, insertBooking, 1, ""},
		{"receptionist/reads bookings", reception, "SELECT id, status FROM workshop.booking", 1, ""},
		{"receptionist/cannot delete bookings", reception, "DELETE FROM workshop.booking WHERE id = 400", 0, denied},
		{"receptionist/cannot create customer in other branch", reception,
			"INSERT INTO core.customer (organisation_id, home_branch_id, family_name) VALUES (1, 11, 'X')", 0, denied},
		{"receptionist/no invoices", reception, "SELECT id FROM finance.invoice", 0, denied},
		{"receptionist/labour cost masked", reception, "SELECT cost_rate FROM workshop.labour_line", 0, denied},

		// finance: invoices and payments, sees costs.
		{"finance/reads labour cost", finance, "SELECT cost_amount FROM workshop.labour_line", 1, ""},
		{"finance/updates invoices", finance, "UPDATE finance.invoice SET due_at = now() WHERE id = 950", 1, ""},
		{"finance/records payments", finance,
			"INSERT INTO finance.payment (organisation_id, branch_id, customer_id, method, amount) VALUES (1, 10, 1000, 'card', 10)", 1, ""},
		{"finance/reads all organisation customers", finance, "SELECT id FROM core.customer", 3, ""},
		{"finance/cannot create bookings", finance, insertBooking, 0, denied},

		// manager: everything in the organisation, nothing outside it.
		{"manager/reads organisation customers only", manager, "SELECT id FROM core.customer", 3, ""},
		{"manager/reads staff cost", manager, "SELECT cost_rate FROM core.staff", 9, ""},
		{"manager/deletes draft invoice", manager, "DELETE FROM finance.invoice WHERE id = 950", 1, ""},
		{"manager/cannot edit audit log", manager, "UPDATE audit.staff_audit_log SET action = 'x'", 0, denied},
		{"manager/cannot delete append-only rows", manager, "DELETE FROM core.customer_consent", 0, denied},

		// tenant isolation.
		{"tenant/other organisation sees its own customer", managerB, "SELECT id FROM core.customer", 1, ""},
		{"tenant/other organisation sees no booking", managerB, "SELECT id FROM workshop.booking", 0, ""},
		{"tenant/other organisation cannot update", managerB, "UPDATE core.customer SET phone = '1' WHERE id = 1000", 0, ""},
		{"tenant/cannot insert into another organisation", managerB,
			"INSERT INTO core.customer (organisation_id, family_name) VALUES (1, 'Intruder')", 0, denied},
		{"tenant/no organisation set sees nothing", noTenant, "SELECT id FROM core.customer", 0, ""},
		{"tenant/no organisation set sees no invoices", noTenant, "SELECT id FROM finance.invoice", 0, ""},

		// dispatcher: rides, no chauffeur pay, no workshop.
		{"dispatcher/reads rides", dispatcher, "SELECT id FROM chauffeur.ride_booking", 1, ""},
		{"dispatcher/finds rides by metadata", dispatcher,
			`SELECT id FROM chauffeur.ride_booking WHERE metadata @> '{"flight_number": "BA117"}'`, 1, ""},
		{"dispatcher/reads ride charges", dispatcher, "SELECT id, amount FROM chauffeur.ride_charge", 1, ""},
		{"dispatcher/chauffeur pay masked", dispatcher, "SELECT chauffeur_payable_amount FROM chauffeur.ride_charge", 0, denied},
		{"dispatcher/no settlements", dispatcher, "SELECT id FROM chauffeur.settlement", 0, denied},
		{"dispatcher/no repair orders", dispatcher, "SELECT id FROM workshop.repair_order", 0, denied},

		// chauffeur: own rides and passengers only.
		{"chauffeur/reads assigned ride", chauffeur, "SELECT id FROM chauffeur.ride_booking", 1, ""},
		{"chauffeur/reads passenger", chauffeur, "SELECT id, phone FROM core.customer", 1, ""},
		{"chauffeur/other chauffeur sees no ride", chauffeur2, "SELECT id FROM chauffeur.ride_booking", 0, ""},
		{"chauffeur/other chauffeur sees no passenger", chauffeur2, "SELECT id FROM core.customer", 0, ""},
		{"chauffeur/accepts own assignment", chauffeur, "UPDATE chauffeur.dispatch_assignment SET status = 'completed' WHERE id = 900", 1, ""},
		{"chauffeur/no pay rules", chauffeur, "SELECT id FROM chauffeur.chauffeur_pay_rule", 0, denied},
		{"chauffeur/cannot create rides", chauffeur,
			`INSERT INTO chauffeur.ride_booking (organisation_id, branch_id, booker_customer_id, passenger_customer_id, service_type,
			 pickup_at, estimated_duration_minutes, pickup_address) VALUES (1, 10, 1002, 1002, 'hourly', now(), 60, 'x')`, 0, denied},

		// auditor: audit tables, and customers by pseudonymous key only.
		{"auditor/reads booking history", auditor, "SELECT id FROM audit.booking_history", 1, ""},
		{"auditor/reads customers by pseudonym", auditor, "SELECT pseudonym, kind FROM core.customer", 3, ""},
		{"auditor/no customer ids", auditor, "SELECT id FROM core.customer", 0, denied},
		{"auditor/no customer names", auditor, "SELECT family_name FROM core.customer", 0, denied},
		{"auditor/no invoices", auditor, "SELECT id FROM finance.invoice", 0, denied},
		{"auditor/cannot write audit log", auditor, "DELETE FROM audit.staff_audit_log", 0, denied},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, err := rowsAs(t, d.login, c.as, c.query)
			if c.code != "" {
				if got := sqlState(err); got != c.code {
					t.Fatalf("error = %v (SQLSTATE %q); want SQLSTATE %s", err, got, c.code)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if n != c.want {
				t.Fatalf("rows = %d; want %d", n, c.want)
			}
		})
	}
}

// TestAPILoginHasNoPrivilegeWithoutRole checks that cch_app (the API login)
// reads no business table until it switches role, yet can authenticate tokens.
func TestAPILoginHasNoPrivilegeWithoutRole(t *testing.T) {
	d := newSchemaDB(t)
	mustExec(t, d.super, `INSERT INTO core.api_token (id, organisation_id, staff_id, role, token_hash, expires_at) OVERRIDING SYSTEM VALUE
		VALUES (77, 1, 102, 'receptionist', sha256('secret'), now() + interval '1 day')`)
	app := actor{role: "cch_app"} // the API login before it knows the caller
	tests := []struct {
		name  string
		query string
		want  int
		code  string
	}{
		{"cannot read customers", "SELECT id FROM core.customer", 0, "42501"},
		{"cannot read tokens directly", "SELECT id FROM core.api_token", 0, "42501"},
		{"authenticates a token", "SELECT staff_id, organisation_id, role, branch_ids FROM core.authenticate_token(77)", 1, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := rowsAs(t, d.login, app, tc.query)
			if tc.code != "" {
				if sqlState(err) != tc.code {
					t.Fatalf("error = %v; want SQLSTATE %s", err, tc.code)
				}
				return
			}
			if err != nil || n != tc.want {
				t.Fatalf("rows = %d, err = %v; want %d", n, err, tc.want)
			}
		})
	}
}
