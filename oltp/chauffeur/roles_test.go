package chauffeur_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/chauffeur"
)

// TestRoleMatrix: who may do what over HTTP, and what each role sees.
func TestRoleMatrix(t *testing.T) {
	f := newFleet(t)
	pickup := f.Fix.Day.Add(9 * time.Hour)
	mine, _ := f.book(t, pickup, map[string]any{"flight_number": "AF1680"})
	theirs, _ := f.book(t, pickup, nil)
	unassigned, _ := f.book(t, pickup.Add(4*time.Hour), nil)
	for _, r := range []int64{mine.ID, theirs.ID} {
		f.event(t, "dispatcher", r, "confirmed", nil)
	}
	f.dispatch(t, mine.ID, f.Chauffeur, f.Vehicles[0])
	f.dispatch(t, theirs.ID, f.Other, f.Vehicles[1])
	if res := f.Do(t, "dispatcher", "POST", fmt.Sprintf("/v1/rides/%d/charges", mine.ID), map[string]any{"component": "ride_base", "unit_amount": 80}); res.Status != 201 {
		t.Fatalf("charge: %d %s", res.Status, res.Body)
	}
	ride := func(id int64) string { return fmt.Sprintf("/v1/rides/%d", id) }
	tests := []struct {
		role, method, path string
		body               any
		status             int
	}{
		{"receptionist", "GET", ride(mine.ID), nil, 403},
		{"technician", "GET", ride(mine.ID), nil, 403},
		{"auditor", "GET", "/v1/rides", nil, 403},
		{"receptionist", "POST", "/v1/rides", f.rideBody(pickup, nil), 403},
		{"technician", "POST", ride(mine.ID) + "/events", map[string]any{"status": "on_the_way"}, 403},
		{"chauffeur", "POST", "/v1/rides", f.rideBody(pickup, nil), 403},
		{"chauffeur", "GET", ride(mine.ID), nil, 200},
		{"chauffeur", "GET", ride(theirs.ID), nil, 404},
		{"chauffeur", "GET", ride(unassigned.ID), nil, 404},
		{"chauffeur", "POST", ride(theirs.ID) + "/events", map[string]any{"status": "on_the_way"}, 404},
		{"chauffeur", "POST", ride(mine.ID) + "/events", map[string]any{"status": "cancelled"}, 403},
		{"chauffeur", "GET", ride(mine.ID) + "/charges", nil, 403},
		{"dispatcher", "POST", "/v1/dispatch/1/accept", nil, 403},
		{"dispatcher", "POST", "/v1/settlements", map[string]any{"chauffeur_id": f.Chauffeur, "period_start": pickup, "period_end": pickup.Add(time.Hour)}, 403},
		{"dispatcher", "POST", ride(mine.ID) + "/charges", map[string]any{"component": "toll", "unit_amount": 5, "chauffeur_payable_amount": 5}, 403},
		{"finance", "GET", ride(mine.ID), nil, 200},
		{"finance", "POST", ride(mine.ID) + "/charges", map[string]any{"component": "toll", "unit_amount": 5}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.role+" "+tt.method+" "+tt.path, func(t *testing.T) {
			res := f.Do(t, tt.role, tt.method, tt.path, tt.body)
			if res.Status != tt.status {
				t.Errorf("status %d, want %d: %s", res.Status, tt.status, res.Body)
			}
		})
	}
	checkVisibility(t, f, mine.ID)
}

// checkVisibility: what each role sees of a ride assigned to the fixture
// chauffeur (mine).
func checkVisibility(t *testing.T, f *fleet, mine int64) {
	t.Helper()
	ride := func(id int64) string { return fmt.Sprintf("/v1/rides/%d", id) }
	pickup := f.Fix.Day.Add(9 * time.Hour)
	t.Run("chauffeur lists only own rides", func(t *testing.T) {
		var got oltp.Collection[chauffeur.Ride]
		f.Do(t, "chauffeur", "GET", "/v1/rides", nil).JSON(t, &got)
		if len(got.Items) != 1 || got.Items[0].ID != mine {
			t.Errorf("chauffeur sees %+v", got.Items)
		}
	})
	t.Run("no pay fields for dispatchers", func(t *testing.T) {
		for _, path := range []string{ride(mine) + "/charges", ride(mine), "/v1/rides"} {
			res := f.Do(t, "dispatcher", "GET", path, nil)
			for _, field := range []string{"payable", "pay_rate", "cost"} {
				if res.Status != 200 || strings.Contains(string(res.Body), field) {
					t.Errorf("%s: %d, contains %q: %s", path, res.Status, field, res.Body)
				}
			}
		}
		res := f.Do(t, "finance", "GET", ride(mine)+"/charges", nil)
		if !strings.Contains(string(res.Body), `"chauffeur_payable_amount":0.00`) {
			t.Errorf("finance charges lack the payable amount: %s", res.Body)
		}
	})
	t.Run("manager sets the payable amount", func(t *testing.T) {
		res := f.Do(t, "manager", "POST", ride(mine)+"/charges", map[string]any{"component": "toll", "unit_amount": 5, "chauffeur_payable_amount": 5})
		if res.Status != 201 || !strings.Contains(string(res.Body), `"chauffeur_payable_amount":5.00`) {
			t.Errorf("manager charge: %d %s", res.Status, res.Body)
		}
	})
	t.Run("other tenant's customer is not bookable", func(t *testing.T) {
		body := f.rideBody(pickup, nil)
		body["passenger_customer_id"] = f.Fix.OtherCustomer
		if res := f.Do(t, "dispatcher", "POST", "/v1/rides", body); res.Status != http.StatusNotFound {
			t.Errorf("other tenant's passenger: %d %s", res.Status, res.Body)
		}
	})
}

// TestBadInput: malformed or rule-breaking requests get a 4xx
// problem+json and write nothing.
func TestBadInput(t *testing.T) {
	f := newFleet(t)
	good := f.rideBody(f.Fix.Day.Add(9*time.Hour), map[string]any{"flight_number": "BA117"})
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range good {
			m[kk] = vv
		}
		m[k] = v
		return m
	}
	ride, _ := f.book(t, f.Fix.Day.Add(12*time.Hour), nil)
	charges := fmt.Sprintf("/v1/rides/%d/charges", ride.ID)
	tests := []struct {
		name, method, path string
		body               any
		status             int
	}{
		{"no token", "POST", "/v1/rides", good, 401},
		{"malformed json", "POST", "/v1/rides", `{"branch_id": 1,`, 400},
		{"unknown field", "POST", "/v1/rides", with("admin", true), 400},
		{"wrong type", "POST", "/v1/rides", with("branch_id", "one"), 400},
		{"metadata not an object", "POST", "/v1/rides", with("metadata", []int{1, 2}), 400},
		{"metadata string", "POST", "/v1/rides", with("metadata", "BA117"), 400},
		{"metadata too large", "POST", "/v1/rides", with("metadata", map[string]any{"x": strings.Repeat("y", 9000)}), 422},
		{"flight number not a string", "POST", "/v1/rides", with("metadata", map[string]any{"flight_number": 117}), 422},
		{"child seats out of range", "POST", "/v1/rides", with("metadata", map[string]any{"child_seats": 40}), 422},
		{"bad service type", "POST", "/v1/rides", with("service_type", "helicopter"), 422},
		{"bad vehicle class", "POST", "/v1/rides", with("requested_vehicle_class", "tank"), 422},
		{"zero duration", "POST", "/v1/rides", with("estimated_duration_minutes", 0), 422},
		{"negative quote", "POST", "/v1/rides", with("quoted_amount", -5), 422},
		{"unknown customer", "POST", "/v1/rides", with("booker_customer_id", 999999), 404},
		{"oversized", "POST", "/v1/rides", `{"pickup_address":"` + strings.Repeat("x", 1<<20) + `"}`, 413},
		{"bad id", "GET", "/v1/rides/abc", nil, 400},
		{"bad event status", "POST", fmt.Sprintf("/v1/rides/%d/events", ride.ID), map[string]any{"status": "teleported"}, 422},
		{"illegal transition", "POST", fmt.Sprintf("/v1/rides/%d/events", ride.ID), map[string]any{"status": "completed"}, 409},
		{"dispatch a quoted ride", "POST", fmt.Sprintf("/v1/rides/%d/dispatch", ride.ID), map[string]any{"chauffeur_id": f.Chauffeur, "fleet_vehicle_id": f.Vehicles[0]}, 409},
		{"bad component", "POST", charges, map[string]any{"component": "fuel", "unit_amount": 1}, 422},
		{"negative charge", "POST", charges, map[string]any{"component": "toll", "unit_amount": -1}, 422},
		{"charge on a missing ride", "POST", "/v1/rides/999999/charges", map[string]any{"component": "toll", "unit_amount": 1}, 404},
		{"empty settlement period", "POST", "/v1/settlements", map[string]any{"chauffeur_id": f.Chauffeur, "period_start": "2026-01-02T00:00:00Z", "period_end": "2026-01-01T00:00:00Z"}, 422},
		{"nothing to settle", "POST", "/v1/settlements", map[string]any{"chauffeur_id": f.Chauffeur, "period_start": "2026-01-01T00:00:00Z", "period_end": "2026-01-02T00:00:00Z"}, 422},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			role := "manager"
			if tt.name == "no token" {
				role = ""
			}
			before := rowCounts(t, f)
			res := f.Do(t, role, tt.method, tt.path, tt.body)
			if res.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", res.Status, tt.status, res.Body)
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("content type %q", ct)
			}
			if after := rowCounts(t, f); after != before {
				t.Errorf("rows written on a rejected request: %s → %s", before, after)
			}
		})
	}
	t.Run("injection strings are just text", func(t *testing.T) {
		res := f.Do(t, "dispatcher", "POST", "/v1/rides", with("pickup_address", "'); DROP TABLE chauffeur.ride_booking; --"))
		if res.Status != 201 || f.Count(t, "chauffeur.ride_booking") != 2 {
			t.Errorf("injection: %d %s", res.Status, res.Body)
		}
		res = f.Do(t, "dispatcher", "GET", "/v1/rides?flight="+`%27%20OR%201%3D1--`, nil)
		if res.Status != 200 || !strings.Contains(string(res.Body), `"items":[]`) {
			t.Errorf("injection in flight search: %d %s", res.Status, res.Body)
		}
	})
}

func rowCounts(t *testing.T, f *fleet) string {
	t.Helper()
	return fmt.Sprint(f.Count(t, "chauffeur.ride_booking"), f.Count(t, "chauffeur.ride_status_event"), f.Count(t, "chauffeur.ride_charge"),
		f.Count(t, "chauffeur.dispatch_assignment"), f.Count(t, "chauffeur.settlement"))
}
