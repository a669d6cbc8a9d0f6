package e2e_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/customers"
	"github.com/carcarehub/cch/oltp/oltptest"
	"github.com/carcarehub/cch/oltp/workshop"
)

// refused fails unless res is a 404 or 422 problem: the caller learns
// nothing about the other tenant's row.
func refused(t *testing.T, res oltptest.Response, what string) {
	t.Helper()
	if (res.Status != http.StatusNotFound && res.Status != http.StatusUnprocessableEntity) ||
		res.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("%s: %d %s: %s; want a 404 or 422 problem", what, res.Status, res.Header.Get("Content-Type"), res.Body)
	}
}

// TestCrossTenantBookingRefused: a manager of one organisation cannot book
// another organisation's customer, vehicle, technician, bay or branch
// (the database's tenant keys refuse it whatever the handler checks);
// nothing is written, and the other organisation's busy technician is not
// revealed (no 409). That organisation then books its own technician.
func TestCrossTenantBookingRefused(t *testing.T) {
	e := oltptest.New(t, customers.Register, workshop.Register)
	ctx := t.Context()
	var otherTech, otherManager, otherBay, otherVehicle int64
	q := func(dst *int64, sql string, args ...any) {
		t.Helper()
		if err := e.Admin.QueryRow(ctx, sql, args...).Scan(dst); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	q(&otherTech, `WITH s AS (INSERT INTO core.staff (organisation_id, home_branch_id, given_name, family_name, email)
		VALUES ($1, $2, 'Oli', 'Other', 'oli@other.test') RETURNING id)
		INSERT INTO core.staff_role (organisation_id, staff_id, role, branch_id) SELECT $1, id, 'technician', $2 FROM s RETURNING staff_id`,
		e.Fix.OtherOrg, e.Fix.OtherBranch)
	q(&otherManager, `WITH s AS (INSERT INTO core.staff (organisation_id, home_branch_id, given_name, family_name, email)
		VALUES ($1, $2, 'Mia', 'Other', 'mia@other.test') RETURNING id)
		INSERT INTO core.staff_role (organisation_id, staff_id, role) SELECT $1, id, 'manager' FROM s RETURNING staff_id`,
		e.Fix.OtherOrg, e.Fix.OtherBranch)
	q(&otherBay, `INSERT INTO workshop.service_bay (organisation_id, branch_id, code, name) VALUES ($1, $2, 'M1', 'M1') RETURNING id`,
		e.Fix.OtherOrg, e.Fix.OtherBranch)
	q(&otherVehicle, `WITH v AS (INSERT INTO core.vehicle (organisation_id, vin, make, model) VALUES ($1, 'WVWZZZ1JZXW000777', 'VW', 'Polo') RETURNING id)
		INSERT INTO core.vehicle_ownership (organisation_id, vehicle_id, customer_id, period)
		SELECT $1, id, $2, tstzrange(now() - interval '1 year', NULL) FROM v RETURNING vehicle_id`,
		e.Fix.OtherOrg, e.Fix.OtherCustomer)
	shift := fmt.Sprintf("[%s,%s)", e.Fix.Day.Add(8*time.Hour).Format(time.RFC3339), e.Fix.Day.Add(18*time.Hour).Format(time.RFC3339))
	if _, err := e.Admin.Exec(ctx, `INSERT INTO core.staff_shift (organisation_id, branch_id, staff_id, period) VALUES ($1, $2, $3, $4)`,
		e.Fix.OtherOrg, e.Fix.OtherBranch, otherTech, shift); err != nil {
		t.Fatal(err)
	}
	tok, _, err := oltp.IssueToken(ctx, e.Admin, otherManager, "manager", time.Hour, "other")
	if err != nil {
		t.Fatal(err)
	}
	e.Tokens["other-manager"] = tok
	starts := e.Fix.Day.Add(10 * time.Hour).Format(time.RFC3339)
	booking := func(branch, customer, vehicle, bay, tech int64) map[string]any {
		return map[string]any{"branch_id": branch, "customer_id": customer, "vehicle_id": vehicle, "starts_at": starts,
			"duration_minutes": 60, "bay_id": bay, "technician_id": tech, "labour_operation_codes": []string{}, "notes": ""}
	}
	// Organisation 2 has its technician and bay busy at that time.
	must(t, e.Do(t, "other-manager", "POST", "/v1/bookings",
		booking(e.Fix.OtherBranch, e.Fix.OtherCustomer, otherVehicle, otherBay, otherTech)), 201, "other organisation books its own technician")

	fix := e.Fix
	cases := []struct {
		name string
		body map[string]any
	}{
		{"another organisation's customer", booking(fix.Branch, fix.OtherCustomer, fix.Vehicle, fix.Bays[0], fix.Technicians[0])},
		{"another organisation's vehicle", booking(fix.Branch, fix.Customer, otherVehicle, fix.Bays[0], fix.Technicians[0])},
		{"another organisation's busy technician", booking(fix.Branch, fix.Customer, fix.Vehicle, fix.Bays[0], otherTech)},
		{"another organisation's busy bay", booking(fix.Branch, fix.Customer, fix.Vehicle, otherBay, fix.Technicians[0])},
		{"another organisation's branch", booking(fix.OtherBranch, fix.Customer, fix.Vehicle, fix.Bays[0], fix.Technicians[0])},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			refused(t, e.Do(t, "manager", "POST", "/v1/bookings", c.body), c.name)
		})
	}
	var written int
	if err := e.Admin.QueryRow(ctx, `SELECT (SELECT count(*) FROM workshop.booking WHERE organisation_id = $1)
		+ (SELECT count(*) FROM workshop.technician_booking WHERE organisation_id = $1)
		+ (SELECT count(*) FROM workshop.bay_reservation WHERE organisation_id = $1)`, fix.Org).Scan(&written); err != nil {
		t.Fatal(err)
	}
	if written != 0 {
		t.Fatalf("%d booking rows written by refused requests", written)
	}
}

// TestTokenOfStaffWithoutRole: a token stops working (401) once its staff
// member no longer holds the token's role.
func TestTokenOfStaffWithoutRole(t *testing.T) {
	e := oltptest.New(t, customers.Register)
	staff := e.Fix.Staff["receptionist"]
	must(t, e.Do(t, "receptionist", "GET", "/v1/customers", nil), 200, "while the role is held")
	// A second token of the same staff member, never used (so not cached).
	tok, _, err := oltp.IssueToken(t.Context(), e.Admin, staff, "receptionist", time.Hour, "second")
	if err != nil {
		t.Fatal(err)
	}
	e.Tokens["receptionist-2"] = tok
	if _, err := e.Admin.Exec(t.Context(), `DELETE FROM core.staff_role WHERE staff_id = $1 AND role = 'receptionist'`, staff); err != nil {
		t.Fatal(err)
	}
	res := e.Do(t, "receptionist-2", "GET", "/v1/customers", nil)
	if res.Status != http.StatusUnauthorized || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("token of a staff member without the role: %d %s; want a 401 problem", res.Status, res.Body)
	}
}

// TestCancelledBookingGrantsNoVisibility: a receptionist sees a customer of
// another branch while a booking at their branch is live, and no longer
// once it is cancelled.
func TestCancelledBookingGrantsNoVisibility(t *testing.T) {
	e := oltptest.New(t, customers.Register, workshop.Register)
	ctx := t.Context()
	var branch2, customer, vehicle int64
	if err := e.Admin.QueryRow(ctx, `INSERT INTO core.branch (organisation_id, code, name, timezone) VALUES ($1, 'BRS', 'Bristol', 'UTC') RETURNING id`,
		e.Fix.Org).Scan(&branch2); err != nil {
		t.Fatal(err)
	}
	if err := e.Admin.QueryRow(ctx, `INSERT INTO core.customer (organisation_id, home_branch_id, kind, given_name, family_name, email)
		VALUES ($1, $2, 'person', 'Bea', 'Bristol', 'bea@example.test') RETURNING id`, e.Fix.Org, branch2).Scan(&customer); err != nil {
		t.Fatal(err)
	}
	if err := e.Admin.QueryRow(ctx, `WITH v AS (INSERT INTO core.vehicle (organisation_id, vin, make, model) VALUES ($1, 'WVWZZZ1JZXW000888', 'VW', 'Up') RETURNING id)
		INSERT INTO core.vehicle_ownership (organisation_id, vehicle_id, customer_id, period)
		SELECT $1, id, $2, tstzrange(now() - interval '1 year', NULL) FROM v RETURNING vehicle_id`, e.Fix.Org, customer).Scan(&vehicle); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/v1/customers/%d", customer)
	if res := e.Do(t, "receptionist", "GET", path, nil); res.Status != http.StatusNotFound {
		t.Fatalf("before any booking: %d; want 404", res.Status)
	}
	res := must(t, e.Do(t, "manager", "POST", "/v1/bookings", map[string]any{
		"branch_id": e.Fix.Branch, "customer_id": customer, "vehicle_id": vehicle,
		"starts_at": e.Fix.Day.Add(11 * time.Hour).Format(time.RFC3339), "duration_minutes": 60,
		"bay_id": e.Fix.Bays[0], "technician_id": e.Fix.Technicians[0], "labour_operation_codes": []string{}, "notes": ""}), 201, "book")
	var b workshop.Booking
	res.JSON(t, &b)
	must(t, e.Do(t, "receptionist", "GET", path, nil), 200, "with a live booking at the receptionist's branch")
	must(t, e.Do(t, "manager", "POST", fmt.Sprintf("/v1/bookings/%d/cancel", b.ID), map[string]any{"reason": "test"},
		"If-Match", res.Header.Get("ETag")), 200, "cancel")
	if res := e.Do(t, "receptionist", "GET", path, nil); res.Status != http.StatusNotFound {
		t.Fatalf("after the booking was cancelled: %d %s; want 404", res.Status, res.Body)
	}
}
