package migrations_test

import (
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestTokenFailsClosed: core.authenticate_token returns nothing for a token
// whose staff member no longer holds the token's role (the API answers
// 401), and keeps answering for roles held at a branch or organisation-wide.
func TestTokenFailsClosed(t *testing.T) {
	d := newSchemaDB(t)
	mustExec(t, d.super, `INSERT INTO core.api_token (id, organisation_id, staff_id, role, token_hash, expires_at) OVERRIDING SYSTEM VALUE
		VALUES (77, 1, 102, 'receptionist', sha256('r'), now() + interval '1 day'),
		       (78, 1, 104, 'manager', sha256('m'), now() + interval '1 day')`)
	app := actor{role: "cch_app"}
	branches := func(id int) string {
		t.Helper()
		var got string
		err := inTx(t, d.login, app, false, func(tx pgx.Tx) error {
			return tx.QueryRow(t.Context(), "SELECT coalesce((SELECT branch_ids::text FROM core.authenticate_token($1)), 'none')", id).Scan(&got)
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := branches(77); got != "{10}" {
		t.Fatalf("branch-scoped receptionist token: branches %s; want {10}", got)
	}
	if got := branches(78); got != "{10,11}" {
		t.Fatalf("organisation-wide manager token: branches %s; want {10,11}", got)
	}
	mustExec(t, d.super, `DELETE FROM core.staff_role WHERE staff_id = 102 AND role = 'receptionist'`)
	if got := branches(77); got != "none" {
		t.Fatalf("token of a staff member who lost the role: branches %s; want no row", got)
	}
	mustExec(t, d.super, `DELETE FROM core.staff_role WHERE staff_id = 104`)
	if got := branches(78); got != "none" {
		t.Fatalf("token of a manager who lost the role: branches %s; want no row", got)
	}
}

// TestPoliciesCountLiveRelations: a customer seen only through a related
// row stops being visible when that relation is over without having
// happened (cancelled booking, declined job, cancelled order or ride).
func TestPoliciesCountLiveRelations(t *testing.T) {
	d := newSchemaDB(t)
	reception := actor{role: "cch_receptionist", appRole: "receptionist", org: orgA, staff: staffReception, branches: "10"}
	tech := actor{role: "cch_technician", appRole: "technician", org: orgA, staff: staffTech, branches: "10"}
	chauffeur := actor{role: "cch_chauffeur", appRole: "chauffeur", org: orgA, staff: staffChauffeur, branches: "10"}
	// Customer 1001 lives at branch 11; a booking at branch 10 shows them to
	// branch 10's receptionist while it is live.
	mustExec(t, d.super, `INSERT INTO workshop.booking (id, organisation_id, branch_id, customer_id, vehicle_id, period) OVERRIDING SYSTEM VALUE
		VALUES (401, 1, 10, 1001, 5000, '[2026-12-05 09:00Z,2026-12-05 10:00Z)')`)
	sees := func(a actor, customer int) bool {
		t.Helper()
		n, err := rowsAs(t, d.login, a, "SELECT id FROM core.customer WHERE id = $1", customer)
		if err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	cases := []struct {
		name    string
		as      actor
		cust    int
		change  string
		visible bool
	}{
		{"receptionist/booked", reception, custOtherBranch, "UPDATE workshop.booking SET status = 'booked' WHERE id = 401", true},
		{"receptionist/confirmed", reception, custOtherBranch, "UPDATE workshop.booking SET status = 'confirmed' WHERE id = 401", true},
		{"receptionist/arrived", reception, custOtherBranch, "UPDATE workshop.booking SET status = 'arrived' WHERE id = 401", true},
		{"receptionist/converted", reception, custOtherBranch, "UPDATE workshop.booking SET status = 'converted' WHERE id = 401", true},
		{"receptionist/cancelled", reception, custOtherBranch, "UPDATE workshop.booking SET status = 'cancelled' WHERE id = 401", false},
		{"receptionist/late_cancelled", reception, custOtherBranch, "UPDATE workshop.booking SET status = 'late_cancelled' WHERE id = 401", false},
		{"receptionist/no_show", reception, custOtherBranch, "UPDATE workshop.booking SET status = 'no_show' WHERE id = 401", false},
		{"technician/job approved", tech, custAssigned, "UPDATE workshop.repair_job SET status = 'approved' WHERE id = 600", true},
		{"technician/job done", tech, custAssigned, "UPDATE workshop.repair_job SET status = 'done' WHERE id = 600", true},
		{"technician/job declined", tech, custAssigned, "UPDATE workshop.repair_job SET status = 'declined' WHERE id = 600", false},
		{"technician/order cancelled", tech, custAssigned,
			"UPDATE workshop.repair_job SET status = 'approved' WHERE id = 600; UPDATE workshop.repair_order SET status = 'cancelled' WHERE id = 500", false},
		{"chauffeur/ride accepted", chauffeur, custPax, "UPDATE chauffeur.ride_booking SET status = 'accepted' WHERE id = 800", true},
		{"chauffeur/ride completed", chauffeur, custPax, "UPDATE chauffeur.ride_booking SET status = 'completed' WHERE id = 800", true},
		{"chauffeur/ride cancelled", chauffeur, custPax, "UPDATE chauffeur.ride_booking SET status = 'cancelled' WHERE id = 800", false},
		{"chauffeur/ride no_show", chauffeur, custPax, "UPDATE chauffeur.ride_booking SET status = 'no_show' WHERE id = 800", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mustExec(t, d.super, c.change)
			if got := sees(c.as, c.cust); got != c.visible {
				t.Fatalf("customer %d visible = %v; want %v", c.cust, got, c.visible)
			}
		})
	}
}
