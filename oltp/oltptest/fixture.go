package oltptest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// roles of the fixture staff, one staff member each (the technicians are
// extra: two of them, both rostered on Day).
var roles = []string{"manager", "technician", "receptionist", "finance", "dispatcher", "chauffeur", "auditor"}

func loadFixture(t testing.TB, db *pgx.Conn) Fixture {
	t.Helper()
	ctx := context.Background()
	f := Fixture{Staff: map[string]int64{}}
	// Day: the first Wednesday at least 7 days ahead, so slots are in the future.
	d := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 7)
	for d.Weekday() != time.Wednesday {
		d = d.AddDate(0, 0, 1)
	}
	f.Day = d
	q := func(dst *int64, sql string, args ...any) {
		t.Helper()
		if err := db.QueryRow(ctx, sql, args...).Scan(dst); err != nil {
			t.Fatalf("fixture: %s: %v", sql, err)
		}
	}
	hours := `{"mon":[["08:00","18:00"]],"tue":[["08:00","18:00"]],"wed":[["08:00","18:00"]],"thu":[["08:00","18:00"]],"fri":[["08:00","18:00"]]}`
	q(&f.Org, `INSERT INTO core.organisation (name) VALUES ('Fixture Motors') RETURNING id`)
	q(&f.OtherOrg, `INSERT INTO core.organisation (name) VALUES ('Other Motors') RETURNING id`)
	q(&f.Branch, `INSERT INTO core.branch (organisation_id, code, name, timezone, opening_hours) VALUES ($1, 'LDN', 'London', 'UTC', $2) RETURNING id`, f.Org, hours)
	q(&f.OtherBranch, `INSERT INTO core.branch (organisation_id, code, name, timezone, opening_hours) VALUES ($1, 'MAN', 'Manchester', 'UTC', $2) RETURNING id`, f.OtherOrg, hours)
	for i := 0; i < 2; i++ {
		var bay int64
		q(&bay, `INSERT INTO workshop.service_bay (organisation_id, branch_id, code, name) VALUES ($1, $2, $3, $3) RETURNING id`, f.Org, f.Branch, fmt.Sprintf("B%d", i+1))
		f.Bays = append(f.Bays, bay)
	}
	for _, role := range append(roles, "technician") {
		staff := addStaff(t, db, f, role)
		if role == "technician" {
			f.Technicians = append(f.Technicians, staff)
			shift := fmt.Sprintf("[%s,%s)", f.Day.Add(8*time.Hour).Format(time.RFC3339), f.Day.Add(18*time.Hour).Format(time.RFC3339))
			if _, err := db.Exec(ctx, `INSERT INTO core.staff_shift (organisation_id, branch_id, staff_id, period) VALUES ($1, $2, $3, $4)`,
				f.Org, f.Branch, staff, shift); err != nil {
				t.Fatalf("fixture shift: %v", err)
			}
		}
		if f.Staff[role] == 0 {
			f.Staff[role] = staff
		}
	}
	q(&f.Customer, `INSERT INTO core.customer (organisation_id, home_branch_id, kind, given_name, family_name, email, phone)
		VALUES ($1, $2, 'person', 'Ada', 'Lovelace', 'ada@example.test', '+44 20 7946 0000') RETURNING id`, f.Org, f.Branch)
	q(&f.OtherCustomer, `INSERT INTO core.customer (organisation_id, kind, given_name, family_name, email)
		VALUES ($1, 'person', 'Other', 'Tenant', 'other@example.test') RETURNING id`, f.OtherOrg)
	q(&f.Vehicle, `INSERT INTO core.vehicle (organisation_id, vin, registration_plate, make, model, model_year)
		VALUES ($1, 'WVWZZZ1JZXW000001', 'AB12 CDE', 'Volkswagen', 'Golf', 2019) RETURNING id`, f.Org)
	if _, err := db.Exec(ctx, `INSERT INTO core.vehicle_ownership (organisation_id, vehicle_id, customer_id, period)
		VALUES ($1, $2, $3, tstzrange(now() - interval '1 year', NULL))`, f.Org, f.Vehicle, f.Customer); err != nil {
		t.Fatalf("fixture ownership: %v", err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO workshop.labour_operation (organisation_id, code, name, job_category, book_hours, default_labour_rate)
		VALUES ($1, 'SRV-A', 'Annual service', 'service', 1.5, 120), ($1, 'BRK-F', 'Front brake pads', 'brakes', 1.0, 120)`, f.Org); err != nil {
		t.Fatalf("fixture labour operations: %v", err)
	}
	return f
}

func addStaff(t testing.TB, db *pgx.Conn, f Fixture, role string) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	n := len(f.Staff) + len(f.Technicians)
	err := db.QueryRow(ctx, `INSERT INTO core.staff (organisation_id, home_branch_id, given_name, family_name, email, pay_basis, cost_rate, pay_rate)
		VALUES ($1, $2, $3, 'Fixture', $4, 'hourly', 25, 20) RETURNING id`,
		f.Org, f.Branch, role, fmt.Sprintf("%s%d@fixture.test", role, n)).Scan(&id)
	if err != nil {
		t.Fatalf("fixture staff %s: %v", role, err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO core.staff_role (organisation_id, staff_id, role, branch_id) VALUES ($1, $2, $3, $4)`,
		f.Org, id, role, f.Branch); err != nil {
		t.Fatalf("fixture staff role: %v", err)
	}
	return id
}

// LoadFixture loads the fixture business through db (a superuser
// connection to a migrated database), for tests that run the API outside
// this package's Env (separate processes).
func LoadFixture(t testing.TB, db *pgx.Conn) Fixture { return loadFixture(t, db) }
