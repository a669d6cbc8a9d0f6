package workshop_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/oltptest"
	"github.com/carcarehub/cch/oltp/workshop"
)

// secondBranch adds a second branch to the fixture organisation with its
// own customer (home branch there), vehicle, bay and technician; and, in
// the other organisation, a customer's vehicle, a technician and a bay.
type secondBranch struct {
	Branch, Customer, Vehicle, Bay, Technician int64
	OtherVehicle, OtherTechnician, OtherBay    int64
}

func addSecondBranch(t *testing.T, e *oltptest.Env) secondBranch {
	t.Helper()
	var s secondBranch
	q := func(dst *int64, sql string, args ...any) {
		t.Helper()
		if err := e.Admin.QueryRow(t.Context(), sql, args...).Scan(dst); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	hours := `{"mon":[["08:00","18:00"]],"tue":[["08:00","18:00"]],"wed":[["08:00","18:00"]],"thu":[["08:00","18:00"]],"fri":[["08:00","18:00"]]}`
	q(&s.Branch, `INSERT INTO core.branch (organisation_id, code, name, timezone, opening_hours) VALUES ($1, 'BRI', 'Bristol', 'UTC', $2) RETURNING id`, e.Fix.Org, hours)
	q(&s.Customer, `INSERT INTO core.customer (organisation_id, home_branch_id, kind, given_name, family_name, email, phone, address)
		VALUES ($1, $2, 'person', 'Grace', 'Hopper', 'grace@example.test', '+44 117 000 0000', '1 Harbour Side') RETURNING id`, e.Fix.Org, s.Branch)
	q(&s.Vehicle, `INSERT INTO core.vehicle (organisation_id, vin, registration_plate, make, model, model_year)
		VALUES ($1, 'WVWZZZ1JZXW000002', 'BR12 AAA', 'Ford', 'Focus', 2020) RETURNING id`, e.Fix.Org)
	q(new(int64), `INSERT INTO core.vehicle_ownership (organisation_id, vehicle_id, customer_id, period)
		VALUES ($1, $2, $3, tstzrange(now() - interval '1 year', NULL)) RETURNING id`, e.Fix.Org, s.Vehicle, s.Customer)
	q(&s.Bay, `INSERT INTO workshop.service_bay (organisation_id, branch_id, code, name) VALUES ($1, $2, 'X1', 'X1') RETURNING id`, e.Fix.Org, s.Branch)
	q(&s.Technician, `INSERT INTO core.staff (organisation_id, home_branch_id, given_name, family_name, email) VALUES ($1, $2, 'Tess', 'Bristol', 'tess@fixture.test') RETURNING id`, e.Fix.Org, s.Branch)
	q(new(int64), `INSERT INTO core.staff_role (organisation_id, staff_id, role, branch_id) VALUES ($1, $2, 'technician', $3) RETURNING id`, e.Fix.Org, s.Technician, s.Branch)
	q(&s.OtherVehicle, `INSERT INTO core.vehicle (organisation_id, vin, registration_plate, make, model, model_year)
		VALUES ($1, 'WVWZZZ1JZXW000003', 'OT12 AAA', 'Fiat', 'Panda', 2018) RETURNING id`, e.Fix.OtherOrg)
	q(new(int64), `INSERT INTO core.vehicle_ownership (organisation_id, vehicle_id, customer_id, period)
		VALUES ($1, $2, $3, tstzrange(now() - interval '1 year', NULL)) RETURNING id`, e.Fix.OtherOrg, s.OtherVehicle, e.Fix.OtherCustomer)
	q(&s.OtherBay, `INSERT INTO workshop.service_bay (organisation_id, branch_id, code, name) VALUES ($1, $2, 'O1', 'O1') RETURNING id`, e.Fix.OtherOrg, e.Fix.OtherBranch)
	q(&s.OtherTechnician, `INSERT INTO core.staff (organisation_id, given_name, family_name, email) VALUES ($1, 'Otto', 'Other', 'otto@other.test') RETURNING id`, e.Fix.OtherOrg)
	q(new(int64), `INSERT INTO core.staff_role (organisation_id, staff_id, role, branch_id) VALUES ($1, $2, 'technician', $3) RETURNING id`, e.Fix.OtherOrg, s.OtherTechnician, e.Fix.OtherBranch)
	return s
}

// TestBookingReferencesAreChecked: a booking that references what the
// caller cannot see is refused with 404, one that is inconsistent with
// 422, one at a branch outside the caller's scope with 403; nothing is
// written in any case, and the refused customer stays unreadable.
func TestBookingReferencesAreChecked(t *testing.T) {
	e := oltptest.New(t, workshop.Register)
	s := addSecondBranch(t, e)
	good := bookingBody(e, e.Fix.Day.Add(9*time.Hour), e.Fix.Bays[0], e.Fix.Technicians[0])
	with := func(kv ...any) map[string]any {
		m := map[string]any{}
		for k, v := range good {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	// A Sunday of the fixture week, and an hour after closing.
	sunday := e.Fix.Day.AddDate(0, 0, 4)
	tests := []struct {
		name, role string
		body       map[string]any
		status     int
	}{
		{"customer of another branch", "receptionist", with("customer_id", s.Customer, "vehicle_id", s.Vehicle), 404},
		{"customer of another organisation", "manager", with("customer_id", e.Fix.OtherCustomer, "vehicle_id", s.OtherVehicle), 404},
		{"vehicle of another organisation", "manager", with("vehicle_id", s.OtherVehicle), 404},
		{"technician of another organisation", "manager", with("technician_id", s.OtherTechnician), 404},
		{"bay of another organisation", "manager", with("bay_id", s.OtherBay), 404},
		{"bay of a branch outside the caller's scope", "receptionist", with("bay_id", s.Bay), 404},
		{"branch outside the caller's scope", "receptionist", with("branch_id", s.Branch, "bay_id", s.Bay, "technician_id", s.Technician), 403},
		{"branch of another organisation", "manager", with("branch_id", e.Fix.OtherBranch), 404},
		{"vehicle not kept by the customer", "receptionist", with("vehicle_id", s.Vehicle), 422},
		{"receptionist as the technician", "receptionist", with("technician_id", e.Fix.Staff["receptionist"]), 422},
		{"technician of another branch", "manager", with("technician_id", s.Technician), 422},
		{"in the past", "receptionist", with("starts_at", time.Now().Add(-48*time.Hour).UTC().Truncate(time.Hour).Format(time.RFC3339)), 422},
		{"branch closed that day", "receptionist", with("starts_at", sunday.Add(10*time.Hour).Format(time.RFC3339)), 422},
		{"after closing time", "receptionist", with("starts_at", e.Fix.Day.Add(17*time.Hour+30*time.Minute).Format(time.RFC3339)), 422},
		{"unknown labour operation code", "receptionist", with("labour_operation_codes", []string{"SRV-A", "NOPE-1"}), 422},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.Count(t, "workshop.booking") + e.Count(t, "workshop.bay_reservation") + e.Count(t, "workshop.technician_booking")
			res := e.Do(t, tt.role, "POST", "/v1/bookings", tt.body)
			if res.Status != tt.status || res.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("status %d (%s), want %d problem+json: %s", res.Status, res.Header.Get("Content-Type"), tt.status, res.Body)
			}
			after := e.Count(t, "workshop.booking") + e.Count(t, "workshop.bay_reservation") + e.Count(t, "workshop.technician_booking")
			if after != before {
				t.Errorf("rows written on a refused booking: %d → %d", before, after)
			}
		})
	}
	if res := e.Do(t, "receptionist", "GET", fmt.Sprintf("/v1/customers/%d", s.Customer), nil); res.Status != http.StatusNotFound {
		t.Errorf("receptionist reads the other branch's customer: %d %s", res.Status, res.Body)
	}
	res := e.Do(t, "receptionist", "POST", "/v1/bookings", good)
	if res.Status != http.StatusCreated {
		t.Fatalf("the consistent booking: %d %s", res.Status, res.Body)
	}
	var b workshop.Booking
	res.JSON(t, &b)
	// Rescheduling is held to the same rules.
	for name, move := range map[string]map[string]any{
		"into the past":     {"starts_at": time.Now().Add(-48 * time.Hour).UTC().Truncate(time.Hour).Format(time.RFC3339), "duration_minutes": 60},
		"onto a closed day": {"starts_at": sunday.Add(10 * time.Hour).Format(time.RFC3339), "duration_minutes": 60},
		"past closing time": {"starts_at": e.Fix.Day.Add(17 * time.Hour).Format(time.RFC3339), "duration_minutes": 120},
		"to a receptionist": {"starts_at": e.Fix.Day.Add(12 * time.Hour).Format(time.RFC3339), "duration_minutes": 60, "technician_id": e.Fix.Staff["receptionist"]},
	} {
		if got := e.Do(t, "receptionist", "PATCH", fmt.Sprintf("/v1/bookings/%d", b.ID), move, "If-Match", res.Header.Get("ETag")); got.Status != http.StatusUnprocessableEntity {
			t.Errorf("reschedule %s: %d %s", name, got.Status, got.Body)
		}
	}
	var version int32
	if err := e.Admin.QueryRow(t.Context(), `SELECT version FROM workshop.booking WHERE id = $1`, b.ID).Scan(&version); err != nil || version != b.Version {
		t.Errorf("refused reschedules changed the booking: version %d → %d (%v)", b.Version, version, err)
	}
}

// TestIdempotencyKeyIsBoundToThePath: the key that cancelled one booking
// does not replay that response for another booking's cancel.
func TestIdempotencyKeyIsBoundToThePath(t *testing.T) {
	e := oltptest.New(t, workshop.Register)
	var b1, b2 workshop.Booking
	r1 := e.Do(t, "receptionist", "POST", "/v1/bookings", bookingBody(e, e.Fix.Day.Add(9*time.Hour), e.Fix.Bays[0], e.Fix.Technicians[0]))
	r2 := e.Do(t, "receptionist", "POST", "/v1/bookings", bookingBody(e, e.Fix.Day.Add(11*time.Hour), e.Fix.Bays[0], e.Fix.Technicians[0]))
	if r1.Status != 201 || r2.Status != 201 {
		t.Fatalf("book: %d %d", r1.Status, r2.Status)
	}
	r1.JSON(t, &b1)
	r2.JSON(t, &b2)
	body := map[string]any{"reason": "customer called"}
	if res := e.Do(t, "receptionist", "POST", fmt.Sprintf("/v1/bookings/%d/cancel", b1.ID), body, "If-Match", r1.Header.Get("ETag"), "Idempotency-Key", "cancel-1"); res.Status != 200 {
		t.Fatalf("cancel B1: %d %s", res.Status, res.Body)
	}
	res := e.Do(t, "receptionist", "POST", fmt.Sprintf("/v1/bookings/%d/cancel", b2.ID), body, "If-Match", r2.Header.Get("ETag"), "Idempotency-Key", "cancel-1")
	var p oltp.Problem
	res.JSON(t, &p)
	if res.Status != http.StatusUnprocessableEntity || !strings.HasSuffix(p.Type, "/idempotency-key-reused") || res.Header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("same key on another booking: %d %s", res.Status, res.Body)
	}
	var status string
	if err := e.Admin.QueryRow(t.Context(), `SELECT status::text FROM workshop.booking WHERE id = $1`, b2.ID).Scan(&status); err != nil || status != "booked" {
		t.Errorf("B2 is %q (%v), want booked", status, err)
	}
	// The same key with another query string is refused, never replayed
	// (this operation takes no query parameter: 400 before the key is read).
	if res := e.Do(t, "receptionist", "POST", fmt.Sprintf("/v1/bookings/%d/cancel?x=1", b1.ID), body, "If-Match", r1.Header.Get("ETag"), "Idempotency-Key", "cancel-1"); res.Status != http.StatusBadRequest || res.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("same key, other query string: %d %s", res.Status, res.Body)
	}
}

// TestBadTextAndWeakETags: NUL characters and invalid UTF-8 in bodies and
// query strings are 400, weak entity tags in If-Match are 412; nothing is
// written.
func TestBadTextAndWeakETags(t *testing.T) {
	e := oltptest.New(t, workshop.Register)
	res := e.Do(t, "receptionist", "POST", "/v1/bookings", bookingBody(e, e.Fix.Day.Add(9*time.Hour), e.Fix.Bays[0], e.Fix.Technicians[0]))
	if res.Status != 201 {
		t.Fatalf("book: %d %s", res.Status, res.Body)
	}
	var b workshop.Booking
	res.JSON(t, &b)
	nul := bookingBody(e, e.Fix.Day.Add(13*time.Hour), e.Fix.Bays[0], e.Fix.Technicians[0])
	nul["notes"] = "a\x00b"
	cases := []struct {
		name, method, path string
		body               any
		hdr                []string
		status             int
	}{
		{"NUL in a JSON string", "POST", "/v1/bookings", nul, nil, 400},
		{"invalid UTF-8 in the body", "POST", "/v1/bookings", "{\"notes\":\"\xff\xfe\"}", nil, 400},
		{"NUL in the query string", "GET", fmt.Sprintf("/v1/bookings?branch_id=%d&cursor=%%00", e.Fix.Branch), nil, nil, 400},
		{"invalid UTF-8 in the query string", "GET", fmt.Sprintf("/v1/availability?branch_id=%d&date=%%ff", e.Fix.Branch), nil, nil, 400},
		{"invalid UTF-8 in Idempotency-Key", "POST", "/v1/bookings", bookingBody(e, e.Fix.Day.Add(15*time.Hour), e.Fix.Bays[1], e.Fix.Technicians[1]),
			[]string{"Idempotency-Key", "k-\xff"}, 400},
		{"weak If-Match", "PATCH", fmt.Sprintf("/v1/bookings/%d", b.ID), map[string]any{"starts_at": e.Fix.Day.Add(14 * time.Hour).Format(time.RFC3339), "duration_minutes": 60},
			[]string{"If-Match", "W/" + res.Header.Get("ETag")}, 412},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			before := e.Count(t, "workshop.booking")
			got := e.Do(t, "receptionist", tt.method, tt.path, tt.body, tt.hdr...)
			if got.Status != tt.status || got.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("status %d (%s), want %d problem+json: %s", got.Status, got.Header.Get("Content-Type"), tt.status, got.Body)
			}
			if after := e.Count(t, "workshop.booking"); after != before {
				t.Errorf("rows written: %d → %d", before, after)
			}
		})
	}
	var version int32
	if err := e.Admin.QueryRow(t.Context(), `SELECT version FROM workshop.booking WHERE id = $1`, b.ID).Scan(&version); err != nil || version != b.Version {
		t.Errorf("booking changed by a weak If-Match: version %d → %d (%v)", b.Version, version, err)
	}
}
