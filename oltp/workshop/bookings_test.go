package workshop_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/oltptest"
	"github.com/carcarehub/cch/oltp/workshop"
)

func bookingBody(e *oltptest.Env, start time.Time, bay, tech int64) map[string]any {
	return map[string]any{
		"branch_id": e.Fix.Branch, "customer_id": e.Fix.Customer, "vehicle_id": e.Fix.Vehicle,
		"starts_at": start.Format(time.RFC3339), "duration_minutes": 60, "bay_id": bay, "technician_id": tech,
		"labour_operation_codes": []string{"SRV-A"}, "notes": "rattle on cold start",
	}
}

func TestBookingLifecycle(t *testing.T) {
	e := oltptest.New(t, workshop.Register)
	// Availability lists the fixture day's slots with a bay and a technician.
	av := e.Do(t, "receptionist", "GET", fmt.Sprintf("/v1/availability?branch_id=%d&date=%s&duration_minutes=60", e.Fix.Branch, e.Fix.Day.Format(time.DateOnly)), nil)
	if av.Status != 200 {
		t.Fatalf("availability: %d %s", av.Status, av.Body)
	}
	var slots workshop.Availability
	av.JSON(t, &slots)
	if len(slots.Slots) != 19 { // 08:00 … 17:00 every 30 min
		t.Fatalf("got %d slots, want 19", len(slots.Slots))
	}
	s := slots.Slots[0]
	res := e.Do(t, "receptionist", "POST", "/v1/bookings", bookingBody(e, s.StartsAt, s.BayID, s.TechnicianID))
	if res.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	var b workshop.Booking
	res.JSON(t, &b)
	if b.ID == 0 || b.Status != "booked" || b.Version < 1 || res.Header.Get("ETag") == "" || res.Header.Get("X-CCH-LSN") == "" {
		t.Fatalf("create response: %+v headers %v", b, res.Header)
	}
	// The slot is gone from availability for that bay.
	av = e.Do(t, "receptionist", "GET", fmt.Sprintf("/v1/availability?branch_id=%d&date=%s&duration_minutes=60", e.Fix.Branch, e.Fix.Day.Format(time.DateOnly)), nil)
	av.JSON(t, &slots)
	if slots.Slots[0].StartsAt.Equal(s.StartsAt) && slots.Slots[0].BayID == s.BayID {
		t.Errorf("booked bay still offered at %s", s.StartsAt)
	}
	// Reschedule with If-Match; a stale ETag is refused.
	etag := res.Header.Get("ETag")
	move := map[string]any{"starts_at": s.StartsAt.Add(2 * time.Hour).Format(time.RFC3339), "duration_minutes": 90}
	res = e.Do(t, "receptionist", "PATCH", fmt.Sprintf("/v1/bookings/%d", b.ID), move, "If-Match", etag)
	if res.Status != 200 {
		t.Fatalf("reschedule: %d %s", res.Status, res.Body)
	}
	res.JSON(t, &b)
	if b.DurationMinutes != 90 || !b.StartsAt.Equal(s.StartsAt.Add(2*time.Hour)) {
		t.Errorf("rescheduled booking = %+v", b)
	}
	if stale := e.Do(t, "receptionist", "PATCH", fmt.Sprintf("/v1/bookings/%d", b.ID), move, "If-Match", etag); stale.Status != http.StatusPreconditionFailed {
		t.Errorf("stale If-Match: %d %s", stale.Status, stale.Body)
	}
	// Check in: a repair order with the requested job.
	res = e.Do(t, "receptionist", "POST", fmt.Sprintf("/v1/bookings/%d/check-in", b.ID), map[string]any{"odometer_miles": 42000}, "If-Match", oltp.ETag(b.ID, b.Version))
	if res.Status != http.StatusCreated {
		t.Fatalf("check-in: %d %s", res.Status, res.Body)
	}
	var ro workshop.RepairOrder
	res.JSON(t, &ro)
	if ro.Status != "estimate" || ro.BookingID == nil || *ro.BookingID != b.ID {
		t.Errorf("repair order = %+v", ro)
	}
	if n := e.Count(t, fmt.Sprintf("workshop.repair_job WHERE repair_order_id = %d", ro.ID)); n != 1 {
		t.Errorf("repair jobs = %d, want 1", n)
	}
	got := e.Do(t, "technician", "GET", fmt.Sprintf("/v1/bookings/%d", b.ID), nil)
	got.JSON(t, &b)
	if b.Status != "converted" {
		t.Errorf("status after check-in = %s", b.Status)
	}
}

// TestConcurrentBookingsOfOneSlot: 50 simultaneous bookings of one bay and
// technician slot give exactly one 201; the rest 409 slot-taken.
func TestConcurrentBookingsOfOneSlot(t *testing.T) {
	e := oltptest.New(t, workshop.Register)
	start := e.Fix.Day.Add(10 * time.Hour)
	const n = 50
	statuses := make([]int, n)
	types := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := e.Do(t, "receptionist", "POST", "/v1/bookings", bookingBody(e, start, e.Fix.Bays[0], e.Fix.Technicians[i%2]))
			statuses[i] = res.Status
			var p oltp.Problem
			if res.Status != http.StatusCreated {
				res.JSON(t, &p)
				types[i] = p.Type
			}
		}()
	}
	wg.Wait()
	created := 0
	for i, s := range statuses {
		switch {
		case s == http.StatusCreated:
			created++
		case s == http.StatusConflict && strings.HasSuffix(types[i], "/slot-taken"):
		default:
			t.Errorf("request %d: status %d type %s", i, s, types[i])
		}
	}
	if created != 1 {
		t.Fatalf("%d bookings created, want exactly 1", created)
	}
	if n := e.Count(t, "workshop.booking"); n != 1 {
		t.Errorf("%d booking rows, want 1 (no partial writes)", n)
	}
}

func TestIdempotentBookingReplay(t *testing.T) {
	e := oltptest.New(t, workshop.Register)
	body := bookingBody(e, e.Fix.Day.Add(9*time.Hour), e.Fix.Bays[1], e.Fix.Technicians[0])
	first := e.Do(t, "receptionist", "POST", "/v1/bookings", body, "Idempotency-Key", "k-1")
	second := e.Do(t, "receptionist", "POST", "/v1/bookings", body, "Idempotency-Key", "k-1")
	if first.Status != http.StatusCreated || second.Status != http.StatusCreated {
		t.Fatalf("statuses %d, %d: %s", first.Status, second.Status, second.Body)
	}
	var a, b workshop.Booking
	first.JSON(t, &a)
	second.JSON(t, &b)
	if a.ID != b.ID || second.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay created %d vs %d", a.ID, b.ID)
	}
	if n := e.Count(t, "workshop.booking"); n != 1 {
		t.Errorf("%d bookings, want 1", n)
	}
	body["notes"] = "different"
	if res := e.Do(t, "receptionist", "POST", "/v1/bookings", body, "Idempotency-Key", "k-1"); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("same key, different body: %d", res.Status)
	}
}

func TestBookingBadInput(t *testing.T) {
	e := oltptest.New(t, workshop.Register)
	good := bookingBody(e, e.Fix.Day.Add(9*time.Hour), e.Fix.Bays[0], e.Fix.Technicians[0])
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range good {
			m[kk] = vv
		}
		m[k] = v
		return m
	}
	tests := []struct {
		name   string
		role   string
		body   any
		status int
	}{
		{"no token", "", good, 401},
		{"technician may not book", "technician", good, 403},
		{"malformed json", "receptionist", `{"branch_id": 1,`, 400},
		{"wrong type", "receptionist", with("branch_id", "one"), 400},
		{"unknown field", "receptionist", with("admin", true), 400},
		{"negative id", "receptionist", with("bay_id", -4), 422},
		{"zero duration", "receptionist", with("duration_minutes", 0), 422},
		{"injection in notes is just text", "receptionist", with("notes", "'); DROP TABLE workshop.booking; --"), 201},
		{"unknown bay", "receptionist", with("bay_id", 999999), 404},
		{"unknown customer", "receptionist", with("customer_id", 999999), 404},
		{"oversized", "receptionist", `{"notes":"` + strings.Repeat("x", 1<<20) + `"}`, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.Count(t, "workshop.booking")
			res := e.Do(t, tt.role, "POST", "/v1/bookings", tt.body)
			if res.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", res.Status, tt.status, res.Body)
			}
			if tt.status >= 400 {
				if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("content type %q", ct)
				}
				if after := e.Count(t, "workshop.booking"); after != before {
					t.Errorf("rows written on a rejected request: %d → %d", before, after)
				}
			}
			if tt.status == 201 {
				e.Admin.Exec(t.Context(), "UPDATE workshop.bay_reservation SET active = false")
				e.Admin.Exec(t.Context(), "UPDATE workshop.technician_booking SET active = false")
			}
		})
	}
}
