package migrations_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestExclusionConstraints books the same bay, technician, chauffeur and
// fleet vehicle twice: an overlapping period fails with 23P01, a
// back-to-back one (half-open ranges) and a released one are accepted.
func TestExclusionConstraints(t *testing.T) {
	d := newSchemaDB(t)
	const (
		first    = "[2026-12-05 09:00Z,2026-12-05 10:00Z)"
		overlap  = "[2026-12-05 09:30Z,2026-12-05 10:30Z)"
		adjacent = "[2026-12-05 10:00Z,2026-12-05 11:00Z)"
	)
	resources := []struct {
		name   string
		insert string // $1 = period
	}{
		{"bay", `INSERT INTO workshop.bay_reservation (organisation_id, branch_id, booking_id, bay_id, period)
			VALUES (1, 10, 400, 300, $1)`},
		{"technician", `INSERT INTO workshop.technician_booking (organisation_id, branch_id, booking_id, technician_id, period)
			VALUES (1, 10, 400, 100, $1)`},
		// Different vehicles: only the chauffeur is shared.
		{"chauffeur", `INSERT INTO chauffeur.dispatch_assignment (organisation_id, branch_id, ride_booking_id, chauffeur_id, fleet_vehicle_id, period, status)
			VALUES (1, 10, 800, 108, CASE WHEN $1 = '` + first + `' THEN 5001 ELSE 5002 END, $1::tstzrange, 'accepted')`},
		// Different chauffeurs: only the vehicle is shared.
		{"fleet vehicle", `INSERT INTO chauffeur.dispatch_assignment (organisation_id, branch_id, ride_booking_id, chauffeur_id, fleet_vehicle_id, period, status)
			VALUES (1, 10, 800, CASE WHEN $1 = '` + first + `' THEN 106 ELSE 108 END, 5002, $1::tstzrange, 'offered')`},
		{"staff shift", `INSERT INTO core.staff_shift (organisation_id, branch_id, staff_id, period) VALUES (1, 10, 101, $1)`},
		{"attendance clock", `INSERT INTO core.time_clock_entry (organisation_id, branch_id, staff_id, kind, period)
			VALUES (1, 10, 101, 'attendance', $1)`},
		{"vehicle keeper", `INSERT INTO core.vehicle_ownership (organisation_id, vehicle_id, customer_id, period) VALUES (1, 5000, 1000, $1)`},
		{"pay rule", `INSERT INTO chauffeur.chauffeur_pay_rule (organisation_id, chauffeur_id, component, basis, rate, effective)
			VALUES (1, 108, 'ride_base', 'percentage', 40, $1)`},
	}
	ctx := context.Background()
	for _, r := range resources {
		t.Run(r.name, func(t *testing.T) {
			tx, err := d.super.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx)
			if _, err := tx.Exec(ctx, r.insert, first); err != nil {
				t.Fatalf("first period: %v", err)
			}
			cases := []struct {
				name, period, code string
			}{
				{"overlapping rejected", overlap, "23P01"},
				{"back-to-back accepted", adjacent, ""},
			}
			for i, c := range cases {
				sp := fmt.Sprintf("sp%d", i)
				if _, err := tx.Exec(ctx, "SAVEPOINT "+sp); err != nil {
					t.Fatal(err)
				}
				_, err := tx.Exec(ctx, r.insert, c.period)
				if got := sqlState(err); got != c.code {
					t.Errorf("%s: error = %v; want SQLSTATE %q", c.name, err, c.code)
				}
				if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT "+sp); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	t.Run("cancelled booking releases its bay", func(t *testing.T) {
		mustExec(t, d.super, `INSERT INTO workshop.bay_reservation (organisation_id, branch_id, booking_id, bay_id, period)
			VALUES (1, 10, 400, 301, '`+first+`')`)
		reception := actor{role: "cch_receptionist", appRole: "receptionist", org: orgA, staff: staffReception, branches: "10"}
		err := inTx(t, d.login, reception, true, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE workshop.booking SET status = 'cancelled', cancelled_at = now() WHERE id = 400")
			return err
		})
		if err != nil {
			t.Fatalf("cancel booking: %v", err)
		}
		mustExec(t, d.super, `INSERT INTO workshop.bay_reservation (organisation_id, branch_id, booking_id, bay_id, period)
			VALUES (1, 10, 400, 301, '`+first+`')`)
	})
}
