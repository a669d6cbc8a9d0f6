package chauffeur_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/chauffeur"
	"github.com/carcarehub/cch/oltp/oltptest"
)

// fleet extends the oltptest fixture with the chauffeur side of the
// business: the fixture chauffeur (token "chauffeur") and a second one
// (token "chauffeur2"), both rostered, and fleet vehicles.
type fleet struct {
	*oltptest.Env
	Chauffeur, Other int64   // staff ids with chauffeur subtype rows
	Vehicles         []int64 // executive sedans, 4 seats
}

func newFleet(t *testing.T) *fleet {
	t.Helper()
	e := oltptest.New(t, chauffeur.Register)
	f := &fleet{Env: e, Chauffeur: e.Fix.Staff["chauffeur"]}
	f.Other = f.addChauffeurStaff(t, "Second")
	tok, _, err := oltp.IssueToken(context.Background(), e.Admin, f.Other, "chauffeur", time.Hour, "test")
	if err != nil {
		t.Fatal(err)
	}
	e.Tokens["chauffeur2"] = tok
	for _, id := range []int64{f.Chauffeur, f.Other} {
		f.makeChauffeur(t, id)
	}
	for range 2 {
		f.Vehicles = append(f.Vehicles, f.addVehicle(t, "executive", 4))
	}
	return f
}

func (f *fleet) exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	if _, err := f.Admin.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("fixture: %s: %v", sql, err)
	}
}

func (f *fleet) scalar(t testing.TB, sql string, args ...any) int64 {
	t.Helper()
	var id int64
	if err := f.Admin.QueryRow(context.Background(), sql, args...).Scan(&id); err != nil {
		t.Fatalf("fixture: %s: %v", sql, err)
	}
	return id
}

// addChauffeurStaff adds a staff member holding the chauffeur role.
func (f *fleet) addChauffeurStaff(t testing.TB, name string) int64 {
	t.Helper()
	id := f.scalar(t, `INSERT INTO core.staff (organisation_id, home_branch_id, given_name, family_name, email, pay_basis, cost_rate, pay_rate)
		VALUES ($1, $2, $3, 'Driver', lower($3) || '.' || gen_random_uuid() || '@fixture.test', 'hourly', 25, 20) RETURNING id`, f.Fix.Org, f.Fix.Branch, name)
	f.exec(t, `INSERT INTO core.staff_role (organisation_id, staff_id, role, branch_id) VALUES ($1, $2, 'chauffeur', $3)`, f.Fix.Org, id, f.Fix.Branch)
	return id
}

// makeChauffeur adds the chauffeur subtype row and a shift covering the
// next 30 days at the fixture branch.
func (f *fleet) makeChauffeur(t testing.TB, staff int64) {
	t.Helper()
	f.exec(t, `INSERT INTO chauffeur.chauffeur (id, organisation_id, branch_id, licence_number, licence_expires_on)
		VALUES ($1, $2, $3, $4, current_date + 365)`, staff, f.Fix.Org, f.Fix.Branch, fmt.Sprintf("LIC-%d", staff))
	f.exec(t, `INSERT INTO core.staff_shift (organisation_id, branch_id, staff_id, period)
		VALUES ($1, $2, $3, tstzrange(now() - interval '1 hour', now() + interval '30 days'))`, f.Fix.Org, f.Fix.Branch, staff)
}

func (f *fleet) addVehicle(t testing.TB, class string, seats int) int64 {
	t.Helper()
	n := f.scalar(t, `SELECT count(*) FROM core.vehicle`)
	id := f.scalar(t, `INSERT INTO core.vehicle (organisation_id, vin, registration_plate, make, model, model_year)
		VALUES ($1, $2, $3, 'Mercedes-Benz', 'E-Class', 2024) RETURNING id`, f.Fix.Org, fmt.Sprintf("WDD2130421A%06d", n+1), fmt.Sprintf("CH%02d FLT", n+1))
	f.exec(t, `INSERT INTO chauffeur.fleet_vehicle (id, organisation_id, branch_id, vehicle_class, passenger_capacity, in_service)
		VALUES ($1, $2, $3, $4, $5, tstzrange(now() - interval '1 year', NULL))`, id, f.Fix.Org, f.Fix.Branch, class, seats)
	return id
}

// payRule gives chauffeur a rule for component from a year ago.
func (f *fleet) payRule(t testing.TB, chauffeurID int64, component, basis, rate string) {
	t.Helper()
	f.exec(t, `INSERT INTO chauffeur.chauffeur_pay_rule (organisation_id, chauffeur_id, component, basis, rate, effective)
		VALUES ($1, $2, $3, $4, $5::numeric, tstzrange(now() - interval '1 year', NULL))`, f.Fix.Org, chauffeurID, component, basis, rate)
}

func (f *fleet) rideBody(pickup time.Time, meta map[string]any) map[string]any {
	b := map[string]any{
		"branch_id": f.Fix.Branch, "booker_customer_id": f.Fix.Customer, "service_type": "airport_arrival",
		"pickup_at": pickup.Format(time.RFC3339), "estimated_duration_minutes": 60,
		"pickup_address": "Heathrow T5 arrivals", "dropoff_address": "1 Poultry, London",
		"requested_vehicle_class": "executive", "passenger_count": 2, "quoted_amount": 95.5,
	}
	if meta != nil {
		b["metadata"] = meta
	}
	return b
}

// book creates a ride as the dispatcher and returns it with its ETag.
func (f *fleet) book(t testing.TB, pickup time.Time, meta map[string]any) (chauffeur.Ride, string) {
	t.Helper()
	res := f.Do(t, "dispatcher", "POST", "/v1/rides", f.rideBody(pickup, meta))
	if res.Status != 201 {
		t.Fatalf("book ride: %d %s", res.Status, res.Body)
	}
	var r chauffeur.Ride
	res.JSON(t, &r)
	return r, res.Header.Get("ETag")
}

// event posts a status event as role, expecting 201.
func (f *fleet) event(t testing.TB, role string, ride int64, status string, odometer any) chauffeur.Ride {
	t.Helper()
	body := map[string]any{"status": status}
	if odometer != nil {
		body["odometer_miles"] = odometer
	}
	res := f.Do(t, role, "POST", fmt.Sprintf("/v1/rides/%d/events", ride), body)
	if res.Status != 201 {
		t.Fatalf("event %s: %d %s", status, res.Status, res.Body)
	}
	var r chauffeur.Ride
	res.JSON(t, &r)
	return r
}

// dispatch offers ride to chauffeurID in vehicle, expecting 201.
func (f *fleet) dispatch(t testing.TB, ride, chauffeurID, vehicle int64) chauffeur.Assignment {
	t.Helper()
	res := f.Do(t, "dispatcher", "POST", fmt.Sprintf("/v1/rides/%d/dispatch", ride),
		map[string]any{"chauffeur_id": chauffeurID, "fleet_vehicle_id": vehicle})
	if res.Status != 201 {
		t.Fatalf("dispatch: %d %s", res.Status, res.Body)
	}
	var a chauffeur.Assignment
	res.JSON(t, &a)
	return a
}

func problemType(t testing.TB, res oltptest.Response) string {
	t.Helper()
	var p oltp.Problem
	res.JSON(t, &p)
	return p.Type
}
