package rosters_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/carcarehub/cch/oltp/oltptest"
	"github.com/carcarehub/cch/oltp/rosters"
	"github.com/carcarehub/cch/oltp/workshop"
)

func shiftBody(branch, staff int64, from, to time.Time) map[string]any {
	return map[string]any{"branch_id": branch, "staff_id": staff, "starts_at": from.Format(time.RFC3339),
		"ends_at": to.Format(time.RFC3339), "break_minutes": 30}
}

func slotsOf(t *testing.T, e *oltptest.Env, day time.Time) workshop.Availability {
	t.Helper()
	res := e.Do(t, "receptionist", "GET", fmt.Sprintf("/v1/availability?branch_id=%d&date=%s&duration_minutes=60",
		e.Fix.Branch, day.Format(time.DateOnly)), nil)
	if res.Status != http.StatusOK {
		t.Fatalf("availability: %d %s", res.Status, res.Body)
	}
	var av workshop.Availability
	res.JSON(t, &av)
	return av
}

// TestRosteringMakesAvailability: a day without shifts has no slots; once
// a manager rosters a technician through the API, availability offers that
// technician, and a booking from a slot succeeds. Lengthening the shift
// (with If-Match) adds later slots; a stale If-Match is refused.
func TestRosteringMakesAvailability(t *testing.T) {
	e := oltptest.New(t, workshop.Register, rosters.Register)
	day := e.Fix.Day.AddDate(0, 0, 7) // a Wednesday with nobody rostered
	if av := slotsOf(t, e, day); len(av.Slots) != 0 {
		t.Fatalf("slots before any shift: %d", len(av.Slots))
	}
	tech := e.Fix.Technicians[0]
	res := e.Do(t, "manager", "POST", "/v1/shifts", shiftBody(e.Fix.Branch, tech, day.Add(8*time.Hour), day.Add(13*time.Hour)))
	if res.Status != http.StatusCreated || res.Header.Get("ETag") == "" || res.Header.Get("Location") == "" {
		t.Fatalf("roster: %d %s (ETag %q)", res.Status, res.Body, res.Header.Get("ETag"))
	}
	var sh rosters.Shift
	res.JSON(t, &sh)
	av := slotsOf(t, e, day)
	if len(av.Slots) == 0 {
		t.Fatal("no slots once a technician is rostered")
	}
	for _, s := range av.Slots {
		if s.TechnicianID != tech || s.StartsAt.Before(day.Add(8*time.Hour)) || s.StartsAt.After(day.Add(12*time.Hour)) {
			t.Fatalf("slot %+v outside the rostered shift", s)
		}
	}
	book := e.Do(t, "receptionist", "POST", "/v1/bookings", map[string]any{"branch_id": e.Fix.Branch, "customer_id": e.Fix.Customer,
		"vehicle_id": e.Fix.Vehicle, "starts_at": av.Slots[0].StartsAt.Format(time.RFC3339), "duration_minutes": 60,
		"bay_id": av.Slots[0].BayID, "technician_id": av.Slots[0].TechnicianID, "labour_operation_codes": []string{"SRV-A"}, "notes": ""})
	if book.Status != http.StatusCreated {
		t.Fatalf("booking from a slot: %d %s", book.Status, book.Body)
	}
	// Lengthen the shift to the end of the day.
	path := fmt.Sprintf("/v1/shifts/%d", sh.ID)
	change := map[string]any{"starts_at": day.Add(8 * time.Hour).Format(time.RFC3339), "ends_at": day.Add(18 * time.Hour).Format(time.RFC3339),
		"break_minutes": 0, "productive": true, "active": true}
	moved := e.Do(t, "manager", "PATCH", path, change, "If-Match", res.Header.Get("ETag"))
	if moved.Status != http.StatusOK {
		t.Fatalf("lengthen: %d %s", moved.Status, moved.Body)
	}
	if r := e.Do(t, "manager", "PATCH", path, change, "If-Match", res.Header.Get("ETag")); r.Status != http.StatusPreconditionFailed {
		t.Fatalf("stale If-Match: %d %s, want 412", r.Status, r.Body)
	}
	if last := slotsOf(t, e, day).Slots; last[len(last)-1].StartsAt.Before(day.Add(16 * time.Hour)) {
		t.Fatalf("the lengthened shift offers no late slot: last %s", last[len(last)-1].StartsAt)
	}
	var got rosters.Shift
	moved.JSON(t, &got)
	if got.Version != sh.Version+1 || !got.EndsAt.Equal(day.Add(18*time.Hour)) {
		t.Fatalf("after the change: %+v", got)
	}
}

// TestShiftRules: who may roster whom, and what the rota refuses.
func TestShiftRules(t *testing.T) {
	e := oltptest.New(t, rosters.Register)
	day := e.Fix.Day.AddDate(0, 0, 14)
	driver := e.Fix.Staff["chauffeur"]
	if _, err := e.Admin.Exec(t.Context(), `INSERT INTO chauffeur.chauffeur (id, organisation_id, branch_id, licence_number, licence_expires_on)
		VALUES ($1, $2, $3, 'LIC-1', current_date + 365)`, driver, e.Fix.Org, e.Fix.Branch); err != nil {
		t.Fatal(err)
	}
	var otherStaff int64
	if err := e.Admin.QueryRow(t.Context(), `INSERT INTO core.staff (organisation_id, given_name, family_name, email, pay_basis, cost_rate, pay_rate)
		VALUES ($1, 'Other', 'Org', 'other@elsewhere.test', 'hourly', 20, 15) RETURNING id`, e.Fix.OtherOrg).Scan(&otherStaff); err != nil {
		t.Fatal(err)
	}
	tech := e.Fix.Technicians[1]
	morning := func(staff int64) map[string]any {
		return shiftBody(e.Fix.Branch, staff, day.Add(7*time.Hour), day.Add(15*time.Hour))
	}
	tests := []struct {
		name, role string
		body       any
		want       int
	}{
		{"a dispatcher rosters a chauffeur", "dispatcher", morning(driver), 201},
		{"a dispatcher may not roster a technician", "dispatcher", morning(tech), 403},
		{"a manager rosters a technician", "manager", morning(tech), 201},
		{"an overlapping shift of the same person", "manager", shiftBody(e.Fix.Branch, tech, day.Add(14*time.Hour), day.Add(20*time.Hour)), 409},
		{"a receptionist does not plan the rota", "receptionist", morning(e.Fix.Staff["receptionist"]), 403},
		{"a technician does not plan the rota", "technician", morning(tech), 403},
		{"staff of another organisation", "manager", morning(otherStaff), 404},
		{"a branch of another organisation", "manager", shiftBody(e.Fix.OtherBranch, tech, day.Add(7*time.Hour), day.Add(9*time.Hour)), 404},
		{"ends before it starts", "manager", shiftBody(e.Fix.Branch, tech, day.Add(20*time.Hour), day.Add(19*time.Hour)), 422},
		{"longer than 16 hours", "manager", shiftBody(e.Fix.Branch, tech, day.Add(-8*time.Hour), day.Add(20*time.Hour)), 422},
		{"an unknown field", "manager", `{"branch_id": 1, "staff_id": 1, "shift": "early"}`, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := e.Do(t, tt.role, "POST", "/v1/shifts", tt.body); r.Status != tt.want {
				t.Fatalf("%d, want %d: %s", r.Status, tt.want, r.Body)
			}
		})
	}
	list := e.Do(t, "technician", "GET", fmt.Sprintf("/v1/shifts?branch_id=%d&from=%s&to=%s", e.Fix.Branch,
		day.Format(time.DateOnly), day.AddDate(0, 0, 1).Format(time.DateOnly)), nil)
	var page struct{ Items []rosters.Shift }
	list.JSON(t, &page)
	if list.Status != 200 || len(page.Items) != 2 {
		t.Fatalf("the day's rota: %d, %d shifts (want 2): %s", list.Status, len(page.Items), list.Body)
	}
	// A dispatcher may not change a technician's shift either.
	var techShift rosters.Shift
	for _, s := range page.Items {
		if s.StaffID == tech {
			techShift = s
		}
	}
	path := fmt.Sprintf("/v1/shifts/%d", techShift.ID)
	etag := e.Do(t, "dispatcher", "GET", path, nil).Header.Get("ETag")
	cancel := map[string]any{"starts_at": techShift.StartsAt.Format(time.RFC3339), "ends_at": techShift.EndsAt.Format(time.RFC3339),
		"break_minutes": 30, "productive": true, "active": false}
	if r := e.Do(t, "dispatcher", "PATCH", path, cancel, "If-Match", etag); r.Status != http.StatusForbidden {
		t.Fatalf("dispatcher cancelling a technician's shift: %d %s, want 403", r.Status, r.Body)
	}
	if r := e.Do(t, "manager", "PATCH", path, cancel, "If-Match", etag); r.Status != http.StatusOK {
		t.Fatalf("manager cancelling a shift: %d %s", r.Status, r.Body)
	}
	for _, q := range []string{"from=2026-01-01&to=2026-01-01", "from=2026-01-01&to=2026-06-01", "from=x&to=2026-01-02", "to=2026-01-02"} {
		if r := e.Do(t, "manager", "GET", fmt.Sprintf("/v1/shifts?branch_id=%d&%s", e.Fix.Branch, q), nil); r.Status != http.StatusBadRequest {
			t.Errorf("GET /v1/shifts?%s: %d, want 400", q, r.Status)
		}
	}
}
